/** `cdc-compile [compile]`: pipeline.config.ts → generated/ (or, with --check, whether generated/ is current). */
import { statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { compile, VERSION, type CompileResult } from '../compile.js';
import { hasErrors } from '../diagnostics.js';
import { readSnapshot } from '../plan/snapshot.js';
import { sameJson } from '../render/json.js';
import { setRuntimeFlags } from '../load/transpile.js';
import { writeOutput } from '../write/index.js';
import { manifestText, readManifest } from '../write/manifest.js';
import type { EmitMemo } from '../emit-reuse.js';
import { UsageError, type Command } from './command.js';
import { print } from './print.js';
import { countChanges, formatChanges, formatDiagnostics, jsonDiagnostic } from './format.js';

export const COMPILE_OPTIONS = `Options:
  --config <path>          the config file (default: pipeline.config.ts)
  --out <dir>              output directory (default: generated/ beside the config)
  --profile <name>         compile for a deployment profile's addresses (e.g. local: 127.0.0.1)
  --check                  write nothing; exit 1 if the output directory is not up to date
  --watch                  compile again whenever the config or templates change
  --verify                 after writing, run \`cdc-compile verify\` on the result (with --database-url
                           <url> and --allow-existing as there)
  --format <pretty|json>   how to report (default: pretty)
  --timeout <seconds>      time the config may take to evaluate (default: 10)
  --max-memory <MiB>       memory the config may use (default: 1024)
  -h, --help               show this help
  -v, --version            show the version

Exit status: 0 success, 1 config errors or --check drift, 2 bad usage or a refused output folder
(nothing written), 3 a destructive or ambiguous change needs a decision in cdc-approvals.yaml (see
\`cdc-compile plan\`; nothing written), 70 internal error.
`;

const USAGE = `Usage: cdc-compile [compile] [options]

Compiles pipeline.config.ts into Debezium, Flink SQL and analytics PostgreSQL artefacts.

${COMPILE_OPTIONS}`;

interface Args {
  config: string;
  out?: string;
  profile?: string;
  check: boolean;
  watch: boolean;
  format: 'pretty' | 'json';
  timeoutMs?: number;
  maxMemoryMb?: number;
  verify?: { databaseUrl?: string; allowExisting: boolean };
  /** --watch: the memo of the last emit, kept across recompiles. */
  reuse?: EmitMemo;
}

function parse(argv: string[]): Args | 'help' | 'version' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        out: { type: 'string', short: 'o' },
        profile: { type: 'string' },
        check: { type: 'boolean' },
        watch: { type: 'boolean', short: 'w' },
        format: { type: 'string' },
        timeout: { type: 'string' },
        'max-memory': { type: 'string' },
        verify: { type: 'boolean' },
        'database-url': { type: 'string' },
        'allow-existing': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  const format = values.format ?? 'pretty';
  if (format !== 'pretty' && format !== 'json')
    throw new UsageError(`--format must be 'pretty' or 'json', not '${format}'`, USAGE);
  if (values.check && values.watch) throw new UsageError('--check and --watch cannot be combined', USAGE);
  if (values.verify && (values.watch || format === 'json'))
    throw new UsageError(
      '--verify goes with neither --watch nor --format json (use `cdc-compile verify --format json`)',
      USAGE,
    );
  if (!values.verify && (values['database-url'] !== undefined || values['allow-existing']))
    throw new UsageError('--database-url and --allow-existing belong to --verify (or `cdc-compile verify`)', USAGE);
  const args: Args = {
    config: values.config ?? 'pipeline.config.ts',
    check: values.check ?? false,
    watch: values.watch ?? false,
    format,
  };
  if (values.out !== undefined) {
    if (values.out.trim() === '') throw new UsageError('--out needs a folder name', USAGE);
    args.out = values.out;
  }
  if (values.profile !== undefined) args.profile = values.profile;
  if (values.verify)
    args.verify = {
      allowExisting: values['allow-existing'] ?? false,
      ...(values['database-url'] !== undefined ? { databaseUrl: values['database-url'] } : {}),
    };
  if (values.timeout !== undefined) args.timeoutMs = positive('--timeout', values.timeout, 'seconds') * 1000;
  if (values['max-memory'] !== undefined) args.maxMemoryMb = positive('--max-memory', values['max-memory'], 'MiB');
  return args;
}

