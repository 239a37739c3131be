/**
 * A fast path for the zod schemas: each schema is compiled once into a plain function that parses a value
 * the way zod's `safeParse` does, but only says whether it passes, with no issue objects, contexts or
 * paths. A config that is valid (the usual case, and the only one at scale) never runs zod itself; a
 * value the fast path refuses is parsed by zod, which explains the failure. Refinements, custom checks and
 * transforms are the schema's own functions, run with a context that only notes whether they add an issue.
 *
 * Each schema is compiled in two forms: one that returns the parsed value (what a refinement, a transform or
 * the second half of a pipeline receives, so it must be zod's output) and one that only checks, building
 * no copies of the objects and arrays it walks (a valid config's options are checked, never used). Both
 * read the same properties in the same order.
 *
 * Only the zod features the schemas use are compiled; a schema using any other makes `fastParser` return
 * undefined, and zod then parses every value of it. `test/validate-fast.test.ts` checks that the fast path
 * and zod agree on valid and damaged values of every schema.
 */
import type { ZodTypeAny } from 'zod';
import { isFrozenData } from '../dsl/entity.js';

/** What a parser returns for a value zod would refuse. */
const FAIL: unique symbol = Symbol('fail');
/** What a checking parser returns for a value zod accepts. */
const PASS: unique symbol = Symbol('pass');
type Parser = (value: unknown) => unknown;
/** `value`: return the parsed value; `check`: return PASS (or FAIL) and build nothing. */
type Mode = 'value' | 'check';

interface Def {
  typeName: string;
  [key: string]: unknown;
}
type Check = { kind: string; value?: number; inclusive?: boolean; regex?: RegExp };

const compiled = new WeakMap<ZodTypeAny, Parser | null>();

/** Refinements marked by `readsCheckedOnly`. */
const checkedOnly = new WeakSet<object>();

/**
 * Marks a refinement (the function given to `superRefine`) whose verdict is the same on the value it is
 * given and on zod's copy of it: it reads only what its schema checks. The checking parser then passes it
 * the value itself, checked in place, and builds no copy for it (at 10,000 tables, 150,000 column specs and
 * 10,000 column records a compile would copy only to hand them to a refinement and drop them).
 */
export function readsCheckedOnly<F extends (value: never, ctx: never) => unknown>(refinement: F): F {
  checkedOnly.add(refinement);
  return refinement;
}

/** Schemas marked by `sameVerdictWhenFrozen`. */
const memoFrozen = new WeakSet<ZodTypeAny>();

/**
 * Marks a schema whose verdict on a value depends only on that value (its own checks and refinements read
 * nothing else): the checking parser then remembers each frozen data object it passed (`isFrozenData`)
 * and passes it again without a look. The DSL shares one frozen spec per column type (`t.uuid()` is one
 * object), so at 10,000 tables 150,000 column specs are a few dozen checks.
 */
export function sameVerdictWhenFrozen<S extends ZodTypeAny>(schema: S): S {
  memoFrozen.add(schema);
  return schema;
}

/** The fast parser of a schema, or undefined when it uses something the fast path does not know. */
export function fastParser(schema: ZodTypeAny): ((value: unknown) => boolean) | undefined {
  let parser = compiled.get(schema);
  if (parser === undefined) {
    try {
      parser = compile(schema, 'check');
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      parser = null;
    }
    compiled.set(schema, parser);
  }
  const parse = parser;
  return parse ? (value) => parse(value) !== FAIL : undefined;
}

class Unsupported extends Error {}

/** zod's parsed type "object": not null, an array, a promise, a Map, a Set or a Date. */
function isZodObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as { then?: unknown; catch?: unknown };
  if (o.then && typeof o.then === 'function' && o.catch && typeof o.catch === 'function') return false;
  return !(v instanceof Map || v instanceof Set || v instanceof Date);
}

/**
 * The context the schema's own refinements and transforms get: addIssue only records that it was called.
 * One object for every call (they do not nest: no refinement of these schemas parses another value).
 */
let issueAdded = false;
const effectContext = {
  addIssue(): void {
    issueAdded = true;
  },
  path: [] as const,
};

