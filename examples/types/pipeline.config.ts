/**
 * Every column type the compiler supports, under two connector profiles, with a composite primary key,
 * tables in two schemas, and a view built on a view. Its generated/ tree is the type matrix in practice.
 * No deployment section: the addresses are given explicitly, the control that a config without one
 * keeps working (no Kubernetes output; compile the book store or examples/minimal for that).
 */
import { definePipeline, postgresSource, secret, sql, t, view } from 'cdc-compile';

// Profile 1: the defaults (exact decimals as strings, adaptive time precision).
const app = postgresSource('app', {
  host: 'app-db.data.svc.cluster.local',
  database: 'app',
  password: secret('app-db', 'password'),
});

// Profile 2: the other modes (decimals as doubles, epoch-ms times, ISO intervals, hex binaries), on RDS.
const legacy = postgresSource('legacy', {
  host: 'legacy-db.data.svc.cluster.local',
  port: 5433,
  database: 'legacy',
  user: 'cdc_reader',
  password: secret('legacy-db', 'password'),
  schema: 'ops',
  // A managed server (Amazon RDS / Aurora): no superuser, so the setup SQL grants rds_replication.
  flavor: 'rds',
  connector: {
    name: 'legacy-cdc',
    decimalHandling: 'double',
    timePrecision: 'connect',
    intervalHandling: 'string',
    binaryHandling: 'hex',
    snapshotMode: 'when_needed',
    heartbeatIntervalMs: 30000,
    properties: {
      'max.batch.size': 4096,
      'snapshot.fetch.size': 5000,
      'database.sslmode': 'verify-full',
      'database.sslpassword': secret('legacy-db', 'ssl-key-password'),
    },
  },
});

const everyType = app.table('every_type', {
  columns: {
    id: t.bigserial().primaryKey(),
    flag: t.boolean(),
    small: t.smallint(),
    counter: t.serial(),
    tiny_counter: t.smallserial(),
    big: t.bigint(),
    ratio: t.real(),
    score: t.double(),
    amount: t.numeric(12, 4),
    free_numeric: t.numeric(),
    huge_numeric: t.numeric(50, 10),
    price: t.money(),
    code: t.varchar(32),
    any_length: t.varchar(),
    body: t.text(),
    country: t.char(2),
    padded: t.char(8).mapping('text'),
    external_id: t.uuid(),
    external_ref: t.uuid().mapping('text'),
    doc: t.json(),
    docb: t.jsonb(),
    blob: t.bytea(),
    birthday: t.date(),
    alarm_ms: t.time(3),
    alarm_us: t.time(),
    alarm_exact: t.time().mapping('integer'),
    alarm_tz: t.timetz(),
    created_ms: t.timestamp(3),
    created_us: t.timestamp(),
    created_zoned: t.timestamp().mapping('timestamptz'),
    paid_at: t.timestamptz(),
    paid_at_text: t.timestamptz().mapping('string'),
    paid_at_utc: t.timestamptz().mapping('timestamp'),
    duration: t.interval(),
    mood: t.enum('mood'),
    client_ip: t.inet(),
    network: t.cidr(),
    mac: t.macaddr(),
    doc_xml: t.xml(),
    // Ranges arrive as PostgreSQL's text form and land as the same range type.
    seats: t.int4range(),
    booked: t.tstzrange(),
    season: t.daterange(),
    price_band: t.numrange().mapping('text'),
    tags: t.array(t.text()),
    ids: t.array(t.integer()),
    big_ids: t.array(t.bigint()),
    refs: t.array(t.uuid()),
    prices: t.array(t.numeric(10, 2)),
    days: t.array(t.date()),
    flags: t.array(t.boolean()),
  },
  analytics: {
    name: 'every_type',
    extraColumns: { loaded_at: t.timestamptz().default('now()').notNull(), batch: t.text() },
  },
});

// Composite key, non-public schema.
const measurements = app.table('measurements', {
  schema: 'telemetry',
  columns: {
    device_id: t.uuid(),
    measured_at: t.timestamptz(),
    metric: t.varchar(64),
    value: t.double(),
    note: t.text(),
    // Debezium 2.7 cannot carry a tsvector (TYPE.UNSUPPORTED if captured); analytics.columns leaves it out.
    note_search: t.tsvector(),
  },
  primaryKey: ['device_id', 'measured_at', 'metric'],
  // Partitioned by time in the source: every partition's changes arrive as telemetry.measurements'.
  partitionBy: { strategy: 'range', columns: ['measured_at'] },
  analytics: {
    name: 'fact_measurements',
    columns: ['device_id', 'measured_at', 'metric', 'value'],
    syncedAtColumn: 'landed_at',
  },
});

