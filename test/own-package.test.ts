import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ownEntry, PACKAGE_NAME, REQUIRE_ENTRY } from '../src/load/own-package.js';
import { ROOT } from './support/compile.js';
import { copyProject } from './support/project.js';

/** Where Node itself resolves `require('cdc-compile')` for a module in `dir` (as the config's require). */
const nodeResolves = (dir: string) =>
  realpathSync(createRequire(join(dir, 'pipeline.config.ts')).resolve(PACKAGE_NAME));

const project = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-own-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
};

test('the entry is the one package.json names for require', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.name).toBe(PACKAGE_NAME);
  expect(pkg.exports['.'].require).toBe(`./${REQUIRE_ENTRY}`);
});

test('answers where Node lands in this package: its own folder (self-reference), a linked install, a folder below it', () => {
  const linked = copyProject('minimal');
  mkdirSync(join(linked, 'configs', 'nested'), { recursive: true });
  for (const dir of [ROOT, join(ROOT, 'examples', 'minimal'), linked, join(linked, 'configs', 'nested')]) {
    const entry = ownEntry(dir);
    expect(entry, dir).toBeDefined();
    expect(realpathSync(entry!)).toBe(nodeResolves(dir));
  }
});

test('leaves to Node what lands elsewhere: another copy of the package, none, a scope of that name elsewhere, a broken package.json', () => {
  const copy = {
    'node_modules/cdc-compile/package.json': JSON.stringify({
      name: PACKAGE_NAME,
      exports: { '.': { require: './dist/index.cjs' } },
    }),
    'node_modules/cdc-compile/dist/index.cjs': 'module.exports = {};\n',
  };
  const other = project(copy);
  expect(ownEntry(other)).toBeUndefined();
  expect(nodeResolves(other)).toBe(realpathSync(join(other, 'node_modules/cdc-compile/dist/index.cjs')));
  // The other copy's own folder: its self-reference is that copy too.
  expect(ownEntry(join(other, 'node_modules', 'cdc-compile'))).toBeUndefined();
  expect(ownEntry(project({ 'package.json': '{"name": "app"}' }))).toBeUndefined();
  expect(ownEntry(project({ 'package.json': '{"name": ' }))).toBeUndefined();
  // A package.json scope that is not this package's folder, under a project linked to it: the self-reference
  // would be that folder's, so Node decides.
  const scoped = copyProject('minimal');
  writeFileSync(join(scoped, 'package.json'), JSON.stringify({ name: PACKAGE_NAME, exports: { '.': './x.cjs' } }));
  expect(ownEntry(scoped)).toBeUndefined();
  // The nearest package.json decides the self-reference, so one without the name leaves the lookup to node_modules.
  const nested = copyProject('minimal');
  mkdirSync(join(nested, 'sub'));
  writeFileSync(join(nested, 'sub', 'package.json'), '{"name": "sub"}');
  mkdirSync(join(nested, 'sub', 'node_modules'));
  expect(ownEntry(join(nested, 'sub'))).toBe(join(nested, 'node_modules', 'cdc-compile', REQUIRE_ENTRY));
  expect(realpathSync(ownEntry(join(nested, 'sub'))!)).toBe(nodeResolves(join(nested, 'sub')));
});
