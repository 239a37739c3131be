import type { KeyValue, Model, TableModel } from '../../resolve/model.js';
import { align, commaSeparated, flinkIdent, sqlString } from '../../render/text.js';
import { header, type Artefact, type EmitContext } from '../artefact.js';
import type { PipelineSqlData } from './templates.js';

const options = (pairs: readonly KeyValue[]) =>
  commaSeparated(align(pairs.map(([k, v]) => [sqlString(k), `= ${sqlString(v)}`])));

const primaryKey = (key: readonly string[]) => `PRIMARY KEY (${key.map(flinkIdent).join(', ')}) NOT ENFORCED`;

/**
 * Each table's INSERT, made once per Model: `pipeline.sql` writes it and the snapshot hashes it (at 1,000
 * tables building it twice was 50 ms). Keyed by the Model's own (immutable) table objects, so nothing is
 * kept past the Model or shared with another compile's.
 */
const inserts = new WeakMap<TableModel, string>();

/** The INSERT of one table's job (also what `plan` hashes to tell whether a job can restore its state). */
export function insert(t: TableModel): string {
  let text = inserts.get(t);
  if (text === undefined) inserts.set(t, (text = buildInsert(t)));
  return text;
}

function buildInsert(t: TableModel): string {
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

/**
 * The data of `pipeline.sql`, or of the part of it that submits only `jobs` (their tables' sources and sinks
 * and their INSERTs; the change scripts submit one job that way), with `extraSettings` after the settings.
 */
export function pipelineData(
  model: Model,
  ctx: EmitContext,
  jobs: readonly string[] = model.flink.submissions.map((j) => j.name),
  extraSettings: readonly KeyValue[] = [],
): PipelineSqlData {
  const submissions = model.flink.submissions.filter((j) => jobs.includes(j.name));
  const sinks = new Set(submissions.flatMap((j) => j.tables));
  const tables = model.tables
    .filter((t) => sinks.has(t.flink.sinkTable))
    .map((t) => ({
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
  return {
    header: header(ctx, '--'),
    env: model.flink.env.map((e) => `${e.placeholder} from Secret ${e.secret} (key ${e.key})`),
    taskManagerUtc: model.flink.taskManagerUtc,
    settings: [...model.flink.settings, ...extraSettings].map(([k, v]) => `SET ${sqlString(k)} = ${sqlString(v)};`),
    tables,
    jobs: submissions.map((job) => ({
      name: sqlString(job.name),
      statementSet: job.statementSet,
      inserts: job.tables.map((sink) => insert(bySink.get(sink)!)),
    })),
  };
}

/** Flink: `pipeline.sql` for `sql-client.sh -f`: session settings, Kafka sources, JDBC sinks, INSERT jobs. */
export function emit(model: Model, ctx: EmitContext): Artefact[] {
  return [{ path: model.flink.file, contents: ctx.render('flink/pipeline.sql', pipelineData(model, ctx)) }];
}
