import { z } from 'zod';
import { PG_TYPES } from '../dsl/columns.js';
import { entityKind, type EntityKind } from '../dsl/entity.js';
import { CHART_KINDS, SORT_ORDERS, TIME_GRAINS } from '../dsl/chart.js';
import { POSTGRES_FLAVORS } from '../dsl/source.js';
import {
  BINARY_HANDLING,
  DECIMAL_FORMAT,
  DECIMAL_HANDLING,
  FLINK_JOBS,
  KAFKA_SASL_MECHANISMS,
  INTERVAL_HANDLING,
  SNAPSHOT_MODES,
  TABLE_KINDS,
  PARTITION_STRATEGIES,
  TIME_PRECISION,
} from '../dsl/enums.js';
import { analyticsNameProblem, MAX_IDENTIFIER_BYTES, sourceNameProblem } from '../sql/dialect.js';
import { checkExpression } from '../sql/lexer.js';
import { readsCheckedOnly, sameVerdictWhenFrozen } from './fast.js';

export { MAX_IDENTIFIER_BYTES };

/**
 * zod schemas of every DSL entity's options. One schema per entity, so an issue's path is relative to the
 * entity the user wrote, which is what the locator needs to point at the line.
 *
 * Analytics names follow the Flink PostgreSQL dialect, which does not quote identifiers: lower-case snake
 * case, no reserved words. Source names may be anything PostgreSQL calls an identifier.
 */

/** A name check as a zod schema, tagged so it is reported as CONFIG.INVALID_NAME wherever the name sits. */
const name = (problem: (s: string) => string | undefined) =>
  z.string().superRefine((s, ctx) => {
    const found = problem(s);
    if (found) ctx.addIssue({ code: 'custom', params: { code: 'CONFIG.INVALID_NAME' }, message: `is ${found}` });
  });

/** A name in the analytics database: the Flink JDBC sink does not quote, so lower-case snake_case, not reserved. */
export const identifier = name(analyticsNameProblem);

/** A name as the source database has it (mixed case allowed); generated SQL quotes it where needed. */
export const sourceIdentifier = name(sourceNameProblem);

/** Kubernetes Secret names and Connect connector names end up in URLs, file names and object names. */
const dnsName = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  message: 'must be a DNS-1123 name (lower-case letters, digits and -)',
});

const hostName = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, { message: 'must be a host name' });
const port = z.number().int().min(1).max(65535);
const duration = z
  .string()
  .regex(/^\d+\s*(ms|s|min|h|d)$/, { message: "must be a duration like '30s', '500ms' or '5min'" });
/**
 * Free text that ends up in generated files (comments, SQL literals, URLs): one line, no control
 * characters, so it can never break out of a comment or a quoted value.
 */
export const plainText = z
  .string()
  .min(1)
  .regex(/^[^\x00-\x1f\x7f]*$/, { message: 'must be one line of plain text' });

const propertyValue = z.union([plainText, z.number(), z.boolean()]);

const entity = (kind: EntityKind, what: string) =>
  z.custom<unknown>((v) => entityKind(v) === kind, { message: `must be ${what}` });

export const secretRef = z
  .custom<{ name: unknown; key: unknown }>((v) => entityKind(v) === 'secret', {
    params: { code: 'CONFIG.PLAINTEXT_SECRET' },
    message: "must be a Secret reference, e.g. secret('my-db-credentials', 'password'); never a literal value",
  })
  .superRefine((ref, ctx) => {
    // Kubernetes' own rules for a Secret's name and its keys.
    if (typeof ref.name !== 'string' || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(ref.name) || ref.name.length > 253) {
      ctx.addIssue({
        code: 'custom',
        message: `secret name ${JSON.stringify(ref.name)} is not a Kubernetes Secret name (lower-case letters, digits, '-' and '.')`,
      });
    }
    if (typeof ref.key !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
      ctx.addIssue({
        code: 'custom',
        message: `secret key ${JSON.stringify(ref.key)} is not a Kubernetes Secret key (letters, digits, '-', '_' and '.')`,
      });
    }
  });

/** A Kubernetes Secret's name (a DNS-1123 subdomain). */
const secretName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, {
    message: "must be a Kubernetes Secret name (lower-case letters, digits, '-' and '.')",
  })
  .max(253);

const columnSpecBase = z
  .object({
    type: z.enum(PG_TYPES),
    serial: z.boolean().optional(),
    length: z.number().int().min(1).max(10_485_760).optional(),
    precision: z.number().int().min(0).max(1000).optional(),
    scale: z.number().int().min(0).max(1000).optional(),
    enumName: sourceIdentifier.optional(),
    typeName: sourceIdentifier.optional(),
    analyticsName: identifier.optional(),
    primaryKey: z.boolean().optional(),
    notNull: z.boolean().optional(),
    mapping: z.string().optional(),
    // One SQL expression on one line: it is pasted after DEFAULT in a column definition.
    default: z
      .string()
      .regex(/^[^\x00-\x1f\x7f]*$/, { message: 'must be one line (no line breaks or control characters)' })
      .superRefine((s, ctx) => {
        const problem = checkExpression(s);
        if (problem) {
          ctx.addIssue({
            code: 'custom',
            message: problem.message,
            params: { code: problem.code, offset: problem.offset, hint: problem.hint },
          });
        }
      })
      .optional(),
    description: plainText.optional(),
  })
  .strict();

