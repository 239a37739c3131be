/**
 * Replication on a real PostgreSQL server (wal_level=logical): the generated source setup SQL creates a
 * role that can open a pgoutput slot on the generated publication and receive changes of every captured
 * table, and the analytics DDL and views apply. `.ci/run` starts the server and sets CDC_TEST_PG_URL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Model } from '../src/resolve/model.js';
import { compileProject, PROJECTS } from './support/compile.js';
import { sourceTablesDdl } from './support/source-db.js';
import { quoteIdent } from '../src/render/text.js';
import { PG_RESERVED } from '../src/resolve/names.js';

const quoted = (t: { schema: string; name: string }) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;

const url = process.env['CDC_TEST_PG_URL'];
if (!url) {
  const message = 'CDC_TEST_PG_URL is not set: the real-PostgreSQL replication tests cannot run';
  if (process.env['CI']) throw new Error(`${message} (CI must provide it; see .ci/run)`);
  console.warn(`\n!!! ${message}; skipped here. Start one with scripts/ci-postgres.sh.\n`);
}

async function connect(database: string, user?: string): Promise<pg.Client> {
  const target = new URL(url!);
  target.pathname = `/${database}`;
  if (user) target.username = user;
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  return client;
}

/** A value of the column's type that PostgreSQL accepts, for one test row. */
function sample(sourceType: string, n: number): string {
  if (/^(small|big)?(int|serial)|^integer|^bigint|^smallint/.test(sourceType)) return String(n);
  if (sourceType === 'uuid') return `'00000000-0000-4000-8000-${String(n).padStart(12, '0')}'`;
  if (/^timestamp/.test(sourceType)) return `'2024-06-10 06:13:20.${n}+00'`;
  if (/^(varchar|text|char)/.test(sourceType)) return `'k${n}'`;
  return 'DEFAULT';
}

describe.skipIf(!url).each(PROJECTS)('$name on PostgreSQL', ({ name, config }) => {
  const database = `cdc_test_${name}_${process.pid}`;
  let admin: pg.Client;
  let model: Model;
  let files: Map<string, string>;

  beforeAll(async () => {
    ({ model, files } = (await compileProject(config)) as { model: Model; files: Map<string, string> });
    admin = await connect('postgres');
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
  });

  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const s of model?.sources ?? []) await admin?.query(`DROP ROLE IF EXISTS ${s.user}`).catch(() => undefined);
    await admin?.end();
  });

  test('source setup: the role streams every captured table through a pgoutput slot', async () => {
    for (const source of model.sources) {
      // Each source in its own database, as in production.
      const db = `${database}_${source.name}`;
      await admin.query(`DROP DATABASE IF EXISTS ${db}`);
      await admin.query(`CREATE DATABASE ${db}`);
      const owner = await connect(db);
      try {
        await owner.query(sourceTablesDdl(source));
        const setup = files
          .get(`debezium/${source.name}-setup.sql`)!
          .replace(`GRANT CONNECT ON DATABASE ${source.database} `, `GRANT CONNECT ON DATABASE ${db} `);
        await owner.query(setup);
        await owner.query(setup); // idempotent

        const published = await owner.query<{ name: string }>(
          "SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1",
          [source.publicationName],
        );
        expect(published.rows.map((r) => r.name)).toEqual(source.tables.map((t) => t.qualifiedName).sort());

        // Connect as the replication role the connector uses, open the slot, and read a change per table.
        const role = await connect(db, source.user);
        try {
          const slot = `${source.slotName}_${process.pid}`;
          await role.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
          for (const [i, t] of source.tables.entries()) {
            const keys = t.columns.filter((c) => c.primaryKey || c.notNull);
            await owner.query(
              `INSERT INTO ${quoted(t)} (${keys.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${keys.map((c) => sample(c.sourceType, i + 1)).join(', ')})`,
            );
            await owner.query(`UPDATE ${quoted(t)} SET ${quoteIdent(keys[0]!.name)} = ${quoteIdent(keys[0]!.name)}`);
            // The snapshot reads every captured table as this role.
            await role.query(`SELECT * FROM ${quoted(t)} LIMIT 1`);
          }
          const changes = await role.query<{ data: Buffer }>(
            "SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
            [slot, source.publicationName],
          );
          // pgoutput 'R' (relation) messages name each table that sent a change.
          const relations = changes.rows
            .map((r) => r.data)
            .filter((d) => d[0] === 'R'.charCodeAt(0))
            .map((d) => {
              const namespaceEnd = d.indexOf(0, 5);
              return `${d.subarray(5, namespaceEnd).toString()}.${d.subarray(namespaceEnd + 1, d.indexOf(0, namespaceEnd + 1)).toString()}`;
            });
          expect([...new Set(relations)].sort()).toEqual(source.tables.map((t) => t.qualifiedName).sort());
          // REPLICA IDENTITY FULL: updates carry the old row ('O'), which Flink's debezium-json needs.
          const updates = changes.rows.map((r) => r.data).filter((d) => d[0] === 'U'.charCodeAt(0));
          expect(updates.length).toBe(source.tables.length);
          for (const u of updates) expect(String.fromCharCode(u[5]!)).toBe('O');
          await role.query('SELECT pg_drop_replication_slot($1)', [slot]);
        } finally {
          await role.end();
        }
      } finally {
        await owner.end();
        await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      }
    }
  });

  test('analytics schema and views apply, twice', async () => {
    const client = await connect(database);
    try {
      for (let i = 0; i < 2; i++) {
        await client.query(files.get('analytics/schema.sql')!);
        await client.query(files.get('analytics/views.sql')!);
      }
      for (const v of model.views) await client.query(`SELECT * FROM ${v.qualifiedName}`);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(!url)('PostgreSQL server', () => {
  test('PG_RESERVED holds every word this server reserves', async () => {
    const client = await connect('postgres');
    try {
      const words = await client.query<{ word: string }>(
        "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')",
      );
      expect(words.rows.map((r) => r.word).filter((w) => !PG_RESERVED.has(w))).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
