/**
 * Reads a table's columns from a live PostgreSQL catalog (`add table --from`, `plan --source-url`): name,
 * the type as `format_type` spells it, NOT NULL, key position, what kind of type it is (an enum or a
 * composite by name, a domain by its base type) and whether it is generated (PostgreSQL 15's logical
 * replication does not publish generated columns). One query, read-only; the `pg` client.
 */
import type { TypeKind } from './columns.js';

export interface CatalogColumn {
  readonly name: string;
  /** `format_type(atttypid, atttypmod)`, or the domain's base type. */
  readonly type: string;
  readonly notNull: boolean;
  /** Position in the primary key (1-based), if it is part of it. */
  readonly keyPosition?: number;
  readonly userType?: { kind: TypeKind; name: string };
  readonly generated: boolean;
  /** The column's type is a domain over `type`. */
  readonly domain?: string;
}

const COLUMNS_SQL = `
SELECT a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       array_position(i.indkey::int2[], a.attnum) AS key_position,
       ty.typtype AS kind,
       el.typtype AS element_kind,
       COALESCE(el.typname, ty.typname) AS type_name,
       CASE WHEN ty.typtype = 'd' THEN format_type(ty.typbasetype, ty.typtypmod) END AS domain_base,
       CASE WHEN ty.typtype = 'd' THEN ty.typname END AS domain_name,
       a.attgenerated <> '' AS generated
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

const TABLES_SQL = `
SELECT n.nspname || '.' || c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT c.relispartition
ORDER BY 1`;

interface Row {
  name: string;
  type: string;
  not_null: boolean;
  key_position: number | null;
  kind: string;
  element_kind: string | null;
  type_name: string;
  domain_base: string | null;
  domain_name: string | null;
  generated: boolean;
}

export interface Catalog {
  /** The columns of `schema.table`, in column order; undefined when there is no such table. */
  columns(schema: string, table: string): Promise<CatalogColumn[] | undefined>;
  /** Every user table as `schema.table`, for suggestions. */
  tables(): Promise<string[]>;
  close(): Promise<void>;
}

/** Connects to `url` (a postgres:// URL; PGPASSWORD and the other libpq variables apply). */
export async function connect(url: string): Promise<Catalog> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  // Read-only, and never longer than a catalog query needs.
  await client.query("SET default_transaction_read_only = on; SET statement_timeout = '30s'");
  return {
    async columns(schema, table) {
      const { rows } = await client.query<Row>(COLUMNS_SQL, [schema, table]);
      if (!rows.length) return undefined;
      return rows.map((r) => {
        const kind = r.element_kind ?? r.kind;
        const userType =
          kind === 'e'
            ? { kind: 'enum' as const, name: r.type_name }
            : kind === 'c'
              ? { kind: 'composite' as const, name: r.type_name }
              : undefined;
        return {
          name: r.name,
          type: r.domain_base ?? r.type,
          notNull: r.not_null,
          ...(r.key_position !== null ? { keyPosition: r.key_position } : {}),
          ...(userType ? { userType } : {}),
          generated: r.generated,
          ...(r.domain_name ? { domain: r.domain_name } : {}),
        };
      });
    },
    async tables() {
      return (await client.query<{ name: string }>(TABLES_SQL)).rows.map((r) => r.name);
    },
    close: () => client.end(),
  };
}
