import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
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

/** Runs the built CLI like a user would; never throws on a non-zero exit. */
export async function cli(
  args: string[],
  options: Options = {},
): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  const result = await execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', ...options });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Every file below `dir` → contents, for byte-for-byte comparisons of whole trees. */
export function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}
