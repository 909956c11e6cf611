/**
 * Restores a backup of db/backup/create.ts onto an empty database of the same dialect.
 *
 * Order: check every file against the manifest (nothing is touched if one is damaged); migrate the target to
 * the backup's schema version (never further: the rows must fit the tables they came from); then, in ONE
 * transaction, clear what the migrations seeded, load every table in foreign-key order (COPY FROM STDIN, or
 * batched INSERTs where the server takes no COPY over the wire, as the WASM TimescaleDB build used in tests),
 * check each table's row count against the manifest, and set the sequences. Newer migrations of this release
 * run afterwards, when the caller opens the storage as usual — a restore is also an upgrade path.
 *
 * Roll-ups on TimescaleDB: a continuous aggregate cannot be inserted into, but its materialisation hypertable
 * can. Saved roll-up rows older than what the level below still holds (raw points for 1 minute, 1-minute rows
 * for 1 hour) are written there — retention already dropped their source, they exist only in the backup — and
 * the rest is rebuilt by refreshing each aggregate from that boundary on, after the commit (a refresh cannot run
 * in a transaction). So a refresh that was pending when the backup was taken is not lost either. Restored raw
 * chunks start uncompressed; the compression policy compresses them at its next run.
 *
 * On plain PostgreSQL the roll-up tables, their watermarks and their log of late writes (008) are restored as they
 * were (the log is loaded again at the end: its trigger takes the restored points for late writes).
 * Nothing here needs more than the app's own rights on its tables: no trigger is switched off, and only tables
 * holding rows are cleared.
 */
import { createReadStream } from 'node:fs';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { listMigrations, migrate } from '../migrate';
import { canCopy } from '../copy-binary';
import { detectDialect } from '../storage';
import { BACKUP_FORMAT, ident, MANIFEST, parseCopyLine, sha256File, type BackupManifest, type TableEntry } from './format';

/** The backup cannot be restored here; `message` says why and what to do. */
export class RestoreError extends Error {
  override name = 'RestoreError';
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Rows loaded per table (equal to the manifest's counts, or the restore failed). */
  tables: { name: string; rows: number }[];
  /** What happened to the audit anchor: restored into the configured directory, left alone, or none. */
  anchor: 'restored' | 'kept-existing' | 'none';
}

export async function readManifest(path: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(path, MANIFEST), 'utf8')) as BackupManifest;
  } catch {
    throw new RestoreError(`${path} is not a complete backup (no readable ${MANIFEST}): choose a directory listed by \`admin backup list\`.`);
  }
  if (manifest.format !== BACKUP_FORMAT)
    throw new RestoreError(`${path} is a backup of format ${String(manifest.format)}; this version reads ${BACKUP_FORMAT}.`);
  return manifest;
}

/** Checks every file's size and SHA-256 against the manifest; returns the damaged ones (empty: intact). */
export async function verifyBackup(path: string, manifest: BackupManifest): Promise<string[]> {
  const damaged: string[] = [];
  for (const f of [...manifest.tables, ...manifest.rollups, ...(manifest.anchor ?? [])]) {
    const sha = await sha256File(join(path, f.file)).catch(() => null);
    if (sha !== f.sha256) damaged.push(f.file);
  }
  return damaged;
}

