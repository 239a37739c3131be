// Every non-refusal type-matrix cell (examples/type-cells) with boundary values: each column gets the same
// values in rows written before the connectors start (the snapshot: Debezium reads them over JDBC) and in
// rows written while they stream (pgoutput), and a row of NULLs. Each analytics value is compared with what
// the column's cell in the Model says it must be: `expect(column, modes)` gives one SQL expression over the
// source column (run in the source database) and one over the analytics column (run in the analytics
// database), both rendering text, which must be equal. Sessions on both sides run in UTC.

const SNAPSHOT_IDS = [1, 2, 3, 4];

/** Boundary values per base type (SQL literals; the column's type casts them). Three rows. */
const V = {
  boolean: ['true', 'false', 'true'],
  smallint: ['32767', '-32768', '0'],
  integer: ['2147483647', '-2147483648', '0'],
  bigint: ['9223372036854775807', '-9223372036854775808', '0'],
  real: ["'3.4028235e38'", "'-1.17549435e-38'", "'0.1'"],
  'double precision': ["'1.7976931348623157e308'", "'-2.2250738585072014e-308'", "'0.1'"],
  numeric: (p, s) =>
    p === undefined
      ? ["'12345678901234567890.123456789012'", "'-0.000000000000000001'", "'0'"]
      : [
          `'${'9'.repeat(p - s)}.${'9'.repeat(s)}'`,
          `'-${'1234567890123456789012345678901234567890'.slice(0, p - s)}.${'0123456789'.repeat(5).slice(0, s)}'`,
          "'0'",
        ],
  money: ["'92233720368547758.07'", "'-92233720368547758.08'", "'0.01'"],
  varchar: ["'ünïcödé ✓ 日本語 😀'", "''", "'quote '' and \\ backslash'"],
  text: ["'ünïcödé ✓ 日本語 😀'", "''", "'line\nbreak\ttab'"],
  char: ["'ab'", "''", "'日本'"],
  uuid: [
    "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
    "'00000000-0000-0000-0000-000000000000'",
    "'7d1c0c3e-1234-4000-8000-00000000abcd'",
  ],
  json: [`'{"a": [1, 2.5, "ü"], "b": null}'`, "'[]'", `'"just a string"'`],
  jsonb: [`'{"a": [1, 2.5, "ü"], "b": null}'`, "'[]'", `'"just a string"'`],
  bytea: ["'\\x00ff10'", "'\\x'", "'\\xdeadbeef'"],
  date: ["'1969-12-31'", "'0001-01-01'", "'9999-12-31'"],
  time: ["'23:59:59.999999'", "'00:00:00'", "'12:34:56.789'"],
  timetz: ["'23:59:59.999999+14'", "'00:00:00-12'", "'12:34:56.789+05:30'"],
  timestamp: ["'1969-12-31 23:59:59.999999'", "'2024-02-29 12:00:00.123456'", "'1900-01-01 00:00:00'"],
  timestamptz: ["'1969-12-31 23:59:59.999999+00'", "'2024-02-29 12:00:00.123456+05:30'", "'2999-01-01 00:00:00+00'"],
  interval: ["'1 year 2 mons 3 days 04:05:06.789012'", "'-1 days -00:00:01'", "'0'"],
  enum: ["'happy'", "'sad'", "'ok'"],
  inet: ["'192.168.0.1'", "'::1/128'", "'10.0.0.0/8'"],
  cidr: ["'10.0.0.0/8'", "'2001:db8::/32'", "'192.168.1.0/24'"],
  macaddr: ["'08:00:2b:01:02:03'", "'00:00:00:00:00:00'", "'ff:ff:ff:ff:ff:ff'"],
  xml: [`'<a b="1">ü</a>'`, "''", "'<x/>'"],
  int4range: ["'[1,10)'", "'empty'", "'(,5]'"],
  int8range: ["'[-9223372036854775808,9223372036854775807)'", "'empty'", "'[0,)'"],
  numrange: ["'[1.5,2.25]'", "'empty'", "'(,0)'"],
  tsrange: ["'[2024-01-01 00:00,2024-01-02 00:00:00.5)'", "'empty'", "'[1969-12-31 23:59:59,)'"],
  tstzrange: ["'[2024-01-01 00:00+00,2024-01-02 00:00+02)'", "'empty'", "'(,2024-01-01 00:00+00]'"],
  daterange: ["'[2024-01-01,2024-02-01)'", "'empty'", "'[1969-12-31,)'"],
};

