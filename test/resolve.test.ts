/** Model decisions that need no files: built from DSL values directly. */
import { describe, expect, test } from 'vitest';
import { definePipeline, postgresSource, secret, sql, t, view, type Source } from '../src/index.js';
import { checkQuery } from '../src/sql/lexer.js';
import { dedent } from '../src/sql/dialect.js';
import { resolve } from '../src/resolve/index.js';
import { validate } from '../src/validate/index.js';

const source = (name: string) =>
  postgresSource(name, { host: `${name}-db`, database: name, password: secret(`${name}-db`, 'password') });
const pipeline = (sources: Source[], flink = {}) =>
  definePipeline({
    name: 'p',
    sources,
    kafka: { bootstrapServers: 'kafka:9092' },
    connect: { url: 'http://connect:8083' },
    flink,
    analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'password') },
  });
const model = (p: ReturnType<typeof pipeline>) => {
  const { config, diagnostics } = validate(p);
  expect(diagnostics).toEqual([]);
  return resolve(config!);
};

describe('Flink table names', () => {
  test('are unique even when table names and analytics names collide', () => {
    const a = source('a');
    const b = source('b');
    a.table('orders', { columns: { id: t.integer().primaryKey() } });
    b.table('orders', { columns: { id: t.integer().primaryKey() }, analytics: { name: 'fact_b_orders' } });
    a.table('Orders2', { columns: { id: t.integer().primaryKey() }, analytics: { name: 'orders' } });
    b.table('orders2', { columns: { id: t.integer().primaryKey() }, analytics: { name: 'fact_orders2' } });
    const { model: m, diagnostics } = model(pipeline([a, b]));
    expect(diagnostics).toEqual([]);
    const names = m!.tables.map((x) => x.flink.sourceTable);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['kafka_fact_orders', 'kafka_orders', 'kafka_fact_b_orders', 'kafka_fact_orders2']);
  });
});

describe('Flink settings', () => {
  test.each(['execution.runtime-mode', 'table.dml-sync', 'execution.checkpointing.interval', 'pipeline.name'])(
    '%s cannot be overridden',
    (key) => {
      const a = source('a');
      a.table('orders', { columns: { id: t.integer().primaryKey() } });
      const { diagnostics } = model(pipeline([a], { settings: { [key]: 'x' } }));
      expect(diagnostics.map((d) => d.code)).toEqual(['FLINK.MANAGED_SETTING']);
    },
  );

  test('other known settings pass through and replace defaults', () => {
    const a = source('a');
    a.table('orders', { columns: { id: t.integer().primaryKey() } });
    const { model: m } = model(pipeline([a], { settings: { 'restart-strategy.fixed-delay.attempts': 3 } }));
    expect(m!.flink.settings).toContainEqual(['restart-strategy.fixed-delay.attempts', '3']);
  });
});

describe('extra columns', () => {
  test('NOT NULL without a default is refused (the sink never writes it)', () => {
    const a = source('a');
    a.table('orders', {
      columns: { id: t.integer().primaryKey() },
      analytics: {
        extraColumns: { tenant: t.text().notNull(), loaded_at: t.timestamptz().notNull().default('now()') },
      },
    });
    const { diagnostics } = model(pipeline([a]));
    expect(diagnostics.map((d) => [d.code, d.subject?.path])).toEqual([
      ['TABLE.IGNORED_OPTION', ['analytics', 'extraColumns', 'tenant']],
    ]);
  });
});

