/**
 * Secret references as environment variables: Flink settings take secret(); every variable name is
 * collision-free (one secret and key is one variable, two different ones never share a name, no name a
 * consumer's image reads itself); the analytics database name cannot add JDBC URL parameters. Checked on
 * the Model and on the Kubernetes pods that consume the variables.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlinkSQL } from 'dt-sql-parser';
import { describe, expect, test } from 'vitest';
import { readFlinkScript } from '../src/verify/flink-script.js';
import { compileValue } from '../src/compile.js';
import { definePipeline, postgresSource, secret, t, type Source } from '../src/index.js';
import { loadTemplates } from '../src/render/templates.js';
import type { Model, SecretBinding } from '../src/resolve/model.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';
import { scanArtefacts } from '../src/credentials/scan.js';
import { parseAllDocuments } from 'yaml';
import { checkObjects } from '../src/targets/kubernetes/checks.js';
import { buildStack, type Placed } from '../src/targets/kubernetes/objects.js';

const render = loadTemplates(undefined, TEMPLATE_OPTIONS).render;

function compiled(sources: Source[], options: Record<string, unknown> = {}) {
  const p = definePipeline({
    name: 'p',
    sources,
    analytics: { database: 'analytics', user: 'w', password: secret('analytics-db', 'password') },
    deployment: {},
    ...options,
  } as never);
  const r = compileValue(p, { configFile: 'pipeline.config.ts', render });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  // Text artefacts only (no chart here, so no superset/bundle.zip).
  const text = r.artefacts.flatMap((a) => (typeof a.contents === 'string' ? [[a.path, a.contents] as const] : []));
  return { model: r.model!, files: new Map(text) };
}

const source = (name: string, password = secret(`${name.replace(/_/g, '-')}-db`, 'password'), properties = {}) => {
  const s = postgresSource(name, { database: name, password, connector: { properties } });
  s.table(`${name}_t`, { columns: { id: t.integer().primaryKey() } });
  return s;
};

/** Every binding the Model makes, across consumers. */
const bindings = (m: Model): SecretBinding[] => [...m.connect.env, ...m.flink.env];

/** Each variable names one secret and key, and each secret and key has one variable. */
function expectOneToOne(m: Model) {
  const byEnv = new Map<string, string>();
  const byRef = new Map<string, string>();
  for (const b of bindings(m)) {
    const ref = `${b.secret}/${b.key}`;
    expect(byEnv.get(b.env) ?? ref, b.env).toBe(ref);
    expect(byRef.get(ref) ?? b.env, ref).toBe(b.env);
    byEnv.set(b.env, ref);
    byRef.set(ref, b.env);
  }
}

/** Every container of the rendered Kubernetes base (every document of every file) with its variables. */
function containers(files: Map<string, string>): { where: string; env: { name: string; valueFrom?: any }[] }[] {
  const out: { where: string; env: { name: string; valueFrom?: any }[] }[] = [];
  for (const [path, text] of files) {
    if (!path.startsWith('kubernetes/base/') || !path.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as any;
      const spec = o?.spec?.template?.spec ?? o?.spec?.jobTemplate?.spec?.template?.spec;
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])])
        out.push({ where: `${path} ${o.kind}/${o.metadata?.name}/${c.name}`, env: c.env ?? [] });
    }
  }
  expect(out.length).toBeGreaterThan(3);
  return out;
}

/** No container declares a variable twice (a repeated entry silently replaces the first). */
function expectNoRepeatedVariable(files: Map<string, string>) {
  for (const c of containers(files)) {
    const names = c.env.map((e) => e.name);
    expect(
      names.filter((n, i) => names.indexOf(n) !== i),
      c.where,
    ).toEqual([]);
  }
}

