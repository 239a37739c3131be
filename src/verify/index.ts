/**
 * `verify`: what only a database (or the field's own grammar) can tell about a compiled config, in five
 * steps that all run, each with its findings and timing. Independent work runs concurrently: PostgreSQL
 * starts (or connects) and the Flink grammar loads in a worker thread while the config compiles; on a real
 * server the analytics steps and the source step run on separate connections at the same time.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { Model } from '../resolve/model.js';
import type { Artefact } from '../targets/artefact.js';
import { applyAnalytics, checkViewColumns, runChartQueries } from './analytics.js';
import type { Server } from './db.js';
import { verifySources } from './sources.js';
import { staticChecks, type FlinkGrammar } from './static.js';

export const STEPS = [
  { step: 1, id: 'apply', title: 'analytics schema and views apply (twice)' },
  { step: 2, id: 'view-columns', title: 'view columns and types are the declared ones' },
  { step: 3, id: 'chart-queries', title: "every chart's query runs against its view" },
  { step: 4, id: 'sources', title: 'source tables and setup SQL (publication, replica identity, role, grants)' },
  { step: 5, id: 'static', title: 'Flink SQL grammar, Flink and connector options' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

export interface StepResult {
  readonly step: number;
  readonly id: StepId;
  readonly title: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Errors and warnings, located in the config (or a generated file) where possible. */
  readonly diagnostics: readonly Diagnostic[];
  /** What the step did not try, and why (e.g. no replication slot on PGlite). */
  readonly notes: readonly string[];
}

export interface VerifyInput {
  readonly model: Model;
  readonly artefacts: readonly Artefact[];
  /** The compile's warnings (some settings are passed through on purpose). */
  readonly compileDiagnostics: readonly Diagnostic[];
  readonly outDir: string;
  readonly server: Promise<Server>;
  readonly grammar: FlinkGrammar;
  /** Called as each step ends (in the order they end). */
  readonly onStep?: (result: StepResult) => void;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly database: string;
  readonly steps: readonly StepResult[];
}

export async function verify(input: VerifyInput): Promise<VerifyResult> {
  const { model, artefacts, outDir } = input;
  const results = new Map<StepId, StepResult>();
  const step = async (id: StepId, work: (notes: string[]) => Promise<readonly Diagnostic[]>): Promise<StepResult> => {
    const meta = STEPS.find((s) => s.id === id)!;
    const started = performance.now();
    const notes: string[] = [];
    const diagnostics = await work(notes);
    const result: StepResult = {
      ...meta,
      ok: !diagnostics.some((d) => d.severity === 'error'),
      durationMs: Math.round(performance.now() - started),
      diagnostics,
      notes,
    };
    results.set(id, result);
    input.onStep?.(result);
    return result;
  };

  const statics = step('static', () => staticChecks(model, artefacts, input.compileDiagnostics, outDir, input.grammar));
  statics.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  const server = await input.server;
  try {
    const analytics = async () => {
      const db = await server.analytics();
      let failedViews: ReadonlySet<string> = new Set();
      await step('apply', async () => {
        const r = await applyAnalytics(db, model, artefacts, outDir);
        failedViews = r.failedViews;
        return r.diagnostics;
      });
      await step('view-columns', async (notes) => {
        if (failedViews.size) notes.push(`not checked (failed in step 1): ${[...failedViews].join(', ')}`);
        return checkViewColumns(db, model, failedViews);
      });
      await step('chart-queries', async (notes) => {
        if (!model.charts.length) notes.push('the config has no charts');
        return runChartQueries(db, model, failedViews);
      });
    };
    const sources = () =>
      step('sources', async (notes) => {
        if (server.kind === 'pglite')
          notes.push('replication slots not tried: PGlite has no logical decoding (use --database-url)');
        return verifySources(server, model, artefacts, outDir, notes);
      });
    // PGlite is one connection: its steps take turns. A real server has one connection per database.
    if (server.kind === 'pglite') {
      await analytics();
      await sources();
    } else await Promise.all([analytics(), sources()]);
    await statics;
  } finally {
    await server.close();
    await input.grammar.close();
  }
  const steps = STEPS.map((s) => results.get(s.id)!);
  return { ok: steps.every((s) => s.ok), database: server.description, steps };
}
