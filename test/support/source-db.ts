import type { SourceModel } from '../../src/resolve/model.js';

/**
 * DDL of a source database's captured tables, from the Model: what the operational database is assumed
 * to contain. Enum types get placeholder labels.
 */
export function sourceTablesDdl(source: SourceModel): string {
  const enums = [...new Set(source.tables.flatMap((t) => t.columns.flatMap((c) => (c.enumType ? [c.enumType] : []))))];
  return [
    ...source.schemas.filter((s) => s !== 'public').map((s) => `CREATE SCHEMA IF NOT EXISTS ${s};`),
    ...enums.map((e) => `CREATE TYPE ${e} AS ENUM ('a', 'b');`),
    ...source.tables.map(
      (t) =>
        `CREATE TABLE ${t.qualifiedName} (\n${[...t.columns.map((c) => `  ${c.name} ${c.sourceType}`), `  PRIMARY KEY (${t.primaryKey.join(', ')})`].join(',\n')}\n);`,
    ),
  ].join('\n');
}
