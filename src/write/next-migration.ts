/**
 * The analytics migration a compile adds when the pipeline changed since the previous output's snapshot:
 * the plan's changes, the decisions cdc-approvals.yaml (beside the config) records on them, the next number.
 * Loaded only when the snapshot changed (it pulls in the planner, and `yaml` when a change needs a decision).
 * Reads the approvals file; writes nothing.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hasErrors } from '../diagnostics.js';
import { diff } from '../plan/diff.js';
import { planMigration } from '../plan/migration.js';
import type { Snapshot } from '../plan/snapshot.js';
import { renderMigration } from '../targets/analytics/migration.js';
import type { Artefact } from '../targets/artefact.js';

const APPROVALS_FILE = 'cdc-approvals.yaml';

/**
 * The new migration, or undefined when the analytics tables need none, or while a change waits for a
 * decision or the approvals file has errors (`compile` then refuses to write, and says why).
 */
export async function nextMigration(
  /** Where migrations go and where they record themselves (the Model's `analytics`). */
  target: { readonly folder: string; readonly table: string; readonly createSchema?: string | undefined },
  old: Snapshot,
  number: number,
  next: Snapshot,
  configPath: string,
  header: string,
): Promise<Artefact | undefined> {
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
    if (text === undefined) return undefined;
    const { parseApprovals } = await import('../plan/approvals.js');
    const parsed = parseApprovals(text, file, changes);
    if (hasErrors(parsed.diagnostics)) return undefined;
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
  return migration && { path: migration.path, contents: renderMigration(migration, header) };
}
