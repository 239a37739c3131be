// The engines of the end-to-end run, each on 127.0.0.1 with small memory settings, started from what
// install.mjs put in the cache: one PostgreSQL 15 cluster (wal_level=logical) holding the source databases
// and the analytics database, one Kafka KRaft node (broker and controller), one Kafka Connect distributed
// worker whose only plugin is the Debezium PostgreSQL connector, and a Flink standalone session cluster
// (one JobManager, one TaskManager) from the PyPI distribution. Every component logs into `logs/`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { E2eError, output, run, start, tail, waitFor } from './proc.mjs';

export const PORTS = {
  postgres: Number(process.env.CDC_E2E_PG_PORT ?? 54344),
  kafka: Number(process.env.CDC_E2E_KAFKA_PORT ?? 19092),
  kafkaController: Number(process.env.CDC_E2E_KAFKA_CONTROLLER_PORT ?? 19093),
  connect: Number(process.env.CDC_E2E_CONNECT_PORT ?? 18083),
  flinkRest: Number(process.env.CDC_E2E_FLINK_PORT ?? 18081),
  flinkRpc: Number(process.env.CDC_E2E_FLINK_RPC_PORT ?? 18123),
  superset: Number(process.env.CDC_E2E_SUPERSET_PORT ?? 18090),
};

const JAVA = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

export async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

export function pgBin() {
  const bin = '/usr/lib/postgresql/15/bin';
  if (!existsSync(join(bin, 'initdb'))) throw new E2eError(`PostgreSQL 15 is not installed (${bin}/initdb)`);
  return bin;
}

/**
 * PostgreSQL through scripts/ci-postgres.sh (wal_level=logical), then TLS and password authentication:
 * the superuser the harness plays the operator with stays trusted on 127.0.0.1, every other role (the
 * connectors' replication logins, the analytics login Flink, Superset and the ops scripts use) must give
 * its password (SCRAM), so a Secret that does not reach its consumer fails the run.
 */
export async function startPostgres(dir, logs, repo) {
  const data = join(dir, 'pg');
  await run('bash', [join(repo, 'scripts', 'ci-postgres.sh'), data, String(PORTS.postgres)], {
    log: join(logs, 'postgres-start.log'),
    what: 'PostgreSQL',
  });
  const bin = pgBin();
  const tlsRoot = await enableTls(dir, logs, bin);
  await requirePasswords(data, logs, bin);
  return {
    name: 'postgres',
    log: join(data, 'server.log'),
    tlsRoot,
    url: (db = 'postgres', user = 'postgres', password = undefined) =>
      `postgres://${user}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${PORTS.postgres}/${db}`,
    async stop() {
      const asOwner =
        process.getuid?.() === 0
          ? ['runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl')]]
          : [join(bin, 'pg_ctl'), []];
      await run(asOwner[0], [...asOwner[1], '-D', data, '-m', 'fast', 'stop'], {
        log: join(logs, 'postgres-stop.log'),
        what: 'stopping PostgreSQL',
      }).catch(() => undefined);
    },
  };
}

/**
 * TLS on the running server (a reload is enough): a self-signed certificate for 127.0.0.1, so that a config's
 * `sslmode=require` (analytics JDBC parameters, connector properties) runs as it would against a managed
 * server. The certificate is also the root a `verify-full` client
 * trusts (`tlsRoot`).
 */
async function enableTls(dir, logs, bin) {
  const log = join(logs, 'postgres-tls.log');
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true });
  const [key, crt] = [join(tls, 'server.key'), join(tls, 'server.crt')];
  await run(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      crt,
    ]),
    { log, what: 'openssl (PostgreSQL TLS certificate)' },
  );
  if (process.getuid?.() === 0) await run('chown', ['postgres', key, crt], { log, what: 'chown' });
  await run('chmod', ['600', key], { log, what: 'chmod' });
  const url = `postgres://postgres@127.0.0.1:${PORTS.postgres}/postgres`;
  const sql = [`ALTER SYSTEM SET ssl_cert_file = '${crt}'`, `ALTER SYSTEM SET ssl_key_file = '${key}'`]
    .concat(['ALTER SYSTEM SET ssl = on', 'SELECT pg_reload_conf()'])
    .flatMap((c) => ['-c', c]);
  await run(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...sql], {
    log,
    what: 'PostgreSQL ssl = on',
  });
  return crt;
}

