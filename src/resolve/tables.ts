import { describeType, mapColumn, type ConnectorModes } from './type-matrix.js';
import type { ColumnSpec, ColumnType } from '../dsl/columns.js';
import type { Source, Table } from '../dsl/source.js';
import { isFrozenData } from '../dsl/entity.js';
import { duplicates, error, warning, type Diagnostic, type Subject } from '../diagnostics.js';
import type { ValidConfig } from '../validate/index.js';
import { connectorModes } from './debezium.js';
import { dataTypeOf, parseAnalyticsType } from './data-types.js';
import type { AnalyticsColumnModel, ColumnModel, TableModel } from './model.js';
import { analyticsNameProblem, analyticsTableName, didYouMean, landingName, qualify } from './names.js';
import { flinkIdent, quoteIdent } from '../sql/dialect.js';

/** A table's Model but for what needs every table (topic, Flink names), plus the entity it came from. */
export type ResolvedTable = Omit<TableModel, 'topic' | 'flink'> & { readonly entity: Table };

export interface TableContext {
  readonly modes: ConnectorModes;
  readonly defaultSchema: string;
  readonly analyticsSchema: string;
  readonly syncedAtColumn: string | false;
  /**
   * The column models already made for this source (same connector modes): by spec (the DSL shares one
   * frozen spec per column type), name and key membership. Equal columns of many tables are one object.
   */
  readonly shared?: Map<ColumnSpec, Map<string, SharedColumn[]> | null>;
}

/** A captured column's models and what its checks found, as every table declaring it so gets them. */
interface SharedColumn {
  readonly column: ColumnModel;
  readonly analytics: AnalyticsColumnModel;
  /** Why its landing name is refused, if it is. */
  readonly problem: string | undefined;
  readonly result: Extract<ReturnType<typeof mapColumn>, { ok: true }>;
}

/** `shared`'s entry of a spec and name: index 0 not a key column, 1 a key column. */
function sharedSlot(ctx: TableContext, spec: ColumnSpec, name: string): SharedColumn[] | undefined {
  if (!ctx.shared) return undefined;
  let byName = ctx.shared.get(spec);
  if (byName === undefined) {
    // Only a spec that can never read differently (frozen data, as the DSL makes them) is shared.
    byName = isFrozenData(spec) ? new Map() : null;
    ctx.shared.set(spec, byName);
  }
  if (!byName) return undefined;
  let slot = byName.get(name);
  if (!slot) byName.set(name, (slot = []));
  return slot;
}

