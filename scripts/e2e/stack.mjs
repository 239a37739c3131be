// The engines of the end-to-end run, each on 127.0.0.1 with small memory settings, started from what
// install.mjs put in the cache: one PostgreSQL 15 cluster (wal_level=logical) holding the source databases
// and the analytics database, one Kafka KRaft node (broker and controller), one Kafka Connect distributed
// worker whose only plugin is the Debezium PostgreSQL connector, and a Flink standalone session cluster
// (one JobManager, one TaskManager) from the PyPI distribution. Every component logs into `logs/`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { E2eError, run, start, tail, waitFor } from './proc.mjs';

export const PORTS = {
  postgres: Number(process.env.CDC_E2E_PG_PORT ?? 54344),
  kafka: Number(process.env.CDC_E2E_KAFKA_PORT ?? 19092),
  kafkaController: Number(process.env.CDC_E2E_KAFKA_CONTROLLER_PORT ?? 19093),
  connect: Number(process.env.CDC_E2E_CONNECT_PORT ?? 18083),
  flinkRest: Number(process.env.CDC_E2E_FLINK_PORT ?? 18081),
  flinkRpc: Number(process.env.CDC_E2E_FLINK_RPC_PORT ?? 18123),
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

/** PostgreSQL through scripts/ci-postgres.sh (trust auth on 127.0.0.1, wal_level=logical). */
export async function startPostgres(dir, logs, repo) {
  const data = join(dir, 'pg');
  await run('bash', [join(repo, 'scripts', 'ci-postgres.sh'), data, String(PORTS.postgres)], {
    log: join(logs, 'postgres-start.log'),
    what: 'PostgreSQL',
  });
  const bin = pgBin();
  return {
    name: 'postgres',
    log: join(data, 'server.log'),
    url: (db = 'postgres', user = 'postgres') => `postgres://${user}@127.0.0.1:${PORTS.postgres}/${db}`,
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

/** One KRaft node, broker and controller, formatted afresh. */
export async function startKafka(dir, logs, kafkaDir, clusterId) {
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
    }),
  );
  writeFileSync(join(home, 'log4j.properties'), log4j(join(logs, 'kafka.log')));
  const cp = `${kafkaDir}/*`;
  const jvm = ['-Xms256m', '-Xmx512m', `-Dlog4j.configuration=file:${join(home, 'log4j.properties')}`, '-cp', cp];
  const formatLog = join(logs, 'kafka-format.log');
  await run(JAVA, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', cfg], {
    log: join(logs, 'kafka-format.log'),
    what: 'Kafka storage format',
  });
  const proc = start('kafka', JAVA, [...jvm, 'kafka.Kafka', cfg], { log: join(logs, 'kafka.out') });
  proc.log = join(logs, 'kafka.log');
  return proc;
}

/** A Connect worker in distributed mode; plugin.path holds only the Debezium plugin. */
export function startConnect(dir, logs, kafkaDir, pluginRoot, env) {
  const home = join(dir, 'connect');
  mkdirSync(home, { recursive: true });
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
    }),
  );
  writeFileSync(join(home, 'log4j.properties'), log4j(join(logs, 'connect.log')));
  const proc = start(
    'connect',
    JAVA,
    [
      '-Xms256m',
      '-Xmx768m',
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
