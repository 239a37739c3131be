/**
 * Replication on a real PostgreSQL server (wal_level=logical): the generated source setup SQL creates a
 * role that can open a pgoutput slot on the generated publication and receive changes of every captured
 * table, and the analytics DDL and views apply. `.ci/run` starts the server and sets CDC_TEST_PG_URL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Model } from '../src/resolve/model.js';
import { compileProject, PROJECTS } from './support/compile.js';
import { managedStandIns, sourceTablesDdl } from '../src/verify/source-tables.js';
import { quoteIdent } from '../src/render/text.js';
import { PG_RESERVED } from '../src/resolve/names.js';
import { RANGE_TYPES } from '../src/dsl/columns.js';
import { PG_URL } from './support/postgres-url.js';

const quoted = (t: { schema: string; name: string }) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;

// Without it these tests skip; test/support/global-setup.ts fails CI then, and says so in one line elsewhere.
const url = PG_URL;

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
  const database = `cdc_test_${name.replace(/\W/g, '_')}_${process.pid}`;
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
        await owner.query(managedStandIns(source).before);
        const setup = files
          .get(`debezium/${source.name}-setup.sql`)!
          .replace(`GRANT CONNECT ON DATABASE ${source.database} `, `GRANT CONNECT ON DATABASE ${db} `);
        await owner.query(setup);
        await owner.query(setup); // idempotent
        await owner.query(managedStandIns(source).after);

        const published = await owner.query<{ name: string }>(
          "SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1",
          [source.publicationName],
        );
        // The captured tables and the connector's signal table.
        expect(published.rows.map((r) => r.name)).toEqual(
          [...source.tables.map((t) => t.qualifiedName), `${source.signal.schema}.${source.signal.table}`].sort(),
        );

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
          // pgoutput 'R' (relation) messages name tables by OID, and each 'I'/'U'/'D' names the OID its row is
          // published under. PostgreSQL 15 also sends an 'R' for the partition a row landed in, but with
          // publish_via_partition_root the change itself carries the parent's OID: read the changes' OIDs.
          const messages = changes.rows.map((r) => r.data);
          const names = new Map<number, string>();
          for (const d of messages.filter((d) => d[0] === 'R'.charCodeAt(0))) {
            const namespaceEnd = d.indexOf(0, 5);
            const name = d.subarray(namespaceEnd + 1, d.indexOf(0, namespaceEnd + 1)).toString();
            names.set(d.readUInt32BE(1), `${d.subarray(5, namespaceEnd).toString()}.${name}`);
          }
          const relations = messages
            .filter((d) => 'IUD'.includes(String.fromCharCode(d[0]!)))
            .map((d) => names.get(d.readUInt32BE(1)) ?? `oid ${d.readUInt32BE(1)}`);
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
  test("a range's text form (what Debezium sends) lands in the range type when bound untyped", async () => {
    // The type matrix lands ranges through stringtype=unspecified: the JDBC sink binds the text untyped.
    const samples: Record<(typeof RANGE_TYPES)[number], string> = {
      int4range: '[1,10)',
      int8range: '(,9000000000]',
      numrange: '[1.5,2.25)',
      tsrange: '["2024-01-01 00:00:00","2024-02-01 12:30:00.123456")',
      tstzrange: '["2024-01-01 00:00:00+00",infinity)',
      daterange: 'empty',
    };
    const source = await connect('postgres');
    const analytics = await connect('postgres');
    try {
      // The source's session time zone may differ from the analytics one: a tstzrange's text carries the offset.
      await source.query("SET TimeZone = 'Asia/Kolkata'");
      await analytics.query("SET TimeZone = 'UTC'");
      for (const type of RANGE_TYPES) {
        const sent = await source.query<{ v: string }>(`SELECT $1::${type}::text AS v`, [samples[type]]);
        await analytics.query(`CREATE TEMP TABLE landed_${type} (r ${type})`);
        // pg binds $1 as an untyped text parameter, as the JDBC driver does with stringtype=unspecified.
        await analytics.query(`INSERT INTO landed_${type} VALUES ($1)`, [sent.rows[0]!.v]);
        const same = await analytics.query<{ ok: boolean }>(`SELECT r = $1::${type} AS ok FROM landed_${type}`, [
          samples[type],
        ]);
        expect(same.rows, `${type}: ${sent.rows[0]!.v}`).toEqual([{ ok: true }]);
      }
    } finally {
      await source.end();
      await analytics.end();
    }
  });

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

/** pgoutput messages of a slot, decoded as far as the tests need: relation names by id, changes with their relation. */
function decodePgoutput(messages: readonly Buffer[]) {
  const relations = new Map<number, string>();
  const changes: { kind: 'I' | 'U' | 'D'; relation: string; oldRow: boolean }[] = [];
  for (const d of messages) {
    const tag = String.fromCharCode(d[0]!);
    if (tag === 'R') {
      const namespaceEnd = d.indexOf(0, 5);
      const nameEnd = d.indexOf(0, namespaceEnd + 1);
      relations.set(
        d.readUInt32BE(1),
        `${d.subarray(5, namespaceEnd).toString()}.${d.subarray(namespaceEnd + 1, nameEnd).toString()}`,
      );
    } else if (tag === 'I' || tag === 'U' || tag === 'D') {
      const relation = relations.get(d.readUInt32BE(1)) ?? `unknown relation ${d.readUInt32BE(1)}`;
      // An update carries the old row ('O') only under REPLICA IDENTITY FULL; 'K' is the old key alone.
      changes.push({ kind: tag, relation, oldRow: tag !== 'I' && String.fromCharCode(d[5]!) === 'O' });
    }
  }
  return changes;
}