/** The analytics column a captured source column lands as. */
function analyticsColumnOf(c: ColumnModel): AnalyticsColumnModel {
  const a: Writable<AnalyticsColumnModel> = {
    name: c.analyticsName,
    type: c.mapping.analyticsType,
    dataType: parseAnalyticsType(c.mapping.analyticsType),
    notNull: c.notNull,
    origin: 'source',
  };
  // The user's words first; else what a bare number means (the DDL gets it as a column comment).
  const description = c.description ?? c.mapping.unit;
  if (description) a.description = description;
  return a;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Each Flink expression template split at its `{col}`s, once (a few dozen templates, one use per column). */
const expressionParts = new Map<string, readonly string[]>();

/**
 * `template` with every `{col}` replaced by `column`: `replaceAll` without its scan per call. (The
 * column is a quoted identifier, never a `$` replacement pattern, so the two agree.)
 */
function withColumn(template: string, column: string): string {
  let parts = expressionParts.get(template);
  if (!parts) expressionParts.set(template, (parts = template.split('{col}')));
  if (parts.length === 1) return template;
  if (parts.length === 2) return parts[0]! + column + parts[1]!;
  return parts.join(column);
}

/** The PostgreSQL type of an analytics-only column, as written. */
function extraColumnType(spec: ColumnSpec): string {
  return describeType(spec).replace(
    /^(smallserial|serial|bigserial)$/,
    (s) => ({ smallserial: 'smallint', serial: 'integer', bigserial: 'bigint' })[s]!,
  );
}

export function resolveTable(
  source: Source,
  table: Table,
  ctx: TableContext,
  out: Diagnostic[],
): ResolvedTable | undefined {
  const subject = (path: (string | number)[]): Subject => ({
    kind: 'table',
    source: source.name,
    table: table.name,
    path,
  });
  const options = table.options;
  // The declared columns as two parallel arrays, walked by index: pairs and their iterators were most of
  // what this function allocated (one table of 15 columns at a time, 10,000 times at scale).
  const declaredColumns = options.columns as Record<string, ColumnType>;
  const declaredNames = Object.keys(declaredColumns);
  const declaredSpecs = declaredNames.map((name) => declaredColumns[name]!.spec);
  const failures = out.length;

  // Column options that mean nothing where they stand would be silently ignored: say so instead.
  for (let i = 0; i < declaredNames.length; i++) {
    const name = declaredNames[i]!;
    if (declaredSpecs[i]!.default !== undefined) {
      out.push(
        error(
          'TABLE.IGNORED_OPTION',
          `source column '${name}' has .default(…), which only analytics extraColumns use (values come from the source)`,
          subject(['columns', name]),
          'remove .default(…), or declare the column under analytics.extraColumns',
        ),
      );
    }
  }
  const extraColumns = options.analytics?.extraColumns;
  for (const [name, type] of extraColumns ? Object.entries(extraColumns) : []) {
    const spec = type.spec;
    const ignored = [
      spec.primaryKey && '.primaryKey()',
      spec.mapping !== undefined && '.mapping(…)',
      spec.analyticsName !== undefined && '.analyticsName(…)',
      (spec.type === 'enum' || spec.element?.type === 'enum') && 't.enum(…) (the type exists only in the source)',
      spec.notNull &&
        spec.default === undefined &&
        '.notNull() without .default(…) (the sink never writes it, so every row would fail)',
    ].filter(Boolean);
    if (ignored.length) {
      out.push(
        error(
          'TABLE.IGNORED_OPTION',
          `extra column '${name}' uses ${ignored.join(', ')}, which does not apply to a column only the analytics table has`,
          subject(['analytics', 'extraColumns', name]),
          'extra columns take a type, .notNull(), .default(…) and .describe(…)',
        ),
      );
    }
  }

  // Which columns are captured.
  const include = options.analytics?.columns;
  for (const name of include ?? []) {
    if (!declaredNames.includes(name)) {
      out.push(
        error(
          'REF.UNKNOWN_COLUMN',
          `analytics.columns names '${name}', which table '${table.name}' does not declare`,
          subject(['analytics', 'columns', include!.indexOf(name)]),
          didYouMean(name, declaredNames),
        ),
      );
    }
  }
  // Primary key: from the table option, or from the columns marked .primaryKey(), in declaration order.
  const marked = declaredNames.filter((_, i) => declaredSpecs[i]!.primaryKey);
  let primaryKey: readonly string[] = options.primaryKey ? [...options.primaryKey] : marked;
  if (
    options.primaryKey &&
    marked.length &&
    marked.join() !== [...options.primaryKey].sort((a, b) => marked.indexOf(a) - marked.indexOf(b)).join()
  ) {
    out.push(
      error(
        'TABLE.PRIMARY_KEY_CONFLICT',
        `primaryKey [${options.primaryKey.join(', ')}] disagrees with the columns marked .primaryKey() (${marked.join(', ')})`,
        subject(['primaryKey']),
        'declare the key in one place',
      ),
    );
  }
  options.primaryKey?.forEach((name, i) => {
    if (!declaredNames.includes(name)) {
      out.push(
        error(
          'REF.UNKNOWN_COLUMN',
          `primaryKey names '${name}', which table '${table.name}' does not declare`,
          subject(['primaryKey', i]),
          didYouMean(name, declaredNames),
        ),
      );
    }
  });
  if (primaryKey.length === 0) {
    out.push(
      error(
        'TABLE.NO_PRIMARY_KEY',
        `table '${table.name}' has no primary key: the Flink JDBC sink needs one to apply updates and deletes, and Debezium's message key would be empty`,
        subject(['columns']),
        "mark the key column(s) with .primaryKey(), or set primaryKey: ['a', 'b'] (the source table must have that key too)",
      ),
    );
    primaryKey = [];
  }
  for (const name of primaryKey) {
    if (include && declaredNames.includes(name) && !include.includes(name)) {
      out.push(
        error(
          'TABLE.KEY_NOT_CAPTURED',
          `primary key column '${name}' must be captured, but analytics.columns leaves it out`,
          subject(['analytics', 'columns']),
        ),
      );
    }
  }

  const partitioning = partitioningOf(table, declaredNames, primaryKey, subject, out);

  const columns: ColumnModel[] = [];
  const landed: AnalyticsColumnModel[] = [];
  for (let i = 0; i < declaredNames.length; i++) {
    const name = declaredNames[i]!;
    // Which columns are captured: all, or those analytics.columns names.
    if (include && !include.includes(name)) continue;
    const spec = declaredSpecs[i]!;
    const isKey = primaryKey.includes(name);
    const slot = sharedSlot(ctx, spec, name);
    const made = slot?.[isKey ? 1 : 0] ?? makeColumn(spec, name, isKey, ctx.modes, subject, out);
    if (!made) continue;
    if (slot) slot[isKey ? 1 : 0] = made;
    const { column, problem, result } = made;
    columns.push(column);
    landed.push(made.analytics);
    // The column's findings, reported for each table that declares it.
    if (problem) {
      out.push(
        error(
          'TABLE.INVALID_ANALYTICS_NAME',
          `column '${name}' would land as '${column.analyticsName}', ${problem}`,
          subject(['columns', name]),
          `give it another name in the analytics database: add .analyticsName('…') to the column's type`,
        ),
      );
    }
    if (isKey && result.mapping.lossy) {
      out.push(
        warning(
          'TYPE.LOSSY_KEY',
          `primary key column '${name}' (${column.sourceType}) loses ${result.mapping.lossy} on its way to the analytics table: rows whose keys differ only there overwrite each other in the upsert`,
          subject(['columns', name]),
          `if the source only holds whole milliseconds, declare it so (e.g. t.timestamp(3)); otherwise land the exact value with .mapping('${result.variants.includes('raw') ? 'raw' : 'integer'}')`,
        ),
      );
    }
    if (isKey && /^(ARRAY|BYTES)/.test(result.mapping.flinkSourceType)) {
      out.push(
        error(
          'TABLE.UNSUPPORTED_KEY',
          `primary key column '${name}' (${column.sourceType}) cannot be an upsert key`,
          subject(['columns', name]),
        ),
      );
    }
  }

  // Analytics landing.
  const kind = options.analytics?.kind ?? 'fact';
  const analyticsName = options.analytics?.name ?? analyticsTableName(table.name, kind);
  const tableProblem = options.analytics?.name === undefined ? analyticsNameProblem(analyticsName) : undefined;
  if (tableProblem) {
    out.push(
      error(
        'TABLE.INVALID_ANALYTICS_NAME',
        `table '${table.name}' would land as '${analyticsName}', ${tableProblem}`,
        subject(['name']),
        "set analytics: { name: '…' }",
      ),
    );
  }
  const analyticsColumns: AnalyticsColumnModel[] = landed;
  const taken = new Set<string>();
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (taken.has(c.analyticsName)) {
      const first = columns.find((o) => o.analyticsName === c.analyticsName)!;
      out.push(
        error(
          'TABLE.DUPLICATE_COLUMN',
          `columns '${first.name}' and '${c.name}' of '${table.name}' would both land as '${c.analyticsName}'`,
          subject(['columns', c.name]),
          `give one of them another name with .analyticsName('…')`,
        ),
      );
    }
    taken.add(c.analyticsName);
  }
  for (let i = 0; i < declaredNames.length; i++) taken.add(declaredNames[i]!);
  for (const [name, type] of extraColumns ? Object.entries(extraColumns) : []) {
    if (taken.has(name)) {
      out.push(
        error(
          'TABLE.DUPLICATE_COLUMN',
          `extra column '${name}' clashes with a source column of '${table.name}'`,
          subject(['analytics', 'extraColumns', name]),
        ),
      );
      continue;
    }
    taken.add(name);
    analyticsColumns.push({
      name,
      type: extraColumnType(type.spec),
      dataType: dataTypeOf(type.spec),
      notNull: type.spec.notNull === true,
      ...(type.spec.default ? { default: type.spec.default } : {}),
      origin: 'extra',
      ...(type.spec.description ? { description: type.spec.description } : {}),
    });
  }
  const syncedAt = options.analytics?.syncedAtColumn ?? ctx.syncedAtColumn;
  if (syncedAt !== false) {
    if (taken.has(syncedAt)) {
      out.push(
        error(
          'TABLE.DUPLICATE_COLUMN',
          `the sync timestamp column '${syncedAt}' clashes with a column of '${table.name}'`,
          subject(
            options.analytics?.syncedAtColumn !== undefined ? ['analytics', 'syncedAtColumn'] : ['columns', syncedAt],
          ),
          "rename it with analytics.syncedAtColumn (or the pipeline's analytics.syncedAtColumn), or set it to false",
        ),
      );
    } else {
      analyticsColumns.push({
        name: syncedAt,
        type: 'timestamptz',
        dataType: parseAnalyticsType('timestamptz'),
        notNull: false,
        default: 'now()',
        origin: 'synced-at',
      });
    }
  }
  if (out.length > failures && columns.length === 0) return undefined;
  const schema = options.schema ?? ctx.defaultSchema;
  return {
    entity: table,
    source: source.name,
    schema,
    name: table.name,
    qualifiedName: `${schema}.${table.name}`,
    primaryKey,
    columns,
    ...(partitioning ? { partitioning } : {}),
    analytics: {
      name: analyticsName,
      qualifiedName: qualify(ctx.analyticsSchema, analyticsName),
      kind,
      primaryKey: primaryKey.map((k) => columns.find((c) => c.name === k)?.analyticsName ?? k),
      columns: analyticsColumns,
    },
    ...(options.description ? { description: options.description } : {}),
  };
}

