/**
 * Online, consistent, logical backups of the whole database — the embedded one or DATABASE_URL — with no
 * client binaries.
 *
 * Why logical, through our own connection: the embedded binaries ship no `pg_dump`, and Debian's client is
 * PostgreSQL 15 while the embedded server is 17 (pg_dump refuses a newer server). PostgreSQL's online backup
 * API (pg_backup_start + a copy of the data directory) needs file access to the server's disk and gives a
 * physical copy that only the same major version can start. `COPY … TO STDOUT` needs neither: every table is
 * read inside ONE `REPEATABLE READ READ ONLY` transaction, so all of them show the same instant while ingest
 * goes on (MVCC: the backup blocks no writer), and the COPY text form is the server's own output of each
 * type, which any PostgreSQL ≥ 14 reads back. A restore goes onto a database migrated to the same schema
 * version (the manifest lists the migrations), then the newer migrations run as in any upgrade.
 *
 * TimescaleDB: the `point` hypertable is read through `COPY (SELECT …)`, which sees every chunk, compressed or
 * not (a plain `COPY point TO` would see only the empty root table). Continuous aggregates cannot be written
 * back as such, so their rows are saved as the aggregates show them (materialised plus real-time); the restore
 * rebuilds them from the raw points where raw points exist and keeps the saved rows where retention already
 * dropped the raw data (db/backup/restore.ts). TimescaleDB's internal catalog is not saved: the restore target
 * creates its own through the migrations. On plain PostgreSQL the roll-up tables of migration 008 are ordinary
 * tables and are saved as they are.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { detectDialect } from '../storage';
import {
  BACKUP_FORMAT,
  backupName,
  fsyncPath,
  ident,
  MANIFEST,
  sha256File,
  type BackupManifest,
  type ColumnEntry,
  type FileEntry,
  type TableEntry,
} from './format';

/** One backup at a time per database: a session lock, tried, never waited for. */
export const BACKUP_LOCK = 0x5e1b4c0b;

/** gzip level of the table files (measured against others by `npm run bench:backup`, docs/benchmarks.md). */
export const BACKUP_GZIP_LEVEL = 3;

/** Never saved: the target's migrations write the schema record themselves. */
const SKIPPED_TABLES = new Set(['schema_migration']);
/** TimescaleDB's roll-ups, saved as rows (see the header). */
const ROLLUP_VIEWS = ['point_1m', 'point_1h'] as const;

export class BackupBusyError extends Error {
  override name = 'BackupBusyError';
}

export interface BackupOptions {
  /** Directory the backup is written into (created if missing). */
  dir: string;
  /** The audit anchor directory to include, when configured. */
  anchorDir?: string;
  /** The backup's name (default from the clock, `sinergi-YYYYMMDD-HHMMSSZ`). */
  name?: string;
  /** gzip level of the table files (default BACKUP_GZIP_LEVEL; bench:backup compares others). */
  gzipLevel?: number;
  log?: (msg: string) => void;
}

export interface BackupResult {
  name: string;
  path: string;
  manifest: BackupManifest;
  bytes: number;
  rows: number;
}

/**
 * Writes a complete backup to `<dir>/<name>/` (staged under a hidden name, renamed when complete and flushed).
 * Throws BackupBusyError when another backup of this database is running.
 */
