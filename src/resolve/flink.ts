import type { FlinkOptions, PipelineOptions } from '../dsl/pipeline.js';
import { error, warning, type Diagnostic, type Subject } from '../diagnostics.js';
import { entityKind } from '../dsl/entity.js';
import type { SecretRef } from '../dsl/source.js';
import { FLINK_SESSION_OPTIONS, isKnownProperty, isSecretProperty } from './catalog.js';
import type { KeyValue, SecretBinding, TableModel } from './model.js';
import * as names from './names.js';
import type { ResolvedTable } from './tables.js';

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
  out: Diagnostic[],
): { options: KeyValue[]; env: SecretBinding[] } {
  const options: KeyValue[] = [];
  const env: SecretBinding[] = [];
  for (const [key, value] of Object.entries(p.kafka?.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const subject: Subject = { kind: 'pipeline', path: ['kafka', 'properties', key] };
    if (key === 'bootstrap.servers' || key === 'group.id') {
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
      const env_ = names.envName('kafka', key);
      const bound: SecretBinding = { env: env_, secret: ref.name, key: ref.key, placeholder: `\${${env_}}` };
      env.push(bound);
      options.push([`properties.${key}`, bound.placeholder]);
    } else if (isSecretProperty(key)) {
      out.push(
        error(
          'CONFIG.PLAINTEXT_SECRET',
          `Kafka property '${key}' holds a credential and must be a Secret reference`,
          subject,
          `'${key}': secret('<secret name>', '<key>')`,
        ),
      );
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
    // Filled in by the deployment pass when the config leaves it out.
    ['properties.bootstrap.servers', p.kafka!.bootstrapServers!],
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

/** Session settings (`SET …;`): the pipeline's invariants, then the user's own settings. */
export function flinkSettings(flink: FlinkOptions, usesUtcSession: boolean, out: Diagnostic[]): KeyValue[] {
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
    const utcNeeded = key === 'table.local-time-zone' && str(value) !== 'UTC' && usesUtcSession;
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
    const existing = settings.findIndex(([k]) => k === key);
    if (existing >= 0) settings[existing] = [key, str(value)];
    else settings.push([key, str(value)]);
  }
  return settings;
}
