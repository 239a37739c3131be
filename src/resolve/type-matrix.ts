/**
 * The type matrix: PostgreSQL column type × connector modes → Debezium JSON → Flink source type →
 * conversion → Flink JDBC sink type → analytics PostgreSQL type. Data, not branches: each rule matches on
 * the column type and the connector modes, and names its cells (the default and any variants a column
 * may pick with `.mapping(…)`). Source of every row: shared/reference/debezium-flink.md, "Type matrix".
 */
import { RANGE_TYPES, type ColumnSpec, type PgType } from '../dsl/columns.js';
import { CONNECTOR_MODE_VALUES } from '../dsl/enums.js';
import { assertNever } from '../diagnostics.js';

export { CONNECTOR_MODE_VALUES };

/** One value of every connector mode: what decides a column's cell. */
export type ConnectorModes = {
  readonly [K in keyof typeof CONNECTOR_MODE_VALUES]: (typeof CONNECTOR_MODE_VALUES)[K][number];
};

/** The connector property behind each mode. */
export const MODE_PROPERTY: Readonly<Record<keyof ConnectorModes, string>> = {
  decimalHandling: 'decimal.handling.mode',
  decimalFormat: 'value.converter.decimal.format',
  timePrecision: 'time.precision.mode',
  intervalHandling: 'interval.handling.mode',
  binaryHandling: 'binary.handling.mode',
};

/** One resolved cell, with `{col}` already substituted by the caller through `expression(col)`. */
export interface Mapping {
  readonly variant: string;
  /** What Debezium writes into the JSON event (documentation; lineage). */
  readonly json: string;
  readonly flinkSourceType: string;
  /** Flink SQL expression template; `{col}` stands for the source column. */
  readonly expression: string;
  readonly flinkSinkType: string;
  readonly analyticsType: string;
  /** The JDBC URL needs `stringtype=unspecified` (a string bound into a typed PostgreSQL column). */
  readonly stringtypeUnspecified: boolean;
  /** The conversion reads `TIMESTAMP_LTZ` and depends on `table.local-time-zone = 'UTC'`. */
  readonly utcSession: boolean;
  /** The analytics column is `timestamptz`: the TaskManager JVM must run in UTC. */
  readonly utcTaskManager: boolean;
  /** What the journey loses, if anything (e.g. sub-millisecond digits); a key column must lose nothing. */
  readonly lossy?: string;
  /** What the stored value means when the analytics type alone does not say (e.g. an interval in µs). */
  readonly unit?: string;
}

export interface Refusal {
  /** Code from the reference's table of combinations that cannot work (E1…E10). */
  readonly rule: string;
  readonly reason: string;
  readonly fix: string;
}

type Cell = Omit<Mapping, 'variant'> | Refusal;

type Condition = { readonly [K in keyof ConnectorModes]?: readonly ConnectorModes[K][] } & {
  /** numeric: whether a precision is declared. */
  readonly scaled?: boolean;
  /** Upper bound (inclusive) on precision; a missing precision counts as the type's default. */
  readonly maxPrecision?: number;
};

interface Rule {
  readonly types: readonly PgType[];
  readonly when?: Condition;
  readonly cells: { readonly default: Cell } & Readonly<Record<string, Cell>>;
}

const SU = { stringtypeUnspecified: true } as const;
const UTC = { utcSession: true } as const;

function cell(
  json: string,
  flinkSourceType: string,
  expression: string,
  flinkSinkType: string,
  analyticsType: string,
  flags: Partial<Pick<Mapping, 'stringtypeUnspecified' | 'utcSession' | 'utcTaskManager' | 'lossy' | 'unit'>> = {},
): Omit<Mapping, 'variant'> {
  return {
    ...(flags.lossy ? { lossy: flags.lossy } : {}),
    ...(flags.unit ? { unit: flags.unit } : {}),
    json,
    flinkSourceType,
    expression,
    flinkSinkType,
    analyticsType,
    stringtypeUnspecified: flags.stringtypeUnspecified ?? false,
    utcSession: flags.utcSession ?? false,
    utcTaskManager: flags.utcTaskManager ?? analyticsType === 'timestamptz',
  };
}

