/**
 * Property-based tests (fast-check). Random valid pipelines — sources, tables of random types from the
 * type matrix with random keys, views over tables, aliases and other views, charts, dashboards, an
 * optional deployment — must compile, and every artefact must pass the field's own checks: the Flink SQL
 * grammar (dt-sql-parser), the Flink and Debezium option lists, PGlite applying the analytics SQL twice,
 * the Kubernetes schemas (kubernetes-models), Superset 5.0's import schemas, the secrets scan. Hostile mutations of those configs —
 * wrong types, injection strings, credential-shaped values, odd names, throwing getters and Proxies, at
 * any point — must end in a clean compile that still passes those checks or in coded diagnostics: never an
 * exception, a hang or a leaked credential.
 *
 * `npm test` runs a few hundred cases; `npm run fuzz` (scripts/fuzz.mjs) runs ≥ 10,000 with the same code
 * (CDC_FUZZ_VALID / CDC_FUZZ_HOSTILE set the counts, CDC_FUZZ_SEED the seed, CDC_FUZZ_REPORT a JSON file
 * for the figures).
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { FlinkSQL } from 'dt-sql-parser';
import type { PGlite } from '@electric-sql/pglite';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compileValue } from '../src/compile.js';
import { scanArtefacts } from '../src/credentials/scan.js';
import type { Diagnostic } from '../src/diagnostics.js';
import { loadTemplates } from '../src/render/templates.js';
import { DEBEZIUM_PROPERTIES, FLINK_SESSION_OPTIONS, flinkOptionsOf, isKnownProperty } from '../src/resolve/catalog.js';
import type { Model } from '../src/resolve/model.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';
import { checkBundle } from '../src/targets/superset/checks.js';
import { readFlinkScript } from '../src/verify/flink-script.js';
import {
  buildPipeline,
  CREDENTIALS,
  mutations,
  Mutator,
  plans,
  type Mutation,
  type Plan,
  thrownValues,
} from './support/pipelines.js';
import { newDb } from './support/pg.js';
import { chart, count, dashboard, definePipeline, postgresSource, secret, sql, t, view } from '../src/index.js';

const VALID_RUNS = Number(process.env['CDC_FUZZ_VALID'] ?? 30);
const HOSTILE_RUNS = Number(process.env['CDC_FUZZ_HOSTILE'] ?? 300);
// npm test runs the same cases every time (a fixed seed); npm run fuzz picks a new seed per run.
const SEED = Number(process.env['CDC_FUZZ_SEED'] ?? 20261201);
/** Every clean hostile compile gets every semantic check (npm run fuzz), not only those with risky strings. */
const DEEP_HOSTILE = process.env['CDC_FUZZ_DEEP'] === '1';
/** A single compile taking longer than this is a hang (the compile cannot be interrupted in-process). */
const HANG_MS = Number(process.env['CDC_FUZZ_HANG_MS'] ?? 5_000);

const render = loadTemplates(undefined, TEMPLATE_OPTIONS).render;
const ctx = { configFile: 'pipeline.config.ts', render };

// ── The semantic checks ────────────────────────────────────────────────────────────────────────────────

let flinkParser: FlinkSQL | undefined;
const flinkGrammarErrors = (sqlText: string) => (flinkParser ??= new FlinkSQL()).validate(sqlText);

/** Every artefact by path; binary ones (the Superset zip) as latin1 text, as the secrets scan reads them. */
const filesOf = (artefacts: readonly { path: string; contents: string | Uint8Array }[]) =>
  new Map(
    artefacts.map((a): [string, string] => [
      a.path,
      typeof a.contents === 'string' ? a.contents : Buffer.from(a.contents).toString('latin1'),
    ]),
  );

const K8S: Record<string, { new (data: never): { validate(): void } }> = {
  Namespace,
  ConfigMap,
  Secret,
  Service,
  PersistentVolumeClaim,
  Deployment,
  StatefulSet,
  Job,
};

