/**
 * `cdc-compile add table <source>.<table>` / `<source>.<schema>.<table>`: declares a table in
 * pipeline.config.ts (the codemod in add/codemod.ts, ts-morph loaded only here), its columns from
 * `--columns` or read from a live database (`--from`), every type checked against the type matrix under
 * the source's connector modes. The edited config must compile before it is written; generated/ is not
 * touched (`cdc-compile plan`, then `cdc-compile`, take it from there).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { compile } from '../compile.js';
import { closest, error, hasErrors, type Diagnostic } from '../diagnostics.js';
import type { Model } from '../resolve/model.js';
import { UsageError, type Command } from './command.js';
import { formatDiagnostics, jsonDiagnostic } from './format.js';
import { oneOf, readOptions } from './options.js';
import type { ColumnDraft, Refused } from './add/columns.js';

const USAGE = `Usage: cdc-compile add table <source>.<table> | <source>.<schema>.<table> [options]

Declares a table of a source in pipeline.config.ts, keeping the file's formatting and comments, with
its columns from --columns or read from the live database (--from). Every column type goes through the
type matrix under the source's connector modes; a column that cannot be carried is left out and listed
(and a key column that cannot refuses the table). The edited config must compile, or nothing is written.
Then \`cdc-compile plan\` lists what the running pipeline needs, and \`cdc-compile\` writes generated/.

Options:
  --columns <list>         name:type[:pk][:notnull],… e.g. id:uuid:pk,book_id:uuid,rating:integer
                           (types as PostgreSQL spells them: varchar(255), numeric(10,2), text[],
                           enum(order_status))
  --from <postgres-url>    read the columns from this database's catalog (read-only; put the password
                           in PGPASSWORD rather than in the URL)
  --config <path>          the config file (default: pipeline.config.ts)
  --dry-run                print the block instead of writing it
  --format <pretty|json>   how to report (default: pretty)
  -h, --help               show this help

Exit status: 0 added, 1 the edited config does not compile or the table cannot be read or carried,
2 bad usage (an unknown source or table gets a suggestion).
`;

interface Target {
  readonly source: string;
  readonly schema?: string;
  readonly table: string;
}

function target(text: string): Target {
  const parts = text.split('.');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === ''))
    throw new UsageError(`'${text}' is not <source>.<table> or <source>.<schema>.<table>`, USAGE);
  return parts.length === 2
    ? { source: parts[0]!, table: parts[1]! }
    : { source: parts[0]!, schema: parts[1]!, table: parts[2]! };
}

const ADD_ERRORS = new Set(['ADD.UNKNOWN_SOURCE', 'ADD.NO_SUCH_TABLE', 'ADD.SOURCE_NOT_FOUND', 'ADD.TABLE_EXISTS']);

async function run(argv: string[], cwd: string): Promise<number> {
  const read = readOptions(
    argv,
    {
      columns: { type: 'string' },
      from: { type: 'string' },
      config: { type: 'string', short: 'c' },
      'dry-run': { type: 'boolean' },
      format: { type: 'string' },
    },
    USAGE,
    true,
  );
  if (read === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = oneOf(read.values.format, 'format', ['pretty', 'json'] as const, 'pretty', USAGE);
  const [what, name, ...extra] = read.positionals;
  if (what !== 'table')
    throw new UsageError(
      what === undefined
        ? 'add needs what to add: add table <source>.<table>'
        : `cdc-compile can add a table, not '${what}'`,
      USAGE,
    );
  if (name === undefined || extra.length) throw new UsageError('add table takes one <source>.<table>', USAGE);
  const t = target(name);
  const { columns: columnsFlag, from } = read.values;
  if ((columnsFlag === undefined) === (from === undefined))
    throw new UsageError('add table needs either --columns or --from (one of them)', USAGE);

  const configPath = resolve(cwd, read.values.config ?? 'pipeline.config.ts');
  const fail = (diagnostics: readonly Diagnostic[], status: number) => {
    if (format === 'json')
      process.stdout.write(`${JSON.stringify({ ok: false, diagnostics: diagnostics.map(jsonDiagnostic) }, null, 2)}\n`);
    else process.stderr.write(formatDiagnostics(diagnostics, cwd));
    return status;
  };
  const before = await compile({ config: configPath });
  const notFound = before.diagnostics.find((d) => d.code === 'CLI.CONFIG_NOT_FOUND');
  if (notFound) throw new UsageError(`${notFound.message}\n${notFound.hint ?? ''}`, USAGE);
  if (hasErrors(before.diagnostics) || !before.model) return fail(before.diagnostics, 1);
  const model: Model = before.model;
  const source = model.sources.find((s) => s.name === t.source);
  if (!source) {
    const suggestion = closest(
      t.source,
      model.sources.map((s) => s.name),
    );
    return fail(
      [
        error(
          'ADD.UNKNOWN_SOURCE',
          `the pipeline has no source '${t.source}'`,
          undefined,
          suggestion
            ? `did you mean '${suggestion}.${t.schema ? `${t.schema}.` : ''}${t.table}'?`
            : `its sources: ${model.sources.map((s) => s.name).join(', ')}`,
        ),
      ],
      2,
    );
  }
  const original = readFileSync(configPath, 'utf8');
  const { insertTable, sourceDefaultSchema } = await import('./add/codemod.js');
  // The schema the table lives in: the named one, else the source's default (its `schema`, or public).
  const defaultSchema = sourceDefaultSchema(original, t.source) ?? 'public';
  const schema = t.schema ?? defaultSchema;

  const { draftColumn, parseColumnsFlag } = await import('./add/columns.js');
  const drafts: ColumnDraft[] = [];
  const refused: Refused[] = [];
  let primaryKey: string[] = [];
  if (columnsFlag !== undefined) {
    const parsed = parseColumnsFlag(columnsFlag);
    if ('problem' in parsed) throw new UsageError(parsed.problem, USAGE);
    for (const c of parsed.columns) {
      const d = draftColumn(c, source.modes);
      if ('reason' in d) refused.push(d);
      else drafts.push(d);
    }
    primaryKey = parsed.columns.filter((c) => c.primaryKey).map((c) => c.name);
  } else {
    const { connect } = await import('./add/introspect.js');
    let catalog;
    try {
      catalog = await connect(from!);
    } catch (err) {
      return fail([error('ADD.CONNECT', `--from: cannot read the database: ${(err as Error).message}`)], 1);
    }
    try {
      const columns = await catalog.columns(schema, t.table);
      if (!columns) {
        const tables = await catalog.tables();
        const suggestion = closest(`${schema}.${t.table}`, tables);
        return fail(
          [
            error(
              'ADD.NO_SUCH_TABLE',
              `the database has no table ${schema}.${t.table}`,
              undefined,
              suggestion
                ? `did you mean '${t.source}.${suggestion}'?`
                : tables.length
                  ? `its tables: ${tables.slice(0, 20).join(', ')}`
                  : 'it has no tables',
            ),
          ],
          2,
        );
      }
      primaryKey = columns
        .filter((c) => c.keyPosition !== undefined)
        .sort((a, b) => a.keyPosition! - b.keyPosition!)
        .map((c) => c.name);
      const single = primaryKey.length === 1;
      for (const c of columns) {
        if (c.generated) {
          refused.push({
            name: c.name,
            type: c.type,
            reason: 'a generated column: PostgreSQL 15 does not publish generated columns to logical replication',
          });
          continue;
        }
        const d = draftColumn(
          {
            name: c.name,
            type: c.type,
            primaryKey: single && c.keyPosition !== undefined,
            notNull: c.notNull && c.keyPosition === undefined,
            ...(c.userType ? { userType: c.userType } : {}),
          },
          source.modes,
        );
        if ('reason' in d) refused.push(d);
        else drafts.push(d);
      }
    } finally {
      await catalog.close();
    }
  }
  const refusedKey = refused.filter((r) => primaryKey.includes(r.name));
  if (refusedKey.length || !drafts.length) {
    const what = refusedKey.length ? `its key column(s) cannot be carried` : 'none of its columns can be carried';
    return fail(
      [
        error(
          'ADD.CANNOT_CARRY',
          `${t.source}.${schema}.${t.table}: ${what}: ${(refusedKey.length ? refusedKey : refused).map((r) => `${r.name} (${r.type}): ${r.reason}`).join('; ')}`,
        ),
      ],
      1,
    );
  }

  const edit = insertTable(original, basename(configPath), {
    source: t.source,
    table: t.table,
    ...(t.schema && t.schema !== defaultSchema ? { schema: t.schema } : {}),
    columns: drafts,
    ...(primaryKey.length > 1 ? { primaryKey } : {}),
    refused,
  });
  if (!edit.ok) return fail([error(edit.code, edit.message, undefined, edit.hint)], ADD_ERRORS.has(edit.code) ? 2 : 1);
  // The edited config must compile; checked in memory before anything is written.
  const after = await compile({ config: configPath, source: edit.text });
  const shown = relative(cwd, configPath) || basename(configPath);
  if (hasErrors(after.diagnostics)) {
    const located = after.diagnostics.map((d) => {
      const { location: _location, ...rest } = d;
      return { ...rest, message: `${d.message} (in the edited config, not written)` };
    });
    return fail(located, 1);
  }
  const table = after.model!.tables.find((x) => x.source === t.source && x.name === t.table && x.schema === schema)!;
  if (!read.values['dry-run']) {
    const temp = join(dirname(configPath), `.${basename(configPath)}.cdc-add-${process.pid}`);
    writeFileSync(temp, edit.text);
    renameSync(temp, configPath);
  }
  const block = edit.text.split('\n').slice(edit.line - 1);
  const end = block.findIndex((l) => /^\}\)/.test(l));
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        {
          ok: true,
          written: !read.values['dry-run'],
          file: shown,
          line: edit.line,
          variable: edit.variable,
          table: `${t.source}.${table.qualifiedName}`,
          analyticsTable: table.analytics.qualifiedName,
          columns: drafts.map((d) => d.name),
          refused,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const lines = [
    `${read.values['dry-run'] ? 'Would add' : 'Added'} ${t.source}.${table.qualifiedName} to ${shown} at line ${edit.line} (${drafts.length} column(s), landing in ${table.analytics.qualifiedName}):`,
    '',
    ...block.slice(0, end + 1).map((l) => `  ${l}`),
    '',
  ];
  if (refused.length)
    lines.push(`Not captured (a comment in the block says why): ${refused.map((r) => r.name).join(', ')}`, '');
  lines.push(
    'The config compiles. Next: `cdc-compile plan` lists what the running pipeline needs, `cdc-compile` writes generated/.',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export const addCommand: Command = { usage: USAGE, run };
