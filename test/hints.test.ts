/** Hints that make a mistake quick to fix. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { compile } from '../src/compile.js';
import { copyProject } from './support/project.js';

async function compileEdited(edit: (config: string) => string) {
  const dir = copyProject('minimal');
  const config = join(dir, 'pipeline.config.ts');
  writeFileSync(config, edit(readFileSync(config, 'utf8')));
  return (await compile({ config })).diagnostics;
}

test('an unknown key suggests the key that was meant', async () => {
  const diagnostics = await compileEdited((c) =>
    c.replace("analytics: { kind: 'dimension' }", "analytics: { knd: 'dimension' }"),
  );
  expect(diagnostics).toMatchObject([{ code: 'CONFIG.UNKNOWN_KEY', hint: "did you mean 'kind'?" }]);
});

test('a refused type names the setting to change', async () => {
  const diagnostics = await compileEdited((c) =>
    c
      .replace(
        "password: secret('shop-db', 'password'),",
        "password: secret('shop-db', 'password'),\n  connector: { decimalHandling: 'precise' },",
      )
      .replace('country: t.char(2),', 'country: t.char(2),\n    balance: t.numeric(12, 2),'),
  );
  expect(diagnostics).toHaveLength(1);
  expect(diagnostics[0]).toMatchObject({ code: 'TYPE.UNSUPPORTED' });
  expect(diagnostics[0]!.message).toContain('value.converter.decimal.format=BASE64');
  expect(diagnostics[0]!.hint).toContain("decimalFormat: 'NUMERIC'");
});
