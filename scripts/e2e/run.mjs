#!/usr/bin/env node
// npm run test:e2e — the generated artefacts on the real engines, on 127.0.0.1, with no containers.
//
// Installs what it needs (install.mjs: Maven artefacts and Flink's PyPI distribution, cached), starts one
// stack (stack.mjs), then for each pipeline in turn: compiles it with a loopback profile, applies the
// artefacts as a user would (source setup SQL and analytics DDL through psql, connectors through the
// generated register script against Connect's REST API, pipeline.sql through Flink's own SQL client after
// the runner Job's envsubst), and checks what seed §12 lists plus changes flowing (pipelines/*.mjs).
// Prints `e2e <pipeline>: N passed, N failed` per pipeline and `N passed, N failed` at the end; writes a
// report (report.md in the work folder). Logs of every component stay in the work folder's logs/.
//   CDC_E2E_PIPELINES=bookstore,types   which pipelines (default all but kafka-tls, whose Kafka speaks only
//                                       SASL_SSL: CDC_E2E_PIPELINES=kafka-tls runs it on a stack of its own)
//   CDC_E2E_WORK=/tmp/cdc-e2e           work folder (cleared at start)
//   CDC_E2E_CACHE=/var/cache/cdc-compile/e2e   download cache
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseAllDocuments } from 'yaml';
import { CACHE, install } from './install.mjs';
import { E2eError, run, tail, waitFor } from './proc.mjs';
import { PORTS, getJson, startConnect, startFlink, startKafka, startPostgres, startSuperset } from './stack.mjs';
import { brokerFromManifests, clientProperties, connectFromManifests, makeTlsMaterial, refusalChecks } from './tls.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORK = process.env.CDC_E2E_WORK ?? '/tmp/cdc-e2e';
const logs = join(WORK, 'logs');
const PROFILE = 'e2e';

// The pipelines with charts come after two without: Superset starts beside the stack and is ready by then.
const ALL = ['minimal', 'types', 'bookstore', 'charts', 'type-cells', 'bookstore-add-table'];
const KNOWN = [...ALL, 'kafka-tls'];
const selected = (process.env.CDC_E2E_PIPELINES ?? ALL.join(',')).split(',').filter(Boolean);
/** The TLS material of a run whose pipelines use kafka.security (tls.mjs). */
let tls;

const report = { start: {}, install: {}, latency: [], pipelines: [] };
const secs = (t0) => Math.round((performance.now() - t0) / 100) / 10;

/**
 * The config under test with one more profile: loopback addresses on this run's ports. The config itself
 * is not changed; a user whose ports differ from the built-in `local` profile's writes the same profile.
 * `spec.loopback` (TypeScript over the options `o`) replaces what a loopback stack cannot run, each line
 * saying why (examples/types: SASL on Kafka, S3 checkpoints). The `cluster` compile is read only for the
 * demo databases' table DDL (the dev overlay's init scripts): there, explicit addresses give way to the
 * derived ones, which a config with its own hosts conflicts with.
 */
export function wrapperConfig(configPath, dir, spec, { cluster = false } = {}) {
  const file = join(dir, cluster ? 'pipeline.cluster.config.ts' : 'pipeline.config.ts');
  const strip = `
for (const s of o.sources) {
  s.options = { ...s.options };
  delete s.options.host;
  delete s.options.port;
}
if (o.connect) o.connect = { ...o.connect, url: undefined };
if (o.kafka) o.kafka = { ...o.kafka, bootstrapServers: undefined };
if (o.superset) o.superset = { ...o.superset, url: undefined };
o.analytics = { ...o.analytics, host: undefined, port: undefined };
`;
  writeFileSync(
    file,
    `import base from ${JSON.stringify(configPath)};
import { definePipeline } from 'cdc-compile';

const o = { ...(base as any).options };
${spec.loopback ?? ''}
${cluster ? strip : ''}
const pg = ${PORTS.postgres};
const databases: Record<string, { localPort: number }> = { analytics: { localPort: pg } };
for (const s of o.sources) databases[s.name] = { localPort: pg };
export default definePipeline({
  ...o,
  deployment: {
    ...(o.deployment ?? {}),
    profiles: {
      ...(o.deployment?.profiles ?? {}),
      ${PROFILE}: {
        endpoints: 'loopback',
        components: {
          // localTruststore: where this run's truststore is (read only by a pipeline with kafka.security).
          kafka: { localPort: ${PORTS.kafka}, localTruststore: ${JSON.stringify(join(WORK, 'tls', 'truststore.p12'))} },
          connect: { localPort: ${PORTS.connect} },
          flinkJobManager: { localPort: ${PORTS.flinkRest} },
          superset: { localPort: ${PORTS.superset} },
        },
        databases,
      },
    },
  },
});
`,
  );
  return file;
}

class Checks {
  constructor(pipeline) {
    this.pipeline = pipeline;
    this.passed = 0;
    this.failed = 0;
    this.failures = [];
  }
  async check(what, fn) {
    try {
      const detail = await fn();
      this.passed++;
      console.log(`  ok   ${what}${detail ? ` (${detail})` : ''}`);
      return true;
    } catch (e) {
      this.failed++;
      this.failures.push(`${what}: ${e.message}`);
      console.log(`  FAIL ${what}: ${e.message}`);
      return false;
    }
  }
}

