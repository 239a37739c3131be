/**
 * The change script of one change of the pipeline (`ops/changes/NNNN_<slug>.sh`): the plan's changes →
 * the operational steps that take a running stack from the old state to the new one, in the order to run
 * them. The plan prints these steps; `targets/ops/change-script.ts` renders them as a script. Pure.
 *
 * Each step is idempotent: a publication entry is added or dropped only when it is (not) there, a
 * connector configuration is PUT (which replaces), a snapshot signal has a deterministic id and is
 * inserted once, a Flink job is submitted only when no RUNNING job has its name, stopped only when one
 * runs, a replication slot is dropped only when it exists and is inactive.
 */
import { createHash } from 'node:crypto';
import { quoteIdent, sqlString } from '../sql/dialect.js';
import type { ChangeScriptPlan, ScriptOp, ScriptStep, SourceAddress } from '../targets/ops/templates.js';
import type { Change } from './diff.js';
import { slugOf } from './migration.js';

export type { ChangeScriptPlan, ScriptOp, ScriptStep, SourceAddress } from '../targets/ops/templates.js';
import type { Snapshot, SourceSnapshot, TableSnapshot } from './snapshot.js';

export interface ScriptInput {
  readonly old: Snapshot;
  readonly next: Snapshot;
  /** `diff(old, next)` with the decided steps (as the plan keeps them). */
  readonly changes: readonly Change[];
  readonly decisions: ReadonlyMap<string, string>;
  /** This script's number (one more than the last one's). */
  readonly number: number;
  /** Folder of the change scripts, relative to the output directory. */
  readonly folder: string;
  /** The analytics migration the same compile adds (its id), if any. */
  readonly migration?: string;
}

/** The order steps run in, whatever change asked for them. */
const PHASES = [
  'stop-job',
  'apply-analytics',
  'setup-source',
  'publication-add',
  'put-connector',
  'publication-drop',
  'delete-connector',
  'drop-slot',
  'drop-source-objects',
  'signal',
  'submit-job',
  'delete-topics',
] as const;
type Phase = (typeof PHASES)[number];

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** `schema.table` (as a snapshot holds it) → a SQL name, each part quoted when PostgreSQL needs it. */
export const relName = (qualified: string) => {
  const dot = qualified.indexOf('.');
  return dot < 0
    ? quoteIdent(qualified)
    : `${quoteIdent(qualified.slice(0, dot))}.${quoteIdent(qualified.slice(dot + 1))}`;
};

export function addressOf(s: SourceSnapshot): SourceAddress {
  const c = s.connectorConfig;
  return {
    source: s.name,
    host: c['database.hostname'] ?? '',
    port: c['database.port'] ?? '5432',
    database: c['database.dbname'] ?? s.database,
  };
}

/** Capture a table on a running source: read access, full replica identity (partitions too), publication entry. */
export function publicationAddSql(source: SourceSnapshot, table: string): string {
  const rel = relName(table);
  const regclass = `${sqlString(rel)}::regclass`;
  const role = quoteIdent(source.connectorConfig['database.user'] ?? '');
  const schema = quoteIdent(table.slice(0, table.indexOf('.')));
  return [
    `GRANT USAGE ON SCHEMA ${schema} TO ${role};`,
    `GRANT SELECT ON ${rel} TO ${role};`,
    'DO $cdc$',
    'DECLARE',
    '  rel regclass;',
    'BEGIN',
    '  -- Full before-images on the table and every partition of it, as the setup SQL sets them.',
    '  FOR rel IN',
    `    SELECT tree.relid FROM (SELECT ${regclass} UNION SELECT relid FROM pg_catalog.pg_partition_tree(${regclass})) AS tree (relid)`,
    "    JOIN pg_catalog.pg_class AS c ON c.oid = tree.relid WHERE c.relreplident <> 'f'",
    '  LOOP',
    "    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', rel);",
    '  END LOOP;',
    '  IF NOT EXISTS (',
    '    SELECT FROM pg_catalog.pg_publication_rel AS pr JOIN pg_catalog.pg_publication AS p ON p.oid = pr.prpubid',
    `    WHERE p.pubname = ${sqlString(source.publication)} AND pr.prrelid = ${regclass}`,
    '  ) THEN',
    `    ALTER PUBLICATION ${quoteIdent(source.publication)} ADD TABLE ${rel};`,
    `    RAISE NOTICE 'publication % gains %', ${sqlString(source.publication)}, ${sqlString(rel)};`,
    '  ELSE',
    `    RAISE NOTICE 'publication % has % already', ${sqlString(source.publication)}, ${sqlString(rel)};`,
    '  END IF;',
    'END',
    '$cdc$;',
  ].join('\n');
}

