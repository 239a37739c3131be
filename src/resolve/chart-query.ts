/**
 * The SQL a chart makes its BI tool run against its view, derived from the chart's facts in the Model
 * (dimensions, time grain, metrics, sort, row limit) the way Superset 5.0 compiles a chart's query for
 * PostgreSQL: `SELECT <x, time-grained> AS x, <groupBy>, <metric> AS "<label>" FROM <view> GROUP BY …
 * ORDER BY … LIMIT n`; a table chart without metrics is a raw `SELECT <columns> … ORDER BY … LIMIT n`.
 * `cdc-compile verify` runs it; the Superset target renders the same facts as Superset's query context.
 */
import { assertNever } from '../diagnostics.js';
import type { TimeGrain } from '../dsl/chart.js';
import { quoteIdent } from '../sql/dialect.js';
import type { ChartModel } from './model.js';

/** Superset's default row limit (`ROW_LIMIT` in superset/config.py). */
export const DEFAULT_ROW_LIMIT = 10000;

/** Superset's PostgreSQL engine spec: each time grain as an expression over the column. */
export function timeGrainSql(grain: TimeGrain, column: string): string {
  switch (grain) {
    case 'second':
    case 'minute':
    case 'hour':
    case 'day':
    case 'week':
    case 'month':
    case 'quarter':
    case 'year':
      return `DATE_TRUNC('${grain}', ${column})`;
    default:
      return assertNever(grain);
  }
}

/** The double-quoted label PostgreSQL gets for a metric (Superset always quotes labels). */
const label = (text: string) => `"${text.replaceAll('"', '""')}"`;

export interface ChartQuery {
  readonly sql: string;
  /**
   * Which part of the SQL comes from which chart option, as a property path of the chart's options
   * (`['metrics', 1]`, `['x']`, `['groupBy', 0]`, `['sort', 'by']`): to report a failing query there.
   */
  readonly parts: readonly {
    readonly start: number;
    readonly end: number;
    readonly path: readonly (string | number)[];
  }[];
}

/** The query of `chart` over its view, named `view` in SQL (schema-qualified where needed). */
export function chartQuery(chart: ChartModel, view: string): ChartQuery {
  const parts: { start: number; end: number; path: (string | number)[] }[] = [];
  let sql = '';
  const add = (text: string, path?: (string | number)[]) => {
    if (path) parts.push({ start: sql.length, end: sql.length + text.length, path });
    sql += text;
  };
  const list = (items: readonly { text: string; path: (string | number)[] }[]) =>
    items.forEach((item, i) => {
      if (i > 0) add(', ');
      add(item.text, item.path);
    });

  const raw = chart.kind === 'table' && chart.metrics.length === 0;
  const dimensions: { text: string; path: (string | number)[] }[] = [];
  if (chart.x) {
    const column = quoteIdent(chart.x.name);
    dimensions.push({
      text: chart.timeGrain ? timeGrainSql(chart.timeGrain, column) : column,
      path: chart.timeGrain ? ['timeGrain'] : ['x'],
    });
  }
  chart.groupBy.forEach((g, i) => {
    dimensions.push({ text: quoteIdent(g.name), path: ['groupBy', i] });
  });

  add('SELECT ');
  list([
    ...dimensions.map((d, i) => ({
      // A grained x keeps its column's name, as Superset labels it.
      text: i === 0 && chart.x && chart.timeGrain ? `${d.text} AS ${quoteIdent(chart.x.name)}` : d.text,
      path: d.path,
    })),
    ...(raw ? [] : chart.metrics.map((m, i) => ({ text: `${m.sql} AS ${label(m.label)}`, path: ['metrics', i] }))),
  ]);
  add(`\nFROM ${view}`);
  if (!raw && dimensions.length > 0) {
    add('\nGROUP BY ');
    list(dimensions);
  }
  if (chart.sort) {
    add('\nORDER BY ');
    const direction = chart.sort.ascending ? ' ASC' : ' DESC';
    const metricIndex = chart.metrics.findIndex((m) => m.label === chart.sort!.key);
    if (chart.sort.by === 'metric' && metricIndex >= 0)
      add(`${chart.metrics[metricIndex]!.sql}${direction}`, ['sort', 'by']);
    else add(`${quoteIdent(chart.sort.key)}${direction}`, ['sort', 'by']);
  }
  add(`\nLIMIT ${chart.kind === 'big_number' ? 1 : (chart.rowLimit ?? DEFAULT_ROW_LIMIT)}`);
  return { sql, parts };
}
