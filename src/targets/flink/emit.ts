import type { KeyValue, Model, TableModel } from '../../resolve/model.js';
import { align, commaSeparated, flinkIdent, sqlString } from '../../render/text.js';
import { header, type Artefact, type EmitContext } from '../artefact.js';

const options = (pairs: readonly KeyValue[]) =>
  commaSeparated(align(pairs.map(([k, v]) => [sqlString(k), `= ${sqlString(v)}`])));

const primaryKey = (key: readonly string[]) => `PRIMARY KEY (${key.map(flinkIdent).join(', ')}) NOT ENFORCED`;

/** The INSERT of one table's job (also what `plan` hashes to tell whether a job can restore its state). */
export function insert(t: TableModel): string {
  const select = commaSeparated(
    t.columns.map((c) =>
      c.flinkExpression === flinkIdent(c.analyticsName)
        ? c.flinkExpression
        : `${c.flinkExpression} AS ${flinkIdent(c.analyticsName)}`,
    ),
  );
  const columns = t.columns.map((c) => flinkIdent(c.analyticsName)).join(', ');
  return [
    `INSERT INTO ${t.flink.sinkTable} (${columns})`,
    'SELECT',
    ...select.map((l) => `  ${l}`),
    `FROM ${t.flink.sourceTable};`,
  ].join('\n');
}

/** Flink: `pipeline.sql` for `sql-client.sh -f`: session settings, Kafka sources, JDBC sinks, INSERT jobs. */
export function emit(model: Model, ctx: EmitContext): Artefact[] {
  const tables = model.tables.map((t) => ({
    title: `${t.source}.${t.qualifiedName} → ${t.analytics.qualifiedName} (topic ${t.topic})`,
    sourceTable: t.flink.sourceTable,
    sourceColumns: commaSeparated([
      ...align(t.columns.map((c) => [flinkIdent(c.name), c.mapping.flinkSourceType])),
      primaryKey(t.primaryKey),
    ]),
    sourceOptions: options(t.flink.sourceOptions),
    sinkTable: t.flink.sinkTable,
    sinkColumns: commaSeparated([
      ...align(t.columns.map((c) => [flinkIdent(c.analyticsName), c.mapping.flinkSinkType])),
      primaryKey(t.analytics.primaryKey),
    ]),
    sinkOptions: options(t.flink.sinkOptions),
  }));
  const bySink = new Map(model.tables.map((t) => [t.flink.sinkTable, t]));
  const contents = ctx.render('flink/pipeline.sql', {
    header: header(ctx, '--'),
    env: model.flink.env.map((e) => `${e.placeholder} from Secret ${e.secret} (key ${e.key})`),
    taskManagerUtc: model.flink.taskManagerUtc,
    settings: model.flink.settings.map(([k, v]) => `SET ${sqlString(k)} = ${sqlString(v)};`),
    tables,
    jobs: model.flink.submissions.map((job) => ({
      name: sqlString(job.name),
      statementSet: job.statementSet,
      inserts: job.tables.map((sink) => insert(bySink.get(sink)!)),
    })),
  });
  return [{ path: model.flink.file, contents }];
}
