// Adding a table to the running book store by following the plan (issue 18). v1 is the book store as it is,
// while ecomdb already holds a `reviews` table with rows that nothing captures. With the stack running and
// changes streaming, `cdc-compile add table ecom.reviews --from <ecomdb>` declares it in a copy of the
// config, `cdc-compile plan --format json` lists the steps, `cdc-compile` writes v2 into the same output
// folder, and each step of the plan is carried out with the artefact that does it (nothing hand-written):
// the analytics migration (ops/apply-analytics.sh), the source setup SQL run again (publication, replica
// identity, grant), the connector's new JSON through Connect's REST PUT, the new table's statements of
// pipeline.sql through sql-client.sh (one job), and the signal INSERT the plan prints. Then: the existing
// rows arrive through the incremental snapshot (op r, source.snapshot incremental, no other topic grows),
// the four other Flink jobs are the same jobs (ids, start times, no restart, checkpoints going on), new
// rows and updates stream for old and new tables, and v2's ops/check.sh passes.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { E2eError, output, run, waitFor } from '../proc.mjs';
import { PORTS, getJson } from '../stack.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(repo, 'bin', 'cdc-compile.js');
const FLINK = `http://127.0.0.1:${PORTS.flinkRest}`;

const DUNE = '4c8e2a90-6b1f-4d1e-8f0a-7a3b5c9d2e02';
const PRAG = '9b2f7c1e-0d7a-4c47-9a63-2f1d1c6e8a01';
const ORDER = '7d1c0c3e-0000-4000-8000-000000000001';
const NEW_ORDER = '7d1c0c3e-0000-4000-8000-000000000011';
const LATE_ORDER = '7d1c0c3e-0000-4000-8000-000000000012';
const review = (n) => `5e71e3a0-0000-4000-8000-00000000000${n}`;

const reviews = `SELECT id::text, book_id::text, rating, body, created_at::text FROM %s ORDER BY id`;
const order = (id) => `SELECT id::text, status FROM fact_orders WHERE id = '${id}'`;

export default {
  config: 'pipeline.config.ts',
  // The console and the report name this run, not the book store's pipeline name.
  label: 'bookstore-add-table',
  // The config is copied into the work folder: the codemod edits the copy.
  editsConfig: true,
  // One more Flink job than v1 has: the new table's.
  extraJobs: 1,
  // The pause/resume smoke check is the bookstore pipeline's; here v2's ops/check.sh runs at the end.
  smoke: false,
  snapshot: {
    ecom: `
      INSERT INTO orders VALUES ('${ORDER}', 'u-1', 49.98, 'COMPLETED', '2024-02-01 09:30:00.123');
      INSERT INTO order_items VALUES ('7d1c0c3e-0000-4000-8000-0000000000a1', '${ORDER}', '${PRAG}', 1, 39.99);
      -- Not in the config (v1): its rows wait for the table to be added.
      CREATE TABLE public.reviews (
        id uuid PRIMARY KEY,
        book_id uuid NOT NULL,
        rating integer,
        body text,
        created_at timestamp
      );
      INSERT INTO reviews VALUES ('${review(1)}', '${PRAG}', 5, 'Still the best', '2024-02-01 09:30:00.123');
      INSERT INTO reviews VALUES ('${review(2)}', '${DUNE}', 4, NULL, '2024-02-02 10:00:00');
      INSERT INTO reviews VALUES ('${review(3)}', '${DUNE}', NULL, 'No stars', NULL);`,
  },
  changes: [
    {
      what: 'insert (v1)',
      source: 'ecom',
      sql: `INSERT INTO orders VALUES ('${NEW_ORDER}', 'u-2', 9.99, 'PENDING', '2024-02-03 08:00:00')`,
      check: order(NEW_ORDER),
      expect: [{ id: NEW_ORDER, status: 'PENDING' }],
    },
    {
      what: 'update on the second source database (v1)',
      source: 'inventory',
      sql: `UPDATE inventory SET quantity = 7 WHERE book_id = '${DUNE}'`,
      check: `SELECT quantity FROM fact_inventory WHERE book_id = '${DUNE}'`,
      expect: [{ quantity: 7 }],
    },
    {
      // Written while v1 runs: the table is not captured yet, the row must come with the snapshot.
      what: 'a review written before the table is captured stays out of analytics',
      source: 'ecom',
      sql: `INSERT INTO reviews VALUES ('${review(4)}', '${PRAG}', 3, 'Written under v1', '2024-02-04 12:00:00')`,
      check: `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'fact_reviews'`,
      expect: [{ n: 0 }],
    },
  ],
  live: addTable,
};

