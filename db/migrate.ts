/**
 * Migration runner: numbered SQL files in db/migrations, each applied once in its own transaction,
 * under an advisory lock so two processes starting together do not race.
 * A file whose first line is `-- requires: timescaledb` (or `-- requires: postgres`) runs only on that dialect.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Dialect } from './dialect';

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
const LOCK_ID = 0x5e1e7917;

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  requires: Dialect | null;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (f) => {
      const sql = await readFile(join(dir, f), 'utf8');
      const requires = /^-- requires: (timescaledb|postgres)\b/.exec(sql)?.[1] as Dialect | undefined;
      return { version: Number(f.slice(0, 3)), name: f, sql, requires: requires ?? null };
    }),
  );
}

/**
 * The database carries migrations this code does not have: a newer release ran on it. Running older code
 * against a newer schema could write what the newer code no longer expects, so the start is refused.
 */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** Applied migrations this code does not know (by version, with their names), oldest first. */
export async function unknownMigrations(db: pg.Pool | pg.PoolClient, known: readonly MigrationFile[]): Promise<{ version: number; name: string }[]> {
  const exists = await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migration'`);
  if (exists.rows.length === 0) return [];
  const versions = new Set(known.map((m) => m.version));
  const { rows } = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migration ORDER BY version');
  return rows.filter((r) => !versions.has(r.version));
}

/** Migrations of this code not yet applied to the database (those for the other dialect left out). */
export async function pendingMigrations(db: pg.Pool | pg.PoolClient, dialect: Dialect): Promise<MigrationFile[]> {
  const exists = await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migration'`);
  const done = exists.rows.length
    ? new Set((await db.query<{ version: number }>('SELECT version FROM schema_migration')).rows.map((r) => r.version))
    : new Set<number>();
  return (await listMigrations()).filter((m) => !done.has(m.version) && (!m.requires || m.requires === dialect));
}

/**
 * Applies pending migrations (all of them, or those up to `opts.upTo`); returns the names applied. Refuses
 * (SchemaTooNewError) a database that a newer release migrated.
 */
export async function migrate(pool: pg.Pool, dialect: Dialect, log: (m: string) => void = () => {}, opts: { upTo?: number } = {}): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migration (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const files = await listMigrations();
    const unknown = await unknownMigrations(client, files);
    if (unknown.length > 0) {
      const newest = unknown.at(-1)!;
      throw new SchemaTooNewError(
        `the database was migrated by a newer Sinergi (it has migration ${newest.name}, which this version does not know; this version knows up to ${files.at(-1)?.name ?? 'none'}): run that newer release, or restore a backup made before the upgrade.`,
      );
    }
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migration')).rows.map((r) => r.version));
    for (const m of files) {
      if (done.has(m.version) || (m.requires && m.requires !== dialect)) continue;
      if (opts.upTo !== undefined && m.version > opts.upTo) break;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(e as Error).message}`);
      }
      applied.push(m.name);
      log(`migration applied: ${m.name}`);
    }
    await client.query(`INSERT INTO sinergi_meta (key, value) VALUES ('dialect', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
      dialect,
    ]);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => {});
    client.release();
  }
  return applied;
}