async function psql(url, file, what, env) {
  await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], {
    log: join(logs, 'psql.log'),
    what,
    env,
  });
}

async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The demo source databases' init scripts, as the dev overlay's ConfigMaps carry them. */
function sourceInit(outDir, db) {
  const file = join(outDir, 'kubernetes', 'overlays', 'dev', `${db.service}.yaml`);
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS();
    if (o?.kind === 'ConfigMap' && o.metadata.name === `${db.service}-init`) return o.data;
  }
  throw new E2eError(`no ConfigMap ${db.service}-init in ${file}`);
}

export async function compilePipeline(name, spec) {
  const dir = join(WORK, 'pipelines', name);
  mkdirSync(dir, { recursive: true });
  const wrapper = wrapperConfig(spec.config, dir, spec);
  const out = join(dir, 'generated');
  await run(
    process.execPath,
    [join(repo, 'bin', 'cdc-compile.js'), '--config', wrapper, '--profile', PROFILE, '--out', out],
    {
      log: join(logs, `compile-${name}.log`),
      what: `cdc-compile ${name}`,
    },
  );
  // The same config for the cluster: its dev overlay holds the demo source databases' table DDL and
  // rows (a loopback compile has no Kubernetes tree).
  await run(
    process.execPath,
    [
      join(repo, 'bin', 'cdc-compile.js'),
      '--config',
      wrapperConfig(spec.config, dir, spec, { cluster: true }),
      '--out',
      join(dir, 'generated-cluster'),
    ],
    {
      log: join(logs, `compile-${name}.log`),
      what: `cdc-compile ${name} (cluster)`,
    },
  );
  const { compile } = await import(join(repo, 'dist', 'index.js'));
  const result = await compile({ config: wrapper, profile: PROFILE, outDir: out });
  if (!result.model) throw new E2eError(`cdc-compile ${name}: no model`);
  return { dir, out, model: result.model };
}

/** Value for each secret the artefacts read from the environment. */
function secretEnv(model) {
  const env = {};
  const add = (b, value) => {
    if (b && typeof b === 'object' && b.env) env[b.env] = value;
  };
  for (const s of model.sources) for (const b of s.secrets) add(b, `pw-${b.env.toLowerCase()}`);
  add(model.analytics.user, `${model.pipeline.name.replace(/\W/g, '_')}_analytics`);
  // A quote in it: the runner's substitution must keep it inside the sink's SQL string literal.
  add(model.analytics.password, "pw-'analytics");
  for (const b of model.kafka.security ? [...model.kafka.security.connect.env, ...model.kafka.security.flink.env] : [])
    add(b, tls.valueOf(b));
  return env;
}

/**
 * The SQL runner Job's substitution of pipeline.sql's Secret placeholders (run-pipeline.sh): each value's
 * quotes doubled, as it lands in a SQL string literal, then envsubst with the explicit placeholder list.
 */
async function renderFlinkSql(model, from, to, env) {
  const list = model.flink.env.map((b) => b.placeholder).join(' ');
  const names = model.flink.env.map((b) => b.env).join(' ');
  const quoting = `for name in ${names}; do printf -v "$name" '%s' "\${!name//\\'/\\'\\'}"; done`;
  await run('bash', ['-c', `${quoting}; envsubst '${list}' < "$1" > "$2"`, 'envsubst', from, to], {
    log: join(logs, 'envsubst.log'),
    what: 'envsubst',
    env,
  });
}

