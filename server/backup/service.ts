/**
 * Backups as the platform runs them: one run (backup, second copy, retention in both places, a record in
 * `backup_run`, an audit entry), the nightly schedule, and the backups' health as two metrics of the `system`
 * domain (migration 040), so a failed or missing backup raises an ordinary alert to the command centre.
 *
 * The health readings go through the ingest service, as the owner OPD's (Diskominfo's) readings would: they
 * are stored, streamed to the wall and tablets, and evaluated against the catalog thresholds by the alert
 * service — `backup_age_hours` (per destination, `primary` and `copy`) reaches Siaga at 26 h (a nightly run
 * missed, with two hours of grace for a slow one) and Awas at 50 h; `backup_failures` (entity `nightly`)
 * reaches Siaga at the first failed attempt and Awas at the second in a row. The age is what is on disk
 * (complete backups in the directory), not what the database remembers: a deleted backup or an unmounted
 * second disk shows as missing.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { BackupBusyError, copyBackup, createBackup } from '../../db/backup/create';
import { listBackups, pruneBackups } from '../../db/backup/retention';
import { appendAudit } from '../../db/queries/audit';
import type { BackupConfig } from '../config';
import type { CatalogService } from '../catalog/service';
import type { IngestService } from '../ingest/service';

export type BackupPlan = Pick<BackupConfig, 'dir' | 'copyDir' | 'keepDaily' | 'keepWeekly'> & { anchorDir?: string | undefined };

export type BackupRun =
  | { kind: 'done'; name: string; path: string; copy: string | null; rows: number; bytes: number; pruned: string[] }
  | { kind: 'busy' }
  | { kind: 'failed'; error: string };

/** Local calendar offset for retention (the server's time zone). */
const localOffsetMinutes = (at: number) => -new Date(at).getTimezoneOffset();

/**
 * One backup run. A failed backup is returned and recorded (and so alerted), a run refused because another is
 * busy is not recorded; it throws only when the record itself cannot be written (the database is away).
 */
