/** Every derived name the artefacts use comes from here; the identifier rules live in src/sql/dialect.ts. */
import type { TableKind } from '../dsl/enums.js';

export { didYouMean, closest } from '../diagnostics.js';
export {
  analyticsNameProblem,
  MAX_IDENTIFIER_BYTES,
  nameProblem,
  PG_RESERVED,
  sourceNameProblem,
} from '../sql/dialect.js';

/** `createdAt` → `created_at`, `userID` → `user_id`, `HTTPStatus` → `http_status`; snake_case stays. */
export const snakeCase = (name: string) =>
  // Already snake_case (the usual name): nothing to replace or lower-case.
  SNAKE.test(name)
    ? name
    : name
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
        .toLowerCase();
const SNAKE = /^[a-z0-9_]*$/;

export const connectorName = (source: string) => `${source}-connector`;
export const slotName = (source: string) => `debezium_${source}_slot`;
export const publicationName = (source: string) => `debezium_${source}_pub`;
export const signalTableName = (source: string) => `debezium_${source}_signal`;
export const replicationUser = (source: string) => `debezium_${source}`;
/** The event trigger (and its function) that gives new partitions of captured tables their replica identity. */
export const partitionWatchName = (source: string) => `debezium_${source}_partitions`;
export const topicName = (prefix: string, schema: string, table: string) => `${prefix}.${schema}.${table}`;
const TABLE_PREFIX: Readonly<Record<TableKind, string>> = { fact: 'fact', dimension: 'dim' };
export const analyticsTableName = (table: string, kind: TableKind) => `${TABLE_PREFIX[kind]}_${snakeCase(table)}`;
export const envName = (...parts: string[]) =>
  parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
export const qualify = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);

/** The analytics name of a source column: its `.analyticsName()`, else its name in snake_case. */
export const landingName = (column: string, spec: { readonly analyticsName?: string }) =>
  spec.analyticsName ?? snakeCase(column);
