#!/usr/bin/env node
// A CommonJS script (bin/package.json): with dist/cli.cjs and the compiler chunk run by dist/chunk-loader.cjs,
// a compile loads no ES module, so Node's ES module loader never starts.
'use strict';
const NodeModule = require('node:module');
const { basename, dirname, join } = require('node:path');

// Node >= 22.1 keeps V8's compile of the modules it loads (cdc-compile's own chunks among them) in a code
// cache; it goes beside the config's transpile cache, in the node_modules that holds this package (or the
// package's own, in its repository). CDC_COMPILE_CACHE=0 turns it off with the transpile cache.
if (typeof NodeModule.enableCompileCache === 'function' && process.env.CDC_COMPILE_CACHE !== '0') {
  const pkg = dirname(__dirname);
  const nodeModules = basename(dirname(pkg)) === 'node_modules' ? dirname(pkg) : join(pkg, 'node_modules');
  try {
    NodeModule.enableCompileCache(join(nodeModules, '.cache', 'cdc-compile', 'v8'));
  } catch {
    // A read-only install compiles without it.
  }
}
const { main } = require('../dist/cli.cjs');

// Timers or handles the config leaves behind (an interval, a deferred process.exit, even one that fires
// while the output is written) must neither keep the process alive nor change its exit status: the CLI
// never calls process.exit itself, so only this line ends the process, once stdout and stderr are flushed.
const exit = process.exit.bind(process);
process.exit = () => undefined;
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => exit(code)));
});
