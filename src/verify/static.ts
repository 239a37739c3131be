/**
 * Step 5 of verify, checks that need no database: `pipeline.sql` parses with Flink's grammar (dt-sql-parser,
 * in a worker thread so it loads while PostgreSQL starts), every Flink SET key and WITH option is one the
 * vendored Flink 1.20 references list, and every connector property is a Debezium 2.7 one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../diagnostics.js';
import { DEBEZIUM_PROPERTIES, FLINK_SESSION_OPTIONS, flinkOptionsOf, isKnownProperty } from '../resolve/catalog.js';
import type { Model } from '../resolve/model.js';
import type { Artefact } from '../targets/artefact.js';
import { readFlinkScript, type FlinkTable } from './flink-script.js';
import { fileDiagnostic, textOf } from './positions.js';

export interface GrammarError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The worker, started at once; `validate` sends it the script. `close` ends it. */
export interface FlinkGrammar {
  validate(sql: string): Promise<readonly GrammarError[]>;
  close(): Promise<void>;
}

/** The built worker beside this module, or (when verify runs from its sources, under vitest) in dist/. */
function workerEntry(): URL {
  const beside = new URL('./flink-worker.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../../dist/flink-worker.js', import.meta.url);
}

export function startFlinkGrammar(): FlinkGrammar {
  const worker = new Worker(workerEntry());
  let failed: Error | undefined;
  worker.on('error', (err) => (failed = err));
  return {
    validate: (sql) =>
      new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        worker.once('message', (m: { errors?: GrammarError[]; failure?: string }) =>
          m.errors ? resolve(m.errors) : reject(new Error(`the Flink grammar failed to load: ${m.failure}`)),
        );
        worker.once('error', reject);
        worker.postMessage({ sql });
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

/** Options allowed in a CREATE TABLE's WITH: its connector's, plus those of each format it names. */
function unknownWithOptions(table: FlinkTable): string[] {
  const options = new Map(table.options);
  const connector = options.get('connector');
  if (!connector) return ['(no connector option)'];
  const allowed = [flinkOptionsOf(connector)];
  for (const key of ['format', 'value.format', 'key.format']) {
    const format = options.get(key);
    if (format) allowed.push(flinkOptionsOf(format));
  }
  return [...options.keys()].filter((k) => !allowed.some((known) => isKnownProperty(known, k)));
}

export async function staticChecks(
  model: Model,
  artefacts: readonly Artefact[],
  compileDiagnostics: readonly Diagnostic[],
  outDir: string,
  grammar: FlinkGrammar,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const path = model.flink.file;
  const sql = textOf(artefacts, path) ?? '';
  const at = (needle: string) => {
    const i = sql.indexOf(needle);
    return i < 0 ? undefined : i;
  };
  const errors = await grammar.validate(sql);
  // Later errors are mostly the parser recovering from the first: report the first few.
  for (const e of errors.slice(0, 5)) {
    const lines = sql.split('\n');
    const index = lines.slice(0, e.line - 1).join('\n').length + (e.line > 1 ? 1 : 0) + e.column - 1;
    out.push(
      fileDiagnostic('VERIFY.FLINK_SYNTAX', `Flink's grammar rejects ${path}: ${e.message}`, outDir, path, sql, index),
    );
  }
  // Settings the user passed through on purpose were reported by the compile (FLINK.UNKNOWN_SETTING).
  const passedThrough = compileDiagnostics.filter((d) => d.code === 'FLINK.UNKNOWN_SETTING').map((d) => d.message);
  let script;
  try {
    script = readFlinkScript(sql);
  } catch (err) {
    out.push(
      fileDiagnostic('VERIFY.FLINK_OPTIONS', `${path}: ${(err as Error).message}`, outDir, path, sql, undefined),
    );
    return out;
  }
  for (const [key] of script.sets) {
    if (isKnownProperty(FLINK_SESSION_OPTIONS, key)) continue;
    const message = `${path} sets '${key}', which is not a Flink 1.20 option cdc-compile knows`;
    const passed = passedThrough.some((m) => m.includes(`'${key}'`));
    const d = fileDiagnostic('VERIFY.FLINK_OPTIONS', message, outDir, path, sql, at(`'${key}'`));
    out.push(passed ? { ...d, severity: 'warning' } : d);
  }
  for (const table of script.tables) {
    for (const key of unknownWithOptions(table))
      out.push(
        fileDiagnostic(
          'VERIFY.FLINK_OPTIONS',
          `${path}: table ${table.name} has WITH option '${key}', which its connector and formats do not take`,
          outDir,
          path,
          sql,
          at(`'${key}'`),
        ),
      );
  }
  for (const s of model.sources) {
    const file = s.files.connector;
    const text = textOf(artefacts, file) ?? '';
    let cfg: Record<string, unknown>;
    try {
      cfg = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      out.push(
        fileDiagnostic(
          'VERIFY.CONNECTOR',
          `${file} is not JSON: ${(err as Error).message}`,
          outDir,
          file,
          text,
          undefined,
        ),
      );
      continue;
    }
    for (const [key, value] of Object.entries(cfg)) {
      const index = text.indexOf(JSON.stringify(key));
      if (!isKnownProperty(DEBEZIUM_PROPERTIES, key))
        out.push(
          fileDiagnostic(
            'VERIFY.CONNECTOR',
            `${file}: '${key}' is not a Debezium 2.7 PostgreSQL connector property`,
            outDir,
            file,
            text,
            index,
          ),
        );
      else if (typeof value !== 'string')
        out.push(
          fileDiagnostic(
            'VERIFY.CONNECTOR',
            `${file}: '${key}' is not a string (Kafka Connect wants strings)`,
            outDir,
            file,
            text,
            index,
          ),
        );
    }
  }
  return out;
}
