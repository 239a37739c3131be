/**
 * Points diagnostics at the config's source: finds the DSL call that created the entity (by its name
 * argument), then walks the options object along the diagnostic's path. Reads the file with the small
 * reader in ./syntax.ts, so the error path costs about what the success path does; when a subject's call
 * cannot be found that way (a name built at run time, a syntax the reader does not know), the whole
 * file is located with ts-morph (./ts-morph.ts) as before. Only loaded when there are diagnostics.
 */
import { readFileSync } from 'node:fs';
import type { Diagnostic, Location, Subject } from '../diagnostics.js';
import { SyntaxReader, type Range } from './syntax.js';
import { rawIndex } from './raw-index.js';

const CALLEE: Record<Subject['kind'], string> = {
  pipeline: 'definePipeline',
  source: 'postgresSource',
  table: 'table',
  view: 'view',
  chart: 'chart',
  dashboard: 'dashboard',
};
const DSL_CALLEES = new Set(Object.values(CALLEE));

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

/** Statement keywords: a declaration's initializer ends before one. */
const STATEMENT = new Set([
  'const',
  'let',
  'var',
  'export',
  'import',
  'function',
  'class',
  'if',
  'for',
  'while',
  'return',
  'type',
  'interface',
  'enum',
]);
/** Words that continue an expression on the next line. */
const CONTINUES = new Set(['as', 'satisfies', 'in', 'instanceof']);

interface Call {
  /** The whole call expression, receiver included. */
  readonly range: Range;
  readonly receiver?: Range;
  readonly args: Range[];
}

class Source {
  readonly r: SyntaxReader;
  private readonly declarations = new Map<string, Range>();
  private readonly calls = new Map<string, Call[]>();

  constructor(text: string) {
    this.r = new SyntaxReader(text);
    const t = this.r.tokens;
    for (let i = 0; i < t.length; i++) {
      const token = t[i]!;
      if (token.kind !== 'ident') continue;
      if ((token.text === 'const' || token.text === 'let' || token.text === 'var') && t[i + 1]?.kind === 'ident') {
        const init = this.initializer(i + 2);
        if (init && !this.declarations.has(t[i + 1]!.text)) this.declarations.set(t[i + 1]!.text, init);
      } else if (DSL_CALLEES.has(token.text) && this.r.is(i + 1, '(') && !this.r.is(i - 1, 'function')) {
        const dotted = this.r.is(i - 1, '.') || this.r.is(i - 1, '?.');
        const receiver = dotted ? this.chainBefore(i - 1) : undefined;
        const close = t[i + 1]!.match ?? i + 1;
        const inner = this.r.inside(i + 1);
        const call: Call = {
          range: { from: receiver?.from ?? i, to: close + 1 },
          ...(receiver ? { receiver } : {}),
          args: this.r.split(inner.from, inner.to),
        };
        this.add(`${token.text}\u0001`, call);
        const name = call.args[0] && this.stringValue(call.args[0]);
        if (name !== undefined) this.add(`${token.text}\0${name}`, call);
      }
    }
  }

  private add(key: string, call: Call): void {
    const list = this.calls.get(key);
    if (list) list.push(call);
    else this.calls.set(key, [call]);
  }

  /** After `const name`: the initializer's tokens (after an optional type annotation), if any. */
  private initializer(i: number): Range | undefined {
    const t = this.r.tokens;
    while (i < t.length && !this.r.is(i, '=')) {
      const x = t[i]!;
      if (x.kind === 'punct' && (x.text === ';' || x.text === ',' || x.text === ')' || x.text === '}'))
        return undefined;
      if (x.kind === 'ident' && STATEMENT.has(x.text)) return undefined;
      i = this.r.next(i);
    }
    const from = i + 1;
    let j = from;
    while (j < t.length) {
      const x = t[j]!;
      if (
        x.kind === 'punct' &&
        (x.text === ';' || x.text === ',' || x.text === ')' || x.text === ']' || x.text === '}')
      )
        break;
      if (j > from && x.kind === 'ident' && STATEMENT.has(x.text)) break;
      if (j > from && this.newStatement(j)) break;
      j = this.r.next(j);
    }
    return j > from ? { from, to: j } : undefined;
  }

