import type { ChartModel, MetricModel, Model, SupersetDatasetModel } from '../../resolve/model.js';
import { canonicalYaml } from '../../render/yaml.js';
import { zip } from '../../render/zip.js';
import { header, type Artefact, type EmitContext } from '../artefact.js';

/** Superset 5.0's values for the DSL's choices. */
const AGGREGATE = { sum: 'SUM', avg: 'AVG', min: 'MIN', max: 'MAX', count: 'COUNT', count_distinct: 'COUNT_DISTINCT' };
const TIME_GRAIN = {
  second: 'PT1S',
  minute: 'PT1M',
  hour: 'PT1H',
  day: 'P1D',
  week: 'P1W',
  month: 'P1M',
  quarter: 'P3M',
  year: 'P1Y',
} as const;
const VIZ_TYPE = {
  bar: 'echarts_timeseries_bar',
  line: 'echarts_timeseries_line',
  pie: 'pie',
  big_number: 'big_number_total',
  table: 'table',
} as const;
/** Superset's default row limit (`ROW_LIMIT` in superset/config.py). */
const DEFAULT_ROW_LIMIT = 10000;
const VERSION = '1.0.0';

/** An adhoc metric as Superset's explore writes it: SIMPLE over a column, SQL otherwise. */
function adhocMetric(m: MetricModel): object {
  if (m.aggregate === 'sql' || m.column === undefined) {
    return { expressionType: 'SQL', sqlExpression: m.sql, label: m.label, hasCustomLabel: true };
  }
  return {
    expressionType: 'SIMPLE',
    column: { column_name: m.column },
    aggregate: AGGREGATE[m.aggregate],
    label: m.label,
    hasCustomLabel: true,
  };
}

const noTimeFilter = (column: string) => ({
  clause: 'WHERE',
  subject: column,
  operator: 'TEMPORAL_RANGE',
  comparator: 'No filter',
  expressionType: 'SIMPLE',
});

