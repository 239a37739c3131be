/**
 * `cdc-compile verify`: compile the config in memory, then run verify's five steps on PGlite or a real
 * PostgreSQL server, and report each step. Also what `cdc-compile --verify` runs after writing.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { cacheDir } from '../load/transpile.js';
import { parseArgs } from 'node:util';
import type { CompileResult } from '../compile.js';
import { hasErrors, type Diagnostic } from '../diagnostics.js';
import type { DataDirCache, Server } from '../verify/db.js';
import type { StepResult, VerifyResult } from '../verify/index.js';
import type { FlinkGrammar } from '../verify/static.js';
import { UsageError, type Command } from './command.js';
import { formatDiagnostic, formatDiagnostics, jsonDiagnostic } from './format.js';

export const VERIFY_OPTIONS = `Options:
  --config <path>          the config file (default: pipeline.config.ts)
  --profile <name>         compile for a deployment profile first (as \`cdc-compile --profile\`)
  --database-url <url>     run on this PostgreSQL server instead of the embedded one (PGlite). Its user
                           needs CREATEDB and CREATEROLE (a superuser for self-managed sources); verify
                           works only in scratch databases and roles it creates and drops. Put the
                           password in PGPASSWORD rather than in the URL.
  --allow-existing         run even when the URL's database already holds this pipeline's tables
  --format <pretty|json>   how to report (default: pretty)
  -h, --help               show this help

Steps (all run, even after a failure):
  1  the analytics schema.sql and views.sql apply, twice (idempotence)
  2  each view's columns as PostgreSQL infers them: the declared names, order and types
  3  each chart's query (metrics, group-by, time grain, sort, row limit) runs against its view
  4  each source's tables built from the config; its setup SQL applied twice as the flavour's admin would
     run it; publication, replica identity, role and grants read back; on a real server with
     wal_level=logical, a pgoutput slot opened by the role and dropped
  5  pipeline.sql parses with Flink's grammar; every Flink and connector option is a known one

Exit status: 0 every step passed, 1 a step failed or the config has errors, 2 bad usage or a refused
database, 70 internal error.
`;

const USAGE = `Usage: cdc-compile verify [options]

Checks what only a database sees, in seconds and with nothing to install: the config is compiled in
memory (generated/ is not touched) and its artefacts are applied to an embedded PostgreSQL.

${VERIFY_OPTIONS}`;

export interface VerifySettings {
  readonly databaseUrl?: string;
  readonly allowExisting: boolean;
  readonly format: 'pretty' | 'json';
}

interface Args extends VerifySettings {
  readonly config: string;
  readonly profile?: string;
}

function parse(argv: string[]): Args | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        profile: { type: 'string' },
        'database-url': { type: 'string' },
        'allow-existing': { type: 'boolean' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE);
  }
  if (values.help) return 'help';
  const format = values.format ?? 'pretty';
  if (format !== 'pretty' && format !== 'json')
    throw new UsageError(`--format must be 'pretty' or 'json', not '${format}'`, USAGE);
  return {
    config: values.config ?? 'pipeline.config.ts',
    format,
    allowExisting: values['allow-existing'] ?? false,
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    ...(values['database-url'] !== undefined ? { databaseUrl: checkUrl(values['database-url']) } : {}),
  };
}

export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--database-url must be a postgres:// URL, not '${url}'`, USAGE);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new UsageError(`--database-url must be a postgres:// URL, not a ${parsed.protocol} one`, USAGE);
  return url;
}

/**
 * What starts before the compile: the embedded PostgreSQL (its start is most of verify's time) and the
 * Flink grammar's worker. A real server is connected to after the compile (it needs the Model's names).
 */
export interface VerifySession {
  run(result: CompileResult, cwd: string, configPath: string): Promise<number>;
  cancel(): Promise<void>;
}