const secs = (t0) => Math.round((performance.now() - t0) / 100) / 10;

/** Every job of the Flink cluster by name: id, state, start time. */
async function flinkJobs() {
  const { jobs } = await getJson(`${FLINK}/jobs/overview`);
  return jobs;
}

/** What says a job ran on without a restart: its id, start time, state, restart timestamp, exceptions. */
async function jobState(jid) {
  const job = await getJson(`${FLINK}/jobs/${jid}`);
  const exceptions = await getJson(`${FLINK}/jobs/${jid}/exceptions`);
  const cp = await getJson(`${FLINK}/jobs/${jid}/checkpoints`);
  return {
    jid,
    state: job.state,
    start: job['start-time'],
    restarting: job.timestamps?.RESTARTING ?? 0,
    exceptions: exceptions.exceptionHistory?.entries?.length ?? 0,
    completed: cp.counts?.completed ?? 0,
    restored: cp.counts?.restored ?? 0,
  };
}

/** End offsets of topics (partition 0 is the only one here), from Kafka's GetOffsetShell. */
async function endOffsets(ctx, topics) {
  const text = await ctx.kafkaTool(
    'org.apache.kafka.tools.GetOffsetShell',
    ['--topic', `^(${topics.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`],
    'get-offsets.log',
  );
  const offsets = {};
  for (const line of text.split('\n')) {
    const m = /^(.+):(\d+):(\d+)$/.exec(line.trim());
    if (m) offsets[m[1]] = (offsets[m[1]] ?? 0) + Number(m[3]);
  }
  return offsets;
}

