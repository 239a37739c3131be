import type { ColumnType } from './columns.js';
import { brand, type Branded } from './entity.js';
import { columnRefs, type ColumnRefs, type Table, type TableAlias, type ColumnRef } from './source.js';

/** What may stand in a `${…}` of view SQL. A function defers the reference (a view declared later). */
export type SqlValue = Table | TableAlias | View | ColumnRef | SqlFragment | (() => Table | View);

export interface SqlFragment extends Branded<'sql'> {
  readonly strings: readonly string[];
  readonly values: readonly SqlValue[];
}

/**
 * SQL of a view, in the analytics database's dialect (PostgreSQL). Interpolate tables, views and their
 * columns instead of writing names: `${orders}` renders as the analytics table name and `${orders.c.total}`
 * as `fact_orders.total`, so a rename or a typo is caught by the compiler.
 */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlFragment {
  // A tagged template's strings are a frozen array (one per call site): kept as they are. Anything else a
  // plain JavaScript caller passes is copied, so that changing it later cannot change the view.
  return brand('sql', { strings: Array.isArray(strings) && Object.isFrozen(strings) ? strings : [...strings], values });
}

export interface ViewOptions<C extends Record<string, ColumnType>> {
  /** The view's output columns with their types (what charts and datasets see). */
  columns: C;
  sql: SqlFragment;
  description?: string;
}

export interface View<C extends Record<string, ColumnType> = any> extends Branded<'view'> {
  readonly name: string;
  readonly options: ViewOptions<C>;
  /** Typed column references: `${salesOverTime.c.sale_date}`. */
  readonly c: ColumnRefs<C>;
}

/**
 * An analytics view. Views may select from tables and from other views; they are created in dependency
 * order.
 *
 * @example
 *   const sales = view('vw_sales_over_time', {
 *     columns: { sale_date: t.date(), daily_revenue: t.numeric(12, 2) },
 *     sql: sql`SELECT DATE(${orders.c.created_at}) AS sale_date, SUM(${orders.c.total}) AS daily_revenue
 *              FROM ${orders} GROUP BY 1`,
 *   });
 */
export function view<const C extends Record<string, ColumnType>>(name: string, options: ViewOptions<C>): View<C> {
  const v = brand('view', { name, options, c: {} as ColumnRefs<C> });
  (v as { c: unknown }).c = columnRefs(v as View, options?.columns ?? {});
  return v as View<C>;
}