const refuse = (rule: string, reason: string, fix: string): Refusal => ({ rule, reason, fix });

const direct = (json: string, flink: string, analytics: string, flags = {}) =>
  cell(json, flink, '{col}', flink, analytics, flags);
const asString = (json: string, analytics: string) => direct(json, 'STRING', analytics, SU);
const asText = (json: string, expression = '{col}') => cell(json, 'STRING', expression, 'STRING', 'text');

const E1 = refuse(
  'E1',
  "decimal.handling.mode 'precise' with the converter's default decimal.format BASE64 writes the unscaled value as base64 bytes, and Flink 1.20 SQL has no function to rebuild a DECIMAL from them",
  "set connector.decimalHandling: 'string' (exact), or decimalFormat: 'NUMERIC' with 'precise', or decimalHandling: 'double' (lossy)",
);
const E2 = refuse(
  'E2',
  "a numeric without scale under decimal.handling.mode 'precise' is emitted as a {scale, value} struct of base64 bytes; decimal.format NUMERIC does not apply to it",
  // Declaring t.numeric(p, s) in the config does not change what Debezium emits for an unscaled source column.
  "set connector.decimalHandling: 'string' (exact) or 'double' (lossy)",
);
const E3 = refuse(
  'E3',
  'Flink DECIMAL precision is at most 38',
  "set connector.decimalHandling: 'string' (the value travels as STRING and lands exactly), or .mapping('double') to accept a lossy double precision",
);
/** E3 under 'precise': there is no `double` variant to pick in this mode, so the fix must not offer one. */
const E3_PRECISE = refuse(
  'E3',
  'Flink DECIMAL precision is at most 38 (and under precise the value cannot be decoded by Flink at all)',
  "set connector.decimalHandling: 'string' (the value travels as STRING and lands exactly), or decimalHandling: 'double' with .mapping('double') to accept a lossy double precision",
);
/** E1 for numeric(p,s)[]: the reference refuses every numeric array under precise, whatever decimal.format says. */
const E1_ARRAY = refuse(
  'E1',
  "a numeric array under decimal.handling.mode 'precise' carries its elements as base64 bytes, and Flink 1.20 SQL has no function to rebuild a DECIMAL from them",
  "set connector.decimalHandling: 'string' (exact) or 'double' (lossy)",
);
const E9 = refuse(
  'E9',
  'Debezium 2.7 has no schema for arrays of this element type, so the column is absent from every event',
  'remove the column from the table, or capture a text copy of it',
);

const E9_TIME_ARRAY = refuse(
  'E9',
  "Debezium 2.7 sends null for this time array under time.precision.mode 'connect', and under 'adaptive' for time(0) to time(3)",
  "set connector.timePrecision: 'adaptive_time_microseconds' (µs since midnight, whole milliseconds), or capture a text copy of it",
);
const E9_ENUM_ARRAY = refuse(
  'E9',
  'Debezium 2.7 sends null for an array of an enum type in every event',
  'capture a text[] copy of it (e.g. a column kept by the application or a trigger)',
);

/** Matrix cells for array element types; every array lands as jsonb via JSON_STRING. */
function arrayOf(json: string, elementFlinkType: string, flags: { lossy?: string } = {}): Rule['cells'] {
  return {
    default: cell(json, `ARRAY<${elementFlinkType}>`, 'JSON_STRING({col})', 'STRING', 'jsonb', { ...SU, ...flags }),
    text: cell(json, `ARRAY<${elementFlinkType}>`, 'JSON_STRING({col})', 'STRING', 'text', flags),
  };
}

const TS_MS = 'integer, ms since epoch (wall clock read as UTC)';
const TS_US = 'integer, µs since epoch (wall clock read as UTC)';
const TS_FROM_MS = 'CAST(TO_TIMESTAMP_LTZ({col}, 3) AS TIMESTAMP(3))';
// FLOOR, not `{col} / 1000`: BIGINT division truncates toward zero, which moves an instant before 1970 with
// sub-millisecond digits one millisecond later (1969-12-31 23:59:59.999999 landed as 1970-01-01 00:00:00 in
// the end-to-end run).
const TS_FROM_US = 'CAST(TO_TIMESTAMP_LTZ(CAST(FLOOR({col} / 1000.0) AS BIGINT), 3) AS TIMESTAMP(3))';
const TIME_FROM_MS = 'CAST(CAST(TO_TIMESTAMP_LTZ({col}, 3) AS TIMESTAMP(3)) AS TIME(3))';
const TIME_FROM_US = 'CAST(CAST(TO_TIMESTAMP_LTZ({col} / 1000, 3) AS TIMESTAMP(3)) AS TIME(3))';

