/**
 * Semantic checks over one profile's objects: what the API server or kubelet would refuse, or what would
 * start but not work, and that schema validation cannot see (names, NodePorts, selectors, references,
 * placeholders, task slots). Each finding is a diagnostic pointing at the deployment section.
 */
import { error, type Diagnostic, type Subject } from '../../diagnostics.js';
import type { DeploymentModel, ProfileModel } from '../../resolve/deployment.js';
import type { Model } from '../../resolve/model.js';
import { podSpecs, secretFileRefs, secretRefs, type K8sObject, type Placed } from './objects.js';

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** `${NAME}` (envsubst) or `${env:NAME}` (Connect's env config provider) placeholders in a text. */
export function placeholders(text: string, pattern: 'envsubst' | 'env-provider'): string[] {
  const re = pattern === 'envsubst' ? /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g : /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
  return [...new Set([...text.matchAll(re)].map((m) => m[1]!))];
}

export function checkObjects(
  placed: readonly Placed[],
  context: {
    readonly model: Model;
    readonly deployment: DeploymentModel;
    readonly profile: ProfileModel;
    readonly content: ReadonlyMap<string, string | Uint8Array>;
  },
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { deployment: d, profile: prof, content } = context;
  const where = prof.name === 'base' ? 'the kustomize base' : `overlay '${prof.name}'`;
  const subject: Subject = {
    kind: 'pipeline',
    path: prof.name === 'base' ? ['deployment'] : ['deployment', 'profiles', prof.name],
  };
  const report = (code: string, message: string, hint?: string) =>
    out.push(error(code, `${where}: ${message}`, subject, hint));
  const objects = placed.map((p) => p.object);
  const id = (o: K8sObject) =>
    `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

  // Names and labels.
  const seen = new Set<string>();
  for (const o of objects) {
    const name = o.metadata?.name ?? '';
    const dns = o.kind === 'Service' || o.kind === 'Namespace' ? LABEL : SUBDOMAIN;
    const max = o.kind === 'Service' || o.kind === 'Namespace' ? 63 : 253;
    if (!dns.test(name) || name.length > max)
      report(
        'K8S.INVALID_NAME',
        `${id(o)} is not a DNS-1123 ${max === 63 ? 'label' : 'subdomain'}`,
        'shorten or rename the pipeline, source or service',
      );
    if (seen.has(id(o))) report('K8S.DUPLICATE_OBJECT', `${id(o)} is generated twice`);
    seen.add(id(o));
    for (const [k, v] of Object.entries(o.metadata?.labels ?? {}))
      if (v.length > 63 || !LABEL_VALUE.test(v))
        report('K8S.INVALID_LABEL', `${id(o)} label ${k}=${v} is not a label value`);
  }

  // NodePorts: in range and unique across the whole cluster.
  const nodePorts = new Map<number, string>();
  for (const o of objects) {
    if (o.kind !== 'Service') continue;
    for (const p of o.spec?.ports ?? []) {
      if (p.nodePort === undefined) continue;
      if (p.nodePort < 30000 || p.nodePort > 32767)
        report('K8S.NODE_PORT_RANGE', `${id(o)} uses NodePort ${p.nodePort}, outside 30000–32767`);
      const other = nodePorts.get(p.nodePort);
      if (other) report('K8S.NODE_PORT_TAKEN', `${id(o)} and ${other} both use NodePort ${p.nodePort}`);
      nodePorts.set(p.nodePort, id(o));
    }
  }

  // Selectors match pod templates in the same namespace.
  const templates = objects.flatMap((o) =>
    o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Job'
      ? [{ o, ns: o.metadata?.namespace, labels: o.spec?.template.metadata?.labels ?? {} }]
      : [],
  );
  const matches = (sel: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(sel).every(([k, v]) => labels[k] === v);
  for (const o of objects) {
    if (o.kind === 'Service' && o.spec?.type !== 'ExternalName') {
      const sel = o.spec?.selector ?? {};
      const targets = templates.filter(
        (t) => t.ns === o.metadata?.namespace && t.o.kind !== 'Job' && matches(sel, t.labels),
      );
      if (Object.keys(sel).length === 0 || targets.length === 0)
        report('K8S.SELECTOR_MATCHES_NOTHING', `${id(o)} selects no pod template`);
      for (const p of o.spec?.ports ?? []) {
        const named = typeof p.targetPort === 'string' ? p.targetPort : undefined;
        for (const t of targets) {
          const ports = podSpecs(t.o).flatMap((s) => s.containers.flatMap((c) => c.ports ?? []));
          if (named && !ports.some((cp) => cp.name === named))
            report('K8S.UNKNOWN_TARGET_PORT', `${id(o)} targets port '${named}', which ${id(t.o)} does not declare`);
        }
      }
    }
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      const sel = o.spec?.selector.matchLabels ?? {};
      if (!matches(sel, o.spec?.template.metadata?.labels ?? {}))
        report('K8S.SELECTOR_MISMATCH', `${id(o)}'s selector does not match its own pod template`);
    }
  }

  // Disruption budgets and network policies select pods that exist; a policy opens only ports its pods declare.
  const podsIn = (ns: string | undefined, sel: Record<string, string>, jobs = true) =>
    templates.filter((t) => t.ns === ns && (jobs || t.o.kind !== 'Job') && matches(sel, t.labels));
  for (const o of objects) {
    if (o.kind === 'PodDisruptionBudget') {
      if (podsIn(o.metadata?.namespace, o.spec?.selector?.matchLabels ?? {}, false).length === 0)
        report('K8S.SELECTOR_MATCHES_NOTHING', `${id(o)} selects no pod template`);
    }
    if (o.kind !== 'NetworkPolicy') continue;
    const sel = o.spec?.podSelector.matchLabels ?? {};
    const targets = podsIn(o.metadata?.namespace, sel);
    if (Object.keys(sel).length > 0 && targets.length === 0)
      report('K8S.SELECTOR_MATCHES_NOTHING', `${id(o)} applies to no pod template`);
    for (const rule of o.spec?.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        const ns = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? o.metadata?.namespace;
        if (podsIn(ns, peer.podSelector?.matchLabels ?? {}).length === 0)
          report('K8S.SELECTOR_MATCHES_NOTHING', `${id(o)} admits traffic from pods that no template in ${ns} has`);
      }
      for (const p of rule.ports ?? [])
        for (const t of targets) {
          const declared = podSpecs(t.o).flatMap((s) => s.containers.flatMap((c) => c.ports ?? []));
          if (!declared.some((cp) => cp.containerPort === p.port || cp.name === p.port))
            report(
              'K8S.UNKNOWN_TARGET_PORT',
              `${id(o)} opens port ${p.port}, which ${id(t.o)} does not declare`,
              "the Model's flows and the containers' ports must agree",
            );
        }
    }
  }

  // References: ConfigMaps and PVCs generated in the same namespace; Secrets declared by the config or
  // generated (the dev placeholders).
  const security = context.model.kafka.security;
  const present = new Set(objects.map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`));
  const has = (kind: string, ns: string | undefined, name: string | undefined) => present.has(`${kind}/${ns}/${name}`);
  const declared = new Set(
    [
      ...context.model.sources.flatMap((s) => s.secrets),
      ...context.model.flink.env,
      context.model.analytics.password,
      ...(typeof context.model.analytics.user === 'string' ? [] : [context.model.analytics.user]),
      ...d.databases.map((db) => db.superuserPassword),
      ...d.databases.flatMap((db) => (typeof db.superuser === 'string' ? [] : [db.superuser])),
      d.supersetSecretKey,
      d.supersetAdminPassword,
      ...d.supersetBootstrap.env,
      ...context.model.connect.env,
      ...(security?.broker ? [security.broker.truststorePassword] : []),
    ].map((b) => `${b.secret}/${b.key}`),
  );
  // Files from Secrets: the Kafka truststore, the brokers' keystore, its passwords and JAAS file.
  const declaredFiles = new Set(
    security
      ? [
          [security.truststore.secret, security.truststore.file],
          ...(security.broker
            ? [
                ...[
                  security.broker.keystore.file,
                  security.broker.keystore.passwordKey,
                  security.broker.keystore.keyPasswordKey,
                ].map((k) => [security.broker!.keystore.secret, k]),
                [security.broker.jaas.secret, security.broker.jaas.key],
              ]
            : []),
        ].map(([n, k]) => `${n}/${k}`)
      : [],
  );
  for (const o of objects) {
    const ns = o.metadata?.namespace;
    for (const spec of podSpecs(o)) {
      for (const v of spec.volumes ?? []) {
        const maps = [
          ...(v.configMap ? [v.configMap.name] : []),
          ...(v.projected?.sources ?? []).flatMap((s) => (s.configMap ? [s.configMap.name] : [])),
        ];
        for (const m of maps)
          if (!has('ConfigMap', ns, m))
            report('K8S.MISSING_REFERENCE', `${id(o)} mounts ConfigMap ${m}, which is not generated in ${ns}`);
        const claim = v.persistentVolumeClaim?.claimName;
        if (claim && !has('PersistentVolumeClaim', ns, claim))
          report(
            'K8S.MISSING_REFERENCE',
            `${id(o)} mounts PersistentVolumeClaim ${claim}, which is not generated in ${ns}`,
          );
      }
      const containers = [...(spec.initContainers ?? []), ...spec.containers];
      for (const c of containers) {
        const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
        if (o.kind === 'StatefulSet')
          for (const t of o.spec?.volumeClaimTemplates ?? []) volumes.add(t.metadata?.name ?? '');
        for (const m of c.volumeMounts ?? [])
          if (!volumes.has(m.name))
            report(
              'K8S.MISSING_REFERENCE',
              `${id(o)} container ${c.name} mounts volume ${m.name}, which the pod does not have`,
            );
        const ports = (c.ports ?? []).map((p) => p.containerPort);
        if (new Set(ports).size !== ports.length)
          report('K8S.DUPLICATE_PORT', `${id(o)} container ${c.name} declares a port twice`);
        // A second entry silently replaces the first: two Secrets (or a Secret and a setting) under one name.
        const seen = new Set<string>();
        for (const e of c.env ?? []) {
          if (seen.has(e.name)) report('K8S.DUPLICATE_ENV', `${id(o)} container ${c.name} declares ${e.name} twice`);
          seen.add(e.name);
        }
      }
    }
    for (const ref of secretRefs(o)) {
      if (!declared.has(`${ref.name}/${ref.key}`) && !has('Secret', ns, ref.name))
        report(
          'K8S.MISSING_REFERENCE',
          `${id(o)} reads Secret ${ref.name} (key ${ref.key}), which the config does not declare`,
        );
    }
    for (const ref of secretFileRefs(o)) {
      if (!declaredFiles.has(`${ref.name}/${ref.key}`) && !has('Secret', ns, ref.name))
        report(
          'K8S.MISSING_REFERENCE',
          `${id(o)} mounts Secret ${ref.name} (key ${ref.key}), which the config does not declare`,
        );
    }
  }

  // Every placeholder in an artefact a pod consumes has a source in that pod's environment.
  for (const p of placed) {
    for (const r of p.resolves ?? []) {
      const text = String(content.get(r.path) ?? '');
      const envs = new Set(
        podSpecs(p.object).flatMap((s) => s.containers.flatMap((c) => (c.env ?? []).map((e) => e.name))),
      );
      for (const name of placeholders(text, r.pattern))
        if (!envs.has(name))
          report(
            'K8S.UNBOUND_PLACEHOLDER',
            `${r.path} uses \${${r.pattern === 'env-provider' ? 'env:' : ''}${name}}, but ${id(p.object)} has no variable ${name}`,
          );
    }
  }

  // Task slots cover the pipeline's jobs.
  for (const o of objects) {
    if (o.kind !== 'Deployment' || o.metadata?.name !== 'flink-taskmanager') continue;
    const props = o.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'FLINK_PROPERTIES')?.value ?? '';
    const slots = Number(/taskmanager\.numberOfTaskSlots: (\d+)/.exec(props)?.[1] ?? 1);
    const total = slots * (o.spec?.replicas ?? 1);
    if (total < d.flinkJobs)
      report(
        'K8S.FLINK_SLOTS',
        `${total} task slots for ${d.flinkJobs} Flink jobs`,
        'raise taskSlots or the TaskManager replicas',
      );
  }
  return out;
}