/**
 * A captured column's models, or undefined (reported) when the type matrix refuses it. Its other findings
 * are the caller's to report, per table: the models may be shared.
 */
function makeColumn(
  spec: ColumnSpec,
  name: string,
  isKey: boolean,
  modes: ConnectorModes,
  subject: (path: (string | number)[]) => Subject,
  out: Diagnostic[],
): SharedColumn | undefined {
  const result = mapColumn(spec, modes);
  if (!result.ok) {
    if ('refusal' in result) {
      out.push(
        error(
          'TYPE.UNSUPPORTED',
          `column '${name}' (${describeType(spec)}) cannot be carried with ${result.decidedBy.join(', ') || 'any connector settings'}: ${result.refusal.reason} [${result.refusal.rule}]`,
          subject(['columns', name]),
          result.refusal.fix,
        ),
      );
    } else {
      out.push(
        error(
          'TYPE.UNKNOWN_MAPPING',
          `column '${name}' (${describeType(spec)}) has no mapping variant '${result.unknownVariant}'`,
          subject(['columns', name]),
          `valid variants here: ${result.variants.map((v) => `'${v}'`).join(', ') || 'none'}`,
        ),
      );
    }
    return undefined;
  }
  const landing = landingName(name, spec);
  // Built key by key (the optional ones only when set, in this order) rather than with spreads of
  // conditional objects.
  const column = {
    name,
    analyticsName: landing,
    sourceType: describeType(spec),
    sourceDataType: dataTypeOf(spec),
  } as Writable<ColumnModel>;
  const enumType = (spec.element ?? spec).enumName;
  if (enumType) column.enumType = enumType;
  column.primaryKey = isKey;
  column.notNull = isKey || spec.notNull === true;
  column.mapping = result.mapping;
  column.flinkExpression = withColumn(result.mapping.expression, flinkIdent(name));
  if (spec.description) column.description = spec.description;
  return {
    column,
    analytics: analyticsColumnOf(column),
    problem: spec.analyticsName === undefined ? analyticsNameProblem(landing) : undefined,
    result,
  };
}

