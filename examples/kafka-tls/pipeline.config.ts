/**
 * Kafka over TLS with SASL: the brokers listen on SASL_SSL only, Connect and the Flink sources log in with
 * PLAIN over TLS, and the KRaft quorum talks TLS with node certificates. Every credential, keystore and
 * truststore is a Secret created by hand (README: "Kafka over TLS"); the default Secret names are used.
 */
import { definePipeline, postgresSource, secret, sql, t, view } from 'cdc-compile';

const shop = postgresSource('shop', {
  database: 'shop',
  password: secret('shop-db', 'password'),
});

const orders = shop.table('orders', {
  columns: {
    id: t.bigint().primaryKey(),
    customer: t.text().notNull(),
    total: t.numeric(10, 2),
    placed_at: t.timestamptz(),
  },
  analytics: { kind: 'fact' },
});

const revenueByCustomer = view('revenue_by_customer', {
  columns: { customer: t.text(), orders: t.bigint(), revenue: t.numeric(12, 2) },
  sql: sql`SELECT ${orders.c.customer}, COUNT(*) AS orders, SUM(${orders.c.total}) AS revenue
           FROM ${orders} GROUP BY ${orders.c.customer}`,
});

export default definePipeline({
  name: 'kafka-tls',
  sources: [shop],
  kafka: {
    // Truststore `kafka-tls`, keystore `kafka-broker-tls`, logins `kafka-connect-login` and
    // `kafka-flink-login`, the brokers' JAAS file `kafka-broker-jaas`: the defaults.
    security: { mechanism: 'PLAIN' },
  },
  analytics: {
    database: 'analytics',
    user: 'flink_writer',
    password: secret('analytics-db', 'password'),
  },
  views: [revenueByCustomer],
  deployment: {},
});
