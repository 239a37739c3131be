import type { SourceModel } from '../../src/resolve/model.js';
import { quoteIdent } from '../../src/render/text.js';

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
      return `CREATE TABLE ${quoteIdent(t.schema)}.${quoteIdent(t.name)} (\n${lines.join(',\n')}\n);`;
    }),
  ].join('\n');
}
