/** The template environments: what `{{#each}}` writes is what handlebars' own helper writes, whatever it loops over. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { afterAll, expect, test } from 'vitest';
import { loadTemplates } from '../src/render/templates.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Renders `source` as a project's override of flink/pipeline.sql, and with a plain handlebars. */
function both(source: string, data: object): [string, string] {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-templates-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'flink'));
  writeFileSync(join(dir, 'flink', 'pipeline.sql.hbs'), source);
  const ours = loadTemplates(dir, TEMPLATE_OPTIONS).render('flink/pipeline.sql', data);
  const plain = Handlebars.create().compile(source, TEMPLATE_OPTIONS)(data);
  return [ours, plain];
}

test('{{#each}} over arrays longer than its chunks, objects, iterables and nothing writes what handlebars writes', () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({
    name: `n${i}`,
    parts: Array.from({ length: i % 7 }, (_, j) => j),
  }));
  const source = [
    '{{#each items}}{{@index}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}:{{name}}[{{#each parts}}{{this}}{{#unless @last}},{{/unless}}{{/each}}]',
    '{{/each}}',
    '{{#each byKey}}{{@key}}={{this}};{{/each}}',
    '{{#each set as |value index|}}{{index}}:{{value}} {{/each}}',
    '{{#each none}}never{{else}}empty{{/each}}',
    '{{#each holes}}{{@index}}{{/each}}',
  ].join('\n');
  const holes: unknown[] = [];
  holes[3] = 'x';
  holes[200] = 'y';
  const data = { items, byKey: { b: 1, a: 2, 10: 3 }, set: new Set(['p', 'q', 'r']), none: [], holes };
  const [ours, plain] = both(source, data);
  expect(ours).toBe(plain);
  expect(ours).toContain('0F:n0[]');
  expect(ours).toContain('999L:n999[0,1,2,3,4]');
  expect(ours).toContain('empty');
});

test('{{#each}} stops where handlebars stops: an error in an iteration is the error', () => {
  const source = '{{#each items}}{{missing}}{{/each}}';
  const data = { items: Array.from({ length: 100 }, () => ({})) };
  expect(() => both(source, data)).toThrow(/missing/);
});
