/**
 * The charts pass: charts and dashboards → ChartModel / DashboardModel, with every check that needs the
 * view's columns (names, and the value category behind `sum`/`avg`/`min`/`max`), metric labels, sort
 * keys, time grains, dashboard widths and slugs.
 */
import {
  NUMERIC_AGGREGATES,
  rowCharts,
  type Aggregate,
  type Chart,
  type ChartKind,
  type Dashboard,
  type DashboardRow,
  type Metric,
} from '../dsl/chart.js';
import { valueCategory, type ValueCategory } from '../dsl/columns.js';
import { assertNever, error, type Diagnostic, type Subject } from '../diagnostics.js';
import type { ChartColumnModel, ChartModel, DashboardModel, MetricModel } from './model.js';
import * as names from './names.js';

/** Superset's grid: 12 columns; heights in units of 8 px, default 50 (400 px). */
export const GRID_COLUMNS = 12;
export const DEFAULT_ROW_HEIGHT = 50;

function duplicates<T>(items: readonly T[], key: (item: T) => string, report: (item: T, name: string) => void) {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) report(item, k);
    seen.add(k);
  }
}

const isNumericAggregate = (a: Aggregate | 'sql'): boolean => (NUMERIC_AGGREGATES as readonly string[]).includes(a);

/** The metric as SQL and its default label, which is what Superset derives for a SIMPLE metric. */
function metricSql(m: Metric): string {
  const a = m.aggregate;
  switch (a) {
    case 'sql':
      return m.expression ?? '';
    case 'count':
      return m.column === undefined ? 'COUNT(*)' : `COUNT(${m.column})`;
    case 'count_distinct':
      return `COUNT(DISTINCT ${m.column})`;
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
      return `${a.toUpperCase()}(${m.column})`;
    default:
      return assertNever(a);
  }
}

function defaultLabel(m: Metric): string {
  if (m.aggregate === 'count_distinct') return `COUNT_DISTINCT(${m.column})`;
  return metricSql(m);
}

/** Which chart kinds take which shape: an x, exactly one metric, any metric at all. */
function shape(kind: ChartKind): {
  x: 'required' | 'forbidden' | 'optional';
  oneMetric: boolean;
  needsMetric: boolean;
} {
  switch (kind) {
    case 'bar':
    case 'line':
      return { x: 'required', oneMetric: false, needsMetric: true };
    case 'pie':
      return { x: 'required', oneMetric: true, needsMetric: true };
    case 'big_number':
      return { x: 'forbidden', oneMetric: true, needsMetric: true };
    case 'table':
      return { x: 'forbidden', oneMetric: false, needsMetric: false };
    default:
      return assertNever(kind);
  }
}

