/**
 * The stage boundaries of ARCHITECTURE.md are lint rules (biome.jsonc): the tree passes them, and a
 * project with an import that breaks each rule fails it, at that import.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from './support/compile.js';

const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');
const lint = (cwd: string) => {
  const r = spawnSync(BIOME, ['lint', '--max-diagnostics=none', '--colors=off'], { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

/** file → [import specifier, whether the rules allow it]. */
const CASES: Record<string, readonly [string, boolean]> = {
  'src/targets/a/emit.ts': ['node:fs', false],
  'src/targets/b/emit.ts': ['../../load/index.js', false],
  'src/targets/c/emit.ts': ['../../render/templates.js', false],
  'src/targets/d/emit.ts': ['../../write/index.js', false],
  'src/targets/ok/emit.ts': ['../../render/text.js', true],
  'src/targets/ok/model.ts': ['../../resolve/model.js', true],
  'src/resolve/render.ts': ['../render/text.js', false],
  'src/resolve/targets.ts': ['../targets/artefact.js', false],
  'src/resolve/fs.ts': ['node:fs', false],
  'src/resolve/ok-validate.ts': ['../validate/index.js', true],
  'src/resolve/ok-sql.ts': ['../sql/dialect.js', true],
  'src/resolve/ok-dsl.ts': ['../dsl/columns.js', true],
  'src/validate/resolve.ts': ['../resolve/names.js', false],
  'src/validate/ok.ts': ['../sql/dialect.js', true],
  'src/render/templates.ts': ['../targets/artefact.js', false],
  'src/render/text.ts': ['../resolve/names.js', false],
  'src/render/fs.ts': ['node:fs', false],
  'src/render/ok.ts': ['../sql/dialect.js', true],
  'src/dsl/sql.ts': ['../sql/dialect.js', false],
  'src/dsl/ok.ts': ['../diagnostics.js', true],
  'src/sql/dialect.ts': ['../diagnostics.js', false],
  'src/write/resolve.ts': ['../resolve/model.js', false],
  'src/plan/fs.ts': ['node:fs', false],
  'src/plan/write.ts': ['../write/manifest.js', false],
  'src/plan/ok.ts': ['../targets/artefact.js', true],
  'src/write/ok.ts': ['../targets/artefact.js', true],
  'src/load/ok.ts': ['node:fs', true],
  'src/load/validate.ts': ['../validate/index.js', false],
  'src/load/ok-root.ts': ['../package-root.js', true],
  'src/package-root.ts': ['./diagnostics.js', false],
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('lint: stage boundaries', () => {
  test('the tree passes', () => {
    const { status, output } = lint(ROOT);
    expect(output).not.toMatch(/lint\//);
    expect(status).toBe(0);
  });

  test('each forbidden import fails at its line, each allowed one passes, and cycles fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-lint-'));
    dirs.push(dir);
    copyFileSync(join(ROOT, 'biome.jsonc'), join(dir, 'biome.jsonc'));
    const write = (file: string, text: string) => {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    };
    for (const [file, [specifier]] of Object.entries(CASES)) {
      write(file, `import * as m from '${specifier}';\nexport const a = m;\n`);
    }
    write('src/resolve/cycle-a.ts', "import { b } from './cycle-b.js';\nexport const a = () => b;\n");
    write('src/resolve/cycle-b.ts', "import { a } from './cycle-a.js';\nexport const b = () => a;\n");
    const { status, output } = lint(dir);
    expect(status).not.toBe(0);
    const flagged = new Set(
      [...output.matchAll(/^(src\/\S+):1:\d+ lint\/style\/noRestrictedImports/gm)].map((m) => m[1]),
    );
    for (const [file, [specifier, allowed]] of Object.entries(CASES)) {
      expect(flagged.has(file), `${file} importing ${specifier}`).toBe(!allowed);
    }
    expect(output).toMatch(/^src\/resolve\/cycle-a\.ts:1:\d+ lint\/suspicious\/noImportCycles/m);
    expect(output).toMatch(/^src\/resolve\/cycle-b\.ts:1:\d+ lint\/suspicious\/noImportCycles/m);
  });
});
