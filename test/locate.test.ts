/**
 * The locator reads the config with a small TypeScript reader (src/locate/syntax.ts) and falls back to
 * ts-morph only when it cannot find a subject's call. Every diagnostic of every invalid fixture, and a
 * few syntax corners, must land where the ts-morph locator puts it.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { compile } from '../src/compile.js';
import { error, type Diagnostic } from '../src/diagnostics.js';
import { locate } from '../src/locate/index.js';
import { locate as locateWithTsMorph } from '../src/locate/ts-morph.js';
import { ROOT } from './support/compile.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'invalid');
const dir = mkdtempSync(join(tmpdir(), 'cdc-locate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const unlocated = (ds: readonly Diagnostic[]) =>
  ds.filter((d) => d.subject).map(({ location: _location, ...d }) => d as Diagnostic);

test('every fixture diagnostic is located where ts-morph locates it', async () => {
  let compared = 0;
  for (const entry of readdirSync(FIXTURES, { withFileTypes: true })) {
    // Those that fail before validation (limits, syntax, imports) have nothing to locate by subject.
    if (
      !entry.isDirectory() ||
      /timeout|memory|unsettled|exited|threw|syntax|import|not-found|unsupported/.test(entry.name)
    )
      continue;
    const config = join(FIXTURES, entry.name, 'pipeline.config.ts');
    let result;
    try {
      result = await compile({ config, outDir: join(dir, entry.name) });
    } catch {
      continue;
    }
    const diagnostics = unlocated(result.diagnostics);
    if (!diagnostics.length) continue;
    const fast = await locate(diagnostics, config);
    const slow = locateWithTsMorph(diagnostics, config);
    expect(
      fast.map((d) => d.location),
      entry.name,
    ).toEqual(slow.map((d) => d.location));
    compared += diagnostics.length;
  }
  expect(compared).toBeGreaterThan(60);
}, 120_000);

test('syntax the reader must get right: comments, regexes, nested templates, as/satisfies, chains, ASI', async () => {
  const file = join(dir, 'corners.ts');
  writeFileSync(
    file,
    [
      "import { definePipeline, postgresSource, secret, sql, t, view } from 'cdc-compile';",
      '// view("decoy", { columns: {} }) in a comment',
      "const re = /view\\('re', \\{/g; const half = 10 / 2 / 1;",
      "const src = postgresSource('src', { database: 'd', password: secret('s', 'p') } as const)",
      "const orders = src.table('orders', {",
      '  columns: { id: t.bigint().primaryKey(), note: t.text().default(`x${`y${1}`}`) },',
      '} satisfies object);',
      "const o = orders.as('o')",
      "const v = view('v', {",
      '  columns: { id: t.bigint() },',
      '  /* block */ sql: sql`SELECT ${o.c.id} FROM ${o} WHERE ${`nested ${"}"}`} = 1`,',
      "  'quoted-key': 1,",
      '});',
      "export default definePipeline({ name: 'p', sources: [src], views: [v] });",
    ].join('\n'),
  );
  const diagnostics = [
    error('X', 'x', { kind: 'table', source: 'src', table: 'orders', path: ['columns', 'note', 'default'] }),
    error('X', 'x', { kind: 'view', view: 'v', path: ['sql', 1, 'as'] }),
    error('X', 'x', { kind: 'view', view: 'v', path: ['sql', 0] }),
    error('X', 'x', { kind: 'view', view: 'v', path: ['quoted-key'] }),
    error('X', 'x', { kind: 'view', view: 'v', path: ['sql'], at: { part: 1, offset: 3 } }),
    error('X', 'x', { kind: 'source', source: 'src', path: ['password'] }),
    error('X', 'x', { kind: 'pipeline', path: ['views', 0] }),
    error('X', 'x', { kind: 'view', view: 'v' }),
  ];
  const fast = await locate(diagnostics, file);
  const slow = locateWithTsMorph(diagnostics, file);
  expect(fast.map((d) => d.location)).toEqual(slow.map((d) => d.location));
  // Not the decoy in the comment: the name argument of the view call on line 9.
  expect(fast.at(-1)!.location).toMatchObject({ line: 9, column: 16 });
});
