import type { ColumnType } from './columns.js';
import { brand, type Branded } from './entity.js';
import type {
  BinaryHandling,
  DecimalFormat,
  DecimalHandling,
  IntervalHandling,
  PartitionStrategy,
  SnapshotMode,
  TableKind,
  TimePrecision,
} from './enums.js';
import type { View } from './view.js';

/**
 * A value held in a Kubernetes Secret. Generated artefacts reference it (a Connect config provider, an
 * environment variable), never contain it.
 *
 * @example password: secret('ecom-db-credentials', 'password')
 */
export interface SecretRef extends Branded<'secret'> {
  readonly name: string;
  readonly key: string;
}

export function secret(name: string, key: string): SecretRef {
  return brand('secret', { name, key });
}

/**
 * Where the source database runs. Managed services have no superuser, so the generated setup SQL grants
 * replication their way: `rds` (Amazon RDS and Aurora PostgreSQL), `cloudsql` (Google Cloud SQL),
 * `azure` (Azure Database for PostgreSQL flexible server), `self-managed` (default: your own server).
 */
export const POSTGRES_FLAVORS = ['self-managed', 'rds', 'cloudsql', 'azure'] as const;
export type PostgresFlavor = (typeof POSTGRES_FLAVORS)[number];

export type { DecimalHandling, TimePrecision } from './enums.js';

/** Debezium connector settings; everything has a working default. */
export interface ConnectorOptions {
  /** Connector name in Kafka Connect; default `<source>-connector`. Renaming starts a new snapshot. */
  name?: string;
  /** Kafka topic prefix; default the connector name. Topics are `<prefix>.<schema>.<table>`. */
  topicPrefix?: string;
  /** Replication slot; default `debezium_<source>_slot`. */
  slotName?: string;
  /** Publication; default `debezium_<source>_pub`. */
  publicationName?: string;
  /** `decimal.handling.mode`; default `string` (exact). `precise` needs `decimalFormat: 'NUMERIC'`. */
  decimalHandling?: DecimalHandling;
  /** `value.converter.decimal.format`; only meaningful with `decimalHandling: 'precise'`. */
  decimalFormat?: DecimalFormat;
  /** `time.precision.mode`; default `adaptive`. */
  timePrecision?: TimePrecision;
  /** `interval.handling.mode`; default `numeric`. */
  intervalHandling?: IntervalHandling;
  /** `binary.handling.mode`; default `bytes`. */
  binaryHandling?: BinaryHandling;
  /** `snapshot.mode`; default `initial`. */
  snapshotMode?: SnapshotMode;
  /** `heartbeat.interval.ms`; default 10000 (keeps the slot advancing in quiet databases). */
  heartbeatIntervalMs?: number;
  /** Further Debezium properties, checked against the Debezium 2.7 property list. */
  properties?: Record<string, string | number | boolean | SecretRef>;
}

export interface PostgresSourceOptions {
  /**
   * Host name the Connect workers reach the database at. Optional when the pipeline has a `deployment`:
   * then it is derived (`<service>.<namespace>.svc.cluster.local`).
   */
  host?: string;
  port?: number;
  database: string;
  /** The replication role Debezium logs in as (created by the generated setup SQL). Default `debezium_<source>`. */
  user?: string;
  /** Password of `user`, as a Secret reference. */
  password: SecretRef;
  /** Schema of tables that do not name one; default `public`. */
  schema?: string;
  /**
   * Where the database runs (default `self-managed`); decides how the generated setup SQL gives the
   * replication role its rights and which server parameter it asks for. See README, "Managed PostgreSQL".
   */
  flavor?: PostgresFlavor;
  connector?: ConnectorOptions;
}

/** How a captured table lands in the analytics database. */
export interface AnalyticsTableOptions<K extends string = string> {
  /** Table name; default `fact_<table>` or `dim_<table>` after `kind`. */
  name?: string;
  /** `fact` (default) or `dimension`. */
  kind?: TableKind;
  /** Columns added in the analytics table only, e.g. `{ loaded_at: t.timestamptz().default('now()') }`. */
  extraColumns?: Record<string, ColumnType>;
  /** Capture only these columns (default: all declared columns). */
  columns?: readonly K[];
  /** Override the pipeline's `syncedAtColumn` for this table (`false` for none). */
  syncedAtColumn?: string | false;
}

