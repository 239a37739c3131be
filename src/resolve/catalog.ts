/**
 * What Debezium 2.7 and Flink 1.20 accept, as descriptors the resolver consults. The names are data in
 * `./reference/` (vendored from the project's research, sources noted there); the tests check the
 * generated artefacts against the same lists. `_x_` segments are placeholders, a trailing `*` a
 * pass-through family (see `isKnownProperty`).
 */
import { DEBEZIUM_POSTGRES_PROPERTIES } from './reference/debezium-postgres-properties.js';
import { FLINK_CONNECTOR_OPTIONS } from './reference/flink-connector-options.js';

/** Debezium PostgreSQL connector 2.7 properties, plus the Kafka Connect keys a connector config may carry. */
export const DEBEZIUM_PROPERTIES: readonly string[] = DEBEZIUM_POSTGRES_PROPERTIES.map((p) => p.name);

/** The options of one Flink table connector or format (`kafka`, `jdbc`, `debezium-json`, …). */
export const flinkOptionsOf = (connector: string): readonly string[] =>
  FLINK_CONNECTOR_OPTIONS.filter((o) => o.connector === connector).map((o) => o.option);

/** Flink 1.20 session settings the compiler knows (SET statements). */
export const FLINK_SESSION_OPTIONS: readonly string[] = flinkOptionsOf('flink-config (SET)');

/**
 * Connector properties that would change the events away from what the type matrix and the Flink
 * tables expect (topic names, field names, value shapes, which tables are read): refused.
 */
export const SHAPE_CHANGING_PROPERTIES: Readonly<Record<string, string>> = {
  'topic.delimiter': 'the Flink sources read topics named <prefix>.<schema>.<table>',
  'topic.naming.strategy': 'the Flink sources read topics named <prefix>.<schema>.<table>',
  'money.fraction.digits': 'money columns land as DECIMAL(19, 2)',
  converters: 'custom converters change the JSON values the type matrix expects',
  'field.name.adjustment.mode': 'the Flink source tables name fields as the source columns are named',
  'table.exclude.list': 'the captured tables are exactly the ones declared with source.table(…)',
  'schema.include.list': 'the captured tables are exactly the ones declared with source.table(…)',
  'schema.exclude.list': 'the captured tables are exactly the ones declared with source.table(…)',
  'post.processors': 'post processors change the event shape Flink reads',
};

/** A listed name as a matcher: `_x_` segments stand for one dotted segment, a trailing `*` for any non-empty rest. */
function nameMatcher(name: string): RegExp {
  const body = name
    .replace(/\*$/, '')
    .split('.')
    .map((segment) => (/^_[A-Za-z]+_$/.test(segment) ? '[^.]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('\\.');
  return new RegExp(`^${body}${name.endsWith('*') ? '.+' : ''}$`);
}

const isPattern = (name: string) => name.endsWith('*') || /(^|\.)_[A-Za-z]+_(\.|$)/.test(name);

/** Whether `key` is one of the `known` names, literally or through a placeholder / pass-through entry. */
export function isKnownProperty(known: readonly string[], key: string): boolean {
  return known.includes(key) || known.some((name) => isPattern(name) && nameMatcher(name).test(key));
}
