/**
 * The only module that writes artefacts. It touches nothing outside the output folder: the folder itself
 * is guarded (`unsafeOutDir`), every path is checked for symbolic links leaving it, only files whose
 * content is what the manifest (or an interrupted write's journal) recorded are replaced or removed, one
 * compile writes at a time (`lock.ts`), and a write interrupted at any point is completed by the next
 * compile (`journal.ts`).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { error, type Diagnostic } from '../diagnostics.js';
import type { Artefact } from '../targets/artefact.js';
import { below, escapesOutDir, lstatOnce, lstatOrUndefined, realLocation, unsafeOutDir } from './guard.js';
import {
  completeJournal,
  hashOf,
  JOURNAL,
  journalProblems,
  readJournal,
  STAGING_PREFIX,
  type Journal,
} from './journal.js';
import { acquireLock, LOCK, waitUntilUnlocked } from './lock.js';
import {
  artefactSha256,
  computedSha256,
  DAMAGED_MANIFEST_RECOVERY,
  MANIFEST,
  readManifestFiles,
  sha256,
  type ManifestState,
} from './manifest.js';
import { knownDigest, remember } from './seen.js';

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface FileChange {
  readonly path: string;
  readonly kind: ChangeKind;
}

export interface WriteRequest {
  readonly outDir: string;
  /** Every file of the output, manifest included (`compile()`'s artefacts). */
  readonly artefacts: readonly Artefact[];
  readonly configPath: string;
  /** The config as the manifest names it (`compile()`'s configFile). */
  readonly configFile: string;
  /** The output folder as messages show it. */
  readonly shownOut: string;
  /** Compare only: write nothing, take no lock. */
  readonly check: boolean;
  /** How long to wait for another compile writing the same folder; default 10 s. */
  readonly lockTimeoutMs?: number;
  /** Told once when another compile holds the folder and this one waits. */
  readonly onWait?: (message: string) => void;
}

export type WriteResult =
  /** Nothing was written: the folder, or a file in it, is not cdc-compile's to change. */
  | { readonly refused: readonly Diagnostic[] }
  | {
      /** What was written (or, with `check`, what would be). */
      readonly changes: readonly FileChange[];
      /** A journal of an interrupted write is present (`check`: reported, not completed). */
      readonly interrupted: boolean;
      /** Files put in place or removed to complete an interrupted write before this one. */
      readonly completed: number;
    };

