#!/usr/bin/env node
/**
 * Kill test of the writer's whole-tree atomicity (not part of `npm test`, which runs a few fixed kill
 * points in test/writer.test.ts). Each trial starts from the committed output of examples/types with the
 * config edited so a compile changes five files and removes two, runs the compile, and SIGKILLs it:
 *   - "timer" trials (60 %): renames slowed by a random 0–40 ms each (test/support/fs-faults.cjs), killed
 *     a random delay after the compile's first file-system call in the folder (so load does not skew it);
 *   - "step" trials (25 %): killed right after a random one of the writer's file-system calls there;
 *   - "early" trials (15 %): killed a random delay after the process starts (mostly before writing).
 * Afterwards the tree must be the old one or the new one (control files aside), or hold a journal; with a
 * journal `--check` must exit 1, say so and change nothing. The next compile must then leave exactly the
 * new tree, with no lock, journal or staging folder.
 *
 * Usage: npm run build && node scripts/kill-test.mjs [--trials 120] [--seed N]
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
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'cdc-compile.js');
const FAULTS = join(ROOT, 'test', 'support', 'fs-faults.cjs');
const { values: opts } = parseArgs({
  options: { trials: { type: 'string', default: '120' }, seed: { type: 'string' } },
});
const TRIALS = Number(opts.trials);
let seed = Number(opts.seed ?? Date.now() % 1_000_000);
const firstSeed = seed;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; // reproducible with --seed

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cdc-kill-')));
cpSync(join(ROOT, 'examples/types/pipeline.config.ts'), join(dir, 'pipeline.config.ts'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
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
const artefacts = (t) => new Map([...t].filter(([p]) => !p.split('/')[0].startsWith('.cdc-compile')));
const run = (args, env = {}) =>
  spawnSync(process.execPath, [...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });

const before = tree(join(ROOT, 'examples/types/generated'));
const config = readFileSync(join(dir, 'pipeline.config.ts'), 'utf8')
  .replace('sources: [app, legacy]', 'sources: [app]')
  .replace(/views: \[[^\]]*\]/, 'views: [typeSample]');
writeFileSync(join(dir, 'pipeline.config.ts'), config);
// Removing a source is destructive: approved, so each compile writes.
writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals:\n  remove-source/legacy: drop\n');
// The reference compile starts from the same tree: its history (the snapshot) makes the edit add an
// analytics migration and a change script, which a compile into an empty folder would not.
const scratch = join(dir, 'expected');
for (const [path, text] of before) {
  mkdirSync(dirname(join(scratch, path)), { recursive: true });
  writeFileSync(join(scratch, path), text);
}
if (run([BIN, '--out', scratch]).status !== 0) throw new Error('the reference compile failed');
const expected = tree(scratch);
rmSync(scratch, { recursive: true });
if (same(expected, before)) throw new Error('the edited config must change the output');

function reset() {
  rmSync(out, { recursive: true, force: true });
  for (const [path, text] of before) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
}

// Calibrate: how long an uninterrupted compile takes, and how many steps its write has.
reset();
const countFile = join(dir, 'count');
let t0 = performance.now();
const probe = run(['--require', FAULTS, BIN], { CDC_FAULT_DIR: out, CDC_FAULT_COUNT_FILE: countFile });
const baseMs = performance.now() - t0;
if (probe.status !== 0 || !same(tree(out), expected)) throw new Error(`calibration run failed:\n${probe.stderr}`);
const steps = Number(readFileSync(countFile, 'utf8'));
const renames = [...expected.keys()].filter((p) => expected.get(p) !== before.get(p)).length + 1; // + the journal

/** Runs a compile and SIGKILLs it `killAtMs` after it starts writing (or after its start: `fromStart`). */
function killed(env, killAtMs, fromStart) {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--require', FAULTS, BIN], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CDC_FAULT_DIR: out, CDC_FAULT_SIGNAL: '1', ...env },
    });
    let timer;
    const arm = () => (timer ??= setTimeout(() => child.kill('SIGKILL'), killAtMs));
    if (killAtMs !== undefined && fromStart) arm();
    child.stderr.on('data', (chunk) => {
      if (killAtMs !== undefined && String(chunk).includes('cdc-fault: writing')) arm();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal });
    });
  });
}

const outcomes = {
  'killed, old tree': 0,
  'killed, new tree': 0,
  'killed, half-applied (journal)': 0,
  'finished before the kill': 0,
};
const failures = [];
t0 = performance.now();
for (let i = 0; i < TRIALS; i++) {
  reset();
  const pick = random();
  const mode = pick < 0.6 ? 'timer' : pick < 0.85 ? 'step' : 'early';
  let env = {};
  let killAt;
  let label;
  if (mode === 'timer') {
    const delay = Math.floor(random() * 41);
    killAt = Math.floor(random() * (renames * delay + 40));
    env = { CDC_FAULT_RENAME_DELAY_MS: String(delay) };
    label = `timer: renames +${delay} ms, kill ${killAt} ms into the write`;
  } else if (mode === 'step') {
    const n = 1 + Math.floor(random() * steps);
    env = { CDC_FAULT_KILL_AFTER: String(n) };
    label = `step: kill after step ${n} of ${steps}`;
  } else {
    killAt = Math.floor(random() * baseMs);
    label = `early: kill ${killAt} ms after the start`;
  }
  const r = await killed(env, killAt, mode === 'early');
  const fail = (why) => failures.push(`trial ${i + 1} (${label}): ${why}`);
  const after = tree(out);
  if (r.signal !== 'SIGKILL') {
    outcomes['finished before the kill']++;
    if (r.code !== 0 || !same(after, expected)) fail(`finished with ${r.code} but the tree is not the new one`);
  } else if (after.has('.cdc-compile-journal.json')) {
    outcomes['killed, half-applied (journal)']++;
    const check = run([BIN, '--check']);
    if (check.status !== 1 || !check.stdout.includes('holds a half-applied write'))
      fail(`--check: exit ${check.status}, ${check.stdout}`);
    if (!same(tree(out), after)) fail('--check changed the tree');
  } else if (same(artefacts(after), before)) outcomes['killed, old tree']++;
  else if (same(artefacts(after), expected)) outcomes['killed, new tree']++;
  else fail(`mixed tree without a journal: ${[...artefacts(after).keys()].join(', ')}`);
  const next = run([BIN]);
  if (next.status !== 0) fail(`the next compile exited ${next.status}: ${next.stderr}`);
  else if (!same(tree(out), expected)) fail('the next compile did not leave exactly the new tree');
}
const totalS = (performance.now() - t0) / 1000;

console.log(
  `kill test: ${TRIALS} trials (seed ${firstSeed}), ${totalS.toFixed(1)} s; uninterrupted compile ${baseMs.toFixed(0)} ms, ${steps} write steps`,
);
for (const [what, n] of Object.entries(outcomes)) console.log(`  ${String(n).padStart(4)}  ${what}`);
console.log(`  ${String(failures.length).padStart(4)}  failures`);
for (const f of failures.slice(0, 20)) console.log(`    ${f}`);
rmSync(dir, { recursive: true, force: true });
process.exitCode = failures.length ? 1 : 0;
