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
 * A column type, built with `t.*()` and refined with chained calls. Immutable (frozen): a refining call
 * returns another column type, and equal calls may return the same one.
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
 * column types cost ~1 s and ~140 MB; as instances ~0.2 s and ~20 MB.) Both the instance and its spec are
 * frozen, so equal calls can share one: `t.uuid()` is one object however often it is called, and so is
 * `t.varchar(255)` or `t.uuid().primaryKey()` (a large config declares the same few dozen types over and
 * over; the compiler then reads each distinct one once, see `resolve/tables.ts`).
 */
class ColumnTypeValue {
  #primaryKey: ColumnTypeValue | undefined;
  #notNull: ColumnTypeValue | undefined;
  constructor(readonly spec: ColumnSpec) {
    Object.freeze(spec);
    Object.freeze(this);
  }
  primaryKey() {
    return (this.#primaryKey ??= new ColumnTypeValue({ ...this.spec, primaryKey: true }));
  }
  notNull() {
    return (this.#notNull ??= new ColumnTypeValue({ ...this.spec, notNull: true }));
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

/** A column type without arguments: made on first use, then the same object for every call. */
function shared<C extends ValueCategory>(spec: ColumnSpec): () => ColumnType<C> {
  let made: ColumnType<C> | undefined;
  return () => (made ??= column<C>(spec));
}

/**
 * A number argument that names one column type: a number other than -0 (which a Map would take for 0), or
 * none. Anything else (a string, an object, from plain JavaScript) gets a column type of its own, which
 * validation then refuses; it is never kept as a key.
 */
const sharable = (n: unknown): n is number | undefined =>
  n === undefined || (typeof n === 'number' && !Object.is(n, -0));

/** A column type of up to two number arguments, shared per distinct arguments. */
function byNumbers<C extends ValueCategory>(
  make: (a?: number, b?: number) => ColumnSpec,
): (a?: number, b?: number) => ColumnType<C> {
  const memo = new Map<number | undefined, Map<number | undefined, ColumnType<C>>>();
  return (a, b) => {
    if (!sharable(a) || !sharable(b)) return column<C>(make(a, b));
    let inner = memo.get(a);
    if (!inner) memo.set(a, (inner = new Map()));
    let made = inner.get(b);
    if (!made) inner.set(b, (made = column<C>(make(a, b))));
    return made;
  };
}

const numericType = byNumbers<'number'>((precision, scale) =>
  precision === undefined ? { type: 'numeric' } : { type: 'numeric', precision, scale: scale ?? 0 },
);
const varcharType = byNumbers<'string'>((length) =>
  length === undefined ? { type: 'varchar' } : { type: 'varchar', length },
);
const charType = byNumbers<'string'>((length) => ({ type: 'char', length }));
const vectorType = byNumbers<'string'>((length) =>
  length === undefined ? { type: 'vector' } : { type: 'vector', length },
);
const timeType = (type: 'time' | 'timetz' | 'timestamp' | 'timestamptz') =>
  byNumbers<'temporal'>((precision) => (precision === undefined ? { type } : { type, precision }));
const timeTypes = {
  time: timeType('time'),
  timetz: timeType('timetz'),
  timestamp: timeType('timestamp'),
  timestamptz: timeType('timestamptz'),
};

/**
 * Column type constructors, named after PostgreSQL's types. A domain is declared as its base type
 * (`CREATE DOMAIN email AS text` → `t.text()`): Debezium resolves a domain to its base type too.
 *
 * @example
 *   columns: { id: t.uuid().primaryKey(), price: t.numeric(10, 2), created_at: t.timestamp() }
 */
export const t = {
  boolean: shared<'boolean'>({ type: 'boolean' }),
  smallint: shared<'number'>({ type: 'smallint' }),
  integer: shared<'number'>({ type: 'integer' }),
  /** Alias of `integer`. */
  int: shared<'number'>({ type: 'integer' }),
  bigint: shared<'number'>({ type: 'bigint' }),
  smallserial: shared<'number'>({ type: 'smallint', serial: true }),
  serial: shared<'number'>({ type: 'integer', serial: true }),
  bigserial: shared<'number'>({ type: 'bigint', serial: true }),
  real: shared<'number'>({ type: 'real' }),
  double: shared<'number'>({ type: 'double precision' }),
  /** `numeric(precision, scale)`; `t.numeric()` without arguments is an unconstrained `numeric`. */
  numeric: (precision?: number, scale?: number) =>
    numericType(precision, precision === undefined ? undefined : (scale ?? 0)),
  /** Alias of `numeric`. */
  decimal: (precision?: number, scale?: number) => t.numeric(precision, scale),
  money: shared<'number'>({ type: 'money' }),
  varchar: (length?: number) => varcharType(length),
  text: shared<'string'>({ type: 'text' }),
  char: (length = 1) => charType(length),
  uuid: shared<'string'>({ type: 'uuid' }),
  json: shared<'json'>({ type: 'json' }),
  jsonb: shared<'json'>({ type: 'jsonb' }),
  bytea: shared<'binary'>({ type: 'bytea' }),
  date: shared<'temporal'>({ type: 'date' }),
  /** `time(precision)`, without time zone; PostgreSQL's default precision is 6. */
  time: (precision?: number) => timeTypes.time(precision),
  timetz: (precision?: number) => timeTypes.timetz(precision),
  /** `timestamp(precision)` without time zone; PostgreSQL's default precision is 6. */
  timestamp: (precision?: number) => timeTypes.timestamp(precision),
  timestamptz: (precision?: number) => timeTypes.timestamptz(precision),
  interval: shared<'temporal'>({ type: 'interval' }),
  /** A column of a PostgreSQL enum type (`CREATE TYPE name AS ENUM …` in the source DB). */
  enum: (typeName: string) => column<'string'>({ type: 'enum', enumName: typeName }),
  inet: shared<'string'>({ type: 'inet' }),
  cidr: shared<'string'>({ type: 'cidr' }),
  macaddr: shared<'string'>({ type: 'macaddr' }),
  /** `xml`, carried as its text (analytics `xml`; `.mapping('text')` for `text`). */
  xml: shared<'string'>({ type: 'xml' }),
  /** Declared so the compiler can tell you it cannot be carried (Debezium emits a geometry struct). */
  point: shared<'string'>({ type: 'point' }),
  int4range: shared<'string'>({ type: 'int4range' }),
  int8range: shared<'string'>({ type: 'int8range' }),
  numrange: shared<'string'>({ type: 'numrange' }),
  tsrange: shared<'string'>({ type: 'tsrange' }),
  tstzrange: shared<'string'>({ type: 'tstzrange' }),
  daterange: shared<'string'>({ type: 'daterange' }),
  // Types Debezium 2.7 cannot bring to the JDBC sink: declared so the compiler can say why and what to do
  // (a TYPE.UNSUPPORTED error); leave such a column out of `columns` and it is not captured.
  /** Refused: Debezium 2.7 has no converter for `tsvector`; compute it in an analytics view instead. */
  tsvector: shared<'string'>({ type: 'tsvector' }),
  /** Refused: Debezium emits a PostGIS `geometry` as a `{wkb, srid}` struct the JDBC sink cannot write. */
  geometry: shared<'string'>({ type: 'geometry' }),
  /** Refused: Debezium emits a PostGIS `geography` as a `{wkb, srid}` struct the JDBC sink cannot write. */
  geography: shared<'string'>({ type: 'geography' }),
  /** Refused: Debezium 2.7 has no converter for pgvector's `vector(dimensions)`. */
  vector: (dimensions?: number) => vectorType(dimensions),
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
