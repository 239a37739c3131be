/**
 * Points diagnostics at the config's source: finds the DSL call that created the entity (by its name
 * argument) with ts-morph, then walks the options object along the diagnostic's path. The fallback of
 * ./index.ts, loaded only when its reader cannot find a subject's call (and by the tests, which compare).
 */
import { Node, Project, type CallExpression, type SourceFile } from 'ts-morph';
import type { Diagnostic, Location, Subject } from '../diagnostics.js';
import { rawIndex } from './raw-index.js';

const CALLEE: Record<Subject['kind'], string> = {
  pipeline: 'definePipeline',
  source: 'postgresSource',
  table: 'table',
  view: 'view',
  chart: 'chart',
  dashboard: 'dashboard',
};

function calleeName(call: CallExpression): string | undefined {
  const callee = call.getExpression();
  if (Node.isIdentifier(callee)) return callee.getText();
  if (Node.isPropertyAccessExpression(callee)) return callee.getName();
  return undefined;
}

function firstStringArg(call: CallExpression): string | undefined {
  const arg = call.getArguments()[0];
  return arg && (Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg))
    ? arg.getLiteralValue()
    : undefined;
}

/** Follows identifiers, `as`, `satisfies` and parentheses to the expression that holds the value. */
function unwrap(node: Node | undefined, depth = 0): Node | undefined {
  if (!node || depth > 10) return node;
  if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node)) {
    return unwrap(node.getExpression(), depth + 1);
  }
  if (Node.isIdentifier(node)) {
    const declaration = node.getSymbol()?.getDeclarations()[0];
    if (declaration && Node.isVariableDeclaration(declaration) && declaration.getInitializer()) {
      return unwrap(declaration.getInitializer(), depth + 1);
    }
  }
  return node;
}

function subjectName(subject: Subject): string | undefined {
  switch (subject.kind) {
    case 'pipeline':
      return undefined;
    case 'source':
      return subject.source;
    case 'table':
      return subject.table;
    case 'view':
      return subject.view;
    case 'chart':
      return subject.chart;
    case 'dashboard':
      return subject.dashboard;
    default:
      return subject satisfies never;
  }
}

const DSL_CALLEES = new Set(Object.values(CALLEE));

/**
 * Every DSL call of the file by callee and name argument, built in one walk: looking calls up per
 * diagnostic instead re-walked the whole tree each time (200 diagnostics in a large config took 43 s).
 */
class CallIndex {
  private readonly calls = new Map<string, CallExpression[]>();

  constructor(file: SourceFile) {
    file.forEachDescendant((node) => {
      if (!Node.isCallExpression(node)) return;
      const callee = calleeName(node);
      if (!callee || !DSL_CALLEES.has(callee)) return;
      this.add(`${callee}\u0001`, node);
      const name = firstStringArg(node);
      if (name !== undefined) this.add(`${callee}\0${name}`, node);
    });
  }

  private add(key: string, call: CallExpression) {
    const list = this.calls.get(key);
    if (list) list.push(call);
    else this.calls.set(key, [call]);
  }

  /** The DSL calls that may have created the subject, in source order (several when names repeat). */
  find(subject: Subject): CallExpression[] {
    const name = subjectName(subject);
    const calls =
      this.calls.get(name === undefined ? `${CALLEE[subject.kind]}\u0001` : `${CALLEE[subject.kind]}\0${name}`) ?? [];
    if (subject.kind === 'table' && calls.length > 1) {
      // Several sources capture a table of this name: prefer the calls on the right source.
      const matches = calls.filter((c) => {
        const receiver = unwrap((c.getExpression() as Node & { getExpression?: () => Node }).getExpression?.());
        return receiver && Node.isCallExpression(receiver) && firstStringArg(receiver) === subject.source;
      });
      if (matches.length) return matches;
    }
    return calls;
  }
}

/** The `${…}` expressions of a tagged template, e.g. sql`SELECT ${a} FROM ${b}` → [a, b]. */
function templateSpans(node: Node): Node[] | undefined {
  if (!Node.isTaggedTemplateExpression(node)) return undefined;
  const template = node.getTemplate();
  return Node.isTemplateExpression(template) ? template.getTemplateSpans().map((span) => span.getExpression()) : [];
}

/**
 * The first argument of the call named `name` in a chain such as `t.text().default('x')` or
 * `orders.as('o')`, following `.c.column` references and variables back to the call that made them.
 */
function callArgument(node: Node, name: string): Node | undefined {
  let current: Node | undefined = node;
  for (let depth = 0; current && depth < 20; depth++) {
    if (Node.isPropertyAccessExpression(current)) current = unwrap(current.getExpression());
    else if (Node.isCallExpression(current)) {
      const callee = current.getExpression();
      if (Node.isPropertyAccessExpression(callee) && callee.getName() === name) return current.getArguments()[0];
      current = Node.isPropertyAccessExpression(callee) ? unwrap(callee.getExpression()) : undefined;
    } else return undefined;
  }
  return undefined;
}

