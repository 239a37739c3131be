/**
 * Every user mistake is a Diagnostic: data, collected and returned, never thrown. `InternalError` is for
 * bugs only.
 */

/**
 * Where in the config a finding belongs: a DSL entity and a property path inside its options; `at`
 * points inside the string (or the `part`-th literal text of the sql`…` template) the path reaches.
 */
export type Subject = SubjectEntity & { readonly at?: { readonly part: number; readonly offset: number } };

type SubjectEntity =
  | { readonly kind: 'pipeline'; readonly path?: readonly (string | number)[] }
  | { readonly kind: 'source'; readonly source: string; readonly path?: readonly (string | number)[] }
  | {
      readonly kind: 'table';
      readonly source: string;
      readonly table: string;
      readonly path?: readonly (string | number)[];
    }
  | { readonly kind: 'view'; readonly view: string; readonly path?: readonly (string | number)[] }
  | { readonly kind: 'chart'; readonly chart: string; readonly path?: readonly (string | number)[] }
  | { readonly kind: 'dashboard'; readonly dashboard: string; readonly path?: readonly (string | number)[] };

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface Diagnostic {
  /** Dotted, stable code, e.g. `REF.UNKNOWN_COLUMN`. */
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly hint?: string;
  readonly subject?: Subject;
  /** Filled in by the locator (CLI) from `subject`, or directly by the loader. */
  readonly location?: Location;
}

export function error(code: string, message: string, subject?: Subject, hint?: string): Diagnostic {
  return { code, severity: 'error', message, ...(subject ? { subject } : {}), ...(hint ? { hint } : {}) };
}

export function warning(code: string, message: string, subject?: Subject, hint?: string): Diagnostic {
  return { code, severity: 'warning', message, ...(subject ? { subject } : {}), ...(hint ? { hint } : {}) };
}

export const hasErrors = (diagnostics: readonly Diagnostic[]) => diagnostics.some((d) => d.severity === 'error');

/** Sorted by location, then code, then message: the same input always lists findings in the same order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => [d.location?.file ?? '', d.location?.line ?? 0, d.location?.column ?? 0] as const;
  return [...diagnostics].sort((a, b) => {
    const [fa, la, ca] = key(a);
    const [fb, lb, cb] = key(b);
    return (
      (fa < fb ? -1 : fa > fb ? 1 : 0) ||
      la - lb ||
      ca - cb ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
    );
  });
}

/**
 * A config value as text for a subject or a message. Never throws: `String()` does for an object without a
 * prototype, a throwing `toString` or a Proxy trap, and such a value is the user's mistake to report.
 */
export function displayValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return `(${value === null ? 'null' : typeof value})`;
  }
}

/** A bug in cdc-compile, never a user mistake. */
export class InternalError extends Error {
  override name = 'InternalError';
}

/**
 * Ends every walk over a kind (`switch` over a column type, an entity kind, a chart kind, …): a new kind
 * that a walk does not handle is a compile error there, and an InternalError if it arrives anyway.
 */
export function assertNever(value: never, what = 'kind'): never {
  throw new InternalError(`unhandled ${what}: ${JSON.stringify(value)}`);
}

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

/** A "did you mean" hint, when a candidate is close enough. */
export const didYouMean = (word: string, candidates: Iterable<string>) => {
  const match = closest(word, candidates);
  return match ? `did you mean '${match}'?` : undefined;
};

/** Reports every item whose key an earlier item already has (the first of each key is not reported). */
export function duplicates<T>(items: readonly T[], key: (item: T) => string, report: (item: T, name: string) => void) {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) report(item, k);
    seen.add(k);
  }
}