  /** Whether a line break before token j ends the statement (automatic semicolon insertion, roughly). */
  private newStatement(j: number): boolean {
    const t = this.r.tokens;
    const prev = t[j - 1]!;
    const next = t[j]!;
    if (!this.r.text.slice(prev.end, next.start).includes('\n')) return false;
    const prevEnds =
      prev.kind !== 'punct' || prev.text === ')' || prev.text === ']' || prev.text === '}' || prev.text === '!';
    const nextStarts =
      (next.kind === 'ident' && !CONTINUES.has(next.text)) || next.kind === 'string' || next.kind === 'number';
    return prevEnds && nextStarts;
  }

  /** The member/call chain ending just before token `end` (`a.b(x).c` before a `.`). */
  private chainBefore(end: number): Range | undefined {
    const t = this.r.tokens;
    let j = end - 1;
    for (;;) {
      const x = t[j];
      if (!x) return undefined;
      if (x.kind === 'punct' && (x.text === ')' || x.text === ']')) {
        const opener = x.match;
        if (opener === undefined || opener >= j) return undefined;
        const before = t[opener - 1];
        const callLike =
          before &&
          (before.kind === 'ident' || (before.kind === 'punct' && (before.text === ')' || before.text === ']')));
        if (!callLike) return { from: opener, to: end };
        j = opener - 1;
        continue;
      }
      if (x.kind === 'punct' && x.text === '!') {
        j--;
        continue;
      }
      if (x.kind === 'punct') return undefined;
      if (this.r.is(j - 1, '.') || this.r.is(j - 1, '?.')) {
        j -= 2;
        continue;
      }
      return { from: j, to: end };
    }
  }

  /** A string literal's value (quotes or a template without spans; simple escapes). */
  stringValue(range: Range): string | undefined {
    const e = this.strip(range);
    if (e.to - e.from !== 1) return undefined;
    const x = this.r.tokens[e.from]!;
    if (x.kind === 'string' || (x.kind === 'template' && x.spans!.length === 0)) {
      const body = x.kind === 'string' ? x.text.slice(1, -1) : x.pieces![0]!.raw;
      return body.includes('\\') ? undefined : body;
    }
    return undefined;
  }

  /** Without surrounding parentheses, a trailing `as …` / `satisfies …` or a non-null `!`. */
  strip(range: Range): Range {
    let { from, to } = range;
    for (let depth = 0; depth < 10 && to > from; depth++) {
      const first = this.r.tokens[from]!;
      if (this.r.is(from, '(') && first.match === to - 1) {
        ({ from, to } = this.r.inside(from));
        continue;
      }
      let cut: number | undefined;
      for (let i = from; i < to; i = this.r.next(i)) {
        const operator =
          (this.r.is(i, 'as') || this.r.is(i, 'satisfies')) && !this.r.is(i - 1, '.') && !this.r.is(i - 1, '?.');
        if (i > from && operator) {
          cut = i;
          break;
        }
      }
      if (cut !== undefined) {
        to = cut;
        continue;
      }
      if (to - from > 1 && this.r.is(to - 1, '!')) {
        to--;
        continue;
      }
      break;
    }
    return { from, to };
  }

  /** Follows identifiers to their declaration's initializer, through parentheses and `as`. */
  unwrap(range: Range | undefined, depth = 0): Range | undefined {
    if (!range) return undefined;
    const e = this.strip(range);
    if (depth > 10 || e.to - e.from !== 1) return e;
    const x = this.r.tokens[e.from]!;
    if (x.kind === 'ident') {
      const declared = this.declarations.get(x.text);
      if (declared) return this.unwrap(declared, depth + 1);
    }
    return e;
  }

  find(subject: Subject): Call[] {
    const name = subjectName(subject);
    const calls =
      this.calls.get(name === undefined ? `${CALLEE[subject.kind]}\u0001` : `${CALLEE[subject.kind]}\0${name}`) ?? [];
    if (subject.kind === 'table' && calls.length > 1) {
      // Several sources capture a table of this name: prefer the calls on the right source.
      const matches = calls.filter((c) => {
        const receiver = this.unwrap(c.receiver);
        const call = receiver && this.asCall(receiver);
        return call?.args[0] !== undefined && this.stringValue(call.args[0]) === subject.source;
      });
      if (matches.length) return matches;
    }
    return calls;
  }