/** Source position of character `offset` in the `part`-th literal text of a string or template node. */
function positionInText(node: Node, part: number, offset: number): number | undefined {
  let literal: Node | undefined = node;
  if (Node.isTaggedTemplateExpression(node)) {
    const template = node.getTemplate();
    literal = Node.isTemplateExpression(template)
      ? part === 0
        ? template.getHead()
        : template.getTemplateSpans()[part - 1]?.getLiteral()
      : part === 0
        ? template
        : undefined;
  } else if (!(Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) || part !== 0) {
    return undefined;
  }
  if (!literal) return undefined;
  // Every literal starts with a one-character delimiter: a quote, a backtick or the } closing a `${`.
  const start = literal.getStart() + 1;
  return start + rawIndex(literal.getText().slice(1), offset);
}

/**
 * Walks an options object along `path`; returns the deepest node reached (a property's name where
 * possible) and the value node the path leads to.
 */
function walk(
  start: Node | undefined,
  path: readonly (string | number)[],
): { best: Node | undefined; value: Node | undefined } {
  let node = unwrap(start);
  let best: Node | undefined = start;
  for (const segment of path) {
    if (!node) break;
    const spans = typeof segment === 'number' ? templateSpans(node) : undefined;
    if (spans) {
      // A view's SQL: the segment is the index of an interpolation (nested fragments add a segment each).
      const expression = spans[segment as number];
      if (!expression) break;
      best = expression;
      node = unwrap(expression);
      continue;
    }
    if (typeof segment === 'number' && Node.isArrayLiteralExpression(node)) {
      const element = node.getElements()[segment];
      if (!element) break;
      best = element;
      node = unwrap(element);
      continue;
    }
    if (typeof segment === 'string' && (Node.isCallExpression(node) || Node.isPropertyAccessExpression(node))) {
      // A builder chain: `.default('…')`, `.as('…')`.
      const argument = callArgument(node, segment);
      if (!argument) break;
      best = argument;
      node = unwrap(argument);
      continue;
    }
    if (!Node.isObjectLiteralExpression(node)) break;
    const property =
      node.getProperty(String(segment)) ?? node.getProperty(`'${segment}'`) ?? node.getProperty(`"${segment}"`);
    if (!property) break;
    best = property;
    node = Node.isPropertyAssignment(property)
      ? unwrap(property.getInitializer())
      : Node.isShorthandPropertyAssignment(property)
        ? unwrap(property.getNameNode())
        : undefined;
  }
  return { best, value: node };
}

/** `export default …`, `export default function …` or `export { x as default }`. */
function defaultExport(file: SourceFile): Node | undefined {
  const assignment = file.getExportAssignments().find((e) => !e.isExportEquals());
  if (assignment) return assignment;
  for (const statement of file.getStatements()) {
    if (Node.isExportable(statement) && statement.isDefaultExport()) return statement;
    if (Node.isExportDeclaration(statement)) {
      const specifier = statement.getNamedExports().find((e) => e.getAliasNode()?.getText() === 'default');
      if (specifier) return specifier;
    }
  }
  return undefined;
}

export function locate(diagnostics: readonly Diagnostic[], configPath: string): Diagnostic[] {
  const project = new Project({
    compilerOptions: { allowJs: true },
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
  });
  const file = project.addSourceFileAtPath(configPath);
  const position = (node: Node): Location => {
    // The compiler's line map (a binary search); ts-morph's getLineAndColumnAtPos rescans the text each time.
    const { line, character } = file.compilerNode.getLineAndCharacterOfPosition(node.getStart());
    return { file: configPath, line: line + 1, column: character + 1 };
  };
  const index = new CallIndex(file);
  const pipelineCall = index.find({ kind: 'pipeline' })[0];
  // Without a definePipeline call, the default export is what is wrong.
  const fallback: Node | undefined = pipelineCall ?? file.getExportAssignments().find((e) => !e.isExportEquals());
  const seen = new Map<string, number>();
  return diagnostics.map((d) => {
    if (d.location || !d.subject) return d;
    if (d.code === 'CONFIG.NO_PIPELINE') {
      // The default export is what is wrong, whatever definePipeline calls the file makes elsewhere.
      const exported = defaultExport(file);
      return { ...d, location: exported ? position(exported) : { file: configPath, line: 1, column: 1 } };
    }
    const calls = index.find(d.subject);
    let call = calls[0];
    if (/\.DUPLICATE$/.test(d.code) && calls.length > 1) {
      // Reported for every repeat after the first: the n-th report of a name belongs to its (n+1)-th call.
      const key = `${d.code}\0${JSON.stringify(d.subject)}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      call = calls[Math.min(n, calls.length - 1)];
    }
    if (!call) call = pipelineCall;
    if (!call) return { ...d, location: fallback ? position(fallback) : { file: configPath, line: 1, column: 1 } };
    const args = call.getArguments();
    const options = d.subject.kind === 'pipeline' ? args[0] : args[1];
    const path = d.subject.path ?? [];
    // An entity as a whole (a duplicate, a reserved name) and a path that starts with 'name' point at the
    // name argument itself.
    const atName = d.subject.kind !== 'pipeline' && (path.length === 0 || path[0] === 'name');
    if (atName) return { ...d, location: position(args[0] ?? call) };
    const { best, value } = walk(options, path);
    const inText = d.subject.at && value ? positionInText(value, d.subject.at.part, d.subject.at.offset) : undefined;
    if (inText !== undefined) {
      const { line, column } = file.getLineAndColumnAtPos(inText);
      return { ...d, location: { file: configPath, line, column } };
    }
    return { ...d, location: position(best ?? call) };
  });
}
