/** The smallest useful pipeline: one captured table and one view over it. */
import { definePipeline, postgresSource, secret, sql, t, view } from 'cdc-compile';

const shop = postgresSource('shop', {
  database: 'shop',
  password: secret('shop-db', 'password'),
});

const customers = shop.table('customers', {
  columns: {
    id: t.bigint().primaryKey(),
    email: t.varchar(320).notNull(),
    country: t.char(2),
    signed_up_at: t.timestamptz(),
  },
  analytics: { kind: 'dimension' },
});

const customersByCountry = view('customers_by_country', {
  columns: { country: t.char(2), customers: t.bigint() },
  sql: sql`SELECT ${customers.c.country}, COUNT(*) AS customers FROM ${customers} GROUP BY ${customers.c.country}`,
});

export default definePipeline({
  name: 'minimal',
  sources: [shop],
  analytics: {
    database: 'analytics',
    user: 'flink_writer',
    password: secret('analytics-db', 'password'),
  },
  views: [customersByCountry],
  // Every default: shop-db in namespace shop, Kafka and Connect in infra, the rest in analytics; all
  // hosts derived; overlays dev (demo database, NodePorts) and prod (existing shop database).
  deployment: {},
});
