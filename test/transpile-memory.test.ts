import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { expect, test } from 'vitest';
import { collectGarbage } from '../src/load/collect.js';
import { transpile } from '../src/load/transpile.js';

test("a transform keeps none of sucrase's parser state alive (its tokens were ~50 bytes per source byte)", () => {
  // No node_modules above: no transpile cache, sucrase runs.
  const file = join(mkdtempSync(join(tmpdir(), 'cdc-transpile-')), 'pipeline.config.ts');
  const tables = Array.from(
    { length: 2000 },
    (_, i) =>
      `const t${i}: { name: string; columns: number[] } = { name: 'table_${i}', columns: [1, 2, 3, 4, 5, 6, 7, 8] };`,
  );
  const source = `${tables.join('\n')}\nexport default t0;\n`;
  transpile(join(file, '..', 'warm.ts'), 'export const loaded: number = 1;\n'); // sucrase's own code, loaded once
  collectGarbage();
  const before = getHeapStatistics().used_heap_size;
  const code = transpile(file, source);
  collectGarbage();
  const kept = getHeapStatistics().used_heap_size - before;
  expect(code).toContain("name: 'table_1999'");
  // The output and the source (~0.2 MB each) are kept; the parser's state would be tens of MB.
  expect(kept).toBeLessThan(8 * source.length);
});
