import { z, type ZodIssue, type ZodType, type ZodTypeAny } from 'zod';
import { rowCharts, type Chart, type Dashboard } from '../dsl/chart.js';
import { entityKind } from '../dsl/entity.js';
import type { Pipeline } from '../dsl/pipeline.js';
import type { Source, Table } from '../dsl/source.js';
import type { SqlFragment, View } from '../dsl/view.js';
import { didYouMean, displayValue, error, type Diagnostic, type Subject } from '../diagnostics.js';
import { plaintextCredentials } from '../credentials/policy.js';
import * as schema from './schema.js';
import { deploymentOptions } from './deployment.js';
import { fastParser } from './fast.js';

/** The entity graph of a config that passed validation; the resolver reads it. */
export interface ValidConfig {
  readonly pipeline: Pipeline;
  readonly sources: readonly Source[];
  readonly views: readonly View[];
  readonly charts: readonly Chart[];
  readonly dashboards: readonly Dashboard[];
}

const withPath = (subject: Subject, path: readonly (string | number)[]): Subject => ({ ...subject, path });

/** Names (of the pipeline, a source, a slot, …) get their own code; the path says whether a value is one. */
const nameOrValue = (path: readonly (string | number)[]) =>
  path.at(-1) !== undefined && /name|schema|user|slot|publication|enumName/i.test(String(path.at(-1)))
    ? 'CONFIG.INVALID_NAME'
    : 'CONFIG.INVALID_VALUE';

/** The keys an object at `path` inside `zod` accepts, for "did you mean" on unknown keys. */
function keysAt(zod: ZodTypeAny, path: readonly (string | number)[]): string[] {
  let node: ZodTypeAny | undefined = zod;
  const unwrap = (n: ZodTypeAny): ZodTypeAny => {
    for (;;) {
      if (n instanceof z.ZodOptional || n instanceof z.ZodNullable) n = n.unwrap();
      else if (n instanceof z.ZodEffects) n = n.innerType();
      else if (n instanceof z.ZodPipeline) n = n._def.out;
      else return n;
    }
  };
  for (const segment of path) {
    if (!node) return [];
    const n = unwrap(node);
    node =
      n instanceof z.ZodObject
        ? n.shape[segment]
        : n instanceof z.ZodRecord
          ? n.valueSchema
          : n instanceof z.ZodArray
            ? n.element
            : undefined;
  }
  const last = node ? unwrap(node) : undefined;
  return last instanceof z.ZodObject ? Object.keys(last.shape) : [];
}

function issueToDiagnostic(
  issue: ZodIssue,
  subject: Subject,
  prefix: readonly (string | number)[],
  zod?: ZodTypeAny,
): Diagnostic {
  const path = [...prefix, ...issue.path];
  const where = path.length ? `'${path.join('.')}'` : 'value';
  const custom = issue.code === 'custom' ? (issue.params?.['code'] as string | undefined) : undefined;
  switch (issue.code) {
    case 'unrecognized_keys':
      return error(
        'CONFIG.UNKNOWN_KEY',
        `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}${path.length ? ` in '${path.join('.')}'` : ''}`,
        withPath(subject, [...path, issue.keys[0]!]),
        (zod && didYouMean(issue.keys[0]!, keysAt(zod, issue.path))) ??
          'check the spelling against the DSL types (your editor lists the valid keys)',
      );
    case 'invalid_type':
      if (issue.received === 'undefined') {
        return error('CONFIG.MISSING', `${where} is required (expected ${issue.expected})`, withPath(subject, path));
      }
      return error(
        'CONFIG.INVALID_TYPE',
        `${where} must be ${issue.expected}, got ${issue.received}`,
        withPath(subject, path),
      );
    case 'invalid_enum_value':
      return error(
        'CONFIG.INVALID_VALUE',
        `${where} is '${String(issue.received)}'; expected one of ${issue.options.map((o) => `'${String(o)}'`).join(', ')}`,
        withPath(subject, path),
      );
    case 'too_small':
    case 'too_big':
      return error(
        'CONFIG.OUT_OF_RANGE',
        `${where} ${issue.message.replace(/^(String|Number|Array) /, '').toLowerCase()}`,
        withPath(subject, path),
      );
    case 'invalid_string':
      return error(nameOrValue(path), `${where} ${issue.message}`, withPath(subject, path));
    case 'invalid_union': {
      // zod's own message is "Invalid input": report the most specific alternative's issue instead.
      const specific = issue.unionErrors
        .flatMap((e) => e.issues)
        .find((i) => i.code !== 'invalid_type' && i.code !== 'invalid_literal');
      if (specific) return issueToDiagnostic(specific, subject, prefix, zod);
      return error(
        'CONFIG.INVALID_TYPE',
        `${where} has the wrong type`,
        withPath(subject, path),
        'see the DSL types for what it accepts',
      );
    }
    default:
      if (custom?.startsWith('SQL.') && issue.code === 'custom') {
        // A SQL fragment the lexer refused: point at the character inside the string.
        const offset = issue.params?.['offset'] as number;
        return error(
          custom,
          `${where}: ${issue.message}`,
          { ...withPath(subject, path), at: { part: 0, offset } },
          issue.params?.['hint'] as string | undefined,
        );
      }
      if (custom === 'CONFIG.PLAINTEXT_SECRET') {
        return error(
          'CONFIG.PLAINTEXT_SECRET',
          `${where} ${issue.message}`,
          withPath(subject, path),
          'create the Kubernetes Secret out of band and reference it; generated files only ever name it',
        );
      }
      return error(
        custom === 'CONFIG.INVALID_NAME' ? custom : nameOrValue(path),
        `${where} ${issue.message}`,
        withPath(subject, path),
      );
  }
}

