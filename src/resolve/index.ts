import { error, hasErrors, duplicates, type Diagnostic } from '../diagnostics.js';
import type { ValidConfig } from '../validate/index.js';
import { resolveCharts } from './charts.js';
import { debeziumPass, SECRET_PROVIDER } from './debezium.js';
import { flinkPass } from './flink.js';
import { supersetPass } from './superset.js';
import type { Model, TableModel } from './model.js';
import { resolveDeployment, topicCreation } from './deployment.js';
import { tablesPass } from './tables.js';
import { resolveViews } from './views.js';
import { secretsPass } from './secrets.js';
import { kafkaSecurityPass } from './kafka-security.js';
import { lineagePass } from './lineage.js';
import { qualify } from './names.js';

/** Where the analytics migrations live in the output: fixed, so the previous output's can be read before resolving. */
export const MIGRATIONS_FOLDER = 'analytics/migrations';
/** Where the numbered change scripts go (history, like the migrations). */
export const CHANGES_FOLDER = 'ops/changes';

export type { Model } from './model.js';

/**
 * Config → Model. Pure: every decision the artefacts need, and every cross-reference check. A list of
 * named passes, each taking and returning plain data; every pass runs (so one compile reports everything)
 * and the Model is assembled only when none reported an error.
 */
export function resolve(
  input: ValidConfig,
  options: { profile?: string } = {},
): { model?: Model; diagnostics: Diagnostic[] } {
  const out: Diagnostic[] = [];
  // Deployment (Kubernetes) first: it decides every derived host and URL the other passes read.
  const { config, deployment: deployed } = resolveDeployment(input, options.profile, out);
  // Tables: keys, captured columns, each column's journey through the type matrix, the analytics landing.
  const tables = tablesPass(config, out);
  // Secrets: the environment variable of every Secret reference, collision-free.
  const secretNames = secretsPass(config);
  // Kafka security: SASL_SSL settings of Connect and the Flink sources, the brokers' listeners.
  const { security, deployment } = kafkaSecurityPass(config, deployed, secretNames, out);
  // Debezium: per source its names, connector configuration and setup facts; per table its topic.
  const debezium = debeziumPass(
    config.sources,
    tables,
    secretNames,
    out,
    topicCreation(config.pipeline.options.kafka?.topics, deployment !== undefined),
  );
  // Flink: the analytics connection, each table's Kafka source and JDBC sink, session settings, jobs.
  const flink = flinkPass(config, tables, debezium.topics, secretNames, security, out);
  // Views: SQL with every reference rendered, in dependency order.
  const views = viewsPass(config, tables, out);
  // Charts and dashboards (Superset).
  const charts = resolveCharts(config.charts, config.dashboards, out);
  if (hasErrors(out)) return { diagnostics: out };
  // Superset: asset UUIDs, bundle files, datasets, the masked database URI, the bootstrap and its Job slot.
  // It reports nothing and reads resolved charts, so it runs once the passes above found no error.
  const superset = supersetPass(config, flink.analytics, charts, deployment);

  const tableModel = new Map(
    tables.all.map((t): [typeof t, TableModel] => {
      const { entity: _entity, ...table } = t;
      return [t, { ...table, topic: debezium.topics.get(t)!, flink: flink.tables.get(t)! }];
    }),
  );
  const sources = config.sources.map((s, i) => ({
    ...debezium.sources[i]!,
    tables: (tables.perSource.get(s) ?? []).map((t) => tableModel.get(t)!),
  }));
  const allTables = sources.flatMap((s) => s.tables);
  return {
    diagnostics: out,
    model: {
      pipeline: { name: config.pipeline.options.name },
      kafka: security ? { security } : {},
      connect: {
        url: config.pipeline.options.connect!.url!,
        secretProvider: SECRET_PROVIDER,
        registerScript: 'debezium/register-connectors.sh',
        env: [...sources.flatMap((s) => s.secrets), ...(security?.connect.env ?? [])].filter(
          (b, i, all) => all.findIndex((o) => o.env === b.env) === i,
        ),
      },
      sources,
      tables: allTables,
      views,
      charts: charts.charts,
      dashboards: charts.dashboards,
      // Lineage: every column's path from its source column to the charts, as one graph.
      lineage: lineagePass(allTables, views, charts.charts),
      superset: superset.superset,
      analytics: {
        ...flink.analytics,
        dropViews: views.map((v) => v.qualifiedName).reverse(),
        files: { schema: 'analytics/schema.sql', views: 'analytics/views.sql', migrations: MIGRATIONS_FOLDER },
        migrationsTable: qualify(flink.analytics.schema, 'cdc_migrations'),
      },
      flink: flink.flink,
      ...(superset.deployment ? { deployment: superset.deployment } : {}),
      ops: { checkScript: 'ops/check.sh', applyAnalytics: 'ops/apply-analytics.sh', changes: CHANGES_FOLDER },
    },
  };
}

/** The views pass: view SQL, dependency order, and names that clash with each other or with a table. */
function viewsPass(config: ValidConfig, tables: ReturnType<typeof tablesPass>, out: Diagnostic[]) {
  const analyticsSchema = config.pipeline.options.analytics.schema ?? 'public';
  const views = resolveViews(config.views, tables.byEntity, analyticsSchema, out);
  duplicates(
    config.views,
    (v) => v.name,
    (v, n) => out.push(error('VIEW.DUPLICATE', `two views are named '${n}'`, { kind: 'view', view: v.name })),
  );
  const tableNames = new Set(tables.all.map((t) => t.analytics.name));
  for (const v of config.views) {
    if (tableNames.has(v.name))
      out.push(
        error('VIEW.NAME_TAKEN', `view '${v.name}' has the name of an analytics table`, { kind: 'view', view: v.name }),
      );
  }
  return views;
}