interface State {
  readonly problems: Diagnostic[];
  readonly changes: FileChange[];
  /** Per change, the hex sha256 of the file there now (null: none), as the journal records it. */
  readonly before: ReadonlyMap<string, string | null>;
  readonly journal?: Journal;
  /** Staging folders of runs that ended before their journal was written, or after it was deleted. */
  readonly leftovers: string[];
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** stat (following links) without a thrown error for a path that is not there, or cannot be looked at. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

const NO_MANIFEST: ManifestState = { kind: 'none' };

/** The manifest at `path` (following a link `escapes` checked), or none when it is not a regular file. */
function manifestAt(path: string): ManifestState {
  try {
    return statOrUndefined(path)?.isFile() ? readManifestFiles(path) : NO_MANIFEST;
  } catch {
    return NO_MANIFEST;
  }
}

/** Everything the writer needs to know about the output folder; reads only. */
function inspect(realOut: string, req: WriteRequest): State {
  const problems: Diagnostic[] = [];
  const refuse = (code: string, message: string, hint?: string) => problems.push(error(code, message, undefined, hint));
  const next = new Map(req.artefacts.map((a) => [a.path, a]));
  const before = new Map<string, string | null>();
  if (!existsSync(realOut)) {
    for (const a of req.artefacts) before.set(a.path, null);
    return {
      problems,
      changes: req.artefacts.map((a) => ({ path: a.path, kind: 'added' as const })).sort(byPath),
      before,
      leftovers: [],
    };
  }
  // One look at each path in this pass: the artefacts share their folders.
  const look = lstatOnce();
  const escapes = (rel: string) => {
    const why = escapesOutDir(realOut, rel, look);
    if (why) {
      refuse(
        'OUT.SYMLINK',
        `${why}: cdc-compile writes nothing outside ${req.shownOut}`,
        `replace the link with a real folder or file, or choose another output folder`,
      );
    }
    return why !== undefined;
  };
  for (const control of [JOURNAL, LOCK]) escapes(control);
  if (problems.length) return { problems, changes: [], before, leftovers: [] };

  const found = readJournal(realOut);
  let journal: Journal | undefined;
  if (found && 'damaged' in found) {
    refuse(
      'OUT.INTERRUPTED',
      `${req.shownOut} holds a damaged record of an interrupted write: ${found.damaged}`,
      `check ${req.shownOut} (e.g. git status), then delete ${req.shownOut}/${JOURNAL} and compile again`,
    );
  } else journal = found;

  const manifest = escapes(MANIFEST) ? NO_MANIFEST : manifestAt(join(realOut, MANIFEST));
  if (manifest.kind === 'foreign') {
    refuse(
      'OUT.FOREIGN_MANIFEST',
      `${MANIFEST} was not written by cdc-compile; choose another output folder`,
      `${req.shownOut} belongs to another tool; pass --out with a folder of its own`,
    );
  } else if (manifest.kind === 'damaged') {
    refuse(
      'OUT.DAMAGED_MANIFEST',
      `${req.shownOut}/${MANIFEST} is damaged (${manifest.reason}), so cdc-compile cannot tell which files it wrote`,
      `restore it (e.g. git checkout -- ${req.shownOut}/${MANIFEST}) and compile again; or ${DAMAGED_MANIFEST_RECOVERY}`,
    );
  } else if (manifest.kind === 'ours' && manifest.configFile !== undefined && manifest.configFile !== req.configFile) {
    // Another pipeline's output, unless its config no longer exists there (the config was moved or renamed).
    const theirs = resolve(dirname(req.outDir), manifest.configFile);
    if (existsSync(theirs) && realpathSync(theirs) !== realpathSync(req.configPath)) {
      refuse(
        'OUT.OTHER_PIPELINE',
        `${req.shownOut} holds the output of another pipeline (${manifest.configFile})`,
        `give each pipeline its own output folder (--out)`,
      );
    }
  }
  if (problems.length) return { problems, changes: [], before, leftovers: [] };

  // Which contents of a path are cdc-compile's own: what the manifest recorded, and what an interrupted
  // write was replacing or putting there.
  const ours = new Map<string, Set<string>>();
  const own = (path: string, hash: string | null | undefined) => {
    if (!hash) return;
    const set = ours.get(path) ?? new Set<string>();
    set.add(hash);
    ours.set(path, set);
  };
  if (manifest.kind === 'ours') for (const [path, hash] of manifest.files) own(path, hash);
  for (const w of journal?.writes ?? []) {
    own(w.path, w.sha256);
    own(w.path, w.before);
  }
  for (const r of journal?.removes ?? []) own(r.path, r.sha256);
  const listed = new Set([
    ...(manifest.kind === 'ours' ? manifest.files.keys() : []),
    ...(journal?.writes.map((w) => w.path) ?? []),
    ...(journal?.removes.map((r) => r.path) ?? []),
  ]);
  const edited = (path: string, what: string) =>
    refuse(
      'OUT.EDITED',
      `${path} ${what}, but it was changed since cdc-compile wrote it (its content is not what ${MANIFEST} records)`,
      `move your changes out of ${req.shownOut} (a templates/ override or the config keeps them), then delete ${req.shownOut}/${path} and compile again`,
    );

  const changes: FileChange[] = [];
  /**
   * A path below the folder, following links (which `escapes` checked): what `escapes` saw already when
   * that is not a link (lstat and stat then agree), so most paths are looked at once, not twice.
   */
  const statOf = (path: string) => {
    const seen = look(path);
    return seen && !seen.isSymbolicLink() ? seen : statOrUndefined(path);
  };
  // Each folder on the way to an artefact, looked at once.
  const folders = new Map<string, Stats | undefined>();
  const folder = (rel: string) => {
    if (!folders.has(rel)) folders.set(rel, statOf(below(realOut, rel)));
    return folders.get(rel);
  };
  const added = (path: string) => {
    changes.push({ path, kind: 'added' });
    before.set(path, null);
  };
  for (const a of req.artefacts) {
    if (escapes(a.path)) continue;
    const parts = a.path.split('/');
    let blocked = false;
    let absent = false;
    for (let i = 1; i < parts.length && !blocked && !absent; i++) {
      const rel = parts.slice(0, i).join('/');
      const stat = folder(rel);
      // A folder that is not there holds nothing: the artefact is new, and so is every folder below.
      if (!stat) absent = true;
      else if (!stat.isDirectory()) {
        refuse('OUT.IN_THE_WAY', `${rel} is a file, but ${a.path} needs it to be a folder`, 'move it away');
        blocked = true;
      }
    }
    if (blocked) continue;
    const target = below(realOut, a.path);
    const stat = absent ? undefined : statOf(target);
    if (!stat) {
      added(a.path);
      continue;
    }
    if (!stat.isFile()) {
      refuse(
        'OUT.IN_THE_WAY',
        `${a.path} is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}, but cdc-compile needs to write a file there`,
        'move it away',
      );
      continue;
    }
    // The file's digest when this process read this version of it already (seen.ts), else its bytes.
    const known = knownDigest(target, stat);
    let now: string;
    if (known !== undefined) {
      now = known;
      if (known === artefactSha256(a)) {
        if (a.executable && (stat.mode & 0o100) === 0) {
          changes.push({ path: a.path, kind: 'changed' });
          before.set(a.path, now);
        }
        continue;
      }
    } else {
      const readAt = Date.now();
      const current = readFileSync(target);
      // Bytes are compared as they are (a write-only compile's text comes as its UTF-8 bytes), not copied.
      const wanted = typeof a.contents === 'string' ? Buffer.from(a.contents) : a.contents;
      if (current.equals(wanted)) {
        // Remembered when its digest is at hand (the manifest's, or the worker's): never hashed for this.
        const digest = computedSha256(a);
        if (digest !== undefined) remember(target, stat, digest, readAt);
        if (a.executable && (stat.mode & 0o100) === 0) {
          changes.push({ path: a.path, kind: 'changed' });
          before.set(a.path, sha256(current));
        }
        continue;
      }
      now = sha256(current);
      remember(target, stat, now, readAt);
    }
    if (a.path === MANIFEST) {
      changes.push({ path: a.path, kind: 'changed' });
      before.set(a.path, now);
      continue;
    }
    if (!listed.has(a.path)) {
      refuse(
        'OUT.NOT_OURS',
        `${a.path} exists and was not generated by cdc-compile (its manifest does not list it); move it away`,
      );
    } else if (!ours.get(a.path)?.has(now)) edited(a.path, 'would be overwritten');
    else {
      changes.push({ path: a.path, kind: 'changed' });
      before.set(a.path, now);
    }
  }
  for (const path of listed) {
    if (next.has(path) || path === MANIFEST || escapes(path)) continue;
    const target = below(realOut, path);
    // Not there, or a folder or link the user put there: not ours to remove.
    const stat = look(target);
    if (!stat?.isFile()) continue;
    const now = knownDigest(target, stat) ?? hashOf(target);
    if (now === undefined) continue; // removed meanwhile
    if (!ours.get(path)?.has(now)) edited(path, 'would be removed (the config no longer produces it)');
    else {
      changes.push({ path, kind: 'removed' });
      before.set(path, now);
    }
  }
  const leftovers = readdirSync(realOut).filter((name) => name.startsWith(STAGING_PREFIX) && name !== journal?.staging);
  return {
    problems,
    changes: changes.sort(byPath),
    before,
    ...(journal ? { journal } : {}),
    leftovers,
  };
}

/** The manifest as a file: a write that changes anything replaces it (renamed into place, last). */
function manifestId(realOut: string): string {
  const s = lstatOrUndefined(join(realOut, MANIFEST));
  return s ? `${s.ino}:${s.mtimeMs}:${s.size}` : 'none';
}

/**
 * `inspect` without the lock, and whether another compile may have been writing meanwhile: its lock was
 * there before or after, or the manifest was replaced in between (a whole write can fall between two
 * looks at the lock). A read that fails because a file vanished meanwhile counts as busy too.
 */
function inspectUnlocked(realOut: string, req: WriteRequest): { state?: State; busy: boolean; manifest: string } {
  const locked = () => existsSync(join(realOut, LOCK));
  const lockedBefore = locked();
  const idBefore = manifestId(realOut);
  let state: State | undefined;
  try {
    state = inspect(realOut, req);
  } catch (err) {
    if (!(err as NodeJS.ErrnoException).code) throw err;
  }
  const busy = lockedBefore || locked() || manifestId(realOut) !== idBefore || !state;
  return { ...(state ? { state } : {}), busy, manifest: idBefore };
}

/**
 * Plans and (unless `check`) applies the write of `artefacts` to the output folder. Writes only under the
 * folder's lock; refuses — writing nothing — when the folder or any file in it is not cdc-compile's to
 * change. New contents are staged in the folder, the intent is journaled, then each file is renamed into
 * place, old files are removed and the manifest goes last.
 */
export async function writeOutput(req: WriteRequest): Promise<WriteResult> {
  const unsafe = unsafeOutDir(req.outDir, req.configPath, req.shownOut);
  if (unsafe) return { refused: [unsafe] };
  const realOut = realLocation(req.outDir);
  const timeoutMs = req.lockTimeoutMs ?? 10_000;
  const first = inspectUnlocked(realOut, req);
  // What was read while another compile may have been writing is not the last word on a problem.
  const settled = first.state && !(first.busy && (first.state.problems.length || first.state.journal));
  if (req.check) {
    let state = first.state!;
    if (!settled) {
      await waitUntilUnlocked(realOut, timeoutMs);
      state = inspect(realOut, req);
    }
    if (state.problems.length) return { refused: state.problems };
    return { changes: state.changes, interrupted: state.journal !== undefined, completed: 0 };
  }
  if (settled) {
    const state = first.state!;
    if (state.problems.length) return { refused: state.problems };
    if (!first.busy && !state.journal && !state.leftovers.length && !state.changes.length) {
      return { changes: [], interrupted: false, completed: 0 };
    }
  }

  mkdirSync(realOut, { recursive: true });
  const got = await acquireLock(realOut, {
    timeoutMs: req.lockTimeoutMs ?? 10_000,
    onWait: (owner) =>
      req.onWait?.(
        `another cdc-compile${owner ? ` (pid ${owner.pid} on ${owner.host})` : ''} is writing ${req.shownOut}; waiting for it to finish`,
      ),
  });
  if ('busy' in got) {
    const who = got.busy ? ` (pid ${got.busy.pid} on ${got.busy.host})` : '';
    return {
      refused: [
        error(
          'OUT.LOCKED',
          `another cdc-compile${who} is still writing ${req.shownOut}`,
          undefined,
          `wait for it and compile again; if no cdc-compile is running, delete ${req.shownOut}/${LOCK}`,
        ),
      ],
    };
  }
  try {
    // Under the lock the folder is ours alone: look again if another compile may have written it since
    // the first look (its manifest was replaced, or it left a journal); the first look stands otherwise.
    const quiet =
      first.state && !first.busy && manifestId(realOut) === first.manifest && !existsSync(join(realOut, JOURNAL));
    let state = quiet ? first.state! : inspect(realOut, req);
    if (state.problems.length) return { refused: state.problems };
    let completed = 0;
    if (state.journal) {
      const problems = journalProblems(realOut, state.journal, req.shownOut);
      if (problems.length) return { refused: problems };
      completeJournal(realOut, state.journal);
      completed = state.journal.writes.length + state.journal.removes.length;
      state = inspect(realOut, req);
      if (state.problems.length) return { refused: state.problems };
    }
    for (const name of state.leftovers) rmSync(join(realOut, name), { recursive: true, force: true });
    if (state.changes.length) apply(realOut, req.artefacts, state);
    return { changes: state.changes, interrupted: false, completed };
  } finally {
    got.lock.release();
  }
}

function apply(realOut: string, artefacts: readonly Artefact[], { changes, before }: State): void {
  const staging = `${STAGING_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  const stagingDir = join(realOut, staging);
  mkdirSync(stagingDir);
  const artefact = new Map(artefacts.map((a) => [a.path, a]));
  const writes = changes
    .filter((c) => c.kind !== 'removed')
    .map((c) => artefact.get(c.path)!)
    .sort((a, b) => Number(a.path === MANIFEST) - Number(b.path === MANIFEST));
  try {
    // Flat: each new file under its number (the journal maps it to its path).
    for (const [i, a] of writes.entries()) {
      writeFileSync(join(stagingDir, String(i)), a.contents, { mode: a.executable ? 0o755 : 0o644 });
    }
  } catch (err) {
    rmSync(stagingDir, { recursive: true, force: true }); // nothing was put in place yet
    throw err;
  }
  // What is there now, as `inspect` found it under this lock.
  const now = (path: string) => (before.has(path) ? before.get(path)! : (hashOf(join(realOut, path)) ?? null));
  const journal: Journal = {
    version: 1,
    staging,
    writes: writes.map((a, i) => ({
      path: a.path,
      sha256: artefactSha256(a),
      before: now(a.path),
      executable: a.executable === true,
      staged: String(i),
    })),
    removes: changes.filter((c) => c.kind === 'removed').map((c) => ({ path: c.path, sha256: now(c.path)! })),
  };
  // Written beside the staged files, then renamed: the journal is either whole or absent.
  writeFileSync(join(stagingDir, JOURNAL), `${JSON.stringify(journal)}\n`);
  renameSync(join(stagingDir, JOURNAL), join(realOut, JOURNAL));
  completeJournal(realOut, journal, { staged: true });
}
