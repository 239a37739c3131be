/**
 * The deployment pass: `definePipeline({ deployment })` → the DeploymentModel (namespaces, databases,
 * the one version table, images, every cluster profile with all its settings decided), and the config
 * with every host and URL the other passes read filled in. Runs before the other passes.
 */
import { createHash } from 'node:crypto';
import {
  COMPONENT_NAMES,
  NODE_PORT_NAMES,
  type ComponentName,
  type DatabaseOptions,
  type DatabaseSettings,
  type DeploymentOptions,
  type NodePortName,
  type ProfileOptions,
  type ResourceOptions,
  type VersionKey,
} from '../dsl/deployment.js';
import type { Source } from '../dsl/source.js';
import { error, type Diagnostic, type Subject } from '../diagnostics.js';
import type { ValidConfig } from '../validate/index.js';
import { binding } from './debezium.js';
import type { KeyValue, SecretBinding } from './model.js';
import { didYouMean } from './names.js';

export type Versions = Readonly<Record<VersionKey, string>>;

/**
 * The one version table. Images, the Flink image build context and the end-to-end stack read it, so they
 * cannot disagree. Sources: shared/reference/kubernetes.md (image tags that exist) and debezium-flink.md
 * (connector releases built against Flink 1.20; JDBC 3.2.0 has no 1.20 build, 3.3.0-1.20 is the release).
 * `npm run test:e2e` (scripts/e2e) runs kafka, debezium, flink, the four Flink jars and kafkaClients at
 * exactly these versions. Flink is 1.20.3, not 1.20.4: the SQL client needs flink-sql-gateway, which
 * Maven Central serves here for 1.20.3 but not 1.20.4, and the e2e proves only what it runs. Not proven
 * by it: postgres (it runs Debian's PostgreSQL 15), superset and psycopg2 (issue 15's Superset run).
 */
export const DEFAULT_VERSIONS: Versions = {
  kafka: '3.9.1',
  debezium: '2.7.4.Final',
  flink: '1.20.3',
  flinkScala: '2.12',
  flinkJava: '17',
  flinkConnectorKafka: '3.4.0-1.20',
  flinkConnectorJdbc: '3.3.0-1.20',
  postgresJdbc: '42.7.4',
  kafkaClients: '3.7.0',
  postgres: '16.10',
  superset: '5.0.0',
  psycopg2: '2.9.10',
};

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

export interface ComponentModel {
  readonly replicas: number;
  readonly resources: Resources;
  /** Volume size (Kafka log, Superset home, Flink checkpoints). */
  readonly storage: string;
  /** Flink only. */
  readonly savepointStorage: string;
}

export interface DatabaseProfile {
  readonly deploy: boolean;
  readonly externalHost?: string;
  readonly storage: string;
  readonly resources: Resources;
  readonly demoRows: Readonly<Record<string, readonly Readonly<Record<string, string | number | boolean | null>>[]>>;
}

/** Replication of the brokers' internal topics (offsets, transactions, Connect's) and of new topics. */
export interface KafkaTopicDefaults {
  /** Up to 3 copies: one per broker. */
  readonly replicationFactor: number;
  /** 2 with three or more brokers (a write survives one broker down), else 1. */
  readonly minInsyncReplicas: number;
  /** The group coordinator's wait for more members: none with a single broker (dev), Kafka's 3 s otherwise. */
  readonly initialRebalanceDelayMs: number;
}

export function kafkaTopicDefaults(brokers: number): KafkaTopicDefaults {
  return {
    replicationFactor: Math.min(3, brokers),
    minInsyncReplicas: brokers >= 3 ? 2 : 1,
    initialRebalanceDelayMs: brokers === 1 ? 0 : 3000,
  };
}

/** One cluster profile with every setting decided (built-in defaults < built-in profile < yours). */
export interface ProfileModel {
  readonly name: string;
  readonly components: Readonly<Record<ComponentName, ComponentModel>>;
  /** Per database name (source names and `analytics`). */
  readonly databases: Readonly<Record<string, DatabaseProfile>>;
  readonly nodePorts: Readonly<Partial<Record<NodePortName, number>>>;
  readonly taskSlots: number;
  /** What the brokers set for their internal and default topics, from how many there are. */
  readonly kafkaTopics: KafkaTopicDefaults;
  readonly devSecrets: boolean;
  readonly networkPolicies: boolean;
}

/**
 * A part of the stack that opens or accepts connections: a long-running component, a database (by its
 * name: a source's or `analytics`), or a one-shot Job (`setup:<source>` is a source database's setup Job).
 */
