#!/usr/bin/env node
// npm run fuzz [-- --valid=N --hostile=N --seed=N --timeout-min=N]
//
// The property-based tests of test/property.test.ts at scale (outside CI): by default 1,000 random valid
// pipelines, each compiled in-process and its artefacts checked with the field's own tools, and 9,000
// hostile mutations of them, each of which must end in a clean compile or coded diagnostics. Every clean
// hostile output gets every semantic check here (CDC_FUZZ_DEEP=1). Prints the figures; exits 1 when a
// property failed (with fast-check's seed and counterexample), 2 on a hang of the whole run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const valid = Number(arg('valid', 1000));
const hostile = Number(arg('hostile', 9000));
const seed = arg('seed', String(Date.now() % 2 ** 31));
const timeoutMin = Number(arg('timeout-min', 120));

const dir = mkdtempSync(join(tmpdir(), 'cdc-fuzz-'));
const report = join(dir, 'report.json');
const started = Date.now();
const cpuBefore = process.cpuUsage();
console.log(`fuzz: ${valid} valid + ${hostile} hostile runs, seed ${seed}`);

const child = spawn(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/property.test.ts', '--reporter=dot'],
  {
    cwd: root,
    env: {
      ...process.env,
      CDC_FUZZ_VALID: String(valid),
      CDC_FUZZ_HOSTILE: String(hostile),
      CDC_FUZZ_SEED: seed,
      CDC_FUZZ_DEEP: '1',
      CDC_FUZZ_REPORT: report,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
let hung = false;
const watchdog = setTimeout(() => {
  hung = true;
  child.kill('SIGKILL');
}, timeoutMin * 60_000);

child.on('exit', (code) => {
  clearTimeout(watchdog);
  const wall = (Date.now() - started) / 1000;
  const r = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined;
  rmSync(dir, { recursive: true, force: true });
  if (r) {
    const top = (o) =>
      Object.entries(o)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    console.log(`valid pipelines:   ${top(r.valid)}`);
    console.log(`hostile mutations: ${top(r.hostile)}`);
    console.log(`  clean hostile outputs with every semantic check: ${r.deepChecked}`);
    console.log(`  mutations applied: ${top(r.mutations)}`);
    console.log(`  error codes: ${top(r.codes)}`);
    console.log(
      `compiles: ${r.runs}, mean ${(r.totalMs / Math.max(1, r.runs)).toFixed(1)} ms, slowest ${r.maxMs.toFixed(0)} ms`,
    );
    console.log(
      `semantic checks (ms): ${Object.entries(r.checkMs)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ')}`,
    );
  }
  const children = process.cpuUsage(cpuBefore);
  console.log(
    `wall ${wall.toFixed(0)} s (this process ${(children.user / 1e6).toFixed(1)} s CPU; the runner is a child)`,
  );
  if (hung) {
    console.log(`HANG: the run did not end within ${timeoutMin} min`);
    process.exit(2);
  }
  if (code !== 0) {
    const failure = output.slice(output.indexOf('FAIL') >= 0 ? output.indexOf('FAIL') : -4000);
    console.log(failure.slice(0, 8000));
    console.log('FAILED: a property does not hold (fast-check seed and counterexample above)');
    process.exit(1);
  }
  console.log('every property held');
});
