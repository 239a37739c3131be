/**
 * The analytics migration of one change of the pipeline: two snapshots and the decisions taken on them →
 * the SQL that takes an analytics database from the first state to the second. Additive by default:
 * columns and tables are added and widened; a column or table goes only under an approved `drop`
 * (`keep` leaves it, nullable). Views are not migrated (views.sql replaces them after the migrations),
 * but the ones in the way of a change are dropped first, and removed views are dropped.
 *
 * Pure: `compile.ts` reads the previous state and the approvals; `targets/analytics/migration.ts` renders.
 */
import { quoteIdent, sqlString } from '../sql/dialect.js';
import type { MigrationData } from '../targets/analytics/migration.js';
import type { Change } from './diff.js';
import type { ColumnSnapshot, Snapshot, TableSnapshot } from './snapshot.js';

export interface MigrationInput {
  readonly old: Snapshot;
  readonly next: Snapshot;
  /** `diff(old, next)`, in its order. */
  readonly changes: readonly Change[];
  /** cdc-approvals.yaml's decisions by change id. */
  readonly decisions: ReadonlyMap<string, string>;
  /** This migration's number (one more than the last one's). */
  readonly number: number;
  readonly folder: string;
  /** The qualified name of the table migrations record themselves in. */
  readonly table: string;
  /** A schema to create before that table, if any. */
  readonly createSchema?: string;
}

/** Statements run in phases, so a change never meets an object a later change of the same plan creates. */
const PHASES = ['views', 'drop', 'rename', 'add', 'alter', 'key'] as const;
type Phase = (typeof PHASES)[number];

interface Statement {
  readonly phase: Phase;
  readonly sql: string;
}

