/**
 * The lineage pass: the resolved tables, views and charts → one graph of every column's path (source
 * column → topic field → Flink source column → Flink sink column → analytics column → view columns →
 * charts). Pure and cheap (one walk; the views pass already found which columns each view column reads),
 * so it runs on every compile; `generated/docs/lineage.md`, `cdc-compile why` and the plan read it.
 */
import { lex } from '../sql/lexer.js';
import type {
  ChartModel,
  LineageEdge,
  LineageModel,
  LineageNode,
  LineageStage,
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

export function lineagePass(
  tables: readonly TableModel[],
  views: readonly ViewModel[],
  charts: readonly ChartModel[],
): LineageModel {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const seen = new Set<string>();
  const node = (n: LineageNode) => {
    nodes.push(n);
    return n.id;
  };
  const edge = (e: LineageEdge) => {
    const key = `${e.from}\u0000${e.to}\u0000${e.use}\u0000${e.label ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push(e);
  };
  for (const t of tables) {
    const table = `${t.source}.${t.qualifiedName}`;
    const byAnalytics = new Map(t.columns.map((c) => [c.analyticsName, c]));
    for (const a of t.analytics.columns) {
      const c = byAnalytics.get(a.name);
      const landed = nodeId('analytics', t.analytics.name, a.name);
      if (c && a.origin === 'source') {
        const chain = [
          node({
            id: nodeId('source', table, c.name),
            stage: 'source',
            owner: table,
            column: c.name,
            type: c.sourceType,
          }),
          node({
            id: nodeId('topic', t.topic, c.name),
            stage: 'topic',
            owner: t.topic,
            column: c.name,
            type: c.mapping.json,
          }),
          node({
            id: nodeId('flink-source', t.flink.sourceTable, c.name),
            stage: 'flink-source',
            owner: t.flink.sourceTable,
            column: c.name,
            type: c.mapping.flinkSourceType,
          }),
          node({
            id: nodeId('flink-sink', t.flink.sinkTable, c.analyticsName),
            stage: 'flink-sink',
            owner: t.flink.sinkTable,
            column: c.analyticsName,
            type: c.mapping.flinkSinkType,
          }),
        ];
        chain.push(landed);
        // A column's own chain: its nodes are its own, so these edges cannot repeat (no dedupe key needed).
        for (let i = 1; i < chain.length; i++) edges.push({ from: chain[i - 1]!, to: chain[i]!, use: 'value' });
      }
      node({ id: landed, stage: 'analytics', owner: t.analytics.name, column: a.name, type: a.type });
    }
  }
  // Only the chains so far; the edges below start at analytics and view columns.
  const chainEdges = edges.length;
  const viewNames = new Set(views.map((v) => v.name));
  /** A `reads` entry (`table.column` or `view.column`) as a node id. */
  const readId = (read: string) => {
    const dot = read.lastIndexOf('.');
    const owner = read.slice(0, dot);
    return nodeId(viewNames.has(owner) ? 'view' : 'analytics', owner, read.slice(dot + 1));
  };
  for (const v of views) {
    const whole = node({ id: nodeId('view', v.name), stage: 'view', owner: v.name });
    for (const c of v.columns) {
      const id = node({
        id: nodeId('view', v.name, c.name),
        stage: 'view',
        owner: v.name,
        column: c.name,
        type: c.type,
      });
      for (const r of c.from) edge({ from: readId(r), to: id, use: 'value' });
    }
    for (const r of v.rowsFrom) edge({ from: readId(r), to: whole, use: 'rows' });
    for (const d of v.dependsOn) edge({ from: nodeId('view', d), to: whole, use: 'rows' });
  }
  const viewColumns = new Map(views.map((v) => [v.name, v.columns.map((c) => c.name)]));
  for (const c of charts) {
    const id = node({ id: nodeId('chart', c.name), stage: 'chart', owner: c.name });
    const column = (name: string) => nodeId('view', c.view, name);
    if (c.x) edge({ from: column(c.x.name), to: id, use: 'x' });
    for (const g of c.groupBy) edge({ from: column(g.name), to: id, use: 'group by' });
    for (const m of c.metrics) {
      const used = m.column !== undefined ? [m.column] : metricColumns(m.sql, viewColumns.get(c.view) ?? []);
      for (const name of used) edge({ from: column(name), to: id, use: 'metric', label: m.label });
    }
    edge({ from: nodeId('view', c.view), to: id, use: 'rows' });
  }
  return { nodes, edges, chainEdges, file: 'docs/lineage.md' };
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
