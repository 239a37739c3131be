/** resolve() is a list of named passes over plain data; the Model is what they decided, assembled. */
import { describe, expect, test } from 'vitest';
import { ENTITY } from '../src/dsl/entity.js';
import { loadConfig } from '../src/load/index.js';
import { resolveCharts } from '../src/resolve/charts.js';
import { debeziumPass } from '../src/resolve/debezium.js';
import { resolveDeployment, topicCreation } from '../src/resolve/deployment.js';
import { flinkPass } from '../src/resolve/flink.js';
import { resolve } from '../src/resolve/index.js';
import { secretsPass } from '../src/resolve/secrets.js';
import { tablesPass } from '../src/resolve/tables.js';
import { validate } from '../src/validate/index.js';
import { ROOT } from './support/compile.js';

/** No DSL entity (a branded object) anywhere inside: what a pass hands on is plain data. */
function assertPlain(value: unknown, path = '$'): void {
  if (value === null || typeof value !== 'object') return;
  expect(Object.getOwnPropertySymbols(value).includes(ENTITY), `${path} is a DSL entity`).toBe(false);
  if (value instanceof Map) for (const [k, v] of value) assertPlain(v, `${path}[${String(k)}]`);
  else for (const [k, v] of Object.entries(value)) if (k !== 'entity') assertPlain(v, `${path}.${k}`);
}

describe('resolver passes', () => {
  test('each pass takes and returns plain data, and the Model is their decisions', async () => {
    const loaded = await loadConfig(`${ROOT}/pipeline.config.ts`);
    const validated = validate(loaded.value);
    const out: never[] = [];
    const { config, deployment } = resolveDeployment(validated.config!, undefined, out);
    const tables = tablesPass(config!, out);
    const secretNames = secretsPass(config);
    const debezium = debeziumPass(
      config.sources,
      tables,
      secretNames,
      out,
      topicCreation(config.pipeline.options.kafka?.topics, deployment !== undefined),
    );
    const flink = flinkPass(config!, tables, debezium.topics, secretNames, undefined, out);
    const charts = resolveCharts(config!.charts, config!.dashboards, out);
    expect(out).toEqual([]);
    for (const [name, result] of Object.entries({ tables: tables.all, debezium, flink, charts })) {
      assertPlain(result, name);
    }
    const { model } = resolve(validated.config!);
    expect(model!.tables.map((t) => t.topic)).toEqual(tables.all.map((t) => debezium.topics.get(t)));
    expect(model!.tables.map((t) => t.flink)).toEqual(tables.all.map((t) => flink.tables.get(t)));
    expect(model!.flink).toEqual(flink.flink);
    expect(model!.sources.map(({ tables: _t, ...s }) => s)).toEqual(debezium.sources);
    expect(model!.analytics).toMatchObject(flink.analytics);
    expect(model!.charts).toEqual(charts.charts);
  });
});
