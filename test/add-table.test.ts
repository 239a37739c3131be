/**
 * `cdc-compile add table` through the built CLI on temp copies of the book store and every example: the
 * edited file is the original with one block spliced in (formatting and comments untouched) and compiles;
 * what cannot be carried is refused with its reason; `--from` reads a real PostgreSQL 15 catalog
 * (CDC_TEST_PG_URL), types mapped through the type matrix.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { parseColumnsFlag, parseType } from '../src/cli/add/columns.js';
import { PG_URL } from './support/postgres-url.js';
import { PROJECTS } from './support/compile.js';
import { staticImports } from './support/dist-imports.js';
import { cli, copyProject } from './support/project.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const copy = (name: string) => {
  const dir = copyProject(name);
  dirs.push(dir);
  return dir;
};

/** The text `after` has that `before` lacks, when `after` is `before` with whole lines inserted at one place. */
function inserted(before: string, after: string): string {
  let i = 0;
  while (i < before.length && before[i] === after[i]) i++;
  i = before.lastIndexOf('\n', i - 1) + 1;
  const delta = after.length - before.length;
  expect(after.slice(0, i) + after.slice(i + delta)).toBe(before);
  return after.slice(i, i + delta);
}

describe('types', () => {
  test.each([
    ['varchar(255)', 't.varchar(255)'],
    ['character varying(20)', 't.varchar(20)'],
    ['numeric(10,2)', 't.numeric(10, 2)'],
    ['int', 't.integer()'],
    ['timestamp(3) without time zone', 't.timestamp(3)'],
    ['timestamp with time zone', 't.timestamptz()'],
    ['double precision', 't.double()'],
    ['integer[]', 't.array(t.integer())'],
    ['enum(order_status)', "t.enum('order_status')"],
    ['character(1)', 't.char(1)'],
  ])('%s → %s', (type, expression) => {
    expect(parseType(type)).toMatchObject({ expression });
  });

  test('what has no column type, or a second dimension, is refused with a reason', () => {
    expect(parseType('hstore')).toEqual({ reason: 'cdc-compile has no column type for hstore' });
    expect(parseType('integer[][]')).toMatchObject({ reason: expect.stringMatching(/one dimension/) });
    expect(parseType('numeric(a)')).toMatchObject({ reason: expect.stringMatching(/whole numbers/) });
  });

  test('--columns: commas inside parentheses belong to the type; flags are pk and notnull', () => {
    expect(parseColumnsFlag('id:uuid:pk,price:numeric(10,2):notnull')).toEqual({
      columns: [
        { name: 'id', type: 'uuid', primaryKey: true, notNull: false },
        { name: 'price', type: 'numeric(10,2)', primaryKey: false, notNull: true },
      ],
    });
    expect(parseColumnsFlag('id')).toMatchObject({ problem: expect.stringMatching(/name:type/) });
    expect(parseColumnsFlag('id:uuid:key')).toMatchObject({ problem: expect.stringMatching(/neither pk nor notnull/) });
  });
});

