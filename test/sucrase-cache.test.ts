/** sucrase (needed when the transpile cache misses) runs from V8's code cache too (src/load/transpile.ts). */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { cli, copyProject } from './support/project.js';

const sucraseCaches = (dir: string) => {
  try {
    return readdirSync(join(dir, 'node_modules', '.cache', 'cdc-compile', 'sucrase')).filter((f) => f.endsWith('.v8'));
  } catch {
    return [];
  }
};

test('the first transform writes sucrase’s code cache; the next process accepts it; a damaged one is replaced', async () => {
  const dir = copyProject('minimal');
  const config = join(dir, 'pipeline.config.ts');
  const source = readFileSync(config, 'utf8');
  const edit = async (n: number) => {
    // A config the transpile cache has not seen: sucrase runs.
    writeFileSync(config, `${source}// edit ${n}\n`);
    const run = await cli([], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
  };
  await edit(1);
  const [file, ...others] = sucraseCaches(dir);
  expect(file).toBeDefined();
  expect(others).toEqual([]);
  const path = join(dir, 'node_modules', '.cache', 'cdc-compile', 'sucrase', file!);
  const first = statSync(path);
  expect(first.size).toBeGreaterThan(100_000); // the bundle's functions, not only its top level

  // Accepted: not written again (a rejected cache is rewritten by the process that rejected it).
  await edit(2);
  const second = statSync(path);
  expect(second.ino).toBe(first.ino);
  expect(second.mtimeMs).toBe(first.mtimeMs);

  // Damaged: V8 rejects it, the compile is unaffected and the cache is made again.
  writeFileSync(path, 'not a code cache');
  await edit(3);
  expect(statSync(path).size).toBeGreaterThan(100_000);
});

test('CDC_COMPILE_CACHE=0 writes no sucrase cache either', async () => {
  const dir = copyProject('minimal');
  const run = await cli([], { cwd: dir, env: { CDC_COMPILE_CACHE: '0' } });
  expect(run.exitCode).toBe(0);
  expect(sucraseCaches(dir)).toEqual([]);
});
