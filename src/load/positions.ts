/**
 * From a thrown error back to what the user wrote: the first stack frame in the user's own files, its
 * position mapped back through sucrase (whose import transform prefixes names such as `_cdccompile.t`
 * and shifts columns), messages stripped of those internal names, and syntax errors located in the
 * module that has them. Only used when something went wrong, so it may load sucrase and re-transpile.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { Location } from '../diagnostics.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { loadSucrase, transpile } from './transpile.js';

/** How a TypeScript file was turned into JavaScript: CommonJS (in-thread) or ES module (Node's loader). */
export type Transform = 'cjs' | 'esm';

const TS = /\.(c|m)?tsx?$/;

/** cdc-compile's own folder (dist/ and src/ both sit below it): frames there are the compiler's. */
const ROOT = PACKAGE_ROOT;

/** What the loader ran for a TypeScript (or, for syntax checks, JavaScript) file. */
function sucraseOutput(file: string, transform: Transform): string {
  if (transform === 'cjs' && TS.test(file)) return transpile(file, readFileSync(file, 'utf8'));
  const sucrase = loadSucrase();
  const transforms: ('typescript' | 'imports' | 'jsx')[] = ['typescript'];
  if (transform === 'cjs') transforms.push('imports');
  if (file.endsWith('x')) transforms.push('jsx');
  const out = sucrase.transform(readFileSync(file, 'utf8'), {
    transforms,
    filePath: file,
    disableESTransforms: true,
  });
  return out.code;
}

