/** Configs as users write them: split over files, with top-level await, next to odd files. */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import NodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { error } from '../src/diagnostics.js';
import { ROOT } from './support/compile.js';
import { BIN, cli, copyProject, misspellViewColumn } from './support/project.js';

test('a config whose import uses top-level await compiles', async () => {
  const dir = copyProject('minimal');
  writeFileSync(join(dir, 'names.ts'), "export const database: string = await Promise.resolve('shop_from_await');\n");
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(
    config,
    readFileSync(config, 'utf8')
      .replace('import { definePipeline', "import { database } from './names';\nimport { definePipeline")
      .replace("database: 'shop',", 'database,'),
  );
  const run = await cli([], { cwd: dir });
  expect(run.stderr).toBe('');
  expect(run.exitCode).toBe(0);
  expect(readFileSync(join(dir, 'generated/debezium/shop-connector.json'), 'utf8')).toContain(
    '"database.dbname": "shop_from_await"',
  );
});

test('a file named templates beside the config is not a template folder', async () => {
  const dir = copyProject('minimal');
  writeFileSync(join(dir, 'templates'), 'not a folder\n');
  const run = await cli(['--check'], { cwd: dir });
  expect(run.exitCode, run.stderr).toBe(0);
});

describe('the config runs fenced: it cannot hang, exhaust memory or end the compiler', () => {
  /** The minimal example with `code` inserted before its first statement. */
  const withCode = (code: string, file = 'pipeline.config.ts') => {
    const dir = copyProject('minimal');
    const config = join(dir, 'pipeline.config.ts');
    const text = readFileSync(config, 'utf8').replace('const shop =', `${code}\nconst shop =`);
    writeFileSync(join(dir, file), text);
    return { dir, file };
  };

  test('an allocation loop in the thread is re-run in the worker and stopped at the memory cap', async () => {
    const { dir } = withCode('const rows: number[][] = [];\nfor (;;) rows.push(new Array(1e6).fill(1));');
    const started = Date.now();
    const run = await cli(['--check', '--max-memory', '128'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('CONFIG.OUT_OF_MEMORY');
    expect(run.stderr).toContain('more than 128 MiB');
    expect(run.stderr).not.toMatch(/^ {4}at /m);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('buffers outside the JS heap count toward the cap too', async () => {
    const { dir } = withCode(
      'await Promise.resolve();\nconst chunks: Buffer[] = [];\nfor (;;) chunks.push(Buffer.alloc(16 * 1024 * 1024, 1));',
    );
    const run = await cli(['--check', '--max-memory', '256'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('CONFIG.OUT_OF_MEMORY');
  });

  test('a config slower than the in-thread slice but within the limit still compiles', async () => {
    const { dir } = withCode('const until = Date.now() + 1500;\nwhile (Date.now() < until) {}');
    const run = await cli([], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Wrote generated');
  });

  test('--timeout sets the limit; a sync loop is stopped by it', async () => {
    const { dir } = withCode('while (true) {}');
    const run = await cli(['--check', '--timeout', '0.5'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('CONFIG.TIMEOUT');
    expect(run.stderr).toContain('within 0.5 s');
  });

  test("reading the config is timed with an allowance for the compiler's own work, which grows with the config", async () => {
    // A getter the compiler reads (once) that takes 0.45 s: over a 0.3 s limit for a small config; within it
    // plus the compiler's allowance for a config of 1 MB (2 s: wide, so a loaded machine that stalls the
    // process for a moment does not fail it). The padding is only length, as a large config's tables are:
    // without the allowance, a 10,000-table config spent the config's default 10 s limit on the compiler's
    // own validation and resolver.
    const slowName = (padding: number, prelude = '') => {
      const dir = copyProject('minimal');
      const config = join(dir, 'pipeline.config.ts');
      const text = readFileSync(config, 'utf8').replace(
        "  name: 'minimal',",
        "  get name(): string {\n    if (slow) {\n      slow = false;\n      const until = Date.now() + 450;\n      while (Date.now() < until) {}\n    }\n    return 'minimal';\n  },",
      );
      writeFileSync(config, `${prelude}let slow = true;\n${text}\n${`// ${'x'.repeat(98)}\n`.repeat(padding / 100)}`);
      return dir;
    };
    const large = await cli(['--timeout', '0.3'], { cwd: slowName(1_000_000) });
    expect(large.stderr).toBe('');
    expect(large.exitCode).toBe(0);
    const small = await cli(['--check', '--timeout', '0.3'], { cwd: slowName(0) });
    expect(small.exitCode).toBe(1);
    expect(small.stderr).toContain('CONFIG.TIMEOUT');
    // In the worker (top-level await needs Node's module loader), whose reading phase the main thread times.
    const inWorker = await cli(['--timeout', '0.3'], { cwd: slowName(1_000_000, 'await Promise.resolve();\n') });
    expect(inWorker.stderr).toBe('');
    expect(inWorker.exitCode).toBe(0);
  });

  test('an interval or a deferred process.exit left by the config neither keeps the process alive nor sets its status', async () => {
    const { dir } = withCode('setInterval(() => undefined, 1000);\nsetTimeout(() => process.exit(0), 0);');
    const run = await cli(['--check'], { cwd: dir, timeout: 30_000 });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stdout).toContain('out of date');
  });

  test('--watch clears the timers each evaluation of the config started: an interval does not run on, one more per change', async () => {
    const ticks = join(mkdtempSync(join(tmpdir(), 'cdc-ticks-')), 'ticks');
    const { dir } = withCode(
      `import { appendFileSync } from 'node:fs';\nsetInterval(() => appendFileSync(${JSON.stringify(ticks)}, 'x'), 10);`,
    );
    const child = execa('node', [BIN, '--watch'], { cwd: dir, reject: false, stdin: 'ignore', all: true });
    let output = '';
    child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const compiles = () => output.split('watching for changes').length - 1;
    const until = async (predicate: () => boolean, what: string) => {
      for (const deadline = Date.now() + 20_000; !predicate();) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const size = () => (existsSync(ticks) ? readFileSync(ticks, 'utf8').length : 0);
    try {
      await until(() => compiles() === 1, 'the first compile');
      const config = join(dir, 'pipeline.config.ts');
      writeFileSync(config, `${readFileSync(config, 'utf8')}\n// changed\n`);
      await until(() => compiles() === 2, 'the recompile');
      const after = size();
      await new Promise((r) => setTimeout(r, 500));
      expect(size(), 'the intervals of both evaluations were cleared when their compiles ended').toBe(after);
    } finally {
      child.kill();
      await child;
    }
  });

  test('bad --timeout and --max-memory values are usage errors', async () => {
    for (const args of [
      ['--timeout', 'soon'],
      ['--timeout', '0'],
      ['--max-memory', '-5'],
    ]) {
      const run = await cli(['--check', ...args], { cwd: copyProject('minimal') });
      expect(run.exitCode, args.join(' ')).toBe(2);
    }
  });

  test('model: false — a compile in the worker posts back the artefacts, not the Model, and the snapshot only when it changed', async () => {
    const { compile } = await import('../src/compile.js');
    const { dir, file } = withCode('// plain JavaScript', 'pipeline.config.mjs');
    const lean = await compile({ config: join(dir, file), model: false });
    const full = await compile({ config: join(dir, file) });
    expect(lean.diagnostics).toEqual([]);
    expect(lean.model).toBeUndefined();
    // generated/ holds this pipeline's snapshot already: nothing to decide on, so none is copied across.
    expect(lean.snapshotChanged).toBe(false);
    expect(lean.snapshot).toBeUndefined();
    expect(full.snapshot?.pipeline).toBe('minimal');
    // A new column: the caller decides on the change (cdc-approvals.yaml), so the snapshot comes back.
    const config = join(dir, file);
    const before = readFileSync(config, 'utf8');
    const after = before.replace(
      'signed_up_at: t.timestamptz(),',
      'signed_up_at: t.timestamptz(),\n    name: t.text(),',
    );
    expect(after).not.toBe(before);
    writeFileSync(config, after);
    const changed = await compile({ config, model: false });
    expect(changed.snapshotChanged).toBe(true);
    expect(changed.snapshot?.tables[0]?.analytics.columns.map((c) => c.name)).toContain('name');
    // Text comes back as its UTF-8 bytes (transferred, not copied): the same files, byte for byte.
    const bytes = (c: string | Uint8Array) => Buffer.from(c).toString('base64');
    expect(lean.artefacts.map((a) => a.path)).toEqual(full.artefacts.map((a) => a.path));
    expect(lean.artefacts.every((a) => a.contents instanceof Uint8Array)).toBe(true);
    expect(lean.artefacts.map((a) => bytes(a.contents))).toEqual(full.artefacts.map((a) => bytes(a.contents)));
    expect(full.model?.pipeline.name).toBe('minimal');
  });

  test('model: false in this thread — text comes as UTF-8 bytes too, encoded once, and the manifest records their hashes', async () => {
    const { compile, workerMessage } = await import('../src/compile.js');
    const { artefactSha256, sha256 } = await import('../src/write/manifest.js');
    const { dir, file } = withCode('// TypeScript, evaluated in this thread');
    const lean = await compile({ config: join(dir, file), model: false });
    const full = await compile({ config: join(dir, file) });
    expect(lean.diagnostics).toEqual([]);
    expect(lean.artefacts.every((a) => a.contents instanceof Uint8Array)).toBe(true);
    expect(full.artefacts.some((a) => typeof a.contents === 'string')).toBe(true);
    const bytes = (c: string | Uint8Array) => Buffer.from(c).toString('base64');
    expect(lean.artefacts.map((a) => bytes(a.contents))).toEqual(full.artefacts.map((a) => bytes(a.contents)));
    // Nothing was compiled into this folder before: no snapshot to decide on, so a writing caller gets none
    // (a worker would copy it across for nothing); a caller with the Model gets it.
    expect(lean.snapshotChanged).toBe(false);
    expect(lean.snapshot).toBeUndefined();
    expect(full.snapshot?.pipeline).toBe('minimal');
    const manifest = JSON.parse(
      Buffer.from(lean.artefacts.find((a) => a.path === 'manifest.json')!.contents).toString(),
    );
    for (const a of lean.artefacts.filter((x) => x.path !== 'manifest.json'))
      expect(manifest.files[a.path], a.path).toBe(`sha256:${sha256(a.contents)}`);
    // What the worker would post: each artefact's digest beside it, and the encoded text's buffers to transfer.
    const { message, transfer } = workerMessage(lean);
    expect(message.result.digests).toEqual(lean.artefacts.map((a) => sha256(a.contents)));
    expect(message.result.digests).toEqual(lean.artefacts.map(artefactSha256));
    const zip = lean.artefacts.filter((a) => a.path.endsWith('.zip')).length;
    expect(transfer).toHaveLength(lean.artefacts.length - zip);
  });

  test('an ES module config (.mjs) compiles through the worker', async () => {
    const { dir, file } = withCode('// plain JavaScript', 'pipeline.config.mjs');
    const run = await cli(['--config', file, '--out', 'out-mjs'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'out-mjs/debezium/shop-connector.json'), 'utf8')).toContain(
      '"database.dbname": "shop"',
    );
  });
});

test('locating diagnostics is linear in their number', async () => {
  const { locate } = await import('../src/locate/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'cdc-locate-'));
  const config = (n: number) => {
    const lines = ["import { definePipeline, postgresSource, secret, t } from 'cdc-compile';"];
    lines.push("const src = postgresSource('src', { host: 'h', database: 'd', password: secret('s', 'p') });");
    for (let i = 0; i < n; i++) {
      lines.push(`src.table('t${i}', { columns: { id: t.bigint().primaryKey() }, bogus${i}: 1 });`);
    }
    lines.push("export default definePipeline({ name: 'big', sources: [src] });");
    const file = join(dir, `c${n}.ts`);
    writeFileSync(file, lines.join('\n'));
    const diagnostics = Array.from({ length: n }, (_, i) =>
      error('CONFIG.UNKNOWN_KEY', 'unknown key', { kind: 'table', source: 'src', table: `t${i}`, path: [`bogus${i}`] }),
    );
    return { file, diagnostics };
  };
  const time = async (n: number) => {
    const { file, diagnostics } = config(n);
    const started = performance.now();
    const located = await locate(diagnostics, file);
    const ms = performance.now() - started;
    // Each one at its own table's unknown key.
    located.forEach((d, i) => expect(d.location?.line).toBe(i + 3));
    return ms;
  };
  await time(10);
  const small = await time(200);
  const large = await time(2000);
  // Linear: ~10×. Re-walking the tree per diagnostic (as before) made it ~100×.
  expect(large / small).toBeLessThan(30);
});

test('with the transpile cache off, the built compiler loads sucrase as one bundled file, not its modules', async () => {
  const dir = copyProject('minimal');
  // A preload that records every CommonJS module the process loaded (sucrase is CommonJS).
  const probe = join(dir, 'probe.cjs');
  const out = join(dir, 'modules.json');
  writeFileSync(
    probe,
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`,
  );
  const run = await cli(['--check'], {
    cwd: dir,
    env: { CDC_COMPILE_CACHE: '0', NODE_OPTIONS: `--require ${probe}` },
  });
  expect(run.exitCode, run.stderr).toBe(0);
  const modules = JSON.parse(readFileSync(out, 'utf8')) as string[];
  expect(modules).toContain(join(ROOT, 'dist', 'sucrase.cjs'));
  expect(modules.filter((m) => /[\\/]node_modules[\\/]sucrase[\\/]dist[\\/]/.test(m))).toEqual([]);
});

test("an unchanged config runs from V8's code cache beside its transpile cache, with the same locations; a damaged cache is rewritten", async () => {
  const dir = copyProject('minimal');
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      'const shop =',
      'const boom = (): never => {\n  throw new Error("boom");\n};\nif (process.env.BOOM) boom();\nconst shop =',
    ),
  );
  const cache = join(dir, 'node_modules', '.cache', 'cdc-compile');
  const codeCache = () => readdirSync(cache).filter((f) => f.endsWith('.v8'));
  const first = await cli([], { cwd: dir });
  expect(first.exitCode, first.stderr).toBe(0);
  expect(codeCache()).toHaveLength(1);
  const file = join(cache, codeCache()[0]!);
  const written = readFileSync(file);
  expect(written.length).toBeGreaterThan(0);

  // From the cache: the same result, and an error thrown by the config at its own line and column.
  const again = await cli([], { cwd: dir });
  expect(again.exitCode, again.stderr).toBe(0);
  const boom = await cli([], { cwd: dir, env: { BOOM: '1' } });
  expect(boom.exitCode).toBe(1);
  expect(boom.stderr).toContain('pipeline.config.ts:5:9 error CONFIG.THREW: evaluating the config threw: boom');
  expect(readFileSync(file).equals(written)).toBe(true);

  // V8 rejects a damaged cache; the compile still works and writes a good one.
  writeFileSync(file, 'not a code cache');
  const damaged = await cli([], { cwd: dir });
  expect(damaged.exitCode, damaged.stderr).toBe(0);
  expect(readFileSync(file).length).toBeGreaterThan(100);
});

// The compiler chunk's code cache (load/chunk-loader.ts) is kept on every Node; Node 20 (this project's floor)
// has no module.enableCompileCache, from 22.1 bin/cdc-compile.js turns it on for the other modules too.
const hasCompileCache = typeof (NodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
test(`V8's code caches of the CLI's own modules (node_modules/.cache/cdc-compile/v8): the compiler chunk's${
  hasCompileCache ? " and Node's compile cache" : ' (no module.enableCompileCache on this Node)'
}; none with CDC_COMPILE_CACHE=0`, async () => {
  const dir = copyProject('minimal');
  const cache = join(ROOT, 'node_modules', '.cache', 'cdc-compile', 'v8');
  rmSync(cache, { recursive: true, force: true });
  const run = await cli(['--check'], { cwd: dir });
  expect(run.exitCode, run.stderr).toBe(0);
  const files = readdirSync(cache);
  expect(files.filter((f) => /^compiler-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+\.v8$/.test(f))).toHaveLength(1);
  if (hasCompileCache) expect(files.filter((f) => !f.startsWith('compiler-')).length).toBeGreaterThan(0);
  rmSync(cache, { recursive: true, force: true });
  const off = await cli(['--check'], { cwd: dir, env: { CDC_COMPILE_CACHE: '0' } });
  expect(off.exitCode, off.stderr).toBe(0);
  expect(existsSync(cache)).toBe(false);
});

describe("the compiler chunk runs from V8's code cache (load/chunk-loader.ts), in an installed package", () => {
  /**
   * A project with cdc-compile installed as a copy (node_modules/cdc-compile: its own dist/, so its own
   * cache in the project's node_modules/.cache/cdc-compile/v8, untouched by other tests) and the other
   * packages linked.
   */
  const install = () => {
    const app = copyProject('minimal');
    const modules = join(app, 'node_modules');
    rmSync(join(modules, 'cdc-compile'));
    const pkg = join(modules, 'cdc-compile');
    mkdirSync(pkg);
    for (const name of ['bin', 'dist']) cpSync(join(ROOT, name), join(pkg, name), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(ROOT, 'templates'), join(pkg, 'templates'), 'dir');
    for (const name of readdirSync(join(ROOT, 'node_modules')))
      if (!name.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
    const probe = join(app, 'probe.mjs');
    const stand = readdirSync(join(pkg, 'dist')).find((f) => /^compiler-.*\.js$/.test(f))!;
    writeFileSync(
      probe,
      `const { codeCache } = await import(${JSON.stringify(pathToFileURL(join(pkg, 'dist', stand)).href)});\nconsole.log(codeCache.state());\n`,
    );
    const state = async (env: Record<string, string> = {}) =>
      String((await execa('node', [probe], { cwd: app, env })).stdout).trim();
    const compile = (args: string[] = [], env: Record<string, string> = {}) =>
      execa('node', [join(pkg, 'bin', 'cdc-compile.js'), ...args], { cwd: app, env, reject: false, stdin: 'ignore' });
    return { app, cache: join(modules, '.cache', 'cdc-compile', 'v8'), state, compile };
  };
  const chunkCaches = (cache: string) =>
    existsSync(cache) ? readdirSync(cache).filter((f) => f.startsWith('compiler-')) : [];

  test('written when the first compile exits (TurboFan back on first), accepted by the next processes, not rewritten', async () => {
    const { cache, state, compile } = install();
    const first = await compile();
    expect(first.exitCode, String(first.stderr)).toBe(0);
    expect(chunkCaches(cache)).toHaveLength(1);
    const file = join(cache, chunkCaches(cache)[0]!);
    const written = statSync(file);
    expect(written.size).toBeGreaterThan(100_000);
    // The compile ran without TurboFan (a small config); the cache it wrote is accepted under the default flags.
    expect(await state()).toBe('accepted');
    const again = await compile(['--check']);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(String(again.stderr)).toBe('');
    expect(statSync(file).ino).toBe(written.ino);
    expect(chunkCaches(cache)).toHaveLength(1);
  });

  test('one written by a run that emitted nothing (--help, a config with errors) is partial: the first compile replaces it', async () => {
    const { app, cache, state, compile } = install();
    const help = await compile(['--help']);
    expect(help.exitCode, String(help.stderr)).toBe(0);
    expect(chunkCaches(cache)).toEqual([expect.stringMatching(/\.partial\.v8$/)]);
    const partial = statSync(join(cache, chunkCaches(cache)[0]!));
    expect(await state()).toBe('partial');
    // A config with an error emits nothing either: the partial cache stays as it is.
    const config = join(app, 'pipeline.config.ts');
    const good = readFileSync(config, 'utf8');
    misspellViewColumn(app);
    const failed = await compile();
    expect(failed.exitCode, String(failed.stderr)).toBe(1);
    expect(chunkCaches(cache)).toEqual([expect.stringMatching(/\.partial\.v8$/)]);
    expect(statSync(join(cache, chunkCaches(cache)[0]!)).ino).toBe(partial.ino);
    writeFileSync(config, good);
    const first = await compile();
    expect(first.exitCode, String(first.stderr)).toBe(0);
    expect(chunkCaches(cache)).toEqual([expect.not.stringMatching(/partial/)]);
    const whole = statSync(join(cache, chunkCaches(cache)[0]!));
    // The compile's functions are in it: the whole cache is several times the --help run's.
    expect(whole.size).toBeGreaterThan(2 * partial.size);
    expect(await state()).toBe('accepted');
    // Neither another --help nor a compile rewrites it.
    expect((await compile(['--help'])).exitCode).toBe(0);
    expect((await compile(['--check'])).exitCode).toBe(0);
    expect(chunkCaches(cache)).toHaveLength(1);
    expect(statSync(join(cache, chunkCaches(cache)[0]!)).ino).toBe(whole.ino);
  });

  test('a damaged cache is rejected: the compile works the same and rewrites it; CDC_COMPILE_CACHE=0 uses none', async () => {
    const { app, cache, state, compile } = install();
    expect(await state({ CDC_COMPILE_CACHE: '0' })).toBe('off');
    expect(existsSync(cache)).toBe(false);
    expect((await compile()).exitCode).toBe(0);
    const file = join(cache, chunkCaches(cache)[0]!);
    writeFileSync(file, 'not a code cache');
    const damaged = await compile(['--check']);
    expect(damaged.exitCode, String(damaged.stderr)).toBe(0);
    expect(String(damaged.stdout)).toContain('is up to date');
    expect(String(damaged.stderr)).toBe('');
    expect(statSync(file).size).toBeGreaterThan(100_000);
    expect(await state()).toBe('accepted');
    expect(readdirSync(cache).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(app, 'generated', 'manifest.json'))).toBe(true);
  });
});

test("require('cdc-compile') and import('cdc-compile') are one instance of the compiler chunk, in either order", async () => {
  const dir = copyProject('minimal');
  const names = ['definePipeline', 'postgresSource', 'compile', 'sql', 't'];
  for (const first of ['require', 'import']) {
    const probe = join(dir, `${first}-first.cjs`);
    writeFileSync(
      probe,
      [
        "const load = { require: async () => require('cdc-compile'), import: () => import('cdc-compile') };",
        `const order = ${JSON.stringify(first === 'require' ? ['require', 'import'] : ['import', 'require'])};`,
        '(async () => {',
        '  const [a, b] = [await load[order[0]](), await load[order[1]]()];',
        `  const names = ${JSON.stringify(names)};`,
        '  console.log(JSON.stringify(names.map((n) => a[n] !== undefined && a[n] === b[n])));',
        '})();',
        '',
      ].join('\n'),
    );
    const run = await execa('node', [probe], { cwd: dir, reject: false });
    expect(run.exitCode, String(run.stderr)).toBe(0);
    expect(JSON.parse(String(run.stdout)), first).toEqual(names.map(() => true));
  }
});
