import { entityKind } from '../dsl/entity.js';
import type { SecretRef } from '../dsl/source.js';
import { EnvNames } from '../credentials/policy.js';
import { InternalError } from '../diagnostics.js';
import type { ValidConfig } from '../validate/index.js';
import { secret } from '../dsl/source.js';
import type { KafkaSecurityOptions } from '../dsl/pipeline.js';
import * as names from './names.js';

/**
 * The secrets pass: the environment variable that carries each Secret reference to its consumer (the
 * Connect worker, the Flink SQL runner). One secret and key is one variable wherever it is used; two
 * different ones never share a name (a source named `kafka` and the Kafka client property `db.password`
 * both want KAFKA_DB_PASSWORD: the later one in the order below gets `_2`); and no name is one the
 * consumer's image reads itself. Names are chosen in a fixed order — analytics login, then each source
 * (password, then connector properties by key), then Kafka client properties, then Flink settings by key, then
 * `kafka.security`'s logins and truststore password —
 * so adding a reference later in that order never renames an earlier one.
 */
export type SecretNames = ReadonlyMap<string, string>;

const id = (ref: Pick<SecretRef, 'name' | 'key'>) => `${ref.name}\0${ref.key}`;

/** The variable chosen for `ref` by the secrets pass. */
export function secretEnv(secretNames: SecretNames, ref: Pick<SecretRef, 'name' | 'key'>): string {
  const env = secretNames.get(id(ref));
  // Every reference a pass binds is walked by secretsPass below, from the same validated config.
  if (env === undefined) throw new InternalError(`no variable chosen for Secret ${ref.name} (key ${ref.key})`);
  return env;
}

/**
 * Variables the consumers' images read themselves, so a Secret must not arrive under one of these names.
 * The Debezium Connect image renders every `CONNECT_*` variable into connect-distributed.properties on disk
 * and prints it in its startup log (only a fixed list of SASL/SSL names is masked); its other settings and
 * the JVM's come from the plain names below. The Flink image appends `FLINK_PROPERTIES` to its config and
 * Flink's scripts read `FLINK_ENV_JAVA_OPTS*` and the `FLINK_*_DIR` locations. (shared/reference/kubernetes.md)
 */
const CONSUMER_PREFIXES = ['CONNECT_', 'FLINK_ENV_JAVA_OPTS'];
const CONSUMER_VARIABLES = new Set([
  // Debezium Connect image
  'BOOTSTRAP_SERVERS',
  'GROUP_ID',
  'CONFIG_STORAGE_TOPIC',
  'OFFSET_STORAGE_TOPIC',
  'STATUS_STORAGE_TOPIC',
  'KEY_CONVERTER',
  'VALUE_CONVERTER',
  'HEAP_OPTS',
  'REST_PORT',
  'REST_HOST_NAME',
  'ADVERTISED_HOST_NAME',
  'ADVERTISED_PORT',
  'OFFSET_FLUSH_INTERVAL_MS',
  'OFFSET_FLUSH_TIMEOUT_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'LOG_LEVEL',
  'JMXHOST',
  'JMXPORT',
  'KAFKA_OPTS',
  'KAFKA_HEAP_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_DEBUG',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  // Flink image and scripts
  'FLINK_PROPERTIES',
  'FLINK_HOME',
  'FLINK_CONF_DIR',
  'FLINK_BIN_DIR',
  'FLINK_LIB_DIR',
  'FLINK_OPT_DIR',
  'FLINK_PLUGINS_DIR',
  'FLINK_LOG_DIR',
  'FLINK_PID_DIR',
  'FLINK_SSH_OPTS',
  'FLINK_IDENT_STRING',
  'JOB_MANAGER_RPC_ADDRESS',
  'TASK_MANAGER_NUMBER_OF_TASK_SLOTS',
  'ENABLE_BUILT_IN_PLUGINS',
  'DISABLE_JEMALLOC',
  // Any process
  'TZ',
  'PATH',
  'HOME',
  'JAVA_HOME',
  'JAVA_TOOL_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'JVM_ARGS',
  'CLASSPATH',
  'HADOOP_CLASSPATH',
  'HADOOP_CONF_DIR',
]);

/** Whether a consumer reads a variable of this name itself. */
export const consumerReads = (env: string) =>
  CONSUMER_VARIABLES.has(env) || CONSUMER_PREFIXES.some((p) => env.startsWith(p));

/** A name no consumer reads: the preferred one, or it with `CDC_` in front. */
const safeName = (preferred: string) => (consumerReads(preferred) ? `CDC_${preferred}` : preferred);

const sortedEntries = <V>(record: Readonly<Record<string, V>> | undefined) =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The brokers' JAAS file: the default Secret key, and the file name it is mounted as. */
export const BROKER_JAAS_FILE = 'kafka_server_jaas.conf';

/** The Secret references `kafka.security` reads, defaults filled in (the secrets pass binds the logins). */
export function securityLogins(s: KafkaSecurityOptions): { connect: SecretRef; flink: SecretRef; broker: SecretRef } {
  return {
    connect: s.connectLogin ?? secret('kafka-connect-login', 'sasl.jaas.config'),
    flink: s.flinkLogin ?? secret('kafka-flink-login', 'sasl.jaas.config'),
    broker: s.broker?.jaas ?? secret('kafka-broker-jaas', BROKER_JAAS_FILE),
  };
}

/** The truststore password's Secret reference (bound by the secrets pass like any other). */
export const truststorePassword = (s: KafkaSecurityOptions) =>
  secret(s.truststore ?? 'kafka-tls', 'truststore-password');

export function secretsPass(config: ValidConfig): SecretNames {
  const namer = new EnvNames();
  const chosen = new Map<string, string>();
  const bind = (preferred: string, value: unknown) => {
    if (entityKind(value) !== 'secret') return;
    const ref = value as SecretRef;
    chosen.set(id(ref), namer.bind(safeName(preferred), ref).env);
  };
  const p = config.pipeline.options;
  bind('ANALYTICS_DB_USER', p.analytics.user);
  bind('ANALYTICS_DB_PASSWORD', p.analytics.password);
  for (const s of config.sources) {
    bind(names.envName(s.name, 'db_password'), s.options.password);
    for (const [key, value] of sortedEntries(s.options.connector?.properties)) bind(names.envName(s.name, key), value);
  }
  for (const [key, value] of sortedEntries(p.kafka?.properties)) bind(names.envName('kafka', key), value);
  for (const [key, value] of sortedEntries(p.flink?.settings)) bind(names.envName('flink', key), value);
  const security = p.kafka?.security;
  if (security) {
    const logins = securityLogins(security);
    bind('KAFKA_LOGIN_CONNECT', logins.connect);
    bind('KAFKA_LOGIN_FLINK', logins.flink);
    bind('KAFKA_TRUSTSTORE_PASSWORD', truststorePassword(security));
  }
  return chosen;
}
