/**
 * `plan --source-url`: the config's captured tables against a live source database's catalog — columns
 * dropped, added or retyped upstream, key changes, tables that are not there — each with what it breaks
 * downstream (the lineage, through the current snapshot). `compareTables` is pure; `sourceDrift` reads
 * the catalog (add/introspect.ts, read-only).
 */
import { readers } from '../plan/impact.js';
import type { Snapshot } from '../plan/snapshot.js';
import type { Model, SourceModel, TableModel } from '../resolve/model.js';
import { describeType } from '../resolve/type-matrix.js';
import { parseType } from './add/columns.js';
import type { CatalogColumn } from './add/introspect.js';
import { UsageError } from './command.js';

export interface Drift {
  readonly source: string;
  /** `schema.table` in the source database. */
  readonly table: string;
  readonly column?: string;
  readonly kind: 'table-missing' | 'dropped' | 'added' | 'retyped' | 'key';
  /** The config's type or key, and the database's. */
  readonly config?: string;
  readonly database?: string;
  readonly summary: string;
  /** Views and charts that read what drifted (from the lineage). */
  readonly breaks?: readonly string[];
}

/** A type as a comparable spelling: serial as its integer, a time type's default precision (6) left out. */
function canonical(type: string): string {
  return type
    .replace(/^smallserial$/, 'smallint')
    .replace(/^bigserial$/, 'bigint')
    .replace(/^serial$/, 'integer')
    .replace(/^(time|timetz|timestamp|timestamptz)\(6\)/, '$1');
}

function catalogType(c: CatalogColumn): string {
  const parsed = parseType(c.type, c.userType);
  return canonical('spec' in parsed ? describeType(parsed.spec) : c.type);
}

/** The drift of one table: `columns` is the catalog's (undefined: the database has no such table). */
export function compareTable(
  t: TableModel,
  columns: readonly CatalogColumn[] | undefined,
  snapshot: Snapshot,
): Drift[] {
  const base = { source: t.source, table: t.qualifiedName };
  const breaks = (names: readonly string[]) => {
    const hit = readers(snapshot, names);
    return hit.length ? { breaks: hit } : {};
  };
  if (!columns)
    return [
      {
        ...base,
        kind: 'table-missing',
        summary: `${t.qualifiedName} is not in the database (dropped or renamed upstream?): the connector captures nothing of it`,
        ...breaks([t.analytics.name]),
      },
    ];
  const out: Drift[] = [];
  const live = new Map(columns.map((c) => [c.name, c]));
  const declared = new Set(t.columns.map((c) => c.name));
  for (const c of t.columns) {
    const found = live.get(c.name);
    if (!found) {
      out.push({
        ...base,
        column: c.name,
        kind: 'dropped',
        config: c.sourceType,
        summary: `${t.qualifiedName}.${c.name} (${c.sourceType}) was dropped upstream: ${t.analytics.name}.${c.analyticsName} gets NULL from now on`,
        ...breaks([`${t.analytics.name}.${c.analyticsName}`]),
      });
      continue;
    }
    const now = catalogType(found);
    if (now !== canonical(c.sourceType))
      out.push({
        ...base,
        column: c.name,
        kind: 'retyped',
        config: c.sourceType,
        database: found.domain ? `${found.domain} (${now})` : now,
        summary: `${t.qualifiedName}.${c.name} is ${now} upstream, ${c.sourceType} in the config: the events no longer carry what the Flink job reads (${c.mapping.flinkSourceType})`,
        ...breaks([`${t.analytics.name}.${c.analyticsName}`]),
      });
  }
  for (const c of columns) {
    if (declared.has(c.name)) continue;
    out.push({
      ...base,
      column: c.name,
      kind: 'added',
      database: catalogType(c),
      summary: `${t.qualifiedName}.${c.name} (${catalogType(c)}) is new upstream and not captured: add it to the table's columns to capture it`,
    });
  }
  const key = columns
    .filter((c) => c.keyPosition !== undefined)
    .sort((a, b) => a.keyPosition! - b.keyPosition!)
    .map((c) => c.name);
  if (key.join() !== t.primaryKey.join())
    out.push({
      ...base,
      kind: 'key',
      config: t.primaryKey.join(', '),
      database: key.join(', ') || 'none',
      summary: `${t.qualifiedName}: primary key (${key.join(', ') || 'none'}) upstream, (${t.primaryKey.join(', ')}) in the config`,
    });
  return out;
}

/**
 * Which source each `--source-url` is for: `name=url`, or a URL whose database is one source's, or the
 * one source of a single-source pipeline.
 */
export function sourcesForUrls(model: Model, urls: readonly string[], usage: string): [SourceModel, string][] {
  return urls.map((raw) => {
    const eq = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(raw);
    if (eq && !/^postgres(ql)?:/.test(raw)) {
      const source = model.sources.find((s) => s.name === eq[1]);
      if (!source)
        throw new UsageError(
          `--source-url ${eq[1]}=…: the pipeline has no source '${eq[1]}' (its sources: ${model.sources.map((s) => s.name).join(', ')})`,
          usage,
        );
      return [source, eq[2]!];
    }
    let database: string | undefined;
    try {
      database = decodeURIComponent(new URL(raw).pathname.slice(1)) || undefined;
    } catch {
      throw new UsageError(`--source-url '${raw}' is not a postgres:// URL (or <source>=<url>)`, usage);
    }
    const byDatabase = model.sources.filter((s) => s.database === database);
    if (byDatabase.length === 1) return [byDatabase[0]!, raw];
    if (model.sources.length === 1) return [model.sources[0]!, raw];
    throw new UsageError(
      `--source-url: say which source the URL is for, e.g. --source-url ${model.sources[0]!.name}=${raw.replace(/\/\/[^@/]*@/, '//…@')}`,
      usage,
    );
  });
}

/** Reads each source's catalog and compares every captured table. */
export async function sourceDrift(snapshot: Snapshot, targets: readonly [SourceModel, string][]) {
  const { connect } = await import('./add/introspect.js');
  const drift: Drift[] = [];
  for (const [source, url] of targets) {
    const catalog = await connect(url);
    try {
      for (const t of source.tables) drift.push(...compareTable(t, await catalog.columns(t.schema, t.name), snapshot));
    } finally {
      await catalog.close();
    }
  }
  return drift;
}

const MARK: Record<Drift['kind'], string> = { 'table-missing': '!', dropped: '!', retyped: '!', key: '!', added: '+' };

/** The drift as text for the plan's formats. */
export function formatDrift(
  drift: readonly Drift[],
  sources: readonly string[],
  format: 'pretty' | 'markdown',
): string {
  const title = `Source drift (${sources.join(', ')}: the live schema against the config)`;
  if (format === 'markdown') {
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    const lines = ['', `#### ${title}`, ''];
    if (!drift.length) return `${[...lines, 'None: every captured table matches.'].join('\n')}\n`;
    lines.push('| | Drift | Breaks |', '|---|---|---|');
    for (const d of drift) lines.push(`| ${MARK[d.kind]} | ${cell(d.summary)} | ${cell(d.breaks?.join(', ') ?? '')} |`);
    return `${lines.join('\n')}\n`;
  }
  const lines = ['', `${title}:${drift.length ? '' : ' none, every captured table matches'}`];
  for (const d of drift) {
    lines.push(`  ${MARK[d.kind]} ${d.summary}`);
    if (d.breaks?.length) lines.push(`      breaks: ${d.breaks.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
