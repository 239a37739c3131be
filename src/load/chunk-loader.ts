/**
 * Runs the compiler chunk (dist/compiler-<hash>.cjs: the compiler with zod, handlebars' runtime and the
 * built-in templates, one script) from V8's code cache. The build (scripts/build.mjs) turns rolldown's ES
 * module chunk into that script and writes, in its place, a small ES module (dist/compiler-<hash>.js) that
 * calls `runChunk` and re-exports the chunk's bindings, so every importer (dist/cli.js, dist/index.js, the
 * lazy chunks, the worker) shares one instance.
 *
 * Why: Node 20 keeps no compile of an ES module; parsing and compiling the 750 KB chunk was the largest
 * single cost of a small compile. A script compiled by `vm.Script` takes V8's cached data: the cache is
 * written when the process that found none (or a rejected one) exits, so it holds every function that
 * run compiled too, not only the top level. Same design as the config's code cache (load/code-cache.ts):
 * keyed by the chunk's content hash (from the build), Node's version, the architecture and the process's
 * flags; written atomically; V8 checks source, version and flags again and a rejected cache is rewritten.
 * It lives where bin/cdc-compile.js puts Node's own compile cache (node_modules/.cache/cdc-compile/v8 of
 * the node_modules holding the package); CDC_COMPILE_CACHE=0 turns it off, and a read-only install runs
 * without it.
 *
 * The module imports nothing but load/cache-prune.ts and load/full-run.ts (built-ins through `process.getBuiltinModule`, no ES module
 * facades). The build
 * makes it dist/chunk-loader.cjs, required by the stand-in and by the CommonJS entries dist/cli.cjs (which
 * bin/cdc-compile.js requires) and dist/index.cjs (require('cdc-compile')): one chunk instance per thread.
 */

import { pruneOtherBuilds } from './cache-prune.js';
import { hasEmitted } from './full-run.js';

const fs = process.getBuiltinModule('node:fs');
const vm = process.getBuiltinModule('node:vm');
const path = process.getBuiltinModule('node:path');
const { createRequire } = process.getBuiltinModule('node:module');
const { fileURLToPath } = process.getBuiltinModule('node:url');

/**
 * The script's wrapper (scripts/build.mjs writes the chunk inside it). `__cdcImport` stands for the
 * chunk's dynamic `import()`s: on Node 20 a script compiled from cached data loses its dynamic import
 * callback, so the chunk's imports are made by the ES module that loads it, relative to the same folder.
 * `__cdcUrl` is its `import.meta.url`.
 */
export const CHUNK_PARAMETERS = [
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
  '__cdcImport',
  '__cdcUrl',
] as const;

type Wrapper = (
  exports: Record<string, unknown>,
  require: NodeJS.Require,
  module: { exports: Record<string, unknown> },
  filename: string,
  dirname: string,
  importer: (specifier: string) => Promise<unknown>,
  url: string,
) => void;

/** What happened to the code cache in this process (read by the tests). */
/** `partial`: accepted, but written by a run that emitted no Model (see `run`). */
export type CacheState = 'off' | 'missing' | 'accepted' | 'partial' | 'rejected' | 'unwritable';

export interface LoadedChunk {
  readonly exports: Record<string, unknown>;
  /** The code cache file (none when the cache is off). */
  readonly cacheFile: string | undefined;
  readonly state: () => CacheState;
}

/** The code cache folder for a package whose dist/ is `distDir`, as bin/cdc-compile.js chooses it. */
export function chunkCacheDir(distDir: string): string | undefined {
  if (process.env['CDC_COMPILE_CACHE'] === '0') return undefined;
  const pkg = path.dirname(distDir);
  const nodeModules =
    path.basename(path.dirname(pkg)) === 'node_modules' ? path.dirname(pkg) : path.join(pkg, 'node_modules');
  return path.join(nodeModules, '.cache', 'cdc-compile', 'v8');
}

