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
  // Most objects hold no property JSON leaves out: their key lists are compared as they are, and the
  // filtered lists are made only for an object that holds one (at 10,000 tables, ~10⁶ objects a compare).
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length === kb.length) {
    let i = 0;
    for (; i < ka.length; i++) {
      const k = ka[i]!;
      if (k !== kb[i] || omitted(ra[k]) || omitted(rb[k])) break;
      if (!sameJson(ra[k], rb[k])) return false;
    }
    if (i === ka.length) return true;
  }
  const wa = ka.filter((k) => !omitted(ra[k]));
  const wb = kb.filter((k) => !omitted(rb[k]));
  if (wa.length !== wb.length) return false;
  for (let i = 0; i < wa.length; i++) {
    const k = wa[i]!;
    if (k !== wb[i] || !sameJson(ra[k], rb[k])) return false;
  }
  return true;
}

/** A value JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (x: unknown) => x === undefined || typeof x === 'function' || typeof x === 'symbol';
