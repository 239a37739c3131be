import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './compile.js';

/** What a built file of dist/ imports statically: its `import … from` lines, and its chunk's requires. */
function statics(file: string): string[] {
  const dist = (name: string) => join(ROOT, 'dist', name);
  const script = file.replace(/\.js$/, '.cjs');
  return [
    ...[...readFileSync(dist(file), 'utf8').matchAll(/^import [^;]*?from "([^"]+)";?$/gm)].map((m) => m[1]!),
    // The compiler chunk is a script its stand-in runs (load/chunk-loader.ts): its requires are its imports.
    ...(existsSync(dist(script))
      ? [...readFileSync(dist(script), 'utf8').matchAll(/(?<![\w$])require\("([^"]+)"\)/g)].map((m) => m[1]!)
      : []),
  ];
}

/**
 * Everything `entry` (a file of dist/) loads before any dynamic import: the chunks of dist/ by file name,
 * packages and built-ins by specifier.
 */
export function staticImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of statics(file))
      if (dep.startsWith('./')) walk(dep.slice(2));
      else seen.add(dep);
  };
  walk(entry);
  return seen;
}
