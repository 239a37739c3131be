/**
 * `cdc-compile why <name>[.<column>]`: where a column's values come from and where they go, read from the
 * Model's lineage graph (resolve/lineage.ts). The name is a source table (`ecom.public.orders`,
 * `public.orders`, `ecom.orders`, `orders`), an analytics table or a view; without a column, the whole
 * table or view. Writes nothing.
 */
import { resolve } from 'node:path';
import { compile } from '../compile.js';
import { closest, error, hasErrors, InternalError, type Diagnostic } from '../diagnostics.js';
import { indexLineage, nodeId, walk, withChains, type LineageIndex } from '../resolve/lineage.js';
import type { LineageEdge, LineageNode, Model, TableModel, ViewModel } from '../resolve/model.js';
import { UsageError, type Command } from './command.js';
import { formatDiagnostics, jsonDiagnostic } from './format.js';
import { oneOf, readOptions } from './options.js';

const USAGE = `Usage: cdc-compile why <name>[.<column>] [options]

Prints where a column's values come from (source column, topic field, Flink source and sink columns,
analytics column, the views it is computed through) and where they go (view columns, charts, and the
views whose rows it decides through a join, filter or grouping). <name> is a source table
(ecom.public.orders, public.orders, ecom.orders or orders), an analytics table (fact_orders) or a view;
without a column, the whole table or view. Compiles in memory; writes nothing.

Options:
  --config <path>          the config file (default: pipeline.config.ts)
  --profile <name>         compile for a deployment profile's addresses
  --format <pretty|json>   how to report (default: pretty)
  -h, --help               show this help

Exit status: 0 printed, 1 config errors, 2 bad usage or a name the pipeline does not have.
`;

export type WhySubject =
  | { readonly kind: 'column'; readonly node: LineageNode }
  | { readonly kind: 'table'; readonly table: TableModel }
  | { readonly kind: 'view'; readonly view: ViewModel };

type Owner = { kind: 'source-table' | 'analytics-table'; table: TableModel } | { kind: 'view'; view: ViewModel };

/** Every name a table or view answers to (a source table by four spellings), each with what it names. */
function owners(model: Model): Map<string, Owner[]> {
  const names = new Map<string, Owner[]>();
  const add = (name: string, owner: Owner) => {
    const list = names.get(name) ?? [];
    const same = list.some((o) =>
      o.kind === 'view'
        ? owner.kind === 'view' && owner.view === o.view
        : owner.kind === o.kind && owner.table === o.table,
    );
    if (!same) names.set(name, [...list, owner]);
  };
  for (const t of model.tables) {
    for (const n of [`${t.source}.${t.qualifiedName}`, t.qualifiedName, `${t.source}.${t.name}`, t.name])
      add(n, { kind: 'source-table', table: t });
    for (const n of [t.analytics.name, t.analytics.qualifiedName]) add(n, { kind: 'analytics-table', table: t });
  }
  for (const v of model.views) for (const n of [v.name, v.qualifiedName]) add(n, { kind: 'view', view: v });
  return names;
}

const ownerName = (o: Owner) =>
  o.kind === 'view'
    ? `view ${o.view.name}`
    : o.kind === 'source-table'
      ? `source table ${o.table.source}.${o.table.qualifiedName}`
      : `analytics table ${o.table.analytics.name}`;

