/**
 * No credential reaches an artefact: the scanner (src/credentials/scan.ts, the config's credential policy
 * applied to output) over every project's generated files, with negative controls that prove it finds
 * what it must and leaves references and masks alone. Reuse `scanArtefacts` on any compile's output.
 */
import { describe, expect, test } from 'vitest';
import { scanArtefacts } from '../src/credentials/scan.js';
import { compileProject, PROJECTS } from './support/compile.js';

describe('generated files name Secrets, never hold them', () => {
  test.each(PROJECTS)('$name', async ({ config }) => {
    const { artefacts } = await compileProject(config);
    expect(artefacts.length).toBeGreaterThan(5);
    expect(scanArtefacts(artefacts)).toEqual([]);
  });
});

describe('the scanner', () => {
  const planted: [string, string, string][] = [
    ['flink/pipeline.sql', "  'password' = 'hunter2',", "'password' has a literal value"],
    ['flink/pipeline.sql', "SET 'security.ssl.keystore-password' = 'hunter2';", 'literal value'],
    ['flink/pipeline.sql', "SET 's3.secret-key' = 'abc';", 'literal value'],
    ['flink/pipeline.sql', "  'url' = 'jdbc:postgresql://flink:pw@db:5432/a',", 'user:password@'],
    ['flink/pipeline.sql', "  'url' = 'jdbc:postgresql://db:5432/analytics?password=x',", "'password=' parameter"],
    ['flink/pipeline.sql', "SET 'execution.checkpointing.dir' = 's3://AKIAABCDEFGHIJKLMNOP:x@b/c';", 'URL'],
    ['debezium/a.json', '{ "database.password": "hunter2" }', 'literal value'],
    ['debezium/a.json', '{ "value.converter.basic.auth.user.info": "u:p" }', 'literal value'],
    ['debezium/register.sh', 'export ECOM_DB_PASSWORD=hunter2', 'literal value'],
    ['k8s/secret.yaml', '  password: hunter2', 'literal value'],
    ['superset/bundle/databases/a.yaml', 'sqlalchemy_uri: postgresql://u:hunter2@h:5432/a', 'user:password@'],
    ['superset/bootstrap', 'fields = {"passwords": "{\\"databases/a.yaml\\": \\"pw\\"}"}', 'literal value'],
    ['k8s/secret.yaml', '  sasl.jaas.config: x required password="p";', 'literal value'],
    ['README', '-----BEGIN RSA PRIVATE KEY-----', 'private key'],
    ['README', 'token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', 'GitHub token'],
  ];
  test.each(planted)('finds a credential planted in %s: %s', (path, line, what) => {
    const findings = scanArtefacts([{ path, contents: `-- generated\n${line}\n` }]);
    expect(findings.length, JSON.stringify(findings)).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ path, line: 2 });
    expect(findings.map((f) => f.what).join(' | ')).toContain(what);
  });

  test('…and in a real compile output, where the config could not have put it', async () => {
    const { artefacts } = await compileProject(PROJECTS[0]!.config);
    const tampered = artefacts.map((a) =>
      a.path === 'flink/pipeline.sql'
        ? { ...a, contents: (a.contents as string).replace("'${ANALYTICS_DB_PASSWORD}'", "'s3cr3t'") }
        : a,
    );
    expect(scanArtefacts(tampered).map((f) => f.path)).toContain('flink/pipeline.sql');
  });

  test('…and inside bundle.zip (bytes), where a masked password was replaced by a real one', async () => {
    const { artefacts } = await compileProject(PROJECTS[0]!.config);
    const zip = artefacts.find((a) => a.path === 'superset/bundle.zip')!;
    expect(typeof zip.contents).not.toBe('string');
    expect(scanArtefacts([zip])).toEqual([]);
    const bytes = Buffer.from(zip.contents as Uint8Array);
    const at = bytes.indexOf(':XXXXXXXXXX@');
    expect(at).toBeGreaterThan(0);
    bytes.write(':hunter2pw1@', at, 'latin1');
    expect(scanArtefacts([{ path: zip.path, contents: bytes }]).map((f) => f.what)).toContain(
      'a URL with credentials in it (user:password@)',
    );
  });

  test.each([
    "  'password' = '${ANALYTICS_DB_PASSWORD}',",
    '  "database.password": "${env:ECOM_DB_PASSWORD}",',
    'SQLALCHEMY_URI = postgresql://superset:XXXXXXXXXX@analytics:5432/a',
    'sqlalchemy_uri: postgresql://{ANALYTICS_DB_USER}:XXXXXXXXXX@analytics:5432/a',
    'ADMIN_ENV = ("SUPERSET_USER", "SUPERSET_ADMIN_PASSWORD")',
    "SET 's3.secret-key' = '${FLINK_S3_SECRET_KEY}';",
    '#   ECOM_DB_PASSWORD from Secret ecom-db-credentials (key password)',
    '        key: password',
    "  'sasl.oauthbearer.token.endpoint.url' = 'https://idp/token',",
    "  'basic.auth.credentials.source' = 'USER_INFO',",
    'POSTGRES_PASSWORD: dev-only-placeholder',
    '      automountServiceAccountToken: false',
    "-- (key password), e.g. with psql's \\password debezium_ecom.",
  ])('leaves references, masks and labelled placeholders alone: %s', (line) => {
    expect(scanArtefacts([{ path: 'x', contents: `${line}\n` }])).toEqual([]);
  });
});
