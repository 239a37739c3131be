/**
 * Docs: `docs/lineage.md`, every column's path from the Model's lineage graph — per source a mermaid
 * graph (its tables' columns, the views and charts they reach) and a table per captured table (one row per
 * column, each stage's name and type, what reads it); then the view columns with what they are computed
 * from and which charts show them. Laid out for review on GitHub: one row per line, nothing padded, node
 * ids derived from the lineage ids (not positions), so an added column adds lines and moves none.
 *
 * Every graph stays within mermaid's default limits (`maxTextSize` 50,000 characters, `maxEdges` 500;
 * beyond either mermaid draws only an error box): a source whose column graph is larger is drawn per table
 * instead (a table, the views reading it, the charts showing them), in as many graphs as that takes; its
 * columns' paths stay in the tables of its section.
 */
import { hash } from 'node:crypto';
import { edgeEnds, nodeId } from '../../resolve/lineage.js';
import type { LineageEdge, LineageNode, Model, TableModel } from '../../resolve/model.js';
import type { Artefact, EmitContext } from '../artefact.js';

/** The length of every mermaid node id (`n` and 10 hex digits). */
const MID_LENGTH = 11;

/** Mermaid node ids: stable for a lineage id whatever else the graph holds (each hashed once). */
function mermaidIds(): (id: string) => string {
  const ids = new Map<string, string>();
  return (id) => {
    let m = ids.get(id);
    if (m === undefined) {
      m = `n${hash('sha256', id, 'hex').slice(0, 10)}`;
      ids.set(id, m);
    }
    return m;
  };
}

