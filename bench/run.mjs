#!/usr/bin/env node
/**
 * Cold-process benchmark of cdc-compile: every measured run is a new `node` process, like a user's build
 * step. Measures the `node -e ''` baseline, the book store (pipeline.config.ts) and synthetic configs of
 * 10, 100 and 1,000 tables, then prints a table, checks the performance targets and writes
 * bench/results.json. It is a report, not a test: the exit code is 0 unless the benchmark itself cannot
 * run (a failing compile is reported and aborts, since timing it would be meaningless).
 *
 * Usage: node bench/run.mjs [--runs N] [--warmup N] [--sizes 10,100,1000] [--keep]
 *   (`npm run bench` builds first.)
 *
 * Peak RSS: each child is started with NODE_OPTIONS=--require <probe>, a tiny CommonJS preload that
 * writes `process.resourceUsage().maxRSS` (the whole process, loader thread included) to a file named by
 * an environment variable when the process exits. No external tool is needed; when GNU time is present
 * one extra run per case cross-checks the figure with `/usr/bin/time -f %M`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'cdc-compile.js');
const RESULTS = join(ROOT, 'bench', 'results.json');

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '10,100,1000' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(opts.runs);
const WARMUP = Number(opts.warmup);
const SIZES = opts.sizes
  .split(',')
  .map(Number)
  .filter((n) => n > 0);

const MiB = 1024 * 1024;
const TARGETS = {
  bookstoreOverBaseline: 4, // × the `node -e ''` wall time
  bookstoreMs: 250,
  bookstoreRssMiB: 90,
  tables1000Ms: 2000,
  tables1000RssMB: 300, // decimal megabytes
};

// ── Work directory: probe, synthetic project with node_modules/cdc-compile → this repo ──────────────────

const work = mkdtempSync(join(tmpdir(), 'cdc-compile-bench-'));
const probe = join(work, 'rss-probe.cjs');
writeFileSync(
  probe,
  `'use strict';
if (require('node:worker_threads').isMainThread && process.env.CDC_BENCH_RSS_FILE) {
  const file = process.env.CDC_BENCH_RSS_FILE;
  process.on('exit', () => {
    try { require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS)); } catch {}
  });
}
`,
);
const project = join(work, 'project');
mkdirSync(join(project, 'node_modules'), { recursive: true });
symlinkSync(ROOT, join(project, 'node_modules', 'cdc-compile'), 'dir');
writeFileSync(
  join(project, 'package.json'),
  JSON.stringify({ name: 'bench-project', private: true, type: 'module' }, null, 2),
);

// CDC_BENCH_NO_GNU_TIME=1 forces the preload probe (the path taken where GNU time is absent).
const gnuTime = process.env.CDC_BENCH_NO_GNU_TIME
  ? undefined
  : ['/usr/bin/time', '/bin/time'].find((p) => {
      if (!existsSync(p)) return false;
      const r = spawnSync(p, ['-f', '%M', 'true'], { encoding: 'utf8' });
      return r.status === 0 && /^\d+\s*$/m.test(r.stderr);
    });

// ── Synthetic configs ─────────────────────────────────────────────────────────────────────────────────

/** 15 columns of varied types; the view selects 8 of them. */
const COLUMNS = [
  ['id', 't.uuid().primaryKey()', 't.uuid()'],
  ['name', 't.varchar(255)'],
  ['amount', 't.numeric(12, 2)'],
  ['quantity', 't.integer()'],
  ['views', 't.bigint()'],
  ['created_at', 't.timestamp()'],
  ['updated_at', 't.timestamptz()'],
  ['active', 't.boolean()'],
  ['notes', 't.text()'],
  ['due_on', 't.date()'],
  ['payload', 't.jsonb()'],
  ['code', 't.varchar(32)'],
  ['score', 't.double()'],
  ['rank', 't.smallint()'],
  ['owner_id', 't.uuid()'],
];
const VIEW_COLUMNS = ['id', 'name', 'amount', 'quantity', 'views', 'created_at', 'updated_at', 'due_on'];

function sourcesFor(tables) {
  return tables <= 10 ? 2 : tables <= 100 ? 4 : 8;
}

