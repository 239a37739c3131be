/**
 * PostgreSQL's lexical rules (src/backend/parser/scan.l, PostgreSQL 16 to 18) for the SQL fragments a
 * config supplies: view bodies and column defaults. The compiler pastes these into files that psql runs
 * with privileged roles, so the one thing that must be exact is where each string, quoted identifier,
 * dollar quote and comment begins and ends: a fragment is accepted only if it leaves the lexer where it
 * found it. Full syntax is PostgreSQL's business (a syntax error there is harmless: the transaction
 * fails); an injected statement is not.
 *
 * Hand-written because no JavaScript lexer follows these rules exactly (pgsql-ast-parser rejects E''
 * escapes, reads U&'…' as an operator and does not join continued strings), and the real lexer
 * (libpg-query, WASM) costs more to load than the whole compile; the tests check this one token by token
 * against libpg-query and against PostgreSQL itself (PGlite).
 *
 * `standard_conforming_strings` is taken as on (the default since 9.1), and a '…' string holding a
 * backslash, the one thing the setting changes, is refused: what is accepted lexes the same either way.
 */

export type TokenKind =
  | 'word' // keyword or unquoted identifier; `value` is its ASCII-lower-cased text
  | 'quoted-ident' // "…" or U&"…"
  | 'string' // '…', E'…', N'…', B'…', X'…', U&'…', and their continuations on following lines
  | 'dollar' // $tag$…$tag$
  | 'number'
  | 'param' // $1
  | 'punct' // , ( ) [ ] ; : :: . and any other single character
  | 'op' // a run of operator characters
  | 'comment'; // -- … or /* … */ (nested)

export interface Token {
  readonly kind: TokenKind;
  /** Offsets into the text, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** Words: lower-cased text. Strings, dollar quotes and comments: the text between the delimiters. */
  readonly value: string;
}

export type SqlProblemCode =
  | 'SQL.UNTERMINATED'
  | 'SQL.INVALID_TOKEN'
  | 'SQL.EMPTY'
  | 'SQL.STATEMENT_END'
  | 'SQL.UNBALANCED'
  | 'SQL.NOT_A_QUERY'
  | 'SQL.NOT_ONE_EXPRESSION';

export interface SqlProblem {
  readonly code: SqlProblemCode;
  readonly message: string;
  /** Offset of the character the problem starts at. */
  readonly offset: number;
  readonly hint?: string;
}

