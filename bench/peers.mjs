#!/usr/bin/env node
/**
 * Peers of cdc-compile, measured the way bench/run.mjs measures it: each run a new process, paired with
 * bare `node -e ''` in the same round. Each peer does one family of what a book store compile does:
 *
 * - drizzle-kit generate: the analytics tables' DDL from a drizzle schema (TypeScript) declaring the book
 *   store's analytics tables (names, types, NOT NULL, defaults, primary keys, from the compiled Model).
 * - cdk8s synth via tsx: a cdk8s app (TypeScript) declaring the objects of the book store's
 *   kubernetes/base (every object as an ApiObject, its fields as literals), synthesized to YAML.
 *
 * The peers are installed from npm (exact versions below) into a cache folder outside the repository,
 * /var/cache/cdc-compile/peers-<hash> (CDC_PEERS_CACHE overrides), once; never into node_modules here.
 *
 * Usage: node bench/peers.mjs [--runs N] [--warmup N]   (or `npm run bench -- --peers`)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'cdc-compile.js');

/** The peers and what they need, pinned. */
const PEER_PACKAGES = {
  'drizzle-kit': '0.31.11',
  'drizzle-orm': '0.45.4',
  cdk8s: '2.70.106',
  constructs: '10.8.1',
  tsx: '4.23.15',
};