async function applyAndCheck(name, spec, stack, checks) {
  const { out, model, dir } = spec.compiled ?? (await compilePipeline(name, spec));
  const env = secretEnv(model);
  const superUrl = (db) => stack.pg.url(db);
  const user = (b) => (typeof b === 'string' ? b : env[b.env]);

  // Source databases: the demo tables, fixture rows for the snapshot, then the generated setup SQL.
  for (const s of model.sources) {
    const db = model.deployment.databases.find((d) => d.name === s.name);
    await withClient(superUrl(), (c) =>
      c
        .query(`DROP DATABASE IF EXISTS "${s.database}" WITH (FORCE)`)
        .then(() => c.query(`CREATE DATABASE "${s.database}"`)),
    );
    if (spec.prepare?.[s.name]) await withClient(superUrl(s.database), (c) => c.query(spec.prepare[s.name]));
    const init = sourceInit(join(dir, 'generated-cluster'), db);
    for (const [f, text] of Object.entries(init).sort()) {
      if (!f.endsWith('.sql')) continue;
      writeFileSync(join(dir, `${s.name}-${f}`), text);
      await psql(superUrl(s.database), join(dir, `${s.name}-${f}`), `${s.name} ${f}`);
    }
    const snapshot = spec.cells ? cellRows(model, s.name, spec, spec.cells.snapshotIds) : spec.snapshot?.[s.name];
    if (snapshot) await withClient(superUrl(s.database), (c) => c.query(snapshot));
    // A managed flavour's platform roles (RDS's rds_replication) exist on the service; on stock PostgreSQL
    // they are made first, and membership's replication right given after (as verify's stand-ins do).
    await withClient(superUrl(), async (c) => {
      for (const r of s.setup.grantRoles)
        await c.query(
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}') THEN CREATE ROLE "${r}" NOLOGIN; END IF; END $$`,
        );
    });
    await psql(superUrl(s.database), join(out, s.files.setup), `${s.name} setup SQL`);
    if (s.setup.grantRoles.length)
      await withClient(superUrl(), (c) => c.query(`ALTER ROLE "${s.user}" WITH REPLICATION`));
    await withClient(superUrl(s.database), (c) =>
      c.query(`ALTER ROLE "${s.user}" PASSWORD '${env[s.password.env].replaceAll("'", "''")}'`),
    );
  }
  // Analytics database: owned by the analytics login; DDL and views applied as that login.
  const aUser = user(model.analytics.user);
  await withClient(superUrl(), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${model.analytics.database}" WITH (FORCE)`);
    await c.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${aUser}') THEN CREATE ROLE "${aUser}" LOGIN; END IF; END $$`,
    );
    await c.query(`ALTER ROLE "${aUser}" PASSWORD '${env[model.analytics.password.env].replaceAll("'", "''")}'`);
    await c.query(`CREATE DATABASE "${model.analytics.database}" OWNER "${aUser}"`);
  });
  const aUrl = stack.pg.url(model.analytics.database, aUser, env[model.analytics.password.env]);
  // Every pipeline role proves its password (stack.mjs), so a Secret that does not reach a consumer fails.
  await checks.check('PostgreSQL refuses the analytics login with a wrong password', async () => {
    const wrong = stack.pg.url(model.analytics.database, aUser, 'not-the-password');
    const refused = await withClient(wrong, () => false).catch((e) => /password authentication failed/.test(e.message));
    if (!refused) throw new Error('connected with a wrong password: authentication is not on');
    return 'password authentication failed';
  });
  await psql(aUrl, join(out, model.analytics.files.schema), 'analytics schema.sql');
  await psql(aUrl, join(out, model.analytics.files.views), 'analytics views.sql');

  // Connectors through the generated script (its default URL is the profile's Connect URL).
  const t0 = performance.now();
  await run('bash', [join(out, model.connect.registerScript)], {
    log: join(logs, `register-${name}.log`),
    what: 'register-connectors.sh',
  });
  const connectUrl = model.connect.url;
  for (const s of model.sources)
    await checks.check(`connector ${s.connectorName} and its tasks RUNNING`, () =>
      waitFor(
        `connector ${s.connectorName}`,
        async () => {
          const st = await getJson(`${connectUrl}/connectors/${s.connectorName}/status`);
          const failed = st.tasks.find((t) => t.state === 'FAILED');
          if (failed) throw new E2eError(`task FAILED: ${failed.trace?.split('\n').slice(0, 3).join(' ')}`);
          return (
            st.connector.state === 'RUNNING' && st.tasks.length > 0 && st.tasks.every((t) => t.state === 'RUNNING')
          );
        },
        { timeoutMs: 60000, proc: stack.connect },
      ).then(() => `${secs(t0)}s after registering`),
    );

  // Flink: the runner Job's substitution, then sql-client.sh -f.
  const rendered = join(dir, 'pipeline.rendered.sql');
  const sqlText = readFileSync(join(out, model.flink.file), 'utf8');
  await renderFlinkSql(model, join(out, model.flink.file), rendered, env);
  const t1 = performance.now();
  await run(join(stack.flinkHome, 'bin', 'sql-client.sh'), ['-f', rendered], {
    log: join(logs, `sql-client-${name}.log`),
    what: 'sql-client.sh -f pipeline.sql',
    env: stack.flink.env,
  });
  report.start[`flink jobs submitted (${name})`] = secs(t1);
  const expectedJobs = model.flink.submissions.map((j) => j.name);
  const jobIds = {};
  await checks.check(`Flink jobs RUNNING: ${expectedJobs.join(', ')}`, () =>
    waitFor(
      'Flink jobs',
      async () => {
        const { jobs } = await getJson(`http://127.0.0.1:${PORTS.flinkRest}/jobs/overview`);
        for (const n of expectedJobs) {
          const j = jobs.find((x) => x.name === n && x.state === 'RUNNING');
          if (!j) return false;
          jobIds[n] = j.jid;
        }
        return true;
      },
      { timeoutMs: 90000, proc: stack.flink.tm },
    ).then(() => `${secs(t1)}s after sql-client.sh`),
  );
  const interval = model.flink.settings.find(([k]) => k === 'execution.checkpointing.interval')?.[1];
  const mode = model.flink.settings.find(([k]) => k === 'execution.checkpointing.mode')?.[1];
  for (const [n, jid] of Object.entries(jobIds))
    await checks.check(`job ${n}: checkpointing ${mode} every ${interval}`, async () => {
      const c = await getJson(`http://127.0.0.1:${PORTS.flinkRest}/jobs/${jid}/checkpoints/config`);
      if (c.mode.toUpperCase() !== mode) throw new Error(`mode ${c.mode}`);
      if (c.interval !== durationMs(interval)) throw new Error(`interval ${c.interval} ms`);
      return `${c.mode}, ${c.interval} ms`;
    });

  // Topics, as Kafka lists them.
  await checks.check('expected topics exist', async () => {
    const listed = await listTopics(stack);
    const missing = model.tables.map((t) => t.topic).filter((t) => !listed.includes(t));
    if (missing.length) throw new Error(`missing ${missing.join(', ')}`);
    return `${model.tables.length} topics`;
  });

  // The snapshot reaches every analytics table; every view answers.
  await withClient(aUrl, async (a) => {
    await a.query("SET TIME ZONE 'UTC'");
    for (const t of model.tables)
      await checks.check(`snapshot rows in ${t.analytics.qualifiedName}`, () =>
        waitFor(
          `rows in ${t.analytics.qualifiedName}`,
          async () => {
            const { rows } = await a.query(`SELECT count(*)::int AS n FROM ${t.analytics.qualifiedName}`);
            return rows[0].n > 0 && `${rows[0].n} rows`;
          },
          { timeoutMs: 120000 },
        ),
      );
    for (const v of model.views)
      await checks.check(`view ${v.qualifiedName} answers`, async () => {
        const { rowCount } = await a.query(`SELECT * FROM ${v.qualifiedName}`);
        return `${rowCount} rows`;
      });

    if (spec.cells) await checkCells(name, model, spec, stack, a, checks, superUrl);

    // Changes: each statement on a source database, then the analytics query polled until it returns
    // what the change should produce.
    if (stack.tls) await refusalChecks(stack, checks, logs, PORTS.kafka);

    for (const ch of spec.changes ?? [])
      await checks.check(`change flows: ${ch.what}`, async () => {
        const t2 = performance.now();
        await withClient(superUrl(model.sources.find((s) => s.name === ch.source).database), (c) => c.query(ch.sql));
        const want = JSON.stringify(ch.expect);
        let got;
        await waitFor(
          ch.what,
          async () => {
            const { rows } = await a.query(ch.check);
            got = JSON.stringify(rows);
            return got === want;
          },
          { timeoutMs: 60000, intervalMs: 100 },
        ).catch((e) => {
          throw new Error(`${e.message}; expected ${want}, last ${got}`);
        });
        const s = secs(t2);
        report.latency.push({ pipeline: name, change: ch.what, seconds: s });
        return `${s}s`;
      });
  });

  // Only the captured tables have topics: a partition's changes go to its partitioned table's.
  await checks.check('no topics besides the captured tables’ (partitions publish as their parent)', async () => {
    const mine = model.tables.map((t) => t.topic);
    const extra = (await listTopics(stack)).filter(
      (t) => model.sources.some((s) => t.startsWith(`${s.topicPrefix}.`)) && !mine.includes(t),
    );
    if (extra.length) throw new Error(`unexpected topics ${extra.join(', ')}`);
    return `${mine.length} topics`;
  });

  if (spec.superset && stack.supersetUp) {
    const up = await checks.check('Superset 5.0 is up', async () => {
      stack.superset = await stack.supersetUp;
      // What runs is what is deployed: the venv holds the versions of the Model's table.
      const v = model.deployment.versions;
      const got = stack.superset.installed;
      if (got['apache-superset'] !== v.superset || got['psycopg2-binary'] !== v.psycopg2)
        throw new Error(
          `the venv has ${JSON.stringify(got)}, the version table superset ${v.superset}, psycopg2 ${v.psycopg2}`,
        );
      return `${stack.superset.url}, apache-superset ${v.superset}, psycopg2-binary ${v.psycopg2}`;
    });
    if (up) await checkSuperset(name, out, model, env, stack, aUrl, checks);
  }
  if (spec.smoke !== false) await smokeCheck(out, model, env, stack, checks);
  // A pipeline that changes the running stack (pipelines/bookstore-add-table.mjs): its jobs join jobIds,
  // so they are cancelled below like the others.
  if (spec.live)
    await spec.live({
      name,
      spec,
      dir,
      out,
      model,
      env,
      stack,
      checks,
      jobIds,
      aUrl,
      superUrl,
      logs,
      report,
      compile: () => compilePipeline(name, spec),
      psql,
      withClient,
      listTopics: () => listTopics(stack),
      renderFlinkSql,
      kafkaTool: (cls, args, log) => kafkaTool(stack, cls, args, log),
      // Superset is checked only by a pipeline that imported its own bundle.
      runCheckScript: (o, m, args) =>
        runCheckScript(o, m, secretEnv(m), spec.superset ? stack : { ...stack, superset: undefined }, args),
    });

  // Leave the stack free for the next pipeline: jobs cancelled; connectors stopped, their offsets, slots
  // and topics removed (a later pipeline may use the same source, connector and topic names).
  for (const jid of Object.values(jobIds))
    await fetch(`http://127.0.0.1:${PORTS.flinkRest}/jobs/${jid}?mode=cancel`, { method: 'PATCH' }).catch(
      () => undefined,
    );
  await removeConnectors(model, stack, superUrl, spec.topicsReused);
}

