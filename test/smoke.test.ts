import { expect, test } from 'vitest';
import { compileProject, PROJECTS } from './support/compile.js';

test('book store compiles through the API', async () => {
  const r = await compileProject(PROJECTS[0]!.config);
  expect(r.files.get('flink/pipeline.sql')).toContain('INSERT INTO sink_fact_orders');
});
