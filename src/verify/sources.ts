/**
 * Step 4 of verify, the source side: each source's captured tables built from the Model, its setup SQL
 * applied twice, as the flavour's admin would run it (a superuser, or for RDS a non-superuser that may
 * create roles), and the result read back: publication, replica identities, role, grants, the connector
 * config's names; on a real server with wal_level=logical, a pgoutput slot opened by the role and dropped.
 *
 * On a real server roles and slots are cluster-wide, so every cluster-wide name the setup uses (the role,
 * the flavour's predefined roles, the database in GRANT CONNECT) is replaced by a scratch name that verify
 * creates and drops; nothing else on the server is touched.
 */
import { error, type Diagnostic, type Subject } from '../diagnostics.js';
import type { Model, SourceModel } from '../resolve/model.js';
import { quoteIdent } from '../sql/dialect.js';
import type { Artefact } from '../targets/artefact.js';
import { isPgError, type Db, type PgError, type Server } from './db.js';
import { pgMessage } from './analytics.js';
import { fileDiagnostic, jsIndex, textOf } from './positions.js';
import { managedStandIns, sourceTablesDdl } from './source-tables.js';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces whole-word occurrences of each name (as an identifier or inside a literal) by its scratch name. */
function renamer(names: ReadonlyMap<string, string>): (sql: string) => string {
  const entries = [...names].filter(([from, to]) => from !== to);
  if (!entries.length) return (sql) => sql;
  const pattern = new RegExp(
    `(?<![A-Za-z0-9_$])(${entries
      .map(([from]) => from)
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|')})(?![A-Za-z0-9_$])`,
    'g',
  );
  return (sql) => sql.replace(pattern, (m) => names.get(m) ?? m);
}

export async function verifySources(
  server: Server,
  model: Model,
  artefacts: readonly Artefact[],
  outDir: string,
  notes: string[],
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const source of model.sources) {
    try {
      await verifySource(server, source, artefacts, outDir, out, notes);
    } catch (err) {
      if (!isPgError(err)) throw err;
      out.push(
        error('VERIFY.SOURCE', `source '${source.name}': ${pgMessage(err)}`, { kind: 'source', source: source.name }),
      );
    }
  }
  return out;
}