  /** A call expression: its callee (name and receiver) and arguments. */
  asCall(e: Range): { name?: string; receiver?: Range; args: Range[] } | undefined {
    const t = this.r.tokens;
    const last = t[e.to - 1];
    if (!last || !this.r.is(e.to - 1, ')') || last.match === undefined || last.match <= e.from) return undefined;
    const open = last.match;
    const inner = this.r.inside(open);
    const args = this.r.split(inner.from, inner.to);
    const callee = t[open - 1]!;
    if (callee.kind !== 'ident') return { args };
    if (open - 1 > e.from && (this.r.is(open - 2, '.') || this.r.is(open - 2, '?.')))
      return { name: callee.text, receiver: { from: e.from, to: open - 2 }, args };
    return open - 1 === e.from ? { name: callee.text, args } : { args };
  }

  /** `a.b`: the receiver and the name. */
  private asMember(e: Range): { receiver: Range; name: string } | undefined {
    if (e.to - e.from < 3) return undefined;
    const last = this.r.tokens[e.to - 1]!;
    if (last.kind !== 'ident' || !(this.r.is(e.to - 2, '.') || this.r.is(e.to - 2, '?.'))) return undefined;
    return { receiver: { from: e.from, to: e.to - 2 }, name: last.text };
  }

  /** A tagged template (sql`…`): its template token's index. */
  tagged(e: Range): number | undefined {
    // The template's span tokens follow it: it is the second element, and the last.
    const at = e.from + 1;
    const template = this.r.tokens[at];
    return template?.kind === 'template' && this.r.tokens[e.from]!.kind === 'ident' && this.r.next(at) === e.to
      ? at
      : undefined;
  }

  /** The first argument of the call named `name` in a builder chain (`t.text().default('x')`, `.c.col`). */
  callArgument(e: Range, name: string): Range | undefined {
    let current: Range | undefined = e;
    for (let depth = 0; current && depth < 20; depth++) {
      const call = this.asCall(current);
      if (call) {
        if (call.name === name && call.receiver) return call.args[0];
        current = call.receiver ? this.unwrap(call.receiver) : undefined;
        continue;
      }
      const member = this.asMember(current);
      current = member ? this.unwrap(member.receiver) : undefined;
    }
    return undefined;
  }

  /** An object literal's property named `key`: its whole range and its value (undefined for a method). */
  property(e: Range, key: string): { range: Range; value?: Range } | undefined {
    const t = this.r.tokens;
    if (!(this.r.is(e.from, '{') && t[e.from]!.match === e.to - 1)) return undefined;
    const inner = this.r.inside(e.from);
    for (const p of this.r.split(inner.from, inner.to)) {
      let k = p.from;
      const first = t[k];
      if (!first || this.r.is(k, '...')) continue;
      if (
        first.kind === 'ident' &&
        (first.text === 'get' || first.text === 'set' || first.text === 'async') &&
        t[k + 1] &&
        !this.r.is(k + 1, ':') &&
        !this.r.is(k + 1, '(') &&
        !this.r.is(k + 1, ',')
      )
        k++;
      const keyToken = t[k]!;
      const name =
        keyToken.kind === 'ident' || keyToken.kind === 'number'
          ? keyToken.text
          : keyToken.kind === 'string'
            ? keyToken.text.slice(1, -1)
            : undefined;
      if (name !== key) continue;
      if (this.r.is(k + 1, ':')) return { range: p, value: { from: k + 2, to: p.to } };
      if (k + 1 === p.to) return { range: p, value: { from: k, to: k + 1 } };
      return { range: p };
    }
    return undefined;
  }

  /** An array literal's elements. */
  elements(e: Range): Range[] | undefined {
    if (!(this.r.is(e.from, '[') && this.r.tokens[e.from]!.match === e.to - 1)) return undefined;
    const inner = this.r.inside(e.from);
    return this.r.split(inner.from, inner.to);
  }

  /** The offset where a range starts (its first token). */
  start(range: Range): number {
    return (this.r.tokens[range.from] ?? this.r.tokens[range.from - 1])?.start ?? 0;
  }

  /** `export default …` or `export { x as default }`. */
  defaultExport(): number | undefined {
    const t = this.r.tokens;
    for (let i = 0; i < t.length; i++) {
      if (!this.r.is(i, 'export')) continue;
      if (this.r.is(i + 1, 'default')) return t[i]!.start;
      if (this.r.is(i + 1, '{')) {
        const inner = this.r.inside(i + 1);
        for (const spec of this.r.split(inner.from, inner.to))
          if (this.r.is(spec.to - 1, 'default') && this.r.is(spec.to - 2, 'as')) return t[spec.from]!.start;
      }
    }
    return undefined;
  }
}