// TO_TIMESTAMP_LTZ takes precision 0 or 3 only: microsecond values keep their milliseconds.
// time.precision.mode=connect cuts microsecond columns to milliseconds before they leave Debezium.
const CONNECT_MS = { ...UTC, lossy: 'sub-millisecond digits (time.precision.mode connect keeps milliseconds)' };
const DOUBLE_DIGITS = { lossy: 'digits beyond the ~15 a double holds' };
// Seen end to end: in the initial snapshot Debezium 2.7 reads money through the JDBC driver's PGmoney, a
// double, whatever decimal.handling.mode says (92233720368547758.07 arrives as "9.223372036854776E16" under
// 'string'); streamed changes keep every digit.
const MONEY_SNAPSHOT = {
  lossy: 'digits beyond the ~15 a double holds, in rows of the initial snapshot (Debezium reads them as a double)',
};
const SUB_MS = { ...UTC, lossy: 'sub-millisecond digits (Flink converts epoch values at millisecond precision)' };
const timestampCells = (json: string, expression: string, rawType: string, truncated = false): Rule['cells'] => {
  const flags = expression === TS_FROM_US ? SUB_MS : truncated ? CONNECT_MS : UTC;
  return {
    default: cell(json, 'BIGINT', expression, 'TIMESTAMP(3)', 'timestamp(3)', flags),
    // The seed system's choice: the same instant in a timestamptz column (needs the TaskManager in UTC).
    timestamptz: cell(json, 'BIGINT', expression, 'TIMESTAMP(3)', 'timestamptz', flags),
    raw: cell(json, 'BIGINT', '{col}', 'BIGINT', rawType, {
      unit: `${expression === TS_FROM_US ? 'microseconds' : 'milliseconds'} since 1970-01-01 (wall clock read as UTC)`,
    }),
  };
};
const timeCells = (
  json: string,
  flinkType: 'INT' | 'BIGINT',
  expression: string,
  wholeSeconds = false,
): Rule['cells'] => ({
  // JDBC writes TIME through java.sql.Time, which has no fraction: time(0) says what is stored.
  default: cell(
    json,
    flinkType,
    expression,
    'TIME(3)',
    'time(0)',
    wholeSeconds ? UTC : { ...UTC, lossy: 'fractions of a second' },
  ),
  // Exact alternative: the raw offset since midnight.
  integer: cell(json, flinkType, '{col}', flinkType, flinkType === 'INT' ? 'integer' : 'bigint', {
    unit: `time of day in ${flinkType === 'INT' ? 'milliseconds' : 'microseconds'} since midnight`,
  }),
});

const ADAPTIVE = ['adaptive', 'adaptive_time_microseconds'] as const;

