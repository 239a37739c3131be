import type { FlinkOptions, PipelineOptions } from '../dsl/pipeline.js';
import { error, warning, type Diagnostic, type Subject } from '../diagnostics.js';
import { entityKind } from '../dsl/entity.js';
import type { SecretRef } from '../dsl/source.js';
import { isCredentialKey } from '../credentials/policy.js';
import { FLINK_SESSION_OPTIONS, isKnownProperty } from './catalog.js';
import type { KafkaSecurityModel, KeyValue, Model, SecretBinding, TableModel } from './model.js';
import * as names from './names.js';
import type { ResolvedTable, TablesPass } from './tables.js';
import { binding } from './debezium.js';
import { secretEnv, type SecretNames } from './secrets.js';
import type { ValidConfig } from '../validate/index.js';

/** Flink decisions: table names, connector options of every source and sink, session settings. */

const str = (v: string | number | boolean) => String(v);

/** Flink session keys the pipeline depends on; set through typed options or not at all. */
const MANAGED_FLINK_SETTINGS: Readonly<Record<string, string>> = {
  'pipeline.name': 'it names each job after its table',
  'execution.runtime-mode': 'CDC jobs run in streaming mode',
  'table.dml-sync': 'with true, sql-client would wait on the first (endless) INSERT and never submit the others',
  'execution.checkpointing.interval': 'set flink.checkpointInterval',
  'execution.checkpointing.dir': 'set flink.checkpointDir',
  'execution.checkpointing.savepoint-dir': 'set flink.savepointDir',
  'execution.checkpointing.mode': 'the upsert sinks rely on EXACTLY_ONCE checkpoints to flush consistently',
};

/**
 * Flink source tables: kafka_<table> where that is unambiguous, else kafka_<analytics name> (unique, as
 * the resolver checks); a numeric suffix settles the last, contrived clashes so names are always unique.
 */
