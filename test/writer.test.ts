/**
 * The writer never touches anything outside the output folder, never destroys what it did not write, lets
 * one compile write at a time, and completes a write interrupted at any point (issue 13, section 2).
 * Run through the built CLI in temp copies of the examples, as a user would.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { ROOT } from './support/compile.js';
import { BIN, cli, copyProject, tree } from './support/project.js';
import { manifestHanded, manifestRead, readManifestFile, readManifestFiles } from '../src/write/manifest.js';
import { SETTLED_MS } from '../src/write/identity.js';

const FAULTS = join(ROOT, 'test', 'support', 'fs-faults.cjs');
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

/** The types example with its config edited so a compile changes five files and removes two. */
function typesProjectWithChange(): { dir: string; out: string; before: Map<string, string> } {
  const dir = realpathSync(copyProject('types'));
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(
    config,
    readFileSync(config, 'utf8')
      .replace('sources: [app, legacy]', 'sources: [app]')
      .replace(/views: \[[^\]]*\]/, 'views: [typeSample]'),
  );
  // Removing a source is destructive: approved, so the compile writes (test/plan.test.ts tests the gate).
  writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals:\n  remove-source/legacy: drop\n');
  const out = join(dir, 'generated');
  return { dir, out, before: tree(out) };
}

/** What a clean compile of `dir`'s config produces, written to a scratch folder. */
async function expectedTree(dir: string): Promise<Map<string, string>> {
  const scratch = join(dir, 'expected');
  // From the same previous state: its snapshot and migrations make the new migration (history).
  cpSync(join(dir, 'generated'), scratch, { recursive: true });
  const run = await cli(['--out', scratch], { cwd: dir });
  expect(run.exitCode, run.stderr).toBe(0);
  const files = tree(scratch);
  rmSync(scratch, { recursive: true });
  return files;
}

describe('the output folder is guarded (exit 2, nothing written)', () => {
  test('/, the project folder, src/, a project root, an empty --out=, kernel pseudo-file systems', async () => {
    const dir = copyProject('minimal');
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'other-project'));
    writeFileSync(join(dir, 'other-project', 'package.json'), '{}\n');
    symlinkSync('/', join(dir, 'to-root'));
    const cases: [string[], RegExp][] = [
      [['--out', '/'], /OUT\.UNSAFE_FOLDER: refusing to write to .*: it is the root of the file system/],
      [['--out', 'to-root'], /it is the root of the file system/],
      [['--out', '.'], /it is the project folder/],
      [['--out', '..'], /it is the project folder/],
      [['--out', 'src'], /it is a source folder/],
      [['--out', 'other-project'], /it is a project folder: it holds package\.json/],
      [['--out', 'node_modules/x'], /inside node_modules/],
      [['--out', '/proc/self'], /kernel pseudo-file system/],
      [['--out', '/proc/self/fd/0'], /kernel pseudo-file system/],
      [['--out', '/dev'], /kernel pseudo-file system/],
      [['--out', '/sys/kernel'], /kernel pseudo-file system/],
    ];
    const before = readdirSync(dir).sort();
    for (const [args, message] of cases) {
      const run = await cli(args, { cwd: dir, timeout: 20_000 });
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('Nothing was written.');
      noStackTrace(run.stderr);
    }
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readdirSync(join(dir, 'src'))).toEqual([]);
    const empty = await cli(['--out='], { cwd: dir });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('--out needs a folder name');
  });

  test("a folder holding another pipeline's output is refused; a moved config's own output is not", async () => {
    const dir = copyProject('minimal');
    writeFileSync(join(dir, 'second.config.ts'), readFileSync(join(dir, 'pipeline.config.ts')));
    const before = tree(join(dir, 'generated'));
    const run = await cli(['--config', 'second.config.ts', '--out', 'generated'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      'OUT.OTHER_PIPELINE: generated holds the output of another pipeline (pipeline.config.ts)',
    );
    expect(tree(join(dir, 'generated'))).toEqual(before);
    // The config renamed: the folder's manifest names a config that no longer exists, so it is adopted.
    rmSync(join(dir, 'pipeline.config.ts'));
    const moved = await cli(['--config', 'second.config.ts', '--out', 'generated'], { cwd: dir });
    expect(moved.exitCode, moved.stderr).toBe(0);
  });

  test('a damaged manifest is reported as damaged, with how to recover', async () => {
    const dir = copyProject('minimal');
    const manifest = join(dir, 'generated', 'manifest.json');
    truncateSync(manifest, 40);
    const before = tree(join(dir, 'generated'));
    for (const args of [[], ['--check']]) {
      const run = await cli(args, { cwd: dir });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/OUT\.DAMAGED_MANIFEST: generated\/manifest\.json is damaged \(/);
      expect(run.stderr).toContain('git checkout -- generated/manifest.json');
      expect(run.stderr).not.toContain('not written by cdc-compile');
    }
    expect(tree(join(dir, 'generated'))).toEqual(before);
    // The recovery the hint names: delete it; files whose content is already right are adopted.
    rmSync(manifest);
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/added\s+manifest\.json/);
  });
});