function syntheticConfig(tables) {
  const nSources = sourcesFor(tables);
  const out = [];
  out.push(
    `// Synthetic benchmark config: ${tables} tables × 15 columns over ${nSources} sources, one view per table.`,
  );
  out.push(`import { definePipeline, postgresSource, secret, sql, t, view } from 'cdc-compile';`, '');
  for (let s = 0; s < nSources; s++) {
    out.push(
      `const src${s} = postgresSource('src${s}', {`,
      `  host: 'src${s}-db.data.svc.cluster.local',`,
      `  database: 'db${s}',`,
      `  user: 'debezium_src${s}',`,
      `  password: secret('src${s}-db', 'password'),`,
      s % 2 ? `  connector: { decimalHandling: 'double', timePrecision: 'connect' },` : '',
      `});`,
    );
  }
  out.push('');
  const views = [];
  for (let i = 0; i < tables; i++) {
    const name = `entity_${String(i).padStart(4, '0')}`;
    out.push(`const ${name} = src${i % nSources}.table('${name}', {`, '  columns: {');
    for (const [col, type] of COLUMNS) out.push(`    ${col}: ${type},`);
    out.push(
      '  },',
      `  analytics: { name: '${i % 3 ? 'fact' : 'dim'}_${name}', kind: '${i % 3 ? 'fact' : 'dimension'}' },`,
    );
    out.push(`  description: 'Synthetic table ${i}.',`, '});');
    const vname = `vw_${name}`;
    views.push(vname);
    out.push(`const ${vname} = view('${vname}', {`, '  columns: {');
    for (const col of VIEW_COLUMNS) {
      const spec = COLUMNS.find((c) => c[0] === col);
      out.push(`    ${col}: ${spec[2] ?? spec[1]},`);
    }
    out.push('  },', '  sql: sql`');
    out.push(`    SELECT ${VIEW_COLUMNS.map((c) => `\${${name}.c.${c}}`).join(', ')}`);
    out.push(`    FROM \${${name}}`);
    out.push(`    WHERE \${${name}.c.active} AND \${${name}.c.amount} > 0\`,`, '});', '');
  }
  out.push(
    'export default definePipeline({',
    `  name: 'synthetic-${tables}',`,
    `  sources: [${Array.from({ length: nSources }, (_, s) => `src${s}`).join(', ')}],`,
    `  kafka: { bootstrapServers: 'kafka:9092' },`,
    `  connect: { url: 'http://connect:8083' },`,
    `  analytics: { host: 'analytics-db', database: 'analytics', user: 'flink_writer', password: secret('analytics-db', 'password') },`,
    `  views: [`,
  );
  for (const v of views) out.push(`    ${v},`);
  out.push('  ],', '});', '');
  return out.join('\n');
}

// ── Expected output ───────────────────────────────────────────────────────────────────────────────────

