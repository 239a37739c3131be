/**
 * Points diagnostics at the config's source: finds the DSL call that created the entity (by its name
 * argument) with ts-morph, then walks the options object along the diagnostic's path. Only loaded when
 * there are diagnostics, so the TypeScript compiler stays off the fast path.
 */
import { Node, Project, SyntaxKind, type CallExpression, type SourceFile } from 'ts-morph';
import type { Diagnostic, Location, Subject } from '../diagnostics.js';

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
  return arg && (Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg)) ? arg.getLiteralValue() : undefined;
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

function findCall(file: SourceFile, subject: Subject): CallExpression | undefined {
  const name =
    subject.kind === 'source' ? subject.source
    : subject.kind === 'table' ? subject.table
    : subject.kind === 'view' ? subject.view
    : subject.kind === 'chart' ? subject.chart
    : subject.kind === 'dashboard' ? subject.dashboard
    : undefined;
  const calls = file
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .filter((c) => calleeName(c) === CALLEE[subject.kind] && (name === undefined || firstStringArg(c) === name));
  if (subject.kind === 'table' && calls.length > 1) {
    // Several sources capture a table of this name: prefer the call on the right source.
    const match = calls.find((c) => {
      const receiver = unwrap((c.getExpression() as Node & { getExpression?: () => Node }).getExpression?.());
      return receiver && Node.isCallExpression(receiver) && firstStringArg(receiver) === subject.source;
    });
    if (match) return match;
  }
  return calls[0];
}

/** Walks an options object along `path`; returns the deepest node reached (a property's name where possible). */
function walk(start: Node | undefined, path: readonly (string | number)[]): Node | undefined {
  let node = unwrap(start);
  let best: Node | undefined = start;
  for (const segment of path) {
    if (!node) break;
    if (typeof segment === 'number' && Node.isArrayLiteralExpression(node)) {
      const element = node.getElements()[segment];
      if (!element) break;
      best = element;
      node = unwrap(element);
      continue;
    }
    if (!Node.isObjectLiteralExpression(node)) break;
    const property = node.getProperty(String(segment)) ?? node.getProperty(`'${segment}'`) ?? node.getProperty(`"${segment}"`);
    if (!property) break;
    best = property;
    node = Node.isPropertyAssignment(property) ? unwrap(property.getInitializer()) : Node.isShorthandPropertyAssignment(property) ? unwrap(property.getNameNode()) : undefined;
  }
  return best;
}

export function locate(diagnostics: readonly Diagnostic[], configPath: string): Diagnostic[] {
  const project = new Project({ compilerOptions: { allowJs: true }, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  const file = project.addSourceFileAtPath(configPath);
  const position = (node: Node): Location => {
    const { line, column } = file.getLineAndColumnAtPos(node.getStart());
    return { file: configPath, line, column };
  };
  const pipelineCall = findCall(file, { kind: 'pipeline' });
  return diagnostics.map((d) => {
    if (d.location || !d.subject) return d;
    const call = findCall(file, d.subject) ?? pipelineCall;
    if (!call) return { ...d, location: { file: configPath, line: 1, column: 1 } };
    const args = call.getArguments();
    const options = d.subject.kind === 'pipeline' ? args[0] : args[1];
    const path = d.subject.path ?? [];
    // A path that starts with 'name' points at the name argument itself.
    const node = path[0] === 'name' && d.subject.kind !== 'pipeline' ? (args[0] ?? call) : (walk(options, path) ?? call);
    return { ...d, location: position(node) };
  });
}
