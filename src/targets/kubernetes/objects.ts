/**
 * The Kubernetes objects of one profile, built as typed data from the Model and the other families'
 * artefacts (phase two of emitting: packaging). Types come from kubernetes-models as type-only imports:
 * they are erased at build time, so the package stays off the compile path.
 */
import { hash } from 'node:crypto';
import { bytesSha256 } from '../../digest.js';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { error, type Diagnostic } from '../../diagnostics.js';
import type { DatabaseModel, DeploymentModel, ProfileModel, Resources, Workload } from '../../resolve/deployment.js';
import type { Model, SecretBinding } from '../../resolve/model.js';
import { quoteIdent, shellString } from '../../render/text.js';
import { header, type EmitContext } from '../artefact.js';

export type K8sObject =
  | INamespace
  | IConfigMap
  | ISecret
  | IService
  | IPersistentVolumeClaim
  | IDeployment
  | IStatefulSet
  | IJob
  | INetworkPolicy
  | IPodDisruptionBudget;

/** An object and the file (per component) it is written to. */
export interface Placed {
  readonly file: string;
  readonly object: K8sObject;
  /** Artefacts whose `${…}` placeholders this object's pods must supply (checked in checks.ts). */
  readonly resolves?: readonly { readonly path: string; readonly pattern: 'env-provider' | 'envsubst' }[];
}

/** ConfigMap data limit (the API server counts keys and values); a little is left for metadata. */
export const CONFIGMAP_LIMIT = 1024 * 1024 - 4096;
export const DEV_PLACEHOLDER = 'dev-only-placeholder-not-a-secret';

export interface StackInput {
  readonly model: Model;
  readonly deployment: DeploymentModel;
  readonly profile: ProfileModel;
  /** Phase one's artefacts: path → contents. */
  readonly content: ReadonlyMap<string, string | Uint8Array>;
  readonly ctx: EmitContext;
  /** Shared by the builds of one emit (the base's and each profile's); a build alone makes its own. */
  readonly memo?: StackMemo;
}

/**
 * What the builds of one emit share: the base and every profile carry the same scripts and artefacts in
 * their ConfigMaps and Jobs, which depend on the Model and the artefacts, not on the profile. Each is
 * computed once, keyed by its whole input (a template's data; a binary artefact by identity).
 */
export class StackMemo {
  readonly #scripts = new Map<string, string>();
  readonly #bytes = new WeakMap<Uint8Array, { readonly base64: string; readonly digest: string }>();
  readonly #jobs = new Map<string, string>();

  /** A rendered script: `render` runs once per template and data. */
  script(template: string, data: object, render: () => string): string {
    const key = `${template}\0${JSON.stringify(data)}`;
    let text = this.#scripts.get(key);
    if (text === undefined) this.#scripts.set(key, (text = render()));
    return text;
  }

  #of(bytes: Uint8Array) {
    let known = this.#bytes.get(bytes);
    if (!known) {
      known = {
        base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
        digest: `sha256:${bytesSha256(bytes)}`,
      };
      this.#bytes.set(bytes, known);
    }
    return known;
  }

  base64(bytes: Uint8Array): string {
    return this.#of(bytes).base64;
  }

  /** A binary artefact as it enters a Job's hash (JSON.stringify would spell a Uint8Array key by key). */
  digest(bytes: Uint8Array): string {
    return this.#of(bytes).digest;
  }

  /** The hash of a Job's whole input, its JSON text: a profile's Job is most often the base's. */
  jobHash(input: string): string {
    let known = this.#jobs.get(input);
    if (known === undefined) this.#jobs.set(input, (known = hash('sha256', input, 'hex').slice(0, 8)));
    return known;
  }
}

/**
 * The hash in a Job's name: its pod spec and the files it runs, binary ones as their digest. crypto.hash
 * is one native call; createHash built a Hash object per Job of the base and of each profile.
 */
const jobHash = (spec: IPodSpec, files: readonly (readonly [string, string | Uint8Array])[], memo: StackMemo) =>
  memo.jobHash(
    JSON.stringify({
      spec,
      hashed: files.map(([name, contents]) => [name, typeof contents === 'string' ? contents : memo.digest(contents)]),
    }),
  );
const mib = (q: string) => {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(q);
  if (!m) return 0;
  const n = Number(m[1]);
  return m[2] === 'Ki' ? Math.floor(n / 1024) : m[2] === 'Mi' ? n : m[2] === 'Gi' ? n * 1024 : n * 1024 * 1024;
};

const podSecurity = (uid: number, gid = uid): IPodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: gid,
  fsGroup: gid,
  seccompProfile: { type: 'RuntimeDefault' },
});
const containerSecurity: ISecurityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
const env = (name: string, value: string): IEnvVar => ({ name, value });
const fromSecret = (b: SecretBinding, name = b.env): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: b.secret, key: b.key } },
});
const tcpProbe = (port: number, period: number, failureThreshold = 3, initialDelaySeconds?: number): IProbe => ({
  tcpSocket: { port },
  ...(initialDelaySeconds ? { initialDelaySeconds } : {}),
  periodSeconds: period,
  failureThreshold,
});
const httpProbe = (path: string, port: number, period: number, failureThreshold = 3, timeoutSeconds = 3): IProbe => ({
  httpGet: { path, port },
  periodSeconds: period,
  timeoutSeconds,
  failureThreshold,
});
const resources = (r: Resources) => ({ requests: { ...r.requests }, limits: { ...r.limits } });

/**
 * The apache/kafka image's variable for a server property (its ConvertKey, inverted): `_` → `__`, `-` → `___`,
 * `.` → `_`, upper case, `KAFKA_` in front.
 */
export const kafkaImageEnv = (key: string) =>
  `KAFKA_${key.replace(/_/g, '__').replace(/-/g, '___').replace(/\./g, '_').toUpperCase()}`;

/**
 * The Debezium Connect image's variable for a worker property: `CONNECT_`, upper case, `.` → `_` (the image
 * lower-cases and turns every `_` back into `.`, so a property with `_` or `-` cannot be expressed).
 */
export function connectImageEnv(key: string): string {
  if (!/^[a-z0-9.]+$/.test(key)) throw new Error(`internal: worker property ${key} has no CONNECT_* variable`);
  return `CONNECT_${key.replace(/\./g, '_').toUpperCase()}`;
}

