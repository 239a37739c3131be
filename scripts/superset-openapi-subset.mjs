#!/usr/bin/env node
/**
 * Writes test/data/superset-openapi-subset.json: the operations of Superset's OpenAPI description that the
 * generated bootstrap script calls, plus the chart-data endpoint whose request body a chart's saved
 * `query_context` is, each with every component it references (transitively), copied unchanged. The full
 * file (800 kB) is not part of the repository (a maintainer passes its path); the tests read only this subset.
 *   usage: node scripts/superset-openapi-subset.mjs path/to/openapi.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/superset-openapi-subset.mjs path/to/openapi.json');
  process.exit(2);
}
const OPERATIONS = [
  ['/api/v1/security/login', 'post'],
  ['/api/v1/security/csrf_token/', 'get'],
  ['/api/v1/assets/import/', 'post'],
  ['/api/v1/chart/', 'get'],
  ['/api/v1/chart/{pk}', 'delete'],
  ['/api/v1/chart/data', 'post'],
  ['/api/v1/dashboard/', 'get'],
  ['/api/v1/dashboard/{pk}', 'delete'],
  ['/api/v1/dataset/', 'get'],
  ['/api/v1/dataset/{pk}', 'delete'],
];

const full = JSON.parse(readFileSync(source, 'utf8'));
const paths = {};
for (const [path, method] of OPERATIONS) {
  const op = full.paths[path]?.[method];
  if (!op) throw new Error(`${source} has no ${method.toUpperCase()} ${path}`);
  (paths[path] ??= {})[method] = op;
}
const components = { parameters: {}, responses: {}, schemas: {}, securitySchemes: full.components.securitySchemes };
const visit = (value) => {
  if (Array.isArray(value)) return value.forEach(visit);
  if (value === null || typeof value !== 'object') return;
  const ref = value.$ref;
  if (typeof ref === 'string') {
    const [, group, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
    if (!group) throw new Error(`unexpected $ref ${ref}`);
    if (!(name in components[group])) {
      components[group][name] = full.components[group][name];
      visit(components[group][name]);
    }
  }
  for (const v of Object.values(value)) visit(v);
};
visit(paths);

/** Keys sorted at every level, so a regeneration diffs cleanly. */
const sorted = (v) =>
  Array.isArray(v)
    ? v.map(sorted)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted(v[k])]),
        )
      : v;
const subset = {
  components,
  info: {
    ...full.info,
    'x-source':
      'Subset of apache/superset docs/static/resources/openapi.json at dc0d542054f0b712efb1d7be4d7fab83bb7d56b1 (2025-05-06): the paths the generated bootstrap script calls and the chart-data endpoint (a saved query_context is its body), with every component they reference. Written by scripts/superset-openapi-subset.mjs.',
  },
  openapi: full.openapi,
  paths,
};
writeFileSync(
  join(ROOT, 'test', 'data', 'superset-openapi-subset.json'),
  `${JSON.stringify(sorted(subset), null, 2)}\n`,
);
console.log(`${Object.keys(paths).length} paths, ${Object.keys(components.schemas).length} schemas`);