/**
 * A partitioned source table (`partitionBy`): its key columns must be declared and part of the primary key
 * (PostgreSQL refuses a primary key on a partitioned table that leaves a partition column out). The demo
 * partitions give every row a place: a DEFAULT partition for range and list, two halves for hash.
 */
function partitioningOf(
  table: Table,
  declaredNames: readonly string[],
  primaryKey: readonly string[],
  subject: (path: (string | number)[]) => Subject,
  out: Diagnostic[],
): TableModel['partitioning'] {
  const p = table.options.partitionBy;
  if (!p) return undefined;
  let ok = true;
  p.columns.forEach((name, i) => {
    if (!declaredNames.includes(name)) {
      ok = false;
      out.push(
        error(
          'REF.UNKNOWN_COLUMN',
          `partitionBy names '${name}', which table '${table.name}' does not declare`,
          subject(['partitionBy', 'columns', i]),
          didYouMean(name, declaredNames),
        ),
      );
    } else if (primaryKey.length && !primaryKey.includes(name)) {
      ok = false;
      out.push(
        error(
          'TABLE.PARTITION_KEY',
          `partition column '${name}' of table '${table.name}' is not in its primary key (${primaryKey.join(', ')}): PostgreSQL requires a partitioned table's primary key to include every partition column`,
          subject(['partitionBy', 'columns', i]),
          `add '${name}' to the primary key, or partition by key columns`,
        ),
      );
    }
  });
  if (!ok) return undefined;
  const part = (suffix: string) => `${table.name}_${suffix}`;
  return {
    strategy: p.strategy,
    columns: [...p.columns],
    clause: `${p.strategy.toUpperCase()} (${p.columns.map(quoteIdent).join(', ')})`,
    demoPartitions:
      p.strategy === 'hash'
        ? [0, 1].map((r) => ({ name: part(`p${r}`), bound: `FOR VALUES WITH (MODULUS 2, REMAINDER ${r})` }))
        : [{ name: part('default'), bound: 'DEFAULT' }],
  };
}

