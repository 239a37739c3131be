/**
 * TypeScript → CommonJS for the config and the TypeScript files it imports. Type annotations are
 * stripped by sucrase, which keeps line numbers, so stack traces point at the user's lines. Results are
 * cached by content hash under the project's node_modules/.cache/cdc-compile, so an unchanged config costs no
 * transpiler at all; CDC_COMPILE_CACHE=0 turns the cache off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const CACHE_FORMAT = 'cjs-1';

let sucrase: typeof import('sucrase') | undefined;
let sucraseVersion: string | undefined;

function version(): string {
  sucraseVersion ??= (require('sucrase/package.json') as { version: string }).version;
  return sucraseVersion;
}

function cacheDir(from: string): string | undefined {
  if (process.env['CDC_COMPILE_CACHE'] === '0') return undefined;
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'cdc-compile');
    // No node_modules anywhere above: no cache (a shared temp folder could be written by someone else).
    if (dirname(dir) === dir) return undefined;
  }
}

export function transpile(file: string, source: string): string {
  const dir = cacheDir(file);
  const key = createHash('sha256').update(`${CACHE_FORMAT}\0${version()}\0${file}\0${source}`).digest('hex');
  const cached = dir ? join(dir, `${key}.cjs`) : undefined;
  if (cached) {
    try {
      return readFileSync(cached, 'utf8');
    } catch {
      // not cached yet
    }
  }
  sucrase ??= require('sucrase') as typeof import('sucrase');
  const code = sucrase.transform(source, {
    transforms: file.endsWith('x') ? ['typescript', 'imports', 'jsx'] : ['typescript', 'imports'],
    filePath: file,
    disableESTransforms: true,
  }).code;
  if (dir && cached) {
    try {
      mkdirSync(dir, { recursive: true });
      const temp = `${cached}.${process.pid}.tmp`;
      writeFileSync(temp, code);
      renameSync(temp, cached);
    } catch {
      // A read-only project still compiles, only without the cache.
    }
  }
  return code;
}