/** Every way an artefact set fails its consumers' own checks; empty when they all pass. */
export const timings: Record<string, number> = {};
const lap = (name: string, since: number) => {
  timings[name] = (timings[name] ?? 0) + performance.now() - since;
  return performance.now();
};

async function semanticProblems(model: Model, files: Map<string, string>, db: PGlite, deep = true): Promise<string[]> {
  const problems: string[] = [];
  let at = performance.now();
  if (!deep) {
    for (const f of scanArtefacts(
      [...files].map(([path, contents]) => ({ path, contents: contents as string | Uint8Array })),
    ))
      problems.push(`secrets scan: ${f.path}:${f.line} ${f.what}`);
    lap('scan', at);
    return problems;
  }
  const file = (p: string) => files.get(p) ?? (problems.push(`no ${p}`), '');

  // Flink: the grammar, the SET keys, every WITH option of its connector or format.
  const pipelineSql = file(model.flink.file);
  for (const e of flinkGrammarErrors(pipelineSql).slice(0, 3))
    problems.push(`flink grammar ${e.startLine}:${e.startColumn} ${e.message}`);
  const script = readFlinkScript(pipelineSql);
  if (script.other.length) problems.push(`flink: unrecognised statements ${script.other.join(' | ')}`);
  for (const [k] of script.sets)
    if (!isKnownProperty(FLINK_SESSION_OPTIONS, k)) problems.push(`flink: SET '${k}' is no Flink option`);
  for (const table of script.tables) {
    const options = new Map(table.options);
    const allowed = [options.get('connector'), options.get('format')]
      .filter((x): x is string => !!x)
      .map(flinkOptionsOf);
    for (const k of options.keys())
      if (!allowed.some((list) => isKnownProperty(list, k))) problems.push(`flink: ${table.name} option '${k}'`);
  }
  if (script.tables.length !== 2 * model.tables.length) problems.push('flink: a table is missing');
  at = lap('flink', at);

  // Debezium: every key a connector property, every value a string.
  for (const s of model.sources) {
    const cfg = JSON.parse(file(s.files.connector)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(cfg)) {
      if (!isKnownProperty(DEBEZIUM_PROPERTIES, k)) problems.push(`debezium: '${k}' is no connector property`);
      if (typeof v !== 'string') problems.push(`debezium: '${k}' is not a string`);
    }
  }

  at = lap('debezium', at);
  // Analytics: schema.sql and views.sql apply twice on PostgreSQL, and leave exactly the Model's relations.
  // A fresh database for each output: every schema an earlier one created goes (a hostile run may name any).
  const schemas = await db.query<{ n: string }>(
    "SELECT nspname AS n FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
  );
  await db.exec(
    `${schemas.rows.map((r) => `DROP SCHEMA "${r.n.replaceAll('"', '""')}" CASCADE;`).join(' ')} CREATE SCHEMA public;`,
  );
  try {
    for (let run = 0; run < 2; run++) {
      await db.exec(file(model.analytics.files.schema));
      await db.exec(file(model.analytics.files.views));
    }
    const relations = await db.query<{ q: string; k: string }>(
      `SELECT n.nspname || '.' || c.relname AS q, c.relkind AS k FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'v') AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const schema = model.analytics.schema;
    const expected = [
      ...model.tables.map((t) => `${schema}.${t.analytics.name}`),
      ...model.views.map((v) => `${schema}.${v.name}`),
    ].sort();
    const actual = relations.rows.map((r) => r.q);
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      problems.push(`analytics: relations ${actual.join(', ')} instead of ${expected.join(', ')}`);
    for (const v of model.views) {
      const r = await db.query(`SELECT * FROM ${v.qualifiedName}`);
      const names = r.fields.map((f) => f.name);
      if (names.join() !== v.columns.map((c) => c.name).join())
        problems.push(`analytics: ${v.name} has columns ${names.join(', ')}`);
    }
  } catch (err) {
    problems.push(`analytics SQL fails on PostgreSQL: ${(err as Error).message}`);
  }

  at = lap('pglite', at);
  // Kubernetes: every object of the base validates against its schema.
  for (const [path, text] of files) {
    if (!path.startsWith('kubernetes/base/') || !path.endsWith('.yaml') || path.endsWith('kustomization.yaml'))
      continue;
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as Record<string, unknown>;
      const Kind = K8S[String(o['kind'])];
      if (!Kind) problems.push(`kubernetes: ${path}: no schema for ${String(o['kind'])}`);
      else
        try {
          new Kind(o as never).validate();
        } catch (err) {
          problems.push(`kubernetes: ${path}: ${(err as Error).message.slice(0, 200)}`);
        }
    }
  }

  at = lap('kubernetes', at);
  // Superset: every bundle file fits Superset 5.0's import schemas, and every reference resolves.
  const bundle = new Map<string, unknown>();
  for (const [path, text] of files)
    if (path.startsWith('superset/bundle/'))
      bundle.set(path.slice('superset/bundle/'.length), parseYaml(text, { version: '1.1' }));
  if (bundle.size) for (const p of checkBundle(bundle)) problems.push(`superset: ${JSON.stringify(p)}`);
  at = lap('superset', at);
  // No credential reached any file.
  for (const f of scanArtefacts(
    [...files].map(([path, contents]) => ({ path, contents: contents as string | Uint8Array })),
  ))
    problems.push(`secrets scan: ${f.path}:${f.line} ${f.what}`);
  lap('scan', at);
  return problems;
}

// ── Outcomes ───────────────────────────────────────────────────────────────────────────────────────────

type Outcome = 'clean' | 'diagnostics' | 'threw' | 'crash' | 'hang' | 'leak' | 'invalid';
const counts = {
  valid: { clean: 0, diagnostics: 0, threw: 0, crash: 0, hang: 0, leak: 0, invalid: 0 } as Record<Outcome, number>,
  hostile: { clean: 0, diagnostics: 0, threw: 0, crash: 0, hang: 0, leak: 0, invalid: 0 } as Record<Outcome, number>,
  codes: {} as Record<string, number>,
  mutations: {} as Record<string, number>,
  /** Clean hostile compiles whose output got every semantic check (the rest: the secrets scan). */
  deepChecked: 0,
  maxMs: 0,
  totalMs: 0,
  runs: 0,
};

const CODE = /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)+$/;

/** What one compile of a (possibly damaged) config ended in, with what was wrong if it is a failure. */
function compileOnce(value: () => unknown): {
  outcome: 'clean' | 'diagnostics' | 'threw' | 'crash' | 'hang';
  detail?: string;
  result?: ReturnType<typeof compileValue>;
} {
  const started = performance.now();
  try {
    const result = compileValue(value(), ctx);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const uncoded = result.diagnostics.filter((d: Diagnostic) => !CODE.test(d.code) || typeof d.message !== 'string');
    if (uncoded.length) return { outcome: 'crash', detail: `uncoded diagnostic ${JSON.stringify(uncoded[0])}` };
    // (With errors from the emitters, compileValue still returns the artefacts; compile() writes none of them.)
    for (const d of errors) counts.codes[d.code] = (counts.codes[d.code] ?? 0) + 1;
    return { outcome: errors.length ? 'diagnostics' : 'clean', result };
  } catch (err) {
    // What compile() does with it: an exception from the config's own code is CONFIG.THREW (exit 1);
    // anything else is a bug in cdc-compile (exit 70). The config's code here is the mutations' getters and
    // traps: the compiler must let exactly what they threw through. (Not thrownByUserCode(): mapping the
    // frames transpiles this file into the repository's cache, which other tests watch.)
    if (thrownValues.has(err)) return { outcome: 'threw' };
    return { outcome: 'crash', detail: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  } finally {
    const ms = performance.now() - started;
    counts.maxMs = Math.max(counts.maxMs, ms);
    counts.totalMs += ms;
    counts.runs++;
    if (ms > HANG_MS) hung = `${Math.round(ms)} ms`;
  }
}

let hung: string | undefined;
/** compileOnce, with a compile slower than HANG_MS counted as a hang whatever it ended in. */
function compileTimed(value: () => unknown): ReturnType<typeof compileOnce> {
  hung = undefined;
  const r = compileOnce(value);
  return hung ? { outcome: 'hang', detail: `one compile took ${hung}` } : r;
}

let db: PGlite;
beforeAll(async () => {
  db = await newDb();
});
afterAll(async () => {
  await db?.close();
  const report = process.env['CDC_FUZZ_REPORT'];
  if (process.env['CDC_FUZZ_TIMINGS']) console.log(JSON.stringify({ timings, compileMs: counts.totalMs }));
  if (report)
    writeFileSync(
      report,
      `${JSON.stringify({ ...counts, checkMs: timings, validRuns: VALID_RUNS, hostileRuns: HOSTILE_RUNS, seed: SEED }, null, 2)}\n`,
    );
});

const options = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

describe('property: random valid pipelines', () => {
  test(`${VALID_RUNS} pipelines compile, and every artefact passes its consumers' checks`, async () => {
    await fc.assert(
      fc.asyncProperty(plans, async (plan: Plan) => {
        const r = compileTimed(() => buildPipeline(plan));
        counts.valid[r.outcome]++;
        if (r.outcome !== 'clean')
          throw new Error(
            `${r.outcome}: ${
              r.detail ??
              JSON.stringify(
                r.result?.diagnostics.filter((d) => d.severity === 'error'),
                null,
                1,
              )
            }`,
          );
        const files = filesOf(r.result!.artefacts);
        const problems = await semanticProblems(r.result!.model!, files, db);
        if (problems.length) {
          counts.valid.invalid++;
          throw new Error(problems.join('\n'));
        }
      }),
      options(VALID_RUNS),
    );
  }, 600_000);
});

