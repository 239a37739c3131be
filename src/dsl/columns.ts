import { assertNever } from '../diagnostics.js';
import { brand, type Branded } from './entity.js';

/** PostgreSQL's built-in range types; Debezium sends a range as its text form, e.g. `[1,10)`. */
export const RANGE_TYPES = ['int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange'] as const;
export type RangeType = (typeof RANGE_TYPES)[number];

/** PostgreSQL column types the compiler knows (some only to refuse them with the way out). */
export const PG_TYPES = [
  'boolean',
  'smallint',
  'integer',
  'bigint',
  'real',
  'double precision',
  'numeric',
  'money',
  'varchar',
  'text',
  'char',
  'uuid',
  'json',
  'jsonb',
  'bytea',
  'date',
  'time',
  'timetz',
  'timestamp',
  'timestamptz',
  'interval',
  'enum',
  'inet',
  'cidr',
  'macaddr',
  'xml',
  'point',
  ...RANGE_TYPES,
  'tsvector',
  'geometry',
  'geography',
  'vector',
  'composite',
  'array',
] as const;
export type PgType = (typeof PG_TYPES)[number];

/** The plain description of a column type; what the compiler reads. */
export interface ColumnSpec {
  readonly type: PgType;
  /** `serial`, `smallserial`, `bigserial`: how the source declares an auto-increment integer. */
  readonly serial?: boolean;
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly enumName?: string;
  /** The type's name in the source database, for a composite type. */
  readonly typeName?: string;
  readonly element?: ColumnSpec;
  readonly primaryKey?: boolean;
  readonly notNull?: boolean;
  /** Name of a non-default mapping variant of the type matrix (e.g. `'text'` for a uuid). */
  readonly mapping?: string;
  /** Name of the column in the analytics database, when it differs from the source's. */
  readonly analyticsName?: string;
  /** SQL default expression; only for analytics-only extra columns. */
  readonly default?: string;
  readonly description?: string;
}

/** The JavaScript-side value a column holds; used only for typing charts and metrics. */
export type ValueCategory = 'number' | 'string' | 'boolean' | 'temporal' | 'json' | 'binary' | 'array';

/**
 * A column type, built with `t.*()` and refined with chained calls. Immutable: every call returns a new
 * column type.
 *
 * @example
 *   id: t.uuid().primaryKey(),
 *   total: t.numeric(10, 2).notNull(),
 *   tags: t.array(t.text()),
 */
export interface ColumnType<C extends ValueCategory = ValueCategory> extends Branded<'column-type'> {
  readonly spec: ColumnSpec;
  /** Phantom: the category of value, for chart typing. Never set at run time. */
  readonly __category?: C;
  /** Part of the primary key (declare it on several columns for a composite key, in column order). */
  primaryKey(): ColumnType<C>;
  /** NOT NULL in the analytics table too. */
  notNull(): ColumnType<C>;
  /**
   * Chooses another row of the type matrix for this column, e.g. `t.uuid().mapping('text')` lands the
   * value as `text` instead of `uuid`. Unknown variants are reported with the list of valid ones.
   */
  mapping(variant: string): ColumnType<C>;
  /**
   * Lands the column under another name in the analytics database, e.g. a source column `order` (a
   * reserved word there) as `t.integer().analyticsName('sort_order')`. Views still write `${t.c.order}`.
   * By default a mixed-case source name lands in snake_case (`createdAt` → `created_at`).
   */
  analyticsName(name: string): ColumnType<C>;
  /** SQL default of an analytics-only extra column, e.g. `t.timestamptz().default('now()')`. */
  default(sqlExpression: string): ColumnType<C>;
  /** Free text carried into comments of the generated DDL. */
  describe(text: string): ColumnType<C>;
}

/**
 * Every column type is one of these: its only own property is `spec`, the methods and the brand live on
 * the prototype. (Six closures and a brand defined on each object made a 10,000-table config's 230,000
 * column types cost ~1 s and ~140 MB; as instances ~0.2 s and ~20 MB.)
 */
class ColumnTypeValue {
  constructor(readonly spec: ColumnSpec) {}
  primaryKey() {
    return new ColumnTypeValue({ ...this.spec, primaryKey: true });
  }
  notNull() {
    return new ColumnTypeValue({ ...this.spec, notNull: true });
  }
  mapping(variant: string) {
    return new ColumnTypeValue({ ...this.spec, mapping: variant });
  }
  analyticsName(name: string) {
    return new ColumnTypeValue({ ...this.spec, analyticsName: name });
  }
  default(sqlExpression: string) {
    return new ColumnTypeValue({ ...this.spec, default: sqlExpression });
  }
  describe(text: string) {
    return new ColumnTypeValue({ ...this.spec, description: text });
  }
}
brand('column-type', ColumnTypeValue.prototype);

function column<C extends ValueCategory>(spec: ColumnSpec): ColumnType<C> {
  return new ColumnTypeValue(spec) as unknown as ColumnType<C>;
}

/**
 * Column type constructors, named after PostgreSQL's types. A domain is declared as its base type
 * (`CREATE DOMAIN email AS text` → `t.text()`): Debezium resolves a domain to its base type too.
 *
 * @example
 *   columns: { id: t.uuid().primaryKey(), price: t.numeric(10, 2), created_at: t.timestamp() }
 */