function expectFiles(outDir, { sources, mustContain = {} }) {
  const problems = [];
  const required = [
    '.gitattributes',
    'manifest.json',
    'analytics/schema.sql',
    'analytics/views.sql',
    'flink/pipeline.sql',
    'debezium/register-connectors.sh',
    ...sources.flatMap((s) => [`debezium/${s}-connector.json`, `debezium/${s}-setup.sql`]),
  ];
  for (const f of required) if (!existsSync(join(outDir, f))) problems.push(`missing ${f}`);
  let files = 0;
  if (existsSync(join(outDir, 'manifest.json'))) {
    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'));
    for (const f of Object.keys(manifest.files ?? {})) {
      files++;
      if (!existsSync(join(outDir, f))) problems.push(`manifest lists ${f} but it was not written`);
    }
  }
  for (const [file, needles] of Object.entries(mustContain)) {
    const path = join(outDir, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const missing = needles.filter((n) => !text.includes(n));
    if (missing.length)
      problems.push(`${file} lacks ${missing.length} expected names, e.g. ${missing.slice(0, 3).join(', ')}`);
  }
  return { problems, files: files + 1 /* manifest itself */ };
}

// ── Running ───────────────────────────────────────────────────────────────────────────────────────────

let seq = 0;
/**
 * One cold run. mode 'time': the plain command, nothing added (the wall-time runs). mode 'probe': with the
 * --require RSS probe. mode 'gnu': under GNU time. Every run's exit status and output are checked.
 */
function runOnce(c, mode = 'time') {
  const outDir = c.outDir ? join(work, 'out', `${c.id}-${seq}`) : undefined;
  const rssFile = join(work, `rss-${seq}`);
  seq++;
  const args = c.args(outDir);
  const base = { ...process.env, ...(c.env ?? {}) };
  const env =
    mode === 'probe'
      ? {
          ...base,
          NODE_OPTIONS: [base.NODE_OPTIONS, `--require ${probe}`].filter(Boolean).join(' '),
          CDC_BENCH_RSS_FILE: rssFile,
        }
      : base;
  const [cmd, argv] = mode === 'gnu' ? [gnuTime, ['-f', '%M', process.execPath, ...args]] : [process.execPath, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd: c.cwd, env, encoding: 'utf8', maxBuffer: 64 * MiB });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${c.label}: exit ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  let rssKiB;
  if (mode === 'probe') {
    rssKiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
    rmSync(rssFile, { force: true });
  } else if (mode === 'gnu') {
    rssKiB = Number(r.stderr.trim().split('\n').pop());
  }
  let files;
  if (outDir) {
    const check = expectFiles(outDir, c.expect);
    if (check.problems.length)
      throw new Error(`${c.label}: output incomplete:\n  ${check.problems.join('\n  ')}\n--- stdout\n${r.stdout}`);
    files = check.files;
    rmSync(outDir, { recursive: true, force: true });
  }
  return { ms, rssKiB, files };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** RSS is measured in separate runs so the wall-time runs carry no probe or wrapper. */
const RSS_MODE = gnuTime ? 'gnu' : 'probe';
const RSS_RUNS = Math.max(1, Math.min(RUNS, 3));

/**
 * Runs are interleaved (one run of every case per round) so that a burst of load on the machine hits all
 * cases alike instead of skewing one of them, and the ratios stay meaningful.
 */
function measureAll(cases) {
  const width = Math.max(...cases.map((c) => c.label.length));
  const ms = new Map(cases.map((c) => [c, []]));
  const files = new Map();
  process.stderr.write(`  warm-up (${WARMUP} run${WARMUP === 1 ? '' : 's'} of each case)\n`);
  for (let i = 0; i < WARMUP; i++) for (const c of cases) runOnce(c);
  process.stderr.write(`  wall: ${RUNS} rounds `);
  for (let i = 0; i < RUNS; i++) {
    for (const c of cases) {
      const r = runOnce(c);
      ms.get(c).push(r.ms);
      if (r.files !== undefined) files.set(c, r.files);
    }
    process.stderr.write('.');
  }
  process.stderr.write(
    `\n  peak RSS: ${RSS_RUNS} rounds via ${RSS_MODE === 'gnu' ? gnuTime : 'preload probe'}${gnuTime ? ' + 1 probe cross-check' : ''} `,
  );
  const rss = new Map(cases.map((c) => [c, []]));
  for (let i = 0; i < RSS_RUNS; i++) {
    for (const c of cases) rss.get(c).push(runOnce(c, RSS_MODE).rssKiB * 1024);
    process.stderr.write('.');
  }
  // Cross-check: with GNU time present, one run through the preload probe (the fallback method).
  const probeBytes = new Map(gnuTime ? cases.map((c) => [c, runOnce(c, 'probe').rssKiB * 1024]) : []);
  process.stderr.write('\n');
  const results = {};
  for (const c of cases) {
    const xs = ms.get(c),
      ys = rss.get(c);
    results[c.id] = {
      id: c.id,
      label: c.label,
      runs: RUNS,
      wallMs: {
        median: round(median(xs)),
        min: round(Math.min(...xs)),
        max: round(Math.max(...xs)),
        all: xs.map(round),
      },
      peakRssBytes: { max: Math.max(...ys), min: Math.min(...ys), runs: ys.length, method: RSS_MODE },
      ...(probeBytes.has(c) ? { probePeakRssBytes: probeBytes.get(c) } : {}),
      ...(files.has(c) ? { filesWritten: files.get(c) } : {}),
      ...(c.env ? { env: c.env } : {}),
      ...(c.meta ?? {}),
    };
    process.stderr.write(
      `  ${c.label.padEnd(width)}  ${results[c.id].wallMs.median} ms, ${(results[c.id].peakRssBytes.max / MiB).toFixed(1)} MiB\n`,
    );
  }
  return results;
}

const round = (x) => Math.round(x * 10) / 10;

// ── Cases ─────────────────────────────────────────────────────────────────────────────────────────────

if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('dist/ is missing: run `npm run build` first (or use `npm run bench`).');
  process.exit(1);
}

const cases = [
  { id: 'baseline', label: "node -e ''", cwd: work, args: () => ['-e', ''] },
  {
    id: 'bookstore',
    label: 'book store',
    cwd: ROOT,
    outDir: true,
    args: (out) => [BIN, '--config', join(ROOT, 'pipeline.config.ts'), '--out', out],
    expect: {
      sources: ['ecom', 'inventory'],
      mustContain: { 'analytics/views.sql': ['vw_product_sales_volume', 'vw_book_price_distribution'] },
    },
    meta: { tables: 4, views: 10, charts: 14, dashboards: 3 },
  },
];
/**
 * The loader caches transpiled configs by content hash (node_modules/.cache/cdc-compile): after the
 * warm-up every run above hits that cache, like repeated local builds. A CI job with a fresh checkout
 * pays the transpiler; these variants measure that with CDC_COMPILE_CACHE=0.
 */
