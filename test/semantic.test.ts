/**
 * Semantic checks of every project's artefacts with the field's own tools: the Flink SQL grammar
 * (dt-sql-parser), PostgreSQL (PGlite), the vendored option references (src/resolve/reference), bash and curl
 * against a fake Kafka Connect. Snapshots say "the output did not change"; these say "the output works".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { FlinkSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { managedStandIns, sourceTablesDdl } from '../src/verify/source-tables.js';
import { compileProject, PROJECTS } from './support/compile.js';
import { readFlinkScript, type FlinkScript, type FlinkTable } from '../src/verify/flink-script.js';
import { startFakeConnect } from './support/fake-connect.js';
import {
  canonicalBaseType,
  canonicalTypes,
  newDb,
  primaryKeyColumns,
  relationColumns,
  relkind,
  sampleValue,
} from './support/pg.js';
import { loadConfig } from '../src/load/index.js';
import type { Model, SourceModel } from '../src/resolve/model.js';
import { DEBEZIUM_PROPERTIES, FLINK_SESSION_OPTIONS, flinkOptionsOf, isKnownProperty } from '../src/resolve/catalog.js';

// ---------------------------------------------------------------------------------------------------------
// References

// The lists the resolver consults (src/resolve/reference/, vendored research): runtime and tests cannot drift.
const isDebeziumProperty = (key: string) => isKnownProperty(DEBEZIUM_PROPERTIES, key);
const optionsOf = (connector: string) => (key: string) => isKnownProperty(flinkOptionsOf(connector), key);
const isFlinkSetting = (key: string) => isKnownProperty(FLINK_SESSION_OPTIONS, key);

/** Options allowed in a CREATE TABLE's WITH: its connector's, plus those of each format it names. */
function unknownWithOptions(table: FlinkTable): string[] {
  const options = new Map(table.options);
  const connector = options.get('connector');
  if (!connector) return ['(no connector option)'];
  const allowed = [optionsOf(connector)];
  for (const formatKey of ['format', 'value.format', 'key.format']) {
    const format = options.get(formatKey);
    if (format) allowed.push(optionsOf(format));
  }
  return [...options.keys()].filter((k) => !allowed.some((ok) => ok(k)));
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

let flinkParser: FlinkSQL | undefined;
const flink = () => (flinkParser ??= new FlinkSQL());

/** Grammar errors of a Flink script, each with the offending line, for readable failures. */
function flinkErrors(sql: string): string[] {
  const lines = sql.split('\n');
  return flink()
    .validate(sql)
    .map((e) => `${e.startLine}:${e.startColumn} ${e.message} | ${lines[e.startLine - 1]?.trim() ?? ''}`);
}

/** The config's own `flink.settings` keys: the SET keys it passes through deliberately. */
async function passThroughSettings(config: string): Promise<string[]> {
  const loaded = await loadConfig(config);
  const exports = loaded.value as { default?: unknown } | undefined;
  const pipeline = (exports?.default ?? exports) as
    { options?: { flink?: { settings?: Record<string, unknown> } } } | undefined;
  return Object.keys(pipeline?.options?.flink?.settings ?? {});
}

const pgIdent = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`);
const pgQualified = (schema: string, name: string) => `${pgIdent(schema)}.${pgIdent(name)}`;

/** Creates a source's captured tables (and their enum types) as the Model describes them. */
async function createSourceTables(db: Awaited<ReturnType<typeof newDb>>, source: SourceModel): Promise<void> {
  await db.exec(`CREATE DATABASE ${pgIdent(source.database)}`); // GRANT CONNECT ON DATABASE needs it to exist
  await db.exec(sourceTablesDdl(source));
  await db.exec(managedStandIns(source).before);
}

// ---------------------------------------------------------------------------------------------------------

describe('reference matchers (negative controls for the option checks)', () => {
  test('Debezium: exact names, `_placeholder_` segments and trailing `*`; unknown keys rejected', () => {
    expect(isDebeziumProperty('slot.name')).toBe(true);
    expect(isDebeziumProperty('column.truncate.to.20.chars')).toBe(true);
    expect(isDebeziumProperty('column.mask.hash.SHA-256.with.salt.pepper')).toBe(true);
    expect(isDebeziumProperty('database.tcpKeepAlive')).toBe(true);
    expect(isDebeziumProperty('slot.nam')).toBe(false);
    expect(isDebeziumProperty('column.truncate.to.chars')).toBe(false);
    expect(isDebeziumProperty('decimal.handling')).toBe(false);
  });

  test('Flink: connector and format options apart; unknown SET keys rejected', () => {
    const table = (options: [string, string][]): FlinkTable => ({ name: 't', columns: [], primaryKey: [], options });
    const kafka: [string, string][] = [
      ['connector', 'kafka'],
      ['format', 'debezium-json'],
      ['properties.client.id', 'x'],
    ];
    expect(unknownWithOptions(table([...kafka, ['debezium-json.schema-include', 'false']]))).toEqual([]);
    expect(unknownWithOptions(table([...kafka, ['scan.startup.mod', 'x']]))).toEqual(['scan.startup.mod']);
    expect(
      unknownWithOptions(
        table([
          ['connector', 'jdbc'],
          ['debezium-json.schema-include', 'false'],
        ]),
      ),
    ).toEqual(['debezium-json.schema-include']);
    expect(
      unknownWithOptions(
        table([
          ['connector', 'jdbc'],
          ['sink.max-retries', '3'],
        ]),
      ),
    ).toEqual([]);
    expect(isFlinkSetting('execution.checkpointing.interval')).toBe(true);
    expect(isFlinkSetting('execution.checkpoint.interval')).toBe(false);
  });
});

describe.each(PROJECTS)('$name', ({ config }) => {
  let files: Map<string, string>;
  let model: Model;
  let script: FlinkScript;

  beforeAll(async () => {
    const r = await compileProject(config);
    files = r.files;
    model = r.model!;
    script = readFlinkScript(file('flink/pipeline.sql'));
  });

  const file = (path: string): string => {
    const contents = files.get(path);
    if (contents === undefined) throw new Error(`no artefact ${path}; have ${[...files.keys()].join(', ')}`);
    return contents;
  };
  const connectorFiles = () => [...files.keys()].filter((p) => /^debezium\/[^/]+\.json$/.test(p)).sort();

  describe('Flink', () => {
    test('pipeline.sql parses with the FlinkSQL grammar', () => {
      // Later errors are mostly the parser recovering from the first ones: show the first few.
      expect(flinkErrors(file('flink/pipeline.sql')).slice(0, 12)).toEqual([]);
    });

    test('negative control: the same SQL with one statement damaged is rejected', () => {
      const sql = file('flink/pipeline.sql');
      // The whole file with one keyword misspelt: the error points at that statement.
      const at = sql.indexOf('CREATE TABLE');
      const brokenKeyword = sql.slice(0, at) + 'CREATE TABEL' + sql.slice(at + 'CREATE TABLE'.length);
      const line = sql.slice(0, at).split('\n').length;
      const errors = flink().validate(brokenKeyword);
      expect(errors.some((e) => e.startLine === line)).toBe(true);
      // Smaller damage, on single statements that the grammar accepts intact.
      const createTable = [...sql.matchAll(/CREATE TABLE [\s\S]*?\n\);/g)]
        .map((m) => m[0])
        .find((st) => !flinkErrors(st).length);
      expect(createTable, 'a CREATE TABLE the grammar accepts').toBeDefined();
      if (!createTable) return;
      const missingComma = createTable.replace(/(\(\n[^\n]*),\n/, '$1\n');
      expect(missingComma).not.toBe(createTable);
      expect(flinkErrors(missingComma).length).toBeGreaterThan(0);
      const insert = [...sql.matchAll(/INSERT INTO [\s\S]*?\nFROM \S+;/g)]
        .map((m) => m[0])
        .find((st) => !flinkErrors(st).length);
      expect(insert, 'an INSERT the grammar accepts').toBeDefined();
      if (!insert) return;
      const missingSelect = insert.replace(/\nSELECT\n/, '\n');
      expect(missingSelect).not.toBe(insert);
      expect(flinkErrors(missingSelect).length).toBeGreaterThan(0);
    });

    test('the structural reader recognises every statement', () => {
      expect(script.other).toEqual([]);
      expect(script.tables).toHaveLength(2 * model.tables.length);
      expect(script.inserts).toHaveLength(model.tables.length);
    });

    test('every SET key is a Flink option or passed through by flink.settings', async () => {
      const passThrough = await passThroughSettings(config);
      const unknown = script.sets.map(([k]) => k).filter((k) => !isFlinkSetting(k) && !passThrough.includes(k));
      expect(unknown).toEqual([]);
      expect(script.sets.length).toBeGreaterThan(0);
    });

    test("every WITH option is an option of the table's connector or format", () => {
      for (const table of script.tables) expect(unknownWithOptions(table), table.name).toEqual([]);
      // The reference is the one these connectors use (not vacuous).
      const connectors = new Set(script.tables.map((t) => new Map(t.options).get('connector')));
      expect([...connectors].sort()).toEqual(['jdbc', 'kafka']);
    });

    test('source and sink tables, topics and INSERTs agree with the Model and the analytics tables', () => {
      const byName = new Map(script.tables.map((t) => [t.name, t]));
      for (const t of model.tables) {
        const source = byName.get(t.flink.sourceTable);
        const sink = byName.get(t.flink.sinkTable);
        expect(source, t.flink.sourceTable).toBeDefined();
        expect(sink, t.flink.sinkTable).toBeDefined();
        const sourceOptions = new Map(source!.options);
        const sinkOptions = new Map(sink!.options);

        // Kafka source: the Debezium topic of the table, a Debezium format, every captured column.
        expect(sourceOptions.get('connector')).toBe('kafka');
        expect(sourceOptions.get('topic')).toBe(t.topic);
        expect(sourceOptions.get('format')).toBe('debezium-json');
        expect(source!.columns).toEqual(t.columns.map((c) => ({ name: c.name, type: c.mapping.flinkSourceType })));
        expect(source!.primaryKey).toEqual(t.primaryKey);

        // JDBC sink: exactly the analytics columns Flink writes (origin `source`), in order, into that table.
        const written = t.analytics.columns.filter((c) => c.origin === 'source').map((c) => c.name);
        expect(sinkOptions.get('connector')).toBe('jdbc');
        expect(sinkOptions.get('table-name')).toBe(t.analytics.qualifiedName);
        expect(sink!.columns.map((c) => c.name)).toEqual(written);
        expect(sink!.columns.map((c) => c.type)).toEqual(t.columns.map((c) => c.mapping.flinkSinkType));
        expect(sink!.primaryKey).toEqual(t.primaryKey);

        // INSERT: writes every sink column, reads the source table, one SELECT item per column, named alike.
        const inserts = script.inserts.filter((i) => i.target === t.flink.sinkTable);
        expect(inserts, t.flink.sinkTable).toHaveLength(1);
        const insert = inserts[0]!;
        expect(insert.columns).toEqual(written);
        expect(insert.from).toBe(t.flink.sourceTable);
        expect(insert.selectNames).toEqual(written);
      }
      const topics = model.tables.map((t) => t.topic);
      expect(new Set(topics).size).toBe(topics.length);
    });
  });

  describe('analytics PostgreSQL (PGlite)', () => {
    test('schema.sql and views.sql run twice; tables and views match the Model; views execute', async () => {
      const db = await newDb();
      try {
        const schema = file('analytics/schema.sql');
        const views = file('analytics/views.sql');
        for (let run = 0; run < 2; run++) {
          await db.exec(schema);
          await db.exec(views);
        }

        for (const t of model.tables) {
          const q = t.analytics.qualifiedName;
          expect(await relkind(db, q), q).toBe('r');
          const actual = (await relationColumns(db, q))!;
          const declared = t.analytics.columns;
          const expectedTypes = await canonicalTypes(
            db,
            declared.map((c) => c.type),
          );
          expect(
            actual.map((c) => [c.name, c.type]),
            q,
          ).toEqual(declared.map((c, i) => [c.name, expectedTypes[i]]));
          expect(
            actual.map((c) => c.notNull),
            `${q} NOT NULL`,
          ).toEqual(declared.map((c) => c.notNull || t.primaryKey.includes(c.name)));
          expect(
            actual.map((c) => c.hasDefault),
            `${q} defaults`,
          ).toEqual(declared.map((c) => c.default !== undefined));
          expect(await primaryKeyColumns(db, q), `${q} primary key`).toEqual(t.primaryKey);
        }

        // One row per table, as the JDBC sink would write it (source columns only; PostgreSQL fills the rest).
        for (const t of model.tables) {
          const q = t.analytics.qualifiedName;
          const actual = new Map((await relationColumns(db, q))!.map((c) => [c.name, c]));
          const written = t.analytics.columns.filter((c) => c.origin === 'source').map((c) => actual.get(c.name)!);
          const literal = (c: (typeof written)[number]) =>
            `'${sampleValue(c.baseType).replaceAll("'", "''")}'::${c.type}`;
          await db.exec(
            `INSERT INTO ${q} (${written.map((c) => pgIdent(c.name)).join(', ')}) VALUES (${written.map(literal).join(', ')})`,
          );
          const filled = t.analytics.columns
            .filter((c) => c.origin !== 'source' && c.default !== undefined)
            .map((c) => c.name);
          if (filled.length) {
            const row = (await db.query<Record<string, unknown>>(`SELECT ${filled.map(pgIdent).join(', ')} FROM ${q}`))
              .rows[0]!;
            for (const name of filled) expect(row[name], `${q}.${name} default`).not.toBeNull();
          }
        }

        for (const v of model.views) {
          const q = v.qualifiedName;
          expect(await relkind(db, q), q).toBe('v');
          const actual = (await relationColumns(db, q))!;
          const declaredBase = await Promise.all(v.columns.map((c) => canonicalBaseType(db, c.type)));
          expect(
            declaredBase.every((b) => b !== null),
            `${q}: unknown declared type`,
          ).toBe(true);
          expect(
            actual.map((c) => [c.name, c.baseType]),
            q,
          ).toEqual(v.columns.map((c, i) => [c.name, declaredBase[i]]));
          const result = await db.query(`SELECT * FROM ${q}`);
          expect(
            result.fields.map((f) => f.name),
            q,
          ).toEqual(v.columns.map((c) => c.name));
        }

        // Running the scripts again keeps the data (idempotent, not destructive).
        await db.exec(schema);
        await db.exec(views);
        for (const t of model.tables) {
          const n = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${t.analytics.qualifiedName}`);
          expect(n.rows[0]!.n, t.analytics.qualifiedName).toBe(1);
        }
      } finally {
        await db.close();
      }
    });
  });

  describe('Debezium', () => {
    test('source setup SQL runs twice and leaves the publication, replica identities and role right', async () => {
      for (const s of model.sources) {
        const db = await newDb();
        try {
          await createSourceTables(db, s);
          // A table the connector must not see, put into the publication by hand between the two runs.
          await db.exec('CREATE TABLE public.zz_not_captured (id integer PRIMARY KEY)');
          const setup = file(`debezium/${s.name}-setup.sql`);
          await db.exec(setup);
          await db.exec(`ALTER PUBLICATION ${pgIdent(s.publicationName)} ADD TABLE public.zz_not_captured`);
          await db.exec(setup);

          // The captured tables and the signal table (snapshot requests travel through the stream).
          const captured = s.tables.map((t) => `${t.schema}.${t.name}`).sort();
          const publishedTables = [...captured, `${s.signal.schema}.${s.signal.table}`].sort();
          const published = await db.query<{ q: string }>(
            "SELECT schemaname || '.' || tablename AS q FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1",
            [s.publicationName],
          );
          expect(
            published.rows.map((r) => r.q),
            s.publicationName,
          ).toEqual(publishedTables);
          const pub = await db.query<{
            puballtables: boolean;
            pubinsert: boolean;
            pubupdate: boolean;
            pubdelete: boolean;
          }>('SELECT puballtables, pubinsert, pubupdate, pubdelete FROM pg_publication WHERE pubname = $1', [
            s.publicationName,
          ]);
          expect(pub.rows).toEqual([{ puballtables: false, pubinsert: true, pubupdate: true, pubdelete: true }]);

          for (const t of s.tables) {
            const q = pgQualified(t.schema, t.name);
            const ident = await db.query<{ r: string }>(
              'SELECT relreplident AS r FROM pg_class WHERE oid = to_regclass($1)',
              [q],
            );
            expect(ident.rows[0]?.r, `${q} replica identity`).toBe('f');
            const priv = await db.query<{ sel: boolean; usage: boolean }>(
              "SELECT has_table_privilege($1, $2, 'SELECT') AS sel, has_schema_privilege($1, $3, 'USAGE') AS usage",
              [s.user, q, t.schema],
            );
            expect(priv.rows[0], `${s.user} on ${q}`).toEqual({ sel: true, usage: true });
          }
          const role = await db.query<{ rolreplication: boolean; rolcanlogin: boolean }>(
            'SELECT rolreplication, rolcanlogin FROM pg_roles WHERE rolname = $1',
            [s.user],
          );
          // Self-managed: the REPLICATION attribute; RDS: membership in rds_replication instead.
          expect(role.rows, s.user).toEqual([
            { rolreplication: s.setup.roleAttributes.includes('REPLICATION'), rolcanlogin: true },
          ]);
          for (const granted of s.setup.grantRoles) {
            const member = await db.query<{ ok: boolean }>("SELECT pg_has_role($1, $2, 'MEMBER') AS ok", [
              s.user,
              granted,
            ]);
            expect(member.rows[0]?.ok, `${s.user} in ${granted}`).toBe(true);
          }
          const connect = await db.query<{ ok: boolean }>("SELECT has_database_privilege($1, $2, 'CONNECT') AS ok", [
            s.user,
            s.database,
          ]);
          expect(connect.rows[0]?.ok).toBe(true);

          // The connector reads what the setup prepared.
          const cfg = JSON.parse(file(`debezium/${s.connectorName}.json`)) as Record<string, string>;
          expect(cfg['publication.name']).toBe(s.publicationName);
          expect(cfg['publication.autocreate.mode']).toBe('disabled');
          expect(cfg['database.user']).toBe(s.user);
          expect(cfg['database.dbname']).toBe(s.database);
          expect(cfg['slot.name']).toMatch(/^[a-z0-9_]+$/);
          const include = (cfg['table.include.list'] ?? '').split(',').map((re) => new RegExp(`^(?:${re})$`));
          for (const q of captured)
            expect(
              include.some((re) => re.test(q)),
              `table.include.list matches ${q}`,
            ).toBe(true);
          expect(include.some((re) => re.test('public.zz_not_captured'))).toBe(false);
        } finally {
          await db.close();
        }
      }
    });

    test('every connector config key is a Debezium 2.7 PostgreSQL connector property', () => {
      const paths = connectorFiles();
      expect(paths.length).toBe(model.sources.length);
      for (const path of paths) {
        const cfg = JSON.parse(file(path)) as Record<string, unknown>;
        expect(
          Object.keys(cfg).filter((k) => !isDebeziumProperty(k)),
          path,
        ).toEqual([]);
        expect(
          Object.values(cfg).every((v) => typeof v === 'string'),
          `${path}: Connect wants string values`,
        ).toBe(true);
      }
    });
  });

  describe('register-connectors.sh', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cdc-register-'));
      mkdirSync(join(dir, 'debezium'));
      for (const path of ['debezium/register-connectors.sh', ...connectorFiles()])
        writeFileSync(join(dir, path), file(path));
      chmodSync(join(dir, 'debezium', 'register-connectors.sh'), 0o755);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const run = (env: Record<string, string>) =>
      execa('bash', [join(dir, 'debezium', 'register-connectors.sh')], {
        env: { CONNECT_WAIT_SECONDS: '5', ...env },
        reject: false,
        timeout: 30_000,
        cwd: tmpdir(), // the script must find its JSON next to itself, not in the working directory
      });

    const connectors = () =>
      connectorFiles().map((path) => ({
        path,
        name: (JSON.parse(file(path)) as { name: string }).name,
        body: file(path),
      }));

    test('bash -n accepts it', async () => {
      const r = await execa('bash', ['-n', join(dir, 'debezium', 'register-connectors.sh')], {
        reject: false,
        timeout: 10_000,
      });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    });

    test('happy path: PUTs each connector file verbatim to /connectors/<name>/config and exits 0', async () => {
      const server = await startFakeConnect();
      try {
        const r = await run({ CONNECT_URL: server.url });
        expect(r.timedOut).toBe(false);
        expect(r.exitCode, r.stderr).toBe(0);
        const puts = server.requests.filter((q) => q.method === 'PUT');
        const expected = connectors();
        expect(puts.map((p) => p.url).sort()).toEqual(expected.map((c) => `/connectors/${c.name}/config`).sort());
        for (const c of expected) {
          const put = puts.find((p) => p.url === `/connectors/${c.name}/config`)!;
          expect(put.body, c.path).toBe(c.body);
          expect(put.contentType).toBe('application/json');
          expect(r.stdout).toContain(`registered ${c.name}`);
        }
        expect(
          server.requests.filter((q) => q.method !== 'PUT').every((q) => q.method === 'GET' && q.url === '/connectors'),
        ).toBe(true);
      } finally {
        await server.close();
      }
    });

    test('a 500 for one connector: exits non-zero and prints the response body', async () => {
      const victim = connectors()[0]!.name;
      const errorBody = `{"error_code":500,"message":"fake failure for ${victim}"}`;
      const server = await startFakeConnect((q) =>
        q.method === 'PUT' && q.url === `/connectors/${victim}/config` ? { status: 500, body: errorBody } : undefined,
      );
      try {
        const r = await run({ CONNECT_URL: server.url });
        expect(r.timedOut).toBe(false);
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toContain(errorBody);
        expect(r.stderr).toContain('500');
      } finally {
        await server.close();
      }
    });

    test('an unreachable Connect: gives up after CONNECT_WAIT_SECONDS with a message', async () => {
      const server = await startFakeConnect();
      const url = server.url;
      await server.close(); // nothing listens on that port any more
      const r = await run({ CONNECT_URL: url, CONNECT_WAIT_SECONDS: '0' });
      expect(r.timedOut).toBe(false);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain('did not answer');
    });
  });
});
