/**
 * `cdc-compile plan`: compares the config with the last compiled state (generated/manifest.json, or the
 * state at a git ref) and prints what applying it to a running stack takes. Writes nothing. Exit 3 while
 * a destructive or ambiguous change has no decision in cdc-approvals.yaml.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { compile, VERSION, type CompileResult } from '../compile.js';
import { error, hasErrors, type Diagnostic } from '../diagnostics.js';
import type { PlanFormat } from '../plan/format.js';
import type { Change, ChangeScript } from '../plan/index.js';
import { readSnapshot, type Snapshot } from '../plan/snapshot.js';
import { MANIFEST, manifestText, readManifest, sha256 } from '../write/manifest.js';
import { UsageError, type Command } from './command.js';
import { formatDiagnostics, jsonDiagnostic } from './format.js';

/** The reviewed decisions, beside the config (parsed by src/plan/approvals.ts). */
export const APPROVALS_FILE = 'cdc-approvals.yaml';

const USAGE = `Usage: cdc-compile plan [options]

Compares pipeline.config.ts with the last compiled state and lists what applying it to a running stack
takes, across sources, connectors, Flink jobs, analytics tables, views and Superset, most severe first.
Each change has a class (safe, needs-backfill, destructive, ambiguous) and a stable id; destructive and
ambiguous changes need a decision in cdc-approvals.yaml (beside the config). Writes nothing.

Options:
  --config <path>                     the config file (default: pipeline.config.ts)
  --out <dir>                         output directory (default: generated/ beside the config)
  --base <git-ref>                    compare with the state committed at this ref instead of
                                      <out>/manifest.json; also tells compiler changes apart
  --format <pretty|markdown|json>     how to report (default: pretty; markdown for a PR comment)
  --profile <name>                    compile for a deployment profile's addresses
  --source-url [<source>=]<url>       also compare the config with a live source database's schema
                                      (read-only): columns dropped, added or retyped upstream, and what
                                      they break; repeat it per source (the source is found by the
                                      URL's database when <source>= is left out)
  -h, --help                          show this help

Exit status: 0 nothing needs a decision, 1 config or approvals errors, 2 bad usage, 3 a destructive or
ambiguous change needs a decision.
`;

interface Args {
  config: string;
  out?: string;
  base?: string;
  format: PlanFormat;
  profile?: string;
  sourceUrls: readonly string[];
}

function parse(argv: string[]): Args | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        out: { type: 'string', short: 'o' },
        base: { type: 'string' },
        format: { type: 'string' },
        profile: { type: 'string' },
        'source-url': { type: 'string', multiple: true },
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
  if (format !== 'pretty' && format !== 'markdown' && format !== 'json')
    throw new UsageError(`--format must be 'pretty', 'markdown' or 'json', not '${format}'`, USAGE);
  if (values.base !== undefined && (values.base === '' || values.base.startsWith('-')))
    throw new UsageError(`--base needs a git ref, e.g. --base main`, USAGE);
  return {
    config: values.config ?? 'pipeline.config.ts',
    format,
    sourceUrls: values['source-url'] ?? [],
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.base !== undefined ? { base: values.base } : {}),
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
  };
}

/** The old state: a snapshot and what wrote it. */
interface OldState {
  readonly label: string;
  readonly snapshot?: Snapshot;
  readonly version?: string;
  readonly configHash?: string;
  readonly files?: ReadonlyMap<string, string>;
  /** Why there is nothing to compare with. */
  readonly missing?: string;
  readonly oldWithThisCompiler?: Snapshot;
}

function fromManifest(text: string | undefined, label: string): OldState {
  const state = readManifest(text);
  if (state.kind !== 'ours')
    return { label, missing: `${label} is ${state.kind === 'none' ? 'missing' : `not readable (${state.kind})`}` };
  const snapshot = readSnapshot(state.snapshot);
  let configHash: string | undefined;
  try {
    configHash = (JSON.parse(text!) as { config?: { sha256?: string } }).config?.sha256;
  } catch {
    configHash = undefined;
  }
  const files = new Map([...state.files].map(([p, h]) => [p, h]));
  if (snapshot === undefined || snapshot === 'unknown-version')
    return {
      label,
      ...(state.version ? { version: state.version } : {}),
      files,
      missing: `${label} holds no snapshot this compiler reads (written by cdc-compile ${state.version ?? '?'})`,
    };
  return {
    label,
    snapshot,
    ...(state.version ? { version: state.version } : {}),
    ...(configHash ? { configHash } : {}),
    files,
  };
}

