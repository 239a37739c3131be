// examples/kafka-tls: the brokers speak SASL_SSL only (listeners read from the generated StatefulSet),
// Connect logs in with the worker settings of the generated Deployment, and Flink runs pipeline.sql as
// compiled (truststore and logins from placeholders). Rows of the snapshot and a live insert and update
// must land; a PLAINTEXT client and a wrong password must be refused. Run on a stack of its own:
// CDC_E2E_PIPELINES=kafka-tls npm run test:e2e
const orders = (where) =>
  `SELECT id::int AS id, customer, total::text AS total FROM fact_orders WHERE ${where} ORDER BY id`;

export default {
  config: 'examples/kafka-tls/pipeline.config.ts',
  snapshot: {
    shop: `
      INSERT INTO orders VALUES (1, 'ann', 10.50, '2024-03-01 09:00:00+00');
      INSERT INTO orders VALUES (2, 'bob', 4.25, '2024-03-01 10:30:00+00');`,
  },
  changes: [
    {
      what: 'insert over SASL_SSL',
      source: 'shop',
      sql: `INSERT INTO orders VALUES (3, 'ann', 7.00, '2024-03-02 08:00:00+00')`,
      check: orders('id = 3'),
      expect: [{ id: 3, customer: 'ann', total: '7.00' }],
    },
    {
      what: 'update over SASL_SSL, and the view follows',
      source: 'shop',
      sql: `UPDATE orders SET total = 12.50 WHERE id = 1`,
      check: `SELECT customer, orders::int AS orders, revenue::text AS revenue FROM revenue_by_customer WHERE customer = 'ann'`,
      expect: [{ customer: 'ann', orders: 2, revenue: '19.50' }],
    },
  ],
};