describe('add table --columns (built CLI)', () => {
  test('the book store: one block after the source’s last table, the rest byte for byte, and it compiles', async () => {
    const dir = copy('bookstore');
    const config = join(dir, 'pipeline.config.ts');
    const before = readFileSync(config, 'utf8');
    const r = await cli(['add', 'table', 'ecom.reviews', '--columns', 'id:uuid:pk,book_id:uuid,rating:integer'], {
      cwd: dir,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const after = readFileSync(config, 'utf8');
    expect(inserted(before, after)).toBe(
      [
        "const reviews = ecom.table('reviews', {",
        '  columns: {',
        '    id: t.uuid().primaryKey(),',
        '    book_id: t.uuid(),',
        '    rating: t.integer(),',
        '  },',
        '});',
        '',
        '',
      ].join('\n'),
    );
    // After the books table, the last of ecom's.
    expect(after.indexOf("const reviews = ecom.table('reviews'")).toBeGreaterThan(after.indexOf("ecom.table('books'"));
    expect(after.indexOf("const reviews = ecom.table('reviews'")).toBeLessThan(
      after.indexOf("inventoryDb.table('inventory'"),
    );
    expect(r.stdout).toContain('landing in fact_reviews');
    // The plan says what the running pipeline needs for it.
    const plan = await cli(['plan'], { cwd: dir });
    expect(plan.stdout).toContain('~ add-table/ecom.public.reviews  [needs-backfill]');
    const compiled = await cli([], { cwd: dir });
    expect(compiled.exitCode, compiled.stderr).toBe(0);
    expect(readFileSync(join(dir, 'generated', 'analytics', 'schema.sql'), 'utf8')).toContain(
      'CREATE TABLE IF NOT EXISTS fact_reviews',
    );
  });

  test.each(PROJECTS.filter((p) => p.name !== 'bookstore').map((p) => p.name))(
    'example %s: a table added to its first source compiles, nothing else changes',
    async (name) => {
      const dir = copy(name);
      const config = join(dir, 'pipeline.config.ts');
      const before = readFileSync(config, 'utf8');
      const source = /postgresSource\(\s*'([^']+)'/.exec(before)![1]!;
      const r = await cli(
        ['add', 'table', `${source}.audit_notes`, '--columns', 'id:bigint:pk,note:text,at:timestamptz'],
        {
          cwd: dir,
        },
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const block = inserted(before, readFileSync(config, 'utf8'));
      expect(block).toMatch(/\.table\('audit_notes', \{\n {2}columns: \{\n {4}id: t\.bigint\(\)\.primaryKey\(\),/);
      const compiled = await cli([], { cwd: dir });
      expect(compiled.exitCode, compiled.stderr).toBe(0);
    },
  );

  test('a schema, a column the type matrix refuses (kept out, its reason in a comment), --dry-run writes nothing', async () => {
    const dir = copy('bookstore');
    const config = join(dir, 'pipeline.config.ts');
    const before = readFileSync(config, 'utf8');
    const dry = await cli(
      ['add', 'table', 'ecom.sales.refunds', '--columns', 'id:uuid:pk,at:time[],amount:money', '--dry-run'],
      {
        cwd: dir,
      },
    );
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(readFileSync(config, 'utf8')).toBe(before);
    expect(dry.stdout).toContain("schema: 'sales',");
    // The book store's connector reads times as epoch milliseconds (time.precision.mode=connect).
    expect(dry.stdout).toMatch(
      /\/\/ not captured: at \(time\[\]\): Debezium 2\.7 sends null .*time\.precision\.mode=connect/,
    );
    expect(dry.stdout).toContain('amount: t.money(),');
  });

  test('refusals: an existing table, an unknown source, an uncarriable key, bad flags — the file untouched', async () => {
    const dir = copy('bookstore');
    const config = join(dir, 'pipeline.config.ts');
    const before = readFileSync(config, 'utf8');
    const cases: [string[], number, RegExp][] = [
      [
        ['add', 'table', 'ecom.books', '--columns', 'id:uuid:pk'],
        2,
        /ADD\.TABLE_EXISTS: ecom\.books is declared already \(line \d+\)/,
      ],
      [
        ['add', 'table', 'ecomm.reviews', '--columns', 'id:uuid:pk'],
        2,
        /ADD\.UNKNOWN_SOURCE[^\n]*\n {2}hint: did you mean 'ecom\.reviews'\?/,
      ],
      [
        ['add', 'table', 'ecom.tags', '--columns', 'id:hstore:pk,x:text'],
        1,
        /ADD\.CANNOT_CARRY: ecom\.public\.tags: its key column\(s\) cannot be carried: id \(hstore\)/,
      ],
      [['add', 'table', 'ecom.reviews'], 2, /either --columns or --from/],
      [['add', 'table', 'reviews', '--columns', 'id:uuid:pk'], 2, /not <source>\.<table>/],
      [['add', 'view', 'x'], 2, /can add a table, not 'view'/],
      [['add', 'table', 'ecom.reviews', '--columns', 'id:uuid:pk,id:text'], 2, /'id' is given twice/],
      // The edited config would not compile (no key): nothing is written, the compiler's reason is shown.
      [
        ['add', 'table', 'ecom.keyless', '--columns', 'a:text'],
        1,
        /error [A-Z]+\.[A-Z_]+: .*\(in the edited config, not written\)/,
      ],
    ];
    for (const [args, status, message] of cases) {
      const r = await cli(args, { cwd: dir });
      expect(r.exitCode, `${args.join(' ')}\n${r.stderr}`).toBe(status);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(config, 'utf8')).toBe(before);
    }
  });

  test('a config without the t import gets it added to its cdc-compile import', async () => {
    const dir = copy('minimal');
    const config = join(dir, 'pipeline.config.ts');
    const original = readFileSync(config, 'utf8');
    // A config that uses no column builder of its own (none today imports nothing else), made so here.
    const without = original.replace(/import \{([^}]*)\} from 'cdc-compile';/, (_m, names: string) => {
      const kept = names
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n && n !== 't');
      return `import { ${kept.join(', ')}, t as types } from 'cdc-compile';`;
    });
    writeFileSync(config, without.replace(/\bt\./g, 'types.'));
    const r = await cli(
      ['add', 'table', `${/postgresSource\(\s*'([^']+)'/.exec(original)![1]}.notes`, '--columns', 'id:uuid:pk'],
      {
        cwd: dir,
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(config, 'utf8')).toMatch(/import \{ [^}]*, t as types, t \} from 'cdc-compile';/);
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);
  });
});

describe.skipIf(!PG_URL)('add table --from (real PostgreSQL)', () => {
  const db = `cdc_add_${process.pid}`;
  const url = () => {
    const u = new URL(PG_URL!);
    u.pathname = `/${db}`;
    return u.toString();
  };
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.end();
  });

  test('catalog types through the type matrix: kept, refused with reasons, the key, an enum, a domain', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const c = new pg.Client({ connectionString: url() });
    await c.connect();
    await c.query(`
      CREATE TYPE review_state AS ENUM ('new', 'published');
      CREATE DOMAIN stars AS smallint CHECK (VALUE BETWEEN 1 AND 5);
      CREATE SCHEMA shop;
      CREATE TABLE shop.reviews (
        id uuid PRIMARY KEY,
        book_id uuid NOT NULL,
        rating stars,
        body varchar(2000),
        price numeric(10, 2),
        tags text[],
        state review_state,
        created_at timestamp(3) without time zone,
        lex tsvector,
        kv int4range,
        t_arr time[],
        words_count integer GENERATED ALWAYS AS (length(body)) STORED
      );
      CREATE TABLE public.line (order_id uuid, line_no integer, qty integer, PRIMARY KEY (order_id, line_no));`);
    await c.end();

    const dir = copy('bookstore');
    const config = join(dir, 'pipeline.config.ts');
    const before = readFileSync(config, 'utf8');
    const r = await cli(['add', 'table', 'ecom.shop.reviews', '--from', url()], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const block = inserted(before, readFileSync(config, 'utf8'));
    expect(block).toContain("schema: 'shop',");
    expect(block).toContain(
      '    id: t.uuid().primaryKey(),\n    book_id: t.uuid().notNull(),\n    rating: t.smallint(),\n',
    );
    expect(block).toContain('    body: t.varchar(2000),\n    price: t.numeric(10, 2),\n    tags: t.array(t.text()),\n');
    expect(block).toContain("    state: t.enum('review_state'),\n");
    expect(block).toContain('    created_at: t.timestamp(3),\n    kv: t.int4range(),\n');
    expect(block).toMatch(/\/\/ not captured: lex \(tsvector\): Debezium 2\.7 has no converter for tsvector/);
    expect(block).toMatch(/\/\/ not captured: t_arr \(time without time zone\[\]\): Debezium 2\.7 sends null/);
    expect(block).toMatch(/\/\/ not captured: words_count \(integer\): a generated column/);
    expect((await cli([], { cwd: dir })).exitCode).toBe(0);

    // A composite key keeps its order in primaryKey.
    const composite = await cli(['add', 'table', 'ecom.line', '--from', url(), '--format', 'json'], { cwd: dir });
    expect(composite.exitCode, composite.stderr).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain("primaryKey: ['order_id', 'line_no'],");

    // A table the database does not have: a suggestion.
    const missing = await cli(['add', 'table', 'ecom.shop.review', '--from', url()], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('ADD.NO_SUCH_TABLE: the database has no table shop.review');
    expect(missing.stderr).toContain("did you mean 'ecom.shop.reviews'?");
  });
});

test('neither ts-morph nor pg nor the add, why and drift chunks are in the static imports of a compile', () => {
  for (const entry of ['cli.js', 'index.js']) {
    const seen = staticImports(entry);
    expect(
      [...seen].some((f) => f.startsWith('compiler-')),
      entry,
    ).toBe(true);
    expect([...seen], entry).not.toContain('ts-morph');
    expect([...seen], entry).not.toContain('pg');
    expect(
      [...seen].filter((f) => /^(add-command|codemod|columns|introspect|why-command|drift|impact)-/.test(f)),
      entry,
    ).toEqual([]);
  }
});
