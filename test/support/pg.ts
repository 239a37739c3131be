/** PGlite helpers: catalog reads and sample values by type. */
import { PGlite } from '@electric-sql/pglite';

export async function newDb(): Promise<PGlite> {
  return PGlite.create();
}

export interface CatalogColumn {
  readonly name: string;
  /** `format_type(atttypid, atttypmod)`, e.g. `character varying(255)`. */
  readonly type: string;
  /** `format_type(atttypid, NULL)`, e.g. `character varying`. */
  readonly baseType: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
}

/** Columns of a relation (table or view) in attnum order; undefined when the relation does not exist. */
export async function relationColumns(db: PGlite, qualifiedName: string): Promise<CatalogColumn[] | undefined> {
  const rel = await db.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [qualifiedName]);
  const oid = rel.rows[0]?.oid;
  if (oid == null) return undefined;
  const cols = await db.query<{
    name: string;
    type: string;
    base_type: string;
    not_null: boolean;
    has_default: boolean;
  }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, format_type(atttypid, NULL) AS base_type,
            attnotnull AS not_null, atthasdef AS has_default
       FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [oid],
  );
  return cols.rows.map((r) => ({
    name: r.name,
    type: r.type,
    baseType: r.base_type,
    notNull: r.not_null,
    hasDefault: r.has_default,
  }));
}

export async function relkind(db: PGlite, qualifiedName: string): Promise<string | undefined> {
  const r = await db.query<{ relkind: string }>('SELECT relkind FROM pg_class WHERE oid = to_regclass($1)', [
    qualifiedName,
  ]);
  return r.rows[0]?.relkind;
}

/** Primary key columns in key order. */
export async function primaryKeyColumns(db: PGlite, qualifiedName: string): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary
      ORDER BY k.ord`,
    [qualifiedName],
  );
  return r.rows.map((x) => x.name);
}

/**
 * PostgreSQL's own spelling of declared types (with modifiers), obtained by declaring them in a scratch
 * table: `varchar(255)` → `character varying(255)`, `timestamptz` → `timestamp with time zone`.
 */
export async function canonicalTypes(db: PGlite, types: readonly string[]): Promise<string[]> {
  if (!types.length) return [];
  await db.exec(
    `DROP TABLE IF EXISTS pg_temp.type_probe; CREATE TEMP TABLE type_probe (${types.map((t, i) => `c${i} ${t}`).join(', ')})`,
  );
  const cols = (await relationColumns(db, 'pg_temp.type_probe'))!;
  await db.exec('DROP TABLE pg_temp.type_probe');
  return cols.map((c) => c.type);
}

/** Base type name without modifiers: `numeric(12, 2)` → `numeric`, `char(2)` → `character`. */
export async function canonicalBaseType(db: PGlite, type: string): Promise<string | null> {
  const r = await db.query<{ t: string | null }>('SELECT format_type(to_regtype($1), NULL) AS t', [type]);
  return r.rows[0]?.t ?? null;
}

/**
 * A sensible literal for a column of PostgreSQL type `baseType` (as `format_type(oid, NULL)` spells it).
 * Every uuid is the same value so that joins on ids find their partner rows.
 */
export function sampleValue(baseType: string): string {
  if (baseType.endsWith('[]')) return `{${sampleArrayElement(baseType.slice(0, -2))}}`;
  switch (baseType) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return '7';
    case 'numeric':
    case 'money':
      return '12.50';
    case 'real':
    case 'double precision':
      return '1.5';
    case 'boolean':
      return 'true';
    case 'text':
    case 'character varying':
    case 'character':
      return 'US';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000001';
    case 'json':
    case 'jsonb':
      return '["a", "b"]';
    case 'xml':
      return '<a>b</a>';
    case 'bytea':
      return '\\x0102ff';
    case 'date':
      return '2024-05-01';
    case 'time without time zone':
      return '12:34:56.789';
    case 'time with time zone':
      return '12:34:56.789+00';
    case 'timestamp without time zone':
      return '2024-05-01 12:34:56.789';
    case 'timestamp with time zone':
      return '2024-05-01 12:34:56.789+00';
    case 'interval':
      return '1 day 02:00:00';
    case 'inet':
      return '10.0.0.1';
    case 'cidr':
      return '10.0.0.0/8';
    case 'macaddr':
      return '08:00:2b:01:02:03';
    case 'int4range':
    case 'int8range':
      return '[1,10)';
    case 'numrange':
      return '[1.5,2.25)';
    case 'tsrange':
      return '["2024-05-01 00:00:00","2024-06-01 00:00:00")';
    case 'tstzrange':
      return '["2024-05-01 00:00:00+00",infinity)';
    case 'daterange':
      return '[2024-05-01,2024-06-01)';
    default:
      throw new Error(`no sample value for type ${baseType}: extend sampleValue()`);
  }
}

function sampleArrayElement(baseType: string): string {
  const v = sampleValue(baseType);
  return /^[A-Za-z0-9.:-]+$/.test(v) ? v : `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
