/**
 * Superset decisions: asset identities (UUID v5 under one namespace per pipeline, so a re-import
 * overwrites instead of duplicating and `--prune` can recognise this pipeline's assets), bundle file
 * names, dataset columns and types, the database connection (masked password), and what the bootstrap
 * script and the Kubernetes Job that runs it need (artefact paths, environment, Secrets).
 */
import { createHash } from 'node:crypto';
import { valueCategory, type ColumnSpec, type ColumnType } from '../dsl/columns.js';
import { secret, type SecretRef } from '../dsl/source.js';
import type { View } from '../dsl/view.js';
import type { ValidConfig } from '../validate/index.js';
import { binding } from './debezium.js';
import type { DeploymentModel } from './deployment.js';
import type { AnalyticsConnection } from './flink.js';
import type { ChartModel, DashboardModel, SecretBinding, SupersetModel } from './model.js';

/** RFC 4122 name-based UUID, version 5 (SHA-1), lower-case canonical form (Superset rejects others). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 4122's URL namespace. */
const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
/** Superset's mask for a password it does not show (`superset/constants.py` PASSWORD_MASK). */
export const PASSWORD_MASK = 'XXXXXXXXXX';

/** The name under which an asset's UUID is derived; the bootstrap script's --prune derives the same. */
export const assetKey = {
  database: (name: string) => `database/${name}`,
  dataset: (schema: string, view: string) => `dataset/${schema}.${view}`,
  chart: (name: string) => `chart/${name}`,
  dashboard: (title: string) => `dashboard/${title}`,
};

/** A file name from an asset's name: lower-case letters, digits and `_` (what Superset's exports do, tidier). */
const fileName = (name: string) =>
  String(name)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'asset';

/** Superset's column type string: what PostgreSQL's catalog would report, upper-cased. */
function supersetType(spec: ColumnSpec): string {
  if (spec.type === 'array') return `${supersetType(spec.element!)}[]`;
  if (spec.type === 'enum') return 'VARCHAR';
  const args =
    spec.length !== undefined
      ? `(${spec.length})`
      : spec.type === 'numeric' && spec.precision !== undefined
        ? `(${spec.precision}, ${spec.scale ?? 0})`
        : '';
  const base: Record<string, string> = {
    timestamp: 'TIMESTAMP WITHOUT TIME ZONE',
    timestamptz: 'TIMESTAMP WITH TIME ZONE',
    time: 'TIME WITHOUT TIME ZONE',
    timetz: 'TIME WITH TIME ZONE',
    varchar: 'VARCHAR',
    char: 'CHAR',
  };
  return `${base[spec.type] ?? spec.type.toUpperCase()}${args}`;
}

export interface SupersetInput {
  readonly pipeline: string;
  readonly options?: { url?: string; user?: string | SecretRef; password?: SecretRef; databaseName?: string };
  readonly views: readonly View[];
  readonly analytics: AnalyticsConnection;
  /** libpq's `sslmode`, when the analytics connection sets one (a JDBC parameter with the same meaning). */
  readonly sslmode?: string;
  readonly charts: readonly ChartModel[];
  readonly dashboards: readonly DashboardModel[];
  /** The deployment, when the config has one: it names Superset's service and admin Secret. */
  readonly deployment?: Pick<DeploymentModel, 'endpoints' | 'namespaces' | 'supersetAdminPassword' | 'urls'>;
}

/** Without a deployment section; with one, the deployment's Superset service and admin Secret win. */
export const SUPERSET_DEFAULTS = {
  url: 'http://superset:8088',
  user: 'admin',
  password: secret('superset-credentials', 'admin-password'),
};

/** Where the Kubernetes Job mounts the `superset/` artefacts (the deployment's bootstrap slot). */
export const BOOTSTRAP_MOUNT = '/opt/cdc/superset';

