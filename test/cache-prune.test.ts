/** The caches under node_modules/.cache/cdc-compile stay bounded (src/load/cache-prune.ts). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { pruneOtherBuilds, pruneTranspileCache } from '../src/load/cache-prune.js';
import { cli, copyProject } from './support/project.js';

const key = (n: number) => n.toString(16).padStart(64, '0');
const HOUR = 3600_000;

/** A transpile cache entry written `age` ms before `now`, with its code cache. */
function entry(dir: string, n: number, now: number, age: number): void {
  for (const name of [`${key(n)}.cjs`, `${key(n)}.12.4.254.21-node.33-x64.v8`]) {
    writeFileSync(join(dir, name), 'x');
    utimesSync(join(dir, name), (now - age) / 1000, (now - age) / 1000);
  }
}

test('the transpile cache keeps the most recently written entries with their code caches, and nothing else goes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-prune-'));
  const now = Date.now();
  for (let n = 0; n < 10; n++) entry(dir, n, now, n * HOUR); // 0 is the newest
  writeFileSync(join(dir, 'pglite-0.5.16-datadir.tar.gz'), 'x');
  mkdirSync(join(dir, 'v8'));
  writeFileSync(join(dir, `${key(99)}.cjs.123.tmp`), 'x'); // a live process's temp file
  writeFileSync(join(dir, `${key(98)}.cjs.124.tmp`), 'x'); // a dead one's
  utimesSync(join(dir, `${key(98)}.cjs.124.tmp`), (now - 2 * HOUR) / 1000, (now - 2 * HOUR) / 1000);

  pruneTranspileCache(dir, 4, now);
  const left = readdirSync(dir).sort();
  expect(left).toEqual(
    [
      ...[0, 1, 2, 3].flatMap((n) => [`${key(n)}.12.4.254.21-node.33-x64.v8`, `${key(n)}.cjs`]),
      `${key(99)}.cjs.123.tmp`,
      'pglite-0.5.16-datadir.tar.gz',
      'v8',
    ].sort(),
  );
  // Under the limit nothing is removed.
  pruneTranspileCache(dir, 4, now);
  expect(readdirSync(dir).sort()).toEqual(left);
});

test("a build's code cache, once written, removes the other builds' and keeps its own under other flags", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-prune-'));
  const files = [
    'compiler-aaaa-v20.20.2-x64.v8',
    'compiler-aaaa-v20.20.2-x64-0d0b8f13.v8',
    'compiler-aaaa-v22.1.0-x64.v8',
    'compiler-bbbb-v20.20.2-x64.v8',
    'compiler-aaaab-v20.20.2-x64.v8', // another build whose key starts like this one's
    'other.v8',
  ];
  for (const f of files) writeFileSync(join(dir, f), 'x');
  pruneOtherBuilds(dir, 'compiler-', 'aaaa-');
  expect(readdirSync(dir).sort()).toEqual(
    [
      'compiler-aaaa-v20.20.2-x64-0d0b8f13.v8',
      'compiler-aaaa-v20.20.2-x64.v8',
      'compiler-aaaa-v22.1.0-x64.v8',
      'other.v8',
    ].sort(),
  );
});

test('a watch session’s worth of edits leaves a bounded transpile cache, and the current config still compiles from it', async () => {
  const dir = copyProject('minimal');
  const cache = join(dir, 'node_modules', '.cache', 'cdc-compile');
  mkdirSync(cache, { recursive: true });
  const now = Date.now();
  // 80 earlier edits, each transpiled once (older than any entry this test writes).
  for (let n = 0; n < 80; n++) entry(cache, 1000 + n, now, (n + 1) * HOUR);
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(config, `${readFileSync(config, 'utf8')}// one more edit\n`);
  const run = await cli([], { cwd: dir });
  expect(run.stderr).toBe('');
  expect(run.exitCode).toBe(0);
  const transpiles = readdirSync(cache).filter((f) => f.endsWith('.cjs'));
  expect(transpiles).toHaveLength(64);
  // The newest of the earlier ones stayed; the oldest went with their code caches.
  expect(transpiles).toContain(`${key(1000)}.cjs`);
  expect(readdirSync(cache).some((f) => f.startsWith(key(1079)))).toBe(false);
  // The edit just compiled is among them: the next compile hits the cache and writes nothing.
  const before = readdirSync(cache).sort();
  const again = await cli([], { cwd: dir });
  expect(again.exitCode).toBe(0);
  expect(readdirSync(cache).sort()).toEqual(before);
});
