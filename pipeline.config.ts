/**
 * The book store CDC analytics pipeline: two operational PostgreSQL databases (ecom, inventory), four
 * captured tables, ten analytics views, fourteen Superset charts on three dashboards.
 * `npx cdc-compile` turns this file into everything in generated/.
 */
import {
  avg,
  chart,
  dashboard,
  definePipeline,
  metricSql,
  postgresSource,
  secret,
  sql,
  sum,
  t,
  view,
} from 'cdc-compile';

// ── Sources ──────────────────────────────────────────────────────────────────────────────────────────

// The seed system's connector modes: numerics as doubles, timestamps as epoch milliseconds.
const seedModes = { decimalHandling: 'double', timePrecision: 'connect' } as const;

// Hosts are derived from the deployment below: ecom-db.ecom.svc.cluster.local, inventory-db.inventory…
const ecom = postgresSource('ecom', {
  database: 'ecomdb',
  user: 'debezium_ecom',
  password: secret('ecom-db-credentials', 'password'),
  connector: seedModes,
});

const inventoryDb = postgresSource('inventory', {
  database: 'inventorydb',
  user: 'debezium_inventory',
  password: secret('inventory-db-credentials', 'password'),
  connector: seedModes,
});

const orders = ecom.table('orders', {
  columns: {
    id: t.uuid().primaryKey(),
    user_id: t.varchar(255),
    total: t.numeric(10, 2),
    status: t.varchar(50),
    created_at: t.timestamp(),
  },
  analytics: { name: 'fact_orders', kind: 'fact' },
  description: 'Completed orders.',
});

const orderItems = ecom.table('order_items', {
  columns: {
    id: t.uuid().primaryKey(),
    order_id: t.uuid(),
    book_id: t.uuid(),
    quantity: t.integer(),
    price_at_purchase: t.numeric(10, 2),
  },
  analytics: { name: 'fact_order_items', kind: 'fact' },
  description: 'Order line items.',
});

const books = ecom.table('books', {
  columns: {
    id: t.uuid().primaryKey(),
    title: t.varchar(255),
    author: t.varchar(255),
    price: t.numeric(10, 2),
    description: t.text(),
    cover_url: t.varchar(500),
    isbn: t.varchar(20),
    genre: t.varchar(100),
    published_year: t.integer(),
    created_at: t.timestamp(),
  },
  analytics: { name: 'dim_books', kind: 'dimension' },
  description: 'Book catalogue.',
});

const inventory = inventoryDb.table('inventory', {
  columns: {
    book_id: t.uuid().primaryKey(),
    quantity: t.integer(),
    reserved: t.integer(),
    updated_at: t.timestamp(),
  },
  analytics: { name: 'fact_inventory', kind: 'fact' },
  description: 'Current stock per book.',
});

// ── Views ────────────────────────────────────────────────────────────────────────────────────────────

const oi = orderItems.as('oi');
const o = orders.as('o');
const b = books.as('b');
const inv = inventory.as('inv');

// One rule for every number on the dashboards: a cancelled order is not a sale. Its revenue, its order
// and its line items count nowhere but in the status distribution. An order with no status yet is not
// cancelled (IS DISTINCT FROM keeps it; `<>` would drop it as NULL). Line items count once their order
// has landed (an inner join: an item whose order is not in the analytics database yet waits for it).
const notCancelled = sql`${o.c.status} IS DISTINCT FROM 'CANCELLED'`;

const productSalesVolume = view('vw_product_sales_volume', {
  description: 'Units sold and revenue per book, from line items of orders that were not cancelled.',
  columns: {
    book_id: t.uuid(),
    title: t.varchar(255),
    author: t.varchar(255),
    units_sold: t.bigint(),
    revenue: t.numeric(),
  },
  sql: sql`
    SELECT ${b.c.id} AS book_id, ${b.c.title}, ${b.c.author},
           SUM(${oi.c.quantity}) AS units_sold,
           SUM(${oi.c.quantity} * ${oi.c.price_at_purchase}) AS revenue
    FROM ${oi}
    JOIN ${o} ON ${o.c.id} = ${oi.c.order_id}
    JOIN ${b} ON ${b.c.id} = ${oi.c.book_id}
    WHERE ${notCancelled}
    GROUP BY ${b.c.id}, ${b.c.title}, ${b.c.author}`,
});

