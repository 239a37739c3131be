/**
 * The resolved Model: plain, immutable data in which every decision has been made (names, topics, type
 * mappings, option lists, dependency order). Emitters only render it.
 */
import type { Aggregate, ChartKind, TimeGrain } from '../dsl/chart.js';
import type { ValueCategory } from '../dsl/columns.js';
import type { PostgresFlavor } from '../dsl/source.js';
import type { FlavorFacts } from './flavors.js';
import type { DeploymentModel } from './deployment.js';
import type { FlinkJobs, KafkaSaslMechanism, PartitionStrategy, TableKind } from '../dsl/enums.js';
import type { DataType } from './data-types.js';
import type { ConnectorModes, Mapping } from './type-matrix.js';

export type { DataType } from './data-types.js';

export type KeyValue = readonly [key: string, value: string];

export interface SecretBinding {
  /** Environment variable the consumer reads (Connect worker, Flink SQL runner). */
  readonly env: string;
  readonly secret: string;
  readonly key: string;
  /** How the consumer's configuration names the value: `${env:VAR}` for Connect, `${VAR}` in pipeline.sql. */
  readonly placeholder: string;
}

/** SASL over TLS for the stack's Kafka clients and brokers (resolve/kafka-security.ts). */
export interface KafkaSecurityModel {
  readonly protocol: 'SASL_SSL';
  readonly mechanism: KafkaSaslMechanism;
  /** The CA truststore every client and broker trusts the brokers' certificates by. */
  readonly truststore: {
    readonly secret: string;
    /** The Secret's key, and the file name where it is mounted. */
    readonly file: string;
    readonly passwordKey: string;
    readonly type: 'PKCS12';
    /** Where the Connect and Flink pods mount it. */
    readonly mountPath: string;
    /** The path the clients' settings name (`mountPath/file`, or a loopback profile's `localTruststore`). */
    readonly location: string;
  };
  /** Connect worker properties, for the worker and its producers, consumers and admin client (`${env:…}` placeholders). */
  readonly connect: { readonly settings: readonly KeyValue[]; readonly env: readonly SecretBinding[] };
  /** Kafka client properties of every Flink source, without the `properties.` prefix (`${…}` placeholders). */
  readonly flink: { readonly settings: readonly KeyValue[]; readonly env: readonly SecretBinding[] };
  /** The deployed brokers' TLS and SASL material (with a deployment); their listeners are `deployment.kafkaBroker`. */
  readonly broker?: {
    /** Read by the image from files under `mountPath` (KAFKA_SSL_KEYSTORE_FILENAME, _CREDENTIALS). */
    readonly keystore: {
      readonly secret: string;
      readonly file: string;
      readonly passwordKey: string;
      readonly keyPasswordKey: string;
      readonly mountPath: string;
    };
    readonly truststorePassword: SecretBinding;
    /** The KafkaServer JAAS file, mounted as `mountPath/file` and named in the JVM options. */
    readonly jaas: { readonly secret: string; readonly key: string; readonly mountPath: string; readonly file: string };
    readonly jvmOptions: string;
    /** Names the brokers' certificate must carry (clients verify host names). */
    readonly dnsNames: readonly string[];
  };
  /** Secrets created by hand before the stack starts (a development overlay cannot invent a keystore). */
  readonly secrets: readonly string[];
}

export interface ColumnModel {
  /** Name in the source table, the Debezium event and the Flink source table. */
  readonly name: string;
  /** Name in the Flink sink table and the analytics table. */
  readonly analyticsName: string;
  /** Source type as PostgreSQL spells it, e.g. `numeric(10, 2)`. */
  readonly sourceType: string;
  /** The source type as data: base type, length/precision/scale, array, value category. */
  readonly sourceDataType: DataType;
  /** The enum type the source column (or its array elements) is declared with. */
  readonly enumType?: string;
  readonly primaryKey: boolean;
  readonly notNull: boolean;
  readonly mapping: Mapping;
  /** The Flink SELECT expression with the column substituted. */
  readonly flinkExpression: string;
  readonly description?: string;
}

export interface AnalyticsColumnModel {
  readonly name: string;
  /** As written in the DDL, e.g. `numeric(10, 2)`. */
  readonly type: string;
  /** `type` as data. */
  readonly dataType: DataType;
  readonly notNull: boolean;
  readonly default?: string;
  /** `source`: written by the Flink sink; `extra` and `synced-at`: filled by PostgreSQL defaults. */
  readonly origin: 'source' | 'extra' | 'synced-at';
  readonly description?: string;
}