/** What `name` names in the Model, or the diagnostic that says why it names nothing (or several things). */
export function findSubject(model: Model, name: string): WhySubject | Diagnostic {
  const names = owners(model);
  const whole = names.get(name);
  const pick = (found: Owner[], what: string): Owner | Diagnostic => {
    // A source table and the analytics table it lands in are one table to `why`.
    const tables = new Set(found.map((o) => (o.kind === 'view' ? o.view : o.table)));
    if (tables.size === 1) return found.find((o) => o.kind !== 'analytics-table') ?? found[0]!;
    return error(
      'WHY.AMBIGUOUS_NAME',
      `'${what}' names ${found.length} things: ${found.map(ownerName).join(', ')}`,
      undefined,
      'spell it out: source.schema.table for a source table',
    );
  };
  if (whole) {
    const owner = pick(whole, name);
    if ('code' in owner) return owner;
    return owner.kind === 'view' ? { kind: 'view', view: owner.view } : { kind: 'table', table: owner.table };
  }
  const dot = name.lastIndexOf('.');
  const prefix = dot > 0 ? name.slice(0, dot) : undefined;
  const column = name.slice(dot + 1);
  const found = prefix !== undefined ? names.get(prefix) : undefined;
  if (!found || prefix === undefined) {
    const suggestion = closest(prefix ?? name, names.keys());
    return error(
      'WHY.UNKNOWN_NAME',
      `the pipeline has no table or view '${prefix ?? name}'`,
      undefined,
      suggestion
        ? `did you mean '${suggestion}${prefix !== undefined ? `.${column}` : ''}'?`
        : `tables and views: ${[...new Set([...model.tables.map((t) => t.analytics.name), ...model.views.map((v) => v.name)])].join(', ')}`,
    );
  }
  const owner = pick(found, prefix);
  if ('code' in owner) return owner;
  let columns: string[];
  let id: (c: string) => string;
  switch (owner.kind) {
    case 'source-table':
      columns = owner.table.columns.map((c) => c.name);
      id = (c) => nodeId('source', `${owner.table.source}.${owner.table.qualifiedName}`, c);
      break;
    case 'analytics-table':
      columns = owner.table.analytics.columns.map((c) => c.name);
      id = (c) => nodeId('analytics', owner.table.analytics.name, c);
      break;
    case 'view':
      columns = owner.view.columns.map((c) => c.name);
      id = (c) => nodeId('view', owner.view.name, c);
      break;
  }
  if (!columns.includes(column)) {
    // A source table may be asked about by its analytics column names too (a column landed under another name).
    const t = owner.kind === 'source-table' ? owner.table : undefined;
    const landed = t?.analytics.columns.find((c) => c.name === column);
    if (t && landed) {
      const node = model.lineage.nodes.find((n) => n.id === nodeId('analytics', t.analytics.name, column));
      if (node) return { kind: 'column', node };
    }
    const suggestion = closest(column, columns);
    return error(
      'WHY.UNKNOWN_COLUMN',
      `${ownerName(owner)} has no column '${column}'`,
      undefined,
      suggestion ? `did you mean '${prefix}.${suggestion}'?` : `its columns: ${columns.join(', ')}`,
    );
  }
  const node = model.lineage.nodes.find((n) => n.id === id(column));
  // A captured column whose source node is missing would be a lineage bug; say so rather than print nothing.
  if (!node) throw new InternalError(`lineage has no node ${id(column)}`);
  return { kind: 'column', node };
}

const STAGE: Record<LineageNode['stage'], string> = {
  source: 'source column',
  topic: 'topic field',
  'flink-source': 'Flink source',
  'flink-sink': 'Flink sink',
  analytics: 'analytics column',
  view: 'view column',
  chart: 'chart',
};

function describe(n: LineageNode): string {
  if (n.stage === 'chart') return `chart '${n.owner}'`;
  if (n.column === undefined) return `view ${n.owner}`;
  const name = n.stage === 'topic' ? `${n.owner} field ${n.column}` : `${n.owner}.${n.column}`;
  return `${name}  (${STAGE[n.stage]}${n.type ? `, ${n.type}` : ''})`;
}

const useOf = (e: LineageEdge) =>
  e.use === 'value' || e.use === 'rows' ? '' : `  [${e.use}${e.label ? ` ${e.label}` : ''}]`;

/**
 * A tree of the walk from `start` along edges that `follow` accepts, one node per line; a chain without
 * branches stays at one indentation, and a node printed already is not expanded again.
 */
function tree(
  index: LineageIndex,
  start: string,
  direction: 'out' | 'in',
  follow: (e: LineageEdge) => boolean,
  indent: string,
): string[] {
  const lines: string[] = [];
  const printed = new Set<string>([start]);
  const arrow = direction === 'out' ? '→' : '←';
  // Children sit under their parent; a chain without branches stays at one indentation.
  const visit = (id: string, pad: string, siblings: boolean) => {
    const edges = ((direction === 'out' ? index.out : index.in).get(id) ?? []).filter(follow);
    for (const e of edges) {
      const other = direction === 'out' ? e.to : e.from;
      const again = printed.has(other);
      lines.push(`${pad}${arrow} ${describe(index.nodes.get(other)!)}${useOf(e)}${again ? '  (see above)' : ''}`);
      if (again) continue;
      printed.add(other);
      visit(other, edges.length > 1 || siblings ? `${pad}  ` : pad, edges.length > 1);
    }
  };
  visit(start, indent, false);
  return lines;
}

const isValue = (e: LineageEdge) => e.use !== 'rows';