export async function createBackup(pool: pg.Pool, opts: BackupOptions): Promise<BackupResult> {
  const log = opts.log ?? (() => {});
  const name = opts.name ?? backupName(new Date());
  const finalPath = join(opts.dir, name);
  const staging = join(opts.dir, `.${name}.partial`);
  const level = opts.gzipLevel ?? BACKUP_GZIP_LEVEL;
  const client = await pool.connect();
  let locked = false;
  try {
    locked = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [BACKUP_LOCK])).rows[0]!.ok;
    if (!locked) throw new BackupBusyError('another backup of this database is running; try again when it has finished');
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    await removeStale(opts.dir);
    await mkdir(join(staging, 'data'), { recursive: true, mode: 0o700 });

    // The anchor first: the database snapshot taken after it is never older than the head it records.
    const anchor = opts.anchorDir ? await copyAnchor(opts.anchorDir, join(staging, 'anchor')) : null;

    const dialect = await detectDialect(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      // the first query fixes the snapshot; everything below reads that instant
      const head = (await client.query<{ at: Date; server: string }>(`SELECT now() AS at, version() AS server`)).rows[0]!;
      const migrations = (await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migration ORDER BY version')).rows;
      const auditHead = (await client.query<{ value: string }>(`SELECT value FROM sinergi_meta WHERE key = 'audit_head'`)).rows[0]?.value ?? null;
      const tables = await listTables(client);
      const sequences = await listSequences(client);
      const tableEntries: TableEntry[] = [];
      for (const t of tables) {
        const file = `data/${t.name}.copy.gz`;
        const sql = `COPY (SELECT ${t.columns.map((c) => ident(c.name)).join(', ')} FROM ${ident(t.name)}) TO STDOUT`;
        tableEntries.push({ name: t.name, columns: t.columns, ...(await copyOut(client, sql, staging, file, level)) });
        log(`backup: ${t.name} ${tableEntries.at(-1)!.rows} rows`);
      }
      const rollups: TableEntry[] = [];
      if (dialect === 'timescaledb') {
        await mkdir(join(staging, 'rollups'), { mode: 0o700 });
        for (const view of ROLLUP_VIEWS) {
          const columns = await columnsOf(client, view);
          const sql = `COPY (SELECT ${columns.map((c) => ident(c.name)).join(', ')} FROM ${ident(view)}) TO STDOUT`;
          rollups.push({ name: view, columns, ...(await copyOut(client, sql, staging, `rollups/${view}.copy.gz`, level)) });
          log(`backup: ${view} ${rollups.at(-1)!.rows} rows`);
        }
      }
      await client.query('COMMIT');
      const manifest: BackupManifest = {
        format: BACKUP_FORMAT,
        name,
        snapshotAt: head.at.toISOString(),
        dialect,
        server: head.server,
        migrations: migrations.map((m) => ({ version: Number(m.version), name: m.name })),
        tables: tableEntries,
        rollups,
        sequences,
        auditHead,
        anchor,
      };
      await writeFile(join(staging, MANIFEST), JSON.stringify(manifest, null, 2), { mode: 0o600 });
      await fsyncPath(join(staging, MANIFEST));
      await fsyncPath(join(staging, 'data'));
      await fsyncPath(staging);
      await rename(staging, finalPath);
      await fsyncPath(opts.dir);
      const all = [...tableEntries, ...rollups, ...(anchor ?? [])];
      return {
        name,
        path: finalPath,
        manifest,
        bytes: all.reduce((n, f) => n + f.bytes, 0),
        rows: [...tableEntries, ...rollups].reduce((n, t) => n + t.rows, 0),
      };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  } catch (e) {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    throw e;
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1)', [BACKUP_LOCK]).catch(() => {});
    client.release();
  }
}

/** Copies a complete backup directory to another place (a second disk), staged and renamed like the original. */
export async function copyBackup(path: string, toDir: string, name: string): Promise<string> {
  await mkdir(toDir, { recursive: true, mode: 0o700 });
  const staging = join(toDir, `.${name}.partial`);
  const target = join(toDir, name);
  await rm(staging, { recursive: true, force: true });
  try {
    await cp(path, staging, { recursive: true, preserveTimestamps: true });
    await fsyncPath(staging);
    await rename(staging, target);
    await fsyncPath(toDir);
  } catch (e) {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  return target;
}

/** Leftovers of a backup that died half-way (we hold the lock, so none is running). */
async function removeStale(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('.') && entry.endsWith('.partial')) await rm(join(dir, entry), { recursive: true, force: true });
  }
}