/**
 * Superset: the generated bootstrap imports the bundle into the running Superset 5.0 (its analytics database
 * is this run's), then every chart's data endpoint must answer from the live rows: non-empty whenever the
 * view behind it has rows.
 */
async function checkSuperset(name, out, model, env, stack, aUrl, checks) {
  const sup = stack.superset;
  const ok = await checks.check('Superset bootstrap imports the bundle', async () => {
    const t = performance.now();
    await run('python3', [join(out, model.superset.bootstrap.script)], {
      log: join(logs, `superset-bootstrap-${name}.log`),
      what: 'superset/bootstrap',
      env: {
        ...env,
        // The URL is the script's default: the profile's Superset address.
        ...supersetLogin(model, stack),
        SUPERSET_WAIT_SECONDS: '120',
      },
    });
    return `${secs(t)}s`;
  });
  if (!ok) return;
  const token = await supersetToken(sup);
  const get = async (path) => {
    const res = await fetch(`${sup.url}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(60000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  const q = encodeURIComponent('(columns:!(id,uuid,slice_name),page_size:100)');
  const listed = (await get(`/api/v1/chart/?q=${q}`)).result;
  await withClient(aUrl, async (a) => {
    for (const c of model.superset.charts)
      await checks.check(`Superset chart '${c.name}' answers from the live rows`, async () => {
        const id = listed.find((x) => x.uuid === c.uuid)?.id;
        if (id === undefined) throw new Error('not imported');
        const ds = model.superset.datasets.find((d) => d.uuid === c.datasetUuid);
        const { rows } = await a.query(`SELECT count(*)::int AS n FROM "${ds.schema}"."${ds.view}"`);
        const body = await get(`/api/v1/chart/${id}/data/`);
        const data = body.result?.[0]?.data ?? [];
        if (rows[0].n > 0 && data.length === 0) throw new Error(`no rows, while ${ds.view} has ${rows[0].n}`);
        return `${data.length} rows from ${ds.view} (${rows[0].n} rows)`;
      });
  });
}

async function supersetToken(sup) {
  const res = await fetch(`${sup.url}/api/v1/security/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: sup.password, provider: 'db', refresh: false }),
  });
  if (res.status !== 200) throw new E2eError(`Superset login: HTTP ${res.status}`);
  return (await res.json()).access_token;
}

