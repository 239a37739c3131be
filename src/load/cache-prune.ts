/**
 * The caches under node_modules/.cache/cdc-compile gain an entry for every config text transpiled (a
 * `--watch` session adds one per edit) and for every build of the compiler and of sucrase a project has
 * run. Nothing else removes them, so the process that writes an entry prunes its folder: only then, on the
 * path that already paid sucrase or V8's compile, never on a cache hit. Another process may be reading an
 * entry being removed; every reader treats a missing or short file as a miss.
 */
// Built-ins as load/chunk-loader.ts (which uses this module) takes them: it imports nothing.
const { readdirSync, statSync, unlinkSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');

/** Transpiled config texts kept: the most recently written ones. */
export const TRANSPILE_ENTRIES = 64;

/** A temporary file older than this was left by a process that died before its rename. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const TRANSPILED = /^([0-9a-f]{64})\.cjs$/;
/** `<key>.<V8 version>-<arch>.v8` beside `<key>.cjs` (load/code-cache.ts). */
const CODE_CACHE = /^([0-9a-f]{64})\..+\.v8$/;

function remove(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already (another process pruned it) or not ours to remove
  }
}

function mtime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes temporary files of processes that died between writing and renaming them. */
function staleTemps(dir: string, all: readonly string[], now: number): void {
  for (const name of all) {
    if (!name.endsWith('.tmp')) continue;
    const at = mtime(join(dir, name));
    if (at !== undefined && now - at > STALE_TEMP_MS) remove(join(dir, name));
  }
}

/**
 * The transpile cache folder: keeps the `keep` most recently written transpiles (ties by name, so two
 * processes agree) and the code caches of those, removes the rest.
 */
export function pruneTranspileCache(dir: string, keep = TRANSPILE_ENTRIES, now = Date.now()): void {
  const all = names(dir);
  staleTemps(dir, all, now);
  const entries: { key: string; at: number }[] = [];
  for (const name of all) {
    const key = TRANSPILED.exec(name)?.[1];
    if (key === undefined) continue;
    const at = mtime(join(dir, name));
    if (at !== undefined) entries.push({ key, at });
  }
  const kept = new Set(
    entries
      .sort((a, b) => b.at - a.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, keep)
      .map((e) => e.key),
  );
  for (const { key } of entries) if (!kept.has(key)) remove(join(dir, `${key}.cjs`));
  for (const name of all) {
    const key = CODE_CACHE.exec(name)?.[1];
    if (key !== undefined && !kept.has(key)) remove(join(dir, name));
  }
}

/**
 * A folder of code caches for one file's builds (`<prefix><build key>…v8`: the compiler chunk's, sucrase's):
 * having just written `current`, removes the caches of other builds and stale temporary files. Caches of
 * the same build under other flags (their own suffix) stay.
 */
export function pruneOtherBuilds(dir: string, prefix: string, buildKey: string, now = Date.now()): void {
  const all = names(dir);
  staleTemps(dir, all, now);
  for (const name of all)
    if (name.startsWith(prefix) && name.endsWith('.v8') && !name.startsWith(`${prefix}${buildKey}`))
      remove(join(dir, name));
}
