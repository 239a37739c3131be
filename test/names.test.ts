import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PG_RESERVED, snakeCase } from '../src/resolve/names.js';
import { analyticsNameProblem, dedent, sourceNameProblem } from '../src/sql/dialect.js';
import { flinkIdent, quoteIdent } from '../src/render/text.js';

describe('names', () => {
  test("PG_RESERVED holds every word PostgreSQL itself reserves (PGlite's server)", async () => {
    const db = await PGlite.create();
    const words = await db.query<{ word: string }>("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')");
    expect(words.rows.length).toBeGreaterThan(80);
    expect(words.rows.map((r) => r.word).filter((w) => !PG_RESERVED.has(w))).toEqual([]);
    // …and a reserved word really cannot be a bare column name there, but can be a quoted one.
    await expect(db.exec('CREATE TABLE t1 (order integer)')).rejects.toThrow();
    await db.exec(`CREATE TABLE t2 (${quoteIdent('order')} integer, ${quoteIdent('createdAt')} integer)`);
    await db.close();
  });

  test.each([
    ['createdAt', 'created_at'],
    ['userID', 'user_id'],
    ['HTTPStatus', 'http_status'],
    ['already_snake', 'already_snake'],
    ['Order2Item', 'order2_item'],
    ['order_2_items', 'order_2_items'],
    ['Größe', 'größe'],
    ['straße', 'straße'],
  ])('snakeCase(%s) = %s', (input, output) => expect(snakeCase(input)).toBe(output));

  test('quoting', () => {
    expect(quoteIdent('orders')).toBe('orders');
    expect(quoteIdent('user')).toBe('"user"');
    expect(quoteIdent('UserEvents')).toBe('"UserEvents"');
    expect(flinkIdent('value')).toBe('`value`');
  });
});

describe('dedent', () => {
  /** What dedent means, written plainly (the compiler's version finds each line's indentation once). */
  const reference = (text: string) => {
    const lines = text
      .replace(/^\s*\n/, '')
      .replace(/\s+$/, '')
      .split('\n');
    const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length);
    const rest = indents.slice(/^\S/.test(lines[0] ?? '') ? 1 : 0);
    const cut = rest.length ? Math.min(...rest) : 0;
    return lines
      .map((l, i) => (i === 0 && /^\S/.test(l) ? l : l.slice(Math.min(cut, /^\s*/.exec(l)![0].length))))
      .join('\n');
  };

  test('removes the common indentation and the blank edges, whatever the whitespace', () => {
    expect(dedent('\n    SELECT a\n      FROM t\n    WHERE b\n  ')).toBe('SELECT a\n  FROM t\nWHERE b');
    expect(dedent('SELECT a\n    FROM t')).toBe('SELECT a\nFROM t');
    const text = fc.string({
      unit: fc.constantFrom(' ', ' ', '\t', '\n', '\n', '\r', '\u00a0', '\u2028', 'a', 'b', ';'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(text, (s) => dedent(s) === reference(s)),
      { numRuns: 20_000 },
    );
  });
});

test('name checks share one pattern object and keep no state between calls (no g or y flag)', () => {
  for (let i = 0; i < 3; i++) {
    expect(analyticsNameProblem('order_total')).toBeUndefined();
    expect(sourceNameProblem('OrderTotal')).toBeUndefined();
    expect(quoteIdent('order_total')).toBe('order_total');
    expect(analyticsNameProblem('OrderTotal')).toMatch(/^not lower-case snake_case/);
  }
});
