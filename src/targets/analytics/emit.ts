import type { TableKind } from '../../dsl/enums.js';
import type { Model } from '../../resolve/model.js';
import { align, commaSeparated, pgString } from '../../render/text.js';
import { header, type Artefact, type EmitContext } from '../artefact.js';

const KIND_TITLE = { fact: 'Fact', dimension: 'Dimension' } as const satisfies Record<TableKind, string>;

/** Analytics PostgreSQL: idempotent DDL of the landing tables, and the views in dependency order. */
export function emit(model: Model, ctx: EmitContext): Artefact[] {
  const tables = model.tables.map((t) => {
    const columns = align(
      t.analytics.columns.map((c) => [
        c.name,
        [c.type, c.notNull ? 'NOT NULL' : '', c.default ? `DEFAULT ${c.default}` : ''].filter(Boolean).join(' '),
      ]),
    );
    const comments = [
      ...(t.description ? [`COMMENT ON TABLE ${t.analytics.qualifiedName} IS ${pgString(t.description)};`] : []),
      ...t.analytics.columns
        .filter((c) => c.description)
        .map((c) => `COMMENT ON COLUMN ${t.analytics.qualifiedName}.${c.name} IS ${pgString(c.description!)};`),
    ];
    return {
      title: `${KIND_TITLE[t.analytics.kind]} ${t.analytics.qualifiedName}: from ${t.source}.${t.qualifiedName} via topic ${t.topic}`,
      name: t.analytics.qualifiedName,
      lines: commaSeparated([...columns, `PRIMARY KEY (${t.analytics.primaryKey.join(', ')})`]),
      comments,
    };
  });
  const views = model.views.map((v) => ({
    title: v.dependsOn.length ? `${v.qualifiedName} (reads ${v.dependsOn.join(', ')})` : v.qualifiedName,
    comment: v.description ? `COMMENT ON VIEW ${v.qualifiedName} IS ${pgString(v.description)};` : undefined,
    name: v.qualifiedName,
    sql: v.sql,
    // A trailing -- comment would swallow the semicolon: end such a statement on a line of its own.
    statement: /--[^\n]*$/.test(v.sql) ? `${v.sql}\n;` : `${v.sql};`,
  }));
  return [
    {
      path: model.analytics.files.schema,
      contents: ctx.render('analytics/schema.sql', {
        header: header(ctx, '--'),
        createSchema: model.analytics.createSchema,
        tables,
      }),
    },
    {
      path: model.analytics.files.views,
      contents: ctx.render('analytics/views.sql', {
        header: header(ctx, '--'),
        drop: commaSeparated(model.analytics.dropViews).map((line, i, all) =>
          i === all.length - 1 ? `${line};` : line,
        ),
        views,
      }),
    },
  ];
}