export async function runBackup(
  pool: pg.Pool,
  plan: BackupPlan,
  how: { trigger: 'scheduled' | 'manual'; actor: string; clock?: () => number; log?: (m: string) => void },
): Promise<BackupRun> {
  const clock = how.clock ?? Date.now;
  const startedAt = clock();
  let result: BackupRun;
  try {
    const made = await createBackup(pool, { dir: plan.dir, anchorDir: plan.anchorDir, log: how.log });
    // the primary is complete from here on; a failing copy still fails the run (the operator asked for two)
    const copy = plan.copyDir ? await copyBackup(made.path, plan.copyDir, made.name) : null;
    const pruned = await pruneBackups(plan.dir, plan.keepDaily, plan.keepWeekly, localOffsetMinutes(startedAt));
    if (plan.copyDir) pruned.push(...(await pruneBackups(plan.copyDir, plan.keepDaily, plan.keepWeekly, localOffsetMinutes(startedAt))));
    result = { kind: 'done', name: made.name, path: made.path, copy, rows: made.rows, bytes: made.bytes, pruned };
  } catch (e) {
    if (e instanceof BackupBusyError) return { kind: 'busy' };
    result = { kind: 'failed', error: (e as Error).message };
  }
  await pool.query(
    `INSERT INTO backup_run (started_at, finished_at, trigger, ok, name, dir, copy_dir, bytes, rows, error)
     VALUES (to_timestamp($1 / 1000.0), to_timestamp($2 / 1000.0), $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      startedAt,
      clock(),
      how.trigger,
      result.kind === 'done',
      result.kind === 'done' ? result.name : null,
      plan.dir,
      plan.copyDir,
      result.kind === 'done' ? result.bytes : null,
      result.kind === 'done' ? result.rows : null,
      result.kind === 'failed' ? result.error : null,
    ],
  );
  // a copy of every row leaves the database: who made it is on the record
  if (result.kind === 'done') {
    await appendAudit(pool, [
      {
        actor: how.actor,
        action: 'backup.created',
        target: `backup:${result.name}`,
        detail: { trigger: how.trigger, rows: result.rows, bytes: result.bytes, copy: result.copy !== null },
        source: how.trigger === 'manual' ? 'cli' : null,
      },
    ]);
  }
  return result;
}

/** The next local `HH:MM` strictly after `now` (server time zone). */
export function nextRunAt(now: number, at: string): number {
  const [h, m] = at.split(':').map(Number);
  const d = new Date(now);
  d.setHours(h!, m!, 0, 0);
  if (d.getTime() <= now) d.setDate(d.getDate() + 1);
  return d.getTime();
}

/** The readings of the two health metrics now (pure: the caller lists the disk and the runs). */
export function backupHealthReadings(input: {
  now: number;
  /** Newest complete backup per destination (null: none there), and whether that destination is configured. */
  primary: number | null;
  copy: number | null | undefined;
  /** When the database was created: the age of "no backup yet" counts from here. */
  since: number;
  /** Failed runs since the last good one. */
  failuresInARow: number;
}): { metric: string; entity: string; value: number }[] {
  const hours = (t: number | null) => Math.max(0, Math.round(((input.now - Math.max(t ?? input.since, input.since)) / 3_600_000) * 10) / 10);
  const out = [{ metric: 'backup_age_hours', entity: 'primary', value: hours(input.primary) }];
  if (input.copy !== undefined) out.push({ metric: 'backup_age_hours', entity: 'copy', value: hours(input.copy) });
  out.push({ metric: 'backup_failures', entity: 'nightly', value: input.failuresInARow });
  return out;
}

export interface BackupService {
  /** Reads the disk and the run log and submits the health readings; resolves with the primary's age (hours) once written. */
  check(): Promise<number | undefined>;
  /** Runs a backup now (as the schedule would), then checks. */
  runNow(): Promise<BackupRun>;
  stop(): Promise<void>;
}

/** A schedule on, and no backup this many hours old at start: one is made at once. */
export const MISSED_AFTER_HOURS = 24;

/** How often the health readings are refreshed (the metrics' catalog cadence is 600 s). */
export const BACKUP_CHECK_MS = 10 * 60_000;

export function startBackupService(deps: {
  pool: pg.Pool;
  plan: BackupPlan;
  /** `HH:MM` server time; null: no schedule here (cron or a timer runs `admin backup`), health is still watched. */
  at: string | null;
  ingest: Pick<IngestService, 'ingestPoints'>;
  catalog: Pick<CatalogService, 'metric'>;
  log: Logger;
  clock: () => number;
}): BackupService {
  const { pool, plan, log, clock } = deps;
  let stopped = false;
  // what stop() waits for: the run or check in progress
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  const check = async () => {
    const now = clock();
    const newest = async (dir: string) => (await listBackups(dir).catch(() => []))[0]?.at ?? null;
    const { rows } = await pool.query<{ since: number; failures: number }>(
      `SELECT (SELECT (extract(epoch FROM min(applied_at)) * 1000)::float8 FROM schema_migration) AS since,
              (SELECT count(*)::int FROM backup_run
                WHERE NOT ok AND started_at > coalesce((SELECT max(started_at) FROM backup_run WHERE ok), '-infinity')) AS failures`,
    );
    const readings = backupHealthReadings({
      now,
      primary: await newest(plan.dir),
      copy: plan.copyDir ? await newest(plan.copyDir) : undefined,
      since: rows[0]!.since ?? now,
      failuresInARow: rows[0]!.failures,
    });
    const owner = deps.catalog.metric('backup_age_hours')?.ownerOpd;
    if (!owner) return void log.warn('the catalog has no backup_age_hours metric (migration 040); backup health is not reported');
    const result = await deps.ingest.ingestPoints(
      { id: 0, opd: owner, scopes: ['points'] },
      { points: readings.map((r) => ({ metric: r.metric, entity: r.entity, time: now, value: r.value })) },
      now,
    );
    if (result.kind !== 'accepted') log.warn({ result }, 'backup health readings refused');
    return readings[0]!.value; // the primary's age, hours
  };
  const safeCheck = () => track(check().catch((e: unknown) => log.error({ err: e }, 'backup health check failed')));

  const runNow = async (): Promise<BackupRun> => {
    const result = await track(
      runBackup(pool, plan, { trigger: 'scheduled', actor: 'system:backup', clock, log: (m) => log.debug(m) }).catch((e: unknown): BackupRun => ({
        kind: 'failed',
        error: `could not record the run: ${(e as Error).message}`,
      })),
    );
    if (result.kind === 'done') log.info({ name: result.name, rows: result.rows, bytes: result.bytes, pruned: result.pruned }, 'backup made');
    else if (result.kind === 'failed') log.error({ error: result.error }, 'backup failed');
    else log.info('backup skipped: another process is making one');
    await safeCheck();
    return result;
  };

  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (stopped || !deps.at) return;
    // at most a day ahead, well inside setTimeout's limit (~24.8 days)
    timer = setTimeout(() => void runNow().finally(schedule), nextRunAt(clock(), deps.at) - clock());
    timer.unref();
  };
  schedule();
  const ticker = setInterval(() => void safeCheck(), BACKUP_CHECK_MS);
  ticker.unref();
  // A box that was off at BACKUP_AT (a power cut, a demo run by day) makes the missed backup up at start.
  void safeCheck().then((age) => {
    if (deps.at && !stopped && typeof age === 'number' && age >= MISSED_AFTER_HOURS) void runNow();
  });

  return {
    check,
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(ticker);
      await Promise.allSettled([...inFlight]);
    },
  };
}