describe('Kafka client properties and JDBC parameters', () => {
  const withOptions = (kafka: object, analytics: object) => {
    const a = source('a');
    a.table('orders', { columns: { id: t.integer().primaryKey() } });
    return definePipeline({
      name: 'p',
      sources: [a],
      kafka: { bootstrapServers: 'kafka:9092', ...kafka },
      connect: { url: 'http://connect:8083' },
      analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'password'), ...analytics },
    });
  };

  test('credentials must be Secret references, and become placeholders', () => {
    const refused = validate(withOptions({ properties: { 'sasl.jaas.config': 'org.apache… password="x";' } }, {}));
    expect(refused.diagnostics.map((d) => d.code)).toEqual(['CONFIG.PLAINTEXT_SECRET']);
    const { model: m } = model(
      withOptions({ properties: { 'sasl.jaas.config': secret('kafka', 'jaas'), 'security.protocol': 'SASL_SSL' } }, {}),
    );
    expect(m!.tables[0]!.flink.sourceOptions).toContainEqual([
      'properties.sasl.jaas.config',
      '${KAFKA_SASL_JAAS_CONFIG}',
    ]);
    expect(m!.flink.env).toContainEqual({
      env: 'KAFKA_SASL_JAAS_CONFIG',
      secret: 'kafka',
      key: 'jaas',
      placeholder: '${KAFKA_SASL_JAAS_CONFIG}',
    });
  });

  test('JDBC parameters join the URL; stringtype stays the compiler’s', () => {
    const { model: m } = model(withOptions({}, { jdbcParameters: { sslmode: 'require' } }));
    expect(m!.analytics.jdbcUrl).toBe('jdbc:postgresql://a:5432/a?sslmode=require');
    const refused = model(withOptions({}, { jdbcParameters: { stringtype: 'varchar' } }));
    expect(refused.diagnostics.map((d) => d.code)).toEqual(['FLINK.MANAGED_SETTING']);
  });
});

describe('what counts as a credential', () => {
  test('TLS file locations and types are plain settings; passwords and JAAS configs are not', async () => {
    const { isCredentialKey: isSecretProperty } = await import('../src/credentials/policy.js');
    for (const key of [
      'ssl.truststore.location',
      'ssl.truststore.type',
      'ssl.keystore.type',
      'sasl.oauthbearer.token.endpoint.url',
      'security.protocol',
      'basic.auth.credentials.source',
      'fs.s3a.aws.credentials.provider',
      'security.delegation.tokens.enabled',
      'database.sslkey',
      'message.key.columns',
      'key',
    ]) {
      expect(isSecretProperty(key), key).toBe(false);
    }
    for (const key of [
      'ssl.truststore.password',
      'ssl.key.password',
      'sasl.jaas.config',
      'database.sslpassword',
      'ssl.keystore.key',
      'password',
      'basic.auth.user.info',
      'schema.registry.basic.auth.user.info',
      'security.ssl.keystore-password',
      'security.ssl.rest.key-password',
      's3.secret-key',
      's3.access-key',
      'fs.s3a.access.key',
      'fs.s3a.session.token',
      'fs.oss.accessKeyId',
      'fs.azure.account.key.acct.blob.core.windows.net',
      'ECOM_DB_PASSWORD',
    ]) {
      expect(isSecretProperty(key), key).toBe(true);
    }
  });

  test('JDBC parameters cannot carry a password or the login', () => {
    const a = source('a');
    a.table('orders', { columns: { id: t.integer().primaryKey() } });
    const p = definePipeline({
      name: 'p',
      sources: [a],
      kafka: { bootstrapServers: 'kafka:9092' },
      connect: { url: 'http://connect:8083' },
      analytics: {
        host: 'a',
        database: 'a',
        user: 'w',
        password: secret('a', 'password'),
        jdbcParameters: { sslpassword: 'x', user: 'y' },
      },
    });
    // The credential is refused by the policy in validate, before the Model is built; the login after.
    expect(validate(p).diagnostics.map((d) => d.code)).toEqual(['CONFIG.PLAINTEXT_SECRET']);
    const rest = definePipeline({ ...p.options, analytics: { ...p.options.analytics, jdbcParameters: { user: 'y' } } });
    expect(model(rest).diagnostics.map((d) => d.code)).toEqual(['FLINK.MANAGED_SETTING']);
  });
});

