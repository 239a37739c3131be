/**
 * Change scripts (ops/changes/NNNN_<slug>.sh), scenario by scenario on copies of the book store (add a
 * table, remove it, remove a source, add it back, a view-only change; one STATEMENT SET job in examples/types):
 * what the compile writes and the plan prints (one list of steps), history (kept byte for byte, refused when edited),
 * shellcheck, --dry-run, the embedded Flink SQL through Flink's grammar (dt-sql-parser), and the script run
 * for real: its SQL on a real PostgreSQL 15 (CDC_TEST_PG_URL: the source's publication, replica identity,
 * signal table, replication slot; the analytics migration through ops/apply-analytics.sh), its REST calls
 * against a small server that answers as Kafka Connect and Flink do (the live engines run it in the
 * end-to-end suite), a second run changing nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlinkSQL } from 'dt-sql-parser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from './support/compile.js';
import { cli, copyProject } from './support/project.js';
import { PG_URL } from './support/postgres-url.js';

const CHANGES = 'generated/ops/changes';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function edit(source: string, from: string, to: string): string {
  expect(source, `the config holds ${from}`).toContain(from);
  return source.replace(from, to);
}

function project(edits: (s: string) => string, example = 'bookstore'): string {
  const dir = copyProject(example);
  dirs.push(dir);
  const path = join(dir, 'pipeline.config.ts');
  writeFileSync(path, edits(readFileSync(path, 'utf8')));
  return dir;
}

const scriptsOf = (dir: string) => {
  try {
    return readdirSync(join(dir, CHANGES)).sort();
  } catch {
    return [];
  }
};
const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

const ADD_REVIEWS = (s: string) =>
  edit(
    s,
    'const books = ecom.table(',
    "const reviews = ecom.table('reviews', {\n  columns: { id: t.uuid().primaryKey(), book_id: t.uuid(), rating: t.integer() },\n  analytics: { name: 'fact_reviews', kind: 'fact' },\n});\n\nconst books = ecom.table(",
  );

const hasShellcheck = (() => {
  try {
    execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs a script with bash; resolves with its exit code and output (stdout and stderr together). */
