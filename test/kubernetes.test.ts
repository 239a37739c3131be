/**
 * The Kubernetes family: every object validates against the Kubernetes OpenAPI schemas
 * (kubernetes-models), kustomize renders every overlay, the overlays are exactly the profiles' objects,
 * and the compile-time checks report what schemas cannot see.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { compileValue } from '../src/compile.js';
import { loadTemplates } from '../src/render/templates.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';
import { canonicalYaml } from '../src/render/yaml.js';
import { checkObjects } from '../src/targets/kubernetes/checks.js';
import { buildStack, CONFIGMAP_LIMIT, StackMemo, type Placed } from '../src/targets/kubernetes/objects.js';
import { strategicDiff } from '../src/targets/kubernetes/overlay.js';
import { compileProject, PROJECTS, ROOT } from './support/compile.js';

const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  Namespace,
  ConfigMap,
  Secret,
  Service,
  PersistentVolumeClaim,
  Deployment,
  StatefulSet,
  Job,
  NetworkPolicy,
  PodDisruptionBudget,
};

/** Validates one object against its schema; throws with the schema's message. */
function validate(object: Record<string, unknown>) {
  const Model = MODELS[String(object['kind'])];
  if (!Model) throw new Error(`no schema model for kind ${String(object['kind'])}`);
  new Model(object as never).validate();
}

