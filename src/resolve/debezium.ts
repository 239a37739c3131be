import { entityKind } from '../dsl/entity.js';
import type { SecretRef, Source } from '../dsl/source.js';
import { duplicates, error, type Diagnostic, type Subject } from '../diagnostics.js';
import { DEBEZIUM_PROPERTIES, isKnownProperty, SHAPE_CHANGING_PROPERTIES } from './catalog.js';
import type { KeyValue, SecretBinding, SourceModel, TableModel } from './model.js';
import { flavorFacts } from './flavors.js';
import * as names from './names.js';
import { quoteIdent } from '../sql/dialect.js';
import type { ResolvedTable, TablesPass } from './tables.js';
import type { ConnectorModes } from './type-matrix.js';
import { secretEnv, type SecretNames } from './secrets.js';

/** Debezium decisions: connector modes, derived names, and the connector configuration. */

const DEFAULT_MODES: ConnectorModes = {
  decimalHandling: 'string',
  decimalFormat: 'BASE64',
  timePrecision: 'adaptive',
  intervalHandling: 'numeric',
  binaryHandling: 'bytes',
};

/** The connector modes that decide the type matrix cells of a source's columns. */
export function connectorModes(source: Source): ConnectorModes {
  const c = source.options.connector ?? {};
  return {
    decimalHandling: c.decimalHandling ?? DEFAULT_MODES.decimalHandling,
    decimalFormat: c.decimalFormat ?? DEFAULT_MODES.decimalFormat,
    timePrecision: c.timePrecision ?? DEFAULT_MODES.timePrecision,
    intervalHandling: c.intervalHandling ?? DEFAULT_MODES.intervalHandling,
    binaryHandling: c.binaryHandling ?? DEFAULT_MODES.binaryHandling,
  };
}

/** Names derived from a source, overridable in its connector options. */
export function sourceNaming(source: Source) {
  const c = source.options.connector ?? {};
  const connectorName = c.name ?? names.connectorName(source.name);
  return {
    connectorName,
    topicPrefix: c.topicPrefix ?? connectorName,
    slotName: c.slotName ?? names.slotName(source.name),
    publicationName: c.publicationName ?? names.publicationName(source.name),
    user: source.options.user ?? names.replicationUser(source.name),
  };
}

/**
 * A Secret value as an environment variable of its consumer: the Connect worker (resolved by the config
 * provider, `${env:VAR}`) or the Flink SQL runner (substituted into pipeline.sql before submission, `${VAR}`).
 * Names the compiler chooses come from the secrets pass (collision-free); this takes a name directly only
 * where the consumer fixes it (an image's POSTGRES_PASSWORD).
 */
export const binding = (env: string, ref: SecretRef, consumer: 'connect' | 'env'): SecretBinding => ({
  env,
  secret: ref.name,
  key: ref.key,
  placeholder: consumer === 'connect' ? `\${${SECRET_PROVIDER.name}:${env}}` : `\${${env}}`,
});
const str = (v: string | number | boolean) => String(v);

/** Connector keys the compiler sets from typed options or holds fixed because the type matrix relies on them. */
const MANAGED_CONNECTOR_KEYS: Readonly<Record<string, string>> = {
  name: 'connector.name',
  'connector.class': 'the compiler (PostgreSQL connector)',
  'plugin.name': 'the compiler (pgoutput)',
  'database.hostname': 'host',
  'database.port': 'port',
  'database.user': 'user',
  'database.password': 'password (a Secret reference)',
  'database.dbname': 'database',
  'topic.prefix': 'connector.topicPrefix',
  'table.include.list': 'the tables declared with source.table(…)',
  'column.include.list': 'the columns declared in each table (and analytics.columns)',
  'column.exclude.list': 'the columns declared in each table (and analytics.columns)',
  'slot.name': 'connector.slotName',
  'publication.name': 'connector.publicationName',
  'snapshot.mode': 'connector.snapshotMode',
  'decimal.handling.mode': 'connector.decimalHandling',
  'time.precision.mode': 'connector.timePrecision',
  'interval.handling.mode': 'connector.intervalHandling',
  'binary.handling.mode': 'connector.binaryHandling',
  'heartbeat.interval.ms': 'connector.heartbeatIntervalMs',
  'key.converter': 'the compiler (JSON without schemas, which Flink debezium-json reads)',
  'key.converter.schemas.enable': 'the compiler (JSON without schemas)',
  'value.converter': 'the compiler (JSON without schemas)',
  'value.converter.schemas.enable': 'the compiler (JSON without schemas)',
  'value.converter.decimal.format': 'connector.decimalFormat',
  transforms: 'the compiler: SMTs would change the event shape the type matrix assumes',
};

/** Kafka Connect resolves `${env:NAME}` in connector configs through this provider (Kafka >= 3.5). */
export const SECRET_PROVIDER = {
  name: 'env',
  className: 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
  // The Debezium image turns CONNECT_* variables into worker properties (config.providers.env.class).
  imageEnv: { providers: 'CONNECT_CONFIG_PROVIDERS', providerClass: 'CONNECT_CONFIG_PROVIDERS_ENV_CLASS' },
} as const;

