/**
 * The on-disk form of a backup, shared by db/backup/create.ts and db/backup/restore.ts.
 *
 * A backup is one directory, `sinergi-YYYYMMDD-HHMMSSZ/`:
 *   manifest.json          written last: a directory without it is incomplete and never counts as a backup
 *   data/<table>.copy.gz   each table in PostgreSQL's COPY text format, gzip-compressed
 *   rollups/<view>.copy.gz TimescaleDB only: the rows of the continuous aggregates (see restore.ts)
 *   anchor/…               the audit chain's anchor directory (AUDIT_ANCHOR_DIR), when configured
 * COPY text is the server's own output of every type (so a PostgreSQL 15 client and a 17 server agree), one
 * line per row with tabs, `\N` for null and backslash escapes; the manifest carries each file's row count and
 * SHA-256, checked before a restore touches anything.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Dialect } from '../dialect';

export const BACKUP_FORMAT = 'sinergi-backup/1';
export const MANIFEST = 'manifest.json';
export const BACKUP_PREFIX = 'sinergi-';

export interface ColumnEntry {
  name: string;
  /** format_type() of the column, for the restore path that inserts instead of copying. */
  type: string;
}

export interface FileEntry {
  /** Relative to the backup directory. */
  file: string;
  bytes: number;
  sha256: string;
}

export interface TableEntry extends FileEntry {
  name: string;
  columns: ColumnEntry[];
  rows: number;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  name: string;
  /** The database's clock when the snapshot was taken (ISO 8601). */
  snapshotAt: string;
  dialect: Dialect;
  /** version() of the server backed up. */
  server: string;
  /** The migrations applied to the database, in order: its schema version. */
  migrations: { version: number; name: string }[];
  /** In restore order (a table after the tables its foreign keys point to). */
  tables: TableEntry[];
  /** TimescaleDB: the continuous aggregates' rows (point_1m, point_1h); empty on plain PostgreSQL. */
  rollups: TableEntry[];
  /** Identity and serial sequences, so new rows after a restore do not collide with restored ones. */
  sequences: { table: string; column: string; value: string; isCalled: boolean }[];
  /** The audit chain's head at the snapshot (`seq:hash` from sinergi_meta), null before the first entry. */
  auditHead: string | null;
  /** The anchor directory's files as copied (before the snapshot, so the database is never older than it). */
  anchor: FileEntry[] | null;
}

/** `sinergi-20261206-023000Z` for a time (UTC), sortable by name. */
export function backupName(at: Date): string {
  const iso = at.toISOString(); // 2026-12-06T02:30:00.000Z
  return `${BACKUP_PREFIX}${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}Z`;
}

/** Quotes an identifier for SQL. */
export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Flushes a file or directory to disk (a rename is durable only once its directory is). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** One COPY text line into its fields (null for `\N`), undoing the escapes COPY writes. */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split('\t').map((field) => {
    if (field === '\\N') return null;
    if (!field.includes('\\')) return field;
    return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
      if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
      if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
      return ESCAPES[e] ?? e;
    });
  });
}
