#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

const exit = process.exit.bind(process);
const code = await main(process.argv.slice(2));
// Timers or handles the config left behind (an interval, a deferred process.exit) must neither keep the
// process alive nor change its exit status: exit once stdout and stderr are flushed.
process.exitCode = code;
process.exit = () => undefined;
process.stdout.write('', () => process.stderr.write('', () => exit(code)));