export interface TableModel {
  readonly source: string;
  readonly schema: string;
  readonly name: string;
  /** `schema.table` in the source database. */
  readonly qualifiedName: string;
  readonly topic: string;
  /** Key columns under their source names, in key order. */
  readonly primaryKey: readonly string[];
  /** Captured columns, in declaration order. */
  readonly columns: readonly ColumnModel[];
  readonly description?: string;
  /**
   * The source table is partitioned (`partitionBy`): the connector captures it by this name and the
   * publication publishes every partition's changes under it (`publish_via_partition_root`), one topic.
   */
  readonly partitioning?: {
    readonly strategy: PartitionStrategy;
    /** Partition key columns under their source names (each in the primary key). */
    readonly columns: readonly string[];
    /** What follows `PARTITION BY`, e.g. `RANGE ("created_at")`. */
    readonly clause: string;
    /** The partitions a demo database (or a test server) creates with it: every row has one to land in. */
    readonly demoPartitions: readonly { readonly name: string; readonly bound: string }[];
  };
  readonly analytics: {
    readonly name: string;
    /** Name as written in SQL (schema-qualified unless the schema is `public`). */
    readonly qualifiedName: string;
    readonly kind: TableKind;
    /** Key columns under their analytics names, in key order. */
    readonly primaryKey: readonly string[];
    readonly columns: readonly AnalyticsColumnModel[];
  };
  readonly flink: {
    readonly sourceTable: string;
    readonly sinkTable: string;
    readonly jobName: string;
    readonly sourceOptions: readonly KeyValue[];
    readonly sinkOptions: readonly KeyValue[];
  };
}

export interface SourceModel {
  readonly name: string;
  readonly connectorName: string;
  readonly topicPrefix: string;
  readonly slotName: string;
  readonly publicationName: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: SecretBinding;
  /** Every Secret value the connector reads (the password first), as worker environment variables. */
  readonly secrets: readonly SecretBinding[];
  readonly modes: ConnectorModes;
  /** Connectors of this pipeline on the same database server (each needs a replication slot and sender). */
  readonly slotsOnServer: number;
  readonly tables: readonly TableModel[];
  /** Schemas that hold captured tables, sorted. */
  readonly schemas: readonly string[];
  /** The connector configuration in emission order. */
  readonly connectorConfig: readonly KeyValue[];
  /** Where the database runs (`source.flavor`). */
  readonly flavor: PostgresFlavor;
  /** How the setup SQL prepares this flavour, and the event trigger that covers partitions added later. */
  readonly setup: FlavorFacts & {
    readonly partitionWatch: { readonly schema: string; readonly function: string; readonly trigger: string };
  };
  /** The replica identity every captured table and each of its partitions gets, and those tables. */
  readonly replicaIdentity: {
    readonly mode: 'FULL';
    /** `pg_class.relreplident` of that mode. */
    readonly relreplident: 'f';
    /** Captured tables as SQL names (quoted where needed), e.g. `public.orders`. */
    readonly tables: readonly string[];
  };
  /** The publication's statements: `create` when it is missing, else `alter` brings it to the same state. */
  readonly publication: { readonly create: string; readonly alter: readonly string[] };
  /**
   * The connector's signal table (`signal.data.collection`, in the publication): a row in it asks for an
   * incremental snapshot; the connector writes its snapshot window marks there. `sqlName` quoted for SQL.
   */
  readonly signal: { readonly schema: string; readonly table: string; readonly sqlName: string };
  /** Generated files of this source, relative to the output directory. */
  readonly files: { readonly connector: string; readonly setup: string };
}

export interface ViewModel {
  readonly name: string;
  readonly qualifiedName: string;
  /** SQL of the view body with every reference rendered. */
  readonly sql: string;
  /**
   * Declared output columns; `type` as written in the config, `dataType` the same as data; `from`: the
   * columns (`reads` entries) its select-list item reads, or all of `reads` under `columnLineage: 'whole-view'`.
   */
  readonly columns: readonly {
    readonly name: string;
    readonly type: string;
    readonly dataType: DataType;
    readonly from: readonly string[];
  }[];
  /** Views (by name) this one reads; tables are not listed. */
  readonly dependsOn: readonly string[];
  /** Columns its SQL references (`table.column`, analytics names; `view.column` for views), sorted: lineage. */
  readonly reads: readonly string[];
  /**
   * How each column's `from` was found: from the select-list item at its position, or (`*`, WITH, a derived
   * table: the text does not tell) every column the view reads.
   */
  readonly columnLineage: 'select-list' | 'whole-view';
  /** Columns read outside the select list (joins, filters, grouping): each may change which rows there are. */
  readonly rowsFrom: readonly string[];
  readonly description?: string;
  /** Where `sql` came from, so a database's error position can be pointed back into the config. */
  readonly origin: ViewSqlOrigin;
}