export type Workload =
  | 'kafka'
  | 'connect'
  | 'registerConnectors'
  | 'flinkJobManager'
  | 'flinkTaskManager'
  | 'flinkSqlRunner'
  | 'analyticsDdl'
  | 'superset'
  | 'supersetBootstrap'
  | `database:${string}`
  | `setup:${string}`;

/** One connection the stack makes: `from` opens it to `to` on one of `ports` (empty: any port). */
export interface Flow {
  readonly from: Workload;
  readonly to: Workload;
  readonly ports: readonly number[];
  readonly why: string;
}

export interface DatabaseModel {
  /** Source name, or `analytics`. */
  readonly name: string;
  readonly role: 'source' | 'analytics';
  readonly namespace: string;
  readonly service: string;
  /** In-cluster address (what the deployed Service or ExternalName answers to). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Superuser of a deployed database: literal name or Secret binding, and its password. */
  readonly superuser: string | SecretBinding;
  readonly superuserPassword: SecretBinding;
}

export interface JarModel {
  readonly group: string;
  readonly artifact: string;
  readonly version: string;
  /** File name in /opt/flink/lib. */
  readonly file: string;
  readonly url: string;
}

/** A Service of the stack: its name, namespace, port and in-cluster DNS name. */
export interface ServiceModel {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  /** `<name>.<namespace>.svc.cluster.local` */
  readonly host: string;
}

export interface DeploymentModel {
  /** The profile this compile was asked for (`--profile`), if any. */
  readonly selectedProfile?: string;
  /** `cluster`: in-cluster DNS names; `loopback`: every part at 127.0.0.1 (no Kubernetes output then). */
  readonly endpoints: 'cluster' | 'loopback';
  readonly namespaces: { readonly infra: string; readonly analytics: string };
  /**
   * The stack's Services (the packager names and wires them from here). `flinkJobManager.port` is the
   * REST port; its RPC and blob ports are `flinkRpcPort`, `flinkBlobPort`.
   */
  readonly services: {
    readonly kafka: ServiceModel;
    readonly kafkaHeadless: ServiceModel;
    readonly connect: ServiceModel;
    readonly flinkJobManager: ServiceModel;
    readonly superset: ServiceModel;
  };
  readonly flinkRpcPort: number;
  readonly flinkBlobPort: number;
  readonly flinkTaskManagerRpcPort: number;
  readonly kafkaControllerPort: number;
  /**
   * The brokers' listeners as server.properties settings (the image's KAFKA_* variables), in order, and the
   * listener clients use; SASL_SSL and its TLS settings when `kafka.security` is set (resolve/kafka-security.ts).
   */
  readonly kafkaBroker: { readonly clientListener: string; readonly settings: readonly KeyValue[] };
  /** Under a loopback profile: the Kafka truststore's path on this machine (`components.kafka.localTruststore`). */
  readonly localTruststore?: string;
  /** The port a deployed PostgreSQL listens on in its pod. */
  readonly postgresPort: number;
  /**
   * Every connection the stack makes, from the pipeline's shape (each source's Connect → database, the
   * Flink sources and sinks, the Jobs): what the NetworkPolicies allow, and nothing else.
   */
  readonly flows: readonly Flow[];
  /**
   * Where clients reach the parts in this compile: in-cluster DNS names, or 127.0.0.1 and the
   * `localPort`s under a loopback profile. The smoke check (ops/check.sh) defaults to these.
   */
  readonly urls: {
    readonly kafkaBootstrap: string;
    readonly connect: string;
    readonly flinkRest: string;
    readonly superset: string;
  };
  readonly versions: Versions;
  readonly images: {
    readonly kafka: string;
    readonly connect: string;
    readonly postgres: string;
    readonly flinkBase: string;
    /** Built from generated/kubernetes/images/flink; the tag carries a hash of what goes in. */
    readonly flink: string;
    readonly supersetBase: string;
    readonly superset: string;
  };
  /** Exactly the jars the Flink image adds to /opt/flink/lib. */
  readonly flinkJars: readonly JarModel[];
  /** Python packages the Superset image adds (the lean image has no database driver). */
  readonly supersetPackages: readonly string[];
  readonly databases: readonly DatabaseModel[];
  /** The settings without any profile: what the kustomize base is built from. */
  readonly base: ProfileModel;
  /** Cluster profiles in name order (`dev`, `prod`, yours); each becomes an overlay. */
  readonly profiles: readonly ProfileModel[];
  /** INSERT jobs the Flink session runs (slots needed at parallelism 1). */
  readonly flinkJobs: number;
  /** Fixed KRaft cluster id: it must never change for a formatted volume. */
  readonly kafkaClusterId: string;
  readonly supersetSecretKey: SecretBinding;
  readonly supersetAdminPassword: SecretBinding;
  /**
   * The Superset bootstrap Job's slot, filled by the Superset target's pass: the command run in the
   * Superset image with the `superset/` artefacts mounted at /opt/cdc/superset. No command, no Job.
   */
  readonly supersetBootstrap: { readonly command?: readonly string[]; readonly env: readonly SecretBinding[] };
}

