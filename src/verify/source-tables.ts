import type { SourceModel } from '../resolve/model.js';
import { quoteIdent } from '../sql/dialect.js';

/**
 * DDL of a source database's captured tables, from the Model: what the operational database is assumed
 * to contain (schemas, enum types with placeholder labels, tables with their keys).
 */
export function sourceTablesDdl(source: SourceModel): string {
  const enums = [...new Set(source.tables.flatMap((t) => t.columns.flatMap((c) => (c.enumType ? [c.enumType] : []))))];
  return [
    ...source.schemas.filter((s) => s !== 'public').map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)};`),
    ...enums.map((e) => `CREATE TYPE ${quoteIdent(e)} AS ENUM ('happy', 'sad');`),
    ...source.tables.map((t) => {
      const lines = [
        ...t.columns.map((c) => `  ${quoteIdent(c.name)} ${c.sourceType}${c.notNull ? ' NOT NULL' : ''}`),
        `  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(', ')})`,
      ];
      const name = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
      const p = t.partitioning;
      const partitions = (p?.demoPartitions ?? []).map(
        (d) => `\nCREATE TABLE ${quoteIdent(t.schema)}.${quoteIdent(d.name)} PARTITION OF ${name} ${d.bound};`,
      );
      return `CREATE TABLE ${name} (\n${lines.join(',\n')}\n)${p ? ` PARTITION BY ${p.clause}` : ''};${partitions.join('')}`;
    }),
  ].join('\n');
}

/**
 * What a managed flavour's platform provides and a stock PostgreSQL server lacks, for running its setup SQL
 * on a test server: `before` creates the predefined roles the script grants (e.g. RDS's rds_replication);
 * `after` gives the replication role the REPLICATION attribute that membership in such a role stands for on
 * the managed service (on stock PostgreSQL role attributes are not inherited). Empty for self-managed.
 */
export function managedStandIns(source: SourceModel): { before: string; after: string } {
  const standsIn = source.setup.grantRoles.length > 0;
  return {
    before: source.setup.grantRoles
      .map(
        (r) =>
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}') THEN CREATE ROLE ${quoteIdent(r)} NOLOGIN; END IF; END $$;`,
      )
      .join('\n'),
    after: standsIn ? `ALTER ROLE ${quoteIdent(source.user)} WITH REPLICATION;` : '',
  };
}
