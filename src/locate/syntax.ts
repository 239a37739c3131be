/**
 * Just enough of a TypeScript reader to point at a DSL call and walk its options: a tokenizer (comments,
 * strings, template literals with their `${…}` spans, regular expressions told from division by the token
 * before) with every bracket matched, and expressions as token ranges. It reads calls, property accesses,
 * object and array literals, tagged templates, parentheses, `as` / `satisfies`, and variable declarations
 * by name; the locator (./index.ts) turns what it finds into positions. A config it cannot read this
 * way is located with ts-morph (./ts-morph.ts) instead, which costs ~300 ms to load.
 */

export type TokenKind = 'ident' | 'string' | 'number' | 'template' | 'regex' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier name, punctuator, or the literal's source text. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /**
   * For `(`, `[`, `{`: the index of the matching closer (the last token when unclosed); for a closer, its
   * opener; for a template literal with spans, its last span token.
   */
  match?: number;
  /** For a template literal: its literal pieces (start at the backtick or the `}` before them) and spans. */
  pieces?: { start: number; raw: string }[];
  spans?: Range[];
}

/** Tokens [from, to) of one expression. */
export interface Range {
  readonly from: number;
  readonly to: number;
}

const ENDS_EXPRESSION = new Set([')', ']', '}']);
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);
const PUNCTUATORS = [
  '>>>=',
  '...',
  '===',
  '!==',
  '**=',
  '<<=',
  '>>=',
  '>>>',
  '&&=',
  '||=',
  '??=',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '**',
  '<<',
];

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c > 127;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

export class SyntaxReader {
  readonly tokens: Token[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    this.tokenize();
  }

  /** 1-based line and column of a source offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  private tokenize(): void {
    const s = this.text;
    const open: number[] = [];
    /** Open template literals: the token index and the depth of `open` at its `${`. */
    const templates: { token: number; depth: number }[] = [];
    let i = 0;
    const push = (kind: TokenKind, start: number, end: number, text = s.slice(start, end)): Token => {
      const token: Token = { kind, text, start, end };
      this.tokens.push(token);
      return token;
    };
    /** Reads template text from `i` (after a backtick or a span's `}`) to the next `${` or closing backtick. */
    const templateText = (token: Token, index: number, pieceStart: number): void => {
      let j = i;
      while (j < s.length && s[j] !== '`' && !(s[j] === '$' && s[j + 1] === '{')) j += s[j] === '\\' ? 2 : 1;
      token.pieces!.push({ start: pieceStart, raw: s.slice(pieceStart + 1, j) });
      if (s[j] === '$') {
        i = j + 2;
        templates.push({ token: index, depth: open.length });
        token.spans!.push({ from: this.tokens.length, to: this.tokens.length });
      } else {
        i = Math.min(j + 1, s.length);
        (token as { end: number }).end = i;
        // next() skips the whole template, its spans' tokens included.
        if (this.tokens.length - 1 > index) token.match = this.tokens.length - 1;
      }
    };
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff || c === 0xa0) {
        i++;
        continue;
      }
      if (c === 47 && s[i + 1] === '/') {
        const nl = s.indexOf('\n', i);
        i = nl < 0 ? s.length : nl;
        continue;
      }
      if (c === 47 && s[i + 1] === '*') {
        const close = s.indexOf('*/', i + 2);
        i = close < 0 ? s.length : close + 2;
        continue;
      }
      const start = i;
      if (c === 35 && i === 0 && s[1] === '!') {
        const nl = s.indexOf('\n', i);
        i = nl < 0 ? s.length : nl;
        continue;
      }
      if (isIdentStart(c) || c === 92) {
        i++;
        while (i < s.length && isIdentPart(s.charCodeAt(i))) i++;
        push('ident', start, i);
        continue;
      }
      if ((c >= 48 && c <= 57) || (c === 46 && /[0-9]/.test(s[i + 1] ?? ''))) {
        i++;
        while (i < s.length && /[\w.]/.test(s[i]!)) i++;
        push('number', start, i);
        continue;
      }
      if (c === 34 || c === 39) {
        i++;
        while (i < s.length && s.charCodeAt(i) !== c && s[i] !== '\n') i += s[i] === '\\' ? 2 : 1;
        i = Math.min(i + 1, s.length);
        push('string', start, i);
        continue;
      }
      if (c === 96) {
        const token = push('template', start, start);
        token.pieces = [];
        token.spans = [];
        i++;
        templateText(token, this.tokens.length - 1, start);
        continue;
      }
      if (c === 125 && templates.length && templates.at(-1)!.depth === open.length) {
        // The `}` closing a template span: the template's text goes on.
        const { token: index } = templates.pop()!;
        const token = this.tokens[index]!;
        const span = token.spans!.at(-1)!;
        token.spans![token.spans!.length - 1] = { from: span.from, to: this.tokens.length };
        i++;
        templateText(token, index, start);
        continue;
      }
      if (c === 47) {
        const prev = this.tokens.at(-1);
        const divides =
          prev !== undefined &&
          (prev.kind === 'number' ||
            prev.kind === 'string' ||
            prev.kind === 'template' ||
            prev.kind === 'regex' ||
            (prev.kind === 'ident' && !REGEX_AFTER_WORD.has(prev.text)) ||
            (prev.kind === 'punct' && ENDS_EXPRESSION.has(prev.text)));
        if (!divides) {
          i++;
          let inClass = false;
          while (i < s.length && s[i] !== '\n') {
            const ch = s[i]!;
            if (ch === '\\') i++;
            else if (ch === '[') inClass = true;
            else if (ch === ']') inClass = false;
            else if (ch === '/' && !inClass) break;
            i++;
          }
          i++;
          while (i < s.length && isIdentPart(s.charCodeAt(i))) i++;
          push('regex', start, i);
          continue;
        }
      }
      const p = PUNCTUATORS.find((x) => s.startsWith(x, i)) ?? s[i]!;
      i += p.length;
      const token = push('punct', start, i, p);
      if (p === '(' || p === '[' || p === '{') open.push(this.tokens.length - 1);
      else if (p === ')' || p === ']' || p === '}') {
        const opener = open.pop();
        if (opener !== undefined) {
          this.tokens[opener]!.match = this.tokens.length - 1;
          token.match = opener;
        }
      }
    }
    for (const opener of open) this.tokens[opener]!.match = this.tokens.length - 1;
  }

  /** The index after the token at `i`, skipping a bracketed group whole. */
  next(i: number): number {
    const t = this.tokens[i]!;
    return t.match !== undefined && t.match > i ? t.match + 1 : i + 1;
  }

  /** Splits [from, to) at top-level commas. */
  split(from: number, to: number): Range[] {
    const parts: Range[] = [];
    let start = from;
    for (let i = from; i < to; i = this.next(i)) {
      const t = this.tokens[i]!;
      if (t.kind === 'punct' && t.text === ',') {
        parts.push({ from: start, to: i });
        start = i + 1;
      }
    }
    if (start < to) parts.push({ from: start, to });
    return parts;
  }

  /** The range inside a bracket token at `i`. */
  inside(i: number): Range {
    const t = this.tokens[i]!;
    return { from: i + 1, to: t.match ?? i + 1 };
  }

  is(i: number, text: string): boolean {
    const t = this.tokens[i];
    return t !== undefined && (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
}
