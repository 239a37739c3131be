/**
 * A long-lived process (`--watch`) recompiles the same config over and over; most recompiles (a save
 * without a change, a comment, a change the Model does not see) resolve to the same Model. The emitters
 * are pure functions of the Model and their context (src/targets: no file, clock or environment is read),
 * so the same inputs give the same artefacts: `EmitMemo` keeps the last emit and hands it out again when
 * the inputs are provably the same, instead of rendering every family anew.
 *
 * The key is everything the emitters read: the Model, the config's name as headers show it, the
 * history's migrations and the template overrides' texts. The Model is kept as a private structured clone
 * (so nothing that happens to the live objects afterwards can change the key) and compared with the new
 * one as a graph: same prototypes (plain objects, arrays, bytes only), same own keys in the same order,
 * equal primitives (Object.is) and the same sharing of objects (an object met twice in one is met twice,
 * at the same places, in the other). Anything it cannot compare (a function, a Map, a class instance)
 * counts as a change: the memo then only costs the comparison.
 */
import type { Diagnostic } from './diagnostics.js';
import type { Model } from './resolve/model.js';
import type { Artefact, EmitContext } from './targets/artefact.js';

/** What one emit saw and made. */
interface Entry {
  readonly model: unknown;
  readonly configFile: string;
  readonly templates: string;
  readonly migrations: unknown;
  readonly artefacts: readonly Artefact[];
  readonly diagnostics: readonly Diagnostic[];
}

export class EmitMemo {
  #last: Entry | undefined;
  /** How the last `emit` went (read by the tests). */
  lastOutcome: 'emitted' | 'reused' | undefined;

  /**
   * The artefacts and diagnostics of `emit()` for these inputs: the last ones when the inputs equal the
   * last ones, else `emit()`'s (then remembered). `templates` identifies the template overrides' texts.
   */
  emit(
    model: Model,
    ctx: EmitContext,
    templates: string,
    emit: () => { artefacts: Artefact[]; diagnostics: Diagnostic[] },
  ): { artefacts: Artefact[]; diagnostics: Diagnostic[] } {
    const last = this.#last;
    if (
      last &&
      last.configFile === ctx.configFile &&
      last.templates === templates &&
      sameGraph(last.migrations, ctx.migrations ?? []) &&
      sameGraph(last.model, model)
    ) {
      this.lastOutcome = 'reused';
      // Fresh arrays: callers replace entries in place (compile's asBytes).
      return { artefacts: [...last.artefacts], diagnostics: [...last.diagnostics] };
    }
    this.#last = undefined;
    const emitted = emit();
    this.lastOutcome = 'emitted';
    let key: { model: unknown; migrations: unknown };
    try {
      key = structuredClone({ model, migrations: ctx.migrations ?? [] });
    } catch {
      return emitted; // not plain data: nothing to compare with next time
    }
    this.#last = {
      ...key,
      configFile: ctx.configFile,
      templates,
      artefacts: [...emitted.artefacts],
      diagnostics: [...emitted.diagnostics],
    };
    return emitted;
  }
}

const PLAIN = new Set<unknown>([Object.prototype, null, Array.prototype, Uint8Array.prototype]);

/**
 * Whether `a` and `b` are the same data: see the file's comment. `a` is the remembered clone, `b` the new
 * value; objects are matched one to one as the walk meets them.
 */
export function sameGraph(a: unknown, b: unknown): boolean {
  const forth = new Map<object, object>();
  const back = new Map<object, object>();
  const same = (x: unknown, y: unknown): boolean => {
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) return Object.is(x, y);
    const matched = forth.get(x);
    if (matched !== undefined) return matched === y;
    if (back.has(y)) return false;
    forth.set(x, y);
    back.set(y, x);
    const proto = Object.getPrototypeOf(x);
    if (proto !== Object.getPrototypeOf(y) || !PLAIN.has(proto)) return false;
    if (proto === Uint8Array.prototype) {
      const p = x as Uint8Array,
        q = y as Uint8Array;
      if (p.length !== q.length) return false;
      for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
      return true;
    }
    const kx = Reflect.ownKeys(x);
    const ky = Reflect.ownKeys(y);
    if (kx.length !== ky.length) return false;
    // The clone has only enumerable string-keyed data properties: a symbol or non-enumerable key in `y`
    // makes the counts differ. (The Model is plain data; a getter in it is read as the emitters read it.)
    for (let i = 0; i < kx.length; i++) {
      const k = kx[i]!;
      if (k !== ky[i] || !same((x as Record<PropertyKey, unknown>)[k], (y as Record<PropertyKey, unknown>)[k]))
        return false;
    }
    return true;
  };
  return same(a, b);
}
