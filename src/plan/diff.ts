/**
 * Two snapshots → the changes that take a running stack from the first to the second, across layers,
 * each classified and named by a stable change id (`<kind>/<subject>`, never a position or a counter),
 * so a decision recorded for it in cdc-approvals.yaml still finds it after unrelated edits.
 */
import { parseAnalyticsType, type DataType } from '../resolve/data-types.js';
import { readers } from './impact.js';
import type { ColumnSnapshot, Snapshot, TableSnapshot } from './snapshot.js';

export { readers } from './impact.js';

export const CLASSES = ['ambiguous', 'destructive', 'needs-backfill', 'safe'] as const;
/** safe: nothing is lost; needs-backfill: existing rows must be read again; destructive: data or an asset
 * is lost; ambiguous: cdc-compile cannot tell which of two changes was meant. */
export type ChangeClass = (typeof CLASSES)[number];

export type Layer = 'source' | 'connector' | 'kafka' | 'flink' | 'analytics' | 'views' | 'superset';

export interface Step {
  readonly layer: Layer;
  readonly action: string;
  /** Only under this decision (the plan keeps the decided one's steps, and shows each while undecided). */
  readonly when?: string;
}

export interface Decision {
  readonly value: string;
  readonly meaning: string;
}

export interface Change {
  readonly id: string;
  readonly class: ChangeClass;
  readonly summary: string;
  /** What the change takes, in the order to run it. */
  readonly steps: readonly Step[];
  /** Destructive and ambiguous changes: what cdc-approvals.yaml may say, the plan's reading first. */
  readonly decisions?: readonly Decision[];
  /** Views and charts that read what the change removes (from the old snapshot's lineage). */
  readonly breaks?: readonly string[];
  /** Flink: whether the job can restore its state from a savepoint. */
  readonly restore?: 'savepoint' | 'fresh';
}

/** A change with the decision cdc-approvals.yaml records for it: only the steps taken under that decision. */
export interface DecidedChange extends Change {
  /** The decision recorded, if any. */
  readonly decision?: string;
}

/** Applies the recorded decisions: a decided change keeps the steps that run under its decision. */
export function applyDecisions<C extends Change>(
  changes: readonly C[],
  decisions: ReadonlyMap<string, string>,
): (C & DecidedChange)[] {
  return changes.map((c) => {
    const decision = decisions.get(c.id);
    return decision !== undefined && c.decisions
      ? { ...c, decision, steps: c.steps.filter((s) => s.when === undefined || s.when === decision) }
      : c;
  });
}

const DROP_OR_KEEP = (what: string): Decision[] => [
  { value: 'drop', meaning: `drop ${what} and its data` },
  { value: 'keep', meaning: `keep ${what} in the analytics database as it is (no longer filled)` },
];

const byName = <T>(items: readonly T[], key: (t: T) => string) => new Map(items.map((i) => [key(i), i]));

/** Keys whose change makes the connector start over: another slot, publication, database or topics. */
const RESTART_KEYS = new Set(['slot.name', 'topic.prefix', 'database.dbname', 'publication.name']);

/** Whether every value of `from` fits `to` unchanged (a widening PostgreSQL can apply in place). */
export function widens(from: DataType, to: DataType): boolean {
  if (from.array !== to.array) return false;
  const ints = ['smallint', 'integer', 'bigint', 'numeric'];
  if (from.base === to.base) {
    switch (from.base) {
      case 'varchar':
      case 'char':
        return to.length === undefined || (from.length !== undefined && to.length >= from.length);
      case 'numeric': {
        if (to.precision === undefined) return true;
        if (from.precision === undefined) return false;
        const fs = from.scale ?? 0;
        const ts = to.scale ?? 0;
        return ts >= fs && to.precision - ts >= from.precision - fs;
      }
      case 'time':
      case 'timetz':
      case 'timestamp':
      case 'timestamptz':
        return (to.precision ?? 6) >= (from.precision ?? 6);
      default:
        return true;
    }
  }
  if (ints.includes(from.base) && ints.includes(to.base)) {
    if (to.base === 'numeric') return to.precision === undefined;
    return ints.indexOf(to.base) > ints.indexOf(from.base);
  }
  if ((from.base === 'varchar' || from.base === 'char') && to.base === 'text') return true;
  if (from.base === 'real' && to.base === 'double precision') return true;
  if (from.base === 'json' && to.base === 'jsonb') return true;
  return false;
}