/** Array values: the first two scalar values with a NULL element, an empty array, one element. */
function arrayValues(base, p, s) {
  const v = typeof V[base] === 'function' ? V[base](p, s) : V[base];
  const lit = (x) => `(${x})`;
  return [`ARRAY[${lit(v[0])}, ${lit(v[1])}, NULL]`, "'{}'", `ARRAY[${lit(v[2])}]`];
}

export function valuesOf(col) {
  const t = col.sourceDataType;
  if (t.array) {
    const e = t.element ?? t;
    return arrayValues(e.base, e.precision, e.scale).map((x) => `(${x})::${col.sourceType}`);
  }
  const v = V[t.base];
  if (!v) throw new Error(`no boundary values for ${t.base}`);
  return (typeof v === 'function' ? v(t.precision, t.scale) : v).map((x) => `(${x})::${col.sourceType}`);
}

/** A JSON array of numbers re-rendered through `type` (0.0 and 0, float digits). */
const asNumbers = (a, type) =>
  `CASE WHEN jsonb_array_length(${a}::jsonb) = 0 THEN '[]' ELSE (SELECT jsonb_agg(CASE WHEN jsonb_typeof(e) = 'null' THEN e ELSE to_jsonb((e::text)::${type}) END) FROM jsonb_array_elements(${a}::jsonb) AS e)::text END`;

/** The type's output form (what Debezium reads), NULL for NULL. */
const out = (c) => `CASE WHEN ${c} IS NULL THEN NULL ELSE format('%s', ${c}) END`;

const ms = (c) => `floor(extract(epoch from ${c}) * 1000)::bigint`;
const us = (c) => `(extract(epoch from ${c}) * 1000000)::bigint`;

/**
 * What the analytics value must be, by the matrix's cell: [expression over the source column, expression
 * over the analytics column], both text.
 */
