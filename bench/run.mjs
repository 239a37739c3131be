#!/usr/bin/env node
/**
 * Cold-process benchmark of cdc-compile: every measured run is a new `node` process, like a user's build
 * step. Cases: the `node -e ''` baseline; the book store (pipeline.config.ts) with a warm and a cold
 * transpile cache, and with no cache at all (see `coldConfig` and `noCache` below); the error path (the book store with one misspelt column in a chart: one located
 * diagnostic, exit 1); synthetic configs of 10 to 10,000 tables (15 columns each, over up to 10 sources,
 * one view per table, one chart per 10 views on dashboards, one Flink STATEMENT SET), and `--check` of the
 * largest of them up to 1,000 tables against its up-to-date output. Prints a table, the
 * curve (cost per table), the performance targets, and writes bench/results.json. It is a report, not a
 * test: the exit code is 0 unless the benchmark itself cannot run (a compile that does not end as
 * expected is reported and aborts, since timing it would be meaningless).
 *
 * Usage: node bench/run.mjs [--runs N] [--warmup N] [--sizes 10,100,1000,10000] [--watch] [--peers] [--keep]
 *   (`npm run bench` builds first.) Sizes of 5,000 tables and more run min(--runs, 3) times.
 *
 * Ratios are paired: each round runs the baseline and then every case, and a case's ratio is the median
 * (and minimum) of its per-round ratios against that round's baseline, so a burst of load on a shared
 * machine hits both sides of a ratio alike.
 *
 * Peak RSS: each child is started with NODE_OPTIONS=--require <probe>, a tiny CommonJS preload that
 * writes `process.resourceUsage().maxRSS` (the whole process, loader thread included) to a file named by
 * an environment variable when the process exits. No external tool is needed; when GNU time is present
 * one extra run per case cross-checks the figure with `/usr/bin/time -f %M`.
 *
 * --watch: also times `cdc-compile --watch` on a copy of the book store: from editing (or only saving) the
 * config to the recompile's "watching for changes" line.
 *
 * --peers (or CDC_BENCH_PEERS=1): also measures the peers of bench/peers.mjs (drizzle-kit generate for the
 * analytics DDL, cdk8s synth via tsx for the Kubernetes base), installed from npm into a cache folder
 * outside the repository on first use; off by default so that CI does not install or time them.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'cdc-compile.js');
const RESULTS = join(ROOT, 'bench', 'results.json');

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '11' },
    warmup: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '10,100,1000' },
    watch: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: process.env.CDC_BENCH_PEERS === '1' },
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
/** The targets of the performance issue; `budget` is what holds until it is done. */
const TARGETS = {
  bookstoreBudget: 3, // × bare Node, warm transpile cache
  bookstoreWarm: 1.8,
  bookstoreCold: 2.5,
  bookstoreRssMiB: 60,
  errorOverSuccess: 1.3, // the error path × the book store's success path
  tables1000Ms: 400,
  tables10000Ms: 4000,
  tables10000RssMB: 1000, // decimal megabytes
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
  return tables <= 10 ? 2 : tables <= 100 ? 4 : tables <= 1000 ? 8 : 10;
}

const chartName = (i) => `Chart ${String(i).padStart(5, '0')}`;