export function resolveChart(c: Chart, out: Diagnostic[]): ChartModel {
  const o = c.options;
  const subject = (path: (string | number)[]): Subject => ({ kind: 'chart', chart: c.name, path });
  const columns = o.view.options.columns;
  const columnNames = Object.keys(columns);
  const categoryOf = (name: string): ValueCategory => valueCategory(columns[name]!.spec);
  const column = (name: string, path: (string | number)[]): ChartColumnModel | undefined => {
    if (!Object.hasOwn(columns, name)) {
      out.push(
        error(
          'REF.UNKNOWN_COLUMN',
          `chart '${c.name}' uses '${name}', which view '${o.view.name}' does not have`,
          subject(path),
          names.didYouMean(name, columnNames),
        ),
      );
      return undefined;
    }
    return { name, category: categoryOf(name) };
  };
  const x = o.x === undefined ? undefined : column(o.x, ['x']);
  const groupBy = (o.groupBy ?? []).flatMap((g, i) => column(g, ['groupBy', i]) ?? []);

  const metrics: MetricModel[] = [];
  (o.metrics ?? []).forEach((m, i) => {
    if (m.column !== undefined) {
      const col = column(m.column, ['metrics', i]);
      if (!col) return;
      if (isNumericAggregate(m.aggregate) && col.category !== 'number') {
        out.push(
          error(
            'CHART.METRIC_TYPE',
            `chart '${c.name}' takes ${m.aggregate.toUpperCase()} of '${m.column}', a ${col.category} column`,
            subject(['metrics', i]),
            'sum, avg, min and max need a numeric column; use count() or countDistinct() for the others',
          ),
        );
      }
    }
    metrics.push({
      aggregate: m.aggregate,
      ...(m.column === undefined ? {} : { column: m.column }),
      sql: metricSql(m),
      label: m.label ?? defaultLabel(m),
    });
  });
  duplicates(
    metrics,
    (m) => m.label,
    (m, label) =>
      out.push(
        error(
          'CHART.DUPLICATE_LABEL',
          `chart '${c.name}' has two metrics labelled '${label}'`,
          subject(['metrics', metrics.lastIndexOf(m)]),
          'give one of them a label: sum(column, "Label")',
        ),
      ),
  );

  const s = shape(o.kind);
  if (s.x === 'required' && o.x === undefined) {
    out.push(
      error(
        'CHART.NO_X',
        `chart '${c.name}' (${o.kind}) needs x: the column its ${o.kind === 'pie' ? 'slices' : 'axis'} show`,
        subject(['kind']),
      ),
    );
  }
  if (o.kind === 'big_number' && (o.x !== undefined || (o.groupBy ?? []).length > 0 || metrics.length > 1)) {
    out.push(
      error(
        'CHART.BIG_NUMBER_SHAPE',
        `chart '${c.name}' (big_number) shows one metric, without x or groupBy`,
        subject(['kind']),
      ),
    );
  } else if (o.kind === 'pie' && metrics.length > 1) {
    out.push(error('CHART.PIE_SHAPE', `chart '${c.name}' (pie) shows one metric per slice`, subject(['metrics'])));
  } else if (o.kind === 'table' && o.x !== undefined) {
    out.push(
      error('CHART.TABLE_SHAPE', `chart '${c.name}' (table) lists groupBy columns; it has no x`, subject(['x'])),
    );
  }
  if (s.needsMetric && (o.metrics ?? []).length === 0) {
    out.push(error('CHART.NO_METRIC', `chart '${c.name}' (${o.kind}) needs at least one metric`, subject(['metrics'])));
  }
  if (o.kind === 'table' && metrics.length === 0 && (o.groupBy ?? []).length === 0) {
    out.push(
      error('CHART.NO_COLUMNS', `chart '${c.name}' (table) needs groupBy columns or metrics`, subject(['kind'])),
    );
  }

  if (o.timeGrain !== undefined && x?.category !== 'temporal') {
    out.push(
      error(
        'CHART.TIME_GRAIN',
        `chart '${c.name}' has timeGrain '${o.timeGrain}', but ${x ? `its x '${x.name}' is a ${x.category} column` : 'no x'}`,
        subject(['timeGrain']),
        'a time grain buckets a date or timestamp x axis',
      ),
    );
  }

  let sort: ChartModel['sort'];
  if (o.sort) {
    const ascending = (o.sort.order ?? 'desc') === 'asc';
    const byMetric = metrics.find((m) => m.label === o.sort!.by);
    const sortable = o.kind === 'table' ? groupBy.map((g) => g.name) : x ? [x.name] : [];
    if (byMetric) sort = { by: 'metric', key: byMetric.label, ascending };
    else if (sortable.includes(o.sort.by)) sort = { by: 'column', key: o.sort.by, ascending };
    else {
      out.push(
        error(
          'CHART.SORT_KEY',
          `chart '${c.name}' sorts by '${o.sort.by}', which is neither a metric label nor ${o.kind === 'table' ? 'a groupBy column' : 'its x'}`,
          subject(['sort', 'by']),
          names.didYouMean(o.sort.by, [...metrics.map((m) => m.label), ...sortable]),
        ),
      );
    }
  } else if (metrics.length > 0) {
    sort = { by: 'metric', key: metrics[0]!.label, ascending: false };
  }

  return {
    name: c.name,
    kind: o.kind,
    view: o.view.name,
    ...(x ? { x } : {}),
    groupBy,
    metrics,
    ...(o.rowLimit === undefined ? {} : { rowLimit: o.rowLimit }),
    ...(sort ? { sort } : {}),
    ...(o.timeGrain === undefined ? {} : { timeGrain: o.timeGrain }),
    ...(o.description === undefined ? {} : { description: o.description }),
  };
}

