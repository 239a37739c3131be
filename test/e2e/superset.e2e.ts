/**
 * A real Superset 5.0 (scripts/superset-e2e.sh starts it): the book store's analytics schema, views and
 * the hand-worked rows of test/support/bookstore-data.ts go into a real PostgreSQL, the generated
 * bootstrap imports the bundle, and the REST API must then show the 3 dashboards, 14 charts and 10
 * datasets with the seed's names, every chart's saved query must answer with the numbers those rows
 * imply, a second run must change nothing, and --prune must remove a chart the config dropped. Then
 * headless Chromium opens each dashboard, waits for its charts and saves a screenshot.
 *
 * Before any server: Superset's own import code (scripts/superset-import-check.py, in the venv) loads every
 * committed bundle file, and its schemas' field lists must be the ones src/targets/superset/checks.ts holds.
 *
 * Needs SUPERSET_URL, SUPERSET_PASSWORD (the admin's), SUPERSET_VENV and CDC_TEST_PG_URL; without them it
 * fails, never skips.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Model } from '../../src/resolve/model.js';
import { IMPORT_SCHEMAS_5_0 } from '../../src/targets/superset/checks.js';
import { ROOT } from '../support/compile.js';
import { BOOKSTORE_ROWS, EXPECTED_CHART_ROWS } from '../support/bookstore-data.js';
import { cli, copyProject } from '../support/project.js';

const need = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the real-Superset suite needs it (scripts/superset-e2e.sh sets it)`);
  return v;
};
const SUPERSET_URL = need('SUPERSET_URL');
const PASSWORD = need('SUPERSET_PASSWORD');
const PG_URL = need('CDC_TEST_PG_URL');
const VENV = need('SUPERSET_VENV');
const DB = 'cdc_superset_e2e';
const OUT = join(ROOT, 'test-output', 'superset');

const databaseFile = (m: Model) => m.superset.database.file;

/** The book store config, pointed at the test's PostgreSQL; `edit` changes the config text further. */
async function compileBookstore(
  edit: (text: string) => string = (t) => t,
  approvals?: string,
): Promise<{ dir: string; model: Model }> {
  const dir = copyProject('bookstore');
  // A removed chart is a destructive change: the compile writes only once cdc-approvals.yaml decides it.
  if (approvals !== undefined) writeFileSync(join(dir, 'cdc-approvals.yaml'), approvals);
  const url = new URL(PG_URL);
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(
    config,
    edit(
      // The local profile puts every address at 127.0.0.1; the analytics database on the test's port.
      readFileSync(config, 'utf8')
        .replace('    databases: {\n', `    databases: {\n      analytics: { localPort: ${url.port} },\n`)
        .replace("database: 'analyticsdb',", `database: '${DB}',`),
    ),
  );
  const run = await cli(['--config', config, '--profile', 'local'], { cwd: dir });
  expect(run.exitCode, run.stderr).toBe(0);
  const { compile } = await import('../../src/compile.js');
  const result = await compile({ config, profile: 'local' });
  expect(readFileSync(join(dir, 'generated', 'superset', 'bundle', databaseFile(result.model!)), 'utf8')).toContain(
    `@127.0.0.1:${url.port}/${DB}`,
  );
  return { dir, model: result.model! };
}