/** pg_hba.conf: the superuser trusted (local socket and 127.0.0.1), every other role by SCRAM password. */
async function requirePasswords(data, logs, bin) {
  const hba = join(data, 'pg_hba.conf');
  writeFileSync(
    hba,
    [
      '# cdc-compile e2e: the harness superuser is trusted; every pipeline role proves its password.',
      'local all all trust',
      'host all postgres 127.0.0.1/32 trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
  const log = join(logs, 'postgres-tls.log');
  if (process.getuid?.() === 0) await run('chown', ['postgres', hba], { log, what: 'chown pg_hba.conf' });
  await run(
    join(bin, 'psql'),
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      `postgres://postgres@127.0.0.1:${PORTS.postgres}/postgres`,
      '-c',
      'SELECT pg_reload_conf()',
    ],
    {
      log,
      what: 'PostgreSQL password authentication',
    },
  );
}

const log4j = (file) => `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${file}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.log=WARN
log4j.logger.org.reflections=ERROR
`;

const props = (o) =>
  `${Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

/**
 * One KRaft node, broker and controller, formatted afresh. `props` replace or add server properties (the
 * TLS listeners the manifests derive), `jvm` adds JVM options (the JAAS file).
 */
export async function startKafka(dir, logs, kafkaDir, clusterId, { props: extra = {}, jvm: extraJvm = [] } = {}) {
  const home = join(dir, 'kafka');
  mkdirSync(home, { recursive: true });
  const cfg = join(home, 'server.properties');
  writeFileSync(
    cfg,
    props({
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.voters': `1@127.0.0.1:${PORTS.kafkaController}`,
      listeners: `PLAINTEXT://127.0.0.1:${PORTS.kafka},CONTROLLER://127.0.0.1:${PORTS.kafkaController}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${PORTS.kafka}`,
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': join(home, 'data'),
      'num.partitions': 1,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'default.replication.factor': 1,
      'min.insync.replicas': 1,
      'group.initial.rebalance.delay.ms': 0,
      // Topics come from the connectors' topic.creation settings, as in the cluster.
      'auto.create.topics.enable': false,
      ...extra,
    }),
  );
  writeFileSync(join(home, 'log4j.properties'), log4j(join(logs, 'kafka.log')));
  const cp = `${kafkaDir}/*`;
  const jvm = [
    '-Xms256m',
    '-Xmx512m',
    `-Dlog4j.configuration=file:${join(home, 'log4j.properties')}`,
    ...extraJvm,
    '-cp',
    cp,
  ];
  const formatLog = join(logs, 'kafka-format.log');
  await run(JAVA, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', cfg], {
    log: join(logs, 'kafka-format.log'),
    what: 'Kafka storage format',
  });
  const proc = start('kafka', JAVA, [...jvm, 'kafka.Kafka', cfg], { log: join(logs, 'kafka.out') });
  proc.log = join(logs, 'kafka.log');
  return proc;
}

/** A Connect worker in distributed mode; plugin.path holds only the Debezium plugin. `props` add worker properties. */
export function startConnect(dir, logs, kafkaDir, pluginRoot, env, { props: extra = {} } = {}) {
  const home = join(dir, 'connect');
  // The worker's home: PostgreSQL's JDBC driver reads the root certificate a `verify-full` connection
  // trusts from ~/.postgresql/root.crt, as a Connect pod would have it mounted.
  const userHome = join(home, 'home');
  mkdirSync(join(userHome, '.postgresql'), { recursive: true });
  if (env.tlsRoot) writeFileSync(join(userHome, '.postgresql', 'root.crt'), readFileSync(env.tlsRoot));
  const cfg = join(home, 'worker.properties');
  writeFileSync(
    cfg,
    props({
      'bootstrap.servers': `127.0.0.1:${PORTS.kafka}`,
      'group.id': 'cdc-e2e-connect',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': false,
      'value.converter.schemas.enable': false,
      'config.storage.topic': 'connect-configs',
      'offset.storage.topic': 'connect-offsets',
      'status.storage.topic': 'connect-status',
      'config.storage.replication.factor': 1,
      'offset.storage.replication.factor': 1,
      'status.storage.replication.factor': 1,
      'offset.flush.interval.ms': 1000,
      listeners: `http://127.0.0.1:${PORTS.connect}`,
      'rest.advertised.host.name': '127.0.0.1',
      'rest.advertised.port': PORTS.connect,
      'plugin.path': pluginRoot,
      'config.providers': env.provider.name,
      [`config.providers.${env.provider.name}.class`]: env.provider.className,
      ...extra,
    }),
  );
  writeFileSync(join(home, 'log4j.properties'), log4j(join(logs, 'connect.log')));
  const proc = start(
    'connect',
    JAVA,
    [
      '-Xms256m',
      '-Xmx768m',
      `-Duser.home=${userHome}`,
      `-Dlog4j.configuration=file:${join(home, 'log4j.properties')}`,
      '-cp',
      `${kafkaDir}/*`,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      cfg,
    ],
    { log: join(logs, 'connect.out'), env: env.vars },
  );
  proc.log = join(logs, 'connect.log');
  return proc;
}

