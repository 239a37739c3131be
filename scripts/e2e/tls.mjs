// Kafka over TLS and SASL in the end-to-end run (a pipeline with kafka.security). Nothing here retypes the
// compiler's decisions: the broker's and Connect's settings are read from the generated Kubernetes manifests
// (the cluster compile's base) and turned into properties the way the two images do it, so a wrong Model
// makes the run fail. What the images add themselves is done the same way here:
//   apache/kafka (docker/resources): every KAFKA_* variable becomes a server property (ConvertKey: `_` → `.`,
//     `___` → `-`, `__` → `_`, lower case; KAFKA_OPTS, KAFKA_HEAP_OPTS… excluded); configure turns
//     KAFKA_SSL_KEYSTORE_FILENAME / _KEYSTORE_CREDENTIALS / _KEY_CREDENTIALS into the keystore location
//     and passwords read from files under /etc/kafka/secrets.
//   Debezium Connect: every CONNECT_* variable becomes a worker property (lower case, `_` → `.`).
// The throwaway CA, keystore and truststore are made with keytool at run time, in the work folder.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { E2eError, run } from './proc.mjs';

/** The image's variables that are not server properties (kafka-propertiesSpec.json's excludes). */
const KAFKA_IMAGE_EXCLUDES = new Set([
  'KAFKA_VERSION',
  'KAFKA_HEAP_OPT',
  'KAFKA_HEAP_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_LOG4J_ROOT_LOGLEVEL',
  'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL',
]);

/** apache/kafka's ConvertKey. */
export const kafkaProperty = (env) =>
  env
    .slice('KAFKA_'.length)
    .replace(/[^_]_[^_]/g, (m) => m.replace('_', '.'))
    .replace(/___/g, '-')
    .replace(/__/g, '_')
    .toLowerCase();
const connectProperty = (env) => env.slice('CONNECT_'.length).toLowerCase().replace(/_/g, '.');

const secret = () => randomBytes(12).toString('hex');

/**
 * A CA, the broker's keystore (certificate for localhost and 127.0.0.1, signed by the CA), the truststore,
 * the brokers' JAAS file and the clients' logins, laid out as the Secrets the manifests mount. Returns the
 * value of every Secret key the stack reads (`secret/key` → value) and the folders.
 */
export async function makeTlsMaterial(work, logs, security) {
  const root = join(work, 'tls');
  const secretsDir = join(root, 'secrets');
  const jaasDir = join(root, 'jaas');
  mkdirSync(secretsDir, { recursive: true });
  mkdirSync(jaasDir, { recursive: true });
  const pw = secret();
  const log = join(logs, 'keytool.log');
  const ks = (...args) =>
    run('keytool', ['-storetype', 'PKCS12', '-storepass', pw, ...args], { log, what: `keytool ${args[0]}`, cwd: root });
  await ks(
    '-genkeypair',
    '-keystore',
    'ca.p12',
    '-alias',
    'ca',
    '-dname',
    'CN=cdc-e2e-ca',
    '-ext',
    'bc:c',
    '-keyalg',
    'RSA',
    '-validity',
    '2',
  );
  await ks('-exportcert', '-keystore', 'ca.p12', '-alias', 'ca', '-rfc', '-file', 'ca.pem');
  await ks('-importcert', '-keystore', security.truststore.file, '-alias', 'ca', '-file', 'ca.pem', '-noprompt');
  const keystore = security.broker.keystore;
  await ks(
    '-genkeypair',
    '-keystore',
    keystore.file,
    '-alias',
    'broker',
    '-dname',
    'CN=kafka',
    '-keyalg',
    'RSA',
    '-validity',
    '2',
  );
  await ks('-certreq', '-keystore', keystore.file, '-alias', 'broker', '-file', 'broker.csr');
  await ks(
    '-gencert',
    '-keystore',
    'ca.p12',
    '-alias',
    'ca',
    '-infile',
    'broker.csr',
    '-outfile',
    'broker.pem',
    '-rfc',
    '-validity',
    '2',
    '-ext',
    'SAN=dns:localhost,ip:127.0.0.1',
  );
  await ks('-importcert', '-keystore', keystore.file, '-alias', 'ca', '-file', 'ca.pem', '-noprompt');
  await ks('-importcert', '-keystore', keystore.file, '-alias', 'broker', '-file', 'broker.pem');
  // The broker's Secret files where the image reads them, and the truststore beside them.
  for (const f of [keystore.file, security.truststore.file])
    writeFileSync(join(secretsDir, f), readFileSync(join(root, f)));
  writeFileSync(join(secretsDir, keystore.passwordKey), pw);
  writeFileSync(join(secretsDir, keystore.keyPasswordKey), pw);

  const users = { broker: secret(), connect: secret(), flink: secret() };
  const module = 'org.apache.kafka.common.security.plain.PlainLoginModule';
  const login = (u) => `${module} required username="${u}" password="${users[u]}";`;
  writeFileSync(
    join(jaasDir, security.broker.jaas.file),
    `KafkaServer {\n  ${module} required username="broker" password="${users.broker}"\n  ${Object.entries(users)
      .map(([u, p]) => `user_${u}="${p}"`)
      .join(' ')};\n};\n`,
  );
  const values = new Map([
    [`${security.truststore.secret}/${security.truststore.passwordKey}`, pw],
    [`${security.connect.env[0].secret}/${security.connect.env[0].key}`, login('connect')],
    [`${security.flink.env[0].secret}/${security.flink.env[0].key}`, login('flink')],
  ]);
  return {
    root,
    secretsDir,
    jaasDir,
    /** The truststore as a loopback profile's localTruststore names it. */
    truststore: join(root, security.truststore.file),
    values,
    /** Value of a Secret binding. */
    valueOf(b) {
      const v = values.get(`${b.secret}/${b.key}`);
      if (v === undefined) throw new E2eError(`no value for Secret ${b.secret} (key ${b.key})`);
      return v;
    },
    /** A client login with another password, for the refusal check. */
    wrongLogin: `${module} required username="connect" password="not-${users.connect}";`,
  };
}