export interface Lexed {
  readonly tokens: readonly Token[];
  readonly problem?: SqlProblem;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isHorizSpace = (c: string) => c === ' ' || c === '\t' || c === '\f' || c === '\v';
const isNewline = (c: string) => c === '\n' || c === '\r';
const isDigit = (c: string) => c >= '0' && c <= '9';
/** PostgreSQL counts every byte >= 0x80 as a letter, so every non-ASCII character is one here. */
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c >= '\x80';
const isIdentCont = (c: string) => isIdentStart(c) || isDigit(c) || c === '$';
const OP_CHARS = '~!@#^&|`?+-*/%<>=';
const isOpChar = (c: string) => c !== '' && OP_CHARS.includes(c);

type StringMode = 'standard' | 'escape' | 'bits';

/**
 * After a closing quote: the index of the quote that continues the string, if any. PostgreSQL joins
 * `'a'` and `'b'` into one string when only whitespace with at least one newline (and `--` comments)
 * separates them, and lexes the continuation in the first part's mode (so after E'…' a backslash
 * escapes a quote on the next line too).
 */
function continuation(text: string, i: number): number {
  const n = text.length;
  // {horiz_whitespace}*  (horizontal space or a -- comment)
  for (;;) {
    if (i < n && isHorizSpace(text[i]!)) i++;
    else if (text.startsWith('--', i)) {
      while (i < n && !isNewline(text[i]!)) i++;
    } else break;
  }
  if (i >= n || !isNewline(text[i]!)) return -1;
  i++;
  // {special_whitespace}*  (space, or a -- comment that ends in a newline)
  for (;;) {
    if (i < n && isSpace(text[i]!)) i++;
    else if (text.startsWith('--', i)) {
      let j = i;
      while (j < n && !isNewline(text[j]!)) j++;
      if (j >= n) return -1;
      i = j + 1;
    } else break;
  }
  return text[i] === "'" ? i : -1;
}

/**
 * Index after the closing quote of a string whose content starts at `j`, -1 if it never closes, or -2
 * at a malformed \u / \U escape (PostgreSQL's lexer refuses those before it reaches the end).
 */
function scanString(text: string, j: number, mode: StringMode): number {
  const n = text.length;
  for (;;) {
    if (j >= n) return -1;
    const c = text[j]!;
    if (c === '\\' && mode === 'escape') {
      const u = text[j + 1];
      if (u === 'u' || u === 'U') {
        const want = u === 'u' ? 4 : 8;
        if (!new RegExp(`^[0-9A-Fa-f]{${want}}`).test(text.slice(j + 2, j + 2 + want))) return -2;
      }
      // E'…': a backslash escapes whatever follows, a quote included.
      j += 2;
      continue;
    }
    if (c === "'") {
      // '' is a quote inside '…', E'…' and U&'…'; B'…' and X'…' end at the first quote.
      if (mode !== 'bits' && text[j + 1] === "'") {
        j += 2;
        continue;
      }
      const next = continuation(text, j + 1);
      if (next < 0) return j + 1;
      j = next + 1;
      continue;
    }
    j++;
  }
}

/** The `$tag$` delimiter starting at `i`, if one does. */
function dollarDelimiter(text: string, i: number): string | undefined {
  let j = i + 1;
  if (text[j] !== '$') {
    if (j >= text.length || !isIdentStart(text[j]!)) return undefined;
    j++;
    while (j < text.length && (isIdentStart(text[j]!) || isDigit(text[j]!))) j++;
    if (text[j] !== '$') return undefined;
  }
  return text.slice(i, j + 1);
}

const digitsOf = (radix: string) =>
  radix === 'x' ? /[0-9A-Fa-f]/ : radix === 'o' ? /[0-7]/ : radix === 'b' ? /[01]/ : /[0-9]/;

/** `(_?digit)+` from `j`: the index after it, or `j` when no digit follows. */
function digitRun(text: string, j: number, digit: RegExp): number {
  let end = j;
  for (let k = j; ;) {
    if (text[k] === '_' && k > j && digit.test(text[k + 1] ?? '')) k++;
    if (!digit.test(text[k] ?? '')) break;
    k++;
    end = k;
  }
  return end;
}

/** End of a numeric literal at `i` (PostgreSQL 16+: underscores, 0x/0o/0b), or a problem. */
function scanNumber(text: string, i: number): number | SqlProblem {
  const junk = (at: number): SqlProblem => ({
    code: 'SQL.INVALID_TOKEN',
    message: 'trailing junk after numeric literal',
    offset: at,
    hint: 'separate the number from the word that follows it',
  });
  let j = i;
  const radix = text[i] === '0' ? (text[i + 1] ?? '').toLowerCase() : '';
  if (radix === 'x' || radix === 'o' || radix === 'b') {
    const end = digitRun(text, i + 2 + (text[i + 2] === '_' ? 1 : 0), digitsOf(radix));
    if (end > i + 2) return end < text.length && isIdentCont(text[end]!) && text[end] !== '$' ? junk(i) : end;
  }
  if (text[j] !== '.') j = digitRun(text, j, /[0-9]/);
  // 1..2 is the integer 1 followed by `..`.
  if (text[j] === '.' && text[j + 1] !== '.') j = digitRun(text, j + 1, /[0-9]/) || j + 1;
  if (text[j] === 'e' || text[j] === 'E') {
    const sign = text[j + 1] === '+' || text[j + 1] === '-' ? 1 : 0;
    const end = digitRun(text, j + 1 + sign, /[0-9]/);
    if (end === j + 1 + sign) return junk(i);
    j = end;
  }
  return j < text.length && isIdentStart(text[j]!) ? junk(i) : j;
}

/** Splits `text` into PostgreSQL tokens; stops at the first lexical error. */
export function lex(text: string): Lexed {
  const tokens: Token[] = [];
  const n = text.length;
  const push = (kind: TokenKind, start: number, end: number, value = text.slice(start, end)) =>
    tokens.push({ kind, start, end, value });
  const fail = (code: SqlProblemCode, message: string, offset: number, hint?: string): Lexed => ({
    tokens,
    problem: { code, message, offset, ...(hint ? { hint } : {}) },
  });
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1] ?? '';
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '-' && next === '-') {
      let j = i + 2;
      while (j < n && !isNewline(text[j]!)) j++;
      push('comment', i, j, text.slice(i + 2, j));
      i = j;
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      if (depth > 0) {
        return fail(
          'SQL.UNTERMINATED',
          'this /* comment is never closed: it would swallow the rest of the file',
          i,
          'close it with */ (comments nest in PostgreSQL: every /* needs its own */)',
        );
      }
      push('comment', i, j, text.slice(i + 2, j - 2));
      i = j;
      continue;
    }
    // String prefixes: E'…' (backslash escapes), N'…', B'…', X'…', U&'…' and U&"…".
    const lower = c.toLowerCase();
    let stringStart = -1;
    let mode: StringMode = 'standard';
    if (c === "'") stringStart = i + 1;
    else if ((lower === 'e' || lower === 'n' || lower === 'b' || lower === 'x') && next === "'") {
      stringStart = i + 2;
      mode = lower === 'e' ? 'escape' : lower === 'n' ? 'standard' : 'bits';
    } else if (lower === 'u' && next === '&' && text[i + 2] === "'") stringStart = i + 3;
    if (stringStart >= 0) {
      const end = scanString(text, stringStart, mode);
      if (end === -2) {
        return fail('SQL.INVALID_TOKEN', 'invalid Unicode escape', i, "write \\uXXXX or \\UXXXXXXXX in E'…' strings");
      }
      if (end < 0) {
        return fail(
          'SQL.UNTERMINATED',
          'this string literal is never closed: it would swallow the rest of the file',
          i,
          mode === 'escape'
            ? "in E'…' strings a backslash escapes the next character, the quote included; write '' or \\' for a quote"
            : "write a quote inside a string as ''",
        );
      }
      push('string', i, end, text.slice(stringStart, end - 1));
      i = end;
      continue;
    }
    const identStart = c === '"' ? i + 1 : lower === 'u' && next === '&' && text[i + 2] === '"' ? i + 3 : -1;
    if (identStart >= 0) {
      let j = identStart;
      for (;;) {
        if (j >= n) {
          return fail(
            'SQL.UNTERMINATED',
            'this quoted identifier is never closed: it would swallow the rest of the file',
            i,
            'write a double quote inside a quoted identifier as ""',
          );
        }
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      if (j === identStart) return fail('SQL.INVALID_TOKEN', 'zero-length delimited identifier ""', i);
      push('quoted-ident', i, j + 1, text.slice(identStart, j).replaceAll('""', '"'));
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const delimiter = dollarDelimiter(text, i);
      if (delimiter) {
        const close = text.indexOf(delimiter, i + delimiter.length);
        if (close < 0) {
          return fail(
            'SQL.UNTERMINATED',
            `this dollar-quoted string is never closed by ${delimiter}: it would swallow the rest of the file`,
            i,
          );
        }
        push('dollar', i, close + delimiter.length, text.slice(i + delimiter.length, close));
        i = close + delimiter.length;
        continue;
      }
      if (isDigit(next)) {
        let j = i + 1;
        // PostgreSQL 18 reads `$1b'…'` as a parameter and a bit string; older versions refuse it.
        while (j < n && isDigit(text[j]!)) j++;
        push('param', i, j);
        i = j;
        continue;
      }
      push('punct', i, i + 1);
      i++;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(next))) {
      const end = scanNumber(text, i);
      if (typeof end !== 'number') return { tokens, problem: end };
      push('number', i, end);
      i = end;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      let upper = c >= 'A' && c <= 'Z';
      let ascii = c < '\x80';
      for (; j < n; j++) {
        const d = text[j]!;
        if (!isIdentCont(d)) break;
        if (d >= 'A' && d <= 'Z') upper = true;
        else if (d >= '\x80') ascii = false;
      }
      // ASCII letters only are folded, as PostgreSQL does (toLowerCase would fold others too, so it is
      // used only on an all-ASCII word); most words have nothing to fold.
      const word = text.slice(i, j);
      push('word', i, j, !upper ? word : ascii ? word.toLowerCase() : word.replace(/[A-Z]+/g, (s) => s.toLowerCase()));
      i = j;
      continue;
    }
    if (c === '\\') {
      return fail(
        'SQL.INVALID_TOKEN',
        'a backslash outside a string is not SQL, and psql runs what follows it as a meta-command (\\! runs a shell command)',
        i,
        "backslashes belong inside string literals, e.g. E'\\n'",
      );
    }
    if (c === '\0') return fail('SQL.INVALID_TOKEN', 'a NUL character cannot appear in SQL text', i);
    if (isOpChar(c)) {
      // An operator never contains the start of a comment: `+--x` is `+` and a comment.
      let j = i + 1;
      while (
        j < n &&
        isOpChar(text[j]!) &&
        !(text[j] === '-' && text[j + 1] === '-') &&
        !(text[j] === '/' && text[j + 1] === '*')
      )
        j++;
      push('op', i, j);
      i = j;
      continue;
    }
    if (c === ':' && next === ':') {
      push('punct', i, i + 2);
      i += 2;
      continue;
    }
    push('punct', i, i + 1);
    i++;
  }
  return { tokens };
}

