import { describe, expect, it } from 'vitest';
import { t } from '../src/dsl/columns.js';
import { sql } from '../src/dsl/view.js';
import { postgresSource, secret } from '../src/dsl/source.js';

// Column types are frozen values that equal calls share (a 10,000-table config declares a few dozen
// distinct types 230,000 times). These tests fail if sharing ever lets one column's type change another's.
describe('column types are shared, frozen values', () => {
  it('returns one object for equal calls', () => {
    expect(t.uuid()).toBe(t.uuid());
    expect(t.varchar(255)).toBe(t.varchar(255));
    expect(t.numeric(12, 2)).toBe(t.numeric(12, 2));
    expect(t.numeric(12)).toBe(t.numeric(12, 0));
    expect(t.timestamp(3)).toBe(t.timestamp(3));
    expect(t.uuid().primaryKey()).toBe(t.uuid().primaryKey());
    expect(t.text().notNull()).toBe(t.text().notNull());
    expect(t.text().primaryKey().notNull()).toBe(t.text().primaryKey().notNull());
  });

  it('keeps different arguments apart, and -0, strings and objects out of the memo', () => {
    expect(t.varchar(255)).not.toBe(t.varchar(32));
    expect(t.varchar()).not.toBe(t.varchar(1));
    expect(t.numeric(12, 2)).not.toBe(t.numeric(12, 3));
    expect(t.timestamp(3)).not.toBe(t.timestamptz(3));
    expect(t.integer()).not.toBe(t.integer().primaryKey());
    expect(Object.is(t.numeric(-0).spec.precision, -0)).toBe(true);
    expect(Object.is(t.numeric(0).spec.precision, 0)).toBe(true);
    const odd = '10' as unknown as number;
    expect(t.varchar(odd)).not.toBe(t.varchar(odd));
    expect(t.varchar(odd).spec).toEqual({ type: 'varchar', length: '10' });
  });

  it('cannot be changed, so sharing one changes no other column', () => {
    const uuid = t.uuid();
    expect(Object.isFrozen(uuid)).toBe(true);
    expect(Object.isFrozen(uuid.spec)).toBe(true);
    expect(Object.isFrozen(t.array(t.text()).spec)).toBe(true);
    expect(() => {
      (uuid.spec as { notNull?: boolean }).notNull = true;
    }).toThrow(TypeError);
    expect(() => {
      (uuid as { spec: unknown }).spec = { type: 'text' };
    }).toThrow(TypeError);
    expect(t.uuid().spec).toEqual({ type: 'uuid' });
    // Its only own property is still `spec` (validation and plain-object inspection read that).
    expect(Object.keys(t.uuid().primaryKey())).toEqual(['spec']);
    expect(t.uuid().primaryKey().spec).toEqual({ type: 'uuid', primaryKey: true });
    expect(t.uuid().describe('x')).not.toBe(t.uuid().describe('x'));
  });
});

describe('sql`…`', () => {
  it('keeps a template call site’s frozen strings, and copies any other array', () => {
    const orders = postgresSource('s', { database: 'd', password: secret('s', 'p') }).table('orders', {
      columns: { id: t.uuid().primaryKey() },
    });
    const make = () => sql`SELECT ${orders.c.id} FROM ${orders}`;
    expect(make().strings).toBe(make().strings);
    expect(make().strings).toEqual(['SELECT ', ' FROM ', '']);
    const strings = ['SELECT 1'];
    const fragment = sql(strings as unknown as TemplateStringsArray);
    strings[0] = 'DROP TABLE x';
    expect(fragment.strings).toEqual(['SELECT 1']);
  });
});