export async function restoreBackup(
  pool: pg.Pool,
  path: string,
  opts: { anchorDir?: string; log?: (m: string) => void } = {},
): Promise<RestoreResult> {
  const log = opts.log ?? (() => {});
  const manifest = await readManifest(path);
  const damaged = await verifyBackup(path, manifest);
  if (damaged.length) throw new RestoreError(`the backup ${path} is damaged (${damaged.join(', ')} do not match its manifest): restore another one.`);

  const dialect = await detectDialect(pool);
  if (dialect !== manifest.dialect) {
    throw new RestoreError(
      `the backup is of a ${manifest.dialect} database and this one is ${dialect}: restore onto the same kind (for TimescaleDB, CREATE EXTENSION timescaledb in the empty database first).`,
    );
  }
  const known = new Set((await listMigrations()).map((m) => m.version));
  const unknown = manifest.migrations.filter((m) => !known.has(m.version));
  if (unknown.length) {
    throw new RestoreError(
      `the backup was made by a newer Sinergi (migration ${unknown.at(-1)!.name} is unknown here): restore it with that release or a later one.`,
    );
  }
  await requireEmpty(pool, manifest);
  const upTo = Math.max(0, ...manifest.migrations.map((m) => m.version));
  await migrate(pool, dialect, log, { upTo });

  const client = await pool.connect();
  const tables: RestoreResult['tables'] = [];
  let refreshes: { view: string; from: string }[] = [];
  try {
    await client.query('BEGIN');
    await checkColumns(client, manifest);
    // what the migrations seeded goes (only where there is something: the app's role may not DELETE everywhere)
    for (const t of [...manifest.tables].reverse()) {
      if ((await client.query(`SELECT 1 FROM ${ident(t.name)} LIMIT 1`)).rows.length) await client.query(`DELETE FROM ${ident(t.name)}`);
    }
    const useCopy = await canCopy(client);
    for (const t of manifest.tables) {
      const rows = await load(client, path, t, ident(t.name), useCopy);
      if (rows !== t.rows) throw new RestoreError(`table ${t.name}: ${rows} rows loaded, the manifest says ${t.rows}; nothing was restored.`);
      tables.push({ name: t.name, rows });
      log(`restore: ${t.name} ${rows} rows`);
    }
    // plain PostgreSQL: 008's trigger logged restored points as late writes; the backup's own log is the true one
    const dirtyLog = manifest.tables.find((t) => t.name === 'point_dirty');
    if (dirtyLog) {
      await client.query('DELETE FROM point_dirty');
      await load(client, path, dirtyLog, 'point_dirty', useCopy);
    }
    for (const s of manifest.sequences) {
      await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), $3::bigint, $4)`, [ident(s.table), s.column, s.value, s.isCalled]);
    }
    if (dialect === 'timescaledb') refreshes = await loadRollups(client, path, manifest, useCopy);
    // the dialect row is the target's (the same, checked above), kept by the migration runner
    await client.query(`INSERT INTO sinergi_meta (key, value) VALUES ('dialect', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
      dialect,
    ]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  for (const r of refreshes) {
    log(`restore: rebuilding ${r.view} from ${r.from}`);
    await pool.query(`CALL refresh_continuous_aggregate($1, $2::timestamptz, date_trunc('minute', now()))`, [r.view, r.from]);
  }
  return { manifest, tables, anchor: await restoreAnchor(path, manifest, opts.anchorDir) };
}

/**
 * A restore goes onto an empty database only: one that never recorded an audit entry, a series or an event
 * (a database that only ran migrations, or none). Anything else would be merged with, or lost under, the backup.
 */
async function requireEmpty(pool: pg.Pool, manifest: BackupManifest): Promise<void> {
  const exists = async (table: string) =>
    (await pool.query(`SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1`, [table])).rows.length > 0;
  if (await exists('schema_migration')) {
    const applied = (await pool.query<{ version: number; name: string }>('SELECT version, name FROM schema_migration ORDER BY version')).rows;
    const inBackup = new Set(manifest.migrations.map((m) => Number(m.version)));
    const newer = applied.filter((m) => !inBackup.has(Number(m.version)) && m.version > Math.max(0, ...inBackup));
    if (newer.length) {
      throw new RestoreError(
        `this database is already migrated past the backup (it has ${newer.at(-1)!.name}): restore into an empty database (a new one for DATABASE_URL, or an empty DATA_DIR), then start Sinergi to migrate it.`,
      );
    }
  }
  for (const table of ['audit_log', 'series', 'event']) {
    if (!(await exists(table))) continue;
    const n = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(table)}`)).rows[0]!.n);
    if (n > 0) {
      throw new RestoreError(
        `this database is not empty (${table} has ${n} rows): restore into an empty database (a new one for DATABASE_URL, or an empty DATA_DIR).`,
      );
    }
  }
}

/** Every table of the backup must exist with the same columns (it does after migrating to the same version). */
async function checkColumns(client: pg.PoolClient, manifest: BackupManifest): Promise<void> {
  for (const t of manifest.tables) {
    const { rows } = await client.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_attribute a
        WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))
          AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''`,
      [t.name],
    );
    const have = new Set(rows.map((r) => r.name));
    const missing = t.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
    if (rows.length === 0 || missing.length) {
      throw new RestoreError(
        `table ${t.name} of the backup does not match this database after its migrations (${rows.length === 0 ? 'no such table' : `missing ${missing.join(', ')}`}).`,
      );
    }
  }
}