export function flinkSourceNames(tables: readonly ResolvedTable[]): Map<ResolvedTable, string> {
  const shortName = (t: ResolvedTable) => names.snakeCase(t.name);
  const shortCount = new Map<string, number>();
  for (const t of tables) shortCount.set(shortName(t), (shortCount.get(shortName(t)) ?? 0) + 1);
  const result = new Map<ResolvedTable, string>();
  const used = new Set<string>();
  for (const t of tables) {
    const base = `kafka_${shortCount.get(shortName(t)) === 1 ? shortName(t) : t.analytics.name}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    result.set(t, name);
  }
  return result;
}

/**
 * Kafka client properties of every Flink source (`'properties.<key>'`). Credentials must be Secret
 * references; they become `${KAFKA_<KEY>}` placeholders the SQL runner substitutes, like the sink's.
 */
export function kafkaClientProperties(
  p: PipelineOptions,
  secretNames: SecretNames,
  security: KafkaSecurityModel | undefined,
  out: Diagnostic[],
): { options: KeyValue[]; env: SecretBinding[] } {
  // kafka.security's settings first, then the user's own (which must not set them again).
  const options: KeyValue[] = (security?.flink.settings ?? []).map(([k, v]): KeyValue => [`properties.${k}`, v]);
  const env: SecretBinding[] = [...(security?.flink.env ?? [])];
  const managed = new Set((security?.flink.settings ?? []).map(([k]) => k));
  for (const [key, value] of Object.entries(p.kafka?.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const subject: Subject = { kind: 'pipeline', path: ['kafka', 'properties', key] };
    if (managed.has(key)) {
      out.push(
        error(
          'KAFKA.SECURITY_CONFLICT',
          `Kafka property '${key}' is set by kafka.security`,
          subject,
          'remove it from kafka.properties (kafka.security sets it for Connect and Flink alike), or remove kafka.security to configure the Flink sources yourself',
        ),
      );
    } else if (key === 'bootstrap.servers' || key === 'group.id') {
      out.push(
        error(
          'FLINK.MANAGED_SETTING',
          `Kafka property '${key}' is set by the compiler`,
          subject,
          key === 'group.id' ? 'set flink.consumerGroup' : 'set kafka.bootstrapServers',
        ),
      );
    } else if (entityKind(value) === 'secret') {
      const ref = value as SecretRef;
      const bound = binding(secretEnv(secretNames, ref), ref, 'env');
      env.push(bound);
      options.push([`properties.${key}`, bound.placeholder]);
    } else {
      options.push([`properties.${key}`, str(value as string | number | boolean)]);
    }
  }
  return { options, env };
}

export interface SinkConnection {
  /** Kafka client properties shared by every source table. */
  readonly kafkaProperties: readonly KeyValue[];
  readonly jdbcUrl: string;
  readonly user: string | SecretBinding;
  readonly password: SecretBinding;
}

/** A table's Flink source (Kafka, debezium-json) and sink (JDBC upsert) with their options in emission order. */
export function flinkTable(
  t: ResolvedTable,
  topic: string,
  sourceTable: string,
  p: PipelineOptions,
  connection: SinkConnection,
): TableModel['flink'] {
  const flink = p.flink ?? {};
  const sink = flink.sink ?? {};
  const sourceOptions: KeyValue[] = [
    ['connector', 'kafka'],
    ['topic', topic],
    // Filled in by the deployment pass when the config leaves it out; without a deployment a missing one
    // is CONFIG.MISSING already, and every pass still runs (so `kafka` itself may be absent here).
    ['properties.bootstrap.servers', p.kafka?.bootstrapServers ?? ''],
    ['properties.group.id', flink.consumerGroup ?? `${p.name}-flink`],
    ...connection.kafkaProperties,
    // group-offsets without committed offsets fails the first start.
    ['scan.startup.mode', 'earliest-offset'],
    ['format', 'debezium-json'],
    ['debezium-json.schema-include', 'false'],
    // timestamptz arrives as ISO-8601 text; harmless for the other types, which arrive as numbers.
    ['debezium-json.timestamp-format.standard', 'ISO-8601'],
  ];
  const sinkOptions: KeyValue[] = [
    ['connector', 'jdbc'],
    ['url', connection.jdbcUrl],
    ['table-name', t.analytics.qualifiedName],
    ['username', typeof connection.user === 'string' ? connection.user : connection.user.placeholder],
    ['password', connection.password.placeholder],
    ['sink.buffer-flush.max-rows', str(sink.bufferFlushMaxRows ?? 1)],
    ['sink.buffer-flush.interval', sink.bufferFlushInterval ?? '1s'],
    ['sink.max-retries', str(sink.maxRetries ?? 3)],
  ];
  return {
    sourceTable,
    sinkTable: `sink_${t.analytics.name}`,
    jobName: `${p.name}-${t.analytics.name}`,
    sourceOptions,
    sinkOptions,
  };
}

/**
 * Session settings (`SET …;`): the pipeline's invariants, then the user's own settings. A setting given as
 * secret() (`security.ssl.keystore-password`, `s3.secret-key`) becomes a `${FLINK_…}` placeholder the SQL
 * runner fills in, bound in `env`.
 */
export function flinkSettings(
  flink: FlinkOptions,
  usesUtcSession: boolean,
  secretNames: SecretNames,
  env: SecretBinding[],
  out: Diagnostic[],
): KeyValue[] {
  const settings: [string, string][] = [
    ['execution.runtime-mode', 'streaming'],
    // Every CAST from TIMESTAMP_LTZ renders in this zone; UTC gives back the source's wall clock.
    ['table.local-time-zone', 'UTC'],
    ['execution.checkpointing.interval', flink.checkpointInterval ?? '30s'],
    ['execution.checkpointing.mode', 'EXACTLY_ONCE'],
    ['execution.checkpointing.externalized-checkpoint-retention', 'RETAIN_ON_CANCELLATION'],
    ['execution.checkpointing.storage', 'filesystem'],
    ['execution.checkpointing.dir', flink.checkpointDir ?? 'file:///opt/flink/checkpoints'],
    ['execution.checkpointing.savepoint-dir', flink.savepointDir ?? 'file:///opt/flink/savepoints'],
    // fixed-delay defaults to one attempt after one second: always set both.
    ['restart-strategy.type', 'fixed-delay'],
    ['restart-strategy.fixed-delay.attempts', '10'],
    ['restart-strategy.fixed-delay.delay', '10 s'],
  ];
  for (const [key, value] of Object.entries(flink.settings ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const subject: Subject = { kind: 'pipeline', path: ['flink', 'settings', key] };
    const managedBy = MANAGED_FLINK_SETTINGS[key];
    const utcNeeded = key === 'table.local-time-zone' && String(value) !== 'UTC' && usesUtcSession;
    if (managedBy || utcNeeded) {
      out.push(
        error(
          'FLINK.MANAGED_SETTING',
          utcNeeded
            ? "'table.local-time-zone' must stay 'UTC': timestamp conversions of this pipeline depend on it"
            : `'${key}' is set by the compiler: ${managedBy}`,
          subject,
        ),
      );
      continue;
    }
    if (!isKnownProperty(FLINK_SESSION_OPTIONS, key)) {
      out.push(
        warning(
          'FLINK.UNKNOWN_SETTING',
          `'${key}' is not a Flink session option cdc-compile knows; it is passed through`,
          subject,
          names.didYouMean(key, FLINK_SESSION_OPTIONS),
        ),
      );
    }
    let text: string;
    if (entityKind(value) === 'secret') {
      const ref = value as SecretRef;
      const bound = binding(secretEnv(secretNames, ref), ref, 'env');
      env.push(bound);
      text = bound.placeholder;
    } else text = str(value as string | number | boolean);
    const existing = settings.findIndex(([k]) => k === key);
    if (existing >= 0) settings[existing] = [key, text];
    else settings.push([key, text]);
  }
  return settings;
}

/** The analytics database as the Flink sinks reach it. */
export type AnalyticsConnection = Omit<Model['analytics'], 'dropViews' | 'files' | 'migrationsTable'>;

/**
 * The Flink pass: the analytics connection (JDBC URL, credentials as placeholders), every table's Kafka
 * source and JDBC sink, the session settings, the placeholders pipeline.sql expects, and the jobs it submits.
 */
export function flinkPass(
  config: ValidConfig,
  tables: TablesPass,
  topics: ReadonlyMap<ResolvedTable, string>,
  secretNames: SecretNames,
  security: KafkaSecurityModel | undefined,
  out: Diagnostic[],
): {
  readonly analytics: AnalyticsConnection;
  readonly tables: ReadonlyMap<ResolvedTable, TableModel['flink']>;
  readonly flink: Model['flink'];
} {
  const p = config.pipeline.options;
  const all = tables.all;
  const analyticsSchema = p.analytics.schema ?? 'public';
  const user: string | SecretBinding =
    typeof p.analytics.user === 'string'
      ? p.analytics.user
      : binding(secretEnv(secretNames, p.analytics.user), p.analytics.user, 'env');
  const password = binding(secretEnv(secretNames, p.analytics.password), p.analytics.password, 'env');
  const needsStringtype = all.some((t) => t.columns.some((c) => c.mapping.stringtypeUnspecified));
  const port = p.analytics.port ?? 5432;
  // PgJDBC binds Java strings as varchar unless told otherwise; uuid/jsonb/inet/… columns need it.
  const jdbcParameters = Object.entries(p.analytics.jdbcParameters ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  for (const key of Object.keys(p.analytics.jdbcParameters ?? {})) {
    const subject: Subject = { kind: 'pipeline', path: ['analytics', 'jdbcParameters', key] };
    if (key === 'stringtype' || key === 'user') {
      const what = key === 'user' ? 'analytics.user sets the login' : 'the compiler sets it when a column needs it';
      out.push(error('FLINK.MANAGED_SETTING', `JDBC parameter '${key}' is not yours to set: ${what}`, subject));
    }
  }
  const query = [...(needsStringtype ? ['stringtype=unspecified'] : []), ...jdbcParameters];
  // Percent-encoded: a `?`, `&` or `#` in the database name must not add URL parameters (pgjdbc decodes the path).
  const database = encodeURIComponent(p.analytics.database);
  const jdbcUrl = `jdbc:postgresql://${p.analytics.host}:${port}/${database}${query.length ? `?${query.join('&')}` : ''}`;
  const kafka = kafkaClientProperties(p, secretNames, security, out);
  const connection = { kafkaProperties: kafka.options, jdbcUrl, user, password };
  const sourceNames = flinkSourceNames(all);
  const perTable = new Map<ResolvedTable, TableModel['flink']>();
  for (const t of all) perTable.set(t, flinkTable(t, topics.get(t)!, sourceNames.get(t)!, p, connection));

  const flink = p.flink ?? {};
  const taskManagerUtc = all.some((t) => t.columns.some((c) => c.mapping.utcTaskManager));
  const usesUtcSession = all.some((t) => t.columns.some((c) => c.mapping.utcSession));
  const settingsEnv: SecretBinding[] = [];
  const settings = flinkSettings(flink, usesUtcSession, secretNames, settingsEnv, out);
  const jobs = flink.jobs ?? 'per-table';
  const jobName = `${p.name}-cdc`;
  const sinks = all.map((t) => perTable.get(t)!);
  // Each variable once: one secret and key is one variable, wherever the SQL reads it.
  const env = [...(typeof user === 'string' ? [] : [user]), password, ...kafka.env, ...settingsEnv].filter(
    (b, i, all) => all.findIndex((o) => o.env === b.env) === i,
  );
  return {
    analytics: {
      host: p.analytics.host!,
      port,
      database: p.analytics.database,
      schema: analyticsSchema,
      ...(analyticsSchema === 'public' ? {} : { createSchema: analyticsSchema }),
      jdbcUrl,
      user,
      password,
    },
    tables: perTable,
    flink: {
      settings,
      jobs,
      jobName,
      env,
      // sql-client.sh echoes every statement it runs: these values never reach a log (a user name may).
      logMasked: env.filter((b) => isCredentialKey(b.key) || isCredentialKey(b.env)).map((b) => b.env),
      taskManagerUtc,
      submissions:
        jobs === 'per-table'
          ? sinks.map((f) => ({ name: f.jobName, statementSet: false, tables: [f.sinkTable] }))
          : [{ name: jobName, statementSet: true, tables: sinks.map((f) => f.sinkTable) }],
      file: 'flink/pipeline.sql',
    },
  };
}
