/**
 * The `add table` codemod: inserts `const <name> = <source>.table('<table>', { … });` into the config's
 * text. ts-morph finds where (the `postgresSource('<source>', …)` declaration, the source's last table
 * declaration, the `cdc-compile` import); the edit itself is spliced into the original text, so every
 * other byte — formatting, comments, blank lines — stays as the user wrote it. Loaded only by the `add`
 * command. Text in, text out: no disk.
 */
import { Node, Project, SyntaxKind, type CallExpression, type SourceFile, type Statement } from 'ts-morph';
import type { ColumnDraft, Refused } from './columns.js';

export interface TableInsert {
  readonly source: string;
  readonly table: string;
  /** Only when it is not the source's default schema. */
  readonly schema?: string;
  readonly columns: readonly ColumnDraft[];
  /** Key columns in key order, when there are several (one key column is marked `.primaryKey()`). */
  readonly primaryKey?: readonly string[];
  /** Columns left out, each with its reason: written as comments in the block for review. */
  readonly refused: readonly Refused[];
}

export type EditResult =
  | { readonly ok: true; readonly text: string; readonly line: number; readonly variable: string }
  | {
      readonly ok: false;
      readonly code: 'ADD.SOURCE_NOT_FOUND' | 'ADD.TABLE_EXISTS';
      readonly message: string;
      readonly hint?: string;
    };

const stringArg = (call: CallExpression, i = 0): string | undefined => {
  const arg = call.getArguments()[i];
  return arg && Node.isStringLiteral(arg)
    ? arg.getLiteralValue()
    : arg && Node.isNoSubstitutionTemplateLiteral(arg)
      ? arg.getLiteralValue()
      : undefined;
};