/**
 * Flink's own config.yaml from the distribution, with the addresses, ports and memory of this run; the
 * Java 17 options of the distribution stay as they are.
 */
export function flinkConf(dir, flinkHome, slots) {
  const conf = join(dir, 'flink-conf');
  mkdirSync(conf, { recursive: true });
  const c = parse(readFileSync(join(flinkHome, 'conf', 'config.yaml'), 'utf8'));
  c.jobmanager = {
    ...c.jobmanager,
    'bind-host': '127.0.0.1',
    rpc: { address: '127.0.0.1', port: PORTS.flinkRpc },
    memory: { process: { size: '1024m' } },
  };
  c.taskmanager = {
    ...c.taskmanager,
    'bind-host': '127.0.0.1',
    host: '127.0.0.1',
    numberOfTaskSlots: slots,
    memory: { process: { size: '1728m' }, managed: { fraction: 0.1 } },
  };
  c.rest = { address: '127.0.0.1', 'bind-address': '127.0.0.1', port: PORTS.flinkRest };
  c.blob = { server: { port: '0' } };
  writeFileSync(join(conf, 'config.yaml'), stringify(c));
  for (const f of ['log4j.properties', 'log4j-console.properties', 'log4j-cli.properties'])
    writeFileSync(join(conf, f), readFileSync(join(flinkHome, 'conf', f)));
  return conf;
}

export function startFlink(dir, logs, flinkHome, slots) {
  const conf = flinkConf(dir, flinkHome, slots);
  const env = { FLINK_CONF_DIR: conf, FLINK_LOG_DIR: logs, FLINK_HOME: flinkHome };
  const jm = start('flink-jobmanager', join(flinkHome, 'bin', 'jobmanager.sh'), ['start-foreground'], {
    log: join(logs, 'flink-jobmanager.out'),
    env,
  });
  const tm = start('flink-taskmanager', join(flinkHome, 'bin', 'taskmanager.sh'), ['start-foreground'], {
    log: join(logs, 'flink-taskmanager.out'),
    env,
  });
  return { jm, tm, conf, env };
}

/**
 * Superset 5.0 from the one cached venv (scripts/superset-venv.sh, the same the real-Superset suite uses),
 * served by scripts/superset-serve.sh: SQLite metadata in a fresh folder, an admin with a random password.
 * `installSeconds` is the venv's download and install time (0 when it was cached).
 */
export async function startSuperset(dir, logs, repo) {
  const log = join(logs, 'superset-start.log');
  const t = performance.now();
  const cached = /^== creating/m;
  const venv = await output('bash', [join(repo, 'scripts', 'superset-venv.sh')], { log, what: 'Superset venv' });
  const installSeconds = cached.test(readFileSync(log, 'utf8')) ? (performance.now() - t) / 1000 : 0;
  // The first install's time stays beside the venv, for the report of later (cached) runs.
  const tookFile = join(venv, '.cdc-e2e-took');
  if (installSeconds) writeFileSync(tookFile, String(Math.round(installSeconds)));
  const firstInstallSeconds = existsSync(tookFile) ? Number(readFileSync(tookFile, 'utf8')) : null;
  const installed = JSON.parse(
    await output(
      join(venv, 'bin', 'python'),
      [
        '-c',
        'import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in ("apache-superset", "psycopg2-binary")}))',
      ],
      { log, what: 'Superset venv versions' },
    ),
  );
  const state = join(logs, 'superset');
  const password = `admin-${Math.random().toString(36).slice(2, 10)}`;
  const url = await output('bash', [join(repo, 'scripts', 'superset-serve.sh'), venv, state, String(PORTS.superset)], {
    log,
    what: 'Superset',
    env: { SUPERSET_ADMIN_PASSWORD: password },
  });
  return {
    name: 'superset',
    url,
    password,
    installSeconds,
    firstInstallSeconds,
    installed,
    log: join(state, 'superset.log'),
    async stop() {
      try {
        process.kill(Number(readFileSync(join(state, 'superset.pid'), 'utf8').trim()), 'SIGTERM');
      } catch {}
    },
  };
}
