/**
 * DSL objects are recognised by a brand symbol, not `instanceof`: the config may import another copy of
 * the package than the one the CLI runs, and `Symbol.for` is shared by every copy in the process.
 */
export const ENTITY = Symbol.for('cdc-compile.entity');

export type EntityKind =
  | 'column-type'
  | 'secret'
  | 'source'
  | 'table'
  | 'table-alias'
  | 'column-ref'
  | 'view'
  | 'sql'
  | 'metric'
  | 'chart'
  | 'dashboard'
  | 'pipeline';

export interface Branded<K extends EntityKind> {
  readonly [ENTITY]: K;
}

export function entityKind(value: unknown): EntityKind | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  const kind = (value as Partial<Branded<EntityKind>>)[ENTITY];
  return typeof kind === 'string' ? kind : undefined;
}

export function isEntity<K extends EntityKind>(value: unknown, kind: K): value is Branded<K> {
  return entityKind(value) === kind;
}

/** Defines the brand as a non-enumerable property so that plain-object inspection stays readable. */
export function brand<K extends EntityKind, T extends object>(kind: K, value: T): T & Branded<K> {
  Object.defineProperty(value, ENTITY, { value: kind, enumerable: false });
  return value as T & Branded<K>;
}
