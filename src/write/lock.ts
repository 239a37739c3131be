/**
 * One writer per output folder at a time: an `O_EXCL` lock file inside the folder recording the owner's
 * pid, host and a random token. Hand-written rather than proper-lockfile: that library decides staleness
 * by an mtime it refreshes on a timer (≥ 2 s after a SIGKILL before the next run may go on) and costs
 * ~30 ms to import; a pid + host check knows at once that a killed compile's lock is stale.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK = '.cdc-compile.lock';
const BREAKER = `${LOCK}.break`;

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

export interface Lock {
  release(): void;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` only if it does not exist, with `text` in it; false when it exists. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): { text: string; owner?: LockOwner; ageMs: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const ageMs = Date.now() - statSync(path).mtimeMs;
    try {
      const o = JSON.parse(text) as Partial<LockOwner>;
      if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string') {
        return { text, owner: o as LockOwner, ageMs };
      }
    } catch {
      // Being written this very moment, or left half-written by a killed process: judged by its age.
    }
    return { text, ageMs };
  } catch {
    return undefined; // released meanwhile
  }
}

/** Stale: its owner is a process of this host that no longer runs (or a file its owner never finished). */
function isStale(found: { owner?: LockOwner; ageMs: number }): boolean {
  if (!found.owner) return found.ageMs > 1000;
  if (found.owner.host !== hostname()) return false; // cannot tell: another machine sharing the folder
  return found.owner.pid === process.pid || !isRunning(found.owner.pid);
}

/**
 * Removes a stale lock, once: the breaker file makes the read-compare-unlink a critical section, so two
 * runs that both found the same stale lock cannot remove a fresh lock the first of them took meanwhile.
 */
function breakStale(dir: string, staleText: string): void {
  const breaker = join(dir, BREAKER);
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') });
  if (!createExclusive(breaker, mine)) {
    const other = readOwner(breaker);
    if (other && isStale(other)) unlinkIfSame(breaker, other.text);
    return;
  }
  try {
    unlinkIfSame(join(dir, LOCK), staleText);
  } finally {
    unlinkIfSame(breaker, mine);
  }
}

function unlinkIfSame(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // gone already
  }
}

export type LockResult = { readonly lock: Lock } | { readonly busy: LockOwner | undefined };

/**
 * Takes the lock of `dir` (which must exist), waiting up to `timeoutMs` for a running owner;
 * `onWait` is told once who holds it. A stale lock is broken at once.
 */
export async function acquireLock(
  dir: string,
  { timeoutMs, onWait }: { timeoutMs: number; onWait?: (owner: LockOwner | undefined) => void },
): Promise<LockResult> {
  const path = join(dir, LOCK);
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + timeoutMs;
  let told = false;
  let last: LockOwner | undefined;
  for (;;) {
    if (createExclusive(path, text)) return { lock: { release: () => unlinkIfSame(path, text) } };
    const found = readOwner(path);
    if (!found) continue;
    if (isStale(found)) {
      breakStale(dir, found.text);
      continue;
    }
    last = found.owner;
    if (Date.now() >= deadline) return { busy: last };
    if (!told) {
      told = true;
      onWait?.(last);
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
}

/** Waits (reading only) until `dir` has no lock held by a running compile, or `timeoutMs` passed. */
export async function waitUntilUnlocked(dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readOwner(join(dir, LOCK));
    if (!found || isStale(found) || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
}