const GI = (n: number) => `${n}Gi`;
const res = (cpu: string, memory: string, limitMemory: string, limitCpu?: string): Resources => ({
  requests: { cpu, memory },
  limits: { ...(limitCpu ? { cpu: limitCpu } : {}), memory: limitMemory },
});

// Sizes: shared/reference/kubernetes.md (marked guidance there). Dev fits a laptop kind cluster.
const DEFAULT_COMPONENTS: Record<ComponentName, ComponentModel> = {
  kafka: { replicas: 1, resources: res('250m', '1Gi', '1536Mi'), storage: GI(5), savepointStorage: GI(1) },
  connect: { replicas: 1, resources: res('250m', '768Mi', '1536Mi'), storage: GI(1), savepointStorage: GI(1) },
  flinkJobManager: { replicas: 1, resources: res('250m', '1Gi', '1Gi'), storage: GI(2), savepointStorage: GI(2) },
  flinkTaskManager: { replicas: 1, resources: res('500m', '2Gi', '2Gi'), storage: GI(2), savepointStorage: GI(2) },
  superset: { replicas: 1, resources: res('250m', '1Gi', '1536Mi'), storage: GI(1), savepointStorage: GI(1) },
};
const DEFAULT_DATABASE = { deploy: true, storage: GI(1), resources: res('100m', '256Mi', '512Mi'), demoRows: {} };

/** What the built-in profiles set where you set nothing. */
function builtinProfile(name: string, sources: readonly string[]): ProfileOptions | undefined {
  switch (name) {
    case 'dev':
      // The seed's port map (§9.1).
      return { nodePorts: { superset: 32000, flink: 32200, connect: 32300 }, devSecrets: true };
    case 'prod':
      return {
        components: {
          kafka: {
            replicas: 3,
            resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' } },
            storage: GI(100),
          },
          connect: { replicas: 2, resources: { requests: { cpu: '1', memory: '3Gi' }, limits: { memory: '3Gi' } } },
          flinkJobManager: { resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } } },
          flinkTaskManager: {
            resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '4Gi' } },
            storage: GI(20),
            savepointStorage: GI(20),
          },
          superset: { resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '3Gi' } }, storage: GI(5) },
        },
        // Deny all ingress but the stack's own connections.
        networkPolicies: true,
        // Production source databases exist already; the stack only connects to them.
        databases: {
          ...Object.fromEntries(sources.map((s) => [s, { deploy: false }])),
          analytics: {
            storage: GI(50),
            resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '4Gi' } },
          },
        },
      };
    case 'local':
      return { endpoints: 'loopback' };
    default:
      return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; arrays and scalars of `over` replace. */
function merge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isObject(base) || !isObject(over)) return over as T;
  const outObj: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) outObj[k] = merge(outObj[k], v);
  return outObj as T;
}

const bind = (env: string, secret: string, key: string): SecretBinding => ({
  env,
  secret,
  key,
  placeholder: `\${${env}}`,
});

const hash8 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);

/** A DNS label from a source name (`my_db` → `my-db`). */
const label = (name: string) => name.replace(/_/g, '-');

function resources(r: ResourceOptions | undefined, base: Resources): Resources {
  const merged = merge(base, r);
  return { requests: merged.requests, limits: merged.limits };
}

export interface DeploymentPassResult {
  /** The config with every derived host and URL filled in. */
  readonly config: ValidConfig;
  readonly deployment?: DeploymentModel;
}