/** Runs a refinement or transform; FAIL when it added an issue or returned a promise (zod then throws). */
function runEffect(fn: (v: unknown, ctx: unknown) => unknown, value: unknown, keep: boolean): unknown {
  const outer = issueAdded;
  issueAdded = false;
  try {
    const out = fn(value, effectContext);
    if (issueAdded || out instanceof Promise) return FAIL;
    return keep ? value : out;
  } finally {
    issueAdded = outer;
  }
}

function compile(schema: ZodTypeAny, mode: Mode): Parser {
  const parse = compileSchema(schema, mode);
  if (mode !== 'check' || !memoFrozen.has(schema)) return parse;
  // One memo per compiled parser: a value passed here says nothing about another schema's verdict.
  const passed = new WeakSet<object>();
  return (v) => {
    if (typeof v === 'object' && v !== null && passed.has(v)) return PASS;
    const out = parse(v);
    if (out !== FAIL && typeof v === 'object' && v !== null && isFrozenData(v)) passed.add(v);
    return out;
  };
}

function compileSchema(schema: ZodTypeAny, mode: Mode): Parser {
  const def = schema._def as Def;
  const check = mode === 'check';
  if (def['coerce']) throw new Unsupported();
  switch (def.typeName) {
    case 'ZodString': {
      const checks = (def['checks'] as Check[]).map((c): ((s: string) => boolean) => {
        switch (c.kind) {
          case 'min':
            return (s) => s.length >= c.value!;
          case 'max':
            return (s) => s.length <= c.value!;
          case 'length':
            return (s) => s.length === c.value!;
          case 'regex':
            return (s) => {
              c.regex!.lastIndex = 0;
              return c.regex!.test(s);
            };
          default:
            throw new Unsupported();
        }
      });
      // A loop, not checks.every((ok) => ok(v)): that made a closure per string checked.
      return (v) => {
        if (typeof v !== 'string') return FAIL;
        for (let i = 0; i < checks.length; i++) if (!checks[i]!(v)) return FAIL;
        return v;
      };
    }
    case 'ZodNumber': {
      const checks = (def['checks'] as Check[]).map((c): ((n: number) => boolean) => {
        switch (c.kind) {
          case 'int':
            return (n) => Number.isInteger(n);
          case 'min':
            return c.inclusive ? (n) => n >= c.value! : (n) => n > c.value!;
          case 'max':
            return c.inclusive ? (n) => n <= c.value! : (n) => n < c.value!;
          case 'finite':
            return (n) => Number.isFinite(n);
          default:
            throw new Unsupported();
        }
      });
      return (v) => {
        if (typeof v !== 'number' || Number.isNaN(v)) return FAIL;
        for (let i = 0; i < checks.length; i++) if (!checks[i]!(v)) return FAIL;
        return v;
      };
    }
    case 'ZodBoolean':
      return (v) => (typeof v === 'boolean' ? v : FAIL);
    case 'ZodNull':
      return (v) => (v === null ? v : FAIL);
    case 'ZodAny':
    case 'ZodUnknown':
      return (v) => v;
    case 'ZodLiteral': {
      const literal = def['value'];
      return (v) => (v === literal ? v : FAIL);
    }
    case 'ZodEnum': {
      const values = new Set(def['values'] as string[]);
      return (v) => (typeof v === 'string' && values.has(v) ? v : FAIL);
    }
    case 'ZodOptional': {
      const inner = compile(def['innerType'] as ZodTypeAny, mode);
      return (v) => (v === undefined ? v : inner(v));
    }
    case 'ZodNullable': {
      const inner = compile(def['innerType'] as ZodTypeAny, mode);
      return (v) => (v === null ? v : inner(v));
    }
    case 'ZodUnion': {
      const options = (def['options'] as ZodTypeAny[]).map((o) => compile(o, mode));
      return (v) => {
        for (const option of options) {
          const out = option(v);
          if (out !== FAIL) return out;
        }
        return FAIL;
      };
    }
    case 'ZodArray': {
      const element = compile(def['type'] as ZodTypeAny, mode);
      const exact = (def['exactLength'] as { value: number } | null)?.value;
      const min = (def['minLength'] as { value: number } | null)?.value;
      const max = (def['maxLength'] as { value: number } | null)?.value;
      return (v) => {
        if (!Array.isArray(v)) return FAIL;
        if (exact !== undefined && v.length !== exact) return FAIL;
        if (min !== undefined && v.length < min) return FAIL;
        if (max !== undefined && v.length > max) return FAIL;
        if (check) {
          for (let i = 0; i < v.length; i++) if (element(v[i]) === FAIL) return FAIL;
          return PASS;
        }
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) if ((out[i] = element(v[i])) === FAIL) return FAIL;
        return out;
      };
    }
    case 'ZodObject': {
      const catchall = (def['catchall'] as ZodTypeAny)._def as Def;
      if (catchall.typeName !== 'ZodNever') throw new Unsupported();
      const unknownKeys = def['unknownKeys'];
      if (unknownKeys !== 'strict' && unknownKeys !== 'strip') throw new Unsupported();
      const shape = (def['shape'] as () => Record<string, ZodTypeAny>)();
      const keys = Object.keys(shape);
      const known = new Set(keys);
      const parsers = keys.map((k) => compile(shape[k]!, mode));
      const strict = unknownKeys === 'strict';
      if (check) {
        return (v) => {
          if (!isZodObject(v)) return FAIL;
          if (strict) for (const key in v) if (!known.has(key)) return FAIL;
          for (let i = 0; i < keys.length; i++) if (parsers[i]!(v[keys[i]!]) === FAIL) return FAIL;
          return PASS;
        };
      }
      return (v) => {
        if (!isZodObject(v)) return FAIL;
        if (strict) for (const key in v) if (!known.has(key)) return FAIL;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          const parsed = parsers[i]!(v[key]);
          if (parsed === FAIL) return FAIL;
          if (key !== '__proto__' && (parsed !== undefined || key in v)) out[key] = parsed;
        }
        return out;
      };
    }
    case 'ZodRecord': {
      const keyParser = compile(def['keyType'] as ZodTypeAny, mode);
      const valueParser = compile(def['valueType'] as ZodTypeAny, mode);
      if (check) {
        return (v) => {
          if (!isZodObject(v)) return FAIL;
          for (const key in v) if (keyParser(key) === FAIL || valueParser(v[key]) === FAIL) return FAIL;
          return PASS;
        };
      }
      return (v) => {
        if (!isZodObject(v)) return FAIL;
        const out: Record<string, unknown> = {};
        for (const key in v) {
          const k = keyParser(key);
          if (k === FAIL) return FAIL;
          const value = valueParser(v[key]);
          if (value === FAIL) return FAIL;
          if (k !== '__proto__' && (value !== undefined || key in v)) out[k as string] = value;
        }
        return out;
      };
    }
    case 'ZodPipeline': {
      // The second half receives the first's output.
      const first = compile(def['in'] as ZodTypeAny, 'value');
      const second = compile(def['out'] as ZodTypeAny, mode);
      return (v) => {
        const mid = first(v);
        return mid === FAIL ? FAIL : second(mid);
      };
    }
    case 'ZodEffects': {
      const effect = def['effect'] as
        | { type: 'refinement'; refinement: (v: unknown, ctx: unknown) => unknown }
        | { type: 'transform'; transform: (v: unknown, ctx: unknown) => unknown }
        | { type: 'preprocess' };
      if (check && effect.type === 'refinement' && checkedOnly.has(effect.refinement)) {
        // Only a verdict is wanted, and the refinement's is the same on the value as on zod's copy of it.
        const inner = compile(def['schema'] as ZodTypeAny, 'check');
        return (v) => (inner(v) === FAIL ? FAIL : runEffect(effect.refinement, v, true));
      }
      // A refinement or transform receives the inner schema's output.
      const inner = compile(def['schema'] as ZodTypeAny, 'value');
      switch (effect.type) {
        case 'refinement':
          return (v) => {
            const parsed = inner(v);
            return parsed === FAIL ? FAIL : runEffect(effect.refinement, parsed, true);
          };
        case 'transform':
          return (v) => {
            const parsed = inner(v);
            return parsed === FAIL ? FAIL : runEffect(effect.transform, parsed, false);
          };
        default:
          throw new Unsupported();
      }
    }
    default:
      throw new Unsupported();
  }
}
