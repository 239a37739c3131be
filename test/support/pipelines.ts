/**
 * Generators for the property-based tests (test/property.test.ts, scripts/fuzz.mjs): random valid pipelines
 * as plain data (a `Plan`), a builder that turns a plan into DSL objects, and hostile mutations the builder
 * applies at one of its points (every options object and name it passes to the DSL goes through `at`).
 */
import fc from 'fast-check';
import * as dsl from '../../src/index.js';
import type { ColumnType } from '../../src/index.js';
import {
  BINARY_HANDLING,
  DECIMAL_FORMAT,
  DECIMAL_HANDLING,
  INTERVAL_HANDLING,
  TIME_PRECISION,
  TABLE_KINDS,
  FLINK_JOBS,
} from '../../src/dsl/enums.js';
import { CHART_KINDS } from '../../src/dsl/chart.js';
import { mapColumn, type ConnectorModes } from '../../src/resolve/type-matrix.js';
import { PG_RESERVED } from '../../src/sql/dialect.js';

const { t, secret, sql, view, chart, dashboard, sum, count, definePipeline, postgresSource } = dsl;

// ── Plans: plain data, what fast-check generates and shrinks ───────────────────────────────────────────

/** One column type as data: the constructor's name and its arguments. */
export interface TypePlan {
  readonly ctor: string;
  readonly args: readonly (number | string | TypePlan)[];
}

export interface ColumnPlan {
  readonly name: string;
  readonly type: TypePlan;
  readonly notNull: boolean;
  /** Index into the type's mapping variants (0 = the default, no `.mapping()`). */
  readonly variant: number;
  readonly description?: string;
}

export interface TablePlan {
  readonly name: string;
  /** The key columns come first in `columns`. */
  readonly keyColumns: number;
  readonly columns: readonly ColumnPlan[];
  readonly kind: (typeof TABLE_KINDS)[number];
  readonly loadedAt: boolean;
  readonly description?: string;
}

export interface SourcePlan {
  readonly name: string;
  readonly modes: ConnectorModes;
  readonly tables: readonly TablePlan[];
}

export interface ViewPlan {
  readonly name: string;
  /** Over a table (index into every table, flattened) or an earlier view. */
  readonly over: { readonly table: number } | { readonly view: number };
  /** The column grouped by (index into the table's columns; for a view, its `k`). */
  readonly column: number;
  readonly alias: boolean;
  readonly description?: string;
}

export interface ChartPlan {
  readonly name: string;
  readonly kind: (typeof CHART_KINDS)[number];
  readonly view: number;
  readonly metric: 'count' | 'sum';
}

export interface Plan {
  readonly name: string;
  readonly sources: readonly SourcePlan[];
  readonly views: readonly ViewPlan[];
  readonly charts: readonly ChartPlan[];
  readonly dashboard: boolean;
  readonly deployment: boolean;
  readonly jobs: (typeof FLINK_JOBS)[number];
  readonly analyticsSchema?: string;
}

const RESERVED = PG_RESERVED;

/** A lower-case snake_case name that is no reserved word (short enough for every derived name). */
const identifier = (prefix: string) =>
  fc
    .stringMatching(/^[a-z][a-z0-9_]{0,10}$/)
    .map((s) => `${prefix}${s}`)
    .filter((s) => !RESERVED.has(s) && !s.endsWith('_'));

