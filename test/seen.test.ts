/**
 * The writer's digests of files it read already (src/write/seen.ts): used only for the same version of a
 * file, remembered only for a file that had settled when it was read, and the worker compile's early look
 * (prehashOutput, before the writer's own) cannot hide a change made after it.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { below } from '../src/write/guard.js';
import { writeOutput } from '../src/write/index.js';
import { buildManifest, readManifestFile, sha256 } from '../src/write/manifest.js';
import { SETTLED_MS, settledAfter } from '../src/write/identity.js';
import { forgetSeen, knownDigest, prehashOutput, remember } from '../src/write/seen.js';
import type { Artefact } from '../src/targets/artefact.js';

const dirs: string[] = [];
afterEach(() => {
  forgetSeen();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A project with an output folder written by the writer: a.sql, sub/b.sh (executable) and the manifest. */
async function project() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cdc-seen-')));
  dirs.push(dir);
  const configPath = join(dir, 'pipeline.config.ts');
  writeFileSync(configPath, '// the config\n');
  const out = join(dir, 'generated');
  const content: Artefact[] = [
    { path: 'a.sql', contents: 'select 1;\n' },
    { path: 'sub/b.sh', contents: 'echo b\n', executable: true },
  ];
  const artefacts = () => [...content, buildManifest(content, 'pipeline.config.ts', '', '0.1.0')];
  const write = (list = artefacts()) =>
    writeOutput({
      outDir: out,
      artefacts: list,
      configPath,
      configFile: 'pipeline.config.ts',
      shownOut: 'generated',
      check: false,
    });
  expect(await write()).toMatchObject({ changes: expect.arrayContaining([{ path: 'a.sql', kind: 'added' }]) });
  return { out, artefacts, write };
}

/** A clock past the settling time of everything written so far. */
const later = () => Date.now() + SETTLED_MS + 1000;

const settle = () => new Promise((resolve) => setTimeout(resolve, 30)); // past a timestamp tick

test('below(dir, rel) is join(dir, rel), for 20,000 random paths of plain, dot, empty and odd parts', () => {
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const parts = ['a', 'b.sql', '.', '..', '', '.x', '..y', 'x.', 'x..', ' ', 'a b', '\\', 'é'];
  const dirs = ['/', '/tmp', '/tmp/out', '/tmp/out/', '/a/./b', '/a/../b', '//x'];
  for (let i = 0; i < 20_000; i++) {
    const rel = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => parts[Math.floor(rand() * parts.length)]!);
    const lead = rand() < 0.1 ? '/' : '';
    const trail = rand() < 0.1 ? '/' : '';
    const dir = dirs[Math.floor(rand() * dirs.length)]!;
    const path = `${lead}${rel.join('/')}${trail}`;
    expect(below(dir, path), `${dir} + ${path}`).toBe(join(dir, path));
  }
});

