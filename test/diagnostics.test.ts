/**
 * Every user mistake is a diagnostic with a dotted code, a message, and the `file:line:col` of the node
 * to fix. Each case in test/fixtures/invalid/<case>/ is a config with one kind of mistake (or, for
 * `multiple-*`, several) and an expected.json listing the diagnostics in order:
 *
 *   { "diagnostics": [{ "code": "REF.UNKNOWN_COLUMN", "line": 23, "column": 16, "message": "contry" }] }
 *
 * `severity` defaults to "error"; `message` is a substring the message must contain; `line`/`column` are
 * null where there is no file to point into. The fixtures import 'cdc-compile', which resolves to this
 * package (dist/) by self-reference: `npm test` builds first.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compile } from '../src/compile.js';
import { ROOT } from './support/compile.js';
import { cli } from './support/project.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'invalid');

interface Expected {
  /** The file the diagnostic points into, relative to the fixture (default: the config). */
  readonly file?: string;
  readonly code: string;
  readonly severity?: 'error' | 'warning';
  readonly line: number | null;
  readonly column: number | null;
  readonly message?: string;
}

const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => {
    const dir = join(FIXTURES, d.name);
    // `config`: another file name than pipeline.config.ts; `options`: compile options (e.g. a short timeout).
    const spec = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
      diagnostics: Expected[];
      config?: string;
      options?: { timeoutMs?: number; maxMemoryMb?: number };
    };
    return {
      name: d.name,
      dir,
      config: join(dir, spec.config ?? 'pipeline.config.ts'),
      options: spec.options ?? {},
      expected: spec.diagnostics,
    };
  })
  .sort((a, b) => (a.name < b.name ? -1 : 1));

/** Codes no config can trigger today; listed so the coverage check below stays exact. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  // validate() adds every view a listed view, chart or column reference reads, so resolve always knows it.
  'REF.UNKNOWN_VIEW': 'views reachable from the pipeline are collected by validate()',
};

describe('diagnostics of invalid configs', () => {
  test.each(cases)('$name', async ({ name, dir, config, options, expected }) => {
    const result = await compile({ config, ...options });
    const got = result.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      line: d.location?.line ?? null,
      column: d.location?.column ?? null,
    }));
    const want = expected.map((e) => ({
      code: e.code,
      severity: e.severity ?? 'error',
      line: e.line,
      column: e.column,
    }));
    const shown = result.diagnostics
      .map((d) => `${d.location?.line}:${d.location?.column} ${d.code} ${d.message}`)
      .join('\n');
    expect(got, `${name}:\n${shown}`).toEqual(want);

    result.diagnostics.forEach((d, i) => {
      expect(d.message.length, d.code).toBeGreaterThan(10);
      if (expected[i]?.message) expect(d.message).toContain(expected[i]!.message);
      if (d.location) expect(d.location.file).toBe(expected[i]?.file ? join(dir, expected[i]!.file!) : config);
      else expect(d.code).toBe('CLI.CONFIG_NOT_FOUND');
    });
    // Reported all at once, in source order.
    const positions = got.map((d) => (d.line ?? 0) * 10_000 + (d.column ?? 0));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));

    if (want.some((d) => d.severity === 'error')) expect(result.artefacts).toEqual([]);
    // Warnings alone never block the build.
    else expect(result.artefacts.length).toBeGreaterThan(0);
  });

  test('every diagnostic code the compiler can emit has a fixture', () => {
    const emitted = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(
            /'((?:CONFIG|CLI|REF|TABLE|TYPE|VIEW|SOURCE|CONNECTOR|FLINK|KAFKA|CHART|DASHBOARD|SQL)\.[A-Z_]+)'/g,
          )) {
            emitted.add(m[1]!);
          }
        }
      }
    };
    walk(join(ROOT, 'src'));
    const covered = new Set(cases.flatMap((c) => c.expected.map((e) => e.code)));
    const missing = [...emitted].filter((code) => !covered.has(code) && !(code in UNREACHABLE)).sort();
    expect(missing).toEqual([]);
    // And no fixture expects a code the source no longer has.
    expect([...covered].filter((code) => !emitted.has(code))).toEqual([]);
  });
});

describe('diagnostics through the built CLI', () => {
  const run = async (name: string, extra: string[] = []) => {
    const config = join(FIXTURES, name, 'pipeline.config.ts');
    const generated = join(FIXTURES, name, 'generated');
    rmSync(generated, { recursive: true, force: true });
    const result = await cli(['--config', config, ...extra], { cwd: ROOT });
    return { ...result, generated };
  };
  const expectedOf = (name: string) => cases.find((c) => c.name === name)!.expected;

  test.each(['ref-unknown-column-view', 'config-unknown-key-nested', 'config-threw'])(
    '%s: exit 1, file:line:col and code, no stack, nothing written',
    async (name) => {
      const r = await run(name);
      expect(r.exitCode, r.stderr).toBe(1);
      for (const e of expectedOf(name)) {
        expect(r.stderr).toContain(`pipeline.config.ts:${e.line}:${e.column}`);
        expect(r.stderr).toContain(e.code);
      }
      expect(r.stderr).not.toMatch(/^ {4}at /m);
      expect(existsSync(r.generated)).toBe(false);
    },
  );

  test('--format json reports the diagnostics as JSON', async () => {
    const r = await run('multiple-mistakes', ['--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      diagnostics: { code: string; file: string; line: number; column: number; message: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.diagnostics.map((d) => ({ code: d.code, line: d.line, column: d.column }))).toEqual(
      expectedOf('multiple-mistakes').map((e) => ({ code: e.code, line: e.line, column: e.column })),
    );
    for (const d of report.diagnostics) expect(d.file).toMatch(/multiple-mistakes[\\/]pipeline\.config\.ts$/);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    expect(existsSync(r.generated)).toBe(false);
  });
});
