/**
 * The validator's fast path (src/validate/fast.ts) must agree with zod on every value: a value it lets
 * through without zod must be one zod accepts, or a mistake would go unreported. Every entity of the book
 * store and the examples is checked as it is, and damaged at every path (each leaf replaced by odd
 * values, each key removed, an unknown key added), through the compiled parser and through zod.
 */
import { expect, test } from 'vitest';
import type { ZodTypeAny } from 'zod';
import { brand, entityKind, isFrozenData } from '../src/dsl/entity.js';
import { definePipeline, postgresSource, secret, t } from '../src/index.js';
import type { Pipeline } from '../src/dsl/pipeline.js';
import type { Source } from '../src/dsl/source.js';
import { loadConfig } from '../src/load/index.js';
import { deploymentOptions } from '../src/validate/deployment.js';
import { fastParser, readsCheckedOnly, sameVerdictWhenFrozen } from '../src/validate/fast.js';
import * as schema from '../src/validate/schema.js';
import { validate } from '../src/validate/index.js';
import { PROJECTS } from './support/compile.js';

const ODD: unknown[] = [
  undefined,
  null,
  -1,
  1.5,
  65536,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'a b',
  'UPPER',
  'x'.repeat(300),
  'line\nbreak',
  'postgres://u:p@h/db',
  true,
  [],
  {},
  () => 1,
  new Date(0),
];

/** Descriptors of a copy that can be changed (column types are frozen; the copy need not be). */
const unfrozen = (descriptors: PropertyDescriptorMap): PropertyDescriptorMap =>
  Object.fromEntries(
    Reflect.ownKeys(descriptors).map((k) => [
      k,
      {
        ...descriptors[k as string],
        configurable: true,
        ...('value' in descriptors[k as string]! ? { writable: true } : {}),
      },
    ]),
  );

