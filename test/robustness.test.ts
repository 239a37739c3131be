/**
 * Random damage to a valid config (wrong types, odd strings, unknown keys, at every entity) must end in
 * diagnostics or a clean compile: never an exception out of validate, resolve or emit. Outcomes are counted,
 * so the test also fails when the damage stops producing diagnostics (a generator that damages nothing
 * proves nothing).
 */
import { expect, test } from 'vitest';
import { validate } from '../src/validate/index.js';
import { resolve } from '../src/resolve/index.js';
import { emitAll } from '../src/targets/index.js';
import { loadTemplates } from '../src/render/templates.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';
import * as dsl from '../src/index.js';
import type { Diagnostic } from '../src/diagnostics.js';
const { t, secret, sql, view, chart, dashboard, sum, definePipeline, postgresSource } = dsl;
const weird = [
  null,
  undefined,
  0,
  -1,
  1e12,
  '',
  ' ',
  'x'.repeat(100),
  'UPPER',
  'a b',
  '\n',
  [],
  {},
  [1],
  { a: 1 },
  true,
  () => 1,
  Symbol('s'),
  NaN,
];

/** What one damaged config ended in. */
type Outcome = 'clean' | 'diagnostics' | 'crash';
const isError = (d: Diagnostic) => d.severity === 'error';

test('2,000 damaged configs: no exception escapes the compiler', () => {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const render = loadTemplates(undefined, TEMPLATE_OPTIONS).render;
  const outcomes: Record<Outcome, number> = { clean: 0, diagnostics: 0, crash: 0 };
  const failures: string[] = [];
  type Mutate = <T>(name: string, value: T) => T;
  // The damaged options are any shape at all: that is the point of the test.
  function build(mut: Mutate): any {
    const o = {
      host: 'db',
      database: 'shop',
      password: secret('shop-db', 'password'),
      connector: { decimalHandling: 'double' as const },
    };
    const shop = postgresSource(mut('source.name', 'shop'), mut('source.options', o));
    const cols = { id: t.uuid().primaryKey(), total: t.numeric(10, 2), at: t.timestamptz(), tags: t.array(t.text()) };
    const orders = shop.table(
      mut('table.name', 'orders'),
      mut('table.options', { columns: mut('columns', cols), analytics: mut('analytics', { kind: 'fact' }) }),
    );
    const v = view(
      mut('view.name', 'v'),
      mut('view.options', {
        columns: { total: t.numeric() },
        sql: sql`SELECT SUM(${orders.c.total!}) AS total FROM ${orders}`,
      }),
    );
    const c = chart(
      mut('chart.name', 'c'),
      mut('chart.options', { kind: 'big_number', view: v, metrics: [sum('total')] }),
    );
    return definePipeline(
      mut('pipeline', {
        name: 'p',
        sources: [shop],
        kafka: { bootstrapServers: 'k:9092' },
        connect: { url: 'http://c:8083' },
        analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'p') },
        views: [v],
        dashboards: [dashboard('d', { rows: [[c]] })],
      }),
    );
  }
  const points = [
    'source.name',
    'source.options',
    'table.name',
    'table.options',
    'columns',
    'analytics',
    'view.name',
    'view.options',
    'chart.name',
    'chart.options',
    'pipeline',
  ];
  for (let i = 0; i < 2000; i++) {
    const target = points[rnd(points.length)];
    const w = weird[rnd(weird.length)];
    const mode = rnd(3);
    const mut = ((name: string, value: unknown) => {
      if (name !== target) return value;
      if (mode === 0 || typeof value !== 'object' || value === null) return w;
      const keys = Object.keys(value as object);
      const k = keys[rnd(keys.length)] ?? 'x';
      return { ...(value as object), [mode === 1 ? k : 'extra_' + k]: w };
    }) as Mutate;
    try {
      const v = validate(build(mut));
      if (v.diagnostics.some(isError)) {
        outcomes.diagnostics++;
        continue;
      }
      if (!v.config) throw new Error('validate returned neither a config nor an error');
      const r = resolve(v.config);
      if (r.diagnostics.some(isError)) {
        outcomes.diagnostics++;
        continue;
      }
      if (!r.model) throw new Error('resolve returned neither a model nor an error');
      if (emitAll(r.model, { configFile: 'x', render }).artefacts.length === 0) throw new Error('no artefacts');
      outcomes.clean++;
    } catch (e) {
      outcomes.crash++;
      if (failures.length < 5) failures.push(`${target} (mode ${mode}, ${String(w)}): ${(e as Error).stack}`);
    }
  }

  console.log(`robustness: ${JSON.stringify(outcomes)}`);
  expect(failures).toEqual([]);
  expect(outcomes.crash).toBe(0);
  expect(Object.values(outcomes).reduce((a, b) => a + b)).toBe(2000);
  // The damage must reach the compiler and be reported there; some damage is harmless (a name that is
  // still valid), so clean compiles also occur.
  expect(outcomes.diagnostics).toBeGreaterThan(0);
  expect(outcomes.clean).toBeGreaterThan(0);
});
