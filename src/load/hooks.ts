/**
 * Node module hooks (run in the loader thread) that let `import` read TypeScript: type annotations are
 * stripped with sucrase, which keeps line numbers, so stack traces point at the config's own lines.
 * No type-check happens here: that is the editor's and `tsc`'s job, and it is too slow for a build step.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// sucrase from its bundle in dist/ (see load/transpile.ts), or the package when running from src/.
const bundled = fileURLToPath(new URL('./sucrase.cjs', import.meta.url));
const { transform } = createRequire(import.meta.url)(
  existsSync(bundled) ? bundled : 'sucrase',
) as typeof import('sucrase');

type Next<A extends unknown[], R> = (...args: A) => Promise<R>;
interface ResolveContext {
  parentURL?: string;
}
interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface Loaded {
  format: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

const TS = /\.(m?ts|tsx)$/;

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: Next<[string, ResolveContext], Resolved>,
): Promise<Resolved> {
  try {
    return await next(specifier, context);
  } catch (err) {
    // TypeScript lets `./tables` or `./tables.js` name `./tables.ts`; Node does not.
    const relative = /^\.{1,2}\//.test(specifier) || specifier.startsWith('file:');
    if (!relative || (err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    const candidates = [specifier.replace(/\.(m?)js$/, '.$1ts'), `${specifier}.ts`, `${specifier}/index.ts`];
    for (const candidate of candidates) {
      if (candidate === specifier) continue;
      try {
        return await next(candidate, context);
      } catch {
        // try the next candidate
      }
    }
    throw err;
  }
}

export async function load(url: string, context: object, next: Next<[string, object], Loaded>): Promise<Loaded> {
  if (!url.startsWith('file:')) return next(url, context);
  const path = fileURLToPath(url);
  if (!TS.test(path) || path.includes('/node_modules/')) return next(url, context);
  const code = transform(await readFile(path, 'utf8'), {
    transforms: path.endsWith('x') ? ['typescript', 'jsx'] : ['typescript'],
    filePath: path,
    disableESTransforms: true,
  }).code;
  return { format: 'module', source: code, shortCircuit: true };
}