const SCALAR_TYPES: readonly fc.Arbitrary<TypePlan>[] = [
  ...[
    'boolean',
    'smallint',
    'integer',
    'bigint',
    'real',
    'double',
    'money',
    'text',
    'uuid',
    'json',
    'jsonb',
    'bytea',
    'date',
    'interval',
    'inet',
    'cidr',
    'macaddr',
    'xml',
    'point',
    'int4range',
    'int8range',
    'numrange',
    'tsrange',
    'tstzrange',
    'daterange',
  ].map((ctor) => fc.constant<TypePlan>({ ctor, args: [] })),
  fc.record({ ctor: fc.constant('numeric'), args: fc.constant([]) }),
  fc
    .integer({ min: 1, max: 38 })
    .chain((p) => fc.integer({ min: 0, max: p }).map((s): TypePlan => ({ ctor: 'numeric', args: [p, s] }))),
  fc.integer({ min: 1, max: 500 }).map((n): TypePlan => ({ ctor: 'varchar', args: [n] })),
  fc.constant<TypePlan>({ ctor: 'varchar', args: [] }),
  fc.integer({ min: 1, max: 10 }).map((n): TypePlan => ({ ctor: 'char', args: [n] })),
  ...['time', 'timetz', 'timestamp', 'timestamptz'].flatMap((ctor) => [
    fc.constant<TypePlan>({ ctor, args: [] }),
    fc.integer({ min: 0, max: 6 }).map((p): TypePlan => ({ ctor, args: [p] })),
  ]),
  fc.constantFrom('mood', 'state').map((n): TypePlan => ({ ctor: 'enum', args: [n] })),
];
const scalarType = fc.oneof(...SCALAR_TYPES);
/** Every type of the type matrix: scalars and one-dimensional arrays of them. */
const columnType: fc.Arbitrary<TypePlan> = fc.oneof(
  { weight: 5, arbitrary: scalarType },
  { weight: 1, arbitrary: scalarType.map((e): TypePlan => ({ ctor: 'array', args: [e] })) },
);
/** Types a primary key may have (upsert keys: no arrays, no bytes, no JSON). */
const keyType = fc.oneof(
  ...['integer', 'bigint', 'smallint', 'text', 'uuid', 'date'].map((ctor) => fc.constant<TypePlan>({ ctor, args: [] })),
  fc.integer({ min: 1, max: 100 }).map((n): TypePlan => ({ ctor: 'varchar', args: [n] })),
);

/** Words a description may hold (plain prose; the hostile generator brings the rest). */
const prose = fc.option(
  fc
    .array(fc.constantFrom('orders', 'per', 'day', 'the', "customer's", 'total', '100%', '(net)', 'ünïcode', '—'), {
      minLength: 1,
      maxLength: 6,
    })
    .map((w) => w.join(' ')),
  { nil: undefined },
);

const modes: fc.Arbitrary<ConnectorModes> = fc.record({
  decimalHandling: fc.constantFrom(...DECIMAL_HANDLING),
  decimalFormat: fc.constantFrom(...DECIMAL_FORMAT),
  timePrecision: fc.constantFrom(...TIME_PRECISION),
  intervalHandling: fc.constantFrom(...INTERVAL_HANDLING),
  binaryHandling: fc.constantFrom(...BINARY_HANDLING),
});

const column = (type: fc.Arbitrary<TypePlan>) =>
  fc.record({
    name: identifier('c_'),
    type,
    notNull: fc.boolean(),
    variant: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) }),
    description: prose,
  });

const table: fc.Arbitrary<TablePlan> = fc
  .record({
    name: identifier('t'),
    keys: fc.uniqueArray(column(keyType), { minLength: 1, maxLength: 2, selector: (c) => c.name }),
    others: fc.array(column(columnType), { maxLength: 8 }),
    kind: fc.constantFrom(...TABLE_KINDS),
    loadedAt: fc.boolean(),
    description: prose,
  })
  .map(({ keys, others, ...rest }) => {
    const taken = new Set(keys.map((k) => k.name));
    const rest_ = others.filter((c) => !taken.has(c.name) && (taken.add(c.name), true));
    return { ...rest, keyColumns: keys.length, columns: [...keys, ...rest_] };
  });