function run(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [file, ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), LC_ALL: 'C', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** The text of each here-document `<<'DELIM'` … `DELIM` in a script. */
const heredocs = (text: string, delimiter: string) =>
  [...text.matchAll(new RegExp(`<<'${delimiter}'\\n([\\s\\S]*?)\\n${delimiter}\\n`, 'g'))].map((m) => m[1]!);

interface PlanJson {
  script?: { path?: string; steps: { layer: string; action: string; op: { kind: string }; changes: string[] }[] };
}

describe('adding a table to a running source', () => {
  let dir = '';
  let script = '';
  let text = '';
  beforeAll(async () => {
    dir = project(ADD_REVIEWS);
  });

  test('the plan lists the script’s steps and says to run it; compile writes it; nothing else in ops/changes', async () => {
    const json = JSON.parse((await cli(['plan', '--format', 'json'], { cwd: dir })).stdout) as PlanJson;
    expect(json.script!.path).toBe(`${CHANGES}/0001_add_table_reviews.sh`);
    expect(json.script!.steps.map((s) => `${s.layer} ${s.op.kind}`)).toEqual([
      'analytics apply-analytics',
      'source source-sql',
      'connector put-connector',
      'connector signal',
      'flink submit-job',
    ]);
    expect(json.script!.steps[4]!.changes).toEqual(['add-job/bookstore-fact_reviews']);
    const pretty = await cli(['plan'], { cwd: dir });
    expect(pretty.exitCode).toBe(0);
    expect(pretty.stdout).toContain(`On the running stack: run bash ${CHANGES}/0001_add_table_reviews.sh`);
    for (const [i, s] of json.script!.steps.entries())
      expect(`${pretty.stdout}\n`).toContain(`\n  ${i + 1}. ${s.layer.padEnd(9)} ${s.action}\n`);
    const markdown = await cli(['plan', '--format', 'markdown'], { cwd: dir });
    expect(markdown.stdout).toContain(`run \`bash ${CHANGES}/0001_add_table_reviews.sh\``);
    expect(markdown.stdout).toContain(`5. **flink** ${json.script!.steps[4]!.action}`);

    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(scriptsOf(dir)).toEqual(['0001_add_table_reviews.sh']);
    script = join(dir, CHANGES, '0001_add_table_reviews.sh');
    text = readFileSync(script, 'utf8');
    expect(statSync(script).mode & 0o111).not.toBe(0);
    // The script announces the steps the plan printed, in that order.
    const announced = [...text.matchAll(/^step (\d+) (\w+) '(.*)'$/gm)].map(
      (m) => `${m[2]} ${m[3]!.replaceAll(`'\\''`, "'")}`,
    );
    expect(announced).toEqual(json.script!.steps.map((s) => `${s.layer} ${s.action}`));
    // Nothing to plan once compiled.
    expect(
      (JSON.parse((await cli(['plan', '--format', 'json'], { cwd: dir })).stdout) as PlanJson).script,
    ).toBeUndefined();
  });

  test('its SQL names the table, the signal has a fixed id, credentials stay references', () => {
    expect(text).toContain('ALTER PUBLICATION debezium_ecom_pub ADD TABLE public.reviews;');
    expect(text).toMatch(
      /INSERT INTO public\.debezium_ecom_signal \(id, type, data\)\nSELECT 'cdc-0001-[0-9a-f]{16}', 'execute-snapshot', '\{"data-collections":\["public\.reviews"\],"type":"incremental"\}'\nWHERE NOT EXISTS/,
    );
    expect(text).not.toMatch(/random\(\)|clock_timestamp/);
    expect(text).toContain('"database.password": "${env:ECOM_DB_PASSWORD}"');
    expect(text).toContain("'password'                   = '${ANALYTICS_DB_PASSWORD}'");
    // The connector configuration is the one the compile wrote beside it (the new include lists).
    expect(heredocs(text, 'CDC_CONNECTOR')).toEqual([read(dir, 'generated/debezium/ecom-connector.json').trimEnd()]);
  });

  test('the Flink SQL submits only the new job, and Flink’s grammar accepts it', () => {
    const [sql] = heredocs(text, 'CDC_FLINK_SQL');
    expect(sql).toBeDefined();
    expect([...sql!.matchAll(/^CREATE TABLE (\w+)/gm)].map((m) => m[1])).toEqual([
      'kafka_reviews',
      'sink_fact_reviews',
    ]);
    expect([...sql!.matchAll(/^SET 'pipeline\.name' = '([^']+)';/gm)].map((m) => m[1])).toEqual([
      'bookstore-fact_reviews',
    ]);
    expect(sql).toContain("SET 'pipeline.global-job-parameters' = 'cdc.change:0001_add_table_reviews';");
    expect(sql).toContain("SET 'execution.checkpointing.interval' = '30s';");
    expect(new FlinkSQL().validate(sql!)).toEqual([]);
  });

  test.skipIf(!hasShellcheck && !process.env['CI'])('it is shellcheck-clean', () => {
    expect(() => execFileSync('shellcheck', ['--shell=bash', script], { encoding: 'utf8' })).not.toThrow();
  });

  test('--dry-run prints every step and what it would run, and changes nothing', async () => {
    // Nothing listens there: a dry run makes no request.
    const { code, out } = await run(script, [
      '--dry-run',
      '--connect',
      'http://127.0.0.1:9',
      '--flink',
      'http://127.0.0.1:9',
    ]);
    expect(code).toBe(0);
    const steps = out.split('\n').filter((l) => l.startsWith('step '));
    expect(steps.map((l) => l.replace(/\].*/, ']'))).toEqual([
      'step 1/5 [analytics]',
      'step 2/5 [source]',
      'step 3/5 [connector]',
      'step 4/5 [connector]',
      'step 5/5 [flink]',
    ]);
    expect(out).toContain(
      '    PUT http://127.0.0.1:9/connectors/ecom-connector/config, then wait until a new task reads slot debezium_ecom_slot\n',
    );
    expect(out).toMatch(/^ {4}\| +ALTER PUBLICATION debezium_ecom_pub ADD TABLE public\.reviews;$/m);
    expect(out).toContain(
      '    topic ecom-connector.public.reviews must exist: listed by connector ecom-connector, else created (1 partition(s))\n',
    );
    expect(out.trimEnd().endsWith('dry run: nothing was changed')).toBe(true);
    expect((await run(script, ['--bogus'])).code).toBe(2);
    // A source the script does not touch: ignored, with a note (a caller may pass every source).
    const other = await run(script, ['--dry-run', '--source', 'inventory=host=x']);
    expect(other.code).toBe(0);
    expect(other.out).toContain(
      'note: --source inventory: this script touches no such source (it touches: ecom); ignored',
    );
    expect((await run(script, ['--source', 'inventory'])).code).toBe(2);
  });

  test('history: a later compile keeps it byte for byte and numbers on; an edited script is refused', async () => {
    const config = join(dir, 'pipeline.config.ts');
    writeFileSync(
      config,
      edit(read(dir, 'pipeline.config.ts'), 'rating: t.integer() },', 'rating: t.integer(), body: t.text() },'),
    );
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(scriptsOf(dir)).toEqual(['0001_add_table_reviews.sh', '0002_add_column_reviews_body.sh']);
    expect(read(dir, `${CHANGES}/0001_add_table_reviews.sh`)).toBe(text);
    expect((await cli(['--check'], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(script, `${text}# edited\n`);
    const refused = await cli([], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('MIGRATION.CHANGED');
    expect(refused.stderr).toContain('ops/changes/0001_add_table_reviews.sh differs from what manifest.json recorded');
    writeFileSync(script, text);
  });
});

test('a change to a view only writes no change script', async () => {
  const dir = project((s) =>
    edit(s, "WHEN ${books.c.price} < 10 THEN 'Under $10'", "WHEN ${books.c.price} < 15 THEN 'Under $15'"),
  );
  const json = JSON.parse((await cli(['plan', '--format', 'json'], { cwd: dir })).stdout) as PlanJson;
  expect(json.script).toBeUndefined();
  expect((await cli(['plan'], { cwd: dir })).stdout).not.toContain('On the running stack');
  expect((await cli([], { cwd: dir })).exitCode).toBe(0);
  expect(scriptsOf(dir)).toEqual([]);
});

/**
 * Kafka Connect's and Flink's REST answers, from state: PUT stores a connector's configuration (its task
 * runs it at once), topics are those set in `topics`; the stub sql-client posts its file here and the job
 * it names runs. Every request is logged.
 */
function fakeStack(
  onPut: (connector: string) => Promise<void> | void = () => undefined,
  onDelete: (connector: string) => Promise<void> | void = () => undefined,
) {
  const connectors = new Map<string, Record<string, string>>();
  const jobs: { jid: string; name: string; state: string; userConfig: Record<string, string> }[] = [];
  const topics = new Set<string>();
  const log: string[] = [];
  const submitted: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      log.push(`${req.method} ${url}`);
      const send = (status: number, value?: unknown) => {
        res.statusCode = status;
        res.setHeader('Content-Type', 'application/json');
        res.end(value === undefined ? '' : JSON.stringify(value));
      };
      let m: RegExpExecArray | null;
      if ((m = /^\/connectors\/([^/]+)\/config$/.exec(url)) && req.method === 'PUT') {
        const had = connectors.has(m[1]!);
        connectors.set(m[1]!, JSON.parse(body) as Record<string, string>);
        const name = m[1]!;
        return void Promise.resolve(onPut(name)).then(() =>
          send(had ? 200 : 201, { name, config: connectors.get(name) }),
        );
      }
      if ((m = /^\/connectors\/([^/]+)\/tasks$/.exec(url)))
        return connectors.has(m[1]!)
          ? send(200, [{ id: { connector: m[1], task: 0 }, config: connectors.get(m[1]!) }])
          : send(404, { error_code: 404, message: `Connector ${m[1]} not found` });
      if ((m = /^\/connectors\/([^/]+)\/status$/.exec(url)))
        return connectors.has(m[1]!)
          ? send(200, { name: m[1], connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RUNNING' }] })
          : send(404, { error_code: 404 });
      if ((m = /^\/connectors\/([^/]+)\/topics$/.exec(url))) return send(200, { [m[1]!]: { topics: [...topics] } });
      if ((m = /^\/connectors\/([^/]+)$/.exec(url)) && req.method === 'DELETE') {
        if (!connectors.delete(m[1]!)) return send(404, { error_code: 404 });
        return void Promise.resolve(onDelete(m[1]!)).then(() => send(204));
      }
      if (url === '/jobs/overview')
        return send(200, { jobs: jobs.map(({ jid, name, state }) => ({ jid, name, state })) });
      if ((m = /^\/jobs\/([^/]+)\/config$/.exec(url))) {
        const job = jobs.find((j) => j.jid === m![1]);
        return send(200, {
          jid: job?.jid,
          name: job?.name,
          'execution-config': { 'user-config': job?.userConfig ?? {} },
        });
      }
      if ((m = /^\/jobs\/([^/]+)\/stop$/.exec(url)) && req.method === 'POST') {
        const job = jobs.find((j) => j.jid === m![1] && j.state === 'RUNNING');
        if (!job) return send(404, { errors: ['no such running job'] });
        job.state = 'FINISHED';
        return send(202, { 'request-id': `sp-${job.jid}` });
      }
      if ((m = /^\/jobs\/([^/]+)\/savepoints\/([^/]+)$/.exec(url)))
        return send(200, { status: { id: 'COMPLETED' }, operation: { location: `file:///savepoints/${m[2]}` } });
      if (url === '/test/submit') {
        submitted.push(body);
        const name = /SET 'pipeline\.name' = '([^']+)';/.exec(body)?.[1] ?? '?';
        const params = /SET 'pipeline\.global-job-parameters' = '([^']+)';/.exec(body)?.[1] ?? '';
        const userConfig = Object.fromEntries(
          params
            .split(',')
            .filter(Boolean)
            .map((p) => p.split(':') as [string, string]),
        );
        jobs.push({ jid: `j${jobs.length + 1}`, name, state: 'RUNNING', userConfig });
        return send(200, {});
      }
      return send(404, { error: `not faked: ${req.method} ${url}` });
    });
  });
  return { server, connectors, jobs, topics, log, submitted };
}

