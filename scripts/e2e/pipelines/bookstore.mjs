// The book store (root pipeline.config.ts): rows for the initial snapshot of every captured table beside
// the demo rows the deployment seeds, then inserts, updates (a key column too), deletes and NULLs, each
// with the analytics rows it must produce. Its connectors run the seed's modes: numerics as doubles,
// timestamps as epoch milliseconds (TIMESTAMP(3) in the analytics database).
const ORDER = '7d1c0c3e-0000-4000-8000-000000000001';
const ORDER2 = '7d1c0c3e-0000-4000-8000-000000000002';
const ITEM = '7d1c0c3e-0000-4000-8000-0000000000a1';
const DUNE = '4c8e2a90-6b1f-4d1e-8f0a-7a3b5c9d2e02';
const PRAG = '9b2f7c1e-0d7a-4c47-9a63-2f1d1c6e8a01';
const NEW = '7d1c0c3e-0000-4000-8000-000000000003';
const NEW2 = '7d1c0c3e-0000-4000-8000-000000000004';

const order = (id) =>
  `SELECT id::text, user_id, total::text, status, created_at::text FROM fact_orders WHERE id = '${id}'`;

export default {
  config: 'pipeline.config.ts',
  // Superset: the bootstrap imports the bundle; every chart's data endpoint answers from the live rows.
  superset: true,
  snapshot: {
    ecom: `
      INSERT INTO orders VALUES ('${ORDER}', 'u-1', 49.98, 'COMPLETED', '2024-02-01 09:30:00.123');
      INSERT INTO orders VALUES ('${ORDER2}', 'u-2', 9.99, 'PENDING', '2024-02-02 10:00:00');
      INSERT INTO order_items VALUES ('${ITEM}', '${ORDER}', '${PRAG}', 1, 39.99);
      INSERT INTO order_items VALUES ('7d1c0c3e-0000-4000-8000-0000000000a2', '${ORDER}', '${DUNE}', 1, 9.99);`,
  },
  changes: [
    {
      what: 'insert with a NULL column',
      source: 'ecom',
      sql: `INSERT INTO orders VALUES ('${NEW}', NULL, 1234.5, 'PENDING', '1969-12-31 23:59:59.999')`,
      check: order(NEW),
      expect: [{ id: NEW, user_id: null, total: '1234.50', status: 'PENDING', created_at: '1969-12-31 23:59:59.999' }],
    },
    {
      what: 'update of a non-key column',
      source: 'ecom',
      sql: `UPDATE orders SET status = 'CANCELLED', user_id = 'u-3' WHERE id = '${NEW}'`,
      check: order(NEW),
      expect: [
        { id: NEW, user_id: 'u-3', total: '1234.50', status: 'CANCELLED', created_at: '1969-12-31 23:59:59.999' },
      ],
    },
    {
      what: 'update of the key column',
      source: 'ecom',
      sql: `UPDATE orders SET id = '${NEW2}' WHERE id = '${NEW}'`,
      check: `SELECT id::text FROM fact_orders WHERE id IN ('${NEW}', '${NEW2}') ORDER BY id`,
      expect: [{ id: NEW2 }],
    },
    {
      what: 'delete',
      source: 'ecom',
      sql: `DELETE FROM orders WHERE id = '${NEW2}'`,
      check: `SELECT count(*)::int AS n FROM fact_orders WHERE id = '${NEW2}'`,
      expect: [{ n: 0 }],
    },
    {
      what: 'update on the second source database',
      source: 'inventory',
      sql: `UPDATE inventory SET quantity = 0, reserved = NULL WHERE book_id = '${DUNE}'`,
      check: `SELECT quantity, reserved FROM fact_inventory WHERE book_id = '${DUNE}'`,
      expect: [{ quantity: 0, reserved: null }],
    },
    {
      what: 'a view follows the landed rows',
      source: 'ecom',
      sql: `UPDATE order_items SET quantity = 3 WHERE id = '${ITEM}'`,
      check: `SELECT units_sold::int AS units_sold, revenue::text FROM vw_product_sales_volume WHERE book_id = '${PRAG}'`,
      expect: [{ units_sold: 3, revenue: '119.97' }],
    },
  ],
};