export const RULES: readonly Rule[] = [
  { types: ['boolean'], cells: { default: direct('true / false', 'BOOLEAN', 'boolean') } },
  { types: ['smallint'], cells: { default: direct('integer', 'SMALLINT', 'smallint') } },
  { types: ['integer'], cells: { default: direct('integer', 'INT', 'integer') } },
  { types: ['bigint'], cells: { default: direct('integer', 'BIGINT', 'bigint') } },
  { types: ['real'], cells: { default: direct('number', 'FLOAT', 'real') } },
  { types: ['double precision'], cells: { default: direct('number', 'DOUBLE', 'double precision') } },

  // numeric(p,s)
  // p > 38 under precise is E3 whatever the format: switching to NUMERIC (E1's fix) would not help.
  {
    types: ['numeric'],
    when: { scaled: true, decimalHandling: ['precise'], decimalFormat: ['BASE64'], maxPrecision: 38 },
    cells: { default: E1 },
  },
  {
    types: ['numeric'],
    when: { scaled: true, decimalHandling: ['precise'], maxPrecision: 38 },
    cells: { default: direct('number (decimal.format NUMERIC)', 'DECIMAL({p}, {s})', 'numeric({p}, {s})') },
  },
  { types: ['numeric'], when: { scaled: true, decimalHandling: ['precise'] }, cells: { default: E3_PRECISE } },
  // A double holds about 15 significant digits: exact up to numeric(15, s), lossy above.
  ...([15, 38] as const).map((maxPrecision) => {
    const flags = maxPrecision > 15 ? DOUBLE_DIGITS : {};
    return {
      types: ['numeric'],
      when: { scaled: true, decimalHandling: ['double'], maxPrecision },
      cells: {
        default: cell(
          'number (lossy beyond ~15 digits)',
          'DOUBLE',
          'CAST({col} AS DECIMAL({p}, {s}))',
          'DECIMAL({p}, {s})',
          'numeric({p}, {s})',
          flags,
        ),
        double: direct('number (lossy beyond ~15 digits)', 'DOUBLE', 'double precision', flags),
      },
    } satisfies Rule;
  }),
  {
    types: ['numeric'],
    when: { scaled: true, decimalHandling: ['double'] },
    cells: { default: E3, double: direct('number (lossy)', 'DOUBLE', 'double precision', DOUBLE_DIGITS) },
  },
  {
    types: ['numeric'],
    when: { scaled: true, decimalHandling: ['string'], maxPrecision: 38 },
    cells: { default: direct('string, plain notation', 'DECIMAL({p}, {s})', 'numeric({p}, {s})') },
  },
  {
    types: ['numeric'],
    when: { scaled: true, decimalHandling: ['string'] },
    cells: { default: asString('string, plain notation', 'numeric({p}, {s})') },
  },
  // numeric without precision
  { types: ['numeric'], when: { scaled: false, decimalHandling: ['precise'] }, cells: { default: E2 } },
  {
    types: ['numeric'],
    when: { scaled: false, decimalHandling: ['double'] },
    cells: { default: direct('number', 'DOUBLE', 'double precision', DOUBLE_DIGITS) },
  },
  {
    types: ['numeric'],
    when: { scaled: false, decimalHandling: ['string'] },
    cells: { default: asString('string, plain notation', 'numeric') },
  },

  // money: scale money.fraction.digits (2); analytics numeric, because money is locale-dependent
  { types: ['money'], when: { decimalHandling: ['precise'], decimalFormat: ['BASE64'] }, cells: { default: E1 } },
  {
    types: ['money'],
    when: { decimalHandling: ['precise'] },
    cells: { default: direct('number, 2 decimals', 'DECIMAL(19, 2)', 'numeric(19, 2)', MONEY_SNAPSHOT) },
  },
  {
    types: ['money'],
    when: { decimalHandling: ['double'] },
    // money is numeric(19, 2): more digits than a double holds.
    cells: {
      default: cell(
        'number',
        'DOUBLE',
        'CAST({col} AS DECIMAL(19, 2))',
        'DECIMAL(19, 2)',
        'numeric(19, 2)',
        DOUBLE_DIGITS,
      ),
    },
  },
  {
    types: ['money'],
    when: { decimalHandling: ['string'] },
    cells: {
      default: direct(
        'string, plain (snapshot: a double in scientific notation)',
        'DECIMAL(19, 2)',
        'numeric(19, 2)',
        MONEY_SNAPSHOT,
      ),
    },
  },

  { types: ['varchar'], cells: { default: direct('string', 'STRING', 'varchar{(n)}') } },
  { types: ['text'], cells: { default: direct('string', 'STRING', 'text') } },
  {
    types: ['char'],
    cells: {
      default: direct('string, blank-padded', 'STRING', 'char({n})'),
      text: asText('string, blank-padded', 'RTRIM({col})'),
    },
  },
  { types: ['uuid'], cells: { default: asString('string', 'uuid'), text: asText('string') } },
  {
    types: ['json'],
    cells: { default: asString('string holding the JSON text', 'json'), text: asText('string holding the JSON text') },
  },
  {
    types: ['jsonb'],
    cells: { default: asString('string holding the JSON text', 'jsonb'), text: asText('string holding the JSON text') },
  },
  {
    types: ['bytea'],
    when: { binaryHandling: ['bytes', 'base64'] },
    cells: { default: direct('base64 string', 'BYTES', 'bytea') },
  },
  { types: ['bytea'], when: { binaryHandling: ['hex'] }, cells: { default: asText('hex string') } },

  {
    types: ['date'],
    cells: {
      default: cell(
        'integer, days since 1970-01-01',
        'INT',
        "TIMESTAMPADD(DAY, {col}, DATE '1970-01-01')",
        'DATE',
        'date',
      ),
    },
  },
  // time(0) holds whole seconds: nothing to lose on the way.
  {
    types: ['time'],
    when: { timePrecision: ['adaptive', 'connect'], maxPrecision: 0 },
    cells: timeCells('integer, ms since midnight', 'INT', TIME_FROM_MS, true),
  },
  {
    types: ['time'],
    when: { timePrecision: ['adaptive_time_microseconds'], maxPrecision: 0 },
    cells: timeCells('integer, µs since midnight', 'BIGINT', TIME_FROM_US, true),
  },
  {
    types: ['time'],
    when: { timePrecision: ['adaptive'], maxPrecision: 3 },
    cells: timeCells('integer, ms since midnight', 'INT', TIME_FROM_MS),
  },
  {
    types: ['time'],
    when: { timePrecision: ADAPTIVE },
    cells: timeCells('integer, µs since midnight', 'BIGINT', TIME_FROM_US),
  },
  {
    types: ['time'],
    when: { timePrecision: ['connect'] },
    cells: timeCells('integer, ms since midnight', 'INT', TIME_FROM_MS),
  },
  {
    types: ['timetz'],
    cells: { default: asString('string in UTC, e.g. "10:15:30.123456Z"', 'timetz'), text: asText('string in UTC') },
  },

  {
    types: ['timestamp'],
    when: { timePrecision: ADAPTIVE, maxPrecision: 3 },
    cells: timestampCells(TS_MS, TS_FROM_MS, 'bigint'),
  },
  { types: ['timestamp'], when: { timePrecision: ADAPTIVE }, cells: timestampCells(TS_US, TS_FROM_US, 'bigint') },
  {
    types: ['timestamp'],
    when: { timePrecision: ['connect'], maxPrecision: 3 },
    cells: timestampCells(TS_MS, TS_FROM_MS, 'bigint'),
  },
  {
    types: ['timestamp'],
    when: { timePrecision: ['connect'] },
    cells: timestampCells(TS_MS, TS_FROM_MS, 'bigint', true),
  },
  {
    types: ['timestamptz'],
    cells: {
      default: cell(
        'ISO-8601 string in UTC',
        'TIMESTAMP_LTZ(6)',
        'CAST({col} AS TIMESTAMP(6))',
        'TIMESTAMP(6)',
        'timestamptz',
        UTC,
      ),
      // PostgreSQL parses the ISO text itself: exact to the µs and safe for ±infinity.
      string: asString('ISO-8601 string in UTC', 'timestamptz'),
      timestamp: cell(
        'ISO-8601 string in UTC',
        'TIMESTAMP_LTZ(6)',
        'CAST({col} AS TIMESTAMP(6))',
        'TIMESTAMP(6)',
        'timestamp(6)',
        UTC,
      ),
    },
  },
  // Not INTERVAL: Flink's JSON format reads interval numbers as ms while Debezium sends µs (E7).
  {
    types: ['interval'],
    when: { intervalHandling: ['numeric'] },
    cells: {
      default: direct('integer, µs (months as 30.4375 days)', 'BIGINT', 'bigint', {
        unit: 'interval in microseconds (a month counts as 30.4375 days)',
      }),
    },
  },
  {
    types: ['interval'],
    when: { intervalHandling: ['string'] },
    cells: { default: asString('ISO-8601 duration string', 'interval') },
  },
  { types: ['enum'], cells: { default: asText('string label') } },
  { types: ['inet'], cells: { default: asString('string', 'inet'), text: asText('string') } },
  { types: ['cidr'], cells: { default: asString('string', 'cidr'), text: asText('string') } },
  { types: ['macaddr'], cells: { default: asString('string', 'macaddr'), text: asText('string') } },
  {
    types: ['xml'],
    cells: { default: asString('string holding the XML text', 'xml'), text: asText('string holding the XML text') },
  },
  {
    types: ['point'],
    cells: {
      default: refuse(
        'E6',
        'Debezium emits a point as a geometry struct {x, y, wkb, srid}, which the JDBC PostgreSQL sink cannot write',
        'remove the column, or capture its coordinates as two double precision columns in the source',
      ),
    },
  },
  // Debezium's PostgresValueConverter sends every built-in range as a string, PostgreSQL's own text form
  // (`[1,10)`, `["2024-01-01 00:00:00+00","2025-01-01 00:00:00+00")`), which PostgreSQL parses back.
  ...RANGE_TYPES.map((type): Rule => ({
    types: [type],
    cells: { default: asString('string, the range literal', type), text: asText('string, the range literal') },
  })),
  // Types Debezium 2.7 has no converter for: with include.unknown.datatypes=false (the default) it warns and
  // leaves the column out of every event, so Flink would read NULL forever.
  {
    types: ['tsvector'],
    cells: {
      default: refuse(
        'E9',
        'Debezium 2.7 has no converter for tsvector, so the column is absent from every event (support came after 2.7)',
        "leave it out of columns (it is then not captured) and compute it where it is needed, e.g. a view over the text it is built from: to_tsvector('english', title)",
      ),
    },
  },
  {
    types: ['vector'],
    cells: {
      default: refuse(
        'E9',
        "Debezium 2.7 has no converter for pgvector's vector, so the column is absent from every event (Debezium 3.0 sends it as an array of doubles)",
        'leave it out of columns (it is then not captured)',
      ),
    },
  },
  {
    types: ['composite'],
    cells: {
      default: refuse(
        'E9',
        'Debezium 2.7 has no converter for composite types, so the column is absent from every event',
        'leave it out of columns (it is then not captured); to capture its fields, keep them as plain columns of the source table',
      ),
    },
  },
  {
    types: ['geometry', 'geography'],
    cells: {
      default: refuse(
        'E6',
        'Debezium emits a PostGIS value as a struct {wkb, srid} (the WKB base64-encoded), which the JDBC PostgreSQL sink cannot write',
        'leave it out of columns (it is then not captured); to keep the shape, store a copy as text (ST_AsText) in a plain source column kept by the application or a trigger: PostgreSQL 15 does not publish generated columns',
      ),
    },
  },
];

