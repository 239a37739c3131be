/**
 * `cdc-compile verify` catches what it claims: mutations of a config (a view syntax error, a misspelled raw
 * column, a declared type PostgreSQL does not infer, a chart metric on a missing column) and of artefacts
 * (a publication missing a table, a setup SQL a non-superuser cannot run), each reported in its step,
 * located, with exit 1 — on PGlite and, where CDC_TEST_PG_URL is set, on a real PostgreSQL server. The book
 * store and every example verify clean.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { compileProject, PROJECTS, ROOT } from './support/compile.js';
import { execa } from 'execa';
import { BIN, cli, copyProject } from './support/project.js';
import { PG_URL } from './support/postgres-url.js';
import { chartQuery } from '../src/resolve/chart-query.js';
import type { ChartModel } from '../src/resolve/model.js';
import { connectServer, startPglite } from '../src/verify/db.js';
import { verify, type VerifyResult } from '../src/verify/index.js';
import { startFlinkGrammar } from '../src/verify/static.js';
import type { Artefact } from '../src/targets/artefact.js';

interface JsonReport {
  ok: boolean;
  database: string;
  steps: {
    step: number;
    id: string;
    ok: boolean;
    durationMs: number;
    diagnostics: { code: string; message: string; file?: string; line?: number; column?: number }[];
    notes: string[];
  }[];
}

const databases = [
  { name: 'PGlite', url: undefined as string | undefined },
  ...(PG_URL ? [{ name: 'PostgreSQL', url: PG_URL }] : []),
];
const urlArgs = (url: string | undefined) => (url ? ['--database-url', url] : []);

/** Line (1-based) of the first occurrence of `needle` in `text`. */
const lineOf = (text: string, needle: string) => {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`not in the text: ${needle}`);
  return text.slice(0, i).split('\n').length;
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('chartQuery', () => {
  const base: ChartModel = {
    name: 'c',
    kind: 'line',
    view: 'v',
    x: { name: 'day', category: 'temporal' },
    groupBy: [{ name: 'Genre', category: 'string' }],
    metrics: [{ aggregate: 'sum', column: 'revenue', sql: 'SUM(revenue)', label: 'Revenue "net"' }],
    sort: { by: 'metric', key: 'Revenue "net"', ascending: false },
    timeGrain: 'month',
  };
  test('dimensions (time grain), metrics by label, GROUP BY, ORDER BY the metric, the row limit', () => {
    expect(chartQuery(base, 'analytics.v').sql).toBe(
      [
        `SELECT DATE_TRUNC('month', day) AS day, "Genre", SUM(revenue) AS "Revenue ""net"""`,
        'FROM analytics.v',
        `GROUP BY DATE_TRUNC('month', day), "Genre"`,
        'ORDER BY SUM(revenue) DESC',
        'LIMIT 10000',
      ].join('\n'),
    );
  });
  test('a raw table lists its columns; a big number is one row; parts name the chart option', () => {
    const raw = chartQuery(
      {
        ...base,
        kind: 'table',
        metrics: [],
        x: undefined,
        timeGrain: undefined,
        rowLimit: 5,
        sort: { by: 'column', key: 'Genre', ascending: true },
      } as ChartModel,
      'v',
    );
    expect(raw.sql).toBe('SELECT "Genre"\nFROM v\nORDER BY "Genre" ASC\nLIMIT 5');
    const big = chartQuery({ ...base, kind: 'big_number', x: undefined, groupBy: [], timeGrain: undefined }, 'v');
    expect(big.sql).toMatch(/\nLIMIT 1$/);
    const q = chartQuery(base, 'v');
    const metric = q.parts.find((p) => p.path.join('.') === 'metrics.0')!;
    expect(q.sql.slice(metric.start, metric.end)).toBe('SUM(revenue) AS "Revenue ""net"""');
  });
});