const split = (qualified: string) => {
  const dot = qualified.indexOf('.');
  return dot < 0
    ? { schema: undefined, name: qualified }
    : { schema: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
};
/** A qualified name from a snapshot, each part quoted when PostgreSQL needs it (a snapshot is read from disk). */
const rel = (qualified: string) => {
  const { schema, name } = split(qualified);
  return schema === undefined ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
};
const col = quoteIdent;
/** Types and defaults are taken from the new snapshot only (the Model's, as schema.sql writes them). */
const columnDdl = (c: ColumnSnapshot) =>
  [col(c.name), c.type, c.notNull ? 'NOT NULL' : '', c.default !== undefined ? `DEFAULT ${c.default}` : '']
    .filter(Boolean)
    .join(' ');

function createTable(t: TableSnapshot): string {
  const lines = [
    ...t.analytics.columns.map((c) => `  ${columnDdl(c)}`),
    `  PRIMARY KEY (${t.analytics.primaryKey.map(col).join(', ')})`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${rel(t.analytics.qualifiedName)} (\n${lines.join(',\n')}\n);`;
}

/** The primary key goes by whatever name PostgreSQL gave it. */
const dropKey = (table: string) =>
  [
    `FOR cdc_constraint IN SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = ${sqlString(table)}::regclass AND contype = 'p' LOOP`,
    `  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', ${sqlString(table)}::regclass, cdc_constraint);`,
    'END LOOP;',
  ].join('\n');

/**
 * Views that read any of `touched` (`table`, or `table.column`, analytics names), directly or through
 * other views, in the old snapshot's order. A view read of a whole table counts for each of its columns.
 */
function viewsReading(old: Snapshot, touched: ReadonlySet<string>): string[] {
  const hit: string[] = [];
  const reads = (r: string) => [...touched].some((e) => r === e || r.startsWith(`${e}.`) || e.startsWith(`${r}.`));
  for (const v of old.views) {
    const direct = v.reads.some(reads);
    if (direct || v.dependsOn.some((d) => hit.includes(d))) hit.push(v.name);
  }
  return hit;
}

/** A history file's name part (`0002_<slug>.sql`, `0002_<slug>.sh`) from what it does. */
export const slugOf = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48)
    .replace(/_+$/, '');

/**
 * The migration from `old` to `next`, or undefined when the analytics database needs none (or when a
 * change still waits for a decision: then `compile` refuses to write anyway).
 */
export function planMigration(input: MigrationInput): MigrationData | undefined {
  const { old, next, decisions } = input;
  const oldTables = new Map(old.tables.map((t) => [t.id, t]));
  const nextTables = new Map(next.tables.map((t) => [t.id, t]));
  const statements = new Map<string, Statement[]>();
  /** Tables and columns (analytics names) dropped or retyped: views reading them are in PostgreSQL's way. */
  const touched = new Set<string>();
  const droppedViews = new Set<string>();
  let keyChange = false;
  if (input.changes.some((c) => c.decisions && !decisions.has(c.id))) return undefined;

  for (const change of input.changes) {
    const [kind, subject, ...rest] = change.id.split('/');
    const decision = decisions.get(change.id);
    const out: Statement[] = [];
    const add = (phase: Phase, sql: string) => out.push({ phase, sql });
    const was = subject !== undefined ? oldTables.get(subject) : undefined;
    const now = subject !== undefined ? nextTables.get(subject) : undefined;
    switch (kind) {
      case 'add-table':
        add('add', createTable(now!));
        break;
      case 'remove-table':
        if (decision === 'drop') {
          touched.add(was!.analytics.name);
          add('drop', `DROP TABLE IF EXISTS ${rel(was!.analytics.qualifiedName)};`);
        }
        break;
      case 'remove-source':
        if (decision === 'drop')
          for (const t of old.tables.filter((x) => x.source === subject)) {
            touched.add(t.analytics.name);
            add('drop', `DROP TABLE IF EXISTS ${rel(t.analytics.qualifiedName)};`);
          }
        break;
      case 'rename-table': {
        const from = split(was!.analytics.qualifiedName);
        const to = split(now!.analytics.qualifiedName);
        if (decision === 'rename') {
          let current = was!.analytics.qualifiedName;
          if (from.schema !== to.schema) {
            add('rename', `ALTER TABLE ${rel(current)} SET SCHEMA ${quoteIdent(to.schema ?? 'public')};`);
            current = to.schema === undefined ? from.name : `${to.schema}.${from.name}`;
          }
          if (from.name !== to.name) add('rename', `ALTER TABLE ${rel(current)} RENAME TO ${quoteIdent(to.name)};`);
        } else {
          touched.add(was!.analytics.name);
          add('drop', `DROP TABLE IF EXISTS ${rel(was!.analytics.qualifiedName)};`);
          add('add', createTable(now!));
        }
        break;
      }
      case 'change-key': {
        const table = now!.analytics.qualifiedName;
        keyChange = true;
        add('drop', dropKey(table));
        add('key', `ALTER TABLE ${rel(table)} ADD PRIMARY KEY (${now!.analytics.primaryKey.map(col).join(', ')});`);
        break;
      }
      case 'rename-column': {
        const table = now!.analytics.qualifiedName;
        const [from, to] = rest as [string, string];
        if (decision === 'rename') add('rename', `ALTER TABLE ${rel(table)} RENAME COLUMN ${col(from)} TO ${col(to)};`);
        else {
          touched.add(`${now!.analytics.name}.${from}`);
          add('drop', `ALTER TABLE ${rel(table)} DROP COLUMN IF EXISTS ${col(from)};`);
          add(
            'add',
            addColumn(
              table,
              now!.analytics.columns.find((c) => c.name === to)!,
            ),
          );
        }
        break;
      }
      case 'drop-column': {
        const table = now!.analytics.qualifiedName;
        const column = was!.analytics.columns.find((c) => c.name === rest[0])!;
        if (decision === 'drop') {
          touched.add(`${now!.analytics.name}.${column.name}`);
          add('drop', `ALTER TABLE ${rel(table)} DROP COLUMN IF EXISTS ${col(column.name)};`);
        } else if (column.notNull && !now!.analytics.primaryKey.includes(column.name)) {
          // Kept, but no longer written: rows inserted from now on have no value for it.
          add('alter', `ALTER TABLE ${rel(table)} ALTER COLUMN ${col(column.name)} DROP NOT NULL;`);
        }
        break;
      }
      case 'add-column':
        add(
          'add',
          addColumn(
            now!.analytics.qualifiedName,
            now!.analytics.columns.find((c) => c.name === rest[0])!,
          ),
        );
        break;
      case 'retype-column': {
        const table = now!.analytics.qualifiedName;
        const c = now!.analytics.columns.find((x) => x.name === rest[0])!;
        touched.add(`${now!.analytics.name}.${c.name}`);
        const type = c.type;
        add(
          'alter',
          `ALTER TABLE ${rel(table)} ALTER COLUMN ${col(c.name)} TYPE ${type} USING ${col(c.name)}::${type};`,
        );
        break;
      }
      case 'nullability': {
        const table = now!.analytics.qualifiedName;
        const c = now!.analytics.columns.find((x) => x.name === rest[0])!;
        add('alter', `ALTER TABLE ${rel(table)} ALTER COLUMN ${col(c.name)} ${c.notNull ? 'SET' : 'DROP'} NOT NULL;`);
        break;
      }
      case 'drop-view':
        droppedViews.add(subject!);
        break;
      default:
        // Connector, Flink, view replacements and Superset: nothing in the analytics tables.
        break;
    }
    if (out.length) statements.set(change.id, out);
  }

  for (const v of viewsReading(old, touched)) droppedViews.add(v);
  const views = old.views
    .filter((v) => droppedViews.has(v.name))
    .reverse()
    .map((v) => `DROP VIEW IF EXISTS ${rel(v.qualifiedName)};`);
  if (!statements.size && !views.length) return undefined;

  const ordered = [...statements.values()].flat();
  const body = [...views, ...PHASES.flatMap((phase) => ordered.filter((s) => s.phase === phase).map((s) => s.sql))];
  const listed = input.changes.filter(
    (c) => statements.has(c.id) || (c.id.startsWith('drop-view/') && droppedViews.has(c.id.slice('drop-view/'.length))),
  );
  const first = listed[0]?.id ?? `drop-view/${[...droppedViews][0]}`;
  const named = (id: string) => {
    const [kind, subject, ...rest] = id.split('/');
    const t = subject !== undefined ? (nextTables.get(subject) ?? oldTables.get(subject)) : undefined;
    return [kind, t ? t.analytics.name : subject, ...rest.slice(0, 1)].join('_');
  };
  const slug = slugOf(named(first)) + (listed.length > 1 ? `_and_${listed.length - 1}_more` : '');
  const id = `${String(input.number).padStart(4, '0')}_${slug || 'change'}`;
  return {
    id,
    path: `${input.folder}/${id}.sql`,
    table: rel(input.table),
    ...(input.createSchema !== undefined ? { createSchema: quoteIdent(input.createSchema) } : {}),
    changes: listed.map((c) => {
      const decision = decisions.get(c.id);
      return `${c.id} (${c.class}${decision ? `, ${decision}` : ''}): ${c.summary.replace(/\s+/g, ' ')}`;
    }),
    before: old.tables.map((t) => sqlString(t.analytics.qualifiedName)),
    declares: keyChange ? ['cdc_constraint name;'] : [],
    statements: body,
  };
}

function addColumn(table: string, c: ColumnSnapshot): string {
  // NOT NULL only with a default: existing rows have no value for a new column until a snapshot fills it.
  const notNull = c.notNull && c.default !== undefined;
  return `ALTER TABLE ${rel(table)} ADD COLUMN IF NOT EXISTS ${columnDdl({ ...c, notNull })};`;
}
