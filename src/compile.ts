import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { basename, dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { error, hasErrors, InternalError, sortDiagnostics, warning, type Diagnostic } from './diagnostics.js';
import {
  checkConfigFile,
  DEFAULT_LIMITS,
  evaluateAsModule,
  evaluateInThread,
  evaluatesInThread,
  exitDiagnostic,
  ExitGuard,
  IN_THREAD_SLICE_MS,
  limitDiagnostic,
  prepareInThread,
  readFailure,
  runInWorker,
  runTimed,
  thrownByUserCode,
  type Limits,
  type Loaded,
  type Phase,
  type Transform,
} from './load/index.js';
import { PACKAGE_ROOT } from './package-root.js';
import { sameJson } from './render/json.js';
import { loadTemplates, overridesKey, TemplateError, unknownTemplates } from './render/templates.js';
import type { EmitMemo } from './emit-reuse.js';
import { CHANGES_FOLDER, MIGRATIONS_FOLDER, resolve } from './resolve/index.js';
import type { Model } from './resolve/model.js';
import { header, TEMPLATE_NAMES, TEMPLATE_OPTIONS, type Artefact, type EmitContext } from './targets/artefact.js';
import { emitAll } from './targets/index.js';
import { validate } from './validate/index.js';
import { CHANGE_SCRIPT_FILE, MIGRATION_FILE, readHistory } from './write/history.js';
import { realLocation } from './write/guard.js';
import {
  artefactSha256,
  buildManifest,
  DAMAGED_MANIFEST_RECOVERY,
  knownSha256,
  MANIFEST,
  manifestHanded,
  manifestParseError,
  snapshotJson,
  type ManifestState,
} from './write/manifest.js';
import { prehashOutput } from './write/seen.js';
import { buildSnapshot, type Snapshot } from './plan/snapshot.js';
import { noteEmitted } from './load/full-run.js';
import { collectGarbage } from './load/collect.js';
import type { ScriptStep } from './plan/script.js';

export interface CompileOptions {
  /** Path of `pipeline.config.ts`. */
  readonly config: string;
  /** Output directory; default `generated/` beside the config. */
  readonly outDir?: string;
  /** Template overrides; default `templates/` beside the config. */
  readonly templatesDir?: string;
  /** Deployment profile whose addresses the artefacts use (`--profile`), e.g. `local`. */
  readonly profile?: string;
  /** How long the config may take to evaluate, in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
  /** How much memory the config may use, in MiB (default 1024). */
  readonly maxMemoryMb?: number;
  /** The config's text instead of the file's (`plan --base` compiles an older version); imports are read from disk. */
  readonly source?: string;
  /**
   * Read the output directory's previous state (default true): its migrations are kept, and a change of
   * the analytics tables since its snapshot adds the next one. `plan --base` compiles an old config without.
   */
  readonly history?: boolean;
  /**
   * `false`: the result carries no Model, for a caller that only writes the artefacts, and no snapshot
   * either when the compile read the history and the snapshot did not change (`snapshotChanged: false`):
   * then nothing decides on it. A compile in the worker posts back only what the result carries (copying
   * a 10,000-table Model across took seconds; its snapshot, ~27 MB as JSON, about 0.6 s of both threads).
   */
  readonly model?: boolean;
  /**
   * A long-lived caller's memo of the last emit (`--watch`): reused when the Model, the history and the
   * templates are the same as last time (src/emit-reuse.ts). In-thread compiles only.
   */
  readonly reuse?: EmitMemo;
}

export interface CompileResult {
  /** Every file of the output directory, manifest included; empty when there are errors. */
  readonly artefacts: readonly Artefact[];
  /** Errors and warnings, located in the config where possible, sorted. */
  readonly diagnostics: readonly Diagnostic[];
  readonly model?: Model;
  /** What manifest.json records for `plan` (src/plan/snapshot.ts); see `model: false` for when it is left out. */
  readonly snapshot?: Snapshot;
  /**
   * Whether the output folder's manifest holds a snapshot this compiler reads, other than `snapshot`:
   * only then can a change need a decision (absent when the compile read no history).
   */
  readonly snapshotChanged?: boolean;
  /** The analytics migration this compile adds (its path), when the analytics tables changed. */
  readonly migration?: string;
  /** The change script this compile adds (ops/changes/), when the change needs steps on a running stack. */
  readonly changeScript?: { readonly path: string; readonly steps: readonly ScriptStep[] };
  readonly configFile: string;
  readonly outDir: string;
}

/**
 * Configs longer than this (characters; about 3,000 tables) go straight to the worker: evaluating one
 * takes about as long as the in-thread slice (IN_THREAD_SLICE_MS), and a run that outlasts the slice
 * is done twice.
 */
const IN_THREAD_MAX_SOURCE = 4_000_000;

export const VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/**
 * The part of the compiler that reads the config's objects (so their getters, Proxy traps and `${() => …}`
 * functions run): validation, then the resolver, which builds the Model as plain data of its own.
 */
export function readConfig(
  value: unknown,
  options: { profile?: string } = {},
): { diagnostics: Diagnostic[]; model?: Model } {
  const validated = validate(value);
  if (!validated.config || hasErrors(validated.diagnostics)) return { diagnostics: validated.diagnostics };
  const resolved = resolve(validated.config, options);
  const diagnostics = [...validated.diagnostics, ...resolved.diagnostics];
  return resolved.model ? { diagnostics, model: resolved.model } : { diagnostics };
}

/** The rest: the Model → artefacts (without the manifest). Runs no code of the config's. */
export function emitModel(model: Model, ctx: EmitContext): { artefacts: Artefact[]; diagnostics: Diagnostic[] } {
  const emitted = emitAll(model, ctx);
  noteEmitted();
  const artefacts = [
    ...emitted.artefacts,
    {
      path: '.gitattributes',
      contents:
        '# Generated by cdc-compile: collapse these files in diffs and keep them out of language stats.\n** linguist-generated=true\n',
    },
  ];
  const seen = new Set<string>();
  for (const a of artefacts) {
    if (seen.has(a.path)) throw new InternalError(`two artefacts share the path ${a.path}`);
    seen.add(a.path);
  }
  return { artefacts, diagnostics: emitted.diagnostics };
}

/** Pure part of the compiler: a loaded config value → artefacts (without the manifest) and diagnostics. */
export function compileValue(
  value: unknown,
  ctx: EmitContext,
  options: { profile?: string } = {},
): { artefacts: Artefact[]; diagnostics: Diagnostic[]; model?: Model } {
  const read = readConfig(value, options);
  if (!read.model) return { artefacts: [], diagnostics: read.diagnostics };
  const emitted = emitModel(read.model, ctx);
  return {
    artefacts: emitted.artefacts,
    diagnostics: [...read.diagnostics, ...emitted.diagnostics],
    model: read.model,
  };
}

/**
 * Compiles a config file into the artefacts of its output directory. Reads the config and templates;
 * writes nothing, prints nothing, never exits. The config runs under a time and memory limit (see
 * src/load/limits.ts): in this thread when it is quick and synchronous, otherwise in a worker.
 */
export async function compile(options: CompileOptions): Promise<CompileResult> {
  return compileIn(options, 'main');
}

/** The worker's entry point (src/compile-worker.ts) runs the same compile, already inside its limits. */
export async function compileIn(
  options: CompileOptions,
  where: 'main' | 'worker',
  /** In the worker: tells the main thread when the config's code starts and stops running (its clock). */
  phase: (now: Phase) => void = () => undefined,
): Promise<CompileResult> {
  const configPath = resolvePath(options.config);
  const outDir = resolvePath(options.outDir ?? join(dirname(configPath), 'generated'));
  // Shown in headers: the config relative to the folder that holds the output (so it never depends on cwd),
  // or just its name when the output lives elsewhere.
  const fromOut = relative(dirname(outDir), configPath).split(sep).join('/');
  const configFile = fromOut && !fromOut.startsWith('../') ? fromOut : basename(configPath);
  const limits: Limits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
    maxMemoryMb: options.maxMemoryMb ?? DEFAULT_LIMITS.maxMemoryMb,
  };
  const failed = (diagnostics: Diagnostic[]): CompileResult => ({
    artefacts: [],
    diagnostics: sortDiagnostics(diagnostics),
    configFile,
    outDir,
  });
  const fileProblem = checkConfigFile(configPath);
  if (fileProblem) return failed([fileProblem]);
  const source = options.source ?? readFileSync(configPath, 'utf8');
  const inThread = evaluatesInThread(configPath, source);
  const { reuse, ...posted } = options;
  const isolated = () =>
    compileInWorker({ ...posted, config: configPath, outDir }, limits, configPath, failed, source.length);
  // A config this large would only use up the in-thread slice before being re-run in the worker.
  if (where === 'main' && (!inThread || source.length > IN_THREAD_MAX_SOURCE)) return isolated();

  const templatesDir = options.templatesDir ?? join(dirname(configPath), 'templates');
  const templates = loadTemplates(templatesDir, TEMPLATE_OPTIONS);
  // The previous output's migrations are history: read before emitting, so the packagers ship them too.
  const history =
    options.history === false
      ? undefined
      : readHistory(outDir, [
          { folder: MIGRATIONS_FOLDER, file: MIGRATION_FILE },
          { folder: CHANGES_FOLDER, file: CHANGE_SCRIPT_FILE, executable: true },
        ]);
  if (history && hasErrors(history.diagnostics)) return failed([...history.diagnostics]);
  const ctx: EmitContext = {
    configFile,
    render: templates.render,
    ...(history?.migrations.length ? { migrations: history.migrations } : {}),
  };
  const profile = options.profile !== undefined ? { profile: options.profile } : {};
  const transform: Transform = inThread ? 'cjs' : 'esm';
  const guard = new ExitGuard().install();
  try {
    // Transpiling is the compiler's work, not the config's: done before the config's clock starts.
    if (inThread) prepareInThread(configPath, source);
    let loaded: Loaded | 'needs-module-loader';
    if (where === 'worker') {
      phase('config');
      guard.active = true;
      loaded = inThread ? evaluateInThread(configPath, source) : 'needs-module-loader';
      if (loaded === 'needs-module-loader') loaded = await evaluateAsModule(configPath, source);
      guard.active = false;
    } else {
      // A short slice here; a config still running after it is re-run in a worker under both limits.
      const slice = Math.min(limits.timeoutMs, IN_THREAD_SLICE_MS);
      const run = runTimed(() => {
        guard.active = true;
        try {
          return evaluateInThread(configPath, source);
        } finally {
          guard.active = false;
        }
      }, slice);
      if (!run)
        return slice >= limits.timeoutMs ? failed([limitDiagnostic('timeout', configPath, limits)]) : isolated();
      if (run.value === 'needs-module-loader') return isolated();
      loaded = run.value;
    }
    if (guard.exit) return failed([exitDiagnostic(guard.exit, configPath, transform)]);
    if (loaded.value === undefined) return failed(loaded.diagnostics);
    const value = loaded.value;

    let result: ReturnType<typeof compileValue>;
    let heapBeforeEmit = 0;
    try {
      // Validation and the resolver read the config's objects, so their getters and Proxy traps run: under
      // the time limit too, on a clock of its own, which also grants the compiler's own share of it.
      // The emitters read only the Model, plain data of the compiler's: they run outside the fence.
      let read: ReturnType<typeof readConfig>;
      if (where === 'worker') {
        phase('reading');
        read = readConfig(value, profile);
      } else {
        const timed = runTimed(() => readConfig(value, profile), limits.timeoutMs + compilerReadMs(source.length));
        if (!timed) return failed([limitDiagnostic('timeout', configPath, limits)]);
        read = timed.value;
      }
      phase('compiler');
      heapBeforeEmit = getHeapStatistics().used_heap_size;
      if (read.model) {
        const model = read.model;
        const emitted = reuse
          ? reuse.emit(model, ctx, overridesKey(templatesDir, TEMPLATE_NAMES), () => emitModel(model, ctx))
          : emitModel(model, ctx);
        result = {
          artefacts: emitted.artefacts,
          diagnostics: [...read.diagnostics, ...emitted.diagnostics],
          model: read.model,
        };
      } else result = { artefacts: [], diagnostics: read.diagnostics };
    } catch (err) {
      if (err instanceof TemplateError) {
        const diagnostic = {
          ...error(
            'TEMPLATE.INVALID',
            `template override ${basename(err.file)}: ${err.message}`,
            undefined,
            'fix the template, or delete it to use the built-in one',
          ),
          location: { file: err.file, line: err.line, column: err.column },
        };
        return failed([diagnostic]);
      }
      if (guard.exit) return failed([exitDiagnostic(guard.exit, configPath, transform)]);
      if (thrownByUserCode(err)) return failed([readFailure(err, configPath, transform)]);
      throw err;
    }
    // A large config's emit leaves its garbage in the old generation: collected before the bytes are made,
    // when the heap more than doubled over the emit (what the emit keeps, the artefacts, is about a third of
    // the Model and config before it; more is garbage V8 has not collected yet). At 10,000 tables the heap
    // goes 298 → 723 MB when V8 last collected before the emit, 295 → 527 MB when it did during it.
    if (
      source.length > IN_THREAD_MAX_SOURCE &&
      result.artefacts.length &&
      getHeapStatistics().used_heap_size > 2 * heapBeforeEmit
    )
      collectGarbage();
    let diagnostics = [
      ...result.diagnostics,
      ...unknownTemplates(templatesDir, TEMPLATE_NAMES).map((file) => ({
        ...warning(
          'TEMPLATE.UNKNOWN',
          `${relative(templatesDir, file).split(sep).join('/')} overrides no built-in template`,
          undefined,
          `built-in templates: ${TEMPLATE_NAMES.map((n) => `${n}.hbs`).join(', ')}`,
        ),
        location: { file, line: 1, column: 1 },
      })),
    ];
    if (diagnostics.some((d) => d.subject && !d.location)) {
      // ts-morph is heavy: load it only when there is something to point at.
      const { locate } = await import('./locate/index.js');
      diagnostics = await locate(diagnostics, configPath);
    }
    // A process.exit() the config left in a timer, fired while this compile awaited.
    if (guard.exit) return failed([exitDiagnostic(guard.exit, configPath, transform)]);
    if (hasErrors(diagnostics)) return failed(diagnostics);
    const snapshot = result.model ? buildSnapshot(result.model) : undefined;
    // Its text as the manifest will hold it: equal to the text the previous manifest holds, nothing changed,
    // and neither snapshot is walked (at 1,000 tables 5 MB each). Else the recorded one is parsed and the two
    // compared as JSON (a manifest reformatted by hand says the same in other text).
    const snapshotText = snapshot ? snapshotJson(snapshot) : undefined;
    let old: Snapshot | undefined;
    if (history?.recorded && snapshotText !== undefined && history.recorded.text !== snapshotText) {
      try {
        old = history.recorded.snapshot();
      } catch (err) {
        return failed([damagedManifest(outDir, err)]);
      }
    }
    let emitted = result.artefacts;
    let migration: string | undefined;
    let changeScript: CompileResult['changeScript'];
    const snapshotChanged = old !== undefined && snapshot !== undefined && !sameJson(old, snapshot);
    if (snapshotChanged && history && old && result.model) {
      // The pipeline changed since the last compile: its analytics migration, if the tables need one, and
      // its change script, if a running stack needs steps.
      const { nextHistory } = await import('./write/next-migration.js');
      const a = result.model.analytics;
      const next = await nextHistory(
        { folder: a.files.migrations, table: a.migrationsTable, createSchema: a.createSchema },
        { folder: result.model.ops.changes, number: history.nextIn.get(CHANGES_FOLDER) ?? 1 },
        old,
        history.next,
        snapshot,
        configPath,
        header(ctx, '--'),
      );
      const added = [...history.migrations, ...(next.migration ? [next.migration] : [])];
      if (next.migration) {
        migration = next.migration.path;
        emitted = emitModel(result.model, { ...ctx, migrations: added }).artefacts;
      }
      if (next.script) {
        // Rendered from this compile's artefacts (it carries the connector configurations and setup SQL).
        const { renderChangeScript } = await import('./targets/ops/change-script.js');
        const script = renderChangeScript(next.script, result.model, emitted, ctx);
        changeScript = { path: script.path, steps: next.script.steps };
        emitted = emitModel(result.model, { ...ctx, migrations: [...added, script] }).artefacts;
      }
    }
    // A caller that only writes gets each text as its UTF-8 bytes, encoded once here: the manifest hashes
    // those bytes (hashing a string encodes it first), the writer writes them, and a worker transfers them.
    // In place: each text is released as soon as its bytes exist (this array is the compile's own), so a
    // large output is not held as text and as bytes at once.
    if (options.model === false) for (const [i, a] of emitted.entries()) emitted[i] = asBytes(a);
    const manifest = buildManifest(
      emitted,
      configFile,
      loaded.source ?? '',
      VERSION,
      snapshotText,
      options.model === false ? encodePieces : undefined,
    );
    const artefacts = [...emitted, manifest];
    return {
      artefacts,
      diagnostics: sortDiagnostics(diagnostics),
      ...(result.model && options.model !== false ? { model: result.model } : {}),
      ...(snapshot && !(options.model === false && history && !snapshotChanged) ? { snapshot } : {}),
      ...(history ? { snapshotChanged } : {}),
      ...(migration ? { migration } : {}),
      ...(changeScript ? { changeScript } : {}),
      configFile,
      outDir,
    };
  } finally {
    guard.restore();
  }
}

