import type { Chart, Dashboard } from './chart.js';
import type { DeploymentOptions } from './deployment.js';
import { brand, type Branded } from './entity.js';
import type { FlinkJobs, KafkaSaslMechanism } from './enums.js';
import type { SecretRef, Source } from './source.js';
import type { View } from './view.js';

export interface KafkaOptions {
  /**
   * Brokers as Flink and Connect reach them, e.g. `kafka.infra.svc.cluster.local:9092`; derived from
   * `deployment` when the pipeline has one.
   */
  bootstrapServers?: string;
  /**
   * Kafka client properties of the Flink sources, e.g. `{ 'security.protocol': 'SASL_SSL',
   * 'sasl.jaas.config': secret('kafka-client', 'jaas') }`; credentials only as Secret references.
   */
  properties?: Record<string, string | number | boolean | SecretRef>;
  /**
   * How Kafka Connect creates the CDC topics (Debezium's `topic.creation.default.*`). With a deployment the
   * defaults are 1 partition (one connector task) and the broker's replication factor (1 in dev, 3 in prod).
   */
  /**
   * SASL over TLS (`SASL_SSL`) for every Kafka client of the stack — the Connect worker and its producers,
   * consumers and admin client, the Flink sources — and, with a deployment, the deployed brokers. Set once
   * for the whole deployment, never per profile: pipeline.sql and the connector configs are the same for every
   * cluster profile. Every credential is a Secret reference; the dev overlay cannot invent a keystore, so
   * the Secrets this names are created by hand (README: "Kafka over TLS").
   *
   * @example security: { mechanism: 'PLAIN' }
   */
  security?: KafkaSecurityOptions;
  topics?: {
    partitions?: number;
    /** Default -1: the brokers' `default.replication.factor`. */
    replicationFactor?: number;
    /** `delete` (default, with `retentionMs`) or `compact` (keeps the last event per key). */
    cleanupPolicy?: 'delete' | 'compact';
    retentionMs?: number;
  };
}

export interface KafkaSecurityOptions {
  /**
   * `PLAIN` (users in the brokers' JAAS file) or `SCRAM-SHA-512` (users in the cluster's metadata). The
   * stack's own brokers support `PLAIN` only: SCRAM users must be created in the KRaft metadata, which the
   * generated manifests do not manage; use SCRAM with brokers you run yourself.
   */
  mechanism: KafkaSaslMechanism;
  /**
   * Name of the Secret with the CA truststore every client trusts the brokers' certificates by: keys
   * `truststore.p12` (PKCS12) and `truststore-password`. Default `kafka-tls`; it exists in the infra and the
   * analytics namespace (Connect and the brokers, Flink).
   */
  truststore?: string;
  /** Connect's login, the whole `sasl.jaas.config` line. Default `secret('kafka-connect-login', 'sasl.jaas.config')`. */
  connectLogin?: SecretRef;
  /** The Flink sources' login, the whole `sasl.jaas.config` line. Default `secret('kafka-flink-login', 'sasl.jaas.config')`. */
  flinkLogin?: SecretRef;
  /** The deployed brokers' own material (with a deployment). */
  broker?: {
    /**
     * Secret with the brokers' keystore: keys `keystore.p12` (PKCS12, a certificate for every broker name the
     * README lists), `keystore-password` and `key-password`. Default `kafka-broker-tls`.
     */
    keystore?: string;
    /** The brokers' JAAS file (a `KafkaServer` section with every user). Default `secret('kafka-broker-jaas', 'kafka_server_jaas.conf')`. */
    jaas?: SecretRef;
  };
}

export interface ConnectOptions {
  /**
   * Kafka Connect REST URL used by the registration script (overridable by `CONNECT_URL`); derived from
   * `deployment` when the pipeline has one.
   */
  url?: string;
}

export interface FlinkOptions {
  /** Kafka consumer group of every source table; default `<pipeline>-flink`. */
  consumerGroup?: string;
  /** `execution.checkpointing.interval`; default `30s`. */
  checkpointInterval?: string;
  /** `per-table` (default): one INSERT job per table. `single`: one STATEMENT SET job for all tables. */
  jobs?: FlinkJobs;
  /** Shared checkpoint directory every JobManager and TaskManager sees. */
  checkpointDir?: string;
  savepointDir?: string;
  /** JDBC sink buffering; defaults flush every row within 1 s (low latency, as the seed system). */
  sink?: { bufferFlushMaxRows?: number; bufferFlushInterval?: string; maxRetries?: number };
  /**
   * Further session settings (`SET 'key' = 'value';`), checked against the known Flink option list.
   * Credentials (`'s3.secret-key'`, `'security.ssl.keystore-password'`) take secret(…): pipeline.sql then
   * holds a `${FLINK_…}` placeholder its runner fills in from that Secret.
   */
  settings?: Record<string, string | number | boolean | SecretRef>;
}

export interface AnalyticsOptions {
  /** Derived from `deployment` when the pipeline has one. */
  host?: string;
  port?: number;
  database: string;
  /** Login of the Flink JDBC sinks; a Secret reference or a plain role name. */
  user: string | SecretRef;
  password: SecretRef;
  /** Schema of analytics tables and views; default `public`. */
  schema?: string;
  /** Column filled with `now()` when a row first lands; default `synced_at`, `false` for none. */
  syncedAtColumn?: string | false;
  /** Extra JDBC URL parameters of the Flink sinks, e.g. `{ sslmode: 'require' }`. */
  jdbcParameters?: Record<string, string | number | boolean>;
}

export interface SupersetOptions {
  /** Superset's URL as the bootstrap script reaches it; default `http://superset:8088` (`SUPERSET_URL` overrides). */
  url?: string;
  /** Admin login of the bootstrap script: a name (default `admin`) or a Secret reference. */
  user?: string | SecretRef;
  /** Its password; default `secret('superset-admin', 'password')`. */
  password?: SecretRef;
  /** Name of the analytics database connection in Superset; default `<pipeline> analytics`. */
  databaseName?: string;
}

export interface PipelineOptions {
  /** Lower-case name of the pipeline, used in job names and consumer groups. */
  name: string;
  sources: readonly Source[];
  /** Optional when `deployment` is given (the brokers' address is derived). */
  kafka?: KafkaOptions;
  connect?: ConnectOptions;
  flink?: FlinkOptions;
  analytics: AnalyticsOptions;
  views?: readonly View<any>[];
  /** Charts not on any dashboard; charts on dashboards are found there. */
  charts?: readonly Chart<any>[];
  dashboards?: readonly Dashboard[];
  /** Where and how the stack runs; hosts and URLs are derived from it, and generated/kubernetes/ too. */
  deployment?: DeploymentOptions;
  /** How the generated Superset bootstrap reaches Superset (charts and dashboards need it only at deploy time). */
  superset?: SupersetOptions;
}

export interface Pipeline extends Branded<'pipeline'> {
  readonly options: PipelineOptions;
}

/** The root of `pipeline.config.ts`: `export default definePipeline({ … })`. */
export function definePipeline(options: PipelineOptions): Pipeline {
  return brand('pipeline', { options });
}
