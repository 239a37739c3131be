/**
 * Lineage: the select-list reader, the Model's graph for the book store (each column's path from source
 * column to chart), generated/docs/lineage.md (its mermaid graphs parsed by mermaid's own parser, adding a
 * column only adds lines) and `cdc-compile why` through the built CLI.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { compile } from '../src/compile.js';
import { edgeEnds, lineagePass, withChains } from '../src/resolve/lineage.js';
import { emit as emitDocs, thousands } from '../src/targets/docs/emit.js';
import type { LineageModel, Model } from '../src/resolve/model.js';
import { lex } from '../src/sql/lexer.js';
import { selectItems } from '../src/sql/select-list.js';
import { ROOT } from './support/compile.js';
import { cli, copyProject } from './support/project.js';

const CONFIG = join(ROOT, 'pipeline.config.ts');
const BOOKSTORE = readFileSync(CONFIG, 'utf8');

async function modelOf(source = BOOKSTORE): Promise<{ model: Model; lineageMd: string }> {
  const result = await compile({ config: CONFIG, source });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const md = result.artefacts.find((a) => a.path === 'docs/lineage.md');
  return { model: result.model!, lineageMd: md!.contents as string };
}

const edgesInto = (l: LineageModel, to: string) => l.edges.filter((e) => e.to === to).map((e) => `${e.use} ${e.from}`);
const edgesFrom = (l: LineageModel, from: string) =>
  l.edges.filter((e) => e.from === from).map((e) => `${e.use}${e.label ? ` ${e.label}` : ''} ${e.to}`);

describe('selectItems', () => {
  const items = (sql: string) =>
    selectItems(lex(sql).tokens)?.map((branch) => branch.map((i) => sql.slice(i.start, i.end)));

  test('one item per output, commas inside calls, CASE and brackets do not split', () => {
    expect(items("SELECT a, f(b, c) AS d, CASE WHEN x THEN 'a,b' END e, ARRAY[1, 2] FROM t WHERE y")).toEqual([
      ['a'],
      ['f(b, c) AS d'],
      ["CASE WHEN x THEN 'a,b' END e"],
      ['ARRAY[1, 2]'],
    ]);
  });

  test('DISTINCT ON, window ORDER BY, a scalar subquery and a trailing ; stay inside their items', () => {
    expect(
      items('SELECT DISTINCT ON (a) a, RANK() OVER (ORDER BY b) r, (SELECT max(z) FROM u) m FROM t ORDER BY a;'),
    ).toEqual([['a'], ['RANK() OVER (ORDER BY b) r'], ['(SELECT max(z) FROM u) m']]);
  });

  test('UNION branches pair by position', () => {
    expect(items('SELECT a, b FROM t UNION ALL SELECT c, d FROM u')).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });

  test.each([
    ['SELECT * FROM t'],
    ['SELECT t.*, a FROM t'],
    ['WITH x AS (SELECT a FROM t) SELECT a FROM x'],
    ['SELECT a FROM (SELECT a FROM t) s'],
    ['SELECT a FROM t JOIN (SELECT b FROM u) s ON true'],
    ['VALUES (1)'],
    ['(SELECT a FROM t)'],
    ['SELECT a FROM t UNION SELECT a, b FROM u'],
  ])('%s: the text does not tell its outputs', (sql) => {
    expect(items(sql)).toBeUndefined();
  });

  test('COUNT(*) and a * operator are not a star item', () => {
    expect(items('SELECT COUNT(*), a * b FROM t')).toEqual([['COUNT(*)'], ['a * b']]);
  });
});

describe('the book store', () => {
  let model: Model;
  let lineageMd: string;
  beforeAll(async () => ({ model, lineageMd } = await modelOf()));

  test("a column's path: source column → topic field → Flink source → Flink sink → analytics column", () => {
    const l = withChains(model);
    expect(edgesFrom(l, 'source:ecom.public.orders.total')).toEqual(['value topic:ecom-connector.public.orders.total']);
    expect(edgesFrom(l, 'topic:ecom-connector.public.orders.total')).toEqual(['value flink-source:kafka_orders.total']);
    expect(edgesFrom(l, 'flink-source:kafka_orders.total')).toEqual(['value flink-sink:sink_fact_orders.total']);
    expect(edgesFrom(l, 'flink-sink:sink_fact_orders.total')).toEqual(['value analytics:fact_orders.total']);
    const types = l.nodes.filter((n) => n.column === 'total' && n.stage !== 'view').map((n) => `${n.stage} ${n.type}`);
    expect(types).toEqual([
      'source numeric(10, 2)',
      'topic number (lossy beyond ~15 digits)',
      'flink-source DOUBLE',
      'flink-sink DECIMAL(10, 2)',
      'analytics numeric(10, 2)',
    ]);
  });

  test('view columns from their select-list items; joins, filters and grouping read rows', () => {
    const l = model.lineage;
    expect(edgesFrom(l, 'analytics:fact_orders.total')).toEqual([
      'value view:vw_sales_over_time.daily_revenue',
      'value view:vw_avg_order_value.avg_order_value',
      'value view:vw_avg_order_value.revenue',
    ]);
    // COUNT(*) reads no column; the cancelled-order filter decides the rows of every sales view.
    expect(edgesInto(l, 'view:vw_sales_over_time.order_count')).toEqual([]);
    expect(edgesInto(l, 'view:vw_sales_over_time')).toEqual([
      'rows analytics:fact_orders.created_at',
      'rows analytics:fact_orders.status',
    ]);
    expect(edgesInto(l, 'view:vw_product_sales_volume.revenue')).toEqual([
      'value analytics:fact_order_items.price_at_purchase',
      'value analytics:fact_order_items.quantity',
    ]);
    // Through another view.
    expect(edgesInto(l, 'view:vw_revenue_by_author.revenue')).toEqual(['value view:vw_product_sales_volume.revenue']);
    expect(edgesInto(l, 'view:vw_revenue_by_author')).toContain('rows view:vw_product_sales_volume');
    expect(model.views.every((v) => v.columnLineage === 'select-list')).toBe(true);
  });

  test('charts: x, group by and metrics — a SQL metric reads the view columns its expression names', () => {
    const l = model.lineage;
    expect(edgesInto(l, 'chart:Average Order Value KPI')).toEqual([
      'metric view:vw_avg_order_value.order_count',
      'metric view:vw_avg_order_value.revenue',
      'rows view:vw_avg_order_value',
    ]);
    expect(edgesInto(l, 'chart:Inventory Health Table').filter((e) => e.startsWith('group by'))).toHaveLength(6);
    expect(edgesFrom(l, 'view:vw_sales_over_time.daily_revenue')).toEqual([
      'metric Revenue chart:Sales Over Time',
      'metric Total Revenue chart:Total Revenue KPI',
    ]);
  });

  test.each([
    ['the Model', (m: Model) => m.lineage],
    ['with the chains', withChains],
  ])('%s: every edge joins two nodes, and node ids are unique', (_, graph) => {
    const l = graph(model);
    const ids = new Set(l.nodes.map((n) => n.id));
    expect(ids.size).toBe(l.nodes.length);
    for (const e of l.edges) {
      expect(ids.has(e.from), e.from).toBe(true);
      expect(ids.has(e.to), e.to).toBe(true);
    }
  });

  test('edgeEnds: each edge end as its node position, for the graph the pass made only', async () => {
    const l = model.lineage;
    const ends = edgeEnds(l)!;
    expect(ends).toHaveLength(2 * l.edges.length);
    l.edges.forEach((e, i) => {
      expect(l.nodes[ends[2 * i]!]!.id).toBe(e.from);
      expect(l.nodes[ends[2 * i + 1]!]!.id).toBe(e.to);
    });
    // A lineage changed after the pass (edges or nodes replaced, the chains added) has its ids looked up.
    expect(edgeEnds({ ...l, edges: l.edges.slice(1) })).toBeUndefined();
    expect(edgeEnds({ ...l, nodes: [...l.nodes] })).toBeUndefined();
    expect(edgeEnds(withChains(model))).toBeUndefined();
    // So does a graph with an end that names no node: a view reading a column its table does not have.
    const dangling = lineagePass(model.tables, [{ ...model.views[0]!, rowsFrom: ['fact_orders.nope'] }], []);
    expect(dangling.edges.some((e) => e.from === 'analytics:fact_orders.nope')).toBe(true);
    expect(edgeEnds(dangling)).toBeUndefined();
    // …and one with an id given twice, which the document treats as one node.
    expect(edgeEnds(lineagePass([...model.tables, model.tables[0]!], model.views, model.charts))).toBeUndefined();
    expect(edgeEnds(lineagePass(model.tables, model.views, model.charts))).toBeDefined();
  });

  test('lineage.md is the same whether its edges are joined by node position or by id', () => {
    const ctx = { configFile: 'pipeline.config.ts', render: () => '' };
    expect(edgeEnds(model.lineage)).toBeDefined();
    const byPosition = emitDocs(model, ctx);
    // A copy of the nodes array is another graph to edgeEnds: the document looks every id up instead.
    const copy = { ...model, lineage: { ...model.lineage, nodes: [...model.lineage.nodes] } };
    expect(edgeEnds(copy.lineage)).toBeUndefined();
    const byId = emitDocs(copy, ctx);
    expect(byPosition.map((a) => a.path)).toEqual(['docs/lineage.md']);
    expect(byId[0]!.contents).toBe(byPosition[0]!.contents);
    expect(String(byPosition[0]!.contents)).toContain('fact_orders');
  });

  test("the Model's lineage starts at the analytics columns; withChains puts each source column's chain before it", () => {
    const l = model.lineage;
    expect(new Set(l.nodes.map((n) => n.stage))).toEqual(new Set(['analytics', 'view', 'chart']));
    expect(l.chainEdges).toBe(0);
    const full = withChains(model);
    const carried = model.tables.flatMap((t) => t.analytics.columns.filter((a) => a.origin === 'source'));
    expect(full.chainEdges).toBe(4 * carried.length);
    expect(full.edges.slice(0, full.chainEdges).every((e) => e.use === 'value')).toBe(true);
    // The Model's graph, in its order, after (edges) and among (nodes) the chains.
    expect(full.edges.slice(full.chainEdges)).toEqual(l.edges);
    expect(full.nodes.filter((n) => ['analytics', 'view', 'chart'].includes(n.stage))).toEqual(l.nodes);
    // Each chain ends at its analytics column, which comes right after the chain's four nodes.
    const at = new Map(full.nodes.map((n, i) => [n.id, i]));
    for (let i = 3; i < full.chainEdges; i += 4) {
      const e = full.edges[i]!;
      expect(e.to.startsWith('analytics:'), e.to).toBe(true);
      expect(at.get(e.to)! - at.get(e.from)!).toBe(1);
    }
  });

  test('lineage.md: a graph per source, a table per captured table, one row per column', () => {
    expect(lineageMd.match(/^```mermaid$/gm)).toHaveLength(model.sources.length);
    expect(lineageMd).toContain('## Source ecom (database ecomdb)');
    expect(lineageMd).toContain('### public.orders → fact_orders');
    expect(lineageMd).toMatch(
      /^\| `total` numeric\(10, 2\) \| `total` number .*\| `total` DOUBLE \| `total` DECIMAL\(10, 2\) \| `total` numeric\(10, 2\) \| `vw_sales_over_time.daily_revenue`, .*Sales Over Time \(metric Revenue\)/m,
    );
    expect(lineageMd).toContain(
      '| `vw_sales_over_time.order_count` | bigint | — (no column) | Total Orders KPI (metric Total Orders) |',
    );
    expect(readFileSync(join(ROOT, 'generated', 'docs', 'lineage.md'), 'utf8')).toBe(lineageMd);
  });

  test("lineage.md's mermaid graphs parse with mermaid's own parser (and a broken one does not)", async () => {
    const { Window } = await import('happy-dom');
    const window = new Window();
    Object.assign(globalThis, { window, document: window.document });
    const { default: mermaid } = await import('mermaid');
    const blocks = [...lineageMd.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) await expect(mermaid.parse(b)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
    // The negative control: a label whose quote is not escaped.
    await expect(mermaid.parse(blocks[0]!.replace('["public.orders', '["pub"lic.orders'))).rejects.toThrow(
      /Parse error/,
    );
  });

  test('adding a column adds lines to lineage.md and changes or removes none', async () => {
    const edited = BOOKSTORE.replace(
      '    status: t.varchar(50),\n',
      '    status: t.varchar(50),\n    channel: t.text(),\n',
    );
    expect(edited).not.toBe(BOOKSTORE);
    const after = (await modelOf(edited)).lineageMd.split('\n');
    const before = lineageMd.split('\n');
    const added = after.filter((l) => !before.includes(l));
    expect(before.filter((l) => !after.includes(l))).toEqual([]);
    expect(added).toHaveLength(2);
    expect(added[1]).toMatch(/^\| `channel` text \|/);
  });
});

test('a view whose select list the text does not tell (SELECT *): every column from all it reads', async () => {
  const edited = BOOKSTORE.replace(
    'SELECT ${orders.c.status}, COUNT(*) AS order_count\n    FROM ${orders}',
    'SELECT * FROM (SELECT ${orders.c.status}, COUNT(*) AS order_count\n    FROM ${orders}',
  ).replace('GROUP BY ${orders.c.status}`', 'GROUP BY ${orders.c.status}) s`');
  expect(edited).not.toBe(BOOKSTORE);
  const { model, lineageMd } = await modelOf(edited);
  const v = model.views.find((x) => x.name === 'vw_order_status_distribution')!;
  expect(v.columnLineage).toBe('whole-view');
  expect(v.columns.map((c) => c.from)).toEqual([['fact_orders.status'], ['fact_orders.status']]);
  expect(lineageMd).toContain('`vw_order_status_distribution` | `fact_orders.status` (its select list is not read');
});

describe('cdc-compile why (built CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyProject('bookstore');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a column: upstream to the source column, downstream to views and charts', async () => {
    const r = await cli(['why', 'fact_orders.total'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('← ecom.public.orders.total  (source column, numeric(10, 2))');
    expect(r.stdout).toContain('→ vw_sales_over_time.daily_revenue  (view column, numeric)');
    expect(r.stdout).toContain("→ chart 'Total Revenue KPI'  [metric Total Revenue]");
    // The README shows this output.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`$ cdc-compile why fact_orders.total\n${r.stdout}\n\`\`\``);
  });

  test('a source column by its table name decides the rows of the views that filter on it', async () => {
    const r = await cli(['why', 'orders.status'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /Decides which rows[^\n]*\n {2}view vw_product_sales_volume\n {4}→ view vw_revenue_by_author/,
    );
  });

  test('a whole table and a whole view', async () => {
    const table = await cli(['why', 'ecom.public.orders'], { cwd: dir });
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^source table ecom\.public\.orders → topic ecom-connector\.public\.orders/);
    expect(table.stdout).toMatch(/user_id +varchar\(255\) \(nothing reads it\)/);
    const view = await cli(['why', 'vw_revenue_by_author', '--format', 'json'], { cwd: dir });
    expect(view.exitCode).toBe(0);
    const json = JSON.parse(view.stdout);
    expect(json.subject).toBe('view:vw_revenue_by_author');
    expect(json.upstream.map((e: { from: string }) => e.from)).toContain('source:ecom.public.books.author');
    expect(json.downstream.map((e: { to: string }) => e.to)).toContain('chart:Revenue by Author');
  });

  test('unknown names: a coded diagnostic with a suggestion, exit 2', async () => {
    const table = await cli(['why', 'fact_ordrs.total'], { cwd: dir });
    expect(table.exitCode).toBe(2);
    expect(table.stderr).toContain("error WHY.UNKNOWN_NAME: the pipeline has no table or view 'fact_ordrs'");
    expect(table.stderr).toContain("hint: did you mean 'fact_orders.total'?");
    const column = await cli(['why', 'vw_sales_over_time.revenue', '--format', 'json'], { cwd: dir });
    expect(column.exitCode).toBe(2);
    expect(JSON.parse(column.stdout).diagnostics[0]).toMatchObject({ code: 'WHY.UNKNOWN_COLUMN' });
  });

  test('two tables of one name: ambiguous, exit 2, naming both', async () => {
    const config = join(dir, 'pipeline.config.ts');
    const original = readFileSync(config, 'utf8');
    try {
      writeFileSync(
        config,
        original.replace(
          "const inventory = inventoryDb.table('inventory', {",
          "const invOrders = inventoryDb.table('orders', { columns: { id: t.uuid().primaryKey() }, analytics: { name: 'inv_orders' } });\nconst inventory = inventoryDb.table('inventory', {",
        ),
      );
      const r = await cli(['why', 'orders.id'], { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(
        "WHY.AMBIGUOUS_NAME: 'orders' names 2 things: source table ecom.public.orders, source table inventory.public.orders",
      );
    } finally {
      writeFileSync(config, original);
    }
  });

  test('bad usage: no name, two names, a wrong format', async () => {
    for (const args of [['why'], ['why', 'a', 'b'], ['why', 'orders', '--format', 'xml']]) {
      const r = await cli(args, { cwd: dir });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: cdc-compile why');
    }
  });
});

describe('lineage.md of a large config: every mermaid graph within mermaid’s default limits', () => {
  /** Source `small` (3 tables), `big` (600 tables, one view each), `wide` (one table read by 510 views). */
  function largeConfig(): string {
    const out = [
      "import { chart, definePipeline, postgresSource, secret, sql, sum, t, view } from 'cdc-compile';",
      ...['small', 'big', 'wide'].map(
        (s) =>
          `const ${s} = postgresSource('${s}', { host: '${s}-db', database: '${s}db', user: 'debezium_${s}', password: secret('${s}-db', 'password') });`,
      ),
    ];
    const views: string[] = [];
    const table = (source: string, name: string) =>
      out.push(
        `const ${name} = ${source}.table('${name}', { columns: { id: t.uuid().primaryKey(), amount: t.numeric(12, 2), active: t.boolean() }, analytics: { name: 'a_${name}' } });`,
      );
    const viewOf = (name: string, of: string) => {
      views.push(name);
      out.push(
        `const ${name} = view('${name}', { columns: { id: t.uuid(), amount: t.numeric(12, 2) }, sql: sql\`SELECT \${${of}.c.id}, \${${of}.c.amount} FROM \${${of}} WHERE \${${of}.c.active}\` });`,
      );
    };
    for (let i = 0; i < 3; i++) table('small', `s${i}`);
    viewOf('v_s0', 's0');
    for (let i = 0; i < 600; i++) {
      table('big', `b${i}`);
      viewOf(`v_b${i}`, `b${i}`);
    }
    out.push(
      "const amounts = chart('Amounts', { kind: 'bar', view: v_b0, x: 'id', metrics: [sum('amount', 'Amount')] });",
    );
    table('wide', 'w');
    for (let i = 0; i < 510; i++) viewOf(`v_w${i}`, 'w');
    out.push(
      "export default definePipeline({ name: 'large', sources: [small, big, wide], kafka: { bootstrapServers: 'kafka:9092' }, connect: { url: 'http://connect:8083' }, flink: { jobs: 'single' },",
      "  analytics: { host: 'analytics-db', database: 'analytics', user: 'flink_writer', password: secret('analytics-db', 'password') },",
      `  views: [${views.join(', ')}], charts: [amounts] });`,
    );
    return out.join('\n');
  }

  let lineageMd: string;
  let sections: Map<string, string[]>;
  let localeCalls: number;
  beforeAll(async () => {
    const spy = vi.spyOn(Number.prototype, 'toLocaleString');
    try {
      ({ lineageMd } = await modelOf(largeConfig()));
      localeCalls = spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
    sections = new Map(
      lineageMd
        .split(/^## /m)
        .slice(1)
        .map((s) => [s.slice(0, s.indexOf('\n')), [...s.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)]),
    );
  }, 60_000);

  test('a source under the limits keeps its column graph; one over them is drawn per table, in as many graphs as it takes', () => {
    const small = sections.get('Source small (database smalldb)')!;
    expect(small).toHaveLength(1);
    expect(small[0]).toContain('subgraph');
    const big = sections.get('Source big (database bigdb)')!;
    expect(big.length).toBeGreaterThan(1);
    expect(lineageMd).toContain(`so it is drawn per table: each table, the views that read it`);
    expect(lineageMd).toContain(`the charts that show them, in ${big.length} graphs.`);
    const drawn = big.join('\n');
    expect(drawn).not.toContain('subgraph');
    // Every table and every view of the source is drawn; the chart too, as a stadium node.
    for (let i = 0; i < 600; i++) {
      expect(drawn).toContain(`["public.b${i} → a_b${i}"]`);
      expect(drawn).toContain(`["v_b${i}"]`);
    }
    expect(drawn).toContain('(["Amounts"])');
    // Each table's section still lists every column's path.
    expect(lineageMd).toContain('### public.b599 → a_b599');
    expect(lineageMd).toMatch(/^\| `amount` numeric\(12, 2\) .*\| `v_b599.amount` \|/m);
  });

  test("the note writes mermaid's text limit as toLocaleString('en') would, without calling it (ICU's set-up is ~16 ms)", () => {
    expect(lineageMd).toContain("over mermaid's default limits (500 edges, 50,000 characters)");
    expect(localeCalls).toBe(0);
    for (const n of [0, 7, 999, 1000, 50_000, 123_456, 1_000_000, 98_765_432])
      expect(thousands(n)).toBe(n.toLocaleString('en'));
  });

  test('a table whose own graph is over the limits is drawn cut at them, with a note', () => {
    const wide = sections.get('Source wide (database widedb)')!;
    expect(wide).toHaveLength(1);
    expect(wide[0]!.match(/-->|-\.->/g)).toHaveLength(500);
    expect(lineageMd).toMatch(/\(\d+ more nodes and edges of this graph are over mermaid's limits and not drawn\.\)/);
  });

  test("every graph parses with mermaid's defaults and is within its text size (and two parts together are not)", async () => {
    const { Window } = await import('happy-dom');
    const window = new Window();
    Object.assign(globalThis, { window, document: window.document });
    const { default: mermaid } = await import('mermaid');
    const blocks = [...sections.values()].flat();
    expect(blocks.length).toBeGreaterThan(3);
    for (const b of blocks) {
      expect(b.length).toBeLessThanOrEqual(50_000);
      await expect(mermaid.parse(b)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
    }
    // The negative control: mermaid's parser does hold a graph to its edge limit.
    const [one, two] = sections.get('Source big (database bigdb)')!;
    await expect(mermaid.parse(`${one}${two!.replace('flowchart LR\n', '')}`)).rejects.toThrow(/Edge limit exceeded/);
  }, 60_000);
});

test('every lineage edge is distinct in every project (a view edge is not looked up: it cannot repeat)', async () => {
  const { PROJECTS } = await import('./support/compile.js');
  for (const project of PROJECTS) {
    const result = await compile({ config: project.config });
    expect(result.model, project.name).toBeDefined();
    const edges = result.model!.lineage.edges;
    const keys = new Set(edges.map((e) => `${e.from}\u0000${e.to}\u0000${e.use}\u0000${e.label ?? ''}`));
    expect(keys.size, project.name).toBe(edges.length);
  }
  // A view reading one column in its select list, its filter and its grouping, and another view twice.
  const repeated = BOOKSTORE.replace(/sql`\s*SELECT/, (m) => `${m} /* ${'${'}orders.c.id} ${'${'}orders.c.id} */`);
  const { model } = await modelOf(repeated);
  const keys = new Set(model.lineage.edges.map((e) => `${e.from}\u0000${e.to}\u0000${e.use}\u0000${e.label ?? ''}`));
  expect(keys.size).toBe(model.lineage.edges.length);
});