/** Random valid pipelines: every compile of one must succeed. */
export const plans: fc.Arbitrary<Plan> = fc
  .record({
    name: fc.stringMatching(/^p[a-z0-9]{0,10}$/),
    sources: fc.uniqueArray(
      fc.record({ name: identifier('s'), modes, tables: fc.array(table, { minLength: 1, maxLength: 3 }) }),
      {
        minLength: 1,
        maxLength: 2,
        selector: (s) => s.name,
      },
    ),
    views: fc.array(
      fc.record({
        name: identifier('vw_'),
        over: fc.oneof(
          { weight: 3, arbitrary: fc.nat().map((table) => ({ table })) },
          { weight: 1, arbitrary: fc.nat().map((v) => ({ view: v })) },
        ),
        column: fc.nat(),
        alias: fc.boolean(),
        description: prose,
      }),
      { maxLength: 4 },
    ),
    charts: fc.array(
      fc.record({
        name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && /^[\w ]+$/.test(s)),
        kind: fc.constantFrom(...CHART_KINDS),
        view: fc.nat(),
        metric: fc.constantFrom('count' as const, 'sum' as const),
      }),
      { maxLength: 4 },
    ),
    dashboard: fc.boolean(),
    deployment: fc.boolean(),
    jobs: fc.constantFrom(...FLINK_JOBS),
    analyticsSchema: fc.option(fc.constantFrom('public', 'mart', 'analytics_x'), { nil: undefined }),
  })
  .map((p): Plan => {
    // Table names unique across sources (each lands in fact_/dim_<name>); views and charts unique by name.
    const seen = new Set<string>();
    const sources = p.sources.map((s) => ({
      ...s,
      tables: s.tables.filter((tb) => !seen.has(tb.name) && (seen.add(tb.name), true)),
    }));
    const landing = new Set(
      sources.flatMap((s) => s.tables.map((tb) => `${tb.kind === 'fact' ? 'fact' : 'dim'}_${tb.name}`)),
    );
    const viewNames = new Set<string>();
    const views = p.views.filter(
      (v) => !landing.has(v.name) && !viewNames.has(v.name) && (viewNames.add(v.name), true),
    );
    const chartNames = new Set<string>();
    const charts = views.length
      ? p.charts.filter((c) => !chartNames.has(c.name.toLowerCase()) && (chartNames.add(c.name.toLowerCase()), true))
      : [];
    return { ...p, sources, views, charts };
  });

// ── Mutations: what a hostile or careless user does to a valid config ──────────────────────────────────

/** Strings that try to end a statement, open a comment, reach a template or a shell, or break a format. */
export const INJECTIONS = [
  "x'; DROP TABLE fact_x; --",
  'x"; DROP TABLE fact_x; --',
  'x GROUP BY 1; DROP TABLE fact_x; --',
  '1); DROP TABLE fact_x; --',
  'now(), injected text DEFAULT current_user',
  '$$; DROP TABLE fact_x; $$',
  '$tag$ x',
  '/* unclosed',
  '*/ x',
  '-- comment',
  '\\! rm -rf /',
  ':evil',
  "E'\\x27'",
  '${evil}',
  '${env:EVIL}',
  '{{evil}}',
  '{{{evil}}}',
  '$(touch /tmp/pwned)',
  '`touch /tmp/pwned`',
  "'; touch /tmp/pwned; '",
  '"\n---\nkind: Secret\n',
  'a\nb',
  'a\r\nb',
  '\u0000',
  '\u2028',
  '</script><script>x</script>',
  '../../../etc/passwd',
  '/proc/self/environ',
  '\u202eevil',
  'key: value',
  '- item',
  '&anchor *alias',
  '!!python/object:os.system',
  "'",
  '"',
  '\\',
  '%s%n%x',
  '?socketFactory=org.x.Factory&socketFactoryArg=y',
  '#frag',
];

/** Credential-shaped values a config must not carry outside secret(). */
export const CREDENTIALS = [
  'postgres://admin:hunter2-plain@db:5432/shop',
  'jdbc:postgresql://db/shop?user=u&password=hunter2-plain',
  'password=hunter2-plain',
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2-plain";',
  'AKIAIOSFODNN7EXAMPLE',
  '-----BEGIN PRIVATE KEY-----\nMIIE',
  'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB',
  'xoxb-1234567890-abcdefghij',
  's3://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI@bucket/x',
  'https://user:hunter2-plain@example.com/x',
];

