/**
 * The one JSON serialiser for artefacts: keys in the order the producer built them (the Model orders
 * them), two-space indentation, `\n` line ends, one trailing newline.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Whether `a` and `b` serialise to the same JSON (`JSON.stringify(a) === JSON.stringify(b)` for plain
 * data: keys in order, properties holding undefined or a function left out), without building either
 * text: comparing two 10,000-table snapshots that way made two strings of ~50 MB each.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const custom = (x: unknown) => typeof x === 'object' && x !== null && 'toJSON' in x;
  if (custom(a) || custom(b)) return JSON.stringify(a) === JSON.stringify(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // Distinct primitives: equal as JSON only as non-finite numbers (both `null`) or both left out.
    const nullish = (x: unknown) => (typeof x === 'number' && !Number.isFinite(x)) || x === null;
    const omitted = (x: unknown) => x === undefined || typeof x === 'function' || typeof x === 'symbol';
    return (nullish(a) && nullish(b)) || (omitted(a) && omitted(b));
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    // An element JSON leaves out is written as null.
    const item = (x: unknown) => (x === undefined || typeof x === 'function' || typeof x === 'symbol' ? null : x);
    for (let i = 0; i < a.length; i++) if (!sameJson(item(a[i]), item(other[i]))) return false;
    return true;
  }
  const written = (o: object) =>
    Object.keys(o).filter((k) => {
      const v = (o as Record<string, unknown>)[k];
      return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
    });
  const ka = written(a);
  const kb = written(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
