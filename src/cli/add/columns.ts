/**
 * Column types for `cdc-compile add table`: a PostgreSQL type as a user types it (`varchar(255)`, `int`,
 * `numeric(10,2)`, `text[]`) or as the catalog spells it (`format_type`: `character varying(255)`,
 * `timestamp(3) without time zone`, `integer[]`) → the DSL call that declares it (`t.varchar(255)`), or the
 * reason cdc-compile cannot carry it. Whether a declared type can travel is then the type matrix's call
 * (mapColumn, with the source's connector modes): the same check the compiler makes.
 */
import type { ColumnSpec } from '../../dsl/columns.js';
import { mapColumn, type ConnectorModes } from '../../resolve/type-matrix.js';

export interface ColumnDraft {
  readonly name: string;
  /** The DSL expression, e.g. `t.numeric(10, 2).primaryKey()`. */
  readonly expression: string;
  readonly primaryKey: boolean;
}

export interface Refused {
  readonly name: string;
  readonly type: string;
  readonly reason: string;
}

/** Catalog and user spellings → the type's canonical name. */
const ALIASES: Readonly<Record<string, string>> = {
  'character varying': 'varchar',
  character: 'char',
  bpchar: 'char',
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  double: 'double precision',
  bool: 'boolean',
  decimal: 'numeric',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
};

/** Canonical name → the DSL builder and which arguments it takes. */
const BUILDERS: Readonly<Record<string, { fn: string; args: 'none' | 'length' | 'precision' | 'numeric' }>> = {
  boolean: { fn: 'boolean', args: 'none' },
  smallint: { fn: 'smallint', args: 'none' },
  integer: { fn: 'integer', args: 'none' },
  bigint: { fn: 'bigint', args: 'none' },
  real: { fn: 'real', args: 'none' },
  'double precision': { fn: 'double', args: 'none' },
  numeric: { fn: 'numeric', args: 'numeric' },
  money: { fn: 'money', args: 'none' },
  varchar: { fn: 'varchar', args: 'length' },
  text: { fn: 'text', args: 'none' },
  char: { fn: 'char', args: 'length' },
  uuid: { fn: 'uuid', args: 'none' },
  json: { fn: 'json', args: 'none' },
  jsonb: { fn: 'jsonb', args: 'none' },
  bytea: { fn: 'bytea', args: 'none' },
  date: { fn: 'date', args: 'none' },
  time: { fn: 'time', args: 'precision' },
  timetz: { fn: 'timetz', args: 'precision' },
  timestamp: { fn: 'timestamp', args: 'precision' },
  timestamptz: { fn: 'timestamptz', args: 'precision' },
  interval: { fn: 'interval', args: 'none' },
  inet: { fn: 'inet', args: 'none' },
  cidr: { fn: 'cidr', args: 'none' },
  macaddr: { fn: 'macaddr', args: 'none' },
  xml: { fn: 'xml', args: 'none' },
  point: { fn: 'point', args: 'none' },
  int4range: { fn: 'int4range', args: 'none' },
  int8range: { fn: 'int8range', args: 'none' },
  numrange: { fn: 'numrange', args: 'none' },
  tsrange: { fn: 'tsrange', args: 'none' },
  tstzrange: { fn: 'tstzrange', args: 'none' },
  daterange: { fn: 'daterange', args: 'none' },
  tsvector: { fn: 'tsvector', args: 'none' },
  geometry: { fn: 'geometry', args: 'none' },
  geography: { fn: 'geography', args: 'none' },
  vector: { fn: 'vector', args: 'length' },
};

/** What the parts of a user-defined type are, from the catalog (`pg_type.typtype`). */
export type TypeKind = 'enum' | 'composite';

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * One type → the DSL expression and the spec it declares, or why it cannot be declared. `userType` names
 * an enum or composite type (the catalog knows which); `enum(name)` says so in `--columns`.
 */