/**
 * The credential policy over every string of an entity's options (the shape check may have failed:
 * credentials are reported anyway, once, beside the other mistakes).
 */
function checkCredentials(
  options: unknown,
  subject: Subject,
  prefix: readonly (string | number)[],
  out: Diagnostic[],
): void {
  const findings = plaintextCredentials(options, prefix);
  // (Built only when there is something to report: a valid config's entities have no finding.)
  if (findings.length === 0) return;
  const reported = new Set(
    out.filter((d) => d.code === 'CONFIG.PLAINTEXT_SECRET').map((d) => JSON.stringify(d.subject)),
  );
  for (const found of findings) {
    const at = withPath(subject, found.path);
    if (reported.has(JSON.stringify(at))) continue;
    out.push(
      error(
        'CONFIG.PLAINTEXT_SECRET',
        `'${found.path.join('.')}' ${found.message.replace(/^'[^']*' /, '')}`,
        found.offset === undefined ? at : { ...at, at: { part: 0, offset: found.offset } },
        "pass credentials as secret('<secret name>', '<key>'): generated files then name the Secret, never its value",
      ),
    );
  }
}

function passes(fast: (value: unknown) => boolean, value: unknown): boolean {
  try {
    return fast(value);
  } catch {
    return false;
  }
}

function check(
  zod: ZodType,
  value: unknown,
  subject: Subject,
  out: Diagnostic[],
  prefix: readonly (string | number)[] = [],
): boolean {
  // The fast path says only whether the value passes; zod runs to explain a value it refuses. A value
  // whose getters throw is left to zod too, which then throws the same error where it always did.
  const fast = fastParser(zod as ZodTypeAny);
  if (fast && passes(fast, value)) {
    checkCredentials(value, subject, prefix, out);
    return true;
  }
  const result = zod.safeParse(value);
  for (const issue of result.error?.issues ?? []) {
    out.push(issueToDiagnostic(issue, subject, prefix, zod as ZodTypeAny));
  }
  checkCredentials(value, subject, prefix, out);
  return result.success;
}

/** Views, tables and charts reachable from the pipeline, in first-seen order. */
function fragmentRefs(fragment: SqlFragment): unknown[] {
  const refs: unknown[] = [];
  for (const value of fragment.values) {
    const resolved = typeof value === 'function' && !entityKind(value) ? safeCall(value) : value;
    refs.push(resolved);
    if (entityKind(resolved) === 'sql') refs.push(...fragmentRefs(resolved as SqlFragment));
  }
  return refs;
}

function safeCall(fn: () => unknown): unknown {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** What a wrong default export is, in a few words: "a function", "an object without definePipeline", … */
function describeExport(value: unknown): string {
  const kind = entityKind(value);
  if (kind) return `a ${kind.replace('-', ' ')}, not the pipeline`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'function':
      return 'a function (export what definePipeline returns, not a function that makes it)';
    case 'object':
      return typeof (value as { then?: unknown }).then === 'function'
        ? 'a promise (await it before exporting)'
        : 'an object without definePipeline';
    case 'string':
      return 'a string';
    default:
      return `a ${typeof value}`;
  }
}

