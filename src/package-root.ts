/**
 * cdc-compile's own folder: the nearest folder above this module holding a package.json. Code reaches
 * its package files (package.json, templates/, dist/compile-worker.js) from here, not by counting `..`
 * from its own file, because the built CLI is a bundle: its modules no longer sit where their sources do
 * (dist/chunk.js, src/render/templates.ts and dist/render/templates.js are at different depths).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function find(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(dirname(from));
  }
}

export const PACKAGE_ROOT: string = find(dirname(fileURLToPath(import.meta.url)));
