/**
 * Worker entry: compiles a config that needs more than the in-thread slice, or Node's ES module loader,
 * inside the resource limits the main thread set (src/load/limits.ts), and posts the result back.
 *
 * For a compile that only writes (`model: false`), each text artefact is already its UTF-8 bytes
 * (compile.ts encodes it once, to hash and write it), and goes back in its buffer, transferred, not
 * copied, with every artefact's sha256 beside it: the main thread neither decodes nor hashes the text again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileIn, workerMessage, type CompileOptions, type WorkerPhase } from './compile.js';
import { manifestRead } from './write/manifest.js';

const { options } = workerData as { options: CompileOptions };
const port = parentPort!;
// With the compiler's own phase goes the manifest the history was read from, for the main thread's writer.
const result = await compileIn(options, 'worker', (phase) => {
  const manifest = phase === 'compiler' ? manifestRead() : undefined;
  port.postMessage({ phase, ...(manifest ? { manifest } : {}) } satisfies WorkerPhase);
});
if (options.model === false) {
  const { message, transfer } = workerMessage(result);
  port.postMessage(message, transfer);
} else port.postMessage({ result });
