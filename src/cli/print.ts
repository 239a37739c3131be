/**
 * The CLI's output: text for stdout or stderr, written to the descriptor with write(2) while nothing has
 * opened process.stdout / process.stderr. Opening one costs a short compile ~5 ms when it is a pipe (CI,
 * npm scripts, a parent process): Node loads its net module for the stream. Once a stream is open (a
 * config's console.log, or a write below that fell back to it), that stream is used, so output keeps its
 * order even where the stream writes asynchronously. A descriptor that refuses a write (EAGAIN on a
 * non-blocking pipe, anything else) hands the rest of the text to the stream, which then does as it did.
 */
import { writeSync } from 'node:fs';

type Name = 'stdout' | 'stderr';

const opened: Record<Name, boolean> = { stdout: false, stderr: false };
let tracking = false;

/**
 * Notes when process.stdout or process.stderr is first read, keeping Node's own getter (the CLI's entry
 * calls this once, before any command runs; a program that imports the API is left alone).
 */
export function trackStdio(): void {
  if (tracking) return;
  for (const name of ['stdout', 'stderr'] as const) {
    const own = Object.getOwnPropertyDescriptor(process, name);
    if (!own?.get || !own.configurable) {
      opened[name] = true; // not Node's lazy getter: treat as open, use the stream
      continue;
    }
    const get = own.get;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: own.enumerable ?? false,
      get() {
        opened[name] = true;
        return get.call(process);
      },
    });
  }
  tracking = true;
}

/** Whether process.stdout / process.stderr was opened in this process (so bin/cdc-compile.js flushes it). */
export function openedStdio(): Readonly<Record<Name, boolean>> {
  return tracking ? { ...opened } : { stdout: true, stderr: true };
}

/** Writes `text` to stdout or stderr (see above). */
export function print(name: Name, text: string): void {
  if (!text) return;
  if (!tracking || opened[name]) {
    process[name].write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(name === 'stdout' ? 1 : 2, bytes, done);
  } catch {
    process[name].write(bytes.subarray(done));
  }
}
