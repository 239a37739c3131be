/**
 * The Model decides, emitters render: change a decision in the Model and the artefacts follow it, with no
 * second copy of the decision in an emitter or a template (file names, publication statements, replica
 * identity, view drop order, INSERT jobs vs one STATEMENT SET, secret placeholders and env-var names).
 */
import { describe, expect, test } from 'vitest';
import { loadTemplates } from '../src/render/templates.js';
import type { Model } from '../src/resolve/model.js';
import { TEMPLATE_OPTIONS, type EmitContext } from '../src/targets/artefact.js';
import { TARGETS } from '../src/targets/index.js';
import { compileProject, ROOT } from './support/compile.js';

const ctx: EmitContext = {
  configFile: 'pipeline.config.ts',
  render: loadTemplates(undefined, TEMPLATE_OPTIONS).render,
};
const files = (model: Model) =>
  new Map(
    // The content families (the Kubernetes packager reads their paths from the Model too: test/kubernetes.test.ts).
    Object.values(TARGETS)
      .flatMap((emit) => emit(model, ctx))
      .map((a) => [a.path, a.contents]),
  );
const bookstore = async () => (await compileProject(`${ROOT}/pipeline.config.ts`)).model!;

describe('the Model decides', () => {
  test('the Model holds the decisions', async () => {
    const m = await bookstore();
    const s = m.sources[0]!;
    expect(s.files).toEqual({ connector: 'debezium/ecom-connector.json', setup: 'debezium/ecom-setup.sql' });
    expect(s.publication.create).toMatch(
      /^CREATE PUBLICATION \S+ FOR TABLE .* WITH \(publish_via_partition_root = true\)$/,
    );
    expect(s.replicaIdentity.tables).toContain('public.orders');
    expect(s.password.placeholder).toBe(`\${env:${s.password.env}}`);
    expect(m.analytics.password.placeholder).toBe('${ANALYTICS_DB_PASSWORD}');
    expect(m.analytics.dropViews).toEqual(m.views.map((v) => v.qualifiedName).reverse());
    expect(m.flink.submissions).toEqual(
      m.tables.map((t) => ({ name: t.flink.jobName, statementSet: false, tables: [t.flink.sinkTable] })),
    );
    expect(m.connect.secretProvider.imageEnv.providerClass).toBe('CONNECT_CONFIG_PROVIDERS_ENV_CLASS');
  });

  test('emitters follow a changed decision', async () => {
    const m = await bookstore();
    const s = m.sources[0]!;
    const changed: Model = {
      ...m,
      sources: [
        {
          ...s,
          files: { connector: 'debezium/renamed.json', setup: 'debezium/renamed-setup.sql' },
          publication: { create: 'CREATE PUBLICATION p_test FOR ALL TABLES', alter: ['SELECT 1', 'SELECT 2'] },
          replicaIdentity: { ...s.replicaIdentity, tables: ['public.only_this'] },
        },
      ],
      connect: {
        ...m.connect,
        registerScript: 'debezium/register.sh',
        secretProvider: { ...m.connect.secretProvider, imageEnv: { providers: 'P_VAR', providerClass: 'C_VAR' } },
      },
      analytics: {
        ...m.analytics,
        dropViews: ['z_first', 'a_last'],
        files: { schema: 'analytics/s.sql', views: 'analytics/v.sql', migrations: 'analytics/m' },
      },
      flink: {
        ...m.flink,
        env: m.flink.env.map((e) => ({ ...e, placeholder: `<<${e.env}>>` })),
        submissions: [
          { name: 'all-in-one', statementSet: true, tables: m.tables.map((t) => t.flink.sinkTable).reverse() },
        ],
        file: 'flink/jobs.sql',
      },
      superset: {
        ...m.superset,
        bootstrap: {
          ...m.superset.bootstrap,
          script: 'superset/import',
          bundle: 'superset/assets.zip',
          bundleRoot: 'b',
        },
      },
      ops: { checkScript: 'ops/smoke.sh', applyAnalytics: 'ops/apply.sh', changes: 'ops/changes' },
      // The lineage document renders the Model's graph: an edge taken out is gone from it.
      lineage: {
        ...m.lineage,
        edges: m.lineage.edges.filter((e) => e.from !== 'analytics:fact_orders.total'),
        file: 'docs/graph.md',
      },
    };
    const out = files(changed);
    expect(files(m).get('docs/lineage.md')).toMatch(/^\| `total` .*`vw_sales_over_time\.daily_revenue`/m);
    expect(out.get('docs/graph.md')).toMatch(/^\| `total` numeric\(10, 2\) .*\| — \| — \|$/m);
    expect([...out.keys()].filter((p) => !p.startsWith('superset/b/')).sort()).toEqual([
      'analytics/s.sql',
      'analytics/v.sql',
      'debezium/register.sh',
      'debezium/renamed-setup.sql',
      'debezium/renamed.json',
      'docs/graph.md',
      'flink/jobs.sql',
      'ops/apply.sh',
      'ops/smoke.sh',
      'superset/assets.zip',
      'superset/import',
    ]);
    // The bundle's folder is the Model's: the diffable copy, inside the zip, and the script's file name.
    expect([...out.keys()].filter((p) => p.startsWith('superset/b/')).length).toBe(1 + 1 + 10 + 14 + 3);
    expect(Buffer.from(out.get('superset/assets.zip') as Uint8Array).toString('latin1')).toContain('b/metadata.yaml');
    expect(out.get('superset/import')).toContain('BUNDLE_FILE = "assets.zip"');
    // The smoke check waits for the jobs the Model submits, under their names.
    expect(out.get('ops/smoke.sh')).toContain("JOBS=('all-in-one')\n");
    const setup = out.get('debezium/renamed-setup.sql')!;
    expect(setup).toContain('    CREATE PUBLICATION p_test FOR ALL TABLES;\n  ELSE\n    SELECT 1;\n    SELECT 2;\n');
    expect(setup).toContain("ARRAY['public.only_this']");
    const register = out.get('debezium/register.sh')!;
    expect(register).toContain('register ecom-connector renamed.json');
    expect(register).toContain('(P_VAR / C_VAR in the Debezium image)');
    expect(out.get('analytics/v.sql')).toContain('DROP VIEW IF EXISTS\n  z_first,\n  a_last;\n');
    const flink = out.get('flink/jobs.sql') as string;
    expect(flink).toContain("SET 'pipeline.name' = 'all-in-one';\nEXECUTE STATEMENT SET\nBEGIN\nINSERT INTO ");
    expect(flink.match(/SET 'pipeline\.name'/g)).toHaveLength(1);
    const inserts = [...flink.matchAll(/^INSERT INTO (\S+)/gm)].map((x) => x[1]);
    expect(inserts).toEqual(m.tables.map((t) => t.flink.sinkTable).reverse());
    expect(flink).toContain('--   <<ANALYTICS_DB_PASSWORD>> from Secret');
  });
});