export interface TableOptions<C extends Record<string, ColumnType>> {
  /** Source schema; default the source's `schema`. */
  schema?: string;
  columns: C;
  /** Composite primary key in key order; alternative to `.primaryKey()` on columns. */
  primaryKey?: readonly (keyof C & string)[];
  /**
   * The source table is partitioned (`PARTITION BY RANGE | LIST | HASH (columns)`). The connector captures
   * it under its own name: the publication publishes every partition's changes as the partitioned table's
   * (`publish_via_partition_root`), one topic, and the setup SQL gives every partition, later ones too, the
   * replica identity. The columns must be part of the primary key, as PostgreSQL requires.
   *
   * @example partitionBy: { strategy: 'range', columns: ['created_at'] }
   */
  partitionBy?: { strategy: PartitionStrategy; columns: readonly (keyof C & string)[] };
  analytics?: AnalyticsTableOptions<keyof C & string>;
  description?: string;
}

/** A reference to a column for view SQL; renders as `<analytics table or alias>.<column>`. */
export interface ColumnRef extends Branded<'column-ref'> {
  readonly owner: Table | TableAlias | View;
  readonly column: string;
}

export type ColumnRefs<C> = { readonly [K in keyof C]: ColumnRef };

export interface TableAlias<C extends Record<string, ColumnType> = any> extends Branded<'table-alias'> {
  readonly table: Table;
  readonly alias: string;
  readonly c: ColumnRefs<C>;
}

// The default is `any`: `keyof C` in the options makes C invariant, and any table must fit where "a table" is expected.
export interface Table<C extends Record<string, ColumnType> = any> extends Branded<'table'> {
  readonly name: string;
  readonly source: Source;
  readonly options: TableOptions<C>;
  /** Typed column references for view SQL: `${orders.c.total}`. */
  readonly c: ColumnRefs<C>;
  /** The table under an alias in view SQL: `const o = orders.as('o')`, then `${o}` and `${o.c.total}`. */
  as(alias: string): TableAlias<C>;
}

export interface Source extends Branded<'source'> {
  readonly name: string;
  readonly options: PostgresSourceOptions;
  readonly tables: readonly Table[];
  /**
   * Captures a table of this database.
   *
   * @example
   *   const orders = ecom.table('orders', {
   *     columns: { id: t.uuid().primaryKey(), total: t.numeric(10, 2) },
   *     analytics: { name: 'fact_orders' },
   *   });
   */
  table<const C extends Record<string, ColumnType>>(name: string, options: TableOptions<C>): Table<C>;
}

/** A column reference: an instance (the brand on the prototype, not defined on each of ~10⁵ objects). */
class ColumnRefValue {
  constructor(
    readonly owner: Table | TableAlias | View,
    readonly column: string,
  ) {}
}
brand('column-ref', ColumnRefValue.prototype);
const columnRef = (owner: Table | TableAlias | View, column: string) =>
  new ColumnRefValue(owner, column) as unknown as ColumnRef;

export function columnRefs<T extends Record<string, unknown>>(
  owner: Table | TableAlias | View,
  columns: T,
): ColumnRefs<T> {
  const refs: Record<string, ColumnRef> = {};
  for (const column of Object.keys(columns ?? {})) refs[column] = columnRef(owner, column);
  // A misspelt column (`orders.c.totl`, past the type-checker with a cast or in plain JavaScript) still
  // yields a reference, so the compiler reports it as an unknown column with a suggestion, not as `undefined`.
  return new Proxy(refs, {
    get(target, key, receiver) {
      if (typeof key !== 'string' || key in target || key === 'then' || key === 'toJSON')
        return Reflect.get(target, key, receiver);
      return columnRef(owner, key);
    },
  }) as ColumnRefs<T>;
}

/**
 * An operational PostgreSQL database captured by one Debezium connector.
 *
 * @example
 *   const ecom = postgresSource('ecom', {
 *     host: 'ecom-db.ecom.svc.cluster.local', database: 'ecomdb',
 *     password: secret('ecom-db-credentials', 'password'),
 *   });
 */
export function postgresSource(name: string, options: PostgresSourceOptions): Source {
  const tables: Table[] = [];
  const source: Source = brand('source', {
    name,
    options,
    tables,
    table<const C extends Record<string, ColumnType>>(tableName: string, tableOptions: TableOptions<C>): Table<C> {
      const table: Table<C> = brand('table', {
        name: tableName,
        source,
        options: tableOptions,
        c: {} as ColumnRefs<C>,
        as(alias: string) {
          const aliased = brand('table-alias', { table: table as unknown as Table, alias, c: {} as ColumnRefs<C> });
          (aliased as { c: unknown }).c = columnRefs(aliased, tableOptions?.columns ?? {});
          return aliased;
        },
      }) as unknown as Table<C>;
      (table as { c: unknown }).c = columnRefs(table as unknown as Table, tableOptions?.columns ?? {});
      tables.push(table as unknown as Table);
      return table;
    },
  });
  return source;
}
