import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../log.js';

/**
 * The call-records database: PostgreSQL when DATABASE_URL is set, otherwise an
 * embedded PGlite (Postgres compiled to WebAssembly, in this process) served
 * on a private Unix socket (mode 0700 directory) by PGlite's own socket server. Either way the rest
 * of the gateway talks to it through one `pg.Pool` over the Postgres wire
 * protocol, so the migrations, queries and CSV cursors are the same code on
 * both, and the tests run that code against both.
 */
export interface Database {
  readonly pool: pg.Pool;
  readonly backend: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it resolves,
 * ROLLBACK (best effort) when it throws, the connection released either way.
 */
export async function inTransaction<T>(pool: Pick<pg.Pool, 'connect'>, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface DatabaseOptions {
  /** postgres://… ; null: embedded PGlite. */
  readonly url: string | null;
  /** PGlite only: a data directory (kept across restarts); null: in memory. */
  readonly pgliteDataDir?: string | null;
  readonly poolSize?: number;
  readonly logger: Logger;
}

/** migrations/ at the package root: beside src/ when run from sources, beside dist/ when built. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// timestamptz comes back as Date (pg's default); bigint counts (OID 20) as numbers: they are row counts here.
pg.types.setTypeParser(20, (v: string) => Number(v));

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 8, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
    // An idle client losing its server (a restart, a cut link) must not crash the process: the pool drops it.
    pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'idle database connection lost'));
    return { pool, backend: 'postgres', close: () => pool.end() };
  }
  // Imported only when used: production with DATABASE_URL never loads the WebAssembly build.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create(opts.pgliteDataDir ? { dataDir: opts.pgliteDataDir } : {});
  // Served on a Unix socket in a directory only this user can enter: the embedded server has
  // no authentication, and on a TCP port any local user could read the call records or take
  // its one connection slot.
  const socketDir = await mkdtemp(join(tmpdir(), 'cc-pglite-'));
  await chmod(socketDir, 0o700);
  const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432') });
  await server.start();
  // PGlite is one session: one connection, so a transaction is never interleaved with another's
  // statements; never closed when idle, so the slot stays the gateway's.
  const pool = new pg.Pool({ host: socketDir, port: 5432, user: 'postgres', database: 'postgres', max: 1, idleTimeoutMillis: 0 });
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'embedded database connection lost'));
  return {
    pool,
    backend: 'pglite',
    async close() {
      await pool.end();
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * Applies the pending migrations (node-pg-migrate, SQL files in migrations/).
 * Its advisory lock makes concurrent starts of several gateways wait for one another.
 */
export async function migrate(database: Database, logger: Logger): Promise<void> {
  const client = await database.pool.connect();
  try {
    await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      advisoryLockMode: 'wait',
      checkOrder: true,
      log: (msg: string) => logger.debug({ part: 'migrate' }, msg),
    });
  } finally {
    client.release();
  }
}