function objectIn(file, kind, name) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS();
    if (o?.kind === kind && o.metadata?.name === name) return o;
  }
  throw new E2eError(`no ${kind} ${name} in ${file}`);
}

/**
 * The broker's server properties and JVM options as the apache/kafka image would build them from the
 * generated StatefulSet, on this run's loopback ports, with the mounted files at their local places.
 */
export function brokerFromManifests(clusterOut, tls, ports, logDir) {
  const file = join(clusterOut, 'kubernetes', 'base', 'kafka.yaml');
  const sts = objectIn(file, 'StatefulSet', 'kafka');
  const container = sts.spec.template.spec.containers[0];
  const start = Object.values(objectIn(file, 'ConfigMap', 'kafka-start').data)[0];
  const listener = /KAFKA_ADVERTISED_LISTENERS="(\w+):\/\//.exec(start)?.[1];
  if (!listener) throw new E2eError(`no advertised listener in the kafka-start ConfigMap of ${file}`);
  const mounts = new Map(container.volumeMounts.map((m) => [m.mountPath, m.name]));
  const local = (path) => {
    for (const [mount, dir] of [
      ['/etc/kafka/secrets', tls.secretsDir],
      ['/etc/kafka/jaas', tls.jaasDir],
    ])
      if (path.startsWith(`${mount}/`)) {
        if (!mounts.has(mount)) throw new E2eError(`${file}: ${path} is not under a mounted volume`);
        return dir + path.slice(mount.length);
      }
    return path;
  };
  const env = new Map();
  for (const e of container.env) {
    if (e.value !== undefined) env.set(e.name, e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      env.set(e.name, tls.valueOf({ secret: name, key }));
    }
  }
  const props = {};
  for (const [k, v] of env) if (k.startsWith('KAFKA_') && !KAFKA_IMAGE_EXCLUDES.has(k)) props[kafkaProperty(k)] = v;
  // configure: the keystore and its passwords from files under /etc/kafka/secrets.
  const filename = env.get('KAFKA_SSL_KEYSTORE_FILENAME');
  if (filename) {
    props['ssl.keystore.location'] = `/etc/kafka/secrets/${filename}`;
    props['ssl.keystore.password'] = readFileSync(
      local(`/etc/kafka/secrets/${env.get('KAFKA_SSL_KEYSTORE_CREDENTIALS')}`),
      'utf8',
    );
    props['ssl.key.password'] = readFileSync(
      local(`/etc/kafka/secrets/${env.get('KAFKA_SSL_KEY_CREDENTIALS')}`),
      'utf8',
    );
  }
  for (const [k, v] of Object.entries(props)) props[k] = local(v);
  // This run's node: one combined node on 127.0.0.1 (the cluster's ordinal, DNS names and volume differ).
  const clientPort = /:(\d+)/.exec(props.listeners.split(',').find((l) => l.startsWith(`${listener}://`)))[1];
  props.listeners = props.listeners.replace(
    /:\/\/:(\d+)/g,
    (_, p) => `://127.0.0.1:${p === clientPort ? ports.kafka : ports.kafkaController}`,
  );
  props['advertised.listeners'] = `${listener}://127.0.0.1:${ports.kafka}`;
  props['node.id'] = 1;
  props['controller.quorum.voters'] = `1@127.0.0.1:${ports.kafkaController}`;
  props['log.dirs'] = logDir;
  delete props['heap.opts'];
  const jvm = (env.get('KAFKA_OPTS') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((o) => o.replace(/=(\/.*)$/, (_, p) => `=${local(p)}`));
  return { props, jvm, listener };
}

/**
 * Connect's worker properties as the Debezium image would build them from the generated Deployment (every
 * CONNECT_* variable), the truststore at its local place, and the worker's Secret variables.
 */
export function connectFromManifests(clusterOut, tls, security) {
  const file = join(clusterOut, 'kubernetes', 'base', 'connect.yaml');
  const dep = objectIn(file, 'Deployment', 'debezium');
  const container = dep.spec.template.spec.containers[0];
  const props = {};
  const vars = {};
  for (const e of container.env) {
    if (e.name.startsWith('CONNECT_') && e.value !== undefined)
      props[connectProperty(e.name)] = e.value.replace(`${security.truststore.mountPath}/`, `${tls.root}/`);
    const ref = e.valueFrom?.secretKeyRef;
    if (ref && tls.values.has(`${ref.name}/${ref.key}`)) vars[e.name] = tls.valueOf({ secret: ref.name, key: ref.key });
  }
  if (!container.volumeMounts?.some((m) => m.mountPath === security.truststore.mountPath))
    throw new E2eError(`${file}: the truststore is not mounted at ${security.truststore.mountPath}`);
  return { props, vars };
}

/** A Kafka admin client's properties (the worker's own settings, credentials filled in). */
export function clientProperties(workerProps, vars) {
  const out = {};
  for (const [k, v] of Object.entries(workerProps))
    if (/^(security\.protocol|sasl\.|ssl\.)/.test(k)) out[k] = v.replace(/\$\{env:(\w+)\}/g, (_, n) => vars[n]);
  return out;
}

/**
 * The broker refuses what it must: a PLAINTEXT client on the SASL_SSL port, and a SASL_SSL client with a
 * wrong password. Each probe is Kafka's own TopicCommand with a client config.
 */
export async function refusalChecks(stack, checks, logs, port) {
  const probe = async (name, props) => {
    const file = join(stack.tls.root, `${name}.properties`);
    writeFileSync(
      file,
      `${Object.entries({ ...props, 'request.timeout.ms': 4000, 'default.api.timeout.ms': 8000 })
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    const log = join(logs, `refusal-${name}.log`);
    const args = ['-Xmx256m', '-cp', `${stack.kafkaDir}/*`, 'org.apache.kafka.tools.TopicCommand'];
    try {
      await run('java', [...args, '--bootstrap-server', `127.0.0.1:${port}`, '--list', '--command-config', file], {
        log,
        what: `TopicCommand (${name})`,
      });
    } catch {
      return readFileSync(log, 'utf8');
    }
    throw new Error(
      `the broker answered a ${name} client: ${readFileSync(log, 'utf8').split('\n').slice(-3).join(' ')}`,
    );
  };
  await checks.check('a PLAINTEXT client is refused on the SASL_SSL port', async () => {
    const out = await probe('plaintext', { 'security.protocol': 'PLAINTEXT' });
    return /Timed out|TimeoutException/.test(out) ? 'no answer within 8 s' : 'refused';
  });
  await checks.check('a SASL_SSL client with a wrong password is refused', async () => {
    const props = clientProperties(stack.tls.worker.props, stack.tls.worker.vars);
    const out = await probe('wrong-password', { ...props, 'sasl.jaas.config': stack.tls.wrongLogin });
    if (!/Authentication failed|SaslAuthenticationException/.test(out))
      throw new Error(`failed, but not on authentication: ${out.split('\n').slice(-3).join(' ')}`);
    return 'authentication failed';
  });
}
