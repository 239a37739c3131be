/**
 * The digests of output files this process has already read, so that the writer's look at the output
 * folder (`inspect`) need not read a file again to learn that it holds what the compile wants there.
 * A `--watch` session looks at the same files on every recompile; a compile in the worker has the main
 * thread idle for seconds, in which it reads and hashes the files the output's manifest lists
 * (`prehashOutput`), instead of reading them after the worker is done.
 *
 * A digest is used only for the same version of the file: its identity (device, inode, size, change and
 * modification times, as `stat` gives them) must be the one it had when it was read. A file written again
 * gets a new change time (the kernel sets it; `utimes` cannot set it back), a new inode when it is
 * replaced, so any change since is seen; the one exception is a change within the file system's timestamp
 * granularity of the read itself (a write in the same clock tick leaves the times alike). So, as git does
 * for its index, a digest is remembered only for a file whose last change was some time before it was
 * read (`settledAfter`): any later change then moves its times. A file written moments ago is read again
 * next time.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { sep } from 'node:path';
import { below, escapesOutDir, lstatOnce } from './guard.js';
import { fileIdentity as identity, settled } from './identity.js';
import { MANIFEST, type ManifestState } from './manifest.js';

/** By absolute path, as the writer joins it (the real output folder and the artefact's path). */
const seen = new Map<string, { readonly id: string; readonly sha256: string }>();

/**
 * Records that the file at `path`, looked at as `stat` and read at `readAt` (ms since the epoch, before the
 * read), holds content with this hex sha256; forgotten instead when it changed too recently to tell.
 */
export function remember(path: string, stat: Stats, digest: string, readAt = Date.now()): void {
  if (settled(stat, readAt)) seen.set(path, { id: identity(stat), sha256: digest });
  else seen.delete(path);
}

/** The hex sha256 of the file at `path` if it is, by `stat`, the version this process read; else undefined. */
export function knownDigest(path: string, stat: Stats): string | undefined {
  const s = seen.get(path);
  return s !== undefined && s.id === identity(stat) ? s.sha256 : undefined;
}

/** Forgets what was read under `dir` (the tests; a caller that wants every file read again). */
export function forgetSeen(dir?: string): void {
  if (dir === undefined) seen.clear();
  else for (const path of seen.keys()) if (path.startsWith(`${dir}${sep}`)) seen.delete(path);
}

/**
 * Reads and hashes, a few files at a time between turns of the event loop, the files that `manifest` (the
 * output folder's, as the compile read it) lists, and the manifest itself, below the real output folder
 * `realOut`: only regular files, never through a symbolic link, none that cannot be opened without
 * blocking. `stop` ends it (when the compile's result arrives: what is left is read by the writer as
 * usual); `finished` settles when it has read everything or was stopped. Only reads; a file that changes
 * meanwhile has another identity when the writer looks, so it is read again then. `now` is the clock the
 * reads are timed by (the tests move it on instead of waiting `SETTLED_MS`).
 */
export function prehashOutput(
  realOut: string,
  manifest: ManifestState,
  { sliceMs = 8, now = Date.now }: { sliceMs?: number; now?: () => number } = {},
): { stop(): void; readonly finished: Promise<void> } {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  if (manifest.kind !== 'ours') {
    finish();
    return { stop: () => undefined, finished };
  }
  const paths = [MANIFEST, ...manifest.files.keys()];
  const look = lstatOnce();
  let next = 0;
  let stopped = false;
  let timer: NodeJS.Immediate | undefined;
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  // Read through one buffer: the worker is at its peak of memory meanwhile (a 51 MB manifest at 10,000 tables).
  const chunk = Buffer.allocUnsafe(1 << 20);
  const one = (rel: string) => {
    if (escapesOutDir(realOut, rel, look)) return;
    const path = below(realOut, rel);
    let fd: number;
    try {
      fd = openSync(path, flags);
    } catch {
      return; // not there, a link, or not to be opened
    }
    try {
      const readAt = now();
      const stat = fstatSync(fd);
      if (!stat.isFile() || knownDigest(path, stat) !== undefined) return;
      const hash = createHash('sha256');
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;) hash.update(chunk.subarray(0, n));
      remember(path, stat, hash.digest('hex'), readAt);
    } catch {
      // unreadable: the writer reads it and says why
    } finally {
      closeSync(fd);
    }
  };
  const slice = () => {
    timer = undefined;
    const until = performance.now() + sliceMs;
    while (!stopped && next < paths.length && performance.now() < until) one(paths[next++]!);
    if (!stopped && next < paths.length) timer = setImmediate(slice);
    else finish();
  };
  timer = setImmediate(slice);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearImmediate(timer);
      finish();
    },
    finished,
  };
}
