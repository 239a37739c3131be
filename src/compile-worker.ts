/**
 * Worker entry: compiles a config that needs more than the in-thread slice, or Node's ES module loader,
 * inside the resource limits the main thread set (src/load/limits.ts), and posts the result back.
 *
 * For a compile that only writes (`model: false`), each text artefact goes back as its UTF-8 bytes in a
 * transferred buffer: the main thread then neither deserialises the text (twice its size where it holds a
 * character beyond Latin-1) nor encodes it again to hash and write it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileIn, type CompileOptions } from './compile.js';

const { options } = workerData as { options: CompileOptions };
const port = parentPort!;
const result = await compileIn(options, 'worker', (phase) => port.postMessage({ phase }));
if (options.model === false) {
  const encoder = new TextEncoder();
  const transfer: ArrayBuffer[] = [];
  const artefacts = result.artefacts.map((a) => {
    if (typeof a.contents !== 'string') return a;
    const bytes = encoder.encode(a.contents);
    transfer.push(bytes.buffer as ArrayBuffer);
    return { ...a, contents: bytes };
  });
  port.postMessage({ result: { ...result, artefacts } }, transfer);
} else port.postMessage({ result });
