// examples/minimal: one captured table (a dimension) and one view over it, every deployment default. Snapshot
// rows, then an insert with µs and a zone offset, an update to NULL and a delete, each followed through the
// table and the view.
const customer = (id) =>
  `SELECT id::int, email, country, to_char(signed_up_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS signed_up_at FROM dim_customers WHERE id = ${id}`;

export default {
  config: 'examples/minimal/pipeline.config.ts',
  snapshot: {
    shop: `
      INSERT INTO customers VALUES (1, 'ada@example.com', 'GB', '1969-07-20 20:17:40+00');
      INSERT INTO customers VALUES (2, 'kim@example.com', 'KR', NULL);`,
  },
  changes: [
    {
      what: 'insert (µs, a zone offset)',
      source: 'shop',
      sql: `INSERT INTO customers VALUES (3, 'lee@example.com', 'KR', '2024-02-29 12:00:00.123456+05:30')`,
      check: customer(3),
      expect: [{ id: 3, email: 'lee@example.com', country: 'KR', signed_up_at: '2024-02-29 06:30:00.123456' }],
    },
    {
      what: 'the view counts it',
      source: 'shop',
      sql: 'SELECT 1',
      check: `SELECT customers::int AS n FROM customers_by_country WHERE country = 'KR'`,
      expect: [{ n: 2 }],
    },
    {
      what: 'update to NULL',
      source: 'shop',
      sql: 'UPDATE customers SET country = NULL WHERE id = 2',
      check: customer(2),
      expect: [{ id: 2, email: 'kim@example.com', country: null, signed_up_at: null }],
    },
    {
      what: 'delete',
      source: 'shop',
      sql: 'DELETE FROM customers WHERE id = 1',
      check: 'SELECT array_agg(id ORDER BY id)::text AS ids FROM dim_customers',
      expect: [{ ids: '{2,3}' }],
    },
  ],
};
