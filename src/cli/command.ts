import { print } from './print.js';

/** What every subcommand of the CLI provides; `commands.ts` lists them. */
export interface Command {
  /** The text `cdc-compile <command> --help` prints, starting with its `Usage:` line. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit status. */
  run(argv: string[], cwd: string): Promise<number>;
}

/** Bad usage: exit 2, the message, then the usage text of the command that was misused. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** What escaped a command, written to stderr as the CLI reports it; returns the exit status (2 or 70). */
export function reportFailure(err: unknown): number {
  if (err instanceof UsageError) {
    print('stderr', `cdc-compile: ${err.message}\n\n${err.usage}`);
    return 2;
  }
  print(
    'stderr',
    `cdc-compile: internal error (a bug in cdc-compile, not in your config). Please report it with this output:\n${(err as Error)?.stack ?? String(err)}\n`,
  );
  return 70;
}
