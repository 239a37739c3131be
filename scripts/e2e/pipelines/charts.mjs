// examples/charts: one dimension, two views and three Superset charts (a time grain, a sorted table, a big
// number) whose data endpoints must answer from the live rows. The analytics JDBC URL asks for
// sslmode=require, which the run's PostgreSQL (TLS on) serves.
export default {
  config: 'examples/charts/pipeline.config.ts',
  superset: true,
  snapshot: {
    shop: `
      INSERT INTO customers VALUES (1, 'ada@example.com', 'GB', '2024-03-01 09:00:00+00');
      INSERT INTO customers VALUES (2, 'kim@example.com', 'KR', '2024-03-01 23:30:00+00');
      INSERT INTO customers VALUES (3, 'lee@example.com', 'KR', '2024-03-02 08:15:00+00');`,
  },
  changes: [
    {
      what: 'insert reaches the per-country view',
      source: 'shop',
      sql: `INSERT INTO customers VALUES (4, 'noa@example.com', 'IL', '2024-03-03 10:00:00+00')`,
      check: `SELECT country, customers::int, last_id::int FROM cdc.customers_per_country ORDER BY country`,
      expect: [
        { country: 'GB', customers: 1, last_id: 1 },
        { country: 'IL', customers: 1, last_id: 4 },
        { country: 'KR', customers: 2, last_id: 3 },
      ],
    },
    {
      what: 'delete',
      source: 'shop',
      sql: 'DELETE FROM customers WHERE id = 1',
      check: `SELECT count(*)::int AS n FROM cdc.signups WHERE id = 1`,
      expect: [{ n: 0 }],
    },
  ],
};
