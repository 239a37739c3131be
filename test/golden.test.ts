/**
 * Golden files: each project's committed generated/ tree is its snapshot, one file per artefact in its
 * real format. `npm run test:update` accepts a change (it rewrites those files, as `npx cdc-compile` would).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileProject, PROJECTS } from './support/compile.js';

describe.each(PROJECTS)('$name', ({ config }) => {
  const generated = join(dirname(config), 'generated');

  test('every artefact matches its committed file', async () => {
    const { files } = await compileProject(config);
    for (const [path, contents] of files) {
      await expect(contents, path).toMatchFileSnapshot(join(generated, path));
    }
  });

  test('the committed manifest lists exactly the artefacts', async () => {
    const { files } = await compileProject(config);
    const manifest = JSON.parse(readFileSync(join(generated, 'manifest.json'), 'utf8')) as {
      files: Record<string, string>;
    };
    expect(Object.keys(manifest.files).sort()).toEqual([...files.keys()].filter((p) => p !== 'manifest.json').sort());
  });
});