/** `old` → `next`, in layer order: sources, tables and columns, Flink jobs, views, charts, dashboards. */
export function diff(old: Snapshot, next: Snapshot): Change[] {
  const changes: Change[] = [];
  const oldSources = byName(old.sources, (s) => s.name);
  const nextSources = byName(next.sources, (s) => s.name);
  const oldTables = byName(old.tables, (t) => t.id);
  const nextTables = byName(next.tables, (t) => t.id);
  const nextJobs = byName(next.flinkJobs, (j) => j.name);
  const oldJobs = byName(old.flinkJobs, (j) => j.name);

  for (const s of next.sources) {
    if (oldSources.has(s.name)) continue;
    changes.push({
      id: `add-source/${s.name}`,
      class: 'safe',
      summary: `source ${s.name} (${s.database}) is added with ${s.tables.length} table(s)`,
      steps: [
        {
          layer: 'source',
          action: `run debezium/${s.name}-setup.sql on ${s.database} (role, publication ${s.publication}, replica identity)`,
        },
        { layer: 'connector', action: `register connector ${s.connector} (its initial snapshot reads every table)` },
      ],
    });
  }
  for (const s of old.sources) {
    if (nextSources.has(s.name)) continue;
    const tables = old.tables.filter((t) => t.source === s.name);
    changes.push({
      id: `remove-source/${s.name}`,
      class: 'destructive',
      summary: `source ${s.name} (${s.database}) is removed with its table(s) ${tables.map((t) => t.name).join(', ')}`,
      steps: [
        ...jobsOf(tables).map((j) => ({ layer: 'flink' as const, action: `stop job ${j}` })),
        { layer: 'connector', action: `delete connector ${s.connector}` },
        {
          layer: 'source',
          action: `drop replication slot ${s.slot} (a forgotten slot keeps WAL and fills the disk) and publication ${s.publication}`,
        },
        { layer: 'kafka', action: `delete topics ${tables.map((t) => t.topic).join(', ')}` },
        ...tables.map((t) => ({
          layer: 'analytics' as const,
          action: `DROP TABLE ${t.analytics.qualifiedName}`,
          when: 'drop',
        })),
        {
          layer: 'analytics',
          action: `keep ${tables.map((t) => t.analytics.qualifiedName).join(', ')} as they are`,
          when: 'keep',
        },
      ],
      decisions: DROP_OR_KEEP(`its analytics tables`),
      breaks: readers(
        old,
        tables.map((t) => t.analytics.name),
      ),
    });
  }
  for (const s of next.sources) {
    const was = oldSources.get(s.name);
    if (!was) continue;
    const keys = [...new Set([...Object.keys(was.connectorConfig), ...Object.keys(s.connectorConfig)])].filter(
      (k) => was.connectorConfig[k] !== s.connectorConfig[k],
    );
    if (!keys.length) continue;
    const restart = keys.filter((k) => RESTART_KEYS.has(k));
    changes.push({
      id: `connector-config/${s.name}`,
      class: restart.length ? 'needs-backfill' : 'safe',
      summary: `connector ${s.connector}: ${keys.map((k) => describeKey(k, was.connectorConfig[k], s.connectorConfig[k])).join('; ')}`,
      steps: [
        ...(restart.length
          ? [
              {
                layer: 'connector' as const,
                action: `${restart.join(', ')} changed: the connector starts over (new slot or topics, a full snapshot)${was.slot !== s.slot ? `; drop the old slot ${was.slot}` : ''}`,
              },
            ]
          : []),
        {
          layer: 'connector',
          action: `update the configuration of ${s.connector} (PUT /connectors/${s.connector}/config)`,
        },
      ],
    });
  }

  for (const t of next.tables) {
    if (oldTables.has(t.id)) continue;
    const source = nextSources.get(t.source)!;
    const existing = oldSources.has(t.source);
    changes.push({
      id: `add-table/${t.id}`,
      class: existing ? 'needs-backfill' : 'safe',
      summary: `table ${t.id} is captured into ${t.analytics.qualifiedName}`,
      steps: [
        { layer: 'analytics', action: `create table ${t.analytics.qualifiedName}` },
        ...(existing
          ? [
              {
                layer: 'source' as const,
                action: `ALTER PUBLICATION ${source.publication} ADD TABLE ${t.name}; REPLICA IDENTITY FULL; GRANT SELECT to ${source.connectorConfig['database.user']} (the setup SQL, run again, does all three)`,
              },
              {
                layer: 'connector' as const,
                action: `update ${source.connector}: table.include.list and column.include.list gain ${t.name}`,
              },
              // The snapshot reads only captured tables: the signal waits for the task running the new lists.
              {
                layer: 'connector' as const,
                action: `signal an incremental snapshot of ${t.name} only: its existing rows (new rows stream already)${signalOf(source, t.name)}`,
              },
              // A Flink Kafka source on a missing topic fails over, and an empty table's snapshot writes none.
              { layer: 'kafka' as const, action: `create topic ${t.topic} unless it exists${topicSettings(source)}` },
              {
                layer: 'flink' as const,
                action: `submit job ${t.flinkJob} once topic ${t.topic} exists (the other jobs keep running)`,
              },
            ]
          : [{ layer: 'flink' as const, action: `submit job ${t.flinkJob}` }]),
      ],
    });
  }
  for (const t of old.tables) {
    if (nextTables.has(t.id) || !nextSources.has(t.source)) continue;
    const source = nextSources.get(t.source)!;
    changes.push({
      id: `remove-table/${t.id}`,
      class: 'destructive',
      summary: `table ${t.id} is no longer captured (analytics table ${t.analytics.qualifiedName})`,
      steps: [
        { layer: 'flink', action: `stop job ${t.flinkJob}` },
        { layer: 'connector', action: `update ${source.connector}: table.include.list loses ${t.name}` },
        { layer: 'source', action: `ALTER PUBLICATION ${source.publication} DROP TABLE ${t.name}` },
        { layer: 'kafka', action: `delete topic ${t.topic}` },
        { layer: 'analytics', action: `DROP TABLE ${t.analytics.qualifiedName}`, when: 'drop' },
        { layer: 'analytics', action: `keep ${t.analytics.qualifiedName} as it is`, when: 'keep' },
      ],
      decisions: DROP_OR_KEEP(`table ${t.analytics.qualifiedName}`),
      breaks: readers(old, [t.analytics.name]),
    });
  }
  for (const t of next.tables) {
    const was = oldTables.get(t.id);
    if (was) changes.push(...tableChanges(old, was, t, nextSources.get(t.source)!.connector));
  }

  for (const j of next.flinkJobs) {
    const was = oldJobs.get(j.name);
    if (!was) {
      changes.push({
        id: `add-job/${j.name}`,
        class: 'safe',
        summary: `Flink job ${j.name} is submitted (writes ${j.tables.join(', ')})`,
        steps: [{ layer: 'flink', action: `submit ${j.name}: it reads its topic from the earliest offset` }],
        restore: 'fresh',
      });
    } else if (was.statement !== j.statement) {
      changes.push({
        id: `restart-job/${j.name}`,
        class: 'safe',
        summary: `Flink job ${j.name} has a changed statement: it cannot restore its state from a savepoint`,
        steps: [
          {
            layer: 'flink',
            action: `stop ${j.name}, submit it again without a savepoint (Flink SQL derives operator ids from the plan, so only an unchanged statement restores); it re-reads its topic from the earliest offset and the upsert sink converges`,
          },
        ],
        restore: 'fresh',
      });
    }
  }
  for (const j of old.flinkJobs) {
    if (nextJobs.has(j.name)) continue;
    changes.push({
      id: `remove-job/${j.name}`,
      class: 'safe',
      summary: `Flink job ${j.name} is stopped (wrote ${j.tables.join(', ')})`,
      steps: [{ layer: 'flink', action: `cancel ${j.name}` }],
    });
  }

  changes.push(...viewChanges(old, next), ...supersetChanges(old, next));
  return changes;
}