/**
 * The previous manifest's snapshot is not JSON, though the rest of the file is: as the writer says of a
 * manifest it cannot read (OUT.DAMAGED_MANIFEST), the compile stops before it would plan against it. The
 * message and the location are the whole file's (it is parsed again for them: the snapshot's text alone
 * counts positions from its own start; write/manifest.ts reads it).
 */
function damagedManifest(outDir: string, err: unknown): Diagnostic {
  if (!(err instanceof SyntaxError)) throw err;
  const file = join(outDir, MANIFEST);
  const found = manifestParseError(file);
  const message = found?.message ?? err.message;
  const location = { file, line: found?.line ?? 1, column: found?.column ?? 1 };
  return {
    ...error(
      'OUT.DAMAGED_MANIFEST',
      `${MANIFEST} is damaged (${message}), so cdc-compile cannot tell what the last compile produced`,
      undefined,
      `restore it (e.g. from git) and compile again; or ${DAMAGED_MANIFEST_RECOVERY}`,
    ),
    location,
  };
}

/** Buffers encoded by `asBytes`: fresh, each the whole of its ArrayBuffer, so the worker may transfer them. */
const encoded = new WeakSet<Uint8Array>();
const encoder = new TextEncoder();

/**
 * Texts as the UTF-8 bytes of their concatenation, in one buffer of their own (so the worker may transfer
 * it): a manifest's pieces are never joined into one string first (at 10,000 tables its snapshot is 51 MB).
 */
