/**
 * Steps 1–3 of verify, on the analytics database: the schema and views apply (twice), each view's real
 * columns and types are the declared ones, and every chart's query runs against its view. PostgreSQL's
 * error positions are pointed back at the config: into the view's sql`…` template, or at the chart option
 * whose part of the query failed.
 */
import { error, warning, type Diagnostic, type Subject } from '../diagnostics.js';
import { chartQuery } from '../resolve/chart-query.js';
import type { Model, ViewModel } from '../resolve/model.js';
import type { Artefact } from '../targets/artefact.js';
import { isPgError, type Db, type PgError } from './db.js';
import { fileDiagnostic, jsIndex, textOf } from './positions.js';

/** Position of PostgreSQL's 1-based character `position` in `text`, as a JS string index. */
const errorIndex = (text: string, e: PgError) =>
  e.position === undefined ? undefined : jsIndex(text, Number(e.position) - 1);

/** `message` plus PostgreSQL's detail and hint, as one line. */
export const pgMessage = (e: PgError) => [e.message, e.detail ? `(${e.detail})` : ''].filter(Boolean).join(' ');

/**
 * The offset in the view's rendered template text (`origin.text`) of `bodyOffset` in its SQL (the text
 * dedented and trimmed: only whitespace was removed, so non-blank characters align one to one).
 */
export function rawOffset(view: ViewModel, bodyOffset: number): number {
  const raw = view.origin.text;
  const body = view.sql;
  let j = 0;
  for (let i = 0; i < bodyOffset && i < body.length; i++, j++) {
    while (j < raw.length && raw[j] !== body[i]) j++;
  }
  const target = body[bodyOffset];
  if (target !== undefined) while (j < raw.length && raw[j] !== target) j++;
  return Math.min(j, raw.length);
}

/** Where character `bodyOffset` of the view's SQL came from: a literal part of a template, or a `${…}`. */
export function viewSubjectAt(view: ViewModel, bodyOffset: number | undefined): Subject {
  if (bodyOffset === undefined) return { kind: 'view', view: view.name, path: ['sql'] };
  const offset = rawOffset(view, bodyOffset);
  const segments = view.origin.segments;
  const segment =
    segments.find((s) => s.start <= offset && offset < s.end) ??
    segments.find((s) => s.part !== undefined && s.end === offset) ??
    segments[0];
  if (!segment) return { kind: 'view', view: view.name, path: ['sql'] };
  return segment.part === undefined
    ? { kind: 'view', view: view.name, path: segment.path }
    : { kind: 'view', view: view.name, path: segment.path, at: { part: segment.part, offset: offset - segment.start } };
}

const artefact = textOf;

export interface AnalyticsOutcome {
  readonly diagnostics: Diagnostic[];
  /** Views that could not be created as written (stand-ins with the declared columns took their place). */
  readonly failedViews: ReadonlySet<string>;
}

/** Step 1: schema.sql and views.sql, twice. A failing views.sql is diagnosed view by view. */
export async function applyAnalytics(
  db: Db,
  model: Model,
  artefacts: readonly Artefact[],
  outDir: string,
): Promise<AnalyticsOutcome> {
  const diagnostics: Diagnostic[] = [];
  const failedViews = new Set<string>();
  const schemaPath = model.analytics.files.schema;
  const viewsPath = model.analytics.files.views;
  const schema = artefact(artefacts, schemaPath) ?? '';
  const views = artefact(artefacts, viewsPath) ?? '';
  const run = async (path: string, sql: string, round: number): Promise<PgError | undefined> => {
    try {
      await db.exec(sql);
      return undefined;
    } catch (err) {
      if (!isPgError(err)) throw err;
      if (path === schemaPath || round === 2) {
        diagnostics.push(
          fileDiagnostic(
            'VERIFY.ANALYTICS_SQL',
            `${path} failed${round === 2 ? ' when run a second time (it must be idempotent)' : ''}: ${pgMessage(err)}`,
            outDir,
            path,
            sql,
            errorIndex(sql, err),
            err.hint,
          ),
        );
      }
      return err;
    }
  };
  if (await run(schemaPath, schema, 1)) return { diagnostics, failedViews };
  const viewsFailed = await run(viewsPath, views, 1);
  if (viewsFailed) {
    await diagnoseViews(db, model, failedViews, diagnostics);
    if (!failedViews.size) {
      // Every view is fine on its own: the script around them failed.
      diagnostics.push(
        fileDiagnostic(
          'VERIFY.ANALYTICS_SQL',
          `${viewsPath} failed: ${pgMessage(viewsFailed)}`,
          outDir,
          viewsPath,
          views,
          errorIndex(views, viewsFailed),
          viewsFailed.hint,
        ),
      );
    }
    return { diagnostics, failedViews };
  }
  if (!(await run(schemaPath, schema, 2))) await run(viewsPath, views, 2);
  return { diagnostics, failedViews };
}

/**
 * Creates the views one by one, in dependency order, to find each one that fails and where. A failed view
 * is replaced by a stand-in with its declared columns, so the views that read it are still checked.
 */