function syntheticConfig(tables) {
  const nSources = sourcesFor(tables);
  const out = [];
  out.push(
    `// Synthetic benchmark config: ${tables} tables × 15 columns over ${nSources} sources, one view per table,`,
    '// one chart per 10 views (10 charts to a dashboard), one Flink STATEMENT SET.',
  );
  out.push(
    `import { chart, dashboard, definePipeline, postgresSource, secret, sql, sum, t, view } from 'cdc-compile';`,
    '',
  );
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
  const charts = [];
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
    if (i % 10 === 0) {
      const cname = `chart_${charts.length}`;
      out.push(
        `const ${cname} = chart('${chartName(charts.length)}', { kind: 'bar', view: ${vname}, x: 'name', metrics: [sum('amount', 'Amount')] });`,
        '',
      );
      charts.push(cname);
    }
  }
  const dashboards = [];
  for (let d = 0; d * 10 < charts.length; d++) {
    const row = charts.slice(d * 10, d * 10 + 10);
    dashboards.push(
      `    dashboard('Dashboard ${d}', { rows: [[${row.slice(0, 5).join(', ')}]${row.length > 5 ? `, [${row.slice(5).join(', ')}]` : ''}] }),`,
    );
  }
  out.push(
    'export default definePipeline({',
    `  name: 'synthetic-${tables}',`,
    `  sources: [${Array.from({ length: nSources }, (_, s) => `src${s}`).join(', ')}],`,
    `  kafka: { bootstrapServers: 'kafka:9092' },`,
    `  connect: { url: 'http://connect:8083' },`,
    `  flink: { jobs: 'single' },`,
    `  analytics: { host: 'analytics-db', database: 'analytics', user: 'flink_writer', password: secret('analytics-db', 'password') },`,
    `  views: [`,
  );
  for (const v of views) out.push(`    ${v},`);
  out.push('  ],', '  dashboards: [', ...dashboards, '  ],', '});', '');
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
  const r = spawnSync(cmd, argv, { cwd: c.cwd, env, encoding: 'utf8', maxBuffer: 256 * MiB });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  const status = c.status ?? 0;
  if (r.status !== status || (c.stderrMatches && !c.stderrMatches.test(r.stderr))) {
    throw new Error(
      `${c.label}: exit ${r.status ?? r.signal} (expected ${status})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
  let rssKiB;
  if (mode === 'probe') {
    rssKiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
    rmSync(rssFile, { force: true });
  } else if (mode === 'gnu') {
    rssKiB = Number(r.stderr.trim().split('\n').pop());
  }
  let files;
  if (outDir && status === 0) {
    const check = expectFiles(outDir, c.expect);
    if (check.problems.length)
      throw new Error(`${c.label}: output incomplete:\n  ${check.problems.join('\n  ')}\n--- stdout\n${r.stdout}`);
    files = check.files;
  }
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  return { ms, rssKiB, files };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;
const stats = (xs) => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) });
const ratioStats = (xs) => {
  const r3 = (x) => Math.round(x * 1000) / 1000;
  return { median: r3(median(xs)), min: r3(Math.min(...xs)), max: r3(Math.max(...xs)) };
};

/** RSS is measured in separate runs so the wall-time runs carry no probe or wrapper. */
const RSS_MODE = gnuTime ? 'gnu' : 'probe';
const RSS_RUNS = Math.max(1, Math.min(RUNS, 3));
/** The largest configs run fewer rounds (each takes seconds). */
const runsOf = (c) => ((c.meta?.tables ?? 0) >= 5000 ? Math.min(RUNS, 3) : RUNS);

/**
 * Rounds: the baseline, then one run of every case (in the first rounds only, for the largest), so that a
 * burst of load hits a case and the baseline it is paired with alike. `pairs`: ratios against another
 * case of the same round.
 */
function measureAll(cases, pairs) {
  const width = Math.max(...cases.map((c) => c.label.length));
  const ms = new Map(cases.map((c) => [c, []]));
  const ratios = new Map(cases.map((c) => [c, []]));
  const paired = new Map(pairs.map(([a, b]) => [`${a}/${b}`, []]));
  const files = new Map();
  const [baseline, ...rest] = cases;
  process.stderr.write(`  warm-up (${WARMUP} run${WARMUP === 1 ? '' : 's'} of each case)\n`);
  for (let i = 0; i < WARMUP; i++) for (const c of cases) runOnce(c);
  process.stderr.write(`  wall: ${RUNS} rounds `);
  for (let i = 0; i < RUNS; i++) {
    const round = new Map();
    const b = runOnce(baseline).ms;
    ms.get(baseline).push(b);
    for (const c of rest) {
      if (i >= runsOf(c)) continue;
      const r = runOnce(c);
      round.set(c.id, r.ms);
      ms.get(c).push(r.ms);
      ratios.get(c).push(r.ms / b);
      if (r.files !== undefined) files.set(c, r.files);
    }
    for (const [a, bId] of pairs)
      if (round.has(a) && round.has(bId)) paired.get(`${a}/${bId}`).push(round.get(a) / round.get(bId));
    process.stderr.write('.');
  }
  process.stderr.write(
    `\n  peak RSS: ${RSS_RUNS} rounds via ${RSS_MODE === 'gnu' ? gnuTime : 'preload probe'}${gnuTime ? ' + 1 probe cross-check' : ''} `,
  );
  const rss = new Map(cases.map((c) => [c, []]));
  for (let i = 0; i < RSS_RUNS; i++) {
    for (const c of cases) if (i === 0 || runsOf(c) === RUNS) rss.get(c).push(runOnce(c, RSS_MODE).rssKiB * 1024);
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
      runs: xs.length,
      wallMs: { ...stats(xs), all: xs.map(round) },
      ...(c === baseline ? {} : { overBaseline: ratioStats(ratios.get(c)) }),
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
  const pairedResults = Object.fromEntries([...paired].map(([k, xs]) => [k, ratioStats(xs)]));
  return { results, paired: pairedResults };
}

/**
 * `--watch`: from a change of the config to the end of the recompile it starts. Two kinds of change,
 * alternating: an edit (a comment appended: the config is transpiled and evaluated anew) and a save
 * without one (only the file's times change).
 */
async function measureWatch(changes = 12) {
  const dir = join(work, 'watch');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'pipeline.config.ts');
  cpSync(join(ROOT, 'pipeline.config.ts'), config);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
  const child = spawn(process.execPath, [BIN, '--watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  let waiting;
  child.stdout.on('data', (d) => {
    buffered += d;
    if (waiting && buffered.includes('watching for changes')) {
      buffered = '';
      waiting();
    }
  });
  const next = () => new Promise((res) => (waiting = res));
  const edits = [];
  const touches = [];
  try {
    await next(); // the first compile
    for (let i = 0; i < changes; i++) {
      await new Promise((res) => setTimeout(res, 300));
      const edit = i % 2 === 0;
      const t0 = process.hrtime.bigint();
      if (edit) appendFileSync(config, `// edit ${i}\n`);
      else {
        const at = new Date(Date.now() + i * 1000);
        utimesSync(config, at, at);
      }
      await next();
      (edit ? edits : touches).push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    child.kill();
  }
  return {
    ...stats(edits),
    all: edits.map(round),
    touch: { ...stats(touches), all: touches.map(round) },
    note: "includes the watcher's debounce",
  };
}

