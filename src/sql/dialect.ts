/**
 * Facts of the SQL dialects that every stage shares (a leaf module: it imports nothing of the compiler):
 * PostgreSQL's reserved words, what a name may be, how identifiers are quoted and literals escaped.
 */

/**
 * PostgreSQL's reserved key words (pg_get_keywords() categories R and T, PostgreSQL 15 to 18): they cannot
 * be column or table names unless quoted, and the Flink JDBC sink never quotes. Tested against the server.
 */
export const PG_RESERVED: ReadonlySet<string> = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate ' +
    'collation column concurrently constraint create cross current_catalog current_date current_role ' +
    'current_schema current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into ' +
    'is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on ' +
    'only or order outer overlaps placing primary references returning right select session_user similar some ' +
    'symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when ' +
    'where window with'
  ).split(' '),
);

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/** Why a name cannot be used, if it cannot; analytics names (`reservedToo`) are also never reserved words. */
export function nameProblem(name: string, pattern: RegExp, rule: string, reservedToo: boolean): string | undefined {
  if (!pattern.test(name)) return rule;
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a name of 21 units or fewer is never too long.
  if (name.length > MAX_IDENTIFIER_BYTES / 3 && Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES)
    return `longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte identifier limit`;
  if (reservedToo && PG_RESERVED.has(name)) {
    return 'a reserved word in PostgreSQL, which the Flink JDBC sink cannot write (it does not quote names)';
  }
  return undefined;
}

// Module constants: a regex literal in the arrow made a RegExp per name checked (one per column, twice).
const ANALYTICS_NAME = /^[a-z_][a-z0-9_]*$/;
const SOURCE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a name cannot be an analytics table, column or view name (the JDBC sink never quotes). */
export const analyticsNameProblem = (name: string) =>
  nameProblem(
    name,
    ANALYTICS_NAME,
    'not lower-case snake_case (letters a-z, digits, _; not starting with a digit)',
    true,
  );

/** Why a name cannot be a source schema, table or column name as cdc-compile carries it. */
export const sourceNameProblem = (name: string) =>
  nameProblem(name, SOURCE_NAME, 'not made of ASCII letters, digits and _ (not starting with a digit)', false);

/** A SQL string literal. */
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * A Flink SQL identifier. Always backtick-quoted: Flink reserves hundreds of words (VALUE, BLOB, HOLD,
 * TIMESTAMP, …) that are ordinary column names in PostgreSQL.
 */
// (A name without a backtick, nearly every one, is not searched and copied again: ~10⁵ calls at 1,000 tables.)
export const flinkIdent = (name: string) => (name.includes('`') ? `\`${name.replaceAll('`', '``')}\`` : `\`${name}\``);

/** An identifier, double-quoted only when PostgreSQL would otherwise fold or reject it. */
export const quoteIdent = (name: string) =>
  ANALYTICS_NAME.test(name) && !PG_RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`;

/** Removes the indentation a template literal inherits from the code around it. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\s*\n/, '')
    .replace(/\s+$/, '')
    .split('\n');
  // Each line's leading whitespace (as \s counts it), found once.
  const leads = lines.map(leadingSpace);
  // The first line often starts right after the backtick and has no indentation of its own.
  const from = lines[0] && leads[0] === 0 ? 1 : 0;
  let cut = Number.POSITIVE_INFINITY;
  for (let i = from; i < lines.length; i++) if (leads[i]! < lines[i]!.length && leads[i]! < cut) cut = leads[i]!;
  if (cut === Number.POSITIVE_INFINITY) cut = 0;
  return lines.map((l, i) => l.slice(Math.min(cut, leads[i]!))).join('\n');
}

/** How many characters at the start of `line` are whitespace (`\s`). */
const leadingSpace = (line: string): number => {
  const at = line.search(/\S/);
  return at < 0 ? line.length : at;
};