interface Frame {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** `at f (/a/b.ts:3:7)`, `at /a/b.ts:3:7`, `at file:///a/b.ts?v=…:3:7` → file, line, column. */
function parseFrames(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:.*? \()?((?:file:\/\/)?\/[^():]*?|[A-Za-z]:\\[^():]*?)(?:\?[^:()]*)?:(\d+):(\d+)\)?\s*$/.exec(
      line,
    );
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    frames.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

const COMPILER = [join(ROOT, 'dist') + sep, join(ROOT, 'src') + sep];
const isCompiler = (file: string) =>
  COMPILER.some((dir) => file.startsWith(dir)) || /[\\/]node_modules[\\/]cdc-compile[\\/](dist|src)[\\/]/.test(file);
const isUsers = (file: string) => !isCompiler(file) && !/[\\/]node_modules[\\/]/.test(file);

const TOKEN = /[A-Za-z_$][\w$]*|\d[\w.]*|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S/g;

function tokens(line: string): { text: string; column: number }[] {
  return [...line.matchAll(TOKEN)].map((m) => ({ text: m[0], column: m.index }));
}

/**
 * The original column (0-based) of a column in sucrase's output line. Sucrase keeps every line where it
 * was but inserts names (`_cdccompile.t`, `.call(void 0, …)`) and drops type annotations, so the two lines
 * are aligned token by token (longest common subsequence). Its own source maps lose columns after a
 * removed annotation, which is why they are not used.
 */
export function alignColumn(generated: string, original: string, column: number): number {
  const g = tokens(generated).slice(0, 400);
  const o = tokens(original).slice(0, 400);
  const lcs = Array.from({ length: g.length + 1 }, () => new Uint16Array(o.length + 1));
  for (let i = g.length - 1; i >= 0; i--) {
    for (let j = o.length - 1; j >= 0; j--) {
      lcs[i]![j] = g[i]!.text === o[j]!.text ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const match = new Array<number | undefined>(g.length);
  for (let i = 0, j = 0; i < g.length && j < o.length;) {
    if (g[i]!.text === o[j]!.text) match[i++] = j++;
    else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
    else j++;
  }
  let at = g.findIndex((t) => t.column + t.text.length > column);
  if (at < 0) return Math.min(column, original.length);
  const matched = match[at];
  if (matched !== undefined) return o[matched]!.column + Math.max(0, column - g[at]!.column);
  // An inserted token: a module binding (`_cdccompile`) belongs to the name after it, anything else
  // (`.call(void 0,`) to the name before it.
  const step = /^_[\w$]+$/.test(g[at]!.text) ? 1 : -1;
  for (at += step; at >= 0 && at < g.length; at += step) {
    if (match[at] !== undefined) return o[match[at]!]!.column;
  }
  return Math.min(column, original.length);
}

/** The position in `file` that a position (1-based) in its transpiled code came from. */
function mapped(frame: Frame, transform: Transform, transpiled = TS.test(frame.file)): Frame {
  if (!transpiled || !existsSync(frame.file)) return frame;
  try {
    const original = readFileSync(frame.file, 'utf8').split('\n')[frame.line - 1];
    const generated = sucraseOutput(frame.file, transform).split('\n')[frame.line - 1];
    if (original === undefined || generated === undefined) return frame;
    return { ...frame, column: alignColumn(generated, original, frame.column - 1) + 1 };
  } catch {
    return frame;
  }
}

/**
 * Where the user's code threw: the first frame in the user's files (not Node's, not a package's, not
 * cdc-compile's), mapped back to the source as written. `onlyAboveCompiler`: only count frames that
 * come before the first cdc-compile frame, i.e. user code that cdc-compile called (a getter, a Proxy).
 */
export function userLocation(err: unknown, transform: Transform, onlyAboveCompiler = false): Location | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  for (const frame of parseFrames(stack)) {
    if (onlyAboveCompiler && isCompiler(frame.file)) return undefined;
    if (isUsers(frame.file)) return mapped(frame, transform);
  }
  return undefined;
}

/** Whether an error thrown while cdc-compile read the config's value came from the user's code. */
export function thrownByUserCode(err: unknown): boolean {
  // cdc-compile itself only throws Error objects.
  if (!(err instanceof Error)) return true;
  return userLocation(err, 'cjs', true) !== undefined;
}

/** The names sucrase's import transform gives imported bindings → what the user wrote. */
function importNames(file: string): Map<string, string> {
  const names = new Map<string, string>();
  if (!TS.test(file) || !existsSync(file)) return names;
  let code: string;
  try {
    code = sucraseOutput(file, 'cjs');
  } catch {
    return names;
  }
  const source = readFileSync(file, 'utf8');
  // (specifier, imported name) → local name, from the file's own import declarations.
  const local = new Map<string, string>();
  for (const m of source.matchAll(
    /\bimport\s+(?:type\s+)?([\w$]+)?\s*,?\s*(?:\{([^}]*)\})?\s*from\s*['"]([^'"]+)['"]/g,
  )) {
    const [, def, named, specifier] = m;
    if (def) local.set(`${specifier}\0default`, def);
    for (const part of (named ?? '').split(',')) {
      const p = /^\s*(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?\s*$/.exec(part);
      if (p) local.set(`${specifier}\0${p[1]}`, p[2] ?? p[1]!);
    }
  }
  const specifierOf = new Map<string, string>();
  for (const m of code.matchAll(/\bvar (_[\w$]+) = require\((['"])(.*?)\2\)/g)) specifierOf.set(m[1]!, m[3]!);
  for (const m of code.matchAll(/\bvar (_[\w$]+) = _interopRequireDefault\((_[\w$]+)\)/g)) {
    const specifier = specifierOf.get(m[2]!);
    if (specifier !== undefined) specifierOf.set(m[1]!, specifier);
  }
  for (const [binding, specifier] of specifierOf) names.set(binding, specifier);
  // Encode as "binding.member" → local name lookups at replacement time.
  for (const [key, value] of local) names.set(`\0${key}`, value);
  return names;
}

/** A message without sucrase's internal names: `_cdccompile.t.tsvector is not a function` → `t.tsvector …`. */
export function userMessage(message: string, file: string | undefined): string {
  if (!file || !/\b_[\w$]+\./.test(message)) return message;
  const names = importNames(file);
  return message.replace(/\(0\s*,\s*(_[\w$]+)\.([\w$]+)\)|\b(_[\w$]+)\.([\w$]+)/g, (whole, b1, m1, b2, m2) => {
    const binding = (b1 ?? b2) as string;
    const member = (m1 ?? m2) as string;
    const specifier = names.get(binding);
    if (specifier === undefined) return whole;
    return names.get(`\0${specifier}\0${member}`) ?? member;
  });
}

/** The local modules a file imports (relative specifiers), resolved the way the loader resolves them. */
export function localImports(file: string, source: string): string[] {
  const found: string[] = [];
  for (const [, specifier] of source.matchAll(/\b(?:from|import|import\(|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const base = join(dirname(file), specifier!);
    const candidates = [base, base.replace(/\.(m|c)?js$/, '.$1ts'), `${base}.ts`, join(base, 'index.ts')];
    const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
    if (hit && !found.includes(hit)) found.push(hit);
  }
  return found;
}

export interface SyntaxProblem {
  readonly location: Location;
  readonly message: string;
}

/** The syntax error of one file, by sucrase's parser and then V8's, at the position the user wrote. */
function syntaxErrorIn(file: string): SyntaxProblem | undefined {
  if (!/\.(c|m)?[jt]sx?$/.test(file)) return undefined;
  let code = readFileSync(file, 'utf8');
  if (TS.test(file) || /\.m?js$/.test(file)) {
    try {
      code = sucraseOutput(file, 'cjs');
    } catch (err) {
      const message = (err as Error).message ?? '';
      const m = /\((\d+):(\d+)\)\s*$/.exec(message);
      if (!m) return undefined;
      return {
        location: { file, line: Number(m[1]), column: Number(m[2]) },
        message: message.replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/^Error transforming \S+:\s*/, ''),
      };
    }
  }
  // V8's own checks (duplicate declarations, …): compile the CommonJS body as an async function, so a
  // top-level await, valid in an ES module, is valid here too.
  code = code.replace(/\bimport\.meta\b/g, '({})');
  try {
    new Script(`(async function (exports, require, module, __filename, __dirname) {\n${code}\n})`, {
      filename: file,
      lineOffset: -1,
    });
    return undefined;
  } catch (err) {
    if (!(err instanceof SyntaxError)) return undefined;
    const header = /^(.*):(\d+)\n(.*)\n( *)\^/.exec(err.stack ?? '');
    const line = header ? Number(header[2]) : 1;
    const column = header ? header[4]!.length + 1 : 1;
    return {
      location: mapped({ file, line, column }, 'cjs', TS.test(file) || /\.m?js$/.test(file)),
      message: err.message,
    };
  }
}

/** The first syntax error in the config or the local modules it imports (depth first, import order). */
export function findSyntaxError(file: string, seen = new Set<string>()): SyntaxProblem | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const own = syntaxErrorIn(file);
  if (own) return own;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const imported of localImports(file, source)) {
    const found = findSyntaxError(imported, seen);
    if (found) return found;
  }
  return undefined;
}
