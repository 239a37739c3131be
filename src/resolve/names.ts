/** Naming rules in one place: every derived name the artefacts use comes from here. */

export const connectorName = (source: string) => `${source}-connector`;
export const slotName = (source: string) => `debezium_${source}_slot`;
export const publicationName = (source: string) => `debezium_${source}_pub`;
export const replicationUser = (source: string) => `debezium_${source}`;
export const topicName = (prefix: string, schema: string, table: string) => `${prefix}.${schema}.${table}`;
export const analyticsTableName = (table: string, kind: 'fact' | 'dimension') =>
  `${kind === 'fact' ? 'fact' : 'dim'}_${table}`;
export const envName = (...parts: string[]) => parts.join('_').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
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
