/**
 * The config's limits fence the config's code, not the compiler's work: evaluation, then validation and the
 * resolver (which read the config's objects, so its getters run) are timed; the emitters are not, which
 * is sound only because they read nothing of the config's. These tests hold that up.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readConfig } from '../src/compile.js';
import { loadConfig } from '../src/load/index.js';
import { PROJECTS } from './support/compile.js';
import { cli, copyProject } from './support/project.js';

/** Every object reachable from `root` through own properties, read by descriptor (no getter runs). */
function reachable(root: unknown): Set<object> {
  const seen = new Set<object>();
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) continue;
    seen.add(v);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key)!;
      if ('value' in d) stack.push(d.value);
    }
  }
  return seen;
}

/** What in `model` is not plain data of its own: a shared object, an accessor, a class instance. */
function notPlain(model: unknown, config: Set<object>): string[] {
  const problems: string[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'function') return void problems.push(`${path}: a function`);
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (config.has(v)) return void problems.push(`${path}: an object of the config's`);
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null && !(v instanceof Uint8Array))
      problems.push(`${path}: a ${proto?.constructor?.name ?? 'strange'} object`);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key)!;
      if (!('value' in d)) problems.push(`${path}.${String(key)}: an accessor`);
      else walk(d.value, `${path}.${String(key)}`);
    }
  };
  walk(model, 'model');
  return problems;
}

describe('the emitters read only the Model, which shares nothing with the config', () => {
  test.each(PROJECTS)('$name', async ({ config }) => {
    const loaded = await loadConfig(config);
    const read = readConfig(loaded.value);
    expect(read.model).toBeDefined();
    expect(notPlain(read.model, reachable(loaded.value))).toEqual([]);
  });

  test('negative control: a shared object, an accessor and a class instance are found', async () => {
    const loaded = await loadConfig(PROJECTS[0]!.config);
    const config = reachable(loaded.value);
    const shared = [...config].find((o) => !Array.isArray(o) && typeof o === 'object')!;
    const model = {
      a: shared,
      get b() {
        return 1;
      },
      c: new Map(),
    };
    expect(notPlain(model, config)).toEqual([
      "model.a: an object of the config's",
      'model.b: an accessor',
      'model.c: a Map object',
    ]);
  });
});

test("the memory limit is the config's: a config that evaluates in little memory compiles however much the compiler needs", async () => {
  const dir = copyProject('bookstore');
  const file = join(dir, 'pipeline.config.ts');
  // Top-level await: the config runs in the worker, under the heap limit.
  writeFileSync(file, `${readFileSync(file, 'utf8')}\nawait Promise.resolve();\n`);
  // Less than the whole compile needs (before the fence counted only the config, 48 MiB failed and
  // 56 passed), more than the config's evaluation does (about 24).
  const run = await cli(['--max-memory', '40'], { cwd: dir });
  expect(run.stderr).not.toContain('CONFIG.OUT_OF_MEMORY');
  expect(run.exitCode, run.stderr).toBe(0);
  // The config's own allocations still are capped.
  writeFileSync(
    file,
    `${readFileSync(file, 'utf8')}\nconst rows: number[][] = [];\nfor (;;) rows.push(new Array(1e6).fill(1));\n`,
  );
  const runaway = await cli(['--max-memory', '40'], { cwd: dir });
  expect(runaway.exitCode).toBe(1);
  expect(runaway.stderr).toContain('CONFIG.OUT_OF_MEMORY');
});