/** Names at the edges: huge, unicode, look-alikes, empty, reserved. */
export const ODD_NAMES = [
  '',
  ' ',
  'x'.repeat(64),
  'x'.repeat(10_000),
  'ünïcödé',
  'İstanbul',
  'e\u0301',
  '\u200bzero',
  '日本語',
  '🙂',
  'A'.repeat(63),
  'select',
  'user',
  'Order',
  '1abc',
  'a-b',
  'a.b',
  'a b',
  'a"b',
  'analytics',
  'kafka',
  'connect',
  'public',
  'pg_catalog',
  'information_schema',
];

/** Values of the wrong type. */
export const WRONG_TYPES: readonly (() => unknown)[] = [
  () => null,
  () => undefined,
  () => 0,
  () => -1,
  () => 1.5,
  () => NaN,
  () => Infinity,
  () => 1e308,
  () => 2n ** 70n,
  () => true,
  () => [],
  () => [[]],
  () => ({}),
  () => Object.create(null),
  () => new Date(0),
  () => /x/,
  () => new Map([['a', 1]]),
  () => () => 1,
  () => Symbol('s'),
  () => 'x',
  () => secret('a', 'b'),
  () => t.text(),
  () => new Proxy({}, {}),
  () => {
    const o: Record<string, unknown> = {};
    o['self'] = o;
    return o;
  },
];

/** What a throwing getter or trap throws. */
const THROWN: readonly (() => unknown)[] = [
  () => new Error('getter exploded'),
  () => new TypeError('trap exploded'),
  () => 'a string',
  () => null,
  () => undefined,
  () => 42,
  () => Symbol('thrown'),
  () => ({ message: 'not an Error' }),
  () => ({
    get message(): string {
      throw new Error('message getter exploded too');
    },
  }),
  () => Object.create(null),
];

export type Mutation =
  | { readonly kind: 'wrong-type'; readonly point: number; readonly value: number; readonly key: number }
  | {
      readonly kind: 'injection' | 'credential' | 'name';
      readonly point: number;
      readonly value: number;
      readonly key: number;
    }
  | { readonly kind: 'extra-key'; readonly point: number; readonly value: number; readonly key: number }
  | {
      readonly kind: 'throwing-getter' | 'throwing-proxy';
      readonly point: number;
      readonly value: number;
      readonly key: number;
    };

export const MUTATION_KINDS = [
  'wrong-type',
  'injection',
  'credential',
  'name',
  'extra-key',
  'throwing-getter',
  'throwing-proxy',
] as const;

export const mutations: fc.Arbitrary<readonly Mutation[]> = fc.array(
  fc.record({
    kind: fc.constantFrom(...MUTATION_KINDS),
    point: fc.nat(),
    value: fc.nat(),
    key: fc.nat(),
  }) as fc.Arbitrary<Mutation>,
  { minLength: 1, maxLength: 3 },
);

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
const isEntity = (v: unknown) => v !== null && typeof v === 'object' && Symbol.for('cdc-compile.entity') in v;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !isEntity(v) &&
  Object.getPrototypeOf(v) === Object.prototype;

/** Paths of the string leaves inside a plain value (not into DSL entities). */
function stringLeaves(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (typeof value === 'string') out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => stringLeaves(v, [...path, i], out));
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) stringLeaves(v, [...path, k], out);
  return out;
}

/** A copy of `value` with the leaf at `path` replaced. */
function replaceAt(value: unknown, path: readonly (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, leaf) : v));
  return { ...(value as object), [head!]: replaceAt((value as Record<string, unknown>)[head!], rest, leaf) };
}

/** Every value a mutation's getter or trap threw: what compile() must report as CONFIG.THREW. */
export const thrownValues = new Set<unknown>();