/** What the Debezium pass decides per source; the tables' full Models are attached when the Model is assembled. */
export type SourceDecisions = Omit<SourceModel, 'tables'>;

/** A source's Model: names, the tables it captures, and its connector configuration in emission order. */
export function resolveSource(
  source: Source,
  tables: readonly Pick<TableModel, 'schema' | 'name' | 'columns'>[],
  slotsOnServer: number,
  secretNames: SecretNames,
  out: Diagnostic[],
  /** `topic.creation.default.*` from kafka.topics / the deployment (resolve/deployment.ts). */
  topicCreation: readonly KeyValue[] = [],
): SourceDecisions {
  const o = source.options;
  const c = o.connector ?? {};
  const subject = (path: (string | number)[]): Subject => ({ kind: 'source', source: source.name, path });
  const modes = connectorModes(source);
  const model = {
    name: source.name,
    ...sourceNaming(source),
    // Filled in by the deployment pass (resolve/deployment.ts) when the config leaves it out.
    host: o.host!,
    port: o.port ?? 5432,
    database: o.database,
    password: binding(secretEnv(secretNames, o.password), o.password, 'connect'),
    modes,
    slotsOnServer,
    schemas: [...new Set(tables.map((t) => t.schema))].sort(),
  };
  // Beside the captured tables (schemas are sorted; a source has at least one table).
  const signal = { schema: model.schemas[0] ?? 'public', table: names.signalTableName(source.name) };
  const config: [string, string][] = [
    ['name', model.connectorName],
    ['connector.class', 'io.debezium.connector.postgresql.PostgresConnector'],
    ['tasks.max', '1'],
    // The default, decoderbufs, is not in stock PostgreSQL.
    ['plugin.name', 'pgoutput'],
    ['database.hostname', model.host],
    ['database.port', str(model.port)],
    ['database.user', model.user],
    // Resolved by the worker's EnvVarConfigProvider; the REST API keeps showing the placeholder.
    ['database.password', model.password.placeholder],
    ['database.dbname', model.database],
    ['topic.prefix', model.topicPrefix],
    // Anchored regexes: escape the dot.
    ['table.include.list', tables.map((t) => `${t.schema}\\.${t.name}`).join(',')],
    // Exactly the declared columns travel through Kafka: nothing the config leaves out (PII, blobs) is copied.
    [
      'column.include.list',
      [
        ...tables.flatMap((t) => t.columns.map((c) => `${t.schema}\\.${t.name}\\.${c.name}`)),
        // The signal table's three columns: a signal is read from them.
        `${signal.schema}\\.${signal.table}\\..*`,
      ].join(','),
    ],
    ['slot.name', model.slotName],
    ['publication.name', model.publicationName],
    // The generated setup SQL creates the publication for exactly these tables.
    ['publication.autocreate.mode', 'disabled'],
    // Incremental snapshots on request (a table added to a running pipeline): Debezium adds it to its filters.
    ['signal.data.collection', `${signal.schema}.${signal.table}`],
    ['slot.drop.on.stop', 'false'],
    ['snapshot.mode', c.snapshotMode ?? 'initial'],
    ['decimal.handling.mode', modes.decimalHandling],
    ['time.precision.mode', modes.timePrecision],
    ['interval.handling.mode', modes.intervalHandling],
    ['binary.handling.mode', modes.binaryHandling],
    // Flink skips tombstones; they only serve log compaction.
    ['tombstones.on.delete', 'false'],
    // A truncate event (op t) would fail Flink's debezium-json.
    ['skipped.operations', 't'],
    ['heartbeat.interval.ms', str(c.heartbeatIntervalMs ?? 10000)],
    ...topicCreation.map(([k, v]): [string, string] => [k, v]),
    ['key.converter', 'org.apache.kafka.connect.json.JsonConverter'],
    ['key.converter.schemas.enable', 'false'],
    ['value.converter', 'org.apache.kafka.connect.json.JsonConverter'],
    ['value.converter.schemas.enable', 'false'],
    // Otherwise an explicit NULL in a column with a DEFAULT arrives as the default (KIP-581).
    ['value.converter.replace.null.with.default', 'false'],
  ];
  if (modes.decimalHandling === 'precise') config.push(['value.converter.decimal.format', modes.decimalFormat]);
  const extra = Object.entries(c.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const secrets: SecretBinding[] = [model.password];
  for (const [key, value] of extra) {
    const path = ['connector', 'properties', key];
    const managedBy = MANAGED_CONNECTOR_KEYS[key] ?? (config.some(([k]) => k === key) ? 'the compiler' : undefined);
    const isSecret = entityKind(value) === 'secret';
    if (managedBy) {
      out.push(
        error(
          'CONNECTOR.MANAGED_PROPERTY',
          `connector property '${key}' is set by the compiler`,
          subject(path),
          `set it through ${managedBy}`,
        ),
      );
    } else if (SHAPE_CHANGING_PROPERTIES[key]) {
      out.push(
        error(
          'CONNECTOR.SHAPE_CHANGING_PROPERTY',
          `connector property '${key}' would change the events the pipeline reads: ${SHAPE_CHANGING_PROPERTIES[key]}`,
          subject(path),
          'remove it; cdc-compile keeps the connector, the topics and the Flink tables consistent',
        ),
      );
    } else if (!isKnownProperty(DEBEZIUM_PROPERTIES, key)) {
      out.push(
        error(
          'CONNECTOR.UNKNOWN_PROPERTY',
          `'${key}' is not a Debezium 2.7 PostgreSQL connector property`,
          subject(path),
          names.didYouMean(key, DEBEZIUM_PROPERTIES),
        ),
      );
    } else if (isSecret) {
      const ref = value as unknown as SecretRef;
      const bound = binding(secretEnv(secretNames, ref), ref, 'connect');
      // One secret and key is one variable: a second property that reads it needs no second binding.
      if (!secrets.some((b) => b.env === bound.env)) secrets.push(bound);
      config.push([key, bound.placeholder]);
    } else {
      config.push([key, str(value as string | number | boolean)]);
    }
  }
  const flavor = o.flavor ?? 'self-managed';
  const watch = names.partitionWatchName(source.name);
  const setup = {
    ...flavorFacts(flavor, slotsOnServer, model.database, model.user),
    // The function lives beside the captured tables (schemas are sorted; a source has at least one table).
    partitionWatch: { schema: model.schemas[0] ?? 'public', function: watch, trigger: watch },
  };
  const qualified = tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
  const publication = quoteIdent(model.publicationName);
  const signalSql = `${quoteIdent(signal.schema)}.${quoteIdent(signal.table)}`;
  const tableList = [...qualified, signalSql].join(', ');
  return {
    ...model,
    secrets,
    connectorConfig: config,
    flavor,
    setup,
    replicaIdentity: { mode: 'FULL', relreplident: 'f', tables: qualified },
    signal: { ...signal, sqlName: signalSql },
    // Changes to a partition are published under the partitioned table's name, the one the connector captures.
    publication: {
      create: `CREATE PUBLICATION ${publication} FOR TABLE ${tableList} WITH (publish_via_partition_root = true)`,
      alter: [
        `ALTER PUBLICATION ${publication} SET TABLE ${tableList}`,
        `ALTER PUBLICATION ${publication} SET (publish_via_partition_root = true)`,
      ],
    },
    files: { connector: `debezium/${model.connectorName}.json`, setup: `debezium/${source.name}-setup.sql` },
  };
}

/**
 * The Debezium pass: per source its names, connector configuration and setup SQL facts; per table its
 * topic. Checks that sources do not share a connector, topic prefix or slot, and that each captures a table.
 */
export function debeziumPass(
  sources: readonly Source[],
  tables: TablesPass,
  secretNames: SecretNames,
  out: Diagnostic[],
  /** `topic.creation.default.*` from kafka.topics / the deployment. */
  topicCreation: readonly KeyValue[] = [],
): { readonly sources: readonly SourceDecisions[]; readonly topics: ReadonlyMap<ResolvedTable, string> } {
  const topics = new Map<ResolvedTable, string>();
  for (const source of sources) {
    const prefix = sourceNaming(source).topicPrefix;
    for (const t of tables.perSource.get(source) ?? []) topics.set(t, names.topicName(prefix, t.schema, t.name));
  }
  const server = (s: Source) => `${s.options.host}:${s.options.port ?? 5432}`;
  const decided = sources.map((s) =>
    resolveSource(
      s,
      tables.perSource.get(s) ?? [],
      sources.filter((o) => server(o) === server(s)).length,
      secretNames,
      out,
      topicCreation,
    ),
  );
  // Sources that share a name were reported by the tables pass; their derived names collide too, which says nothing new.
  const firstByName = decided.filter((s, i) => decided.findIndex((o) => o.name === s.name) === i);
  const collide = (code: string, key: (s: SourceDecisions) => string, what: (n: string) => string, path: string) =>
    duplicates(firstByName, key, (s, n) =>
      out.push(error(code, what(n), { kind: 'source', source: s.name, path: ['connector', path] })),
    );
  collide(
    'SOURCE.DUPLICATE_CONNECTOR',
    (s) => s.connectorName,
    (n) => `two sources use connector name '${n}'`,
    'name',
  );
  collide(
    'SOURCE.DUPLICATE_TOPIC_PREFIX',
    (s) => s.topicPrefix,
    (n) => `two sources use topic prefix '${n}': their topics would collide`,
    'topicPrefix',
  );
  collide(
    'SOURCE.DUPLICATE_SLOT',
    (s) => `${s.host}:${s.port}/${s.slotName}`,
    (n) => `two connectors would share replication slot '${n}'`,
    'slotName',
  );
  for (const s of sources) {
    if ((tables.perSource.get(s) ?? []).length === 0)
      out.push(
        error(
          'SOURCE.NO_TABLES',
          `source '${s.name}' captures no table: its publication and connector would capture nothing (an empty include list means every table to Debezium)`,
          { kind: 'source', source: s.name },
          "add tables with source.table(…), or remove the source from the pipeline's sources",
        ),
      );
  }
  return { sources: decided, topics };
}