/** The deployment pass. `profile` is the one asked for on the command line, if any. */
export function resolveDeployment(
  config: ValidConfig,
  profile: string | undefined,
  out: Diagnostic[],
): DeploymentPassResult {
  const p = config.pipeline.options;
  const d = p.deployment;
  const root = (...path: (string | number)[]): Subject => ({ kind: 'pipeline', path });
  if (!d) {
    if (profile !== undefined)
      out.push(
        error(
          'DEPLOYMENT.UNKNOWN_PROFILE',
          `profile '${profile}' was asked for, but the pipeline has no deployment section`,
          root('name'),
          'add deployment: { … } to definePipeline, or compile without --profile',
        ),
      );
    const missing = (what: string, subject: Subject) =>
      out.push(
        error(
          'CONFIG.MISSING',
          `${what} is required without a deployment section`,
          subject,
          'give it, or add deployment: { … } to derive it',
        ),
      );
    for (const s of config.sources)
      if (s.options.host === undefined) missing(`'host'`, { kind: 'source', source: s.name, path: ['host'] });
    if (p.kafka?.bootstrapServers === undefined) missing(`'kafka.bootstrapServers'`, root('kafka', 'bootstrapServers'));
    if (p.connect?.url === undefined) missing(`'connect.url'`, root('connect', 'url'));
    if (p.analytics.host === undefined) missing(`'analytics.host'`, root('analytics', 'host'));
    return { config };
  }

  const sourceNames = config.sources.map((s) => s.name);
  const databaseNames = [...sourceNames, 'analytics'];
  const checkDatabases = (dbs: Record<string, unknown> | undefined, path: (string | number)[]) => {
    for (const name of Object.keys(dbs ?? {})) {
      if (!databaseNames.includes(name))
        out.push(
          error(
            'DEPLOYMENT.UNKNOWN_DATABASE',
            `deployment names database '${name}', which is neither a source nor 'analytics'`,
            root(...path, name),
            didYouMean(name, databaseNames) ?? `databases are: ${databaseNames.join(', ')}`,
          ),
        );
    }
  };
  checkDatabases(d.databases, ['deployment', 'databases']);
  for (const [name, prof] of Object.entries(d.profiles ?? {}))
    checkDatabases(prof.databases, ['deployment', 'profiles', name, 'databases']);

  // Profiles: built-in ones, plus yours.
  const profileNames = [...new Set(['dev', 'prod', 'local', ...Object.keys(d.profiles ?? {})])].sort();
  if (profile !== undefined && !profileNames.includes(profile))
    out.push(
      error(
        'DEPLOYMENT.UNKNOWN_PROFILE',
        `there is no profile '${profile}'`,
        root('deployment', 'profiles'),
        didYouMean(profile, profileNames) ?? `profiles: ${profileNames.join(', ')}`,
      ),
    );
  const profileOptions = (name: string): ProfileOptions =>
    merge(merge(builtinProfile(name, sourceNames) ?? {}, topSettings(d)), d.profiles?.[name] ?? {});
  const endpointsOf = (name: string | undefined) =>
    name === undefined ? 'cluster' : (profileOptions(name).endpoints ?? 'cluster');
  const endpoints = endpointsOf(profile);

  const tables = config.sources.reduce((n, s) => n + s.tables.length, 0);
  const flinkJobs = (p.flink?.jobs ?? 'per-table') === 'single' ? Math.min(1, tables) : tables;

  const build = (name: string, options: ProfileOptions): ProfileModel => {
    const components = Object.fromEntries(
      COMPONENT_NAMES.map((c) => {
        const o = options.components?.[c] ?? {};
        const def = DEFAULT_COMPONENTS[c];
        return [
          c,
          {
            replicas: o.replicas ?? def.replicas,
            resources: resources(o.resources, def.resources),
            storage: o.storage ?? def.storage,
            savepointStorage: o.savepointStorage ?? def.savepointStorage,
          },
        ];
      }),
    ) as Record<ComponentName, ComponentModel>;
    const databases = Object.fromEntries(
      databaseNames.map((db) => {
        const o: DatabaseSettings = options.databases?.[db] ?? {};
        return [
          db,
          {
            deploy: o.deploy ?? DEFAULT_DATABASE.deploy,
            ...(o.externalHost !== undefined ? { externalHost: o.externalHost } : {}),
            storage: o.storage ?? DEFAULT_DATABASE.storage,
            resources: resources(o.resources, DEFAULT_DATABASE.resources),
            // Copied: the Model shares no object with the config (the emitters run outside its fence).
            demoRows: Object.fromEntries(
              Object.entries(o.demoRows ?? {}).map(([table, rows]) => [table, rows.map((row) => ({ ...row }))]),
            ),
          },
        ];
      }),
    );
    const nodePorts: Partial<Record<NodePortName, number>> = {};
    for (const n of NODE_PORT_NAMES) {
      const v = options.nodePorts?.[n];
      if (typeof v === 'number') nodePorts[n] = v;
    }
    return {
      name,
      components,
      databases,
      nodePorts,
      taskSlots: options.taskSlots ?? Math.max(1, flinkJobs),
      kafkaTopics: kafkaTopicDefaults(components.kafka.replicas),
      devSecrets: options.devSecrets ?? false,
      networkPolicies: options.networkPolicies ?? false,
    };
  };

  const base = build('base', topSettings(d));
  const clusterProfiles = profileNames
    .filter((n) => endpointsOf(n) === 'cluster')
    .map((n) => build(n, profileOptions(n)));
  // Where a profile's setting was written, for pointing at it.
  const where = (name: string, ...path: string[]): Subject => {
    const has = (obj: unknown, keys: string[]) =>
      keys.reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), obj) !== undefined;
    if (has(d.profiles?.[name], path)) return root('deployment', 'profiles', name, ...path);
    if (has(d, path)) return root('deployment', ...path);
    return root('deployment');
  };
  for (const prof of [base, ...clusterProfiles]) {
    const seen = new Map<number, string>();
    const label_ = prof.name === 'base' ? 'the deployment' : `profile '${prof.name}'`;
    const portSubject = (n: NodePortName) =>
      prof.name === 'base' ? root('deployment', 'nodePorts', n) : where(prof.name, 'nodePorts', n);
    for (const [n, port] of Object.entries(prof.nodePorts) as [NodePortName, number][]) {
      if (port < 30000 || port > 32767)
        out.push(
          error(
            'DEPLOYMENT.NODE_PORT_RANGE',
            `${label_}: NodePort ${port} of ${n} is outside 30000–32767`,
            portSubject(n),
            'pick a port in the NodePort range, or false for none',
          ),
        );
      else if (seen.has(port)) {
        const other = seen.get(port)!;
        // Point at the one you wrote (the other may be a built-in default).
        const [a, b] = [portSubject(n), portSubject(other as NodePortName)];
        out.push(
          error(
            'DEPLOYMENT.NODE_PORT_TAKEN',
            `${label_}: ${n} and ${other} both use NodePort ${port} (NodePorts are cluster-wide)`,
            (a.path?.length ?? 0) >= (b.path?.length ?? 0) ? a : b,
            `give ${n} or ${other} another port, or false for none`,
          ),
        );
      }
      seen.set(port, n);
    }
    const slots = prof.taskSlots * prof.components.flinkTaskManager.replicas;
    if (slots < flinkJobs)
      out.push(
        error(
          'DEPLOYMENT.FLINK_SLOTS',
          `${label_}: ${slots} Flink task slot${slots === 1 ? '' : 's'} (taskSlots × TaskManager replicas) cannot run the pipeline's ${flinkJobs} jobs`,
          prof.name === 'base' ? root('deployment', 'taskSlots') : where(prof.name, 'taskSlots'),
          `set taskSlots to at least ${Math.ceil(flinkJobs / prof.components.flinkTaskManager.replicas)}, or add TaskManager replicas`,
        ),
      );
    for (const [db, dp] of Object.entries(prof.databases)) {
      if (dp.deploy && dp.externalHost !== undefined)
        out.push(
          error(
            'DEPLOYMENT.EXTERNAL_DEPLOYED',
            `${label_}: database '${db}' is deployed and also given an externalHost`,
            where(prof.name, 'databases', db, 'externalHost'),
            'set deploy: false to use the external database',
          ),
        );
      if (db === 'analytics' && Object.keys(dp.demoRows).length > 0)
        out.push(
          error(
            'DEPLOYMENT.DEMO_ROWS',
            `${label_}: demo rows belong to source databases; the analytics database is filled by Flink`,
            where(prof.name, 'databases', db, 'demoRows'),
          ),
        );
      const source = config.sources.find((s) => s.name === db);
      if (source)
        checkDemoRows(
          source,
          dp.demoRows,
          prof.name === 'base'
            ? root('deployment', 'databases', db, 'demoRows')
            : where(prof.name, 'databases', db, 'demoRows'),
          out,
        );
    }
  }

  // Namespaces and addresses.
  const infra = d.namespaces?.infra ?? 'infra';
  const analyticsNs = d.namespaces?.analytics ?? 'analytics';
  const dbOptions = (db: string): DatabaseOptions => d.databases?.[db] ?? {};
  const loopback = endpoints === 'loopback';
  const local = profile !== undefined && loopback ? profileOptions(profile) : undefined;
  const localPort = (db: string) => local?.databases?.[db]?.localPort ?? dbOptions(db).localPort ?? 5432;
  const clusterHost = (service: string, ns: string) => `${service}.${ns}.svc.cluster.local`;
  const databases: DatabaseModel[] = [];
  const sources: Source[] = [];
  for (const s of config.sources) {
    const o = dbOptions(s.name);
    const namespace = o.namespace ?? label(s.name);
    const service = o.service ?? `${label(s.name)}-db`;
    const host = loopback ? '127.0.0.1' : clusterHost(service, namespace);
    const port = loopback ? localPort(s.name) : (s.options.port ?? 5432);
    if (!loopback && s.options.host !== undefined && s.options.host !== host)
      out.push(
        conflict(`source '${s.name}' has host '${s.options.host}'`, host, {
          kind: 'source',
          source: s.name,
          path: ['host'],
        }),
      );
    databases.push({
      name: s.name,
      role: 'source',
      namespace,
      service,
      host: clusterHost(service, namespace),
      port: s.options.port ?? 5432,
      database: s.options.database,
      superuser: 'postgres',
      superuserPassword: o.adminPassword
        ? binding('POSTGRES_PASSWORD', o.adminPassword, 'env')
        : bind('POSTGRES_PASSWORD', `${service}-admin`, 'password'),
    });
    sources.push(
      Object.assign(Object.create(Object.getPrototypeOf(s) as object) as Source, s, {
        options: { ...s.options, host, port },
      }),
    );
  }
  const a = p.analytics;
  const ao = dbOptions('analytics');
  const aService = ao.service ?? 'analytics-db';
  const aNamespace = ao.namespace ?? analyticsNs;
  const aHost = loopback ? '127.0.0.1' : clusterHost(aService, aNamespace);
  if (!loopback && a.host !== undefined && a.host !== aHost)
    out.push(conflict(`analytics.host is '${a.host}'`, aHost, root('analytics', 'host')));
  databases.push({
    name: 'analytics',
    role: 'analytics',
    namespace: aNamespace,
    service: aService,
    host: clusterHost(aService, aNamespace),
    port: a.port ?? 5432,
    database: a.database,
    // The analytics login owns its database: the image creates it as the superuser.
    superuser: typeof a.user === 'string' ? a.user : binding('POSTGRES_USER', a.user, 'env'),
    superuserPassword: binding('POSTGRES_PASSWORD', a.password, 'env'),
  });
  const svc = (name: string, namespace: string, port: number): ServiceModel => ({
    name,
    namespace,
    port,
    host: clusterHost(name, namespace),
  });
  const services = {
    kafka: svc('kafka', infra, 9092),
    kafkaHeadless: svc('kafka-headless', infra, 9092),
    connect: svc('debezium', infra, 8083),
    flinkJobManager: svc('flink-jobmanager', analyticsNs, 8081),
    superset: svc('superset', analyticsNs, 8088),
  };
  // Under a loopback profile each part listens on 127.0.0.1 at its localPort (default: its Service port).
  const localPortOf = (c: ComponentName, port: number) =>
    local?.components?.[c]?.localPort ?? d.components?.[c]?.localPort ?? port;
  const at = (c: ComponentName, s: ServiceModel) =>
    loopback ? `127.0.0.1:${localPortOf(c, s.port)}` : `${s.host}:${s.port}`;
  const bootstrapServers = at('kafka', services.kafka);
  const connectUrl = `http://${at('connect', services.connect)}`;
  const urls = {
    kafkaBootstrap: bootstrapServers,
    connect: connectUrl,
    flinkRest: `http://${at('flinkJobManager', services.flinkJobManager)}`,
    superset: `http://${at('superset', services.superset)}`,
  };
  if (!loopback && p.kafka?.bootstrapServers !== undefined && p.kafka.bootstrapServers !== bootstrapServers)
    out.push(
      conflict(
        `kafka.bootstrapServers is '${p.kafka.bootstrapServers}'`,
        bootstrapServers,
        root('kafka', 'bootstrapServers'),
      ),
    );
  if (!loopback && p.connect?.url !== undefined && p.connect.url !== connectUrl)
    out.push(conflict(`connect.url is '${p.connect.url}'`, connectUrl, root('connect', 'url')));

  const ports = { flinkRpc: 6123, flinkBlob: 6124, flinkTaskManagerRpc: 6122, kafkaController: 9093, postgres: 5432 };

  // The version table and what is built from it.
  const versions: Versions = { ...DEFAULT_VERSIONS, ...(d.versions as Partial<Versions> | undefined) };
  const maven = (group: string, artifact: string, version: string): JarModel => ({
    group,
    artifact,
    version,
    file: `${artifact}-${version}.jar`,
    url: `https://repo1.maven.org/maven2/${group.replace(/\./g, '/')}/${artifact}/${version}/${artifact}-${version}.jar`,
  });
  // The seed's four jars (§6.5): the Kafka source and JDBC sink connectors, the PostgreSQL driver, and
  // the Kafka client the Kafka connector expects on the classpath.
  const flinkJars = [
    maven('org.apache.flink', 'flink-connector-kafka', versions.flinkConnectorKafka),
    maven('org.apache.flink', 'flink-connector-jdbc', versions.flinkConnectorJdbc),
    maven('org.postgresql', 'postgresql', versions.postgresJdbc),
    maven('org.apache.kafka', 'kafka-clients', versions.kafkaClients),
  ];
  const supersetPackages = [`psycopg2-binary==${versions.psycopg2}`];
  const registry = d.imageRegistry ? `${d.imageRegistry}/` : '';
  const flinkBase = `flink:${versions.flink}-scala_${versions.flinkScala}-java${versions.flinkJava}`;
  const supersetBase = `apache/superset:${versions.superset}`;
  const name = p.name;
  const superset = d.secrets ?? {};

  const config_: ValidConfig = {
    ...config,
    sources,
    pipeline: Object.assign(
      Object.create(Object.getPrototypeOf(config.pipeline) as object) as typeof config.pipeline,
      config.pipeline,
      {
        options: {
          ...p,
          kafka: { ...p.kafka, bootstrapServers },
          connect: { ...p.connect, url: connectUrl },
          analytics: { ...a, host: aHost, port: loopback ? localPort('analytics') : (a.port ?? 5432) },
        },
      },
    ),
  };
  return {
    config: config_,
    deployment: {
      ...(profile !== undefined ? { selectedProfile: profile } : {}),
      endpoints,
      namespaces: { infra, analytics: analyticsNs },
      services,
      flinkRpcPort: ports.flinkRpc,
      flinkBlobPort: ports.flinkBlob,
      flinkTaskManagerRpcPort: ports.flinkTaskManagerRpc,
      kafkaControllerPort: ports.kafkaController,
      kafkaBroker: plaintextListeners(services.kafka.port, ports.kafkaController),
      ...(loopback && (local?.components?.kafka?.localTruststore ?? d.components?.kafka?.localTruststore)
        ? { localTruststore: local?.components?.kafka?.localTruststore ?? d.components?.kafka?.localTruststore }
        : {}),
      postgresPort: ports.postgres,
      flows: stackFlows(sourceNames, services, ports),
      urls,
      versions,
      images: {
        kafka: `apache/kafka:${versions.kafka}`,
        connect: `quay.io/debezium/connect:${versions.debezium}`,
        postgres: `postgres:${versions.postgres}`,
        flinkBase,
        flink: `${registry}${name}-flink:${versions.flink}-${hash8({ flinkBase, flinkJars })}`,
        supersetBase,
        superset: `${registry}${name}-superset:${versions.superset}-${hash8({ supersetBase, supersetPackages })}`,
      },
      flinkJars,
      supersetPackages,
      databases,
      base,
      profiles: clusterProfiles,
      flinkJobs,
      kafkaClusterId: createHash('sha256').update(`${name}/kafka`).digest().subarray(0, 16).toString('base64url'),
      supersetSecretKey: superset.supersetSecretKey
        ? binding('SUPERSET_SECRET_KEY', superset.supersetSecretKey, 'env')
        : bind('SUPERSET_SECRET_KEY', 'superset-credentials', 'secret-key'),
      supersetAdminPassword: superset.supersetAdminPassword
        ? binding('SUPERSET_ADMIN_PASSWORD', superset.supersetAdminPassword, 'env')
        : bind('SUPERSET_ADMIN_PASSWORD', 'superset-credentials', 'admin-password'),
      supersetBootstrap: { env: [] },
    },
  };
}

