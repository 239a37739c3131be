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