function thrower(n: number): never {
  const thrown = pick(THROWN, n)();
  thrownValues.add(thrown);
  throw thrown;
}

/** Applies one mutation to the value at a point. */
function mutate(value: unknown, m: Mutation): unknown {
  switch (m.kind) {
    case 'wrong-type': {
      const wrong = pick(WRONG_TYPES, m.value)();
      if (!isPlainObject(value) || m.key % 3 === 0) return wrong;
      const keys = Object.keys(value);
      return keys.length ? { ...value, [pick(keys, m.key)]: wrong } : wrong;
    }
    case 'injection':
    case 'credential':
    case 'name': {
      const list = m.kind === 'injection' ? INJECTIONS : m.kind === 'credential' ? CREDENTIALS : ODD_NAMES;
      const text = pick(list, m.value);
      const leaves = stringLeaves(value);
      if (leaves.length === 0) return typeof value === 'string' ? text : value;
      const leaf = pick(leaves, m.key);
      // Sometimes the whole string, sometimes after what was there (as a word of its own: the credential
      // policy reads token shapes at word boundaries, so a key glued to a word is no key to it).
      const old = leaf.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value) as string;
      return replaceAt(value, leaf, m.key % 2 ? text : `${old} ${text}`);
    }
    case 'extra-key':
      return isPlainObject(value)
        ? {
            ...value,
            [pick(['extra', 'password', '__proto__', 'constructor', ''], m.key)]: pick(WRONG_TYPES, m.value)(),
          }
        : value;
    case 'throwing-getter': {
      if (!isPlainObject(value)) return value;
      const copy = { ...value };
      const keys = Object.keys(copy);
      const key = keys.length ? pick(keys, m.key) : 'x';
      Object.defineProperty(copy, key, { enumerable: true, configurable: true, get: () => thrower(m.value) });
      return copy;
    }
    case 'throwing-proxy': {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
      const trap = pick(['get', 'ownKeys', 'getOwnPropertyDescriptor', 'has', 'getPrototypeOf'], m.key);
      return new Proxy(value as object, { [trap]: () => thrower(m.value) });
    }
  }
}

/** Counts the builder's points and applies the mutations whose point it is. */
export class Mutator {
  points = 0;
  applied: string[] = [];
  constructor(
    private readonly list: readonly Mutation[] = [],
    private readonly total = Infinity,
  ) {}
  at = <T>(where: string, value: T): T => {
    const here = this.points++;
    let v: unknown = value;
    for (const m of this.list) {
      if (m.point % this.total !== here) continue;
      this.applied.push(`${m.kind}@${where}`);
      v = mutate(v, m);
    }
    return v as T;
  };
}

// ── The builder ─────────────────────────────────────────────────────────────────────────────────────────

const CTOR = t as unknown as Record<string, (...args: unknown[]) => ColumnType>;

function buildType(p: TypePlan): ColumnType {
  const args = p.args.map((a) => (typeof a === 'object' ? buildType(a) : a));
  return CTOR[p.ctor]!(...args);
}

/** The column as declared, with a mapping variant the matrix has for it (or text where it has none). */
function buildColumn(c: ColumnPlan, modes: ConnectorModes, key: boolean): ColumnType {
  let type = buildType(c.type);
  let mapped = mapColumn(type.spec, modes);
  if (!mapped.ok) {
    type = t.text();
    mapped = mapColumn(type.spec, modes);
  }
  const variants = mapped.variants;
  if (c.variant > 0 && variants.length > 1) type = type.mapping(variants[c.variant % variants.length]!);
  if (key) type = type.primaryKey();
  else if (c.notNull) type = type.notNull();
  if (c.description) type = type.describe(c.description);
  return type;
}

