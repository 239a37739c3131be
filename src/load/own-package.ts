/**
 * Where a config's `require('cdc-compile')` lands when Node would resolve it to the package running the
 * compile. Node's own resolution of a bare name goes through the package's `exports`, whose first use in a
 * process loads and compiles Node's ES module resolver: about 4 ms of a 100 ms compile, for an answer
 * known here. The walk below is the part of Node's algorithm that can reach this package (the
 * self-reference of the nearest package.json, then `node_modules/cdc-compile` in the folders above); it
 * answers only when that folder is this package, and otherwise leaves the request to Node.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

export const PACKAGE_NAME = 'cdc-compile';
/** `exports['.'].require` of package.json (a test holds the two equal). */
export const REQUIRE_ENTRY = 'dist/index.cjs';

const answers = new Map<string, string | undefined>();
let ownReal: string | undefined;

function real(dir: string): string | undefined {
  try {
    return realpathSync(dir);
  } catch {
    return undefined;
  }
}

/** The entry file in this package for `require('cdc-compile')` from `fromDir`, or undefined: ask Node. */
export function ownEntry(fromDir: string): string | undefined {
  if (answers.has(fromDir)) return answers.get(fromDir);
  const found = walk(fromDir);
  answers.set(fromDir, found);
  return found;
}

function walk(fromDir: string): string | undefined {
  ownReal ??= real(PACKAGE_ROOT);
  if (!ownReal) return undefined;
  const mine = (dir: string) => (real(dir) === ownReal ? join(dir, REQUIRE_ENTRY) : undefined);
  // Self-reference: the nearest package.json, not above a node_modules folder (Node's readPackageScope).
  for (let dir = fromDir; basename(dir) !== 'node_modules'; dir = dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      // no package.json here
    }
    if (text !== undefined) {
      let name: unknown;
      try {
        name = (JSON.parse(text) as { name?: unknown }).name;
      } catch {
        return undefined; // Node reports it
      }
      if (name === PACKAGE_NAME) return mine(dir);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  // node_modules/cdc-compile in this folder and those above (Module._nodeModulePaths skips node_modules folders).
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', PACKAGE_NAME);
      let isDir = false;
      try {
        isDir = statSync(candidate).isDirectory();
      } catch {
        // not here
      }
      if (isDir) return mine(candidate);
    }
    if (dirname(dir) === dir) return undefined;
  }
}
