// examples/types: every supported column type under two connector profiles, a composite key, tables in two
// schemas, an ORM's mixed-case table, a view on a view, a Secret analytics login, TLS to PostgreSQL
// (the analytics JDBC URL's sslmode=require; the legacy connector's database.sslmode=verify-full against the
// run's self-signed certificate, which the Connect worker trusts from ~/.postgresql/root.crt). Each value of
// every type-matrix cell is compared by examples/type-cells; here the config as a whole runs.
const DEV = '4f7a0c1e-0000-4000-8000-0000000000d1';
const USER = '4f7a0c1e-0000-4000-8000-0000000000e1';

export default {
  config: 'examples/types/pipeline.config.ts',
  // What a loopback stack cannot run, replaced (each named; everything else runs as configured; the RDS
  // flavour's setup SQL runs with rds_replication stood in for, as verify does).
  loopback: `
// The loopback Kafka has one PLAINTEXT listener: the Flink client's SASL_SSL/SCRAM properties go.
o.kafka = { ...o.kafka, properties: {} };
// No object store here: checkpoints go to the file system default instead of s3://.
o.flink = { ...o.flink, checkpointDir: undefined };
`,
  prepare: { app: "CREATE TYPE mood AS ENUM ('happy', 'sad', 'ok')" },
  snapshot: {
    app: `
      INSERT INTO every_type (id, flag, small, big, ratio, score, amount, free_numeric, huge_numeric, price, code,
        any_length, body, country, padded, external_id, external_ref, doc, docb, blob, birthday, alarm_ms, alarm_us,
        alarm_exact, alarm_tz, created_ms, created_us, created_zoned, paid_at, paid_at_text, paid_at_utc, duration,
        mood, client_ip, network, mac, doc_xml, seats, booked, season, price_band, tags, ids, big_ids, refs, prices,
        days, flags)
      VALUES (1, true, -32768, 9223372036854775807, 1.5, 2.25, 12345678.1234, 3.14159265358979323846,
        1234567890123456789012345678901234567890.0123456789, 12.34, 'code', 'any', 'ünïcödé ✓', 'DE', 'pad',
        'ffffffff-ffff-ffff-ffff-ffffffffffff', '00000000-0000-0000-0000-000000000001', '{"a": 1}', '{"b": [1, 2]}',
        '\\xdeadbeef', '1969-12-31', '12:34:56.789', '23:59:59.999999', '01:02:03.456789', '12:00:00+05:30',
        '2024-02-29 12:00:00.123', '1969-12-31 23:59:59.999999', '2024-01-01 00:00:00.5',
        '2024-02-29 12:00:00.123456+05:30', '2024-02-29 12:00:00+00', '2024-02-29 12:00:00+00', '1 day 02:03:04',
        'happy', '192.168.0.1', '10.0.0.0/8', '08:00:2b:01:02:03', '<a>ü</a>', '[1,10)',
        '[2024-01-01 00:00+00,2024-01-02 00:00+00)', '[2024-01-01,2024-02-01)', '[1.5,2.5]', ARRAY['a', 'b'],
        ARRAY[1, 2], ARRAY[9223372036854775807], ARRAY['ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid],
        ARRAY[1.25, NULL], ARRAY['2024-01-01'::date], ARRAY[true, false]);
      INSERT INTO every_type (id) VALUES (2);
      -- measurements is partitioned by range of measured_at (the demo DDL makes a DEFAULT partition).
      CREATE TABLE telemetry.measurements_2024_03 PARTITION OF telemetry.measurements
        FOR VALUES FROM ('2024-03-01 00:00+00') TO ('2024-04-01 00:00+00');
      INSERT INTO telemetry.measurements (device_id, measured_at, metric, value) VALUES
        ('${DEV}', '2024-03-01 10:05:00+00', 'temp', 20.5),
        ('${DEV}', '2024-03-01 10:35:00+00', 'temp', 21.5);
      INSERT INTO "UserEvents" VALUES ('${USER}', '${USER}', 'click', 1, 0.5, '2024-03-01 10:00:00+00');`,
    legacy: `
      INSERT INTO ops.ledger VALUES (1, 'acc-1', 100.25, 100.25, 1.5, 2.5, '2024-01-31', '2024-01-31 23:59:59.5',
        '12:00:00', '2024-02-01 00:00:00+00', '1 mon 2 days', '\\x00ff', ARRAY[1.125, -2.5]);
      INSERT INTO ops.ledger VALUES (2, 'acc-1', -0.25, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      INSERT INTO devices VALUES ('${DEV}', 'sensor one', '\\x01');`,
  },
  changes: [
    {
      what: 'snapshot values through both profiles',
      source: 'app',
      sql: 'SELECT 1',
      check: `SELECT huge_numeric::text, tags::text, mood, paid_at = '2024-02-29 12:00:00.123456+05:30' AS paid_exact,
                (SELECT hold::text FROM cdc.fact_ledger WHERE entry_id = 1) AS hold,
                (SELECT lower(signature) FROM cdc.fact_ledger WHERE entry_id = 1) AS signature
              FROM cdc.every_type WHERE id = 1`,
      expect: [
        {
          huge_numeric: '1234567890123456789012345678901234567890.0123456789',
          tags: '["a", "b"]',
          mood: 'happy',
          paid_exact: true,
          hold: '1 mon 2 days',
          signature: '00ff',
        },
      ],
    },
    {
      what: 'a view on a view over a LEFT JOIN of two sources',
      source: 'app',
      sql: `INSERT INTO telemetry.measurements VALUES ('${DEV}', '2024-03-01 11:00:00+00', 'temp', 19.0)`,
      check: `SELECT h.device_name, h.hour::text, h.readings::int AS hourly, d.readings::int AS daily
              FROM cdc.device_hourly AS h JOIN cdc.device_daily AS d USING (device_id) ORDER BY h.hour`,
      expect: [
        { device_name: 'sensor one', hour: '2024-03-01 10:00:00+00', hourly: 2, daily: 3 },
        { device_name: 'sensor one', hour: '2024-03-01 11:00:00+00', hourly: 1, daily: 3 },
      ],
    },
    {
      what: 'update of one column of a composite key',
      source: 'app',
      sql: `UPDATE telemetry.measurements SET metric = 'humidity' WHERE measured_at = '2024-03-01 11:00:00+00'`,
      check: `SELECT metric FROM cdc.fact_measurements WHERE measured_at = '2024-03-01 11:00:00+00'`,
      expect: [{ metric: 'humidity' }],
    },
    {
      what: 'a partition added after the setup: its insert and update arrive as telemetry.measurements',
      source: 'app',
      sql: `CREATE TABLE telemetry.measurements_2024_04 PARTITION OF telemetry.measurements
              FOR VALUES FROM ('2024-04-01 00:00+00') TO ('2024-05-01 00:00+00');
            INSERT INTO telemetry.measurements VALUES ('${DEV}', '2024-04-02 00:00:00+00', 'temp', 5);
            UPDATE telemetry.measurements SET value = 6 WHERE measured_at = '2024-04-02 00:00:00+00';
            DELETE FROM telemetry.measurements WHERE measured_at = '2024-03-01 10:05:00+00'`,
      check: `SELECT measured_at::text, value FROM cdc.fact_measurements WHERE measured_at IN ('2024-04-02 00:00:00+00', '2024-03-01 10:05:00+00')`,
      expect: [{ measured_at: '2024-04-02 00:00:00+00', value: 6 }],
    },
    {
      what: 'the mixed-case table (a reserved-word column) feeds its view',
      source: 'app',
      sql: `INSERT INTO "UserEvents" ("id", "userId", "eventType", "order", "value") VALUES ('4f7a0c1e-0000-4000-8000-0000000000e2', '${USER}', 'buy', 7, 2.0)`,
      check: `SELECT events::int, last_order, total_value FROM cdc.events_per_user WHERE user_id = '${USER}'`,
      expect: [{ events: 2, last_order: 7, total_value: 2.5 }],
    },
    {
      what: 'delete under a composite key on the second profile',
      source: 'legacy',
      sql: `DELETE FROM ops.ledger WHERE entry_id = 2 AND account = 'acc-1'`,
      check: `SELECT balance::text, entries::int FROM cdc.ledger_balance WHERE account = 'acc-1'`,
      expect: [{ balance: '100.25', entries: 1 }],
    },
  ],
};