describe('property: hostile mutations of valid pipelines', () => {
  test(`${HOSTILE_RUNS} damaged configs end in a clean compile or coded diagnostics, never a crash, a hang or a leak`, async () => {
    await fc.assert(
      fc.asyncProperty(plans, mutations, async (plan: Plan, list: readonly Mutation[]) => {
        // The builder's points, counted once, so that every mutation lands on one of them.
        const probe = new Mutator();
        buildPipeline(plan, probe);
        const mutator = new Mutator(list, probe.points);
        const r = compileTimed(() => buildPipeline(plan, mutator));
        for (const a of mutator.applied) {
          const kind = a.split('@')[0]!;
          counts.mutations[kind] = (counts.mutations[kind] ?? 0) + 1;
        }
        counts.hostile[r.outcome]++;
        if (r.outcome === 'crash' || r.outcome === 'hang')
          throw new Error(`${r.outcome} after ${mutator.applied.join(', ')}: ${r.detail ?? ''}`);
        if (r.outcome !== 'clean') return;
        const files = filesOf(r.result!.artefacts);
        const leaked = [...files].filter(([, text]) => CREDENTIALS.some((c) => text.includes(c.split('\n')[0]!)));
        if (leaked.length) {
          counts.hostile.leak++;
          throw new Error(
            `a planted credential reached ${leaked.map(([p]) => p).join(', ')} after ${mutator.applied.join(', ')}`,
          );
        }
        // Strings that could break a format get every check; the other damage, the scan (all of it under fuzz).
        const risky = DEEP_HOSTILE || mutator.applied.some((a) => /^(injection|name|credential)@/.test(a));
        if (risky) counts.deepChecked++;
        const problems = await semanticProblems(r.result!.model!, files, db, risky);
        if (problems.length) {
          counts.hostile.invalid++;
          throw new Error(
            `clean compile with broken output after ${mutator.applied.join(', ')}:\n${problems.join('\n')}`,
          );
        }
      }),
      options(HOSTILE_RUNS),
    );
    // The damage must do something: many runs end in diagnostics, some in a throw from the config's code.
    if (HOSTILE_RUNS >= 100) {
      expect(counts.hostile.diagnostics).toBeGreaterThan(HOSTILE_RUNS / 4);
      expect(counts.hostile.threw).toBeGreaterThan(0);
    }
  }, 600_000);
});