// ── Cases ─────────────────────────────────────────────────────────────────────────────────────────────

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  console.error('dist/ is missing: run `npm run build` first (or use `npm run bench`).');
  process.exit(1);
}

const bookstore = {
  id: 'bookstore',
  label: 'book store',
  cwd: ROOT,
  outDir: true,
  config: join(ROOT, 'pipeline.config.ts'),
  args: (out) => [BIN, '--config', join(ROOT, 'pipeline.config.ts'), '--out', out],
  expect: {
    sources: ['ecom', 'inventory'],
    mustContain: { 'analytics/views.sql': ['vw_product_sales_volume', 'vw_book_price_distribution'] },
  },
  meta: { tables: 4, views: 10, charts: 14, dashboards: 3 },
};
/**
 * Two caches sit under node_modules/.cache/cdc-compile. The config's: its transpile (sucrase) and V8's
 * compile of it, keyed by the config's content, so after the warm-up every run above hits it, like
 * repeated local builds. The compiler's: V8's compile of cdc-compile's own chunk (.cache/cdc-compile/v8),
 * keyed by the install (chunk hash, Node version, flags), written by the first compile after `npm ci`.
 *
 * "Cold transpile cache" (the target's case) is a config not yet transpiled with the compiler as after its
 * first use: a CI job with a fresh checkout of an edited config, or the first compile after an edit. Each
 * run compiles a config the cache has never seen (the book store with a comment unique to the run), so
 * sucrase and V8's compile of the config run every time while the compiler's own cache stays warm.
 * `noCache` (CDC_COMPILE_CACHE=0) turns both caches off: the first compile after `npm ci`, which also
 * compiles the compiler's 750 KB chunk from source.
 */