/** Text inside a mermaid `"…"` label: entity codes for what mermaid or its HTML would read. */
const label = (text: string) =>
  LABEL_SPECIAL.test(text)
    ? `"${text.replace(/[#"<>&`|]/g, (c) => ({ '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '&': '#amp;', '`': '#96;', '|': '#124;' })[c]!)}"`
    : `"${text}"`;
const LABEL_SPECIAL = /[#"<>&`|]/;

/** A markdown code span that survives any name, inside a table cell. */
const code = (text: string) => {
  // Most names hold none of the three characters: skip the replacements (a large config has ~10⁵ cells).
  if (!CELL_SPECIAL.test(text)) return `\`${text}\``;
  const escaped = text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return escaped.includes('`') ? `\`\` ${escaped} \`\`` : `\`${escaped}\``;
};
const CELL_SPECIAL = /[|\n`]/;
const cell = (text: string) => (/[|\n]/.test(text) ? text.replace(/\|/g, '\\|').replace(/\n/g, ' ') : text);

const columnName = (n: LineageNode) => `${n.owner}.${n.column}`;

/** How a chart uses a view column, for a table cell: `Sales Over Time (metric Revenue)`. */
const chartUse = (e: LineageEdge) => `${e.to.slice('chart:'.length)} (${e.use}${e.label ? ` ${e.label}` : ''})`;

/**
 * The part of the lineage this document draws: the analytics, view and chart nodes, the edges out of
 * them and the edges into views. A source column's chain up to the analytics column is one row of a
 * table here, read from the Model, so its (most numerous) nodes and edges need no index.
 */
interface DocIndex {
  /**
   * Each drawn node by its lineage id: the one map keyed by ids, built when first asked (a graph drawn by
   * its columns asks; a large config's document follows the edges' node positions and never does).
   */
  node(id: string): DocNode | undefined;
  /** The drawn nodes with edges out of them, in the order of their first edge. */
  readonly sources: readonly DocNode[];
  /**
   * The column nodes of each analytics table and view (stage → owner → nodes, in column order): the rows
   * below take their nodes from here rather than building each id again (a new string, hashed anew).
   */
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, readonly DocNode[]>>;
}

/**
 * A drawn node with its edges, each holding the node at its other end: the document follows edges from
 * node to node rather than looking ids up (at 10,000 tables, ~10⁶ lookups in maps of 2·10⁵ string keys,
 * each missing the processor's caches, were the larger part of this document's time).
 */
interface DocNode {
  node: LineageNode;
  /** The edges out of it (past the source columns' chains), in lineage order; absent for none (most nodes). */
  out?: DocEdge[];
  /** The edges into it, for a view's nodes. */
  in?: DocEdge[];
  /** `chartsOf` remembered, for a view column. */
  charts?: readonly string[];
}

interface DocEdge {
  readonly edge: LineageEdge;
  readonly from: DocNode;
  /** Undefined for a node this document does not draw. */
  readonly to: DocNode | undefined;
}

const NO_EDGES: readonly DocEdge[] = [];
const NO_CHARTS: readonly string[] = [];

const DRAWN_STAGES: ReadonlySet<string> = new Set(['analytics', 'view', 'chart']);

/**
 * The index. When the lineage says where its edges end (`edgeEnds`: the graph the lineage pass made) the
 * edges are joined by those positions, without a map of ~2.5·10⁵ ids (10,000 tables) hashed and filled;
 * otherwise (a Model made or changed elsewhere) by id.
 */
function docIndex(lineage: Model['lineage']): DocIndex {
  const ends = edgeEnds(lineage);
  const all = lineage.nodes;
  let nodes: Map<string, DocNode> | undefined;
  /** With positions: each drawn node's DocNode at its position. */
  const at: (DocNode | undefined)[] = ends ? new Array(all.length) : [];
  if (!ends) nodes = new Map();
  const columns = new Map<string, Map<string, DocNode[]>>();
  let owners: Map<string, DocNode[]> | undefined;
  let stage: string | undefined;
  let owner: string | undefined;
  let list: DocNode[] | undefined;
  for (let p = 0; p < all.length; p++) {
    const n = all[p]!;
    if (!DRAWN_STAGES.has(n.stage)) continue;
    let d: DocNode | undefined;
    if (nodes) {
      // An id given twice (no config does) is one node, with the last one's data.
      d = nodes.get(n.id);
      if (d) d.node = n;
      else nodes.set(n.id, (d = { node: n }));
    } else at[p] = d = { node: n };
    if (n.column === undefined) continue;
    // A table's or view's columns come one after another: their list is looked up once, not per column.
    if (n.stage !== stage || n.owner !== owner) {
      stage = n.stage;
      owner = n.owner;
      owners = columns.get(stage);
      if (!owners) columns.set(stage, (owners = new Map()));
      list = owners.get(owner);
      if (!list) owners.set(owner, (list = []));
    }
    list!.push(d);
  }
  const sources: DocNode[] = [];
  const join = (e: LineageEdge, from: DocNode | undefined, to: DocNode | undefined) => {
    if (!from) return;
    const edge: DocEdge = { edge: e, from, to };
    if (from.out) from.out.push(edge);
    else {
      from.out = [edge];
      sources.push(from);
    }
    if (to?.node.stage === 'view') (to.in ??= []).push(edge);
  };
  if (ends)
    for (let i = 0, k = 0; i < lineage.edges.length; i++, k += 2)
      join(lineage.edges[i]!, at[ends[k]!], at[ends[k + 1]!]);
  else {
    const byId = nodes!;
    // A view column's edges come one after another, ending at the same id (one string): its node is looked
    // up once, not per edge; likewise a run of edges from one column.
    let lastTo: string | undefined;
    let toNode: DocNode | undefined;
    let lastFrom: string | undefined;
    let fromNode: DocNode | undefined;
    // The columns' chains up to the analytics columns are not drawn: start after them.
    for (let i = lineage.chainEdges; i < lineage.edges.length; i++) {
      const e = lineage.edges[i]!;
      if (e.from !== lastFrom) {
        lastFrom = e.from;
        fromNode = byId.get(e.from);
      }
      if (!fromNode) continue;
      if (e.to !== lastTo) {
        lastTo = e.to;
        toNode = byId.get(e.to);
      }
      join(e, fromNode, toNode);
    }
  }
  const node = (id: string) => {
    if (!nodes) {
      nodes = new Map();
      // Positions are given only when no id repeats: each node is its own entry.
      for (const d of at) if (d) nodes.set(d.node.id, d);
    }
    return nodes.get(id);
  };
  return { node, sources, columns };
}

/** Column `i` (named `column`) of an analytics table or view, from the index's lists when it is there. */
function columnNode(
  index: DocIndex,
  stage: 'analytics' | 'view',
  owner: string,
  i: number,
  column: string,
): DocNode | undefined {
  const d = index.columns.get(stage)?.get(owner)?.[i];
  return d?.node.column === column ? d : index.node(nodeId(stage, owner, column));
}

export function emit(model: Model, ctx: EmitContext): Artefact[] {
  const lineage = model.lineage;
  const index = docIndex(lineage);
  const mid = mermaidIds();
  /** The document's lines; a table's or a view's rows are one entry (lines joined by `\n`). */
  const doc = [
    `<!-- Generated by cdc-compile from ${ctx.configFile}. Do not edit by hand: change the config and run \`npx cdc-compile\` to regenerate. -->`,
    '',
    `# Lineage of ${model.pipeline.name}`,
    '',
    'Every column’s path: source column → Kafka topic field → Flink source column → Flink sink column → analytics column → view columns → charts.',
    'Solid arrows carry values; dotted ones read a column in a join, filter or grouping (or a whole view), which decides which rows there are.',
    '`cdc-compile why <table or view>.<column>` prints one column’s path, upstream and downstream.',
  ];

  /**
   * Charts that show a value computed from `id` (through views), with how they use it; memoised for view
   * columns (a DAG: a view column is reached from many), not for analytics columns (each asked once).
   */
  const chartsOf = (d: DocNode | undefined, memoise: boolean): readonly string[] => {
    if (!d) return NO_CHARTS;
    if (d.charts) return d.charts;
    let set: Set<string> | undefined;
    for (const { edge: e, to } of d.out ?? NO_EDGES) {
      if (e.use === 'rows') continue;
      if (e.to.startsWith('chart:')) (set ??= new Set()).add(chartUse(e));
      else for (const c of chartsOf(to, true)) (set ??= new Set()).add(c);
    }
    const found = set ? [...set] : NO_CHARTS;
    if (memoise) d.charts = found;
    return found;
  };

  const graphs = mermaidGraphs(model, index, mid);
  for (const [s, source] of model.sources.entries()) {
    doc.push('', `## Source ${source.name} (database ${source.database})`, '');
    const graph = graphs[s]!;
    if (graph.kind === 'tables') {
      doc.push(
        `Its column graph is over mermaid's default limits (${MERMAID_MAX_EDGES} edges, ${thousands(MERMAID_MAX_TEXT)} characters), so it is drawn per table: each table, the views that read it (a dotted arrow: only in a join, filter or grouping) and the charts that show them${graph.parts.length > 1 ? `, in ${graph.parts.length} graphs` : ''}. Each column's path is in its table's section below.`,
        '',
      );
    }
    for (const [i, part] of (graph.kind === 'tables' ? graph.parts : [graph.lines]).entries()) {
      if (i) doc.push('');
      doc.push(part.join('\n'));
    }
    doc.push('');
    for (const t of source.tables) {
      // Each table's lines are joined as soon as they are written: short-lived strings die young, and the
      // document is joined from one string per table (at 10,000 tables, ~10⁵ row strings fewer to keep).
      const lines: string[] = [];
      lines.push(
        `### ${t.qualifiedName} → ${t.analytics.qualifiedName}`,
        '',
        `Topic ${code(t.topic)}, Flink tables ${code(t.flink.sourceTable)} → ${code(t.flink.sinkTable)}.`,
        '',
        '| Source column | Topic field | Flink source | Flink sink | Analytics column | Read by | Charts |',
        '|---|---|---|---|---|---|---|',
      );
      const captured = new Map(t.columns.map((c) => [c.analyticsName, c]));
      for (const [i, a] of t.analytics.columns.entries()) {
        const landed = columnNode(index, 'analytics', t.analytics.name, i, a.name);
        const c = captured.get(a.name);
        let stages: string;
        if (c && a.origin === 'source') {
          const name = code(c.name);
          stages = `${name} ${cell(c.sourceType)} | ${name} ${cell(c.mapping.json)} | ${name} ${cell(c.mapping.flinkSourceType)} | ${code(c.analyticsName)} ${cell(c.mapping.flinkSinkType)}`;
        } else stages = `(${a.origin === 'synced-at' ? 'sync time' : 'analytics only'}) |  |  | `;
        const readers = (landed?.out ?? NO_EDGES).map(({ edge, to }) =>
          edge.use === 'rows' ? `${code(to!.node.owner)} (rows)` : code(columnName(to!.node)),
        );
        const charts = chartsOf(landed, false);
        lines.push(
          `| ${stages} | ${code(a.name)} ${cell(a.type)} | ${readers.join(', ') || '—'} | ${cell(charts.join(', ')) || '—'} |`,
        );
      }
      lines.push('');
      doc.push(lines.join('\n'));
    }
  }

  if (model.views.length) {
    doc.push('## Views', '', '| View column | Type | Computed from | Charts |', '|---|---|---|---|');
    for (const v of model.views) {
      if (!v.columns.length) continue;
      const lines: string[] = [];
      for (const [i, c] of v.columns.entries()) {
        const d = columnNode(index, 'view', v.name, i, c.name);
        const from = (d?.in ?? NO_EDGES).map((e) => code(columnName(e.from.node)));
        const charts: string[] = [];
        for (const { edge } of d?.out ?? NO_EDGES) if (edge.to.startsWith('chart:')) charts.push(chartUse(edge));
        lines.push(
          `| ${code(`${v.name}.${c.name}`)} | ${cell(c.type)} | ${from.join(', ') || '— (no column)'} | ${cell(charts.join(', ')) || '—'} |`,
        );
      }
      doc.push(lines.join('\n'));
    }
    const rows = model.views.filter((v) => v.rowsFrom.length || v.dependsOn.length || v.columnLineage === 'whole-view');
    if (rows.length) {
      doc.push('', '| View | Its rows depend on (joins, filters, grouping; views it reads) |', '|---|---|');
      for (const v of rows) {
        const what = [...v.rowsFrom.map(code), ...v.dependsOn.map((d) => `${code(d)} (view)`)];
        const note =
          v.columnLineage === 'whole-view'
            ? ' (its select list is not read: every column counts as computed from everything it reads)'
            : '';
        doc.push(`| ${code(v.name)} | ${what.join(', ') || '—'}${note} |`);
      }
    }
    doc.push('');
  }
  // The text without trailing newlines, then one: trimmed on the lines, not by a regex over megabytes.
  while (doc.length && /\n$|^$/.test(doc.at(-1)!)) {
    const last = doc.pop()!.replace(/\n+$/, '');
    if (last) {
      doc.push(last);
      break;
    }
  }
  // The trailing newline joined in, not appended: `${text}\n` is a second string that encoding the
  // file flattens, copying the whole text again (62 MB at 10,000 tables, whose text is two-byte).
  doc.push('');
  return [{ path: lineage.file, contents: doc.join('\n') }];
}

/** What a source's graph shows: its tables' analytics columns and every node downstream of them. */
function reachedFrom(tables: readonly TableModel[], index: DocIndex): Set<string> {
  const starts = tables.flatMap((t) => t.analytics.columns.map((a) => nodeId('analytics', t.analytics.name, a.name)));
  const reached = new Set<string>(starts);
  const queue = [...starts];
  for (let q = 0; q < queue.length; q++)
    for (const { edge: e } of index.node(queue[q]!)?.out ?? NO_EDGES)
      if (!reached.has(e.to)) {
        reached.add(e.to);
        queue.push(e.to);
      }
  // A view reached by any of its columns is drawn as a box around them.
  for (const id of [...reached]) {
    const n = index.node(id)!.node;
    if (n.stage === 'view') reached.add(nodeId('view', n.owner));
  }
  return reached;
}

/**
 * `50000` → `50,000`, as `toLocaleString('en')` writes it, without it: its first call sets up ICU's number
 * formatting, ~16 ms of a compile (more than the rest of this document takes at 100 tables).
 */
export const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');

/** mermaid's defaults (mermaid 11, `maxTextSize` and `maxEdges`): beyond either it draws only an error box. */
export const MERMAID_MAX_TEXT = 50_000;
export const MERMAID_MAX_EDGES = 500;

/** A source's graph: its columns, or (over mermaid's limits) its tables in one or more graphs. */
type SourceGraph =
  { readonly kind: 'columns'; readonly lines: string[] } | { readonly kind: 'tables'; readonly parts: string[][] };

/**
 * A mermaid block being written: its text as mermaid counts it (the lines between the fences, each with
 * its newline) and its edges, so a graph over mermaid's limits is noticed while it is written.
 */
class Block {
  static readonly HEADER = 'flowchart LR';
  /** Whether a graph of `text` characters (its header included) and `edges` edges is within mermaid's limits. */
  static fits(text: number, edges: number): boolean {
    return text <= MERMAID_MAX_TEXT && edges <= MERMAID_MAX_EDGES;
  }
  readonly lines = ['```mermaid', Block.HEADER];
  text = Block.HEADER.length + 1;
  edges = 0;
  /** Adds a line; false (and nothing added) when it would take the block over a limit. */
  add(line: string, edge: boolean): boolean {
    if (!Block.fits(this.text + line.length + 1, this.edges + (edge ? 1 : 0))) return false;
    this.lines.push(line);
    this.text += line.length + 1;
    if (edge) this.edges++;
    return true;
  }
  close(): string[] {
    this.lines.push('```');
    return this.lines;
  }
}

/**
 * The mermaid graph of each source. The edges between a graph's nodes are sorted into the graphs in one
 * walk over the lineage's edges (in its order), not one walk per source.
 */
function mermaidGraphs(model: Model, index: DocIndex, mid: (id: string) => string): SourceGraph[] {
  // A column graph holds a line of at least 20 characters (`    n<10 hex>["x"]` and its newline) per
  // column landed from the source, and an arrow per value computed from one: a source with more than the
  // limits allow is drawn per table without walking its columns.
  const tooLarge = model.sources.map((source) => {
    let lines = 0;
    let arrows = 0;
    for (const t of source.tables) {
      const columns = index.columns.get('analytics')?.get(t.analytics.name) ?? [];
      for (const a of t.analytics.columns) if (a.origin === 'source') lines++;
      for (const n of columns) for (const { edge } of n.out ?? NO_EDGES) if (edge.use === 'value') arrows++;
    }
    return lines * 20 > MERMAID_MAX_TEXT || arrows > MERMAID_MAX_EDGES;
  });
  const reached = model.sources.map((source, s) =>
    tooLarge[s] ? new Set<string>() : reachedFrom(source.tables, index),
  );
  /** The graphs (source positions) each node is in; most nodes are in one. */
  const inGraphs = new Map<string, number[]>();
  for (const [s, set] of reached.entries())
    for (const id of set) {
      const list = inGraphs.get(id);
      if (list) list.push(s);
      else inGraphs.set(id, [s]);
    }
  const edges: LineageEdge[][] = model.sources.map(() => []);
  // No source drawn by its columns (a large config): no edge to sort.
  for (
    let i = inGraphs.size ? model.lineage.chainEdges : model.lineage.edges.length;
    i < model.lineage.edges.length;
    i++
  ) {
    const e = model.lineage.edges[i]!;
    const from = inGraphs.get(e.from);
    if (!from) continue;
    const stage = index.node(e.from)!.node.stage;
    if (stage !== 'analytics' && stage !== 'view') continue;
    const to = inGraphs.get(e.to);
    if (!to) continue;
    for (const s of from) if (to.includes(s)) edges[s]!.push(e);
  }
  let tables: TableGraph | undefined;
  return model.sources.map((source, s): SourceGraph => {
    const lines = tooLarge[s] ? undefined : mermaid(model, source.tables, index, mid, reached[s]!, edges[s]!);
    if (lines) return { kind: 'columns', lines };
    tables ??= tableGraph(model, index);
    return { kind: 'tables', parts: tableParts(source.tables, tables, mid) };
  });
}

/** The mermaid graph of one source: its tables' columns and everything downstream of them; undefined when over mermaid's limits. */
function mermaid(
  model: Model,
  tables: readonly TableModel[],
  index: DocIndex,
  mid: (id: string) => string,
  reached: ReadonlySet<string>,
  edges: readonly LineageEdge[],
): string[] | undefined {
  const out = new Block();
  const add = (line: string, edge = false) => {
    if (!out.add(line, edge)) throw OVER;
  };
  try {
    for (const t of tables) {
      add(`  subgraph ${mid(tableKey(t))}[${label(`${t.qualifiedName} → ${t.analytics.qualifiedName}`)}]`);
      const captured = new Map(t.columns.map((c) => [c.analyticsName, c.name]));
      for (const a of t.analytics.columns) {
        const id = nodeId('analytics', t.analytics.name, a.name);
        const from = captured.get(a.name);
        if (a.origin !== 'source' && !index.node(id)?.out?.length) continue;
        const text =
          a.origin !== 'source' ? `${a.name} (analytics only)` : from === a.name ? a.name : `${from} → ${a.name}`;
        add(`    ${mid(id)}[${label(text)}]`);
      }
      add('  end');
    }
    for (const v of model.views) {
      const whole = nodeId('view', v.name);
      if (!reached.has(whole)) continue;
      add(`  subgraph ${mid(whole)}[${label(v.name)}]`);
      for (const c of v.columns) {
        const id = nodeId('view', v.name, c.name);
        if (reached.has(id)) add(`    ${mid(id)}[${label(c.name)}]`);
      }
      add('  end');
    }
    for (const c of model.charts) {
      const id = nodeId('chart', c.name);
      if (reached.has(id)) add(`  ${mid(id)}([${label(c.name)}])`);
    }
    const drawn = new Set<string>();
    for (const e of edges) {
      const fromNode = index.node(e.from)!;
      const from = fromNode.node;
      if (e.use === 'value') add(`  ${mid(e.from)} --> ${mid(e.to)}`, true);
      else if (e.use === 'rows') {
        // A column the view also shows has its solid arrow already (its GROUP BY says nothing new), and a
        // chart reached through a column of its view needs no second, dotted arrow from the view.
        const to = index.node(e.to)!.node;
        if (to.column === undefined && to.stage === 'view' && from.column !== undefined) {
          const shown = fromNode.out?.some((o) => o.edge.use === 'value' && o.to!.node.owner === to.owner);
          if (shown) continue;
        }
        if (e.to.startsWith('chart:') && drawn.has(e.to)) continue;
        add(`  ${mid(e.from)} -.-> ${mid(e.to)}`, true);
      } else {
        drawn.add(e.to);
        add(`  ${mid(e.from)} -->|${label(e.label ? `${e.use}: ${e.label}` : e.use)}| ${mid(e.to)}`, true);
      }
    }
  } catch (err) {
    if (err === OVER) return undefined;
    throw err;
  }
  return out.close();
}
const OVER = Symbol('over the limits');

const tableKey = (t: TableModel) => `table:${t.source}.${t.qualifiedName}`;

/**
 * The lineage one level up: per table and view (`table:<source>.<schema>.<table>`, `view:<name>`) the views
 * and charts that read it, in lineage order, each `value` when a value is computed from it and `rows` when
 * it only decides which rows there are.
 */
interface TableGraph {
  readonly out: ReadonlyMap<string, ReadonlyMap<string, 'value' | 'rows'>>;
  readonly label: ReadonlyMap<string, string>;
  /** Views and charts in Model order, for a graph's node order. */
  readonly position: ReadonlyMap<string, number>;
}

function tableGraph(model: Model, index: DocIndex): TableGraph {
  const tableOf = new Map<string, string>();
  const labels = new Map<string, string>();
  for (const t of model.tables) {
    tableOf.set(t.analytics.name, tableKey(t));
    labels.set(tableKey(t), `  ${'%'}[${label(`${t.qualifiedName} → ${t.analytics.qualifiedName}`)}]`);
  }
  const position = new Map<string, number>();
  /** Each view's key, made once (not per edge: a new string is hashed anew). */
  const viewKey = new Map<string, string>();
  for (const v of model.views) {
    const key = nodeId('view', v.name);
    viewKey.set(v.name, key);
    position.set(key, position.size);
    labels.set(key, `  %[${label(v.name)}]`);
  }
  for (const c of model.charts) {
    position.set(nodeId('chart', c.name), position.size);
    labels.set(nodeId('chart', c.name), `  %([${label(c.name)}])`);
  }
  const ownerKey = (n: LineageNode) =>
    n.stage === 'analytics'
      ? tableOf.get(n.owner)
      : n.stage === 'chart'
        ? n.id
        : (viewKey.get(n.owner) ?? nodeId('view', n.owner));
  const out = new Map<string, Map<string, 'value' | 'rows'>>();
  for (const from of index.sources) {
    const a = ownerKey(from.node);
    if (a === undefined) continue;
    for (const { edge: e, to } of from.out!) {
      const b = to && ownerKey(to.node);
      if (b === undefined || b === a) continue;
      let targets = out.get(a);
      if (!targets) out.set(a, (targets = new Map()));
      if (e.use !== 'rows') targets.set(b, 'value');
      else if (!targets.has(b)) targets.set(b, 'rows');
    }
  }
  return { out, label: labels, position };
}

/**
 * A source's tables drawn one level up, in graphs within mermaid's limits: tables are added in config
 * order with everything downstream of them until the next would take the graph over; a view read by
 * tables of two graphs is in both. A table whose own part is over the limits (hundreds of views reading
 * it) is drawn cut at the limits, with a note.
 */
function tableParts(tables: readonly TableModel[], graph: TableGraph, mid: (id: string) => string): string[][] {
  const nodeLine = (key: string) => graph.label.get(key)!.replace('%', mid(key));
  const edgeLine = (a: string, b: string, use: 'value' | 'rows') =>
    `  ${mid(a)} ${use === 'value' ? '-->' : '-.->'} ${mid(b)}`;
  // The lookahead needs only the lines' lengths: every node id has the same length.
  const nodeLineLength = (key: string) => graph.label.get(key)!.length - 1 + MID_LENGTH;
  const edgeLineLength = (use: 'value' | 'rows') => 2 * MID_LENGTH + (use === 'value' ? 7 : 8);
  const parts: string[][] = [];
  let keys: string[] = [];
  let members = new Set<string>();
  let text = 0;
  let edges = 0;
  const flush = () => {
    if (!keys.length) return;
    const ordered = [
      ...keys.filter((k) => k.startsWith('table:')),
      ...keys.filter((k) => !k.startsWith('table:')).sort((a, b) => graph.position.get(a)! - graph.position.get(b)!),
    ];
    const block = new Block();
    let left = 0;
    for (const k of ordered) if (!block.add(nodeLine(k), false)) left++;
    for (const k of ordered)
      for (const [to, use] of graph.out.get(k) ?? []) if (!block.add(edgeLine(k, to, use), true)) left++;
    parts.push(block.close());
    if (left)
      parts.at(-1)!.push('', `(${left} more nodes and edges of this graph are over mermaid's limits and not drawn.)`);
    keys = [];
    members = new Set();
    text = edges = 0;
  };
  for (const t of tables) {
    // What the table adds to the current graph: itself and what it reaches that the graph does not hold.
    const add = (): { keys: string[]; text: number; edges: number } => {
      const found = [tableKey(t)];
      const seen = new Set(found);
      let addText = 0;
      let addEdges = 0;
      for (let q = 0; q < found.length; q++) {
        const k = found[q]!;
        addText += nodeLineLength(k) + 1;
        for (const [to, use] of graph.out.get(k) ?? []) {
          addText += edgeLineLength(use) + 1;
          addEdges++;
          if (!members.has(to) && !seen.has(to)) {
            seen.add(to);
            found.push(to);
          }
        }
      }
      return { keys: found, text: addText, edges: addEdges };
    };
    let more = add();
    if (keys.length && !Block.fits(Block.HEADER.length + 1 + text + more.text, edges + more.edges)) {
      flush();
      more = add();
    }
    for (const k of more.keys) members.add(k);
    keys.push(...more.keys);
    text += more.text;
    edges += more.edges;
  }
  flush();
  return parts;
}
