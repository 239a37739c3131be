/**
 * The book store's numbers with real rows (PGlite): every chart's metrics, computed from the Model's
 * metric SQL over the generated views, give what test/support/bookstore-data.ts works out by hand.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import type { ChartModel, Model } from '../src/resolve/model.js';
import { compileProject, ROOT } from './support/compile.js';
import { BOOKSTORE_ROWS, EXPECTED_CHART_ROWS } from './support/bookstore-data.js';
import { newDb } from './support/pg.js';

/** The query a chart asks of its view (what Superset builds from the same fields), in plain SQL. */
function chartQuery(c: ChartModel): string {
  const dims = [...(c.x ? [c.x] : []), ...c.groupBy].map((d) => {
    const expr = d.category === 'temporal' && c.timeGrain ? `DATE_TRUNC('${c.timeGrain}', ${d.name})::date` : d.name;
    return { expr: d.category === 'temporal' ? `(${expr})::text` : expr, name: d.name };
  });
  const select = [...dims.map((d) => `${d.expr} AS "${d.name}"`), ...c.metrics.map((m) => `${m.sql} AS "${m.label}"`)];
  const group = c.metrics.length > 0 && dims.length > 0 ? ` GROUP BY ${dims.map((d) => d.expr).join(', ')}` : '';
  return `SELECT ${select.join(', ')} FROM ${c.view}${group}`;
}

const normalise = (rows: readonly Record<string, unknown>[]) =>
  rows
    .map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]),
      ),
    )
    .map((r) => JSON.stringify(r, Object.keys(r).sort()))
    .sort();

describe('book store numbers on PGlite', () => {
  let model: Model;
  let db: PGlite;
  beforeAll(async () => {
    const compiled = await compileProject(join(ROOT, 'pipeline.config.ts'));
    model = compiled.model!;
    db = await newDb();
    await db.exec(compiled.files.get('analytics/schema.sql')!);
    await db.exec(compiled.files.get('analytics/views.sql')!);
    await db.exec(BOOKSTORE_ROWS);
  });

  test('every chart has expected rows', () => {
    expect(model.charts.map((c) => c.name).sort()).toEqual(Object.keys(EXPECTED_CHART_ROWS).sort());
  });

  test.each(Object.keys(EXPECTED_CHART_ROWS))('%s', async (name) => {
    const c = model.charts.find((x) => x.name === name)!;
    const { rows } = await db.query<Record<string, unknown>>(chartQuery(c));
    expect(normalise(rows)).toEqual(normalise(EXPECTED_CHART_ROWS[name]!));
  });

  test('the average order value is revenue over orders, not the mean of daily means', async () => {
    const { rows } = await db.query<{ mean_of_means: string }>(
      'SELECT ROUND(AVG(avg_order_value), 2) AS mean_of_means FROM vw_avg_order_value',
    );
    expect(rows[0]!.mean_of_means).toBe('37.50');
  });
});
