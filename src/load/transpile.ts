/**
 * TypeScript → CommonJS for the config and the TypeScript files it imports. Type annotations are
 * stripped by sucrase, which keeps line numbers, so stack traces point at the user's lines. Results are
 * cached by content hash under the project's node_modules/.cache/cdc-compile, so an unchanged config costs no
 * transpiler at all; CDC_COMPILE_CACHE=0 turns the cache off. When the cache misses, sucrase comes from
 * dist/sucrase.cjs, one bundled file (scripts/build.mjs): loading the package's ~65 modules took longer
 * than the transform of a book-store-sized config.
 */
import { createHash, hash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import NodeModule, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { textSha256 } from '../digest.js';
import { pruneOtherBuilds, pruneTranspileCache } from './cache-prune.js';
import { collectGarbage } from './collect.js';

const require = createRequire(import.meta.url);
const CACHE_FORMAT = 'cjs-2';
/** Characters (about 800 tables) above which a transform is followed by a full collection. */
const LARGE_SOURCE = 1_000_000;

let sucrase: typeof import('sucrase') | undefined;
let sucraseVersion: string | undefined;

function version(): string {
  sucraseVersion ??= (require('sucrase/package.json') as { version: string }).version;
  return sucraseVersion;
}

/**
 * V8 flags this process changed at run time (the compile command's `--no-opt`): V8 accepts a code cache
 * only under the flags it was made with, so they are part of the key of sucrase's.
 */
let runtimeFlags = '';
export function setRuntimeFlags(flags: string): void {
  runtimeFlags = flags;
}

/**
 * sucrase's code cache: written after the first transform of a process that found none (or a rejected
 * one), so it holds the functions that transform compiled, not only the bundle's top level.
 */
let pendingCache: (() => void) | undefined;

/**
 * sucrase: the bundle beside this module in dist/, or the package when cdc-compile runs from src/ (vitest).
 * The bundle runs from V8's code cache when the project has a cache folder (`cacheDir`, its sucrase/ folder): loading its 420 KB and the first transform compiled it anew each time the transpile
 * cache missed (book store: about 25 of 65 ms of CPU).
 */
export function loadSucrase(from?: string): typeof import('sucrase') {
  if (!sucrase) {
    const bundled = fileURLToPath(new URL('./sucrase.cjs', import.meta.url));
    if (!existsSync(bundled)) sucrase = require('sucrase') as typeof import('sucrase');
    else {
      const dir = from === undefined ? undefined : cacheDir(from);
      sucrase = dir ? runCached(bundled, dir) : (require(bundled) as typeof import('sucrase'));
    }
  }
  return sucrase;
}

/** Runs the CommonJS bundle `file` as Node would, compiled by vm.Script with its code cache in `dir`. */
function runCached(file: string, dir: string): typeof import('sucrase') {
  const text = readFileSync(file, 'utf8');
  // Keyed by the bundle's text, Node, the architecture and the flags (V8 checks them again when it reads).
  const flags = process.execArgv.filter((a) => !/^(-e|-p|--eval|--print)/.test(a)).join(' ');
  // `<build>-<runtime>.v8`: the caches of other builds of the bundle are removed when one is written.
  const build = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const runtime = createHash('sha256')
    .update(`${process.version}\0${process.arch}\0${flags}\0${runtimeFlags}`)
    .digest('hex')
    .slice(0, 16);
  const cacheFile = join(dir, 'sucrase', `${build}-${runtime}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // not cached yet
  }
  const script = new Script(NodeModule.wrap(text), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const mod = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    mod.exports,
    createRequire(file),
    mod,
    file,
    dirname(file),
  );
  if (!cachedData || script.cachedDataRejected) {
    pendingCache = () => {
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
        pruneOtherBuilds(dirname(cacheFile), '', `${build}-`);
      } catch {
        // A read-only project still compiles, only without the cache.
      }
    };
  }
  return mod.exports as unknown as typeof import('sucrase');
}

/** The project's cache folder (node_modules/.cache/cdc-compile above `from`), or none. */
export function cacheDir(from: string): string | undefined {
  if (process.env['CDC_COMPILE_CACHE'] === '0') return undefined;
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'cdc-compile');
    // No node_modules anywhere above: no cache (a shared temp folder could be written by someone else).
    if (dirname(dir) === dir) return undefined;
  }
}

export interface Transpiled {
  readonly code: string;
  /** Its file in the transpile cache (beside it, V8's code cache: load/code-cache.ts); none when the cache is off. */
  readonly cached?: string;
}

/** This process's transpiles: the config's files are transpiled before its clock starts, then run. */
const memory = new Map<string, Transpiled>();

export function transpile(file: string, source: string): string {
  return transpiled(file, source).code;
}

export function transpiled(file: string, source: string): Transpiled {
  // The source by its digest (textSha256 remembers it: the manifest records the same digest).
  const key = hash('sha256', `${CACHE_FORMAT}\0${version()}\0${file}\0${textSha256(source)}`, 'hex');
  let result = memory.get(key);
  if (result === undefined) {
    result = transpileOnce(file, source, key);
    // A long-lived process (tests, tools) compiling many configs keeps only the recent ones.
    if (memory.size >= 64) memory.clear();
    memory.set(key, result);
  }
  return result;
}

function transpileOnce(file: string, source: string, key: string): Transpiled {
  const dir = cacheDir(file);
  const cached = dir ? join(dir, `${key}.cjs`) : undefined;
  if (cached) {
    try {
      return { code: readFileSync(cached, 'utf8'), cached };
    } catch {
      // not cached yet
    }
  }
  const options = {
    transforms: file.endsWith('x') ? ['typescript', 'imports', 'jsx'] : ['typescript', 'imports'],
    filePath: file,
    disableESTransforms: true,
  } satisfies Parameters<typeof import('sucrase').transform>[1];
  const sucrase = loadSucrase(file);
  const code = sucrase.transform(source, options).code;
  if (pendingCache) {
    const write = pendingCache;
    pendingCache = undefined;
    write();
  }
  // sucrase's parser keeps its state (the tokens, scopes and input of the last transform) in module-level
  // variables until the next transform: 600 MB of a 10,000-table config (12 MB), alive to the end of the
  // compile, and the larger part of its peak. An empty transform (~0.3 ms) lets them go; for a large source,
  // a full collection then (with little else alive yet, short) keeps V8 from sizing the heap by them.
  sucrase.transform('', options);
  if (source.length > LARGE_SOURCE) collectGarbage();
  if (dir && cached) {
    try {
      mkdirSync(dir, { recursive: true });
      const temp = `${cached}.${process.pid}.tmp`;
      writeFileSync(temp, code);
      renameSync(temp, cached);
      pruneTranspileCache(dir);
      return { code, cached };
    } catch {
      // A read-only project still compiles, only without the cache.
    }
  }
  return { code };
}
