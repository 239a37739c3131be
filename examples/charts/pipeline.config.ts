/**
 * Charts and dashboards on a small pipeline: a time grain on a timestamptz axis, an aggregated table
 * sorted by a metric, explicit widths and height, a Secret login for Superset's analytics connection.
 * No deployment section: it is about the Superset assets; its addresses are given explicitly (no
 * Kubernetes output).
 */
import {
  chart,
  metricSql,
  countDistinct,
  dashboard,
  definePipeline,
  max,
  postgresSource,
  secret,
  sql,
  sum,
  t,
  view,
} from 'cdc-compile';

const shop = postgresSource('shop', {
  host: 'shop-db.default.svc.cluster.local',
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

const signups = view('signups', {
  columns: { id: t.bigint(), country: t.char(2), signed_up_at: t.timestamptz() },
  sql: sql`SELECT ${customers.c.id}, ${customers.c.country}, ${customers.c.signed_up_at} FROM ${customers}`,
});

const byCountry = view('customers_per_country', {
  columns: { country: t.char(2), customers: t.bigint(), last_id: t.bigint() },
  sql: sql`SELECT ${customers.c.country}, COUNT(*) AS customers, MAX(${customers.c.id}) AS last_id
           FROM ${customers} GROUP BY ${customers.c.country}`,
});

const signupsPerDay = chart('Sign-ups per day', {
  kind: 'line',
  view: signups,
  x: 'signed_up_at',
  timeGrain: 'day',
  metrics: [countDistinct('id', 'Sign-ups')],
});
const countries = chart('Customers per country', {
  kind: 'table',
  view: byCountry,
  groupBy: ['country'],
  metrics: [sum('customers', 'Customers'), max('last_id', 'Newest id')],
  sort: { by: 'Customers', order: 'desc' },
  rowLimit: 50,
});
const countryCount = chart('Countries', {
  kind: 'big_number',
  view: byCountry,
  metrics: [metricSql('Countries', 'COUNT(*)')],
});

export default definePipeline({
  name: 'charts',
  sources: [shop],
  kafka: { bootstrapServers: 'kafka:9092' },
  connect: { url: 'http://connect:8083' },
  analytics: {
    host: 'analytics-db',
    database: 'analytics',
    schema: 'cdc',
    jdbcParameters: { sslmode: 'require' },
    user: secret('analytics-db', 'username'),
    password: secret('analytics-db', 'password'),
  },
  views: [signups, byCountry],
  dashboards: [
    dashboard('Customers overview', {
      slug: 'customers',
      rows: [[countryCount], { charts: [signupsPerDay, countries], widths: [7, 5], height: 40 }],
    }),
  ],
  superset: {
    url: 'https://superset.example.internal',
    user: secret('superset-admin', 'username'),
    password: secret('superset-admin', 'password'),
    databaseName: 'Analytics (CDC)',
  },
});
