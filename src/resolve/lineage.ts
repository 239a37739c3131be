/**
 * The lineage pass: the resolved tables, views and charts → one graph of every column's path (source
 * column → topic field → Flink source column → Flink sink column → analytics column → view columns →
 * charts). Pure and cheap (one walk; the views pass already found which columns each view column reads),
 * so it runs on every compile; `generated/docs/lineage.md`, `cdc-compile why` and the plan read it.
 *
 * The Model keeps the graph from the analytics columns on. The source columns' chains up to them (four
 * nodes and four edges per column, each spelled out from the table's Model: 60,000 of each at 1,000
 * tables) are what the document and the plan never read; `withChains` derives them where a reader walks
 * a column back to its source (`cdc-compile why`).
 */
import { InternalError } from '../diagnostics.js';
import { lex } from '../sql/lexer.js';
import type {
  ChartModel,
  LineageEdge,
  LineageModel,
  LineageNode,
  LineageStage,
  Model,
  TableModel,
  ViewModel,
} from './model.js';

export const nodeId = (stage: LineageStage, owner: string, column?: string) =>
  column === undefined ? `${stage}:${owner}` : `${stage}:${owner}.${column}`;

/** The view columns a SQL metric's expression names (its words that are columns of the view). */
function metricColumns(sql: string, columns: readonly string[]): string[] {
  const names = new Set(columns);
  const found = new Set<string>();
  for (const t of lex(sql).tokens) {
    // Unquoted words are lower-cased by the lexer, as PostgreSQL folds them; quoted names are exact.
    if ((t.kind === 'word' || t.kind === 'quoted-ident') && names.has(t.value)) found.add(t.value);
  }
  return columns.filter((c) => found.has(c));
}

/**
 * Where each edge of a graph `lineagePass` made ends: the positions in its `nodes` of every edge's `from`
 * and `to` (two per edge, in edge order), keyed by its edges array. A reader that walks the whole graph
 * (the lineage document) follows these instead of looking ~10⁵ string ids up in a map of every node; the
 * Model's shape, what the snapshot and `why` read, is unchanged.
 */
const endPositions = new WeakMap<readonly LineageEdge[], { nodes: readonly LineageNode[]; ends: Int32Array }>();

/**
 * The positions of `lineage`'s edge ends (see `endPositions`), when it is the graph `lineagePass` made
 * (the same nodes and edges arrays) and every end named one node; otherwise undefined: look ids up.
 */
export function edgeEnds(lineage: Pick<LineageModel, 'nodes' | 'edges' | 'chainEdges'>): Int32Array | undefined {
  const known = endPositions.get(lineage.edges);
  return known && known.nodes === lineage.nodes && lineage.chainEdges === 0 ? known.ends : undefined;
}

