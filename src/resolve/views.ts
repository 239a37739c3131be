import type { ColumnType } from '../dsl/columns.js';
import { entityKind } from '../dsl/entity.js';
import type { ColumnRef, Table, TableAlias } from '../dsl/source.js';
import type { SqlFragment, View } from '../dsl/view.js';
import { describeType } from './type-matrix.js';
import { assertNever, error, InternalError, type Diagnostic, type Subject } from '../diagnostics.js';
import { dataTypeOf } from './data-types.js';
import type { ViewModel } from './model.js';
import { analyticsNameProblem, didYouMean, landingName, qualify } from './names.js';
import { checkLexed, checkQuery, lex, type SqlProblem } from '../sql/lexer.js';
import { credentialInText } from '../credentials/policy.js';
import { dedent } from '../sql/dialect.js';
import { selectItems } from '../sql/select-list.js';
import type { ResolvedTable } from './tables.js';

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Renders view SQL: every interpolated table, view or column becomes the analytics name it stands for, so
 * the SQL can never name a table or column the pipeline does not produce.
 */
export function resolveViews(
  views: readonly View[],
  tables: ReadonlyMap<Table, ResolvedTable>,
  analyticsSchema: string,
  out: Diagnostic[],
): ViewModel[] {
  const resolved = new Map<View, ViewModel>();
  const known = new Set(views);
  /** Per view: where in its SQL each view it depends on is first interpolated (for cycle reports). */
  const dependencyPaths = new Map<string, Map<string, readonly (string | number)[]>>();
  // An alias is checked where it is first used; reporting it in every view that uses it says nothing new.
  const checkedAliases = new Map<TableAlias, boolean>();
  for (const v of views) {
    // The path of the `${…}` being rendered: ['sql', i] for the i-th interpolation, ['sql', i, j] inside a
    // nested sql`…` fragment. The locator follows it to the interpolation itself.
    let at: readonly (string | number)[] = ['sql'];
    const subject = (): Subject => ({ kind: 'view', view: v.name, path: at });
    const dependsOn: string[] = [];
    const reads = new Set<string>();
    /** Where in the rendered text each column reference was interpolated, and what it reads (lineage). */
    const refs: { start: number; read: string }[] = [];
    const depPaths = new Map<string, readonly (string | number)[]>();
    dependencyPaths.set(v.name, depPaths);
    const unknownTables = new Set<Table>();
    /** Where each piece of the rendered SQL comes from: literal text of a template, or a `${…}`. */
    const segments: { start: number; end: number; path: readonly (string | number)[]; part?: number }[] = [];
    const render = (fragment: SqlFragment, path: readonly (string | number)[], base: number): string => {
      let text = fragment.strings[0] ?? '';
      segments.push({ start: base, end: base + text.length, path, part: 0 });
      fragment.values.forEach((raw, i) => {
        // One path per interpolation, shared by the diagnostics and its segment (neither changes it). Made
        // with concat, which sizes it exactly: a spread ([...path, i]) leaves room for 16 more items, and
        // the Model keeps one per interpolation of every view (at 10,000 views, 15 MB of empty slots).
        const here = path.concat(i);
        at = here;
        const start = base + text.length;
        const value = renderValue(raw, here, start);
        segments.push({ start, end: start + value.length, path: here });
        text += value;
        const literal = fragment.strings[i + 1] ?? '';
        segments.push({ start: base + text.length, end: base + text.length + literal.length, path, part: i + 1 });
        text += literal;
      });
      return text;
    };
    /** An alias is pasted into the SQL as a name: only a plain identifier may be one. */
    const aliasName = (alias: TableAlias, path: readonly (string | number)[]): string => {
      if (!checkedAliases.has(alias)) {
        const problem = typeof alias.alias === 'string' ? analyticsNameProblem(alias.alias) : 'not a string';
        checkedAliases.set(alias, !problem);
        if (problem) {
          out.push(
            error(
              'SQL.INVALID_ALIAS',
              `view '${v.name}': table alias ${JSON.stringify(alias.alias)} is ${problem}`,
              { kind: 'view', view: v.name, path: [...path, 'as'] },
              "an alias is a plain name, e.g. orders.as('o')",
            ),
          );
        }
      }
      // A refused alias renders as a placeholder, so the rest of the SQL is still checked.
      return checkedAliases.get(alias) ? alias.alias : 'invalid_alias';
    };
    /** A problem the lexer found at `offset` of the rendered SQL, pointed at the template text it came from. */
    const sqlProblem = (problem: Pick<SqlProblem, 'offset' | 'message' | 'hint'> & { code: string }) => {
      const segment =
        segments.find((s) => s.start <= problem.offset && problem.offset < s.end) ??
        segments.find((s) => s.part !== undefined && s.end === problem.offset) ??
        segments[0]!;
      const where: Subject =
        segment.part === undefined
          ? { kind: 'view', view: v.name, path: segment.path }
          : {
              kind: 'view',
              view: v.name,
              path: segment.path,
              at: { part: segment.part, offset: problem.offset - segment.start },
            };
      out.push(error(problem.code, `view '${v.name}': ${problem.message}`, where, problem.hint));
    };
    const tableName = (table: Table): string => {
      const t = tables.get(table);
      if (!t) {
        // Once per table and view: `${items}` and `${items.c.name}` are the same mistake.
        if (unknownTables.has(table)) return table.name;
        unknownTables.add(table);
        out.push(
          error(
            'REF.UNKNOWN_TABLE',
            `view '${v.name}' reads table '${table.name}', whose source is not in the pipeline's sources`,
            subject(),
            `add source '${table.source?.name}' to definePipeline({ sources: [...] })`,
          ),
        );
        return table.name;
      }
      return t.analytics.qualifiedName;
    };
    const viewName = (target: View): string => {
      if (!known.has(target)) {
        out.push(
          error(
            'REF.UNKNOWN_VIEW',
            `view '${v.name}' reads view '${target.name}', which is not part of the pipeline`,
            subject(),
          ),
        );
      }
      if (!dependsOn.includes(target.name)) {
        dependsOn.push(target.name);
        depPaths.set(target.name, at);
      }
      return qualify(analyticsSchema, target.name);
    };
    /** A table column as the analytics table names it; source columns may land under another name. */
    const landing = (t: ResolvedTable, column: string): string => {
      const captured = t.columns.find((c) => c.name === column);
      if (captured) return captured.analyticsName;
      const declared = (t.entity.options.columns as Record<string, ColumnType>)[column];
      const include = t.entity.options.analytics?.columns as readonly string[] | undefined;
      if (declared && !include?.includes(column) && include) {
        out.push(
          error(
            'REF.UNKNOWN_COLUMN',
            `view '${v.name}' references '${t.name}.${column}', which analytics.columns leaves out of '${t.analytics.name}'`,
            subject(),
            `add '${column}' to analytics.columns of '${t.name}'`,
          ),
        );
        return column;
      }
      // A declared column whose type was refused is reported there; do not report it again here.
      if (declared) return landingName(column, declared.spec);
      const names = [
        ...t.columns.map((c) => c.name),
        ...t.analytics.columns.filter((c) => c.origin !== 'source').map((c) => c.name),
      ];
      checkColumn(t.analytics.name, names, column);
      return column;
    };
    const checkColumn = (ownerName: string, columns: readonly string[], column: string) => {
      if (!columns.includes(column)) {
        out.push(
          error(
            'REF.UNKNOWN_COLUMN',
            `view '${v.name}' references '${ownerName}.${column}', which does not exist`,
            subject(),
            didYouMean(column, columns),
          ),
        );
      }
    };
    const read = (column: string, start: number) => {
      reads.add(column);
      refs.push({ start, read: column });
    };
    const renderValue = (raw: unknown, path: readonly (string | number)[], base: number): string => {
      let value = raw;
      if (typeof raw === 'function' && !entityKind(raw)) {
        try {
          value = (raw as () => unknown)();
        } catch (err) {
          out.push(
            error(
              'VIEW.BAD_INTERPOLATION',
              `view '${v.name}' interpolates a function that threw: ${err instanceof Error ? err.message : String(err)}`,
              subject(),
              'a function in ${…} must return a table or a view, e.g. ${() => laterView}',
            ),
          );
          return '';
        }
      }
      const kind = entityKind(value);
      switch (kind) {
        case 'table':
          return tableName(value as Table);
        case 'table-alias': {
          const alias = value as TableAlias;
          return `${tableName(alias.table)} AS ${aliasName(alias, path)}`;
        }
        case 'view':
          return viewName(value as View);
        case 'column-ref': {
          const ref = value as ColumnRef;
          const owner = ref.owner;
          switch (entityKind(owner)) {
            case 'table': {
              const t = tables.get(owner as Table);
              const column = t ? landing(t, ref.column) : ref.column;
              if (t) read(`${t.analytics.name}.${column}`, base);
              return `${tableName(owner as Table)}.${column}`;
            }
            case 'table-alias': {
              const alias = owner as TableAlias;
              const t = tables.get(alias.table);
              const column = t ? landing(t, ref.column) : ref.column;
              if (t) read(`${t.analytics.name}.${column}`, base);
              return `${aliasName(alias, path)}.${column}`;
            }
            case 'view': {
              const target = owner as View;
              checkColumn(target.name, Object.keys(target.options.columns), ref.column);
              viewName(target);
              read(`${target.name}.${ref.column}`, base);
              return `${qualify(analyticsSchema, target.name)}.${ref.column}`;
            }
            default:
              // Only the DSL makes column references, and it gives each a table, an alias or a view.
              throw new InternalError(`column reference owned by ${String(entityKind(owner))}`);
          }
        }
        case 'sql':
          return render(value as SqlFragment, path, base);
        case undefined:
        case 'column-type':
        case 'secret':
        case 'source':
        case 'metric':
        case 'chart':
        case 'dashboard':
        case 'pipeline':
          out.push(
            error(
              'VIEW.BAD_INTERPOLATION',
              `view '${v.name}' interpolates ${describeValue(value)} into its SQL; only tables, views, their columns (t.c.name) and sql\`…\` fragments may appear in \${…}`,
              subject(),
              'write literals in the SQL text itself',
            ),
          );
          return String(value);
        default:
          return assertNever(kind, 'entity kind');
      }
    };
    // The check runs on exactly the text views.sql receives; dedent only removes indentation at line
    // starts, which moves no token boundary, so the same problem is found in the raw text for its location.
    const raw = render(v.options.sql, ['sql'], 0);
    let body = dedent(raw).trim();
    // One lex, of the raw text, when it tells what the body's would. In ASCII text dedent and trim remove
    // only characters the lexer skips as white space, and never between two characters of a token's
    // boundary (a line's indentation follows its newline, which stays), so the body lexes into the same
    // tokens at other offsets. A passing raw text without a terminator is then a passing body without one
    // (a terminator's offsets are the body's, to cut it: that case, and every refusal, ask the body).
    // Non-ASCII text is always asked: dedent's \s also removes a no-break space, which the lexer reads as
    // part of a word.
    const lexedRaw = ASCII.test(raw) ? lex(raw) : undefined;
    const quick = lexedRaw && checkLexed(raw, lexedRaw);
    const checked = quick && !quick.problem && !quick.terminator ? quick : checkQuery(body);
    const rawTokens = checked.problem ? undefined : (lexedRaw ?? lex(raw)).tokens;
    if (checked.problem) sqlProblem((quick ?? checkQuery(raw)).problem ?? checked.problem);
    else {
      // The credential policy over the SQL's literals and comments (a dblink connection string, a URL).
      for (const t of rawTokens ?? []) {
        if (t.kind !== 'string' && t.kind !== 'dollar' && t.kind !== 'comment') continue;
        const found = credentialInText(t.value);
        if (!found) continue;
        sqlProblem({
          code: 'CONFIG.PLAINTEXT_SECRET',
          message: `its SQL holds ${found.what}, which would be written into views.sql`,
          offset: raw.indexOf(t.value, t.start) + found.offset,
          hint: 'views.sql is a generated file: keep credentials out of view SQL',
        });
      }
    }
    const columns = Object.entries(v.options.columns as Record<string, ColumnType>);
    // Lineage: each declared column from the select-list item at its position, when the text tells.
    const items = rawTokens && selectItems(rawTokens);
    const exact = items !== undefined && items.length === columns.length;
    const sorted = [...reads].sort();
    /** What column k reads: the distinct reads inside its select-list item, sorted (most read one). */
    const from = (k: number): string[] => {
      if (!exact) return sorted;
      const item = items[k]!;
      const found: string[] = [];
      for (let i = 0; i < refs.length; i++) {
        const r = refs[i]!;
        if (item.some((part) => part.start <= r.start && r.start < part.end) && !found.includes(r.read))
          found.push(r.read);
      }
      return found.length > 1 ? found.sort() : found;
    };
    const inItem = (at: number) => exact && items.some((branch) => branch.some((i) => i.start <= at && at < i.end));
    const rowsFrom = exact ? [...new Set(refs.filter((r) => !inItem(r.start)).map((r) => r.read))].sort() : sorted;
    if (!checked.problem && checked.terminator) {
      body = `${body.slice(0, checked.terminator.start)}${body.slice(checked.terminator.end)}`.trimEnd();
    }
    resolved.set(v, {
      name: v.name,
      qualifiedName: qualify(analyticsSchema, v.name),
      sql: body,
      columns: columns.map(([name, type], k) => ({
        name,
        type: describeType(type.spec),
        dataType: dataTypeOf(type.spec),
        from: from(k),
      })),
      dependsOn,
      reads: sorted,
      columnLineage: exact ? 'select-list' : 'whole-view',
      rowsFrom,
      ...(v.options.description ? { description: v.options.description } : {}),
      origin: { text: raw, segments },
    });
  }
  return dependencyOrder([...resolved.values()], dependencyPaths, out);
}