/** A sql-client.sh stand-in: hands the file it is given (-f FILE) to the fake stack, which runs its job. */
function sqlClient(base: string): string {
  const d = mkdtempSync(join(tmpdir(), 'cdc-sql-client-'));
  dirs.push(d);
  const file = join(d, 'sql-client.sh');
  writeFileSync(
    file,
    // It echoes the statements it runs, as sql-client.sh does.
    `#!/usr/bin/env bash\nset -euo pipefail\n[ "$1" = -f ]\ncat "$2"\ncurl -sS -f -X POST --data-binary "@$2" '${base}/test/submit' >/dev/null\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

describe.skipIf(!PG_URL)('running a change script on real PostgreSQL 15 (Connect and Flink answered by a fake)', () => {
  const admin = new pg.Client({ connectionString: PG_URL });
  const names = {
    source: `cdc_chg_src_${process.pid}`,
    analytics: `cdc_chg_an_${process.pid}`,
    inventory: `cdc_chg_inv_${process.pid}`,
    analytics2: `cdc_chg_an2_${process.pid}`,
  };
  const urlOf = (db: string) => {
    const u = new URL(PG_URL!);
    u.pathname = `/${db}`;
    return u.toString();
  };
  // A connector's task, as its source sees it: a logical replication client on its slot (pg_recvlogical).
  // A PUT restarts it, so the slot's reader changes, as with Connect; a DELETE stops it (unless `stuck`).
  const SLOTS: Record<string, { slot: string; db: () => string; publication: string }> = {
    'ecom-connector': { slot: 'debezium_ecom_slot', db: () => names.source, publication: 'debezium_ecom_pub' },
    'inventory-connector': {
      slot: 'debezium_inventory_slot',
      db: () => names.inventory,
      publication: 'debezium_inventory_pub',
    },
  };
  const readers = new Map<string, ReturnType<typeof spawn>>();
  const stopReader = async (slot: string) => {
    const r = readers.get(slot);
    readers.delete(slot);
    if (r && r.exitCode === null) {
      const exited = new Promise((done) => r.once('exit', done));
      r.kill();
      await exited;
    }
  };
  const readSlot = async (connector: string) => {
    const { slot, db, publication } = SLOTS[connector]!;
    await stopReader(slot);
    // Debezium creates its slot on the first start.
    await query(
      db(),
      `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput') WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '${slot}')`,
    );
    readers.set(
      slot,
      spawn(
        '/usr/lib/postgresql/15/bin/pg_recvlogical',
        [
          '-d',
          urlOf(db()),
          '--slot',
          slot,
          '--start',
          '-o',
          'proto_version=1',
          '-o',
          `publication_names=${publication}`,
          '-f',
          '/dev/null',
        ],
        { stdio: 'ignore' },
      ),
    );
  };
  let stuck = false;
  const stack = fakeStack(
    (c) => readSlot(c),
    (c) => (stuck ? undefined : stopReader(SLOTS[c]!.slot)),
  );
  let base = '';
  beforeAll(async () => {
    await admin.connect();
    for (const db of Object.values(names)) {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${db}`);
    }
    await dropSlots();
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}`;
  });
  // Replication slots are the server's, not a database's: the book store's slot names are taken only here.
  // A killed reader's walsender lets go of its slot a moment later; a slot blocks dropping its database.
  const dropSlots = async () => {
    const ours = "slot_name IN ('debezium_ecom_slot', 'debezium_inventory_slot')";
    for (let i = 0; i < 100; i++) {
      await admin.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE ${ours} AND active`);
      await admin.query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE ${ours} AND NOT active`,
      );
      if (!(await admin.query(`SELECT FROM pg_replication_slots WHERE ${ours}`)).rowCount) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  afterAll(async () => {
    for (const slot of [...readers.keys()]) await stopReader(slot);
    await dropSlots();
    stack.server.close();
    for (const db of Object.values(names)) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  });
  const query = async <T>(db: string, sql: string): Promise<T[]> => {
    const c = new pg.Client({ connectionString: urlOf(db) });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const published = (db: string, publication: string) =>
    query<{ t: string }>(
      db,
      `SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = '${publication}' ORDER BY 1`,
    ).then((r) => r.map((x) => x.t));

  test('add a table: the migration, the publication entry, the connector, one signal, one job; a re-run does nothing new', async () => {
    const dir = project(ADD_REVIEWS);
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    const script = join(dir, CHANGES, '0001_add_table_reviews.sh');
    // The source at the old state: its tables (and the new one, created upstream), the old setup SQL.
    await query(
      names.source,
      ['orders', 'order_items', 'books', 'reviews']
        .map((t) => `CREATE TABLE public.${t} (id uuid PRIMARY KEY);`)
        .join('\n'),
    );
    await query(
      names.source,
      readFileSync(join(ROOT, 'generated/debezium/ecom-setup.sql'), 'utf8').replace(
        'GRANT CONNECT ON DATABASE ecomdb ',
        `GRANT CONNECT ON DATABASE ${names.source} `,
      ),
    );
    await query(names.analytics, readFileSync(join(ROOT, 'generated/analytics/schema.sql'), 'utf8'));
    await query(names.analytics, readFileSync(join(ROOT, 'generated/analytics/views.sql'), 'utf8'));
    expect(await published(names.source, 'debezium_ecom_pub')).toEqual([
      'public.books',
      'public.debezium_ecom_signal',
      'public.order_items',
      'public.orders',
    ]);
    // The four running jobs of the old state; the new table's topic exists (its rows were snapshotted).
    for (const name of ['fact_orders', 'fact_order_items', 'dim_books', 'fact_inventory'])
      stack.jobs.push({ jid: `old-${name}`, name: `bookstore-${name}`, state: 'RUNNING', userConfig: {} });
    await readSlot('ecom-connector');
    const slotReader = () =>
      query<{ pid: number | null }>(
        names.source,
        "SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = 'debezium_ecom_slot'",
      ).then((r) => r[0]?.pid ?? null);
    for (let i = 0; i < 50 && (await slotReader()) === null; i++) await new Promise((r) => setTimeout(r, 100));
    const oldReader = await slotReader();
    expect(oldReader).not.toBeNull();
    // kafka-topics.sh stand-in: records what it is asked (the new table's topic is not written yet).
    const tools = mkdtempSync(join(tmpdir(), 'cdc-kafka-topics-'));
    dirs.push(tools);
    const kafkaTopics = join(tools, 'kafka-topics.sh');
    writeFileSync(kafkaTopics, `#!/usr/bin/env bash\necho "$*" >> '${tools}/calls'\n`);
    chmodSync(kafkaTopics, 0o755);
    const args = [
      '--connect',
      base,
      '--flink',
      base,
      '--analytics',
      urlOf(names.analytics),
      '--source',
      `ecom=${urlOf(names.source)}`,
      '--wait',
      '10',
    ];
    // A quote in a Secret value: doubled before it lands in the job SQL's string literal.
    const env = {
      SQL_CLIENT: sqlClient(base),
      KAFKA_TOPICS: kafkaTopics,
      ANALYTICS_DB_USER: 'flink',
      ANALYTICS_DB_PASSWORD: "it's-not-a-secret",
    };

    const first = await run(script, args, env);
    expect(first.out, first.out).toContain('change script 0001_add_table_reviews done');
    expect(first.code).toBe(0);
    expect(await published(names.source, 'debezium_ecom_pub')).toContain('public.reviews');
    expect(
      await query(names.source, "SELECT relreplident AS r FROM pg_class WHERE oid = 'public.reviews'::regclass"),
    ).toEqual([{ r: 'f' }]);
    expect(
      await query(names.source, "SELECT has_table_privilege('debezium_ecom', 'public.reviews', 'SELECT') AS ok"),
    ).toEqual([{ ok: true }]);
    const signals = await query<{ id: string; type: string; data: string }>(
      names.source,
      'SELECT id, type, data FROM public.debezium_ecom_signal',
    );
    expect(signals).toEqual([
      {
        id: expect.stringMatching(/^cdc-0001-[0-9a-f]{16}$/),
        type: 'execute-snapshot',
        data: '{"data-collections":["public.reviews"],"type":"incremental"}',
      },
    ]);
    expect(await query(names.analytics, "SELECT to_regclass('public.fact_reviews') IS NOT NULL AS ok")).toEqual([
      { ok: true },
    ]);
    expect(await query(names.analytics, 'SELECT id FROM cdc_migrations')).toEqual([
      { id: '0001_add_table_fact_reviews' },
    ]);
    expect(stack.connectors.get('ecom-connector')!['table.include.list']).toContain('public\\.reviews');
    expect(stack.submitted).toHaveLength(1);
    // The placeholders were filled in from the environment for the client only.
    expect(stack.submitted[0]).toContain("'password'                   = 'it''s-not-a-secret'");
    // What the client echoes (the substituted SQL) stays out of the script's output.
    expect(first.out).not.toContain('not-a-secret');
    // The signal waited for the new task: the slot is read by another backend than before the PUT.
    expect(first.out).toContain('connector ecom-connector RUNNING: a new task reads slot debezium_ecom_slot');
    expect(await slotReader()).not.toBe(oldReader);
    expect(readFileSync(join(tools, 'calls'), 'utf8')).toBe(
      '--bootstrap-server kafka.infra.svc.cluster.local:9092 --create --if-not-exists --topic ecom-connector.public.reviews --partitions 1\n',
    );
    expect(stack.jobs.filter((j) => j.state === 'RUNNING').map((j) => j.name)).toEqual([
      'bookstore-fact_orders',
      'bookstore-fact_order_items',
      'bookstore-dim_books',
      'bookstore-fact_inventory',
      'bookstore-fact_reviews',
    ]);
    // Steps in the plan's order: the PUT before the signal's wait, the job after it.
    const order = stack.log.filter((l) => /PUT|submit/.test(l));
    expect(order).toEqual(['PUT /connectors/ecom-connector/config', 'POST /test/submit']);

    const again = await run(script, args, env);
    expect(again.code).toBe(0);
    expect(again.out).toContain('NOTICE:  publication debezium_ecom_pub has public.reviews already');
    expect(again.out).toContain('job bookstore-fact_reviews is RUNNING: nothing to submit');
    expect(again.out).toContain('connector ecom-connector RUNNING: its tasks ran this configuration already');
    expect(await query(names.source, 'SELECT count(*)::int AS n FROM public.debezium_ecom_signal')).toEqual([{ n: 1 }]);
    expect(stack.submitted).toHaveLength(1);
    expect(await query(names.analytics, 'SELECT id FROM cdc_migrations')).toHaveLength(1);
  });

  test('a job whose topic never appears is not submitted: the script says so and exits 1', async () => {
    const dir = project((s) =>
      ADD_REVIEWS(s).replace(
        'const books = ecom.table(',
        "const notes = ecom.table('notes', {\n  columns: { id: t.uuid().primaryKey() },\n  analytics: { name: 'fact_notes', kind: 'fact' },\n});\n\nconst books = ecom.table(",
      ),
    );
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    const [file] = scriptsOf(dir);
    const out = await run(join(dir, CHANGES, file!), ['--dry-run'], {});
    expect(out.code).toBe(0);
    // Run only its Flink part against the fake (no topic for notes): the job is left for a re-run.
    const text = read(dir, `${CHANGES}/${file}`);
    const cut =
      text.slice(0, text.indexOf('\nstep 1 ')) +
      text.slice(text.lastIndexOf('\nstep ', text.indexOf("submit_job 'bookstore-fact_notes'")));
    const partial = join(dir, CHANGES, 'partial.sh');
    writeFileSync(partial, cut);
    const result = await run(partial, ['--connect', base, '--flink', base, '--wait', '1'], {
      SQL_CLIENT: sqlClient(base),
      // No tool to create the topic with.
      KAFKA_TOPICS: 'no-kafka-topics-here',
      ANALYTICS_DB_USER: 'flink',
      ANALYTICS_DB_PASSWORD: 'x',
    });
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'topic ecom-connector.public.notes does not exist after 1s (its table may have no rows yet; no-kafka-topics-here would create it)',
    );
    expect(result.out).toContain('NOT DONE: job bookstore-fact_notes waits for topic ecom-connector.public.notes');
    rmSync(partial);
  });

  const runArgs = (analytics: string, ...sources: string[]) => [
    '--connect',
    base,
    '--flink',
    base,
    '--analytics',
    urlOf(analytics),
    ...sources.flatMap((s) => ['--source', `${s}=${urlOf(s === 'ecom' ? names.source : names.inventory)}`]),
    '--wait',
    '5',
  ];

  test('remove the table again: its job stopped, the connector without it, the publication entry dropped, the table as approved; topics only listed', async () => {
    // The state the first test left: reviews published, captured, its job running.
    expect(await published(names.source, 'debezium_ecom_pub')).toContain('public.reviews');
    const dir = project(ADD_REVIEWS);
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, 'pipeline.config.ts'), readFileSync(join(ROOT, 'pipeline.config.ts'), 'utf8'));
    await compileApproved(dir);
    expect(read(dir, 'cdc-approvals.yaml')).toContain('remove-table/ecom.public.reviews: drop');
    const script = join(dir, CHANGES, '0002_remove_table_reviews.sh');
    const args = runArgs(names.analytics, 'ecom');
    const first = await run(script, args);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('job bookstore-fact_reviews stopped; savepoint file:///savepoints/sp-');
    expect(stack.jobs.find((j) => j.name === 'bookstore-fact_reviews')!.state).toBe('FINISHED');
    expect(await published(names.source, 'debezium_ecom_pub')).toEqual([
      'public.books',
      'public.debezium_ecom_signal',
      'public.order_items',
      'public.orders',
    ]);
    expect(stack.connectors.get('ecom-connector')!['table.include.list']).not.toContain('reviews');
    expect(await query(names.analytics, "SELECT to_regclass('public.fact_reviews') IS NULL AS gone")).toEqual([
      { gone: true },
    ]);
    expect(first.out).toContain(
      '    kafka-topics.sh --bootstrap-server kafka.infra.svc.cluster.local:9092 --delete --topic ecom-connector.public.reviews\n    (not deleted: run the commands above, or this script with --delete-topics)',
    );
    // Again: nothing left to do.
    const again = await run(script, args);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('no RUNNING job bookstore-fact_reviews: nothing to stop');
    expect(again.out).toContain('publication debezium_ecom_pub does not have public.reviews (nothing to drop)');
    expect(again.out).toContain('connector ecom-connector RUNNING: its tasks ran this configuration already');
    // --delete-topics deletes them.
    const tools = mkdtempSync(join(tmpdir(), 'cdc-kafka-topics-'));
    dirs.push(tools);
    writeFileSync(join(tools, 'kafka-topics.sh'), `#!/usr/bin/env bash\necho "$*" >> '${tools}/calls'\n`);
    chmodSync(join(tools, 'kafka-topics.sh'), 0o755);
    const deleting = await run(script, [...args, '--delete-topics', '--kafka', '127.0.0.1:19092'], {
      KAFKA_TOPICS: join(tools, 'kafka-topics.sh'),
    });
    expect(deleting.code, deleting.out).toBe(0);
    expect(readFileSync(join(tools, 'calls'), 'utf8')).toBe(
      '--bootstrap-server 127.0.0.1:19092 --delete --topic ecom-connector.public.reviews\n',
    );
  });

  test('remove a source: its job stopped, its connector deleted, then its slot (refused loudly while active), publication and signal table', async () => {
    const dir = project(withoutInventory);
    await compileApproved(dir);
    const [file] = scriptsOf(dir);
    const script = join(dir, CHANGES, file!);
    await query(names.inventory, 'CREATE TABLE public.inventory (book_id uuid PRIMARY KEY);');
    await query(
      names.inventory,
      readFileSync(join(ROOT, 'generated/debezium/inventory-setup.sql'), 'utf8').replace(
        'GRANT CONNECT ON DATABASE inventorydb ',
        `GRANT CONNECT ON DATABASE ${names.inventory} `,
      ),
    );
    await query(names.analytics2, readFileSync(join(ROOT, 'generated/analytics/schema.sql'), 'utf8'));
    await query(names.analytics2, readFileSync(join(ROOT, 'generated/analytics/views.sql'), 'utf8'));
    // The running source: its connector (its task reads the slot) and its job.
    stack.connectors.set('inventory-connector', { name: 'inventory-connector' });
    await readSlot('inventory-connector');
    const slot = () =>
      query<{ active: boolean }>(
        names.inventory,
        "SELECT active FROM pg_replication_slots WHERE slot_name = 'debezium_inventory_slot'",
      );
    for (let i = 0; i < 50 && !(await slot())[0]?.active; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await slot()).toEqual([{ active: true }]);
    const args = runArgs(names.analytics2, 'inventory');

    // A task that does not let go of the slot: the script stops, loudly, and drops nothing.
    stuck = true;
    const refused = await run(script, [...args.slice(0, -1), '2']);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      'FAIL  replication slot debezium_inventory_slot on source inventory is STILL ACTIVE after 2s: something still streams from it.',
    );
    expect(await slot()).toEqual([{ active: true }]);
    expect(await published(names.inventory, 'debezium_inventory_pub')).toContain('public.inventory');
    expect(stack.jobs.find((j) => j.name === 'bookstore-fact_inventory')!.state).toBe('FINISHED');
    expect(stack.connectors.has('inventory-connector')).toBe(false);

    // Its reader gone, a re-run finishes the job.
    stuck = false;
    await stopReader('debezium_inventory_slot');
    const done = await run(script, args);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain('connector inventory-connector is not there (deleted already)');
    expect(done.out).toContain('replication slot debezium_inventory_slot dropped');
    expect(await slot()).toEqual([]);
    expect(
      await query(
        names.inventory,
        "SELECT count(*)::int AS n FROM pg_publication WHERE pubname = 'debezium_inventory_pub'",
      ),
    ).toEqual([{ n: 0 }]);
    expect(
      await query(names.inventory, "SELECT to_regclass('public.debezium_inventory_signal') IS NULL AS gone"),
    ).toEqual([{ gone: true }]);
    expect(await query(names.analytics2, "SELECT to_regclass('public.fact_inventory') IS NULL AS gone")).toEqual([
      { gone: true },
    ]);
    expect(done.out).toContain('--delete --topic inventory-connector.public.debezium_inventory_signal');
    const again = await run(script, args);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('replication slot debezium_inventory_slot is not there (dropped already)');
  });

  test('add the source back: its setup SQL and role password, its connector registered (a new task on a new slot), its job; a re-run changes nothing', async () => {
    const dir = project(withoutInventory);
    await compileApproved(dir);
    writeFileSync(join(dir, 'pipeline.config.ts'), readFileSync(join(ROOT, 'pipeline.config.ts'), 'utf8'));
    rmSync(join(dir, 'cdc-approvals.yaml'));
    await compileApproved(dir);
    const file = scriptsOf(dir)[1]!;
    // The scratch database's name where the setup SQL grants CONNECT on the config's (as test/postgres.test.ts does).
    const script = join(dir, CHANGES, `scratch-${file}`);
    writeFileSync(
      script,
      read(dir, `${CHANGES}/${file}`).replace(
        'GRANT CONNECT ON DATABASE inventorydb ',
        `GRANT CONNECT ON DATABASE ${names.inventory} `,
      ),
    );
    const tools = mkdtempSync(join(tmpdir(), 'cdc-kafka-topics-'));
    dirs.push(tools);
    writeFileSync(join(tools, 'kafka-topics.sh'), `#!/usr/bin/env bash\necho "$*" >> '${tools}/calls'\n`);
    chmodSync(join(tools, 'kafka-topics.sh'), 0o755);
    await query(names.inventory, 'ALTER ROLE debezium_inventory PASSWORD NULL');
    const env = {
      SQL_CLIENT: sqlClient(base),
      KAFKA_TOPICS: join(tools, 'kafka-topics.sh'),
      ANALYTICS_DB_USER: 'flink',
      ANALYTICS_DB_PASSWORD: 'x',
      INVENTORY_DB_PASSWORD: 'role-secret',
    };
    const args = runArgs(names.analytics2, 'inventory');
    const first = await run(script, args, env);
    expect(first.code, first.out).toBe(0);
    expect(await published(names.inventory, 'debezium_inventory_pub')).toEqual([
      'public.debezium_inventory_signal',
      'public.inventory',
    ]);
    expect(
      await query(
        names.inventory,
        "SELECT rolpassword IS NOT NULL AS set FROM pg_authid WHERE rolname = 'debezium_inventory'",
      ),
    ).toEqual([{ set: true }]);
    expect(stack.connectors.get('inventory-connector')!['slot.name']).toBe('debezium_inventory_slot');
    expect(first.out).toContain('connector inventory-connector RUNNING: a new task reads slot debezium_inventory_slot');
    expect(await query(names.analytics2, "SELECT to_regclass('public.fact_inventory') IS NOT NULL AS ok")).toEqual([
      { ok: true },
    ]);
    const running = () =>
      stack.jobs.filter((j) => j.name === 'bookstore-fact_inventory' && j.state === 'RUNNING').length;
    expect(running()).toBe(1);
    // No secret on a command line or in the output.
    expect(first.out).not.toContain('role-secret');
    const again = await run(script, args, env);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('job bookstore-fact_inventory is RUNNING: nothing to submit');
    expect(running()).toBe(1);
  });
});

