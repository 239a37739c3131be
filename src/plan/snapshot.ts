/**
 * The snapshot of a resolved Model that `manifest.json` keeps: only what `plan` compares (sources and
 * their connector configurations, tables with columns, types and keys, Flink jobs with a hash of their
 * statements, views, charts, dashboards). Plain JSON, in Model order, so the same config always gives
 * the same bytes; versioned, so a later compiler can read (or refuse) an older one.
 */
import { createHash, hash } from 'node:crypto';
import type { Model, TableModel } from '../resolve/model.js';
import { insert } from '../targets/flink/emit.js';

export const SNAPSHOT_VERSION = 1;

export interface ColumnSnapshot {
  readonly name: string;
  /** As the analytics DDL writes it, e.g. `numeric(10, 2)`. */
  readonly type: string;
  readonly notNull: boolean;
  readonly origin: 'source' | 'extra' | 'synced-at';
  /** The source column it lands from, when that is named otherwise. */
  readonly sourceName?: string;
  readonly default?: string;
}

export interface TableSnapshot {
  /** `source.schema.table`: what a change id names. */
  readonly id: string;
  readonly source: string;
  /** `schema.table` in the source database. */
  readonly name: string;
  readonly topic: string;
  readonly primaryKey: readonly string[];
  readonly analytics: {
    readonly name: string;
    readonly qualifiedName: string;
    readonly kind: string;
    readonly primaryKey: readonly string[];
    readonly columns: readonly ColumnSnapshot[];
  };
  readonly flinkJob: string;
}

export interface SourceSnapshot {
  readonly name: string;
  readonly connector: string;
  readonly slot: string;
  readonly publication: string;
  readonly topicPrefix: string;
  readonly database: string;
  /** Captured tables (`schema.table`), in config order. */
  readonly tables: readonly string[];
  /** The connector configuration as registered but the include lists (secrets are placeholders, never values). */
  readonly connectorConfig: Readonly<Record<string, string>>;
}

export interface FlinkJobSnapshot {
  readonly name: string;
  /** Sink tables the job writes. */
  readonly tables: readonly string[];
  /** sha256 of the job's INSERTs and the DDL of the tables they read and write (16 hex digits). */
  readonly statement: string;
}

export interface ViewSnapshot {
  readonly name: string;
  readonly qualifiedName: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** sha256 of the view's SQL (16 hex digits). */
  readonly sql: string;
  readonly reads: readonly string[];
  readonly dependsOn: readonly string[];
  /** Lineage: per column, the `reads` its value is computed from (columns computed from none are left out). */
  readonly columnsFrom?: Readonly<Record<string, readonly string[]>>;
}

export interface ChartSnapshot {
  readonly name: string;
  readonly view: string;
  /** The view columns it shows (x, group by, metric columns), sorted. */
  readonly columns: readonly string[];
  /** sha256 of the chart's whole definition (16 hex digits). */
  readonly definition: string;
}

export interface DashboardSnapshot {
  readonly title: string;
  readonly slug: string;
  readonly charts: readonly string[];
  /** sha256 of the layout (16 hex digits). */
  readonly layout: string;
}

export interface Snapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly pipeline: string;
  readonly sources: readonly SourceSnapshot[];
  readonly tables: readonly TableSnapshot[];
  readonly flinkJobs: readonly FlinkJobSnapshot[];
  readonly views: readonly ViewSnapshot[];
  readonly charts: readonly ChartSnapshot[];
  readonly dashboards: readonly DashboardSnapshot[];
}

/** Connector keys that list the captured tables and columns. */
export const MEMBERSHIP_KEYS: ReadonlySet<string> = new Set(['table.include.list', 'column.include.list']);

/** One call, no Hash object: a snapshot hashes every view's SQL, chart and dashboard. */
const shortHash = (text: string) => hash('sha256', text, 'hex').slice(0, 16);

export const tableId = (t: { source: string; qualifiedName: string }) => `${t.source}.${t.qualifiedName}`;

/** What decides a table's part of a Flink job: its INSERT and the columns and options of its two tables. */
function statementText(t: TableModel): string {
  return JSON.stringify([
    insert(t),
    t.columns.map((c) => [c.name, c.mapping.flinkSourceType, c.analyticsName, c.mapping.flinkSinkType]),
    t.primaryKey,
    t.analytics.primaryKey,
    t.flink.sourceOptions,
    t.flink.sinkOptions,
  ]);
}