describe('a digest stands for one version of a file', () => {
  test('settled after 100 ms where the times have fractions of a second, after 3 s where either has none', () => {
    const stat = (mtimeMs: number, ctimeMs: number) => ({ mtimeMs, ctimeMs }) as Stats;
    expect(settledAfter(stat(1_700_000_000_123.4567, 1_700_000_000_123.4567))).toBe(100);
    expect(settledAfter(stat(1_700_000_000_000, 1_700_000_000_123.4567))).toBe(SETTLED_MS);
    expect(settledAfter(stat(1_700_000_000_123.4567, 1_700_000_002_000))).toBe(SETTLED_MS);
  });

  test('remembered only for a file that had settled when read; any change since (same size, mtime put back) is seen', async () => {
    const { out } = await project();
    const path = join(out, 'a.sql');
    const T = Math.floor(Date.now() / 1000) - 60; // whole seconds: put back exactly below
    utimesSync(path, T, T);
    const stat = statSync(path);
    // Read right after it was written: too fresh to tell a later change in the same clock tick apart.
    remember(path, stat, sha256(readFileSync(path)));
    expect(knownDigest(path, stat)).toBeUndefined();
    // A whole-second time may come from a coarse file system (FAT: 2 s): settled only 3 s on.
    const changed = Math.max(stat.mtimeMs, stat.ctimeMs);
    remember(path, stat, sha256(readFileSync(path)), changed + 2000);
    expect(knownDigest(path, stat)).toBeUndefined();
    remember(path, stat, sha256(readFileSync(path)), later());
    expect(knownDigest(path, stat)).toBe(sha256('select 1;\n'));
    await settle();
    // Edited in place to the same length, its modification time put back: its change time moved.
    writeFileSync(path, 'select 2;\n');
    utimesSync(path, T, T);
    const edited = statSync(path);
    expect(edited.size).toBe(stat.size);
    expect(edited.mtimeMs).toBe(stat.mtimeMs);
    expect(knownDigest(path, edited)).toBeUndefined();
  });

  test("the early look remembers the manifest's files and the manifest; the writer then finds the folder up to date", async () => {
    const { out, write } = await project();
    const manifest = readManifestFile(join(out, 'manifest.json'));
    await prehashOutput(out, manifest, { now: later }).finished;
    for (const rel of ['a.sql', 'sub/b.sh', 'manifest.json']) {
      const path = join(out, rel);
      expect(knownDigest(path, statSync(path))).toBe(sha256(readFileSync(path)));
    }
    expect(await write()).toEqual({ changes: [], interrupted: false, completed: 0 });
  });

  test('a recompile in the same process (--watch) takes the digests of the files the last look read', async () => {
    const { out, write } = await project();
    const files = ['a.sql', 'sub/b.sh'].map((rel) => join(out, rel));
    await new Promise((resolve) => setTimeout(resolve, 150));
    // A file system with whole-second times settles only after 3 s: nothing to see here then.
    if (files.some((f) => settledAfter(statSync(f)) > 100)) return;
    expect(await write()).toEqual({ changes: [], interrupted: false, completed: 0 });
    for (const f of files) expect(knownDigest(f, statSync(f))).toBe(sha256(readFileSync(f)));
  });

  test('a file edited after the early look is read again: the writer refuses to overwrite it', async () => {
    const { out, write } = await project();
    await settle();
    const manifest = readManifestFile(join(out, 'manifest.json'));
    await prehashOutput(out, manifest, { now: later }).finished;
    // The race window: the user edits a generated file between the early look and the writer's.
    const path = join(out, 'a.sql');
    const size = statSync(path).size;
    await settle();
    writeFileSync(path, 'select 9;\n');
    expect(statSync(path).size).toBe(size);
    const result = await write();
    expect('refused' in result && result.refused.map((d) => d.code)).toEqual(['OUT.EDITED']);
    expect(readFileSync(path, 'utf8')).toBe('select 9;\n');
  });

  test('the early look reads nothing outside the folder, through a link, or that the manifest does not list', async () => {
    const { out } = await project();
    const outside = join(out, '..', 'outside.sql');
    writeFileSync(outside, 'secret\n');
    mkdirSync(join(out, 'more'));
    writeFileSync(join(out, 'more', 'unlisted.sql'), 'x\n');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(outside, join(out, 'linked.sql'));
    const manifest = readManifestFile(join(out, 'manifest.json'));
    const forged = {
      ...(manifest as Extract<typeof manifest, { kind: 'ours' }>),
      files: new Map([
        ['linked.sql', ''],
        ['a.sql', ''],
      ]),
    };
    await prehashOutput(out, forged, { now: later }).finished;
    expect(knownDigest(join(out, 'linked.sql'), statSync(join(out, 'linked.sql')))).toBeUndefined();
    expect(knownDigest(outside, statSync(outside))).toBeUndefined();
    expect(knownDigest(join(out, 'more', 'unlisted.sql'), statSync(join(out, 'more', 'unlisted.sql')))).toBeUndefined();
    expect(knownDigest(join(out, 'a.sql'), statSync(join(out, 'a.sql')))).toBe(sha256('select 1;\n'));
  });
});