/** What the tables pass hands on: every resolved table, per source and by the DSL table it came from. */
export interface TablesPass {
  /** Sources in config order, tables in declaration order. */
  readonly all: readonly ResolvedTable[];
  readonly perSource: ReadonlyMap<Source, readonly ResolvedTable[]>;
  readonly byEntity: ReadonlyMap<Table, ResolvedTable>;
}

/**
 * The tables pass: per source and table, keys, captured columns, each column's journey through the type
 * matrix, and the analytics landing. Checks source names and tables captured or landed twice.
 */
export function tablesPass(config: ValidConfig, out: Diagnostic[]): TablesPass {
  const p = config.pipeline.options;
  const analyticsSchema = p.analytics.schema ?? 'public';
  const syncedAtColumn = p.analytics.syncedAtColumn ?? 'synced_at';
  duplicates(
    config.sources,
    (s) => s.name,
    (s, n) => out.push(error('SOURCE.DUPLICATE', `two sources are named '${n}'`, { kind: 'source', source: s.name })),
  );
  for (const s of config.sources) {
    if (s.name === 'analytics') {
      out.push(
        error(
          'SOURCE.RESERVED_NAME',
          "a source may not be named 'analytics' (its secrets would clash with the analytics database's)",
          { kind: 'source', source: s.name },
        ),
      );
    }
  }
  const byEntity = new Map<Table, ResolvedTable>();
  const perSource = new Map<Source, ResolvedTable[]>();
  for (const source of config.sources) {
    const modes = connectorModes(source);
    const list: ResolvedTable[] = [];
    const ctx: TableContext = {
      modes,
      defaultSchema: source.options.schema ?? 'public',
      analyticsSchema,
      syncedAtColumn,
      shared: new Map(),
    };
    for (const table of source.tables) {
      const r = resolveTable(source, table, ctx, out);
      if (r) {
        list.push(r);
        byEntity.set(table, r);
      }
    }
    duplicates(
      list,
      (t) => t.qualifiedName,
      (t, n) =>
        out.push(
          error('TABLE.DUPLICATE', `source '${source.name}' captures '${n}' twice`, {
            kind: 'table',
            source: source.name,
            table: t.name,
          }),
        ),
    );
    perSource.set(source, list);
  }
  const all = [...perSource.values()].flat();
  // A table captured twice (TABLE.DUPLICATE above) lands twice in the same analytics table: one report is enough.
  // (One set of seen tables, not a search per table: that was quadratic, 0.8 s at 10,000 tables.)
  const seen = new Set<string>();
  const distinct = all.filter((t) => {
    const key = `${t.source}\u0000${t.qualifiedName}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  duplicates(
    distinct,
    (t) => t.analytics.qualifiedName,
    (t, n) =>
      out.push(
        error(
          'TABLE.DUPLICATE_ANALYTICS_NAME',
          `two tables land in analytics table '${n}'`,
          { kind: 'table', source: t.source, table: t.name, path: ['analytics', 'name'] },
          'give one of them another analytics.name',
        ),
      ),
  );
  return { all, perSource, byEntity };
}