test('the compile path loads neither PGlite, pg nor the Flink grammar (negative control: verify does)', async () => {
  const hook = `export async function resolve(s, c, next) { if (/pglite|dt-sql-parser|^pg$/.test(s)) throw new Error('compile loaded ' + s); return next(s, c); }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const node = (args: string[]) =>
    execa('node', ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], {
      reject: false,
      cwd: ROOT,
    });
  const compiled = await node(['--check']);
  expect(compiled.exitCode, compiled.stderr).toBe(0);
  const verified = await node(['verify', '--format', 'json']);
  expect(verified.exitCode).toBe(70);
  expect(verified.stderr).toMatch(/compile loaded (@electric-sql\/pglite|dt-sql-parser)/);
});

describe.each(databases)('verify on $name', ({ url }) => {
  test('the book store verifies clean: a line per step, each PASS', async () => {
    const r = await cli(['verify', ...urlArgs(url)]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^cdc-compile verify: pipeline\.config\.ts on (PGlite|PostgreSQL)/);
    for (const n of [1, 2, 3, 4, 5]) expect(r.stdout).toMatch(new RegExp(`\\n {2}PASS {2}${n} {2}\\S`));
    expect(r.stdout).toMatch(/verify: all 5 steps passed \(\d/);
  });

  test.each(PROJECTS.filter((p) => p.name !== 'bookstore'))('$name verifies clean', async ({ config }) => {
    const r = await cli(['verify', '--config', config, '--format', 'json', ...urlArgs(url)]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.step, s.ok])).toEqual([1, 2, 3, 4, 5].map((n) => [n, true]));
    expect(report.steps.flatMap((s) => s.diagnostics.filter((d) => !/warning/.test(JSON.stringify(d))))).toEqual([]);
    for (const s of report.steps) expect(s.durationMs).toBeGreaterThanOrEqual(0);
  });

  // Once, on the PGlite pass of this suite (the command path is the same whatever the database).
  if (url === undefined)
    test('cdc-compile --verify compiles, writes generated/, then verifies', async () => {
      const dir = copyProject('minimal');
      dirs.push(dir);
      rmSync(join(dir, 'generated'), { recursive: true, force: true });
      const r = await cli(['--verify'], { cwd: dir });
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/^Wrote generated\/ \(\d+ files\)/);
      expect(r.stdout).toMatch(/verify: all 5 steps passed/);
      expect(readFileSync(join(dir, 'generated', 'analytics', 'views.sql'), 'utf8')).toContain('CREATE VIEW');
      const bad = await cli(['--verify', '--format', 'json'], { cwd: dir });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/--verify goes with neither --watch nor --format json/);
    });

  test('config mutations: each caught in its step, at its place in the config, exit 1', async () => {
    const dir = copyProject('bookstore');
    dirs.push(dir);
    const file = join(dir, 'pipeline.config.ts');
    const original = readFileSync(file, 'utf8');
    const mutations: [from: string, to: string][] = [
      // A syntax error in view SQL (FROM misspelt).
      [
        'SELECT ${orders.c.status}, COUNT(*) AS order_count\n    FROM ${orders}',
        'SELECT ${orders.c.status}, COUNT(*) AS order_count\n    FORM ${orders}',
      ],
      // A raw column (outside ${…}) misspelt.
      [
        '           COUNT(*) AS order_count\n    FROM ${o}\n    WHERE ${notCancelled}\n    GROUP BY DATE',
        '           COUNT(o.idd) AS order_count\n    FROM ${o}\n    WHERE ${notCancelled}\n    GROUP BY DATE',
      ],
      // COUNT(*) declared integer; PostgreSQL infers bigint.
      [
        'avg_order_value: t.numeric(), order_count: t.bigint()',
        'avg_order_value: t.numeric(), order_count: t.integer()',
      ],
      // A chart metric written in SQL over a column the view does not have.
      [
        "'ROUND(SUM(revenue) / NULLIF(SUM(order_count), 0), 2)'",
        "'ROUND(SUM(revenu) / NULLIF(SUM(order_count), 0), 2)'",
      ],
    ];
    let mutated = original;
    for (const [from, to] of mutations) {
      expect(mutated.includes(from), from).toBe(true);
      mutated = mutated.replace(from, to);
    }
    writeFileSync(file, mutated);
    const r = await cli(['verify', '--format', 'json', ...urlArgs(url)], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    const step = (n: number) => report.steps.find((s) => s.step === n)!;
    expect(report.steps.map((s) => s.ok)).toEqual([false, false, false, true, true]);

    const syntax = step(1).diagnostics.find((d) => d.message.includes("'vw_order_status_distribution'"));
    expect(syntax?.code).toBe('VERIFY.VIEW_SQL');
    expect(syntax?.message).toMatch(/syntax error at or near "FORM"/);
    expect([syntax?.file, syntax?.line]).toEqual([file, lineOf(mutated, 'FORM ${orders}')]);
    expect(syntax?.column).toBe(5);

    const column = step(1).diagnostics.find((d) => d.message.includes("'vw_sales_over_time'"));
    expect(column?.code).toBe('VERIFY.VIEW_SQL');
    expect(column?.message).toMatch(/column o\.idd does not exist/);
    expect([column?.line, column?.column]).toEqual([lineOf(mutated, 'COUNT(o.idd)'), 18]);

    const type = step(2).diagnostics.find((d) => d.code === 'VERIFY.VIEW_TYPE');
    expect(type?.message).toBe(
      "view 'vw_avg_order_value': column 'order_count' is declared integer (numeric), but PostgreSQL infers bigint (numeric)",
    );
    expect(type?.line).toBe(lineOf(mutated, 'order_count: t.integer()'));
    expect(step(2).diagnostics).toHaveLength(1);
    // Views that failed in step 1 are not compared (their stand-ins have the declared columns).
    expect(step(2).notes.join()).toMatch(
      /vw_order_status_distribution, vw_sales_over_time|vw_sales_over_time, vw_order_status_distribution/,
    );

    const metric = step(3).diagnostics.filter((d) => d.code === 'VERIFY.CHART_QUERY');
    expect(metric.length).toBeGreaterThan(0);
    expect(metric.every((d) => /column "revenu" does not exist/.test(d.message))).toBe(true);
    expect(metric.map((d) => d.message).join()).toMatch(/chart 'Average Order Value KPI'/);
    // Located at the chart's metric (the aovMetric in its metrics list).
    const kpiLine = lineOf(mutated, "chart('Average Order Value KPI'");
    expect(metric.some((d) => d.line! > kpiLine && d.line! <= kpiLine + 4)).toBe(true);
  });

  test('artefact mutations: a publication missing a table; a setup a non-superuser cannot run', async () => {
    const project = PROJECTS.find((p) => p.name === 'types')!;
    const compiled = await compileProject(project.config);
    const model = compiled.model!;
    const rds = model.sources.find((s) => s.flavor === 'rds')!;
    const selfManaged = model.sources.find((s) => s.flavor === 'self-managed' && s.tables.length > 1)!;
    expect(rds && selfManaged).toBeTruthy();
    const dropped = selfManaged.tables[1]!;
    const droppedName = `${dropped.schema}.${dropped.name}`;
    const artefacts: Artefact[] = compiled.artefacts.map((a) => {
      if (a.path === selfManaged.files.setup) {
        // The publication lists every table but one (e.g. a template override that forgot it).
        const drop = (list: string) =>
          list
            .split(', ')
            .filter((q) => q !== droppedName && q !== dropped.qualifiedName)
            .join(', ');
        const contents = String(a.contents)
          .replace(/(FOR TABLE )([^\n]*?)( WITH)/, (_m, p, list: string, w) => `${p}${drop(list)}${w}`)
          .replace(/(SET TABLE )([^;\n]*)(;)/, (_m, p, list: string, e) => `${p}${drop(list)}${e}`);
        expect(contents).not.toBe(a.contents);
        return { ...a, contents };
      }
      if (a.path === rds.files.setup) {
        // Asks for the REPLICATION attribute, which RDS's master user (no superuser) cannot give.
        const contents = String(a.contents).replaceAll(' WITH LOGIN;', ' WITH LOGIN REPLICATION;');
        expect(contents).not.toBe(a.contents);
        return { ...a, contents };
      }
      return a;
    });
    const result: VerifyResult = await verify({
      model,
      artefacts,
      compileDiagnostics: compiled.diagnostics,
      outDir: compiled.outDir,
      server: url ? connectServer({ url, pipelineTables: [], allowExisting: false }) : startPglite(),
      grammar: startFlinkGrammar(),
    });
    const sources = result.steps.find((s) => s.id === 'sources')!;
    expect(result.ok).toBe(false);
    expect(result.steps.filter((s) => !s.ok).map((s) => s.id)).toEqual(['sources']);
    const messages = sources.diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `VERIFY.SOURCE_STATE source '${selfManaged.name}': publication \\S+ lacks ${droppedName.replace('.', '\\.')}`,
        ),
      ),
    );
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `VERIFY.SOURCE_SETUP source '${rds.name}': .*fails as a non-superuser standing in for .*(superuser|REPLICATION)`,
        ),
      ),
    );
    expect(sources.diagnostics.find((d) => d.code === 'VERIFY.SOURCE_SETUP')?.hint).toMatch(/rds/);
    // Control: unmutated, both sources pass (the clean test above), so these findings are the mutations'.
  });
});

describe.skipIf(!PG_URL)('verify --database-url on a real server', () => {
  const url = PG_URL!;
  const holder = `cdc_test_verify_holder_${process.pid}`;
  let admin: pg.Client;
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${holder} WITH (FORCE)`);
    await admin?.end();
  });

  test('refuses a database that holds the pipeline tables unless --allow-existing; leaves nothing behind', async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${holder}`);
    const target = new URL(url);
    target.pathname = `/${holder}`;
    const holderClient = new pg.Client({ connectionString: target.toString() });
    await holderClient.connect();
    await holderClient.query('CREATE TABLE fact_orders (id uuid PRIMARY KEY)');
    await holderClient.end();
    const before = await admin.query(
      "SELECT (SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'cdc_verify_%')::int AS dbs, (SELECT COUNT(*) FROM pg_roles WHERE rolname LIKE 'cdc_verify_%')::int AS roles",
    );
    const refused = await cli(['verify', '--database-url', target.toString()]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/already holds tables of this pipeline \(fact_orders\).*--allow-existing/);
    const allowed = await cli(['verify', '--database-url', target.toString(), '--allow-existing']);
    expect(allowed.exitCode, allowed.stdout + allowed.stderr).toBe(0);
    // The holder's table is untouched and no scratch database or role of these runs is left.
    const check = new pg.Client({ connectionString: target.toString() });
    await check.connect();
    const tables = await check.query("SELECT COUNT(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    await check.end();
    expect(tables.rows[0].n).toBe(1);
    const after = await admin.query(
      "SELECT (SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'cdc_verify_%')::int AS dbs, (SELECT COUNT(*) FROM pg_roles WHERE rolname LIKE 'cdc_verify_%')::int AS roles",
    );
    // Other verify runs (other test files) may be working at the same time: never more than before them.
    expect(after.rows[0].dbs).toBeLessThanOrEqual(before.rows[0].dbs + 0);
    expect(after.rows[0].roles).toBeLessThanOrEqual(before.rows[0].roles + 0);
  });
});
