/** Column types as structured data in the Model (what `plan` and chart checks read instead of SQL text). */
import { describe, expect, test } from 'vitest';
import { t, type ColumnType } from '../src/dsl/columns.js';
import {
  columnCategory,
  dataTypeOf,
  parseAnalyticsType,
  renderDataType,
  VALUE_CATEGORIES,
} from '../src/resolve/data-types.js';
import { CONNECTOR_MODE_VALUES, describeType, mapColumn, type ConnectorModes } from '../src/resolve/type-matrix.js';
import { compileProject, ROOT } from './support/compile.js';

/** One column of every constructor, with and without arguments, and arrays of each. */
const SCALARS: Record<string, ColumnType> = {
  boolean: t.boolean(),
  smallint: t.smallint(),
  integer: t.integer(),
  bigint: t.bigint(),
  real: t.real(),
  double: t.double(),
  numeric: t.numeric(),
  'numeric(10,2)': t.numeric(10, 2),
  'numeric(40,5)': t.numeric(40, 5),
  'numeric(12)': t.numeric(12),
  money: t.money(),
  varchar: t.varchar(),
  'varchar(20)': t.varchar(20),
  text: t.text(),
  'char(3)': t.char(3),
  uuid: t.uuid(),
  json: t.json(),
  jsonb: t.jsonb(),
  bytea: t.bytea(),
  date: t.date(),
  time: t.time(),
  'time(0)': t.time(0),
  'time(3)': t.time(3),
  timetz: t.timetz(),
  timestamp: t.timestamp(),
  'timestamp(3)': t.timestamp(3),
  timestamptz: t.timestamptz(),
  'timestamptz(2)': t.timestamptz(2),
  interval: t.interval(),
  enum: t.enum('order_status'),
  inet: t.inet(),
  cidr: t.cidr(),
  macaddr: t.macaddr(),
  xml: t.xml(),
  point: t.point(),
};
const COLUMNS: Record<string, ColumnType> = {
  ...SCALARS,
  ...Object.fromEntries(Object.entries(SCALARS).map(([k, v]) => [`${k}[]`, t.array(v)])),
};

/** Every combination of connector modes. */
const ALL_MODES: ConnectorModes[] = (Object.keys(CONNECTOR_MODE_VALUES) as (keyof ConnectorModes)[]).reduce<
  Partial<ConnectorModes>[]
>(
  (acc, mode) => acc.flatMap((m) => CONNECTOR_MODE_VALUES[mode].map((v) => ({ ...m, [mode]: v }))),
  [{}],
) as ConnectorModes[];

describe('source data types', () => {
  test.each(Object.entries(COLUMNS))('%s: the structured type renders as the source type', (_, col) => {
    const type = dataTypeOf(col.spec);
    expect(VALUE_CATEGORIES).toContain(type.category);
    expect(renderDataType(type)).toBe(describeType(col.spec));
    expect(type.array).toBe(col.spec.type === 'array');
  });

  test('numbers, lengths and categories', () => {
    expect(dataTypeOf(t.numeric(10, 2).spec)).toEqual({
      base: 'numeric',
      precision: 10,
      scale: 2,
      array: false,
      category: 'numeric',
    });
    expect(dataTypeOf(t.varchar(50).spec)).toEqual({ base: 'varchar', length: 50, array: false, category: 'text' });
    expect(dataTypeOf(t.array(t.timestamp(3)).spec)).toEqual({
      base: 'timestamp',
      precision: 3,
      array: true,
      category: 'temporal',
    });
    expect(dataTypeOf(t.enum('mood').spec)).toMatchObject({ base: 'enum', enumName: 'mood', category: 'text' });
    // A serial is its integer type: the sequence lives in the source only.
    expect(dataTypeOf(t.bigserial().spec)).toEqual({ base: 'bigint', array: false, category: 'numeric' });
    expect(dataTypeOf(t.jsonb().spec).category).toBe('json');
    expect(dataTypeOf(t.bytea().spec).category).toBe('binary');
    expect(dataTypeOf(t.boolean().spec).category).toBe('boolean');
  });
});

