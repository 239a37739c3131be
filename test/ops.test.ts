/**
 * ops/check.sh, the generated smoke check (seed §11.1): its lists and defaults follow the Model, it is
 * shellcheck-clean, its analytics part runs against a real PostgreSQL (CDC_TEST_PG_URL), and its REST
 * parts read Kafka Connect's and Flink's answers right (served here by a small HTTP server speaking their
 * JSON; the live engines run it in the end-to-end suite).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Model } from '../src/resolve/model.js';
import { compileValue } from '../src/compile.js';
import { quoteIdent } from '../src/render/text.js';
import { loadTemplates } from '../src/render/templates.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';
import { compileProject, PROJECTS, ROOT } from './support/compile.js';
import { PG_URL } from './support/postgres-url.js';

const CHECK = 'ops/check.sh';

function writeScript(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-ops-'));
  const file = join(dir, 'check.sh');
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

/** Runs the script; resolves with its exit code and output (stdout and stderr together). */
function run(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [file, ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

const hasShellcheck = (() => {
  try {
    execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.each(PROJECTS)('$name', ({ config }) => {
  test('check.sh names every connector, Flink job, analytics table, view and dashboard of the Model', async () => {
    const { files, model } = await compileProject(config);
    const m = model!;
    const text = files.get(m.ops.checkScript)!;
    expect(m.ops.checkScript).toBe(CHECK);
    const list = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}=(`))!;
      return [...line.matchAll(/'([^']*)'/g)].map((x) => x[1]);
    };
    expect(list('CONNECTORS')).toEqual(m.sources.map((s) => s.connectorName));
    expect(list('JOBS')).toEqual(m.flink.submissions.map((s) => s.name));
    const sql = (name: string) =>
      m.analytics.schema === 'public' ? quoteIdent(name) : `${quoteIdent(m.analytics.schema)}.${quoteIdent(name)}`;
    expect(list('TABLES')).toEqual(m.tables.map((t) => sql(t.analytics.name)));
    expect(list('VIEWS')).toEqual(m.views.map((v) => sql(v.name)));
    expect(list('DASHBOARDS')).toEqual(m.dashboards.map((d) => d.slug));
    expect(text).toContain(`CONNECT_URL='${m.connect.url}'`);
    expect(text).toContain(`FLINK_URL='${m.deployment?.urls.flinkRest ?? ''}'`);
    expect(text).toContain(`host=${m.analytics.host} port=${m.analytics.port} dbname=${m.analytics.database}`);
    // Credentials only by reference: the password's variable, never a value.
    expect(text).toContain(`$${m.analytics.password.env}`);
  });

  test.skipIf(!hasShellcheck && !process.env['CI'])('check.sh is shellcheck-clean', async () => {
    const { files } = await compileProject(config);
    const file = writeScript(files.get(CHECK)!);
    // Without shellcheck in CI this throws (ENOENT): .ci/run installs it from Debian.
    expect(() => execFileSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' })).not.toThrow();
  });
});

test('under the local profile the defaults are 127.0.0.1 and the deployment’s localPorts', async () => {
  const { config } = PROJECTS.find((p) => p.name === 'bookstore')!;
  const { model } = await compileProject(config);
  expect(model!.deployment!.urls).toMatchObject({
    connect: 'http://debezium.infra.svc.cluster.local:8083',
    flinkRest: 'http://flink-jobmanager.analytics.svc.cluster.local:8081',
  });
  const { loadConfig } = await import('../src/load/index.js');
  const value = (await loadConfig(config)).value as { options: Record<string, any> };
  value.options['deployment'] = {
    ...value.options['deployment'],
    components: { flinkJobManager: { localPort: 18081 }, superset: { localPort: 18088 } },
    profiles: { local: { components: { kafka: { localPort: 19092 }, connect: { localPort: 18083 } } } },
    databases: { ...value.options['deployment'].databases, analytics: { localPort: 15432 } },
  };
  // An explicit Superset URL gives way to 127.0.0.1 as connect.url does (found by npm run test:e2e:
  // examples/charts' bootstrap and check.sh kept https://superset.example.internal under a loopback profile).
  value.options['superset'] = { ...value.options['superset'], url: 'https://superset.example.internal' };
  const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;
  const result = compileValue(value, { configFile: 'pipeline.config.ts', render }, { profile: 'local' });
  const text = result.artefacts.find((a) => a.path === CHECK)?.contents ?? JSON.stringify(result.diagnostics);
  expect(text).toContain("CONNECT_URL='http://127.0.0.1:18083'");
  expect(text).toContain("FLINK_URL='http://127.0.0.1:18081'");
  expect(text).toContain("SUPERSET_URL='http://127.0.0.1:18088'");
  expect(text).toMatch(/^ANALYTICS='host=127\.0\.0\.1 port=15432 dbname=analyticsdb( user=\w+)?'$/m);
  expect(result.model!.deployment!.urls.kafkaBootstrap).toBe('127.0.0.1:19092');
  expect(result.model!.superset.bootstrap.url).toBe('http://127.0.0.1:18088');
});

describe('running check.sh', () => {
  let server: Server;
  let base = '';
  // What the fake REST endpoints answer; tests change it.
  const state = { connector: 'RUNNING', task: 'RUNNING', jobs: [] as { name: string; state: string }[] };
  let model: Model;
  let script = '';

  beforeAll(async () => {
    const { files, model: m } = await compileProject(PROJECTS.find((p) => p.name === 'bookstore')!.config);
    model = m!;
    script = writeScript(files.get(CHECK)!);
    server = createServer((req, res) => {
      const status = /^\/connectors\/([^/]+)\/status$/.exec(req.url ?? '');
      res.setHeader('Content-Type', 'application/json');
      if (status)
        res.end(
          JSON.stringify({
            name: status[1],
            connector: { state: state.connector, worker_id: 'w:8083' },
            tasks: [{ id: 0, state: state.task, worker_id: 'w:8083' }],
          }),
        );
      else if (req.url === '/jobs/overview') res.end(JSON.stringify({ jobs: state.jobs }));
      else {
        res.statusCode = 404;
        res.end('{"error_code":404,"message":"not found"}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server?.close(() => r())));

  const rest = (...extra: string[]) =>
    run(script, ['--connect', base, '--flink', base, '--skip', 'analytics', '--skip', 'superset', ...extra]);

  test('connectors and jobs RUNNING pass; a paused connector, a failed task, a missing or doubled job fail', async () => {
    const names = model.flink.submissions.map((s) => s.name);
    state.jobs = names.map((name) => ({ name, state: 'RUNNING' }));
    let r = await rest();
    expect(r.out).toContain('ok    connector ecom-connector and its 1 task RUNNING');
    expect(r.out).toContain(`ok    Flink job ${names[0]} RUNNING`);
    expect(r.out).toMatch(/ok {4}bookstore: all \d+ checks passed/);
    expect(r.code).toBe(0);

    state.connector = 'PAUSED';
    r = await rest();
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL  connector ecom-connector is PAUSED');
    state.connector = 'RUNNING';
    state.task = 'FAILED';
    r = await rest();
    expect(r.out).toContain('FAIL  connector inventory-connector is RUNNING, but task 0 FAILED');
    state.task = 'RUNNING';

    state.jobs = [
      { name: names[0]!, state: 'FAILED' },
      ...names.slice(2).map((name) => ({ name, state: 'RUNNING' })),
      { name: names[2]!, state: 'RUNNING' },
    ];
    r = await rest();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL  Flink job ${names[0]} is FAILED`);
    expect(r.out).toContain(`FAIL  Flink job ${names[1]} is not there`);
    expect(r.out).toContain(`FAIL  Flink job ${names[2]} runs 2 times`);
    expect(r.out).toMatch(/FAIL {2}bookstore: 3 of \d+ checks failed/);
  });

  test('an unreachable service is a clear failure; bad usage exits 2', async () => {
    const r = await run(script, [
      '--connect',
      'http://127.0.0.1:9',
      '--skip',
      'flink',
      '--skip',
      'analytics',
      '--skip',
      'superset',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL {2}connector ecom-connector at http:\/\/127\.0\.0\.1:9: curl: \(7\)/);
    expect((await run(script, ['--skip', 'kafka'])).code).toBe(2);
    expect((await run(script, ['--wait', 'soon'])).code).toBe(2);
    expect((await run(script, ['--bogus'])).out).toContain("unknown argument '--bogus'");
    const all = await run(script, [
      '--skip',
      'connect',
      '--skip',
      'flink',
      '--skip',
      'analytics',
      '--skip',
      'superset',
    ]);
    expect(all.code).toBe(1);
    expect(all.out).toContain('nothing was checked');
  });
});

describe.skipIf(!PG_URL).each(PROJECTS)('$name: the analytics part on PostgreSQL', ({ name, config }) => {
  const database = `cdc_ops_${name.replace(/\W/g, '_')}_${process.pid}`;
  let admin: pg.Client;
  let db: pg.Client;
  let model: Model;
  let script = '';
  const target = () => {
    const u = new URL(PG_URL!);
    u.pathname = `/${database}`;
    return u.toString();
  };

  beforeAll(async () => {
    const r = await compileProject(config);
    model = r.model!;
    script = writeScript(r.files.get(CHECK)!);
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    db = new pg.Client({ connectionString: target() });
    await db.connect();
    await db.query(r.files.get(model.analytics.files.schema)!);
    await db.query(r.files.get(model.analytics.files.views)!);
  });
  afterAll(async () => {
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  const analytics = () =>
    run(script, ['--analytics', target(), '--skip', 'connect', '--skip', 'flink', '--skip', 'superset']);

  test('empty tables fail, one by one; with a row in each every table and view passes', async () => {
    let r = await analytics();
    expect(r.code).toBe(1);
    for (const t of model.tables) expect(r.out).toContain(`is empty`);
    expect(r.out.match(/^FAIL {2}analytics table .* is empty$/gm)?.length).toBe(model.tables.length);
    for (const v of model.views) expect(r.out).toMatch(new RegExp(`ok {4}view \\S*${v.name} answers`));

    const schema = model.analytics.schema;
    const q = (n: string) => (schema === 'public' ? quoteIdent(n) : `${quoteIdent(schema)}.${quoteIdent(n)}`);
    for (const t of model.tables) {
      const cols = t.analytics.columns.filter((c) => c.notNull && c.default === undefined);
      const value = (c: (typeof cols)[number]) => {
        const d = c.dataType;
        if (d.array) return `'{}'`;
        if (d.base === 'uuid') return `'00000000-0000-4000-8000-000000000001'`;
        switch (d.category) {
          case 'numeric':
            return `'1'`;
          case 'boolean':
            return `'true'`;
          case 'temporal':
            return /interval/.test(c.type)
              ? `'1 day'`
              : /^time\b|^timetz|^time\(/.test(c.type)
                ? `'12:00'`
                : `'2024-01-01'`;
          case 'json':
            return `'{}'`;
          case 'binary':
            return `'\\x00'`;
          default:
            return `'x'`;
        }
      };
      await db.query(
        cols.length
          ? `INSERT INTO ${q(t.analytics.name)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${cols.map((c) => `CAST(${value(c)} AS ${c.type})`).join(', ')})`
          : `INSERT INTO ${q(t.analytics.name)} DEFAULT VALUES`,
      );
    }
    r = await analytics();
    expect(r.out).not.toContain('FAIL');
    expect(r.code).toBe(0);
    expect(r.out.match(/^ok {4}analytics table .* has rows$/gm)?.length).toBe(model.tables.length);

    // A view that no longer answers (its table was dropped) fails with PostgreSQL's own message.
    if (model.views.length) {
      await db.query(`DROP VIEW ${q(model.views.at(-1)!.name)} CASCADE`);
      r = await analytics();
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/FAIL {2}view \S+: ERROR: {2}relation .* does not exist/);
    }
  });
});
