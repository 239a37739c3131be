/**
 * kafka.security: SASL_SSL for every Kafka client and the deployed brokers. The Model decides (listeners,
 * client settings, Secrets); these tests read the rendered objects back the way the images read them (the
 * apache/kafka image's ConvertKey, the Debezium Connect entrypoint's CONNECT_* rule) and compare with the
 * Model, so an emitter that drops or misspells a setting fails here. The engines' own proof is the
 * kafka-tls pipeline of `npm run test:e2e`.
 */
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileValue } from '../src/compile.js';
import { loadTemplates } from '../src/render/templates.js';
import type { Model } from '../src/resolve/model.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';
import { checkObjects } from '../src/targets/kubernetes/checks.js';
import { buildStack, kafkaImageEnv, type Placed } from '../src/targets/kubernetes/objects.js';
import { compileProject, PROJECTS, ROOT } from './support/compile.js';

const tls = PROJECTS.find((p) => p.name === 'kafka-tls')!;
const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;

/** The apache/kafka image's ConvertKey (docker/resources/utility/utility.go): `_` → `.`, `___` → `-`, `__` → `_`. */
const imageProperty = (env: string) =>
  env
    .slice('KAFKA_'.length)
    .replace(/[^_]_[^_]/g, (m) => m.replace('_', '.'))
    .replace(/___/g, '-')
    .replace(/__/g, '_')
    .toLowerCase();
/** The Debezium Connect entrypoint: strip CONNECT_, lower case, every `_` → `.`. */
const connectProperty = (env: string) => env.slice('CONNECT_'.length).toLowerCase().replace(/_/g, '.');

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Pod = {
  containers: { name: string; env?: Env[]; volumeMounts?: { name: string; mountPath: string }[] }[];
  volumes?: {
    name: string;
    secret?: { secretName: string; items: { key: string; path: string }[] };
    projected?: { sources: { secret?: { name: string; items: { key: string; path: string }[] } }[] };
  }[];
};
const podOf = (placed: readonly Placed[], kind: string, name: string) =>
  (
    placed.find((p) => p.object.kind === kind && p.object.metadata?.name === name)!.object as {
      spec: { template: { spec: Pod } };
    }
  ).spec.template.spec;
/** Secret files a container sees: mount path/file → Secret/key. */
function secretFiles(pod: Pod): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of pod.containers[0]!.volumeMounts ?? []) {
    const v = pod.volumes?.find((x) => x.name === m.name);
    const items = [
      ...(v?.secret ? v.secret.items.map((i) => [v.secret!.secretName, i] as const) : []),
      ...(v?.projected?.sources ?? []).flatMap((s) =>
        s.secret ? s.secret.items.map((i) => [s.secret!.name, i] as const) : [],
      ),
    ];
    for (const [secret, i] of items) files.set(`${m.mountPath}/${i.path}`, `${secret}/${i.key}`);
  }
  return files;
}

async function stack(model?: Model) {
  const r = await compileProject(tls.config);
  const m = model ?? r.model!;
  const content = new Map<string, string | Uint8Array>(
    [...r.files, ...r.binaries].filter(([p]) => !p.startsWith('kubernetes/')),
  );
  const ctx = { model: m, deployment: m.deployment!, profile: m.deployment!.base, content };
  return { ...r, model: m, ctx, placed: buildStack({ ...ctx, ctx: { configFile: 'x', render } }, []) };
}