const salesOverTime = view('vw_sales_over_time', {
  description: 'Daily revenue of orders that were not cancelled.',
  columns: { sale_date: t.date(), daily_revenue: t.numeric(), order_count: t.bigint() },
  sql: sql`
    SELECT DATE(${o.c.created_at}) AS sale_date,
           SUM(${o.c.total}) AS daily_revenue,
           COUNT(*) AS order_count
    FROM ${o}
    WHERE ${notCancelled}
    GROUP BY DATE(${o.c.created_at})`,
});

const revenueByAuthor = view('vw_revenue_by_author', {
  description: 'Revenue and units per author, from vw_product_sales_volume (cancelled orders excluded).',
  columns: { author: t.varchar(255), revenue: t.numeric(), units_sold: t.bigint() },
  sql: sql`
    SELECT ${productSalesVolume.c.author}, SUM(${productSalesVolume.c.revenue}) AS revenue,
           SUM(${productSalesVolume.c.units_sold})::bigint AS units_sold
    FROM ${productSalesVolume}
    GROUP BY ${productSalesVolume.c.author}`,
});

const revenueByGenre = view('vw_revenue_by_genre', {
  description:
    "Revenue, units and distinct titles sold per genre ('Unknown' when a book has none), cancelled orders excluded. One row per genre: chart book_count, not count(), which is 1 per row.",
  columns: { genre: t.varchar(100), revenue: t.numeric(), units_sold: t.bigint(), book_count: t.bigint() },
  sql: sql`
    SELECT COALESCE(${b.c.genre}, 'Unknown') AS genre,
           SUM(${oi.c.quantity} * ${oi.c.price_at_purchase}) AS revenue,
           SUM(${oi.c.quantity}) AS units_sold,
           COUNT(DISTINCT ${oi.c.book_id}) AS book_count
    FROM ${oi}
    JOIN ${o} ON ${o.c.id} = ${oi.c.order_id}
    JOIN ${b} ON ${b.c.id} = ${oi.c.book_id}
    WHERE ${notCancelled}
    GROUP BY COALESCE(${b.c.genre}, 'Unknown')`,
});

const orderStatusDistribution = view('vw_order_status_distribution', {
  description: 'Orders per status, cancelled ones included: the one place they count.',
  columns: { status: t.varchar(50), order_count: t.bigint() },
  sql: sql`
    SELECT ${orders.c.status}, COUNT(*) AS order_count
    FROM ${orders}
    GROUP BY ${orders.c.status}`,
});

const inventoryHealth = view('vw_inventory_health', {
  description: 'Stock, reservations and availability per book.',
  columns: {
    book_id: t.uuid(),
    title: t.varchar(255),
    author: t.varchar(255),
    stock_qty: t.integer(),
    reserved: t.integer(),
    available: t.integer(),
    stock_status: t.text(),
  },
  sql: sql`
    SELECT ${inv.c.book_id}, ${b.c.title}, ${b.c.author},
           ${inv.c.quantity} AS stock_qty,
           ${inv.c.reserved},
           ${inv.c.quantity} - ${inv.c.reserved} AS available,
           CASE
             WHEN ${inv.c.quantity} - ${inv.c.reserved} <= 0 THEN 'OUT_OF_STOCK'
             WHEN ${inv.c.quantity} - ${inv.c.reserved} < 10 THEN 'LOW'
             ELSE 'OK'
           END AS stock_status
    FROM ${inv}
    LEFT JOIN ${b} ON ${b.c.id} = ${inv.c.book_id}`,
});

const avgOrderValue = view('vw_avg_order_value', {
  description:
    'Per day: the average order value, with its revenue and order count (cancelled orders excluded). Over several days the average order value is SUM(revenue) / SUM(order_count), never the average of the daily averages.',
  columns: { order_date: t.date(), avg_order_value: t.numeric(), order_count: t.bigint(), revenue: t.numeric() },
  sql: sql`
    SELECT DATE(${o.c.created_at}) AS order_date,
           ROUND(AVG(${o.c.total}), 2) AS avg_order_value,
           COUNT(*) AS order_count,
           SUM(${o.c.total}) AS revenue
    FROM ${o}
    WHERE ${notCancelled}
    GROUP BY DATE(${o.c.created_at})`,
});

