/**
 * `cdc-compile plan`: snapshots of the book store and of edited copies, compared change by change; the
 * CLI's exit codes (3 while a destructive or ambiguous change has no decision, for plan and compile),
 * cdc-approvals.yaml, --base from git, and compiler changes told apart from config changes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { compile } from '../src/compile.js';
import { parseAnalyticsType } from '../src/resolve/data-types.js';
import { parseApprovals } from '../src/plan/approvals.js';
import { diff, readers, widens } from '../src/plan/diff.js';
import { makePlan } from '../src/plan/index.js';
import type { Snapshot } from '../src/plan/snapshot.js';
import { insert } from '../src/targets/flink/emit.js';
import { readManifest, recordedSnapshot, snapshotJson } from '../src/write/manifest.js';
import { ROOT } from './support/compile.js';
import { staticImports } from './support/dist-imports.js';
import { BIN, cli, copyProject, tree } from './support/project.js';

const CONFIG = join(ROOT, 'pipeline.config.ts');
const BOOKSTORE = readFileSync(CONFIG, 'utf8');

/** Replaces `from` (which must occur) in the book store's config. */
function edit(source: string, from: string, to: string): string {
  expect(source, `the config holds ${from}`).toContain(from);
  return source.replace(from, to);
}

async function snapshotOf(source: string): Promise<Snapshot> {
  const result = await compile({ config: CONFIG, source });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(errors).toEqual([]);
  return result.snapshot!;
}

const base = snapshotOf(BOOKSTORE);
const ids = (changes: { id: string; class: string }[]) => changes.map((c) => `${c.class} ${c.id}`);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('snapshot', () => {
  test('the book store compiled twice gives the same snapshot, and no change', async () => {
    expect(await snapshotOf(BOOKSTORE)).toEqual(await base);
    expect(diff(await base, await snapshotOf(BOOKSTORE))).toEqual([]);
  });

  test('manifest.json records it with the compiler version', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'generated', 'manifest.json'), 'utf8'));
    expect(manifest.generator.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.snapshot.version).toBe(1);
    expect(manifest.snapshot.tables.map((t: { id: string }) => t.id)).toEqual([
      'ecom.public.orders',
      'ecom.public.order_items',
      'ecom.public.books',
      'inventory.public.inventory',
    ]);
    // No secret values, and the include lists (derived from the tables) are not kept twice.
    expect(JSON.stringify(manifest.snapshot)).not.toMatch(/column\.include\.list/);
    expect(manifest.snapshot.sources[0].connectorConfig['database.password']).toBe('${env:ECOM_DB_PASSWORD}');
  });
  test("each table's INSERT is made once per Model (pipeline.sql and the job hash share it), never across compiles", async () => {
    // The same table objects' INSERT is remembered; a later compile's Model, with a column added, gets its own.
    const first = await compile({ config: CONFIG, source: BOOKSTORE });
    const added = edit(
      BOOKSTORE,
      '    status: t.varchar(50),',
      '    status: t.varchar(50),\n    channel: t.varchar(20),',
    );
    const second = await compile({ config: CONFIG, source: added });
    expect(second.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const sql = (r: typeof first) => r.artefacts.find((a) => a.path === 'flink/pipeline.sql')!.contents as string;
    const job = (r: typeof first) => r.snapshot!.flinkJobs.find((j) => j.tables.includes('sink_fact_orders'))!;
    expect(sql(first)).toContain('INSERT INTO sink_fact_orders (`id`, `user_id`, `total`, `status`, `created_at`)');
    expect(sql(second)).toContain(
      'INSERT INTO sink_fact_orders (`id`, `user_id`, `total`, `status`, `channel`, `created_at`)',
    );
    expect(job(second).statement).not.toBe(job(first).statement);
    // And the first Model's stays its own after the second compile.
    expect(job(await compile({ config: CONFIG, source: BOOKSTORE })).statement).toBe(job(first).statement);
    expect(insert(first.model!.tables.find((t) => t.flink.sinkTable === 'sink_fact_orders')!)).not.toContain(
      '`channel`',
    );
  });
});