describe('symbolic links are never followed out of the output folder', () => {
  test('a linked subfolder, a linked file, a linked manifest: refused, nothing inside or outside changes', async () => {
    const { dir, out, before } = typesProjectWithChange();
    const outside = mkdtempSync(join(tmpdir(), 'cdc-outside-'));
    // The user's folder holds files named like the ones the compile would change and remove.
    for (const name of readdirSync(join(out, 'debezium')))
      writeFileSync(join(outside, name), readFileSync(join(out, 'debezium', name)));
    const outsideBefore = tree(outside);
    rmSync(join(out, 'debezium'), { recursive: true });
    symlinkSync(outside, join(out, 'debezium'));
    const linked = await cli([], { cwd: dir });
    expect(linked.exitCode, linked.stderr).toBe(2);
    expect(linked.stderr).toContain(
      `OUT.SYMLINK: debezium is a symbolic link to ${realpathSync(outside)}, outside the output folder`,
    );
    expect(tree(outside)).toEqual(outsideBefore);
    expect((await cli(['--check'], { cwd: dir })).exitCode).toBe(2);
    rmSync(join(out, 'debezium'));
    mkdirSync(join(out, 'debezium'));
    for (const [name, text] of outsideBefore) writeFileSync(join(out, 'debezium', name), text);
    expect(tree(out)).toEqual(before);

    // A single file linked out, and a manifest linked to a device that never ends.
    const file = join(outside, 'pipeline.sql');
    writeFileSync(file, readFileSync(join(out, 'flink', 'pipeline.sql')));
    rmSync(join(out, 'flink', 'pipeline.sql'));
    symlinkSync(file, join(out, 'flink', 'pipeline.sql'));
    const fileRun = await cli([], { cwd: dir });
    expect(fileRun.exitCode).toBe(2);
    expect(fileRun.stderr).toContain('flink/pipeline.sql is a symbolic link to');
    expect(readFileSync(file, 'utf8')).toBe(before.get('flink/pipeline.sql'));
    rmSync(join(out, 'flink', 'pipeline.sql'));
    writeFileSync(join(out, 'flink', 'pipeline.sql'), before.get('flink/pipeline.sql')!);

    rmSync(join(out, 'manifest.json'));
    symlinkSync('/dev/zero', join(out, 'manifest.json'));
    const device = await cli([], { cwd: dir, timeout: 20_000 });
    expect(device.exitCode).toBe(2);
    expect(device.stderr).toContain('manifest.json is a symbolic link to /dev/zero');
  });

  test('a link that stays inside, and an output folder that is itself a link, are followed', async () => {
    const { dir, out } = typesProjectWithChange();
    const expected = await expectedTree(dir);
    const real = join(dir, 'real-out');
    mkdirSync(real);
    for (const [path, text] of tree(out)) {
      mkdirSync(join(real, path, '..'), { recursive: true });
      writeFileSync(join(real, path), text);
    }
    rmSync(out, { recursive: true });
    symlinkSync(real, out);
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(tree(real)).toEqual(expected);
  });
});