/**
 * The SQL that asks a connector for an incremental snapshot of one table (run on the source database), or
 * nothing for a snapshot without a signal table (written by an older cdc-compile).
 */
export function signalStatement(signalTable: string, table: string): string {
  const data = JSON.stringify({ 'data-collections': [table], type: 'incremental' });
  return `INSERT INTO ${signalTable} (id, type, data) VALUES ('cdc-' || md5(random()::text || clock_timestamp()::text), 'execute-snapshot', '${data.replaceAll("'", "''")}')`;
}

function signalOf(source: { connectorConfig: Readonly<Record<string, string>> }, table: string): string {
  const signal = source.connectorConfig['signal.data.collection'];
  return signal ? `: ${signalStatement(signal, table)};` : '';
}

/** The partitions and replication factor Connect would create a connector's topic with (topic.creation.default.*). */
function topicSettings(source: { connectorConfig: Readonly<Record<string, string>> }): string {
  const partitions = source.connectorConfig['topic.creation.default.partitions'];
  const replicas = source.connectorConfig['topic.creation.default.replication.factor'];
  if (partitions === undefined) return '';
  const rf =
    replicas === undefined || replicas === '-1'
      ? "the broker's default replication factor"
      : `replication factor ${replicas}`;
  return ` (${partitions} partition${partitions === '1' ? '' : 's'}, ${rf}, as the connector would create it)`;
}