/** kubectl's built-in kustomize, or a standalone kustomize (what .ci/run installs where kubectl is missing). */
function kustomize(dir: string): Record<string, unknown>[] {
  const tools: [string, string[]][] = [
    ['kubectl', ['kustomize', dir]],
    ['kustomize', ['build', dir]],
    // Where scripts/ci-kubernetes.sh installs it on a machine without kubectl.
    ...[process.env['CDC_CI_CACHE'], '/var/cache/cdc-compile', join(process.env['HOME'] ?? '', '.cache/cdc-compile')]
      .filter((c): c is string => !!c)
      .map((c): [string, string[]] => [join(c, 'bin/kustomize'), ['build', dir]]),
  ];
  for (const [cmd, args] of tools) {
    let out: string;
    try {
      out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`${cmd} ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
    return parseAllDocuments(out).map((d) => d.toJS() as Record<string, unknown>);
  }
  throw new Error('neither kubectl nor kustomize is installed: .ci/run installs kustomize v5; install one of them');
}

function writeTree(files: Map<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-k8s-'));
  for (const [path, contents] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  return dir;
}

const bookstore = PROJECTS.find((p) => p.name === 'bookstore')!;
const key = (o: Record<string, unknown>) => {
  const m = o['metadata'] as { name: string; namespace?: string };
  return `${String(o['kind'])}/${m.namespace ?? ''}/${m.name}`;
};

// examples/types keeps explicit addresses and no deployment section: the control that such configs still work.
const hasDeployment = (config: string) => /^\s*deployment: \{/m.test(readFileSync(config, 'utf8'));
const DEPLOYED = PROJECTS.filter((p) => hasDeployment(p.config));

test('every example has a deployment section, or says why it has none', () => {
  expect(DEPLOYED.map((p) => p.name)).toEqual(expect.arrayContaining(['bookstore', 'minimal']));
  for (const p of PROJECTS.filter((x) => !hasDeployment(x.config)))
    expect(readFileSync(p.config, 'utf8'), p.name).toMatch(/^ \* No deployment section: \S.{20,}/m);
});

describe.each(DEPLOYED)('$name', ({ config }) => {
  test('every overlay renders with kustomize, and every object validates against the Kubernetes schemas', async () => {
    const { files, artefacts, model } = await compileProject(config);
    const dir = writeTree(files);
    const overlays = model!.deployment!.profiles.map((p) => p.name);
    expect(overlays).toEqual(expect.arrayContaining(['dev', 'prod']));
    for (const overlay of ['base', ...overlays]) {
      const objects = kustomize(join(dir, 'kubernetes', overlay === 'base' ? 'base' : `overlays/${overlay}`));
      expect(objects.length).toBeGreaterThan(5);
      for (const o of objects) expect(() => validate(o), `${overlay}: ${key(o)}`).not.toThrow();
    }
  });

  test('the prod overlay has no NodePort and no demo database; dev has the seed NodePorts', async () => {
    const { files, artefacts, model } = await compileProject(config);
    const dir = writeTree(files);
    const prod = kustomize(join(dir, 'kubernetes/overlays/prod'));
    expect(prod.filter((o) => o['kind'] === 'Service' && JSON.stringify(o).includes('nodePort'))).toEqual([]);
    const sourceDbs = model!.deployment!.databases.filter((d) => d.role === 'source').map((d) => d.service);
    expect(prod.filter((o) => o['kind'] === 'Deployment' && sourceDbs.includes(key(o).split('/')[2]!))).toEqual([]);
    expect(prod.some((o) => o['kind'] === 'Secret')).toBe(false);
    const dev = kustomize(join(dir, 'kubernetes/overlays/dev'));
    const nodePorts = dev.flatMap((o) =>
      o['kind'] === 'Service'
        ? ((o['spec'] as { ports: { nodePort?: number }[] }).ports ?? []).flatMap((p) =>
            p.nodePort ? [p.nodePort] : [],
          )
        : [],
    );
    expect(nodePorts.sort()).toEqual([32000, 32200, 32300]);
    for (const db of sourceDbs)
      expect(dev.some((o) => key(o).endsWith(`/${db}`) && o['kind'] === 'Deployment')).toBe(true);
  });

  test('each overlay is exactly its profile: kustomize(base + patches) equals the objects built for the profile', async () => {
    const { files, artefacts, model } = await compileProject(config);
    const dir = writeTree(files);
    const d = model!.deployment!;
    const templates = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS);
    // In emission order, binary artefacts (superset/bundle.zip) included.
    const content = new Map(
      artefacts.filter((a) => !a.path.startsWith('kubernetes/')).map((a) => [a.path, a.contents] as const),
    );
    for (const profile of d.profiles) {
      const out: never[] = [];
      const built = buildStack(
        {
          model: model!,
          deployment: d,
          profile,
          content,
          ctx: { configFile: 'pipeline.config.ts', render: templates.render },
        },
        out,
      ).map((p) => JSON.parse(JSON.stringify(p.object)) as Record<string, unknown>);
      const rendered = kustomize(join(dir, 'kubernetes/overlays', profile.name));
      const byKey = (list: Record<string, unknown>[]) => Object.fromEntries(list.map((o) => [key(o), o]));
      expect(byKey(rendered), profile.name).toEqual(byKey(built));
    }
  });
});

test('a config without a deployment section keeps its explicit addresses and gets no Kubernetes output', async () => {
  const { files, model } = await compileProject(PROJECTS.find((p) => p.name === 'types')!.config);
  expect(model!.deployment).toBeUndefined();
  expect([...files.keys()].filter((p) => p.startsWith('kubernetes/'))).toEqual([]);
  expect(JSON.parse(files.get('debezium/app-connector.json')!)['database.hostname']).toBe(
    'app-db.data.svc.cluster.local',
  );
});

/** Every (client pod, server pod, port) a set of NetworkPolicies admits, over the pod templates' declared ports. */
function admitted(objects: Record<string, unknown>[]): string[] {
  type Labels = Record<string, string>;
  const pods = objects.flatMap((o) => {
    const kind = o['kind'];
    if (kind !== 'Deployment' && kind !== 'StatefulSet' && kind !== 'Job') return [];
    const m = o['metadata'] as { name: string; namespace: string };
    const t = (
      o['spec'] as {
        template: { metadata: { labels: Labels }; spec: { containers: { ports?: { containerPort: number }[] }[] } };
      }
    ).template;
    return [
      {
        name: m.name.replace(/-[0-9a-f]{8}$/, ''),
        ns: m.namespace,
        labels: t.metadata.labels,
        ports: t.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)),
      },
    ];
  });
  const policies = objects.filter((o) => o['kind'] === 'NetworkPolicy') as {
    metadata: { namespace: string };
    spec: {
      podSelector: { matchLabels?: Labels };
      ingress?: {
        from?: { namespaceSelector?: { matchLabels: Labels }; podSelector?: { matchLabels: Labels } }[];
        ports?: { port: number }[];
      }[];
    };
  }[];
  const sub = (sel: Labels | undefined, labels: Labels) => Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);
  const out: string[] = [];
  for (const to of pods) {
    const mine = policies.filter(
      (p) => p.metadata.namespace === to.ns && sub(p.spec.podSelector.matchLabels, to.labels),
    );
    // A pod no policy selects is not isolated: then everything may reach it (the test expects none such).
    if (mine.length === 0) out.push(`* -> ${to.ns}/${to.name} (not isolated)`);
    for (const from of pods)
      for (const port of to.ports)
        if (
          mine.some((p) =>
            (p.spec.ingress ?? []).some(
              (r) =>
                (r.from ?? []).some(
                  (peer) =>
                    (peer.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] ?? p.metadata.namespace) ===
                      from.ns && sub(peer.podSelector?.matchLabels, from.labels),
                ) &&
                (r.ports === undefined || r.ports.some((x) => x.port === port)),
            ),
          )
        )
          out.push(`${from.name} -> ${to.name}:${port}`);
  }
  return [...new Set(out)].sort();
}

describe('book store', () => {
  test("keeps the seed's four namespaces and components", async () => {
    const { files } = await compileProject(bookstore.config);
    const dev = kustomize(join(writeTree(files), 'kubernetes/overlays/dev'));
    const names = (kind: string) =>
      dev.filter((o) => o['kind'] === kind).map((o) => key(o).split('/').slice(1).join('/'));
    expect(names('Namespace').sort()).toEqual(['/analytics', '/ecom', '/infra', '/inventory']);
    expect(names('Deployment').sort()).toEqual([
      'analytics/analytics-db',
      'analytics/flink-jobmanager',
      'analytics/flink-taskmanager',
      'analytics/superset',
      'ecom/ecom-db',
      'infra/debezium',
      'inventory/inventory-db',
    ]);
    expect(names('StatefulSet')).toEqual(['infra/kafka']);
    expect(
      names('Job')
        .map((n) => n.replace(/-[0-9a-f]{8}$/, '-HASH'))
        .sort(),
    ).toEqual([
      'analytics/analytics-ddl-HASH',
      'analytics/flink-sql-runner-HASH',
      'analytics/superset-bootstrap-HASH',
      'ecom/ecom-db-setup-HASH',
      'infra/register-connectors-HASH',
      'inventory/inventory-db-setup-HASH',
    ]);
  });

  test('the Flink image adds exactly the Model’s jars, versions from the one version table', async () => {
    const { files, model } = await compileProject(bookstore.config);
    const d = model!.deployment!;
    const dockerfile = files.get('kubernetes/images/flink/Dockerfile')!;
    expect(dockerfile).toContain(`FROM flink:${d.versions.flink}-scala_2.12-java17`);
    const added = [...dockerfile.matchAll(/^ADD .* \/opt\/flink\/lib\/(\S+)$/gm)].map((m) => m[1]);
    expect(added).toEqual(d.flinkJars.map((j) => j.file));
    expect(added).toEqual([
      `flink-connector-kafka-${d.versions.flinkConnectorKafka}.jar`,
      `flink-connector-jdbc-${d.versions.flinkConnectorJdbc}.jar`,
      `postgresql-${d.versions.postgresJdbc}.jar`,
      `kafka-clients-${d.versions.kafkaClients}.jar`,
    ]);
    // Every image is pinned to an exact tag, and the cluster runs the image the build context produces.
    const yaml = [...files]
      .filter(([p]) => p.startsWith('kubernetes/'))
      .map(([, c]) => c)
      .join('\n');
    for (const [, image] of yaml.matchAll(/image: (\S+)/g)) expect(image).toMatch(/:[0-9][\w.-]*$/);
    expect(yaml).toContain(`image: ${d.images.flink}`);
    // 1.20.3: the newest Flink whose SQL client (flink-sql-gateway) the registries serve; npm run test:e2e runs it.
    expect(d.images.flink).toMatch(/^bookstore-flink:1\.20\.3-[0-9a-f]{8}$/);
  });

  test('pods: numeric non-root users, no service links, requests and limits, probes on long-running containers', async () => {
    const { files } = await compileProject(bookstore.config);
    const dev = kustomize(join(writeTree(files), 'kubernetes/overlays/dev'));
    for (const o of dev) {
      const spec = (o['spec'] as { template?: { spec: Record<string, unknown> } } | undefined)?.template?.spec;
      if (!spec) continue;
      const security = spec['securityContext'] as { runAsNonRoot: boolean; runAsUser: unknown };
      expect(security.runAsNonRoot, key(o)).toBe(true);
      expect(typeof security.runAsUser, key(o)).toBe('number');
      expect(spec['enableServiceLinks'], key(o)).toBe(false);
      for (const c of spec['containers'] as Record<string, unknown>[]) {
        const r = c['resources'] as { requests: object; limits: { memory: string } };
        expect(r.requests, key(o)).toBeDefined();
        expect(r.limits.memory, key(o)).toBeDefined();
        if (o['kind'] !== 'Job') expect(c['livenessProbe'], `${key(o)} ${String(c['name'])}`).toBeDefined();
      }
    }
  });

  test('Jobs are named by a hash of what they run: a changed artefact renames exactly its Job', async () => {
    const { files } = await compileProject(bookstore.config);
    const jobs = (f: Map<string, string>) =>
      [...f.values()]
        .join('\n')
        .match(/name: [a-z-]+-[0-9a-f]{8}$/gm)!
        .sort();
    const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;
    const { loadConfig } = await import('../src/load/index.js');
    const value = (await loadConfig(bookstore.config)).value as { options: { flink: { checkpointInterval: string } } };
    const before = compileValue(value, { configFile: 'pipeline.config.ts', render });
    value.options.flink.checkpointInterval = '45s';
    const after = compileValue(value, { configFile: 'pipeline.config.ts', render });
    value.options.flink.checkpointInterval = '30s';
    const names = (r: typeof before) => jobs(new Map(r.artefacts.map((a) => [a.path, String(a.contents)])));
    const changed = names(after).filter((n) => !names(before).includes(n));
    expect(changed.map((n) => n.replace(/-[0-9a-f]{8}$/, ''))).toEqual(['name: flink-sql-runner']);
    expect(jobs(files)).toEqual(names(before));
  });

  test('the dev overlay generates only labelled placeholder Secrets; base and prod only reference Secrets', async () => {
    const { files } = await compileProject(bookstore.config);
    for (const [path, contents] of files) {
      if (!path.startsWith('kubernetes/')) continue;
      if (path === 'kubernetes/overlays/dev/dev-secrets.yaml') {
        for (const doc of parseAllDocuments(contents).map((d) => d.toJS() as Record<string, unknown>)) {
          expect(doc['kind']).toBe('Secret');
          expect((doc['metadata'] as { labels: Record<string, string> }).labels['cdc-compile/dev-placeholder']).toBe(
            'true',
          );
          for (const v of Object.values(doc['stringData'] as Record<string, string>))
            expect(v).toBe('dev-only-placeholder-not-a-secret');
        }
      } else expect(contents, path).not.toMatch(/^kind: Secret$/m);
    }
  });
});

describe('production hardening', () => {
  test('prod: every pod isolated; NetworkPolicies admit exactly the connections the Model lists', async () => {
    const { files, model } = await compileProject(bookstore.config);
    const prod = kustomize(join(writeTree(files), 'kubernetes/overlays/prod'));
    const denies = prod.filter((o) => o['kind'] === 'NetworkPolicy' && key(o).endsWith('/default-deny-ingress'));
    expect(denies.map((o) => key(o).split('/')[1]).sort()).toEqual(['analytics', 'infra']);
    const bootstrap = prod.some((o) => o['kind'] === 'Job' && key(o).includes('superset-bootstrap'));
    expect(admitted(prod)).toEqual(
      [
        'analytics-ddl -> analytics-db:5432',
        'debezium -> debezium:8083',
        'debezium -> kafka:9092',
        'flink-jobmanager -> flink-taskmanager:6122',
        'flink-jobmanager -> kafka:9092',
        'flink-sql-runner -> flink-jobmanager:8081',
        'flink-taskmanager -> analytics-db:5432',
        'flink-taskmanager -> flink-jobmanager:6123',
        'flink-taskmanager -> flink-jobmanager:6124',
        'flink-taskmanager -> flink-taskmanager:6122',
        'flink-taskmanager -> kafka:9092',
        'kafka -> kafka:9092',
        'kafka -> kafka:9093',
        'register-connectors -> debezium:8083',
        'superset -> analytics-db:5432',
        ...(bootstrap ? ['superset-bootstrap -> superset:8088'] : []),
      ].sort(),
    );
    // The dev overlay (a kind cluster) has none; its source databases are reachable from Connect only in prod's sense.
    const dev = kustomize(join(writeTree(files), 'kubernetes/overlays/dev'));
    expect(dev.filter((o) => o['kind'] === 'NetworkPolicy')).toEqual([]);
    expect(model!.deployment!.flows.some((f) => f.from === 'connect' && f.to === 'database:ecom')).toBe(true);
  });

  test('a profile that deploys its source databases admits Connect and the setup Job to them, nothing else', async () => {
    const { loadConfig } = await import('../src/load/index.js');
    const value = (await loadConfig(bookstore.config)).value as { options: Record<string, any> };
    value.options['deployment'].profiles = { staging: { networkPolicies: true } };
    const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;
    const r = compileValue(value, { configFile: 'pipeline.config.ts', render });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const files = new Map(
      r.artefacts.flatMap((a) => (typeof a.contents === 'string' ? [[a.path, a.contents] as const] : [])),
    );
    const staging = kustomize(join(writeTree(files), 'kubernetes/overlays/staging'));
    const toSources = admitted(staging).filter((x) => /-> (ecom|inventory)-db:/.test(x));
    expect(toSources).toEqual([
      'debezium -> ecom-db:5432',
      'debezium -> inventory-db:5432',
      'ecom-db-setup -> ecom-db:5432',
      'inventory-db-setup -> inventory-db:5432',
    ]);
    expect(admitted(staging).filter((x) => x.includes('not isolated'))).toEqual([]);
  });

  test('prod: replicated parts get a PodDisruptionBudget (one down at a time) and spread over nodes', async () => {
    const { files, model } = await compileProject(bookstore.config);
    const prod = kustomize(join(writeTree(files), 'kubernetes/overlays/prod'));
    const pdbs = prod.filter((o) => o['kind'] === 'PodDisruptionBudget');
    expect(pdbs.map((o) => key(o)).sort()).toEqual([
      'PodDisruptionBudget/infra/debezium',
      'PodDisruptionBudget/infra/kafka',
    ]);
    for (const p of pdbs) expect((p['spec'] as { maxUnavailable: number }).maxUnavailable).toBe(1);
    const kafka = prod.find((o) => key(o) === 'StatefulSet/infra/kafka')!;
    const spec = kafka['spec'] as { replicas: number; template: { spec: Record<string, unknown> } };
    expect(spec.replicas).toBe(model!.deployment!.profiles.find((p) => p.name === 'prod')!.components.kafka.replicas);
    expect(spec.template.spec['topologySpreadConstraints']).toEqual([
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1 }),
    ]);
    const dev = kustomize(join(writeTree(files), 'kubernetes/overlays/dev'));
    expect(dev.filter((o) => o['kind'] === 'PodDisruptionBudget')).toEqual([]);
  });

  test('a flow to a port the pod does not declare is a compile-time error', async () => {
    const { model, files, binaries } = await compileProject(bookstore.config);
    const d = model!.deployment!;
    const prod = d.profiles.find((p) => p.name === 'prod')!;
    const broken = {
      ...d,
      flows: d.flows.map((f) => (f.to === 'kafka' && f.from === 'connect' ? { ...f, ports: [9999] } : f)),
    };
    const content = new Map<string, string | Uint8Array>(
      [...files, ...binaries].filter(([p]) => !p.startsWith('kubernetes/')),
    );
    const templates = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS);
    const ctx = { configFile: 'pipeline.config.ts', render: templates.render };
    const placed = buildStack({ model: model!, deployment: broken, profile: prod, content, ctx }, []);
    const found = checkObjects(placed, { model: model!, deployment: broken, profile: prod, content }).map(
      (x) => x.message,
    );
    expect(found).toEqual([
      "overlay 'prod': NetworkPolicy infra/allow-to-kafka opens port 9999, which StatefulSet infra/kafka does not declare",
    ]);
    const fine = buildStack({ model: model!, deployment: d, profile: prod, content, ctx }, []);
    expect(checkObjects(fine, { model: model!, deployment: d, profile: prod, content })).toEqual([]);
  });
});

describe('schema validation can fail (negative controls)', () => {
  test('kubernetes-models rejects a string port, a bad quantity, a missing selector', () => {
    const container = { name: 'a', image: 'x:1', ports: [{ containerPort: 80 }] };
    const good = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'a' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [container] } },
      },
    };
    expect(() => validate(good)).not.toThrow();
    const bad = JSON.parse(JSON.stringify(good));
    bad.spec.template.spec.containers[0].ports[0].containerPort = '80';
    expect(() => validate(bad)).toThrow(/must be integer/);
    const badQuantity = JSON.parse(JSON.stringify(good));
    badQuantity.spec.template.spec.containers[0].resources = { limits: { memory: 'lots' } };
    expect(() => validate(badQuantity)).toThrow();
    const noSelector = JSON.parse(JSON.stringify(good));
    delete noSelector.spec.selector;
    expect(() => validate(noSelector)).toThrow(/selector/);
  });

  test('kustomize rejects a patch for an object the base does not have', async () => {
    const { files } = await compileProject(bookstore.config);
    const dir = writeTree(files);
    const k = join(dir, 'kubernetes/overlays/prod/kustomization.yaml');
    writeFileSync(k, readFileSync(k, 'utf8').replace('../../base', '../dev'));
    writeFileSync(
      join(dir, 'kubernetes/overlays/prod/patches/statefulset-infra-kafka.yaml'),
      'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: nope\n  namespace: infra\nspec:\n  replicas: 3\n',
    );
    expect(() => kustomize(join(dir, 'kubernetes/overlays/prod'))).toThrow();
  });
});

describe('compile-time checks', () => {
  async function bookstoreValue() {
    const { loadConfig } = await import('../src/load/index.js');
    return (await loadConfig(bookstore.config)).value as { options: Record<string, any> };
  }
  const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;
  const codes = (value: unknown, profile?: string) =>
    compileValue(value, { configFile: 'pipeline.config.ts', render }, profile ? { profile } : {})
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => [d.code, d.subject?.path?.join('.')]);

  test('NodePorts out of range or taken twice, too few task slots, unknown databases and profiles', async () => {
    const value = await bookstoreValue();
    const d = value.options['deployment'];
    const saved = JSON.stringify(d.profiles ?? null);
    d.profiles = {
      dev: { nodePorts: { superset: 8080, flink: 32300 }, taskSlots: 1 },
      prod: { databases: { ecomm: { deploy: false } } },
    };
    expect(codes(value)).toEqual(
      expect.arrayContaining([
        ['DEPLOYMENT.NODE_PORT_RANGE', 'deployment.profiles.dev.nodePorts.superset'],
        ['DEPLOYMENT.NODE_PORT_TAKEN', 'deployment.profiles.dev.nodePorts.flink'],
        ['DEPLOYMENT.FLINK_SLOTS', 'deployment.profiles.dev.taskSlots'],
        ['DEPLOYMENT.UNKNOWN_DATABASE', 'deployment.profiles.prod.databases.ecomm'],
      ]),
    );
    d.profiles = JSON.parse(saved) ?? undefined;
    if (d.profiles === undefined) delete d.profiles;
    expect(codes(value, 'staging')).toEqual([['DEPLOYMENT.UNKNOWN_PROFILE', 'deployment.profiles']]);
    expect(codes(value)).toEqual([]);
  });

  test('an explicit host that disagrees with the deployment is an error; one that agrees is fine', async () => {
    const value = await bookstoreValue();
    value.options['analytics'].host = 'analytics-db.analytics.svc.cluster.local';
    expect(codes(value)).toEqual([]);
    value.options['analytics'].host = 'db.example.com';
    expect(codes(value)).toEqual([['DEPLOYMENT.ADDRESS_CONFLICT', 'analytics.host']]);
    delete value.options['analytics'].host;
  });

  test('the local profile points every address at 127.0.0.1 and emits no Kubernetes objects', async () => {
    const value = await bookstoreValue();
    const r = compileValue(value, { configFile: 'pipeline.config.ts', render }, { profile: 'local' });
    const files = new Map(r.artefacts.map((a) => [a.path, String(a.contents)]));
    expect(JSON.parse(files.get('debezium/ecom-connector.json')!)['database.hostname']).toBe('127.0.0.1');
    expect(files.get('flink/pipeline.sql')).toContain("'properties.bootstrap.servers'            = '127.0.0.1:9092'");
    expect(files.get('flink/pipeline.sql')).toContain('jdbc:postgresql://127.0.0.1:5432/analyticsdb');
    expect(files.get('debezium/register-connectors.sh')).toContain("DEFAULT_CONNECT_URL='http://127.0.0.1:8083'");
    expect([...files.keys()].filter((p) => p.startsWith('kubernetes/'))).toEqual([]);
  });

  test('every ${ENV} an artefact uses must have a source in the pod that resolves it', async () => {
    const { model, files, binaries } = await compileProject(bookstore.config);
    const d = model!.deployment!;
    const content = new Map<string, string | Uint8Array>(
      [...files, ...binaries].filter(([p]) => !p.startsWith('kubernetes/')),
    );
    const ctx = { model: model!, deployment: d, profile: d.base, content };
    const placed = buildStack({ ...ctx, ctx: { configFile: 'x', render } }, []);
    expect(checkObjects(placed, ctx)).toEqual([]);
    const broken = JSON.parse(JSON.stringify(placed)) as Placed[];
    const runner = broken.find(
      (p) => p.object.kind === 'Job' && p.object.metadata!.name!.startsWith('flink-sql-runner'),
    )!;
    const container = (runner.object as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } })
      .spec.template.spec.containers[0]!;
    container.env = container.env.filter((e) => e.name !== 'ANALYTICS_DB_PASSWORD');
    const connect = broken.find((p) => p.object.kind === 'Deployment' && p.object.metadata!.name === 'debezium')!;
    const worker = (connect.object as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } })
      .spec.template.spec.containers[0]!;
    worker.env = worker.env.filter((e) => e.name !== 'ECOM_DB_PASSWORD');
    const svc = broken.find((p) => p.object.kind === 'Service' && p.object.metadata!.name === 'kafka')!;
    (svc.object as { spec: { selector: Record<string, string> } }).spec.selector['app.kubernetes.io/name'] = 'kafak';
    const messages = checkObjects(broken, ctx).map((x) => `${x.code}: ${x.message}`);
    expect(messages).toEqual([
      'K8S.SELECTOR_MATCHES_NOTHING: the kustomize base: Service infra/kafka selects no pod template',
      'K8S.UNBOUND_PLACEHOLDER: the kustomize base: debezium/ecom-connector.json uses ${env:ECOM_DB_PASSWORD}, but Deployment infra/debezium has no variable ECOM_DB_PASSWORD',
      expect.stringMatching(
        /^K8S.UNBOUND_PLACEHOLDER: .*flink\/pipeline.sql uses \$\{ANALYTICS_DB_PASSWORD\}, but Job analytics\/flink-sql-runner-/,
      ),
    ]);
  });

  test('an artefact beyond the ConfigMap limit is split across ConfigMaps; one larger than a ConfigMap is refused', async () => {
    const { model, files, binaries } = await compileProject(bookstore.config);
    const d = model!.deployment!;
    const big = 'x'.repeat(CONFIGMAP_LIMIT - 100);
    const content = new Map<string, string | Uint8Array>(
      [...files, ...binaries].filter(([p]) => !p.startsWith('kubernetes/')),
    );
    content.set('analytics/views.sql', big);
    const out: { code: string }[] = [];
    const placed = buildStack(
      { model: model!, deployment: d, profile: d.base, content, ctx: { configFile: 'x', render } },
      out as never,
    );
    const maps = placed.filter(
      (p) => p.object.kind === 'ConfigMap' && p.object.metadata!.name!.startsWith('bookstore-analytics-sql'),
    );
    expect(maps.length).toBeGreaterThan(1);
    maps.forEach((m, n) => expect(m.object.metadata!.name).toBe(`bookstore-analytics-sql-${n + 1}`));
    const keys = maps.flatMap((m) => Object.keys((m.object as { data: object }).data));
    expect(keys.sort()).toEqual(['apply-analytics.sh', 'schema.sql', 'views.sql']);
    expect(checkObjects(placed, { model: model!, deployment: d, profile: d.base, content })).toEqual([]);
    expect(out).toEqual([]);
    content.set('analytics/views.sql', big + 'y'.repeat(200));
    buildStack(
      { model: model!, deployment: d, profile: d.base, content, ctx: { configFile: 'x', render } },
      out as never,
    );
    expect(out.map((x) => x.code)).toEqual(['K8S.ARTEFACT_TOO_LARGE']);
  });
});

describe('the YAML writer', () => {
  test('random JSON-shaped values round-trip through the yaml package', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const atoms = [
      '',
      ' ',
      'a',
      'true',
      'no',
      'on',
      'null',
      '~',
      '1',
      '1.0',
      '0x1F',
      '1e3',
      '.5',
      '1:20',
      '2024-01-01',
      'a: b',
      'a #b',
      '#x',
      '-x',
      '- x',
      '*a',
      '&a',
      '!t',
      '%d',
      '@x',
      '`x',
      '"q"',
      "'s'",
      '{a}',
      '[b]',
      'a,b',
      'x:',
      ':x',
      'line\nline',
      'line\n',
      'line\n\n',
      '\nfirst empty',
      '  indented\nx',
      'x\n  indented',
      'tab\tin',
      'trailing \nx',
      'é ü ✓',
      '\u2028',
      'a\r\nb',
      '$(VAR)',
      '${env:X}',
      '0@k-0.h:9093,1@k-1.h:9093',
      '-Xms1g -Xmx1g',
      'k=v',
    ];
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.4) return pick<unknown>([...atoms, 0, -1, 1.5, 1e21, true, false, null]);
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [pick(atoms), value(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const v = { kind: 'X', data: value(0) };
      const text = canonicalYaml(v);
      expect(
        parseAllDocuments(text).map((d) => d.toJS()),
        text,
      ).toEqual([v]);
    }
  });

  test('header keys first, no anchors for repeated objects, literal blocks, round trip', () => {
    const shared = { a: 1 };
    const text = canonicalYaml({
      spec: { first: shared, second: shared },
      metadata: { labels: {}, name: 'demo' },
      kind: 'K',
      apiVersion: 'v1',
      data: { 'f.sh': 'echo 1\necho 2\n', count: '1', flag: 'true', list: ['a', { name: 'b', x: [] }] },
    });
    expect(text).toBe(
      [
        'apiVersion: v1',
        'kind: K',
        'metadata:',
        '  name: demo',
        '  labels: {}',
        'spec:',
        '  first:',
        '    a: 1',
        '  second:',
        '    a: 1',
        'data:',
        '  f.sh: |',
        '    echo 1',
        '    echo 2',
        '  count: "1"',
        '  flag: "true"',
        '  list:',
        '    - a',
        '    - name: b',
        '      x: []',
        '',
      ].join('\n'),
    );
  });

  test('lists in lists, maps in lists, block chomping and empty lines: exact layout', () => {
    // The writer appends each line once (no line list to patch afterwards): every place where a line's
    // lead differs from its indent (a dash before a list or a map, a block's empty lines) is pinned here.
    const text = canonicalYaml({
      kind: 'K',
      list: [[1, [2, 3]], { a: { b: [1, { c: 'x' }] }, d: 2 }, [], {}, [{ e: [] }]],
      text: 'a\n\nb\n',
      lead: '\n\nx\ny',
      keep: 'p\nq\n\n\n',
      gone: undefined,
      m: { x: undefined, name: 'n', y: 1, kind: 'z' },
    });
    expect(text).toBe(
      [
        'kind: K',
        'list:',
        '  - - 1',
        '    - - 2',
        '      - 3',
        '  - a:',
        '      b:',
        '        - 1',
        '        - c: x',
        '    d: 2',
        '  - []',
        '  - {}',
        '  - - e: []',
        'text: |',
        '  a',
        '',
        '  b',
        'lead: |-',
        '',
        '',
        '  x',
        '  y',
        'keep: |+',
        '  p',
        '  q',
        '',
        '',
        'm:',
        '  kind: z',
        '  name: "n"',
        '  "y": 1',
        '',
      ].join('\n'),
    );
    expect(canonicalYaml({})).toBe('\n');
  });

  test('strategicDiff patches named list elements and replaces other lists', () => {
    const a = {
      spec: {
        replicas: 1,
        containers: [
          {
            name: 'c',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            args: ['x'],
          },
        ],
      },
    };
    const b = {
      spec: {
        replicas: 3,
        containers: [
          {
            name: 'c',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '3' },
            ],
            args: ['y'],
          },
        ],
      },
    };
    expect(strategicDiff(a, b)).toEqual({
      spec: { replicas: 3, containers: [{ name: 'c', env: [{ name: 'A' }, { name: 'B', value: '3' }], args: ['y'] }] },
    });
    expect(strategicDiff(a, a)).toBeUndefined();
  });
});