describe('analytics data types', () => {
  test('every analytics type the matrix can produce parses, and renders back to the same text', () => {
    const seen = new Set<string>();
    for (const col of Object.values(COLUMNS)) {
      for (const modes of ALL_MODES) {
        const result = mapColumn(col.spec, modes);
        if (!result.ok) continue;
        for (const variant of result.variants) {
          const r = mapColumn({ ...col.spec, mapping: variant }, modes);
          if (r.ok) seen.add(r.mapping.analyticsType);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    for (const text of seen) expect(renderDataType(parseAnalyticsType(text)), text).toBe(text);
  });

  test('parsed analytics types carry their numbers', () => {
    expect(parseAnalyticsType('numeric(19, 2)')).toEqual({
      base: 'numeric',
      precision: 19,
      scale: 2,
      array: false,
      category: 'numeric',
    });
    expect(parseAnalyticsType('time(0)')).toEqual({ base: 'time', precision: 0, array: false, category: 'temporal' });
    expect(parseAnalyticsType('char(4)')).toEqual({ base: 'char', length: 4, array: false, category: 'text' });
    expect(() => parseAnalyticsType('hstore')).toThrow(/unknown analytics type/);
    expect(() => parseAnalyticsType('uuid(3)')).toThrow(/takes no argument/);
  });
});

describe('the book store Model', () => {
  test('tables and views carry structured types beside the rendered ones', async () => {
    const { model } = await compileProject(`${ROOT}/pipeline.config.ts`);
    const orders = model!.tables.find((x) => x.name === 'orders')!;
    const total = orders.columns.find((c) => c.name === 'total')!;
    expect(total.sourceType).toBe('numeric(10, 2)');
    expect(total.sourceDataType).toEqual({
      base: 'numeric',
      precision: 10,
      scale: 2,
      array: false,
      category: 'numeric',
    });
    const landed = orders.analytics.columns.find((c) => c.name === 'total')!;
    expect(landed.dataType).toEqual(parseAnalyticsType(landed.type));
    expect(columnCategory(orders.analytics, 'created_at')).toBe('temporal');
    expect(columnCategory(orders.analytics, 'synced_at')).toBe('temporal');
    expect(columnCategory(orders.analytics, 'status')).toBe('text');
    const sales = model!.views.find((v) => v.name === 'vw_sales_over_time')!;
    expect(columnCategory(sales, 'daily_revenue')).toBe('numeric');
    expect(columnCategory(sales, 'sale_date')).toBe('temporal');
    expect(columnCategory(sales, 'nope')).toBeUndefined();
    for (const table of model!.tables) {
      for (const c of table.analytics.columns) expect(renderDataType(c.dataType), c.name).toBe(c.type);
    }
  });
});

test('a bare type has one shared DataType per base, equal to the one built key by key; an argument gets its own', () => {
  for (const make of [t.text, t.integer, t.bigint, t.uuid, t.jsonb, t.boolean, t.date, t.timestamptz, t.bytea]) {
    const a = dataTypeOf(make().spec);
    expect(dataTypeOf(make().notNull().spec)).toBe(a);
    expect(Object.keys(a)).toEqual(['base', 'array', 'category']);
    expect(a.array).toBe(false);
  }
  expect(dataTypeOf(t.text().spec)).not.toBe(dataTypeOf(t.integer().spec));
  expect(dataTypeOf(t.timestamp(3).spec)).toEqual({
    base: 'timestamp',
    precision: 3,
    array: false,
    category: 'temporal',
  });
  expect(dataTypeOf(t.timestamp(3).spec)).not.toBe(dataTypeOf(t.timestamp().spec));
  expect(dataTypeOf(t.array(t.text()).spec)).toEqual({ base: 'text', array: true, category: 'text' });
  expect(dataTypeOf(t.enum('mood').spec)).toMatchObject({ base: 'enum', enumName: 'mood' });
});