/** A pipeline value from a plan; `m.at` sees every options object and name on the way. */
export function buildPipeline(plan: Plan, m: Mutator = new Mutator()): unknown {
  const tables: { table: dsl.Table; plan: TablePlan }[] = [];
  const sources = plan.sources.map((s) => {
    const source = postgresSource(
      m.at('source.name', s.name),
      m.at('source.options', {
        ...(plan.deployment ? {} : { host: `${s.name.replaceAll('_', '-')}-db` }),
        database: m.at('source.database', `${s.name}db`),
        password: secret(`${s.name.replaceAll('_', '-')}-db`, 'password'),
        connector: m.at('source.connector', { ...s.modes }),
      }),
    );
    for (const tp of s.tables) {
      const columns = Object.fromEntries(
        tp.columns.map((c, i) => [c.name, m.at('column', buildColumn(c, s.modes, i < tp.keyColumns))]),
      );
      const table = source.table(
        m.at('table.name', tp.name),
        m.at('table.options', {
          columns: m.at('table.columns', columns),
          analytics: m.at('table.analytics', {
            kind: tp.kind,
            ...(tp.loadedAt ? { extraColumns: { loaded_at: t.timestamptz().default('now()') } } : {}),
          }),
          ...(tp.description ? { description: tp.description } : {}),
        }),
      );
      tables.push({ table, plan: tp });
    }
    return source;
  });

  const views: dsl.View[] = [];
  for (const vp of plan.views) {
    const over =
      'table' in vp.over || views.length === 0
        ? tables[('table' in vp.over ? vp.over.table : vp.over.view) % tables.length]!
        : undefined;
    let body: dsl.SqlFragment;
    if (over) {
      const col = over.plan.columns[vp.column % over.plan.columns.length]!.name;
      if (vp.alias) {
        const a = over.table.as('src');
        body = sql`SELECT ${a.c[col]!}::text AS k, COUNT(*) AS n FROM ${a} GROUP BY 1`;
      } else body = sql`SELECT ${over.table.c[col]!}::text AS k, COUNT(*) AS n FROM ${over.table} GROUP BY 1`;
    } else {
      const base = views[(vp.over as { view: number }).view % views.length]!;
      body = sql`SELECT ${base.c['k']!} AS k, SUM(${base.c['n']!})::bigint AS n FROM ${base} GROUP BY 1`;
    }
    views.push(
      view(
        m.at('view.name', vp.name),
        m.at('view.options', {
          columns: { k: t.text(), n: t.bigint() },
          sql: m.at('view.sql', body),
          ...(vp.description ? { description: vp.description } : {}),
        }),
      ),
    );
  }

  const charts = plan.charts.map((cp) => {
    const v = views[cp.view % views.length]!;
    const metric = cp.metric === 'sum' ? sum('n') : count();
    const shape =
      cp.kind === 'big_number'
        ? { metrics: [metric] }
        : cp.kind === 'table'
          ? { groupBy: ['k'], metrics: [metric] }
          : { x: 'k', metrics: [metric] };
    return chart(m.at('chart.name', cp.name), m.at('chart.options', { kind: cp.kind, view: v, ...shape } as never));
  });

  return definePipeline(
    m.at('pipeline', {
      name: m.at('pipeline.name', plan.name),
      sources,
      ...(plan.deployment
        ? { deployment: m.at('deployment', {}) }
        : {
            kafka: m.at('kafka', { bootstrapServers: 'kafka:9092' }),
            connect: m.at('connect', { url: 'http://connect:8083' }),
          }),
      flink: m.at('flink', { jobs: plan.jobs }),
      analytics: m.at('analytics', {
        ...(plan.deployment ? {} : { host: 'analytics-db' }),
        database: m.at('analytics.database', 'analytics'),
        user: 'flink_writer',
        password: secret('analytics-db', 'password'),
        ...(plan.analyticsSchema ? { schema: plan.analyticsSchema } : {}),
      }),
      views,
      ...(plan.dashboard && charts.length
        ? { dashboards: [m.at('dashboard', dashboard('Fuzzed Dashboard', { rows: [charts] }))] }
        : { charts }),
    }),
  );
}