export const columnSpec = columnSpecBase
  .extend({ element: columnSpecBase.optional() })
  .strict()
  // Reads only keys the object checks (an own data property of a column type's spec, as the DSL makes it).
  .superRefine(
    readsCheckedOnly((spec: z.infer<typeof columnSpecBase> & { element?: { type: string } }, ctx: z.RefinementCtx) => {
      const temporal =
        spec.type === 'time' || spec.type === 'timetz' || spec.type === 'timestamp' || spec.type === 'timestamptz';
      if (temporal && spec.precision !== undefined && spec.precision > 6) {
        ctx.addIssue({ code: 'custom', path: ['precision'], message: `${spec.type} precision must be 0 to 6` });
      }
      if (spec.type === 'numeric' && spec.precision !== undefined) {
        if (spec.precision < 1)
          ctx.addIssue({ code: 'custom', path: ['precision'], message: 'numeric precision must be at least 1' });
        if ((spec.scale ?? 0) > spec.precision) {
          ctx.addIssue({
            code: 'custom',
            path: ['scale'],
            message: `numeric scale ${spec.scale} exceeds its precision ${spec.precision}`,
          });
        }
      }
      if (spec.type === 'array' && spec.element?.type === 'array') {
        ctx.addIssue({ code: 'custom', path: ['element'], message: 'multi-dimensional arrays are not supported' });
      }
    }),
  );

const columnType = z
  .custom<{ spec: unknown }>((v) => entityKind(v) === 'column-type', {
    message: 'must be a column type such as t.text() or t.numeric(10, 2)',
  })
  .transform((c) => c.spec)
  // A spec's verdict is its own: the DSL's frozen, shared specs are checked once each.
  .pipe(sameVerdictWhenFrozen(columnSpec));

/**
 * Whether a record has a key zod's copy of it would keep: the copy holds every key `for…in` finds but
 * `__proto__`, so the answer is the same on the record and on its copy.
 */
const declaresColumn = readsCheckedOnly((c: Record<string, unknown>, ctx: z.RefinementCtx) => {
  for (const key in c) if (key !== '__proto__') return;
  ctx.addIssue({ code: 'custom', message: 'must declare at least one column' });
});

const columnsOf = (key: z.ZodType<string>) => z.record(key, columnType).superRefine(declaresColumn);

/** A view's output columns (analytics names). */
export const columns = columnsOf(identifier);
/** A source table's columns (source names). */
export const sourceColumns = columnsOf(sourceIdentifier);

export const connectorOptions = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be lower-case letters, digits, ., _ or -' })
      .optional(),
    topicPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be letters, digits, _ or - (no dots)' })
      .optional(),
    slotName: identifier.optional(),
    publicationName: identifier.optional(),
    decimalHandling: z.enum(DECIMAL_HANDLING).optional(),
    decimalFormat: z.enum(DECIMAL_FORMAT).optional(),
    timePrecision: z.enum(TIME_PRECISION).optional(),
    intervalHandling: z.enum(INTERVAL_HANDLING).optional(),
    binaryHandling: z.enum(BINARY_HANDLING).optional(),
    snapshotMode: z.enum(SNAPSHOT_MODES).optional(),
    heartbeatIntervalMs: z.number().int().min(0).optional(),
    properties: z.record(z.union([secretRef, propertyValue])).optional(),
  })
  .strict();

export const sourceOptions = z
  .object({
    // Derived from the deployment section when the config has one.
    host: hostName.optional(),
    port: port.optional(),
    database: plainText,
    user: identifier.optional(),
    password: secretRef,
    schema: sourceIdentifier.optional(),
    flavor: z.enum(POSTGRES_FLAVORS).optional(),
    connector: connectorOptions.optional(),
  })
  .strict();

export const sourceName = z.string().regex(/^[a-z][a-z0-9_]*$/, {
  message: 'must be lower-case letters, digits and _, starting with a letter',
});

export const tableOptions = z
  .object({
    schema: sourceIdentifier.optional(),
    columns: sourceColumns,
    primaryKey: z.array(z.string()).min(1).optional(),
    partitionBy: z
      .object({ strategy: z.enum(PARTITION_STRATEGIES), columns: z.array(z.string()).min(1) })
      .strict()
      .optional(),
    analytics: z
      .object({
        name: identifier.optional(),
        kind: z.enum(TABLE_KINDS).optional(),
        extraColumns: z.record(identifier, columnType).optional(),
        columns: z.array(z.string()).min(1).optional(),
        syncedAtColumn: z.union([identifier, z.literal(false)]).optional(),
      })
      .strict()
      .optional(),
    description: plainText.optional(),
  })
  .strict();