/** The plaintext listeners of the deployed brokers (no `kafka.security`), in server.properties order. */
export function plaintextListeners(clientPort: number, controllerPort: number): DeploymentModel['kafkaBroker'] {
  return {
    clientListener: 'PLAINTEXT',
    settings: [
      ['listeners', `PLAINTEXT://:${clientPort},CONTROLLER://:${controllerPort}`],
      ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
      ['controller.listener.names', 'CONTROLLER'],
      ['inter.broker.listener.name', 'PLAINTEXT'],
    ],
  };
}

/**
 * Debezium's `topic.creation.default.*` (applied by Connect when it creates a CDC topic): from
 * kafka.topics, and with a deployment at least the seed's 1 partition and the brokers' replication factor
 * (-1), which the profile sets (1 in dev, 3 in prod). Nothing without either, as before.
 */
export function topicCreation(
  topics: { partitions?: number; replicationFactor?: number; cleanupPolicy?: string; retentionMs?: number } | undefined,
  deployed: boolean,
): KeyValue[] {
  if (!topics && !deployed) return [];
  const t = topics ?? {};
  return [
    ['topic.creation.default.replication.factor', String(t.replicationFactor ?? -1)],
    ['topic.creation.default.partitions', String(t.partitions ?? 1)],
    ...(t.cleanupPolicy ? [['topic.creation.default.cleanup.policy', t.cleanupPolicy] as KeyValue] : []),
    ...(t.retentionMs !== undefined
      ? [['topic.creation.default.retention.ms', String(t.retentionMs)] as KeyValue]
      : []),
  ];
}

