/**
 * Analytics migrations, scenario by scenario on copies of the book store: each edit is planned (classes,
 * exit code), compiled (with the decisions it needs), and its migration applied after the old schema.sql
 * and views.sql — on PGlite, and on a real PostgreSQL when CDC_TEST_PG_URL is set — ending at the same
 * tables a new database gets from the new schema.sql. Migrations are history: kept byte for byte, numbered
 * on, refused when edited; a new database only records them.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from './support/compile.js';
import { cli, copyProject, tree } from './support/project.js';
import { PG_URL } from './support/postgres-url.js';

const OLD_SCHEMA = readFileSync(join(ROOT, 'generated/analytics/schema.sql'), 'utf8');
const OLD_VIEWS = readFileSync(join(ROOT, 'generated/analytics/views.sql'), 'utf8');
const MIGRATIONS = 'generated/analytics/migrations';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function edit(source: string, from: string, to: string): string {
  expect(source, `the config holds ${from}`).toContain(from);
  return source.replace(from, to);
}

function project(edits: (s: string) => string): string {
  const dir = copyProject('bookstore');
  dirs.push(dir);
  const path = join(dir, 'pipeline.config.ts');
  writeFileSync(path, edits(readFileSync(path, 'utf8')));
  return dir;
}

const migrationsOf = (dir: string) => {
  try {
    return readdirSync(join(dir, MIGRATIONS)).sort();
  } catch {
    return [];
  }
};
const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

/** A database to apply SQL files to: PGlite, or a scratch database on the real server. */
interface Db {
  exec(sql: string): Promise<void>;
  rows<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
  /** A real server's database URL. */
  readonly url?: string;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';
const hasShellcheck = (() => {
  try {
    execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function pglite(): Promise<Db> {
  const db = await PGlite.create();
  return {
    exec: async (sql) => void (await db.exec(sql)),
    rows: async <T>(sql: string) => (await db.query<T>(sql)).rows,
    close: () => db.close(),
  };
}

let scratch = 0;
async function postgres(): Promise<Db> {
  const name = `cdc_migrations_${process.pid}_${scratch++}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    exec: async (sql) => void (await client.query(sql)),
    rows: async <T>(sql: string) => (await client.query(sql)).rows as T[],
    close: async () => {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const ENGINES: [string, () => Promise<Db>][] = [
  ['PGlite', pglite],
  ...(PG_URL ? [['PostgreSQL', postgres] as [string, () => Promise<Db>]] : []),
];

interface Column {
  table: string;
  name: string;
  type: string;
  not_null: boolean;
}
/** Every column of the public schema's tables, by table and name (order aside: a migration appends). */
const columns = (db: Db) =>
  db.rows<Column>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'cdc_migrations' AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY 1, 2`,
  );
const views = (db: Db) =>
  db.rows<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'v' ORDER BY 1`,
  );

/**
 * Applies the compiled migrations to a database at the old state (with `rows` in it), then the new
 * schema.sql and views.sql, as the DDL Job does; then once more (nothing happens); and checks the tables
 * equal those a new database gets. Returns the migrated database for more checks (caller closes it).
 */
async function migrate(dir: string, engine: () => Promise<Db>, rows = ''): Promise<Db> {
  const files = migrationsOf(dir).map((f) => read(dir, `${MIGRATIONS}/${f}`));
  const db = await engine();
  await db.exec(OLD_SCHEMA);
  await db.exec(OLD_VIEWS);
  if (rows) await db.exec(rows);
  const apply = async () => {
    for (const f of files) await db.exec(f);
    await db.exec(read(dir, 'generated/analytics/schema.sql'));
    await db.exec(read(dir, 'generated/analytics/views.sql'));
  };
  await apply();
  const recorded = await db.rows<{ id: string; baseline: boolean }>(
    'SELECT id, baseline FROM cdc_migrations ORDER BY id',
  );
  expect(recorded).toEqual(migrationsOf(dir).map((f) => ({ id: f.replace(/\.sql$/, ''), baseline: false })));
  await apply(); // again: each migration is recorded, so nothing runs twice
  expect(await db.rows('SELECT id FROM cdc_migrations')).toHaveLength(files.length);

  // A new database: schema.sql is the state; the migrations only record themselves.
  const fresh = await engine();
  try {
    for (const f of files) await fresh.exec(f);
    await fresh.exec(read(dir, 'generated/analytics/schema.sql'));
    await fresh.exec(read(dir, 'generated/analytics/views.sql'));
    expect(await fresh.rows<{ baseline: boolean }>('SELECT baseline FROM cdc_migrations')).toEqual(
      files.map(() => ({ baseline: true })),
    );
    expect(await columns(db)).toEqual(await columns(fresh));
    expect(await views(db)).toEqual(await views(fresh));
  } finally {
    await fresh.close();
  }
  return db;
}

describe('scenarios on the book store', () => {
  test('add a table: CREATE TABLE in the migration; the plan adds the publication entry, one job and a snapshot', async () => {
    const dir = project((s) =>
      edit(
        s,
        'const books = ecom.table(',
        "const reviews = ecom.table('reviews', {\n  columns: { id: t.uuid().primaryKey(), book_id: t.uuid(), rating: t.integer() },\n  analytics: { name: 'fact_reviews', kind: 'fact' },\n});\n\nconst books = ecom.table(",
      ),
    );
    const plan = await cli(['plan', '--format', 'json'], { cwd: dir });
    expect(plan.exitCode).toBe(0);
    const changes = JSON.parse(plan.stdout).changes as { id: string; class: string }[];
    expect(changes.map((c) => `${c.class} ${c.id}`)).toEqual(
      expect.arrayContaining(['needs-backfill add-table/ecom.public.reviews', 'safe add-job/bookstore-fact_reviews']),
    );
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(migrationsOf(dir)).toEqual(['0001_add_table_fact_reviews.sql']);
    const sql = read(dir, `${MIGRATIONS}/0001_add_table_fact_reviews.sql`);
    expect(sql).toContain(
      '  CREATE TABLE IF NOT EXISTS fact_reviews (\n    id uuid NOT NULL,\n    book_id uuid,\n    rating integer,\n    synced_at timestamptz DEFAULT now(),\n    PRIMARY KEY (id)\n  );',
    );
    expect(sql).not.toMatch(/DROP|ALTER/);
    for (const [, engine] of ENGINES) await (await migrate(dir, engine)).close();
  });

  test('add a nullable column: ADD COLUMN, existing rows keep theirs', async () => {
    const dir = project((s) =>
      edit(s, '    isbn: t.varchar(20),', '    isbn: t.varchar(20),\n    language: t.varchar(10),'),
    );
    const plan = await cli(['plan'], { cwd: dir });
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain('add-column/ecom.public.books/language');
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(migrationsOf(dir)).toEqual(['0001_add_column_dim_books_language.sql']);
    const sql = read(dir, `${MIGRATIONS}/0001_add_column_dim_books_language.sql`);
    expect(sql).toContain('  ALTER TABLE dim_books ADD COLUMN IF NOT EXISTS language varchar(10);\n');
    for (const [, engine] of ENGINES) {
      const db = await migrate(
        dir,
        engine,
        "INSERT INTO dim_books (id, title) VALUES ('00000000-0000-0000-0000-000000000001', 'Dune');",
      );
      expect(await db.rows('SELECT title, language FROM dim_books')).toEqual([{ title: 'Dune', language: null }]);
      await db.close();
    }
  });

  test('rename a column: ambiguous, exit 3 until decided; rename keeps the data', async () => {
    const dir = project((s) => edit(s, '    isbn: t.varchar(20),', '    isbn13: t.varchar(20),'));
    const before = tree(join(dir, 'generated'));
    const plan = await cli(['plan'], { cwd: dir });
    expect(plan.exitCode).toBe(3);
    expect(plan.stdout).toContain('rename-column/ecom.public.books/isbn/isbn13');
    expect((await cli([], { cwd: dir })).exitCode).toBe(3);
    expect(tree(join(dir, 'generated'))).toEqual(before);
    writeFileSync(
      join(dir, 'cdc-approvals.yaml'),
      'approvals:\n  rename-column/ecom.public.books/isbn/isbn13: rename\n',
    );
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(migrationsOf(dir)).toEqual(['0001_rename_column_dim_books_isbn.sql']);
    const sql = read(dir, `${MIGRATIONS}/0001_rename_column_dim_books_isbn.sql`);
    expect(sql).toContain('  ALTER TABLE dim_books RENAME COLUMN isbn TO isbn13;\n');
    expect(sql).toContain('rename-column/ecom.public.books/isbn/isbn13 (ambiguous, rename)');
    for (const [, engine] of ENGINES) {
      const db = await migrate(
        dir,
        engine,
        "INSERT INTO dim_books (id, isbn) VALUES ('00000000-0000-0000-0000-000000000001', '978-0441013593');",
      );
      expect(await db.rows('SELECT isbn13 FROM dim_books')).toEqual([{ isbn13: '978-0441013593' }]);
      await db.close();
    }
  });

  test('drop a column a chart uses: destructive, names the view and chart; drop removes the view first', async () => {
    const dir = project((s) => {
      let source = edit(s, '    genre: t.varchar(100),\n', '');
      source = source.replace(/const revenueByGenre = view\([\s\S]*?\n}\);\n/, '');
      source = source.replace(/const revenueByGenreChart = chart\([\s\S]*?\n}\);\n/, '');
      source = edit(source, '    revenueByGenre,\n', '');
      source = edit(source, ', [revenueByGenreChart]', '');
      source = edit(source, "              genre: 'Software',\n", '');
      return edit(source, "              genre: 'Science Fiction',\n", '');
    });
    const plan = await cli(['plan', '--format', 'json'], { cwd: dir });
    expect(plan.exitCode).toBe(3);
    const json = JSON.parse(plan.stdout) as { changes: { id: string; class: string; breaks?: string[] }[] };
    const drop = json.changes.find((c) => c.id === 'drop-column/ecom.public.books/genre')!;
    expect(drop.class).toBe('destructive');
    // From the snapshot's view reads today; the lineage graph (branch `lineage`) is to name these too.
    // (The lineage graph adds the column each reads: `view vw_revenue_by_genre (genre)`.)
    expect(drop.breaks).toEqual([
      expect.stringMatching(/^view vw_revenue_by_genre\b/),
      expect.stringMatching(/^chart 'Revenue by Genre'/),
    ]);
    writeFileSync(
      join(dir, 'cdc-approvals.yaml'),
      'approvals:\n  drop-column/ecom.public.books/genre: drop\n  remove-chart/Revenue by Genre: remove\n',
    );
    const compiled = await cli([], { cwd: dir });
    expect(compiled.stderr).toBe('');
    expect(compiled.exitCode).toBe(0);
    expect(migrationsOf(dir)).toEqual(['0001_drop_column_dim_books_genre_and_1_more.sql']);
    const sql = read(dir, `${MIGRATIONS}/0001_drop_column_dim_books_genre_and_1_more.sql`);
    // The view reads the column: PostgreSQL refuses the DROP COLUMN while it exists.
    expect(sql).toMatch(
      / {2}DROP VIEW IF EXISTS vw_revenue_by_genre;\n {2}ALTER TABLE dim_books DROP COLUMN IF EXISTS genre;\n/,
    );
    for (const [, engine] of ENGINES) await (await migrate(dir, engine)).close();
  });

  test('keep instead of drop: no migration, the column stays', async () => {
    const dir = project((s) => edit(s, '    cover_url: t.varchar(500),\n', ''));
    writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals:\n  drop-column/ecom.public.books/cover_url: keep\n');
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(migrationsOf(dir)).toEqual([]);
  });

  test('change only a view: no migration, no Flink or connector change', async () => {
    const dir = project((s) =>
      edit(s, "WHEN ${books.c.price} < 10 THEN 'Under $10'", "WHEN ${books.c.price} < 15 THEN 'Under $15'"),
    );
    const before = tree(join(dir, 'generated'));
    const plan = await cli(['plan', '--format', 'json'], { cwd: dir });
    expect(plan.exitCode).toBe(0);
    expect((JSON.parse(plan.stdout).changes as { id: string }[]).map((c) => c.id)).toEqual([
      'replace-view/vw_book_price_distribution',
    ]);
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(migrationsOf(dir)).toEqual([]);
    const after = tree(join(dir, 'generated'));
    const changed = [...after.keys()].filter((p) => after.get(p) !== before.get(p)).sort();
    expect(changed.filter((p) => /^(debezium|flink)\//.test(p))).toEqual([]);
    expect(changed).toContain('analytics/views.sql');
  });
});

describe('history', () => {
  test('earlier migrations stay byte for byte, the next is numbered on; a copy compiles the same; an edit is refused', async () => {
    const dir = project((s) =>
      edit(s, '    isbn: t.varchar(20),', '    isbn: t.varchar(20),\n    language: t.varchar(10),'),
    );
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    const first = read(dir, `${MIGRATIONS}/0001_add_column_dim_books_language.sql`);
    const config = join(dir, 'pipeline.config.ts');
    writeFileSync(
      config,
      edit(
        read(dir, 'pipeline.config.ts'),
        '    language: t.varchar(10),',
        '    language: t.varchar(10),\n    subtitle: t.text(),',
      ),
    );
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    expect(migrationsOf(dir)).toEqual([
      '0001_add_column_dim_books_language.sql',
      '0002_add_column_dim_books_subtitle.sql',
    ]);
    expect(read(dir, `${MIGRATIONS}/0001_add_column_dim_books_language.sql`)).toBe(first);
    // Nothing changed since: the tree is current, and so it is for a clone of it.
    expect((await cli(['--check'], { cwd: dir })).exitCode).toBe(0);
    const clone = copyProject('bookstore');
    dirs.push(clone);
    rmSync(join(clone, 'generated'), { recursive: true });
    const { cpSync } = await import('node:fs');
    cpSync(join(dir, 'generated'), join(clone, 'generated'), { recursive: true });
    cpSync(config, join(clone, 'pipeline.config.ts'));
    expect((await cli(['--check'], { cwd: clone })).exitCode).toBe(0);
    // The DDL Job runs them in order before schema.sql; so does ops/apply-analytics.sh.
    const job = read(dir, 'generated/kubernetes/base/analytics-db.yaml');
    expect(job).toMatch(
      /0001_add_column_dim_books_language\.sql\n.*0002_add_column_dim_books_subtitle\.sql\n.*schema\.sql\n.*views\.sql/,
    );
    expect(read(dir, 'generated/ops/apply-analytics.sh')).toContain(
      "FILES=('analytics/migrations/0001_add_column_dim_books_language.sql' 'analytics/migrations/0002_add_column_dim_books_subtitle.sql' 'analytics/schema.sql' 'analytics/views.sql')",
    );
    // Both apply, in order, on PGlite.
    await (await migrate(dir, pglite)).close();
    // The ops script: shellcheck-clean, and on a real server it applies them (and again: nothing to do).
    const script = join(dir, 'generated/ops/apply-analytics.sh');
    if (hasShellcheck || process.env['CI'])
      expect(() => execFileSync('shellcheck', ['--shell=bash', script], { encoding: 'utf8' })).not.toThrow();
    if (PG_URL) {
      const db = await postgres();
      try {
        await db.exec(OLD_SCHEMA);
        for (let i = 0; i < 2; i++) {
          const out = execFileSync('bash', [script, db.url!], {
            encoding: 'utf8',
            env: { ...process.env, PATH: `${PG_BIN}:${process.env['PATH']}` },
          });
          expect(out).toContain('analytics migrations, schema and views applied');
        }
        expect(await db.rows('SELECT id FROM cdc_migrations ORDER BY id')).toEqual([
          { id: '0001_add_column_dim_books_language' },
          { id: '0002_add_column_dim_books_subtitle' },
        ]);
      } finally {
        await db.close();
      }
    }

    writeFileSync(join(dir, `${MIGRATIONS}/0001_add_column_dim_books_language.sql`), `${first}-- edited\n`);
    const refused = await cli([], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('MIGRATION.CHANGED');
    expect(refused.stderr).toContain('0001_add_column_dim_books_language.sql:1:1');
    rmSync(join(dir, `${MIGRATIONS}/0001_add_column_dim_books_language.sql`));
    expect((await cli([], { cwd: dir })).stderr).toContain('MIGRATION.MISSING');
  });

  test('a database with only some of the tables is refused, and the migration rolls back', async () => {
    const dir = project((s) =>
      edit(s, '    isbn: t.varchar(20),', '    isbn: t.varchar(20),\n    language: t.varchar(10),'),
    );
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
    const db = await pglite();
    try {
      await db.exec(OLD_SCHEMA);
      await db.exec('DROP TABLE fact_inventory');
      await expect(db.exec(read(dir, `${MIGRATIONS}/0001_add_column_dim_books_language.sql`))).rejects.toThrow(
        /the database has no fact_inventory/,
      );
      await db.exec('ROLLBACK');
      expect(await db.rows("SELECT 1 FROM information_schema.columns WHERE column_name = 'language'")).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
