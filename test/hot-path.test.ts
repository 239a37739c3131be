/**
 * What a plain compile loads (the built CLI, as a user runs it): the Node modules only rare paths need stay
 * unloaded. Each of these was loaded by every compile once; `npm run bench` has the timings.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from './support/compile.js';
import { cli } from './support/project.js';

const scratch = mkdtempSync(join(tmpdir(), 'cdc-hot-path-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A preload that records, when the process exits, every Node module it loaded. */
const probe = join(scratch, 'probe.cjs');
writeFileSync(
  probe,
  `process.on('exit', () => require('node:fs').writeFileSync(process.env.CDC_PROBE_FILE, JSON.stringify({ modules: process.moduleLoadList })));\n`,
);

async function compileProbed(args: string[], name: string) {
  const file = join(scratch, `${name}.json`);
  const result = await cli(['--config', join(ROOT, 'pipeline.config.ts'), ...args], {
    env: { NODE_OPTIONS: `--require ${probe}`, CDC_PROBE_FILE: file },
  });
  const { modules } = JSON.parse(readFileSync(file, 'utf8')) as { modules: string[] };
  return { ...result, modules };
}

describe('a compile of the book store into a fresh folder', () => {
  test('loads neither the planner (git: node:child_process) nor node:worker_threads', async () => {
    const { exitCode, stdout, modules } = await compileProbed(['--out', join(scratch, 'out')], 'fresh');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^Wrote .*\(75 files\)/);
    expect(modules).not.toContain('NativeModule child_process');
    expect(modules).not.toContain('NativeModule worker_threads');
    // The writer removes its journal with unlink: fs.rmSync would load Node's rimraf (Node 20: for any path).
    expect(modules).not.toContain('NativeModule internal/fs/rimraf');
    // The CLI writes its report to the descriptor (cli/print.ts): process.stdout on a pipe, as here, loads net.
    expect(modules).not.toContain('NativeModule net');
    // No ES module at all (bin, dist/cli.cjs, the chunk as a script, require('cdc-compile') → dist/index.cjs):
    // Node's ES module loader never starts.
    expect(modules).not.toContain('NativeModule internal/modules/esm/module_job');
    expect(modules).not.toContain('NativeModule internal/modules/esm/translators');
    // The config's require('cdc-compile') is answered by load/own-package.ts: Node's exports resolution
    // would compile its ES module resolver for that one request.
    expect(modules).not.toContain('NativeModule internal/modules/esm/resolve');
  });

  test('a second compile into the same folder (same snapshot) still leaves the planner unloaded', async () => {
    const { exitCode, stdout, modules } = await compileProbed(['--out', join(scratch, 'out')], 'again');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/is up to date \(75 files\)/);
    expect(modules).not.toContain('NativeModule child_process');
  });
});