/**
 * A short hash of the options this process was started with (but the code of -e / -p), so that processes
 * started with other V8 flags (--max-old-space-size, --cpu-prof, ...) keep caches of their own instead of
 * rewriting one in turn; V8 checks its flags again when it reads a cache.
 */
function flagsTag(): string {
  const argv = process.execArgv;
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^(-e|-p|--eval|--print)$/.test(argv[i]!)) i++;
    else if (!/^(--eval|--print)=/.test(argv[i]!)) kept.push(argv[i]!);
  }
  const flags = kept.join(' ');
  if (!flags) return '';
  let h = 0x811c9dc5;
  for (let i = 0; i < flags.length; i++) h = Math.imul(h ^ flags.charCodeAt(i), 0x01000193);
  return `-${(h >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Compiles and runs the chunk at `url` (its text is one function expression with `CHUNK_PARAMETERS`),
 * with its code cache when there is one; `key` is the chunk's content hash, `importer` does its
 * dynamic imports.
 */
export function runChunk(url: URL, key: string, importer: (specifier: string) => Promise<unknown>): LoadedChunk {
  const file = fileURLToPath(url);
  let loaded = chunks.get(file);
  if (!loaded) chunks.set(file, (loaded = run(url, file, key, importer)));
  return loaded;
}

/** The chunks this thread runs: one instance, whichever entry asks first (dist/cli.cjs, index.cjs, the stand-in). */
const chunks = new Map<string, LoadedChunk>();

function readCache(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined; // not cached yet
  }
}

function remove(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // gone already
  }
}

function run(url: URL, file: string, key: string, importer: (specifier: string) => Promise<unknown>): LoadedChunk {
  const dir = chunkCacheDir(path.dirname(file));
  const base = dir && path.join(dir, `compiler-${key}-${process.version}-${process.arch}${flagsTag()}`);
  // A cache holds the functions of the run that wrote it. One written by a run that emitted no Model
  // (`--help`, `init`, a config with errors) is partial: read when there is no other, replaced by the first
  // compile's. Without that, every compile after a first `init` compiled most of the chunk lazily again.
  const complete = base && `${base}.v8`;
  const partial = base && `${base}.partial.v8`;
  let cachedData = readCache(complete);
  const wasPartial = !cachedData && (cachedData = readCache(partial)) !== undefined;
  // latin1: the chunk is ASCII (the build's charset), so V8 keeps it as one-byte text without decoding.
  const script = new vm.Script(fs.readFileSync(file, 'latin1'), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  let state: CacheState = !base
    ? 'off'
    : !cachedData
      ? 'missing'
      : script.cachedDataRejected
        ? 'rejected'
        : wasPartial
          ? 'partial'
          : 'accepted';
  cachedData = undefined;
  const mod = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as Wrapper)(
    mod.exports,
    createRequire(file),
    mod,
    file,
    path.dirname(file),
    // Relative to the chunk, whoever's import() it is.
    (specifier) => importer(specifier.startsWith('.') ? new URL(specifier, url).href : specifier),
    url.href,
  );
  if (complete && partial && state !== 'accepted') {
    // At exit, so that the cache also holds the functions this run compiled. Flags changed since the load
    // (the compile command's --no-opt) are restored by their own exit listener, which runs first.
    process.once('exit', () => {
      const emitted = hasEmitted();
      // A partial cache stays until a run that emitted; a run that did not never overwrites a whole one
      // (another process, or this one's compile worker, may have written it meanwhile).
      if (!emitted && (state === 'partial' || fs.existsSync(complete))) return;
      const target = emitted ? complete : partial;
      try {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const temp = `${target}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
        fs.writeFileSync(temp, script.createCachedData());
        fs.renameSync(temp, target);
        if (emitted) remove(partial);
        pruneOtherBuilds(path.dirname(target), 'compiler-', `${key}-`);
      } catch {
        state = 'unwritable'; // a read-only install runs without the cache
      }
    });
  }
  return { exports: mod.exports, cacheFile: complete, state: () => state };
}