/** Walks an options object along `path`: the deepest range reached and the value the path leads to. */
function walk(
  src: Source,
  start: Range | undefined,
  path: readonly (string | number)[],
): { best: Range | undefined; value: Range | undefined } {
  let node = src.unwrap(start);
  let best: Range | undefined = start;
  for (const segment of path) {
    if (!node || node.to <= node.from) break;
    const template = typeof segment === 'number' ? src.tagged(node) : undefined;
    if (template !== undefined) {
      // A view's SQL: the segment is the index of an interpolation (nested fragments add a segment each).
      const span = src.r.tokens[template]!.spans![segment as number];
      if (!span) break;
      best = span;
      node = src.unwrap(span);
      continue;
    }
    const elements = typeof segment === 'number' ? src.elements(node) : undefined;
    if (elements) {
      const element = elements[segment as number];
      if (!element) break;
      best = element;
      node = src.unwrap(element);
      continue;
    }
    if (typeof segment === 'string' && !src.r.is(node.from, '{')) {
      // A builder chain: `.default('…')`, `.as('…')`.
      const argument = src.callArgument(node, segment);
      if (!argument) break;
      best = argument;
      node = src.unwrap(argument);
      continue;
    }
    const property = src.property(node, String(segment));
    if (!property) break;
    best = property.range;
    node = src.unwrap(property.value);
  }
  return { best, value: node };
}

/** Where character `offset` of the `part`-th literal text of a string or tagged template sits. */
function positionInText(src: Source, value: Range, part: number, offset: number): number | undefined {
  const template = src.tagged(value);
  if (template !== undefined) {
    const piece = src.r.tokens[template]!.pieces![part];
    return piece ? piece.start + 1 + rawIndex(piece.raw, offset) : undefined;
  }
  if (value.to - value.from !== 1 || part !== 0) return undefined;
  const token = src.r.tokens[value.from]!;
  if (token.kind === 'string') return token.start + 1 + rawIndex(token.text.slice(1), offset);
  if (token.kind === 'template' && token.spans!.length === 0)
    return token.start + 1 + rawIndex(token.pieces![0]!.raw, offset);
  return undefined;
}

/** The diagnostics located with the reader, or undefined when one of their calls cannot be found by it. */
function locateFast(diagnostics: readonly Diagnostic[], configPath: string, text: string): Diagnostic[] | undefined {
  const src = new Source(text);
  const at = (offset: number): Location => ({ file: configPath, ...src.r.position(offset) });
  const seen = new Map<string, number>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.location || !d.subject) {
      out.push(d);
      continue;
    }
    if (d.code === 'CONFIG.NO_PIPELINE') {
      // The default export is what is wrong, whatever definePipeline calls the file makes elsewhere.
      const exported = src.defaultExport();
      out.push({ ...d, location: exported !== undefined ? at(exported) : { file: configPath, line: 1, column: 1 } });
      continue;
    }
    const calls = src.find(d.subject);
    let call = calls[0];
    if (/\.DUPLICATE$/.test(d.code) && calls.length > 1) {
      // Reported for every repeat after the first: the n-th report of a name belongs to its (n+1)-th call.
      const key = `${d.code}\0${JSON.stringify(d.subject)}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      call = calls[Math.min(n, calls.length - 1)];
    }
    // Not found by the reader: ts-morph may do better (or fall back to the pipeline call the same way).
    if (!call) return undefined;
    const options = d.subject.kind === 'pipeline' ? call.args[0] : call.args[1];
    const path = d.subject.path ?? [];
    // An entity as a whole (a duplicate, a reserved name) and a path that starts with 'name' point at the
    // name argument itself.
    const atName = d.subject.kind !== 'pipeline' && (path.length === 0 || path[0] === 'name');
    if (atName) {
      out.push({ ...d, location: at(src.start(call.args[0] ?? call.range)) });
      continue;
    }
    const { best, value } = walk(src, options, path);
    const inText =
      d.subject.at && value && value.to > value.from
        ? positionInText(src, value, d.subject.at.part, d.subject.at.offset)
        : undefined;
    out.push({ ...d, location: at(inText ?? src.start(best ?? call.range)) });
  }
  return out;
}

export async function locate(diagnostics: readonly Diagnostic[], configPath: string): Promise<Diagnostic[]> {
  const fast = locateFast(diagnostics, configPath, readFileSync(configPath, 'utf8'));
  if (fast) return fast;
  // The ts-morph locator, loaded only when the reader could not place a diagnostic.
  const { locate: withTsMorph } = await import('./ts-morph.js');
  return withTsMorph(diagnostics, configPath);
}
