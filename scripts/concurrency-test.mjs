#!/usr/bin/env node
/**
 * Concurrency test of the writer's lock (not part of `npm test`, which runs 4 compiles at once in
 * test/writer.test.ts). Each round starts from the committed output of examples/types with the config
 * edited so a compile changes five files and removes two, and starts N compiles into that folder at
 * once. Every one must exit 0; exactly one writes, the others report the folder up to date (those that
 * overlapped the writer also say they waited for it); the final tree must equal one compile's output,
 * with no lock, journal or staging folder left. Every other round starts with a stale lock (its pid no
 * longer runs), which all N must find stale at once and exactly one take over. Two `--check` runs start
 * beside them each round and must exit 0 or 1, never refuse.
 *
 * Usage: npm run build && node scripts/concurrency-test.mjs [--compiles 8] [--rounds 10]
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'cdc-compile.js');
const { values: opts } = parseArgs({
  options: { compiles: { type: 'string', default: '8' }, rounds: { type: 'string', default: '10' } },
});
const N = Number(opts.compiles);
const ROUNDS = Number(opts.rounds);

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cdc-concurrency-')));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
writeFileSync(
  join(dir, 'pipeline.config.ts'),
  readFileSync(join(ROOT, 'examples/types/pipeline.config.ts'), 'utf8')
    .replace('sources: [app, legacy]', 'sources: [app]')
    .replace(/views: \[[^\]]*\]/, 'views: [typeSample]'),
);
// Removing a source is destructive: approved, so each compile writes.
writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals:\n  remove-source/legacy: drop\n');
const out = join(dir, 'generated');

function tree(folder) {
  const files = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(folder, full), readFileSync(full, 'utf8'));
    }
  };
  walk(folder);
  return files;
}
const same = (a, b) => JSON.stringify([...a]) === JSON.stringify([...b]);
// The reference compile starts from the same committed tree: its history (the snapshot) makes the edit
// add an analytics migration and a change script, which a compile into an empty folder would not.
const scratch = join(dir, 'expected');
cpSync(join(ROOT, 'examples/types/generated'), scratch, { recursive: true });
if (spawnSync(process.execPath, [BIN, '--out', scratch], { cwd: dir }).status !== 0)
  throw new Error('reference compile failed');
const expected = tree(scratch);
rmSync(scratch, { recursive: true });

const compileOnce = (args = []) =>
  new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });

const failures = [];
let wrote = 0;
let upToDate = 0;
let waited = 0;
let checked = 0;
const t0 = performance.now();
for (let round = 1; round <= ROUNDS; round++) {
  rmSync(out, { recursive: true, force: true });
  cpSync(join(ROOT, 'examples/types/generated'), out, { recursive: true });
  // Every other round starts with the lock of a killed compile (a pid that no longer runs) in place: all
  // N find it stale at once, and exactly one may take it over.
  if (round % 2 === 0) {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(out, '.cdc-compile.lock'), JSON.stringify({ pid: dead, host: hostname(), token: 'killed' }));
  }
  const [runs, checks] = await Promise.all([
    Promise.all(Array.from({ length: N }, () => compileOnce())),
    Promise.all([compileOnce(['--check']), compileOnce(['--check'])]),
  ]);
  // A --check beside the writers reads only: it may see the old tree (exit 1) or the new one (exit 0),
  // never a refusal born of reading a folder mid-write.
  for (const c of checks)
    if (c.code !== 0 && c.code !== 1) failures.push(`round ${round}: --check exit ${c.code}: ${c.stderr}`);
  checked += checks.length;
  const writers = runs.filter((r) => r.stdout.startsWith('Wrote generated/'));
  wrote += writers.length;
  upToDate += runs.filter((r) => r.stdout.startsWith('generated/ is up to date')).length;
  waited += runs.filter((r) => r.stderr.includes('is writing generated; waiting for it to finish')).length;
  for (const r of runs) if (r.code !== 0) failures.push(`round ${round}: exit ${r.code}: ${r.stderr}`);
  if (writers.length !== 1) failures.push(`round ${round}: ${writers.length} compiles wrote`);
  const final = tree(out);
  if ([...final.keys()].some((p) => p.startsWith('.cdc-compile'))) failures.push(`round ${round}: control files left`);
  if (!same(new Map([...final].filter(([p]) => !p.startsWith('.cdc-compile'))), expected))
    failures.push(`round ${round}: the final tree is not one compile's output`);
}
const s = ((performance.now() - t0) / 1000).toFixed(1);
console.log(`concurrency test: ${ROUNDS} rounds × ${N} simultaneous compiles, ${s} s`);
console.log(`  ${wrote} wrote (1 per round expected), ${upToDate} found it up to date, ${waited} waited for the lock`);
console.log(`  ${checked} --check runs beside them, none refused`);
console.log(`  ${failures.length} failures`);
for (const f of failures.slice(0, 20)) console.log(`    ${f}`);
rmSync(dir, { recursive: true, force: true });
process.exitCode = failures.length ? 1 : 0;