/** `Sales & Revenue Analytics` → `sales-revenue-analytics`. */
export function slugOf(title: string): string {
  return String(title)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** 12 split evenly, the remainder going to the last charts: 5 charts → 2, 2, 2, 3, 3. */
export function evenWidths(n: number): number[] {
  const base = Math.floor(GRID_COLUMNS / n);
  const extra = GRID_COLUMNS - base * n;
  return Array.from({ length: n }, (_, i) => base + (i >= n - extra ? 1 : 0));
}

export function resolveDashboard(d: Dashboard, out: Diagnostic[]): DashboardModel {
  const subject = (path: (string | number)[]): Subject => ({ kind: 'dashboard', dashboard: d.title, path });
  const rows = d.options.rows.map((row, i) => {
    const charts = rowCharts(row);
    const explicit = Array.isArray(row) ? undefined : (row as DashboardRow);
    let widths = explicit?.widths ? [...explicit.widths] : undefined;
    if (widths && widths.length !== charts.length) {
      out.push(
        error(
          'DASHBOARD.WIDTHS',
          `row ${i + 1} of dashboard '${d.title}' has ${charts.length} charts but ${widths.length} widths`,
          subject(['rows', i, 'widths']),
        ),
      );
      widths = undefined;
    } else if (widths && widths.reduce((a, b) => a + b, 0) > GRID_COLUMNS) {
      out.push(
        error(
          'DASHBOARD.WIDTHS',
          `row ${i + 1} of dashboard '${d.title}' is ${widths.reduce((a, b) => a + b, 0)} columns wide; the grid has ${GRID_COLUMNS}`,
          subject(['rows', i, 'widths']),
        ),
      );
    } else if (!widths && charts.length > GRID_COLUMNS) {
      out.push(
        error(
          'DASHBOARD.WIDTHS',
          `row ${i + 1} of dashboard '${d.title}' has ${charts.length} charts; a row holds at most ${GRID_COLUMNS}`,
          subject(['rows', i]),
        ),
      );
    }
    const w = widths ?? evenWidths(Math.min(charts.length, GRID_COLUMNS));
    return {
      height: explicit?.height ?? DEFAULT_ROW_HEIGHT,
      charts: charts.map((c, j) => ({ chart: c.name, width: w[j] ?? 1 })),
    };
  });
  const slug = d.options.slug ?? (slugOf(d.title) || 'dashboard');
  return {
    title: d.title,
    slug,
    ...(d.options.description === undefined ? {} : { description: d.options.description }),
    rows,
  };
}

/** The charts pass. Charts in config order (as validate found them), then dashboards. */
export function resolveCharts(
  charts: readonly Chart[],
  dashboards: readonly Dashboard[],
  out: Diagnostic[],
): { charts: ChartModel[]; dashboards: DashboardModel[] } {
  duplicates(
    charts,
    (c) => c.name,
    (c, n) => out.push(error('CHART.DUPLICATE', `two charts are named '${n}'`, { kind: 'chart', chart: c.name })),
  );
  const chartModels = charts.map((c) => resolveChart(c, out));
  duplicates(
    dashboards,
    (d) => d.title,
    (d, n) =>
      out.push(
        error('DASHBOARD.DUPLICATE', `two dashboards are titled '${n}'`, { kind: 'dashboard', dashboard: d.title }),
      ),
  );
  const dashboardModels = dashboards.map((d) => resolveDashboard(d, out));
  duplicates(
    dashboardModels.filter((d, i) => dashboardModels.findIndex((o) => o.title === d.title) === i),
    (d) => d.slug,
    (d, slug) =>
      out.push(
        error(
          'DASHBOARD.DUPLICATE_SLUG',
          `two dashboards have slug '${slug}'`,
          {
            kind: 'dashboard',
            dashboard: d.title,
            path: dashboards.find((o) => o.title === d.title)?.options.slug ? ['slug'] : [],
          },
          'give one of them another slug',
        ),
      ),
  );
  return { charts: chartModels, dashboards: dashboardModels };
}
