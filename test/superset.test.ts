/**
 * The Superset family without a Superset: every bundle file against Superset 5.0's import field lists,
 * the zip against Python's zipfile and across time zones and locales, and the generated bootstrap script
 * run against a recording stand-in whose request bodies are validated against Superset's OpenAPI
 * description with ajv. The real import is test/e2e/superset.e2e.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkBundle, IMPORT_SCHEMAS_5_0 } from '../src/targets/superset/checks.js';
import { uuidV5 } from '../src/resolve/superset.js';
import type { Model } from '../src/resolve/model.js';
import { compileProject, PROJECTS, ROOT } from './support/compile.js';
import { cli, copyProject } from './support/project.js';

const WITH_CHARTS = PROJECTS.filter((p) => p.name === 'bookstore' || p.name === 'charts');

/** Bundle files of a compile: path inside the bundle → parsed YAML (as Superset's PyYAML reads 1.1). */
function bundleOf(files: Map<string, string>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [path, text] of files)
    if (path.startsWith('superset/bundle/'))
      out.set(path.slice('superset/bundle/'.length), parse(text, { version: '1.1' }));
  return out;
}

/** The entries of a stored (uncompressed) zip, read from its local headers. */
function unzipStored(bytes: Uint8Array): Map<string, Buffer> {
  const b = Buffer.from(bytes);
  const entries = new Map<string, Buffer>();
  let at = 0;
  while (b.readUInt32LE(at) === 0x04034b50) {
    expect(b.readUInt16LE(at + 8), 'stored').toBe(0);
    const size = b.readUInt32LE(at + 18);
    const nameLength = b.readUInt16LE(at + 26);
    const extra = b.readUInt16LE(at + 28);
    const name = b.subarray(at + 30, at + 30 + nameLength).toString('utf8');
    const start = at + 30 + nameLength + extra;
    const data = b.subarray(start, start + size);
    expect(b.readUInt32LE(at + 14), `${name} crc`).toBe(crc32(data));
    entries.set(name, data);
    at = start + size;
  }
  return entries;
}

describe.each(WITH_CHARTS)('$name bundle', ({ config }) => {
  let files: Map<string, string>;
  let binaries: Map<string, Uint8Array>;
  let model: Model;
  beforeAll(async () => {
    ({ files, binaries, model } = (await compileProject(config)) as Awaited<ReturnType<typeof compileProject>> & {
      model: Model;
    });
  });

  test('every file fits Superset 5.0 import schemas, and every reference resolves', () => {
    const bundle = bundleOf(files);
    expect(checkBundle(bundle)).toEqual([]);
    expect([...bundle.keys()].filter((p) => p.startsWith('charts/'))).toHaveLength(model.charts.length);
    for (const [path, value] of bundle) {
      if (!path.startsWith('charts/')) continue;
      const qc = JSON.parse((value as { query_context: string }).query_context) as { queries: unknown[] };
      expect(qc.queries.length, path).toBe(1);
    }
  });

  test("every chart's saved query_context is a valid POST /api/v1/chart/data body (OpenAPI, ajv)", () => {
    const valid = requestSchema('/api/v1/chart/data', 'post', 'application/json');
    const bundle = bundleOf(files);
    const charts = [...bundle].filter(([p]) => p.startsWith('charts/'));
    expect(charts).toHaveLength(model.charts.length);
    for (const [path, value] of charts) {
      const qc = JSON.parse((value as { query_context: string }).query_context) as Record<string, any>;
      expect(valid(qc), `${path}: ${JSON.stringify(valid.errors)}`).toBe(true);
    }
    // Negative controls: what Superset's chart-data endpoint would refuse.
    const qc = JSON.parse((charts[0]![1] as { query_context: string }).query_context) as Record<string, any>;
    const refused = [
      { ...qc, result_type: 'everything' },
      { ...qc, queries: [{ ...qc.queries[0], row_limit: 'ten' }] },
      { ...qc, datasource: { ...qc.datasource, type: 'tabel' } },
      { ...qc, queries: [{ ...qc.queries[0], extras: { where: '', wher: '' } }] },
      { ...qc, form: {} },
    ];
    for (const bad of refused) expect(valid(bad), JSON.stringify(bad).slice(0, 200)).toBe(false);
  });

  test('the checker catches what Superset would reject', () => {
    const bundle = bundleOf(files);
    const [chartPath, chart] = [...bundle].find(([p]) => p.startsWith('charts/'))!;
    const [dbPath, db] = [...bundle].find(([p]) => p.startsWith('databases/'))!;
    const broken = new Map(bundle);
    broken.set(chartPath, { ...(chart as object), tags: [], uuid: 'NOT-A-UUID' });
    broken.set(dbPath, { ...(db as object), sqlalchemy_uri: 'postgresql://u:hunter2@h/db' });
    const problems = checkBundle(broken);
    expect(problems).toContain(`${chartPath}: unknown field 'tags'`);
    expect(problems.some((p) => p.includes('not a lower-case UUID'))).toBe(true);
    expect(problems).toContain(`${dbPath}: sqlalchemy_uri must carry the masked password XXXXXXXXXX`);
    expect(problems.some((p) => p.includes('names a chart not in the bundle'))).toBe(true);
  });

  test('datasets list every view column with its type; temporal columns are is_dttm', () => {
    const bundle = bundleOf(files);
    for (const d of model.superset.datasets) {
      const yaml = bundle.get(d.file) as { columns: { column_name: string; type: string; is_dttm: boolean }[] };
      const view = model.views.find((v) => v.name === d.view)!;
      expect(yaml.columns.map((c) => c.column_name)).toEqual(view.columns.map((c) => c.name));
      for (const c of yaml.columns) expect(c.type).toMatch(/^[A-Z]/);
    }
    expect(IMPORT_SCHEMAS_5_0.dataset.optional).not.toContain('folders');
  });

  test('bundle.zip holds exactly the bundle folder, CRCs check out in Python too', async () => {
    const zip = binaries.get('superset/bundle.zip')!;
    const entries = unzipStored(zip);
    const tree = [...files].filter(([p]) => p.startsWith('superset/bundle/'));
    expect([...entries.keys()]).toEqual(tree.map(([p]) => p.slice('superset/'.length)));
    for (const [p, text] of tree) expect(entries.get(p.slice('superset/'.length))!.toString('utf8')).toBe(text);
    const py = await execa(
      'python3',
      [
        '-c',
        'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip() or "ok", len(z.namelist()))',
        join(dirname(config), 'generated', 'superset', 'bundle.zip'),
      ],
      { reject: false },
    );
    expect(py.stdout.trim()).toMatch(/^ok \d+$/);
  });

  test('no password in any Superset file', () => {
    for (const [path, text] of files) {
      if (!path.startsWith('superset/')) continue;
      expect(text, path).not.toMatch(/password:\s*\S/);
      expect(text, path).not.toMatch(/postgresql:\/\/[^:\s]+:(?!XXXXXXXXXX@)[^@\s]+@/);
    }
  });
});

