/** The charts pass: what the Model keeps of charts and dashboards, and the checks a plain-JS config gets. */
import { mkdtempSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compile } from '../src/compile.js';
import { evenWidths, slugOf } from '../src/resolve/charts.js';
import { compileProject, ROOT } from './support/compile.js';
import { cli } from './support/project.js';

const resolveBookstore = async () => (await compileProject(join(ROOT, 'pipeline.config.ts'))).model!;

describe('the Model keeps what was validated', () => {
  test('book store charts: kind, x, metrics with SQL and label, row limit, sort', async () => {
    const model = await resolveBookstore();
    expect(model.charts).toHaveLength(14);
    const top = model.charts.find((c) => c.name === 'Top Books by Revenue')!;
    expect(top).toMatchObject({
      kind: 'bar',
      view: 'vw_top_books_by_revenue',
      x: { name: 'title', category: 'string' },
      rowLimit: 10,
      sort: { by: 'metric', ascending: false },
    });
    expect(top.metrics[0]).toMatchObject({ aggregate: 'sum', column: 'total_revenue', sql: 'SUM(total_revenue)' });
    expect(top.sort!.key).toBe(top.metrics[0]!.label);
    const line = model.charts.find((c) => c.name === 'Sales Over Time')!;
    expect(line.x).toEqual({ name: 'sale_date', category: 'temporal' });
    expect(line.timeGrain).toBe('day');
  });

  test('dashboards: slug, rows with widths and heights', async () => {
    const model = await resolveBookstore();
    expect(model.dashboards.map((d) => d.slug)).toEqual([
      'book-store-analytics',
      'sales-revenue-analytics',
      'inventory-analytics',
    ]);
    const sales = model.dashboards[1]!;
    expect(sales.rows[0]!.charts.map((c) => c.width)).toEqual([4, 4, 4]);
    for (const d of model.dashboards)
      for (const r of d.rows) expect(r.charts.reduce((a, c) => a + c.width, 0)).toBe(12);
  });

  test('even widths and slugs', () => {
    expect(evenWidths(1)).toEqual([12]);
    expect(evenWidths(5)).toEqual([2, 2, 2, 3, 3]);
    expect(evenWidths(12)).toEqual(Array(12).fill(1));
    expect(slugOf('Sales & Revenue Analytics')).toBe('sales-revenue-analytics');
    expect(slugOf('Café Überblick')).toBe('cafe-uberblick');
  });
});

describe('a config written in plain JavaScript', () => {
  test('SUM over a text column is a located compile error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-js-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
    const config = join(dir, 'pipeline.config.mjs');
    writeFileSync(
      config,
      [
        "import { chart, definePipeline, postgresSource, secret, sql, sum, t, view } from 'cdc-compile';",
        "const shop = postgresSource('shop', { host: 'db', database: 'shop', password: secret('db', 'password') });",
        "const orders = shop.table('orders', { columns: { id: t.bigint().primaryKey(), status: t.text() } });",
        "const byStatus = view('by_status', { columns: { status: t.text(), n: t.bigint() },",
        '  sql: sql`SELECT ${orders.c.status}, COUNT(*) AS n FROM ${orders} GROUP BY 1` });',
        "const c = chart('Statuses', { kind: 'bar', view: byStatus, x: 'status',",
        "  metrics: [sum('status')] });",
        'export default definePipeline({',
        "  name: 'js', sources: [shop], kafka: { bootstrapServers: 'kafka:9092' },",
        "  connect: { url: 'http://connect:8083' },",
        "  analytics: { host: 'a', database: 'a', user: 'u', password: secret('a', 'p') },",
        '  charts: [c],',
        '});',
        '',
      ].join('\n'),
    );
    const result = await compile({ config });
    const d = result.diagnostics.find((x) => x.code === 'CHART.METRIC_TYPE');
    expect(d?.message).toContain("SUM of 'status'");
    expect(d?.location).toMatchObject({ line: 7, column: 13 });
    const run = await cli(['--config', config], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('pipeline.config.mjs:7:13');
  });
});