export function lineagePass(
  tables: readonly TableModel[],
  views: readonly ViewModel[],
  charts: readonly ChartModel[],
): LineageModel {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  /** Each edge's ends' positions in `nodes` (see `edgeEnds`); -1 for an end with no node. */
  const ends: number[] = [];
  /** False when an end has no node, or an id is given twice (no config does): then ids are looked up. */
  let positioned = true;
  const seen = new Set<string>();
  const node = (n: LineageNode) => {
    nodes.push(n);
    return n.id;
  };
  /**
   * A view's edges are distinct by construction: each column's `from`, the rows' reads and the views it
   * depends on are lists without repeats, a read names one node (its owner decides the stage) and a view
   * is the `to` of its own edges only. Only a chart's can repeat (the same column as x and in a metric
   * of the same label…): those are looked up, in a set of chart edges alone. (One key per edge of every
   * view was most of this pass's time at 10,000 tables.)
   */
  const viewEdge = (e: LineageEdge, from: number, to: number) => {
    edges.push(e);
    ends.push(from, to);
    if (from < 0 || to < 0) positioned = false;
  };
  const edge = (e: LineageEdge, from: number, to: number) => {
    const key = `${e.from}\u0000${e.to}\u0000${e.use}\u0000${e.label ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    viewEdge(e, from, to);
  };
  /** An analytics table's or a view's column nodes: where the first is, and (once asked) each by name. */
  interface Owner {
    readonly first: number;
    readonly columns: readonly { readonly name: string }[];
    /** The view's own node. */
    readonly whole?: number;
    byName?: Map<string, number>;
  }
  const tablesAt = new Map<string, Owner>();
  const viewsAt = new Map<string, Owner>();
  const columnAt = (owner: Owner | undefined, column: string): number => {
    if (!owner) return -1;
    if (!owner.byName) {
      const byName = (owner.byName = new Map());
      for (let i = 0; i < owner.columns.length; i++) byName.set(owner.columns[i]!.name, owner.first + i);
      if (byName.size < owner.columns.length) positioned = false;
    }
    return owner.byName.get(column) ?? -1;
  };
  // Index loops: one node per column of every table and view, and for…of's iterator results were a good
  // part of this pass's allocations at scale.
  for (const t of tables) {
    const columns = t.analytics.columns;
    if (tablesAt.has(t.analytics.name)) positioned = false;
    tablesAt.set(t.analytics.name, { first: nodes.length, columns });
    for (let i = 0; i < columns.length; i++) {
      const a = columns[i]!;
      node({
        id: nodeId('analytics', t.analytics.name, a.name),
        stage: 'analytics',
        owner: t.analytics.name,
        column: a.name,
        type: a.type,
      });
    }
  }
  const viewNames = new Set(views.map((v) => v.name));
  /** The position of the node the last `readId` named. */
  let readAt = -1;
  /** A `reads` entry (`table.column` or `view.column`) as a node id. */
  const readId = (read: string) => {
    const dot = read.lastIndexOf('.');
    const owner = read.slice(0, dot);
    const column = read.slice(dot + 1);
    const view = viewNames.has(owner);
    readAt = columnAt(view ? viewsAt.get(owner) : tablesAt.get(owner), column);
    return nodeId(view ? 'view' : 'analytics', owner, column);
  };
  for (const v of views) {
    const at = nodes.length;
    if (viewsAt.has(v.name)) positioned = false;
    viewsAt.set(v.name, { first: at + 1, columns: v.columns, whole: at });
    const whole = node({ id: nodeId('view', v.name), stage: 'view', owner: v.name });
    for (let i = 0; i < v.columns.length; i++) {
      const c = v.columns[i]!;
      const id = node({
        id: nodeId('view', v.name, c.name),
        stage: 'view',
        owner: v.name,
        column: c.name,
        type: c.type,
      });
      for (let j = 0; j < c.from.length; j++)
        viewEdge({ from: readId(c.from[j]!), to: id, use: 'value' }, readAt, at + 1 + i);
    }
    for (let j = 0; j < v.rowsFrom.length; j++)
      viewEdge({ from: readId(v.rowsFrom[j]!), to: whole, use: 'rows' }, readAt, at);
    for (let j = 0; j < v.dependsOn.length; j++)
      viewEdge(
        { from: nodeId('view', v.dependsOn[j]!), to: whole, use: 'rows' },
        viewsAt.get(v.dependsOn[j]!)?.whole ?? -1,
        at,
      );
  }
  const viewColumns = new Map(views.map((v) => [v.name, v.columns.map((c) => c.name)]));
  const chartNames = new Set<string>();
  for (const c of charts) {
    const at = nodes.length;
    if (chartNames.has(c.name)) positioned = false;
    chartNames.add(c.name);
    const id = node({ id: nodeId('chart', c.name), stage: 'chart', owner: c.name });
    const view = viewsAt.get(c.view);
    const column = (name: string) => nodeId('view', c.view, name);
    if (c.x) edge({ from: column(c.x.name), to: id, use: 'x' }, columnAt(view, c.x.name), at);
    for (const g of c.groupBy) edge({ from: column(g.name), to: id, use: 'group by' }, columnAt(view, g.name), at);
    for (const m of c.metrics) {
      const used = m.column !== undefined ? [m.column] : metricColumns(m.sql, viewColumns.get(c.view) ?? []);
      for (const name of used)
        edge({ from: column(name), to: id, use: 'metric', label: m.label }, columnAt(view, name), at);
    }
    edge({ from: nodeId('view', c.view), to: id, use: 'rows' }, view?.whole ?? -1, at);
  }
  if (positioned) endPositions.set(edges, { nodes, ends: Int32Array.from(ends) });
  return { nodes, edges, chainEdges: 0, file: 'docs/lineage.md' };
}

/**
 * The whole graph: the Model's lineage with every source column's chain (source column → topic field →
 * Flink source column → Flink sink column → its analytics column) before it. Nodes in table order, each
 * column's chain just before its analytics column; the chains' edges first (`chainEdges` of them).
 */
export function withChains(model: Pick<Model, 'tables' | 'lineage'>): LineageModel {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const analytics = model.lineage.nodes;
  let next = 0;
  for (const t of model.tables) {
    const table = `${t.source}.${t.qualifiedName}`;
    const byAnalytics = new Map(t.columns.map((c) => [c.analyticsName, c]));
    for (const a of t.analytics.columns) {
      const landed = analytics[next++]!;
      if (landed.id !== nodeId('analytics', t.analytics.name, a.name))
        throw new InternalError(`lineage node ${landed.id} where analytics:${t.analytics.name}.${a.name} belongs`);
      const c = byAnalytics.get(a.name);
      if (c && a.origin === 'source') {
        const chain: LineageNode[] = [
          { id: nodeId('source', table, c.name), stage: 'source', owner: table, column: c.name, type: c.sourceType },
          {
            id: nodeId('topic', t.topic, c.name),
            stage: 'topic',
            owner: t.topic,
            column: c.name,
            type: c.mapping.json,
          },
          {
            id: nodeId('flink-source', t.flink.sourceTable, c.name),
            stage: 'flink-source',
            owner: t.flink.sourceTable,
            column: c.name,
            type: c.mapping.flinkSourceType,
          },
          {
            id: nodeId('flink-sink', t.flink.sinkTable, c.analyticsName),
            stage: 'flink-sink',
            owner: t.flink.sinkTable,
            column: c.analyticsName,
            type: c.mapping.flinkSinkType,
          },
          landed,
        ];
        nodes.push(...chain.slice(0, -1));
        // A column's own chain: its nodes are its own, so these edges cannot repeat.
        for (let i = 1; i < chain.length; i++) edges.push({ from: chain[i - 1]!.id, to: chain[i]!.id, use: 'value' });
      }
      nodes.push(landed);
    }
  }
  const chainEdges = edges.length;
  for (let i = next; i < analytics.length; i++) nodes.push(analytics[i]!);
  edges.push(...model.lineage.edges.slice(model.lineage.chainEdges));
  return { nodes, edges, chainEdges, file: model.lineage.file };
}

/** The graph with its edges indexed both ways, for walks. */
export interface LineageIndex {
  readonly nodes: ReadonlyMap<string, LineageNode>;
  readonly out: ReadonlyMap<string, readonly LineageEdge[]>;
  readonly in: ReadonlyMap<string, readonly LineageEdge[]>;
}

export function indexLineage(lineage: Pick<LineageModel, 'nodes' | 'edges'>): LineageIndex {
  const out = new Map<string, LineageEdge[]>();
  const into = new Map<string, LineageEdge[]>();
  for (const e of lineage.edges) {
    let list = out.get(e.from);
    if (!list) out.set(e.from, (list = []));
    list.push(e);
    let back = into.get(e.to);
    if (!back) into.set(e.to, (back = []));
    back.push(e);
  }
  return { nodes: new Map(lineage.nodes.map((n) => [n.id, n])), out, in: into };
}

/**
 * Every edge reachable from `start` (downstream, or upstream with `direction: 'in'`), breadth first, each
 * once. `follow` decides which edges a walk crosses (default: all).
 */
export function walk(
  index: LineageIndex,
  start: string,
  direction: 'out' | 'in',
  follow: (e: LineageEdge) => boolean = () => true,
): LineageEdge[] {
  const found: LineageEdge[] = [];
  const visited = new Set([start]);
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    for (const e of (direction === 'out' ? index.out : index.in).get(queue[q]!) ?? []) {
      if (!follow(e)) continue;
      found.push(e);
      const next = direction === 'out' ? e.to : e.from;
      if (!visited.has(next)) {
        visited.add(next);
        queue.push(next);
      }
    }
  }
  return found;
}
