import type { Model } from '../../resolve/model.js';
import { quoteIdent, shellString } from '../../render/text.js';
import { header, type Artefact, type EmitContext } from '../artefact.js';
import type { ApplyAnalyticsData, CheckScriptData } from './templates.js';

const sqlName = (schema: string, name: string) =>
  schema === 'public' ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;

/**
 * Ops: `apply-analytics.sh` (migrations, tables, views, in order) and `check.sh`, the smoke check of a running stack (seed §11.1): every connector and its tasks
 * RUNNING, every Flink job of the pipeline RUNNING, every analytics table non-empty, every view answering,
 * Superset healthy and every dashboard present. Names and default addresses come from the Model.
 */
export function emit(model: Model, ctx: EmitContext): Artefact[] {
  const d = model.deployment;
  const a = model.analytics;
  const data: CheckScriptData = {
    header: header(ctx, '#'),
    pipeline: model.pipeline.name,
    defaults: {
      connect: shellString(model.connect.url),
      flink: shellString(d?.urls.flinkRest ?? ''),
      superset: shellString(model.superset.bootstrap.url),
      analytics: shellString(
        `host=${a.host} port=${a.port} dbname=${a.database}${typeof a.user === 'string' ? ` user=${a.user}` : ''}`,
      ),
    },
    env: {
      analyticsUser: typeof a.user === 'string' ? '' : a.user.env,
      analyticsPassword: a.password.env,
      supersetUser:
        typeof model.superset.bootstrap.user === 'string'
          ? shellString(model.superset.bootstrap.user)
          : `"\${${model.superset.bootstrap.user.env}:-}"`,
      supersetPassword: model.superset.bootstrap.password.env,
    },
    connectors: model.sources.map((s) => shellString(s.connectorName)),
    jobs: model.flink.submissions.map((s) => shellString(s.name)),
    tables: model.tables.map((t) => shellString(sqlName(a.schema, t.analytics.name))),
    views: model.views.map((v) => shellString(sqlName(a.schema, v.name))),
    dashboards: model.dashboards.map((b) => shellString(b.slug)),
    skipSupersetByDefault: model.dashboards.length === 0 && d === undefined,
  };
  const migrations = `${a.files.migrations}/`;
  const apply: ApplyAnalyticsData = {
    header: data.header,
    pipeline: model.pipeline.name,
    migrationsTable: a.migrationsTable,
    defaults: { analytics: data.defaults.analytics },
    env: data.env,
    files: [
      ...(ctx.migrations ?? []).filter((m) => m.path.startsWith(migrations)).map((m) => m.path),
      a.files.schema,
      a.files.views,
    ].map(shellString),
  };
  return [
    { path: model.ops.checkScript, contents: ctx.render('ops/check.sh', data), executable: true },
    { path: model.ops.applyAnalytics, contents: ctx.render('ops/apply-analytics.sh', apply), executable: true },
  ];
}
