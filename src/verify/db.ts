/**
 * The databases `verify` works in: embedded PostgreSQL (PGlite, one private instance) or a real server
 * (`--database-url`), where every database and role verify needs is a scratch one it creates and drops.
 * PGlite and pg are loaded here, by dynamic import, so nothing on the compile path loads them.
 */
import { createHash } from 'node:crypto';

/** A PostgreSQL error as both drivers report it (pg-protocol's DatabaseError fields). */
export interface PgError {
  readonly message: string;
  readonly code?: string;
  /** 1-based character position in the statement text. */
  readonly position?: string;
  readonly detail?: string;
  readonly hint?: string;
}

export const isPgError = (err: unknown): err is PgError =>
  typeof err === 'object' &&
  err !== null &&
  typeof (err as { message?: unknown }).message === 'string' &&
  ('severity' in err || 'code' in err);

/** One connection to one database. */
export interface Db {
  /** Runs a script of any number of statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Warnings and notices PostgreSQL sent since the last call. */
  takeNotices(): string[];
}

export interface Server {
  readonly kind: 'pglite' | 'postgres';
  /** e.g. `PostgreSQL 15.18 (server)` or `PGlite (PostgreSQL 17.5, embedded)`. */
  readonly description: string;
  readonly versionNum: number;
  readonly walLevel: string;
  /** The database of the analytics side (a scratch database on a real server). */
  analytics(): Promise<Db>;
  /**
   * A database for a source's tables and setup SQL. PGlite has one database and one connection: the
   * source side runs there, alone, in a transaction that is rolled back (`transactional`).
   */
  source(name: string): Promise<{ db: Db; database: string; transactional: boolean; release(): Promise<void> }>;
  /** A scratch name for a cluster-wide object (role, slot); the same `base` gives the same name. */
  scratchName(base: string): string;
  /** Roles verify created, dropped at close (after their databases). */
  createdRoles: Set<string>;
  /** Drops every scratch database and role verify created; closes connections. */
  close(): Promise<void>;
}

const MAX_NAME = 63;

/** `prefix_base`, shortened with a hash when PostgreSQL's 63-byte name limit would cut it. */
function scratch(prefix: string, base: string): string {
  const name = `${prefix}_${base}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9)}_${hash}`;
}

// ---------------------------------------------------------------------------------------------------------
// PGlite

/**
 * Where a pristine PGlite data directory is kept between runs: creating one runs initdb (seconds, most of
 * verify's time); loading a saved one takes a fraction of that. The CLI keeps it in the project's cache.
 */
export interface DataDirCache {
  /** A data directory belongs to one PGlite version: the cache keys it by the installed one. */
  read(): Uint8Array | undefined;
  write(data: Uint8Array): void;
}

/** Starts loading PGlite and creating its instance at once: the slowest part of verify, begun first. */
export function startPglite(cache?: DataDirCache): Promise<Server> {
  return (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const saved = cache?.read();
    let pglite = saved
      ? await PGlite.create({ loadDataDir: new Blob([saved as Uint8Array<ArrayBuffer>]) }).catch(() => undefined)
      : undefined;
    if (!pglite) {
      pglite = await PGlite.create();
      if (cache) {
        // Saved before any work, so the next run starts from the same pristine cluster.
        const dump = await pglite.dumpDataDir('gzip');
        cache.write(new Uint8Array(await dump.arrayBuffer()));
      }
    }
    const instance = pglite;
    const notices: string[] = [];
    const db: Db = {
      async exec(sql) {
        await instance.exec(sql, { onNotice: (n) => notices.push(n.message ?? '') });
      },
      async query<T>(sql: string, params: readonly unknown[] = []) {
        return (await instance.query<T>(sql, [...params])).rows;
      },
      takeNotices: () => notices.splice(0),
    };
    const [info] = await db.query<{ v: string; n: number; wal: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('server_version_num')::int AS n, current_setting('wal_level') AS wal",
    );
    const createdRoles = new Set<string>();
    return {
      kind: 'pglite',
      description: `PGlite (PostgreSQL ${info!.v}, embedded)`,
      versionNum: info!.n,
      walLevel: info!.wal,
      analytics: async () => db,
      // One database and one connection: the caller runs the source side alone, in a transaction it rolls back.
      source: async (name) => ({ db, database: name, transactional: true, release: async () => undefined }),
      scratchName: (base) => base,
      createdRoles,
      close: () => instance.close(),
    } satisfies Server;
  })();
}