async function bootstrap(dir: string, args: string[] = []) {
  const run = await execa('python3', [join(dir, 'generated', 'superset', 'bootstrap'), ...args], {
    reject: false,
    env: {
      SUPERSET_URL,
      SUPERSET_ADMIN_PASSWORD: PASSWORD,
      ANALYTICS_DB_USER: new URL(PG_URL).username,
      // The test server trusts local connections; the import still needs a password for a new database.
      ANALYTICS_DB_PASSWORD: 'not-checked-by-trust-auth',
      SUPERSET_WAIT_SECONDS: '60',
    },
  });
  expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

/** A REST session: bearer token from /api/v1/security/login. */
async function api() {
  const login = await fetch(`${SUPERSET_URL}/api/v1/security/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD, provider: 'db', refresh: true }),
  });
  expect(login.status).toBe(200);
  const token = ((await login.json()) as { access_token: string }).access_token;
  return async <T>(path: string): Promise<T> => {
    const res = await fetch(`${SUPERSET_URL}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 400)}`);
    return JSON.parse(text) as T;
  };
}

type Get = Awaited<ReturnType<typeof api>>;
interface Listed {
  id: number;
  uuid: string;
  [k: string]: unknown;
}
const list = async (get: Get, kind: string, columns: string[]) =>
  (
    await get<{ result: Listed[] }>(
      `/api/v1/${kind}/?q=${encodeURIComponent(`(columns:!(id,uuid,${columns.join(',')}),page_size:100)`)}`,
    )
  ).result;

/** Everything an import could change, by uuid, without timestamps. */
async function snapshot(get: Get) {
  const charts = await list(get, 'chart', ['slice_name', 'viz_type', 'params', 'query_context']);
  const dashboards = await list(get, 'dashboard', ['dashboard_title', 'slug', 'position_json', 'json_metadata']);
  const datasets = await list(get, 'dataset', ['table_name', 'schema']);
  const sort = (xs: Listed[]) => [...xs].sort((a, b) => (a.uuid < b.uuid ? -1 : 1));
  return { charts: sort(charts), dashboards: sort(dashboards), datasets: sort(datasets) };
}

const normalise = (rows: readonly Record<string, unknown>[]) =>
  rows
    .map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          // Temporal x values arrive as epoch milliseconds.
          typeof v === 'number' && v > 1e12 ? new Date(v).toISOString().slice(0, 10) : v,
        ]),
      ),
    )
    .map((r) => JSON.stringify(r, Object.keys(r).sort()))
    .sort();

describe("Superset 5.0's own import schemas", () => {
  test('load every committed bundle file; a field they do not know fails; the field lists match checks.ts', async () => {
    const bundles = [join(ROOT, 'generated'), join(ROOT, 'examples', 'charts', 'generated')].map((g) =>
      join(g, 'superset', 'bundle'),
    );
    // Negative controls: an unknown chart field (the import fails on it) and a wrong bundle type.
    const broken = join(mkdtempSync(join(tmpdir(), 'cdc-superset-broken-')), 'bundle');
    cpSync(bundles[0]!, broken, { recursive: true });
    const chart = join(broken, 'charts', 'revenue_by_genre.yaml');
    writeFileSync(chart, readFileSync(chart, 'utf8').replace('\nslice_name:', '\ntags: []\nslice_name:'));
    const metadata = join(broken, 'metadata.yaml');
    writeFileSync(metadata, readFileSync(metadata, 'utf8').replace('type: assets', 'type: Database'));
    const run = await execa(
      join(VENV, 'bin', 'python'),
      [join(ROOT, 'scripts', 'superset-import-check.py'), ...bundles, broken],
      {
        reject: false,
        cwd: tmpdir(),
      },
    );
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      schemas: Record<string, { required: string[]; optional: string[] }>;
      bundles: Record<string, Record<string, string[] | null>>;
    };
    for (const b of bundles) {
      const files = result.bundles[b]!;
      expect(Object.keys(files).length, b).toBeGreaterThan(5);
      expect(
        Object.entries(files).filter(([, v]) => v !== null),
        b,
      ).toEqual([]);
    }
    const failed = Object.entries(result.bundles[broken]!).filter(([, v]) => v !== null);
    expect(failed.map(([p, v]) => [p, v!.join(' ')])).toEqual([
      ['charts/revenue_by_genre.yaml', expect.stringContaining('Unknown field')],
      ['metadata.yaml', expect.stringContaining('assets')],
    ]);
    const ours = Object.fromEntries(
      Object.entries(IMPORT_SCHEMAS_5_0).map(([k, v]) => [
        k,
        { required: [...v.required].sort(), optional: [...v.optional].sort() },
      ]),
    );
    expect(ours).toEqual(result.schemas);
  }, 180_000);
});

describe('the book store in a real Superset 5.0', () => {
  let dir: string;
  let model: Model;
  let get: Get;
  const db = new pg.Client({ connectionString: PG_URL });

  beforeAll(async () => {
    await db.connect();
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.query(`CREATE DATABASE ${DB}`);
    ({ dir, model } = await compileBookstore());
    const target = new pg.Client({ connectionString: PG_URL.replace(/\/[^/]*$/, `/${DB}`) });
    await target.connect();
    for (const file of ['schema.sql', 'views.sql'])
      await target.query(readFileSync(join(dir, 'generated', 'analytics', file), 'utf8'));
    await target.query(BOOKSTORE_ROWS);
    await target.end();
    await bootstrap(dir);
    get = await api();
  }, 300_000);
  afterAll(async () => {
    await db.end();
  });

  test('3 dashboards, 14 charts, 10 datasets with the seed names', async () => {
    const s = await snapshot(get);
    const ours = <T extends Listed>(xs: T[], uuids: string[]) => xs.filter((x) => uuids.includes(x.uuid));
    const dashboards = ours(
      s.dashboards,
      model.superset.dashboards.map((d) => d.uuid),
    );
    const charts = ours(
      s.charts,
      model.superset.charts.map((c) => c.uuid),
    );
    const datasets = ours(
      s.datasets,
      model.superset.datasets.map((d) => d.uuid),
    );
    expect(dashboards.map((d) => d.dashboard_title).sort()).toEqual(
      ['Book Store Analytics', 'Inventory Analytics', 'Sales & Revenue Analytics'].sort(),
    );
    expect(charts.map((c) => c.slice_name).sort()).toEqual(Object.keys(EXPECTED_CHART_ROWS).sort());
    expect(datasets.map((d) => d.table_name)).toHaveLength(10);
    // Each dashboard's layout links its charts.
    for (const d of model.dashboards) {
      const { result } = await get<{ result: { slice_name: string }[] }>(`/api/v1/dashboard/${d.slug}/charts`);
      expect(result.map((c) => c.slice_name).sort()).toEqual(
        d.rows.flatMap((r) => r.charts.map((c) => c.chart)).sort(),
      );
    }
  });

  test.each(Object.keys(EXPECTED_CHART_ROWS))('%s answers with the numbers the rows imply', async (name) => {
    const uuid = model.superset.charts.find((c) => c.name === name)!.uuid;
    const charts = await list(get, 'chart', ['slice_name']);
    const id = charts.find((c) => c.uuid === uuid)!.id;
    const body = await get<{ result: { data: Record<string, unknown>[] }[] }>(`/api/v1/chart/${id}/data/`);
    expect(normalise(body.result[0]!.data)).toEqual(normalise(EXPECTED_CHART_ROWS[name]!));
  });

  test('a second bootstrap run changes nothing', async () => {
    const before = await snapshot(get);
    await bootstrap(dir);
    expect(await snapshot(get)).toEqual(before);
  }, 120_000);

  test('--prune removes a chart the config no longer has, and only that', async () => {
    const before = await snapshot(get);
    const pruned = await compileBookstore(
      (t) => t.replace('[revenueByAuthorChart, topBooksChart]', '[topBooksChart]'),
      'approvals:\n  remove-chart/Revenue by Author: remove\n',
    );
    const out = await bootstrap(pruned.dir, ['--prune']);
    expect(out).toContain("pruned chart 'Revenue by Author'");
    const after = await snapshot(get);
    expect(after.charts.map((c) => c.slice_name)).not.toContain('Revenue by Author');
    expect(after.charts).toHaveLength(before.charts.length - 1);
    // The view stays a dataset only while a chart uses it: the pruned chart's dataset goes too.
    expect(after.datasets.map((d) => d.table_name)).not.toContain('vw_revenue_by_author');
    // Restore for the screenshots.
    await bootstrap(dir);
  }, 180_000);

  test('each dashboard renders in Chromium without an error', async () => {
    mkdirSync(OUT, { recursive: true });
    const browser = await chromium.launch({
      executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      await page.goto(`${SUPERSET_URL}/login/`);
      await page.fill('input[name="username"], #username', 'admin');
      await page.fill('input[name="password"], #password', PASSWORD);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.keyboard.press('Enter')]);
      for (const d of model.dashboards) {
        const charts = d.rows.reduce((n, r) => n + r.charts.length, 0);
        await page.goto(`${SUPERSET_URL}/superset/dashboard/${d.slug}/`);
        // Every chart holder has rendered and no spinner is left (a string: this runs in the page).
        await page.waitForFunction(
          `document.querySelectorAll('.dashboard-chart .chart-container').length >= ${charts} &&
           document.querySelectorAll('.loading').length === 0`,
          undefined,
          { timeout: 90_000 },
        );
        await page.waitForTimeout(1500);
        await page.screenshot({ path: join(OUT, `${d.slug}.png`), fullPage: true });
        const errors = await page
          .locator('[role="alert"], .alert-danger, [data-test="error-message"]')
          .allTextContents();
        expect(errors, d.title).toEqual([]);
      }
    } finally {
      await browser.close();
    }
  }, 300_000);
});