/**
 * PGlite's pristine data directory in the project's cache (node_modules/.cache/cdc-compile), keyed by the
 * installed PGlite's version; CDC_COMPILE_CACHE=0 turns it off. A damaged or unwritable cache only costs
 * the initdb it would have saved.
 */
function dataDirCache(configPath: string): DataDirCache | undefined {
  const dir = cacheDir(configPath);
  if (!dir) return undefined;
  let file: string;
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const pkg = join(entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`)), 'package.json');
    const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
    file = join(dir, `pglite-${version}-datadir.tar.gz`);
  } catch {
    return undefined;
  }
  return {
    read: () => {
      try {
        return readFileSync(file);
      } catch {
        return undefined;
      }
    },
    write: (data) => {
      try {
        mkdirSync(dir, { recursive: true });
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, data);
        renameSync(temp, file);
      } catch {
        // no cache then
      }
    },
  };
}

export async function startVerify(settings: VerifySettings, configPath: string): Promise<VerifySession> {
  const tty = settings.format === 'pretty' && process.stderr.isTTY === true;
  const started = performance.now();
  const { startPglite } = await import('../verify/db.js');
  const { startFlinkGrammar } = await import('../verify/static.js');
  const grammar: FlinkGrammar = startFlinkGrammar();
  const pglite = settings.databaseUrl === undefined ? startPglite(dataDirCache(configPath)) : undefined;
  pglite?.catch(() => undefined);
  if (tty) process.stderr.write(`verify: starting ${pglite ? 'embedded PostgreSQL (PGlite)' : 'the connection'}…\n`);
  const cancel = async () => {
    await grammar.close();
    await (await pglite?.catch(() => undefined))?.close();
  };
  return {
    cancel,
    async run(result, cwd, configPath) {
      if (!result.model || hasErrors(result.diagnostics)) {
        await cancel();
        return 1;
      }
      const model = result.model;
      let server: Promise<Server>;
      if (pglite) server = pglite;
      else {
        const { connectServer, DatabaseRefused } = await import('../verify/db.js');
        try {
          const s = await connectServer({
            url: settings.databaseUrl!,
            allowExisting: settings.allowExisting,
            pipelineTables: [
              ...model.tables.map((t) => t.analytics.qualifiedName),
              ...model.views.map((v) => v.qualifiedName),
              ...model.tables.map((t) => t.qualifiedName),
            ],
          });
          server = Promise.resolve(s);
        } catch (err) {
          await grammar.close();
          if (err instanceof DatabaseRefused) {
            if (settings.format === 'json')
              process.stdout.write(`${JSON.stringify({ ok: false, refused: err.message, steps: [] }, null, 2)}\n`);
            else process.stderr.write(`cdc-compile verify: ${err.message}\n`);
            return 2;
          }
          throw err;
        }
      }
      const { verify } = await import('../verify/index.js');
      const outcome = await verify({
        model,
        artefacts: result.artefacts,
        compileDiagnostics: result.diagnostics,
        outDir: result.outDir,
        server,
        grammar,
        onStep: tty ? (s) => process.stderr.write(`verify: ${progressLine(s)}\n`) : undefined,
      });
      const steps = await locateSteps(outcome.steps, configPath);
      const total = performance.now() - started;
      if (settings.format === 'json') {
        process.stdout.write(`${JSON.stringify(jsonReport(outcome, steps, result, configPath, total), null, 2)}\n`);
      } else {
        process.stdout.write(prettyReport(outcome, steps, relative(cwd, configPath) || configPath, cwd, total));
      }
      return outcome.ok ? 0 : 1;
    },
  };
}

/** Diagnostics that name a config entity get their file:line:col (the locator is loaded only when there are any). */
async function locateSteps(steps: readonly StepResult[], configPath: string): Promise<StepResult[]> {
  const all = steps.flatMap((s) => s.diagnostics);
  if (!all.some((d) => d.subject && !d.location)) return [...steps];
  const { locate } = await import('../locate/index.js');
  return Promise.all(
    steps.map(async (s) => ({
      ...s,
      diagnostics: s.diagnostics.length ? await locate(s.diagnostics, configPath) : s.diagnostics,
    })),
  );
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

function progressLine(s: StepResult): string {
  return `${s.ok ? 'PASS' : 'FAIL'} ${s.step} ${s.title} (${seconds(s.durationMs)})`;
}

function prettyReport(
  outcome: VerifyResult,
  steps: readonly StepResult[],
  config: string,
  cwd: string,
  totalMs: number,
): string {
  const width = Math.max(...steps.map((s) => s.title.length));
  const sources = new Map<string, string[]>();
  const lines = [`cdc-compile verify: ${config} on ${outcome.database}`];
  for (const s of steps) {
    lines.push(
      `  ${s.ok ? 'PASS' : 'FAIL'}  ${s.step}  ${s.title.padEnd(width)}  ${seconds(s.durationMs).padStart(7)}`,
    );
    for (const note of s.notes) lines.push(`           note: ${note}`);
  }
  const findings = steps.flatMap((s) => s.diagnostics.map((d) => ({ s, d })));
  if (findings.length) {
    lines.push('');
    for (const { s, d } of findings) lines.push(`step ${s.step}: ${formatDiagnostic(d, cwd, sources)}`, '');
  } else lines.push('');
  const failed = steps.filter((s) => !s.ok).length;
  lines.push(
    failed
      ? `verify: ${failed} of ${steps.length} steps failed (${seconds(Math.round(totalMs))}).`
      : `verify: all ${steps.length} steps passed (${seconds(Math.round(totalMs))}).`,
  );
  return `${lines.join('\n')}\n`;
}

/** The `--format json` report; its shape is documented in the README and kept stable. */
function jsonReport(
  outcome: VerifyResult,
  steps: readonly StepResult[],
  result: CompileResult,
  configPath: string,
  totalMs: number,
) {
  return {
    ok: outcome.ok,
    config: configPath,
    database: outcome.database,
    durationMs: Math.round(totalMs),
    steps: steps.map((s) => ({
      step: s.step,
      id: s.id,
      title: s.title,
      ok: s.ok,
      durationMs: s.durationMs,
      diagnostics: s.diagnostics.map(jsonDiagnostic),
      notes: s.notes,
    })),
    diagnostics: result.diagnostics.map(jsonDiagnostic),
  };
}

/** A compile that failed before verify could start: report it as `compile` does. */
function reportCompileErrors(diagnostics: readonly Diagnostic[], format: 'pretty' | 'json', cwd: string): void {
  if (format === 'json')
    process.stdout.write(
      `${JSON.stringify({ ok: false, steps: [], diagnostics: diagnostics.map(jsonDiagnostic) }, null, 2)}\n`,
    );
  else process.stderr.write(`${formatDiagnostics(diagnostics, cwd)}verify did not run: the config has errors.\n`);
}

export const verifyCommand: Command = {
  usage: USAGE,
  async run(argv, cwd) {
    const args = parse(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const configPath = resolve(cwd, args.config);
    const session = await startVerify(args, configPath);
    const { compile } = await import('../compile.js');
    let result: CompileResult;
    try {
      result = await compile({ config: configPath, ...(args.profile !== undefined ? { profile: args.profile } : {}) });
    } catch (err) {
      await session.cancel();
      throw err;
    }
    const notFound = result.diagnostics.find((d) => d.code === 'CLI.CONFIG_NOT_FOUND');
    if (notFound) {
      await session.cancel();
      throw new UsageError(`${notFound.message}\n${notFound.hint ?? ''}`, USAGE);
    }
    if (hasErrors(result.diagnostics)) {
      await session.cancel();
      reportCompileErrors(result.diagnostics, args.format, cwd);
      return 1;
    }
    return session.run(result, cwd, configPath);
  },
};
