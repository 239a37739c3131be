/**
 * The `cdc-compile` entry point: picks the subcommand (`compile` when the first argument is an option or
 * there is none), runs it, and maps what escapes to an exit status. The only code that exits.
 */
import { closest } from '../resolve/names.js';
import { reportFailure, UsageError } from './command.js';
import { COMMANDS, DEFAULT_COMMAND, PLANNED_COMMANDS } from './commands.js';
import { COMPILE_OPTIONS } from './compile-command.js';
import { openedStdio, print, trackStdio } from './print.js';

export { openedStdio };

const width = Math.max(...[...COMMANDS.map((c) => c.name), ...Object.keys(PLANNED_COMMANDS)].map((n) => n.length));

export const USAGE = `Usage: cdc-compile [command] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
${
  Object.keys(PLANNED_COMMANDS).length
    ? `\nNot yet available:\n${Object.entries(PLANNED_COMMANDS)
        .map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`)
        .join('\n')}\n`
    : ''
}
\`cdc-compile [options]\` is \`cdc-compile compile [options]\`. \`cdc-compile <command> --help\` shows a
command's options; \`cdc-compile --version\` the version.
`;

async function dispatch(argv: string[], cwd: string): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    // The default command's options belong to the top-level help too.
    print('stdout', `${USAGE}\n${COMPILE_OPTIONS.replace(/^Options:/, 'Options of compile:')}`);
    return 0;
  }
  if (first === 'help') {
    const entry = COMMANDS.find((c) => c.name === rest[0]);
    if (!entry) throw unknownCommand(rest[0]!);
    print('stdout', (await entry.load()).usage);
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-');
  const name = named ? first : DEFAULT_COMMAND;
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw unknownCommand(name);
  return (await entry.load()).run(named ? rest : argv, cwd);
}

function unknownCommand(name: string): UsageError {
  if (PLANNED_COMMANDS[name]) {
    return new UsageError(`'${name}' is not yet available; planned: ${PLANNED_COMMANDS[name]}`, USAGE);
  }
  const known = [...COMMANDS.map((c) => c.name), 'help', ...Object.keys(PLANNED_COMMANDS)];
  const suggestion = closest(name, known);
  const hint = suggestion
    ? `; did you mean '${suggestion}'?`
    : /[./\\]/.test(name)
      ? `; to compile another config: cdc-compile --config ${name}`
      : '';
  return new UsageError(`unknown command '${name}'${hint}`, USAGE);
}

export async function main(argv: string[]): Promise<number> {
  trackStdio();
  try {
    return await dispatch(argv, process.cwd());
  } catch (err) {
    return reportFailure(err);
  }
}
