// Public API: the DSL used in pipeline.config.ts, and the programmatic compiler.
export { t, type ColumnType, type ColumnSpec, type PgType } from './dsl/columns.js';
export {
  postgresSource,
  secret,
  type Source,
  type Table,
  type TableAlias,
  type ColumnRef,
  type SecretRef,
  type PostgresSourceOptions,
  type PostgresFlavor,
  POSTGRES_FLAVORS,
  type TableOptions,
  type ConnectorOptions,
  type AnalyticsTableOptions,
} from './dsl/source.js';
export { view, sql, type View, type ViewOptions, type SqlFragment } from './dsl/view.js';
export {
  chart,
  dashboard,
  sum,
  avg,
  min,
  max,
  count,
  countDistinct,
  metricSql,
  type Chart,
  type Dashboard,
  type Metric,
} from './dsl/chart.js';
export { definePipeline, type Pipeline, type PipelineOptions } from './dsl/pipeline.js';
export type {
  DeploymentOptions,
  DeploymentSettings,
  ProfileOptions,
  ComponentOptions,
  DatabaseOptions,
  DatabaseSettings,
  ResourceOptions,
} from './dsl/deployment.js';
export { compile, type CompileOptions, type CompileResult } from './compile.js';
export type { Diagnostic } from './diagnostics.js';
export type { Artefact } from './targets/artefact.js';