describe('examples/kafka-tls', () => {
  test('the image turns every broker variable back into the property the Model decided', async () => {
    const { model, placed, files } = await stack();
    const s = model.kafka.security!;
    expect(model.deployment!.kafkaBroker.clientListener).toBe('SASL_SSL');
    const env = podOf(placed, 'StatefulSet', 'kafka').containers[0]!.env!;
    const props = new Map(env.filter((e) => e.value !== undefined).map((e) => [imageProperty(e.name), e.value]));
    for (const [k, v] of model.deployment!.kafkaBroker.settings) expect(props.get(k), k).toBe(v);
    expect(props.get('listeners')).toBe('SASL_SSL://:9092,CONTROLLER://:9093');
    expect(props.get('listener.security.protocol.map')).toBe('CONTROLLER:SSL,SASL_SSL:SASL_SSL');
    // What the image's configure script needs for SSL and SASL.
    const byName = new Map(env.map((e) => [e.name, e]));
    expect(byName.get('KAFKA_OPTS')!.value).toBe(
      '-Djava.security.auth.login.config=/etc/kafka/jaas/kafka_server_jaas.conf',
    );
    expect(byName.get('KAFKA_SSL_TRUSTSTORE_PASSWORD')!.valueFrom!.secretKeyRef).toEqual({
      name: 'kafka-tls',
      key: 'truststore-password',
    });
    const pod = podOf(placed, 'StatefulSet', 'kafka');
    const mounted = secretFiles(pod);
    expect(Object.fromEntries(mounted)).toEqual({
      '/etc/kafka/secrets/keystore.p12': 'kafka-broker-tls/keystore.p12',
      '/etc/kafka/secrets/keystore-password': 'kafka-broker-tls/keystore-password',
      '/etc/kafka/secrets/key-password': 'kafka-broker-tls/key-password',
      '/etc/kafka/secrets/truststore.p12': 'kafka-tls/truststore.p12',
      '/etc/kafka/jaas/kafka_server_jaas.conf': 'kafka-broker-jaas/kafka_server_jaas.conf',
    });
    // configure: KAFKA_SSL_KEYSTORE_FILENAME etc. are files under /etc/kafka/secrets.
    for (const v of ['KAFKA_SSL_KEYSTORE_FILENAME', 'KAFKA_SSL_KEYSTORE_CREDENTIALS', 'KAFKA_SSL_KEY_CREDENTIALS'])
      expect(mounted.has(`/etc/kafka/secrets/${byName.get(v)!.value}`), v).toBe(true);
    expect(mounted.has(props.get('ssl.truststore.location')!)).toBe(true);
    expect(s.broker!.dnsNames).toEqual(['kafka.infra.svc.cluster.local', '*.kafka-headless.infra.svc.cluster.local']);
    const sts = placed.find((p) => p.object.kind === 'StatefulSet')!.object;
    expect(sts.metadata!.annotations).toEqual({ 'cdc-compile/certificate-dns-names': s.broker!.dnsNames.join(',') });
    // The advertised listener (set by the start script) is the client listener.
    expect(files.get('kubernetes/base/kafka.yaml')).toContain(
      'export KAFKA_ADVERTISED_LISTENERS="SASL_SSL://${HOSTNAME}.kafka-headless.infra.svc.cluster.local:9092"',
    );
  });

  test('Connect: worker, producer, consumer and admin settings from the Model, credentials from Secrets only', async () => {
    const { model, placed } = await stack();
    const s = model.kafka.security!;
    const pod = podOf(placed, 'Deployment', 'debezium');
    const env = pod.containers[0]!.env!;
    const props = env
      .filter((e) => e.name.startsWith('CONNECT_'))
      .map((e): [string, string | undefined] => [connectProperty(e.name), e.value]);
    expect(props).toEqual(expect.arrayContaining(s.connect.settings.map(([k, v]) => [k, v])));
    for (const prefix of ['', 'producer.', 'consumer.', 'admin.'])
      expect(new Map(props).get(`${prefix}sasl.jaas.config`)).toBe('${env:KAFKA_LOGIN_CONNECT}');
    // Every ${env:…} a worker setting names is a variable from a Secret in the pod; no credential as a value.
    for (const [, v] of s.connect.settings)
      for (const m of v.matchAll(/\$\{env:(\w+)\}/g))
        expect(env.find((e) => e.name === m[1])?.valueFrom?.secretKeyRef, m[1]).toBeDefined();
    expect(env.find((e) => e.name === 'KAFKA_LOGIN_CONNECT')!.valueFrom!.secretKeyRef).toEqual({
      name: 'kafka-connect-login',
      key: 'sasl.jaas.config',
    });
    expect(secretFiles(pod).get(s.truststore.location)).toBe('kafka-tls/truststore.p12');
  });

  test('Flink: the sources carry the security properties; JobManager and TaskManager mount the truststore', async () => {
    const { model, placed, files } = await stack();
    const s = model.kafka.security!;
    for (const t of model.tables)
      expect(t.flink.sourceOptions).toEqual(
        expect.arrayContaining(s.flink.settings.map(([k, v]) => [`properties.${k}`, v])),
      );
    const sql = files.get('flink/pipeline.sql')!;
    expect(sql).toContain("'properties.sasl.jaas.config'             = '${KAFKA_LOGIN_FLINK}'");
    expect(sql).toContain("'properties.ssl.truststore.location'      = '/opt/cdc/kafka-tls/truststore.p12'");
    expect(model.flink.env.map((b) => b.env)).toEqual(
      expect.arrayContaining(['KAFKA_LOGIN_FLINK', 'KAFKA_TRUSTSTORE_PASSWORD']),
    );
    for (const name of ['flink-jobmanager', 'flink-taskmanager'])
      expect(secretFiles(podOf(placed, 'Deployment', name)).get(s.truststore.location), name).toBe(
        'kafka-tls/truststore.p12',
      );
    expect(dirname(s.truststore.location)).toBe(s.truststore.mountPath);
  });

  test('the dev overlay generates no placeholder for a keystore, truststore or login; the checks accept the declared Secrets', async () => {
    const { model, ctx, files } = await stack();
    const dev = files.get('kubernetes/overlays/dev/dev-secrets.yaml')!;
    for (const name of model.kafka.security!.secrets) expect(dev).not.toContain(`name: ${name}\n`);
    expect(model.kafka.security!.secrets).toEqual([
      'kafka-tls',
      'kafka-connect-login',
      'kafka-flink-login',
      'kafka-broker-tls',
      'kafka-broker-jaas',
    ]);
    for (const profile of [model.deployment!.base, ...model.deployment!.profiles]) {
      const placed = buildStack({ ...ctx, profile, ctx: { configFile: 'x', render } }, []);
      expect(checkObjects(placed, { ...ctx, profile }), profile.name).toEqual([]);
    }
  });

  test('a mounted Secret key the config does not declare is a compile-time error', async () => {
    const { ctx, placed } = await stack();
    const broken = JSON.parse(JSON.stringify(placed)) as Placed[];
    const pod = podOf(broken, 'StatefulSet', 'kafka');
    const tlsVolume = pod.volumes!.find((v) => v.name === 'tls')!;
    tlsVolume.projected!.sources[0]!.secret!.items.push({ key: 'keystore.jks', path: 'keystore.jks' });
    expect(checkObjects(broken, ctx).map((d) => `${d.code}: ${d.message}`)).toEqual([
      'K8S.MISSING_REFERENCE: the kustomize base: StatefulSet infra/kafka mounts Secret kafka-broker-tls (key keystore.jks), which the config does not declare',
    ]);
  });

  test('NetworkPolicies open the same ports as without TLS', async () => {
    const { files } = await stack();
    const minimal = await compileProject(PROJECTS.find((p) => p.name === 'minimal')!.config);
    const ports = (yaml: string) => [...yaml.matchAll(/port: (\d+)/g)].map((m) => m[1]).sort();
    const policy = (all: Map<string, string>) => all.get('kubernetes/overlays/prod/network-policies.yaml')!;
    expect(ports(policy(files))).toEqual(ports(policy(minimal.files)));
  });

  test('the Model decides: a changed broker setting or Connect setting reaches the manifests', async () => {
    const { model } = await stack();
    const changed: Model = {
      ...model,
      kafka: {
        security: {
          ...model.kafka.security!,
          connect: {
            ...model.kafka.security!.connect,
            settings: [['security.protocol', 'SASL_PLAINTEXT']],
          },
        },
      },
      deployment: {
        ...model.deployment!,
        kafkaBroker: { clientListener: 'BROKER', settings: [['sasl.enabled.mechanisms', 'PLAIN,OAUTHBEARER']] },
      },
    };
    const { placed, files } = await stack(changed);
    const broker = podOf(placed, 'StatefulSet', 'kafka').containers[0]!.env!;
    expect(broker.find((e) => e.name === 'KAFKA_SASL_ENABLED_MECHANISMS')!.value).toBe('PLAIN,OAUTHBEARER');
    expect(broker.some((e) => e.name === 'KAFKA_LISTENERS')).toBe(false);
    const connect = podOf(placed, 'Deployment', 'debezium').containers[0]!.env!;
    expect(connect.filter((e) => e.name.startsWith('CONNECT_SECURITY') || e.name.startsWith('CONNECT_SASL'))).toEqual([
      { name: 'CONNECT_SECURITY_PROTOCOL', value: 'SASL_PLAINTEXT' },
    ]);
    const start = placed.find((p) => p.object.kind === 'ConfigMap' && p.object.metadata?.name === 'kafka-start')!;
    expect(JSON.stringify(start.object)).toContain('BROKER://${HOSTNAME}');
    expect(files.size).toBeGreaterThan(0);
  });
});