/** Loads one saved file into `target`; returns the rows loaded. */
async function load(client: pg.PoolClient, dir: string, entry: TableEntry, target: string, useCopy: boolean): Promise<number> {
  const cols = entry.columns.map((c) => ident(c.name)).join(', ');
  const file = join(dir, entry.file);
  if (useCopy) {
    const stream = client.query(copyFrom(`COPY ${target} (${cols}) FROM STDIN`));
    await pipeline(createReadStream(file), createGunzip(), stream);
    return Number(stream.rowCount ?? 0);
  }
  // no COPY over the wire: text arrays per column, cast on the server with each column's own input function
  const casts = entry.columns.map((_c, i) => `$${i + 1}::text[]`).join(', ');
  const select = entry.columns.map((c, i) => `u.c${i}::${c.type}`).join(', ');
  const names = entry.columns.map((_c, i) => `c${i}`).join(', ');
  const sql = `INSERT INTO ${target} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${select} FROM unnest(${casts}) AS u(${names})`;
  let batch: (string | null)[][] = entry.columns.map(() => []);
  let pending = 0;
  let rows = 0;
  const flush = async () => {
    if (pending === 0) return;
    await client.query(sql, batch);
    rows += pending;
    batch = entry.columns.map(() => []);
    pending = 0;
  };
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    const fields = parseCopyLine(line);
    fields.forEach((f, i) => batch[i]!.push(f));
    if (++pending >= 2_000) await flush();
  }
  await flush();
  return rows;
}

/**
 * TimescaleDB: writes the saved roll-up rows that only the backup still has into each aggregate's
 * materialisation hypertable; returns the refreshes that rebuild the rest (see the header).
 */
async function loadRollups(
  client: pg.PoolClient,
  dir: string,
  manifest: BackupManifest,
  useCopy: boolean,
): Promise<{ view: string; from: string }[]> {
  const matOf = async (view: string) => {
    const m = (
      await client.query<{ s: string; n: string }>(
        `SELECT materialization_hypertable_schema AS s, materialization_hypertable_name AS n
           FROM timescaledb_information.continuous_aggregates WHERE view_name = $1`,
        [view],
      )
    ).rows[0];
    if (!m) throw new RestoreError(`this database has no continuous aggregate ${view}; is it migrated?`);
    return `${ident(m.s)}.${ident(m.n)}`;
  };
  const mat1m = await matOf('point_1m');
  const mat1h = await matOf('point_1h');
  // Where each level's source begins: raw points for 1 minute; for 1 hour, the 1-minute rows as restored (the
  // backup's old ones, already written below, and those the refresh will make from raw points).
  const levels = [
    { view: 'point_1m', mat: mat1m, width: '1 minute', sourceStart: `(SELECT min(time) FROM point)` },
    {
      view: 'point_1h',
      mat: mat1h,
      width: '1 hour',
      sourceStart: `least((SELECT min(bucket) FROM ${mat1m}), (SELECT date_bin('1 minute', min(time), '2000-01-01 00:00:00+00') FROM point))`,
    },
  ];
  const out: { view: string; from: string }[] = [];
  for (const level of levels) {
    const entry = manifest.rollups.find((r) => r.name === level.view);
    if (!entry) continue;
    await client.query(`CREATE TEMP TABLE restore_rollup (LIKE ${level.mat}) ON COMMIT DROP`);
    const rows = await load(client, dir, entry, 'restore_rollup', useCopy);
    if (rows !== entry.rows) throw new RestoreError(`${level.view}: ${rows} rows loaded, the manifest says ${entry.rows}; nothing was restored.`);
    // the first bucket the source covers whole; buckets before it (a partial one included) stay the backup's
    const boundary = (
      await client.query<{ b: string | null }>(
        `SELECT (date_bin($1::interval, src - interval '1 microsecond', '2000-01-01 00:00:00+00') + $1::interval)::text AS b
           FROM (SELECT ${level.sourceStart} AS src) s`,
        [level.width],
      )
    ).rows[0]!.b;
    const cols = entry.columns.map((c) => ident(c.name)).join(', ');
    await client.query(
      `INSERT INTO ${level.mat} (${cols}) SELECT ${cols} FROM restore_rollup WHERE $1::timestamptz IS NULL OR bucket < $1::timestamptz`,
      [boundary],
    );
    await client.query('DROP TABLE restore_rollup');
    if (boundary !== null) out.push({ view: level.view, from: boundary });
  }
  return out;
}

/**
 * Puts the backup's audit anchor into the configured directory when that is empty (a fresh box). A directory
 * that already holds an anchor is left alone: it may record entries newer than the backup, which `audit verify`
 * should then report as lost rather than have them silently forgotten.
 */
async function restoreAnchor(path: string, manifest: BackupManifest, anchorDir: string | undefined): Promise<RestoreResult['anchor']> {
  if (!manifest.anchor?.length || !anchorDir) return 'none';
  const existing = await readdir(anchorDir).catch(() => [] as string[]);
  if (existing.length > 0) return 'kept-existing';
  await mkdir(anchorDir, { recursive: true, mode: 0o700 });
  await cp(join(path, 'anchor'), anchorDir, { recursive: true, preserveTimestamps: true });
  return 'restored';
}