const OPEN: Readonly<Record<string, string>> = { '(': ')', '[': ']' };
const CLOSE: Readonly<Record<string, string>> = { ')': '(', ']': '[' };

/** Every bracket of `tokens` (up to `end`) closed in order (for the callers' own rules). */
function brackets(tokens: readonly Token[], caseEnd: boolean, end = tokens.length): SqlProblem | undefined {
  const stack: Token[] = [];
  for (let i = 0; i < end; i++) {
    const t = tokens[i]!;
    const isCase = caseEnd && t.kind === 'word' && t.value === 'case';
    const isEnd = caseEnd && t.kind === 'word' && t.value === 'end';
    if ((t.kind === 'punct' && OPEN[t.value]) || isCase) stack.push(t);
    else if ((t.kind === 'punct' && CLOSE[t.value]) || isEnd) {
      const open = stack.pop();
      const want = isEnd ? 'case' : CLOSE[t.value];
      if (!open || open.value !== want) {
        return {
          code: 'SQL.UNBALANCED',
          message: open
            ? `'${t.value}' closes '${open.value}', which it does not match`
            : `'${t.value}' closes nothing: it would close the surrounding SQL`,
          offset: t.start,
        };
      }
    }
  }
  const open = stack.pop();
  if (open) {
    return {
      code: 'SQL.UNBALANCED',
      message: `'${open.value}' is never closed${open.value === 'case' ? ' by END' : ''}`,
      offset: open.start,
    };
  }
  return undefined;
}