test('kubernetes-models stays off the compile path (type-only imports)', () => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  const built = readdirSync(join(ROOT, 'dist')).filter((f) => /\.c?js$/.test(f));
  expect(
    built.some((f) => readFileSync(join(ROOT, 'dist', f), 'utf8').includes('src/targets/kubernetes/objects.ts')),
  ).toBe(true);
  for (const f of built)
    expect(readFileSync(join(ROOT, 'dist', f), 'utf8'), f).not.toMatch(
      /(from|import|require)\s*\(?\s*['"]kubernetes-models/,
    );
});

test('--profile on the command line: local compiles for 127.0.0.1, an unknown profile is a located error', async () => {
  const { spawnSync } = await import('node:child_process');
  const out = mkdtempSync(join(tmpdir(), 'cdc-local-'));
  const bin = join(ROOT, 'bin/cdc-compile.js');
  const ok = spawnSync('node', [bin, '--config', bookstore.config, '--profile', 'local', '--out', out], {
    encoding: 'utf8',
  });
  expect(ok.status, ok.stderr).toBe(0);
  expect(JSON.parse(readFileSync(join(out, 'debezium/ecom-connector.json'), 'utf8'))['database.hostname']).toBe(
    '127.0.0.1',
  );
  const bad = spawnSync('node', [bin, '--config', bookstore.config, '--profile', 'qa', '--out', out], {
    encoding: 'utf8',
  });
  expect(bad.status).toBe(1);
  expect(bad.stderr + bad.stdout).toMatch(
    /pipeline\.config\.ts:\d+:\d+ error DEPLOYMENT\.UNKNOWN_PROFILE: there is no profile 'qa'/,
  );
});

test('kafka.topics become Debezium topic.creation.* settings; with a deployment the broker default replication factor', async () => {
  const { loadConfig } = await import('../src/load/index.js');
  const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;
  const value = (await loadConfig(bookstore.config)).value as { options: Record<string, any> };
  const connector = () => {
    const r = compileValue(value, { configFile: 'pipeline.config.ts', render });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const json = JSON.parse(r.artefacts.find((a) => a.path === 'debezium/ecom-connector.json')!.contents as string);
    return Object.fromEntries(Object.entries(json).filter(([k]) => k.startsWith('topic.creation')));
  };
  expect(connector()).toEqual({
    'topic.creation.default.replication.factor': '-1',
    'topic.creation.default.partitions': '1',
  });
  value.options['kafka'] = {
    topics: { partitions: 3, replicationFactor: 3, cleanupPolicy: 'delete', retentionMs: 604800000 },
  };
  expect(connector()).toEqual({
    'topic.creation.default.replication.factor': '3',
    'topic.creation.default.partitions': '3',
    'topic.creation.default.cleanup.policy': 'delete',
    'topic.creation.default.retention.ms': '604800000',
  });
  delete value.options['kafka'];
});

test('the Superset bootstrap slot: empty, no Job; filled through the Model, a hashed Job over the superset/ artefacts', async () => {
  const { model, files } = await compileProject(bookstore.config);
  const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;
  const content = new Map<string, string | Uint8Array>(
    [...files].filter(([p]) => !p.startsWith('kubernetes/') && !p.startsWith('superset/')),
  );
  const jobs = (m: typeof model) =>
    buildStack(
      {
        model: m!,
        deployment: m!.deployment!,
        profile: m!.deployment!.base,
        content,
        ctx: { configFile: 'x', render },
      },
      [],
    )
      .filter((p) => p.object.kind === 'Job')
      .map((p) => p.object.metadata!.name!);
  // The book store's slot is filled by the Superset pass; emptied, there is no Job.
  expect(model!.deployment!.supersetBootstrap.command).toEqual(['python3', '/opt/cdc/superset/bootstrap']);
  const empty = { ...model!, deployment: { ...model!.deployment!, supersetBootstrap: { env: [] } } };
  expect(jobs(empty).some((n) => n.startsWith('superset-bootstrap'))).toBe(false);
  // The bundle/ folder is for people (the zip holds the same files); bytes become binaryData.
  content.set('superset/bundle/metadata.yaml', 'version: 1.0.0\n');
  content.set('superset/bootstrap', 'print("not this one")\n');
  content.set('superset/bundle.zip', new Uint8Array([0x50, 0x4b, 5, 6]));
  content.set('superset/bootstrap.py', 'print("import")\n');
  // The Job mounts the files the Model names (here a renamed script), not whatever sits under superset/.
  const filled = {
    ...model!,
    superset: { ...model!.superset, bootstrap: { ...model!.superset.bootstrap, script: 'superset/bootstrap.py' } },
    deployment: {
      ...model!.deployment!,
      supersetBootstrap: { command: ['python3', '/opt/cdc/superset/bootstrap.py'], env: [model!.analytics.password] },
    },
  };
  const placed = buildStack(
    {
      model: filled,
      deployment: filled.deployment,
      profile: filled.deployment.base,
      content,
      ctx: { configFile: 'x', render },
    },
    [],
  );
  const job = placed.find(
    (p) => p.object.kind === 'Job' && p.object.metadata!.name!.startsWith('superset-bootstrap-'),
  )!;
  expect(job).toBeDefined();
  // The Job's name hashes the zip's bytes (as a digest): other bytes, another Job.
  const rebuilt = new Map(content).set('superset/bundle.zip', new Uint8Array([0x50, 0x4b, 5, 7]));
  const other = buildStack(
    {
      model: filled,
      deployment: filled.deployment,
      profile: filled.deployment.base,
      content: rebuilt,
      ctx: { configFile: 'x', render },
    },
    [],
  ).find((p) => p.object.kind === 'Job' && p.object.metadata!.name!.startsWith('superset-bootstrap-'))!;
  expect(other.object.metadata!.name).not.toBe(job.object.metadata!.name);
  const map = placed.find((p) => p.object.kind === 'ConfigMap' && p.object.metadata!.name === 'bookstore-superset')!;
  expect(Object.keys((map.object as { data: object }).data)).toEqual(['bootstrap.py']);
  expect((map.object as { binaryData: object }).binaryData).toEqual({ 'bundle.zip': 'UEsFBg==' });
  expect(JSON.stringify(job.object)).toContain('"path":"bundle.zip"');
  expect(JSON.stringify(job.object)).not.toContain('metadata.yaml');
  expect(
    checkObjects(placed, { model: filled, deployment: filled.deployment, profile: filled.deployment.base, content }),
  ).toEqual([]);
  validate(JSON.parse(JSON.stringify(job.object)));
});

test('one emit builds what does not depend on the profile once: the base and the profiles share its scripts, and each is the profile built alone', async () => {
  const { model, files, binaries } = await compileProject(bookstore.config);
  const d = model!.deployment!;
  const content = new Map<string, string | Uint8Array>(
    [...files, ...binaries].filter(([p]) => !p.startsWith('kubernetes/')),
  );
  expect([...content.values()].some((c) => c instanceof Uint8Array)).toBe(true);
  const templates = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS);
  const rendered: string[] = [];
  const counting = {
    configFile: 'pipeline.config.ts',
    render: ((name, data) => {
      rendered.push(name);
      return templates.render(name, data);
    }) as typeof templates.render,
  };
  const builds = [d.base, ...d.profiles];
  const memo = new StackMemo();
  const shared = builds.map((profile) =>
    buildStack({ model: model!, deployment: d, profile, content, ctx: counting, memo }, []),
  );
  const once = rendered.length;
  rendered.length = 0;
  buildStack({ model: model!, deployment: d, profile: d.base, content, ctx: counting }, []);
  expect(once).toBeGreaterThan(0);
  expect(once).toBe(rendered.length);
  const ctx = { configFile: 'pipeline.config.ts', render: templates.render };
  for (const [i, profile] of builds.entries())
    expect(
      shared[i]!.map((p) => p.object),
      profile.name,
    ).toEqual(buildStack({ model: model!, deployment: d, profile, content, ctx }, []).map((p) => p.object));
});
