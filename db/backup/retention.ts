/**
 * Which backups stay: the newest of each of the last `daily` days that have one, and the newest of each of the
 * last `weekly` ISO weeks (Monday to Sunday) that have one — 7 and 4 by default, so a month of history in 11
 * backups at most. Days and weeks are the server's local calendar (`utcOffsetMinutes`), so "Tuesday's backup"
 * means what the operator reads on the wall clock. Pure; the caller lists and deletes.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_PREFIX, MANIFEST, type BackupManifest } from './format';

export interface BackupListing {
  name: string;
  path: string;
  /** The snapshot's time, epoch ms. */
  at: number;
  manifest: BackupManifest;
}

/** Complete backups in `dir` (with a readable manifest), newest first; a missing directory has none. */
export async function listBackups(dir: string): Promise<BackupListing[]> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const out: BackupListing[] = [];
  for (const name of entries) {
    if (!name.startsWith(BACKUP_PREFIX)) continue;
    const path = join(dir, name);
    try {
      const manifest = JSON.parse(await readFile(join(path, MANIFEST), 'utf8')) as BackupManifest;
      out.push({ name, path, at: Date.parse(manifest.snapshotAt), manifest });
    } catch {
      // no manifest: an incomplete backup, never counted
    }
  }
  return out.sort((a, b) => b.at - a.at);
}

/** The names to keep (see the header). */
export function backupsToKeep(
  backups: readonly { name: string; at: number }[],
  daily: number,
  weekly: number,
  utcOffsetMinutes: number,
): Set<string> {
  const keep = new Set<string>();
  const newestFirst = [...backups].sort((a, b) => b.at - a.at);
  const pick = (period: (local: Date) => string, count: number) => {
    const seen = new Set<string>();
    for (const b of newestFirst) {
      const key = period(new Date(b.at + utcOffsetMinutes * 60_000));
      if (seen.has(key)) continue;
      if (seen.size >= count) break;
      seen.add(key);
      keep.add(b.name);
    }
  };
  pick((d) => d.toISOString().slice(0, 10), daily);
  pick(isoWeek, weekly);
  return keep;
}

/** `2026-W49` of a date whose UTC fields hold the local calendar. */
export function isoWeek(d: Date): string {
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() - ((thursday.getUTCDay() + 6) % 7) + 3); // the week's Thursday names its year
  const jan4 = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((thursday.getTime() - jan4.getTime()) / 86_400_000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Deletes the complete backups in `dir` that the rule does not keep; returns their names. */
export async function pruneBackups(dir: string, daily: number, weekly: number, utcOffsetMinutes: number): Promise<string[]> {
  const all = await listBackups(dir);
  const keep = backupsToKeep(all, daily, weekly, utcOffsetMinutes);
  const removed: string[] = [];
  for (const b of all) {
    if (keep.has(b.name)) continue;
    await rm(b.path, { recursive: true, force: true });
    removed.push(b.name);
  }
  return removed;
}