/** The chart's form data (`params`), keyed as Superset 5.0's control panels write them. */
export function chartParams(c: ChartModel): Record<string, unknown> {
  const temporalX = c.x?.category === 'temporal';
  const filters = temporalX ? [noTimeFilter(c.x!.name)] : [];
  const metrics = c.metrics.map(adhocMetric);
  const rowLimit = c.rowLimit ?? DEFAULT_ROW_LIMIT;
  const kind = c.kind;
  switch (kind) {
    case 'bar':
    case 'line': {
      const sort = c.sort
        ? { x_axis_sort: c.sort.by === 'metric' ? c.sort.key : c.x!.name, x_axis_sort_asc: c.sort.ascending }
        : {};
      return {
        viz_type: VIZ_TYPE[kind],
        x_axis: c.x!.name,
        ...(c.timeGrain ? { time_grain_sqla: TIME_GRAIN[c.timeGrain] } : {}),
        ...(temporalX ? {} : { xAxisForceCategorical: true, ...sort }),
        metrics,
        groupby: c.groupBy.map((g) => g.name),
        adhoc_filters: filters,
        order_desc: c.sort ? !c.sort.ascending : true,
        row_limit: rowLimit,
        truncate_metric: true,
        show_legend: true,
        ...(kind === 'bar' ? { orientation: 'vertical', stack: null, show_value: false } : { markerEnabled: true }),
        ...(c.description ? { description: c.description } : {}),
      };
    }
    case 'pie':
      return {
        viz_type: VIZ_TYPE.pie,
        groupby: [c.x!.name],
        metric: metrics[0],
        adhoc_filters: filters,
        row_limit: rowLimit,
        sort_by_metric: true,
        label_type: 'key_value',
        show_labels: true,
        show_legend: true,
      };
    case 'big_number':
      return {
        viz_type: VIZ_TYPE.big_number,
        metric: metrics[0],
        adhoc_filters: filters,
        header_font_size: 0.4,
        y_axis_format: 'SMART_NUMBER',
      };
    case 'table': {
      const raw = c.metrics.length === 0;
      const columns = c.groupBy.map((g) => g.name);
      return {
        viz_type: VIZ_TYPE.table,
        query_mode: raw ? 'raw' : 'aggregate',
        groupby: raw ? [] : columns,
        metrics: raw ? [] : metrics,
        all_columns: raw ? columns : [],
        percent_metrics: [],
        ...(raw && c.sort ? { order_by_cols: [JSON.stringify([c.sort.key, c.sort.ascending])] } : {}),
        ...(!raw && c.sort?.by === 'metric'
          ? { timeseries_limit_metric: metrics[c.metrics.findIndex((m) => m.label === c.sort!.key)] }
          : {}),
        order_desc: c.sort ? !c.sort.ascending : true,
        adhoc_filters: filters,
        row_limit: rowLimit,
        server_page_length: 10,
      };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown chart kind ${String(never)}`);
    }
  }
}

/**
 * The saved query context: what `GET /api/v1/chart/{id}/data/` (and reports) run. One query, plain rows:
 * the dimensions, the metrics by label, ordered by the chart's sort. Dashboards rebuild their own query
 * from `params`. The datasource id is rewritten by the importer.
 */
export function queryContext(c: ChartModel, params: Record<string, unknown>): string {
  const temporalX = c.x?.category === 'temporal';
  const dims: unknown[] = [];
  if (c.x) {
    dims.push(
      temporalX
        ? {
            timeGrain: c.timeGrain ? TIME_GRAIN[c.timeGrain] : undefined,
            columnType: 'BASE_AXIS',
            sqlExpression: c.x.name,
            label: c.x.name,
            expressionType: 'SQL',
          }
        : c.x.name,
    );
  }
  dims.push(...c.groupBy.map((g) => g.name));
  const metrics = c.metrics.map(adhocMetric);
  const orderby = c.sort
    ? [
        [
          c.sort.by === 'metric' ? metrics[c.metrics.findIndex((m) => m.label === c.sort!.key)] : c.sort.key,
          c.sort.ascending,
        ],
      ]
    : [];
  const raw = c.kind === 'table' && c.metrics.length === 0;
  const query = {
    filters: temporalX ? [{ col: c.x!.name, op: 'TEMPORAL_RANGE', val: 'No filter' }] : [],
    extras: { having: '', where: '', ...(c.timeGrain ? { time_grain_sqla: TIME_GRAIN[c.timeGrain] } : {}) },
    applied_time_extras: {},
    columns: dims,
    metrics: raw ? [] : metrics,
    orderby,
    annotation_layers: [],
    row_limit: c.kind === 'big_number' ? 1 : (c.rowLimit ?? DEFAULT_ROW_LIMIT),
    series_limit: 0,
    order_desc: c.sort ? !c.sort.ascending : true,
    url_params: {},
    custom_params: {},
    custom_form_data: {},
  };
  // Indented, so the YAML holds it as a literal block that diffs line by line.
  const context = {
    datasource: { id: 0, type: 'table' },
    force: false,
    queries: [query],
    form_data: params,
    result_format: 'json',
    result_type: 'full',
  };
  return JSON.stringify(context, null, 2);
}

function datasetYaml(d: SupersetDatasetModel, databaseUuid: string): object {
  return {
    table_name: d.view,
    main_dttm_col: d.mainDttmColumn ?? null,
    description: d.description ?? null,
    default_endpoint: null,
    offset: 0,
    cache_timeout: null,
    schema: d.schema,
    sql: null,
    params: null,
    template_params: null,
    filter_select_enabled: true,
    fetch_values_predicate: null,
    extra: null,
    normalize_columns: false,
    always_filter_main_dttm: false,
    uuid: d.uuid,
    metrics: [
      {
        metric_name: 'count',
        verbose_name: 'COUNT(*)',
        metric_type: 'count',
        expression: 'COUNT(*)',
        description: null,
        d3format: null,
        extra: null,
        warning_text: null,
      },
    ],
    columns: d.columns.map((c) => ({
      column_name: c.name,
      verbose_name: null,
      is_dttm: c.temporal,
      is_active: true,
      type: c.type,
      advanced_data_type: null,
      groupby: true,
      filterable: true,
      expression: null,
      description: null,
      python_date_format: null,
      extra: null,
    })),
    version: VERSION,
    database_uuid: databaseUuid,
  };
}

/** The bundle's files (path inside the bundle → object), in the order they are zipped. */
export function bundleFiles(model: Model): { path: string; value: object }[] {
  const s = model.superset;
  const files: { path: string; value: object }[] = [
    { path: 'metadata.yaml', value: { version: VERSION, type: 'assets' } },
  ];
  files.push({
    path: s.database.file,
    value: {
      database_name: s.database.name,
      sqlalchemy_uri: s.database.uri,
      cache_timeout: null,
      expose_in_sqllab: true,
      allow_run_async: false,
      allow_ctas: false,
      allow_cvas: false,
      allow_dml: false,
      allow_csv_upload: false,
      extra: { allows_virtual_table_explore: true },
      uuid: s.database.uuid,
      version: VERSION,
    },
  });
  for (const d of s.datasets) files.push({ path: d.file, value: datasetYaml(d, s.database.uuid) });
  for (const [i, c] of model.charts.entries()) {
    const asset = s.charts[i]!;
    const params = chartParams(c);
    files.push({
      path: asset.file,
      value: {
        slice_name: c.name,
        description: c.description ?? null,
        certified_by: null,
        certification_details: null,
        viz_type: params.viz_type as string,
        params,
        query_context: queryContext(c, params),
        cache_timeout: null,
        uuid: asset.uuid,
        version: VERSION,
        dataset_uuid: asset.datasetUuid,
      },
    });
  }
  const chartIndex = new Map<string, number>();
  for (const [i, c] of model.charts.entries()) if (!chartIndex.has(c.name)) chartIndex.set(c.name, i);
  for (const [i, d] of model.dashboards.entries()) {
    const asset = s.dashboards[i]!;
    const position: Record<string, unknown> = {
      DASHBOARD_VERSION_KEY: 'v2',
      ROOT_ID: { type: 'ROOT', id: 'ROOT_ID', children: ['GRID_ID'] },
      GRID_ID: { type: 'GRID', id: 'GRID_ID', parents: ['ROOT_ID'], children: d.rows.map((_, r) => `ROW-${r + 1}`) },
      HEADER_ID: { type: 'HEADER', id: 'HEADER_ID', meta: { text: d.title } },
    };
    d.rows.forEach((row, r) => {
      const rowId = `ROW-${r + 1}`;
      const children = row.charts.map((_, k) => `CHART-${r + 1}-${k + 1}`);
      position[rowId] = {
        type: 'ROW',
        id: rowId,
        children,
        parents: ['ROOT_ID', 'GRID_ID'],
        meta: { background: 'BACKGROUND_TRANSPARENT' },
      };
      row.charts.forEach((cell, k) => {
        const index = chartIndex.get(cell.chart) ?? -1;
        position[children[k]!] = {
          type: 'CHART',
          id: children[k],
          children: [],
          parents: ['ROOT_ID', 'GRID_ID', rowId],
          // chartId: a placeholder the importer replaces; distinct per chart, as it maps old ids to new.
          meta: {
            chartId: index + 1,
            uuid: s.charts[index]!.uuid,
            width: cell.width,
            height: row.height,
            sliceName: cell.chart,
          },
        };
      });
    });
    files.push({
      path: asset.file,
      value: {
        dashboard_title: d.title,
        description: d.description ?? null,
        css: '',
        slug: d.slug,
        certified_by: null,
        certification_details: null,
        published: true,
        uuid: asset.uuid,
        position,
        metadata: {
          color_scheme: null,
          refresh_frequency: 0,
          timed_refresh_immune_slices: [],
          expanded_slices: {},
          label_colors: {},
          shared_label_colors: [],
          color_scheme_domain: [],
          cross_filters_enabled: true,
          native_filter_configuration: [],
          chart_configuration: {},
        },
        version: VERSION,
      },
    });
  }
  return files;
}

/** Superset: the V1 asset bundle as diffable YAML and as a deterministic zip, and the bootstrap script. */
export function emit(model: Model, ctx: EmitContext): Artefact[] {
  if (model.charts.length === 0 && model.dashboards.length === 0) return [];
  const s = model.superset;
  const head = header(ctx, '#');
  const files = bundleFiles(model).map((f) => ({
    path: `${s.bootstrap.bundleRoot}/${f.path}`,
    contents: `${head}\n${canonicalYaml(f.value)}`,
  }));
  const bundle = zip(files.map((f) => ({ name: f.path, data: Buffer.from(f.contents, 'utf8') })));
  const assets = {
    namespace: s.namespace,
    database: { uuid: s.database.uuid, name: s.database.name, file: s.database.file },
    datasets: s.datasets.map((d) => ({ uuid: d.uuid, name: d.view, schema: d.schema })),
    charts: s.charts.map((c) => ({ uuid: c.uuid, name: c.name })),
    dashboards: model.dashboards.map((d, i) => ({ uuid: s.dashboards[i]!.uuid, name: d.title, slug: d.slug })),
  };
  const b = s.bootstrap;
  return [
    ...files.map((f) => ({ path: `superset/${f.path}`, contents: f.contents })),
    { path: b.bundle, contents: bundle },
    {
      path: b.script,
      executable: true,
      contents: ctx.render('superset/bootstrap', {
        header: head,
        assets: JSON.stringify(JSON.stringify(assets)),
        url: JSON.stringify(b.url),
        user: JSON.stringify(typeof b.user === 'string' ? b.user : ''),
        userEnv: typeof b.user === 'string' ? 'SUPERSET_USER' : b.user.env,
        passwordEnv: b.password.env,
        databaseUserEnv: JSON.stringify(s.database.userEnv ?? ''),
        databasePasswordEnv: s.database.passwordEnv,
        bundleFile: JSON.stringify(b.bundle.split('/').pop()),
        secrets: b.secrets.map((x) => `${x.env} from Secret ${x.secret} (key ${x.key})`),
      }),
    },
  ];
}
