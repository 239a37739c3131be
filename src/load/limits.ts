/**
 * The config is user code: it may loop forever, allocate without end, await a promise that never
 * settles or call `process.exit()`. These are the fences around it.
 *
 * - In this thread, synchronous code runs under V8's watchdog (`vm` with `timeout`): it costs well under
 *   a millisecond and interrupts even `while (true) {}`. It cannot cap memory, so the config only gets a
 *   short slice here (IN_THREAD_SLICE_MS).
 * - A config that needs more time, or Node's ES module loader (top-level await, `import.meta`, `.js` /
 *   `.mjs`), runs in a worker thread instead, with a heap limit (`resourceLimits`), a timer, and this
 *   thread watching the process's memory (which also counts buffers outside the heap). A worker costs
 *   about 0.4× a bare Node start, so the usual config never starts one.
 * - `process.exit()`, `process.abort()` and `process.kill(process.pid)` are replaced while the config
 *   runs, so they end up as a diagnostic instead of ending (or silently passing) the compile.
 * - Timers the config's code starts (`setTimeout`, `setInterval`, `setImmediate`) are cleared when its
 *   compile ends, as the end of a compiler process would: `--watch` runs the config again in the same
 *   process on every change, and an interval it left would otherwise run on, one more per change.
 */
import { Script } from 'node:vm';

export interface Limits {
  /** Wall time the config may take to evaluate (and to be read by the compiler). */
  readonly timeoutMs: number;
  /** Memory the config may allocate. */
  readonly maxMemoryMb: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 10_000, maxMemoryMb: 1024 };

/**
 * How long a config may run in the compiler's own thread, where memory is not capped, before it is
 * re-run in a worker under both limits. A 1,000-table config evaluates in about 0.1 s.
 */
export const IN_THREAD_SLICE_MS = 1_000;

const TIMED = Symbol.for('cdc-compile.timed-run');
let runner: Script | undefined;

/** Runs `fn` synchronously; `undefined` if it was still running after `ms` (it is then stopped). */
export function runTimed<T>(fn: () => T, ms: number): { value: T } | undefined {
  runner ??= new Script('globalThis[Symbol.for("cdc-compile.timed-run")]()', { filename: 'cdc-compile:limits' });
  const slot = globalThis as unknown as Record<symbol, (() => void) | undefined>;
  let value: T | undefined;
  let done = false;
  slot[TIMED] = () => {
    value = fn();
    done = true;
  };
  try {
    runner.runInThisContext({ timeout: Math.max(1, Math.round(ms)), displayErrors: false });
  } catch (err) {
    if ((err as { code?: string })?.code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw err;
    // The watchdog may fire just after `fn` returned: then its result stands.
    if (!done) return undefined;
  } finally {
    slot[TIMED] = undefined;
  }
  return { value: value as T };
}

/** Thrown into the config's code by the replaced `process.exit()`, so the code after it does not run. */
export class ConfigExit extends Error {
  override name = 'ConfigExit';
  constructor(readonly how: string) {
    super(`the config called ${how}`);
  }
}

export interface Exit {
  /** E.g. `process.exit(0)`. */
  readonly how: string;
  /** Captured where it was called, for its location. */
  readonly error: Error;
}

type Saved = Pick<NodeJS.Process, 'exit' | 'abort' | 'kill'> & { reallyExit?: unknown };
const guards = new Set<ExitGuard>();
let saved: Saved | undefined;

function record(how: string): void {
  const error = new ConfigExit(how);
  for (const guard of guards) guard.exit ??= { how, error };
  if ([...guards].some((g) => g.active)) throw error;
}

type Timers = Pick<typeof globalThis, 'setTimeout' | 'setInterval' | 'setImmediate'>;
const TIMERS = ['setTimeout', 'setInterval', 'setImmediate'] as const;
let savedTimers: Timers | undefined;

/** `fn`, recording the handle it returns (and how to clear it) for every guard whose config code is running. */
function recorded<F extends (...args: never[]) => unknown>(fn: F, clear: (handle: never) => void): F {
  const wrapper = function (this: unknown, ...args: Parameters<F>) {
    const handle = fn.apply(this, args);
    for (const guard of guards) if (guard.active) guard.timers.set(handle, () => clear(handle as never));
    return handle;
  };
  // util.promisify(setTimeout) and its kin read a symbol on the function.
  for (const key of Object.getOwnPropertySymbols(fn)) {
    Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(fn, key)!);
  }
  return wrapper as unknown as F;
}

/** Replaces the process-ending functions while it is installed (guards nest), and records the config's timers. */
export class ExitGuard {
  exit: Exit | undefined;
  /** While the config's own code runs: a call also throws, ending that code as exiting would. */
  active = false;
  /** The timers the config's code started while this guard was active, cleared by `restore()`. */
  readonly timers = new Map<unknown, () => void>();

