/** Small pure helpers for laying out SQL and shell text. Quoting and escaping live in src/sql/dialect.ts. */
import { sqlString } from '../sql/dialect.js';

export { flinkIdent, quoteIdent, sqlString } from '../sql/dialect.js';

/**
 * A PostgreSQL string literal that reads the same whatever standard_conforming_strings is: E'…' with
 * escaped backslashes when the value has one.
 */
export const pgString = (value: string) =>
  value.includes('\\') ? `E${sqlString(value.replaceAll('\\', '\\\\'))}` : sqlString(value);

/** A single-quoted shell word. */
export const shellString = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** Left-aligns the first cells of rows: `[['id', 'STRING'], ['total', 'DOUBLE']]` → `id    STRING`. */
export function align(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => (b === '' ? a : `${a.padEnd(width)} ${b}`));
}

/** Appends `,` to every line but the last. */
export const commaSeparated = (lines: readonly string[]) => lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l));