async function verifySource(
  server: Server,
  s: SourceModel,
  artefacts: readonly Artefact[],
  outDir: string,
  out: Diagnostic[],
  notes: string[],
): Promise<void> {
  const subject: Subject = { kind: 'source', source: s.name };
  const setupPath = s.files.setup;
  const setupText = textOf(artefacts, setupPath);
  if (setupText === undefined) {
    out.push(error('VERIFY.SOURCE', `source '${s.name}': no ${setupPath} among the artefacts`, subject));
    return;
  }
  const real = server.kind === 'postgres';
  const { db, database, transactional, release } = await server.source(s.name);
  const [me] = await db.query<{ su: boolean; db: string }>(
    'SELECT rolsuper AS su, current_database() AS db FROM pg_roles WHERE rolname = current_user',
  );
  // RDS has no superuser: its master user may create roles and owns the tables. Stand in for it when we can.
  const asAdmin = s.setup.grantRoles.length > 0 && me?.su === true;
  const admin = server.scratchName(`${s.name}_admin`);
  const names = new Map<string, string>([[s.user, server.scratchName(s.user)]]);
  for (const r of s.setup.grantRoles) names.set(r, real ? server.scratchName(r) : r);
  const rename = renamer(real ? names : new Map());
  const role = rename(s.user);
  // GRANT CONNECT names the database the setup runs in: the scratch database (PGlite: its one database).
  const grantDatabase = real ? database : me!.db;
  const setup = rename(setupText).replace(
    `GRANT CONNECT ON DATABASE ${quoteIdent(s.database)} `,
    `GRANT CONNECT ON DATABASE ${quoteIdent(grantDatabase)} `,
  );
  const standIns = managedStandIns(s);
  const created: string[] = [];
  try {
    // Outside any transaction: the roles and database the setup expects to exist.
    for (const r of s.setup.grantRoles) {
      const name = rename(r);
      const [exists] = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM pg_roles WHERE rolname = $1', [
        name,
      ]);
      if (!exists?.n) {
        await db.exec(`CREATE ROLE ${quoteIdent(name)} NOLOGIN`);
        created.push(name);
      }
    }
    if (asAdmin) {
      await db.exec(`CREATE ROLE ${quoteIdent(admin)} WITH LOGIN CREATEROLE`);
      created.push(admin);
      for (const r of s.setup.grantRoles)
        await db.exec(`GRANT ${quoteIdent(rename(r))} TO ${quoteIdent(admin)} WITH ADMIN OPTION`);
    }
    if (real && asAdmin) {
      await db.exec(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${quoteIdent(admin)}`);
    }
    for (const r of [role, ...created]) server.createdRoles.add(r);

    if (transactional) await db.exec('BEGIN');
    try {
      if (asAdmin) {
        // PGlite's one database: owned by the stand-in for this transaction only (CREATE on schema public).
        if (transactional) await db.exec(`ALTER DATABASE ${quoteIdent(me!.db)} OWNER TO ${quoteIdent(admin)}`);
        await db.exec(`SET ROLE ${quoteIdent(admin)}`);
      }
      await db.exec(sourceTablesDdl(s));
      for (const round of [1, 2]) {
        try {
          await db.exec(setup);
        } catch (err) {
          if (!isPgError(err)) throw err;
          out.push(setupFailure(s, err, round, setup, setupText, outDir, asAdmin, me?.su === true));
          return;
        }
      }
      if (asAdmin) await db.exec('RESET ROLE');
      out.push(...(await readBack(db, s, role, grantDatabase, rename)));
      out.push(...connectorConfig(s, artefacts));
      if (real) await replicationSlot(server, db, s, role, rename(standIns.after), out, notes);
    } finally {
      if (transactional) await db.exec('ROLLBACK').catch(() => undefined);
      else await db.exec('RESET ROLE').catch(() => undefined);
    }
  } finally {
    await release();
    if (!real) {
      for (const r of created.reverse()) await db.exec(`DROP ROLE IF EXISTS ${quoteIdent(r)}`).catch(() => undefined);
    }
  }
}

function setupFailure(
  s: SourceModel,
  err: PgError,
  round: number,
  ran: string,
  text: string,
  outDir: string,
  asAdmin: boolean,
  superuser: boolean,
): Diagnostic {
  const who = asAdmin
    ? `as a non-superuser standing in for ${s.setup.runAs}`
    : superuser
      ? 'as a superuser'
      : 'as the connecting user';
  const privilege = /superuser|permission denied|must be|privilege/i.test(err.message);
  // Positions refer to the text that ran; the renamed text has the same lines.
  const index = err.position === undefined ? undefined : jsIndex(ran, Number(err.position) - 1);
  const line = index === undefined ? undefined : ran.slice(0, index).split('\n').length;
  const inText =
    line === undefined
      ? undefined
      : text
          .split('\n')
          .slice(0, line - 1)
          .join('\n').length + (line > 1 ? 1 : 0);
  const d = fileDiagnostic(
    'VERIFY.SOURCE_SETUP',
    `source '${s.name}': ${s.files.setup} fails ${who}${round === 2 ? ' when run a second time (it must be idempotent)' : ''}: ${pgMessage(err)}`,
    outDir,
    s.files.setup,
    text,
    inText,
    err.hint ??
      (privilege ? `on ${s.flavor} the script is run by ${s.setup.runAs}: it must not need more than that` : undefined),
  );
  return { ...d, subject: { kind: 'source', source: s.name } };
}

/** What the setup must leave behind, read from the catalog. */
async function readBack(
  db: Db,
  s: SourceModel,
  role: string,
  database: string,
  rename: (sql: string) => string,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const subject: Subject = { kind: 'source', source: s.name };
  const fail = (message: string, hint?: string) =>
    out.push(error('VERIFY.SOURCE_STATE', `source '${s.name}': ${message}`, subject, hint));
  // The signal table is published too: the connector reads its snapshot requests from the stream.
  const captured = [...s.tables.map((t) => `${t.schema}.${t.name}`), `${s.signal.schema}.${s.signal.table}`].sort();
  const published = (
    await db.query<{ q: string }>(
      "SELECT schemaname || '.' || tablename AS q FROM pg_catalog.pg_publication_tables WHERE pubname = $1 ORDER BY 1",
      [s.publicationName],
    )
  ).map((r) => r.q);
  const [pub] = await db.query<{ all: boolean; ins: boolean; upd: boolean; del: boolean }>(
    'SELECT puballtables AS all, pubinsert AS ins, pubupdate AS upd, pubdelete AS del FROM pg_catalog.pg_publication WHERE pubname = $1',
    [s.publicationName],
  );
  if (!pub) fail(`the setup SQL leaves no publication ${s.publicationName}`);
  else {
    const missing = captured.filter((q) => !published.includes(q));
    const extra = published.filter((q) => !captured.includes(q));
    if (missing.length)
      fail(
        `publication ${s.publicationName} lacks ${missing.join(', ')}: the connector would never see changes of ${missing.length > 1 ? 'these tables' : 'this table'}`,
      );
    if (extra.length)
      fail(`publication ${s.publicationName} also publishes ${extra.join(', ')}, which the pipeline does not capture`);
    if (pub.all || !pub.ins || !pub.upd || !pub.del)
      fail(`publication ${s.publicationName} must publish exactly its tables' inserts, updates and deletes`);
  }
  for (const t of s.tables) {
    const q = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
    const [row] = await db.query<{ r: string; sel: boolean; usage: boolean }>(
      `SELECT c.relreplident AS r, has_table_privilege($2, c.oid, 'SELECT') AS sel, has_schema_privilege($2, $3, 'USAGE') AS usage
         FROM pg_catalog.pg_class AS c WHERE c.oid = to_regclass($1)`,
      [q, role, t.schema],
    );
    if (row?.r !== s.replicaIdentity.relreplident)
      fail(
        `${t.qualifiedName} has replica identity '${row?.r}', not ${s.replicaIdentity.mode}: updates would arrive without their old values`,
      );
    if (!row?.sel || !row.usage) fail(`role ${s.user} may not read ${t.qualifiedName} (SELECT and schema USAGE)`);
  }
  const [r] = await db.query<{ repl: boolean; login: boolean; connect: boolean }>(
    "SELECT rolreplication AS repl, rolcanlogin AS login, has_database_privilege(rolname, $2, 'CONNECT') AS connect FROM pg_catalog.pg_roles WHERE rolname = $1",
    [role, database],
  );
  if (!r) fail(`the setup SQL leaves no role ${s.user}`);
  else {
    if (r.repl !== s.setup.roleAttributes.includes('REPLICATION'))
      fail(
        `role ${s.user} ${r.repl ? 'has' : 'lacks'} the REPLICATION attribute (expected: ${s.setup.roleAttributes})`,
      );
    if (!r.login) fail(`role ${s.user} cannot log in`);
    if (!r.connect) fail(`role ${s.user} may not connect to database ${s.database}`);
  }
  for (const granted of s.setup.grantRoles) {
    const [m] = await db.query<{ ok: boolean }>("SELECT pg_has_role($1, $2, 'MEMBER') AS ok", [role, rename(granted)]);
    if (!m?.ok) fail(`role ${s.user} is not a member of ${granted}`);
  }
  return out;
}

