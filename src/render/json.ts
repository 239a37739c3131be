/**
 * The one JSON serialiser for artefacts: keys in the order the producer built them (the Model orders
 * them), two-space indentation, `\n` line ends, one trailing newline.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** JSON with keys sorted recursively; for hashes and manifests where no order is meaningful. */
export function sortedJson(value: unknown): string {
  return canonicalJson(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
