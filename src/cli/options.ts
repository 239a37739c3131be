/**
 * The option reader the subcommands share: node:util's parseArgs (strict), its errors as bad usage (exit
 * 2 with the command's help), `--help`, and options that take one of a few words.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `argv` read against `options` (plus `-h`/`--help`), or 'help'. Positionals only when `positionals` says so. */
export function readOptions<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  positionals = false,
): 'help' | { values: ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values']; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: positionals,
    });
  } catch (err) {
    throw new UsageError((err as Error).message, usage);
  }
  if ((parsed.values as { help?: boolean }).help) return 'help';
  return { values: parsed.values as never, positionals: parsed.positionals };
}

/** The value of `--name`, one of `allowed` (`fallback` when absent); anything else is bad usage. */
export function oneOf<T extends string>(
  value: string | boolean | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
  usage: string,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const list = allowed.map((a) => `'${a}'`);
  throw new UsageError(
    `--${name} must be ${list.slice(0, -1).join(', ')}${list.length > 1 ? ' or ' : ''}${list.at(-1)}, not '${String(value)}'`,
    usage,
  );
}
