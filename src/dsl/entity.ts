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

/**
 * Whether `value` is frozen data all the way down: a frozen object whose prototype is a realm's
 * `Object.prototype` (or null) and whose own properties are data (no getters) holding primitives or such
 * objects. Reading it can run no config code and it can never change, so a verdict on it (the validator's,
 * the credential policy's) holds for every later look. The DSL makes column types' specs so.
 */
export function isFrozenData(value: object, depth = 0): boolean {
  if (depth > 4 || !Object.isFrozen(value) || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return false;
  const keys = Reflect.ownKeys(value);
  for (let i = 0; i < keys.length; i++) {
    const d = Object.getOwnPropertyDescriptor(value, keys[i]!)!;
    if (!('value' in d)) return false;
    const v: unknown = d.value;
    if (typeof v === 'function') return false;
    if (typeof v === 'object' && v !== null && !isFrozenData(v, depth + 1)) return false;
  }
  return true;
}
