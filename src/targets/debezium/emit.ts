import { posix } from 'node:path';
import type { Model } from '../../resolve/model.js';
import { canonicalJson } from '../../render/json.js';
import { quoteIdent, shellString, sqlString } from '../../render/text.js';
import { header, type Artefact, type EmitContext } from '../artefact.js';

/** Debezium: one connector config per source, the registration script, the DBA's setup SQL per source. */
export function emit(model: Model, ctx: EmitContext): Artefact[] {
  const artefacts: Artefact[] = [];
  for (const source of model.sources) {
    artefacts.push({
      path: source.files.connector,
      contents: canonicalJson(Object.fromEntries(source.connectorConfig)),
    });
    const tables = source.replicaIdentity.tables;
    artefacts.push({
      path: source.files.setup,
      contents: ctx.render('debezium/setup.sql', {
        header: header(ctx, '--'),
        source,
        role: quoteIdent(source.user),
        roleLiteral: sqlString(source.user),
        database: quoteIdent(source.database),
        schemas: source.schemas.map(quoteIdent),
        tables,
        tableList: tables.join(', '),
        // regclass literals, for the catalog-driven replica identity block.
        tableLiterals: tables.map(sqlString).join(', '),
        grantRoles: source.setup.grantRoles.map(quoteIdent),
        watchFunction: `${quoteIdent(source.setup.partitionWatch.schema)}.${quoteIdent(source.setup.partitionWatch.function)}`,
        watchTrigger: quoteIdent(source.setup.partitionWatch.trigger),
        watchTriggerLiteral: sqlString(source.setup.partitionWatch.trigger),
        publication: quoteIdent(source.publicationName),
        publicationLiteral: sqlString(source.publicationName),
      }),
    });
  }
  artefacts.push({
    path: model.connect.registerScript,
    executable: true,
    contents: ctx.render('debezium/register-connectors.sh', {
      header: header(ctx, '#'),
      connectUrl: model.connect.url,
      connectUrlLiteral: shellString(model.connect.url),
      connectors: model.sources.map((s) => ({
        name: s.connectorName,
        file: posix.relative(posix.dirname(model.connect.registerScript), s.files.connector),
      })),
      secretProvider: model.connect.secretProvider,
      secrets: model.connect.env.map((b) => `${b.env} from Secret ${b.secret} (key ${b.key})`),
    }),
  });
  return artefacts;
}