function jobsOf(tables: readonly TableSnapshot[]): string[] {
  return [...new Set(tables.map((t) => t.flinkJob))];
}

function describeKey(key: string, from: string | undefined, to: string | undefined): string {
  if (from === undefined) return `${key} = ${to} is added`;
  if (to === undefined) return `${key} (${from}) is removed`;
  return `${key} ${from} → ${to}`;
}

function tableChanges(old: Snapshot, was: TableSnapshot, t: TableSnapshot, connector: string): Change[] {
  const changes: Change[] = [];
  const table = t.analytics.qualifiedName;
  if (was.analytics.qualifiedName !== t.analytics.qualifiedName) {
    changes.push({
      id: `rename-table/${t.id}`,
      class: 'ambiguous',
      summary: `${t.id} lands in ${table} instead of ${was.analytics.qualifiedName}: a rename, or a new table?`,
      steps: [
        { layer: 'flink', action: `restart job ${t.flinkJob} without state` },
        {
          layer: 'analytics',
          action: `ALTER TABLE ${was.analytics.qualifiedName} RENAME TO ${t.analytics.name}`,
          when: 'rename',
        },
        { layer: 'analytics', action: `create ${table}, DROP TABLE ${was.analytics.qualifiedName}`, when: 'replace' },
        { layer: 'connector', action: `signal an incremental snapshot of ${t.name} to fill ${table}`, when: 'replace' },
      ],
      decisions: [
        { value: 'rename', meaning: `rename ${was.analytics.qualifiedName} to ${t.analytics.name}, keeping its rows` },
        { value: 'replace', meaning: `create ${table} and drop ${was.analytics.qualifiedName} with its data` },
      ],
      breaks: readers(old, [was.analytics.name]),
    });
  }
  if (was.analytics.primaryKey.join() !== t.analytics.primaryKey.join()) {
    changes.push({
      id: `change-key/${t.id}`,
      class: 'destructive',
      summary: `${table}: primary key (${was.analytics.primaryKey.join(', ')}) → (${t.analytics.primaryKey.join(', ')})`,
      steps: [
        {
          layer: 'analytics',
          action: `replace the primary key of ${table} (fails if existing rows repeat the new key)`,
        },
        { layer: 'flink', action: `restart job ${t.flinkJob} without state (the upsert key changes)` },
      ],
      decisions: [{ value: 'alter', meaning: 'change the key in place' }],
    });
  }
  const before = byName(was.analytics.columns, (c) => c.name);
  const after = byName(t.analytics.columns, (c) => c.name);
  const removed = was.analytics.columns.filter((c) => !after.has(c.name));
  const added = t.analytics.columns.filter((c) => !before.has(c.name));
  // A removed and an added column of the same type in one table may be one renamed column.
  const renames = new Map<ColumnSnapshot, ColumnSnapshot>();
  for (const r of removed) {
    const candidate = added.find(
      (a) => a.type === r.type && a.origin === r.origin && ![...renames.values()].includes(a),
    );
    if (candidate) renames.set(r, candidate);
  }
  const paired = new Set(renames.values());
  for (const [r, a] of renames) {
    changes.push({
      id: `rename-column/${t.id}/${r.name}/${a.name}`,
      class: 'ambiguous',
      summary: `${table}: column ${r.name} is gone and ${a.name} (${a.type}) is new: a rename, or a drop and an add?`,
      steps: [
        { layer: 'connector', action: `update ${connector}: column.include.list` },
        { layer: 'flink', action: `restart job ${t.flinkJob} without state` },
        { layer: 'analytics', action: `ALTER TABLE ${table} RENAME COLUMN ${r.name} TO ${a.name}`, when: 'rename' },
        {
          layer: 'analytics',
          action: `ALTER TABLE ${table} DROP COLUMN ${r.name}, ADD COLUMN ${a.name} ${a.type}`,
          when: 'replace',
        },
        {
          layer: 'connector',
          action: `signal an incremental snapshot of ${t.name} to fill ${a.name}`,
          when: 'replace',
        },
      ],
      decisions: [
        { value: 'rename', meaning: `rename the column, keeping its data` },
        {
          value: 'replace',
          meaning: `drop ${r.name} with its data and add ${a.name}, empty until the table is snapshotted again`,
        },
      ],
      breaks: readers(old, [`${was.analytics.name}.${r.name}`]),
    });
  }
  for (const c of removed) {
    if (renames.has(c)) continue;
    changes.push({
      id: `drop-column/${t.id}/${c.name}`,
      class: 'destructive',
      summary: `${table}: column ${c.name} (${c.type}) is removed`,
      steps: [
        ...(c.origin === 'source'
          ? [
              {
                layer: 'connector' as const,
                action: `update ${connector}: column.include.list loses ${c.sourceName ?? c.name}`,
              },
              { layer: 'flink' as const, action: `restart job ${t.flinkJob} without state` },
            ]
          : []),
        { layer: 'analytics', action: `ALTER TABLE ${table} DROP COLUMN ${c.name}`, when: 'drop' },
        { layer: 'analytics', action: `keep ${table}.${c.name} (NULL in rows written from now on)`, when: 'keep' },
      ],
      decisions: DROP_OR_KEEP(`column ${table}.${c.name}`),
      breaks: readers(old, [`${was.analytics.name}.${c.name}`]),
    });
  }
  for (const c of added) {
    if (paired.has(c)) continue;
    const fromSource = c.origin === 'source';
    changes.push({
      id: `add-column/${t.id}/${c.name}`,
      class: fromSource ? 'needs-backfill' : 'safe',
      summary: `${table}: column ${c.name} (${c.type}${c.notNull ? ' NOT NULL' : ''}) is added`,
      steps: [
        {
          layer: 'analytics',
          action: `ALTER TABLE ${table} ADD COLUMN ${c.name} ${c.type}${c.default !== undefined ? ` DEFAULT ${c.default}` : ''}`,
        },
        ...(fromSource
          ? [
              {
                layer: 'connector' as const,
                action: `update ${connector}: column.include.list gains ${c.sourceName ?? c.name}`,
              },
              { layer: 'flink' as const, action: `restart job ${t.flinkJob} without state` },
              {
                layer: 'connector' as const,
                action: `signal an incremental snapshot of ${t.name}: rows that do not change keep NULL in ${c.name} until then`,
              },
            ]
          : []),
      ],
    });
  }
  for (const c of t.analytics.columns) {
    const w = before.get(c.name);
    if (!w) continue;
    if (w.type !== c.type) {
      const safe = widens(parseAnalyticsType(w.type), parseAnalyticsType(c.type));
      changes.push({
        id: `retype-column/${t.id}/${c.name}`,
        class: safe ? 'safe' : 'destructive',
        summary: `${table}.${c.name}: ${w.type} → ${c.type}${safe ? ' (widening)' : ' (narrowing or another kind of value: existing values may not fit)'}`,
        steps: [
          { layer: 'flink', action: `restart job ${t.flinkJob} without state` },
          { layer: 'analytics', action: `ALTER TABLE ${table} ALTER COLUMN ${c.name} TYPE ${c.type}` },
        ],
        ...(safe
          ? {}
          : {
              decisions: [
                { value: 'alter', meaning: `convert the column; the migration fails on values that do not fit` },
              ],
            }),
        ...(safe ? {} : { breaks: readers(old, [`${was.analytics.name}.${c.name}`]) }),
      });
    }
    if (w.notNull !== c.notNull) {
      changes.push({
        id: `nullability/${t.id}/${c.name}`,
        class: c.notNull ? 'destructive' : 'safe',
        summary: `${table}.${c.name}: ${c.notNull ? 'becomes NOT NULL' : 'may be NULL now'}`,
        steps: [
          {
            layer: 'analytics',
            action: `ALTER TABLE ${table} ALTER COLUMN ${c.name} ${c.notNull ? 'SET' : 'DROP'} NOT NULL`,
          },
        ],
        ...(c.notNull
          ? { decisions: [{ value: 'alter', meaning: 'set NOT NULL; the migration fails while a NULL is there' }] }
          : {}),
      });
    }
  }
  return changes;
}

