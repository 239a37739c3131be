/**
 * One full garbage collection, for the one point of a large compile where it pays: after the emit, before
 * the snapshot's text and the artefacts' bytes are made. The emit leaves most of what it allocated as
 * garbage in the old generation, and V8 lets the heap grow to about three times what the last full
 * collection kept before it collects again, so that garbage was still there while the encoding's buffers
 * were added. At 10,000 tables (4 paired runs): peak RSS 1,101 → 855 MiB, wall 1.02×.
 *
 * Node gives JavaScript no `gc` without `--expose-gc` on its command line; the flag set at run time
 * installs it in contexts made afterwards, so one new context hands it over, and the flag is turned off
 * again at once (V8 accepts a code cache only under the flags it was made with: load/chunk-loader.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/** Runs a full collection; false where none can be had. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    const exposed = (globalThis as { gc?: unknown }).gc;
    if (typeof exposed === 'function') gc = exposed as () => void;
    else {
      try {
        setFlagsFromString('--expose-gc');
        const found: unknown = runInNewContext('gc');
        gc = typeof found === 'function' ? (found as () => void) : null;
      } catch {
        gc = null;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  }
  gc?.();
  return gc !== null;
}