const legacyLedger = legacy.table('ledger', {
  columns: {
    entry_id: t.integer().primaryKey(),
    account: t.varchar(20).primaryKey(),
    amount: t.numeric(14, 2),
    amount_raw: t.numeric(14, 2).mapping('double'),
    free_amount: t.numeric(),
    fee: t.money(),
    booked_on: t.date(),
    booked_at: t.timestamp(),
    booked_time: t.time(),
    settled_at: t.timestamptz(),
    hold: t.interval(),
    signature: t.bytea(),
    weights: t.array(t.numeric(6, 3)),
    // No time[] here: under connect Debezium 2.7 sends null for it (E9, found by npm run test:e2e).
  },
  analytics: { name: 'fact_ledger' },
});

const devices = legacy.table('devices', {
  schema: 'public',
  columns: { id: t.uuid().primaryKey(), name: t.text(), firmware: t.bytea() },
  analytics: { kind: 'dimension' },
});

// A table an ORM created: mixed-case names (quoted in the source), a reserved word, a Flink keyword.
const userEvents = app.table('UserEvents', {
  columns: {
    id: t.uuid().primaryKey(),
    userId: t.uuid(),
    eventType: t.varchar(64),
    order: t.integer().analyticsName('event_order'),
    value: t.double(),
    createdAt: t.timestamptz(),
  },
});

const m = measurements.as('m');
const d = devices.as('d');

const hourly = view('device_hourly', {
  columns: {
    device_id: t.uuid(),
    device_name: t.text(),
    hour: t.timestamptz(),
    readings: t.bigint(),
    avg_value: t.double(),
  },
  sql: sql`
    SELECT ${m.c.device_id}, ${d.c.name} AS device_name, date_trunc('hour', ${m.c.measured_at}) AS hour,
           COUNT(*) AS readings, AVG(${m.c.value}) AS avg_value
    FROM ${m}
    LEFT JOIN ${d} ON ${d.c.id} = ${m.c.device_id}
    GROUP BY 1, 2, 3`,
});

// A view on a view, declared before it in the list: the compiler orders them.
const daily = view('device_daily', {
  columns: { device_id: t.uuid(), day: t.date(), readings: t.numeric() },
  sql: sql`
    SELECT ${hourly.c.device_id}, CAST(${hourly.c.hour} AS date) AS day, SUM(${hourly.c.readings}) AS readings
    FROM ${hourly}
    GROUP BY 1, 2`,
});

const ledgerBalance = view('ledger_balance', {
  columns: { account: t.varchar(20), balance: t.numeric(), entries: t.bigint() },
  sql: sql`SELECT ${legacyLedger.c.account}, SUM(${legacyLedger.c.amount}) AS balance, COUNT(*) AS entries
           FROM ${legacyLedger} GROUP BY ${legacyLedger.c.account}`,
});

const typeSample = view('every_type_sample', {
  columns: { id: t.bigint(), tags: t.jsonb(), paid_at: t.timestamptz() },
  sql: sql`SELECT ${everyType.c.id}, ${everyType.c.tags}, ${everyType.c.paid_at} FROM ${everyType}`,
});

const eventsPerUser = view('events_per_user', {
  columns: { user_id: t.uuid(), events: t.bigint(), last_order: t.integer(), total_value: t.double() },
  sql: sql`SELECT ${userEvents.c.userId}, COUNT(*) AS events, MAX(${userEvents.c.order}) AS last_order,
           SUM(${userEvents.c.value}) AS total_value
           FROM ${userEvents} GROUP BY ${userEvents.c.userId}`,
});

export default definePipeline({
  name: 'types',
  sources: [app, legacy],
  kafka: {
    bootstrapServers: 'kafka-0.kafka:9093,kafka-1.kafka:9093',
    properties: {
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': secret('kafka-flink-client', 'jaas-config'),
    },
  },
  connect: { url: 'http://connect.data.svc.cluster.local:8083' },
  flink: {
    jobs: 'single',
    checkpointInterval: '1min',
    checkpointDir: 's3://checkpoints/types',
    sink: { bufferFlushMaxRows: 500, bufferFlushInterval: '2s', maxRetries: 5 },
    settings: { 'state.backend.type': 'rocksdb', 'execution.checkpointing.incremental': true },
  },
  analytics: {
    host: 'warehouse.data.svc.cluster.local',
    database: 'warehouse',
    schema: 'cdc',
    jdbcParameters: { sslmode: 'require' },
    user: secret('warehouse-writer', 'username'),
    password: secret('warehouse-writer', 'password'),
  },
  views: [daily, hourly, ledgerBalance, typeSample, eventsPerUser],
});