describe.skipIf(!url)('partitioned source tables on PostgreSQL', () => {
  // The config does not know the table is partitioned: the setup SQL finds out from the catalog.
  const project = PROJECTS.find((p) => p.name === 'minimal')!;
  const database = `cdc_test_partitions_${process.pid}`;
  let admin: pg.Client;
  let model: Model;
  let files: Map<string, string>;

  beforeAll(async () => {
    ({ model, files } = (await compileProject(project.config)) as { model: Model; files: Map<string, string> });
    admin = await connect('postgres');
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
  });

  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const s of model?.sources ?? []) await admin?.query(`DROP ROLE IF EXISTS ${s.user}`).catch(() => undefined);
    await admin?.end();
  });

  test('changes on partitions, also ones added after setup, arrive under the parent with the old row', async () => {
    const source = model.sources[0]!;
    const table = source.tables[0]!;
    const setup = files
      .get(`debezium/${source.name}-setup.sql`)!
      .replace(`GRANT CONNECT ON DATABASE ${source.database} `, `GRANT CONNECT ON DATABASE ${database} `);
    const owner = await connect(database);
    try {
      // The captured table, hash-partitioned on its key; one partition exists before the setup runs.
      const ddl = sourceTablesDdl(source).replace(/\);\s*$/, ') PARTITION BY HASH (id);');
      await owner.query(ddl);
      await owner.query(
        `CREATE TABLE ${quoted(table)}_p0 PARTITION OF ${quoted(table)} FOR VALUES WITH (MODULUS 3, REMAINDER 0)`,
      );
      await owner.query(setup);
      await owner.query(setup); // idempotent
      const identity = (rel: string) =>
        owner.query<{ r: string }>('SELECT relreplident AS r FROM pg_class WHERE oid = $1::regclass', [rel]);
      expect((await identity(`${table.qualifiedName}_p0`)).rows).toEqual([{ r: 'f' }]);

      // Added later: one created as a partition, one attached. The event trigger gives both FULL.
      await owner.query(
        `CREATE TABLE ${quoted(table)}_p1 PARTITION OF ${quoted(table)} FOR VALUES WITH (MODULUS 3, REMAINDER 1)`,
      );
      await owner.query(`CREATE TABLE ${quoted(table)}_p2 (LIKE ${quoted(table)})`);
      await owner.query(
        `ALTER TABLE ${quoted(table)} ATTACH PARTITION ${quoted(table)}_p2 FOR VALUES WITH (MODULUS 3, REMAINDER 2)`,
      );
      const identities = await owner.query<{ relname: string; relreplident: string }>(
        `SELECT c.relname, c.relreplident FROM pg_partition_tree($1::regclass) t JOIN pg_class c ON c.oid = t.relid ORDER BY 1`,
        [table.qualifiedName],
      );
      expect(identities.rows).toEqual(
        ['', '_p0', '_p1', '_p2'].map((suffix) => ({ relname: `${table.name}${suffix}`, relreplident: 'f' })),
      );

      const role = await connect(database, source.user);
      try {
        const slot = `${source.slotName}_partitions_${process.pid}`;
        await role.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
        await owner.query(
          `INSERT INTO ${quoted(table)} (id, email) SELECT n, 'k' || n FROM generate_series(1, 30) AS n`,
        );
        await owner.query(`UPDATE ${quoted(table)} SET email = email || '!'`);
        // Every partition received rows, so each one's changes are in the stream.
        const perPartition = await owner.query<{ n: number }>(
          `SELECT tableoid::regclass::text AS p, COUNT(*)::int AS n FROM ${quoted(table)} GROUP BY 1`,
        );
        expect(perPartition.rows.length).toBe(3);
        // The snapshot reads the parent as this role, partitions included.
        const snapshot = await role.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${quoted(table)}`);
        expect(snapshot.rows[0]!.n).toBe(30);

        const changes = await role.query<{ data: Buffer }>(
          "SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
          [slot, source.publicationName],
        );
        const decoded = decodePgoutput(changes.rows.map((r) => r.data));
        await role.query('SELECT pg_drop_replication_slot($1)', [slot]);
        // Under the parent's name (the connector's table.include.list names only the parent) …
        expect([...new Set(decoded.map((c) => c.relation))]).toEqual([table.qualifiedName]);
        expect(decoded.filter((c) => c.kind === 'I').length).toBe(30);
        // … and every update with its before-image.
        const updates = decoded.filter((c) => c.kind === 'U');
        expect(updates.length).toBe(30);
        expect(updates.every((u) => u.oldRow)).toBe(true);
      } finally {
        await role.end();
      }
    } finally {
      await owner.end();
    }
  });
});

describe.skipIf(!url)('managed PostgreSQL flavours on PostgreSQL', () => {
  // The types example's `legacy` source is on RDS; its `app` source is self-managed (the control).
  const project = PROJECTS.find((p) => p.name === 'types')!;
  const database = `cdc_test_managed_${process.pid}`;
  // Stands in for the RDS master user: no superuser, may create roles, owns the database and its tables.
  const adminRole = `cdc_test_master_${process.pid}`;
  let admin: pg.Client;
  let model: Model;
  let files: Map<string, string>;

  beforeAll(async () => {
    ({ model, files } = (await compileProject(project.config)) as { model: Model; files: Map<string, string> });
    admin = await connect('postgres');
    await admin.query(`CREATE ROLE ${adminRole} WITH LOGIN CREATEROLE`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${adminRole}`);
  });

  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const s of model?.sources ?? []) await admin?.query(`DROP ROLE IF EXISTS ${s.user}`).catch(() => undefined);
    await admin?.query(`DROP ROLE IF EXISTS ${adminRole}`).catch(() => undefined);
    await admin?.end();
  });

  test('the RDS setup runs without a superuser; the self-managed one needs one', async () => {
    const rds = model.sources.find((s) => s.flavor === 'rds')!;
    const selfManaged = model.sources.find((s) => s.flavor === 'self-managed')!;
    // The platform's predefined role (created here by the superuser, as RDS does).
    const standIns = managedStandIns(rds);
    await admin.query(standIns.before);

    const master = await connect(database, adminRole);
    const warnings: string[] = [];
    master.on('notice', (n) => warnings.push(String(n.message)));
    try {
      await master.query(sourceTablesDdl(rds));
      const setup = files
        .get(`debezium/${rds.name}-setup.sql`)!
        .replace(`GRANT CONNECT ON DATABASE ${rds.database} `, `GRANT CONNECT ON DATABASE ${database} `);
      await master.query(setup);
      await master.query(setup); // idempotent

      const role = await master.query<{ rolreplication: boolean; rolsuper: boolean; member: boolean }>(
        "SELECT rolreplication, rolsuper, pg_has_role(rolname, 'rds_replication', 'MEMBER') AS member FROM pg_roles WHERE rolname = $1",
        [rds.user],
      );
      expect(role.rows).toEqual([{ rolreplication: false, rolsuper: false, member: true }]);
      const pub = await master.query<{ pubviaroot: boolean; n: number }>(
        'SELECT p.pubviaroot, (SELECT COUNT(*)::int FROM pg_publication_tables t WHERE t.pubname = p.pubname) AS n FROM pg_publication p WHERE pubname = $1',
        [rds.publicationName],
      );
      expect(pub.rows).toEqual([{ pubviaroot: true, n: rds.tables.length + 1 }]);
      for (const t of rds.tables) {
        const ident = await master.query<{ r: string }>(
          'SELECT relreplident AS r FROM pg_class WHERE oid = $1::regclass',
          [t.qualifiedName],
        );
        expect(ident.rows, t.qualifiedName).toEqual([{ r: 'f' }]);
      }
      // Stock PostgreSQL 15 keeps event triggers for superusers: the partition watch warns instead of failing.
      expect(warnings.some((w) => w.includes('no right to create event trigger'))).toBe(true);

      // Control: the self-managed script asks for the REPLICATION attribute, which only a superuser can give.
      await master.query(sourceTablesDdl(selfManaged).replace(/CREATE SCHEMA IF NOT EXISTS ops;/, ''));
      const selfManagedSetup = files
        .get(`debezium/${selfManaged.name}-setup.sql`)!
        .replace(`GRANT CONNECT ON DATABASE ${selfManaged.database} `, `GRANT CONNECT ON DATABASE ${database} `);
      await expect(master.query(selfManagedSetup)).rejects.toThrow(/superuser/);
    } finally {
      await master.end();
    }
  });
});
