'use strict';
/**
 * A preload (`node --require`) that injects faults into the writer's file-system calls below
 * CDC_FAULT_DIR, for the kill tests. It patches node:fs and re-syncs the ESM named exports, so the
 * compiled writer's `import { renameSync } from 'node:fs'` sees the patched functions.
 *
 *   CDC_FAULT_DIR              only calls on paths inside this folder count
 *   CDC_FAULT_RENAME_DELAY_MS  sleep this long before every rename (widens the window a kill can hit)
 *   CDC_FAULT_KILL_AFTER       SIGKILL the process right after the n-th counted call
 *   CDC_FAULT_COUNT_FILE       write the number of counted calls there when the process exits
 *   CDC_FAULT_SIGNAL           print `cdc-fault: writing` to stderr at the first counted call, so a
 *                              parent can time a kill from the start of the write, whatever the load
 */
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const dir = process.env.CDC_FAULT_DIR;
if (dir) {
  const delay = Number(process.env.CDC_FAULT_RENAME_DELAY_MS ?? 0);
  const killAfter = Number(process.env.CDC_FAULT_KILL_AFTER ?? 0);
  const countFile = process.env.CDC_FAULT_COUNT_FILE;
  const signal = process.env.CDC_FAULT_SIGNAL === '1';
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let count = 0;
  const inside = (p) => typeof p === 'string' && (p === dir || p.startsWith(dir + '/'));
  const wrap = (name, before) => {
    const original = fs[name];
    fs[name] = function (...args) {
      if (!inside(args[0])) return original.apply(this, args);
      if (count === 0 && signal) fs.writeSync(2, 'cdc-fault: writing\n');
      if (before) before();
      const result = original.apply(this, args);
      count++;
      if (count === killAfter) process.kill(process.pid, 'SIGKILL');
      return result;
    };
  };
  wrap('renameSync', delay > 0 ? () => Atomics.wait(sleeper, 0, 0, delay) : undefined);
  for (const name of ['writeFileSync', 'mkdirSync', 'rmSync', 'rmdirSync', 'unlinkSync', 'openSync']) wrap(name);
  syncBuiltinESMExports();
  if (countFile) process.on('exit', () => fs.writeFileSync(countFile, String(count)));
}