export function buildStack(input: StackInput, out: Diagnostic[]): Placed[] {
  const { model, deployment: d, profile: prof, content, ctx } = input;
  const memo = input.memo ?? new StackMemo();
  const pipeline = model.pipeline.name;
  const placed: Placed[] = [];
  const infra = d.namespaces.infra;
  const analytics = d.namespaces.analytics;
  const subject = { kind: 'pipeline' as const, path: ['deployment'] };

  const labels = (name: string, component: string, version?: string) => ({
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': pipeline,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': pipeline,
    'app.kubernetes.io/managed-by': 'cdc-compile',
    ...(version ? { 'app.kubernetes.io/version': version } : {}),
  });
  const selector = (name: string, component: string) => ({
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': pipeline,
    'app.kubernetes.io/component': component,
  });
  const meta = (name: string, namespace: string, l: Record<string, string>) => ({ name, namespace, labels: l });
  const podSpec = (spec: Omit<IPodSpec, 'enableServiceLinks' | 'automountServiceAccountToken'>): IPodSpec => ({
    // Service links would turn every Service into KAFKA_*/CONNECT_* variables that these images read as settings.
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    ...spec,
  });
  const script = (template: Parameters<EmitContext['render']>[0], data: object) =>
    memo.script(template, data, () => ctx.render(template, { header: header(ctx, '#'), ...data }));

  /** ConfigMaps for a set of files: one, or several when they exceed the size limit; and the volume over them. */
  const configMaps = (
    file: string,
    name: string,
    namespace: string,
    l: Record<string, string>,
    files: readonly (readonly [path: string, contents: string | Uint8Array])[],
  ): IVolume['projected'] & object => {
    const groups: [string, string | Uint8Array][][] = [[]];
    let size = 0;
    for (const [path, contents] of files) {
      const key = path.replace(/\//g, '__');
      const bytes = Buffer.byteLength(key) + Buffer.byteLength(contents);
      if (bytes > CONFIGMAP_LIMIT) {
        out.push(
          error(
            'K8S.ARTEFACT_TOO_LARGE',
            `${path} is ${bytes} bytes; a ConfigMap holds at most ${CONFIGMAP_LIMIT}`,
            subject,
            'split the pipeline (fewer tables or views per config), or ship the artefact in an image',
          ),
        );
        continue;
      }
      if (size + bytes > CONFIGMAP_LIMIT) {
        groups.push([]);
        size = 0;
      }
      groups.at(-1)!.push([key, contents]);
      size += bytes;
    }
    const names = groups.map((_, i) => (groups.length === 1 ? name : `${name}-${i + 1}`));
    groups.forEach((g, i) => {
      placed.push({
        file,
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: meta(names[i]!, namespace, l),
          // Text as data, bytes (superset/bundle.zip) as base64 binaryData.
          ...(g.some(([, c]) => typeof c === 'string')
            ? { data: Object.fromEntries(g.filter((e): e is [string, string] => typeof e[1] === 'string')) }
            : {}),
          ...(g.some(([, c]) => typeof c !== 'string')
            ? {
                binaryData: Object.fromEntries(
                  g.flatMap(([k, c]) => (typeof c === 'string' ? [] : [[k, memo.base64(c)]])),
                ),
              }
            : {}),
        },
      });
    });
    return {
      sources: groups.map((g, i) => ({
        configMap: {
          name: names[i]!,
          items: g.map(([key]) => ({ key, path: key.replace(/__/g, '/') })),
        },
      })),
      defaultMode: 0o555,
    };
  };
  const fileOf = (path: string): [string, string] => {
    const c = content.get(path);
    if (typeof c !== 'string') throw new Error(`internal: text artefact ${path} was not emitted`);
    return [path.slice(path.lastIndexOf('/') + 1), c];
  };
  const service = (
    file: string,
    name: string,
    namespace: string,
    l: Record<string, string>,
    sel: Record<string, string>,
    ports: { name: string; port: number }[],
    extra: Partial<IService['spec'] & object> = {},
  ) =>
    placed.push({
      file,
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(name, namespace, l),
        spec: {
          ...extra,
          selector: sel,
          ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name })),
        },
      },
    });
  const pvc = (file: string, name: string, namespace: string, l: Record<string, string>, storage: string) =>
    placed.push({
      file,
      object: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta(name, namespace, l),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
      },
    });
  /** A one-shot Job named with a hash of everything it runs, so a changed artefact makes a new Job. */
  const job = (
    file: string,
    prefix: string,
    namespace: string,
    l: Record<string, string>,
    spec: IPodSpec,
    hashed: readonly (readonly [string, string | Uint8Array])[],
    resolves?: Placed['resolves'],
  ) => {
    const name = `${prefix}-${jobHash(spec, hashed, memo)}`;
    placed.push({
      file,
      ...(resolves ? { resolves } : {}),
      object: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta(name, namespace, l),
        spec: {
          backoffLimit: 4,
          activeDeadlineSeconds: 900,
          // A finished Job is removed after a day; applying again re-runs it, which is safe (all are idempotent).
          ttlSecondsAfterFinished: 86400,
          template: { metadata: { labels: l }, spec: { ...spec, restartPolicy: 'Never' } },
        },
      },
    });
  };
  const volumeMount = (name: string, mountPath: string, readOnly?: boolean): IVolumeMount => ({
    name,
    mountPath,
    ...(readOnly ? { readOnly } : {}),
  });

  const pgEnv = (db: DatabaseModel, user: string | SecretBinding, password: SecretBinding): IEnvVar[] => [
    env('PGHOST', db.service),
    env('PGPORT', String(db.port)),
    env('PGDATABASE', db.database),
    typeof user === 'string' ? env('PGUSER', user) : fromSecret(user, 'PGUSER'),
    fromSecret(password, 'PGPASSWORD'),
  ];

  // ── Databases ────────────────────────────────────────────────────────────────────────────────────
  for (const db of d.databases) {
    const dp = prof.databases[db.name]!;
    const file = db.service;
    const l = labels(db.service, 'database', d.versions.postgres);
    if (!dp.deploy) {
      if (dp.externalHost !== undefined)
        placed.push({
          file,
          object: {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: meta(db.service, db.namespace, labels(db.service, 'database')),
            // The generated configs keep the in-cluster name; it resolves to the existing database.
            spec: { type: 'ExternalName', externalName: dp.externalHost },
          },
        });
      continue;
    }
    const source = model.sources.find((s) => s.name === db.name);
    const volumes: IVolume[] = [{ name: 'data', persistentVolumeClaim: { claimName: `${db.service}-data` } }];
    const mounts = [volumeMount('data', '/var/lib/postgresql/data')];
    let args: string[] = [];
    if (source) {
      const init = initFiles(model, source.name, dp.demoRows);
      volumes.push({
        name: 'init',
        projected: configMaps(file, `${db.service}-init`, db.namespace, l, init),
      });
      mounts.push(volumeMount('init', '/docker-entrypoint-initdb.d', true));
      // Debezium needs logical decoding, and a slot and sender per connector on this server (plus headroom).
      args = [
        '-c',
        'wal_level=logical',
        '-c',
        `max_replication_slots=${source.slotsOnServer + 4}`,
        '-c',
        `max_wal_senders=${source.slotsOnServer + 4}`,
      ];
    }
    pvc(file, `${db.service}-data`, db.namespace, l, dp.storage);
    service(file, db.service, db.namespace, l, selector(db.service, 'database'), [
      { name: 'postgres', port: d.postgresPort },
    ]);
    const superuser = db.superuser;
    placed.push({
      file,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(db.service, db.namespace, l),
        spec: {
          replicas: 1,
          // One pod holds the ReadWriteOnce volume at a time.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: selector(db.service, 'database') },
          template: {
            metadata: { labels: l },
            spec: podSpec({
              securityContext: podSecurity(999),
              containers: [
                {
                  name: 'postgres',
                  image: d.images.postgres,
                  imagePullPolicy: 'IfNotPresent',
                  ...(args.length ? { args } : {}),
                  env: [
                    typeof superuser === 'string' ? env('POSTGRES_USER', superuser) : fromSecret(superuser),
                    fromSecret(db.superuserPassword),
                    env('POSTGRES_DB', db.database),
                    // A fresh volume's root may hold lost+found, which initdb refuses.
                    env('PGDATA', '/var/lib/postgresql/data/pgdata'),
                  ],
                  ports: [{ name: 'postgres', containerPort: d.postgresPort }],
                  readinessProbe: {
                    exec: { command: ['sh', '-c', 'pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] },
                    periodSeconds: 10,
                  },
                  livenessProbe: {
                    exec: { command: ['sh', '-c', 'pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] },
                    initialDelaySeconds: 30,
                    periodSeconds: 20,
                    failureThreshold: 6,
                  },
                  resources: resources(dp.resources),
                  securityContext: containerSecurity,
                  volumeMounts: mounts,
                },
              ],
              volumes,
            }),
          },
        },
      },
    });
    if (source) {
      // The setup SQL is idempotent: a Job re-applies it whenever it changes (init scripts run only once).
      const setup = fileOf(source.files.setup);
      const setupFile = setup[0];
      const files: [string, string][] = [
        setup,
        [
          'setup-source.sh',
          script('kubernetes/setup-source.sh', { database: db.database, setupFile, role: quoteIdent(source.user) }),
        ],
      ];
      const jl = labels(db.service, 'setup', d.versions.postgres);
      const projected = configMaps(file, `${db.service}-setup`, db.namespace, jl, files);
      job(
        file,
        `${db.service}-setup`,
        db.namespace,
        jl,
        podSpec({
          securityContext: podSecurity(999),
          containers: [
            {
              name: 'setup',
              image: d.images.postgres,
              imagePullPolicy: 'IfNotPresent',
              command: ['bash', '/opt/cdc/setup/setup-source.sh'],
              env: [...pgEnv(db, superuser, db.superuserPassword), fromSecret(source.password, 'ROLE_PASSWORD')],
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
              securityContext: containerSecurity,
              volumeMounts: [volumeMount('setup', '/opt/cdc/setup', true)],
            },
          ],
          volumes: [{ name: 'setup', projected }],
        }),
        files,
      );
    }
  }

  // Analytics DDL: the migrations in order (each runs once), then tables and views (idempotent).
  {
    const db = d.databases.find((x) => x.role === 'analytics')!;
    const migrations = `${model.analytics.files.migrations}/`;
    const sql: [string, string][] = [
      ...[...content.keys()]
        .filter((p) => p.startsWith(migrations))
        .map((p): [string, string] => [`migrations/${fileOf(p)[0]}`, fileOf(p)[1]]),
      fileOf(model.analytics.files.schema),
      fileOf(model.analytics.files.views),
    ];
    const files: [string, string][] = [
      ...sql,
      [
        'apply-analytics.sh',
        script('kubernetes/apply-analytics.sh', { database: db.database, files: sql.map(([name]) => name) }),
      ],
    ];
    const l = labels('analytics-ddl', 'ddl', d.versions.postgres);
    const projected = configMaps(db.service, `${pipeline}-analytics-sql`, db.namespace, l, files);
    job(
      db.service,
      'analytics-ddl',
      db.namespace,
      l,
      podSpec({
        securityContext: podSecurity(999),
        containers: [
          {
            name: 'ddl',
            image: d.images.postgres,
            imagePullPolicy: 'IfNotPresent',
            command: ['bash', '/opt/cdc/analytics/apply-analytics.sh'],
            env: pgEnv(db, model.analytics.user, model.analytics.password),
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
            securityContext: containerSecurity,
            volumeMounts: [volumeMount('sql', '/opt/cdc/analytics', true)],
          },
        ],
        volumes: [{ name: 'sql', projected }],
      }),
      files,
    );
  }

  // ── Kafka (KRaft, combined broker+controller nodes) ─────────────────────────────────────────────
  const brokers = prof.components.kafka.replicas;
  const S = d.services;
  const kafkaHeadless = S.kafkaHeadless.host;
  const topics = prof.kafkaTopics;
  const replication = String(topics.replicationFactor);
  {
    const c = prof.components.kafka;
    const l = labels('kafka', 'broker', d.versions.kafka);
    const sel = selector('kafka', 'broker');
    const start = configMaps('kafka', 'kafka-start', infra, l, [
      [
        'start.sh',
        script('kubernetes/kafka-start.sh', {
          headless: kafkaHeadless,
          port: S.kafka.port,
          listener: d.kafkaBroker.clientListener,
        }),
      ],
    ]);
    const tls = model.kafka.security?.broker;
    const truststore = model.kafka.security?.truststore;
    // The image reads the keystore and its passwords from files in /etc/kafka/secrets, the JAAS file from KAFKA_OPTS.
    const tlsEnv: IEnvVar[] =
      tls && truststore
        ? [
            env('KAFKA_SSL_KEYSTORE_FILENAME', tls.keystore.file),
            env('KAFKA_SSL_KEYSTORE_CREDENTIALS', tls.keystore.passwordKey),
            env('KAFKA_SSL_KEY_CREDENTIALS', tls.keystore.keyPasswordKey),
            fromSecret(tls.truststorePassword),
            env('KAFKA_OPTS', tls.jvmOptions),
          ]
        : [];
    const tlsVolumes: IVolume[] =
      tls && truststore
        ? [
            {
              name: 'tls',
              projected: {
                sources: [
                  {
                    secret: {
                      name: tls.keystore.secret,
                      items: [tls.keystore.file, tls.keystore.passwordKey, tls.keystore.keyPasswordKey].map((k) => ({
                        key: k,
                        path: k,
                      })),
                    },
                  },
                  { secret: { name: truststore.secret, items: [{ key: truststore.file, path: truststore.file }] } },
                ],
                defaultMode: 0o440,
              },
            },
            {
              name: 'jaas',
              secret: {
                secretName: tls.jaas.secret,
                items: [{ key: tls.jaas.key, path: tls.jaas.file }],
                defaultMode: 0o440,
              },
            },
          ]
        : [];
    const tlsMounts =
      tls && truststore
        ? [volumeMount('tls', tls.keystore.mountPath, true), volumeMount('jaas', tls.jaas.mountPath, true)]
        : [];
    service(
      'kafka',
      S.kafkaHeadless.name,
      infra,
      l,
      sel,
      [
        { name: 'client', port: S.kafka.port },
        { name: 'controller', port: d.kafkaControllerPort },
      ],
      { clusterIP: 'None', publishNotReadyAddresses: true },
    );
    service('kafka', S.kafka.name, infra, l, sel, [{ name: 'client', port: S.kafka.port }]);
    const voters = Array.from(
      { length: brokers },
      (_, i) => `${i}@kafka-${i}.${kafkaHeadless}:${d.kafkaControllerPort}`,
    ).join(',');
    const heap = Math.floor(mib(c.resources.limits.memory) / 2);
    placed.push({
      file: 'kafka',
      object: {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: {
          ...meta('kafka', infra, l),
          // The names the brokers' certificate must carry, for whoever makes the keystore.
          ...(tls ? { annotations: { 'cdc-compile/certificate-dns-names': tls.dnsNames.join(',') } } : {}),
        },
        spec: {
          serviceName: S.kafkaHeadless.name,
          replicas: brokers,
          // Every controller must be up for the quorum to form: start them together.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: sel },
          template: {
            metadata: { labels: l },
            spec: podSpec({
              securityContext: podSecurity(1000),
              terminationGracePeriodSeconds: 90,
              containers: [
                {
                  name: 'kafka',
                  image: d.images.kafka,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['sh', '/opt/cdc/kafka/start.sh'],
                  env: [
                    env('KAFKA_PROCESS_ROLES', 'broker,controller'),
                    env('CLUSTER_ID', d.kafkaClusterId),
                    ...d.kafkaBroker.settings.map(([k, v]) => env(kafkaImageEnv(k), v)),
                    env('KAFKA_CONTROLLER_QUORUM_VOTERS', voters),
                    env('KAFKA_LOG_DIRS', '/var/lib/kafka/data/logs'),
                    env('KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', replication),
                    env('KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', replication),
                    env('KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', String(topics.minInsyncReplicas)),
                    env('KAFKA_DEFAULT_REPLICATION_FACTOR', replication),
                    env('KAFKA_MIN_INSYNC_REPLICAS', String(topics.minInsyncReplicas)),
                    env('KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS', String(topics.initialRebalanceDelayMs)),
                    env('KAFKA_HEAP_OPTS', `-Xms${heap}m -Xmx${heap}m`),
                    ...tlsEnv,
                  ],
                  ports: [
                    { name: 'client', containerPort: S.kafka.port },
                    { name: 'controller', containerPort: d.kafkaControllerPort },
                  ],
                  startupProbe: tcpProbe(S.kafka.port, 5, 36),
                  readinessProbe: tcpProbe(S.kafka.port, 10),
                  livenessProbe: tcpProbe(S.kafka.port, 20, 6),
                  resources: resources(c.resources),
                  securityContext: containerSecurity,
                  volumeMounts: [
                    volumeMount('data', '/var/lib/kafka/data'),
                    volumeMount('start', '/opt/cdc/kafka', true),
                    ...tlsMounts,
                  ],
                },
              ],
              volumes: [{ name: 'start', projected: start }, ...tlsVolumes],
            }),
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data', labels: l },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: c.storage } } },
            },
          ],
        },
      },
    });
  }

  // ── Kafka Connect with Debezium ─────────────────────────────────────────────────────────────────
  const kafkaAddress = `${S.kafka.host}:${S.kafka.port}`;
  // The CA truststore of the Kafka clients (Connect, the Flink JobManager and TaskManagers), when Kafka speaks TLS.
  const clientTruststore = model.kafka.security?.truststore;
  const truststoreVolume: IVolume | undefined = clientTruststore && {
    name: 'kafka-truststore',
    secret: {
      secretName: clientTruststore.secret,
      items: [{ key: clientTruststore.file, path: clientTruststore.file }],
      defaultMode: 0o440,
    },
  };
  const truststoreMount = clientTruststore && volumeMount('kafka-truststore', clientTruststore.mountPath, true);
  {
    const c = prof.components.connect;
    const l = labels('debezium', 'connect', d.versions.debezium);
    const sel = selector('debezium', 'connect');
    const provider = model.connect.secretProvider;
    const secrets = model.connect.env;
    service('connect', S.connect.name, infra, l, sel, [{ name: 'http', port: S.connect.port }]);
    placed.push({
      file: 'connect',
      resolves: model.sources.map((s) => ({
        path: s.files.connector,
        pattern: 'env-provider' as const,
      })),
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(S.connect.name, infra, l),
        spec: {
          replicas: c.replicas,
          selector: { matchLabels: sel },
          template: {
            metadata: { labels: l },
            spec: podSpec({
              securityContext: podSecurity(1001),
              containers: [
                {
                  name: 'connect',
                  image: d.images.connect,
                  imagePullPolicy: 'IfNotPresent',
                  env: [
                    env('BOOTSTRAP_SERVERS', kafkaAddress),
                    env('GROUP_ID', `${pipeline}-connect`),
                    env('CONFIG_STORAGE_TOPIC', `${pipeline}-connect-configs`),
                    env('OFFSET_STORAGE_TOPIC', `${pipeline}-connect-offsets`),
                    env('STATUS_STORAGE_TOPIC', `${pipeline}-connect-status`),
                    // The stock worker file enables schemas; the connector configs and Flink expect them off.
                    env('CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE', 'false'),
                    env('CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE', 'false'),
                    // The stock worker file pins these to 1.
                    env('CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR', replication),
                    env('CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR', replication),
                    env('CONNECT_STATUS_STORAGE_REPLICATION_FACTOR', replication),
                    env('CONNECT_CONFIG_PROVIDERS', provider.name),
                    env(`CONNECT_CONFIG_PROVIDERS_${provider.name.toUpperCase()}_CLASS`, provider.className),
                    env('HEAP_OPTS', `-Xms256m -Xmx${Math.floor(mib(c.resources.limits.memory) / 2)}m`),
                    // SASL_SSL for the worker, its producers, consumers and admin client; credentials as ${env:…}.
                    ...(model.kafka.security?.connect.settings ?? []).map(([k, v]) => env(connectImageEnv(k), v)),
                    ...secrets.map((b) => fromSecret(b)),
                  ],
                  ports: [{ name: 'http', containerPort: S.connect.port }],
                  // Connect 3.7 has no /health: the REST root and the connector list answer once the worker is up.
                  startupProbe: httpProbe('/', S.connect.port, 5, 36),
                  readinessProbe: httpProbe('/connectors', S.connect.port, 10),
                  livenessProbe: httpProbe('/', S.connect.port, 20, 6, 5),
                  resources: resources(c.resources),
                  securityContext: containerSecurity,
                  ...(truststoreMount ? { volumeMounts: [truststoreMount] } : {}),
                },
              ],
              ...(truststoreVolume ? { volumes: [truststoreVolume] } : {}),
            }),
          },
        },
      },
    });
    // Registration: the generated script, run in the Connect image (it has bash and curl).
    const register = fileOf(model.connect.registerScript);
    const files: [string, string][] = [...model.sources.map((s) => fileOf(s.files.connector)), register];
    const jl = labels('register-connectors', 'registration', d.versions.debezium);
    const projected = configMaps('connect', `${pipeline}-debezium`, infra, jl, files);
    job(
      'connect',
      'register-connectors',
      infra,
      jl,
      podSpec({
        securityContext: podSecurity(1001),
        containers: [
          {
            name: 'register',
            image: d.images.connect,
            imagePullPolicy: 'IfNotPresent',
            command: ['bash', `/opt/cdc/debezium/${register[0]}`],
            env: [env('CONNECT_URL', model.connect.url), env('CONNECT_WAIT_SECONDS', '600')],
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            securityContext: containerSecurity,
            volumeMounts: [volumeMount('connectors', '/opt/cdc/debezium', true)],
          },
        ],
        volumes: [{ name: 'connectors', projected }],
      }),
      files,
    );
  }

  // ── Flink session cluster ───────────────────────────────────────────────────────────────────────
  {
    const setting = (key: string) => model.flink.settings.find(([k]) => k === key)?.[1];
    const dirs = [
      {
        name: 'checkpoints',
        url: setting('execution.checkpointing.dir'),
        storage: prof.components.flinkTaskManager.storage,
      },
      {
        name: 'savepoints',
        url: setting('execution.checkpointing.savepoint-dir'),
        storage: prof.components.flinkTaskManager.savepointStorage,
      },
    ].filter((x): x is { name: string; url: string; storage: string } => x.url?.startsWith('file://') ?? false);
    const jmSel = selector('flink', 'jobmanager');
    const jmL = labels('flink', 'jobmanager', d.versions.flink);
    const tmL = labels('flink', 'taskmanager', d.versions.flink);
    for (const dir of dirs) pvc('flink', `flink-${dir.name}`, analytics, labels('flink', 'storage'), dir.storage);
    const volumes: IVolume[] = dirs.map((x) => ({
      name: x.name,
      persistentVolumeClaim: { claimName: `flink-${x.name}` },
    }));
    const mounts = dirs.map((x) => volumeMount(x.name, x.url.slice('file://'.length)));
    const jmName = S.flinkJobManager.name;
    const rest = S.flinkJobManager.port;
    service('flink', jmName, analytics, jmL, jmSel, [
      { name: 'rpc', port: d.flinkRpcPort },
      { name: 'blob-server', port: d.flinkBlobPort },
      { name: 'webui', port: rest },
    ]);
    const props = (lines: [string, string][]) =>
      env('FLINK_PROPERTIES', `${lines.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
    const flinkMemory = (r: Resources) => `${mib(r.limits.memory)}m`;
    const jm = prof.components.flinkJobManager;
    const tm = prof.components.flinkTaskManager;
    const dirProps = dirs.map((x): [string, string] => [
      x.name === 'checkpoints' ? 'execution.checkpointing.dir' : 'execution.checkpointing.savepoint-dir',
      x.url,
    ]);
    const flinkPod = (
      component: 'jobmanager' | 'taskmanager',
      _l: Record<string, string>,
      container: Partial<IContainer>,
    ): IPodSpec =>
      podSpec({
        securityContext: podSecurity(9999),
        containers: [
          {
            name: component,
            image: d.images.flink,
            imagePullPolicy: 'IfNotPresent',
            args: [component],
            ...container,
            securityContext: containerSecurity,
            volumeMounts: [...mounts, ...(truststoreMount ? [truststoreMount] : [])],
          },
        ],
        volumes: [...volumes, ...(truststoreVolume ? [truststoreVolume] : [])],
      });
    placed.push({
      file: 'flink',
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(jmName, analytics, jmL),
        spec: {
          replicas: 1,
          strategy: { type: 'Recreate' },
          selector: { matchLabels: jmSel },
          template: {
            metadata: { labels: jmL },
            spec: flinkPod('jobmanager', jmL, {
              env: [
                env('JOB_MANAGER_RPC_ADDRESS', jmName),
                env('TZ', 'UTC'),
                props([
                  ['jobmanager.rpc.address', jmName],
                  ['jobmanager.memory.process.size', flinkMemory(jm.resources)],
                  ['parallelism.default', '1'],
                  // Jobs are submitted by the SQL runner through REST; nobody uploads jars through the UI.
                  ['web.submit.enable', 'false'],
                  ...dirProps,
                ]),
              ],
              ports: [
                { name: 'rpc', containerPort: d.flinkRpcPort },
                { name: 'blob-server', containerPort: d.flinkBlobPort },
                { name: 'webui', containerPort: rest },
              ],
              startupProbe: httpProbe('/overview', rest, 5, 24),
              readinessProbe: httpProbe('/overview', rest, 10),
              livenessProbe: tcpProbe(d.flinkRpcPort, 60, 3, 30),
              resources: resources(jm.resources),
            }),
          },
        },
      },
    });
    placed.push({
      file: 'flink',
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('flink-taskmanager', analytics, tmL),
        spec: {
          replicas: tm.replicas,
          selector: { matchLabels: selector('flink', 'taskmanager') },
          template: {
            metadata: { labels: tmL },
            spec: flinkPod('taskmanager', tmL, {
              env: [
                env('JOB_MANAGER_RPC_ADDRESS', jmName),
                // Sinks into timestamptz need the TaskManager JVM in UTC; every part of the stack runs in UTC.
                env('TZ', 'UTC'),
                props([
                  ['jobmanager.rpc.address', jmName],
                  ['taskmanager.rpc.port', String(d.flinkTaskManagerRpcPort)],
                  ['taskmanager.numberOfTaskSlots', String(prof.taskSlots)],
                  ['taskmanager.memory.process.size', flinkMemory(tm.resources)],
                  ['parallelism.default', '1'],
                  ...dirProps,
                ]),
              ],
              ports: [{ name: 'rpc', containerPort: d.flinkTaskManagerRpcPort }],
              livenessProbe: tcpProbe(d.flinkTaskManagerRpcPort, 60, 3, 30),
              resources: resources(tm.resources),
            }),
          },
        },
      },
    });
    // The SQL runner: the cluster's image (the client plans jobs locally and needs the same connectors).
    const jobs = model.flink.submissions.map((s) => s.name);
    const envNames = model.flink.env.map((b) => b.env);
    const sql = fileOf(model.flink.file);
    const files: [string, string][] = [
      sql,
      [
        'run-pipeline.sh',
        script('kubernetes/run-pipeline.sh', {
          sqlFile: sql[0],
          restLiteral: shellString(`http://${jmName}:${rest}`),
          requires: envNames.map((n) => `: "\${${n}:?environment variable ${n} is not set}"`),
          envNames,
          maskedEnvNames: model.flink.logMasked,
          slots: d.flinkJobs,
          jobs: jobs.map(shellString),
          jobCount: jobs.length,
          envList: shellString(envNames.map((n) => `\${${n}}`).join(' ')),
        }),
      ],
    ];
    const jl = labels('flink-sql-runner', 'sql-runner', d.versions.flink);
    const projected = configMaps('flink', `${pipeline}-flink-sql`, analytics, jl, files);
    job(
      'flink',
      'flink-sql-runner',
      analytics,
      jl,
      podSpec({
        securityContext: podSecurity(9999),
        containers: [
          {
            name: 'sql-runner',
            image: d.images.flink,
            imagePullPolicy: 'IfNotPresent',
            // The image's entrypoint configures Flink first, then runs the script ("pass-through" mode).
            args: ['bash', '/opt/cdc/flink/run-pipeline.sh'],
            env: [
              env('JOB_MANAGER_RPC_ADDRESS', jmName),
              env('TZ', 'UTC'),
              props([
                ['jobmanager.rpc.address', jmName],
                ['rest.address', jmName],
                ['rest.port', String(rest)],
              ]),
              ...model.flink.env.map((b) => fromSecret(b)),
            ],
            resources: { requests: { cpu: '250m', memory: '768Mi' }, limits: { memory: '1Gi' } },
            securityContext: containerSecurity,
            volumeMounts: [volumeMount('sql', '/opt/cdc/flink', true), volumeMount('rendered', '/opt/cdc/rendered')],
          },
        ],
        // The SQL with credentials filled in lives in memory only.
        volumes: [
          { name: 'sql', projected },
          { name: 'rendered', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        ],
      }),
      files,
      [{ path: model.flink.file, pattern: 'envsubst' }],
    );
  }

  // ── Superset ────────────────────────────────────────────────────────────────────────────────────
  {
    const c = prof.components.superset;
    const l = labels('superset', 'dashboard', d.versions.superset);
    const sel = selector('superset', 'dashboard');
    const init = configMaps('superset', 'superset-init', analytics, l, [
      ['superset-init.sh', script('kubernetes/superset-init.sh', {})],
    ]);
    pvc('superset', 'superset-home', analytics, l, c.storage);
    const sp = S.superset.port;
    service('superset', S.superset.name, analytics, l, sel, [{ name: 'http', port: sp }]);
    const supersetEnv = [fromSecret(d.supersetSecretKey), env('SUPERSET_HOME', '/app/superset_home')];
    placed.push({
      file: 'superset',
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(S.superset.name, analytics, l),
        spec: {
          // SQLite metadata on a ReadWriteOnce volume: one pod, replaced not rolled.
          replicas: 1,
          strategy: { type: 'Recreate' },
          selector: { matchLabels: sel },
          template: {
            metadata: { labels: l },
            spec: podSpec({
              securityContext: podSecurity(1000),
              initContainers: [
                {
                  name: 'init',
                  image: d.images.superset,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['bash', '/opt/cdc/superset-init/superset-init.sh'],
                  env: [...supersetEnv, fromSecret(d.supersetAdminPassword)],
                  resources: resources(c.resources),
                  securityContext: containerSecurity,
                  volumeMounts: [
                    volumeMount('home', '/app/superset_home'),
                    volumeMount('init', '/opt/cdc/superset-init', true),
                  ],
                },
              ],
              containers: [
                {
                  name: 'superset',
                  image: d.images.superset,
                  imagePullPolicy: 'IfNotPresent',
                  env: [...supersetEnv, env('SERVER_WORKER_AMOUNT', '2')],
                  ports: [{ name: 'http', containerPort: sp }],
                  startupProbe: httpProbe('/health', sp, 5, 60),
                  readinessProbe: httpProbe('/health', sp, 15),
                  livenessProbe: httpProbe('/health', sp, 15, 4),
                  resources: resources(c.resources),
                  securityContext: containerSecurity,
                  volumeMounts: [volumeMount('home', '/app/superset_home')],
                },
              ],
              volumes: [
                { name: 'home', persistentVolumeClaim: { claimName: 'superset-home' } },
                { name: 'init', projected: init },
              ],
            }),
          },
        },
      },
    });
    const slot = d.supersetBootstrap;
    if (slot.command) {
      // The script and bundle.zip, as the Model names them (bundle/ holds the same files, for people to diff).
      const files = [model.superset.bootstrap.script, model.superset.bootstrap.bundle].map(
        (path): [string, string | Uint8Array] => {
          const c = content.get(path);
          if (c === undefined) throw new Error(`internal: artefact ${path} was not emitted`);
          return [path.slice(path.lastIndexOf('/') + 1), c];
        },
      );
      const jl = labels('superset-bootstrap', 'bootstrap', d.versions.superset);
      const projected = configMaps('superset', `${pipeline}-superset`, analytics, jl, files);
      job(
        'superset',
        'superset-bootstrap',
        analytics,
        jl,
        podSpec({
          securityContext: podSecurity(1000),
          containers: [
            {
              name: 'bootstrap',
              image: d.images.superset,
              imagePullPolicy: 'IfNotPresent',
              command: [...slot.command],
              env: [
                env('SUPERSET_URL', `http://${S.superset.host}:${S.superset.port}`),
                fromSecret(d.supersetAdminPassword),
                ...slot.env.map((b) => fromSecret(b)),
              ],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: containerSecurity,
              volumeMounts: [volumeMount('bundle', '/opt/cdc/superset', true)],
            },
          ],
          volumes: [{ name: 'bundle', projected }],
        }),
        files,
      );
    }
  }

  // ── NodePorts (dev) ─────────────────────────────────────────────────────────────────────────────
  const nodePort = (
    file: string,
    name: string,
    namespace: string,
    l: Record<string, string>,
    sel: Record<string, string>,
    port: number,
    target: string,
    node: number,
  ) =>
    placed.push({
      file,
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(name, namespace, l),
        spec: { type: 'NodePort', selector: sel, ports: [{ name: target, port, targetPort: target, nodePort: node }] },
      },
    });
  const np = prof.nodePorts;
  if (np.superset !== undefined)
    nodePort(
      'superset',
      'superset-nodeport',
      analytics,
      labels('superset', 'dashboard'),
      selector('superset', 'dashboard'),
      S.superset.port,
      'http',
      np.superset,
    );
  if (np.flink !== undefined)
    nodePort(
      'flink',
      'flink-jobmanager-rest',
      analytics,
      labels('flink', 'jobmanager'),
      selector('flink', 'jobmanager'),
      S.flinkJobManager.port,
      'webui',
      np.flink,
    );
  if (np.connect !== undefined)
    nodePort(
      'connect',
      'debezium-nodeport',
      infra,
      labels('debezium', 'connect'),
      selector('debezium', 'connect'),
      S.connect.port,
      'http',
      np.connect,
    );

  // ── High availability: replicated parts spread over nodes, and at most one down at a time ──────
  for (const p of placed) {
    const o = p.object;
    if ((o.kind !== 'Deployment' && o.kind !== 'StatefulSet') || (o.spec?.replicas ?? 1) < 2) continue;
    const matchLabels = o.spec!.selector.matchLabels!;
    const pod = o.spec!.template.spec!;
    // ScheduleAnyway: a cluster with fewer nodes than replicas still runs them all.
    pod.topologySpreadConstraints = [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels },
      },
    ];
    placed.push({
      file: p.file,
      object: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: meta(o.metadata!.name!, o.metadata!.namespace!, o.metadata!.labels!),
        // Kafka with min.insync.replicas 2 of 3 and Connect's workers both survive one voluntary eviction.
        spec: { maxUnavailable: 1, selector: { matchLabels } },
      },
    });
  }

  // ── NetworkPolicies: no ingress but the connections the Model lists ────────────────────────────────
  if (prof.networkPolicies) {
    const pods = (w: Workload): { namespace: string; selector: Record<string, string>; name: string } | undefined => {
      const at = (namespace: string, name: string, component: string, policy = name) => ({
        namespace,
        selector: selector(name, component),
        name: policy,
      });
      const db = (name: string) => d.databases.find((x) => x.name === name)!;
      const target = (() => {
        if (w.startsWith('database:')) {
          const x = db(w.slice('database:'.length));
          return at(x.namespace, x.service, 'database');
        }
        if (w.startsWith('setup:')) {
          const x = db(w.slice('setup:'.length));
          return at(x.namespace, x.service, 'setup', `${x.service}-setup`);
        }
        switch (w) {
          case 'kafka':
            return at(infra, 'kafka', 'broker');
          case 'connect':
            return at(infra, 'debezium', 'connect');
          case 'registerConnectors':
            return at(infra, 'register-connectors', 'registration');
          case 'flinkJobManager':
            return at(analytics, 'flink', 'jobmanager', 'flink-jobmanager');
          case 'flinkTaskManager':
            return at(analytics, 'flink', 'taskmanager', 'flink-taskmanager');
          case 'flinkSqlRunner':
            return at(analytics, 'flink-sql-runner', 'sql-runner');
          case 'analyticsDdl':
            return at(db('analytics').namespace, 'analytics-ddl', 'ddl');
          case 'superset':
            return at(analytics, 'superset', 'dashboard');
          case 'supersetBootstrap':
            return at(analytics, 'superset-bootstrap', 'bootstrap');
          default:
            throw new Error(`internal: unknown workload ${w}`);
        }
      })();
      // Only parts this profile runs (a source database that exists outside the stack has no pod here).
      const runs = placed.some(
        ({ object: o }) =>
          (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Job') &&
          o.metadata?.namespace === target.namespace &&
          Object.entries(target.selector).every(([k, v]) => o.spec?.template.metadata?.labels?.[k] === v),
      );
      return runs ? target : undefined;
    };
    const policyLabels = { 'app.kubernetes.io/part-of': pipeline, 'app.kubernetes.io/managed-by': 'cdc-compile' };
    const namespacesWithPods = [
      ...new Set(
        placed
          .filter(({ object: o }) => o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Job')
          .map(({ object: o }) => o.metadata!.namespace!),
      ),
    ];
    const policies: Placed[] = namespacesWithPods.map((namespace) => ({
      file: 'network-policies',
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny-ingress', namespace, labels: policyLabels },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    }));
    const byTarget = new Map<
      string,
      { to: NonNullable<ReturnType<typeof pods>>; rules: NonNullable<INetworkPolicy['spec']>['ingress'] & object }
    >();
    for (const f of d.flows) {
      const to = pods(f.to);
      const from = pods(f.from);
      if (!to || !from) continue;
      const key = `${to.namespace}/${to.name}`;
      const entry = byTarget.get(key) ?? { to, rules: [] };
      byTarget.set(key, entry);
      entry.rules.push({
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': from.namespace } },
            podSelector: { matchLabels: from.selector },
          },
        ],
        ...(f.ports.length ? { ports: f.ports.map((port) => ({ protocol: 'TCP', port })) } : {}),
      });
    }
    for (const { to, rules } of byTarget.values())
      policies.push({
        file: 'network-policies',
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: `allow-to-${to.name}`, namespace: to.namespace, labels: policyLabels },
          spec: { podSelector: { matchLabels: to.selector }, policyTypes: ['Ingress'], ingress: rules },
        },
      });
    placed.push(...policies);
  }

  // ── Development Secrets: placeholders for every Secret a pod reads, never values from the config ──
  if (prof.devSecrets) {
    const wanted = new Map<string, Map<string, Set<string>>>();
    // Keystores, truststores and JAAS files cannot be placeholders: those Secrets are created by hand (README).
    const byHand = new Set(model.kafka.security?.secrets ?? []);
    for (const { object } of placed) {
      const ns = object.metadata?.namespace ?? '';
      for (const ref of secretRefs(object)) {
        if (byHand.has(ref.name)) continue;
        const byName = wanted.get(ns) ?? new Map<string, Set<string>>();
        wanted.set(ns, byName);
        byName.set(ref.name, (byName.get(ref.name) ?? new Set()).add(ref.key));
      }
    }
    for (const [ns, byName] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1)))
      for (const [name, keys] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1)))
        placed.push({
          file: 'dev-secrets',
          object: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: {
              name,
              namespace: ns,
              labels: {
                'app.kubernetes.io/part-of': pipeline,
                'app.kubernetes.io/managed-by': 'cdc-compile',
                'cdc-compile/dev-placeholder': 'true',
              },
              annotations: {
                'cdc-compile/warning': 'development placeholder values; never use this Secret outside a local cluster',
              },
            },
            type: 'Opaque',
            stringData: Object.fromEntries([...keys].sort().map((k) => [k, DEV_PLACEHOLDER])),
          },
        });
  }

  // ── Namespaces: the ones something lives in ─────────────────────────────────────────────────────
  const order = [...d.databases.filter((x) => x.role === 'source').map((x) => x.namespace), infra, analytics];
  const used = new Set(placed.map((p) => p.object.metadata?.namespace ?? ''));
  const namespaces = [...new Set(order)].filter((n) => used.has(n));
  return [
    ...namespaces.map((n): Placed => ({
      file: 'namespaces',
      object: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: n,
          labels: { 'app.kubernetes.io/part-of': pipeline, 'app.kubernetes.io/managed-by': 'cdc-compile' },
        },
      },
    })),
    ...placed,
  ];
}