test('bundle.zip is byte-identical across compiles, time zones and locales, and matches the committed file', async () => {
  const dir = copyProject('bookstore');
  const runs = [
    { TZ: 'UTC', LC_ALL: 'C' },
    { TZ: 'Pacific/Kiritimati', LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8' },
    { TZ: 'America/St_Johns', LC_ALL: 'de_DE.UTF-8' },
  ];
  const zips: Buffer[] = [];
  for (const env of runs) {
    const r = await cli([], { cwd: dir, env });
    expect(r.exitCode, r.stderr).toBe(0);
    zips.push(readFileSync(join(dir, 'generated', 'superset', 'bundle.zip')));
  }
  for (const z of zips) expect(z.equals(zips[0]!)).toBe(true);
  expect(zips[0]!.equals(readFileSync(join(ROOT, 'generated', 'superset', 'bundle.zip')))).toBe(true);
});

test('UUID v5 matches RFC 4122 (Python: uuid5(NAMESPACE_DNS, "python.org"))', () => {
  expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
});

// ── The bootstrap script against a recording stand-in ────────────────────────────────────────────────

const openapi = JSON.parse(readFileSync(join(ROOT, 'test', 'data', 'superset-openapi-subset.json'), 'utf8')) as {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>>;
  components: { schemas: Record<string, object> };
};
const ajv = new Ajv({ strict: true, allErrors: true });
ajv.addFormat('binary', true);
ajv.addKeyword('example'); // OpenAPI's, not JSON Schema's
/**
 * Superset's marshmallow schemas reject unknown keys (their default), except ChartDataQueryObjectSchema,
 * which excludes them (`unknown = EXCLUDE` in superset/charts/schemas.py): the OpenAPI file does not say so,
 * so the check adds `additionalProperties: false` where marshmallow raises.
 */
const RAISES_ON_UNKNOWN = ['ChartDataDatasource', 'ChartDataExtras', 'ChartDataFilter'];
/** OpenAPI 3.0 → JSON Schema for ajv: refs into $defs; `nullable` on an untyped value (any value) dropped. */
const defs = Object.fromEntries(
  Object.entries(
    JSON.parse(JSON.stringify(openapi.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'), (_, v) => {
      if (v && typeof v === 'object' && !Array.isArray(v) && 'nullable' in v && !('type' in v)) {
        const { nullable: _n, ...rest } = v as Record<string, unknown>;
        return rest;
      }
      return v;
    }) as Record<string, object>,
  ).map(([k, v]) => [k, RAISES_ON_UNKNOWN.includes(k) ? { ...v, additionalProperties: false } : v]),
);
/** A request body schema from the OpenAPI file, its components as $defs; unknown top-level keys fail. */
const requestSchema = (path: string, method: string, type: string) => {
  const schema = openapi.paths[path]![method]!.requestBody!.content[type]!.schema as { $ref?: string };
  const top = schema.$ref ? defs[schema.$ref.slice('#/components/schemas/'.length)]! : schema;
  return ajv.compile({ $defs: defs, ...top, additionalProperties: false });
};

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function multipartFields(body: Buffer, contentType: string): Map<string, Buffer> {
  const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
  const fields = new Map<string, Buffer>();
  const sep = Buffer.from(`--${boundary}`);
  let at = body.indexOf(sep);
  while (at >= 0) {
    const next = body.indexOf(sep, at + sep.length);
    if (next < 0) break;
    const part = body.subarray(at + sep.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const name = /name="([^"]+)"/.exec(part.subarray(0, split).toString())![1]!;
    fields.set(name, part.subarray(split + 4));
    at = next;
  }
  return fields;
}

