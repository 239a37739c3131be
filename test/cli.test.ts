/** The built bin, run in a temp copy of an example as a user would. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { BIN, cli, copyProject, misspellViewColumn, tree } from './support/project.js';
import { ROOT } from './support/compile.js';
import { GITIGNORE_LINES, pipelineName, SCRIPTS } from '../src/cli/init.js';

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('cdc-compile CLI', () => {
  test('a fresh copy is up to date; compiling again changes nothing', async () => {
    const dir = copyProject('minimal');
    const before = tree(join(dir, 'generated'));
    const check = await cli(['--check'], { cwd: dir });
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toContain('is up to date');
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(tree(join(dir, 'generated'))).toEqual(before);
  });

  test('compiling from scratch writes the committed tree', async () => {
    const dir = copyProject('types');
    const expected = tree(join(dir, 'generated'));
    rmSync(join(dir, 'generated'), { recursive: true });
    const run = await cli(['--config', 'pipeline.config.ts'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('added');
    expect(tree(join(dir, 'generated'))).toEqual(expected);
  });

  test('--check after editing the config exits 1, names the files, and writes nothing', async () => {
    const dir = copyProject('minimal');
    const config = join(dir, 'pipeline.config.ts');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        'country: t.char(2),\n    signed_up_at',
        'country: t.char(2),\n    plan: t.text(),\n    signed_up_at',
      ),
    );
    const before = tree(join(dir, 'generated'));
    const check = await cli(['--check'], { cwd: dir });
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(/changed\s+analytics\/schema\.sql/);
    expect(check.stdout).toMatch(/changed\s+flink\/pipeline\.sql/);
    expect(tree(join(dir, 'generated'))).toEqual(before);
    const run = await cli([], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'generated/analytics/schema.sql'), 'utf8')).toMatch(/\n {2}plan +text,\n/);
    expect((await cli(['--check'], { cwd: dir })).exitCode).toBe(0);
  });

  test('removes stale generated files listed in the manifest, and nothing else', async () => {
    const dir = copyProject('types');
    writeFileSync(join(dir, 'generated', 'NOTES.md'), 'my own file\n');
    const config = join(dir, 'pipeline.config.ts');
    // Drop the legacy source: its connector and setup files become stale.
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace('sources: [app, legacy]', 'sources: [app]')
        .replace(/views: \[[^\]]*\]/, 'views: [typeSample]'),
    );
    // Removing a source is destructive: compile writes only with a decision (see test/plan.test.ts).
    writeFileSync(join(dir, 'cdc-approvals.yaml'), 'approvals:\n  remove-source/legacy: drop\n');
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/removed\s+debezium\/legacy-cdc\.json/);
    expect(existsSync(join(dir, 'generated/debezium/legacy-cdc.json'))).toBe(false);
    expect(existsSync(join(dir, 'generated/debezium/legacy-setup.sql'))).toBe(false);
    expect(readFileSync(join(dir, 'generated', 'NOTES.md'), 'utf8')).toBe('my own file\n');
  });

  test('a config error exits 1 with a located diagnostic and leaves generated/ byte-identical', async () => {
    const dir = copyProject('minimal');
    misspellViewColumn(dir);
    const before = tree(join(dir, 'generated'));
    const run = await cli([], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/pipeline\.config\.ts:\d+:\d+ error REF\.UNKNOWN_COLUMN/);
    noStackTrace(run.stderr);
    expect(tree(join(dir, 'generated'))).toEqual(before);
    const json = await cli(['--format', 'json'], { cwd: dir });
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; diagnostics: { code: string; line: number }[] };
    expect(report.ok).toBe(false);
    expect(report.diagnostics[0]).toMatchObject({ code: 'REF.UNKNOWN_COLUMN' });
  });

  test("never overwrites what is not its own: another tool's manifest, a user's file, a file in a folder's place", async () => {
    const dir = copyProject('minimal');
    const foreign = join(dir, 'other');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'manifest.json'), '{"files":{"important.txt":"sha256:0"}}\n');
    writeFileSync(join(foreign, 'important.txt'), 'keep me\n');
    const run = await cli(['--out', 'other'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('manifest.json was not written by cdc-compile');
    expect(tree(foreign)).toEqual(
      new Map([
        ['manifest.json', '{"files":{"important.txt":"sha256:0"}}\n'],
        ['important.txt', 'keep me\n'],
      ]),
    );

    const blocked = join(dir, 'blocked');
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'debezium'), 'a file where a folder goes\n');
    writeFileSync(join(blocked, 'flink'), '');
    const second = await cli(['--out', 'blocked'], { cwd: dir });
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain('debezium is a file');
    noStackTrace(second.stderr);
    expect([...tree(blocked).keys()].sort()).toEqual(['debezium', 'flink']);

    const mine = join(dir, 'generated', 'analytics', 'views.sql');
    rmSync(join(dir, 'generated', 'manifest.json'));
    writeFileSync(mine, '-- my own edits\n');
    const third = await cli([], { cwd: dir });
    expect(third.exitCode).toBe(2);
    expect(third.stderr).toContain('analytics/views.sql exists and was not generated by cdc-compile');
    expect(readFileSync(mine, 'utf8')).toBe('-- my own edits\n');
  });

  test('bad usage exits 2 with the usage text', async () => {
    const dir = copyProject('minimal');
    for (const args of [
      ['--bogus'],
      ['--format', 'xml'],
      ['--config', 'nope.config.ts'],
      ['--check', '--watch'],
      ['stray'],
    ]) {
      const run = await cli(args, { cwd: dir });
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('Usage: cdc-compile');
      noStackTrace(run.stderr);
    }
    writeFileSync(join(dir, 'afile'), '');
    expect((await cli(['--out', 'afile'], { cwd: dir })).exitCode).toBe(2);
  });

  test('--watch recompiles when the config changes, and not when generated/ does', async () => {
    const dir = copyProject('minimal');
    const child = execa('node', [BIN, '--watch'], { cwd: dir, reject: false, stdin: 'ignore', all: true });
    let output = '';
    child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const until = async (predicate: () => boolean, what: string) => {
      for (const deadline = Date.now() + 20_000; !predicate();) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await until(() => output.includes('watching for changes'), 'the first compile');
      const config = join(dir, 'pipeline.config.ts');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('country: t.char(2),', 'country: t.char(2),\n    plan: t.text(),'),
      );
      // The recompile is over when the watcher says it is watching again after the child's report.
      await until(() => /changed\s+analytics\/schema\.sql[\s\S]*watching for changes/.test(output), 'the recompile');
      const compiles = () => output.split('watching for changes').length;
      const settled = compiles();
      await new Promise((r) => setTimeout(r, 1500));
      expect(compiles(), 'writing generated/ must not trigger another compile').toBe(settled);
    } finally {
      child.kill();
      await child;
    }
  });

  test('--watch recompiles in its own process and reads an edited import of the config again', async () => {
    const dir = copyProject('minimal');
    const config = join(dir, 'pipeline.config.ts');
    writeFileSync(join(dir, 'names.ts'), "export const database: string = 'shop_one';\n");
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace('import { definePipeline', "import { database } from './names';\nimport { definePipeline")
        .replace("database: 'shop',", 'database,'),
    );
    const child = execa('node', [BIN, '--watch'], { cwd: dir, reject: false, stdin: 'ignore', all: true });
    let output = '';
    child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const connector = () => readFileSync(join(dir, 'generated/debezium/shop-connector.json'), 'utf8');
    const until = async (predicate: () => boolean, what: string) => {
      for (const deadline = Date.now() + 20_000; !predicate();) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until(() => output.includes('watching for changes'), 'the first compile');
      expect(connector()).toContain('"database.dbname": "shop_one"');
      for (const name of ['shop_two', 'shop_three']) {
        writeFileSync(join(dir, 'names.ts'), `export const database: string = '${name}';\n`);
        await until(() => connector().includes(`"database.dbname": "${name}"`), `the recompile with ${name}`);
      }
      // One process: the watcher compiles itself (no child process per change).
      const { spawnSync } = await import('node:child_process');
      const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
      expect(children).toBe('');
    } finally {
      child.kill();
      await child;
    }
  });

  test('--help and --version', async () => {
    const help = await cli(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--check');
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version,
    );
  });

  test('a template in the project overrides the built-in one', async () => {
    const dir = copyProject('minimal');
    mkdirSync(join(dir, 'templates', 'analytics'), { recursive: true });
    writeFileSync(
      join(dir, 'templates', 'analytics', 'views.sql.hbs'),
      '{{header}}\n-- house style\n{{#each views}}\nCREATE OR REPLACE VIEW {{name}} AS\n{{sql}};\nGRANT SELECT ON {{name}} TO reporting;\n{{/each}}\n',
    );
    const run = await cli([], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    const views = readFileSync(join(dir, 'generated/analytics/views.sql'), 'utf8');
    expect(views).toContain('-- house style');
    expect(views).toContain('GRANT SELECT ON customers_by_country TO reporting;');
    // Other artefacts still come from the built-in templates.
    expect(readFileSync(join(dir, 'generated/analytics/schema.sql'), 'utf8')).toContain(
      'CREATE TABLE IF NOT EXISTS dim_customers',
    );
  });

  test('a broken template override is a located error; a misnamed one is a warning', async () => {
    const dir = copyProject('minimal');
    mkdirSync(join(dir, 'templates', 'analytics'), { recursive: true });
    writeFileSync(
      join(dir, 'templates', 'analytics', 'views.sql.hbs'),
      '{{header}}\n{{#each views}}\n{{nme}}\n{{/each}}\n',
    );
    const before = tree(join(dir, 'generated'));
    const broken = await cli([], { cwd: dir });
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(
      /templates\/analytics\/views\.sql\.hbs:3:3 error TEMPLATE\.INVALID: .*"nme" not defined/,
    );
    noStackTrace(broken.stderr);
    expect(tree(join(dir, 'generated'))).toEqual(before);

    rmSync(join(dir, 'templates', 'analytics', 'views.sql.hbs'));
    writeFileSync(join(dir, 'templates', 'analytics', 'view.sql.hbs'), '{{header}}\n');
    const misnamed = await cli(['--check'], { cwd: dir });
    expect(misnamed.exitCode).toBe(0);
    expect(misnamed.stderr).toContain(
      'warning TEMPLATE.UNKNOWN: analytics/view.sql.hbs overrides no built-in template',
    );
  });

  test('output is byte-identical whatever the time zone, locale and working directory', async () => {
    const dir = copyProject('types');
    const a = join(dir, 'out-a');
    const b = join(dir, 'out-b');
    await cli(['--out', a], { cwd: dir, env: { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' } });
    await cli(['--config', join(dir, 'pipeline.config.ts'), '--out', b], {
      cwd: '/',
      env: { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
    });
    const first = tree(a);
    expect(first.size).toBeGreaterThan(5);
    expect(tree(b)).toEqual(first);
  });
});

describe('cdc-compile subcommands', () => {
  test('`compile` is the default command: same output, same options', async () => {
    const dir = copyProject('minimal');
    const bare = await cli(['--check'], { cwd: dir });
    const named = await cli(['compile', '--check'], { cwd: dir });
    expect(named.exitCode, named.stderr).toBe(0);
    expect(named.stdout).toBe(bare.stdout);
    const help = await cli(['compile', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cdc-compile \[compile\] \[options\]/);
    expect(help.stdout).toContain('--check');
    expect((await cli(['help', 'compile'])).stdout).toBe(help.stdout);
  });

  test('--help lists the commands; each command has its own --help', async () => {
    const top = await cli(['--help']);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/^Usage: cdc-compile \[command\] \[options\]/);
    expect(top.stdout).toMatch(/^ {2}compile {2}/m);
    expect(top.stdout).toMatch(/^ {2}init {5}/m);
    expect(top.stdout).toMatch(/^ {2}verify {3}/m);
    expect(top.stdout).toMatch(/^ {2}plan {5}/m);
    expect(top.stdout).not.toContain('Not yet available');
    expect((await cli(['help'])).stdout).toBe(top.stdout);
    const init = await cli(['init', '--help']);
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toMatch(/^Usage: cdc-compile init\n/);
    expect(init.stdout).not.toContain('--watch');
    const verify = await cli(['verify', '--help']);
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toMatch(/^Usage: cdc-compile verify \[options\]\n[\s\S]*--database-url/);
  });

  test('an unknown command exits 2 with a suggestion; planned commands say they are not available', async () => {
    const dir = copyProject('minimal');
    const before = tree(dir);
    const cases: [string[], RegExp][] = [
      [['comple'], /unknown command 'comple'; did you mean 'compile'\?/],
      [['int'], /unknown command 'int'; did you mean 'init'\?/],
      [
        ['pipeline.config.ts'],
        /unknown command 'pipeline\.config\.ts'; to compile another config: cdc-compile --config pipeline\.config\.ts/,
      ],
      [['help', 'bogus'], /unknown command 'bogus'/],
      [['verify', '--format', 'xml'], /--format must be 'pretty' or 'json'[\s\S]*Usage: cdc-compile verify/],
      [['verify', '--database-url', 'mysql://x'], /--database-url must be a postgres:\/\/ URL/],
      [['plan', '--check'], /Unknown option '--check'[\s\S]*Usage: cdc-compile plan/],
      [['init', '--force'], /Unknown option '--force'[\s\S]*Usage: cdc-compile init/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args, { cwd: dir });
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr).toContain('Usage: cdc-compile');
      expect(run.stdout).toBe('');
      noStackTrace(run.stderr);
    }
    expect(tree(dir)).toEqual(before);
  });

  test('without a config, compile points to init', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-empty-'));
    const run = await cli([], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('to start a project here: cdc-compile init');
  });
});

describe('cdc-compile init', () => {
  const project = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-init-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };

  test('in an empty folder: a config that compiles without warnings, a private package.json, a .gitignore', async () => {
    const dir = project({});
    const init = await cli(['init'], { cwd: join(dir) });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain('npm install --save-dev cdc-compile'); // not a dependency yet
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toEqual({ name: pipelineName(basename(dir)), private: true, scripts: SCRIPTS });
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(`${GITIGNORE_LINES.join('\n')}\n`);
    const compiled = await cli([], { cwd: dir });
    expect(compiled.exitCode, compiled.stderr).toBe(0);
    expect(compiled.stderr).toBe('');
    expect(existsSync(join(dir, 'generated', 'flink', 'pipeline.sql'))).toBe(true);
    expect((await cli(['--check'], { cwd: dir })).exitCode).toBe(0);
  });

  test('never replaces what is there: existing scripts and .gitignore lines are kept, style is kept', async () => {
    const pkgText = `{\n    "name": "@acme/Shop Data",\n    "scripts": {\n        "cdc:check": "my-own-check"\n    },\n    "devDependencies": {\n        "cdc-compile": "file:../cdc-compile.tgz"\n    }\n}\n`;
    const dir = project({ 'package.json': pkgText, '.gitignore': 'dist\nnode_modules/' });
    const init = await cli(['init'], { cwd: dir });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain(`kept     package.json script 'cdc:check' (yours: "my-own-check")`);
    expect(init.stdout).not.toContain('npm install');
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(
      pkgText.replace('"my-own-check"\n', '"my-own-check",\n        "cdc:compile": "cdc-compile"\n'),
    );
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('dist\nnode_modules/\n.cdc-compile-staging-*/\n');
    expect(readFileSync(join(dir, 'pipeline.config.ts'), 'utf8')).toContain("name: 'shop-data',");
  });

  test('refuses when pipeline.config.ts exists, or package.json cannot be read, and then writes nothing', async () => {
    const cases: Record<string, string>[] = [
      { 'pipeline.config.ts': '// mine\n' },
      { 'package.json': '{ "name": "x", }' },
      { 'package.json': '[]' },
    ];
    for (const files of cases) {
      const dir = project(files);
      const before = tree(dir);
      const init = await cli(['init'], { cwd: dir });
      expect(init.exitCode, JSON.stringify(files)).toBe(1);
      expect(init.stderr).toMatch(/^cdc-compile init: .*nothing was written/);
      noStackTrace(init.stderr);
      expect(tree(dir)).toEqual(before);
    }
  });
});
