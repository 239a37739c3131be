/**
 * Every type-matrix cell that is not a refusal, under three connector profiles, on a plain self-managed
 * stack: `npm run test:e2e` runs it on the real engines with boundary values per type and checks that each
 * analytics value is what the matrix says (scripts/e2e/pipelines/type-cells.mjs). examples/types shows
 * the cluster-side options (SASL, TLS, RDS, S3 checkpoints) that a loopback stack cannot run.
 */
import { definePipeline, postgresSource, secret, t } from 'cdc-compile';

// Profile 1: the defaults (exact decimals as strings, adaptive time precision, intervals in µs, bytes).
const exact = postgresSource('exact', { database: 'cells_exact', password: secret('cells-db', 'exact') });

// Profile 2: the seed's modes (doubles, epoch milliseconds) with ISO intervals and hex binaries.
const seed = postgresSource('seed', {
  database: 'cells_seed',
  password: secret('cells-db', 'seed'),
  connector: { decimalHandling: 'double', timePrecision: 'connect', intervalHandling: 'string', binaryHandling: 'hex' },
});

// Profile 3: exact decimals as JSON numbers, microsecond times, base64 binaries.
const precise = postgresSource('precise', {
  database: 'cells_precise',
  password: secret('cells-db', 'precise'),
  connector: {
    decimalHandling: 'precise',
    decimalFormat: 'NUMERIC',
    timePrecision: 'adaptive_time_microseconds',
    binaryHandling: 'base64',
  },
});

// The columns whose cell depends on the connector modes: in every profile.
const modeDependent = {
  n_10_2: t.numeric(10, 2),
  n_20_4: t.numeric(20, 4),
  n_38_10: t.numeric(38, 10),
  m: t.money(),
  bin: t.bytea(),
  t0: t.time(0),
  t0_int: t.time(0).mapping('integer'),
  t3: t.time(3),
  t3_int: t.time(3).mapping('integer'),
  t6: t.time(),
  t6_int: t.time().mapping('integer'),
  ts3: t.timestamp(3),
  ts3_tz: t.timestamp(3).mapping('timestamptz'),
  ts3_raw: t.timestamp(3).mapping('raw'),
  ts6: t.timestamp(),
  ts6_tz: t.timestamp().mapping('timestamptz'),
  ts6_raw: t.timestamp().mapping('raw'),
  iv: t.interval(),
  a_ts: t.array(t.timestamp()),
} as const;

exact.table('cells', {
  columns: {
    id: t.integer().primaryKey(),
    ...modeDependent,
    // time(0..3)[] under adaptive is a refusal (E9): Debezium 2.7 sends null.
    a_time6: t.array(t.time()),
    n_free: t.numeric(),
    n_50_10: t.numeric(50, 10),
    b: t.boolean(),
    i2: t.smallint(),
    i4: t.integer(),
    i8: t.bigint(),
    f4: t.real(),
    f8: t.double(),
    vc: t.varchar(32),
    vc_free: t.varchar(),
    txt: t.text(),
    ch: t.char(8),
    ch_text: t.char(8).mapping('text'),
    u: t.uuid(),
    u_text: t.uuid().mapping('text'),
    js: t.json(),
    js_text: t.json().mapping('text'),
    jsb: t.jsonb(),
    jsb_text: t.jsonb().mapping('text'),
    d: t.date(),
    ttz: t.timetz(),
    ttz_text: t.timetz().mapping('text'),
    tstz: t.timestamptz(),
    tstz_string: t.timestamptz().mapping('string'),
    tstz_ts: t.timestamptz().mapping('timestamp'),
    mood: t.enum('mood'),
    ip: t.inet(),
    ip_text: t.inet().mapping('text'),
    net: t.cidr(),
    net_text: t.cidr().mapping('text'),
    mac: t.macaddr(),
    mac_text: t.macaddr().mapping('text'),
    x: t.xml(),
    x_text: t.xml().mapping('text'),
    r_i4: t.int4range(),
    r_i4_text: t.int4range().mapping('text'),
    r_i8: t.int8range(),
    r_num: t.numrange(),
    r_ts: t.tsrange(),
    r_tstz: t.tstzrange(),
    r_d: t.daterange(),
    a_bool: t.array(t.boolean()),
    a_i2: t.array(t.smallint()),
    a_i4: t.array(t.integer()),
    a_i4_text: t.array(t.integer()).mapping('text'),
    a_i8: t.array(t.bigint()),
    a_f4: t.array(t.real()),
    a_f8: t.array(t.double()),
    a_num: t.array(t.numeric(10, 2)),
    a_date: t.array(t.date()),
    a_text: t.array(t.text()),
    a_vc: t.array(t.varchar(16)),
    a_ch: t.array(t.char(4)),
    a_uuid: t.array(t.uuid()),
    a_json: t.array(t.json()),
    a_jsonb: t.array(t.jsonb()),
    a_inet: t.array(t.inet()),
    a_cidr: t.array(t.cidr()),
    a_mac: t.array(t.macaddr()),
    a_ttz: t.array(t.timetz()),
    a_tstz: t.array(t.timestamptz()),
  },
  analytics: { name: 'cells_exact' },
});

seed.table('cells', {
  columns: {
    id: t.integer().primaryKey(),
    ...modeDependent,
    n_10_2_double: t.numeric(10, 2).mapping('double'),
    n_50_10: t.numeric(50, 10).mapping('double'),
    n_free: t.numeric(),
    a_num: t.array(t.numeric(10, 2)),
  },
  analytics: { name: 'cells_seed' },
});

precise.table('cells', {
  columns: {
    id: t.integer().primaryKey(),
    ...modeDependent,
    // Under connect every time[] is a refusal (E9); here both precisions arrive.
    a_time3: t.array(t.time(3)),
    a_time6: t.array(t.time()),
  },
  analytics: { name: 'cells_precise' },
});

export default definePipeline({
  name: 'type-cells',
  sources: [exact, seed, precise],
  analytics: {
    database: 'cells_analytics',
    user: secret('cells-analytics', 'username'),
    password: secret('cells-analytics', 'password'),
  },
  // Hosts and ports derived from the deployment; `--profile local` puts them all on 127.0.0.1.
  deployment: {},
});
