import type { SecretRef } from './source.js';

/**
 * The deployment part of a pipeline: where the stack runs and how, from which the compiler derives every
 * host and URL the other artefacts use, and `generated/kubernetes/` (a kustomize base and one overlay
 * per cluster profile).
 *
 * Profiles change how the stack runs (replicas, resources, storage, NodePorts, which databases are
 * deployed), never where its parts are found: namespaces, service names and ports are set once, so the
 * connector configs and `pipeline.sql` are the same for every cluster profile. A profile with
 * `endpoints: 'loopback'` (the built-in `local`) instead points every host at 127.0.0.1; compile with
 * `--profile local` to use it.
 *
 * @example
 *   deployment: {
 *     namespaces: { infra: 'infra', analytics: 'analytics' },
 *     databases: { ecom: { namespace: 'ecom' }, analytics: { storage: '5Gi' } },
 *     profiles: { prod: { databases: { ecom: { deploy: false } }, components: { kafka: { replicas: 3 } } } },
 *   }
 */
export interface DeploymentOptions extends DeploymentSettings {
  /** Namespaces of the shared parts; default `infra` (Kafka, Connect) and `analytics` (Flink, analytics-db, Superset). */
  namespaces?: { infra?: string; analytics?: string };
  /** Where each database is found: per source name, and `analytics`. */
  databases?: { [database: string]: DatabaseOptions };
  /**
   * Component versions: one table for images, the Flink image build and the end-to-end stack. Each
   * entry is an exact version, e.g. `{ flink: '1.20.4' }`.
   */
  versions?: Partial<Record<VersionKey, string>>;
  /** Registry prefix of the images built from `generated/kubernetes/images/`, e.g. `registry.example.com/cdc`. */
  imageRegistry?: string;
  /** Secrets the deployment itself needs besides the pipeline's (Superset's key and admin password). */
  secrets?: {
    supersetSecretKey?: SecretRef;
    supersetAdminPassword?: SecretRef;
  };
  /**
   * Overrides per profile. `dev`, `prod` and `local` exist built in (with the seed's NodePorts in `dev`,
   * three Kafka brokers and existing source databases in `prod`, loopback addresses in `local`); any
   * other name adds a profile.
   */
  profiles?: { [profile: string]: ProfileOptions };
}

/** Everything a profile may override. */
export interface DeploymentSettings {
  components?: { [C in ComponentName]?: ComponentOptions };
  databases?: { [database: string]: DatabaseSettings };
  /** NodePorts (30000–32767) of the parts people open from outside; `false` for none. */
  nodePorts?: { [P in NodePortName]?: number | false };
  /** Task slots per TaskManager; default the number of Flink jobs. */
  taskSlots?: number;
  /** Emit a clearly labelled development Secret with placeholder values for every Secret the stack reads. */
  devSecrets?: boolean;
  /**
   * NetworkPolicies: deny all ingress in each namespace of the stack, then allow exactly the connections
   * it makes (Connect → sources and Kafka, Flink → Kafka and analytics-db, Superset → analytics-db, each
   * Job → what it drives). On in the built-in `prod` profile. Traffic from outside the stack (an Ingress
   * controller in front of Superset) needs a policy of your own.
   */
  networkPolicies?: boolean;
}

export interface ProfileOptions extends DeploymentSettings {
  /** `cluster` (default): in-cluster DNS names. `loopback`: every part at 127.0.0.1 on its `localPort`. */
  endpoints?: 'cluster' | 'loopback';
}

export const COMPONENT_NAMES = ['kafka', 'connect', 'flinkJobManager', 'flinkTaskManager', 'superset'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export const NODE_PORT_NAMES = ['superset', 'flink', 'connect'] as const;
export type NodePortName = (typeof NODE_PORT_NAMES)[number];

export const VERSION_KEYS = [
  'kafka',
  'debezium',
  'flink',
  'flinkScala',
  'flinkJava',
  'flinkConnectorKafka',
  'flinkConnectorJdbc',
  'postgresJdbc',
  'kafkaClients',
  'postgres',
  'superset',
  'psycopg2',
] as const;
export type VersionKey = (typeof VERSION_KEYS)[number];

export interface ResourceOptions {
  /** e.g. `{ cpu: '250m', memory: '1Gi' }` */
  requests?: { cpu?: string; memory?: string };
  /** e.g. `{ memory: '1536Mi' }`; a JVM's heap is derived from its memory limit. */
  limits?: { cpu?: string; memory?: string };
}

export interface ComponentOptions {
  replicas?: number;
  resources?: ResourceOptions;
  /** Size of the component's volume (Kafka's log, Superset's home, Flink's checkpoints), e.g. `10Gi`. */
  storage?: string;
  /** Flink only: size of the savepoint volume. */
  savepointStorage?: string;
  /**
   * Port on 127.0.0.1 under a loopback profile (`local`): Kafka's client port (default 9092), Connect's
   * REST port (8083), the Flink JobManager's REST port (8081), Superset's (8088).
   */
  localPort?: number;
  /**
   * Kafka only, under a loopback profile with `kafka.security`: where the Kafka truststore is on this
   * machine (the Flink sources read it there); default the path the cluster's pods mount it at.
   */
  localTruststore?: string;
}

export interface DatabaseSettings {
  /** Deploy this database as part of the stack (the dev/demo case) or use one that exists (production). */
  deploy?: boolean;
  /**
   * An existing database outside the cluster: the stack reaches it through an ExternalName Service under
   * the derived name, so the generated configs stay the same.
   */
  externalHost?: string;
  storage?: string;
  resources?: ResourceOptions;
  /** Demo rows inserted when a deployed source database is first created, per table name. */
  demoRows?: { [table: string]: readonly { [column: string]: string | number | boolean | null }[] };
  /** Port on 127.0.0.1 under a loopback profile. */
  localPort?: number;
}

export interface DatabaseOptions extends DatabaseSettings {
  /** Namespace; default the source's name for sources, the analytics namespace for `analytics`. */
  namespace?: string;
  /** Service name; default `<source>-db`, `analytics-db`. */
  service?: string;
  /** Superuser password of a deployed source database; default `secret('<service>-admin', 'password')`. */
  adminPassword?: SecretRef;
}