describe('diff', () => {
  test('a nullable column added to a table needs a backfill and restarts only its job', async () => {
    const next = await snapshotOf(
      edit(BOOKSTORE, '    isbn: t.varchar(20),', '    isbn: t.varchar(20),\n    language: t.varchar(10),'),
    );
    const changes = diff(await base, next);
    expect(ids(changes)).toEqual([
      'needs-backfill add-column/ecom.public.books/language',
      'safe restart-job/bookstore-dim_books',
    ]);
    expect(changes[0]!.steps.map((s) => s.action)).toContain('ALTER TABLE dim_books ADD COLUMN language varchar(10)');
    expect(changes[1]!.restore).toBe('fresh');
  });

  test('a renamed column is ambiguous: rename or replace', async () => {
    const next = await snapshotOf(edit(BOOKSTORE, '    isbn: t.varchar(20),', '    isbn13: t.varchar(20),'));
    const [rename] = diff(await base, next);
    expect(rename!.id).toBe('rename-column/ecom.public.books/isbn/isbn13');
    expect(rename!.class).toBe('ambiguous');
    expect(rename!.decisions!.map((d) => d.value)).toEqual(['rename', 'replace']);
  });

  test('dropping a column that a chart shows is destructive and names the view and the chart', async () => {
    // genre goes, and with it the view and chart that read it (the config would not compile otherwise).
    let source = edit(BOOKSTORE, '    genre: t.varchar(100),\n', '');
    source = source.replace(/const revenueByGenre = view\([\s\S]*?\n}\);\n/, '');
    source = source.replace(/const revenueByGenreChart = chart\([\s\S]*?\n}\);\n/, '');
    source = edit(source, '    revenueByGenre,\n', '');
    source = edit(source, ', [revenueByGenreChart]', '');
    source = edit(source, "              genre: 'Software',\n", '');
    source = edit(source, "              genre: 'Science Fiction',\n", '');
    const changes = diff(await base, await snapshotOf(source));
    const drop = changes.find((c) => c.id === 'drop-column/ecom.public.books/genre')!;
    expect(drop.class).toBe('destructive');
    expect(drop.breaks).toEqual(['view vw_revenue_by_genre (genre)', "chart 'Revenue by Genre' (genre)"]);
    expect(ids(changes)).toEqual(
      expect.arrayContaining([
        'safe drop-view/vw_revenue_by_genre',
        'destructive remove-chart/Revenue by Genre',
        'safe change-dashboard/inventory-analytics',
      ]),
    );
  });

  test('lineage names what breaks: the view columns computed from a dropped column and the charts that show them', async () => {
    // price goes; the price-bucket view is rewritten without it, its chart stays.
    let source = edit(BOOKSTORE, '    price: t.numeric(10, 2),\n', '');
    source = source.replace(
      /SELECT CASE\n\s+WHEN \$\{books\.c\.price\} IS NULL[\s\S]*?END AS price_range,/,
      "SELECT 'all'::text AS price_range,",
    );
    source = edit(source, '              price: 39.99,\n', '');
    source = edit(source, '              price: 9.99,\n', '');
    const changes = diff(await base, await snapshotOf(source));
    const drop = changes.find((c) => c.id === 'drop-column/ecom.public.books/price')!;
    expect(drop.class).toBe('destructive');
    expect(drop.breaks).toEqual([
      'view vw_book_price_distribution (price_range)',
      "chart 'Book Price Distribution' (price_range)",
    ]);
    // status is read only in filters (and the status view's grouping): the views' rows, every chart on them.
    const status = readers(await base, ['fact_orders.status']);
    expect(status).toContain('view vw_sales_over_time (its rows)');
    expect(status).toContain("chart 'Total Orders KPI' (on vw_sales_over_time)");
    expect(status).toContain('view vw_order_status_distribution (status)');
    // Through a view: units_sold of vw_product_sales_volume feeds vw_revenue_by_author and vw_inventory_turnover.
    expect(readers(await base, ['fact_order_items.quantity'])).toEqual(
      expect.arrayContaining([
        'view vw_product_sales_volume (units_sold, revenue)',
        'view vw_revenue_by_author (revenue, units_sold)',
        'view vw_inventory_turnover (units_sold, turnover_pct)',
        "chart 'Inventory Turnover Rate' (turnover_pct)",
        "chart 'Top Books by Revenue' (total_revenue)",
      ]),
    );
  });

  test('a narrowing retype of a source column lists every view and chart it reaches, in every format', async () => {
    const dir = copyProject('bookstore');
    dirs.push(dir);
    const config = join(dir, 'pipeline.config.ts');
    writeFileSync(config, edit(BOOKSTORE, 'total: t.numeric(10, 2),', 'total: t.numeric(8, 2),'));
    const pretty = await cli(['plan'], { cwd: dir });
    expect(pretty.exitCode).toBe(3);
    expect(pretty.stdout).toContain(
      "breaks: view vw_sales_over_time (daily_revenue), view vw_avg_order_value (avg_order_value, revenue), chart 'Sales Over Time' (daily_revenue), chart 'Total Revenue KPI' (daily_revenue), chart 'Total Orders KPI' (on vw_sales_over_time), chart 'Average Order Value KPI' (revenue), chart 'Avg Order Value Over Time' (revenue)",
    );
    const markdown = await cli(['plan', '--format', 'markdown'], { cwd: dir });
    expect(markdown.stdout).toContain('<br>breaks: view vw_sales_over_time (daily_revenue), view vw_avg_order_value');
    const json = JSON.parse((await cli(['plan', '--format', 'json'], { cwd: dir })).stdout);
    const retype = json.changes.find((c: { id: string }) => c.id === 'retype-column/ecom.public.orders/total');
    expect(retype.breaks).toContain("chart 'Sales Over Time' (daily_revenue)");
  });

  test('a change to a view only replaces the view: no connector, Flink or table change', async () => {
    const next = await snapshotOf(
      edit(BOOKSTORE, "WHEN ${books.c.price} < 10 THEN 'Under $10'", "WHEN ${books.c.price} < 15 THEN 'Under $15'"),
    );
    expect(ids(diff(await base, next))).toEqual(['safe replace-view/vw_book_price_distribution']);
  });

  test('a table added to a running source: publication, include list, one new job, an incremental snapshot', async () => {
    const next = await snapshotOf(
      edit(
        BOOKSTORE,
        'const books = ecom.table(',
        "const reviews = ecom.table('reviews', {\n  columns: { id: t.uuid().primaryKey(), book_id: t.uuid(), rating: t.integer() },\n  analytics: { name: 'fact_reviews', kind: 'fact' },\n});\n\nconst books = ecom.table(",
      ),
    );
    const changes = diff(await base, next);
    expect(ids(changes)).toEqual([
      'needs-backfill add-table/ecom.public.reviews',
      'safe add-job/bookstore-fact_reviews',
    ]);
    expect(changes[0]!.steps.map((s) => `${s.layer}: ${s.action}`)).toEqual([
      'analytics: create table fact_reviews',
      'source: ALTER PUBLICATION debezium_ecom_pub ADD TABLE public.reviews; REPLICA IDENTITY FULL; GRANT SELECT to debezium_ecom (the setup SQL, run again, does all three)',
      'connector: update ecom-connector: table.include.list and column.include.list gain public.reviews',
      // The snapshot reads only what the restarted task captures; the job's Kafka source fails over while its
      // topic is missing (both seen on the end-to-end stack: scripts/e2e/pipelines/bookstore-add-table.mjs).
      'connector: signal an incremental snapshot of public.reviews only: its existing rows (new rows stream already): ' +
        `INSERT INTO public.debezium_ecom_signal (id, type, data) VALUES ('cdc-' || md5(random()::text || clock_timestamp()::text), 'execute-snapshot', '{"data-collections":["public.reviews"],"type":"incremental"}');`,
      "kafka: create topic ecom-connector.public.reviews unless it exists (1 partition, the broker's default replication factor, as the connector would create it)",
      'flink: submit job bookstore-fact_reviews once topic ecom-connector.public.reviews exists (the other jobs keep running)',
    ]);
  });

  test('a removed source stops its jobs, deletes its connector, drops its slot, lists its topics', async () => {
    let source = edit(BOOKSTORE, 'sources: [ecom, inventoryDb]', 'sources: [ecom]');
    source = source.replace(/const inventoryDb = postgresSource[\s\S]*?\n}\);\n/, '');
    source = source.replace(/const inventory = inventoryDb\.table[\s\S]*?\n}\);\n/, '');
    // Views and charts over inventory go too.
    for (const name of ['inventoryHealth', 'inventoryTurnover']) {
      source = source.replace(new RegExp(`const ${name} = view\\([\\s\\S]*?\\n}\\);\\n`), '');
      source = edit(source, `    ${name},\n`, '');
    }
    source = source.replace(/const inv = inventory\.as\('inv'\);\n/, '');
    for (const name of ['inventoryHealthTable', 'stockVsReservedChart', 'turnoverChart']) {
      source = source.replace(new RegExp(`const ${name} = chart\\([\\s\\S]*?\\n}\\);\\n`), '');
    }
    source = edit(
      source,
      'rows: [[inventoryHealthTable], [stockVsReservedChart, turnoverChart], [revenueByGenreChart]]',
      'rows: [[revenueByGenreChart]]',
    );
    source = source.replace(
      /      inventory: \{\n        namespace: 'inventory',[\s\S]*?\n      \},\n    \},\n  \},\n\}\);/,
      '    },\n  },\n});',
    );
    const changes = diff(await base, await snapshotOf(source));
    const removed = changes.find((c) => c.id === 'remove-source/inventory')!;
    expect(removed.class).toBe('destructive');
    expect(removed.steps.map((s) => s.action)).toEqual([
      'stop job bookstore-fact_inventory',
      'delete connector inventory-connector',
      'drop replication slot debezium_inventory_slot (a forgotten slot keeps WAL and fills the disk) and publication debezium_inventory_pub',
      'delete topics inventory-connector.public.inventory',
      'DROP TABLE fact_inventory',
      'keep fact_inventory as they are',
    ]);
    expect(changes.some((c) => c.id.startsWith('remove-table/'))).toBe(false);
  });

  test('type changes: widening is safe, narrowing destructive', async () => {
    const wider = diff(
      await base,
      await snapshotOf(edit(BOOKSTORE, 'title: t.varchar(255),\n    author', 'title: t.varchar(500),\n    author')),
    );
    expect(ids(wider)[0]).toBe('safe retype-column/ecom.public.books/title');
    const narrower = diff(
      await base,
      await snapshotOf(edit(BOOKSTORE, 'title: t.varchar(255),\n    author', 'title: t.varchar(100),\n    author')),
    );
    expect(ids(narrower)[0]).toBe('destructive retype-column/ecom.public.books/title');
    const t = parseAnalyticsType;
    expect(widens(t('integer'), t('bigint'))).toBe(true);
    expect(widens(t('bigint'), t('integer'))).toBe(false);
    expect(widens(t('numeric(10, 2)'), t('numeric(12, 2)'))).toBe(true);
    expect(widens(t('numeric(10, 2)'), t('numeric(10, 3)'))).toBe(false);
    expect(widens(t('varchar(20)'), t('text'))).toBe(true);
    expect(widens(t('text'), t('varchar(20)'))).toBe(false);
    expect(widens(t('timestamp(3)'), t('timestamptz(3)'))).toBe(false);
  });

  test('change ids do not depend on order: the same edit among others keeps its id', async () => {
    const one = diff(await base, await snapshotOf(edit(BOOKSTORE, '    cover_url: t.varchar(500),\n', '')));
    const more = diff(
      await base,
      await snapshotOf(
        edit(edit(BOOKSTORE, '    cover_url: t.varchar(500),\n', ''), '    user_id: t.varchar(255),\n', ''),
      ),
    );
    const id = 'drop-column/ecom.public.books/cover_url';
    expect(one.map((c) => c.id)).toContain(id);
    expect(more.map((c) => c.id)).toContain(id);
  });
});