function viewChanges(old: Snapshot, next: Snapshot): Change[] {
  const changes: Change[] = [];
  const oldViews = byName(old.views, (v) => v.name);
  const nextViews = byName(next.views, (v) => v.name);
  for (const v of next.views) {
    const was = oldViews.get(v.name);
    if (!was) {
      changes.push({
        id: `add-view/${v.name}`,
        class: 'safe',
        summary: `view ${v.qualifiedName} is added`,
        steps: [{ layer: 'views', action: `create ${v.qualifiedName} (views.sql)` }],
      });
    } else if (was.sql !== v.sql || JSON.stringify(was.columns) !== JSON.stringify(v.columns)) {
      changes.push({
        id: `replace-view/${v.name}`,
        class: 'safe',
        summary: `view ${v.qualifiedName} changes${JSON.stringify(was.columns) !== JSON.stringify(v.columns) ? ' (columns)' : ' (SQL)'}`,
        steps: [{ layer: 'views', action: `drop and create ${v.qualifiedName} again (views.sql)` }],
      });
    }
  }
  for (const v of old.views) {
    if (nextViews.has(v.name)) continue;
    changes.push({
      id: `drop-view/${v.name}`,
      class: 'safe',
      summary: `view ${v.qualifiedName} is removed (a view holds no data)`,
      steps: [{ layer: 'views', action: `DROP VIEW IF EXISTS ${v.qualifiedName}` }],
    });
  }
  return changes;
}