describe('Secret environment variables', () => {
  test('a source named kafka and the Kafka property db.password get different variables', () => {
    const { model: m } = compiled([source('kafka', secret('kafka-db', 'password'))], {
      kafka: { properties: { 'db.password': secret('kafka-client', 'pw') } },
    });
    expectOneToOne(m);
    expect(m.sources[0]!.password.env).toBe('KAFKA_DB_PASSWORD');
    const client = m.flink.env.find((b) => b.secret === 'kafka-client')!;
    expect(client.env).toBe('KAFKA_DB_PASSWORD_2');
    expect(m.tables[0]!.flink.sourceOptions).toContainEqual(['properties.db.password', '${KAFKA_DB_PASSWORD_2}']);
  });

  test('one secret and key is one variable, wherever it is used', () => {
    const common = secret('common', 'pw');
    const { model: m, files } = compiled(
      [source('shop', common), source('depot', common, { 'database.sslpassword': common })],
      {
        flink: { settings: { 's3.secret-key': common } },
      },
    );
    expectOneToOne(m);
    expect(m.connect.env.map((b) => b.env)).toEqual(['SHOP_DB_PASSWORD']);
    expect(m.sources[1]!.connectorConfig).toContainEqual(['database.password', '${env:SHOP_DB_PASSWORD}']);
    expect(m.sources[1]!.connectorConfig).toContainEqual(['database.sslpassword', '${env:SHOP_DB_PASSWORD}']);
    expect(m.flink.settings).toContainEqual(['s3.secret-key', '${SHOP_DB_PASSWORD}']);
    // …and each container declares it once.
    expectNoRepeatedVariable(files);
  });

  test('no Secret arrives under a name the consumer image reads itself', () => {
    // The Debezium image writes every CONNECT_* variable into its properties file and its startup log;
    // the Flink image appends FLINK_PROPERTIES to its configuration.
    const { model: m, files } = compiled([source('connect'), source('connect_eu')], {
      flink: { settings: { properties: secret('odd', 'value'), 'env.java.opts.all': secret('odd', 'opts') } },
    });
    expectOneToOne(m);
    expect(m.connect.env.map((b) => b.env)).toEqual(['CDC_CONNECT_DB_PASSWORD', 'CDC_CONNECT_EU_DB_PASSWORD']);
    expect(m.flink.env.map((b) => b.env)).toEqual([
      'ANALYTICS_DB_PASSWORD',
      'CDC_FLINK_ENV_JAVA_OPTS_ALL',
      'CDC_FLINK_PROPERTIES',
    ]);
    for (const b of bindings(m)) expect(b.env).not.toMatch(/^(CONNECT_|FLINK_PROPERTIES$|FLINK_ENV_JAVA_OPTS)/);
    expectNoRepeatedVariable(files);
  });
});

