/**
 * Whether this thread has emitted a Model: what tells the compiler chunk's code cache (load/chunk-loader.ts)
 * that the run it writes at exit compiled a compile's functions, not only those of `--help`, `init` or a
 * config that failed validation. The loader (dist/chunk-loader.cjs) and the compiler chunk each bundle
 * this module, so the flag lives on the thread's global object under a registered symbol: one per thread,
 * whichever copy sets or reads it.
 */
const EMITTED = Symbol.for('cdc-compile.emitted');

type Flagged = { [EMITTED]?: true };

export function noteEmitted(): void {
  (globalThis as Flagged)[EMITTED] = true;
}

export function hasEmitted(): boolean {
  return (globalThis as Flagged)[EMITTED] === true;
}
