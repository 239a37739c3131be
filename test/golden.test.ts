/**
 * Golden files: each project's committed generated/ tree is its snapshot, one file per artefact in its
 * real format (manifest.json included, so its file list and hashes are checked too). A missing or different
 * file fails; `npm run test:update` accepts a change (it rewrites those files, as `npx cdc-compile` would).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileProject, PROJECTS } from './support/compile.js';

describe.each(PROJECTS)('$name', ({ config }) => {
  const generated = join(dirname(config), 'generated');

  test('every artefact matches its committed file', async () => {
    const { files, binaries } = await compileProject(config);
    for (const [path, contents] of files) {
      await expect(contents, path).toMatchFileSnapshot(join(generated, path));
    }
    // Binary artefacts (superset/bundle.zip) byte for byte; `npm run generate` rewrites them.
    for (const [path, bytes] of binaries) {
      expect(Buffer.from(bytes).equals(readFileSync(join(generated, path))), path).toBe(true);
    }
  });
});