const coldConfig = (c, dir) => {
  mkdirSync(dir, { recursive: true });
  const source = readFileSync(c.config, 'utf8');
  let n = 0;
  return {
    ...c,
    id: `${c.id}ColdConfig`,
    label: `${c.label}, config cold`,
    cwd: dir,
    args: (out) => {
      // A new file each run: never in the transpile cache; the same name, so headers and sizes match.
      const run = join(dir, `run-${n++}`);
      mkdirSync(run, { recursive: true });
      const config = join(run, 'pipeline.config.ts');
      writeFileSync(config, `${source}// bench run ${process.pid}-${n} ${Date.now()}\n`);
      return [BIN, '--config', config, '--out', out];
    },
  };
};
const noCache = (c) => ({
  ...c,
  id: `${c.id}NoCache`,
  label: `${c.label}, no cache at all`,
  env: { CDC_COMPILE_CACHE: '0' },
});

// The error path: the book store with one misspelt column name in a chart's metric.
const errorDir = join(project, 'error');
mkdirSync(errorDir, { recursive: true });
const bookstoreSource = readFileSync(join(ROOT, 'pipeline.config.ts'), 'utf8');
const misspelt = bookstoreSource.replace("sum('units_sold', 'Units sold')", "sum('units_sould', 'Units sold')");
if (misspelt === bookstoreSource)
  throw new Error('bench: the error case found nothing to misspell in pipeline.config.ts');
writeFileSync(join(errorDir, 'pipeline.config.ts'), misspelt);
const errorPath = {
  id: 'errorPath',
  label: 'book store, one typo',
  cwd: errorDir,
  outDir: true,
  status: 1,
  stderrMatches: /pipeline\.config\.ts:\d+:\d+ error REF\.UNKNOWN_COLUMN/,
  args: (out) => [BIN, '--config', join(errorDir, 'pipeline.config.ts'), '--out', out],
};

const cases = [
  { id: 'baseline', label: "node -e ''", cwd: work, args: () => ['-e', ''] },
  bookstore,
  coldConfig(bookstore, join(project, 'cold')),
  noCache(bookstore),
  errorPath,
];
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
    // The config's 10 s limit also clocks validation and the resolver (they read its objects): at 5,000
    // tables and more that is seconds of the compiler's own work, over the limit on a loaded machine. This
    // measures the compile, not the fence, so these sizes get a longer one.
    args: (out) => [BIN, '--config', config, '--out', out, ...(n >= 5000 ? ['--timeout', '120'] : [])],
    expect: {
      sources: Array.from({ length: sourcesFor(n) }, (_, s) => `src${s}`),
      mustContain: { 'analytics/views.sql': names.map((x) => `vw_${x}`), 'flink/pipeline.sql': names },
    },
    meta: {
      tables: n,
      views: n,
      charts: Math.ceil(n / 10),
      columnsPerTable: COLUMNS.length,
      sources: sourcesFor(n),
      flinkJobs: 'single (one STATEMENT SET)',
      configBytes: Buffer.byteLength(readFileSync(config)),
    },
  });
}
if (SIZES.length) cases.push(noCache(cases.at(-1)));
// The build step that finds nothing to do: `--check` of an output folder that is up to date (a CI job over
// a committed generated/, or a compile of an unchanged config), at the largest size up to 1,000 tables.
const checked = cases.filter((c) => /^tables\d+$/.test(c.id) && c.meta.tables <= 1000).at(-1);
if (checked) {
  const out = join(checked.cwd, 'generated');
  const first = spawnSync(process.execPath, checked.args(out), { cwd: checked.cwd, encoding: 'utf8' });
  if (first.status !== 0) throw new Error(`${checked.label}: the first compile failed\n${first.stderr}`);
  cases.push({
    id: `check${checked.meta.tables}`,
    label: `${checked.label}, --check up to date`,
    cwd: checked.cwd,
    args: () => [...checked.args(out), '--check'],
    meta: { ...checked.meta, check: true },
  });
}

