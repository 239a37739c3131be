/**
 * Kustomize overlays as data: the strategic-merge patch that turns a base object into a profile's object.
 * Lists whose elements Kubernetes merges by a key (containers and env by `name`, container ports by
 * `containerPort`, Service ports by `port`, mounts by `mountPath`) are patched element by element; any other
 * list is replaced whole. A test renders every overlay with kustomize and compares it with the profile's
 * objects built directly, so this file cannot drift from kustomize's semantics unnoticed.
 */

const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
}

function mergeKey(field: string, items: readonly unknown[]): string | undefined {
  if (field === 'ports') {
    if (items.every((i) => isObject(i) && 'containerPort' in i)) return 'containerPort';
    if (items.every((i) => isObject(i) && 'port' in i)) return 'port';
    return undefined;
  }
  const key = MERGE_KEYS[field];
  return key && items.every((i) => isObject(i) && key in i) ? key : undefined;
}

/** The patch that turns `a` into `b`, or undefined when they are equal. */
export function strategicDiff(a: unknown, b: unknown, field = ''): unknown {
  if (a === b) return undefined;
  if (isObject(a) && isObject(b)) {
    // Maps are compared key by key on the way down (comparing each level whole first compared every
    // leaf once per level above it): an empty patch means the two are equal.
    const patch: Record<string, unknown> = {};
    let changed = false;
    for (const [k, v] of Object.entries(b)) {
      if (!(k in a)) {
        patch[k] = v;
        changed = true;
      } else {
        const d = strategicDiff(a[k], v, k);
        if (d !== undefined) {
          patch[k] = d;
          changed = true;
        }
      }
    }
    for (const k of Object.keys(a))
      if (!(k in b)) {
        patch[k] = null;
        changed = true;
      }
    return changed ? patch : undefined;
  }
  if (same(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = mergeKey(field, [...a, ...b]);
    if (!key) return b;
    const byKey = (list: readonly unknown[]) => new Map(list.map((i) => [(i as Record<string, unknown>)[key], i]));
    const before = byKey(a);
    const after = byKey(b);
    const kept = [...before.keys()].filter((k) => after.has(k));
    if (
      !same(
        kept,
        [...after.keys()].filter((k) => before.has(k)),
      )
    )
      return b;
    // Every element is named, unchanged ones by their key alone: a merged list takes the patch's order.
    const items: unknown[] = [];
    for (const [k, item] of after) {
      const old = before.get(k);
      if (old === undefined) items.push(item);
      else items.push({ [key]: k, ...((strategicDiff(old, item, field) as object | undefined) ?? {}) });
    }
    for (const k of before.keys()) if (!after.has(k)) items.push({ [key]: k, $patch: 'delete' });
    return items;
  }
  return b;
}
