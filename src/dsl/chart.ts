import type { ColumnType } from './columns.js';
import { brand, type Branded } from './entity.js';
import type { View } from './view.js';

/** Aggregates of a chart metric; defined once, used by the DSL types, the schema and the resolver. */
export const AGGREGATES = ['sum', 'avg', 'min', 'max', 'count', 'count_distinct'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
/** Aggregates that only make sense over numbers: over another column they are a type error. */
export const NUMERIC_AGGREGATES = ['sum', 'avg', 'min', 'max'] as const;
export type NumericAggregate = (typeof NUMERIC_AGGREGATES)[number];

/**
 * A chart metric over a view column, e.g. `sum('daily_revenue')`; `count()` counts rows. `A` is the
 * aggregate, so a chart can require a numeric column where the aggregate needs one.
 */
export interface Metric<
  K extends string = string,
  A extends Aggregate | 'sql' = Aggregate | 'sql',
> extends Branded<'metric'> {
  readonly aggregate: A;
  readonly column?: K;
  readonly expression?: string;
  readonly label?: string;
}

const metric =
  <A extends Aggregate>(aggregate: A) =>
  <K extends string>(column: K, label?: string): Metric<K, A> =>
    brand('metric', { aggregate, column, ...(label === undefined ? {} : { label }) });

/** `SUM(column)`; the column must be numeric. */
export const sum = metric('sum');
/** `AVG(column)`; the column must be numeric. Averaging a column of averages is rarely what you want. */
export const avg = metric('avg');
/** `MIN(column)`; the column must be numeric. */
export const min = metric('min');
/** `MAX(column)`; the column must be numeric. */
export const max = metric('max');
/** `COUNT(DISTINCT column)`. */
export const countDistinct = metric('count_distinct');
/** `COUNT(column)`, or `COUNT(*)` without a column. */
export function count<K extends string = never>(column?: K, label?: string): Metric<K, 'count'> {
  return brand('metric', {
    aggregate: 'count' as const,
    ...(column === undefined ? {} : { column }),
    ...(label === undefined ? {} : { label }),
  });
}
/**
 * A metric written in SQL over the view's columns, e.g. a ratio of sums:
 * `metricSql('Average Order Value', 'SUM(revenue) / NULLIF(SUM(order_count), 0)')`.
 */
export function metricSql(label: string, expression: string): Metric<never, 'sql'> {
  return brand('metric', { aggregate: 'sql' as const, expression, label });
}

export const CHART_KINDS = ['bar', 'line', 'pie', 'big_number', 'table'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

/** Time grains of a temporal x axis (Superset's `time_grain_sqla`). */
export const TIME_GRAINS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

type ColumnsOf<V> = V extends View<infer C> ? keyof C & string : never;
/** Columns of the view whose type is numeric (the phantom category of `t.*()` types). */
type NumericColumnsOf<V> =
  V extends View<infer C>
    ? { [K in keyof C & string]: C[K] extends ColumnType<'number'> ? K : never }[keyof C & string]
    : never;

/** A metric that fits the view: numeric aggregates over numeric columns, counts over any column. */
export type ChartMetric<V> =
  | Metric<NumericColumnsOf<V>, NumericAggregate>
  | Metric<ColumnsOf<V>, 'count' | 'count_distinct'>
  | Metric<never, 'sql'>;

export interface ChartOptions<V extends View<Record<string, ColumnType>>> {
  kind: ChartKind;
  view: V;
  /** The x axis (bar, line) or the slice dimension (pie). */
  x?: ColumnsOf<V>;
  /** Series breakdown (bar, line) or the columns of a table chart. */
  groupBy?: readonly ColumnsOf<V>[];
  metrics?: readonly ChartMetric<V>[];
  rowLimit?: number;
  /**
   * Order of bars, slices or table rows: by a column of the view or by a metric's label (e.g.
   * `'SUM(revenue)'`, or the label you gave it). Default: by the first metric, descending.
   */
  sort?: { by: ColumnsOf<V> | (string & {}); order?: SortOrder };
  /** Buckets of a temporal x axis, e.g. `'day'`; only for a date/time x. */
  timeGrain?: TimeGrain;
  description?: string;
}

export interface Chart<V extends View<Record<string, ColumnType>> = View> extends Branded<'chart'> {
  readonly name: string;
  readonly options: ChartOptions<V>;
}

/**
 * A Superset chart on a view; column names are checked against the view's columns by TypeScript, and
 * `sum`/`avg`/`min`/`max` against their numeric columns.
 *
 * @example chart('Sales Over Time', { kind: 'line', view: salesOverTime, x: 'sale_date', metrics: [sum('daily_revenue')] })
 */
export function chart<const V extends View<Record<string, ColumnType>>>(
  name: string,
  options: ChartOptions<V>,
): Chart<V> {
  return brand('chart', { name, options });
}

/** A row of a dashboard: its charts left to right, with optional widths (of 12 columns) and height. */
export interface DashboardRow {
  charts: readonly Chart<any>[];
  /** Width of each chart in grid columns (1–12, summing to at most 12); default: 12 split evenly. */
  widths?: readonly number[];
  /** Height in grid units of 8 px (at least 5); default 50 (400 px). */
  height?: number;
}

export interface DashboardOptions {
  /** Rows of charts, top to bottom: a list of charts, or `{ charts, widths, height }`. */
  rows: readonly (readonly Chart<any>[] | DashboardRow)[];
  /** URL slug; default derived from the title (`Book Store Analytics` → `book-store-analytics`). */
  slug?: string;
  description?: string;
}

export interface Dashboard extends Branded<'dashboard'> {
  readonly title: string;
  readonly options: DashboardOptions;
}

export function dashboard(title: string, options: DashboardOptions): Dashboard {
  return brand('dashboard', { title, options });
}

/** The charts of a dashboard row, whichever way it is written. */
export function rowCharts(row: DashboardOptions['rows'][number]): readonly Chart<any>[] {
  return Array.isArray(row) ? row : (row as DashboardRow).charts;
}