console.error(
  `cdc-compile cold-process benchmark: ${RUNS} rounds + ${WARMUP} warm-up (wall, paired with the baseline), ${RSS_RUNS} more for peak RSS via ${RSS_MODE === 'gnu' ? gnuTime : 'preload probe'}; node ${process.version}; ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
let results, paired, watch;
try {
  ({ results, paired } = measureAll(cases, [['errorPath', 'bookstore']]));
  if (opts.watch) watch = await measureWatch();
} catch (err) {
  console.error(`\nbenchmark aborted: ${err.message}`);
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
  else console.error(`work directory kept: ${work}`);
  process.exit(1);
}

// ── Report ────────────────────────────────────────────────────────────────────────────────────────────

const mib = (b) => (b / MiB).toFixed(1);
const rows = [['case', 'median ms', 'min ms', '× node (median)', '× node (min)', 'peak RSS MiB', 'files']];
for (const r of Object.values(results)) {
  rows.push([
    r.label,
    r.wallMs.median.toFixed(1),
    r.wallMs.min.toFixed(1),
    r.overBaseline ? r.overBaseline.median.toFixed(2) : '1.00',
    r.overBaseline ? r.overBaseline.min.toFixed(2) : '1.00',
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

// The curve: marginal cost per table between consecutive sizes (start-up cancels out).
const sized = SIZES.map((n) => results[`tables${n}`]).filter(Boolean);
const curve = [];
for (let i = 1; i < sized.length; i++) {
  const a = sized[i - 1],
    b = sized[i];
  curve.push({
    from: a.tables,
    to: b.tables,
    msPerTable: Number(((b.wallMs.median - a.wallMs.median) / (b.tables - a.tables)).toFixed(3)),
    kibPerTable: Math.round((b.peakRssBytes.max - a.peakRssBytes.max) / 1024 / (b.tables - a.tables)),
  });
}
if (curve.length) {
  console.log('\ncurve (marginal cost per table, median wall and max peak RSS):');
  for (const c of curve)
    console.log(
      `  ${c.from.toLocaleString('en').padStart(6)} → ${c.to.toLocaleString('en').padEnd(6)}  ${c.msPerTable.toFixed(3)} ms/table  ${c.kibPerTable} KiB/table`,
    );
}

const checks = [];
const check = (name, actual, target, unit, pass) => checks.push({ name, actual, target, unit, pass });
const over = (id) => results[id]?.overBaseline?.median;
check(
  'book store warm / node (budget now)',
  over('bookstore'),
  `≤ ${TARGETS.bookstoreBudget}×`,
  '×',
  over('bookstore') <= TARGETS.bookstoreBudget,
);
check(
  'book store warm / node',
  over('bookstore'),
  `≤ ${TARGETS.bookstoreWarm}×`,
  '×',
  over('bookstore') <= TARGETS.bookstoreWarm,
);
check(
  'book store cold transpile cache / node',
  over('bookstoreColdConfig'),
  `≤ ${TARGETS.bookstoreCold}×`,
  '×',
  over('bookstoreColdConfig') <= TARGETS.bookstoreCold,
);
const bsRss = results.bookstore.peakRssBytes.max;
check(
  'book store peak RSS',
  Number(mib(bsRss)),
  `≤ ${TARGETS.bookstoreRssMiB} MiB`,
  'MiB',
  bsRss <= TARGETS.bookstoreRssMiB * MiB,
);
const err = paired['errorPath/bookstore'];
check(
  'error path / success path',
  err.median,
  `≤ ${TARGETS.errorOverSuccess}×`,
  '×',
  err.median <= TARGETS.errorOverSuccess,
);
if (results.tables1000)
  check(
    '1,000 tables wall',
    results.tables1000.wallMs.median,
    `≤ ${TARGETS.tables1000Ms} ms`,
    'ms',
    results.tables1000.wallMs.median <= TARGETS.tables1000Ms,
  );
for (const id of ['tables10000', 'tables10000NoCache']) {
  const r = results[id];
  if (!r) continue;
  check(
    `${r.label} wall`,
    r.wallMs.median,
    `≤ ${TARGETS.tables10000Ms} ms`,
    'ms',
    r.wallMs.median <= TARGETS.tables10000Ms,
  );
  check(
    `${r.label} peak RSS`,
    Math.round(r.peakRssBytes.max / 1e6),
    `≤ ${TARGETS.tables10000RssMB} MB`,
    'MB',
    r.peakRssBytes.max <= TARGETS.tables10000RssMB * 1e6,
  );
}

console.log();
const cw = Math.max(...checks.map((c) => c.name.length));
for (const c of checks)
  console.log(
    `${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(cw)}  ${String(c.actual).padStart(7)} ${c.unit.padEnd(3)}  (target ${c.target})`,
  );
console.log(`INFO  error path / success path, min of the paired rounds: ${err.min}×`);
console.log(
  `INFO  book store with no cache at all (CDC_COMPILE_CACHE=0: the first compile after npm ci) / node: ${over('bookstoreNoCache')}×; "config cold" is a config not yet transpiled, the compiler's own code cache as after its first use`,
);
if (watch)
  console.log(
    `INFO  --watch recompile of the book store (edit → done): median ${watch.median} ms, min ${watch.min} ms; save without a change: median ${watch.touch.median} ms (${watch.note})`,
  );