function encodePieces(pieces: readonly string[]): Uint8Array {
  let length = 0;
  for (const p of pieces) length += Buffer.byteLength(p);
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) at += encoder.encodeInto(p, bytes.subarray(at)).written;
  encoded.add(bytes);
  return bytes;
}

/**
 * Each text artefact's bytes, made once per artefact object: a --watch recompile that reuses the last
 * emit gets the same artefacts, so the same bytes, whose digests (manifest.ts) are then known already
 * instead of encoded and hashed anew. Weak: a one-shot compile's texts (and their bytes) still go as it
 * replaces them.
 */
const bytesOf = new WeakMap<Artefact, Artefact>();

function asBytes(a: Artefact): Artefact {
  if (typeof a.contents !== 'string') return a;
  let b = bytesOf.get(a);
  if (b === undefined) bytesOf.set(a, (b = { ...a, contents: encodePieces([a.contents]) }));
  return b;
}

/**
 * The worker's `compiler` phase message: the manifest its compile read for the history, if any, as the
 * writer needs it (`manifestRead`: the file's version and list, not the snapshot).
 */
export interface WorkerPhase {
  readonly phase: 'config' | 'reading' | 'compiler';
  readonly manifest?: { readonly id: string; readonly state: ManifestState };
}

/** What a compile in the worker posts back: its result, and each artefact's sha256 (hex) beside it. */
export interface WorkerResult extends CompileResult {
  readonly digests?: readonly string[];
}

