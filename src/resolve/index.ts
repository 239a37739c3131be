import type { Source, Table } from '../dsl/source.js';
import { error, type Diagnostic, type Subject } from '../diagnostics.js';
import type { ValidConfig } from '../validate/index.js';
import { binding, connectorModes, resolveSource, SECRET_PROVIDER, sourceNaming } from './debezium.js';
import { isSecretProperty } from './catalog.js';
import { resolveCharts } from './charts.js';
import type { Model, SecretBinding, TableModel } from './model.js';
import * as names from './names.js';
import { resolveTable, type ResolvedTable } from './tables.js';
import { resolveViews } from './views.js';
import { flinkSettings, flinkSourceNames, flinkTable, kafkaClientProperties } from './flink.js';
import { resolveDeployment, topicCreation } from './deployment.js';

export type { Model } from './model.js';

function duplicates<T>(items: readonly T[], key: (item: T) => string, report: (item: T, name: string) => void) {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) report(item, k);
    seen.add(k);
  }
}

/** Config → Model. Pure: every decision the artefacts need, and every cross-reference check. */
export function resolve(
  input: ValidConfig,
  options: { profile?: string } = {},
): { model?: Model; diagnostics: Diagnostic[] } {
  const out: Diagnostic[] = [];
  // First pass: the deployment decides every derived host and URL the other passes read.
  const { config, deployment } = resolveDeployment(input, options.profile, out);
  const p = config.pipeline.options;
  const analyticsSchema = p.analytics.schema ?? 'public';
  const syncedAtColumn = p.analytics.syncedAtColumn ?? 'synced_at';

  duplicates(
    config.sources,
    (s) => s.name,
    (s, n) => out.push(error('SOURCE.DUPLICATE', `two sources are named '${n}'`, { kind: 'source', source: s.name })),
  );
  for (const s of config.sources) {
    if (s.name === 'analytics') {
      out.push(
        error(
          'SOURCE.RESERVED_NAME',
          "a source may not be named 'analytics' (its secrets would clash with the analytics database's)",
          { kind: 'source', source: s.name },
        ),
      );
    }
  }

  // Tables, per source.
  const resolvedTables = new Map<Table, ResolvedTable>();
  const perSource = new Map<Source, ResolvedTable[]>();
  for (const source of config.sources) {
    const modes = connectorModes(source);
    const list: ResolvedTable[] = [];
    const ctx = { modes, defaultSchema: source.options.schema ?? 'public', analyticsSchema, syncedAtColumn };
    for (const table of source.tables) {
      const r = resolveTable(source, table, ctx, out);
      if (r) {
        list.push(r);
        resolvedTables.set(table, r);
      }
    }
    duplicates(
      list,
      (t) => t.qualifiedName,
      (t, n) =>
        out.push(
          error('TABLE.DUPLICATE', `source '${source.name}' captures '${n}' twice`, {
            kind: 'table',
            source: source.name,
            table: t.name,
          }),
        ),
    );
    perSource.set(source, list);
  }
  const allTables = [...perSource.values()].flat();
  // A table captured twice (TABLE.DUPLICATE above) lands twice in the same analytics table: one report is enough.
  const distinctTables = allTables.filter(
    (t, i) => allTables.findIndex((o) => o.source === t.source && o.qualifiedName === t.qualifiedName) === i,
  );
  duplicates(
    distinctTables,
    (t) => t.analytics.qualifiedName,
    (t, n) =>
      out.push(
        error(
          'TABLE.DUPLICATE_ANALYTICS_NAME',
          `two tables land in analytics table '${n}'`,
          { kind: 'table', source: t.source, table: t.name, path: ['analytics', 'name'] },
          'give one of them another analytics.name',
        ),
      ),
  );

  const flinkNames = flinkSourceNames(allTables);

  // Analytics connection and Flink options.
  const analyticsUser: string | SecretBinding =
    typeof p.analytics.user === 'string' ? p.analytics.user : binding('ANALYTICS_DB_USER', p.analytics.user, 'env');
  const analyticsPassword = binding('ANALYTICS_DB_PASSWORD', p.analytics.password, 'env');
  const needsStringtype = allTables.some((t) => t.columns.some((c) => c.mapping.stringtypeUnspecified));
  const analyticsPort = p.analytics.port ?? 5432;
  // PgJDBC binds Java strings as varchar unless told otherwise; uuid/jsonb/inet/… columns need it.
  const jdbcParameters = Object.entries(p.analytics.jdbcParameters ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  for (const key of Object.keys(p.analytics.jdbcParameters ?? {})) {
    const subject: Subject = { kind: 'pipeline', path: ['analytics', 'jdbcParameters', key] };
    if (key === 'stringtype' || key === 'user') {
      const what = key === 'user' ? 'analytics.user sets the login' : 'the compiler sets it when a column needs it';
      out.push(error('FLINK.MANAGED_SETTING', `JDBC parameter '${key}' is not yours to set: ${what}`, subject));
    } else if (isSecretProperty(key)) {
      out.push(
        error(
          'CONFIG.PLAINTEXT_SECRET',
          `JDBC parameter '${key}' holds a credential, and the URL is written into pipeline.sql`,
          subject,
          'analytics.password takes the password as a Secret reference',
        ),
      );
    }
  }
  const query = [...(needsStringtype ? ['stringtype=unspecified'] : []), ...jdbcParameters];
  const jdbcUrl = `jdbc:postgresql://${p.analytics.host}:${analyticsPort}/${p.analytics.database}${query.length ? `?${query.join('&')}` : ''}`;
  const kafka = kafkaClientProperties(p, out);
  const flink = p.flink ?? {};
  const connection = { kafkaProperties: kafka.options, jdbcUrl, user: analyticsUser, password: analyticsPassword };

  const tableModels = new Map<ResolvedTable, TableModel>();
  for (const t of allTables) {
    const source = config.sources.find((s) => s.name === t.source)!;
    const topic = names.topicName(sourceNaming(source).topicPrefix, t.schema, t.name);
    const { entity: _entity, ...table } = t;
    tableModels.set(t, { ...table, topic, flink: flinkTable(t, topic, flinkNames.get(t)!, p, connection) });
  }

  const server = (s: Source) => `${s.options.host}:${s.options.port ?? 5432}`;
  const sources = config.sources.map((s) =>
    resolveSource(
      s,
      (perSource.get(s) ?? []).map((t) => tableModels.get(t)!),
      config.sources.filter((o) => server(o) === server(s)).length,
      out,
      topicCreation(p.kafka?.topics, deployment !== undefined),
    ),
  );
  // Sources that share a name were reported above; their derived names collide too, which says nothing new.
  const firstByName = sources.filter((s, i) => sources.findIndex((o) => o.name === s.name) === i);
  duplicates(
    firstByName,
    (s) => s.connectorName,
    (s, n) =>
      out.push(
        error('SOURCE.DUPLICATE_CONNECTOR', `two sources use connector name '${n}'`, {
          kind: 'source',
          source: s.name,
          path: ['connector', 'name'],
        }),
      ),
  );
  duplicates(
    firstByName,
    (s) => s.topicPrefix,
    (s, n) =>
      out.push(
        error('SOURCE.DUPLICATE_TOPIC_PREFIX', `two sources use topic prefix '${n}': their topics would collide`, {
          kind: 'source',
          source: s.name,
          path: ['connector', 'topicPrefix'],
        }),
      ),
  );
  duplicates(
    firstByName,
    (s) => `${s.host}:${s.port}/${s.slotName}`,
    (s, n) =>
      out.push(
        error('SOURCE.DUPLICATE_SLOT', `two connectors would share replication slot '${n}'`, {
          kind: 'source',
          source: s.name,
          path: ['connector', 'slotName'],
        }),
      ),
  );
  for (const s of sources) {
    if (s.tables.length === 0)
      out.push(
        error(
          'SOURCE.NO_TABLES',
          `source '${s.name}' captures no table: its publication and connector would capture nothing (an empty include list means every table to Debezium)`,
          { kind: 'source', source: s.name },
          "add tables with source.table(…), or remove the source from the pipeline's sources",
        ),
      );
  }

  const views = resolveViews(config.views, resolvedTables, analyticsSchema, out);
  duplicates(
    config.views,
    (v) => v.name,
    (v, n) => out.push(error('VIEW.DUPLICATE', `two views are named '${n}'`, { kind: 'view', view: v.name })),
  );
  const tableNames = new Set(allTables.map((t) => t.analytics.name));
  for (const v of config.views) {
    if (tableNames.has(v.name))
      out.push(
        error('VIEW.NAME_TAKEN', `view '${v.name}' has the name of an analytics table`, { kind: 'view', view: v.name }),
      );
  }
  const { charts, dashboards } = resolveCharts(config.charts, config.dashboards, out);

  // Flink session settings.
  const taskManagerUtc = allTables.some((t) => t.columns.some((c) => c.mapping.utcTaskManager));
  const usesUtcSession = allTables.some((t) => t.columns.some((c) => c.mapping.utcSession));
  const settings = flinkSettings(flink, usesUtcSession, out);

  const env: SecretBinding[] = [
    ...(typeof analyticsUser === 'string' ? [] : [analyticsUser]),
    analyticsPassword,
    ...kafka.env,
  ];
  if (out.some((d) => d.severity === 'error')) return { diagnostics: out };
  const jobs = flink.jobs ?? 'per-table';
  const modelTables = sources.flatMap((s) => s.tables);
  return {
    diagnostics: out,
    model: {
      pipeline: { name: p.name },
      connect: {
        url: p.connect!.url!,
        secretProvider: SECRET_PROVIDER,
        registerScript: 'debezium/register-connectors.sh',
      },
      sources,
      tables: modelTables,
      views,
      charts,
      dashboards,
      analytics: {
        host: p.analytics.host!,
        port: analyticsPort,
        database: p.analytics.database,
        schema: analyticsSchema,
        ...(analyticsSchema === 'public' ? {} : { createSchema: analyticsSchema }),
        jdbcUrl,
        user: analyticsUser,
        password: analyticsPassword,
        dropViews: views.map((v) => v.qualifiedName).reverse(),
        files: { schema: 'analytics/schema.sql', views: 'analytics/views.sql' },
      },
      flink: {
        settings,
        jobs,
        jobName: `${p.name}-cdc`,
        env,
        taskManagerUtc,
        submissions:
          jobs === 'per-table'
            ? modelTables.map((t) => ({ name: t.flink.jobName, statementSet: false, tables: [t.flink.sinkTable] }))
            : [{ name: `${p.name}-cdc`, statementSet: true, tables: modelTables.map((t) => t.flink.sinkTable) }],
        file: 'flink/pipeline.sql',
      },
      ...(deployment ? { deployment } : {}),
    },
  };
}