function positive(option: string, text: string, unit: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0))
    throw new UsageError(`${option} must be a positive number of ${unit}, not '${text}'`, USAGE);
  return n;
}

async function run(args: Args, cwd: string): Promise<number> {
  const out = args.out === undefined ? undefined : resolve(cwd, args.out);
  // Verify's database and grammar start before the compile (loaded only with --verify).
  const verifying =
    args.verify &&
    (await import('./verify-command.js')).startVerify({ ...args.verify, format: 'pretty' }, resolve(cwd, args.config));
  let status: Awaited<ReturnType<typeof compileAndWrite>>;
  try {
    status = await compileAndWrite(args, cwd, out);
  } catch (err) {
    if (verifying) await (await verifying).cancel();
    throw err;
  }
  if (!verifying) return status.code;
  if (status.code !== 0 || !status.result) {
    await (await verifying).cancel();
    return status.code;
  }
  return (await verifying).run(status.result, cwd, resolve(cwd, args.config));
}

async function compileAndWrite(
  args: Args,
  cwd: string,
  out: string | undefined,
): Promise<{ code: number; result?: CompileResult }> {
  const result = await compile({
    config: resolve(cwd, args.config),
    ...(out ? { outDir: out } : {}),
    ...(args.profile !== undefined ? { profile: args.profile } : {}),
    ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
    ...(args.maxMemoryMb ? { maxMemoryMb: args.maxMemoryMb } : {}),
    // Only --verify reads the Model; writing needs the artefacts and the snapshot.
    ...(args.verify ? {} : { model: false }),
    ...(args.reuse ? { reuse: args.reuse } : {}),
  });
  const notFound = result.diagnostics.find((d) => d.code === 'CLI.CONFIG_NOT_FOUND');
  if (notFound) {
    const hint = `${notFound.hint ?? ''}${args.config === 'pipeline.config.ts' ? '; to start a project here: cdc-compile init' : ''}`;
    throw new UsageError(`${notFound.message}\n${hint}`, USAGE);
  }
  const outName = relative(cwd, result.outDir) || '.';
  if (hasErrors(result.diagnostics)) {
    if (args.format === 'json') {
      print(
        'stdout',
        `${JSON.stringify({ ok: false, diagnostics: result.diagnostics.map(jsonDiagnostic) }, null, 2)}\n`,
      );
    } else {
      print('stderr', formatDiagnostics(result.diagnostics, cwd));
      print('stderr', `${outName}${sep} was not changed.\n`);
    }
    return { code: 1 };
  }
  if (!args.check && (result.snapshotChanged ?? snapshotChanged(result))) {
    // A destructive or ambiguous change is written only with a decision in cdc-approvals.yaml (exit 3).
    const { refuseUndecided } = await import('./plan-command.js');
    const refused = await refuseUndecided(result, resolve(cwd, args.config), cwd, args.format, outName);
    if (refused !== undefined) return { code: refused };
  }
  const written = await writeOutput({
    outDir: result.outDir,
    artefacts: result.artefacts,
    configPath: resolve(cwd, args.config),
    configFile: result.configFile,
    shownOut: outName,
    check: args.check,
    onWait: (message) => print('stderr', `cdc-compile: ${message}\n`),
  }).catch((err: NodeJS.ErrnoException) => {
    // The disk, not the compiler: say what failed, without a stack trace.
    if (!err?.code) throw err;
    print('stderr', `cdc-compile: writing ${outName}${sep} failed: ${err.message}\n`);
    return undefined;
  });
  if (!written) return { code: 1 };
  if ('refused' in written) {
    if (args.format === 'json') {
      print('stdout', `${JSON.stringify({ ok: false, diagnostics: written.refused.map(jsonDiagnostic) }, null, 2)}\n`);
    } else print('stderr', `${formatDiagnostics(written.refused, cwd)}Nothing was written.\n`);
    return { code: 2 };
  }
  const { changes } = written;
  if (written.completed && args.format !== 'json') {
    print('stderr', `cdc-compile: completed an interrupted write of ${outName}${sep} (${written.completed} files).\n`);
  }
  const drift = args.check && (changes.length > 0 || written.interrupted);
  if (args.format === 'json') {
    print(
      'stdout',
      `${JSON.stringify({ ok: !drift, check: args.check, outDir: result.outDir, changes, ...(written.interrupted ? { interrupted: true } : {}), diagnostics: result.diagnostics.map(jsonDiagnostic) }, null, 2)}\n`,
    );
  } else {
    if (result.diagnostics.length) print('stderr', formatDiagnostics(result.diagnostics, cwd));
    const files = result.artefacts.length;
    if (args.check) {
      if (written.interrupted) {
        print(
          'stdout',
          `${outName}${sep} holds a half-applied write (a compile was interrupted); run \`npx cdc-compile\` to complete it.\n`,
        );
      }
      print(
        'stdout',
        changes.length
          ? `${outName}${sep} is out of date (${countChanges(changes)}; ${files} files expected):\n${formatChanges(changes)}\nRun \`npx cdc-compile\` and commit the result.\n`
          : written.interrupted
            ? ''
            : `${outName}${sep} is up to date (${files} files).\n`,
      );
    } else {
      print(
        'stdout',
        changes.length
          ? `Wrote ${outName}${sep} (${files} files): ${countChanges(changes)}.\n${formatChanges(changes)}\n`
          : `${outName}${sep} is up to date (${files} files).\n`,
      );
    }
  }
  return { code: drift ? 1 : 0, result };
}