/** The Superset admin's login, under the variables this pipeline's scripts read (a Secret user has its own). */
function supersetLogin(model, stack) {
  const user = model.superset.bootstrap.user;
  return {
    SUPERSET_USER: 'admin',
    ...(typeof user === 'string' ? {} : { [user.env]: 'admin' }),
    SUPERSET_ADMIN_PASSWORD: stack.superset?.password ?? '',
  };
}

/** Runs the generated ops/check.sh with its compiled defaults (the profile's addresses); returns the result. */
async function runCheckScript(out, model, env, stack, args = []) {
  const log = join(logs, `check-${model.pipeline.name}.log`);
  const start = readFileSync(log, { flag: 'a+' }).length;
  const skip = stack.superset && model.superset.dashboards.length ? [] : ['--skip', 'superset'];
  const code = await run('bash', [join(out, model.ops.checkScript), ...skip, ...args], {
    log,
    what: 'ops/check.sh',
    env: { ...env, ...supersetLogin(model, stack) },
  }).then(
    () => 0,
    (e) => Number(/exit (\d+)/.exec(e.message)?.[1] ?? -1),
  );
  return { code, output: readFileSync(log, 'utf8').slice(start) };
}

/**
 * The smoke check (seed §11.1) on the live stack: it passes; with a connector paused through Connect's REST
 * API it fails, exit 1, naming that connector; resumed, it passes again.
 */
async function smokeCheck(out, model, env, stack, checks) {
  const connectUrl = model.connect.url;
  const first = model.sources[0].connectorName;
  await checks.check('ops/check.sh passes on the running stack', async () => {
    const r = await runCheckScript(out, model, env, stack, ['--wait', '30']);
    if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.output}`);
    return /all (\d+) checks passed/.exec(r.output)?.[0];
  });
  await checks.check(`ops/check.sh fails, naming ${first}, while it is paused`, async () => {
    const res = await fetch(`${connectUrl}/connectors/${first}/pause`, { method: 'PUT' });
    if (res.status !== 202) throw new Error(`pause: HTTP ${res.status}`);
    try {
      await waitFor(
        `${first} PAUSED`,
        async () => (await getJson(`${connectUrl}/connectors/${first}/status`)).connector.state === 'PAUSED',
        { timeoutMs: 30000 },
      );
      const r = await runCheckScript(out, model, env, stack);
      const line = r.output.split('\n').find((l) => l.startsWith('FAIL') && l.includes(first));
      if (r.code !== 1 || !line) throw new Error(`exit ${r.code}, no FAIL line naming ${first}:\n${r.output}`);
      return line.trim();
    } finally {
      await fetch(`${connectUrl}/connectors/${first}/resume`, { method: 'PUT' });
    }
  });
  await checks.check(`ops/check.sh passes again once ${first} is resumed`, async () => {
    const r = await runCheckScript(out, model, env, stack, ['--wait', '60']);
    if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.output}`);
    return 'exit 0';
  });
}

async function removeConnectors(model, stack, superUrl, topicsReused) {
  const connectUrl = model.connect.url;
  for (const s of model.sources) {
    const c = `${connectUrl}/connectors/${s.connectorName}`;
    await fetch(`${c}/stop`, { method: 'PUT' }).catch(() => undefined);
    await waitFor('connector STOPPED', async () => (await getJson(`${c}/status`)).connector.state === 'STOPPED', {
      timeoutMs: 30000,
    }).catch(() => undefined);
    await fetch(`${c}/offsets`, { method: 'DELETE' }).catch(() => undefined);
    await fetch(c, { method: 'DELETE' }).catch(() => undefined);
  }
  await withClient(superUrl(), async (c) => {
    for (const s of model.sources)
      await waitFor(
        `slot ${s.slotName} released`,
        async () => {
          const { rows } = await c.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [s.slotName]);
          if (rows.length && !rows[0].active) await c.query('SELECT pg_drop_replication_slot($1)', [s.slotName]);
          return rows.length === 0 || !rows[0].active;
        },
        { timeoutMs: 30000 },
      ).catch(() => undefined);
  });
  // The topics go only when a later pipeline's connector writes under the same prefix (a JVM each time).
  if (!topicsReused) return;
  const pattern = model.sources
    .flatMap((s) => [`${escapeRegex(s.topicPrefix)}\\..*`, `__debezium-heartbeat\\.${escapeRegex(s.topicPrefix)}`])
    .join('|');
  await kafkaTopics(stack, ['--delete', '--if-exists', '--topic', pattern]);
}