const noCache = (c) => ({ ...c, id: `${c.id}NoCache`, label: `${c.label}, no cache`, env: { CDC_COMPILE_CACHE: '0' } });
cases.push(noCache(cases[1]));
for (const n of SIZES) {
  const dir = join(project, `t${n}`);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(config, syntheticConfig(n));
  const names = Array.from({ length: n }, (_, i) => `entity_${String(i).padStart(4, '0')}`);
  cases.push({
    id: `tables${n}`,
    label: `${n.toLocaleString('en')} tables`,
    cwd: dir,
    outDir: true,
    args: (out) => [BIN, '--config', config, '--out', out],
    expect: {
      sources: Array.from({ length: sourcesFor(n) }, (_, s) => `src${s}`),
      mustContain: { 'analytics/views.sql': names.map((x) => `vw_${x}`), 'flink/pipeline.sql': names },
    },
    meta: {
      tables: n,
      views: n,
      columnsPerTable: COLUMNS.length,
      sources: sourcesFor(n),
      configBytes: Buffer.byteLength(readFileSync(config)),
    },
  });
}
if (SIZES.length) cases.push(noCache(cases.at(-1)));

console.error(
  `cdc-compile cold-process benchmark: ${RUNS} runs + ${WARMUP} warm-up per case (wall), ${RSS_RUNS} more for peak RSS via ${RSS_MODE === 'gnu' ? gnuTime : 'preload probe'}; node ${process.version}; ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
);
let results;
try {
  results = measureAll(cases);
} catch (err) {
  console.error(`\nbenchmark aborted: ${err.message}`);
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
  else console.error(`work directory kept: ${work}`);
  process.exit(1);
}

// ── Report ────────────────────────────────────────────────────────────────────────────────────────────

const mib = (b) => (b / MiB).toFixed(1);
const base = results.baseline;
const rows = [['case', 'median ms', 'min ms', '× baseline', '× (min)', 'peak RSS MiB', 'files']];
for (const r of Object.values(results)) {
  rows.push([
    r.label,
    r.wallMs.median.toFixed(1),
    r.wallMs.min.toFixed(1),
    (r.wallMs.median / base.wallMs.median).toFixed(2),
    (r.wallMs.min / base.wallMs.min).toFixed(2),
    `${mib(r.peakRssBytes.max)}${r.probePeakRssBytes ? ` (probe ${mib(r.probePeakRssBytes)})` : ''}`,
    r.filesWritten === undefined ? '' : String(r.filesWritten),
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
console.log();
console.log(line(rows[0]));
console.log(widths.map((w) => '─'.repeat(w)).join('  '));
for (const row of rows.slice(1)) console.log(line(row));

const checks = [];
const check = (name, actual, target, unit, pass) => checks.push({ name, actual, target, unit, pass });
const bs = results.bookstore;
check(
  'book store wall / baseline wall',
  Number((bs.wallMs.median / base.wallMs.median).toFixed(2)),
  `≤ ${TARGETS.bookstoreOverBaseline}×`,
  '×',
  bs.wallMs.median / base.wallMs.median <= TARGETS.bookstoreOverBaseline,
);
check(
  'book store wall (median)',
  bs.wallMs.median,
  `≤ ${TARGETS.bookstoreMs} ms`,
  'ms',
  bs.wallMs.median <= TARGETS.bookstoreMs,
);
check(
  'book store peak RSS (max)',
  Number(mib(bs.peakRssBytes.max)),
  `≤ ${TARGETS.bookstoreRssMiB} MiB`,
  'MiB',
  bs.peakRssBytes.max <= TARGETS.bookstoreRssMiB * MiB,
);
const t1000 = results.tables1000;
if (t1000) {
  check(
    '1,000 tables wall (median)',
    t1000.wallMs.median,
    `≤ ${TARGETS.tables1000Ms} ms`,
    'ms',
    t1000.wallMs.median <= TARGETS.tables1000Ms,
  );
  check(
    '1,000 tables peak RSS (max)',
    Math.round(t1000.peakRssBytes.max / 1e6),
    `≤ ${TARGETS.tables1000RssMB} MB`,
    'MB',
    t1000.peakRssBytes.max <= TARGETS.tables1000RssMB * 1e6,
  );
}
const growth = {};
const t10 = results.tables10,
  t100 = results.tables100;
if (t100 && t1000) {
  // The requested figure is the raw ratio; it is diluted by fixed start-up, so linearity is judged on the
  // marginal cost per table: (1,000 − 100) / 900 against (100 − 10) / 90. 1.0 = linear; > 1 = superlinear.
  growth.wallRaw = Number((t1000.wallMs.median / t100.wallMs.median).toFixed(2));
  growth.rssRaw = Number((t1000.peakRssBytes.max / t100.peakRssBytes.max).toFixed(2));
  if (t10) {
    const perTable = (a, b, f) => (f(b) - f(a)) / (b.tables - a.tables);
    const wall = (r) => r.wallMs.median,
      rss = (r) => r.peakRssBytes.max;
    growth.wallMsPerTable10to100 = Number(perTable(t10, t100, wall).toFixed(2));
    growth.wallMsPerTable100to1000 = Number(perTable(t100, t1000, wall).toFixed(2));
    growth.wallMarginalRatio = Number((perTable(t100, t1000, wall) / perTable(t10, t100, wall)).toFixed(2));
    growth.rssKiBPerTable10to100 = Math.round(perTable(t10, t100, rss) / 1024);
    growth.rssKiBPerTable100to1000 = Math.round(perTable(t100, t1000, rss) / 1024);
    growth.rssMarginalRatio = Number((perTable(t100, t1000, rss) / perTable(t10, t100, rss)).toFixed(2));
    check(
      'growth 100→1,000: ms per table vs 10→100',
      growth.wallMarginalRatio,
      '≤ 1.5 (1.0 = linear)',
      '×',
      growth.wallMarginalRatio <= 1.5,
    );
    check(
      'growth 100→1,000: RSS per table vs 10→100',
      growth.rssMarginalRatio,
      '≤ 1.5 (1.0 = linear)',
      '×',
      growth.rssMarginalRatio <= 1.5,
    );
  }
}

console.log();
const cw = Math.max(...checks.map((c) => c.name.length));
for (const c of checks)
  console.log(
    `${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(cw)}  ${String(c.actual).padStart(7)} ${c.unit.padEnd(3)}  (target ${c.target})`,
  );
if (growth.wallRaw !== undefined) {
  console.log(
    `INFO  growth 100→1,000 tables: wall ${growth.wallRaw}×, peak RSS ${growth.rssRaw}× (raw, start-up included)` +
      (growth.wallMsPerTable10to100 !== undefined
        ? `; marginal ${growth.wallMsPerTable10to100} → ${growth.wallMsPerTable100to1000} ms/table, ${growth.rssKiBPerTable10to100} → ${growth.rssKiBPerTable100to1000} KiB/table`
        : ''),
  );
}
const nc = results.bookstoreNoCache;
if (nc)
  console.log(
    `INFO  book store without transpile cache (fresh CI checkout): ${nc.wallMs.median} ms = ${(nc.wallMs.median / base.wallMs.median).toFixed(2)}× baseline, ${mib(nc.peakRssBytes.max)} MiB`,
  );
const nc1000 = results.tables1000NoCache;
if (nc1000)
  console.log(
    `INFO  1,000 tables without transpile cache: ${nc1000.wallMs.median} ms, ${Math.round(nc1000.peakRssBytes.max / 1e6)} MB peak RSS`,
  );

const report = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: `${cpus().length}× ${cpus()[0]?.model ?? ''}`.trim(),
  totalMemBytes: totalmem(),
  gitHead:
    spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || undefined,
  method: {
    runs: RUNS,
    warmup: WARMUP,
    wall: 'spawnSync of a new node process, hrtime around it',
    rss:
      RSS_MODE === 'gnu'
        ? `${gnuTime} -f %M, ${RSS_RUNS} separate runs (max)`
        : `process.resourceUsage().maxRSS written on exit by a --require preload (NODE_OPTIONS), ${RSS_RUNS} separate runs (max)`,
    rssCrossCheck: gnuTime
      ? 'one extra run through the --require preload probe (probePeakRssBytes; it adds ≈2 MiB itself)'
      : null,
  },
  targets: TARGETS,
  results,
  growth,
  checks,
};
writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${RESULTS.replace(`${ROOT}/`, '')}`);

if (opts.keep) console.error(`work directory kept: ${work}`);
else rmSync(work, { recursive: true, force: true });