describe('plan', () => {
  test('compiler changes are told apart: same config hash, other version', async () => {
    const old = await snapshotOf(BOOKSTORE);
    const changed = { ...old, views: old.views.map((v, i) => (i === 0 ? { ...v, sql: '0000000000000000' } : v)) };
    const plan = makePlan({
      old: changed,
      next: old,
      from: { label: 'x', version: '0.0.9', configHash: 'h' },
      to: { version: '0.1.0', configHash: 'h' },
      decisions: new Map(),
    });
    expect(plan.changes.map((c) => `${c.origin} ${c.id}`)).toEqual(['compiler replace-view/vw_product_sales_volume']);
    // Given the old config compiled by this compiler, each side gets its own changes.
    const split = makePlan({
      old: changed,
      oldWithThisCompiler: old,
      next: await snapshotOf(edit(BOOKSTORE, '    cover_url: t.varchar(500),\n', '')),
      from: { label: 'x', version: '0.0.9', configHash: 'h' },
      to: { version: '0.1.0', configHash: 'i' },
      decisions: new Map(),
    });
    expect(split.changes.map((c) => `${c.origin} ${c.id}`)).toEqual([
      'config drop-column/ecom.public.books/cover_url',
      'config restart-job/bookstore-dim_books',
      'compiler replace-view/vw_product_sales_volume',
    ]);
    expect(split.mixed).toBe(false);
  });

  test('an approval keeps only the decided steps; unused approvals are listed', async () => {
    const next = await snapshotOf(edit(BOOKSTORE, '    cover_url: t.varchar(500),\n', ''));
    const plan = makePlan({
      old: await base,
      next,
      from: { label: 'x' },
      to: { version: '0.1.0', configHash: 'h' },
      decisions: new Map([
        ['drop-column/ecom.public.books/cover_url', 'keep'],
        ['drop-column/ecom.public.books/nothing', 'drop'],
      ]),
    });
    expect(plan.pending).toEqual([]);
    expect(plan.changes[0]!.steps.map((s) => s.action)).toContain(
      'keep dim_books.cover_url (NULL in rows written from now on)',
    );
    expect(plan.changes[0]!.steps.map((s) => s.action)).not.toContain('ALTER TABLE dim_books DROP COLUMN cover_url');
    expect(plan.unusedApprovals).toEqual(['drop-column/ecom.public.books/nothing']);
  });

  test('approvals: a bad decision and bad YAML are located', async () => {
    const changes = diff(await base, await snapshotOf(edit(BOOKSTORE, '    cover_url: t.varchar(500),\n', '')));
    const bad = parseApprovals('approvals:\n  drop-column/ecom.public.books/cover_url: dorp\n', 'a.yaml', changes);
    expect(bad.diagnostics.map((d) => [d.code, d.location])).toEqual([
      ['APPROVALS.BAD_DECISION', { file: 'a.yaml', line: 2, column: 44 }],
    ]);
    expect(bad.diagnostics[0]!.hint).toMatch(/drop .*keep/);
    const broken = parseApprovals('approvals:\n  - [unclosed\n', 'a.yaml', changes);
    expect(broken.diagnostics[0]!.code).toBe('APPROVALS.INVALID');
    expect(broken.diagnostics[0]!.location!.line).toBeGreaterThan(1);
    const other = parseApprovals('approve:\n  x: y\n', 'a.yaml', changes);
    expect(other.diagnostics.map((d) => d.code)).toEqual(['APPROVALS.INVALID']);
  });
});