/** The settings at the top of the deployment section (what every profile starts from). */
function topSettings(d: DeploymentOptions): ProfileOptions {
  const { components, databases, nodePorts, taskSlots, devSecrets, networkPolicies } = d;
  const dbs = databases
    ? Object.fromEntries(
        Object.entries(databases).map(([k, { namespace: _n, service: _s, adminPassword: _a, ...rest }]) => [k, rest]),
      )
    : undefined;
  return {
    ...(components ? { components } : {}),
    ...(dbs ? { databases: dbs } : {}),
    ...(nodePorts ? { nodePorts } : {}),
    ...(taskSlots !== undefined ? { taskSlots } : {}),
    ...(devSecrets !== undefined ? { devSecrets } : {}),
    ...(networkPolicies !== undefined ? { networkPolicies } : {}),
  };
}

/** The connections of the stack (see DeploymentModel.flows). */
function stackFlows(
  sources: readonly string[],
  services: DeploymentModel['services'],
  ports: {
    flinkRpc: number;
    flinkBlob: number;
    flinkTaskManagerRpc: number;
    kafkaController: number;
    postgres: number;
  },
): Flow[] {
  const kafka = services.kafka.port;
  const connect = services.connect.port;
  const pg = ports.postgres;
  const flow = (from: Workload, to: Workload, p: readonly number[], why: string): Flow => ({ from, to, ports: p, why });
  return [
    ...sources.flatMap((s) => [
      flow('connect', `database:${s}`, [pg], `Debezium streams ${s}'s changes`),
      flow(`setup:${s}`, `database:${s}`, [pg], `the setup Job applies ${s}'s setup SQL`),
    ]),
    flow('kafka', 'kafka', [kafka, ports.kafkaController], 'replication and the KRaft quorum'),
    flow('connect', 'kafka', [kafka], 'Connect writes the change topics and its own'),
    flow('connect', 'connect', [connect], 'workers forward REST requests to the leader'),
    flow('registerConnectors', 'connect', [connect], 'the registration Job puts the connector configs'),
    flow('flinkJobManager', 'kafka', [kafka], "the Kafka sources' split enumerators"),
    flow('flinkTaskManager', 'kafka', [kafka], 'the Kafka sources read the change topics'),
    flow(
      'flinkTaskManager',
      'flinkJobManager',
      [ports.flinkRpc, ports.flinkBlob],
      'TaskManagers register and fetch blobs',
    ),
    flow('flinkJobManager', 'flinkTaskManager', [ports.flinkTaskManagerRpc], 'the JobManager deploys tasks'),
    flow('flinkTaskManager', 'flinkTaskManager', [], 'TaskManagers exchange records (data port chosen at start)'),
    flow('flinkSqlRunner', 'flinkJobManager', [services.flinkJobManager.port], 'the SQL runner submits jobs over REST'),
    flow('flinkTaskManager', 'database:analytics', [pg], 'the JDBC sinks write the analytics tables'),
    flow('analyticsDdl', 'database:analytics', [pg], 'the DDL Job applies schema.sql and views.sql'),
    flow('superset', 'database:analytics', [pg], 'Superset queries the views'),
    flow('supersetBootstrap', 'superset', [services.superset.port], 'the bootstrap Job imports the dashboards'),
  ];
}