/** The statements of pipeline.sql (comments dropped), in order. */
export function statements(text) {
  return text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('--'))
    .join('\n')
    .split(/;[ \t]*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The part of pipeline.sql that submits only table `t`'s job: the session SETs before the first table,
 * the table's Kafka source and JDBC sink, and its `SET 'pipeline.name'` + INSERT. Throws when one of them
 * is not found where the Model says it is.
 */
export function jobStatements(text, t) {
  const all = statements(text);
  const firstTable = all.findIndex((s) => /^CREATE TABLE /i.test(s));
  const settings = all.slice(0, firstTable).filter((s) => /^SET /i.test(s));
  const create = (name) => {
    const s = all.find((x) => x.startsWith(`CREATE TABLE ${name} (`));
    if (!s) throw new E2eError(`pipeline.sql has no CREATE TABLE ${name}`);
    return s;
  };
  const nameAt = all.indexOf(`SET 'pipeline.name' = '${t.flink.jobName}'`);
  const insert = all[nameAt + 1];
  if (nameAt < 0 || !insert?.startsWith(`INSERT INTO ${t.flink.sinkTable} `))
    throw new E2eError(`pipeline.sql has no job ${t.flink.jobName} inserting into ${t.flink.sinkTable}`);
  return [...settings, create(t.flink.sourceTable), create(t.flink.sinkTable), all[nameAt], insert];
}

async function addTable(ctx) {
  const { checks, dir, out, jobIds, logs } = ctx;
  const v1 = ctx.model;
  const v1Text = readFileSync(ctx.spec.config, 'utf8');
  const src = v1.sources.find((s) => s.name === 'ecom');
  const srcUrl = ctx.superUrl(src.database);
  const wrapper = join(dir, 'pipeline.config.ts');
  const log = join(logs, 'add-table.log');
  const cdc = (args, what) => output(process.execPath, [cli, ...args], { log, what });

  // The state before: the running jobs, their checkpoints, the topics' end offsets.
  const before = {};
  for (const [name, jid] of Object.entries(jobIds)) before[name] = await jobState(jid);
  const oldTopics = v1.tables.map((t) => t.topic);
  const offsetsBefore = await endOffsets(ctx, oldTopics);

  // v2: the codemod, from the live catalog.
  const added = await checks.check(
    'add table ecom.reviews --from the live ecomdb catalog edits the config',
    async () => {
      await cdc(['add', 'table', 'ecom.reviews', '--from', srcUrl, '--config', ctx.spec.config], 'add table');
      const text = readFileSync(ctx.spec.config, 'utf8');
      if (!/ecom\.table\('reviews'/.test(text)) throw new Error('no reviews table in the config');
      return 'fact_reviews';
    },
  );
  if (!added) return;

  // The plan, as a tool reads it.
  let plan;
  const planned = await checks.check('plan lists adding the table and keeps the other jobs running', async () => {
    plan = JSON.parse(
      await cdc(['plan', '--config', wrapper, '--profile', 'e2e', '--out', out, '--format', 'json'], 'plan'),
    );
    const add = plan.changes.find((c) => c.id === 'add-table/ecom.public.reviews');
    if (!add) throw new Error(`no add-table change: ${plan.changes.map((c) => c.id).join(', ')}`);
    const kept = [...plan.unchangedJobs].sort().join();
    const running = Object.keys(jobIds).sort().join();
    if (kept !== running) throw new Error(`unchanged jobs ${kept}, running ${running}`);
    return `${add.class}, ${add.steps.length} steps; unchanged: ${plan.unchangedJobs.length} jobs`;
  });
  if (!planned) return;

  const v2c = await ctx.compile();
  const v2 = v2c.model;
  const t = v2.tables.find((x) => x.source === 'ecom' && x.name === 'reviews');
  const src2 = v2.sources.find((s) => s.name === 'ecom');
  const aUrl = ctx.aUrl;

  // Each step of the add-table change, in the plan's order, with the artefact that carries it out.
  // With a change script from the compile (ops/changes/NNNN_<slug>.sh), that script; without one (or with
  // CDC_E2E_LIVE_STEPS=direct), the plan's steps one by one.
  const change = plan.changes.find((c) => c.id === 'add-table/ecom.public.reviews');
  const script = process.env.CDC_E2E_LIVE_STEPS === 'direct' ? undefined : newestChangeScript(out);
  const run1 = script
    ? await scriptRun(ctx, { out, model: v2, script, job: t.flink.jobName })
    : await carryOut(ctx, change, {
        out,
        model: v2,
        table: t,
        source: src2,
        published: true,
        log,
      });
  if (!run1) return;
  const { signalledAt, jobRunningAt } = run1;
  const addJob = plan.changes.find((c) => c.id === `add-job/${t.flink.jobName}`);
  await checks.check(`plan's ${addJob?.id ?? 'add-job'} is the job submitted above`, async () => {
    if (!addJob) throw new Error('no add-job change');
    if (!jobIds[t.flink.jobName]) throw new Error('not running');
    return addJob.restore;
  });

  // The existing rows arrive, through the incremental snapshot.
  const srcRows = await ctx.withClient(srcUrl, async (c) => (await c.query(reviews.replace('%s', 'reviews'))).rows);
  await ctx.withClient(aUrl, async (a) => {
    await checks.check(
      `the ${srcRows.length} existing rows of reviews arrive in ${t.analytics.qualifiedName}`,
      async () => {
        let got;
        await waitFor(
          'reviews rows',
          async () => {
            got = (await a.query(reviews.replace('%s', t.analytics.qualifiedName))).rows;
            return JSON.stringify(got) === JSON.stringify(srcRows);
          },
          { timeoutMs: 120000, intervalMs: 200 },
        ).catch((e) => {
          throw new Error(`${e.message}; want ${JSON.stringify(srcRows)}, last ${JSON.stringify(got)}`);
        });
        const [s, j] = [secs(signalledAt), secs(jobRunningAt)];
        ctx.report.latency.push(
          {
            pipeline: ctx.name,
            change: `${script ? 'change script start' : 'signal'} → every existing row of the added table in analytics`,
            seconds: s,
          },
          {
            pipeline: ctx.name,
            change: `${script ? 'change script end' : 'its job RUNNING'} → every existing row in analytics`,
            seconds: j,
          },
        );
        return script
          ? `${s}s after the change script started, ${j}s after it ended`
          : `${s}s after the signal, ${j}s after its job was RUNNING`;
      },
    );
  });
  await checks.check('they came as incremental-snapshot reads (op r, source.snapshot incremental)', async () => {
    const text = await ctx.kafkaTool(
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      ['--topic', t.topic, '--from-beginning', '--max-messages', String(srcRows.length), '--timeout-ms', '30000'],
      'consume-reviews.log',
    );
    const events = text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const kinds = events.map((e) => `${e.op}/${e.source?.snapshot}`);
    if (events.length !== srcRows.length || kinds.some((k) => k !== 'r/incremental'))
      throw new Error(`events ${kinds.join(', ')}`);
    return `${events.length} × ${kinds[0]}`;
  });
  await checks.check('no other table was snapshotted again (their topics did not grow)', async () => {
    const after = await endOffsets(ctx, oldTopics);
    const grown = oldTopics.filter((x) => after[x] !== offsetsBefore[x]);
    if (grown.length) throw new Error(grown.map((x) => `${x} ${offsetsBefore[x]} → ${after[x]}`).join(', '));
    return oldTopics.map((x) => `${x.split('.').pop()} ${after[x]}`).join(', ');
  });

  // Rows stream for the new table and the old ones.
  const flows = [
    {
      what: 'insert into the added table',
      db: srcUrl,
      sql: `INSERT INTO reviews VALUES ('${review(5)}', '${DUNE}', 2, 'Streamed', '2024-03-01 08:00:00.5')`,
      check: `SELECT rating, body FROM ${t.analytics.qualifiedName} WHERE id = '${review(5)}'`,
      expect: [{ rating: 2, body: 'Streamed' }],
    },
    {
      what: 'update in the added table',
      db: srcUrl,
      sql: `UPDATE reviews SET rating = 1, body = NULL WHERE id = '${review(1)}'`,
      check: `SELECT rating, body FROM ${t.analytics.qualifiedName} WHERE id = '${review(1)}'`,
      expect: [{ rating: 1, body: null }],
    },
    {
      what: 'insert into an old table of the same source',
      db: srcUrl,
      sql: `INSERT INTO orders VALUES ('${LATE_ORDER}', 'u-4', 5.00, 'PENDING', '2024-03-02 09:00:00')`,
      check: order(LATE_ORDER),
      expect: [{ id: LATE_ORDER, status: 'PENDING' }],
    },
    {
      what: 'update in an old table of the same source',
      db: srcUrl,
      sql: `UPDATE orders SET status = 'SHIPPED' WHERE id = '${NEW_ORDER}'`,
      check: order(NEW_ORDER),
      expect: [{ id: NEW_ORDER, status: 'SHIPPED' }],
    },
    {
      what: 'update on the other source',
      db: ctx.superUrl(v1.sources.find((s) => s.name === 'inventory').database),
      sql: `UPDATE inventory SET quantity = 8 WHERE book_id = '${DUNE}'`,
      check: `SELECT quantity FROM fact_inventory WHERE book_id = '${DUNE}'`,
      expect: [{ quantity: 8 }],
    },
  ];
  await ctx.withClient(aUrl, async (a) => {
    for (const f of flows)
      await checks.check(`after the change, ${f.what} streams`, async () => {
        const t0 = performance.now();
        await ctx.withClient(f.db, (c) => c.query(f.sql));
        const want = JSON.stringify(f.expect);
        let got;
        await waitFor(
          f.what,
          async () => {
            got = JSON.stringify((await a.query(f.check)).rows);
            return got === want;
          },
          { timeoutMs: 60000, intervalMs: 100 },
        ).catch((e) => {
          throw new Error(`${e.message}; expected ${want}, last ${got}`);
        });
        const s = secs(t0);
        ctx.report.latency.push({
          pipeline: ctx.name,
          change: `after adding the table: ${f.what}`,
          seconds: s,
        });
        return `${s}s`;
      });
  });

  // The other jobs: the same jobs, never restarted, still checkpointing.
  const cpInterval = 30000;
  for (const [name, was] of Object.entries(before))
    await checks.check(`job ${name} kept running: same id and start time, no restart, checkpoints go on`, async () => {
      // At least one checkpoint after the change (the interval is the config's 30 s).
      let now;
      await waitFor(
        `a checkpoint of ${name}`,
        async () => {
          now = await jobState(was.jid);
          return now.completed > was.completed;
        },
        { timeoutMs: cpInterval * 3 },
      ).catch(() => undefined);
      const listed = (await flinkJobs()).filter((j) => j.name === name && j.state === 'RUNNING');
      const bad = [];
      if (listed.length !== 1 || listed[0].jid !== was.jid)
        bad.push(`running as ${listed.map((j) => j.jid).join(', ')}`);
      if (now.state !== 'RUNNING') bad.push(`state ${now.state}`);
      if (now.start !== was.start) bad.push(`start time ${was.start} → ${now.start}`);
      if (now.restarting !== 0) bad.push(`restarted at ${now.restarting}`);
      if (now.exceptions !== was.exceptions) bad.push(`${now.exceptions - was.exceptions} new exceptions`);
      if (now.completed <= was.completed) bad.push(`no checkpoint since (${now.completed})`);
      if (bad.length) throw new Error(bad.join('; '));
      return `${was.jid.slice(0, 8)}…, checkpoints ${was.completed} → ${now.completed}`;
    });
  await checks.check(`the new job ${t.flink.jobName} ran without a restart`, async () => {
    const now = await jobState(jobIds[t.flink.jobName]);
    if (now.state !== 'RUNNING' || now.restarting !== 0 || now.exceptions)
      throw new Error(`state ${now.state}, restarting ${now.restarting}, ${now.exceptions} exceptions`);
    return `${now.jid.slice(0, 8)}…`;
  });

  await checks.check('the slot is the same one, active (no new slot, no second connector)', async () => {
    const { rows } = await ctx.withClient(ctx.superUrl(), (c) =>
      c.query('SELECT slot_name, active FROM pg_replication_slots WHERE database = $1', [src2.database]),
    );
    if (rows.length !== 1 || rows[0].slot_name !== src2.slotName || !rows[0].active)
      throw new Error(JSON.stringify(rows));
    return src2.slotName;
  });
  await checks.check("v2's ops/check.sh passes on the changed stack", async () => {
    const r = await ctx.runCheckScript(out, v2, ['--wait', '30']);
    if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.output}`);
    return /all (\d+) checks passed/.exec(r.output)?.[0];
  });
  await checks.check(`Connect lists the topics ${src2.connectorName} wrote to`, async () => {
    const listed = (await getJson(`${v2.connect.url}/connectors/${src2.connectorName}/topics`))[src2.connectorName]
      .topics;
    if (!listed.includes(t.topic)) throw new Error(`${listed.join(', ')}`);
    return listed.join(', ');
  });

  // Only on a stack where adding went well: the same table goes again.
  if (checks.failed === 0) await removeTable(ctx, v1Text, t, before);
}

/** The replication slot's reader (the connector task's walsender), or null while nothing reads it. */
async function slotReader(ctx, slot) {
  const { rows } = await ctx.withClient(ctx.superUrl(), (c) =>
    c.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot]),
  );
  return rows[0]?.active_pid ?? null;
}

/**
 * Carries out the steps of one planned change in the plan's order, each with the artefact that does it;
 * a step with a `when` runs only under the decision taken (`decision`). One check per step; false when one
 * failed. `published`: whether the table is in the publication after the source step.
 */
async function carryOut(ctx, change, { out, model, table: t, source: src, published, decision, log }) {
  const { checks, stack, dir, jobIds, logs, env, aUrl } = ctx;
  const srcUrl = ctx.superUrl(src.database);
  const connectUrl = model.connect.url;
  const times = {};
  for (const [i, step] of change.steps.entries()) {
    const text = `${step.when ? `(if ${step.when}) ` : ''}${step.action}`;
    const label = `step ${i + 1} (${step.layer}): ${text.length > 90 ? `${text.slice(0, 90)}…` : text}`;
    if (step.when && step.when !== decision) {
      console.log(`  skip ${label} (decided: ${decision})`);
      continue;
    }
    const ok = await checks.check(label, async () => {
      const t0 = performance.now();
      if (step.layer === 'analytics' && /^keep /.test(step.action)) return 'nothing to run: the table stays';
      if (step.layer === 'analytics') {
        await run('bash', [join(out, model.ops.applyAnalytics), aUrl], {
          log,
          what: 'ops/apply-analytics.sh',
          env,
        });
        await ctx.withClient(aUrl, async (a) => {
          const { rows } = await a.query('SELECT id FROM cdc_migrations ORDER BY id');
          if (!rows.length) throw new Error('no migration recorded');
        });
        return `ops/apply-analytics.sh, ${secs(t0)}s`;
      }
      if (step.layer === 'source') {
        await ctx.psql(srcUrl, join(out, src.files.setup), `${src.name} setup SQL (again)`);
        await ctx.withClient(srcUrl, async (c) => {
          const pub = await c.query('SELECT tablename FROM pg_publication_tables WHERE pubname = $1', [
            src.publicationName,
          ]);
          const has = pub.rows.some((r) => r.tablename === 'reviews');
          if (has !== published) throw new Error(`reviews is ${has ? '' : 'not '}published`);
          const ri = await c.query("SELECT relreplident FROM pg_class WHERE oid = 'public.reviews'::regclass");
          if (ri.rows[0].relreplident !== 'f') throw new Error(`replica identity ${ri.rows[0].relreplident}`);
        });
        return `${src.files.setup} run again: ${published ? 'published, REPLICA IDENTITY FULL' : 'no longer published'}`;
      }
      if (step.layer === 'connector' && /^update /.test(step.action)) {
        const connectLog = readFileSync(stack.connect.log, 'utf8');
        const reader = await slotReader(ctx, src.slotName);
        const body = readFileSync(join(out, src.files.connector), 'utf8');
        const res = await fetch(`${connectUrl}/connectors/${src.connectorName}/config`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body,
        });
        if (res.status !== 200) throw new Error(`PUT config: HTTP ${res.status} ${await res.text()}`);
        const include = JSON.parse(body)['table.include.list'];
        // The new task runs: the slot has another reader (the new task's walsender), the status says RUNNING,
        // and the task logged the new include list (Debezium logs its configuration when a task starts).
        let now;
        await waitFor(
          'the connector task restarted with the new include list',
          async () => {
            const st = await getJson(`${connectUrl}/connectors/${src.connectorName}/status`);
            const failed = st.tasks.find((x) => x.state === 'FAILED');
            if (failed) throw new E2eError(`task FAILED: ${failed.trace?.split('\n').slice(0, 3).join(' ')}`);
            now = await slotReader(ctx, src.slotName);
            const fresh = readFileSync(stack.connect.log, 'utf8').slice(connectLog.length);
            return (
              st.tasks.every((x) => x.state === 'RUNNING') &&
              now !== null &&
              now !== reader &&
              fresh.includes(`table.include.list = ${include}`)
            );
          },
          { timeoutMs: 60000, proc: stack.connect },
        );
        return `PUT ${src.files.connector}; new task RUNNING (slot reader pid ${reader} → ${now}) after ${secs(t0)}s`;
      }
      if (step.layer === 'connector' && /^signal /.test(step.action)) {
        const sql = /(INSERT INTO .*);$/.exec(step.action)?.[1];
        if (!sql) throw new Error('the step prints no signal statement');
        await ctx.withClient(srcUrl, (c) => c.query(sql));
        times.signalledAt = performance.now();
        return 'the INSERT the plan prints, on the source database';
      }
      if (step.layer === 'kafka' && /^create topic /.test(step.action)) {
        const cfg = JSON.parse(readFileSync(join(out, src.files.connector), 'utf8'));
        const rf = cfg['topic.creation.default.replication.factor'];
        const partitions = cfg['topic.creation.default.partitions'];
        await ctx.kafkaTool(
          'org.apache.kafka.tools.TopicCommand',
          ['--create', '--if-not-exists', '--topic', t.topic, '--partitions', partitions].concat(
            rf && rf !== '-1' ? ['--replication-factor', rf] : [],
          ),
          'create-topic.log',
        );
        if (!(await ctx.listTopics()).includes(t.topic)) throw new Error(`no topic ${t.topic}`);
        return `TopicCommand --create --if-not-exists (${secs(t0)}s)`;
      }
      if (step.layer === 'kafka' && /^delete topic /.test(step.action)) {
        await ctx.kafkaTool(
          'org.apache.kafka.tools.TopicCommand',
          ['--delete', '--topic', t.topic],
          'delete-topic.log',
        );
        await waitFor('topic deleted', async () => !(await ctx.listTopics()).includes(t.topic), { timeoutMs: 60000 });
        return `TopicCommand --delete (${secs(t0)}s)`;
      }
      if (step.layer === 'flink' && /^stop job /.test(step.action)) {
        const jid = jobIds[t.flink.jobName];
        if (!jid) throw new Error(`no running job ${t.flink.jobName}`);
        const res = await fetch(`${FLINK}/jobs/${jid}?mode=cancel`, {
          method: 'PATCH',
        });
        if (res.status !== 202) throw new Error(`cancel: HTTP ${res.status}`);
        await waitFor('job cancelled', async () => (await getJson(`${FLINK}/jobs/${jid}`)).state === 'CANCELED', {
          timeoutMs: 60000,
        });
        delete jobIds[t.flink.jobName];
        return `PATCH /jobs/${jid.slice(0, 8)}…?mode=cancel: CANCELED after ${secs(t0)}s`;
      }
      if (step.layer === 'flink' && /^submit job /.test(step.action)) {
        if (/ once topic /.test(step.action) && !(await ctx.listTopics()).includes(t.topic))
          throw new Error(`topic ${t.topic} does not exist`);
        const rendered = join(dir, 'pipeline.rendered.sql');
        await ctx.renderFlinkSql(model, join(out, model.flink.file), rendered, env);
        const job = join(dir, `job-${t.flink.jobName}.sql`);
        writeFileSync(job, `${jobStatements(readFileSync(rendered, 'utf8'), t).join(';\n\n')};\n`);
        await run(join(stack.flinkHome, 'bin', 'sql-client.sh'), ['-f', job], {
          log: join(logs, `sql-client-${ctx.name}-v2.log`),
          what: `sql-client.sh -f job-${t.flink.jobName}.sql`,
          env: stack.flink.env,
        });
        await waitFor(
          `Flink job ${t.flink.jobName}`,
          async () => {
            const j = (await flinkJobs()).find((x) => x.name === t.flink.jobName && x.state === 'RUNNING');
            if (j) jobIds[t.flink.jobName] = j.jid;
            return Boolean(j);
          },
          { timeoutMs: 90000, proc: stack.flink.tm },
        );
        times.jobRunningAt = performance.now();
        return `${t.flink.jobName} RUNNING after ${secs(t0)}s (5 statements of pipeline.sql)`;
      }
      throw new Error('no artefact carries out this step');
    });
    if (!ok) return false;
  }
  return times;
}

/**
 * The table goes again: the config loses its block, plan exits 3 until cdc-approvals.yaml keeps the
 * analytics table, v3 compiles, and the remove-table steps run. Its job stops, the connector no longer
 * captures it (a row written to it goes nowhere, while the same source's other tables stream), the
 * publication drops it, its topic goes, the slot stays, the other jobs run on untouched.
 */
async function removeTable(ctx, v1Text, t, before) {
  const { checks, dir, out, logs } = ctx;
  const wrapper = join(dir, 'pipeline.config.ts');
  const log = join(logs, 'remove-table.log');
  writeFileSync(ctx.spec.config, v1Text);
  const planArgs = ['plan', '--config', wrapper, '--profile', 'e2e', '--out', out, '--format', 'json'];
  // The plan's id of a table: <source>.<schema>.<table>.
  const id = `remove-table/${t.source}.${t.qualifiedName}`;
  const refused = await checks.check('removing the table: plan exits 3 until a decision is recorded', async () => {
    const r = spawnSync(process.execPath, [cli, ...planArgs], {
      encoding: 'utf8',
    });
    if (r.status !== 3) throw new Error(`exit ${r.status}: ${r.stderr}`);
    const p = JSON.parse(r.stdout);
    const c = p.changes.find((x) => x.id === id);
    if (!c || c.class !== 'destructive') throw new Error(`changes ${p.changes.map((x) => x.id).join(', ')}`);
    return `${id} destructive`;
  });
  if (!refused) return;
  writeFileSync(join(dir, 'cdc-approvals.yaml'), `approvals:\n  ${id}: keep\n`);
  let change;
  const planned = await checks.check(`with '${id}: keep' in cdc-approvals.yaml, plan exits 0`, async () => {
    const p = JSON.parse(
      await output(process.execPath, [cli, ...planArgs], {
        log,
        what: 'plan',
      }),
    );
    change = p.changes.find((x) => x.id === id);
    if (!change) throw new Error('no remove-table change');
    return `${change.steps.length} steps`;
  });
  if (!planned) return;
  const v3 = (await ctx.compile()).model;
  const src = v3.sources.find((s) => s.name === t.source);
  const script = process.env.CDC_E2E_LIVE_STEPS === 'direct' ? undefined : newestChangeScript(out);
  if (script) {
    const ok = await scriptRun(ctx, {
      out,
      model: v3,
      script,
      extra: ['--delete-topics'],
    });
    if (!ok) return;
    delete ctx.jobIds[t.flink.jobName];
  }
  const done =
    script ||
    (await carryOut(ctx, change, {
      out,
      model: v3,
      table: t,
      source: src,
      published: false,
      decision: 'keep',
      log,
    }));
  if (!done) return;

  await checks.check(`job ${t.flink.jobName} no longer runs`, async () => {
    const running = (await flinkJobs()).filter((x) => x.name === t.flink.jobName && x.state === 'RUNNING');
    if (running.length) throw new Error(`RUNNING as ${running.map((x) => x.jid).join(', ')}`);
    return 'not RUNNING';
  });
  const srcUrl = ctx.superUrl(src.database);
  await ctx.withClient(ctx.aUrl, async (a) => {
    const count = async () => (await a.query(`SELECT count(*)::int AS n FROM ${t.analytics.qualifiedName}`)).rows[0].n;
    const kept = await count();
    await checks.check('after the removal a row written to the table goes nowhere; the source streams on', async () => {
      await ctx.withClient(srcUrl, async (c) => {
        await c.query(`INSERT INTO reviews VALUES ('${review(6)}', '${PRAG}', 5, 'After removal', NULL)`);
        await c.query(`UPDATE orders SET status = 'DELIVERED' WHERE id = '${LATE_ORDER}'`);
      });
      // The order's change comes after the review's in the WAL: once it has landed, the review was passed over.
      await waitFor(
        'the order update',
        async () => (await a.query(order(LATE_ORDER))).rows[0]?.status === 'DELIVERED',
        { timeoutMs: 60000, intervalMs: 100 },
      );
      const n = await count();
      if (n !== kept) throw new Error(`${t.analytics.qualifiedName} ${kept} → ${n} rows`);
      if ((await ctx.listTopics()).includes(t.topic)) throw new Error(`topic ${t.topic} is back`);
      return `${t.analytics.qualifiedName} kept with ${n} rows, no topic ${t.topic}`;
    });
  });
  await checks.check('the slot stays: same name, active', async () => {
    if (!(await slotReader(ctx, src.slotName))) throw new Error(`${src.slotName} inactive or gone`);
    return src.slotName;
  });
  for (const [name, was] of Object.entries(before))
    await checks.check(`job ${name} still the same job after the removal`, async () => {
      const now = await jobState(was.jid);
      if (now.state !== 'RUNNING' || now.start !== was.start || now.restarting !== 0)
        throw new Error(`state ${now.state}, start ${now.start}, restarting ${now.restarting}`);
      return `${was.jid.slice(0, 8)}…`;
    });
  await checks.check("v3's ops/check.sh passes", async () => {
    const r = await ctx.runCheckScript(out, v3, ['--wait', '30']);
    if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.output}`);
    return /all (\d+) checks passed/.exec(r.output)?.[0];
  });
}