/** What a bad `${…}` holds, for the message: `the number 10`, `undefined`, `an object`. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `the ${typeof value} ${String(value)}`;
  return typeof value === 'function' ? 'a function' : 'an object';
}

/** Stable topological order: declaration order, each view after the views it reads; cycles are errors. */
function dependencyOrder(
  views: readonly ViewModel[],
  dependencyPaths: ReadonlyMap<string, ReadonlyMap<string, readonly (string | number)[]>>,
  out: Diagnostic[],
): ViewModel[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const ordered: ViewModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (v: ViewModel, trail: string[]) => {
    if (state.get(v.name) === 'done') return;
    if (state.get(v.name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(v.name)), v.name];
      // Reported where the cycle closes: the `${…}` of the last view in the trail that reads this one.
      const closer = trail.at(-1) ?? v.name;
      out.push(
        error(
          'VIEW.CYCLE',
          `view '${closer}' reads '${v.name}', which closes a cycle: ${cycle.join(' → ')}`,
          { kind: 'view', view: closer, path: dependencyPaths.get(closer)?.get(v.name) ?? ['sql'] },
          'views are created in dependency order, so one of them must stop reading the other',
        ),
      );
      return;
    }
    state.set(v.name, 'visiting');
    for (const dep of v.dependsOn) {
      const target = byName.get(dep);
      if (target) visit(target, [...trail, v.name]);
    }
    state.set(v.name, 'done');
    ordered.push(v);
  };
  for (const v of views) visit(v, []);
  return ordered;
}