/** Every pod spec in an object (Deployment, StatefulSet, Job). */
export function podSpecs(object: K8sObject): IPodSpec[] {
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'Job':
      return object.spec?.template.spec ? [object.spec.template.spec] : [];
    case 'Namespace':
    case 'ConfigMap':
    case 'Secret':
    case 'Service':
    case 'PersistentVolumeClaim':
    case 'NetworkPolicy':
    case 'PodDisruptionBudget':
      return [];
    default:
      return assertNever(object);
  }
}

export function assertNever(value: never): never {
  throw new Error(`internal: unexpected object ${JSON.stringify(value)}`);
}

/** Every Secret key a pod reads through the environment. */
export function secretRefs(object: K8sObject): { name: string; key: string }[] {
  return podSpecs(object).flatMap((spec) =>
    [...(spec.initContainers ?? []), ...spec.containers].flatMap((c) =>
      (c.env ?? []).flatMap((e) =>
        e.valueFrom?.secretKeyRef
          ? [{ name: e.valueFrom.secretKeyRef.name ?? '', key: e.valueFrom.secretKeyRef.key }]
          : [],
      ),
    ),
  );
}

/** Every Secret key a pod mounts as a file (secret volumes, projected Secret sources). */
export function secretFileRefs(object: K8sObject): { name: string; key: string }[] {
  return podSpecs(object).flatMap((spec) =>
    (spec.volumes ?? []).flatMap((v) => [
      ...(v.secret ? (v.secret.items ?? []).map((i) => ({ name: v.secret!.secretName ?? '', key: i.key })) : []),
      ...(v.projected?.sources ?? []).flatMap((src) =>
        src.secret ? (src.secret.items ?? []).map((i) => ({ name: src.secret!.name ?? '', key: i.key })) : [],
      ),
    ]),
  );
}