/**
 * The worker's message for `result`, and the buffers it can transfer rather than copy: the text it
 * encoded for a write-only caller. Each artefact's digest goes along, so the main thread's writer hashes none again.
 */
export function workerMessage(result: CompileResult): { message: { result: WorkerResult }; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  for (const a of result.artefacts)
    if (typeof a.contents !== 'string' && encoded.has(a.contents)) transfer.push(a.contents.buffer as ArrayBuffer);
  return { message: { result: { ...result, digests: result.artefacts.map(artefactSha256) } }, transfer };
}

/**
 * Heap the compiler itself may need in the worker beside the config's limit: its own start, and the
 * entity graph, Model and artefacts, which grow with the config (10,000 tables, a 12 MB config, peak at
 * about 1.1 GiB of heap). Generous: this is a backstop against a runaway compiler, not a fence of the config.
 */
const compilerHeapMb = (sourceLength: number) => 256 + Math.ceil((sourceLength / 1e6) * 128);

/**
 * Time the compiler itself may need to read a config of this size, granted beside the config's time
 * limit on the clock of that phase (validation and the resolver run the config's getters, so they are
 * timed, but most of their time is the compiler's: about 0.5 s per MB of config on a quiet 2-core machine,
 * 10,000 tables being 12 MB). Generous (4×), so a loaded machine does not turn a large config's
 * compile into its timeout; still a bound, so a getter that never returns is stopped.
 */
