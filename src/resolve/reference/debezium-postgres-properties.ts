/**
 * Every property a Debezium 2.7 PostgreSQL connector configuration may carry: the documented connector
 * properties, those that exist only in the 2.7 configuration classes, the pass-through families
 * (`database.*`, …) and the Kafka Connect framework keys. `_x_` segments are placeholders for one dotted
 * segment; a trailing `*` stands for any non-empty rest.
 *
 * Data, not code: vendored unchanged from the project's research file debezium-postgres-properties.json
 * (sha256 f7bce8bb9e6b…), which was compiled from debezium/debezium tag v2.7.4.Final:
 * documentation/modules/ROOT/pages/connectors/postgresql.adoc ("Connector properties",
 * https://debezium.io/documentation/reference/2.7/connectors/postgresql.html), PostgresConnectorConfig.java,
 * CommonConnectorConfig.java and RelationalDatabaseConnectorConfig.java. The resolver (`../catalog.ts`) and
 * the tests read this one list.
 */

export interface DebeziumPropertyReference {
  readonly name: string;
  readonly default: string | null;
  readonly description: string;
}

export const DEBEZIUM_POSTGRES_PROPERTIES: readonly DebeziumPropertyReference[] = [
  {
    name: 'name',
    default: null,
    description:
      'Connector name; unique inside the Connect cluster; also the key under which offsets are stored, so renaming restarts from scratch.',
  },
  {
    name: 'connector.class',
    default: null,
    description:
      'Java class of the connector; for PostgreSQL always io.debezium.connector.postgresql.PostgresConnector.',
  },
  {
    name: 'tasks.max',
    default: '1',
    description: 'Upper bound on tasks; the PostgreSQL connector only ever runs one task, so the value has no effect.',
  },
  {
    name: 'plugin.name',
    default: 'decoderbufs',
    description:
      'Logical decoding output plug-in on the server. Default is decoderbufs, so set pgoutput explicitly for stock PostgreSQL 10+.',
  },
  {
    name: 'slot.name',
    default: 'debezium',
    description:
      'Name of the logical replication slot the connector creates/uses. One slot per connector; lower-case letters, digits and underscore only.',
  },
  {
    name: 'slot.drop.on.stop',
    default: 'false',
    description:
      'If true the slot is dropped on a graceful stop. Only for dev/test: changes made while the connector is down are then lost unless a new snapshot is taken.',
  },
  {
    name: 'publication.name',
    default: 'dbz_publication',
    description: 'Name of the pgoutput publication that feeds the slot.',
  },
  {
    name: 'database.hostname',
    default: null,
    description: 'Host name or IP of the source PostgreSQL server.',
  },
  {
    name: 'database.port',
    default: '5432',
    description: 'TCP port of the source PostgreSQL server.',
  },
  {
    name: 'database.user',
    default: null,
    description: 'Login role used for both the normal JDBC connection and the replication connection.',
  },
  {
    name: 'database.password',
    default: null,
    description:
      'Password of database.user. Put a config-provider reference here (e.g. ${env:VAR} or ${file:/path:key}) instead of a literal.',
  },
  {
    name: 'database.dbname',
    default: null,
    description: 'Database to capture; one connector captures one database.',
  },
  {
    name: 'topic.prefix',
    default: null,
    description:
      'Namespace for all topics of this connector; data topics are <topic.prefix>.<schema>.<table>. Must not change after first start.',
  },
  {
    name: 'schema.include.list',
    default: null,
    description: 'Comma-separated anchored regexes of schemas to capture; mutually exclusive with schema.exclude.list.',
  },
  {
    name: 'schema.exclude.list',
    default: null,
    description:
      'Comma-separated anchored regexes of schemas not to capture; mutually exclusive with schema.include.list.',
  },
  {
    name: 'table.include.list',
    default: null,
    description:
      'Comma-separated anchored regexes of schema.table identifiers to capture; mutually exclusive with table.exclude.list. Dots are regex wildcards unless escaped.',
  },
  {
    name: 'table.exclude.list',
    default: null,
    description:
      'Comma-separated anchored regexes of schema.table identifiers to skip; mutually exclusive with table.include.list.',
  },
  {
    name: 'column.include.list',
    default: null,
    description:
      'Anchored regexes of schema.table.column names to keep in event values; mutually exclusive with column.exclude.list.',
  },
  {
    name: 'column.exclude.list',
    default: null,
    description:
      'Anchored regexes of schema.table.column names to drop from event values; mutually exclusive with column.include.list.',
  },
  {
    name: 'skip.messages.without.change',
    default: 'false',
    description:
      'Suppress update events in which none of the included columns changed. Needs REPLICA IDENTITY FULL to compare.',
  },
  {
    name: 'time.precision.mode',
    default: 'adaptive',
    description:
      'Encoding of DATE/TIME/TIMESTAMP: adaptive (ms or µs by column precision), adaptive_time_microseconds (TIME always µs), connect (Kafka Connect logical types, always ms). TIMESTAMPTZ/TIMETZ are strings in every mode.',
  },
  {
    name: 'decimal.handling.mode',
    default: 'precise',
    description:
      'Encoding of NUMERIC/DECIMAL/MONEY: precise (Connect Decimal = bytes; base64 in JSON unless the JsonConverter uses decimal.format=NUMERIC), double (float64, lossy) or string (plain decimal text).',
  },
  {
    name: 'hstore.handling.mode',
    default: 'json',
    description: 'hstore as a JSON string (json) or as a Connect MAP (map).',
  },
  {
    name: 'interval.handling.mode',
    default: 'numeric',
    description:
      'INTERVAL as approximate microseconds int64 (numeric) or ISO-8601 duration text such as P1Y2M3DT4H5M6.78S (string).',
  },
  {
    name: 'database.sslmode',
    default: 'prefer',
    description: 'SSL mode for the connection: disable, allow, prefer, require, verify-ca, verify-full.',
  },
  {
    name: 'database.sslcert',
    default: null,
    description: 'Path of the client certificate file.',
  },
  {
    name: 'database.sslkey',
    default: null,
    description: 'Path of the client private key file.',
  },
  {
    name: 'database.sslpassword',
    default: null,
    description: 'Password for the client private key.',
  },
  {
    name: 'database.sslrootcert',
    default: null,
    description: 'Path of the root certificate(s) used to verify the server.',
  },
  {
    name: 'database.tcpKeepAlive',
    default: 'true',
    description: 'Enable TCP keep-alive probes on the database connection.',
  },
  {
    name: 'tombstones.on.delete',
    default: 'true',
    description:
      'Emit a null-value tombstone after each delete event so log compaction can drop the key. Flink debezium-json skips tombstones, so either value is safe for Flink.',
  },
  {
    name: 'column.truncate.to._length_.chars',
    default: null,
    description:
      'Property family: anchored regexes of character columns whose values are cut to <length> characters (length is part of the property name).',
  },
  {
    name: 'column.mask.with._length_.chars',
    default: null,
    description:
      'Property family: anchored regexes of character columns whose values are replaced by <length> asterisks (0 = empty string).',
  },
  {
    name: 'column.mask.hash._hashAlgorithm_.with.salt._salt_',
    default: null,
    description:
      'Property family: anchored regexes of character columns replaced by a salted hash (pseudonym) using a MessageDigest algorithm.',
  },
  {
    name: 'column.mask.hash.v2._hashAlgorithm_.with.salt._salt_',
    default: null,
    description: 'Same as column.mask.hash.* but with the v2 hashing scheme that is stable across JVMs.',
  },
  {
    name: 'column.propagate.source.type',
    default: null,
    description:
      'Anchored regexes of columns whose original type name, length and scale are added as schema parameters (__debezium.source.column.*). Invisible with schemas disabled.',
  },
  {
    name: 'datatype.propagate.source.type',
    default: null,
    description: 'Like column.propagate.source.type but selected by database type name.',
  },
  {
    name: 'message.key.columns',
    default: null,
    description:
      'Custom message keys: <schema.table regex>:<col>,<col>;... Useful for tables without a primary key. Keys on non-PK columns need REPLICA IDENTITY FULL for correct tombstones.',
  },
  {
    name: 'publication.autocreate.mode',
    default: 'all_tables',
    description:
      'How the pgoutput publication is created: all_tables (CREATE PUBLICATION ... FOR ALL TABLES, needs superuser), filtered (FOR TABLE from the include/exclude lists, ALTER ... SET TABLE on restart, needs table ownership), disabled (must pre-exist), no_tables (empty publication, for logical messages only).',
  },
  {
    name: 'replica.identity.autoset.values',
    default: null,
    description:
      'Makes the connector ALTER TABLE ... REPLICA IDENTITY on start, e.g. public.orders:FULL,schema2.*:DEFAULT. Needs table ownership; overwrites the existing setting.',
  },
  {
    name: 'binary.handling.mode',
    default: 'bytes',
    description:
      'BYTEA encoding: bytes (Connect BYTES, which the JsonConverter writes as base64 text), base64, base64-url-safe or hex strings.',
  },
  {
    name: 'schema.name.adjustment.mode',
    default: 'none',
    description: 'Rewrite Connect schema names for converter compatibility: none, avro, avro_unicode.',
  },
  {
    name: 'field.name.adjustment.mode',
    default: 'none',
    description: 'Rewrite field names for converter compatibility: none, avro, avro_unicode.',
  },
  {
    name: 'money.fraction.digits',
    default: '2',
    description: 'Scale used for MONEY values when decimal.handling.mode=precise.',
  },
  {
    name: 'message.prefix.include.list',
    default: null,
    description: 'Anchored regexes of logical-decoding message prefixes (pg_logical_emit_message) to capture.',
  },
  {
    name: 'message.prefix.exclude.list',
    default: null,
    description: 'Anchored regexes of logical-decoding message prefixes to ignore.',
  },
  {
    name: 'converters',
    default: null,
    description:
      'Comma-separated symbolic names of custom value converters; each configured through <name>.type and <name>.* properties.',
  },
  {
    name: 'snapshot.mode',
    default: 'initial',
    description:
      'When to snapshot: initial (default, only without stored offsets), always, initial_only, no_data (never is the deprecated alias), when_needed, configuration_based, custom. Snapshot rows arrive with op=r.',
  },
  {
    name: 'snapshot.mode.configuration.based.snapshot.data',
    default: 'false',
    description: 'With snapshot.mode=configuration_based: whether to snapshot table data.',
  },
  {
    name: 'snapshot.mode.configuration.based.snapshot.schema',
    default: 'false',
    description: 'With snapshot.mode=configuration_based: whether to snapshot table schema.',
  },
  {
    name: 'snapshot.mode.configuration.based.start.stream',
    default: 'false',
    description: 'With snapshot.mode=configuration_based: whether to stream changes after the snapshot.',
  },
  {
    name: 'snapshot.mode.configuration.based.snapshot.on.schema.error',
    default: 'false',
    description:
      'With snapshot.mode=configuration_based: snapshot the schema again if the stored schema history is unusable.',
  },
  {
    name: 'snapshot.mode.configuration.based.snapshot.on.data.error',
    default: 'false',
    description:
      'With snapshot.mode=configuration_based: snapshot data again if the stored log position is no longer available.',
  },
  {
    name: 'snapshot.mode.custom.name',
    default: null,
    description: 'Name of the Snapshotter implementation used when snapshot.mode=custom.',
  },
  {
    name: 'snapshot.locking.mode',
    default: 'none',
    description:
      'Table locking during the snapshot: none (default for PostgreSQL, relies on the exported snapshot), shared, custom.',
  },
  {
    name: 'snapshot.locking.mode.custom.name',
    default: null,
    description: 'Name of the locking implementation when snapshot.locking.mode=custom.',
  },
  {
    name: 'snapshot.query.mode',
    default: 'select_all',
    description: 'How snapshot rows are read: select_all (default) or custom.',
  },
  {
    name: 'snapshot.query.mode.custom.name',
    default: null,
    description: 'Name of the query implementation when snapshot.query.mode=custom.',
  },
  {
    name: 'snapshot.include.collection.list',
    default: '(all tables selected by table.include.list)',
    description: 'Anchored regexes (schema.table) restricting which captured tables are snapshotted.',
  },
  {
    name: 'snapshot.lock.timeout.ms',
    default: '10000',
    description: 'How long to wait for table locks during the snapshot before failing.',
  },
  {
    name: 'snapshot.select.statement.overrides',
    default: null,
    description:
      'Comma list of tables whose snapshot SELECT is overridden; each needs snapshot.select.statement.overrides.<schema>.<table> holding the query.',
  },
  {
    name: 'event.processing.failure.handling.mode',
    default: 'fail',
    description: 'Reaction to a failure while processing an event: fail, warn (log and skip) or skip.',
  },
  {
    name: 'max.batch.size',
    default: '2048',
    description: 'Maximum events per batch handed from the internal queue to Kafka Connect.',
  },
  {
    name: 'max.queue.size',
    default: '8192',
    description:
      'Capacity (events) of the internal queue between the WAL reader and Connect; must exceed max.batch.size.',
  },
  {
    name: 'max.queue.size.in.bytes',
    default: '0',
    description: 'Optional byte bound of the internal queue; 0 disables it.',
  },
  {
    name: 'poll.interval.ms',
    default: '500',
    description: 'Wait time when the queue is empty before polling again.',
  },
  {
    name: 'include.unknown.datatypes',
    default: 'false',
    description:
      'If true, columns of unknown types are emitted as raw bytes/strings instead of being dropped (needed for custom converters).',
  },
  {
    name: 'database.initial.statements',
    default: null,
    description:
      'Semicolon-separated SQL run on each new JDBC (non-replication) connection; ";;" escapes a literal semicolon.',
  },
  {
    name: 'status.update.interval.ms',
    default: '10000',
    description: 'How often the replication connection reports its position (flushed LSN) to the server.',
  },
  {
    name: 'heartbeat.interval.ms',
    default: '0',
    description:
      'Interval of heartbeat records (0 = off). With low traffic on captured tables it lets the connector confirm the LSN so the server can recycle WAL.',
  },
  {
    name: 'heartbeat.action.query',
    default: null,
    description:
      'SQL executed on the source at every heartbeat (e.g. an UPSERT into a heartbeat table) to create WAL activity in a quiet database. The table must be in the publication.',
  },
  {
    name: 'schema.refresh.mode',
    default: 'columns_diff',
    description:
      'When the in-memory table schema is refreshed: columns_diff (default, safe) or columns_diff_exclude_unchanged_toast.',
  },
  {
    name: 'snapshot.delay.ms',
    default: '0',
    description: 'Delay before the snapshot starts after the connector starts.',
  },
  {
    name: 'streaming.delay.ms',
    default: '0',
    description: 'Delay before streaming starts after the snapshot completes.',
  },
  {
    name: 'snapshot.fetch.size',
    default: '10240',
    description: 'JDBC fetch size (rows per round trip) used while snapshotting a table.',
  },
  {
    name: 'slot.stream.params',
    default: null,
    description:
      'Semicolon-separated parameters passed to the decoding plug-in when the stream starts (mostly for wal2json/decoderbufs).',
  },
  {
    name: 'slot.max.retries',
    default: '6',
    description: 'Attempts to connect to the replication slot before failing.',
  },
  {
    name: 'unavailable.value.placeholder',
    default: '__debezium_unavailable_value',
    description:
      'Value emitted for unchanged TOASTed columns that the server did not send (REPLICA IDENTITY not FULL).',
  },
  {
    name: 'provide.transaction.metadata',
    default: 'false',
    description:
      'Emit BEGIN/END transaction records to <topic.prefix>.transaction and add a transaction block to each event.',
  },
  {
    name: 'flush.lsn.source',
    default: 'true',
    description:
      'Whether the connector confirms processed LSNs to the slot. false means WAL is never released by the connector (someone else must advance the slot).',
  },
  {
    name: 'skipped.operations',
    default: 't',
    description: 'Operation types not emitted: c, u, d, t (truncate) or none. Default skips truncate.',
  },
  {
    name: 'signal.data.collection',
    default: null,
    description: 'schema.table of the signalling table used for ad hoc/incremental snapshots via the source channel.',
  },
  {
    name: 'signal.enabled.channels',
    default: 'source',
    description: 'Enabled signal channels: source, kafka, file, jmx (comma-separated).',
  },
  {
    name: 'notification.enabled.channels',
    default: null,
    description: 'Enabled notification channels: sink, log, jmx.',
  },
  {
    name: 'incremental.snapshot.chunk.size',
    default: '1024',
    description: 'Rows read per chunk during incremental snapshots.',
  },
  {
    name: 'incremental.snapshot.watermarking.strategy',
    default: 'insert_insert',
    description: 'Watermarks used by incremental snapshots: insert_insert or insert_delete.',
  },
  {
    name: 'read.only',
    default: 'false',
    description: 'Use read-only incremental snapshots (no writes to a signalling table).',
  },
  {
    name: 'xmin.fetch.interval.ms',
    default: '0',
    description: 'How often the slot xmin is read (0 = never). Only for plug-ins that need it.',
  },
  {
    name: 'topic.naming.strategy',
    default: 'io.debezium.schema.SchemaTopicNamingStrategy',
    description: 'Class that derives topic names (default <prefix>.<schema>.<table>).',
  },
  {
    name: 'topic.delimiter',
    default: '.',
    description: 'Separator between topic name parts.',
  },
  {
    name: 'topic.cache.size',
    default: '10000',
    description: 'Size of the bounded cache of computed topic names.',
  },
  {
    name: 'topic.heartbeat.prefix',
    default: '__debezium-heartbeat',
    description: 'Prefix of the heartbeat topic; the full name is <prefix>.<topic.prefix>.',
  },
  {
    name: 'topic.transaction',
    default: 'transaction',
    description: 'Suffix of the transaction metadata topic (<topic.prefix>.<value>).',
  },
  {
    name: 'snapshot.max.threads',
    default: '1',
    description: 'Threads used to snapshot tables in parallel during the initial snapshot.',
  },
  {
    name: 'custom.metric.tags',
    default: null,
    description: 'Extra key=value tags added to the connector MBean names.',
  },
  {
    name: 'errors.max.retries',
    default: '-1',
    description: 'Retries after a retriable error before failing: -1 unlimited, 0 none, n>0 bounded.',
  },
  {
    name: 'database.query.timeout.ms',
    default: '600000',
    description: 'Timeout for queries issued by the connector (0 = no limit).',
  },
  {
    name: 'slot.retry.delay.ms',
    default: '10000',
    description: 'Pause between attempts to connect to the replication slot.',
  },
  {
    name: 'database.sslfactory',
    default: null,
    description: 'SSL socket factory class handed to the PostgreSQL JDBC driver (driver default when unset).',
  },
  {
    name: 'table.ignore.builtin',
    default: 'true',
    description: 'Ignore system tables/schemas.',
  },
  {
    name: 'include.schema.comments',
    default: 'false',
    description: 'Add table/column comments to the Connect schema (no effect on plain JSON payloads).',
  },
  {
    name: 'retriable.restart.connector.wait.ms',
    default: '10000',
    description: 'Delay before the task restarts after a retriable error.',
  },
  {
    name: 'query.fetch.size',
    default: '0',
    description: 'JDBC fetch size for queries other than the snapshot (0 = driver default).',
  },
  {
    name: 'post.processors',
    default: null,
    description: 'Comma-separated names of post processors applied to events before they leave the connector.',
  },
  {
    name: 'incremental.snapshot.allow.schema.changes',
    default: 'false',
    description: 'Tolerate schema changes while an incremental snapshot runs.',
  },
  {
    name: 'signal.poll.interval.ms',
    default: '5000',
    description: 'Polling interval of non-source signal channels.',
  },
  {
    name: 'snapshot.tables.order.by.row.count',
    default: 'disabled',
    description: 'Snapshot tables in ascending/descending row-count order or in configured order (disabled).',
  },
  {
    name: 'event.converting.failure.handling.mode',
    default: 'warn',
    description: 'Reaction when a column value cannot be converted to its schema type: fail, warn or skip.',
  },
  {
    name: 'transaction.metadata.factory',
    default: 'io.debezium.pipeline.txmetadata.DefaultTransactionMetadataFactory',
    description: 'Class that builds transaction metadata.',
  },
  {
    name: 'sourceinfo.struct.maker',
    default: 'io.debezium.connector.postgresql.PostgresSourceInfoStructMaker',
    description: 'Class that builds the source block of events.',
  },
  {
    name: 'database.*',
    default: null,
    description:
      'Pass-through: other database.* keys are handed to the PostgreSQL JDBC driver (e.g. database.options).',
  },
  {
    name: 'signal.kafka.*',
    default: null,
    description:
      'Pass-through settings for the Kafka signal channel (signal.kafka.topic, signal.kafka.bootstrap.servers, ...).',
  },
  {
    name: 'signal.consumer.*',
    default: null,
    description: 'Pass-through settings for the Kafka consumer of the signal channel.',
  },
  {
    name: 'notification.sink.topic.name',
    default: null,
    description: 'Topic for notifications when the sink channel is enabled.',
  },
  {
    name: 'key.converter',
    default: '(worker setting)',
    description:
      'Connect framework: per-connector override of the key converter, e.g. org.apache.kafka.connect.json.JsonConverter.',
  },
  {
    name: 'value.converter',
    default: '(worker setting)',
    description: 'Connect framework: per-connector override of the value converter.',
  },
  {
    name: 'key.converter.schemas.enable',
    default: 'true',
    description: 'JsonConverter option for keys: false writes the bare key object without the schema/payload envelope.',
  },
  {
    name: 'value.converter.schemas.enable',
    default: 'true',
    description:
      'JsonConverter option for values: false gives the plain Debezium envelope that Flink debezium-json reads with schema-include=false.',
  },
  {
    name: 'value.converter.decimal.format',
    default: 'BASE64',
    description:
      'JsonConverter (Kafka >= 2.4): BASE64 or NUMERIC. NUMERIC writes Connect Decimal values (precise mode) as JSON numbers that Flink can read as DECIMAL.',
  },
  {
    name: 'value.converter.replace.null.with.default',
    default: 'true',
    description:
      'JsonConverter (Kafka >= 3.5): when true a NULL column whose schema has a default is written as the default. Set false to keep SQL NULLs.',
  },
  {
    name: 'transforms',
    default: null,
    description:
      'Connect framework: comma-separated SMT aliases; must stay empty (no ExtractNewRecordState) if Flink reads debezium-json.',
  },
  {
    name: 'errors.tolerance',
    default: 'none',
    description: 'Connect framework: none fails the task on conversion/transform errors; all skips bad records.',
  },
  {
    name: 'errors.log.enable',
    default: 'false',
    description: 'Connect framework: log records that failed conversion/transformation.',
  },
  {
    name: 'topic.creation.default.replication.factor',
    default: null,
    description:
      'Connect framework (worker topic.creation.enable=true): replication factor for topics created for this connector; -1 = broker default.',
  },
  {
    name: 'topic.creation.default.partitions',
    default: null,
    description:
      'Connect framework: partition count for created topics; -1 = broker default. Keep 1 partition per table or key-hash by PK to preserve per-row order.',
  },
  {
    name: 'topic.creation.default.cleanup.policy',
    default: null,
    description: 'Connect framework: cleanup.policy for created topics (e.g. compact when tombstones are kept).',
  },
];
