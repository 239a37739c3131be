/** A plan as text: `pretty` for a terminal, `markdown` for a pull-request comment, `json` for tools. */
import { approvalsToAdd } from './approvals.js';
import type { Plan, PlannedChange } from './index.js';

export type PlanFormat = 'pretty' | 'markdown' | 'json';

export interface FormatContext {
  /** How messages name the approvals file (relative to cwd). */
  readonly approvalsFile: string;
  readonly approvalsExist: boolean;
  readonly approvalsHaveSection: boolean;
}

const MARK: Record<PlannedChange['class'], string> = {
  ambiguous: '?',
  destructive: '!',
  'needs-backfill': '~',
  safe: '+',
};

function status(c: PlannedChange): string {
  if (!c.decisions) return c.class;
  return c.decision !== undefined ? `${c.class}, approved: ${c.decision}` : `${c.class}, NEEDS A DECISION`;
}

/** While a change is undecided its steps under each decision show which one they belong to. */
const when = (c: PlannedChange, s: PlannedChange['steps'][number]) =>
  s.when !== undefined && c.decision === undefined ? `(if ${s.when}) ` : '';

function counts(plan: Plan): string {
  const n = (cls: PlannedChange['class']) => plan.changes.filter((c) => c.class === cls).length;
  const parts = (['destructive', 'ambiguous', 'needs-backfill', 'safe'] as const)
    .filter((cls) => n(cls) > 0)
    .map((cls) => `${n(cls)} ${cls}`);
  return parts.length ? parts.join(', ') : 'no changes';
}

export function formatPlan(plan: Plan, format: PlanFormat, ctx: FormatContext): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          ok: plan.pending.length === 0,
          from: plan.from,
          to: plan.to,
          mixed: plan.mixed,
          changes: plan.changes,
          kubernetes: plan.kubernetes,
          unchangedJobs: plan.unchangedJobs,
          pending: plan.pending.map((c) => c.id),
          ...(plan.pending.length
            ? { approvalsToAdd: approvalsToAdd(plan.pending, ctx.approvalsExist, ctx.approvalsHaveSection) }
            : {}),
          unusedApprovals: plan.unusedApprovals,
          ...(plan.script ? { script: plan.script } : {}),
        },
        null,
        2,
      )}\n`;
    case 'markdown':
      return markdown(plan, ctx);
    case 'pretty':
      return pretty(plan, ctx);
  }
}

function groups(plan: Plan): [string, PlannedChange[]][] {
  const config = plan.changes.filter((c) => c.origin === 'config');
  const compiler = plan.changes.filter((c) => c.origin === 'compiler');
  const out: [string, PlannedChange[]][] = [];
  if (config.length || !compiler.length)
    out.push([plan.mixed ? 'Changes (config and compiler together)' : 'Config changes', config]);
  if (compiler.length) out.push([`Compiler changes (cdc-compile ${plan.from.version} → ${plan.to.version})`, compiler]);
  return out;
}

function pretty(plan: Plan, ctx: FormatContext): string {
  const lines = [`Plan against ${plan.from.label}: ${counts(plan)}.`];
  for (const [title, changes] of groups(plan)) {
    lines.push('', `${title}:${changes.length ? '' : ' none'}`);
    for (const c of changes) {
      lines.push(`  ${MARK[c.class]} ${c.id}  [${status(c)}]`, `      ${c.summary}`);
      if (c.breaks?.length) lines.push(`      breaks: ${c.breaks.join(', ')}`);
      for (const [i, s] of c.steps.entries())
        lines.push(`      ${i + 1}. ${s.layer.padEnd(9)} ${when(c, s)}${s.action}`);
    }
  }
  if (plan.mixed)
    lines.push(
      '',
      `The compiler changed too (${plan.from.version} → ${plan.to.version}); \`cdc-compile plan --base <git-ref>\` tells its changes apart.`,
    );
  if (plan.kubernetes.length)
    lines.push('', `Kubernetes files that change (apply again): ${plan.kubernetes.join(', ')}`);
  if (plan.changes.length && plan.unchangedJobs.length)
    lines.push('', `Flink jobs that keep running with their state: ${plan.unchangedJobs.join(', ')}`);
  if (plan.script) {
    lines.push('', `${scriptTitle(plan.script)}:`);
    for (const [i, s] of plan.script.steps.entries()) lines.push(`  ${i + 1}. ${s.layer.padEnd(9)} ${s.action}`);
  }
  if (plan.unusedApprovals.length)
    lines.push('', `Approvals that match no change (applied already? remove them): ${plan.unusedApprovals.join(', ')}`);
  if (plan.pending.length) {
    lines.push(
      '',
      `${plan.pending.length} change(s) need a decision. Add to ${ctx.approvalsFile} (and review it like code):`,
      '',
      approvalsToAdd(plan.pending, ctx.approvalsExist, ctx.approvalsHaveSection).trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

function scriptTitle(script: NonNullable<Plan['script']>, quote = ''): string {
  return script.path
    ? `On the running stack: run ${quote}bash ${script.path}${quote} (after the compile writes it; ${quote}--dry-run${quote} prints the steps), which does in order`
    : 'On the running stack, in order';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdown(plan: Plan, ctx: FormatContext): string {
  const lines = [`### cdc-compile plan`, '', `Against ${plan.from.label}: **${counts(plan)}**.`];
  for (const [title, changes] of groups(plan)) {
    lines.push('', `#### ${title}`, '');
    if (!changes.length) {
      lines.push('None.');
      continue;
    }
    lines.push('| | Change | Class | What it takes |', '|---|---|---|---|');
    for (const c of changes) {
      const steps = c.steps.map((s, i) => `${i + 1}. **${s.layer}** ${when(c, s)}${cell(s.action)}`).join('<br>');
      const breaks = c.breaks?.length ? `<br>breaks: ${cell(c.breaks.join(', '))}` : '';
      lines.push(`| ${MARK[c.class]} | \`${c.id}\`<br>${cell(c.summary)}${breaks} | ${cell(status(c))} | ${steps} |`);
    }
  }
  if (plan.mixed)
    lines.push(
      '',
      `The compiler changed too (${plan.from.version} → ${plan.to.version}); run \`cdc-compile plan --base <git-ref>\` to tell its changes apart.`,
    );
  if (plan.kubernetes.length)
    lines.push('', `Kubernetes files that change: ${plan.kubernetes.map((f) => `\`${f}\``).join(', ')}`);
  if (plan.changes.length && plan.unchangedJobs.length)
    lines.push(
      '',
      `Flink jobs that keep running with their state: ${plan.unchangedJobs.map((j) => `\`${j}\``).join(', ')}`,
    );
  if (plan.script) {
    lines.push('', `#### ${scriptTitle(plan.script, '`')}`, '');
    for (const [i, s] of plan.script.steps.entries()) lines.push(`${i + 1}. **${s.layer}** ${s.action}`);
  }
  if (plan.pending.length) {
    lines.push(
      '',
      `**${plan.pending.length} change(s) need a decision.** Add to \`${ctx.approvalsFile}\`:`,
      '',
      '```yaml',
      approvalsToAdd(plan.pending, ctx.approvalsExist, ctx.approvalsHaveSection).trimEnd(),
      '```',
    );
  }
  return `${lines.join('\n')}\n`;
}