async function diagnoseViews(db: Db, model: Model, failed: Set<string>, out: Diagnostic[]): Promise<void> {
  await db.exec(`DROP VIEW IF EXISTS ${model.analytics.dropViews.join(', ')}`).catch(() => undefined);
  for (const v of model.views) {
    const prefix = `CREATE VIEW ${v.qualifiedName} AS\n`;
    try {
      await db.exec(`${prefix}${v.sql}`);
      continue;
    } catch (err) {
      if (!isPgError(err)) throw err;
      failed.add(v.name);
      const at = errorIndex(`${prefix}${v.sql}`, err);
      const offset = at === undefined ? undefined : Math.max(0, at - prefix.length);
      const read = v.dependsOn.filter((d) => failed.has(d));
      out.push(
        error(
          'VERIFY.VIEW_SQL',
          `view '${v.name}': PostgreSQL rejects its SQL: ${pgMessage(err)}`,
          viewSubjectAt(v, offset),
          err.hint ??
            (read.length
              ? `it reads ${read.map((r) => `'${r}'`).join(', ')}, which failed too; fix that first`
              : undefined),
        ),
      );
    }
    const standIn = (typed: boolean) =>
      `CREATE VIEW ${v.qualifiedName} AS SELECT ${v.columns.map((c) => `NULL::${typed ? c.type : 'text'} AS ${quote(c.name)}`).join(', ') || 'NULL AS none'}`;
    await db.exec(standIn(true)).catch(() => db.exec(standIn(false)).catch(() => undefined));
  }
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Step 2: each view's columns as PostgreSQL sees them against the declared ones: names, order, types. */
export async function checkViewColumns(db: Db, model: Model, failedViews: ReadonlySet<string>): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const views = model.views.filter((v) => !failedViews.has(v.name));
  if (!views.length) return out;
  const actual = await db.query<{ view: string; name: string; type: string; category: string }>(
    `SELECT v.name AS view, a.attname AS name, format_type(a.atttypid, NULL) AS type, t.typcategory AS category
       FROM unnest($1::text[], $2::text[]) AS v (name, qualified)
       JOIN pg_catalog.pg_attribute AS a ON a.attrelid = to_regclass(v.qualified)
       JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
      WHERE a.attnum > 0 AND NOT a.attisdropped
      ORDER BY v.name, a.attnum`,
    [views.map((v) => v.name), views.map((v) => v.qualifiedName)],
  );
  const declaredTypes = [...new Set(views.flatMap((v) => v.columns.map((c) => c.type)))];
  const canonical = new Map(
    (
      await db.query<{ declared: string; type: string | null }>(
        'SELECT d AS declared, format_type(to_regtype(d), NULL) AS type FROM unnest($1::text[]) AS d',
        [declaredTypes],
      )
    ).map((r) => [r.declared, r.type]),
  );
  for (const v of views) {
    const columns = actual.filter((a) => a.view === v.name);
    const subject = (path: (string | number)[]): Subject => ({ kind: 'view', view: v.name, path });
    const names = columns.map((c) => c.name);
    const declared = v.columns.map((c) => c.name);
    if (names.join('\0') !== declared.join('\0')) {
      const missing = declared.filter((n) => !names.includes(n));
      const extra = names.filter((n) => !declared.includes(n));
      const detail = [
        missing.length ? `declared but not produced: ${missing.join(', ')}` : '',
        extra.length ? `produced but not declared: ${extra.join(', ')}` : '',
        !missing.length && !extra.length ? 'same columns in another order' : '',
      ]
        .filter(Boolean)
        .join('; ');
      out.push(
        error(
          'VERIFY.VIEW_COLUMNS',
          `view '${v.name}': PostgreSQL's columns are (${names.join(', ')}), the declared ones (${declared.join(', ')}): ${detail}`,
          subject(['columns']),
          'declare exactly the SELECT list, in its order (name each expression with AS)',
        ),
      );
    }
    for (const c of v.columns) {
      const got = columns.find((a) => a.name === c.name);
      if (!got) continue;
      const want = canonical.get(c.type) ?? null;
      if (want === null) {
        // An enum (or another type the analytics database does not define): compare what can be compared.
        out.push(
          warning(
            'VERIFY.VIEW_TYPE_UNKNOWN',
            `view '${v.name}': column '${c.name}' is declared ${c.type}, which the analytics database does not define; PostgreSQL infers ${got.type}`,
            subject(['columns', c.name]),
          ),
        );
        continue;
      }
      if (want !== got.type) {
        out.push(
          error(
            'VERIFY.VIEW_TYPE',
            `view '${v.name}': column '${c.name}' is declared ${c.type} (${c.dataType.category}), but PostgreSQL infers ${got.type} (${categoryName(got.category)})`,
            subject(['columns', c.name]),
            `declare the type PostgreSQL infers, or cast in the SQL (… ::${c.type} AS ${c.name})`,
          ),
        );
      }
    }
  }
  return out;
}

/** pg_type.typcategory in words. */
function categoryName(code: string): string {
  const names: Record<string, string> = {
    A: 'array',
    B: 'boolean',
    D: 'temporal',
    E: 'enum',
    G: 'geometric',
    I: 'network address',
    N: 'numeric',
    R: 'range',
    S: 'text',
    T: 'temporal',
    U: 'user-defined',
    V: 'bit string',
  };
  return names[code] ?? 'other';
}

/** Step 3: the query each chart makes Superset run, against its view. */
export async function runChartQueries(db: Db, model: Model, failedViews: ReadonlySet<string>): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const c of model.charts) {
    const view = model.views.find((v) => v.name === c.view);
    if (!view) continue;
    const query = chartQuery(c, view.qualifiedName);
    try {
      await db.query(query.sql);
    } catch (err) {
      if (!isPgError(err)) throw err;
      const at = errorIndex(query.sql, err);
      const part = at === undefined ? undefined : query.parts.find((p) => p.start <= at && at < p.end);
      out.push(
        error(
          'VERIFY.CHART_QUERY',
          `chart '${c.name}': its query on view '${c.view}' fails: ${pgMessage(err)}${failedViews.has(c.view) ? ` (view '${c.view}' failed in step 1)` : ''}`,
          { kind: 'chart', chart: c.name, path: [...(part?.path ?? [])] },
          err.hint ?? `the query:\n${query.sql}`,
        ),
      );
    }
  }
  return out;
}