// ── verify (PGlite) ───────────────────────────────────────────────────────────────────────────────────
// `cdc-compile verify` of the book store in a new process each time: compile in memory, PGlite, the five
// steps. The warm-up fills PGlite's data-directory cache (node_modules/.cache/cdc-compile) as a user's
// first run does; one run without the cache shows that first run (initdb) too.
const VERIFY_TARGET_MS = 5000;
const VERIFY_RUNS = Math.max(1, Math.min(RUNS, 3));
function verifyOnce(env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [BIN, 'verify', '--config', join(ROOT, 'pipeline.config.ts'), '--format', 'json'],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      maxBuffer: 64 * MiB,
    },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const report = r.status === 0 ? JSON.parse(r.stdout) : undefined;
  if (!report?.ok) throw new Error(`verify of the book store failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { ms, steps: Object.fromEntries(report.steps.map((s) => [s.id, s.durationMs])) };
}
process.stderr.write(`  verify (PGlite): 1 warm-up + ${VERIFY_RUNS} runs, 1 without cache\n`);
verifyOnce();
const verifyRuns = Array.from({ length: VERIFY_RUNS }, () => verifyOnce());
const verifyCold = verifyOnce({ CDC_COMPILE_CACHE: '0' });
const verify = {
  label: 'verify book store (PGlite)',
  runs: VERIFY_RUNS,
  wallMs: {
    median: round(median(verifyRuns.map((r) => r.ms))),
    min: round(Math.min(...verifyRuns.map((r) => r.ms))),
    all: verifyRuns.map((r) => round(r.ms)),
  },
  stepsMs: verifyRuns.at(-1).steps,
  noCacheWallMs: round(verifyCold.ms),
};
check(
  'verify book store, PGlite (median)',
  verify.wallMs.median,
  `≤ ${VERIFY_TARGET_MS} ms`,
  'ms',
  verify.wallMs.median <= VERIFY_TARGET_MS,
);
console.log(
  `${verify.wallMs.median <= VERIFY_TARGET_MS ? 'PASS' : 'FAIL'}  verify book store, PGlite: median ${verify.wallMs.median} ms (min ${verify.wallMs.min}; target ≤ ${VERIFY_TARGET_MS} ms); steps ${Object.entries(
    verify.stepsMs,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')} ms; first run (initdb, no cache) ${verify.noCacheWallMs} ms`,
);

let peers;
if (opts.peers) {
  const { measurePeers, printPeers } = await import('./peers.mjs');
  peers = await measurePeers({ runs: RUNS, warmup: WARMUP });
  printPeers(peers);
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: `${cpus().length}× ${cpus()[0]?.model ?? ''}`.trim(),
  loadAverage: loadavg(),
  totalMemBytes: totalmem(),
  gitHead:
    spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || undefined,
  method: {
    runs: RUNS,
    warmup: WARMUP,
    wall: 'spawnSync of a new node process, hrtime around it; ratios are medians of per-round ratios against the same round’s baseline',
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
  paired,
  curve,
  ...(watch ? { watch } : {}),
  verify,
  ...(peers ? { peers } : {}),
  checks,
};
writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${RESULTS.replace(`${ROOT}/`, '')}`);

if (opts.keep) console.error(`work directory kept: ${work}`);
else rmSync(work, { recursive: true, force: true });
