/** Naming rules in one place: every derived name the artefacts use comes from here. */
import type { TableKind } from '../dsl/enums.js';

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

/** `createdAt` → `created_at`, `userID` → `user_id`, `HTTPStatus` → `http_status`; snake_case stays. */
export const snakeCase = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();

export const connectorName = (source: string) => `${source}-connector`;
export const slotName = (source: string) => `debezium_${source}_slot`;
export const publicationName = (source: string) => `debezium_${source}_pub`;
export const replicationUser = (source: string) => `debezium_${source}`;
/** The event trigger (and its function) that gives new partitions of captured tables their replica identity. */
export const partitionWatchName = (source: string) => `debezium_${source}_partitions`;
export const topicName = (prefix: string, schema: string, table: string) => `${prefix}.${schema}.${table}`;
const TABLE_PREFIX: Readonly<Record<TableKind, string>> = { fact: 'fact', dimension: 'dim' };
export const analyticsTableName = (table: string, kind: TableKind) => `${TABLE_PREFIX[kind]}_${snakeCase(table)}`;
export const envName = (...parts: string[]) =>
  parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
export const qualify = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);

/** The closest candidate by edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export const didYouMean = (word: string, candidates: Iterable<string>) => {
  const match = closest(word, candidates);
  return match ? `did you mean '${match}'?` : undefined;
};

/** Why a name cannot be used, if it cannot; analytics names (`reservedToo`) are also never reserved words. */
export function nameProblem(name: string, pattern: RegExp, rule: string, reservedToo: boolean): string | undefined {
  if (!pattern.test(name)) return rule;
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES)
    return `longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte identifier limit`;
  if (reservedToo && PG_RESERVED.has(name)) {
    return 'a reserved word in PostgreSQL, which the Flink JDBC sink cannot write (it does not quote names)';
  }
  return undefined;
}

/** Why a name cannot be an analytics table, column or view name (the JDBC sink never quotes). */
export const analyticsNameProblem = (name: string) =>
  nameProblem(
    name,
    /^[a-z_][a-z0-9_]*$/,
    'not lower-case snake_case (letters a-z, digits, _; not starting with a digit)',
    true,
  );

/** Why a name cannot be a source schema, table or column name as cdc-compile carries it. */
export const sourceNameProblem = (name: string) =>
  nameProblem(
    name,
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'not made of ASCII letters, digits and _ (not starting with a digit)',
    false,
  );

/** The analytics name of a source column: its `.analyticsName()`, else its name in snake_case. */
export const landingName = (column: string, spec: { readonly analyticsName?: string }) =>
  spec.analyticsName ?? snakeCase(column);
