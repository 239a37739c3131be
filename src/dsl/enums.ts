/**
 * Every enumeration of the DSL, defined once. The DSL option types, the zod schema (`src/validate`), the
 * type matrix (`src/resolve/type-matrix.ts`) and the tests all derive from these arrays.
 */

/** Debezium `decimal.handling.mode`. */
export const DECIMAL_HANDLING = ['precise', 'double', 'string'] as const;
/** Kafka Connect JsonConverter `decimal.format` (only read under `precise`). */
export const DECIMAL_FORMAT = ['BASE64', 'NUMERIC'] as const;
/** Debezium `time.precision.mode`. */
export const TIME_PRECISION = ['adaptive', 'adaptive_time_microseconds', 'connect'] as const;
/** Debezium `interval.handling.mode`. */
export const INTERVAL_HANDLING = ['numeric', 'string'] as const;
/** Debezium `binary.handling.mode`. */
export const BINARY_HANDLING = ['bytes', 'base64', 'hex'] as const;
/** Debezium `snapshot.mode` values the pipeline supports. */
export const SNAPSHOT_MODES = ['initial', 'initial_only', 'no_data', 'never', 'always', 'when_needed'] as const;

/** The SASL mechanisms of `kafka.security` (the stack's Kafka clients, and its brokers for PLAIN). */
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** The connector modes that decide a column's type-matrix cell, each with every value it may take. */
export const CONNECTOR_MODE_VALUES = {
  decimalHandling: DECIMAL_HANDLING,
  decimalFormat: DECIMAL_FORMAT,
  timePrecision: TIME_PRECISION,
  intervalHandling: INTERVAL_HANDLING,
  binaryHandling: BINARY_HANDLING,
} as const;

/** How a captured table lands: `fact_<table>` or `dim_<table>`. */
export const TABLE_KINDS = ['fact', 'dimension'] as const;

/** PostgreSQL's declarative partitioning strategies (`PARTITION BY RANGE | LIST | HASH`). */
export const PARTITION_STRATEGIES = ['range', 'list', 'hash'] as const;

/** Flink jobs: one INSERT job per table, or one STATEMENT SET job for all tables. */
export const FLINK_JOBS = ['per-table', 'single'] as const;

export type DecimalHandling = (typeof DECIMAL_HANDLING)[number];
export type DecimalFormat = (typeof DECIMAL_FORMAT)[number];
export type TimePrecision = (typeof TIME_PRECISION)[number];
export type IntervalHandling = (typeof INTERVAL_HANDLING)[number];
export type BinaryHandling = (typeof BINARY_HANDLING)[number];
export type SnapshotMode = (typeof SNAPSHOT_MODES)[number];
export type TableKind = (typeof TABLE_KINDS)[number];
export type FlinkJobs = (typeof FLINK_JOBS)[number];
export type PartitionStrategy = (typeof PARTITION_STRATEGIES)[number];