export const t = {
  boolean: () => column<'boolean'>({ type: 'boolean' }),
  smallint: () => column<'number'>({ type: 'smallint' }),
  integer: () => column<'number'>({ type: 'integer' }),
  /** Alias of `integer`. */
  int: () => column<'number'>({ type: 'integer' }),
  bigint: () => column<'number'>({ type: 'bigint' }),
  smallserial: () => column<'number'>({ type: 'smallint', serial: true }),
  serial: () => column<'number'>({ type: 'integer', serial: true }),
  bigserial: () => column<'number'>({ type: 'bigint', serial: true }),
  real: () => column<'number'>({ type: 'real' }),
  double: () => column<'number'>({ type: 'double precision' }),
  /** `numeric(precision, scale)`; `t.numeric()` without arguments is an unconstrained `numeric`. */
  numeric: (precision?: number, scale?: number) =>
    column<'number'>({
      type: 'numeric',
      ...(precision === undefined ? {} : { precision, scale: scale ?? 0 }),
    }),
  /** Alias of `numeric`. */
  decimal: (precision?: number, scale?: number) => t.numeric(precision, scale),
  money: () => column<'number'>({ type: 'money' }),
  varchar: (length?: number) => column<'string'>({ type: 'varchar', ...(length === undefined ? {} : { length }) }),
  text: () => column<'string'>({ type: 'text' }),
  char: (length = 1) => column<'string'>({ type: 'char', length }),
  uuid: () => column<'string'>({ type: 'uuid' }),
  json: () => column<'json'>({ type: 'json' }),
  jsonb: () => column<'json'>({ type: 'jsonb' }),
  bytea: () => column<'binary'>({ type: 'bytea' }),
  date: () => column<'temporal'>({ type: 'date' }),
  /** `time(precision)`, without time zone; PostgreSQL's default precision is 6. */
  time: (precision?: number) => column<'temporal'>({ type: 'time', ...(precision === undefined ? {} : { precision }) }),
  timetz: (precision?: number) =>
    column<'temporal'>({ type: 'timetz', ...(precision === undefined ? {} : { precision }) }),
  /** `timestamp(precision)` without time zone; PostgreSQL's default precision is 6. */
  timestamp: (precision?: number) =>
    column<'temporal'>({ type: 'timestamp', ...(precision === undefined ? {} : { precision }) }),
  timestamptz: (precision?: number) =>
    column<'temporal'>({ type: 'timestamptz', ...(precision === undefined ? {} : { precision }) }),
  interval: () => column<'temporal'>({ type: 'interval' }),
  /** A column of a PostgreSQL enum type (`CREATE TYPE name AS ENUM …` in the source DB). */
  enum: (typeName: string) => column<'string'>({ type: 'enum', enumName: typeName }),
  inet: () => column<'string'>({ type: 'inet' }),
  cidr: () => column<'string'>({ type: 'cidr' }),
  macaddr: () => column<'string'>({ type: 'macaddr' }),
  /** `xml`, carried as its text (analytics `xml`; `.mapping('text')` for `text`). */
  xml: () => column<'string'>({ type: 'xml' }),
  /** Declared so the compiler can tell you it cannot be carried (Debezium emits a geometry struct). */
  point: () => column<'string'>({ type: 'point' }),
  int4range: () => column<'string'>({ type: 'int4range' }),
  int8range: () => column<'string'>({ type: 'int8range' }),
  numrange: () => column<'string'>({ type: 'numrange' }),
  tsrange: () => column<'string'>({ type: 'tsrange' }),
  tstzrange: () => column<'string'>({ type: 'tstzrange' }),
  daterange: () => column<'string'>({ type: 'daterange' }),
  // Types Debezium 2.7 cannot bring to the JDBC sink: declared so the compiler can say why and what to do
  // (a TYPE.UNSUPPORTED error); leave such a column out of `columns` and it is not captured.
  /** Refused: Debezium 2.7 has no converter for `tsvector`; compute it in an analytics view instead. */
  tsvector: () => column<'string'>({ type: 'tsvector' }),
  /** Refused: Debezium emits a PostGIS `geometry` as a `{wkb, srid}` struct the JDBC sink cannot write. */
  geometry: () => column<'string'>({ type: 'geometry' }),
  /** Refused: Debezium emits a PostGIS `geography` as a `{wkb, srid}` struct the JDBC sink cannot write. */
  geography: () => column<'string'>({ type: 'geography' }),
  /** Refused: Debezium 2.7 has no converter for pgvector's `vector(dimensions)`. */
  vector: (dimensions?: number) =>
    column<'string'>({ type: 'vector', ...(dimensions === undefined ? {} : { length: dimensions }) }),
  /** Refused: Debezium 2.7 has no converter for a composite type (`CREATE TYPE name AS (…)`). */
  composite: (typeName: string) => column<'string'>({ type: 'composite', typeName }),
  /** One-dimensional array, e.g. `t.array(t.text())`. */
  array: (element: ColumnType) => column<'array'>({ type: 'array', element: element.spec }),
};

/** The category of each type, for chart typing and for checks like "SUM over a string". */
export function valueCategory(spec: ColumnSpec): ValueCategory {
  switch (spec.type) {
    case 'boolean':
      return 'boolean';
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'real':
    case 'double precision':
    case 'numeric':
    case 'money':
      return 'number';
    case 'date':
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
    case 'interval':
      return 'temporal';
    case 'json':
    case 'jsonb':
      return 'json';
    case 'bytea':
      return 'binary';
    case 'array':
      return 'array';
    case 'varchar':
    case 'text':
    case 'char':
    case 'uuid':
    case 'enum':
    case 'inet':
    case 'cidr':
    case 'macaddr':
    case 'xml':
    case 'point':
    case 'int4range':
    case 'int8range':
    case 'numrange':
    case 'tsrange':
    case 'tstzrange':
    case 'daterange':
    case 'tsvector':
    case 'geometry':
    case 'geography':
    case 'vector':
    case 'composite':
      return 'string';
    default:
      return assertNever(spec.type, 'column type');
  }
}