/**
 * Configs below this size (bytes; the book store is 20 KB, a table about 1.2 KB) compile in a few hundred
 * milliseconds, too short for V8's optimising compiler to pay for itself.
 */
const SHORT_COMPILE_CONFIG = 128 * 1024;

/**
 * A one-shot compile of a small config runs without TurboFan: it compiled the hottest functions on the
 * second core while the compile ran, for a process that ends before the optimised code wins back its
 * cost, and its compiler zones were a tenth of the peak RSS (book store: 68 → 61 MiB, task-clock −8 %).
 * It only stops new optimisations; nothing computes differently. Not for --watch (a long-lived process),
 * --verify (PGlite) or a large config, whose seconds of work need optimised code.
 */
function withoutTurbofan(configPath: string): void {
  let size: number;
  try {
    size = statSync(configPath).size;
  } catch {
    return; // the compile reports it
  }
  if (size < SHORT_COMPILE_CONFIG) {
    setFlagsFromString('--no-opt');
    setRuntimeFlags('--no-opt');
    // V8 accepts a code cache only under the flags it was made with. The compiler chunk's cache is written
    // when the process exits (load/chunk-loader.ts) and read before this switch by the next run: TurboFan
    // is turned back on first (prepended: before the listener that writes it).
    process.prependOnceListener('exit', () => setFlagsFromString('--opt'));
  }
}

/**
 * Whether the output's manifest holds a snapshot this compiler reads, other than this compile's: only then
 * can a change need a decision, so only then does the planner load (plan-command.js, with git's
 * node:child_process; `refuseUndecided` looks again). The compile tells (`snapshotChanged`: it read the
 * manifest already, for the history); this reads it only for a compile that did not.
 */
function snapshotChanged(result: CompileResult): boolean {
  if (!result.snapshot) return false;
  const state = readManifest(manifestText(result.outDir));
  if (state.kind !== 'ours') return false;
  const old = readSnapshot(state.snapshot);
  return typeof old === 'object' && !sameJson(old, result.snapshot);
}

export const compileCommand: Command = {
  usage: USAGE,
  async run(argv, cwd) {
    const args = parse(argv);
    if (args === 'help') {
      print('stdout', USAGE);
      return 0;
    }
    if (args === 'version') {
      print('stdout', `${VERSION}\n`);
      return 0;
    }
    if (args.watch) {
      // The watch machinery (node:child_process, fs.watch) loads only for --watch.
      const { watchMode } = await import('./watch.js');
      const configDir = resolve(cwd, args.config, '..');
      watchMode({
        configDir,
        outDir: resolve(cwd, args.out ?? resolve(configDir, 'generated')),
        compile: (reuse) => run({ ...args, watch: false, reuse }, cwd),
      });
      return new Promise(() => undefined);
    }
    if (!args.verify) withoutTurbofan(resolve(cwd, args.config));
    return run(args, cwd);
  },
};