async function copyAnchor(from: string, to: string): Promise<FileEntry[]> {
  await cp(from, to, { recursive: true, preserveTimestamps: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e; // configured but not yet written: an empty anchor
  });
  await mkdir(to, { recursive: true, mode: 0o700 });
  const files: FileEntry[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) files.push({ file: relative(join(to, '..'), p), bytes: (await stat(p)).size, sha256: await sha256File(p) });
    }
  };
  await walk(to);
  return files;
}

/**
 * Base tables of our schema in restore order: a table after those its foreign keys point to (self references
 * are satisfied within one COPY). Generated columns are left out (the target computes them).
 */
async function listTables(client: pg.PoolClient): Promise<{ name: string; columns: ColumnEntry[] }[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  );
  const names = rows.map((r) => r.name).filter((n) => !SKIPPED_TABLES.has(n));
  const fks = (
    await client.query<{ child: string; parent: string }>(
      `SELECT ch.relname AS child, pa.relname AS parent FROM pg_constraint k
         JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
        WHERE k.contype = 'f' AND ch.relnamespace = current_schema()::regnamespace`,
    )
  ).rows;
  const out: { name: string; columns: ColumnEntry[] }[] = [];
  for (const name of restoreOrder(names, fks)) out.push({ name, columns: await columnsOf(client, name) }); // one query at a time on a client
  return out;
}

/** Tables ordered so that every foreign key's target comes first (ties by name; cycles keep name order). */
export function restoreOrder(names: readonly string[], fks: readonly { child: string; parent: string }[]): string[] {
  const set = new Set(names);
  const parents = new Map(names.map((n) => [n, new Set<string>()]));
  for (const { child, parent } of fks) if (child !== parent && set.has(child) && set.has(parent)) parents.get(child)!.add(parent);
  const out: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (n: string) => {
    if (done.has(n) || visiting.has(n)) return;
    visiting.add(n);
    for (const p of [...parents.get(n)!].sort()) visit(p);
    visiting.delete(n);
    done.add(n);
    out.push(n);
  };
  for (const n of [...names].sort()) visit(n);
  return out;
}

async function columnsOf(client: pg.PoolClient, relation: string): Promise<ColumnEntry[]> {
  const { rows } = await client.query<ColumnEntry>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [relation],
  );
  return rows;
}

async function listSequences(client: pg.PoolClient): Promise<BackupManifest['sequences']> {
  const { rows } = await client.query<{ table: string; column: string; seq: string }>(
    `SELECT c.relname AS table, a.attname AS column, pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
        AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
      ORDER BY 1, 2`,
  );
  const out: BackupManifest['sequences'] = [];
  for (const r of rows) {
    if (SKIPPED_TABLES.has(r.table)) continue;
    // sequences are not transactional: this is their value now, never below what the snapshot holds
    const v = (await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${r.seq}`)).rows[0]!;
    out.push({ table: r.table, column: r.column, value: v.last_value, isCalled: v.is_called });
  }
  return out;
}

/** Streams one COPY … TO STDOUT through gzip into `dir/file`, counting rows (lines) and hashing what is written. */
async function copyOut(
  client: pg.PoolClient,
  sql: string,
  dir: string,
  file: string,
  level: number,
): Promise<{ file: string; rows: number; bytes: number; sha256: string }> {
  let rows = 0;
  const countRows = new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows += 1;
      done(null, chunk);
    },
  });
  const hash = createHash('sha256');
  let bytes = 0;
  const hashOut = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const path = join(dir, file);
  const out = createWriteStream(path, { mode: 0o600 });
  // gzip runs on libuv's thread pool, off the event loop of a server that backs itself up
  await pipeline(client.query(copyTo(sql)), countRows, createGzip({ level }), hashOut, out);
  await fsyncPath(path);
  return { file, rows, bytes, sha256: hash.digest('hex') };
}
