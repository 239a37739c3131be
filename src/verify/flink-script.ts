/**
 * A small structural reader for the generated `flink/pipeline.sql`: enough to pull out SET statements,
 * CREATE TABLE column lists / primary keys / WITH options, and INSERT column and SELECT lists. Grammar
 * validity is checked separately with dt-sql-parser; `verify` and the tests read structure with this.
 */

export interface FlinkColumn {
  readonly name: string;
  readonly type: string;
}

export interface FlinkTable {
  readonly name: string;
  readonly columns: readonly FlinkColumn[];
  readonly primaryKey: readonly string[];
  /** WITH options in source order. */
  readonly options: readonly (readonly [key: string, value: string])[];
}

export interface FlinkInsert {
  readonly target: string;
  readonly columns: readonly string[];
  /** SELECT items as written. */
  readonly select: readonly string[];
  /** Output name of every SELECT item (alias or bare column), undefined for an unnamed expression. */
  readonly selectNames: readonly (string | undefined)[];
  readonly from: string;
}

export interface FlinkScript {
  readonly sets: readonly (readonly [key: string, value: string])[];
  readonly tables: readonly FlinkTable[];
  readonly inserts: readonly FlinkInsert[];
  /** Statements this reader did not recognise (should be none besides EXECUTE STATEMENT SET wrappers). */
  readonly other: readonly string[];
}

/** Removes `--` comments (outside string literals and quoted identifiers). */
function stripComments(sql: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote) {
      out += ch;
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '`') {
      quote = ch;
      out += ch;
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += '\n';
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * Splits on `sep` at nesting depth 0, outside '…' strings and `…` identifiers. `angles`: also nest on
 * `<…>` (type lists such as `ARRAY<INT>`; not for expressions, where `<` is a comparison).
 */
export function splitTopLevel(text: string, sep: string, angles = false): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '`') quote = ch;
    else if (ch === '(' || (angles && ch === '<')) depth++;
    else if (ch === ')' || (angles && ch === '>')) depth--;
    else if (ch === sep && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** A Flink identifier as written (bare or `back-quoted`) → its name. */
export const unquote = (ident: string): string =>
  ident.startsWith('`') && ident.endsWith('`') ? ident.slice(1, -1).replaceAll('``', '`') : ident;

const sqlStringValue = (lit: string): string => {
  if (!/^'(?:[^']|'')*'$/.test(lit)) throw new Error(`not a SQL string literal: ${lit}`);
  return lit.slice(1, -1).replaceAll("''", "'");
};

const IDENT = String.raw`(?:\`(?:[^\`]|\`\`)+\`|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\.${IDENT})*`;

function parseOptions(body: string): [string, string][] {
  return splitTopLevel(body, ',').map((pair) => {
    const m = /^('(?:[^']|'')*')\s*=\s*('(?:[^']|'')*')$/.exec(pair);
    if (!m) throw new Error(`cannot read WITH option: ${pair}`);
    return [sqlStringValue(m[1]!), sqlStringValue(m[2]!)];
  });
}

function parseCreateTable(stmt: string): FlinkTable | undefined {
  const m = new RegExp(String.raw`^CREATE\s+TABLE\s+(${QUALIFIED})\s*\(([\s\S]*)\)\s*WITH\s*\(([\s\S]*)\)$`, 'i').exec(
    stmt,
  );
  if (!m) return undefined;
  const columns: FlinkColumn[] = [];
  let primaryKey: string[] = [];
  for (const element of splitTopLevel(m[2]!, ',', true)) {
    const pk = /^PRIMARY\s+KEY\s*\(([^)]*)\)\s*NOT\s+ENFORCED$/i.exec(element);
    if (pk) {
      primaryKey = splitTopLevel(pk[1]!, ',').map(unquote);
      continue;
    }
    const col = new RegExp(String.raw`^(${IDENT})\s+([\s\S]+)$`).exec(element);
    if (!col) throw new Error(`cannot read column definition: ${element}`);
    columns.push({ name: unquote(col[1]!), type: col[2]!.replace(/\s+/g, ' ').trim() });
  }
  return { name: unquote(m[1]!), columns, primaryKey, options: parseOptions(m[3]!) };
}

function parseInsert(stmt: string): FlinkInsert | undefined {
  const m = new RegExp(
    String.raw`^INSERT\s+INTO\s+(${QUALIFIED})\s*\(([^)]*)\)\s*SELECT\s+([\s\S]*)\s+FROM\s+(${QUALIFIED})$`,
    'i',
  ).exec(stmt);
  if (!m) return undefined;
  const select = splitTopLevel(m[3]!, ',');
  const selectNames = select.map((item) => {
    const alias = new RegExp(String.raw`\s+AS\s+(${IDENT})$`, 'i').exec(item);
    if (alias) return unquote(alias[1]!);
    return new RegExp(`^${IDENT}$`).test(item) ? unquote(item) : undefined;
  });
  return {
    target: unquote(m[1]!),
    columns: splitTopLevel(m[2]!, ',').map(unquote),
    select,
    selectNames,
    from: unquote(m[4]!),
  };
}

/** Reads the statements of a generated `pipeline.sql`. */
export function readFlinkScript(sql: string): FlinkScript {
  const sets: [string, string][] = [];
  const tables: FlinkTable[] = [];
  const inserts: FlinkInsert[] = [];
  const other: string[] = [];
  for (let stmt of splitTopLevel(stripComments(sql), ';')) {
    stmt = stmt.replace(/^EXECUTE\s+STATEMENT\s+SET\s+BEGIN\s+/i, '').trim();
    if (/^END$/i.test(stmt)) continue;
    const set = /^SET\s+('(?:[^']|'')*')\s*=\s*('(?:[^']|'')*')$/i.exec(stmt);
    if (set) {
      sets.push([sqlStringValue(set[1]!), sqlStringValue(set[2]!)]);
      continue;
    }
    const table = parseCreateTable(stmt);
    if (table) {
      tables.push(table);
      continue;
    }
    const insert = parseInsert(stmt);
    if (insert) {
      inserts.push(insert);
      continue;
    }
    other.push(stmt);
  }
  return { sets, tables, inserts, other };
}
