/** The README's config example is a real config: it compiles as shown. */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from './support/compile.js';
import { cli } from './support/project.js';

test('the README example compiles', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
  expect(example).toContain('definePipeline');
  const dir = mkdtempSync(join(tmpdir(), 'cdc-readme-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'cdc-compile'), 'dir');
  writeFileSync(join(dir, 'pipeline.config.ts'), `${example}\n`);
  const run = await cli([], { cwd: dir });
  expect(run.stderr).toBe('');
  expect(run.exitCode).toBe(0);
  expect(readFileSync(join(dir, 'generated/analytics/views.sql'), 'utf8')).toContain(
    'CREATE VIEW vw_sales_over_time AS',
  );
});
