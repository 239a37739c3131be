/** Source index of the character at `offset` of a literal's cooked text, given its raw text after the delimiter. */
export function rawIndex(raw: string, offset: number): number {
  let cooked = 0;
  let i = 0;
  while (i < raw.length && cooked < offset) {
    if (raw[i] === '\\') {
      const c = raw[i + 1] ?? '';
      if (c === '\r' && raw[i + 2] === '\n') i += 3;
      else if (c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029') i += 2;
      else if (c === 'x') [i, cooked] = [i + 4, cooked + 1];
      else if (c === 'u' && raw[i + 2] === '{') {
        const close = raw.indexOf('}', i);
        const code = parseInt(raw.slice(i + 3, close), 16);
        [i, cooked] = [close + 1, cooked + (code > 0xffff ? 2 : 1)];
      } else if (c === 'u') [i, cooked] = [i + 6, cooked + 1];
      else [i, cooked] = [i + 2, cooked + 1];
      continue;
    }
    if (raw[i] === '\r' && raw[i + 1] === '\n') i++;
    i++;
    cooked++;
  }
  return i;
}