  install(): this {
    if (guards.size === 0) {
      savedTimers = { setTimeout, setInterval, setImmediate };
      const clear = { setTimeout: clearTimeout, setInterval: clearInterval, setImmediate: clearImmediate };
      for (const name of TIMERS)
        (globalThis as Record<string, unknown>)[name] = recorded(savedTimers[name], clear[name]);
      const p = process as Saved & NodeJS.Process;
      saved = { exit: p.exit, abort: p.abort, kill: p.kill, reallyExit: p.reallyExit };
      p.exit = ((code?: number | string) => record(`process.exit(${code ?? ''})`)) as never;
      p.abort = (() => record('process.abort()')) as never;
      p.reallyExit = (code?: number) => record(`process.reallyExit(${code ?? ''})`);
      p.kill = ((pid: number, signal?: string | number) => {
        if (pid === process.pid || pid === 0)
          return record(`process.kill(process.pid${signal ? `, ${JSON.stringify(signal)}` : ''})`);
        return saved!.kill.call(process, pid, signal);
      }) as never;
    }
    guards.add(this);
    return this;
  }

  restore(): void {
    for (const clear of this.timers.values()) clear();
    this.timers.clear();
    if (!guards.delete(this) || guards.size > 0 || !saved) return;
    Object.assign(process, saved);
    Object.assign(globalThis, savedTimers);
    saved = undefined;
    savedTimers = undefined;
  }
}

export type WorkerOutcome<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'memory' }
  | { readonly kind: 'unsettled' }
  | { readonly kind: 'exited'; readonly code: number };

/** What the worker says it is doing: running the config, reading its objects, or the compiler's own work. */
export type Phase = 'config' | 'reading' | 'compiler';

/**
 * Runs a worker module under the time and memory limits. It posts `{ phase }` when the config's code
 * starts (`config`), when the compiler starts reading the config's objects (`reading`: validation and the
 * resolver, where its getters run) and when only the compiler's own code runs (`compiler`), then `{ result }`.
 *
 * The limits are the config's, not the compiler's: each of `config` and `reading` has a clock of its own
 * and nothing else is timed; the process's memory is watched while the config runs, and the worker's heap
 * limit is the config's plus `compilerMb`, what the compiler itself may need for a config of this size.
 * Likewise `reading` runs the compiler's own validation and resolver beside the config's getters: its
 * clock is the config's limit plus `compilerReadMs`. `onPhase` is told each phase message as it arrives
 * (the `compiler` one may carry more for the caller: see compile.ts).
 */
export async function runInWorker<T>(
  entry: URL,
  data: unknown,
  limits: Limits,
  compilerMb = 0,
  compilerReadMs = 0,
  onPhase?: (message: { readonly phase: Phase }) => void,
): Promise<WorkerOutcome<T>> {
  // Loaded only for a compile that needs a worker: most run in this thread.
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb + compilerMb },
    });
    let outcome: WorkerOutcome<T> | undefined;
    const finish = (o: WorkerOutcome<T>) => {
      outcome ??= o;
      void worker.terminate();
    };
    // The clock runs while the config's code does (the worker says when), not while Node and the
    // compiler start up or emit.
    let timer: NodeJS.Timeout | undefined;
    // The heap limit does not count buffers and typed arrays: watch the whole process too, from when the
    // config starts (the worker's own start-up is not the config's).
    let baseline = process.memoryUsage.rss();
    const cap = limits.maxMemoryMb * 1024 * 1024;
    let phase: Phase | undefined;
    const poll = setInterval(() => {
      if (phase === 'config' && process.memoryUsage.rss() - baseline > cap) finish({ kind: 'memory' });
    }, 25);
    worker.on('message', (message: { phase: Phase } | { result: T }) => {
      if ('result' in message) return finish({ kind: 'done', value: message.result });
      clearTimeout(timer);
      if (message.phase === 'config' && phase === undefined) baseline = process.memoryUsage.rss();
      phase = message.phase;
      onPhase?.(message);
      if (phase !== 'compiler')
        timer = setTimeout(
          () => finish({ kind: 'timeout' }),
          limits.timeoutMs + (phase === 'reading' ? compilerReadMs : 0),
        );
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') finish({ kind: 'memory' });
      else if (!outcome) {
        outcome = { kind: 'exited', code: -1 };
        clearTimeout(timer);
        clearInterval(poll);
        reject(err);
      }
    });
    worker.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      // Ended by itself without a result: the event loop ran dry while the config awaited something.
      if (!outcome) outcome = code === 0 || code === 13 ? { kind: 'unsettled' } : { kind: 'exited', code };
      resolve(outcome);
    });
  });
}
