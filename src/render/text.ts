import { PG_RESERVED } from '../resolve/names.js';

/** Small pure helpers for laying out SQL text; escaping lives here so no emitter forgets it. */

/** A SQL string literal. */
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * A PostgreSQL string literal that reads the same whatever standard_conforming_strings is: E'…' with
 * escaped backslashes when the value has one.
 */
export const pgString = (value: string) =>
  value.includes('\\') ? `E${sqlString(value.replaceAll('\\', '\\\\'))}` : sqlString(value);

/** A single-quoted shell word. */
export const shellString = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * A Flink SQL identifier. Always backtick-quoted: Flink reserves hundreds of words (VALUE, BLOB, HOLD,
 * TIMESTAMP, …) that are ordinary column names in PostgreSQL.
 */
export const flinkIdent = (name: string) => `\`${name.replaceAll('`', '``')}\``;

/** An identifier, double-quoted only when PostgreSQL would otherwise fold or reject it. */
export const quoteIdent = (name: string) =>
  /^[a-z_][a-z0-9_]*$/.test(name) && !PG_RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`;

/** Left-aligns the first cells of rows: `[['id', 'STRING'], ['total', 'DOUBLE']]` → `id    STRING`. */
export function align(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => (b === '' ? a : `${a.padEnd(width)} ${b}`));
}

/** Appends `,` to every line but the last. */
export const commaSeparated = (lines: readonly string[]) => lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l));

/** Removes the indentation a template literal inherits from the code around it. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\s*\n/, '')
    .replace(/\s+$/, '')
    .split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length);
  const first = lines[0] ?? '';
  // The first line often starts right after the backtick and has no indentation of its own.
  const rest = indents.slice(/^\S/.test(first) ? 1 : 0);
  const cut = rest.length ? Math.min(...rest) : 0;
  return lines
    .map((l, i) => (i === 0 && /^\S/.test(l) ? l : l.slice(Math.min(cut, /^\s*/.exec(l)![0].length))))
    .join('\n');
}