describe('view SQL: one lex of the rendered text where it decides as the dedented body would', () => {
  // A view's SQL is checked as views.sql receives it (dedented, trimmed). Each text here is judged by the
  // views pass and by checkQuery over that body; they must agree, including where the raw text alone
  // would pass: a no-break space indenting a line is white space to dedent and part of a word to the lexer.
  const texts = [
    'SELECT 1 AS x',
    '\n    SELECT 1 AS x\n    FROM t\n  ',
    'SELECT 1 AS x;',
    'SELECT 1 AS x; -- done',
    'SELECT 1 AS x\n\u00a0FROM t',
    'SELECT 1 AS x\n\u00a01abc',
    "SELECT 'a\n   b' AS x",
    'SELECT 1 AS x; SELECT 2',
    '  DELETE FROM t',
    'SELECT (1 AS x',
    "SELECT 'a\\b' AS x",
  ];
  for (const text of texts) {
    test(JSON.stringify(text), () => {
      const s = source('s');
      s.table('orders', { columns: { id: t.integer().primaryKey() } });
      const v = view('v', { columns: { x: t.integer() }, sql: sql([text] as unknown as TemplateStringsArray) });
      const p = definePipeline({ ...pipeline([s]).options, views: [v] });
      const { config } = validate(p);
      const codes = resolve(config!).diagnostics.map((d) => d.code);
      const expected = checkQuery(dedent(text).trim()).problem?.code;
      expect(codes).toEqual(expected ? [expected] : []);
    });
  }
});

describe('column models shared within a source', () => {
  test('equal columns of tables of one source are one object; findings are still reported per table', () => {
    const a = source('a');
    const b = postgresSource('b', {
      host: 'b-db',
      database: 'b',
      password: secret('b-db', 'password'),
      connector: { decimalHandling: 'double', timePrecision: 'connect' },
    });
    const columns = { id: t.timestamp().primaryKey(), total: t.numeric(12, 2), select: t.text() };
    const x = a.table('x', { columns });
    const y = a.table('y', { columns: { ...columns, id: t.uuid().primaryKey() } });
    b.table('z', { columns });
    const { config } = validate(pipeline([a, b]));
    const out = resolve(config!);
    // `select` lands under a reserved name: reported for every table, not once per shared column model.
    expect(
      out.diagnostics.map((d) => `${d.code} ${d.subject?.kind === 'table' ? d.subject.table : ''}`).sort(),
    ).toEqual([
      'TABLE.INVALID_ANALYTICS_NAME x',
      'TABLE.INVALID_ANALYTICS_NAME y',
      'TABLE.INVALID_ANALYTICS_NAME z',
      'TYPE.LOSSY_KEY x',
      'TYPE.LOSSY_KEY z',
    ]);
    const fixed = { id: t.timestamp(3).primaryKey(), total: t.numeric(12, 2), note: t.text() };
    const c = source('c');
    c.table('x', { columns: fixed });
    c.table('y', { columns: { ...fixed, id: t.uuid().primaryKey() } });
    const d = postgresSource('d', {
      host: 'd-db',
      database: 'd',
      password: secret('d-db', 'password'),
      connector: { decimalHandling: 'double' },
    });
    d.table('z', { columns: fixed });
    const m = model(pipeline([c, d])).model!;
    const [cx, cy, dz] = m.tables;
    expect(cx!.columns[1]).toBe(cy!.columns[1]);
    expect(cx!.columns[2]).toBe(cy!.columns[2]);
    expect(cx!.analytics.columns[1]).toBe(cy!.analytics.columns[1]);
    // A key column and another column of the same type are not the same model.
    expect(cx!.columns[0]).not.toBe(cy!.columns[0]);
    expect(cx!.columns[0]!.primaryKey).toBe(true);
    // Another source (other connector modes: numeric as double) makes its own.
    expect(dz!.columns[1]).not.toBe(cx!.columns[1]);
    expect(dz!.columns[1]!.mapping).not.toEqual(cx!.columns[1]!.mapping);
    void x;
    void y;
  });
});