const topBooksByRevenue = view('vw_top_books_by_revenue', {
  description: 'Books ranked by revenue.',
  columns: { title: t.varchar(255), author: t.varchar(255), total_revenue: t.numeric(), revenue_rank: t.bigint() },
  sql: sql`
    SELECT ${productSalesVolume.c.title}, ${productSalesVolume.c.author},
           ${productSalesVolume.c.revenue} AS total_revenue,
           RANK() OVER (ORDER BY ${productSalesVolume.c.revenue} DESC) AS revenue_rank
    FROM ${productSalesVolume}`,
});

const inventoryTurnover = view('vw_inventory_turnover', {
  description: 'Units sold as a percentage of stock on hand.',
  columns: { title: t.varchar(255), units_sold: t.bigint(), stock_qty: t.integer(), turnover_pct: t.numeric() },
  sql: sql`
    SELECT ${b.c.title},
           COALESCE(${productSalesVolume.c.units_sold}, 0)::bigint AS units_sold,
           ${inv.c.quantity} AS stock_qty,
           ROUND(COALESCE(${productSalesVolume.c.units_sold}, 0) * 100.0 / NULLIF(${inv.c.quantity}, 0), 2) AS turnover_pct
    FROM ${inv}
    JOIN ${b} ON ${b.c.id} = ${inv.c.book_id}
    LEFT JOIN ${productSalesVolume} ON ${productSalesVolume.c.book_id} = ${inv.c.book_id}`,
});

const bookPriceDistribution = view('vw_book_price_distribution', {
  description: "Books per price bucket; a book without a price is counted under 'No price', not '$30+'.",
  columns: { price_range: t.text(), book_count: t.bigint() },
  sql: sql`
    SELECT CASE
             WHEN ${books.c.price} IS NULL THEN 'No price'
             WHEN ${books.c.price} < 10 THEN 'Under $10'
             WHEN ${books.c.price} < 20 THEN '$10-$20'
             WHEN ${books.c.price} < 30 THEN '$20-$30'
             ELSE '$30+'
           END AS price_range,
           COUNT(*) AS book_count
    FROM ${books}
    GROUP BY 1`,
});

// ── Charts and dashboards ────────────────────────────────────────────────────────────────────────────

const productSalesChart = chart('Product Sales Volume', {
  kind: 'bar',
  view: productSalesVolume,
  x: 'title',
  metrics: [sum('units_sold', 'Units sold')],
  sort: { by: 'Units sold', order: 'desc' },
});
const salesOverTimeChart = chart('Sales Over Time', {
  kind: 'line',
  view: salesOverTime,
  x: 'sale_date',
  timeGrain: 'day',
  metrics: [sum('daily_revenue', 'Revenue')],
});
const revenueByAuthorChart = chart('Revenue by Author', {
  kind: 'bar',
  view: revenueByAuthor,
  x: 'author',
  metrics: [sum('revenue', 'Revenue')],
});
const topBooksChart = chart('Top Books by Revenue', {
  kind: 'bar',
  view: topBooksByRevenue,
  x: 'title',
  metrics: [sum('total_revenue', 'Revenue')],
  sort: { by: 'Revenue', order: 'desc' },
  rowLimit: 10,
});
const priceDistributionChart = chart('Book Price Distribution', {
  kind: 'pie',
  view: bookPriceDistribution,
  x: 'price_range',
  metrics: [sum('book_count', 'Books')],
});

// The three KPIs count the same orders: cancelled ones are in none of them.
const totalRevenueKpi = chart('Total Revenue KPI', {
  kind: 'big_number',
  view: salesOverTime,
  metrics: [sum('daily_revenue', 'Total Revenue')],
});
const totalOrdersKpi = chart('Total Orders KPI', {
  kind: 'big_number',
  view: salesOverTime,
  metrics: [sum('order_count', 'Total Orders')],
});
// Revenue over orders, not the average of daily averages (which weighs a quiet day like a busy one).
const aovMetric = metricSql('Average Order Value', 'ROUND(SUM(revenue) / NULLIF(SUM(order_count), 0), 2)');
const avgOrderValueKpi = chart('Average Order Value KPI', {
  kind: 'big_number',
  view: avgOrderValue,
  metrics: [aovMetric],
});
const orderStatusChart = chart('Order Status Distribution', {
  kind: 'pie',
  view: orderStatusDistribution,
  x: 'status',
  metrics: [sum('order_count', 'Orders')],
});
const avgOrderValueChart = chart('Avg Order Value Over Time', {
  kind: 'line',
  view: avgOrderValue,
  x: 'order_date',
  timeGrain: 'day',
  metrics: [aovMetric],
});