/** The book store without the inventory source (its table, views, charts and deployment namespace). */
function withoutInventory(s: string): string {
  let source = edit(s, 'sources: [ecom, inventoryDb]', 'sources: [ecom]');
  source = source.replace(/const inventoryDb = postgresSource[\s\S]*?\n}\);\n/, '');
  source = source.replace(/const inventory = inventoryDb\.table[\s\S]*?\n}\);\n/, '');
  for (const name of ['inventoryHealth', 'inventoryTurnover']) {
    source = source.replace(new RegExp(`const ${name} = view\\([\\s\\S]*?\\n}\\);\\n`), '');
    source = edit(source, `    ${name},\n`, '');
  }
  source = source.replace(/const inv = inventory\.as\('inv'\);\n/, '');
  for (const name of ['inventoryHealthTable', 'stockVsReservedChart', 'turnoverChart'])
    source = source.replace(new RegExp(`const ${name} = chart\\([\\s\\S]*?\\n}\\);\\n`), '');
  source = edit(
    source,
    'rows: [[inventoryHealthTable], [stockVsReservedChart, turnoverChart], [revenueByGenreChart]]',
    'rows: [[revenueByGenreChart]]',
  );
  return source.replace(
    /      inventory: \{\n        namespace: 'inventory',[\s\S]*?\n      \},\n    \},\n  \},\n\}\);/,
    '    },\n  },\n});',
  );
}

