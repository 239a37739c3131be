/**
 * `cdc-compile plan --source-url` on a real PostgreSQL 15 (CDC_TEST_PG_URL): source databases built from
 * each project's own Model show no drift (every column type of the examples compares equal to the
 * catalog's spelling); the book store's, changed upstream, shows each dropped, retyped and added column,
 * a key change and a missing table, with what they break.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { sourceTablesDdl } from '../src/verify/source-tables.js';
import { compileProject, PROJECTS } from './support/compile.js';
import { PG_URL } from './support/postgres-url.js';
import { cli, copyProject } from './support/project.js';

const created: string[] = [];
const dirs: string[] = [];
const urlOf = (db: string) => {
  const u = new URL(PG_URL!);
  u.pathname = `/${db}`;
  return u.toString();
};
async function database(name: string, sql: string): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  created.push(name);
  const c = new pg.Client({ connectionString: urlOf(name) });
  await c.connect();
  await c.query(sql);
  await c.end();
  return urlOf(name);
}
afterAll(async () => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  if (!PG_URL) return;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  for (const db of created) await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.end();
});

describe.skipIf(!PG_URL)('plan --source-url (real PostgreSQL)', () => {
  test.each(PROJECTS.map((p) => [p.name, p.config] as const))(
    '%s: a source database built from the config has no drift',
    async (name, config) => {
      const { model } = await compileProject(config);
      const args: string[] = [];
      for (const [i, s] of model!.sources.entries()) {
        const url = await database(`cdc_drift_${process.pid}_${name.replace(/\W/g, '_')}_${i}`, sourceTablesDdl(s));
        args.push('--source-url', `${s.name}=${url}`);
      }
      const r = await cli(['plan', '--config', config, '--format', 'json', ...args]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).drift).toEqual([]);
    },
  );

  test('the book store changed upstream: dropped, retyped, added columns, a key, a missing table, and what breaks', async () => {
    const { model } = await compileProject(PROJECTS[0]!.config);
    const ecom = model!.sources.find((s) => s.name === 'ecom')!;
    const url = await database(
      `cdc_drift_${process.pid}_changed`,
      `${sourceTablesDdl(ecom)}
       ALTER TABLE public.orders ALTER COLUMN total TYPE text, ADD COLUMN coupon varchar(20);
       ALTER TABLE public.books DROP COLUMN price;
       ALTER TABLE public.order_items DROP CONSTRAINT order_items_pkey, ADD PRIMARY KEY (order_id, id);`,
    );
    const dir = copyProject('bookstore');
    dirs.push(dir);
    // ecom is found by the URL's database name (ecomdb) when it says so; here it is named.
    const r = await cli(['plan', '--source-url', `ecom=${url}`], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Source drift (ecom: the live schema against the config):');
    expect(r.stdout).toContain(
      '  ! public.orders.total is text upstream, numeric(10, 2) in the config: the events no longer carry what the Flink job reads (DOUBLE)\n      breaks: view vw_sales_over_time (daily_revenue), view vw_avg_order_value (avg_order_value, revenue), chart ',
    );
    expect(r.stdout).toContain('  + public.orders.coupon (varchar(20)) is new upstream and not captured');
    expect(r.stdout).toContain(
      "  ! public.books.price (numeric(10, 2)) was dropped upstream: dim_books.price gets NULL from now on\n      breaks: view vw_book_price_distribution (price_range), chart 'Book Price Distribution' (price_range)",
    );
    expect(r.stdout).toContain('  ! public.order_items: primary key (order_id, id) upstream, (id) in the config');

    const json = JSON.parse(
      (await cli(['plan', '--format', 'json', '--source-url', `ecom=${url}`], { cwd: dir })).stdout,
    );
    expect(json.drift.map((d: { kind: string; column?: string }) => `${d.kind} ${d.column ?? ''}`)).toEqual([
      'retyped total',
      'added coupon',
      'key ',
      'dropped price',
    ]);
    const markdown = await cli(['plan', '--format', 'markdown', '--source-url', `ecom=${url}`], { cwd: dir });
    expect(markdown.stdout).toContain('#### Source drift (ecom: the live schema against the config)');

    // A table the database does not have.
    const empty = await database(`cdc_drift_${process.pid}_empty`, 'SELECT 1');
    const missing = await cli(['plan', '--source-url', `inventory=${empty}`], { cwd: dir });
    expect(missing.stdout).toContain('  ! public.inventory is not in the database (dropped or renamed upstream?)');
    expect(missing.stdout).toContain(
      'breaks: view vw_inventory_health (book_id, stock_qty, reserved, available, stock_status)',
    );
  });

  test('bad usage: a source the pipeline lacks, a URL for no known source; an unreachable server is exit 1', async () => {
    const dir = copyProject('bookstore');
    dirs.push(dir);
    const unknown = await cli(['plan', '--source-url', `shop=${PG_URL}`], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("the pipeline has no source 'shop'");
    const which = await cli(['plan', '--source-url', PG_URL!], { cwd: dir });
    expect(which.exitCode).toBe(2);
    expect(which.stderr).toContain('say which source the URL is for');
    const down = await cli(['plan', '--source-url', 'ecom=postgres://nobody@127.0.0.1:1/ecomdb'], { cwd: dir });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain('PLAN.SOURCE_UNREADABLE');
    expect(down.stderr).not.toMatch(/\n\s+at /);
  });
});

test('the drift comparison is pure: a table whose catalog matches reports nothing', async () => {
  const { compareTable } = await import('../src/cli/drift.js');
  const { model, snapshot } = await compileProject(join(PROJECTS[0]!.config));
  const orders = model!.tables[0]!;
  const columns = orders.columns.map((c) => ({
    name: c.name,
    type: c.sourceType.replace('varchar', 'character varying').replace(/^timestamp$/, 'timestamp without time zone'),
    notNull: false,
    ...(c.primaryKey ? { keyPosition: 1 } : {}),
    generated: false,
  }));
  expect(compareTable(orders, columns, snapshot!)).toEqual([]);
  expect(compareTable(orders, columns.slice(1), snapshot!).map((d) => d.kind)).toEqual(['dropped', 'key']);
});