const inventoryHealthTable = chart('Inventory Health Table', {
  kind: 'table',
  view: inventoryHealth,
  groupBy: ['title', 'author', 'stock_qty', 'reserved', 'available', 'stock_status'],
  sort: { by: 'available', order: 'asc' },
});
const stockVsReservedChart = chart('Stock vs Reserved', {
  kind: 'bar',
  view: inventoryHealth,
  x: 'title',
  metrics: [sum('stock_qty', 'In stock'), sum('reserved', 'Reserved')],
});
const turnoverChart = chart('Inventory Turnover Rate', {
  kind: 'bar',
  view: inventoryTurnover,
  x: 'title',
  metrics: [avg('turnover_pct', 'Turnover %')],
  sort: { by: 'Turnover %', order: 'desc' },
});
const revenueByGenreChart = chart('Revenue by Genre', {
  kind: 'bar',
  view: revenueByGenre,
  x: 'genre',
  metrics: [sum('revenue', 'Revenue'), sum('book_count', 'Titles sold')],
});

export default definePipeline({
  name: 'bookstore',
  sources: [ecom, inventoryDb],
  flink: { consumerGroup: 'flink-analytics-consumer', checkpointInterval: '30s' },
  analytics: {
    database: 'analyticsdb',
    user: secret('analytics-db-credentials', 'username'),
    password: secret('analytics-db-credentials', 'password'),
  },
  views: [
    productSalesVolume,
    salesOverTime,
    revenueByAuthor,
    revenueByGenre,
    orderStatusDistribution,
    inventoryHealth,
    avgOrderValue,
    topBooksByRevenue,
    inventoryTurnover,
    bookPriceDistribution,
  ],
  dashboards: [
    dashboard('Book Store Analytics', {
      rows: [[productSalesChart, salesOverTimeChart], [revenueByAuthorChart, topBooksChart], [priceDistributionChart]],
    }),
    dashboard('Sales & Revenue Analytics', {
      rows: [
        [totalRevenueKpi, totalOrdersKpi, avgOrderValueKpi],
        [orderStatusChart, avgOrderValueChart],
      ],
    }),
    dashboard('Inventory Analytics', {
      rows: [[inventoryHealthTable], [stockVsReservedChart, turnoverChart], [revenueByGenreChart]],
    }),
  ],
  // The seed's four namespaces: each source database in its own, Kafka and Connect in infra, Flink,
  // analytics-db and Superset in analytics. dev deploys demo source databases and opens the seed's
  // NodePorts; prod uses the existing source databases and three Kafka brokers.
  deployment: {
    namespaces: { infra: 'infra', analytics: 'analytics' },
    databases: {
      ecom: {
        namespace: 'ecom',
        demoRows: {
          books: [
            {
              id: '9b2f7c1e-0d7a-4c47-9a63-2f1d1c6e8a01',
              title: 'The Pragmatic Programmer',
              author: 'Andrew Hunt',
              price: 39.99,
              genre: 'Software',
              published_year: 1999,
              created_at: '2024-01-15 10:00:00',
            },
            {
              id: '4c8e2a90-6b1f-4d1e-8f0a-7a3b5c9d2e02',
              title: 'Dune',
              author: 'Frank Herbert',
              price: 9.99,
              genre: 'Science Fiction',
              published_year: 1965,
              created_at: '2024-01-15 10:00:00',
            },
          ],
        },
      },
      inventory: {
        namespace: 'inventory',
        demoRows: {
          inventory: [
            {
              book_id: '9b2f7c1e-0d7a-4c47-9a63-2f1d1c6e8a01',
              quantity: 25,
              reserved: 2,
              updated_at: '2024-01-15 10:00:00',
            },
            {
              book_id: '4c8e2a90-6b1f-4d1e-8f0a-7a3b5c9d2e02',
              quantity: 4,
              reserved: 1,
              updated_at: '2024-01-15 10:00:00',
            },
          ],
        },
      },
    },
  },
});