export function validate(value: unknown): { config?: ValidConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  if (entityKind(value) !== 'pipeline') {
    diagnostics.push(
      error(
        'CONFIG.NO_PIPELINE',
        `the config must \`export default definePipeline({ … })\`; its default export is ${describeExport(value)}`,
        { kind: 'pipeline' },
        "import { definePipeline } from 'cdc-compile' and export its result as the module's default export",
      ),
    );
    return { diagnostics };
  }
  const pipeline = value as Pipeline;
  const root: Subject = { kind: 'pipeline' };
  if (!check(schema.pipelineOptions, pipeline.options, root, diagnostics)) {
    // Keep going where the structure allows it, so the user sees every problem at once.
    if (!Array.isArray(pipeline.options?.sources)) return { diagnostics };
  }
  if (pipeline.options?.deployment !== undefined)
    check(deploymentOptions, pipeline.options.deployment, root, diagnostics, ['deployment']);
  const sources = (pipeline.options.sources ?? []).filter((s): s is Source => entityKind(s) === 'source');
  for (const source of sources) {
    const subject: Subject = { kind: 'source', source: displayValue(source.name) };
    check(schema.sourceName, source.name, subject, diagnostics, ['name']);
    check(schema.sourceOptions, source.options, subject, diagnostics);
    for (const table of source.tables) {
      const tableSubject: Subject = {
        kind: 'table',
        source: displayValue(source.name),
        table: displayValue(table.name),
      };
      check(schema.sourceIdentifier, table.name, tableSubject, diagnostics, ['name']);
      check(schema.tableOptions, table.options, tableSubject, diagnostics);
    }
  }

  // Views: those listed, plus any a listed view or chart depends on (listing them is optional).
  const views: View[] = [];
  const charts: Chart[] = [];
  const seenViews = new Set<unknown>();
  const addView = (v: unknown) => {
    if (entityKind(v) !== 'view' || seenViews.has(v)) return;
    seenViews.add(v);
    const viewEntity = v as View;
    const subject: Subject = { kind: 'view', view: displayValue(viewEntity.name) };
    check(schema.identifier, viewEntity.name, subject, diagnostics, ['name']);
    if (!check(schema.viewOptions, viewEntity.options, subject, diagnostics)) {
      views.push(viewEntity);
      return;
    }
    for (const ref of fragmentRefs(viewEntity.options.sql)) {
      if (entityKind(ref) === 'view') addView(ref);
      if (entityKind(ref) === 'column-ref') addView((ref as { owner: unknown }).owner);
    }
    views.push(viewEntity);
  };
  // A non-array here was reported above; the guards keep a wrong type from crashing the loops.
  const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
  for (const v of list(pipeline.options.views)) addView(v);

  const dashboards = list(pipeline.options.dashboards).filter((d): d is Dashboard => entityKind(d) === 'dashboard');
  const seenCharts = new Set<unknown>();
  const addChart = (c: unknown) => {
    if (entityKind(c) !== 'chart' || seenCharts.has(c)) return;
    seenCharts.add(c);
    const chartEntity = c as Chart;
    const subject: Subject = { kind: 'chart', chart: displayValue(chartEntity.name) };
    // The name is the chart's identity in Superset (its UUID, its file): a non-empty string.
    if (typeof chartEntity.name !== 'string' || chartEntity.name.trim() === '')
      diagnostics.push(error('CONFIG.INVALID_NAME', 'a chart name must be a non-empty string', subject));
    // Names land in Superset's files too, so they pass the credential policy like every option.
    else checkCredentials(chartEntity.name, subject, ['name'], diagnostics);
    if (check(schema.chartOptions, chartEntity.options, subject, diagnostics)) addView(chartEntity.options.view);
    charts.push(chartEntity);
  };
  for (const c of list(pipeline.options.charts)) addChart(c);
  for (const d of dashboards) {
    const subject: Subject = { kind: 'dashboard', dashboard: displayValue(d.title) };
    if (typeof d.title !== 'string' || d.title.trim() === '')
      diagnostics.push(error('CONFIG.INVALID_NAME', 'a dashboard title must be a non-empty string', subject));
    else checkCredentials(d.title, subject, ['title'], diagnostics);
    if (check(schema.dashboardOptions, d.options, subject, diagnostics)) {
      for (const row of d.options.rows) for (const c of rowCharts(row)) addChart(c);
    }
  }
  return { config: { pipeline, sources, views, charts, dashboards }, diagnostics };
}

export type { Table };