const statementEnd = (t: Token): SqlProblem => ({
  code: 'SQL.STATEMENT_END',
  message: "';' would end the statement here, and whatever follows would run as SQL of its own",
  offset: t.start,
  hint: 'a view is one query and a default one expression: remove the ; and anything after it',
});

const emptyProblem = (what: string): SqlProblem => ({
  code: 'SQL.EMPTY',
  message: `the ${what} is empty`,
  offset: 0,
});

/**
 * A backslash in a '…' string is an ordinary character with standard_conforming_strings on and an escape
 * with it off (a role, database or server setting; a runner that sends a file as one query parses it all
 * before any SET in it runs). Refusing it makes every accepted fragment mean the same under both.
 */
function ambiguousString(text: string, tokens: readonly Token[]): SqlProblem | undefined {
  const t = tokens.find(
    (t) => t.kind === 'string' && /^[nN]?'/.test(text.slice(t.start, t.start + 2)) && t.value.includes('\\'),
  );
  if (!t) return undefined;
  return {
    code: 'SQL.INVALID_TOKEN',
    message:
      "a backslash in a '…' string is read as an escape when standard_conforming_strings is off, which would move where the string ends",
    offset: t.start,
    hint: "write the string as E'…' with the backslash doubled (E'\\\\d+' for the regex \\d+), which reads the same under either setting",
  };
}

/** Tokens of a view body, without comments, or the first reason it is not exactly one query. */
export function checkQuery(text: string): { problem?: SqlProblem; terminator?: Token } {
  return checkLexed(text, lex(text));
}

