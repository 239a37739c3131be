import type { ColumnType } from './columns.js';
import { brand, type Branded } from './entity.js';
import type { View } from './view.js';

export type Aggregate = 'sum' | 'avg' | 'count' | 'count_distinct' | 'min' | 'max';

/** A chart metric over a view column, e.g. `sum('daily_revenue')`; `count()` counts rows. */
export interface Metric<K extends string = string> extends Branded<'metric'> {
  readonly aggregate: Aggregate | 'sql';
  readonly column?: K;
  readonly expression?: string;
  readonly label?: string;
}

const metric =
  (aggregate: Aggregate) =>
  <K extends string>(column: K, label?: string): Metric<K> =>
    brand('metric', { aggregate, column, ...(label === undefined ? {} : { label }) });

export const sum = metric('sum');
export const avg = metric('avg');
export const min = metric('min');
export const max = metric('max');
export const countDistinct = metric('count_distinct');
export function count<K extends string = never>(column?: K, label?: string): Metric<K> {
  return brand('metric', {
    aggregate: 'count' as const,
    ...(column === undefined ? {} : { column }),
    ...(label === undefined ? {} : { label }),
  });
}
/** A metric written in SQL, e.g. `metricSql('revenue', 'SUM(total) - SUM(refunds)')`. */
export function metricSql(label: string, expression: string): Metric<never> {
  return brand('metric', { aggregate: 'sql' as const, expression, label });
}

export type ChartKind = 'bar' | 'line' | 'pie' | 'big_number' | 'table';

type ColumnsOf<V> = V extends View<infer C> ? keyof C & string : never;

export interface ChartOptions<V extends View<Record<string, ColumnType>>> {
  kind: ChartKind;
  view: V;
  /** The x axis (bar, line) or the slice dimension (pie). */
  x?: ColumnsOf<V>;
  /** Series breakdown (bar, line) or the columns of a table chart. */
  groupBy?: readonly ColumnsOf<V>[];
  metrics?: readonly Metric<ColumnsOf<V>>[];
  rowLimit?: number;
  description?: string;
}

export interface Chart<V extends View<Record<string, ColumnType>> = View> extends Branded<'chart'> {
  readonly name: string;
  readonly options: ChartOptions<V>;
}

/**
 * A Superset chart on a view; column names are checked against the view's columns by TypeScript.
 *
 * @example chart('Sales Over Time', { kind: 'line', view: salesOverTime, x: 'sale_date', metrics: [sum('daily_revenue')] })
 */
export function chart<const V extends View<Record<string, ColumnType>>>(
  name: string,
  options: ChartOptions<V>,
): Chart<V> {
  return brand('chart', { name, options });
}

export interface DashboardOptions {
  /** Rows of charts, left to right. */
  rows: readonly (readonly Chart<any>[])[];
  slug?: string;
}

export interface Dashboard extends Branded<'dashboard'> {
  readonly title: string;
  readonly options: DashboardOptions;
}

export function dashboard(title: string, options: DashboardOptions): Dashboard {
  return brand('dashboard', { title, options });
}