const topStatement = (node: Node): Statement | undefined => {
  let n: Node | undefined = node;
  while (n?.getParent() && !Node.isSourceFile(n.getParent())) n = n.getParent();
  return n && Node.isStatement(n) ? n : undefined;
};

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `order_items` → `orderItems`; never a name the file already uses. */
function variableName(table: string, source: string, taken: ReadonlySet<string>): string {
  const camel = (s: string) =>
    s
      .replace(/[^A-Za-z0-9_$]+/g, '_')
      .replace(/_+([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase())
      .replace(/^[^A-Za-z_$]/, (c) => `_${c}`);
  const base = camel(table) || 'table';
  const candidates = [base, `${camel(source)}${base[0]!.toUpperCase()}${base.slice(1)}`, `${base}Table`];
  for (const c of candidates) if (!taken.has(c)) return c;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

export function insertTable(text: string, fileName: string, insert: TableInsert): EditResult {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true },
  });
  const file: SourceFile = project.createSourceFile(fileName.endsWith('.ts') ? fileName : `${fileName}.ts`, text);
  const calls = file.getDescendantsOfKind(SyntaxKind.CallExpression);
  const sourceCall = calls.find(
    (c) => c.getExpression().getText() === 'postgresSource' && stringArg(c) === insert.source,
  );
  const declaration = sourceCall?.getParentIfKind(SyntaxKind.VariableDeclaration);
  if (!sourceCall || !declaration) {
    const names = calls
      .filter((c) => c.getExpression().getText() === 'postgresSource')
      .map((c) => stringArg(c))
      .filter(Boolean);
    return {
      ok: false,
      code: 'ADD.SOURCE_NOT_FOUND',
      message: `${fileName} declares no source '${insert.source}' as \`const … = postgresSource('${insert.source}', …)\``,
      hint: names.length ? `its sources: ${names.join(', ')}` : 'declare the source in this file first',
    };
  }
  const sourceVar = declaration.getName();
  const tableCalls = calls.filter((c) => {
    const e = c.getExpression();
    return Node.isPropertyAccessExpression(e) && e.getName() === 'table' && e.getExpression().getText() === sourceVar;
  });
  const schemaOf = (c: CallExpression) => {
    const options = c.getArguments()[1];
    if (!options || !Node.isObjectLiteralExpression(options)) return undefined;
    const schema = options.getProperty('schema');
    return schema && Node.isPropertyAssignment(schema) ? schema.getInitializer()?.getText().slice(1, -1) : undefined;
  };
  const existing = tableCalls.find((c) => stringArg(c) === insert.table && schemaOf(c) === insert.schema);
  if (existing)
    return {
      ok: false,
      code: 'ADD.TABLE_EXISTS',
      message: `${insert.source}.${insert.schema ? `${insert.schema}.` : ''}${insert.table} is declared already (line ${existing.getStartLineNumber()})`,
      hint: 'edit its columns there; `cdc-compile plan` shows what the change takes',
    };

  // Style of the file: its quote, its indentation unit, whether statements end in `;`.
  const quoteChar = sourceCall.getArguments()[0]!.getText()[0] === '"' ? '"' : "'";
  const q = (s: string) =>
    `${quoteChar}${s.replaceAll('\\', '\\\\').replaceAll(quoteChar, `\\${quoteChar}`)}${quoteChar}`;
  const after = topStatement(tableCalls.at(-1) ?? declaration) ?? topStatement(declaration)!;
  const indentMatch = /\n([ \t]+)\S/.exec(after.getText());
  const unit = indentMatch?.[1] ?? '  ';
  const semi = after.getText().trimEnd().endsWith(';') ? ';' : '';
  const taken = new Set(file.getDescendantsOfKind(SyntaxKind.Identifier).map((i) => i.getText()));
  const variable = variableName(insert.table, insert.source, taken);
  const key = (name: string) => (IDENT.test(name) ? name : q(name));

  const lines = [`const ${variable} = ${sourceVar}.table(${q(insert.table)}, {`];
  if (insert.schema) lines.push(`${unit}schema: ${q(insert.schema)},`);
  lines.push(`${unit}columns: {`);
  for (const c of insert.columns) lines.push(`${unit}${unit}${key(c.name)}: ${c.expression},`);
  for (const r of insert.refused)
    lines.push(`${unit}${unit}// not captured: ${r.name} (${r.type}): ${r.reason.replace(/\s*\n\s*/g, ' ')}`);
  lines.push(`${unit}},`);
  if (insert.primaryKey && insert.primaryKey.length > 1)
    lines.push(`${unit}primaryKey: [${insert.primaryKey.map(q).join(', ')}],`);
  lines.push(`})${semi}`);

  let out = text;
  // The `t` column builders: added to the cdc-compile import when the file does not import them.
  const imports = file.getImportDeclarations().filter((d) => d.getModuleSpecifierValue() === 'cdc-compile');
  const hasT = imports.some((d) =>
    d.getNamedImports().some((n) => (n.getAliasNode()?.getText() ?? n.getName()) === 't'),
  );
  let shift = 0;
  if (!hasT) {
    const named = imports.map((d) => d.getNamedImports()).find((n) => n.length);
    if (named) {
      const last = named.at(-1)!;
      const multiline = last.getParentOrThrow().getText().includes('\n');
      const lastLine = text.slice(text.lastIndexOf('\n', last.getStart()) + 1, last.getStart());
      const piece = multiline ? `,\n${lastLine}t` : ', t';
      out = `${out.slice(0, last.getEnd())}${piece}${out.slice(last.getEnd())}`;
      if (last.getEnd() < after.getEnd()) shift = piece.length;
    } else {
      const piece = `import { t } from ${q('cdc-compile')}${semi}\n`;
      const at = imports[0]?.getStart() ?? 0;
      out = `${out.slice(0, at)}${piece}${out.slice(at)}`;
      shift = piece.length;
    }
  }
  const end = after.getEnd() + shift;
  out = `${out.slice(0, end)}\n\n${lines.join('\n')}${out.slice(end)}`;
  const line = out.slice(0, end + 2).split('\n').length;
  return { ok: true, text: out, line, variable };
}

/** The `schema` a `postgresSource('<source>', { schema: '…' })` declares for its tables, when written as a literal. */
export function sourceDefaultSchema(text: string, source: string): string | undefined {
  const project = new Project({ useInMemoryFileSystem: true, skipFileDependencyResolution: true });
  const file = project.createSourceFile('config.ts', text);
  const call = file
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .find((c) => c.getExpression().getText() === 'postgresSource' && stringArg(c) === source);
  const options = call?.getArguments()[1];
  if (!options || !Node.isObjectLiteralExpression(options)) return undefined;
  const schema = options.getProperty('schema');
  const value = schema && Node.isPropertyAssignment(schema) ? schema.getInitializer() : undefined;
  return value && Node.isStringLiteral(value) ? value.getLiteralValue() : undefined;
}