/** A copy of an object or entity (its brand and prototype kept) with one property changed or removed. */
function withChange(value: object, key: string | number, next: unknown, remove = false): object {
  const copy: Record<string | number, unknown> = Array.isArray(value)
    ? [...value]
    : Object.create(Object.getPrototypeOf(value), unfrozen(Object.getOwnPropertyDescriptors(value)));
  if (remove) delete copy[key];
  else Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** The value, and damaged copies of it at every path (into plain objects, arrays and column types). */
function* damaged(value: unknown, depth = 0): Generator<unknown> {
  yield value;
  if (depth > 5 || value === null || typeof value !== 'object') return;
  const kind = entityKind(value);
  if (kind === 'column-type') {
    const spec = (value as { spec: object }).spec;
    for (const d of damaged(spec, depth + 1)) if (d !== spec) yield withChange(value, 'spec', d);
    return;
  }
  if (kind) return; // other entities are validated as their own subjects
  yield withChange(value, 'bogusKey', 1);
  // Arrays: their first two items (the rest repeat the same schema).
  for (const key of Object.keys(value).slice(0, Array.isArray(value) ? 2 : undefined)) {
    const child = (value as Record<string, unknown>)[key];
    if (!Array.isArray(value)) yield withChange(value, key, undefined, true);
    for (const odd of ODD) yield withChange(value, key, odd);
    for (const d of damaged(child, depth + 1)) if (d !== child) yield withChange(value, key, d);
  }
}

/** Every (schema, value) pair validate() checks for a config. */
function subjects(pipeline: Pipeline): [string, ZodTypeAny, unknown][] {
  const out: [string, ZodTypeAny, unknown][] = [['pipeline', schema.pipelineOptions, pipeline.options]];
  if (pipeline.options.deployment !== undefined)
    out.push(['deployment', deploymentOptions, pipeline.options.deployment]);
  const valid = validate(pipeline).config!;
  for (const source of pipeline.options.sources as Source[]) {
    out.push(['source', schema.sourceOptions, source.options], ['source name', schema.sourceName, source.name]);
    for (const table of source.tables) out.push(['table', schema.tableOptions, table.options]);
  }
  for (const v of valid.views)
    out.push(['view', schema.viewOptions, v.options], ['view name', schema.identifier, v.name]);
  for (const c of valid.charts) out.push(['chart', schema.chartOptions, c.options]);
  for (const d of valid.dashboards) out.push(['dashboard', schema.dashboardOptions, d.options]);
  return out;
}

test('the fast path and zod agree on every entity of every project, valid and damaged', async () => {
  let accepted = 0;
  let refused = 0;
  for (const project of PROJECTS) {
    const loaded = await loadConfig(project.config);
    const pipeline = loaded.value as Pipeline;
    expect(entityKind(pipeline), project.name).toBe('pipeline');
    for (const [what, zod, original] of subjects(pipeline)) {
      const fast = fastParser(zod);
      expect(fast, `${what}: the fast path compiles its schema`).toBeDefined();
      for (const value of damaged(original)) {
        const byZod = zod.safeParse(value).success;
        let byFast: boolean;
        try {
          byFast = fast!(value);
        } catch {
          byFast = false;
        }
        if (byFast !== byZod) {
          expect.fail(`${project.name} ${what}: fast ${byFast}, zod ${byZod} for ${JSON.stringify(value)}`);
        }
        if (byZod) accepted++;
        else refused++;
      }
    }
  }
  // The damage must reach both outcomes often, or the comparison proves little.
  console.log(`fast/zod agreement: ${accepted} accepted, ${refused} refused`);
  expect(accepted).toBeGreaterThan(500);
  expect(refused).toBeGreaterThan(5000);
}, 120_000);

test('a schema using a zod feature the fast path does not know is left to zod', async () => {
  const { z } = await import('zod');
  expect(fastParser(z.string().email())).toBeUndefined();
  expect(fastParser(z.object({ a: z.string().trim() }))).toBeUndefined();
  expect(fastParser(z.object({ a: z.string() }).passthrough())).toBeUndefined();
  expect(fastParser(z.object({ a: z.string().min(2) }).strict())!({ a: 'ab' })).toBe(true);
});

test('a refinement marked readsCheckedOnly gets the checked value itself; any other gets a copy, as from zod', async () => {
  const { z } = await import('zod');
  const seen: unknown[] = [];
  const record = (v: unknown) => void seen.push(v);
  const shape = () => z.object({ a: z.string(), b: z.object({ c: z.number() }).strict() }).strict();
  const value = { a: 'x', b: { c: 1 } };
  expect(fastParser(shape().superRefine(readsCheckedOnly(record)))!(value)).toBe(true);
  expect(seen.pop()).toBe(value);
  expect(fastParser(shape().superRefine((v) => record(v)))!(value)).toBe(true);
  const copy = seen.pop();
  expect(copy).not.toBe(value);
  expect(copy).toEqual(value);
  // The marked one still sees only values the schema accepts, and its verdict counts.
  expect(fastParser(shape().superRefine(record))!({ a: 1, b: { c: 1 } })).toBe(false);
  expect(seen).toEqual([]);
  const never = readsCheckedOnly((_: unknown, ctx: { addIssue: (i: { code: 'custom' }) => void }) =>
    ctx.addIssue({ code: 'custom' }),
  );
  expect(fastParser(shape().superRefine(never))!(value)).toBe(false);
  // The column schemas use it: a table's column specs and its column record are checked in place, so the
  // spec's own getter runs again for the refinement (a copy would hold its value instead).
  let reads = 0;
  const spec = {
    get type() {
      reads++;
      return 'numeric';
    },
    precision: 10,
    scale: 2,
  };
  expect(fastParser(schema.sourceColumns)!({ total: brand('column-type', { spec }) })).toBe(true);
  expect(reads).toBeGreaterThan(1);
  // …and a refusal is still zod's to explain, with the same verdict.
  const wide = { total: brand('column-type', { spec: { type: 'numeric', precision: 3, scale: 4 } }) };
  expect(fastParser(schema.sourceColumns)!(wide)).toBe(false);
  expect(schema.sourceColumns.safeParse(wide).success).toBe(false);
  expect(fastParser(schema.sourceColumns)!({})).toBe(false);
  expect(schema.sourceColumns.safeParse({}).success).toBe(false);
});

test('a schema marked sameVerdictWhenFrozen checks each frozen data value once; anything else every time', async () => {
  const { z } = await import('zod');
  let runs = 0;
  const counted = sameVerdictWhenFrozen(
    z
      .object({ a: z.string(), b: z.object({ c: z.number() }).strict().optional() })
      .strict()
      .superRefine(readsCheckedOnly(() => void runs++)),
  );
  const parse = fastParser(counted)!;
  const frozen = Object.freeze({ a: 'x', b: Object.freeze({ c: 1 }) });
  expect([parse(frozen), parse(frozen), parse(frozen)]).toEqual([true, true, true]);
  expect(runs).toBe(1);
  // Not frozen, or frozen only on top, or read through a getter: looked at every time.
  const open = { a: 'x' };
  const shallow = Object.freeze({ a: 'x', b: { c: 1 } });
  const getter = Object.freeze({
    get a() {
      return 'x';
    },
  });
  for (const v of [open, shallow, getter]) {
    runs = 0;
    expect([parse(v), parse(v)]).toEqual([true, true]);
    expect(runs).toBe(2);
  }
  // A refusal is not remembered either: its verdict (and zod's explanation) comes again.
  const bad = Object.freeze({ a: 1 });
  expect([parse(bad), parse(bad)]).toEqual([false, false]);
  // The memo is the marked parser's: the same value is checked again by another schema.
  const other = fastParser(sameVerdictWhenFrozen(z.object({ a: z.literal('y') }).strict()))!;
  expect(other(frozen)).toBe(false);
  // The DSL's column types qualify.
  expect(isFrozenData(t.numeric(12, 2).spec)).toBe(true);
  expect(isFrozenData(t.array(t.varchar(3)).spec)).toBe(true);
  expect(isFrozenData(t.uuid().primaryKey().describe('x').spec)).toBe(true);
});

test('a shared column type that is wrong, or holds a credential, is reported at every column that uses it', () => {
  const db = postgresSource('db', { host: 'db', database: 'db', password: secret('db', 'password') });
  const wide = t.numeric(3, 4);
  const leaky = t.text().describe('see postgres://app:hunter2@db/app');
  db.table('a', { columns: { id: t.integer().primaryKey(), total: wide, note: leaky } });
  db.table('b', { columns: { id: t.integer().primaryKey(), total: wide, note: leaky } });
  const pipeline = definePipeline({
    name: 'p',
    sources: [db],
    kafka: { bootstrapServers: 'kafka:9092' },
    connect: { url: 'http://connect:8083' },
    analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'password') },
  });
  const found = validate(pipeline).diagnostics.map((d) => [
    d.code,
    d.subject?.kind === 'table' ? d.subject.table : undefined,
    d.subject && 'path' in d.subject ? d.subject.path : undefined,
  ]);
  for (const table of ['a', 'b']) {
    expect(found).toContainEqual(['CONFIG.INVALID_VALUE', table, ['columns', 'total', 'scale']]);
    expect(found).toContainEqual(['CONFIG.PLAINTEXT_SECRET', table, ['columns', 'note', 'description']]);
  }
  // Validated twice in one process (as --watch does), the same findings again.
  expect(validate(pipeline).diagnostics).toEqual(validate(pipeline).diagnostics);
  expect(validate(pipeline).diagnostics.length).toBe(found.length);
});
