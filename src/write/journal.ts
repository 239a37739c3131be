/**
 * Whole-tree atomicity. Before the first rename into place the writer records its intent — every file it
 * will put in place (with the hash of the staged copy and of what it replaces) and every file it will
 * remove (with the hash it must still have) — in `.cdc-compile-journal.json`, written by rename so it is
 * either whole or absent. The journal is deleted once the manifest is in place. A journal found later
 * means a write was interrupted: the next compile completes it from the staged copies before anything
 * else, and `--check` reports it.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import { escapesOutDir } from './guard.js';
import { isSafeRelativePath, MANIFEST, sha256 } from './manifest.js';

export const JOURNAL = '.cdc-compile-journal.json';
export const STAGING_PREFIX = '.cdc-compile-staging-';

export interface JournalWrite {
  readonly path: string;
  /** Hex sha256 of the staged copy, i.e. of the new contents. */
  readonly sha256: string;
  /** Hex sha256 of the file it replaces, or null when there was none. */
  readonly before: string | null;
  readonly executable: boolean;
  /**
   * The staged copy's name in the staging folder: a number, the folder flat (no tree of folders to make
   * and remove again). Absent in journals of earlier versions, which staged at `path`.
   */
  readonly staged?: string;
}

/** Where a write's new contents wait in the staging folder. */
export const stagedPath = (staging: string, w: JournalWrite) => join(staging, w.staged ?? w.path);

export interface Journal {
  readonly version: 1;
  /** Name of the staging folder (directly in the output folder) holding the new contents. */
  readonly staging: string;
  /** In order; the manifest last. */
  readonly writes: readonly JournalWrite[];
  readonly removes: readonly { readonly path: string; readonly sha256: string }[];
}

const HEX = /^[0-9a-f]{64}$/;

/** The journal in `realOut`, `undefined` when there is none, or why it cannot be trusted. */
export function readJournal(realOut: string): Journal | undefined | { damaged: string } {
  const path = join(realOut, JOURNAL);
  let text: string;
  try {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) return undefined;
    if (!stat.isFile()) return { damaged: `${JOURNAL} is not a regular file` };
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as Journal;
    const ok =
      j.version === 1 &&
      typeof j.staging === 'string' &&
      new RegExp(`^${STAGING_PREFIX.replace(/\./g, '\\.')}[0-9a-z-]+$`).test(j.staging) &&
      Array.isArray(j.writes) &&
      Array.isArray(j.removes) &&
      j.writes.every(
        (w) =>
          isSafeRelativePath(w.path) &&
          HEX.test(w.sha256) &&
          (w.before === null || HEX.test(w.before)) &&
          typeof w.executable === 'boolean' &&
          (w.staged === undefined || (typeof w.staged === 'string' && /^\d+$/.test(w.staged))),
      ) &&
      j.removes.every((r) => isSafeRelativePath(r.path) && HEX.test(r.sha256));
    return ok ? j : { damaged: `${JOURNAL} does not have the shape cdc-compile writes` };
  } catch (err) {
    return { damaged: `${JOURNAL} is not valid JSON (${(err as Error).message})` };
  }
}

/** Hex sha256 of a regular file's bytes; undefined when there is no such file. */
export function hashOf(path: string): string | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ? sha256(readFileSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the journal's write cannot be completed, if it cannot: a file changed since (neither what it
 * replaced nor the new contents), a staged copy missing or altered, a path leaving the output folder.
 * Reads only.
 */
export function journalProblems(realOut: string, journal: Journal, shown: string): Diagnostic[] {
  const problems: string[] = [];
  const staging = join(realOut, journal.staging);
  for (const w of journal.writes) {
    const outside = escapesOutDir(realOut, w.path);
    if (outside) {
      problems.push(outside);
      continue;
    }
    const now = hashOf(join(realOut, w.path));
    if (now === w.sha256) continue;
    if (now !== undefined && now !== w.before) problems.push(`${w.path} was changed after the interrupted write began`);
    else if (hashOf(stagedPath(staging, w)) !== w.sha256)
      problems.push(`the staged copy of ${w.path} is missing or altered`);
  }
  for (const r of journal.removes) {
    const outside = escapesOutDir(realOut, r.path);
    if (outside) problems.push(outside);
    else {
      const now = hashOf(join(realOut, r.path));
      if (now !== undefined && now !== r.sha256)
        problems.push(`${r.path} was changed after the interrupted write began`);
    }
  }
  return problems.map((p) =>
    error(
      'OUT.INTERRUPTED',
      `an interrupted write of ${shown} cannot be completed: ${p}`,
      undefined,
      `check ${shown} (e.g. git status), then delete ${shown}/${JOURNAL} and every ${shown}/${STAGING_PREFIX}* folder, and compile again`,
    ),
  );
}

/**
 * Carries out a journal: each staged file is renamed into place (the manifest last), each listed old file
 * removed; then the journal and the staging folder go. Steps already done are skipped, so running it again
 * after an interruption at any point finishes the same tree. Call `journalProblems` first for a journal
 * found on disk.
 */
export function completeJournal(
  realOut: string,
  journal: Journal,
  /** `staged: true`: the writer has just staged every file (none is renamed yet), so none is looked for. */
  { staged: fresh = false }: { staged?: boolean } = {},
): void {
  const staging = join(realOut, journal.staging);
  const made = new Set<string>();
  const put = (w: JournalWrite) => {
    const target = join(realOut, w.path);
    const staged = stagedPath(staging, w);
    // Renamed before the interruption: nothing left to do.
    if (!fresh && !existsSync(staged) && hashOf(target) === w.sha256) return;
    const dir = dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    renameSync(staged, target);
  };
  const manifest = journal.writes.filter((w) => w.path === MANIFEST);
  for (const w of journal.writes) if (w.path !== MANIFEST) put(w);
  for (const r of journal.removes) {
    const target = join(realOut, r.path);
    if (hashOf(target) === undefined) continue;
    removeFile(target);
    removeEmptyParents(realOut, dirname(target));
  }
  for (const w of manifest) put(w);
  removeFile(join(realOut, JOURNAL));
  removeStaging(staging);
}

/**
 * Removes a file that may already be gone: unlink, not `rmSync`, which on Node 20 loads Node's JavaScript
 * rimraf (~0.8 ms) for every call, even a file's.
 */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * The staging folder once its files are renamed into place is empty (in a journal of the earlier layout,
 * a tree of empty folders): removed with rmdir. `rmSync(…, { recursive: true })`, which loads Node's
 * JavaScript rimraf, stays the fallback for anything else (a file left behind, the folder gone).
 */
function removeStaging(dir: string): void {
  const removeEmpty = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) removeEmpty(join(d, e.name));
    rmdirSync(d);
  };
  try {
    removeEmpty(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

function removeEmptyParents(root: string, dir: string): void {
  while (dir.startsWith(root) && dir !== root) {
    if (readdirSync(dir).length > 0) return;
    rmdirSync(dir);
    dir = dirname(dir);
  }
}