const escapeRegex = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** INSERTs of the cell rows of every table of `source`: one row per boundary value, then one of NULLs. */
function cellRows(model, source, spec, ids) {
  const out = [];
  for (const t of model.tables.filter((x) => x.source === source)) {
    const cols = t.columns.filter((c) => !c.primaryKey);
    const values = cols.map((c) => spec.valuesOf(c));
    const key = t.columns.find((c) => c.primaryKey).name;
    ids.forEach((id, r) => {
      const row = cols.map((c, i) => (r < values[i].length ? values[i][r] : 'NULL'));
      out.push(
        `INSERT INTO "${t.schema}"."${t.name}" ("${key}", ${cols.map((c) => `"${c.name}"`).join(', ')}) VALUES (${id}, ${row.join(', ')});`,
      );
    });
  }
  return out.join('\n');
}

/**
 * The streamed rows, then per column: the source and analytics renderings of each row (the matrix's
 * expectation, spec.expect) must be equal, for the snapshot rows and the streamed ones.
 */
async function checkCells(name, model, spec, stack, a, checks, superUrl) {
  const ids = [...spec.cells.snapshotIds, ...spec.cells.streamIds];
  for (const s of model.sources) {
    const sql = cellRows(model, s.name, spec, spec.cells.streamIds);
    if (sql) await withClient(superUrl(s.database), (c) => c.query(sql));
  }
  await a.query("SET TIME ZONE 'UTC'");
  let cells = 0;
  for (const t of model.tables) {
    const src = model.sources.find((x) => x.name === t.source);
    const key = t.columns.find((c) => c.primaryKey);
    const at = t.analytics.qualifiedName;
    const ready = await waitFor(
      `${ids.length} rows in ${at}`,
      async () => (await a.query(`SELECT count(*)::int AS n FROM ${at}`)).rows[0].n >= ids.length,
      { timeoutMs: 120000 },
    ).catch((e) => e);
    const cols = t.columns.filter((c) => !c.primaryKey);
    const pairs = cols.map((c) => spec.expect(c, src.modes));
    let srcRows;
    let dstRows;
    try {
      srcRows = await withClient(superUrl(src.database), async (c) => {
        await c.query("SET TIME ZONE 'UTC'");
        const sel = pairs.map(([e], i) => `${e} AS c${i}`).join(', ');
        return (await c.query(`SELECT "${key.name}" AS k, ${sel} FROM "${t.schema}"."${t.name}" ORDER BY 1`)).rows;
      });
      dstRows = (
        await a.query(
          `SELECT "${key.analyticsName}" AS k, ${pairs.map(([, e], i) => `${e} AS c${i}`).join(', ')} FROM ${at} ORDER BY 1`,
        )
      ).rows;
    } catch (e) {
      await checks.check(`${at}: reading the cells`, () => {
        throw e;
      });
      continue;
    }
    const byKey = new Map(dstRows.map((r) => [String(r.k), r]));
    for (const [i, col] of cols.entries()) {
      cells++;
      await checks.check(
        `${at}.${col.analyticsName}: ${col.sourceType} → ${col.mapping.analyticsType} (${col.mapping.variant})`,
        () => {
          if (ready instanceof Error) throw ready;
          const bad = [];
          for (const r of srcRows) {
            const d = byKey.get(String(r.k));
            const got = d ? d[`c${i}`] : '(no row)';
            if (got !== r[`c${i}`])
              bad.push(`id ${r.k}: want ${JSON.stringify(r[`c${i}`])}, got ${JSON.stringify(got)}`);
          }
          if (bad.length) throw new Error(bad.join('; '));
          return `${srcRows.length} rows`;
        },
      );
    }
  }
  report.cells = (report.cells ?? 0) + cells;
}

function durationMs(d) {
  const m = /^(\d+)\s*(ms|s|min|m|h)?$/.exec(String(d).trim());
  if (!m) throw new Error(`cannot read duration ${d}`);
  return Number(m[1]) * { ms: 1, s: 1000, min: 60000, m: 60000, h: 3600000 }[m[2] ?? 'ms'];
}

async function kafkaTopics(stack, args) {
  const log = join(logs, 'topics.log');
  rmSync(log, { force: true });
  await run(
    'java',
    [
      '-Xmx256m',
      // A short-lived client: the quick JIT tier and the serial collector start it fastest.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-cp',
      `${stack.kafkaDir}/*`,
      'org.apache.kafka.tools.TopicCommand',
      '--bootstrap-server',
      `127.0.0.1:${PORTS.kafka}`,
      ...args,
      ...(stack.tls ? ['--command-config', stack.tls.clientConfig] : []),
    ],
    { log, what: `kafka TopicCommand ${args[0]}` },
  );
  return readFileSync(log, 'utf8');
}

