import {
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa, type Options } from 'execa';
import { ROOT } from './compile.js';

export const BIN = join(ROOT, 'bin', 'cdc-compile.js');

/**
 * A fresh copy of an example in a temp dir, with cdc-compile installed the way npm would link it, so
 * the config's `import … from 'cdc-compile'` resolves as in a user's project.
 */
export function copyProject(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cdc-${example}-`));
  const from = example === 'bookstore' ? ROOT : join(ROOT, 'examples', example);
  cpSync(join(from, 'pipeline.config.ts'), join(dir, 'pipeline.config.ts'));
  cpSync(join(from, 'generated'), join(dir, 'generated'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
  return dir;
}

/**
 * Misspells a column reference in a view of a copy of the minimal example: the compile then fails with one
 * located REF.UNKNOWN_COLUMN diagnostic.
 */
export function misspellViewColumn(dir: string): void {
  const config = join(dir, 'pipeline.config.ts');
  const text = readFileSync(config, 'utf8');
  const edited = text.replace('${customers.c.country}, COUNT(*)', '${(customers.c as any).countryy}, COUNT(*)');
  if (edited === text) throw new Error(`misspellViewColumn: the view's column reference is not in ${config}`);
  writeFileSync(config, edited);
}

/** Runs the built CLI like a user would; never throws on a non-zero exit. */
export async function cli(
  args: string[],
  options: Options = {},
): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  const result = await execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', ...options });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * Every file below `dir` → contents, for byte-for-byte comparisons of whole trees. A symbolic link is recorded as
 * its target, never followed: a project's node_modules/cdc-compile links to the repository, whose whole tree
 * (node_modules, dist, caches) would otherwise be read into memory.
 */
export function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) files.set(relative(dir, full), `-> ${readlinkSync(full)}`);
      else if (stat.isDirectory()) walk(full);
      else files.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}