function supersetChanges(old: Snapshot, next: Snapshot): Change[] {
  const changes: Change[] = [];
  const oldCharts = byName(old.charts, (c) => c.name);
  const nextCharts = byName(next.charts, (c) => c.name);
  for (const c of next.charts) {
    const was = oldCharts.get(c.name);
    if (!was)
      changes.push({
        id: `add-chart/${c.name}`,
        class: 'safe',
        summary: `chart '${c.name}' is added (on ${c.view})`,
        steps: [{ layer: 'superset', action: `import chart '${c.name}'` }],
      });
    else if (was.definition !== c.definition)
      changes.push({
        id: `change-chart/${c.name}`,
        class: 'safe',
        summary: `chart '${c.name}' changes`,
        steps: [{ layer: 'superset', action: `import chart '${c.name}' again` }],
      });
  }
  for (const c of old.charts) {
    if (nextCharts.has(c.name)) continue;
    const on = old.dashboards.filter((d) => d.charts.includes(c.name)).map((d) => `dashboard '${d.title}'`);
    changes.push({
      id: `remove-chart/${c.name}`,
      class: 'destructive',
      summary: `chart '${c.name}' is removed${on.length ? ` (from ${on.join(', ')})` : ''}`,
      steps: [{ layer: 'superset', action: `delete chart '${c.name}'` }],
      decisions: [{ value: 'remove', meaning: 'delete the chart from Superset' }],
      breaks: on,
    });
  }
  const oldDashboards = byName(old.dashboards, (d) => d.slug);
  const nextDashboards = byName(next.dashboards, (d) => d.slug);
  for (const d of next.dashboards) {
    const was = oldDashboards.get(d.slug);
    if (!was) {
      changes.push({
        id: `add-dashboard/${d.slug}`,
        class: 'safe',
        summary: `dashboard '${d.title}' is added`,
        steps: [{ layer: 'superset', action: `import dashboard '${d.title}'` }],
      });
      continue;
    }
    for (const c of was.charts) {
      if (d.charts.includes(c) || !nextCharts.has(c)) continue;
      changes.push({
        id: `remove-from-dashboard/${d.slug}/${c}`,
        class: 'destructive',
        summary: `chart '${c}' is taken off dashboard '${d.title}'`,
        steps: [{ layer: 'superset', action: `import dashboard '${d.title}' without it` }],
        decisions: [{ value: 'remove', meaning: 'take the chart off the dashboard' }],
      });
    }
    if (was.layout !== d.layout)
      changes.push({
        id: `change-dashboard/${d.slug}`,
        class: 'safe',
        summary: `dashboard '${d.title}' changes its layout`,
        steps: [{ layer: 'superset', action: `import dashboard '${d.title}' again` }],
      });
  }
  for (const d of old.dashboards) {
    if (nextDashboards.has(d.slug)) continue;
    changes.push({
      id: `remove-dashboard/${d.slug}`,
      class: 'destructive',
      summary: `dashboard '${d.title}' is removed`,
      steps: [{ layer: 'superset', action: `delete dashboard '${d.title}'` }],
      decisions: [{ value: 'remove', meaning: 'delete the dashboard from Superset' }],
    });
  }
  return changes;
}