export function resolveSuperset(input: SupersetInput): SupersetModel {
  const o = input.options ?? {};
  const namespace = uuidV5(`https://cdc-compile.dev/pipelines/${input.pipeline}/superset`, NAMESPACE_URL);
  const a = input.analytics;
  const databaseName = o.databaseName ?? `${input.pipeline} analytics`;
  const analyticsUser: string | SecretBinding = a.user;
  const userPart = typeof analyticsUser === 'string' ? encodeURIComponent(analyticsUser) : `{${analyticsUser.env}}`;
  const query = input.sslmode === undefined ? '' : `?sslmode=${encodeURIComponent(input.sslmode)}`;
  const uri = `postgresql://${userPart}:${PASSWORD_MASK}@${a.host}:${a.port}/${encodeURIComponent(a.database)}${query}`;
  const databaseFile = `databases/${fileName(databaseName)}.yaml`;
  const databaseUuid = uuidV5(assetKey.database(databaseName), namespace);

  const chartViews = new Set(input.charts.map((c) => c.view));
  const datasets = input.views
    .filter((v) => chartViews.has(v.name))
    .map((v) => {
      const columns = Object.entries(v.options.columns as Record<string, ColumnType>).map(([name, type]) => ({
        name,
        type: supersetType(type.spec),
        temporal: valueCategory(type.spec) === 'temporal',
      }));
      return {
        view: v.name,
        schema: a.schema,
        uuid: uuidV5(assetKey.dataset(a.schema, v.name), namespace),
        file: `datasets/${fileName(databaseName)}/${v.name}.yaml`,
        columns,
        ...(columns.find((c) => c.temporal) ? { mainDttmColumn: columns.find((c) => c.temporal)!.name } : {}),
        ...(v.options.description === undefined ? {} : { description: v.options.description }),
      };
    });
  const chartFiles = new Map<string, number>();
  const unique = (base: string, used: Map<string, number>) => {
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  };
  const datasetOf = new Map<string, (typeof datasets)[number]>();
  for (const d of datasets) if (!datasetOf.has(d.view)) datasetOf.set(d.view, d);
  const charts = input.charts.map((c) => ({
    name: c.name,
    uuid: uuidV5(assetKey.chart(c.name), namespace),
    file: `charts/${unique(fileName(c.name), chartFiles)}.yaml`,
    datasetUuid: datasetOf.get(c.view)!.uuid,
  }));
  const dashboardFiles = new Map<string, number>();
  const dashboards = input.dashboards.map((d) => ({
    title: d.title,
    uuid: uuidV5(assetKey.dashboard(d.title), namespace),
    file: `dashboards/${unique(fileName(d.title), dashboardFiles)}.yaml`,
  }));

  const user = o.user ?? SUPERSET_DEFAULTS.user;
  const d = input.deployment;
  const password =
    d?.supersetAdminPassword ?? binding('SUPERSET_ADMIN_PASSWORD', o.password ?? SUPERSET_DEFAULTS.password, 'env');
  // The deployment places Superset (in the cluster, or on 127.0.0.1 at its localPort under `local`, where
  // an explicit URL gives way as every other address does).
  const url = (d?.endpoints === 'loopback' ? d.urls.superset : o.url) ?? d?.urls.superset ?? SUPERSET_DEFAULTS.url;
  const supersetUser = typeof user === 'string' ? user : binding('SUPERSET_USER', user, 'env');
  const secrets: SecretBinding[] = [
    ...(typeof supersetUser === 'string' ? [] : [supersetUser]),
    password,
    ...(typeof analyticsUser === 'string' ? [] : [analyticsUser]),
    a.password,
  ];
  return {
    namespace,
    database: {
      name: databaseName,
      uuid: databaseUuid,
      file: databaseFile,
      uri,
      ...(typeof analyticsUser === 'string' ? {} : { userEnv: analyticsUser.env }),
      passwordEnv: a.password.env,
    },
    datasets,
    charts,
    dashboards,
    bootstrap: {
      script: 'superset/bootstrap',
      bundle: 'superset/bundle.zip',
      bundleRoot: 'bundle',
      url,
      user: supersetUser,
      password,
      secrets,
    },
  };
}

/**
 * The Superset pass: the bundle's and bootstrap's Model, and the deployment's bootstrap Job slot (run the
 * generated script where the Job mounts it, with the Secrets it reads besides the admin password the Job
 * already passes). No chart and no dashboard: no command, so no Job.
 */
export function supersetPass(
  config: ValidConfig,
  analytics: AnalyticsConnection,
  charts: { readonly charts: readonly ChartModel[]; readonly dashboards: readonly DashboardModel[] },
  deployment: DeploymentModel | undefined,
): { readonly superset: SupersetModel; readonly deployment?: DeploymentModel } {
  const p = config.pipeline.options;
  const sslmode = p.analytics.jdbcParameters?.['sslmode'];
  const superset = resolveSuperset({
    pipeline: p.name,
    ...(p.superset ? { options: p.superset } : {}),
    views: config.views,
    analytics,
    ...(sslmode === undefined ? {} : { sslmode: String(sslmode) }),
    charts: charts.charts,
    dashboards: charts.dashboards,
    ...(deployment ? { deployment } : {}),
  });
  if (!deployment) return { superset };
  if (charts.charts.length + charts.dashboards.length === 0) return { superset, deployment };
  return {
    superset,
    deployment: {
      ...deployment,
      supersetBootstrap: {
        command: ['python3', `${BOOTSTRAP_MOUNT}/${superset.bootstrap.script.slice('superset/'.length)}`],
        env: superset.bootstrap.secrets.filter((b) => b.env !== deployment.supersetAdminPassword.env),
      },
    },
  };
}
