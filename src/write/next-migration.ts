/**
 * The history files a compile adds when the pipeline changed since the previous output's snapshot: the
 * analytics migration and the change script (ops/changes/), from the plan's changes, the decisions
 * cdc-approvals.yaml (beside the config) records on them and the next numbers. Loaded only when the
 * snapshot changed (it pulls in the planner, and `yaml` when a change needs a decision). Reads the
 * approvals file; writes nothing.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hasErrors } from '../diagnostics.js';
import { applyDecisions, diff } from '../plan/diff.js';
import { planMigration } from '../plan/migration.js';
import { planScript, type ChangeScriptPlan } from '../plan/script.js';
import type { Snapshot } from '../plan/snapshot.js';
import { renderMigration } from '../targets/analytics/migration.js';
import type { Artefact } from '../targets/artefact.js';

const APPROVALS_FILE = 'cdc-approvals.yaml';

export interface NextHistory {
  /** The new migration, when the analytics tables need one. */
  readonly migration?: Artefact;
  /** The change script's steps, when the change needs operational steps on a running stack. */
  readonly script?: ChangeScriptPlan;
}

/**
 * The new migration and change script's plan; nothing while a change waits for a decision or the
 * approvals file has errors (`compile` then refuses to write, and says why).
 */
export async function nextHistory(
  /** Where migrations go and where they record themselves (the Model's `analytics`). */
  target: { readonly folder: string; readonly table: string; readonly createSchema?: string | undefined },
  /** Where change scripts go (the Model's `ops.changes`) and the number the next one gets. */
  scripts: { readonly folder: string; readonly number: number },
  old: Snapshot,
  number: number,
  next: Snapshot,
  configPath: string,
  header: string,
): Promise<NextHistory> {
  const changes = diff(old, next);
  let decisions: ReadonlyMap<string, string> = new Map();
  if (changes.some((c) => c.decisions)) {
    const file = join(dirname(configPath), APPROVALS_FILE);
    let text: string | undefined;
    try {
      const stat = lstatSync(file);
      text = stat.isFile() && stat.size <= 1 << 20 ? readFileSync(file, 'utf8') : undefined;
    } catch {
      text = undefined;
    }
    if (text === undefined) return {};
    const { parseApprovals } = await import('../plan/approvals.js');
    const parsed = parseApprovals(text, file, changes);
    if (hasErrors(parsed.diagnostics)) return {};
    decisions = parsed.decisions;
  }
  const migration = planMigration({
    old,
    next,
    changes,
    decisions,
    number,
    folder: target.folder,
    table: target.table,
    ...(target.createSchema !== undefined ? { createSchema: target.createSchema } : {}),
  });
  // The plan keeps the decided steps only (src/plan/index.ts), and so does the script.
  const script = planScript({
    old,
    next,
    changes: applyDecisions(changes, decisions),
    decisions,
    number: scripts.number,
    folder: scripts.folder,
    ...(migration ? { migration: migration.id } : {}),
  });
  return {
    ...(migration ? { migration: { path: migration.path, contents: renderMigration(migration, header) } } : {}),
    ...(script ? { script } : {}),
  };
}