/** Stop publishing a table (when it is there; a table dropped upstream is out of the publication already). */
export function publicationDropSql(source: SourceSnapshot, table: string): string {
  const rel = relName(table);
  return [
    'DO $cdc$',
    'BEGIN',
    '  IF EXISTS (',
    '    SELECT FROM pg_catalog.pg_publication_rel AS pr JOIN pg_catalog.pg_publication AS p ON p.oid = pr.prpubid',
    `    WHERE p.pubname = ${sqlString(source.publication)} AND pr.prrelid = to_regclass(${sqlString(rel)})`,
    '  ) THEN',
    `    ALTER PUBLICATION ${quoteIdent(source.publication)} DROP TABLE ${rel};`,
    `    RAISE NOTICE 'publication % loses %', ${sqlString(source.publication)}, ${sqlString(rel)};`,
    '  ELSE',
    `    RAISE NOTICE 'publication % does not have % (nothing to drop)', ${sqlString(source.publication)}, ${sqlString(rel)};`,
    '  END IF;',
    'END',
    '$cdc$;',
  ].join('\n');
}

/** A removed source's publication and signal table (the slot goes in its own step, after the connector). */
export function sourceObjectsDropSql(source: SourceSnapshot): string {
  const signal = source.connectorConfig['signal.data.collection'];
  return [
    `DROP PUBLICATION IF EXISTS ${quoteIdent(source.publication)};`,
    ...(signal ? [`DROP TABLE IF EXISTS ${relName(signal)};`] : []),
  ].join('\n');
}

/** Drops the slot when it exists and is inactive; an active slot is an error (someone still reads it). */
export function slotDropSql(slot: string): string {
  const name = sqlString(slot);
  return [
    'DO $cdc$',
    'DECLARE',
    '  reader integer;',
    'BEGIN',
    `  IF NOT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = ${name}) THEN`,
    `    RAISE NOTICE 'replication slot % is not there (dropped already)', ${name};`,
    '    RETURN;',
    '  END IF;',
    `  SELECT active_pid INTO reader FROM pg_catalog.pg_replication_slots WHERE slot_name = ${name} AND active;`,
    '  IF FOUND THEN',
    `    RAISE EXCEPTION 'replication slot % is ACTIVE (read by backend pid %): a connector still streams from it; stop it first', ${name}, reader;`,
    '  END IF;',
    `  PERFORM pg_catalog.pg_drop_replication_slot(${name});`,
    `  RAISE NOTICE 'replication slot % dropped', ${name};`,
    'END',
    '$cdc$;',
  ].join('\n');
}

/** The signal id: deterministic per script and table, so a re-run finds it and a later script gets its own. */
export const signalId = (number: number, table: string) =>
  `cdc-${String(number).padStart(4, '0')}-${hash(table).slice(0, 16)}`;

/** Asks the connector for an incremental snapshot of one table, once (the id is checked first). */
export function signalSql(signalTable: string, table: string, id: string): string {
  const rel = relName(signalTable);
  const data = JSON.stringify({ 'data-collections': [table], type: 'incremental' });
  return [
    `INSERT INTO ${rel} (id, type, data)`,
    `SELECT ${sqlString(id)}, 'execute-snapshot', ${sqlString(data)}`,
    `WHERE NOT EXISTS (SELECT FROM ${rel} WHERE id = ${sqlString(id)});`,
  ].join('\n');
}