/** The whole views whose rows the nodes downstream of `start` decide, and what hangs off them. */
function rowsTree(index: LineageIndex, starts: readonly string[], indent: string): string[] {
  const reached = new Set(starts);
  for (const s of starts) for (const e of walk(index, s, 'out', isValue)) reached.add(e.to);
  const views = new Set<string>();
  for (const id of reached)
    for (const e of index.out.get(id) ?? [])
      if (e.use === 'rows' && index.nodes.get(e.to)!.column === undefined && index.nodes.get(e.to)!.stage === 'view')
        views.add(e.to);
  const lines: string[] = [];
  for (const v of views) {
    lines.push(`${indent}${describe(index.nodes.get(v)!)}`);
    lines.push(...tree(index, v, 'out', (e) => e.use === 'rows', `${indent}  `));
  }
  return lines;
}

export function explain(model: Model, subject: WhySubject): string {
  const index = indexLineage(model.lineage);
  const lines: string[] = [];
  switch (subject.kind) {
    case 'column': {
      const n = subject.node;
      lines.push(describe(n), '', 'Comes from:');
      const up = tree(index, n.id, 'in', isValue, '  ');
      const none =
        n.stage === 'source'
          ? '  the source database: the table it is a column of is where it starts'
          : n.stage === 'analytics'
            ? '  nothing: the analytics database fills it (a default)'
            : '  no column: a constant, COUNT(*) or the like';
      lines.push(...(up.length ? up : [none]));
      lines.push('', 'Goes to:');
      const down = tree(index, n.id, 'out', isValue, '  ');
      lines.push(...(down.length ? down : ['  nothing reads its values']));
      const rows = rowsTree(index, [n.id], '  ');
      if (rows.length) lines.push('', 'Decides which rows (a join, filter or grouping reads it):', ...rows);
      break;
    }
    case 'table': {
      const t = subject.table;
      lines.push(
        `source table ${t.source}.${t.qualifiedName} → topic ${t.topic} → Flink ${t.flink.sourceTable} → ${t.flink.sinkTable} → analytics table ${t.analytics.qualifiedName} (${t.analytics.kind})`,
        '',
        'Columns:',
      );
      const width = Math.max(...t.analytics.columns.map((c) => c.name.length));
      for (const c of t.analytics.columns) {
        const id = nodeId('analytics', t.analytics.name, c.name);
        const out = index.out.get(id) ?? [];
        const captured = t.columns.find((s) => s.analyticsName === c.name);
        const from = captured && captured.name !== c.name ? ` (source column ${captured.name})` : '';
        const to = out.map((e) =>
          e.use === 'rows'
            ? `rows of ${index.nodes.get(e.to)!.owner}`
            : `${index.nodes.get(e.to)!.owner}.${index.nodes.get(e.to)!.column}`,
        );
        lines.push(
          `  ${c.name.padEnd(width)}  ${c.type}${from}${to.length ? ` → ${to.join(', ')}` : ' (nothing reads it)'}`,
        );
      }
      const charts = chartsOf(
        index,
        t.analytics.columns.map((c) => nodeId('analytics', t.analytics.name, c.name)),
      );
      lines.push('', `Charts that depend on it: ${charts.length ? charts.map((c) => `'${c}'`).join(', ') : 'none'}`);
      break;
    }
    case 'view': {
      const v = subject.view;
      lines.push(
        `view ${v.qualifiedName}${v.dependsOn.length ? ` (reads view ${v.dependsOn.join(', ')})` : ''}`,
        '',
        'Columns:',
      );
      const width = Math.max(...v.columns.map((c) => c.name.length));
      for (const c of v.columns) {
        const id = nodeId('view', v.name, c.name);
        const inputs = (index.in.get(id) ?? []).map(
          (e) => `${index.nodes.get(e.from)!.owner}.${index.nodes.get(e.from)!.column}`,
        );
        const roots = walk(index, id, 'in', isValue)
          .map((e) => index.nodes.get(e.from)!)
          .filter((s) => s.stage === 'source')
          .map((s) => `${s.owner}.${s.column}`);
        const uses = (index.out.get(id) ?? [])
          .filter((e) => e.use !== 'value' && e.use !== 'rows')
          .map((e) => `'${index.nodes.get(e.to)!.owner}' ${e.use}${e.label ? ` ${e.label}` : ''}`);
        lines.push(
          `  ${c.name.padEnd(width)}  ${c.type}  ← ${inputs.join(', ') || '(no column)'}${roots.length ? `; source: ${[...new Set(roots)].join(', ')}` : ''}${uses.length ? `; charts: ${uses.join(', ')}` : ''}`,
        );
      }
      if (v.rowsFrom.length) lines.push('', `Its rows depend on: ${v.rowsFrom.join(', ')}`);
      if (v.columnLineage === 'whole-view')
        lines.push(
          '',
          'Its select list could not be read (*, WITH or a derived table): every column counts as computed from everything the view reads.',
        );
      const down = tree(index, nodeId('view', v.name), 'out', (e) => e.use === 'rows', '  ');
      lines.push('', 'Read by:', ...(down.length ? down : ['  nothing']));
      break;
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Charts reached from `starts` along any edge, in Model order. */
function chartsOf(index: LineageIndex, starts: readonly string[]): string[] {
  const found = new Set<string>();
  for (const s of starts) for (const e of walk(index, s, 'out')) if (e.to.startsWith('chart:')) found.add(e.to);
  return [...index.nodes.values()].filter((n) => n.stage === 'chart' && found.has(n.id)).map((n) => n.owner);
}

/** For `--format json`: the subject's nodes and every edge upstream and downstream of them. */
export function explainJson(model: Model, subject: WhySubject) {
  const index = indexLineage(model.lineage);
  const starts =
    subject.kind === 'column'
      ? [subject.node.id]
      : subject.kind === 'table'
        ? subject.table.analytics.columns.map((c) => nodeId('analytics', subject.table.analytics.name, c.name))
        : [
            nodeId('view', subject.view.name),
            ...subject.view.columns.map((c) => nodeId('view', subject.view.name, c.name)),
          ];
  const collect = (direction: 'in' | 'out') => {
    const seen = new Set<LineageEdge>();
    for (const s of starts) for (const e of walk(index, s, direction)) seen.add(e);
    return model.lineage.edges.filter((e) => seen.has(e));
  };
  const upstream = collect('in');
  const downstream = collect('out');
  const ids = new Set([...starts, ...[...upstream, ...downstream].flatMap((e) => [e.from, e.to])]);
  return {
    ok: true,
    subject:
      subject.kind === 'column'
        ? subject.node.id
        : subject.kind === 'table'
          ? `table:${subject.table.source}.${subject.table.qualifiedName}`
          : nodeId('view', subject.view.name),
    nodes: model.lineage.nodes.filter((n) => ids.has(n.id)),
    upstream,
    downstream,
  };
}

async function run(argv: string[], cwd: string): Promise<number> {
  const read = readOptions(
    argv,
    { config: { type: 'string', short: 'c' }, profile: { type: 'string' }, format: { type: 'string' } },
    USAGE,
    true,
  );
  if (read === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = oneOf(read.values.format, 'format', ['pretty', 'json'] as const, 'pretty', USAGE);
  if (read.positionals.length !== 1)
    throw new UsageError(
      read.positionals.length
        ? `why takes one name, not ${read.positionals.length}`
        : 'why needs a name, e.g. cdc-compile why fact_orders.total',
      USAGE,
    );
  const name = read.positionals[0]!;
  const configPath = resolve(cwd, read.values.config ?? 'pipeline.config.ts');
  const result = await compile({
    config: configPath,
    ...(read.values.profile !== undefined ? { profile: read.values.profile } : {}),
  });
  const notFound = result.diagnostics.find((d) => d.code === 'CLI.CONFIG_NOT_FOUND');
  if (notFound) throw new UsageError(`${notFound.message}\n${notFound.hint ?? ''}`, USAGE);
  const fail = (diagnostics: readonly Diagnostic[], status: number) => {
    if (format === 'json')
      process.stdout.write(`${JSON.stringify({ ok: false, diagnostics: diagnostics.map(jsonDiagnostic) }, null, 2)}\n`);
    else process.stderr.write(formatDiagnostics(diagnostics, cwd));
    return status;
  };
  if (hasErrors(result.diagnostics) || !result.model) return fail(result.diagnostics, 1);
  // The Model's lineage starts at the analytics columns; a column's way back to its source is derived here.
  const model: Model = { ...result.model, lineage: withChains(result.model) };
  const subject = findSubject(model, name);
  if ('code' in subject) return fail([subject], 2);
  process.stdout.write(
    format === 'json' ? `${JSON.stringify(explainJson(model, subject), null, 2)}\n` : explain(model, subject),
  );
  return 0;
}

export const whyCommand: Command = { usage: USAGE, run };
