/**
 * Type-level test: the zod schema (what the compiler accepts at run time) and the DSL option types (what the
 * editor accepts) describe the same options. A key added to one and not the other, or an enumeration that
 * differs, fails here instead of as a surprising CONFIG.UNKNOWN_KEY for a config that type-checked.
 */
import { describe, expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import type { ChartOptions, DashboardOptions } from '../src/dsl/chart.js';
import type {
  AnalyticsOptions,
  ConnectOptions,
  FlinkOptions,
  KafkaOptions,
  PipelineOptions,
} from '../src/dsl/pipeline.js';
import type {
  AnalyticsTableOptions,
  ConnectorOptions,
  PostgresSourceOptions,
  TableOptions,
} from '../src/dsl/source.js';
import type { ViewOptions } from '../src/dsl/view.js';
import type * as schema from '../src/validate/schema.js';

type Schema<S extends z.ZodTypeAny> = z.input<S>;
type Obj<T> = NonNullable<T>;
/** The option keys whose values are plain data (strings, numbers, enumerations), not entities or records. */
type Plain<T, K extends keyof T> = { [P in K]-?: NonNullable<T[P]> };

describe('schema and DSL option types agree', () => {
  test('connector options: same keys, same enumerations', () => {
    type S = Schema<typeof schema.connectorOptions>;
    expectTypeOf<keyof S>().toEqualTypeOf<keyof ConnectorOptions>();
    type Enums =
      | 'decimalHandling'
      | 'decimalFormat'
      | 'timePrecision'
      | 'intervalHandling'
      | 'binaryHandling'
      | 'snapshotMode'
      | 'name'
      | 'topicPrefix'
      | 'slotName'
      | 'publicationName'
      | 'heartbeatIntervalMs';
    expectTypeOf<Plain<S, Enums>>().toEqualTypeOf<Plain<ConnectorOptions, Enums>>();
  });

  test('source options', () => {
    type S = Schema<typeof schema.sourceOptions>;
    expectTypeOf<keyof S>().toEqualTypeOf<keyof PostgresSourceOptions>();
    type K = 'host' | 'port' | 'database' | 'user' | 'schema';
    expectTypeOf<Plain<S, K>>().toEqualTypeOf<Plain<PostgresSourceOptions, K>>();
  });

  test('table options, analytics landing included', () => {
    type S = Schema<typeof schema.tableOptions>;
    expectTypeOf<keyof S>().toEqualTypeOf<keyof TableOptions<{}>>();
    type A = Obj<S['analytics']>;
    expectTypeOf<keyof A>().toEqualTypeOf<keyof AnalyticsTableOptions>();
    type K = 'name' | 'kind' | 'syncedAtColumn';
    expectTypeOf<Plain<A, K>>().toEqualTypeOf<Plain<AnalyticsTableOptions, K>>();
  });

  test('pipeline options and their sections', () => {
    type S = Schema<typeof schema.pipelineOptions>;
    expectTypeOf<keyof S>().toEqualTypeOf<keyof PipelineOptions>();
    expectTypeOf<keyof Obj<S['kafka']>>().toEqualTypeOf<keyof KafkaOptions>();
    expectTypeOf<keyof Obj<S['connect']>>().toEqualTypeOf<keyof ConnectOptions>();
    type F = Obj<S['flink']>;
    expectTypeOf<keyof F>().toEqualTypeOf<keyof FlinkOptions>();
    type FK = 'consumerGroup' | 'checkpointInterval' | 'jobs' | 'checkpointDir' | 'savepointDir';
    expectTypeOf<Plain<F, FK>>().toEqualTypeOf<Plain<FlinkOptions, FK>>();
    expectTypeOf<keyof Obj<F['sink']>>().toEqualTypeOf<keyof Obj<FlinkOptions['sink']>>();
    expectTypeOf<Plain<Obj<F['sink']>, keyof Obj<F['sink']>>>().toEqualTypeOf<
      Plain<Obj<FlinkOptions['sink']>, keyof Obj<FlinkOptions['sink']>>
    >();
    type A = S['analytics'];
    expectTypeOf<keyof A>().toEqualTypeOf<keyof AnalyticsOptions>();
    type AK = 'host' | 'port' | 'database' | 'schema' | 'syncedAtColumn';
    expectTypeOf<Plain<A, AK>>().toEqualTypeOf<Plain<AnalyticsOptions, AK>>();
  });

  test('views, charts and dashboards: same keys', () => {
    expectTypeOf<keyof Schema<typeof schema.viewOptions>>().toEqualTypeOf<keyof ViewOptions<{}>>();
    expectTypeOf<keyof Schema<typeof schema.chartOptions>>().toEqualTypeOf<keyof ChartOptions<never>>();
    expectTypeOf<keyof Schema<typeof schema.dashboardOptions>>().toEqualTypeOf<keyof DashboardOptions>();
  });
});

describe('template data is typed', () => {
  test('each built-in template takes its own data', async () => {
    const { loadTemplates } = await import('../src/render/templates.js');
    const { TEMPLATE_OPTIONS } = await import('../src/targets/artefact.js');
    const ctx: import('../src/targets/artefact.js').EmitContext = {
      configFile: 'x',
      render: loadTemplates(undefined, TEMPLATE_OPTIONS).render,
    };
    // @ts-expect-error: pipeline.sql needs its jobs, tables, settings, …
    ctx.render('flink/pipeline.sql', { header: '' });
    // @ts-expect-error: not a template
    ctx.render('flink/nope.sql', {});
    expectTypeOf<Parameters<typeof ctx.render<'analytics/views.sql'>>[1]>().toHaveProperty('drop');
  });
});