/**
 * The view's SQL as rendered before its indentation was removed (`sql` is this text dedented and trimmed:
 * only whitespace differs), and which piece of the config produced each range of it: the `part`-th literal
 * text of the sql`…` template at `path`, or (no `part`) the `${…}` at `path`.
 */
export interface ViewSqlOrigin {
  readonly text: string;
  readonly segments: readonly {
    readonly start: number;
    readonly end: number;
    readonly path: readonly (string | number)[];
    readonly part?: number;
  }[];
}

export interface MetricModel {
  readonly aggregate: Aggregate | 'sql';
  /** The view column it aggregates; none for `count()` and SQL metrics. */
  readonly column?: string;
  /** The metric as SQL over the view, e.g. `SUM(units_sold)`. */
  readonly sql: string;
  /** Unique within the chart; what the chart shows and sorts by. Default: Superset's own `SUM(units_sold)`. */
  readonly label: string;
}

export interface ChartColumnModel {
  readonly name: string;
  readonly category: ValueCategory;
}

export interface ChartModel {
  readonly name: string;
  readonly kind: ChartKind;
  /** The view's name (its dataset in Superset). */
  readonly view: string;
  readonly x?: ChartColumnModel;
  readonly groupBy: readonly ChartColumnModel[];
  readonly metrics: readonly MetricModel[];
  readonly rowLimit?: number;
  /** Sort key: a metric (by label) or a column of the view; absent for a raw table the user did not sort. */
  readonly sort?: { readonly by: 'metric' | 'column'; readonly key: string; readonly ascending: boolean };
  /** Only on a temporal x. */
  readonly timeGrain?: TimeGrain;
  readonly description?: string;
}

export interface DashboardModel {
  readonly title: string;
  readonly slug: string;
  readonly description?: string;
  /** Rows top to bottom; widths in grid columns of 12, heights in grid units of 8 px. */
  readonly rows: readonly {
    readonly height: number;
    readonly charts: readonly { readonly chart: string; readonly width: number }[];
  }[];
}

export interface SupersetDatasetModel {
  readonly view: string;
  readonly schema: string;
  readonly uuid: string;
  /** Path inside the bundle, e.g. `datasets/bookstore_analytics/vw_sales_over_time.yaml`. */
  readonly file: string;
  /** Every column of the view, with Superset's type string; temporal ones are `is_dttm`. */
  readonly columns: readonly { readonly name: string; readonly type: string; readonly temporal: boolean }[];
  readonly mainDttmColumn?: string;
  readonly description?: string;
}

export interface SupersetModel {
  /** UUID v5 namespace of this pipeline's assets; each asset's UUID is derived from its kind and name. */
  readonly namespace: string;
  readonly database: {
    readonly name: string;
    readonly uuid: string;
    readonly file: string;
    /** `postgresql://user:XXXXXXXXXX@host:port/db`: the password is masked, `{ENV}` where the user is a Secret. */
    readonly uri: string;
    /** Environment variable holding the login, when it is a Secret (substituted into the URI at import). */
    readonly userEnv?: string;
    /** Environment variable holding the password, sent in the import's `passwords` field. */
    readonly passwordEnv: string;
  };
  readonly datasets: readonly SupersetDatasetModel[];
  readonly charts: readonly {
    readonly name: string;
    readonly uuid: string;
    readonly file: string;
    readonly datasetUuid: string;
  }[];
  readonly dashboards: readonly { readonly title: string; readonly uuid: string; readonly file: string }[];
  /** What the bootstrap script (and the Kubernetes Job that runs it) needs. */
  readonly bootstrap: {
    /** Artefact paths under generated/. */
    readonly script: string;
    readonly bundle: string;
    /** The bundle's top folder (in the zip and under generated/superset/). */
    readonly bundleRoot: string;
    /** Default Superset URL; `SUPERSET_URL` overrides it. */
    readonly url: string;
    /** Admin login: a plain name (`SUPERSET_USER` overrides it) or a Secret binding. */
    readonly user: string | SecretBinding;
    readonly password: SecretBinding;
    /** Every Secret-backed environment variable the script reads. */
    readonly secrets: readonly SecretBinding[];
  };
}

/** A stage of a column's path through the pipeline. */
export type LineageStage = 'source' | 'topic' | 'flink-source' | 'flink-sink' | 'analytics' | 'view' | 'chart';

