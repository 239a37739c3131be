/**
 * cdc-approvals.yaml: the reviewed decisions on destructive and ambiguous changes, keyed by change id.
 *
 *   approvals:
 *     drop-column/ecom.public.books/genre: drop
 *     rename-column/ecom.public.books/isbn/isbn13: rename
 *
 * Parsed with the `yaml` package (loaded only when a change needs a decision, never on a plain compile).
 * Pure: the caller reads the file.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import type { Change } from './diff.js';

export interface Approvals {
  readonly decisions: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

export function parseApprovals(text: string, file: string, changes: readonly Change[]): Approvals {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const at = (node: Node | null | undefined, offset?: number) => {
    const pos = lines.linePos(offset ?? node?.range?.[0] ?? 0);
    return { file, line: pos.line, column: pos.col };
  };
  const report = (d: Diagnostic, location: { file: string; line: number; column: number }) =>
    diagnostics.push({ ...d, location });
  for (const e of doc.errors) {
    report(error('APPROVALS.INVALID', `${file} is not valid YAML: ${e.message.split('\n')[0]}`), at(null, e.pos[0]));
  }
  const decisions = new Map<string, string>();
  if (doc.errors.length) return { decisions, diagnostics };
  const byId = new Map(changes.map((c) => [c.id, c]));
  const root = doc.contents;
  if (root === null) return { decisions, diagnostics };
  const approvals = isMap(root) ? root.get('approvals', true) : undefined;
  if (!isMap(root) || (approvals !== undefined && approvals !== null && !isMap(approvals))) {
    report(
      error('APPROVALS.INVALID', `${file} must be a mapping with one key, approvals: change id → decision`),
      at(root as Node),
    );
    return { decisions, diagnostics };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'approvals')
      report(error('APPROVALS.INVALID', `unknown key '${key}' in ${file}; expected approvals`), at(pair.key as Node));
  }
  for (const pair of isMap(approvals) ? approvals.items : []) {
    const id = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (id === undefined || typeof value !== 'string') {
      report(
        error(
          'APPROVALS.INVALID',
          `each approval is 'change-id: decision' (a string)`,
          undefined,
          'e.g. drop-column/ecom.public.books/genre: keep',
        ),
        at((pair.value ?? pair.key) as Node),
      );
      continue;
    }
    const change = byId.get(id);
    if (change?.decisions && !change.decisions.some((d) => d.value === value)) {
      report(
        error(
          'APPROVALS.BAD_DECISION',
          `'${value}' is not a decision for ${id}`,
          undefined,
          `one of: ${change.decisions.map((d) => `${d.value} (${d.meaning})`).join('; ')}`,
        ),
        at(pair.value as Node),
      );
      continue;
    }
    if (change && !change.decisions) {
      report(
        warning('APPROVALS.NOT_NEEDED', `${id} is ${change.class}: it needs no approval`, undefined, 'remove the line'),
        at(pair.key as Node),
      );
      continue;
    }
    decisions.set(id, value);
  }
  return { decisions, diagnostics };
}

/** The lines to add to cdc-approvals.yaml for every change still without a decision. */
export function approvalsToAdd(pending: readonly Change[], fileExists: boolean, hasSection: boolean): string {
  const lines = pending.map((c) => {
    const [first, ...others] = c.decisions!;
    const alternatives = others.map((d) => `${d.value}: ${d.meaning}`).join('; ');
    return `  ${c.id}: ${first!.value}   # ${first!.meaning}${alternatives ? `; or ${alternatives}` : ''}`;
  });
  return `${!fileExists || !hasSection ? 'approvals:\n' : ''}${lines.join('\n')}\n`;
}
