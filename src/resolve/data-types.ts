/**
 * Column types as structured data, beside the strings the artefacts print: what a later `plan` compares
 * (widening vs narrowing) and what charts type-check metrics against, without parsing SQL.
 */
import type { ColumnSpec, PgType } from '../dsl/columns.js';
import { InternalError } from '../diagnostics.js';

/** What kind of value a column holds; decides which aggregates make sense over it. */
export const VALUE_CATEGORIES = ['numeric', 'temporal', 'text', 'boolean', 'json', 'binary'] as const;
export type ValueCategory = (typeof VALUE_CATEGORIES)[number];

export interface DataType {
  /** The base type as PostgreSQL names it (`numeric`, `varchar`, `timestamptz`; `enum` for an enum type). */
  readonly base: PgType;
  /** `varchar(n)`, `char(n)`. */
  readonly length?: number;
  /** `numeric(p, s)`, `time(p)`, `timestamp(p)`, …; absent means PostgreSQL's default for the type. */
  readonly precision?: number;
  readonly scale?: number;
  /** The enum type's name (source columns of an enum type, or arrays of one). */
  readonly enumName?: string;
  /** A one-dimensional array of `base`; `category` is then the elements' category. */
  readonly array: boolean;
  readonly category: ValueCategory;
}

/** The category of each base type. A `Record` over every PgType, so a new type must be given one. */
const CATEGORY: Readonly<Record<Exclude<PgType, 'array'>, ValueCategory>> = {
  boolean: 'boolean',
  smallint: 'numeric',
  integer: 'numeric',
  bigint: 'numeric',
  real: 'numeric',
  'double precision': 'numeric',
  numeric: 'numeric',
  money: 'numeric',
  varchar: 'text',
  text: 'text',
  char: 'text',
  uuid: 'text',
  json: 'json',
  jsonb: 'json',
  bytea: 'binary',
  date: 'temporal',
  time: 'temporal',
  timetz: 'temporal',
  timestamp: 'temporal',
  timestamptz: 'temporal',
  interval: 'temporal',
  enum: 'text',
  inet: 'text',
  cidr: 'text',
  macaddr: 'text',
  xml: 'text',
  // Refused by the type matrix as a source column; a view may still select one (Superset shows its text).
  point: 'text',
  // Ranges travel as their text form (`[1,10)`); the rest are refused as source columns, and a view that
  // selects one shows its text.
  int4range: 'text',
  int8range: 'text',
  numrange: 'text',
  tsrange: 'text',
  tstzrange: 'text',
  daterange: 'text',
  tsvector: 'text',
  geometry: 'text',
  geography: 'text',
  vector: 'text',
  composite: 'text',
};

/** Which number in parentheses a base type takes. */
const ARGUMENT: Partial<Record<PgType, 'length' | 'precision'>> = {
  varchar: 'length',
  char: 'length',
  numeric: 'precision',
  time: 'precision',
  timetz: 'precision',
  timestamp: 'precision',
  timestamptz: 'precision',
};

const bareTypes = new Map<Exclude<PgType, 'array'>, DataType>();

/** The structured type of a declared column (DSL spec); a serial is its integer type. */
export function dataTypeOf(spec: ColumnSpec): DataType {
  if (
    spec.type !== 'array' &&
    spec.length === undefined &&
    spec.precision === undefined &&
    spec.scale === undefined &&
    spec.enumName === undefined
  ) {
    // A bare type is all its base says: one object per base, shared (as parseAnalyticsType's are; the
    // Model is never mutated), instead of one per column of every table and view.
    let type = bareTypes.get(spec.type);
    if (!type) bareTypes.set(spec.type, (type = { base: spec.type, array: false, category: CATEGORY[spec.type] }));
    return type;
  }
  const element = spec.type === 'array' ? (spec.element ?? { type: 'text' as const }) : spec;
  if (element.type === 'array') throw new InternalError('nested array reached the resolver');
  // Key by key, the optional ones only when set (one of these per declared column): no spreads.
  const type: { -readonly [K in keyof DataType]: DataType[K] } = {
    base: element.type,
  } as DataType;
  if (element.length !== undefined) type.length = element.length;
  if (element.precision !== undefined) type.precision = element.precision;
  if (element.scale !== undefined) type.scale = element.scale;
  if (element.enumName !== undefined) type.enumName = element.enumName;
  type.array = spec.type === 'array';
  type.category = CATEGORY[element.type];
  return type;
}

const parsed = new Map<string, DataType>();

/**
 * The structured form of an analytics type the type matrix wrote (`numeric(10, 2)`, `varchar(20)`,
 * `time(0)`, `jsonb`). The matrix's strings form a closed set: anything else is a bug in it.
 */
export function parseAnalyticsType(text: string): DataType {
  let result = parsed.get(text);
  if (result) return result;
  const m = /^([a-z][a-z0-9 ]*?)(?:\((\d+)(?:, (\d+))?\))?(\[\])?$/.exec(text);
  const base = m?.[1] as Exclude<PgType, 'array'> | undefined;
  if (!m || !base || !(base in CATEGORY) || base === 'enum')
    throw new InternalError(`unknown analytics type '${text}'`);
  const argument = ARGUMENT[base];
  if (m[2] !== undefined && !argument) throw new InternalError(`analytics type '${text}' takes no argument`);
  result = {
    base,
    ...(m[2] !== undefined ? { [argument!]: Number(m[2]) } : {}),
    ...(m[3] !== undefined ? { scale: Number(m[3]) } : {}),
    array: m[4] !== undefined,
    category: CATEGORY[base],
  };
  parsed.set(text, result);
  return result;
}

/** A structured type as PostgreSQL spells it (`numeric(10, 2)`, `varchar`, `text[]`). */
export function renderDataType(type: DataType): string {
  const base = type.base === 'enum' ? (type.enumName ?? 'enum') : type.base;
  const args =
    type.base === 'numeric' && type.precision !== undefined
      ? `(${type.precision}, ${type.scale ?? 0})`
      : type.length !== undefined
        ? `(${type.length})`
        : type.precision !== undefined
          ? `(${type.precision})`
          : '';
  return `${base}${args}${type.array ? '[]' : ''}`;
}

/**
 * The category of a column of a view or an analytics table in the Model, or `undefined` when it has no
 * column of that name. Arrays count as their elements' category; check `dataType.array` where it matters.
 */
export function columnCategory(
  owner: { readonly columns: readonly { readonly name: string; readonly dataType: DataType }[] },
  column: string,
): ValueCategory | undefined {
  return owner.columns.find((c) => c.name === column)?.dataType.category;
}
