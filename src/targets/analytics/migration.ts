/**
 * One analytics migration file (`analytics/migrations/NNNN_<slug>.sql`), rendered from what
 * `plan/migration.ts` decided. Written here rather than as an overridable template: a migration is
 * history, kept byte for byte by every later compile, so its layout must not follow a template edited later.
 */

export interface MigrationData {
  /** `NNNN_<slug>`: what the migrations table records. */
  readonly id: string;
  /** Path in the output directory. */
  readonly path: string;
  /** The migrations table, quoted; and the schema to create before it, if any. */
  readonly table: string;
  readonly createSchema?: string;
  /** One line per change the migration carries out: id, class, decision, summary. */
  readonly changes: readonly string[];
  /** The analytics tables of the state it starts from, as SQL string literals. */
  readonly before: readonly string[];
  /** PL/pgSQL declarations the statements need. */
  readonly declares: readonly string[];
  /** In order. */
  readonly statements: readonly string[];
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');

export function renderMigration(m: MigrationData, header: string): string {
  const id = `'${m.id}'`;
  const before = m.before.length ? `ARRAY[${m.before.join(', ')}]::text[]` : `ARRAY[]::text[]`;
  return `${header}
--
-- Analytics migration ${m.id}. It carries out:
${m.changes.map((c) => `--   ${c}`).join('\n')}
--
-- Run the migrations in order, then schema.sql and views.sql (the DDL Job and ops/apply-analytics.sh do).
-- Each runs once, in one transaction, and records itself in ${m.table}; run again, it does nothing.
-- On a database without the tables it starts from (a new one) it only records itself: schema.sql then
-- creates the current tables. A database with only some of them is refused (it is not at that state).

BEGIN;
${m.createSchema ? `CREATE SCHEMA IF NOT EXISTS ${m.createSchema};\n` : ''}SELECT pg_advisory_xact_lock(2089130515);
CREATE TABLE IF NOT EXISTS ${m.table} (
  id         text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now(),
  baseline   boolean NOT NULL DEFAULT false
);

DO $migration$
DECLARE
  present integer;
  missing text;
${m.declares.map((d) => `  ${d}\n`).join('')}BEGIN
  IF EXISTS (SELECT FROM ${m.table} WHERE id = ${id}) THEN
    RAISE NOTICE 'migration % is applied already', ${id};
    RETURN;
  END IF;
  SELECT count(*) FILTER (WHERE to_regclass(t) IS NOT NULL),
         string_agg(t, ', ') FILTER (WHERE to_regclass(t) IS NULL)
    INTO present, missing
    FROM unnest(${before}) AS t;
  IF present = 0 THEN
    INSERT INTO ${m.table} (id, baseline) VALUES (${id}, true);
    RAISE NOTICE 'migration %: a new database, recorded only (schema.sql creates the tables)', ${id};
    RETURN;
  END IF;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'migration %: the database has no %, so it is not at the state this migration starts from', ${id}, missing;
  END IF;

${m.statements.map(indent).join('\n')}

  INSERT INTO ${m.table} (id) VALUES (${id});
END
$migration$;

COMMIT;
`;
}
