/**
 * The one YAML serialiser (Kubernetes manifests, kustomizations). Objects are built as data and written
 * here: `apiVersion`, `kind`, `metadata` first and `name` first in any map that has one (where people look),
 * every other key in the order the builder set it (builders are deterministic); multi-line strings as
 * literal blocks; no anchors, aliases or tags; `\n` line ends and one trailing newline.
 *
 * Hand-written on purpose: the output is JSON-shaped data only (maps, lists, strings, numbers, booleans,
 * null), and the `yaml` package cost 160–280 ms per cold compile of the book store (import plus about
 * 1 µs per output byte), more than the rest of the compiler. The tests parse everything written here with
 * the `yaml` package and with kubectl, and round-trip random values through it.
 */

const FIRST = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];

/** Strings YAML 1.1 or 1.2 would read as something else (bool, null, number, date) if left plain. */
const AMBIGUOUS =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN)$/;
const NUMBERISH =
  /^[-+]?(?:[0-9][0-9_,:.]*(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|\.[0-9]+(?:[eE][-+]?[0-9]+)?)$/;
const DATEISH = /^\d{4}-\d\d?-\d\d?(?:[Tt ].*)?$/;
/** Conservative plain-scalar rule: starts with a safe character, no `: ` or ` #`, no trailing space. */
const PLAIN = /^[A-Za-z0-9_./$(][A-Za-z0-9_./$()@,=+:*%<> -]*$/;

/** Map keys repeat (name, value, image, …): each is judged once per process. */
const keys = new Map<string, string>();
function key(k: string): string {
  let written = keys.get(k);
  if (written === undefined) keys.set(k, (written = scalar(k)));
  return written;
}

function scalar(s: string): string {
  if (
    s !== '' &&
    PLAIN.test(s) &&
    !AMBIGUOUS.test(s) &&
    !NUMBERISH.test(s) &&
    !DATEISH.test(s) &&
    !s.endsWith(' ') &&
    !s.endsWith(':') &&
    !s.includes(': ') &&
    !s.includes(' #')
  )
    return s;
  return JSON.stringify(s);
}

/** A literal block for multi-line text, when its lines allow one (else a double-quoted string). */
function block(s: string, indent: string, inList: boolean): string | undefined {
  if (!s.includes('\n') || /[\x00-\x08\x0b-\x1f\x7f-\x9f\t\r\u2028\u2029\ufeff]/.test(s) || /[ ]\n|[ ]$/.test(s))
    return undefined;
  const body = s.replace(/\n+$/, '');
  if (!/\S/.test(body)) return undefined;
  const trailing = s.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  // A first non-empty line that starts with a space needs an explicit indentation indicator.
  const leading = /^\n*( ?)/.exec(body)![1] === ' ';
  if (leading && inList) return undefined;
  const indicator = leading ? '2' : '';
  const text = s.slice(0, trailing > 1 ? s.length - 1 : body.length);
  // Every line but the empty ones indented: one replace over the text (a split, a map and a join made a
  // string per line, ~10,000 lines in the book store's ConfigMaps).
  const first = text.charCodeAt(0) === 10 ? '' : indent;
  return `|${indicator}${chomp}\n${first}${text.replace(NOT_EMPTY_LINE, `\n${indent}`)}`;
}

/** A line break followed by a line that is not empty (the text has no other line terminators: see block). */
const NOT_EMPTY_LINE = /\n(?=[^\n])/g;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function inline(v: unknown, indent: string, inList = false): string | undefined {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`internal: cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'string') return block(v, indent, inList) ?? scalar(v);
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (isMap(v) && isEmpty(v)) return '{}';
  return undefined;
}

function isEmpty(m: Record<string, unknown>): boolean {
  for (const k in m) if (Object.hasOwn(m, k) && m[k] !== undefined) return false;
  return true;
}

/** A map's keys but the undefined ones', FIRST's keys first (in its order), the rest as set. */
function keysOf(m: Record<string, unknown>): string[] {
  const own = Object.keys(m);
  let first: string[] | undefined;
  let rest: string[] | undefined;
  for (let i = 0; i < own.length; i++) {
    const k = own[i]!;
    if (m[k] === undefined) {
      rest ??= own.slice(0, i);
      continue;
    }
    const at = FIRST.indexOf(k);
    if (at < 0) rest?.push(k);
    else {
      rest ??= own.slice(0, i);
      (first ??= [])[at] = k;
    }
  }
  if (rest === undefined) return own; // no undefined value, no FIRST key: as set
  if (first === undefined) return rest;
  const out: string[] = [];
  for (const k of first) if (k !== undefined) out.push(k);
  for (const k of rest) out.push(k);
  return out;
}

/**
 * Appends `v` (a non-empty map or list) at `indent`, each line ending in a line break, its first line
 * starting with `lead` instead of `indent` (a list item's dash). Built as one string: the text of every
 * line is appended once, never kept in a list of lines or sliced again.
 */
function node(v: unknown, indent: string, lead: string, out: { text: string }): void {
  const deeper = `${indent}  `;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const at = i === 0 ? lead : indent;
      const simple = inline(v[i], deeper, true);
      // A map or list in a list: its first line on the dash line, the rest aligned under it.
      if (simple === undefined) node(v[i], deeper, `${at}- `, out);
      else out.text += `${at}- ${simple}\n`;
    }
    return;
  }
  if (!isMap(v)) throw new Error('internal: a YAML node must be a map or a list');
  const keys = keysOf(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const value = v[k];
    const simple = inline(value, deeper);
    if (simple !== undefined) out.text += `${i === 0 ? lead : indent}${key(k)}: ${simple}\n`;
    else {
      out.text += `${i === 0 ? lead : indent}${key(k)}:\n`;
      node(value, deeper, deeper, out);
    }
  }
}

/** One document. */
export function canonicalYaml(value: object): string {
  const out = { text: '' };
  node(value, '', '', out);
  return out.text === '' ? '\n' : out.text;
}

/** Several documents in one file, separated by `---`, after an optional `#` comment header. */
export function yamlDocuments(values: readonly object[], header?: string): string {
  const body = values.map((v) => canonicalYaml(v)).join('---\n');
  return header ? `${header}\n${values.length ? '---\n' : ''}${body}` : body;
}
