/**
 * The output columns of a view body, read from its tokens (src/sql/lexer.ts): for each position of the
 * select list, the text range of its item in every branch (`SELECT … UNION SELECT …` pairs items by
 * position, as PostgreSQL does). Lineage maps each declared view column to the item at its position
 * (verify holds a view's columns to the declared names and order), and from there to the column
 * references interpolated into that item.
 *
 * Only what the text alone decides is read: a query whose outputs come from elsewhere — `*` or `t.*`, a
 * WITH clause or a derived table in FROM (its items name that query's outputs, not the tables'), a query
 * that starts with VALUES, TABLE or a parenthesis — gives `undefined`, and lineage falls back to the
 * whole view. Hand-written over the lexer the view check already runs (no second SQL parser on the hot
 * path): the select list is the part of the grammar that needs no more than depth and key words.
 */
import type { Token } from './lexer.js';

/** Key words that end a select list at depth 0. */
const LIST_ENDS: ReadonlySet<string> = new Set([
  'from',
  'into',
  'where',
  'group',
  'having',
  'window',
  'order',
  'limit',
  'offset',
  'fetch',
  'for',
  'union',
  'intersect',
  'except',
]);

/** Key words that end a FROM clause at depth 0. */
const FROM_ENDS: ReadonlySet<string> = new Set([
  'where',
  'group',
  'having',
  'window',
  'order',
  'limit',
  'offset',
  'fetch',
  'for',
  'union',
  'intersect',
  'except',
]);

const SET_OPERATORS: ReadonlySet<string> = new Set(['union', 'intersect', 'except']);
const SUBQUERY_STARTS: ReadonlySet<string> = new Set(['select', 'with', 'values', 'table']);

const isOpen = (t: Token) => t.kind === 'punct' && (t.value === '(' || t.value === '[');
const isClose = (t: Token) => t.kind === 'punct' && (t.value === ')' || t.value === ']');
const isWord = (t: Token | undefined, ...words: string[]) => t?.kind === 'word' && words.includes(t.value);

export interface SelectItem {
  /** Offsets into the text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/**
 * Per output position, the item of each branch at that position; `undefined` when the outputs cannot be
 * told from the text (see the file comment). `tokens` are a view body's tokens (comments are skipped).
 */
export function selectItems(all: readonly Token[]): SelectItem[][] | undefined {
  // The statement's own `;` (a view body may end with one) belongs to no item.
  const skipped = (t: Token) => t.kind === 'comment' || (t.kind === 'punct' && t.value === ';');
  // (Copied only when there is something to leave out.)
  const tokens = all.some(skipped) ? all.filter((t) => !skipped(t)) : all;
  const columns: SelectItem[][] = [];
  let i = 0;
  for (let branch = 0; ; branch++) {
    if (!isWord(tokens[i], 'select')) return undefined;
    i++;
    if (isWord(tokens[i], 'all')) i++;
    else if (isWord(tokens[i], 'distinct')) {
      i++;
      if (isWord(tokens[i], 'on')) {
        i++;
        if (!tokens[i] || !isOpen(tokens[i]!)) return undefined;
        i = skipGroup(tokens, i);
      }
    }
    const items: SelectItem[] = [];
    let first = i;
    let depth = 0;
    const close = (end: number) => {
      if (end <= first) return false;
      const last = tokens[end - 1]!;
      // `*` and `t.*` stand for columns the text does not name.
      if (last.kind === 'op' && last.value === '*' && (end - 1 === first || isDot(tokens[end - 2]))) return false;
      items.push({ start: tokens[first]!.start, end: last.end });
      return true;
    };
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (isOpen(t)) depth++;
      else if (isClose(t)) depth--;
      else if (depth === 0 && t.kind === 'punct' && t.value === ',') {
        if (!close(i)) return undefined;
        first = i + 1;
      } else if (depth === 0 && t.kind === 'word' && LIST_ENDS.has(t.value)) break;
    }
    if (!close(i)) return undefined;
    if (branch > 0 && items.length !== columns.length) return undefined;
    items.forEach((item, k) => {
      (columns[k] ??= []).push(item);
    });
    // The rest of this branch: a derived table in FROM hides where its columns come from.
    depth = 0;
    let inFrom = false;
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (depth === 0 && t.kind === 'word') {
        if (t.value === 'from') inFrom = true;
        else if (FROM_ENDS.has(t.value)) inFrom = false;
        if (SET_OPERATORS.has(t.value)) break;
      }
      if (isOpen(t)) {
        const next = tokens[i + 1];
        if (inFrom && depth === 0 && next?.kind === 'word' && SUBQUERY_STARTS.has(next.value)) return undefined;
        if (inFrom && depth === 0 && next && isOpen(next)) return undefined;
        depth++;
      } else if (isClose(t)) depth--;
    }
    if (i >= tokens.length) return columns;
    i++;
    if (isWord(tokens[i], 'all', 'distinct')) i++;
  }
}

const isDot = (t: Token | undefined) => t?.kind === 'punct' && t.value === '.';

/** Index after the bracket group that opens at `i`. */
function skipGroup(tokens: readonly Token[], i: number): number {
  let depth = 0;
  for (; i < tokens.length; i++) {
    if (isOpen(tokens[i]!)) depth++;
    else if (isClose(tokens[i]!) && --depth === 0) return i + 1;
  }
  return i;
}