const compilerReadMs = (sourceLength: number) => Math.ceil((sourceLength / 1e6) * 2000);

/** The built worker entry (also when cdc-compile runs from its sources, under vitest). */
function workerEntry(): URL {
  return pathToFileURL(join(PACKAGE_ROOT, 'dist', 'compile-worker.js'));
}

async function compileInWorker(
  options: CompileOptions,
  limits: Limits,
  configPath: string,
  failed: (diagnostics: Diagnostic[]) => CompileResult,
  sourceLength: number,
): Promise<CompileResult> {
  // While the worker emits (the config's code is done, no limit is watched here any more), this thread
  // takes the manifest the worker read and reads and hashes the output files it lists, for the writer.
  let prehash: ReturnType<typeof prehashOutput> | undefined;
  const onPhase = (message: WorkerPhase) => {
    if (message.phase !== 'compiler' || !message.manifest || !options.outDir || prehash) return;
    manifestHanded(message.manifest);
    prehash = prehashOutput(realLocation(options.outDir), message.manifest.state);
  };
  const outcome = await runInWorker<WorkerResult>(
    workerEntry(),
    { options: { ...options, ...limits } },
    limits,
    compilerHeapMb(sourceLength),
    compilerReadMs(sourceLength),
    onPhase,
  ).finally(() => prehash?.stop());
  if (outcome.kind === 'done') {
    const { digests, ...result } = outcome.value;
    if (digests) for (const [i, a] of result.artefacts.entries()) knownSha256(a, digests[i]!);
    return result;
  }
  return failed([
    limitDiagnostic(outcome.kind, configPath, limits, outcome.kind === 'exited' ? outcome.code : undefined),
  ]);
}
