/**
 * The storage adapter: one PostgreSQL dialect, two ways to open.
 * - no DATABASE_URL: an embedded PostgreSQL in `dataDir` (see embedded.ts), used as its non-superuser app role
 *   (embedded-role.ts);
 * - DATABASE_URL: a node-postgres pool to that server (TimescaleDB or plain PostgreSQL >= 14).
 * The dialect is detected from pg_extension so TimescaleDB features can be switched on where present.
 */
import pg from 'pg';
import { startEmbedded, type EmbeddedHandle } from './embedded';
import { ensureEmbeddedAppRole } from './embedded-role';
import { migrate } from './migrate';

import type { Dialect } from './dialect';

export type { Dialect };

export interface Storage {
  pool: pg.Pool;
  dialect: Dialect;
  /** 'embedded' or the server's host:port/database, without credentials. */
  where: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  log?: (msg: string) => void;
  /** Significant events of the embedded server (stale server taken over, shared server). */
  notice?: (msg: string) => void;
  /** Run pending migrations after connecting (default true). */
  migrate?: boolean;
}

// Return int8 and numeric as numbers: our counts and values fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export async function openStorage(opts: OpenOptions): Promise<Storage> {
  const log = opts.log ?? (() => {});
  let embedded: EmbeddedHandle | null = null;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbedded({ dir: opts.dataDir, log, notice: opts.notice ?? log });
    // the superuser only makes the app's own non-superuser role; the app runs as that (embedded-role.ts)
    try {
      url = await ensureEmbeddedAppRole(embedded.url, opts.dataDir);
    } catch (e) {
      await embedded.stop();
      throw e;
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10, application_name: 'sinergi' });
  // An idle client losing its server (database restart) must not crash the process; the pool replaces it.
  pool.on('error', (e) => log(`database connection lost: ${e.message}`));
  // A client checked out when the server goes away emits 'error' too, and pg-pool listens only on idle
  // ones: without this, a database restart in the middle of a request would crash the process.
  pool.on('connect', (client) => client.on('error', (e) => log(`database connection lost: ${e.message}`)));
  try {
    const dialect = await detectDialect(pool);
    if (opts.migrate !== false) await migrate(pool, dialect, log);
    const parsed = new URL(url);
    return {
      pool,
      dialect,
      where: embedded ? `embedded (127.0.0.1:${embedded.port}, ${opts.dataDir})` : `${parsed.host}${parsed.pathname}`,
      async close() {
        await pool.end();
        await embedded?.stop();
      },
    };
  } catch (e) {
    await pool.end().catch(() => {});
    await embedded?.stop();
    throw e;
  }
}

export async function detectDialect(db: pg.Pool | pg.PoolClient): Promise<Dialect> {
  const { rows } = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  return rows.length > 0 ? 'timescaledb' : 'postgres';
}