/** Array rules, matched on the element type. */
export const ARRAY_RULES: readonly Rule[] = [
  { types: ['money', 'interval', 'xml', 'point', 'tsvector', 'vector', 'composite'], cells: { default: E9 } },
  // Seen end to end: the column arrives as null in every event.
  { types: ['enum'], cells: { default: E9_ENUM_ARRAY } },
  // Seen end to end: the elements arrive as "HH:MM:SSZ", without their fraction.
  {
    types: ['timetz'],
    cells: arrayOf('array of strings in UTC, whole seconds', 'STRING', { lossy: 'fractions of a second' }),
  },
  // numeric[] follows the scalar element rules under precise: unscaled → E2, scaled → E1.
  { types: ['numeric'], when: { scaled: false, decimalHandling: ['precise'] }, cells: { default: E2 } },
  { types: ['numeric'], when: { decimalHandling: ['precise'] }, cells: { default: E1_ARRAY } },
  { types: ['numeric'], when: { decimalHandling: ['double'] }, cells: arrayOf('array of numbers', 'DOUBLE') },
  { types: ['numeric'], when: { decimalHandling: ['string'] }, cells: arrayOf('array of strings', 'STRING') },
  { types: ['boolean'], cells: arrayOf('array of booleans', 'BOOLEAN') },
  { types: ['smallint'], cells: arrayOf('array of integers', 'SMALLINT') },
  { types: ['integer'], cells: arrayOf('array of integers', 'INT') },
  { types: ['bigint'], cells: arrayOf('array of integers', 'BIGINT') },
  { types: ['real'], cells: arrayOf('array of numbers', 'FLOAT') },
  { types: ['double precision'], cells: arrayOf('array of numbers', 'DOUBLE') },
  { types: ['date'], cells: arrayOf('array of integers (days)', 'INT') },
  // Seen end to end: Debezium 2.7 sends null for a time(0..3)[] under adaptive and for every time[] under
  // connect; otherwise µs since midnight with only the milliseconds kept, and 24:00:00 as 0.
  { types: ['time'], when: { timePrecision: ['adaptive'], maxPrecision: 3 }, cells: { default: E9_TIME_ARRAY } },
  { types: ['time'], when: { timePrecision: ['connect'] }, cells: { default: E9_TIME_ARRAY } },
  {
    types: ['time'],
    when: { timePrecision: ADAPTIVE },
    cells: arrayOf('array of integers (µs, whole milliseconds)', 'BIGINT', {
      lossy:
        'sub-millisecond digits, and 24:00:00 arrives as 0 (Debezium converts time array elements at millisecond precision)',
    }),
  },
  { types: ['timestamp'], cells: arrayOf('array of integers (epoch)', 'BIGINT') },
  {
    types: ['text', 'varchar', 'char', 'uuid', 'json', 'jsonb', 'inet', 'cidr', 'macaddr', 'timestamptz'],
    cells: arrayOf('array of strings', 'STRING'),
  },
  {
    types: ['bytea', 'array', 'geometry', 'geography'],
    cells: {
      default: refuse(
        'E6',
        'arrays of this element type have no mapping the JDBC PostgreSQL sink can write',
        'remove the column, or capture a text copy of it',
      ),
    },
  },
];