test('a compile loads neither the planner nor yaml unless the snapshot changed: not in its static imports', () => {
  const seen = staticImports('cli.js');
  expect([...seen].some((f) => f.startsWith('compiler-'))).toBe(true);
  expect([...seen]).not.toContain('yaml');
  expect([...seen].filter((f) => /^(plan-command|diff|approvals|format)-/.test(f))).toEqual([]);
});

test('sameJson says what comparing the two JSON texts says, without writing them', async () => {
  const { sameJson } = await import('../src/render/json.js');
  const values: unknown[] = [
    null,
    undefined,
    0,
    -0,
    1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    '1',
    true,
    false,
    () => 1,
    [],
    [null],
    [undefined],
    [1, 2],
    [2, 1],
    {},
    { a: 1 },
    { a: 1, b: undefined },
    { a: 1, f: () => 1 },
    { b: undefined, a: 1 },
    { a: 1, c: undefined },
    { a: undefined, b: 1 },
    { b: 1 },
    { a: 1, b: 1, c: undefined },
    { a: { x: undefined }, b: 1 },
    { a: {}, b: 1 },
    { b: 1, a: 1 },
    { a: 1, b: 1 },
    { a: [1, { c: 'x' }] },
    { a: [1, { c: 'y' }] },
    { 2: 'x', 1: 'y' },
    { 1: 'y', 2: 'x' },
    new Date(0),
    '1970-01-01T00:00:00.000Z',
  ];
  for (const a of values)
    for (const b of values)
      expect(sameJson(a, b), `${String(JSON.stringify(a))} vs ${String(JSON.stringify(b))}`).toBe(
        JSON.stringify(a) === JSON.stringify(b),
      );
  const snapshot = await base;
  expect(sameJson(snapshot, JSON.parse(JSON.stringify(snapshot)))).toBe(true);
  const other = await snapshotOf(edit(BOOKSTORE, '    cover_url: t.varchar(500),\n', ''));
  expect(sameJson(snapshot, other)).toBe(false);
});

