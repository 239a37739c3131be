#!/usr/bin/env node
// A CommonJS script (bin/package.json): with dist/cli.cjs and the compiler chunk run by dist/chunk-loader.cjs,
// a compile loads no ES module, so Node's ES module loader never starts.
'use strict';
const NodeModule = require('node:module');
const { join } = require('node:path');
const { chunkCacheDir } = require('../dist/chunk-loader.cjs');

// Node >= 22.1 keeps V8's compile of the modules it loads (cdc-compile's own chunks among them) in a code
// cache, in the folder that holds the compiler chunk's own cache (node_modules/.cache/cdc-compile/v8 of the
// node_modules holding this package, or the package's own). CDC_COMPILE_CACHE=0 turns both off.
const cacheDir = chunkCacheDir(join(__dirname, '..', 'dist'));
if (typeof NodeModule.enableCompileCache === 'function' && cacheDir) {
  try {
    NodeModule.enableCompileCache(cacheDir);
  } catch {
    // A read-only install compiles without it.
  }
}
const { main, openedStdio } = require('../dist/cli.cjs');

// Timers or handles the config leaves behind (an interval, a deferred process.exit, even one that fires
// while the output is written) must neither keep the process alive nor change its exit status: the CLI
// never calls process.exit itself, so only this line ends the process, once stdout and stderr are flushed
// (those that were opened: the CLI writes to the descriptors while no stream is, src/cli/print.ts).
const exit = process.exit.bind(process);
process.exit = () => undefined;
const flushed = (name, then) => (openedStdio()[name] ? process[name].write('', then) : then());
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  flushed('stdout', () => flushed('stderr', () => exit(code)));
});