/** Precision PostgreSQL uses when none is declared. */
function effectivePrecision(spec: ColumnSpec): number | undefined {
  if (spec.precision !== undefined) return spec.precision;
  if (spec.type === 'time' || spec.type === 'timestamp' || spec.type === 'timetz' || spec.type === 'timestamptz')
    return 6;
  return undefined;
}

const MODES = Object.keys(CONNECTOR_MODE_VALUES) as (keyof ConnectorModes)[];

function matches(rule: Rule, spec: ColumnSpec, modes: ConnectorModes): boolean {
  if (!rule.types.includes(spec.type)) return false;
  const w = rule.when;
  if (!w) return true;
  const precision = effectivePrecision(spec);
  return (
    MODES.every((mode) => !w[mode] || (w[mode] as readonly string[]).includes(modes[mode])) &&
    (w.scaled === undefined || w.scaled === (spec.precision !== undefined)) &&
    (w.maxPrecision === undefined || (precision !== undefined && precision <= w.maxPrecision))
  );
}

export type MappingResult =
  | { readonly ok: true; readonly mapping: Mapping; readonly variants: readonly string[] }
  | {
      readonly ok: false;
      readonly refusal: Refusal;
      readonly variants: readonly string[];
      /** The connector modes the refusing row depends on, as `property=value`, for the message. */
      readonly decidedBy: readonly string[];
    }
  | { readonly ok: false; readonly unknownVariant: string; readonly variants: readonly string[] };

