/**
 * The package as a user gets it: `npm pack`, installed from the tarball into an empty folder (from npm's
 * local cache where it can), then `npx cdc-compile init`, `npx cdc-compile` and `npx cdc-compile --check`.
 * Uses the built dist/ (`npm test` builds first).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from './support/compile.js';

const work = mkdtempSync(join(tmpdir(), 'cdc-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// npm's own settings from a surrounding `npm test` (lifecycle, cwd-derived prefix) must not leak in.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const run = (cmd: string, args: string[], options: Options) =>
  execa(cmd, args, {
    env: { ...env, npm_config_update_notifier: 'false' },
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    ...options,
  });

test('npm pack → npm install <tarball> → npx cdc-compile init → npx cdc-compile → --check', async () => {
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  expect(pack.exitCode, String(pack.stderr)).toBe(0);
  const [{ filename, files }] = JSON.parse(String(pack.stdout)) as [{ filename: string; files: { path: string }[] }];
  const packed = files.map((f) => f.path);
  expect(packed).toContain('dist/cli.js');
  expect(packed).toContain('dist/index.d.ts');
  expect(packed.some((p) => p.startsWith('test/') || p.startsWith('src/'))).toBe(false);

  const app = join(work, 'my-app');
  mkdirSync(app);
  const install = await run(
    'npm',
    ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, filename)],
    { cwd: app },
  );
  expect(install.exitCode, String(install.stderr)).toBe(0);

  const init = await run('npx', ['cdc-compile', 'init'], { cwd: app });
  expect(init.exitCode, String(init.stderr)).toBe(0);
  expect(String(init.stdout)).not.toContain('npm install'); // it is a devDependency now
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  expect(pkg.devDependencies['cdc-compile']).toMatch(/^file:/);
  expect(pkg.scripts).toEqual({ 'cdc:compile': 'cdc-compile', 'cdc:check': 'cdc-compile --check' });

  const compile = await run('npx', ['cdc-compile'], { cwd: app });
  expect(compile.exitCode, String(compile.stderr)).toBe(0);
  expect(String(compile.stderr)).toBe('');
  expect(String(compile.stdout)).toMatch(/^Wrote generated\/ \(11 files\): 11 added\./);
  expect(existsSync(join(app, 'generated', 'debezium', 'app-connector.json'))).toBe(true);
  // V8's compile of the compiler chunk, kept in the node_modules the package is installed in.
  expect(
    readdirSync(join(app, 'node_modules', '.cache', 'cdc-compile', 'v8')).some((f) => f.startsWith('compiler-')),
  ).toBe(true);

  const check = await run('npm', ['run', '--silent', 'cdc:check'], { cwd: app });
  expect(check.exitCode, String(check.stderr)).toBe(0);
  expect(String(check.stdout)).toContain('generated/ is up to date');
}, 240_000);