function conflict(what: string, derived: string, subject: Subject): Diagnostic {
  return error(
    'DEPLOYMENT.ADDRESS_CONFLICT',
    `${what}, but the deployment places it at '${derived}'`,
    subject,
    'leave the address out (it is derived from deployment), or change the deployment',
  );
}

function checkDemoRows(source: Source, rows: DatabaseProfile['demoRows'], subject: Subject, out: Diagnostic[]) {
  for (const [table, list] of Object.entries(rows)) {
    const t = source.tables.find((x) => x.name === table);
    if (!t) {
      out.push(
        error(
          'DEPLOYMENT.DEMO_ROWS',
          `demo rows for '${table}', which source '${source.name}' does not capture`,
          { ...subject, path: [...(subject.path ?? []), table] } as Subject,
          didYouMean(
            table,
            source.tables.map((x) => x.name),
          ),
        ),
      );
      continue;
    }
    const columns = (t.options.analytics?.columns as readonly string[] | undefined) ?? Object.keys(t.options.columns);
    list.forEach((row, i) => {
      for (const c of Object.keys(row))
        if (!columns.includes(c))
          out.push(
            error(
              'DEPLOYMENT.DEMO_ROWS',
              `demo row ${i + 1} of '${table}' sets '${c}', which the table does not declare`,
              { ...subject, path: [...(subject.path ?? []), table, i, c] } as Subject,
              didYouMean(c, columns),
            ),
          );
    });
  }
}