/** The connector reads what the setup prepared: the same publication, role, database and tables. */
function connectorConfig(s: SourceModel, artefacts: readonly Artefact[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const subject: Subject = { kind: 'source', source: s.name };
  const text = textOf(artefacts, s.files.connector);
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(text ?? '') as Record<string, unknown>;
  } catch {
    return [error('VERIFY.CONNECTOR', `source '${s.name}': ${s.files.connector} is not JSON`, subject)];
  }
  const expect = (key: string, value: string) => {
    if (cfg[key] !== value)
      out.push(
        error(
          'VERIFY.CONNECTOR',
          `source '${s.name}': ${s.files.connector} has ${key} = ${JSON.stringify(cfg[key])}, the setup SQL prepared ${JSON.stringify(value)}`,
          subject,
        ),
      );
  };
  expect('publication.name', s.publicationName);
  expect('database.user', s.user);
  expect('database.dbname', s.database);
  const include = String(cfg['table.include.list'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((re) => {
      try {
        return new RegExp(`^(?:${re})$`);
      } catch {
        return /$^/;
      }
    });
  for (const t of s.tables) {
    const q = `${t.schema}.${t.name}`;
    if (!include.some((re) => re.test(q)))
      out.push(error('VERIFY.CONNECTOR', `source '${s.name}': table.include.list does not match ${q}`, subject));
  }
  return out;
}

/** With wal_level=logical: the role opens a pgoutput slot (as Debezium will), which is dropped at once. */
async function replicationSlot(
  server: Server,
  db: Db,
  s: SourceModel,
  role: string,
  standInAfter: string,
  out: Diagnostic[],
  notes: string[],
): Promise<void> {
  if (server.walLevel !== 'logical') {
    notes.push(`replication slot not tried for '${s.name}': the server runs with wal_level=${server.walLevel}`);
    return;
  }
  const slot = server.scratchName(`${s.name}_slot`);
  try {
    if (standInAfter) await db.exec(standInAfter);
    await db.exec(`SET ROLE ${quoteIdent(role)}`);
    await db.query("SELECT pg_catalog.pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    await db.query('SELECT pg_catalog.pg_drop_replication_slot($1)', [slot]);
  } catch (err) {
    if (!isPgError(err)) throw err;
    out.push(
      error(
        'VERIFY.SOURCE_SLOT',
        `source '${s.name}': role ${s.user} cannot open a pgoutput replication slot: ${pgMessage(err)}`,
        {
          kind: 'source',
          source: s.name,
        },
      ),
    );
  } finally {
    await db.exec('RESET ROLE').catch(() => undefined);
    await db
      .query(
        'SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1',
        [slot],
      )
      .catch(() => undefined);
  }
}
