/**
 * A partitioned source table (`partitionBy`): a compile-time fact in the Model, checked against the primary
 * key as PostgreSQL checks it, and what every DDL of the source table renders from it (the dev overlay's
 * demo database, verify's stand-in tables). PostgreSQL (PGlite) runs that DDL: rows land in the demo
 * partitions and the publication's publish_via_partition_root puts them under the parent. The live run
 * (npm run test:e2e, examples/types) shows their changes arriving under the parent's name and topic.
 */
import { PGlite } from '@electric-sql/pglite';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { compileValue } from '../src/compile.js';
import { definePipeline, postgresSource, secret, t } from '../src/index.js';
import { loadTemplates } from '../src/render/templates.js';
import { TEMPLATE_OPTIONS } from '../src/targets/artefact.js';
import { sourceTablesDdl } from '../src/verify/source-tables.js';
import { ROOT } from './support/compile.js';

const render = loadTemplates(join(ROOT, 'no-templates-here'), TEMPLATE_OPTIONS).render;

function config(partitionBy: unknown, primaryKey = ['device_id', 'measured_at']) {
  const app = postgresSource('app', { database: 'app', password: secret('app-db', 'password') });
  app.table('measurements', {
    schema: 'telemetry',
    columns: { device_id: t.uuid(), measured_at: t.timestamptz(), value: t.double() },
    primaryKey: primaryKey as ['device_id'],
    partitionBy: partitionBy as { strategy: 'range'; columns: ['measured_at'] },
  });
  return definePipeline({
    name: 'p',
    sources: [app],
    analytics: { database: 'a', user: 'w', password: secret('a', 'password') },
    deployment: {},
  });
}

const compile = (value: unknown) => compileValue(value, { configFile: 'pipeline.config.ts', render });

describe('partitionBy', () => {
  test('is a fact of the Model: strategy, key columns, the PARTITION BY clause and the demo partitions', () => {
    const range = compile(config({ strategy: 'range', columns: ['measured_at'] }));
    expect(range.diagnostics).toEqual([]);
    expect(range.model!.tables[0]!.partitioning).toEqual({
      strategy: 'range',
      columns: ['measured_at'],
      clause: 'RANGE (measured_at)',
      demoPartitions: [{ name: 'measurements_default', bound: 'DEFAULT' }],
    });
    const hash = compile(config({ strategy: 'hash', columns: ['device_id'] }));
    expect(hash.model!.tables[0]!.partitioning!.demoPartitions.map((p) => p.bound)).toEqual([
      'FOR VALUES WITH (MODULUS 2, REMAINDER 0)',
      'FOR VALUES WITH (MODULUS 2, REMAINDER 1)',
    ]);
    // A plain table has none.
    expect(compile(config(undefined)).model!.tables[0]!.partitioning).toBeUndefined();
  });

  test('a partition column outside the primary key, or unknown, is an error at its place', () => {
    const r = compile(config({ strategy: 'list', columns: ['value', 'measured_x'] }));
    expect(r.diagnostics.map((d) => [d.code, d.subject?.path])).toEqual([
      ['TABLE.PARTITION_KEY', ['partitionBy', 'columns', 0]],
      ['REF.UNKNOWN_COLUMN', ['partitionBy', 'columns', 1]],
    ]);
    expect(r.diagnostics[0]!.message).toContain("partition column 'value'");
    expect(r.diagnostics[1]!.hint).toContain('measured_at');
    expect(r.artefacts).toEqual([]);
    // The shape is checked too: an unknown strategy.
    expect(compile(config({ strategy: 'interval', columns: ['measured_at'] })).diagnostics[0]!.code).toBe(
      'CONFIG.INVALID_VALUE',
    );
  });

  test('the demo database and verify create it partitioned; PostgreSQL routes rows to the partitions', async () => {
    const r = compile(config({ strategy: 'range', columns: ['measured_at'] }));
    const model = r.model!;
    const overlay = String(r.artefacts.find((a) => a.path === 'kubernetes/overlays/dev/app-db.yaml')!.contents);
    const init = parseAllDocuments(overlay)
      .map((d) => d.toJS())
      .find((o) => o?.kind === 'ConfigMap' && o.metadata.name === 'app-db-init').data['10-tables.sql'] as string;
    expect(init).toContain(') PARTITION BY RANGE (measured_at);');
    expect(init).toContain(
      'CREATE TABLE IF NOT EXISTS telemetry.measurements_default PARTITION OF telemetry.measurements DEFAULT;',
    );
    const setup = String(r.artefacts.find((a) => a.path === model.sources[0]!.files.setup)!.contents);
    for (const ddl of [init, sourceTablesDdl(model.sources[0]!)]) {
      const db = new PGlite();
      try {
        await db.exec(ddl);
        await db.exec(
          "INSERT INTO telemetry.measurements VALUES ('4f7a0c1e-0000-4000-8000-0000000000d1', '2024-03-01 10:00+00', 1)",
        );
        const { rows } = await db.query<{ relname: string; n: number }>(
          `SELECT tableoid::regclass::text AS relname, count(*)::int AS n FROM telemetry.measurements GROUP BY 1`,
        );
        expect(rows).toEqual([{ relname: 'telemetry.measurements_default', n: 1 }]);
        // The generated setup SQL on it: the partition gets the replica identity, the publication publishes
        // through the root (PGlite has no roles to create: the signal table and the publication's statements).
        const signal = model.sources[0]!.signal.sqlName;
        const signalDdl = setup.slice(setup.indexOf(`CREATE TABLE IF NOT EXISTS ${signal} (`));
        await db.exec(signalDdl.slice(0, signalDdl.indexOf(');') + 2));
        await db.exec(model.sources[0]!.publication.create);
        const pub = await db.query<{ pubviaroot: boolean }>('SELECT pubviaroot FROM pg_publication');
        expect(pub.rows).toEqual([{ pubviaroot: true }]);
        expect(setup).toContain('pg_partition_tree');
      } finally {
        await db.close();
      }
    }
  });
});
