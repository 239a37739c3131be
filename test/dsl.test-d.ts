/** Type-level tests: a wrong column name in a view or chart reference is a TypeScript error in the editor. */
import { describe, expectTypeOf, test } from 'vitest';
import {
  avg,
  chart,
  count,
  countDistinct,
  dashboard,
  max,
  metricSql,
  min,
  postgresSource,
  secret,
  sql,
  sum,
  t,
  view,
  type ColumnRef,
} from '../src/index.js';

const src = postgresSource('shop', { host: 'db', database: 'shop', password: secret('db', 'password') });
const orders = src.table('orders', {
  columns: { id: t.uuid().primaryKey(), total: t.numeric(10, 2), status: t.text() },
});
const byStatus = view('by_status', {
  columns: { status: t.text(), revenue: t.numeric() },
  sql: sql`SELECT ${orders.c.status}, SUM(${orders.c.total}) AS revenue FROM ${orders} GROUP BY 1`,
});

describe('typed references', () => {
  test('table and view columns are typed keys', () => {
    expectTypeOf(orders.c.total).toEqualTypeOf<ColumnRef>();
    expectTypeOf(orders.c).toHaveProperty('status');
    expectTypeOf(byStatus.c).toHaveProperty('revenue');
    // @ts-expect-error: 'totl' is not a column of orders
    void orders.c.totl;
    // @ts-expect-error: views expose only their declared columns
    void byStatus.c.total;
    // @ts-expect-error: an alias carries the same columns
    void orders.as('o').c.nope;
  });

  test('chart columns and metrics are checked against the view', () => {
    chart('ok', { kind: 'bar', view: byStatus, x: 'status', metrics: [sum('revenue'), count()] });
    // @ts-expect-error: x must be a column of the view
    chart('bad x', { kind: 'bar', view: byStatus, x: 'state', metrics: [count()] });
    // @ts-expect-error: the metric's column must be a column of the view
    chart('bad metric', { kind: 'bar', view: byStatus, x: 'status', metrics: [sum('revenu')] });
    // @ts-expect-error: groupBy columns too
    chart('bad group', { kind: 'table', view: byStatus, groupBy: ['status', 'nope'] });
  });

  test('sum, avg, min and max take numeric columns only; counts take any column', () => {
    chart('numeric', {
      kind: 'bar',
      view: byStatus,
      x: 'status',
      metrics: [
        sum('revenue'),
        avg('revenue'),
        min('revenue'),
        max('revenue'),
        count('status'),
        countDistinct('status'),
      ],
    });
    chart('sql', { kind: 'big_number', view: byStatus, metrics: [metricSql('AOV', 'SUM(revenue) / COUNT(*)')] });
    // @ts-expect-error: SUM over a text column
    chart('sum text', { kind: 'bar', view: byStatus, x: 'status', metrics: [sum('status')] });
    // @ts-expect-error: AVG over a text column
    chart('avg text', { kind: 'bar', view: byStatus, x: 'status', metrics: [avg('status')] });
    // @ts-expect-error: MIN over a text column
    chart('min text', { kind: 'bar', view: byStatus, x: 'status', metrics: [min('status')] });
    // @ts-expect-error: MAX over a text column
    chart('max text', { kind: 'bar', view: byStatus, x: 'status', metrics: [count(), max('status')] });
  });

  test('sort, time grain and dashboard rows', () => {
    const c = chart('sorted', {
      kind: 'bar',
      view: byStatus,
      x: 'status',
      metrics: [sum('revenue')],
      sort: { by: 'SUM(revenue)', order: 'desc' },
    });
    // @ts-expect-error: not a time grain
    chart('grain', { kind: 'line', view: byStatus, x: 'status', metrics: [sum('revenue')], timeGrain: 'fortnight' });
    dashboard('d', { rows: [[c], { charts: [c, c], widths: [8, 4], height: 30 }] });
    // @ts-expect-error: widths are numbers
    dashboard('e', { rows: [{ charts: [c], widths: ['wide'] }] });
  });

  test('a table primary key must name its columns', () => {
    src.table('lines', {
      columns: { order_id: t.uuid(), line: t.integer() },
      primaryKey: ['order_id', 'line'],
    });
    src.table('lines2', {
      columns: { order_id: t.uuid(), line: t.integer() },
      // @ts-expect-error: 'lin' is not a column
      primaryKey: ['order_id', 'lin'],
    });
  });

  test('secrets are required where credentials go', () => {
    // @ts-expect-error: a plaintext password is not a SecretRef
    postgresSource('x', { host: 'db', database: 'x', password: 'hunter2' });
  });
});