describe('only what cdc-compile wrote is replaced or removed', () => {
  test('a forged manifest cannot make it delete a user file or one outside the folder', async () => {
    const dir = copyProject('minimal');
    const out = join(dir, 'generated');
    writeFileSync(join(out, 'NOTES.md'), 'my notes\n');
    writeFileSync(join(dir, 'secret.txt'), 'outside\n');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
    manifest.files['NOTES.md'] = `sha256:${'0'.repeat(64)}`;
    manifest.files['../secret.txt'] = `sha256:${'0'.repeat(64)}`;
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stdout).toBe(2);
    expect(run.stderr).toContain(
      'OUT.EDITED: NOTES.md would be removed (the config no longer produces it), but it was changed since cdc-compile wrote it',
    );
    expect(run.stderr).toContain('hint: move your changes out of generated');
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(dir, 'secret.txt'), 'utf8')).toBe('outside\n');
  });

  test('a generated file edited by hand is not overwritten; deleting it is the way back', async () => {
    const { dir, out } = typesProjectWithChange();
    const expected = await expectedTree(dir);
    const edited = join(out, 'analytics', 'views.sql');
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}-- my edit\n`);
    const before = tree(out);
    for (const args of [[], ['--check']]) {
      const run = await cli(args, { cwd: dir });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(
        'OUT.EDITED: analytics/views.sql would be overwritten, but it was changed since cdc-compile wrote it',
      );
      expect(run.stderr).toContain('then delete generated/analytics/views.sql and compile again');
    }
    expect(tree(out)).toEqual(before);
    rmSync(edited);
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(tree(out)).toEqual(expected);
  });

  test('the change summary counts each kind once: "2 added, 8 changed, 2 removed", not "12 of 13 files changed"', async () => {
    const { dir } = typesProjectWithChange();
    const check = await cli(['--check'], { cwd: dir });
    // Added: the analytics migration and the change script.
    expect(check.stdout).toContain('generated/ is out of date (2 added, 8 changed, 2 removed; 13 files expected):');
    const run = await cli([], { cwd: dir });
    expect(run.stdout).toContain('Wrote generated/ (13 files): 2 added, 8 changed, 2 removed.');
  });
});

describe('one compile writes a folder at a time', () => {
  test('a live lock makes the compile wait and say so; a stale one (dead pid) is broken at once', async () => {
    const { dir, out } = typesProjectWithChange();
    const expected = await expectedTree(dir);
    const lock = join(out, '.cdc-compile.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 'held-by-the-test' }));
    const started = Date.now();
    const child = cli([], { cwd: dir });
    await new Promise((r) => setTimeout(r, 1500));
    expect(tree(out).get('manifest.json'), 'must not write while the lock is held').not.toBe(
      expected.get('manifest.json'),
    );
    rmSync(lock);
    const run = await child;
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `another cdc-compile (pid ${process.pid} on ${hostname()}) is writing generated; waiting for it to finish`,
    );
    expect(Date.now() - started).toBeGreaterThan(1500);
    expect(tree(out)).toEqual(expected);

    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), token: 'left-by-a-killed-run' }));
    writeFileSync(join(dir, 'pipeline.config.ts'), `${readFileSync(join(dir, 'pipeline.config.ts'), 'utf8')}\n`);
    const stale = await cli([], { cwd: dir });
    expect(stale.exitCode, stale.stderr).toBe(0);
    expect(stale.stderr).not.toContain('waiting');
    expect(existsSync(lock)).toBe(false);
  });

  test('4 simultaneous compiles into one folder: one writes, the others wait and find it up to date', async () => {
    const dir = copyProject('types');
    const expected = tree(join(dir, 'generated'));
    rmSync(join(dir, 'generated'), { recursive: true });
    const runs = await Promise.all([1, 2, 3, 4].map(() => cli([], { cwd: dir })));
    for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
    expect(runs.filter((r) => r.stdout.startsWith('Wrote generated/ (13 files): 13 added.'))).toHaveLength(1);
    expect(runs.filter((r) => r.stdout.startsWith('generated/ is up to date'))).toHaveLength(3);
    expect(tree(join(dir, 'generated'))).toEqual(expected);
    expect(readdirSync(join(dir, 'generated')).filter((n) => n.startsWith('.cdc-compile'))).toEqual([]);
  });
});

describe('a write interrupted at any point is detected and completed', () => {
  /** Kills the compile right after its n-th file-system change inside the output folder. */
  const killedCompile = (dir: string, out: string, n: number) =>
    execa('node', ['--require', FAULTS, BIN], {
      cwd: dir,
      reject: false,
      stdin: 'ignore',
      env: { CDC_FAULT_DIR: out, CDC_FAULT_KILL_AFTER: String(n) },
    });

  test('SIGKILL after each of several steps: old or new tree, or --check reports it and the next run completes it', async () => {
    const { dir, out, before } = typesProjectWithChange();
    const expected = await expectedTree(dir);
    const reset = () => {
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      for (const [path, text] of before) {
        mkdirSync(join(out, path, '..'), { recursive: true });
        writeFileSync(join(out, path), text);
      }
    };
    // Count the steps of an uninterrupted run of the same change.
    const countFile = join(dir, 'count');
    await execa('node', ['--require', FAULTS, BIN], {
      cwd: dir,
      env: { CDC_FAULT_DIR: out, CDC_FAULT_COUNT_FILE: countFile },
    });
    expect(tree(out)).toEqual(expected);
    const steps = Number(readFileSync(countFile, 'utf8'));
    expect(steps).toBeGreaterThan(10);
    const artefacts = (t: Map<string, string>) => new Map([...t].filter(([path]) => !path.startsWith('.cdc-compile')));
    const seen = new Set<string>();
    for (const n of [1, 3, Math.floor(steps / 3), Math.floor(steps / 2), steps - 6, steps - 3, steps - 1]) {
      reset();
      const killed = await killedCompile(dir, out, n);
      expect(killed.signal, `step ${n}`).toBe('SIGKILL');
      const after = tree(out);
      const journal = after.has('.cdc-compile-journal.json');
      if (journal) {
        seen.add('half-applied');
        const check = await cli(['--check'], { cwd: dir });
        expect(check.exitCode, `step ${n}`).toBe(1);
        expect(check.stdout).toContain('generated/ holds a half-applied write (a compile was interrupted)');
        expect(tree(out), '--check never writes').toEqual(after);
      } else {
        const files = artefacts(after);
        const state = JSON.stringify([...files]) === JSON.stringify([...before]) ? 'old' : 'new';
        seen.add(state);
        expect(files, `step ${n}: neither the old nor the new tree`).toEqual(state === 'old' ? before : expected);
      }
      const next = await cli([], { cwd: dir });
      expect(next.exitCode, next.stderr).toBe(0);
      if (journal) expect(next.stderr).toContain('cdc-compile: completed an interrupted write of generated/');
      expect(tree(out), `step ${n}: the next compile leaves exactly the new tree`).toEqual(expected);
    }
    expect([...seen].sort()).toEqual(['half-applied', 'new', 'old']);
  });

  test('the staging folder is flat, and a journal of the earlier layout (staged at each path) is still completed', async () => {
    const { dir, out, before } = typesProjectWithChange();
    const expected = await expectedTree(dir);
    // Killed while the journal is in place (the steps of an uninterrupted run, counted, tell where).
    const countFile = join(dir, 'count');
    await execa('node', ['--require', FAULTS, BIN], {
      cwd: dir,
      env: { CDC_FAULT_DIR: out, CDC_FAULT_COUNT_FILE: countFile },
    });
    const steps = Number(readFileSync(countFile, 'utf8'));
    let journal: { staging: string; writes: { path: string; staged?: string }[] } | undefined;
    for (const n of [Math.floor(steps / 2), Math.floor(steps / 3), Math.floor((2 * steps) / 3), steps - 6]) {
      if (journal) break;
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      for (const [path, text] of before) {
        mkdirSync(join(out, path, '..'), { recursive: true });
        writeFileSync(join(out, path), text);
      }
      await killedCompile(dir, out, n);
      const file = join(out, '.cdc-compile-journal.json');
      if (existsSync(file)) journal = JSON.parse(readFileSync(file, 'utf8'));
    }
    expect(journal).toBeDefined();
    const staging = join(out, journal!.staging);
    expect(readdirSync(staging, { withFileTypes: true }).filter((e) => e.isDirectory())).toEqual([]);
    expect(journal!.writes.every((w) => /^\d+$/.test(w.staged ?? ''))).toBe(true);
    // Rewritten as an earlier version staged: the copies at their paths, no `staged` field.
    for (const w of journal!.writes) {
      if (existsSync(join(staging, w.staged!))) {
        mkdirSync(join(staging, w.path, '..'), { recursive: true });
        renameSync(join(staging, w.staged!), join(staging, w.path));
      }
      delete w.staged;
    }
    writeFileSync(join(out, '.cdc-compile-journal.json'), `${JSON.stringify(journal)}\n`);
    const next = await cli([], { cwd: dir });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toContain('cdc-compile: completed an interrupted write of generated/');
    expect(tree(out)).toEqual(expected);
  });

  test('leftover staging folders are removed by the next run', async () => {
    const dir = copyProject('minimal');
    const out = join(dir, 'generated');
    const expected = tree(out);
    mkdirSync(join(out, '.cdc-compile-staging-999999-dead', 'flink'), { recursive: true });
    writeFileSync(join(out, '.cdc-compile-staging-999999-dead', 'flink', 'pipeline.sql'), 'half\n');
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(tree(out)).toEqual(expected);
  });
});

describe('the manifest is read once per version of the file', () => {
  test('an unchanged manifest is parsed once (history and writer share it); a replaced or edited one is read anew', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-manifest-once-'));
    try {
      const path = join(dir, 'manifest.json');
      const manifest = (files: Record<string, string>) =>
        `${JSON.stringify({ generator: { name: 'cdc-compile', version: '0.1.0' }, files })}\n`;
      const hash = `sha256:${'0'.repeat(64)}`;
      writeFileSync(path, manifest({ 'a.sql': hash }));
      // Read well after it was written (see the settling test below for a read right after).
      const later = () => Date.now() + SETTLED_MS + 1000;
      const first = readManifestFile(path, later);
      // The same file: the same (read-only) state, not a second parse.
      expect(readManifestFile(path)).toBe(first);
      // Edited in place, longer: read anew.
      writeFileSync(path, manifest({ 'a.sql': hash, 'b.sql': hash }));
      const edited = readManifestFile(path, later);
      expect(edited).not.toBe(first);
      expect(edited.kind === 'ours' && [...edited.files.keys()]).toEqual(['a.sql', 'b.sql']);
      // Replaced by a rename (as cdc-compile writes it), the same length: another file, read anew.
      writeFileSync(join(dir, 'next'), manifest({ 'c.sql': hash, 'd.sql': hash }));
      renameSync(join(dir, 'next'), path);
      const replaced = readManifestFile(path);
      expect(replaced.kind === 'ours' && [...replaced.files.keys()]).toEqual(['c.sql', 'd.sql']);
      // Damaged in place: reported as damaged, not the last good read.
      truncateSync(path, 10);
      expect(readManifestFile(path).kind).toBe('damaged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a manifest read within the settling time of its last change is not remembered, nor handed to the writer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-manifest-young-'));
    try {
      const path = join(dir, 'manifest.json');
      const text = `${JSON.stringify({ generator: { name: 'cdc-compile', version: '0.1.0' }, files: {} })}\n`;
      writeFileSync(path, text);
      const changed = () => {
        const s = statSync(path);
        return Math.max(s.mtimeMs, s.ctimeMs);
      };
      // Read in the same tick as the write: a second write in that tick could keep its identity, so the
      // next read parses the file again, and the worker has no version to hand over.
      const young = readManifestFile(path, changed);
      expect(readManifestFile(path, changed)).not.toBe(young);
      expect(manifestRead()).toBeUndefined();
      // Read 50 ms after the change (the settling time on a file system with sub-second times is 100 ms).
      expect(readManifestFile(path, () => changed() + 50)).not.toBe(young);
      expect(manifestRead()).toBeUndefined();
      // Settled: remembered, and handed over (the writer then takes the worker's version, parsing nothing).
      const settled = readManifestFile(path, () => changed() + SETTLED_MS);
      expect(readManifestFile(path)).toBe(settled);
      const read = manifestRead();
      expect(read?.state).toEqual(settled);
      // A hand-over made from a young read on the other side is not trusted either: none is made.
      writeFileSync(path, text.replace('0.1.0', '0.1.1'));
      readManifestFile(path, changed);
      manifestHanded(manifestRead());
      expect(readManifestFiles(path, changed)).toMatchObject({ kind: 'ours', version: '0.1.1' });
      expect(manifestRead()).toBeUndefined();
    } finally {
      manifestHanded(undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
