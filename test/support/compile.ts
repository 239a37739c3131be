import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { compile, type CompileResult } from '../../src/compile.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The root book store and every example: name → config path. */
export const PROJECTS: readonly { name: string; config: string }[] = [
  { name: 'bookstore', config: join(ROOT, 'pipeline.config.ts') },
  ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, config: join(ROOT, 'examples', d.name, 'pipeline.config.ts') })),
];

/**
 * Compiles a project through the public API; fails the test on any error diagnostic. `files` holds the
 * text artefacts, `binaries` the others (superset/bundle.zip).
 */
export async function compileProject(
  config: string,
): Promise<CompileResult & { files: Map<string, string>; binaries: Map<string, Uint8Array> }> {
  const result = await compile({ config });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`compile failed:\n${JSON.stringify(errors, null, 2)}`);
  const files = new Map<string, string>();
  const binaries = new Map<string, Uint8Array>();
  for (const a of result.artefacts) {
    if (typeof a.contents === 'string') files.set(a.path, a.contents);
    else binaries.set(a.path, a.contents);
  }
  return { ...result, files, binaries };
}