/** A Kafka command-line tool (`cls`, e.g. org.apache.kafka.tools.GetOffsetShell) against this run's broker; its output. */
async function kafkaTool(stack, cls, args, logName) {
  const log = join(logs, logName);
  rmSync(log, { force: true });
  await run(
    'java',
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-cp',
      `${stack.kafkaDir}/*`,
      cls,
      '--bootstrap-server',
      `127.0.0.1:${PORTS.kafka}`,
      ...args,
    ],
    { log, what: cls.split('.').pop() },
  );
  return readFileSync(log, 'utf8');
}

async function listTopics(stack) {
  return (await kafkaTopics(stack, ['--list']))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

async function main() {
  const wall = performance.now();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });
  // The wrapper configs import 'cdc-compile' as a project would: from its node_modules.
  mkdirSync(join(WORK, 'node_modules'), { recursive: true });
  symlinkSync(repo, join(WORK, 'node_modules', 'cdc-compile'));
  const specs = {};
  for (const name of selected) {
    const file = join(repo, 'scripts', 'e2e', 'pipelines', `${name}.mjs`);
    if (!existsSync(file)) throw new E2eError(`no pipeline spec ${file}; known: ${KNOWN.join(', ')}`);
    const mod = await import(file);
    specs[name] = { ...mod, ...mod.default };
    specs[name].config = join(repo, specs[name].config);
    // A pipeline whose config the run edits (the add-table codemod) compiles a copy in the work folder;
    // it imports 'cdc-compile' through the work folder's node_modules like the wrappers.
    if (specs[name].editsConfig) {
      const copy = join(WORK, 'pipelines', name, 'config', 'pipeline.config.ts');
      mkdirSync(dirname(copy), { recursive: true });
      writeFileSync(copy, readFileSync(specs[name].config));
      specs[name].config = copy;
    }
  }
  // The version table and jar list come from the Model of the first pipeline (the same table every
  // pipeline and the generated images read).
  const first = await compilePipeline(selected[0], specs[selected[0]]);
  const dep = first.model.deployment;
  report.versions = dep.versions;
  const t0 = performance.now();
  const inst = await install(dep, logs);
  report.install = { ...inst.took, total: secs(t0) };
  report.firstInstall = { ...inst.first };
  console.log(
    `e2e: engines in ${CACHE} (${Object.entries(inst.took)
      .map(([k, v]) => {
        const f = inst.first[k];
        return `${k} ${v ? `${Math.round(v)}s download` : `cached${f ? ` (first run ${f}s)` : ''}`}`;
      })
      .join(', ')})`,
  );

  const stack = { kafkaDir: inst.kafkaDir, flinkHome: inst.flinkHome };
  const stops = [];
  try {
    const timed = async (what, fn) => {
      const t = performance.now();
      const r = await fn();
      report.start[what] = secs(t);
      console.log(`e2e: ${what} up in ${report.start[what]}s`);
      return r;
    };
    const compiled = [first];
    for (const n of selected.slice(1)) compiled.push(await compilePipeline(n, specs[n]));
    selected.forEach((n, i) => {
      specs[n].compiled = compiled[i];
      const prefixes = (c) => c.model.sources.map((x) => x.topicPrefix);
      specs[n].topicsReused = compiled
        .slice(i + 1)
        .some((c) => prefixes(c).some((p) => prefixes(compiled[i]).includes(p)));
    });
    // A pipeline that adds jobs to the running stack says how many (extraJobs).
    const slots = Math.max(
      ...compiled.map((c, i) => c.model.flink.submissions.length + (specs[selected[i]].extraJobs ?? 0)),
    );
    // Kafka over TLS (kafka.security): one broker serves every pipeline, so they must agree.
    const security = first.model.kafka.security;
    const mixed = compiled.find((c) => !c.model.kafka.security !== !security);
    if (mixed)
      throw new E2eError(
        `pipelines ${selected.join(', ')} disagree on kafka.security; run them in separate runs (CDC_E2E_PIPELINES)`,
      );
    let kafkaOptions = {};
    let connectOptions = {};
    if (security) {
      tls = await makeTlsMaterial(WORK, logs, security);
      const clusterOut = join(first.dir, 'generated-cluster');
      const broker = brokerFromManifests(clusterOut, tls, PORTS, join(WORK, 'kafka', 'data'));
      const worker = connectFromManifests(clusterOut, tls, security);
      kafkaOptions = { props: broker.props, jvm: broker.jvm };
      connectOptions = { props: worker.props };
      stack.tls = { ...tls, clientConfig: join(tls.root, 'client.properties'), worker };
      writeFileSync(
        stack.tls.clientConfig,
        `${Object.entries(clientProperties(worker.props, worker.vars))
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
      console.log(`e2e: Kafka over ${broker.listener} (listeners and worker settings from the generated manifests)`);
    }
    // Connect reads the source passwords from its environment (the EnvVarConfigProvider).
    const connectVars = Object.assign({}, ...compiled.map((c) => secretEnv(c.model)));
    const pgUp = timed('postgres', async () => {
      stack.pg = await startPostgres(WORK, logs, repo);
      stops.push(stack.pg);
    });
    // Superset comes up beside the stack; the first pipeline with charts waits for it.
    stack.supersetUp = selected.some((n) => specs[n].superset)
      ? timed('superset', () => startSuperset(WORK, logs, repo)).then((sup) => {
          stops.push(sup);
          report.install.superset = sup.installSeconds;
          report.firstInstall.superset = sup.firstInstallSeconds;
          return sup;
        })
      : undefined;
    stack.supersetUp?.catch(() => undefined);
    await Promise.all([
      // The server that runs is Debian's PostgreSQL 15, not the table's image version: the report says so.
      pgUp.then(() =>
        withClient(stack.pg.url(), async (c) => {
          const v = (await c.query('SHOW server_version')).rows[0].server_version;
          report.versions = { ...report.versions, postgres: `${v} (the table's image: ${dep.versions.postgres})` };
        }),
      ),
      timed('kafka', async () => {
        stack.kafka = await startKafka(WORK, logs, inst.kafkaDir, dep.kafkaClusterId, kafkaOptions);
        stops.push(stack.kafka);
        await waitFor(
          'Kafka',
          () => existsSync(stack.kafka.log) && /Kafka Server started/.test(readFileSync(stack.kafka.log, 'utf8')),
          { timeoutMs: 120000, proc: stack.kafka },
        );
      })
        .then(() => pgUp)
        .then(() =>
          timed('connect', async () => {
            stack.connect = startConnect(
              WORK,
              logs,
              inst.kafkaDir,
              inst.pluginRoot,
              { provider: first.model.connect.secretProvider, vars: connectVars, tlsRoot: stack.pg.tlsRoot },
              connectOptions,
            );
            stops.push(stack.connect);
            await waitFor(
              'Kafka Connect',
              async () => {
                const plugins = await getJson(`http://127.0.0.1:${PORTS.connect}/connector-plugins`);
                return plugins.some((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector');
              },
              { timeoutMs: 180000, proc: stack.connect },
            );
          }),
        ),
      timed('flink', async () => {
        stack.flink = startFlink(WORK, logs, inst.flinkHome, slots);
        stops.push(stack.flink.tm, stack.flink.jm);
        await waitFor(
          'Flink',
          async () => (await getJson(`http://127.0.0.1:${PORTS.flinkRest}/overview`))['slots-total'] >= slots,
          { timeoutMs: 120000, proc: stack.flink.jm },
        );
      }),
    ]);

    let passed = 0;
    let failed = 0;
    for (const name of selected) {
      const pipeline = specs[name].label ?? specs[name].compiled.model.pipeline.name;
      console.log(`e2e ${pipeline}:`);
      const checks = new Checks(pipeline);
      const t = performance.now();
      try {
        await applyAndCheck(name, specs[name], stack, checks);
      } catch (e) {
        checks.failed++;
        checks.failures.push(e.message);
        console.log(`  FAIL ${e.message}`);
      }
      console.log(`e2e ${pipeline}: ${checks.passed} passed, ${checks.failed} failed`);
      report.pipelines.push({
        name: pipeline,
        passed: checks.passed,
        failed: checks.failed,
        seconds: secs(t),
        failures: checks.failures,
      });
      passed += checks.passed;
      failed += checks.failed;
    }
    writeReport(secs(wall));
    writeFileSync(join(WORK, 'report.json'), `${JSON.stringify({ passed, failed, ...report }, null, 2)}\n`);
    console.log(`e2e: report ${join(WORK, 'report.md')}, logs ${logs}`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    if (process.env.CDC_E2E_KEEP) {
      console.log('e2e: CDC_E2E_KEEP is set: the stack stays up (Ctrl-C ends it)');
      await new Promise(() => undefined);
    }
    for (const s of stops.reverse()) await s.stop().catch(() => undefined);
  }
}