// ---------------------------------------------------------------------------------------------------------
// A real PostgreSQL server

export class DatabaseRefused extends Error {}

export interface RealServerOptions {
  readonly url: string;
  /** Names (`schema.table`) whose presence in the URL's database means it is someone's real database. */
  readonly pipelineTables: readonly string[];
  readonly allowExisting: boolean;
}

export async function connectServer(options: RealServerOptions): Promise<Server> {
  const { default: pg } = await import('pg');
  const prefix = `cdc_verify_${process.pid}_${Date.now().toString(36)}`;
  const clients: InstanceType<typeof pg.Client>[] = [];
  const connect = async (database?: string): Promise<Db & { client: InstanceType<typeof pg.Client> }> => {
    const url = new URL(options.url);
    if (database) url.pathname = `/${encodeURIComponent(database)}`;
    const client = new pg.Client({ connectionString: url.toString() });
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(String(n.message)));
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return {
      client,
      async exec(sql) {
        await client.query(sql);
      },
      async query<T>(sql: string, params: readonly unknown[] = []) {
        return (await client.query(sql, [...params])).rows as T[];
      },
      takeNotices: () => notices.splice(0),
    };
  };
  let admin: Awaited<ReturnType<typeof connect>>;
  try {
    admin = await connect();
  } catch (err) {
    throw new DatabaseRefused(`cannot connect to ${redact(options.url)}: ${(err as Error).message}`);
  }
  try {
    const [me] = await admin.query<{ su: boolean; db: boolean; role: boolean; name: string }>(
      'SELECT rolsuper AS su, rolcreatedb AS db, rolcreaterole AS role, rolname AS name FROM pg_roles WHERE rolname = current_user',
    );
    if (!me?.su && !(me?.db && me.role))
      throw new DatabaseRefused(
        `user ${me?.name ?? '?'} may not create databases and roles; verify needs CREATEDB and CREATEROLE (or a superuser) to work in scratch databases`,
      );
    const present = await admin.query<{ name: string }>(
      'SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL ORDER BY 1',
      [options.pipelineTables],
    );
    if (present.length && !options.allowExisting)
      throw new DatabaseRefused(
        `database ${new URL(options.url).pathname.slice(1) || '(default)'} already holds tables of this pipeline (${present
          .slice(0, 5)
          .map((r) => r.name)
          .join(
            ', ',
          )}${present.length > 5 ? ', …' : ''}); verify works in scratch databases of its own and never touches them, but refuses to run against what looks like a real pipeline database without --allow-existing`,
      );
  } catch (err) {
    await admin.client.end().catch(() => undefined);
    throw err;
  }
  const [info] = await admin.query<{ v: string; n: number; wal: string }>(
    "SELECT current_setting('server_version') AS v, current_setting('server_version_num')::int AS n, current_setting('wal_level') AS wal",
  );
  const databases: string[] = [];
  const createdRoles = new Set<string>();
  const createDatabase = async (base: string) => {
    const name = scratch(prefix, base);
    await admin.exec(`CREATE DATABASE ${name}`);
    databases.push(name);
    return name;
  };
  return {
    kind: 'postgres',
    description: `PostgreSQL ${info!.v} at ${redact(options.url)}`,
    versionNum: info!.n,
    walLevel: info!.wal,
    analytics: async () => connect(await createDatabase('analytics')),
    async source(name) {
      const database = await createDatabase(`src_${name}`);
      const db = await connect(database);
      return {
        db,
        database,
        transactional: false,
        release: async () => {
          await db.client.end().catch(() => undefined);
        },
      };
    },
    scratchName: (base) => scratch(prefix, base),
    createdRoles,
    async close() {
      for (const c of clients) if (c !== admin.client) await c.end().catch(() => undefined);
      for (const d of databases) await admin.exec(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`).catch(() => undefined);
      for (const r of createdRoles) await admin.exec(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
      await admin.client.end().catch(() => undefined);
    },
  } satisfies Server;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