export function expect(col, modes) {
  const c = `"${col.name}"`;
  const a = `"${col.analyticsName}"`;
  const m = col.mapping;
  const t = col.sourceDataType;
  const same = [`(${c})::${m.analyticsType}::text`, `${a}::text`];
  if (t.array) {
    const e = t.element ?? { base: t.base };
    const json = (x) => (m.variant === 'text' ? [x, `${a}::jsonb::text`] : [x, `${a}::text`]);
    const each = (f) => `(SELECT jsonb_agg(${f}) FROM unnest(${c}) WITH ORDINALITY AS u(x, i))::text`;
    // An empty array is [] on the analytics side; jsonb_agg over nothing is NULL.
    const agg = (f) => `CASE WHEN cardinality(${c}) = 0 THEN '[]' ELSE ${each(f)} END`;
    switch (e.base) {
      case 'date':
        return json(agg("to_jsonb(x - DATE '1970-01-01')"));
      case 'time':
        // µs since midnight at millisecond precision; 24:00:00 arrives as 0 (the cell's lossy note).
        return json(agg(`to_jsonb(CASE WHEN x = '24:00' THEN 0 ELSE ${ms('x')} * 1000 END)`));
      case 'timestamp':
        return json(
          agg(
            modes.timePrecision === 'connect' || (e.precision ?? 6) <= 3
              ? `to_jsonb(${ms("x AT TIME ZONE 'UTC'")})`
              : `to_jsonb(${us("x AT TIME ZONE 'UTC'")})`,
          ),
        );
      case 'numeric':
        if (modes.decimalHandling === 'string') return json(agg('to_jsonb(x::text)'));
        return [agg('to_jsonb(x::double precision)'), asNumbers(a, 'double precision')];
      case 'real':
        // A float's JSON digits differ by writer (1.17549435e-38 or 1.1754944e-38); compared as values.
        return [agg('to_jsonb(x)'), asNumbers(a, 'real')];
      case 'timetz':
        return json(
          agg(
            m.lossy
              ? `to_jsonb(to_char('2000-01-01'::date + (x AT TIME ZONE 'UTC')::time, 'HH24:MI:SS"Z"'))`
              : `to_jsonb(to_char('2000-01-01'::date + (x AT TIME ZONE 'UTC')::time, 'HH24:MI:SS.US"Z"'))`,
          ),
        );
      case 'timestamptz':
        return json(agg(`to_jsonb(to_char(x AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`));
      case 'boolean':
      case 'smallint':
      case 'integer':
      case 'bigint':
      case 'double precision':
        return json(agg('to_jsonb(x)'));
      default:
        // The type's output form, as Debezium reads it (inet without /32, char with its padding).
        return json(agg(`to_jsonb(${out('x')})`));
    }
  }
  switch (t.base) {
    case 'time':
      if (m.variant === 'integer')
        return [m.flinkSinkType === 'INT' ? ms(c) + '::text' : us(c) + '::text', `${a}::text`];
      return [`date_trunc('second', ${c})::time(0)::text`, `${a}::text`];
    case 'timestamp': {
      const toMs = modes.timePrecision === 'connect' || m.lossy;
      if (m.variant === 'raw')
        return [
          (m.unit?.startsWith('micro') ? us(`${c} AT TIME ZONE 'UTC'`) : ms(`${c} AT TIME ZONE 'UTC'`)) + '::text',
          `${a}::text`,
        ];
      const v = toMs ? `date_trunc('milliseconds', ${c})` : c;
      if (m.variant === 'timestamptz')
        return [`extract(epoch from ${v} AT TIME ZONE 'UTC')::text`, `extract(epoch from ${a})::text`];
      return [`${v}::timestamp(3)::text`, `${a}::text`];
    }
    case 'timestamptz':
      if (m.variant === 'timestamp') return [`(${c} AT TIME ZONE 'UTC')::text`, `${a}::text`];
      return [`extract(epoch from ${c})::text`, `extract(epoch from ${a})::text`];
    case 'timetz':
      return [`(${c} AT TIME ZONE 'UTC')::text`, `(${a})::timetz::text`];
    case 'interval':
      // µs, a month counting 30.4375 days (PostgreSQL's own epoch counts a year as 365.25 days and a
      // month as 30).
      if (m.analyticsType === 'bigint') {
        const months = `(extract(year from ${c}) * 12 + extract(month from ${c}))::int`;
        return [
          `(round(extract(epoch from ${c} - make_interval(months => ${months})) * 1000000) + ${months}::bigint * 2629800000000)::bigint::text`,
          `${a}::text`,
        ];
      }
      return same;
    case 'bytea':
      if (m.analyticsType === 'text') return [`encode(${c}, 'hex')`, `lower(${a})`];
      return same;
    case 'numeric':
    case 'money': {
      if (/snapshot/.test(m.lossy ?? '') && !col.viaDoubleOnly)
        // Through a double in the snapshot rows only (the cell's lossy note); exact when streamed.
        return [
          `CASE WHEN "id" IN (${SNAPSHOT_IDS.join(', ')}) THEN (${expect({ ...col, viaDoubleOnly: true }, modes)[0]}) ELSE (${c})::numeric::${m.analyticsType}::text END`,
          `${a}::text`,
        ];
      const viaDouble = m.flinkSourceType === 'DOUBLE' || col.viaDoubleOnly;
      // float8 → numeric keeps 15 significant digits; float8 → text → numeric keeps the double's value.
      if (viaDouble && m.analyticsType === 'double precision')
        return [`(${c})::numeric::double precision::text`, `${a}::text`];
      if (viaDouble) {
        // Flink's CAST of a double to DECIMAL(p, s) gives NULL when the rounded value does not fit.
        const p = m.flinkSinkType.match(/\((\d+), (\d+)\)/);
        const limit = p ? `10::numeric ^ ${Number(p[1]) - Number(p[2])}` : null;
        const dbl = `(${c})::numeric::double precision::text::numeric`;
        return [
          limit
            ? `CASE WHEN abs(round(${dbl}, ${p[2]})) >= ${limit} THEN NULL ELSE ${dbl}::${m.analyticsType}::text END`
            : `${dbl}::${m.analyticsType}::text`,
          `${a}::text`,
        ];
      }
      return [`(${c})::numeric::${m.analyticsType}::text`, `${a}::text`];
    }
    case 'char':
      return [`(${c})::text`, `${a}::text`];
    default:
      return m.analyticsType === 'text' ? [out(c), `${a}::text`] : same;
  }
}

export default {
  config: 'examples/type-cells/pipeline.config.ts',
  // The enum type lives in the source schema, as an application would have created it.
  prepare: { exact: "CREATE TYPE mood AS ENUM ('happy', 'sad', 'ok')" },
  cells: { snapshotIds: SNAPSHOT_IDS, streamIds: [11, 12, 13, 14] },
};
