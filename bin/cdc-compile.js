#!/usr/bin/env node
import { main } from '../dist/cli.js';

// Timers or handles the config leaves behind (an interval, a deferred process.exit, even one that fires
// while the output is written) must neither keep the process alive nor change its exit status: the CLI
// never calls process.exit itself, so only this line ends the process, once stdout and stderr are flushed.
const exit = process.exit.bind(process);
process.exit = () => undefined;
const code = await main(process.argv.slice(2));
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => exit(code)));
