/** Configs as users write them: split over files, with top-level await, next to odd files. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { cli, copyProject } from './support/project.js';

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
