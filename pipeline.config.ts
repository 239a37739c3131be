/**
 * The book store CDC analytics pipeline: two operational PostgreSQL databases (ecom, inventory), four
 * captured tables, ten analytics views, fourteen Superset charts on three dashboards.
 * `npx cdc-compile` turns this file into everything in generated/.
 */
import { avg, chart, count, dashboard, definePipeline, postgresSource, secret, sql, sum, t, view } from 'cdc-compile';

// ── Sources ──────────────────────────────────────────────────────────────────────────────────────────

// The seed system's connector modes: numerics as doubles, timestamps as epoch milliseconds.
const seedModes = { decimalHandling: 'double', timePrecision: 'connect' } as const;

const ecom = postgresSource('ecom', {
  host: 'ecom-db.ecom.svc.cluster.local',
  database: 'ecomdb',
  user: 'debezium_ecom',
  password: secret('ecom-db-credentials', 'password'),
  connector: seedModes,
});

const inventoryDb = postgresSource('inventory', {
  host: 'inventory-db.inventory.svc.cluster.local',
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
const b = books.as('b');
const inv = inventory.as('inv');

const productSalesVolume = view('vw_product_sales_volume', {
  description: 'Units sold and revenue per book.',
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
    JOIN ${b} ON ${b.c.id} = ${oi.c.book_id}
    GROUP BY ${b.c.id}, ${b.c.title}, ${b.c.author}`,
});

const salesOverTime = view('vw_sales_over_time', {
  description: 'Daily revenue of orders that were not cancelled.',
  columns: { sale_date: t.date(), daily_revenue: t.numeric(), order_count: t.bigint() },
  sql: sql`
    SELECT DATE(${orders.c.created_at}) AS sale_date,
           SUM(${orders.c.total}) AS daily_revenue,
           COUNT(*) AS order_count
    FROM ${orders}
    WHERE ${orders.c.status} <> 'CANCELLED'
    GROUP BY DATE(${orders.c.created_at})`,
});

const revenueByAuthor = view('vw_revenue_by_author', {
  columns: { author: t.varchar(255), revenue: t.numeric(), units_sold: t.bigint() },
  sql: sql`
    SELECT ${productSalesVolume.c.author}, SUM(${productSalesVolume.c.revenue}) AS revenue,
           SUM(${productSalesVolume.c.units_sold})::bigint AS units_sold
    FROM ${productSalesVolume}
    GROUP BY ${productSalesVolume.c.author}`,
});

const revenueByGenre = view('vw_revenue_by_genre', {
  columns: { genre: t.varchar(100), revenue: t.numeric(), units_sold: t.bigint() },
  sql: sql`
    SELECT COALESCE(${b.c.genre}, 'Unknown') AS genre,
           SUM(${oi.c.quantity} * ${oi.c.price_at_purchase}) AS revenue,
           SUM(${oi.c.quantity}) AS units_sold
    FROM ${oi}
    JOIN ${b} ON ${b.c.id} = ${oi.c.book_id}
    GROUP BY COALESCE(${b.c.genre}, 'Unknown')`,
});

const orderStatusDistribution = view('vw_order_status_distribution', {
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
  columns: { order_date: t.date(), avg_order_value: t.numeric(), order_count: t.bigint() },
  sql: sql`
    SELECT DATE(${orders.c.created_at}) AS order_date,
           ROUND(AVG(${orders.c.total}), 2) AS avg_order_value,
           COUNT(*) AS order_count
    FROM ${orders}
    WHERE ${orders.c.status} <> 'CANCELLED'
    GROUP BY DATE(${orders.c.created_at})`,
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
  columns: { price_range: t.text(), book_count: t.bigint() },
  sql: sql`
    SELECT CASE
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
  metrics: [sum('units_sold')],
});
const salesOverTimeChart = chart('Sales Over Time', {
  kind: 'line',
  view: salesOverTime,
  x: 'sale_date',
  metrics: [sum('daily_revenue')],
});
const revenueByAuthorChart = chart('Revenue by Author', {
  kind: 'bar',
  view: revenueByAuthor,
  x: 'author',
  metrics: [sum('revenue')],
});
const topBooksChart = chart('Top Books by Revenue', {
  kind: 'bar',
  view: topBooksByRevenue,
  x: 'title',
  metrics: [sum('total_revenue')],
  rowLimit: 10,
});
const priceDistributionChart = chart('Book Price Distribution', {
  kind: 'pie',
  view: bookPriceDistribution,
  x: 'price_range',
  metrics: [sum('book_count')],
});

const totalRevenueKpi = chart('Total Revenue KPI', {
  kind: 'big_number',
  view: salesOverTime,
  metrics: [sum('daily_revenue')],
});
const totalOrdersKpi = chart('Total Orders KPI', {
  kind: 'big_number',
  view: orderStatusDistribution,
  metrics: [sum('order_count')],
});
const avgOrderValueKpi = chart('Average Order Value KPI', {
  kind: 'big_number',
  view: avgOrderValue,
  metrics: [avg('avg_order_value')],
});
const orderStatusChart = chart('Order Status Distribution', {
  kind: 'pie',
  view: orderStatusDistribution,
  x: 'status',
  metrics: [sum('order_count')],
});
const avgOrderValueChart = chart('Avg Order Value Over Time', {
  kind: 'line',
  view: avgOrderValue,
  x: 'order_date',
  metrics: [avg('avg_order_value')],
});

const inventoryHealthTable = chart('Inventory Health Table', {
  kind: 'table',
  view: inventoryHealth,
  groupBy: ['title', 'author', 'stock_qty', 'reserved', 'available', 'stock_status'],
});
const stockVsReservedChart = chart('Stock vs Reserved', {
  kind: 'bar',
  view: inventoryHealth,
  x: 'title',
  metrics: [sum('stock_qty'), sum('reserved')],
});
const turnoverChart = chart('Inventory Turnover Rate', {
  kind: 'bar',
  view: inventoryTurnover,
  x: 'title',
  metrics: [avg('turnover_pct')],
});
const revenueByGenreChart = chart('Revenue by Genre', {
  kind: 'bar',
  view: revenueByGenre,
  x: 'genre',
  metrics: [sum('revenue'), count()],
});

export default definePipeline({
  name: 'bookstore',
  sources: [ecom, inventoryDb],
  kafka: { bootstrapServers: 'kafka.infra.svc.cluster.local:9092' },
  connect: { url: 'http://debezium.infra.svc.cluster.local:8083' },
  flink: { consumerGroup: 'flink-analytics-consumer', checkpointInterval: '30s' },
  analytics: {
    host: 'analytics-db.analytics.svc.cluster.local',
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
});