describe('kafka.security in other shapes', () => {
  async function value() {
    const { loadConfig } = await import('../src/load/index.js');
    return (await loadConfig(tls.config)).value as { options: Record<string, any> };
  }
  const compileIt = (v: unknown, profile?: string) =>
    compileValue(v, { configFile: 'pipeline.config.ts', render }, profile ? { profile } : {});

  test('the image variable of a server property round-trips through the image rule', () => {
    for (const key of [
      'listener.name.controller.ssl.client.auth',
      'sasl.mechanism.inter.broker.protocol',
      'listener.name.sasl_ssl.plain.sasl.server.callback.handler.class',
      'some-dashed.key_with.under_score',
    ])
      expect(imageProperty(kafkaImageEnv(key)), key).toBe(key);
  });

  test('SCRAM without a deployment: only the clients are configured (no brokers to refuse)', async () => {
    const v = await value();
    const o = v.options;
    o['kafka'] = { bootstrapServers: 'kafka.example.com:9093', security: { mechanism: 'SCRAM-SHA-512' } };
    o['connect'] = { url: 'http://connect:8083' };
    o['analytics'] = { ...o['analytics'], host: 'analytics-db' };
    o['sources'][0].options.host = 'shop-db';
    delete o['deployment'];
    const r = compileIt(v);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.model!.kafka.security!.broker).toBeUndefined();
    expect(r.model!.kafka.security!.secrets).toEqual(['kafka-tls', 'kafka-connect-login', 'kafka-flink-login']);
    const sql = String(r.artefacts.find((a) => a.path === 'flink/pipeline.sql')!.contents);
    expect(sql).toContain("'properties.sasl.mechanism'               = 'SCRAM-SHA-512'");
    expect(r.artefacts.some((a) => a.path.startsWith('kubernetes/'))).toBe(false);
  });

  test('a loopback profile reads the truststore where it is on this machine; pipeline.sql is otherwise the same', async () => {
    const v = await value();
    v.options['deployment'] = {
      profiles: { here: { endpoints: 'loopback', components: { kafka: { localTruststore: '/tmp/tls/trust.p12' } } } },
    };
    const sqlOf = (profile?: string) =>
      String(compileIt(v, profile).artefacts.find((a) => a.path === 'flink/pipeline.sql')!.contents);
    const here = sqlOf('here');
    expect(here).toContain("'properties.ssl.truststore.location'      = '/tmp/tls/trust.p12'");
    const local = sqlOf('local');
    expect(local).toContain("'properties.ssl.truststore.location'      = '/opt/cdc/kafka-tls/truststore.p12'");
    expect(here.replace('/tmp/tls/trust.p12', '/opt/cdc/kafka-tls/truststore.p12')).toBe(local);
  });

  test('custom Secret names flow into every consumer', async () => {
    const { secret } = await import('../src/index.js');
    const v = await value();
    v.options['kafka'] = {
      security: {
        mechanism: 'PLAIN',
        truststore: 'ca-bundle',
        connectLogin: secret('connect-kafka', 'jaas'),
        flinkLogin: secret('flink-kafka', 'jaas'),
        broker: { keystore: 'broker-certs', jaas: secret('broker-users', 'jaas.conf') },
      },
    };
    const r = compileIt(v);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const base = r.artefacts
      .filter((a) => a.path.startsWith('kubernetes/base/'))
      .map((a) => String(a.contents))
      .join('\n');
    for (const name of ['ca-bundle', 'connect-kafka', 'flink-kafka', 'broker-certs', 'broker-users'])
      expect(base, name).toContain(name);
    expect(base).not.toMatch(/(name|secretName): (kafka-tls|kafka-connect-login|kafka-broker-tls|kafka-broker-jaas)\n/);
    expect(base).toMatch(/secretName: ca-bundle\n/);
    const dev = String(r.artefacts.find((a) => a.path === 'kubernetes/overlays/dev/dev-secrets.yaml')!.contents);
    expect(dev).not.toMatch(/name: (ca-bundle|connect-kafka|flink-kafka|broker-certs|broker-users)\n/);
  });
});
