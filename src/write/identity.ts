/**
 * A file's version as `stat` tells it, and when that version can stand for its content. Shared by the
 * manifest's memo (manifest.ts) and the digests of output files read (seen.ts): both remember what they
 * read by identity, and both only for a file that had settled when it was read.
 */
import type { Stats } from 'node:fs';

/**
 * Device, inode, size, modification and change times. Any write moves the change time (utimes cannot set
 * it back) and a replacement brings a new inode, so one identity is one content, short of a change within
 * the timestamp tick of the look: hence `settled`.
 */
export const fileIdentity = (s: Stats) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

/**
 * How long after its last change a file's times tell every later change apart: ten times a clock tick
 * (at most 10 ms) where the file system keeps sub-second times (ext4, xfs, btrfs, tmpfs, APFS), and above
 * the 2 s of the coarsest (FAT keeps even seconds) when either time has no fraction of a second.
 */
export const SETTLED_MS = 3000;
const FINE_SETTLED_MS = 100;
export const settledAfter = (stat: Stats) =>
  stat.mtimeMs % 1000 === 0 || stat.ctimeMs % 1000 === 0 ? SETTLED_MS : FINE_SETTLED_MS;

/**
 * Whether a file looked at as `stat`, read at `readAt` (ms since the epoch, taken before the read), had
 * settled: its last change was long enough before that any later one moves its times. As git does for its
 * index, only such a read may be remembered by identity; a file written moments ago is read again next time.
 */
export const settled = (stat: Stats, readAt: number) =>
  readAt - Math.max(stat.mtimeMs, stat.ctimeMs) >= settledAfter(stat);