/** The newest change script a compile wrote (ops/changes/NNNN_<slug>.sh), or undefined before there is one. */
function newestChangeScript(out) {
  const folder = join(out, 'ops', 'changes');
  if (!existsSync(folder)) return undefined;
  const scripts = readdirSync(folder)
    .filter((f) => /^\d{4}_.*\.sh$/.test(f))
    .sort();
  return scripts.length ? join('ops', 'changes', scripts.at(-1)) : undefined;
}

/**
 * Runs a generated change script against this stack, with the flags and environment its usage names: the
 * stack's REST addresses, the analytics and source connections, Kafka's topic tool (a wrapper over the
 * cached Kafka jars) and the Flink SQL client configured for the session cluster.
 */
async function runChangeScript(ctx, out, model, script, touched, extra = []) {
  const { stack, dir, logs, env } = ctx;
  const topics = join(dir, 'kafka-topics.sh');
  writeFileSync(
    topics,
    `#!/usr/bin/env bash\nexec java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '${stack.kafkaDir}/*' org.apache.kafka.tools.TopicCommand "$@"\n`,
    { mode: 0o755 },
  );
  // Only the sources the script touches (it refuses others): here the added table's.
  const sources = model.sources
    .filter((s) => touched.includes(s.name))
    .flatMap((s) => ['--source', `${s.name}=host=127.0.0.1 port=${PORTS.postgres} dbname=${s.database} user=postgres`]);
  await run(
    'bash',
    [
      join(out, script),
      '--connect',
      model.connect.url,
      '--flink',
      FLINK,
      '--analytics',
      ctx.aUrl,
      '--kafka',
      `127.0.0.1:${PORTS.kafka}`,
      '--wait',
      '120',
      ...sources,
      ...extra,
    ],
    {
      log: join(logs, `change-script-${script.split('/').pop()}.log`),
      what: script,
      env: {
        ...env,
        ...stack.flink.env,
        SQL_CLIENT: join(stack.flinkHome, 'bin', 'sql-client.sh'),
        KAFKA_TOPICS: topics,
      },
    },
  );
}

/**
 * One check: the change script runs to its end (exit 0). Returns when it started (it signals on the way)
 * and when it ended (the new job, if any, is RUNNING by then and joins jobIds), or false.
 */
async function scriptRun(ctx, { out, model, script, job, extra = [] }) {
  const times = {};
  const ok = await ctx.checks.check(`the generated change script ${script} runs the plan's steps`, async () => {
    times.signalledAt = performance.now();
    await runChangeScript(ctx, out, model, script, ['ecom'], extra);
    times.jobRunningAt = performance.now();
    if (job) {
      const j = (await flinkJobs()).find((x) => x.name === job && x.state === 'RUNNING');
      if (!j) throw new Error(`no RUNNING job ${job} after the script`);
      ctx.jobIds[job] = j.jid;
    }
    return `exit 0 after ${secs(times.signalledAt)}s`;
  });
  return ok && times;
}