test("a compile tells whether the output folder's snapshot differs from its own (the CLI reads the manifest no second time)", async () => {
  const dir = copyProject('bookstore');
  dirs.push(dir);
  const config = join(dir, 'pipeline.config.ts');
  const same = await compile({ config, model: false });
  expect(same.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(same.snapshotChanged).toBe(false);
  const source = edit(readFileSync(config, 'utf8'), '    cover_url: t.varchar(500),\n', '');
  const changed = await compile({ config, source, model: false });
  expect(changed.snapshotChanged).toBe(true);
  // Without history there is nothing to compare with.
  expect((await compile({ config, source, history: false })).snapshotChanged).toBeUndefined();
});

test("the recorded snapshot is compared as text first: the manifest's snapshot is parsed only when the texts differ", async () => {
  const dir = copyProject('bookstore');
  dirs.push(dir);
  const config = join(dir, 'pipeline.config.ts');
  const manifest = join(dir, 'generated', 'manifest.json');
  const text = readFileSync(manifest, 'utf8');
  const recorded = (JSON.parse(text) as { snapshot: unknown }).snapshot;
  // As cdc-compile writes it: the snapshot stays text, the rest is parsed; parsed on demand, it is the same value.
  const lazy = readManifest(text, true);
  const full = readManifest(text);
  if (lazy.kind !== 'ours' || full.kind !== 'ours') throw new Error('not a manifest of ours');
  const { snapshot: _snapshot, ...rest } = full;
  expect(lazy).toEqual({ ...rest, snapshotText: snapshotJson(recorded) });
  expect(text).toContain(`\n  "snapshot": ${lazy.snapshotText}\n}\n`);
  expect(recordedSnapshot(lazy)).toEqual(recorded);
  // Reformatted by hand (another indentation): the texts differ, the values do not.
  writeFileSync(manifest, `${JSON.stringify(JSON.parse(text), null, 4)}\n`);
  expect(readManifest(readFileSync(manifest, 'utf8'), true)).toEqual(readManifest(text));
  const same = await compile({ config, model: false });
  expect(same.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(same.snapshotChanged).toBe(false);
  const source = edit(readFileSync(config, 'utf8'), '    cover_url: t.varchar(500),\n', '');
  expect((await compile({ config, source, model: false })).snapshotChanged).toBe(true);
  // Damaged inside the snapshot only (the file still ends as written): refused as a damaged manifest, located.
  // The message and the position are the whole file's, as JSON.parse reports them, not the snapshot's text's.
  const broken = text.replace('"tables": [', '"tables": [[');
  writeFileSync(manifest, broken);
  const parseError = (() => {
    try {
      JSON.parse(broken);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('the damaged manifest parses');
  })();
  const offset = Number(/at position (\d+)/.exec(parseError)![1]);
  const damaged = await compile({ config, model: false });
  expect(damaged.artefacts).toEqual([]);
  expect(damaged.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line])).toEqual([
    ['OUT.DAMAGED_MANIFEST', manifest, broken.slice(0, offset).split('\n').length],
  ]);
  expect(damaged.diagnostics[0]!.message).toContain(`(${parseError})`);
  // The text as written: equal to this compile's snapshot's, so the snapshot is never parsed.
  writeFileSync(manifest, text);
  const parse = vi.spyOn(JSON, 'parse');
  try {
    expect((await compile({ config, model: false })).snapshotChanged).toBe(false);
    const parsed = parse.mock.calls.map(([t]) => String(t));
    expect(parsed.some((t) => t.includes('"files"'))).toBe(true);
    expect(parsed.filter((t) => t.includes('"tables"'))).toEqual([]);
  } finally {
    parse.mockRestore();
  }
});

describe('cli', () => {
  const project = (edits: (s: string) => string) => {
    const dir = copyProject('bookstore');
    dirs.push(dir);
    const path = join(dir, 'pipeline.config.ts');
    writeFileSync(path, edits(readFileSync(path, 'utf8')));
    return dir;
  };

  test('plan and compile exit 3 on an unapproved drop, print what to add, write nothing; approved, compile writes', async () => {
    const dir = project((s) => edit(s, '    cover_url: t.varchar(500),\n', ''));
    const before = tree(join(dir, 'generated'));
    const plan = await cli(['plan'], { cwd: dir });
    expect(plan.exitCode).toBe(3);
    expect(plan.stdout).toContain('! drop-column/ecom.public.books/cover_url  [destructive, NEEDS A DECISION]');
    expect(plan.stdout).toContain(
      'Flink jobs that keep running with their state: bookstore-fact_orders, bookstore-fact_order_items, bookstore-fact_inventory',
    );
    expect(plan.stdout).toMatch(
      /Add to cdc-approvals.yaml[^\n]*\n\napprovals:\n {2}drop-column\/ecom.public.books\/cover_url: drop {3}# /,
    );
    const compiled = await cli([], { cwd: dir });
    expect(compiled.exitCode).toBe(3);
    expect(compiled.stderr).toContain('drop-column/ecom.public.books/cover_url');
    expect(compiled.stderr).toContain('generated/ was not changed.');
    expect(tree(join(dir, 'generated'))).toEqual(before);
    // What the message says to add, added: compile writes, and the plan is empty afterwards.
    writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals:\n  drop-column/ecom.public.books/cover_url: keep\n');
    const approved = await cli(['plan', '--format', 'json'], { cwd: dir });
    expect(approved.exitCode).toBe(0);
    const json = JSON.parse(approved.stdout);
    expect(json.changes[0]).toMatchObject({
      id: 'drop-column/ecom.public.books/cover_url',
      decision: 'keep',
      origin: 'config',
    });
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    const after = await cli(['plan'], { cwd: dir });
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toContain('no changes');
  });

  test('markdown for a pull request; a broken approvals file exits 1 with its location', async () => {
    const dir = project((s) => edit(s, '    isbn: t.varchar(20),', '    isbn13: t.varchar(20),'));
    const md = await cli(['plan', '--format', 'markdown'], { cwd: dir });
    expect(md.exitCode).toBe(3);
    expect(md.stdout).toContain('| ? | `rename-column/ecom.public.books/isbn/isbn13`');
    expect(md.stdout).toContain('```yaml\napprovals:\n  rename-column/ecom.public.books/isbn/isbn13: rename');
    writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals:\n  rename-column/ecom.public.books/isbn/isbn13: move\n');
    const bad = await cli(['plan'], { cwd: dir });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('cdc-approvals.yaml:2:48');
    expect(bad.stderr).toContain('APPROVALS.BAD_DECISION');
    expect((await cli([], { cwd: dir })).exitCode).toBe(1);
    // A link to a device that never ends is refused, not read.
    rmSync(join(dir, 'cdc-approvals.yaml'));
    symlinkSync('/dev/zero', join(dir, 'cdc-approvals.yaml'));
    const device = await cli(['plan'], { cwd: dir, timeout: 20_000 });
    expect(device.exitCode).toBe(1);
    expect(device.stderr).toContain('must be a regular file of at most 1 MiB');
  });

  test('--base <ref> compares with the state committed at the ref', async () => {
    const dir = project((s) => s);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', 'pipeline.config.ts', 'generated');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'base');
    const path = join(dir, 'pipeline.config.ts');
    writeFileSync(
      path,
      edit(
        readFileSync(path, 'utf8'),
        '    isbn: t.varchar(20),',
        '    isbn: t.varchar(20),\n    language: t.varchar(10),',
      ),
    );
    writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals: {}\n');
    // Even after compiling (generated/ now matches the config), --base HEAD still shows the change.
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect((await cli(['plan'], { cwd: dir })).stdout).toContain('no changes');
    const based = await cli(['plan', '--base', 'HEAD'], { cwd: dir });
    expect(based.exitCode).toBe(0);
    expect(based.stdout).toContain('Plan against generated/manifest.json at HEAD');
    expect(based.stdout).toContain('~ add-column/ecom.public.books/language  [needs-backfill]');
    const missing = await cli(['plan', '--base', 'no-such-ref'], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--base no-such-ref: git could not read');
  });

  test("the README's example plan is what plan prints", async () => {
    const dir = project((s) =>
      edit(
        edit(s, '    cover_url: t.varchar(500),\n', ''),
        '    isbn: t.varchar(20),',
        '    isbn: t.varchar(20),\n    language: t.varchar(10),',
      ),
    );
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /<!-- plan example[^\n]*-->\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    const run = await cli(['plan'], { cwd: dir });
    expect(run.exitCode).toBe(3);
    expect(`${run.stdout}\n`).toBe(example); // execa strips the last newline
  });

  test('plan --help, and bad usage exits 2', async () => {
    const help = await cli(['plan', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cdc-compile plan/);
    const bad = await cli(['plan', '--format', 'xml']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("--format must be 'pretty', 'markdown' or 'json'");
    expect(BIN).toContain('cdc-compile.js');
  });
});
