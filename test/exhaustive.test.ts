/** Every walk over a kind ends in assertNever: a kind nobody handles is an InternalError, never a silent default. */
import { describe, expect, test } from 'vitest';
import { assertNever, InternalError } from '../src/diagnostics.js';
import { PG_TYPES, t, valueCategory, type ColumnSpec, type PgType } from '../src/dsl/columns.js';
import { definePipeline, postgresSource, secret } from '../src/index.js';
import { dataTypeOf, renderDataType } from '../src/resolve/data-types.js';
import { describeType } from '../src/resolve/type-matrix.js';
import { validate } from '../src/validate/index.js';

const spec = (type: PgType): ColumnSpec => (type === 'array' ? { type, element: { type: 'text' } } : { type });
/** A type the compiler does not know, as a hand-made spec (plain JavaScript) would carry it. */
const foreign = { type: 'hstore' } as unknown as ColumnSpec;

describe('walks over column types', () => {
  test.each(PG_TYPES)('%s is handled by every walk', (type) => {
    expect(describeType(spec(type))).toMatch(/^[a-z]/);
    expect(valueCategory(spec(type))).toMatch(/^[a-z]+$/);
    expect(renderDataType(dataTypeOf(spec(type)))).toMatch(/^[a-z]/);
  });

  test('a type no walk knows is an internal error, not a silently printed name', () => {
    expect(() => describeType(foreign)).toThrow(InternalError);
    expect(() => valueCategory(foreign)).toThrow(InternalError);
    expect(() => assertNever('x' as never, 'thing')).toThrow(/unhandled thing: "x"/);
  });

  test('such a type never reaches them: validation refuses it, with the list of known types', () => {
    const src = postgresSource('s', { host: 'db', database: 'd', password: secret('db', 'password') });
    // Column types are frozen (and shared): a forged one is a column type's prototype with another spec.
    const forged = Object.create(Object.getPrototypeOf(t.text()), { spec: { value: foreign, enumerable: true } });
    src.table('x', { columns: { id: t.integer().primaryKey(), v: forged } });
    const { diagnostics } = validate(
      definePipeline({
        name: 'p',
        sources: [src],
        kafka: { bootstrapServers: 'k:9092' },
        connect: { url: 'http://c:8083' },
        analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'password') },
      }),
    );
    expect(diagnostics.map((d) => [d.code, d.subject?.path])).toEqual([
      ['CONFIG.INVALID_VALUE', ['columns', 'v', 'type']],
    ]);
    expect(diagnostics[0]!.message).toContain("'timestamptz'");
  });
});