test('the Kubernetes checks refuse a container that declares a variable twice (the second hides the first)', () => {
  const { model: m, files } = compiled([source('shop')]);
  const d = m.deployment!;
  const content = new Map([...files].filter(([p]) => !p.startsWith('kubernetes/')));
  const ctx = { model: m, deployment: d, profile: d.base, content };
  const placed = buildStack({ ...ctx, ctx: { configFile: 'x', render } }, []);
  expect(checkObjects(placed, ctx)).toEqual([]);
  const broken = JSON.parse(JSON.stringify(placed)) as Placed[];
  const connect = broken.find((p) => p.object.kind === 'Deployment' && p.object.metadata!.name === 'debezium')!;
  const worker = (connect.object as { spec: { template: { spec: { containers: { env: object[] }[] } } } }).spec.template
    .spec.containers[0]!;
  worker.env.push({ name: 'SHOP_DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'other', key: 'pw' } } });
  expect(checkObjects(broken, ctx).map((x) => `${x.code}: ${x.message}`)).toContainEqual(
    'K8S.DUPLICATE_ENV: the kustomize base: Deployment infra/debezium container connect declares SHOP_DB_PASSWORD twice',
  );
});

describe('Flink settings that hold credentials', () => {
  test('take secret() and become placeholders the SQL runner fills from its own environment', () => {
    const { model: m, files } = compiled([source('shop')], {
      flink: {
        settings: {
          'security.ssl.keystore-password': secret('flink-tls', 'keystore-password'),
          's3.secret-key': secret('flink-s3', 'secret-key'),
          's3.access-key': secret('flink-s3', 'access-key'),
        },
      },
    });
    expect(m.flink.settings).toContainEqual([
      'security.ssl.keystore-password',
      '${FLINK_SECURITY_SSL_KEYSTORE_PASSWORD}',
    ]);
    expect(m.flink.settings).toContainEqual(['s3.secret-key', '${FLINK_S3_SECRET_KEY}']);
    expect(m.flink.env).toContainEqual({
      env: 'FLINK_S3_SECRET_KEY',
      secret: 'flink-s3',
      key: 'secret-key',
      placeholder: '${FLINK_S3_SECRET_KEY}',
    });
    const sqlText = files.get('flink/pipeline.sql')!;
    expect(sqlText).toContain("SET 's3.secret-key' = '${FLINK_S3_SECRET_KEY}';");
    // The SQL runner's pod reads each from its Secret (the compile-time check K8S.UNBOUND_PLACEHOLDER agrees).
    const runner = containers(files).find((c) => c.where.includes('/sql-runner'))!;
    expect(runner.env.find((e) => e.name === 'FLINK_S3_SECRET_KEY')?.valueFrom).toEqual({
      secretKeyRef: { name: 'flink-s3', key: 'secret-key' },
    });
    expect(runner.env.find((e) => e.name === 'FLINK_SECURITY_SSL_KEYSTORE_PASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'flink-tls', key: 'keystore-password' },
    });
    expect(scanArtefacts([...files].map(([path, contents]) => ({ path, contents })))).toEqual([]);
  });

  test('in plaintext they are refused, located at the setting', () => {
    const p = definePipeline({
      name: 'p',
      sources: [source('shop')],
      analytics: { database: 'analytics', user: 'w', password: secret('analytics-db', 'password') },
      flink: { settings: { 's3.secret-key': 'hunter2-hunter2' } },
      deployment: {},
    });
    const r = compileValue(p, { configFile: 'pipeline.config.ts', render });
    expect(r.diagnostics.map((d) => [d.code, d.subject?.path])).toEqual([
      ['CONFIG.PLAINTEXT_SECRET', ['flink', 'settings', 's3.secret-key']],
    ]);
  });
});

describe('the SQL runner fills the placeholders', () => {
  /** run-pipeline.sh from the runner's ConfigMap in the rendered base. */
  function runnerScript(files: Map<string, string>): string {
    for (const doc of parseAllDocuments(files.get('kubernetes/base/flink.yaml')!)) {
      const o = doc.toJS() as any;
      if (o?.kind === 'ConfigMap' && o.data?.['run-pipeline.sh']) return o.data['run-pipeline.sh'];
    }
    throw new Error('no run-pipeline.sh in kubernetes/base/flink.yaml');
  }

  test('a quote, backslash or dollar in a Secret value stays inside its SQL string literal', () => {
    const { model: m, files } = compiled([source('shop')], {
      analytics: {
        database: 'analytics',
        user: secret('analytics-db', 'user'),
        password: secret('analytics-db', 'password'),
      },
    });
    const script = runnerScript(files);
    // The script's own lines, from its environment checks to the substitution, with the paths moved to a
    // temp folder and the REST calls left out: what Kubernetes would run, minus Flink.
    const lines = script.split('\n');
    const head = lines.slice(
      0,
      lines.findIndex((l) => l.startsWith('get()')),
    );
    const subst = lines.find((l) => l.startsWith('envsubst '))!;
    // sql-client.sh's echo of the statements, through the script's mask (here: cat of what it runs).
    const mask = lines.slice(lines.indexOf('mask() {'), lines.indexOf('}', lines.indexOf('mask() {')) + 1);
    const client = lines.find((l) => l.startsWith('/opt/flink/bin/sql-client.sh -f'))!;
    expect(client).toMatch(/\| mask$/);
    const dir = mkdtempSync(join(tmpdir(), 'cdc-runner-'));
    try {
      writeFileSync(join(dir, 'pipeline.sql'), files.get('flink/pipeline.sql')!);
      const probe = [
        ...head,
        subst.replaceAll('/opt/cdc/flink/', `${dir}/`).replaceAll('/opt/cdc/rendered/', `${dir}/out-`),
        ...mask,
        `cat ${dir}/out-pipeline.sql | mask > ${dir}/log.txt`,
      ];
      writeFileSync(join(dir, 'probe.sh'), probe.join('\n'));
      const password = `it's a 'quoted'' \\ $HOME \${X} "pass" -- ;`;
      const user = "o'brien";
      execFileSync('bash', [join(dir, 'probe.sh')], {
        env: { PATH: process.env['PATH'], ANALYTICS_DB_USER: user, ANALYTICS_DB_PASSWORD: password },
      });
      const rendered = readFileSync(join(dir, 'out-pipeline.sql'), 'utf8') as string;
      // The Flink grammar accepts it, and each sink reads back exactly the Secret's values.
      expect(new FlinkSQL().validate(rendered).map((e) => e.message)).toEqual([]);
      const sinks = readFlinkScript(rendered).tables.filter((t) =>
        t.options.some(([k, v]) => k === 'connector' && v === 'jdbc'),
      );
      expect(sinks.length).toBe(m.flink.submissions.length);
      for (const t of sinks) {
        expect(new Map(t.options).get('password')).toBe(password);
        expect(new Map(t.options).get('username')).toBe(user);
      }
      // What reaches the pod's log shows the user but never the password, as given or as quoted.
      const log = readFileSync(join(dir, 'log.txt'), 'utf8');
      expect(log).toContain("'password'                   = '******'");
      expect(log).toContain(`'${user.replaceAll("'", "''")}'`);
      expect(log).not.toContain('quoted');
      expect(log.split('\n').length).toBe(rendered.split('\n').length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the analytics database name in the JDBC URL', () => {
  test('is percent-encoded, so it cannot add URL parameters', () => {
    const { model: m, files } = compiled([source('shop')], {
      analytics: {
        database: 'a?socketFactory=org.x.Factory&socketFactoryArg=y#z',
        user: 'w',
        password: secret('analytics-db', 'password'),
      },
    });
    expect(m.analytics.jdbcUrl).toMatch(/\/a%3FsocketFactory%3Dorg\.x\.Factory%26socketFactoryArg%3Dy%23z$/);
    expect(files.get('flink/pipeline.sql')).not.toContain('?socketFactory');
    // The database itself keeps its name where it is not in a URL.
    expect(m.analytics.database).toBe('a?socketFactory=org.x.Factory&socketFactoryArg=y#z');
  });

  test('with parameters of its own, only those follow the ?', () => {
    const { model: m } = compiled([source('shop')], {
      analytics: {
        database: 'my db&x=1',
        user: 'w',
        password: secret('analytics-db', 'password'),
        jdbcParameters: { sslmode: 'require' },
      },
    });
    expect(new URL(m.analytics.jdbcUrl.slice('jdbc:'.length)).searchParams.toString()).toBe('sslmode=require');
    expect(decodeURIComponent(new URL(m.analytics.jdbcUrl.slice('jdbc:'.length)).pathname.slice(1))).toBe('my db&x=1');
  });
});