const isRefusal = (c: Cell): c is Refusal => 'rule' in c;

function fill(template: string, spec: ColumnSpec): string {
  return template
    .replaceAll('{p}', String(spec.precision ?? ''))
    .replaceAll('{s}', String(spec.scale ?? 0))
    .replaceAll('{n}', String(spec.length ?? ''))
    .replaceAll('{(n)}', spec.length === undefined ? '' : `(${spec.length})`);
}

const memo = new Map<string, MappingResult>();
/** Bare types (no argument, element or mapping variant) by the modes object of their source. */
const bareMemo = new WeakMap<ConnectorModes, Map<ColumnSpec['type'], MappingResult>>();

/**
 * Looks a column up in the matrix. Pure; the only place a column's journey is decided. Results are
 * memoised by what decides them (a thousand tables share a few dozen distinct column types).
 */
export function mapColumn(spec: ColumnSpec, modes: ConnectorModes): MappingResult {
  const element = spec.element;
  if (
    element === undefined &&
    spec.mapping === undefined &&
    spec.precision === undefined &&
    spec.scale === undefined &&
    spec.length === undefined
  ) {
    // A bare type (most columns): decided by the type and the source's modes alone, looked up without
    // building a key (the string key cost ~300 bytes per column).
    let byType = bareMemo.get(modes);
    if (!byType) bareMemo.set(modes, (byType = new Map()));
    let result = byType.get(spec.type);
    if (!result) byType.set(spec.type, (result = lookUp(spec, modes)));
    return result;
  }
  // One string, no array: each part is an enum, a number or empty; a mapping variant is marked so that
  // none ('') and '' differ.
  const key = `${modesKey(modes)}|${spec.type}|${spec.precision ?? ''}|${spec.scale ?? ''}|${spec.length ?? ''}|${
    spec.mapping === undefined ? '' : `=${spec.mapping}`
  }|${element === undefined ? '' : `${element.type}|${element.precision ?? ''}|${element.scale ?? ''}|${element.length ?? ''}`}`;
  let result = memo.get(key);
  if (!result) memo.set(key, (result = lookUp(spec, modes)));
  return result;
}