/** `checkQuery` over tokens already lexed from `text` (`lex(text)`). */
export function checkLexed(text: string, lexed: Lexed): { problem?: SqlProblem; terminator?: Token } {
  if (lexed.problem) return { problem: lexed.problem };
  const ambiguous = ambiguousString(text, lexed.tokens);
  if (ambiguous) return { problem: ambiguous };
  // (Copied only when there are comments to leave out; the body is `tokens` up to `end`, not a copy.)
  const tokens = lexed.tokens.some((t) => t.kind === 'comment')
    ? lexed.tokens.filter((t) => t.kind !== 'comment')
    : lexed.tokens;
  if (tokens.length === 0) return { problem: emptyProblem('view SQL') };
  // One trailing `;` is the statement's own end; the compiler writes it.
  const last = tokens.at(-1)!;
  const terminator = last.kind === 'punct' && last.value === ';' ? last : undefined;
  const end = terminator ? tokens.length - 1 : tokens.length;
  for (let i = 0; i < end; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.value === ';') return { problem: statementEnd(t) };
  }
  const first = end > 0 ? tokens[0] : undefined;
  if (!first) return { problem: emptyProblem('view SQL') };
  if (!(first.kind === 'word' && QUERY_STARTS.has(first.value)) && !(first.kind === 'punct' && first.value === '(')) {
    return {
      problem: {
        code: 'SQL.NOT_A_QUERY',
        message: `a view is one query (SELECT, WITH … SELECT, VALUES or TABLE), not '${text.slice(first.start, first.end)}'`,
        offset: first.start,
      },
    };
  }
  const unbalanced = brackets(tokens, false, end);
  return unbalanced ? { problem: unbalanced } : terminator ? { terminator } : {};
}

const QUERY_STARTS: ReadonlySet<string> = new Set(['select', 'with', 'values', 'table']);

/**
 * Key words that begin a column constraint (or the column's collation). DEFAULT takes a b_expr in
 * PostgreSQL's grammar, which ends where one of these begins, so outside brackets they would add a
 * constraint to the column instead of being part of its default.
 */
const CONSTRAINT_WORDS: ReadonlySet<string> = new Set([
  'constraint',
  'not',
  'unique',
  'primary',
  'check',
  'default',
  'generated',
  'references',
  'deferrable',
  'initially',
  'collate',
]);

/** Token kinds after which a NULL is a (NULL) constraint rather than an operand. */
const endsOperand = (t: Token | undefined) =>
  t !== undefined &&
  (t.kind === 'word' ||
    t.kind === 'quoted-ident' ||
    t.kind === 'string' ||
    t.kind === 'dollar' ||
    t.kind === 'number' ||
    t.kind === 'param' ||
    (t.kind === 'punct' && (t.value === ')' || t.value === ']')));

/** The first reason `text` is not exactly one expression that can follow DEFAULT in a column definition. */
export function checkExpression(text: string): SqlProblem | undefined {
  const lexed = lex(text);
  if (lexed.problem) return lexed.problem;
  const ambiguous = ambiguousString(text, lexed.tokens);
  if (ambiguous) return ambiguous;
  const tokens = lexed.tokens.filter((t) => t.kind !== 'comment');
  if (tokens.length === 0) return emptyProblem('default expression');
  const comment = lexed.tokens.find((t) => t.kind === 'comment' && text.startsWith('--', t.start));
  if (comment) {
    return {
      code: 'SQL.NOT_ONE_EXPRESSION',
      message: 'a -- comment would hide the rest of the column definition',
      offset: comment.start,
      hint: 'remove the comment, or write it as /* … */',
    };
  }
  const semicolon = tokens.find((t) => t.kind === 'punct' && t.value === ';');
  if (semicolon) return statementEnd(semicolon);
  const unbalanced = brackets(tokens, true);
  if (unbalanced) return unbalanced;
  let depth = 0;
  for (const [i, t] of tokens.entries()) {
    if ((t.kind === 'punct' && OPEN[t.value]) || (t.kind === 'word' && t.value === 'case')) depth++;
    else if ((t.kind === 'punct' && CLOSE[t.value]) || (t.kind === 'word' && t.value === 'end')) depth--;
    else if (depth === 0) {
      const notOne = (what: string): SqlProblem => ({
        code: 'SQL.NOT_ONE_EXPRESSION',
        message: `${what} outside parentheses ends the default expression: the rest would become part of the column definition`,
        offset: t.start,
        hint: 'a default is one expression; wrap it in parentheses if it really needs this',
      });
      if (t.kind === 'punct' && t.value === ',') return notOne("','");
      if (t.kind === 'word' && CONSTRAINT_WORDS.has(t.value)) return notOne(`'${text.slice(t.start, t.end)}'`);
      if (t.kind === 'word' && t.value === 'null' && endsOperand(tokens[i - 1]))
        return notOne(`'${text.slice(t.start, t.end)}' after an operand`);
    }
  }
  return undefined;
}
