/**
 * The CLI's subcommands. Each but the default is loaded only when it runs, so `cdc-compile` (= `cdc-compile
 * compile`) loads no other command's code. A new command is one entry here and one module exporting a `Command`.
 */
import type { Command } from './command.js';
import { compileCommand } from './compile-command.js';

export interface CommandEntry {
  readonly name: string;
  /** One line for the command list of `cdc-compile --help`. */
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

export const DEFAULT_COMMAND = 'compile';

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'compile',
    summary: 'compile pipeline.config.ts into generated/ (the default command)',
    // The default command is in the compiler chunk already: no import, so a compile needs no module loader.
    load: async () => compileCommand,
  },
  {
    name: 'plan',
    summary: 'list what applying the config to a running stack takes, destructive changes first (writes nothing)',
    load: async () => (await import('./plan-command.js')).planCommand,
  },
  {
    name: 'why',
    summary: "print a column's path: where its values come from and which views and charts use it",
    load: async () => (await import('./why-command.js')).whyCommand,
  },
  {
    name: 'add',
    summary: 'add table <source>.<table>: declare a table in pipeline.config.ts (--columns, or --from a live database)',
    load: async () => (await import('./add-command.js')).addCommand,
  },
  {
    name: 'init',
    summary: 'start a project: write a minimal pipeline.config.ts, package.json scripts, .gitignore lines',
    load: async () => (await import('./init.js')).initCommand,
  },
  {
    name: 'verify',
    summary: 'apply the artefacts to PostgreSQL (embedded, or --database-url) and check views, charts, setup SQL',
    load: async () => (await import('./verify-command.js')).verifyCommand,
  },
];

/** Commands that are designed but not built yet: named, so asking for one says so instead of "unknown". */
export const PLANNED_COMMANDS: Readonly<Record<string, string>> = {};
