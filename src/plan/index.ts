/**
 * The plan: what takes a running stack from the last compiled state to the config's, split into what the
 * config changed and what a new compiler version changed. Pure; `cli/plan-command.ts` reads the states.
 */
import { applyDecisions, CLASSES, diff, type Change, type DecidedChange } from './diff.js';
import type { ScriptStep } from './script.js';
import type { Snapshot } from './snapshot.js';

export type { Change, ChangeClass, Decision, Layer, Step } from './diff.js';

export interface PlanInput {
  readonly old: Snapshot;
  readonly next: Snapshot;
  /** The old config compiled by this compiler (from `--base`): separates compiler from config changes. */
  readonly oldWithThisCompiler?: Snapshot;
  readonly from: { readonly label: string; readonly version?: string; readonly configHash?: string };
  readonly to: { readonly version: string; readonly configHash: string };
  /** Files of the old state and the new artefacts → sha256, to list changed Kubernetes files. */
  readonly oldFiles?: ReadonlyMap<string, string>;
  readonly newFiles?: ReadonlyMap<string, string>;
  /** Decisions read from cdc-approvals.yaml. */
  readonly decisions: ReadonlyMap<string, string>;
  /** The change script's steps (src/plan/script.ts), and the file a compile writes them to. */
  readonly script?: ChangeScript;
}

export interface ChangeScript {
  /** Relative to where the plan is shown; absent when no compile writes it (the steps are still shown). */
  readonly path?: string;
  readonly steps: readonly ScriptStep[];
}

export interface PlannedChange extends DecidedChange {
  readonly origin: 'config' | 'compiler';
}

export interface Plan {
  readonly from: PlanInput['from'];
  readonly to: PlanInput['to'];
  /** Changes, most severe class first, then in layer order. */
  readonly changes: readonly PlannedChange[];
  /** Both the config and the compiler version changed and nothing told them apart (no `--base`). */
  readonly mixed: boolean;
  /** Kubernetes files whose contents change (apply them again). */
  readonly kubernetes: readonly string[];
  /** Flink jobs whose statement is unchanged: they keep running, with their state. */
  readonly unchangedJobs: readonly string[];
  /** Destructive or ambiguous changes without a decision: `plan` and `compile` exit 3 while any is left. */
  readonly pending: readonly PlannedChange[];
  /** Approvals that name no change of this plan (already applied, or mistyped). */
  readonly unusedApprovals: readonly string[];
  /** What to run on a running stack, in order (the change script). */
  readonly script?: ChangeScript;
}

const rank = (c: Change) => CLASSES.indexOf(c.class);

export function makePlan(input: PlanInput): Plan {
  let planned: PlannedChange[];
  let mixed = false;
  const tag = (changes: Change[], origin: 'config' | 'compiler') => changes.map((c) => ({ ...c, origin }));
  if (input.oldWithThisCompiler) {
    const compiler = tag(diff(input.old, input.oldWithThisCompiler), 'compiler');
    const config = tag(diff(input.oldWithThisCompiler, input.next), 'config');
    // A change both made (the same id) is listed once, as the config's.
    const ids = new Set(config.map((c) => c.id));
    planned = [...config, ...compiler.filter((c) => !ids.has(c.id))];
  } else if (
    input.from.version !== undefined &&
    input.from.version !== input.to.version &&
    input.from.configHash === input.to.configHash
  ) {
    planned = tag(diff(input.old, input.next), 'compiler');
  } else {
    planned = tag(diff(input.old, input.next), 'config');
    mixed = input.from.version !== undefined && input.from.version !== input.to.version;
  }
  planned = applyDecisions(planned, input.decisions)
    .map((c, i) => [c, i] as const)
    .sort(([a, i], [b, j]) => rank(a) - rank(b) || i - j)
    .map(([c]) => c);
  const ids = new Set(planned.map((c) => c.id));
  const kubernetes: string[] = [];
  if (input.oldFiles && input.newFiles) {
    for (const [path, hash] of input.newFiles) {
      if (path.startsWith('kubernetes/') && input.oldFiles.get(path) !== hash) kubernetes.push(path);
    }
    for (const path of input.oldFiles.keys()) {
      if (path.startsWith('kubernetes/') && !input.newFiles.has(path)) kubernetes.push(path);
    }
    kubernetes.sort();
  }
  const unchangedJobs = input.next.flinkJobs
    .filter((j) => !ids.has(`restart-job/${j.name}`) && !ids.has(`add-job/${j.name}`))
    .map((j) => j.name);
  return {
    from: input.from,
    to: input.to,
    changes: planned,
    mixed,
    kubernetes,
    unchangedJobs,
    pending: planned.filter((c) => c.decisions && c.decision === undefined),
    unusedApprovals: [...input.decisions.keys()].filter((id) => !ids.has(id)),
    ...(input.script ? { script: input.script } : {}),
  };
}