/**
 * The hash of a job's tables' statement texts joined by newlines, fed to the hash one by one (the same
 * bytes): a STATEMENT SET of 10,000 tables is never one string of them all.
 */
function jobHash(tables: readonly TableModel[]): string {
  const h = createHash('sha256');
  for (const [i, t] of tables.entries()) {
    if (i) h.update('\n');
    h.update(statementText(t));
  }
  return h.digest('hex').slice(0, 16);
}

export function buildSnapshot(model: Model): Snapshot {
  const bySink = new Map(model.tables.map((t) => [t.flink.sinkTable, t]));
  /** Per chart, the view columns it shows (x, group by, the columns of its metrics). */
  const shown = new Map<string, string[]>();
  const { edges, chainEdges } = model.lineage;
  // A chart is read only past the source columns' chains (they end at analytics columns).
  for (let i = chainEdges; i < edges.length; i++) {
    const e = edges[i]!;
    if (e.use === 'rows' || !e.to.startsWith('chart:')) continue;
    const chart = e.to.slice('chart:'.length);
    const columns = shown.get(chart);
    const column = e.from.slice(e.from.lastIndexOf('.') + 1);
    if (columns) columns.push(column);
    else shown.set(chart, [column]);
  }
  const jobOf = new Map<string, string>();
  for (const job of model.flink.submissions) for (const sink of job.tables) jobOf.set(sink, job.name);
  return {
    version: SNAPSHOT_VERSION,
    pipeline: model.pipeline.name,
    sources: model.sources.map((s) => ({
      name: s.name,
      connector: s.connectorName,
      slot: s.slotName,
      publication: s.publicationName,
      topicPrefix: s.topicPrefix,
      database: s.database,
      tables: s.tables.map((t) => t.qualifiedName),
      // The include lists follow from the tables and columns, which the snapshot holds already.
      connectorConfig: Object.fromEntries(s.connectorConfig.filter(([k]) => !MEMBERSHIP_KEYS.has(k))),
    })),
    tables: model.tables.map((t) => {
      const bySource = new Map(t.columns.map((c) => [c.analyticsName, c]));
      return {
        id: tableId(t),
        source: t.source,
        name: t.qualifiedName,
        topic: t.topic,
        primaryKey: t.primaryKey,
        analytics: {
          name: t.analytics.name,
          qualifiedName: t.analytics.qualifiedName,
          kind: t.analytics.kind,
          primaryKey: t.analytics.primaryKey,
          columns: t.analytics.columns.map((c) => {
            const from = bySource.get(c.name);
            return {
              name: c.name,
              type: c.type,
              notNull: c.notNull,
              origin: c.origin,
              ...(from && from.name !== c.name ? { sourceName: from.name } : {}),
              ...(c.default !== undefined ? { default: c.default } : {}),
            };
          }),
        },
        flinkJob: jobOf.get(t.flink.sinkTable) ?? t.flink.jobName,
      };
    }),
    flinkJobs: model.flink.submissions.map((job) => ({
      name: job.name,
      tables: job.tables,
      statement: jobHash(job.tables.map((sink) => bySink.get(sink)!)),
    })),
    views: model.views.map((v) => ({
      name: v.name,
      qualifiedName: v.qualifiedName,
      columns: v.columns.map((c) => ({ name: c.name, type: c.type })),
      sql: shortHash(v.sql),
      reads: v.reads,
      dependsOn: v.dependsOn,
      columnsFrom: Object.fromEntries(v.columns.filter((c) => c.from.length).map((c) => [c.name, c.from])),
    })),
    charts: model.charts.map((c) => ({
      name: c.name,
      view: c.view,
      // From the lineage, so a SQL metric's columns count too.
      columns: [...new Set(shown.get(c.name) ?? [])].sort(),
      definition: shortHash(JSON.stringify(c)),
    })),
    dashboards: model.dashboards.map((d) => ({
      title: d.title,
      slug: d.slug,
      charts: d.rows.flatMap((r) => r.charts.map((c) => c.chart)),
      layout: shortHash(JSON.stringify(d)),
    })),
  };
}

/** The snapshot a manifest holds, if it is one this compiler reads. */
export function readSnapshot(value: unknown): Snapshot | 'unknown-version' | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const s = value as Partial<Snapshot>;
  if (s.version !== SNAPSHOT_VERSION) return 'unknown-version';
  if (!Array.isArray(s.sources) || !Array.isArray(s.tables) || !Array.isArray(s.views)) return 'unknown-version';
  return s as Snapshot;
}
