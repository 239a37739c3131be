/** --watch reuses the last emit only when the emitters' inputs are provably the same (src/emit-reuse.ts). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compile, type CompileResult } from '../src/compile.js';
import { EmitMemo, sameGraph } from '../src/emit-reuse.js';
import { writeOutput } from '../src/write/index.js';
import { computedSha256, sha256 } from '../src/write/manifest.js';
import { copyProject } from './support/project.js';

const bytes = (r: CompileResult) =>
  new Map(r.artefacts.map((a) => [a.path, Buffer.from(a.contents as string | Uint8Array).toString('base64')]));

describe('sameGraph', () => {
  const clone = <T>(v: T): T => structuredClone(v);
  test('a structured clone of plain data is the same', () => {
    const shared = { a: [1, 'x', null, undefined, true] };
    const v = { p: shared, q: shared, bytes: new Uint8Array([1, 2, 3]), n: Number.NaN };
    expect(sameGraph(clone(v), v)).toBe(true);
  });
  test('any difference the emitters could see is a change', () => {
    const base = { a: 1, b: { c: [1, 2] } };
    expect(sameGraph(clone(base), { a: 1, b: { c: [1, 3] } })).toBe(false);
    expect(sameGraph(clone(base), { b: { c: [1, 2] }, a: 1 })).toBe(false); // key order
    expect(sameGraph(clone(base), { a: 1, b: { c: [1, 2] }, d: undefined })).toBe(false);
    expect(sameGraph(clone({ z: 0 }), { z: -0 })).toBe(false);
    expect(sameGraph(clone({ s: '1' }), { s: 1 })).toBe(false);
    const holey: unknown[] = [1];
    holey.length = 2;
    expect(sameGraph(clone([1, undefined]), holey)).toBe(false); // a hole is not an undefined
    expect(sameGraph(clone({ b: new Uint8Array([1, 2]) }), { b: new Uint8Array([1, 3]) })).toBe(false);
    expect(sameGraph(clone({ b: new Uint8Array([1, 2]) }), { b: [1, 2] })).toBe(false);
  });
  test('sharing counts: one object met twice is not two equal objects', () => {
    const one = { x: 1 };
    const old = clone({ a: one, b: one });
    expect(sameGraph(old, { a: { x: 1 }, b: { x: 1 } })).toBe(false);
    expect(sameGraph(clone({ a: { x: 1 }, b: { x: 1 } }), { a: one, b: one })).toBe(false);
    const fresh = { x: 1 };
    expect(sameGraph(old, { a: fresh, b: fresh })).toBe(true);
  });
  test('cycles end', () => {
    const a: Record<string, unknown> = { n: 1 };
    a['self'] = a;
    const b: Record<string, unknown> = { n: 1 };
    b['self'] = b;
    expect(sameGraph(clone(a), b)).toBe(true);
    b['n'] = 2;
    expect(sameGraph(clone(a), b)).toBe(false);
  });
  test('what it cannot compare is a change', () => {
    const f = () => 1;
    expect(sameGraph({ f }, { f })).toBe(true); // the very same value
    expect(sameGraph({ f: () => 1 }, { f: () => 1 })).toBe(false);
    expect(sameGraph(clone({ m: new Map([[1, 2]]) }), { m: new Map([[1, 2]]) })).toBe(false);
    class Box {
      v = 1;
    }
    expect(sameGraph(clone({ b: new Box() }), { b: new Box() })).toBe(false);
    const hidden = { a: 1 };
    Object.defineProperty(hidden, 'secret', { value: 2, enumerable: false });
    expect(sameGraph(clone({ a: 1 }), hidden)).toBe(false);
    expect(sameGraph(clone({ a: 1 }), { a: 1, [Symbol('s')]: 2 })).toBe(false);
  });
});

describe('EmitMemo in compile()', () => {
  test('reused only while the Model, history and templates are the same; output as a fresh compile', async () => {
    const dir = copyProject('minimal');
    const config = join(dir, 'pipeline.config.ts');
    const reuse = new EmitMemo();
    const fresh = () => compile({ config });
    const memoised = () => compile({ config, reuse });

    const first = await memoised();
    expect(reuse.lastOutcome).toBe('emitted');
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // A comment changes the config's text (and the manifest's hash of it), not the Model.
    writeFileSync(config, `${readFileSync(config, 'utf8')}// a comment\n`);
    const second = await memoised();
    expect(reuse.lastOutcome).toBe('reused');
    expect(bytes(second)).toEqual(bytes(await fresh()));
    expect(bytes(second).get('manifest.json')).not.toEqual(bytes(first).get('manifest.json'));

    // Written only (as the command line compiles): a reused emit's files are the same bytes, hashed once.
    const lean = await compile({ config, reuse, model: false });
    const leaner = await compile({ config, reuse, model: false });
    expect(reuse.lastOutcome).toBe('reused');
    const files = (r: CompileResult) => r.artefacts.filter((a) => a.path !== 'manifest.json');
    files(leaner).forEach((a, i) => {
      expect(a).toBe(files(lean)[i]);
      expect(computedSha256(a)).toBe(sha256(a.contents));
    });
    expect(bytes(leaner)).toEqual(bytes(await compile({ config, model: false })));

    // The live Model of the last compile is not the key: changing it changes nothing.
    const live = (await compile({ config, reuse })).model as unknown as { pipeline: { name: string } };
    expect(reuse.lastOutcome).toBe('reused');
    live.pipeline.name = 'mutated';
    await memoised();
    expect(reuse.lastOutcome).toBe('reused');

    // A change the Model sees: emitted again, and equal to a fresh compile.
    const source = readFileSync(config, 'utf8');
    const edited = source.replace("database: 'shop',", "database: 'shop_two',");
    expect(edited).not.toBe(source);
    writeFileSync(config, edited);
    const third = await memoised();
    expect(reuse.lastOutcome).toBe('emitted');
    expect(bytes(third)).toEqual(bytes(await fresh()));
    expect(bytes(third)).not.toEqual(bytes(second));

    // A template override is an input too.
    mkdirSync(join(dir, 'templates', 'debezium'), { recursive: true });
    const override = join(dir, 'templates', 'debezium', 'setup.sql.hbs');
    writeFileSync(override, '-- overridden {{header}}\n');
    const fourth = await memoised();
    expect(reuse.lastOutcome).toBe('emitted');
    expect(bytes(fourth)).toEqual(bytes(await fresh()));
    writeFileSync(override, '-- overridden again {{header}}\n');
    const fifth = await memoised();
    expect(reuse.lastOutcome).toBe('emitted');
    expect(bytes(fifth)).toEqual(bytes(await fresh()));
    await memoised();
    expect(reuse.lastOutcome).toBe('reused');
  });

  test('the history is an input: a migration the output folder gained is emitted anew', async () => {
    const dir = copyProject('minimal');
    const config = join(dir, 'pipeline.config.ts');
    const outDir = join(dir, 'generated');
    const reuse = new EmitMemo();
    const write = async (r: CompileResult) => {
      const written = await writeOutput({
        outDir,
        artefacts: r.artefacts,
        configPath: config,
        configFile: r.configFile,
        shownOut: 'generated',
        check: false,
      });
      expect('refused' in written).toBe(false);
    };
    await write(await compile({ config, reuse }));
    // A new column: this compile adds an analytics migration (emitted anew, outside the memo) and writes it.
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        'signed_up_at: t.timestamptz(),',
        'signed_up_at: t.timestamptz(),\n    tier: t.text(),',
      ),
    );
    const changed = await compile({ config, reuse });
    expect(changed.migration).toBeDefined();
    await write(changed);
    // Same config again: the Model is the one the memo holds, but the history now holds the migration.
    const again = await compile({ config, reuse });
    expect(reuse.lastOutcome).toBe('emitted');
    expect(again.artefacts.map((a) => a.path)).toContain(changed.migration);
    expect(bytes(again)).toEqual(bytes(await compile({ config })));
    await compile({ config, reuse });
    expect(reuse.lastOutcome).toBe('reused');
  });
});