/** Init scripts of a deployed source database: replication access, the captured tables, demo rows. */
function initFiles(
  model: Model,
  sourceName: string,
  demoRows: Readonly<Record<string, readonly Readonly<Record<string, string | number | boolean | null>>[]>>,
): [string, string][] {
  const source = model.sources.find((s) => s.name === sourceName)!;
  const banner = (what: string) =>
    `-- Generated by cdc-compile: ${what} of the demo database ${source.database} (runs once, on an empty volume).\n`;
  const tables = source.tables.map((t) => {
    const cols = t.columns.map(
      (c) => `  ${quoteIdent(c.name)} ${c.sourceType}${c.notNull && !c.primaryKey ? ' NOT NULL' : ''}`,
    );
    const key = t.primaryKey.length ? [`  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(', ')})`] : [];
    const name = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
    const p = t.partitioning;
    const partitions = (p?.demoPartitions ?? []).map(
      (d) =>
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(t.schema)}.${quoteIdent(d.name)} PARTITION OF ${name} ${d.bound};\n`,
    );
    return `CREATE TABLE IF NOT EXISTS ${name} (\n${[...cols, ...key].join(',\n')}\n)${p ? ` PARTITION BY ${p.clause}` : ''};\n${partitions.join('')}`;
  });
  const schemas = source.schemas
    .filter((s) => s !== 'public')
    .map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)};\n`);
  const files: [string, string][] = [
    [
      '00-replication-access.sh',
      [
        '#!/bin/sh',
        "# Generated by cdc-compile: Debezium opens a replication connection, which the image's",
        '# pg_hba.conf does not allow from other hosts.',
        'set -eu',
        'echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"',
        '',
      ].join('\n'),
    ],
    ['10-tables.sql', banner('captured tables') + [...schemas, ...tables].join('\n')],
  ];
  const literal = (v: string | number | boolean | null) =>
    v === null ? 'NULL' : typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v);
  const inserts = Object.entries(demoRows).flatMap(([table, rows]) => {
    const t = source.tables.find((x) => x.name === table)!;
    return rows.map((row) => {
      const cols = Object.keys(row);
      return `INSERT INTO ${quoteIdent(t.schema)}.${quoteIdent(t.name)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map((c) => literal(row[c]!)).join(', ')});`;
    });
  });
  if (inserts.length) files.push(['20-demo-rows.sql', `${banner('demo rows') + inserts.join('\n')}\n`]);
  return files;
}
