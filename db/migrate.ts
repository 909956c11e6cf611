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

/** Applies pending migrations; returns the names applied. */
export async function migrate(pool: pg.Pool, dialect: Dialect, log: (m: string) => void = () => {}): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migration (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migration')).rows.map((r) => r.version));
    for (const m of await listMigrations()) {
      if (done.has(m.version) || (m.requires && m.requires !== dialect)) continue;
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
