/**
 * The one JSON serialiser for artefacts: keys in the order the producer built them (the Model orders
 * them), two-space indentation, `\n` line ends, one trailing newline.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