/** Superset's REST surface as the script uses it, holding assets by kind; records every request. */
function fakeSuperset(options: {
  existing?: { kind: string; uuid: string; name: string; schema?: string }[];
  drop?: string;
}) {
  const requests: Recorded[] = [];
  const names = { chart: 'slice_name', dashboard: 'dashboard_title', dataset: 'table_name' } as const;
  let nextId = 100;
  const assets = (options.existing ?? []).map((a) => ({ ...a, id: nextId++ }));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, path: url.pathname, headers: req.headers, body });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      const authed = req.headers.authorization === 'Bearer token-1';
      const csrf = req.headers['x-csrftoken'] === 'csrf-1' && /session=s1/.test(String(req.headers.cookie));
      if (url.pathname === '/health') return res.end('OK');
      if (url.pathname === '/api/v1/security/login') return json(200, { access_token: 'token-1', refresh_token: 'r' });
      if (!authed) return json(401, { msg: 'Not authorized' });
      if (url.pathname === '/api/v1/security/csrf_token/')
        return json(200, { result: 'csrf-1' }, { 'Set-Cookie': 'session=s1; HttpOnly; Path=/' });
      if (req.method !== 'GET' && !csrf) return json(400, { errors: [{ message: 'The CSRF token is missing.' }] });
      if (url.pathname === '/api/v1/assets/import/') {
        const zip = unzipStored(multipartFields(body, String(req.headers['content-type'])).get('bundle')!);
        for (const [name, data] of zip) {
          const kind = name.split('/')[1]!.replace(/s$/, '') as keyof typeof names;
          if (!(kind in names)) continue;
          const y = parse(data.toString(), { version: '1.1' }) as Record<string, string>;
          if (y[names[kind]] === options.drop) continue;
          if (!assets.some((a) => a.uuid === y.uuid))
            assets.push({
              kind,
              uuid: y.uuid!,
              name: y[names[kind]]!,
              id: nextId++,
              ...(y.schema ? { schema: y.schema } : {}),
            });
        }
        return json(200, { message: 'OK' });
      }
      const m = /^\/api\/v1\/(chart|dashboard|dataset)\/(\d+)?$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        const page = /page:(\d+)/.exec(url.searchParams.get('q') ?? '')?.[1] ?? '0';
        const mine = assets.filter((a) => a.kind === m[1]);
        const result =
          page === '0'
            ? mine.map((a) => ({
                id: a.id,
                uuid: a.uuid,
                [names[m[1] as keyof typeof names]]: a.name,
                schema: a.schema,
              }))
            : [];
        return json(200, { count: mine.length, ids: mine.map((a) => a.id), result });
      }
      if (m && req.method === 'DELETE') {
        const i = assets.findIndex((a) => a.id === Number(m[2]));
        if (i < 0) return json(404, { message: 'Not found' });
        assets.splice(i, 1);
        return json(200, { message: 'OK' });
      }
      json(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  return {
    requests,
    assets,
    start: () =>
      new Promise<string>((r) =>
        server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('the bootstrap script', () => {
  let model: Model;
  const script = join(ROOT, 'generated', 'superset', 'bootstrap');
  const env = (url: string) => ({
    SUPERSET_URL: url,
    SUPERSET_ADMIN_PASSWORD: 'admin-pw',
    ANALYTICS_DB_USER: 'reader@corp',
    ANALYTICS_DB_PASSWORD: 'db-pw',
    SUPERSET_WAIT_SECONDS: '5',
  });
  beforeAll(async () => {
    model = (await compileProject(join(ROOT, 'pipeline.config.ts'))).model!;
  });

  test('logs in, takes the CSRF token and cookie, imports with the password, verifies; payloads fit the OpenAPI', async () => {
    const fake = fakeSuperset({});
    const url = await fake.start();
    try {
      const run = await execa('python3', [script], { env: env(url), reject: false });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain('3 dashboards, 14 charts, 10 datasets present');

      const login = fake.requests.find((r) => r.path === '/api/v1/security/login')!;
      const validLogin = requestSchema('/api/v1/security/login', 'post', 'application/json');
      expect(validLogin(JSON.parse(login.body.toString())), JSON.stringify(validLogin.errors)).toBe(true);
      expect(validLogin({ ...JSON.parse(login.body.toString()), provider: 'oauth', remember: true })).toBe(false);

      const upload = fake.requests.find((r) => r.path === '/api/v1/assets/import/')!;
      expect(upload.headers['x-csrftoken']).toBe('csrf-1');
      expect(upload.headers.cookie).toContain('session=s1');
      const fields = multipartFields(upload.body, String(upload.headers['content-type']));
      const validImport = requestSchema('/api/v1/assets/import/', 'post', 'multipart/form-data');
      const form = Object.fromEntries([...fields].map(([k, v]) => [k, v.toString('latin1')]));
      expect(validImport(form), JSON.stringify(validImport.errors)).toBe(true);
      expect(validImport({ ...form, password: 'x' }), 'an unknown field').toBe(false);
      expect(validImport({ ...form, overwrite: 'yes' }), 'overwrite is a boolean').toBe(false);
      expect(JSON.parse(fields.get('passwords')!.toString())).toEqual({ [model.superset.database.file]: 'db-pw' });

      // The login from the Secret is written into the URI; the password stays masked; nothing else changes.
      const sent = unzipStored(fields.get('bundle')!);
      const committed = unzipStored(readFileSync(join(ROOT, 'generated', 'superset', 'bundle.zip')));
      expect([...sent.keys()]).toEqual([...committed.keys()]);
      for (const [name, data] of committed) {
        if (name.endsWith(model.superset.database.file))
          expect(sent.get(name)!.toString()).toContain('postgresql://reader%40corp:XXXXXXXXXX@');
        else expect(sent.get(name)!.equals(data), name).toBe(true);
      }
      expect(fake.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  test("--prune deletes only this pipeline's assets that the bundle no longer has", async () => {
    const ns = model.superset.namespace;
    const fake = fakeSuperset({
      existing: [
        { kind: 'chart', uuid: uuidV5('chart/Old chart', ns), name: 'Old chart' },
        { kind: 'chart', uuid: '0d1c2b3a-0000-4000-8000-000000000000', name: 'Someone else’s chart' },
        // Ours once, renamed by hand since: its UUID no longer derives from its name, so it is kept.
        { kind: 'chart', uuid: uuidV5('chart/Before rename', ns), name: 'After rename' },
        { kind: 'dataset', uuid: uuidV5('dataset/public.vw_old', ns), name: 'vw_old', schema: 'public' },
      ],
    });
    const url = await fake.start();
    try {
      const plain = await execa('python3', [script], { env: env(url), reject: false });
      expect(plain.exitCode, plain.stderr).toBe(0);
      expect(fake.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
      const run = await execa('python3', [script, '--prune'], { env: env(url), reject: false });
      expect(run.exitCode, run.stderr).toBe(0);
      const names = fake.assets.map((a) => a.name);
      expect(names).not.toContain('Old chart');
      expect(names).not.toContain('vw_old');
      expect(names).toContain('Someone else’s chart');
      expect(names).toContain('After rename');
      expect(fake.assets.filter((a) => a.kind === 'chart')).toHaveLength(14 + 2);
      for (const d of fake.requests.filter((r) => r.method === 'DELETE'))
        expect(d.headers['x-csrftoken']).toBe('csrf-1');
    } finally {
      await fake.stop();
    }
  });

  test('fails loudly when an asset is missing after the import, or a Secret is not set', async () => {
    const fake = fakeSuperset({ drop: 'Revenue by Genre' });
    const url = await fake.start();
    try {
      const run = await execa('python3', [script], { env: env(url), reject: false });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain("chart 'Revenue by Genre'");
      const noSecret = await execa('python3', [script], {
        env: { ...env(url), SUPERSET_ADMIN_PASSWORD: '' },
        reject: false,
      });
      expect(noSecret.exitCode).toBe(1);
      expect(noSecret.stderr).toContain('SUPERSET_ADMIN_PASSWORD is not set');
      const usage = await execa('python3', [script, '--bogus'], { env: env(url), reject: false });
      expect(usage.exitCode).toBe(2);
    } finally {
      await fake.stop();
    }
  });
});

afterAll(() => undefined);