/** The connector modes as part of a memo key, once per modes object (one per source). */
const modesKeys = new WeakMap<ConnectorModes, string>();
function modesKey(modes: ConnectorModes): string {
  let key = modesKeys.get(modes);
  if (key === undefined) modesKeys.set(modes, (key = MODES.map((mode) => modes[mode]).join('|')));
  return key;
}

function lookUp(spec: ColumnSpec, modes: ConnectorModes): MappingResult {
  const isArray = spec.type === 'array';
  const key = isArray ? (spec.element ?? { type: 'text' as const }) : spec;
  const rule = (isArray ? ARRAY_RULES : RULES).find((r) => matches(r, key, modes));
  if (!rule) {
    return {
      ok: false,
      refusal: {
        rule: 'E0',
        reason: `no row of the type matrix covers ${describeType(spec)} here`,
        fix: 'use another column type',
      },
      variants: [],
      decidedBy: [],
    };
  }
  const variants = Object.keys(rule.cells);
  const variant = spec.mapping ?? 'default';
  const chosen = rule.cells[variant];
  if (!chosen) return { ok: false, unknownVariant: variant, variants };
  if (isRefusal(chosen)) {
    const decidedBy = MODES.filter((mode) => rule.when?.[mode] !== undefined).map(
      (mode) => `${MODE_PROPERTY[mode]}=${modes[mode]}`,
    );
    return { ok: false, refusal: chosen, variants, decidedBy };
  }
  return {
    ok: true,
    variants,
    mapping: {
      ...chosen,
      variant,
      flinkSourceType: fill(chosen.flinkSourceType, key),
      flinkSinkType: fill(chosen.flinkSinkType, key),
      expression: fill(chosen.expression, key),
      analyticsType: fill(chosen.analyticsType, key),
    },
  };
}

/** The source column's type as PostgreSQL spells it. */
export function describeType(spec: ColumnSpec): string {
  switch (spec.type) {
    case 'numeric':
      return spec.precision === undefined ? 'numeric' : `numeric(${spec.precision}, ${spec.scale ?? 0})`;
    case 'varchar':
      return spec.length === undefined ? 'varchar' : `varchar(${spec.length})`;
    case 'char':
      return `char(${spec.length ?? 1})`;
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
      return spec.precision === undefined ? spec.type : `${spec.type}(${spec.precision})`;
    case 'smallint':
    case 'integer':
    case 'bigint':
      return spec.serial ? { smallint: 'smallserial', integer: 'serial', bigint: 'bigserial' }[spec.type] : spec.type;
    case 'enum':
      return spec.enumName ?? 'enum';
    case 'composite':
      return spec.typeName ?? 'composite';
    case 'vector':
      return spec.length === undefined ? 'vector' : `vector(${spec.length})`;
    case 'array':
      return `${spec.element ? describeType(spec.element) : 'text'}[]`;
    case 'boolean':
    case 'real':
    case 'double precision':
    case 'money':
    case 'text':
    case 'uuid':
    case 'json':
    case 'jsonb':
    case 'bytea':
    case 'date':
    case 'interval':
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
      return spec.type;
    default:
      return assertNever(spec.type, 'column type');
  }
}