export interface LineageNode {
  /** Unique: `<stage>:<owner>` or `<stage>:<owner>.<column>`, e.g. `analytics:fact_orders.total`. */
  readonly id: string;
  readonly stage: LineageStage;
  /** The table (`source.schema.table` at the source), topic, Flink table, analytics table, view or chart. */
  readonly owner: string;
  /** Column or field; absent for a view as a whole and for a chart. */
  readonly column?: string;
  /** As that stage writes it: PostgreSQL, the JSON event's value, Flink SQL. */
  readonly type?: string;
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  /**
   * `value`: computed from it; `rows`: a view's join, filter or grouping reads it (every row may change), or
   * a chart or view reads that view; the rest: what a chart does with a view column.
   */
  readonly use: 'value' | 'rows' | 'x' | 'group by' | 'metric' | 'sort';
  /** A metric's label. */
  readonly label?: string;
}

/** Every column's path: source column → topic field → Flink source and sink column → analytics column → views → charts. */
export interface LineageModel {
  /** Tables' stages in Model order, then views, then charts. */
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  /**
   * How many of `edges` come first as the source columns' chains (source column → topic field → Flink
   * source → Flink sink → analytics column); every later edge starts at an analytics or view column.
   * The Model's lineage starts at the analytics columns (0 here: at 10,000 tables the chains would be
   * 600,000 nodes and edges that only `why` reads); `withChains` (resolve/lineage.ts) adds them.
   */
  readonly chainEdges: number;
  /** The lineage document, relative to the output directory. */
  readonly file: string;
}

export interface Model {
  readonly pipeline: { readonly name: string };
  /** How every Kafka client of the stack authenticates; absent: PLAINTEXT (or the user's `kafka.properties`). */
  readonly kafka: { readonly security?: KafkaSecurityModel };
  readonly connect: {
    readonly url: string;
    /** The worker config provider that resolves `${name:VAR}` placeholders in connector configs. */
    readonly secretProvider: {
      readonly name: string;
      readonly className: string;
      /** The Debezium Connect image's environment variables that configure it. */
      readonly imageEnv: { readonly providers: string; readonly providerClass: string };
    };
    /** The registration script, relative to the output directory. */
    readonly registerScript: string;
    /** The worker's Secret variables: every source's `secrets`, each variable once. */
    readonly env: readonly SecretBinding[];
  };
  readonly sources: readonly SourceModel[];
  /** Every captured table, sources in config order, tables in declaration order. */
  readonly tables: readonly TableModel[];
  /** Views in dependency order (a view after every view it reads). */
  readonly views: readonly ViewModel[];
  readonly charts: readonly ChartModel[];
  readonly dashboards: readonly DashboardModel[];
  /** Where each column comes from and where it goes (resolve/lineage.ts). */
  readonly lineage: LineageModel;
  readonly superset: SupersetModel;
  readonly analytics: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly schema: string;
    /** `schema` when schema.sql must create it (every schema but `public`, which always exists). */
    readonly createSchema?: string;
    readonly jdbcUrl: string;
    /** Literal role name, or the Secret binding Flink reads it from. */
    readonly user: string | SecretBinding;
    readonly password: SecretBinding;
    /** Views to drop before they are created again: dependents first, so no DROP needs CASCADE. */
    readonly dropViews: readonly string[];
    readonly files: {
      readonly schema: string;
      readonly views: string;
      /** Folder of the numbered migrations: history, carried from the previous output (src/write/history.ts). */
      readonly migrations: string;
    };
    /** The table each migration records itself in (created by the first migration that runs). */
    readonly migrationsTable: string;
  };
  readonly flink: {
    readonly settings: readonly KeyValue[];
    readonly jobs: FlinkJobs;
    readonly jobName: string;
    /** Environment variables `pipeline.sql` expects to be substituted before submission. */
    readonly env: readonly SecretBinding[];
    /** Those of `env` that hold a credential: the SQL runner masks their values out of sql-client.sh's echo. */
    readonly logMasked: readonly string[];
    /** The TaskManager JVM must run in UTC (some sink lands in `timestamptz`). */
    readonly taskManagerUtc: boolean;
    /**
     * The jobs `pipeline.sql` submits, in order: one INSERT job per table (`jobs: 'per-table'`), or one
     * STATEMENT SET job of every INSERT (`'single'`). `tables` are sink table names.
     */
    readonly submissions: readonly {
      readonly name: string;
      readonly statementSet: boolean;
      readonly tables: readonly string[];
    }[];
    readonly file: string;
  };
  /** Where and how the stack runs (resolve/deployment.ts); absent when the config has no deployment section. */
  readonly deployment?: DeploymentModel;
  /** The smoke check of a running stack (ops/check.sh): it checks the connectors, jobs, tables, views and dashboards above. */
  readonly ops: {
    readonly checkScript: string;
    /** Applies the analytics migrations, schema.sql and views.sql outside Kubernetes. */
    readonly applyAnalytics: string;
    /** Folder of the numbered change scripts (`NNNN_<slug>.sh`): history, carried from the previous output. */
    readonly changes: string;
  };
}