function writeReport(wall) {
  const n = (v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v);
  const lines = ['# cdc-compile end-to-end run', '', `Wall time ${n(wall)} s (install, start-up and every pipeline).`];
  lines.push('', '## Versions run (the Model’s version table)', '');
  for (const [k, v] of Object.entries(report.versions ?? {})) lines.push(`- ${k}: ${v}`);
  lines.push('', '## Downloads (s)', '', '| set | this run (0 = cached) | its first run |', '| --- | --- | --- |');
  for (const [k, v] of Object.entries(report.install))
    if (k !== 'total') lines.push(`| ${k} | ${n(v)} | ${report.firstInstall?.[k] ?? 'not recorded'} |`);
  lines.push('', '## Start-up (s)', '');
  for (const [k, v] of Object.entries(report.start)) lines.push(`- ${k}: ${v}`);
  lines.push('', '## Change latency (s, source commit → analytics row)', '');
  for (const l of report.latency) lines.push(`- ${l.pipeline}: ${l.change}: ${l.seconds}`);
  if (report.cells)
    lines.push(
      '',
      `Type-matrix cells checked (columns × connector profiles, snapshot and streamed rows): ${report.cells}`,
    );
  lines.push('', '## Pipelines', '');
  for (const p of report.pipelines) {
    lines.push(`- ${p.name}: ${p.passed} passed, ${p.failed} failed (${p.seconds} s)`);
    for (const f of p.failures) lines.push(`  - ${f.split('\n')[0]}`);
  }
  writeFileSync(join(WORK, 'report.md'), `${lines.join('\n')}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    if (e instanceof E2eError) {
      console.error(`e2e: ${e.message}`);
      console.error(`e2e: logs in ${logs}`);
      console.log('0 passed, 1 failed');
      process.exitCode = 1;
    } else {
      console.error(e);
      process.exitCode = 70;
    }
  });