/** `git show <ref>:<path>` from `cwd`, or undefined when the ref has no such file. */
function gitShow(ref: string, path: string, cwd: string): string | undefined {
  try {
    return execFileSync('git', ['show', `${ref}:./${path}`], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    if (/does not exist|exists on disk, but not in/.test(stderr)) return undefined;
    throw new UsageError(
      `--base ${ref}: git could not read ${path}: ${stderr.trim().split('\n')[0] || (err as Error).message}`,
      USAGE,
    );
  }
}

async function oldState(args: Args, configPath: string, outDir: string, cwd: string): Promise<OldState> {
  const configDir = dirname(configPath);
  const manifestRel = relative(configDir, join(outDir, MANIFEST)).split(sep).join('/');
  if (args.base === undefined) {
    return fromManifest(manifestText(outDir), relative(cwd, join(outDir, MANIFEST)) || MANIFEST);
  }
  const state = fromManifest(gitShow(args.base, manifestRel, configDir), `${manifestRel} at ${args.base}`);
  // The old config compiled by this compiler: what the old state would be without a compiler change.
  const oldConfig = gitShow(args.base, relative(configDir, configPath).split(sep).join('/'), configDir);
  if (oldConfig === undefined) return state;
  const again = await compile({
    config: configPath,
    outDir,
    source: oldConfig,
    history: false,
    ...(args.profile !== undefined ? { profile: args.profile } : {}),
  });
  if (!again.snapshot) return state;
  if (!state.snapshot)
    return {
      label: `${relative(cwd, configPath)} at ${args.base}`,
      snapshot: again.snapshot,
      version: VERSION,
      configHash: sha256(oldConfig),
    };
  return { ...state, oldWithThisCompiler: again.snapshot };
}

interface ApprovalsRead {
  readonly file: string;
  readonly exists: boolean;
  readonly hasSection: boolean;
  readonly decisions: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

/** cdc-approvals.yaml beside the config, parsed against the changes it may decide (loads `yaml`). */
export async function readApprovals(configPath: string, changes: readonly Change[]): Promise<ApprovalsRead> {
  const file = join(dirname(configPath), APPROVALS_FILE);
  if (!existsSync(file)) return { file, exists: false, hasSection: false, decisions: new Map(), diagnostics: [] };
  const stat = statSync(file);
  if (!stat.isFile() || stat.size > 1 << 20) {
    // No location: there is no line to show in a device or folder (and reading one may never end).
    const d = error('APPROVALS.INVALID', `${file} must be a regular file of at most 1 MiB`);
    return { file, exists: true, hasSection: false, decisions: new Map(), diagnostics: [d] };
  }
  const text = readFileSync(file, 'utf8');
  const { parseApprovals } = await import('../plan/approvals.js');
  const parsed = parseApprovals(text, file, changes);
  return { file, exists: true, hasSection: /^approvals:/m.test(text), ...parsed };
}

/** Plans `result` (a successful compile) against `old`; reads the approvals. */
export async function planFor(
  result: CompileResult,
  old: OldState & { snapshot: Snapshot },
  configPath: string,
  source: string,
  /** The change script's steps and where a compile writes it, to show with the plan. */
  script?: ChangeScript,
) {
  const { makePlan } = await import('../plan/index.js');
  const { diff } = await import('../plan/diff.js');
  const draft = diff(old.snapshot, result.snapshot!);
  const approvals = await readApprovals(configPath, draft);
  const plan = makePlan({
    old: old.snapshot,
    next: result.snapshot!,
    ...(old.oldWithThisCompiler ? { oldWithThisCompiler: old.oldWithThisCompiler } : {}),
    from: {
      label: old.label,
      ...(old.version ? { version: old.version } : {}),
      ...(old.configHash ? { configHash: old.configHash } : {}),
    },
    to: { version: VERSION, configHash: sha256(source) },
    ...(old.files ? { oldFiles: old.files } : {}),
    newFiles: new Map(result.artefacts.map((a) => [a.path, sha256(a.contents)])),
    decisions: approvals.decisions,
    ...(script ? { script } : {}),
  });
  return { plan, approvals };
}

/**
 * The change script to show: the one the compile writes (against the output folder's manifest), or — with
 * `--base`, where the plan compares with another state — the steps planned from that state.
 */
async function scriptFor(
  args: Args,
  result: CompileResult,
  old: Snapshot,
  configPath: string,
  cwd: string,
): Promise<ChangeScript | undefined> {
  if (args.base === undefined)
    return (
      result.changeScript && {
        path: relative(cwd, join(result.outDir, result.changeScript.path)) || result.changeScript.path,
        steps: result.changeScript.steps,
      }
    );
  const { applyDecisions, diff } = await import('../plan/diff.js');
  const { planScript } = await import('../plan/script.js');
  const changes = diff(old, result.snapshot!);
  const approvals = await readApprovals(configPath, changes);
  const planned = planScript({
    old,
    next: result.snapshot!,
    changes: applyDecisions(changes, approvals.decisions),
    decisions: approvals.decisions,
    // After the change scripts the output folder holds.
    number:
      1 +
      Math.max(
        0,
        ...result.artefacts
          .filter((a) => a.path.startsWith(`${result.model!.ops.changes}/`))
          .map((a) => Number(/\/(\d+)_/.exec(a.path)?.[1] ?? 0)),
      ),
    folder: result.model!.ops.changes,
  });
  return planned && { steps: planned.steps };
}

async function run(args: Args, cwd: string): Promise<number> {
  const configPath = resolve(cwd, args.config);
  const result = await compile({
    config: configPath,
    ...(args.out !== undefined ? { outDir: resolve(cwd, args.out) } : {}),
    ...(args.profile !== undefined ? { profile: args.profile } : {}),
  });
  const notFound = result.diagnostics.find((d) => d.code === 'CLI.CONFIG_NOT_FOUND');
  if (notFound) throw new UsageError(`${notFound.message}\n${notFound.hint ?? ''}`, USAGE);
  if (hasErrors(result.diagnostics) || !result.snapshot) {
    if (args.format === 'json')
      process.stdout.write(
        `${JSON.stringify({ ok: false, diagnostics: result.diagnostics.map(jsonDiagnostic) }, null, 2)}\n`,
      );
    else process.stderr.write(formatDiagnostics(result.diagnostics, cwd));
    return 1;
  }
  // --source-url: the live source schemas against the config (printed after the plan).
  let drift: { text: string; json: unknown } | undefined;
  if (args.sourceUrls.length) {
    const { formatDrift, sourceDrift, sourcesForUrls } = await import('./drift.js');
    const targets = sourcesForUrls(result.model!, args.sourceUrls, USAGE);
    let found;
    try {
      found = await sourceDrift(result.snapshot, targets);
    } catch (err) {
      const d = error(
        'PLAN.SOURCE_UNREADABLE',
        `--source-url: cannot read the source's catalog: ${(err as Error).message}`,
      );
      process.stderr.write(formatDiagnostics([d], cwd));
      return 1;
    }
    const names = targets.map(([s]) => s.name);
    drift = { text: args.format === 'json' ? '' : formatDrift(found, names, args.format), json: found };
  }
  const withDrift = (text: string) =>
    !drift
      ? text
      : args.format === 'json'
        ? `${JSON.stringify({ ...JSON.parse(text), drift: drift.json }, null, 2)}\n`
        : `${text}${drift.text}`;
  const old = await oldState(args, configPath, result.outDir, cwd);
  if (!old.snapshot) {
    const message = `${old.missing}: nothing to compare with. Compile with this cdc-compile, commit generated/, and plan changes from there.`;
    if (args.format === 'json')
      process.stdout.write(withDrift(`${JSON.stringify({ ok: true, baseline: false, message }, null, 2)}\n`));
    else process.stdout.write(withDrift(`${message}\n`));
    return 0;
  }
  const source = readFileSync(configPath, 'utf8');
  const script = await scriptFor(args, result, old.snapshot, configPath, cwd);
  const { plan, approvals } = await planFor(
    result,
    old as OldState & { snapshot: Snapshot },
    configPath,
    source,
    script,
  );
  if (approvals.diagnostics.length) process.stderr.write(formatDiagnostics([...approvals.diagnostics], cwd));
  if (hasErrors(approvals.diagnostics)) return 1;
  const { formatPlan } = await import('../plan/format.js');
  process.stdout.write(
    withDrift(
      formatPlan(plan, args.format, {
        approvalsFile: relative(cwd, approvals.file) || APPROVALS_FILE,
        approvalsExist: approvals.exists,
        approvalsHaveSection: approvals.hasSection,
      }),
    ),
  );
  return plan.pending.length ? 3 : 0;
}

/**
 * For `compile`: when the output folder's snapshot differs from the new one, the destructive or ambiguous
 * changes still without a decision (an empty list when there are none). Loads the planner only then.
 */
export async function undecided(result: CompileResult, configPath: string, cwd: string) {
  const text = result.snapshot ? manifestText(result.outDir) : undefined;
  if (text === undefined) return undefined;
  const old = fromManifest(text, relative(cwd, join(result.outDir, MANIFEST)) || MANIFEST);
  if (!old.snapshot || JSON.stringify(old.snapshot) === JSON.stringify(result.snapshot)) return undefined;
  const { plan, approvals } = await planFor(
    result,
    old as OldState & { snapshot: Snapshot },
    configPath,
    readFileSync(configPath, 'utf8'),
  );
  return { plan, approvals };
}

/**
 * For `compile`: exit 3 (or 1 for a broken approvals file) with what to add, when the change to write
 * has destructive or ambiguous steps without a decision; undefined to go on writing.
 */
export async function refuseUndecided(
  result: CompileResult,
  configPath: string,
  cwd: string,
  format: 'pretty' | 'json',
  shownOut: string,
): Promise<number | undefined> {
  const gate = await undecided(result, configPath, cwd);
  if (!gate) return undefined;
  const { plan, approvals } = gate;
  const errors = hasErrors(approvals.diagnostics);
  if (!errors && !plan.pending.length) return undefined;
  const { approvalsToAdd } = await import('../plan/approvals.js');
  const file = relative(cwd, approvals.file) || APPROVALS_FILE;
  const toAdd = approvalsToAdd(plan.pending, approvals.exists, approvals.hasSection);
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ ok: false, diagnostics: approvals.diagnostics.map(jsonDiagnostic), pending: plan.pending, ...(plan.pending.length ? { approvalsToAdd: toAdd } : {}) }, null, 2)}\n`,
    );
  } else {
    if (approvals.diagnostics.length) process.stderr.write(formatDiagnostics([...approvals.diagnostics], cwd));
    if (plan.pending.length) {
      const list = plan.pending.map(
        (c) =>
          `  ${c.class === 'ambiguous' ? '?' : '!'} ${c.id}: ${c.summary}${c.breaks?.length ? `\n      breaks: ${c.breaks.join(', ')}` : ''}`,
      );
      process.stderr.write(
        `cdc-compile: ${plan.pending.length} change(s) need a decision before ${shownOut}${sep} is written (\`cdc-compile plan\` shows the whole plan):\n${list.join('\n')}\n\nAdd to ${file}:\n\n${toAdd}\n`,
      );
    }
    process.stderr.write(`${shownOut}${sep} was not changed.\n`);
  }
  return errors ? 1 : 3;
}

export const planCommand: Command = {
  usage: USAGE,
  async run(argv, cwd) {
    const args = parse(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    return run(args, cwd);
  },
};
