import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { textSha256 } from '../src/digest.js';

const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('textSha256', () => {
  it('is the SHA-256 of the text as UTF-8, for the text it remembers and after it', () => {
    const a = 'const x = 1; // café →';
    const b = 'another text';
    expect(textSha256(a)).toBe(reference(a));
    expect(textSha256(a)).toBe(reference(a));
    expect(textSha256(b)).toBe(reference(b));
    // An equal string that is another object is the same text.
    expect(textSha256(['const x = 1;', ' // café →'].join(''))).toBe(reference(a));
    expect(textSha256('')).toBe(reference(''));
  });
});
