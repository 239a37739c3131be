/**
 * A small set of book store rows whose chart numbers are worked out by hand below, for the PGlite test of
 * the views and metrics and for the real-Superset test. The average order value is the example:
 * daily averages 15.00 and 60.00 (their mean 37.50), the true value 90.00 / 3 orders = 30.00.
 */
const book = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const order = (n: number) => `00000000-0000-4000-9000-00000000000${n}`;
const item = (n: number) => `00000000-0000-4000-a000-00000000000${n}`;

export const BOOKSTORE_ROWS = `
INSERT INTO dim_books (id, title, author, price, genre, published_year) VALUES
  ('${book(1)}', 'Dune', 'Herbert', 25.00, 'Sci-Fi', 1965),
  ('${book(2)}', 'Emma', 'Austen', 8.00, 'Classic', 1815),
  ('${book(3)}', 'Ulysses', 'Joyce', NULL, NULL, 1922),
  ('${book(4)}', 'Neuromancer', 'Gibson', 35.00, 'Sci-Fi', 1984);
INSERT INTO fact_orders (id, user_id, total, status, created_at) VALUES
  ('${order(1)}', 'u1', 10.00, 'CONFIRMED', '2026-01-01 09:00:00'),
  ('${order(2)}', 'u2', 20.00, 'CONFIRMED', '2026-01-01 17:30:00'),
  ('${order(3)}', 'u1', 60.00, 'CONFIRMED', '2026-01-02 12:00:00'),
  ('${order(4)}', 'u3', 100.00, 'CANCELLED', '2026-01-02 13:00:00');
INSERT INTO fact_order_items (id, order_id, book_id, quantity, price_at_purchase) VALUES
  ('${item(1)}', '${order(1)}', '${book(2)}', 1, 10.00),
  ('${item(2)}', '${order(2)}', '${book(1)}', 1, 20.00),
  ('${item(3)}', '${order(3)}', '${book(1)}', 2, 20.00),
  ('${item(4)}', '${order(3)}', '${book(4)}', 1, 20.00),
  ('${item(5)}', '${order(4)}', '${book(3)}', 5, 20.00);
INSERT INTO fact_inventory (book_id, quantity, reserved, updated_at) VALUES
  ('${book(1)}', 10, 2, '2026-01-02 00:00:00'),
  ('${book(2)}', 5, 5, '2026-01-02 00:00:00'),
  ('${book(4)}', 50, 0, '2026-01-02 00:00:00');
`;

type Row = Record<string, string | number>;

/**
 * What each chart shows for those rows: its x / groupBy values and metric labels → values, in the chart's
 * sort order. Cancelled order 4 (100.00, five copies of Ulysses) counts only in the status distribution.
 */
export const EXPECTED_CHART_ROWS: Readonly<Record<string, readonly Row[]>> = {
  'Product Sales Volume': [
    { title: 'Dune', 'Units sold': 3 },
    { title: 'Emma', 'Units sold': 1 },
    { title: 'Neuromancer', 'Units sold': 1 },
  ],
  'Sales Over Time': [
    { sale_date: '2026-01-01', Revenue: 30 },
    { sale_date: '2026-01-02', Revenue: 60 },
  ],
  'Revenue by Author': [
    { author: 'Herbert', Revenue: 60 },
    { author: 'Gibson', Revenue: 20 },
    { author: 'Austen', Revenue: 10 },
  ],
  'Top Books by Revenue': [
    { title: 'Dune', Revenue: 60 },
    { title: 'Neuromancer', Revenue: 20 },
    { title: 'Emma', Revenue: 10 },
  ],
  'Book Price Distribution': [
    { price_range: '$20-$30', Books: 1 },
    { price_range: '$30+', Books: 1 },
    { price_range: 'No price', Books: 1 },
    { price_range: 'Under $10', Books: 1 },
  ],
  'Total Revenue KPI': [{ 'Total Revenue': 90 }],
  'Total Orders KPI': [{ 'Total Orders': 3 }],
  'Average Order Value KPI': [{ 'Average Order Value': 30 }],
  'Order Status Distribution': [
    { status: 'CONFIRMED', Orders: 3 },
    { status: 'CANCELLED', Orders: 1 },
  ],
  'Avg Order Value Over Time': [
    { order_date: '2026-01-01', 'Average Order Value': 15 },
    { order_date: '2026-01-02', 'Average Order Value': 60 },
  ],
  'Inventory Health Table': [
    { title: 'Emma', author: 'Austen', stock_qty: 5, reserved: 5, available: 0, stock_status: 'OUT_OF_STOCK' },
    { title: 'Dune', author: 'Herbert', stock_qty: 10, reserved: 2, available: 8, stock_status: 'LOW' },
    { title: 'Neuromancer', author: 'Gibson', stock_qty: 50, reserved: 0, available: 50, stock_status: 'OK' },
  ],
  'Stock vs Reserved': [
    { title: 'Neuromancer', 'In stock': 50, Reserved: 0 },
    { title: 'Dune', 'In stock': 10, Reserved: 2 },
    { title: 'Emma', 'In stock': 5, Reserved: 5 },
  ],
  'Inventory Turnover Rate': [
    { title: 'Dune', 'Turnover %': 30 },
    { title: 'Emma', 'Turnover %': 20 },
    { title: 'Neuromancer', 'Turnover %': 2 },
  ],
  'Revenue by Genre': [
    { genre: 'Sci-Fi', Revenue: 80, 'Titles sold': 2 },
    { genre: 'Classic', Revenue: 10, 'Titles sold': 1 },
  ],
};
