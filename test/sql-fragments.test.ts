/**
 * SQL fragments from the config end up in files psql runs: the checks of src/sql/lexer.ts hold only if
 * the server lexes those files the way the compiler did. The refusals themselves are fixtures
 * (test/fixtures/invalid/sql-*); this is the other half, on a real server (PGlite).
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { expect, test } from 'vitest';
import { compile } from '../src/compile.js';
import { ROOT } from './support/compile.js';

function project(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-sql-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
  writeFileSync(join(dir, 'pipeline.config.ts'), config);
  return join(dir, 'pipeline.config.ts');
}

const config = (
  viewSql: string,
  defaultSql: string,
) => `import { definePipeline, postgresSource, secret, sql, t, view } from 'cdc-compile';
const shop = postgresSource('shop', { host: 'db', database: 'shop', password: secret('shop-db', 'password') });
const x = shop.table('x', {
  columns: { id: t.bigint().primaryKey() },
  analytics: { extraColumns: { note: t.text().default(${JSON.stringify(defaultSql)}), label: t.text().default("CASE WHEN true THEN 'a,b' END") } },
  description: ${JSON.stringify('back\\slash')},
});
const tricky = view('tricky', { columns: { s: t.text() }, sql: sql\`${viewSql.replaceAll('\\', '\\\\')}\` });
export default definePipeline({
  name: 'p', sources: [shop], kafka: { bootstrapServers: 'k:9092' }, connect: { url: 'http://c:8083' },
  analytics: { host: 'a', database: 'a', user: 'w', password: secret('a-db', 'password') },
  views: [tricky],
});
`;

test("a backslash in a '…' string is refused: standard_conforming_strings decides where such a string ends", async () => {
  // One expression with standard strings; with backslash escapes, a DROP after a statement break.
  const view = await compile({ config: project(config("SELECT '\\' || '; DROP TABLE fact_x; --' AS s", "'a'")) });
  expect(view.diagnostics.map((d) => [d.code, d.location?.line, d.location?.column])).toEqual([
    ['SQL.INVALID_TOKEN', 8, 75],
  ]);
  expect(view.diagnostics[0]!.message).toContain('standard_conforming_strings');
  const column = await compile({ config: project(config('SELECT 1 AS s', "'a\\' || 'b'")) });
  expect(column.diagnostics.map((d) => [d.code, d.location?.line])).toEqual([['SQL.INVALID_TOKEN', 5]]);
});

test('what is accepted reads the same on a server with standard_conforming_strings off, sent as one query', async () => {
  const result = await compile({
    config: project(config("SELECT E'\\\\' || '; DROP TABLE fact_x; --' AS s FROM ${x}", "E'a\\\\b'")),
  });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const file = (path: string) => String(result.artefacts.find((a) => a.path === path)!.contents);
  const db = await PGlite.create();
  try {
    // A role or database may default to off, and a runner that sends the file as one query parses all
    // of it under that setting.
    await db.exec('SET standard_conforming_strings = off');
    await db.exec(file('analytics/schema.sql'));
    await db.exec(file('analytics/views.sql'));
    await db.query('INSERT INTO fact_x (id) VALUES (1)');
    expect((await db.query<{ s: string }>('SELECT s FROM tricky')).rows).toEqual([{ s: '\\; DROP TABLE fact_x; --' }]);
    const defaults = await db.query<{ note: string; label: string }>('SELECT note, label FROM fact_x');
    expect(defaults.rows).toEqual([{ note: 'a\\b', label: 'a,b' }]);
    const comment = await db.query<{ d: string }>("SELECT obj_description('fact_x'::regclass) AS d");
    expect(comment.rows[0]!.d).toBe('back\\slash');
  } finally {
    await db.close();
  }
});