/** Stands for the script's id until it is known (it is named after the changes it carries out). */
const MARKER = '\u0000script';

/**
 * The change script's steps, or undefined when the change needs nothing on a running stack's sources,
 * connectors, Kafka or Flink (a view, a chart or an analytics-only change: the DDL Job and
 * ops/apply-analytics.sh carry those), or while a change waits for a decision.
 */
export function planScript(input: ScriptInput): ChangeScriptPlan | undefined {
  const { old, next, decisions } = input;
  if (input.changes.some((c) => c.decisions && !decisions.has(c.id))) return undefined;
  const oldSources = new Map(old.sources.map((s) => [s.name, s]));
  const nextSources = new Map(next.sources.map((s) => [s.name, s]));
  const oldTables = new Map(old.tables.map((t) => [t.id, t]));
  const nextTables = new Map(next.tables.map((t) => [t.id, t]));
  const nextJobs = new Map(next.flinkJobs.map((j) => [j.name, j]));

  // Steps by a key that makes each once (a connector PUT asked for by three changes runs once).
  const steps = new Map<string, { phase: Phase; step: Omit<ScriptStep, 'changes'>; changes: string[] }>();
  const want = (key: string, phase: Phase, change: string, step: () => Omit<ScriptStep, 'changes'>) => {
    const had = steps.get(key);
    if (had) {
      if (!had.changes.includes(change)) had.changes.push(change);
    } else steps.set(key, { phase, step: step(), changes: [change] });
  };
  const sourceNames = new Set<string>();
  const putConnector = (source: SourceSnapshot, change: string, why: string) => {
    sourceNames.add(source.name);
    want(`put/${source.name}`, 'put-connector', change, () => ({
      layer: 'connector',
      action: `${oldSources.has(source.name) ? 'update' : 'register'} connector ${source.connector} (PUT /connectors/${source.connector}/config${why}) and wait until its tasks run that configuration`,
      op: { kind: 'put-connector', source: source.name, connector: source.connector, slot: source.slot },
    }));
  };
  const stopJob = (job: string, change: string, marker?: string) =>
    want(`stop/${job}`, 'stop-job', change, () => ({
      layer: 'flink',
      action: `stop Flink job ${job} with a savepoint${marker ? ' (the job this script submits again is left running on a re-run)' : ''}`,
      op: { kind: 'stop-job', job, ...(marker ? { marker } : {}) },
    }));
  const topicsOf = (job: string) =>
    next.tables
      .filter((t) => t.flinkJob === job)
      .map((t) => {
        const source = nextSources.get(t.source)!;
        const replication = source.connectorConfig['topic.creation.default.replication.factor'] ?? '-1';
        return {
          connector: source.connector,
          topic: t.topic,
          partitions: source.connectorConfig['topic.creation.default.partitions'] ?? '1',
          ...(replication !== '-1' ? { replicationFactor: replication } : {}),
        };
      });
  const deleted: string[] = [];
  const signal = (t: TableSnapshot, change: string) => {
    const source = nextSources.get(t.source)!;
    const signalTable = source.connectorConfig['signal.data.collection'];
    if (!signalTable) return;
    sourceNames.add(source.name);
    const sid = signalId(input.number, t.name);
    want(`signal/${t.id}`, 'signal', change, () => ({
      layer: 'connector',
      action: `signal an incremental snapshot of ${t.name} only (its existing rows; changes stream already): an execute-snapshot row ${sid} in ${signalTable}, inserted once`,
      op: { kind: 'signal', source: source.name, table: t.name, id: sid, sql: signalSql(signalTable, t.name, sid) },
    }));
  };

  for (const change of input.changes) {
    const [kind, subject] = change.id.split('/') as [string, string | undefined];
    switch (kind) {
      case 'add-source': {
        const source = nextSources.get(subject!)!;
        sourceNames.add(source.name);
        want(`setup/${source.name}`, 'setup-source', change.id, () => ({
          layer: 'source',
          action: `set up source ${source.name} (${source.database}): its setup SQL (role, grants, replica identity, signal table, publication ${source.publication}), then the role's password from the environment`,
          op: { kind: 'setup-source', source: source.name },
        }));
        putConnector(source, change.id, '; its initial snapshot reads every table');
        break;
      }
      case 'remove-source': {
        const source = oldSources.get(subject!)!;
        sourceNames.add(source.name);
        want(`delete/${source.name}`, 'delete-connector', change.id, () => ({
          layer: 'connector',
          action: `delete connector ${source.connector} (DELETE /connectors/${source.connector})`,
          op: { kind: 'delete-connector', connector: source.connector },
        }));
        want(`slot/${source.name}`, 'drop-slot', change.id, () => ({
          layer: 'source',
          action: `drop replication slot ${source.slot} once the connector is gone (only when inactive: an active slot is reported, never dropped; a forgotten slot keeps WAL and fills the disk)`,
          op: { kind: 'drop-slot', source: source.name, slot: source.slot, sql: slotDropSql(source.slot) },
        }));
        const signalTable = source.connectorConfig['signal.data.collection'];
        want(`objects/${source.name}`, 'drop-source-objects', change.id, () => ({
          layer: 'source',
          action: `drop publication ${source.publication}${signalTable ? ` and signal table ${signalTable}` : ''} (the replication role ${source.connectorConfig['database.user'] ?? ''} stays)`,
          op: { kind: 'source-sql', source: source.name, sql: sourceObjectsDropSql(source) },
        }));
        deleted.push(...old.tables.filter((t) => t.source === source.name).map((t) => t.topic));
        // The connector writes its snapshot window marks (and the signal rows) to a topic of the signal table.
        if (signalTable) deleted.push(`${source.topicPrefix}.${signalTable}`);
        break;
      }
      case 'connector-config':
        putConnector(nextSources.get(subject!)!, change.id, '');
        break;
      case 'add-table': {
        const t = nextTables.get(subject!)!;
        const source = oldSources.has(t.source) ? nextSources.get(t.source)! : undefined;
        if (!source) break; // a new source: its setup and initial snapshot take the table
        sourceNames.add(source.name);
        want(`pub-add/${t.id}`, 'publication-add', change.id, () => ({
          layer: 'source',
          action: `publish ${t.name} on source ${source.name}: ALTER PUBLICATION ${source.publication} ADD TABLE ${t.name} (when it is not in it), REPLICA IDENTITY FULL, SELECT for ${source.connectorConfig['database.user'] ?? ''}`,
          op: { kind: 'source-sql', source: source.name, sql: publicationAddSql(source, t.name) },
        }));
        putConnector(source, change.id, `: the include lists gain ${t.name}`);
        signal(t, change.id);
        break;
      }
      case 'remove-table': {
        const t = oldTables.get(subject!)!;
        const source = nextSources.get(t.source)!;
        sourceNames.add(source.name);
        putConnector(source, change.id, `: the include lists lose ${t.name}`);
        want(`pub-drop/${t.id}`, 'publication-drop', change.id, () => ({
          layer: 'source',
          action: `ALTER PUBLICATION ${source.publication} DROP TABLE ${t.name} on source ${source.name} (when it is in it)`,
          op: { kind: 'source-sql', source: source.name, sql: publicationDropSql(source, t.name) },
        }));
        deleted.push(t.topic);
        break;
      }
      case 'add-column':
      case 'drop-column':
      case 'rename-column': {
        // A source column joins or leaves the connector's column list; a new one is filled by a snapshot.
        if (!change.steps.some((s) => s.layer === 'connector')) break;
        const t = nextTables.get(subject!)!;
        putConnector(nextSources.get(t.source)!, change.id, `: column.include.list of ${t.name} changes`);
        if (change.steps.some((s) => s.layer === 'connector' && s.action.startsWith('signal '))) signal(t, change.id);
        break;
      }
      case 'rename-table':
        if (change.steps.some((s) => s.action.startsWith('signal '))) signal(nextTables.get(subject!)!, change.id);
        break;
      case 'add-job': {
        const job = nextJobs.get(subject!)!;
        want(`submit/${job.name}`, 'submit-job', change.id, () => ({
          layer: 'flink',
          action: `submit Flink job ${job.name} (writes ${job.tables.join(', ')}; reads its topics from the earliest offset), unless a job of that name is RUNNING, once its topics exist (a Kafka source fails on a missing topic: one the connector has not written yet is created with its partitions); the other jobs keep running`,
          op: { kind: 'submit-job', job: job.name, restore: 'fresh', marker: MARKER, topics: topicsOf(job.name) },
        }));
        break;
      }
      case 'restart-job': {
        const job = nextJobs.get(subject!)!;
        stopJob(job.name, change.id, MARKER);
        want(`submit/${job.name}`, 'submit-job', change.id, () => ({
          layer: 'flink',
          action: `submit Flink job ${job.name} again, fresh (the plan: its statement changed, so no savepoint restores it; it re-reads its topics from the earliest offset and the upsert sinks converge)`,
          op: { kind: 'submit-job', job: job.name, restore: 'fresh', marker: MARKER, topics: topicsOf(job.name) },
        }));
        break;
      }
      case 'remove-job':
        stopJob(subject!, change.id);
        break;
      default:
        break;
    }
  }
  if (!steps.size) return undefined;
  if (input.migration !== undefined || input.changes.some((c) => c.steps.some((s) => s.layer === 'views')))
    steps.set('analytics', {
      phase: 'apply-analytics',
      step: {
        layer: 'analytics',
        action: `apply the analytics migrations${input.migration ? ` (${input.migration} among them)` : ''}, schema.sql and views.sql (ops/apply-analytics.sh)`,
        op: { kind: 'apply-analytics', ...(input.migration !== undefined ? { migration: input.migration } : {}) },
      },
      changes: input.changes
        .filter((c) => c.steps.some((s) => s.layer === 'analytics' || s.layer === 'views'))
        .map((c) => c.id),
    });
  if (deleted.length)
    steps.set('topics', {
      phase: 'delete-topics',
      step: {
        layer: 'kafka',
        action: `topics nothing reads any more: ${deleted.join(', ')} (printed as commands; deleted only with --delete-topics)`,
        op: { kind: 'delete-topics', topics: deleted },
      },
      changes: input.changes.filter((c) => c.steps.some((s) => s.layer === 'kafka')).map((c) => c.id),
    });
  // Named after the first change it carries out; Flink job changes follow from the others.
  const operational = [...steps.values()].filter((s) => s.phase !== 'apply-analytics');
  const carried = input.changes.filter((c) => operational.some((s) => s.changes.includes(c.id)));
  const primary = carried.filter((c) => !/^(add|restart|remove)-job\//.test(c.id));
  const counted = primary.length ? primary : carried;
  const named = (cid: string) => {
    const [kind, subject, ...rest] = cid.split('/');
    const t = subject !== undefined ? (nextTables.get(subject) ?? oldTables.get(subject)) : undefined;
    return [kind, t ? t.name.slice(t.name.indexOf('.') + 1) : subject, ...rest.slice(0, 1)].join('_');
  };
  const slug = slugOf(named(counted[0]!.id)) + (counted.length > 1 ? `_and_${counted.length - 1}_more` : '');
  const scriptId = `${String(input.number).padStart(4, '0')}_${slug || 'change'}`;
  const mark = (op: ScriptOp): ScriptOp =>
    (op.kind === 'submit-job' || op.kind === 'stop-job') && op.marker === MARKER ? { ...op, marker: scriptId } : op;
  const ordered = [...steps.values()]
    .map((s, i) => [s, i] as const)
    .sort(([a, i], [b, j]) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) || i - j)
    .map(([s]) => ({ ...s.step, op: mark(s.step.op), changes: s.changes }));
  const sources = [...sourceNames].map((n) => addressOf(nextSources.get(n) ?? oldSources.get(n)!));
  return { id: scriptId, path: `${input.folder}/${scriptId}.sh`, steps: ordered, sources };
}
