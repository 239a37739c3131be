/** views.sql must apply over the previous version of itself, also when a view's columns change. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { expect, test } from 'vitest';
import { compile } from '../src/compile.js';
import { copyProject } from './support/project.js';

test('a view whose output columns changed replaces the old one', async () => {
  const dir = copyProject('minimal');
  const config = join(dir, 'pipeline.config.ts');
  const db = await PGlite.create();
  try {
    const before = await compile({ config });
    const file = (r: typeof before, path: string) => String(r.artefacts.find((a) => a.path === path)!.contents);
    await db.exec(file(before, 'analytics/schema.sql'));
    await db.exec(file(before, 'analytics/views.sql'));

    // Rename an output column and add one: CREATE OR REPLACE VIEW would fail here.
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace('customers: t.bigint() }', 'customer_count: t.bigint(), with_email: t.bigint() }')
        .replace('COUNT(*) AS customers', 'COUNT(*) AS customer_count, COUNT(${customers.c.email}) AS with_email'),
    );
    const after = await compile({ config });
    expect(after.diagnostics).toEqual([]);
    await db.exec(file(after, 'analytics/schema.sql'));
    await db.exec(file(after, 'analytics/views.sql'));
    const columns = await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'customers_by_country' ORDER BY ordinal_position",
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(['country', 'customer_count', 'with_email']);
  } finally {
    await db.close();
  }
});

test('a view whose SQL ends in a -- comment still applies', async () => {
  const dir = copyProject('minimal');
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      'GROUP BY ${customers.c.country}`',
      'GROUP BY ${customers.c.country} -- one row per country`',
    ),
  );
  const result = await compile({ config });
  expect(result.diagnostics).toEqual([]);
  const db = await PGlite.create();
  try {
    for (const path of ['analytics/schema.sql', 'analytics/views.sql']) {
      await db.exec(String(result.artefacts.find((a) => a.path === path)!.contents));
    }
    const rows = await db.query('SELECT * FROM customers_by_country');
    expect(rows.fields.map((f) => f.name)).toEqual(['country', 'customers']);
  } finally {
    await db.close();
  }
});