/** Writes the approvals the plan asks for (every decision as the plan reads it first), and compiles. */
async function compileApproved(dir: string): Promise<void> {
  const plan = JSON.parse((await cli(['plan', '--format', 'json'], { cwd: dir })).stdout) as {
    approvalsToAdd?: string;
  };
  if (plan.approvalsToAdd) writeFileSync(join(dir, 'cdc-approvals.yaml'), plan.approvalsToAdd);
  const compiled = await cli([], { cwd: dir });
  expect(compiled.exitCode, compiled.stderr).toBe(0);
}

const stepsOf = (text: string) => [...text.matchAll(/^step \d+ (\w+) '/gm)].map((m) => m[1]);
const callsOf = (text: string) =>
  [
    ...text
      .slice(text.indexOf('\nstep 1 '))
      .matchAll(
        /^(stop_job|apply_analytics|source_sql|put_connector|delete_connector|drop_slot|submit_job|delete_topics|role_password)\b/gm,
      ),
  ].map((m) => m[1]);

describe('removing and adding', () => {
  test('a removed table: stop its job, the connector without it, the publication entry, its topic listed', async () => {
    const dir = project(ADD_REVIEWS);
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    const config = join(dir, 'pipeline.config.ts');
    writeFileSync(config, readFileSync(join(ROOT, 'pipeline.config.ts'), 'utf8'));
    await compileApproved(dir);
    expect(scriptsOf(dir)).toEqual(['0001_add_table_reviews.sh', '0002_remove_table_reviews.sh']);
    const text = read(dir, `${CHANGES}/0002_remove_table_reviews.sh`);
    expect(callsOf(text)).toEqual(['stop_job', 'apply_analytics', 'put_connector', 'source_sql', 'delete_topics']);
    expect(text).toContain("stop_job 'bookstore-fact_reviews'\n");
    expect(text).toContain('ALTER PUBLICATION debezium_ecom_pub DROP TABLE public.reviews;');
    expect(text).toContain("delete_topics 'ecom-connector.public.reviews'\n");
    expect(heredocs(text, 'CDC_CONNECTOR')[0]).not.toContain('reviews');
  });

  test('a removed source: stop its job, delete the connector, drop slot, publication and signal table, list its topics', async () => {
    const dir = project(withoutInventory);
    await compileApproved(dir);
    const [file] = scriptsOf(dir);
    expect(file).toMatch(/^0001_remove_source_inventory/);
    const text = read(dir, `${CHANGES}/${file}`);
    expect(stepsOf(text)).toEqual(['flink', 'analytics', 'connector', 'source', 'source', 'kafka']);
    expect(callsOf(text)).toEqual([
      'stop_job',
      'apply_analytics',
      'delete_connector',
      'drop_slot',
      'source_sql',
      'delete_topics',
    ]);
    expect(text).toContain("drop_slot 'inventory' 'debezium_inventory_slot'");
    expect(text).toContain(
      'DROP PUBLICATION IF EXISTS debezium_inventory_pub;\nDROP TABLE IF EXISTS public.debezium_inventory_signal;',
    );
    expect(text).toContain(
      "delete_topics 'inventory-connector.public.inventory' 'inventory-connector.public.debezium_inventory_signal'",
    );
    if (hasShellcheck || process.env['CI'])
      expect(() =>
        execFileSync('shellcheck', ['--shell=bash', join(dir, CHANGES, file!)], { encoding: 'utf8' }),
      ).not.toThrow();
  });

  test('an added source: its setup SQL and role password, its connector registered, its job', async () => {
    const dir = project(withoutInventory);
    await compileApproved(dir);
    writeFileSync(join(dir, 'pipeline.config.ts'), readFileSync(join(ROOT, 'pipeline.config.ts'), 'utf8'));
    rmSync(join(dir, 'cdc-approvals.yaml'));
    await compileApproved(dir);
    const added = scriptsOf(dir)[1]!;
    expect(added).toMatch(/^0002_add_source_inventory/);
    const text = read(dir, `${CHANGES}/${added}`);
    expect(callsOf(text)).toEqual(['apply_analytics', 'source_sql', 'role_password', 'put_connector', 'submit_job']);
    expect(heredocs(text, 'CDC_SETUP_SQL')).toEqual([read(dir, 'generated/debezium/inventory-setup.sql').trimEnd()]);
    expect(text).toContain("role_password 'inventory' 'debezium_inventory' INVENTORY_DB_PASSWORD");
    if (hasShellcheck || process.env['CI'])
      expect(() =>
        execFileSync('shellcheck', ['--shell=bash', join(dir, CHANGES, added)], { encoding: 'utf8' }),
      ).not.toThrow();
  });
});

test('one STATEMENT SET job (examples/types): removing a source stops it and submits it again fresh, marked', async () => {
  const dir = project(
    (s) => s.replace('sources: [app, legacy]', 'sources: [app]').replace(/views: \[[^\]]*\]/, 'views: [typeSample]'),
    'types',
  );
  await compileApproved(dir);
  const [file] = scriptsOf(dir);
  const text = read(dir, `${CHANGES}/${file}`);
  const id = file!.replace(/\.sh$/, '');
  expect(callsOf(text)).toEqual([
    'stop_job',
    'apply_analytics',
    'delete_connector',
    'drop_slot',
    'source_sql',
    'submit_job',
    'delete_topics',
  ]);
  // Stopped unless it is the job this script submitted (a re-run), then submitted fresh: the plan's decision.
  expect(text).toContain(`stop_job 'types-cdc' '${id}'\n`);
  expect(text).toContain('submit Flink job types-cdc again, fresh (the plan: its statement changed');
  const [sql] = heredocs(text, 'CDC_FLINK_SQL');
  expect(sql).toContain(`SET 'pipeline.global-job-parameters' = 'cdc.change:${id}';`);
  expect(sql).toContain('EXECUTE STATEMENT SET\nBEGIN\n');
  // The removed source's tables are gone from the job.
  expect(sql).not.toMatch(/topic'\s+= 'legacy-cdc\./);
  expect(sql).toMatch(/topic'\s+= 'app-connector\./);
  expect(new FlinkSQL().validate(sql!)).toEqual([]);
  if (hasShellcheck || process.env['CI'])
    expect(() =>
      execFileSync('shellcheck', ['--shell=bash', join(dir, CHANGES, file!)], { encoding: 'utf8' }),
    ).not.toThrow();
});