describe('what the fuzzer found, kept as plain tests', () => {
  test('a script in a double-quoted YAML scalar is scanned as the text it stands for (no false alarm, no miss)', () => {
    const scan = (text: string) => scanArtefacts([{ path: 'kubernetes/x.yaml', contents: text }]).map((f) => f.what);
    // A source database named 'shopdb ' (trailing space) put the setup script into a double-quoted scalar.
    expect(scan('data:\n  s.sh: "psql -v role_password=\\"$ROLE_PASSWORD\\" -f x.sql\\n"\n')).toEqual([]);
    expect(scan('data:\n  s.sh: "psql -v role_password=\\"hunter2-plain\\" -f x.sql\\n"\n')).toEqual([
      "a 'role_password=' parameter",
    ]);
  });

  test('without a deployment and without kafka, the later passes still run: CONFIG.MISSING, not exit 70', () => {
    const s = postgresSource('shop', { host: 'h', database: 'd', password: secret('s', 'p') });
    s.table('orders', { columns: { id: t.integer().primaryKey() } });
    const p = definePipeline({
      name: 'p',
      sources: [s],
      connect: { url: 'http://c:8083' },
      analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'p') },
    });
    const r = compileValue(p, ctx);
    expect(r.diagnostics.map((d) => `${d.code} ${d.subject?.path?.join('.')}`)).toEqual([
      'CONFIG.MISSING kafka.bootstrapServers',
    ]);
  });

  test('a name that String() cannot convert (no prototype, a throwing toString) is a diagnostic, not exit 70', () => {
    const odd: unknown[] = [
      Object.create(null),
      {
        toString() {
          throw new Error('toString exploded');
        },
      },
    ];
    for (const name of odd) {
      const s = postgresSource(name as string, { host: 'h', database: 'd', password: secret('s', 'p') });
      s.table(name as string, { columns: { id: t.integer().primaryKey() } });
      const p = definePipeline({
        name: 'p',
        sources: [s],
        kafka: { bootstrapServers: 'k:9092' },
        connect: { url: 'http://c:8083' },
        analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'p') },
        views: [view(name as string, { columns: { n: t.bigint() }, sql: sql`SELECT 1::bigint AS n` })],
      });
      const r = compileValue(p, ctx);
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.diagnostics.every((d) => d.code === 'CONFIG.INVALID_TYPE' && d.severity === 'error')).toBe(true);
    }
  });
});

test('a credential-shaped chart name or dashboard title is refused: both are written into Superset files', () => {
  const s = postgresSource('shop', { host: 'h', database: 'd', password: secret('s', 'p') });
  const o = s.table('orders', { columns: { id: t.integer().primaryKey() } });
  const v = view('vw', { columns: { n: t.bigint() }, sql: sql`SELECT COUNT(*) AS n FROM ${o}` });
  const c = chart('Orders xoxb-1234567890-abcdefghij', { kind: 'big_number', view: v, metrics: [count()] });
  const p = definePipeline({
    name: 'p',
    sources: [s],
    kafka: { bootstrapServers: 'k:9092' },
    connect: { url: 'http://c:8083' },
    analytics: { host: 'a', database: 'a', user: 'w', password: secret('a', 'p') },
    dashboards: [dashboard('Sales https://u:hunter2-plain@example.com', { rows: [[c]] })],
  });
  const r = compileValue(p, ctx);
  expect(r.diagnostics.map((d) => `${d.code} ${d.subject?.kind}`).sort()).toEqual([
    'CONFIG.PLAINTEXT_SECRET chart',
    'CONFIG.PLAINTEXT_SECRET dashboard',
  ]);
});