export const viewOptions = z
  .object({
    columns,
    sql: entity('sql', 'a sql`…` template'),
    description: plainText.optional(),
  })
  .strict();

const metric = entity('metric', "a metric such as sum('column') or count()");

export const chartOptions = z
  .object({
    kind: z.enum(CHART_KINDS),
    view: entity('view', 'a view created with view(…)'),
    x: z.string().optional(),
    groupBy: z.array(z.string()).optional(),
    metrics: z.array(metric).optional(),
    rowLimit: z.number().int().min(1).optional(),
    sort: z
      .object({ by: z.string(), order: z.enum(SORT_ORDERS).optional() })
      .strict()
      .optional(),
    timeGrain: z.enum(TIME_GRAINS).optional(),
    description: plainText.optional(),
  })
  .strict();

const chartEntity = entity('chart', 'a chart created with chart(…)');
export const dashboardOptions = z
  .object({
    rows: z
      .array(
        z.union([
          z.array(chartEntity).min(1),
          z
            .object({
              charts: z.array(chartEntity).min(1),
              widths: z.array(z.number().int().min(1).max(12)).optional(),
              height: z.number().int().min(5).optional(),
            })
            .strict(),
        ]),
      )
      .min(1),
    slug: dnsName.optional(),
    description: plainText.optional(),
  })
  .strict();

export const pipelineOptions = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be lower-case letters, digits and -' }),
    sources: z.array(entity('source', 'a source created with postgresSource(…)')).min(1),
    kafka: z
      .object({
        bootstrapServers: z
          .string()
          .regex(/^[A-Za-z0-9.-]+:\d+(\s*,\s*[A-Za-z0-9.-]+:\d+)*$/, { message: 'must be host:port[,host:port…]' })
          .optional(),
        properties: z
          .record(
            z.string().regex(/^[a-z][a-z0-9.-]*$/, { message: 'must be a Kafka client property name' }),
            z.union([secretRef, propertyValue]),
          )
          .optional(),
        security: z
          .object({
            mechanism: z.enum(KAFKA_SASL_MECHANISMS),
            truststore: secretName.optional(),
            connectLogin: secretRef.optional(),
            flinkLogin: secretRef.optional(),
            broker: z.object({ keystore: secretName.optional(), jaas: secretRef.optional() }).strict().optional(),
          })
          .strict()
          .optional(),
        topics: z
          .object({
            partitions: z.number().int().min(1).max(10000).optional(),
            replicationFactor: z
              .number()
              .int()
              .min(-1)
              .max(16)
              .refine((n) => n !== 0, { message: 'must not be 0' })
              .optional(),
            cleanupPolicy: z.enum(['delete', 'compact']).optional(),
            retentionMs: z.number().int().min(-1).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    connect: z
      .object({
        url: z
          .string()
          .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/, {
            message: "must be a URL like 'http://connect:8083'",
          })
          .optional(),
      })
      .strict()
      .optional(),
    flink: z
      .object({
        consumerGroup: plainText.optional(),
        checkpointInterval: duration.optional(),
        jobs: z.enum(FLINK_JOBS).optional(),
        checkpointDir: plainText.optional(),
        savepointDir: plainText.optional(),
        sink: z
          .object({
            bufferFlushMaxRows: z.number().int().min(0).optional(),
            bufferFlushInterval: duration.optional(),
            maxRetries: z.number().int().min(0).optional(),
          })
          .strict()
          .optional(),
        settings: z.record(z.union([secretRef, propertyValue])).optional(),
      })
      .strict()
      .optional(),
    analytics: z
      .object({
        host: hostName.optional(),
        port: port.optional(),
        database: plainText,
        user: z.union([identifier, secretRef]),
        password: secretRef,
        schema: identifier.optional(),
        syncedAtColumn: z.union([identifier, z.literal(false)]).optional(),
        jdbcParameters: z
          .record(
            z.string().regex(/^[A-Za-z][A-Za-z0-9._-]*$/, { message: 'must be a JDBC parameter name' }),
            z.union([
              z.string().regex(/^[A-Za-z0-9._:/-]+$/, { message: 'must be a plain value (no &, = or spaces)' }),
              z.number(),
              z.boolean(),
            ]),
          )
          .optional(),
      })
      .strict(),
    views: z.array(entity('view', 'a view created with view(…)')).optional(),
    charts: z.array(entity('chart', 'a chart created with chart(…)')).optional(),
    dashboards: z.array(entity('dashboard', 'a dashboard created with dashboard(…)')).optional(),
    // Checked on its own (validate/deployment.ts), so its issues keep their paths under 'deployment'.
    deployment: z.unknown().optional(),
    superset: z
      .object({
        url: z
          .string()
          .regex(/^https?:\/\/[^\s'"\\]+$/, { message: 'must be an http(s) URL' })
          .optional(),
        user: z.union([plainText, secretRef]).optional(),
        password: secretRef.optional(),
        databaseName: plainText.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