/** Installs the peers into the cache folder (once) and returns its node_modules. */
export function installPeers(log = (m) => process.stderr.write(`${m}\n`)) {
  const manifest = { name: 'cdc-compile-bench-peers', private: true, dependencies: PEER_PACKAGES };
  const key = createHash('sha256').update(JSON.stringify(manifest)).digest('hex').slice(0, 12);
  const dir = process.env.CDC_PEERS_CACHE ?? join('/var/cache/cdc-compile', `peers-${key}`);
  const modules = join(dir, 'node_modules');
  const ready = join(dir, '.installed');
  if (existsSync(ready)) return modules;
  log(`  installing the peers from npm into ${dir} (once)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`npm install of the peers failed (exit ${r.status}):\n${r.stderr}`);
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return modules;
}

// ── The peers' inputs, from the book store ────────────────────────────────────────────────────────────

/** A drizzle pg-core column builder for an analytics column type, e.g. `numeric(10, 2)`. */
function drizzleColumn(name, type) {
  const n = JSON.stringify(name);
  let m;
  if (type === 'uuid') return `uuid(${n})`;
  if (type === 'text') return `text(${n})`;
  if (type === 'integer') return `integer(${n})`;
  if (type === 'bigint') return `bigint(${n}, { mode: 'number' })`;
  if (type === 'smallint') return `smallint(${n})`;
  if (type === 'boolean') return `boolean(${n})`;
  if (type === 'date') return `date(${n})`;
  if (type === 'jsonb') return `jsonb(${n})`;
  if (type === 'json') return `json(${n})`;
  if (type === 'double precision') return `doublePrecision(${n})`;
  if (type === 'real') return `real(${n})`;
  if ((m = /^varchar\((\d+)\)$/.exec(type))) return `varchar(${n}, { length: ${m[1]} })`;
  if ((m = /^numeric\((\d+), (\d+)\)$/.exec(type))) return `numeric(${n}, { precision: ${m[1]}, scale: ${m[2]} })`;
  if ((m = /^timestamp(?:\((\d)\))?$/.exec(type))) return `timestamp(${n}${m[1] ? `, { precision: ${m[1]} }` : ''})`;
  if ((m = /^timestamptz(?:\((\d)\))?$/.exec(type)))
    return `timestamp(${n}, { withTimezone: true${m[1] ? `, precision: ${m[1]}` : ''} })`;
  throw new Error(`peers: no drizzle column for the analytics type ${type}`);
}

function drizzleSchema(model) {
  const lines = [
    "import { sql } from 'drizzle-orm';",
    "import { bigint, boolean, date, doublePrecision, integer, json, jsonb, numeric, pgTable, primaryKey, real, smallint, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';",
    '',
  ];
  for (const [i, t] of model.tables.entries()) {
    lines.push(`export const t${i} = pgTable(${JSON.stringify(t.analytics.name)}, {`);
    for (const [j, c] of t.analytics.columns.entries()) {
      let col = drizzleColumn(c.name, c.type);
      if (c.notNull) col += '.notNull()';
      if (c.default !== undefined) col += `.default(sql\`${c.default}\`)`;
      lines.push(`  c${j}: ${col},`);
    }
    const pk = t.analytics.primaryKey.map((k) => `t.c${t.analytics.columns.findIndex((c) => c.name === k)}`);
    lines.push(`}, (t) => [primaryKey({ columns: [${pk.join(', ')}] })]);`, '');
  }
  return lines.join('\n');
}

function cdk8sApp(kubernetesBase) {
  const objects = [];
  for (const file of readdirSync(kubernetesBase).sort()) {
    if (!file.endsWith('.yaml') || file === 'kustomization.yaml') continue;
    for (const doc of parseAllDocuments(readFileSync(join(kubernetesBase, file), 'utf8'))) {
      const value = doc.toJS();
      if (value && typeof value === 'object') objects.push(value);
    }
  }
  const lines = [
    "import { ApiObject, App, Chart } from 'cdk8s';",
    "const app = new App({ outdir: process.argv[2] ?? 'dist' });",
    "const chart = new Chart(app, 'bookstore', { disableResourceNameHashes: true });",
  ];
  for (const [i, o] of objects.entries()) lines.push(`new ApiObject(chart, 'o${i}', ${JSON.stringify(o)});`);
  lines.push('app.synth();', '');
  return { source: lines.join('\n'), objects: objects.length };
}

// ── Measuring ─────────────────────────────────────────────────────────────────────────────────────────

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function measurePeers({ runs = 11, warmup = 1, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const modules = installPeers(log);
  const work = mkdtempSync(join(tmpdir(), 'cdc-compile-peers-'));
  try {
    const { compile } = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href);
    const config = join(ROOT, 'pipeline.config.ts');
    const compiled = await compile({ config, outDir: join(work, 'unused') });
    if (!compiled.model) throw new Error('peers: the book store did not compile');
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'peers', private: true, type: 'module' }));
    // The peers resolve their packages from the cache folder.
    spawnSync('ln', ['-s', modules, join(work, 'node_modules')]);
    writeFileSync(join(work, 'schema.ts'), drizzleSchema(compiled.model));
    const app = cdk8sApp(join(ROOT, 'generated', 'kubernetes', 'base'));
    writeFileSync(join(work, 'main.ts'), app.source);

    let seq = 0;
    const out = () => join(work, `out-${seq++}`);
    const cases = [
      { id: 'baseline', label: "node -e ''", args: () => ['-e', ''] },
      {
        id: 'cdcCompile',
        label: 'cdc-compile, book store (all families)',
        args: (o) => [BIN, '--config', config, '--out', o],
      },
      {
        id: 'drizzleKit',
        label: `drizzle-kit generate (analytics DDL only, ${compiled.model.tables.length} tables)`,
        args: (o) => [
          join(modules, 'drizzle-kit', 'bin.cjs'),
          'generate',
          '--dialect',
          'postgresql',
          '--schema',
          './schema.ts',
          '--out',
          o,
        ],
        produced: (o) => readdirSync(o).some((f) => f.endsWith('.sql')),
      },
      {
        id: 'cdk8sTsx',
        label: `cdk8s synth via tsx (Kubernetes base only, ${app.objects} objects)`,
        args: (o) => [join(modules, 'tsx', 'dist', 'cli.mjs'), 'main.ts', o],
        produced: (o) => existsSync(join(o, 'bookstore.k8s.yaml')),
      },
    ];
    const once = (c) => {
      const o = out();
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, c.args(o), { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0 || (c.produced && !c.produced(o)))
        throw new Error(`peers: ${c.label} failed (exit ${r.status})\n${r.stdout}\n${r.stderr}`);
      rmSync(o, { recursive: true, force: true });
      return ms;
    };
    log(`  peers: ${warmup} warm-up + ${runs} rounds, each paired with node -e ''`);
    for (let i = 0; i < warmup; i++) for (const c of cases) once(c);
    const ms = new Map(cases.map((c) => [c.id, []]));
    const ratios = new Map(cases.map((c) => [c.id, []]));
    for (let i = 0; i < runs; i++) {
      const b = once(cases[0]);
      ms.get('baseline').push(b);
      for (const c of cases.slice(1)) {
        const t = once(c);
        ms.get(c.id).push(t);
        ratios.get(c.id).push(t / b);
      }
    }
    const r1 = (x) => Math.round(x * 10) / 10;
    const r3 = (x) => Math.round(x * 1000) / 1000;
    return Object.fromEntries(
      cases.map((c) => [
        c.id,
        {
          label: c.label,
          wallMs: { median: r1(median(ms.get(c.id))), min: r1(Math.min(...ms.get(c.id))) },
          ...(c.id === 'baseline'
            ? {}
            : { overBaseline: { median: r3(median(ratios.get(c.id))), min: r3(Math.min(...ratios.get(c.id))) } }),
        },
      ]),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function printPeers(peers) {
  console.log("\npeers (book store, paired with node -e '' in each round):");
  for (const p of Object.values(peers)) {
    const ratio = p.overBaseline
      ? `${p.overBaseline.median.toFixed(2)}× (min ${p.overBaseline.min.toFixed(2)}×)`
      : '1.00×';
    console.log(`  ${p.label.padEnd(62)}  ${String(p.wallMs.median).padStart(7)} ms  ${ratio}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '11' }, warmup: { type: 'string', default: '1' } },
  });
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(1);
  }
  printPeers(await measurePeers({ runs: Number(values.runs), warmup: Number(values.warmup) }));
}
