/**
 * What Superset 5.0 accepts in a V1 bundle, as data, and a check of emitted bundle files against it.
 * Superset's marshmallow import schemas reject unknown keys, and the assets endpoint reports any failure as
 * "Import failed for an unknown reason", so every file is checked here first (by the tests, and by anyone
 * who calls `checkBundle`). Field lists read from apache-superset 5.0.0 (PyPI):
 * superset/{databases,datasets,charts,dashboards}/schemas.py `ImportV1*Schema`, and
 * superset/commands/importers/v1/utils.py `MetadataSchema`. The real-Superset suite compares these lists
 * with the installed Superset's schemas (scripts/superset-import-check.py) and fails on any difference.
 */
interface Fields {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

export const IMPORT_SCHEMAS_5_0 = {
  metadata: { required: ['version'], optional: ['type', 'timestamp'] },
  database: {
    required: ['database_name', 'sqlalchemy_uri', 'uuid', 'version'],
    optional: [
      'password',
      'cache_timeout',
      'expose_in_sqllab',
      'allow_run_async',
      'allow_ctas',
      'allow_cvas',
      'allow_dml',
      'allow_csv_upload',
      'impersonate_user',
      'extra',
      'is_managed_externally',
      'external_url',
      'ssh_tunnel',
    ],
  },
  databaseExtra: {
    required: [],
    optional: [
      'metadata_params',
      'engine_params',
      'metadata_cache_timeout',
      'schemas_allowed_for_csv_upload',
      'cost_estimate_enabled',
      'allows_virtual_table_explore',
      'cancel_query_on_windows_unload',
      'disable_data_preview',
      'disable_drill_to_detail',
      'allow_multi_catalog',
      'version',
      'schema_options',
    ],
  },
  dataset: {
    required: ['table_name', 'uuid', 'version', 'database_uuid'],
    optional: [
      'main_dttm_col',
      'description',
      'default_endpoint',
      'offset',
      'cache_timeout',
      'schema',
      'catalog',
      'sql',
      'params',
      'template_params',
      'filter_select_enabled',
      'fetch_values_predicate',
      'extra',
      'columns',
      'metrics',
      'data',
      'is_managed_externally',
      'external_url',
      'normalize_columns',
      'always_filter_main_dttm',
    ],
  },
  datasetColumn: {
    required: ['column_name'],
    optional: [
      'extra',
      'verbose_name',
      'is_dttm',
      'is_active',
      'type',
      'advanced_data_type',
      'groupby',
      'filterable',
      'expression',
      'description',
      'python_date_format',
    ],
  },
  datasetMetric: {
    required: ['metric_name', 'expression'],
    optional: ['verbose_name', 'metric_type', 'description', 'd3format', 'currency', 'extra', 'warning_text'],
  },
  chart: {
    required: ['slice_name', 'viz_type', 'uuid', 'version', 'dataset_uuid'],
    optional: [
      'description',
      'certified_by',
      'certification_details',
      'params',
      'query_context',
      'cache_timeout',
      'is_managed_externally',
      'external_url',
    ],
  },
  dashboard: {
    required: ['dashboard_title', 'uuid', 'version'],
    optional: [
      'description',
      'css',
      'slug',
      'position',
      'metadata',
      'is_managed_externally',
      'external_url',
      'certified_by',
      'certification_details',
      'published',
    ],
  },
} as const satisfies Record<string, Fields>;

/** Viz types registered in Superset 5.0's front end (the ones this target emits). */
export const VIZ_TYPES_5_0 = ['echarts_timeseries_bar', 'echarts_timeseries_line', 'pie', 'big_number_total', 'table'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fields(where: string, value: unknown, schema: Fields, problems: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${where}: not a mapping`);
    return {};
  }
  const v = value as Record<string, unknown>;
  const known = new Set<string>([...schema.required, ...schema.optional]);
  for (const k of Object.keys(v)) if (!known.has(k)) problems.push(`${where}: unknown field '${k}'`);
  for (const k of schema.required)
    if (v[k] === undefined || v[k] === null) problems.push(`${where}: '${k}' is required`);
  return v;
}

/**
 * Checks parsed bundle files (path inside the bundle, without the top folder → parsed YAML): field lists,
 * UUID form, every reference resolved inside the bundle, `params` present, a `query_context` that is JSON.
 */
export function checkBundle(files: ReadonlyMap<string, unknown>): string[] {
  const problems: string[] = [];
  const S = IMPORT_SCHEMAS_5_0;
  const uuids = { database: new Set<string>(), dataset: new Set<string>(), chart: new Set<string>() };
  const uuidOf = (where: string, v: Record<string, unknown>, key = 'uuid') => {
    const u = v[key];
    if (typeof u !== 'string' || !UUID.test(u)) problems.push(`${where}: ${key} ${String(u)} is not a lower-case UUID`);
    return String(u);
  };
  const meta = files.get('metadata.yaml');
  if (meta === undefined) problems.push('metadata.yaml is missing');
  else {
    const m = fields('metadata.yaml', meta, S.metadata, problems);
    if (m.version !== '1.0.0') problems.push(`metadata.yaml: version must be '1.0.0'`);
    if (m.type !== undefined && m.type !== 'assets') problems.push(`metadata.yaml: type must be 'assets'`);
  }
  const byKind = (kind: string) => [...files].filter(([p]) => p.startsWith(`${kind}/`) && /\.ya?ml$/.test(p));
  for (const [path, value] of byKind('databases')) {
    const d = fields(path, value, S.database, problems);
    uuids.database.add(uuidOf(path, d));
    if (d.extra !== undefined) fields(`${path} extra`, d.extra, S.databaseExtra, problems);
    if (typeof d.allow_csv_upload !== 'boolean') problems.push(`${path}: allow_csv_upload is read without a default`);
    const password = /^[^:]+:\/\/[^:/@]*:([^@]*)@/.exec(String(d.sqlalchemy_uri))?.[1];
    if (password !== 'XXXXXXXXXX') problems.push(`${path}: sqlalchemy_uri must carry the masked password XXXXXXXXXX`);
    if (d.password !== undefined) problems.push(`${path}: a password must not be in the bundle`);
  }
  for (const [path, value] of byKind('datasets')) {
    const d = fields(path, value, S.dataset, problems);
    uuids.dataset.add(uuidOf(path, d));
    if (!uuids.database.has(String(d.database_uuid))) problems.push(`${path}: database_uuid is not in the bundle`);
    if (!Array.isArray(d.columns) || d.columns.length === 0) problems.push(`${path}: columns must be listed`);
    for (const [i, c] of (Array.isArray(d.columns) ? d.columns : []).entries())
      fields(`${path} columns[${i}]`, c, S.datasetColumn, problems);
    for (const [i, m] of (Array.isArray(d.metrics) ? d.metrics : []).entries())
      fields(`${path} metrics[${i}]`, m, S.datasetMetric, problems);
    if (!('schema' in d)) problems.push(`${path}: schema is read without a default`);
  }
  for (const [path, value] of byKind('charts')) {
    const c = fields(path, value, S.chart, problems);
    uuids.chart.add(uuidOf(path, c));
    if (!uuids.dataset.has(String(c.dataset_uuid))) problems.push(`${path}: dataset_uuid is not in the bundle`);
    if (!VIZ_TYPES_5_0.includes(String(c.viz_type)))
      problems.push(`${path}: viz_type ${String(c.viz_type)} is not in Superset 5.0`);
    if (typeof c.params !== 'object' || c.params === null) problems.push(`${path}: params must be a mapping`);
    if (typeof c.query_context !== 'string' || c.query_context === '')
      problems.push(`${path}: query_context must be a JSON string`);
    else {
      try {
        JSON.parse(c.query_context);
      } catch {
        problems.push(`${path}: query_context is not JSON`);
      }
    }
  }
  for (const [path, value] of byKind('dashboards')) {
    const d = fields(path, value, S.dashboard, problems);
    uuidOf(path, d);
    const position = (d.position ?? {}) as Record<string, unknown>;
    if (typeof d.position !== 'object') problems.push(`${path}: position is read without a default`);
    for (const [id, node] of Object.entries(position)) {
      if (typeof node !== 'object' || node === null) continue;
      const n = node as { type?: unknown; meta?: { uuid?: unknown; chartId?: unknown } };
      if (typeof n.type !== 'string') problems.push(`${path}: position ${id} has no type`);
      if (n.type === 'CHART') {
        if (!uuids.chart.has(String(n.meta?.uuid)))
          problems.push(`${path}: position ${id} names a chart not in the bundle`);
        if (typeof n.meta?.chartId !== 'number') problems.push(`${path}: position ${id} needs meta.chartId`);
      }
    }
  }
  return problems;
}
