/**
 * Worker entry: compiles a config that needs more than the in-thread slice, or Node's ES module loader,
 * inside the resource limits the main thread set (src/load/limits.ts), and posts the result back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileIn, type CompileOptions } from './compile.js';

const { options } = workerData as { options: CompileOptions };
const port = parentPort!;
const result = await compileIn(options, 'worker', (phase) => port.postMessage({ phase }));
port.postMessage({ result });