export function parseType(
  text: string,
  userType?: { kind: TypeKind; name: string },
): { expression: string; spec: ColumnSpec } | { reason: string } {
  let rest = text.trim();
  let array = false;
  if (rest.endsWith('[]')) {
    array = true;
    rest = rest.slice(0, -2).trim();
    if (rest.endsWith('[]')) return { reason: 'a multi-dimensional array: Debezium carries one dimension' };
  }
  const element = (): { expression: string; spec: ColumnSpec } | { reason: string } => {
    if (userType) {
      const spec: ColumnSpec =
        userType.kind === 'enum'
          ? { type: 'enum', enumName: userType.name }
          : { type: 'composite', typeName: userType.name };
      return { expression: `t.${userType.kind}(${quote(userType.name)})`, spec };
    }
    const named = /^(enum|composite)\s*\(\s*([^()]+?)\s*\)$/i.exec(rest);
    if (named) {
      const kind = named[1]!.toLowerCase() as TypeKind;
      const name = named[2]!;
      const spec: ColumnSpec =
        kind === 'enum' ? { type: 'enum', enumName: name } : { type: 'composite', typeName: name };
      return { expression: `t.${kind}(${quote(name)})`, spec };
    }
    const args = /\(([^()]*)\)/.exec(rest);
    const numbers = args ? args[1]!.split(',').map((a) => a.trim()) : [];
    const base = rest
      .replace(/\([^()]*\)/, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase();
    const name = ALIASES[base] ?? base;
    const builder = BUILDERS[name];
    if (!builder) return { reason: `cdc-compile has no column type for ${name}` };
    if (numbers.some((n) => !/^\d+$/.test(n))) return { reason: `'${text}' has arguments that are not whole numbers` };
    const n = numbers.map(Number);
    const max = { none: 0, length: 1, precision: 1, numeric: 2 }[builder.args];
    if (n.length > max) return { reason: `${name} takes ${max ? `at most ${max} argument(s)` : 'no arguments'}` };
    const spec: Record<string, unknown> = { type: name === 'double precision' ? 'double precision' : name };
    if (builder.args === 'length' && n[0] !== undefined) spec.length = n[0];
    if (builder.args === 'precision' && n[0] !== undefined) spec.precision = n[0];
    if (builder.args === 'numeric') {
      if (n[0] !== undefined) spec.precision = n[0];
      if (n[1] !== undefined) spec.scale = n[1];
    }
    if (name === 'char' && spec.length === undefined) spec.length = 1;
    return { expression: `t.${builder.fn}(${n.join(', ')})`, spec: spec as unknown as ColumnSpec };
  };
  const el = element();
  if ('reason' in el || !array) return el;
  return { expression: `t.array(${el.expression})`, spec: { type: 'array', element: el.spec } };
}

/**
 * One column → its draft, or the reason it cannot be captured: the type has no DSL spelling, or the type
 * matrix refuses it under the source's connector modes.
 */
export function draftColumn(
  column: {
    name: string;
    type: string;
    primaryKey: boolean;
    notNull: boolean;
    userType?: { kind: TypeKind; name: string };
  },
  modes: ConnectorModes,
): ColumnDraft | Refused {
  const parsed = parseType(column.type, column.userType);
  if ('reason' in parsed) return { name: column.name, type: column.type, reason: parsed.reason };
  const mapped = mapColumn(parsed.spec, modes);
  if (!mapped.ok) {
    const reason =
      'refusal' in mapped
        ? `${mapped.refusal.reason}${mapped.decidedBy.length ? ` (under ${mapped.decidedBy.join(', ')})` : ''}; ${mapped.refusal.fix}`
        : `no mapping variant '${mapped.unknownVariant}'`;
    return { name: column.name, type: column.type, reason };
  }
  const suffix = column.primaryKey ? '.primaryKey()' : column.notNull ? '.notNull()' : '';
  return { name: column.name, expression: `${parsed.expression}${suffix}`, primaryKey: column.primaryKey };
}

/**
 * `--columns id:uuid:pk,book_id:uuid,rating:integer:notnull,price:numeric(10,2)`: name, type, flags. Commas
 * inside a type's parentheses belong to it. Returns the columns or the first problem (bad usage).
 */
export function parseColumnsFlag(
  text: string,
): { columns: { name: string; type: string; primaryKey: boolean; notNull: boolean }[] } | { problem: string } {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  const columns: { name: string; type: string; primaryKey: boolean; notNull: boolean }[] = [];
  for (const part of parts) {
    const fields = part.trim().split(':');
    const [name, type, ...flags] = fields.map((f) => f.trim());
    if (!name || !type)
      return { problem: `--columns: '${part.trim()}' is not name:type[:pk][:notnull], e.g. id:uuid:pk` };
    const unknown = flags.find((f) => f !== 'pk' && f !== 'notnull');
    if (unknown !== undefined)
      return { problem: `--columns: '${unknown}' in '${part.trim()}' is neither pk nor notnull` };
    if (columns.some((c) => c.name === name)) return { problem: `--columns: '${name}' is given twice` };
    columns.push({ name, type, primaryKey: flags.includes('pk'), notNull: flags.includes('notnull') });
  }
  return { columns };
}
