/**
 * The store's maintenance jobs, the same on both dialects:
 * - refresh the 1-minute and 1-hour roll-ups (materialise up to a watermark, recompute buckets that late or
 *   corrected points made dirty);
 * - compress raw chunks older than an age (TimescaleDB only);
 * - retention: drop raw points older than N days, 1-minute and 1-hour roll-ups later.
 * On TimescaleDB they are policies run by its background scheduler; where that scheduler does not run (a
 * server with `timescaledb.max_background_workers = 0`, the WASM test build) the app runs the same jobs with
 * `run_job`. On plain PostgreSQL the app runs its own implementation (refreshPostgres, retentionPostgres).
 */
import type pg from 'pg';
import type { Dialect } from './dialect';
import { inTransaction } from './transaction';

export interface StorePolicy {
  /** Raw points are kept this long (roll-ups of them stay). */
  rawRetentionDays: number;
  rollup1mRetentionDays: number;
  rollup1hRetentionDays: number;
  /** TimescaleDB: raw chunks older than this are compressed. */
  compressAfterDays: number;
}

export const DEFAULT_STORE_POLICY: Readonly<StorePolicy> = Object.freeze({
  rawRetentionDays: 30,
  rollup1mRetentionDays: 90,
  rollup1hRetentionDays: 730,
  compressAfterDays: 7,
});

/** Held shared by every writer of `point` until commit (see the trigger in 008), exclusively to move the sweep. */
const WRITERS_LOCK = 1920103633;
/** One refresher at a time per database (session lock, tried, never waited for). */
const REFRESH_LOCK = 1920103634;
const ORIGIN = `'2000-01-01 00:00:00+00'::timestamptz`;

type Db = pg.Pool;

/** Checks a policy: retentions must nest (raw ≤ 1 m ≤ 1 h) so a refresh never rebuilds from dropped data. */
export function checkStorePolicy(p: StorePolicy): string | null {
  for (const [k, v] of Object.entries(p)) if (!Number.isInteger(v) || v < 1) return `${k} must be a whole number of days ≥ 1`;
  if (p.rawRetentionDays < 2) return 'rawRetentionDays must be at least 2';
  if (p.rollup1mRetentionDays < p.rawRetentionDays) return 'the 1-minute roll-ups must be kept at least as long as raw points';
  if (p.rollup1hRetentionDays < p.rollup1mRetentionDays) return 'the 1-hour roll-ups must be kept at least as long as 1-minute ones';
  return null;
}

/** Gaps-and-islands: merges overlapping [lo, hi) ranges per series of `src` into `dst`. */
function mergeRangesSql(src: string, dst: string): string {
  return `CREATE TEMP TABLE ${dst} ON COMMIT DROP AS
    WITH s AS (SELECT series_id, lo, hi,
                      max(hi) OVER (PARTITION BY series_id ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi
                 FROM ${src}),
         g AS (SELECT series_id, lo, hi,
                      count(*) FILTER (WHERE prev_hi IS NULL OR lo > prev_hi) OVER (PARTITION BY series_id ORDER BY lo, hi) AS grp
                 FROM s)
    SELECT series_id, min(lo) AS lo, max(hi) AS hi FROM g GROUP BY series_id, grp`;
}

const AGG_1M = `sum(value), count(*), min(value), max(value), (array_agg(value ORDER BY time DESC))[1], max(time)`;
const AGG_1H = `sum(value_sum), sum(value_count)::bigint, min(value_min), max(value_max),
                (array_agg(value_last ORDER BY last_time DESC))[1], max(last_time)`;
const UPSERT = `ON CONFLICT (series_id, bucket) DO UPDATE SET value_sum = EXCLUDED.value_sum, value_count = EXCLUDED.value_count,
  value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max, value_last = EXCLUDED.value_last, last_time = EXCLUDED.last_time`;

export interface RefreshResult {
  skipped: boolean;
  /** Merged dirty ranges recomputed at the 1-minute level. */
  dirtyRanges: number;
  /** Series whose roll-up failed (stored values that cannot be aggregated) and were left out; the rest rolled up. */
  failedSeries?: number[];
}

/**
 * Runs one roll-up statement for every series at once; if it fails (one series' stored values poison the
 * aggregate, e.g. readings of 1e308 stored before values were bounded), runs it again series by series, each
 * in its own savepoint, and leaves out only the series that still fail (issue 13, item 3). `sql(only)` must
 * put `only` (a condition on the series id column it names) in its WHERE clause.
 */
async function isolating(
  client: pg.PoolClient,
  sql: (only: (column: string) => string) => string,
  params: unknown[],
  seriesIds: () => Promise<number[]>,
  failed: Set<number>,
): Promise<void> {
  const all = () => 'TRUE';
  await client.query('SAVEPOINT rollup_all');
  try {
    await client.query(sql(all), params);
    await client.query('RELEASE SAVEPOINT rollup_all');
    return;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT rollup_all');
  }
  const n = params.length + 1;
  for (const id of await seriesIds()) {
    if (failed.has(id)) continue;
    await client.query('SAVEPOINT rollup_one');
    try {
      await client.query(
        sql((column) => `${column} = $${n}`),
        [...params, id],
      );
      await client.query('RELEASE SAVEPOINT rollup_one');
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT rollup_one');
      failed.add(id);
    }
  }
}

/**
 * Plain PostgreSQL: moves the watermarks to the last complete minute/hour and recomputes dirty buckets.
 * Late points older than raw retention − 1 day are not rolled up (like the TimescaleDB refresh window).
 */
export async function refreshPostgres(pool: Db, policy: StorePolicy = DEFAULT_STORE_POLICY, opts: { sinceMs?: number } = {}): Promise<RefreshResult> {
  const client = await pool.connect();
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [REFRESH_LOCK]);
    if (!got.rows[0]!.ok) return { skipped: true, dirtyRanges: 0 };
    try {
      // A: every writer either committed before this (its rows are in the sweep) or will see the new sweep_from
      // and log its rows behind it as dirty.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITERS_LOCK]);
      await client.query(`UPDATE rollup_state SET sweep_from = greatest(sweep_from, date_bin('1 minute', now() - interval '1 minute', ${ORIGIN}))`);
      await client.query('COMMIT');

      // B: one snapshot for the whole refresh.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      // pg turns ±infinity into ±Infinity numbers; pass timestamps back as the server's own text
      const ts = (
        await client.query<{ sweep_from: string; mat_1m: string; mat_1h: string; new_1h: string; clamp: string }>(
          `SELECT sweep_from::text, mat_1m::text, mat_1h::text, date_bin('1 hour', sweep_from, ${ORIGIN})::text AS new_1h,
                  coalesce(to_timestamp($2 / 1000.0), now() - make_interval(days => $1))::text AS clamp FROM rollup_state`,
          [policy.rawRetentionDays - 1, opts.sinceMs ?? null],
        )
      ).rows[0]!;
      const failed = new Set<number>();
      // 1-minute level: sweep the new stretch for all series
      await isolating(
        client,
        (only) => `INSERT INTO point_1m_mat
         SELECT series_id, date_bin('1 minute', time, ${ORIGIN}), ${AGG_1M}
           FROM point WHERE time >= $1::timestamptz AND time < $2::timestamptz AND ${only('series_id')} GROUP BY 1, 2 ${UPSERT}`,
        [ts.mat_1m, ts.sweep_from],
        async () =>
          (
            await client.query<{ id: number }>(
              `SELECT DISTINCT series_id AS id FROM point WHERE time >= $1::timestamptz AND time < $2::timestamptz ORDER BY 1`,
              [ts.mat_1m, ts.sweep_from],
            )
          ).rows.map((r) => r.id),
        failed,
      );
      // dirty ranges behind the old watermark, bucket-aligned, clamped, merged
      await client.query(`CREATE TEMP TABLE rollup_dirty_raw (series_id integer, lo timestamptz, hi timestamptz) ON COMMIT DROP`);
      await client.query(
        `WITH d AS (DELETE FROM point_dirty RETURNING series_id, lo, hi),
              r AS (SELECT series_id, date_bin('1 minute', greatest(lo, $1::timestamptz), ${ORIGIN}) AS lo,
                           least(date_bin('1 minute', hi, ${ORIGIN}) + interval '1 minute', $2::timestamptz) AS hi
                      FROM d WHERE hi >= $1::timestamptz)
         INSERT INTO rollup_dirty_raw SELECT series_id, lo, hi FROM r WHERE lo < hi`,
        [ts.clamp, ts.mat_1m],
      );
      await client.query(mergeRangesSql('rollup_dirty_raw', 'rollup_dirty_1m'));
      await client.query(
        `DELETE FROM point_1m_mat m USING rollup_dirty_1m r WHERE m.series_id = r.series_id AND m.bucket >= r.lo AND m.bucket < r.hi`,
      );
      const dirtySeries = (table: string) => async () =>
        (await client.query<{ id: number }>(`SELECT DISTINCT series_id AS id FROM ${table} ORDER BY 1`)).rows.map((r) => r.id);
      await isolating(
        client,
        (only) => `INSERT INTO point_1m_mat
         SELECT p.series_id, date_bin('1 minute', p.time, ${ORIGIN}), sum(p.value), count(*), min(p.value), max(p.value),
                (array_agg(p.value ORDER BY p.time DESC))[1], max(p.time)
           FROM rollup_dirty_1m r JOIN point p ON p.series_id = r.series_id AND p.time >= r.lo AND p.time < r.hi
          WHERE ${only('r.series_id')}
          GROUP BY 1, 2`,
        [],
        dirtySeries('rollup_dirty_1m'),
        failed,
      );
      const ranges = Number((await client.query<{ n: number }>('SELECT count(*)::int AS n FROM rollup_dirty_1m')).rows[0]!.n);
      // 1-hour level, from the 1-minute table: the new stretch, then dirty hours behind the old watermark
      await isolating(
        client,
        (only) => `INSERT INTO point_1h_mat
         SELECT series_id, date_bin('1 hour', bucket, ${ORIGIN}), ${AGG_1H}
           FROM point_1m_mat WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz AND ${only('series_id')} GROUP BY 1, 2 ${UPSERT}`,
        [ts.mat_1h, ts.new_1h],
        async () =>
          (
            await client.query<{ id: number }>(
              `SELECT DISTINCT series_id AS id FROM point_1m_mat WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz ORDER BY 1`,
              [ts.mat_1h, ts.new_1h],
            )
          ).rows.map((r) => r.id),
        failed,
      );
      await client.query(
        `CREATE TEMP TABLE rollup_dirty_raw_h ON COMMIT DROP AS
         SELECT series_id, date_bin('1 hour', lo, ${ORIGIN}) AS lo,
                least(date_bin('1 hour', hi - interval '1 microsecond', ${ORIGIN}) + interval '1 hour', $1::timestamptz) AS hi
           FROM rollup_dirty_1m`,
        [ts.mat_1h],
      );
      await client.query(`DELETE FROM rollup_dirty_raw_h WHERE lo >= hi`);
      await client.query(mergeRangesSql('rollup_dirty_raw_h', 'rollup_dirty_1h'));
      await client.query(
        `DELETE FROM point_1h_mat m USING rollup_dirty_1h r WHERE m.series_id = r.series_id AND m.bucket >= r.lo AND m.bucket < r.hi`,
      );
      await isolating(
        client,
        (only) => `INSERT INTO point_1h_mat
         SELECT m.series_id, date_bin('1 hour', m.bucket, ${ORIGIN}), sum(m.value_sum), sum(m.value_count)::bigint, min(m.value_min),
                max(m.value_max), (array_agg(m.value_last ORDER BY m.last_time DESC))[1], max(m.last_time)
           FROM rollup_dirty_1h r JOIN point_1m_mat m ON m.series_id = r.series_id AND m.bucket >= r.lo AND m.bucket < r.hi
          WHERE ${only('r.series_id')}
          GROUP BY 1, 2`,
        [],
        dirtySeries('rollup_dirty_1h'),
        failed,
      );
      await client.query(`UPDATE rollup_state SET mat_1m = sweep_from, mat_1h = greatest(mat_1h, $1::timestamptz)`, [ts.new_1h]);
      await client.query('COMMIT');
      return { skipped: false, dirtyRanges: ranges, ...(failed.size ? { failedSeries: [...failed] } : {}) };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [REFRESH_LOCK]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

/** Plain PostgreSQL retention: raw points, then each roll-up level, older than their ages. */
export async function retentionPostgres(pool: Db, policy: StorePolicy = DEFAULT_STORE_POLICY): Promise<{ raw: number; m1: number; h1: number }> {
  const raw = await pool.query(`DELETE FROM point WHERE time < now() - make_interval(days => $1)`, [policy.rawRetentionDays]);
  const m1 = await pool.query(`DELETE FROM point_1m_mat WHERE bucket < now() - make_interval(days => $1)`, [policy.rollup1mRetentionDays]);
  const h1 = await pool.query(`DELETE FROM point_1h_mat WHERE bucket < now() - make_interval(days => $1)`, [policy.rollup1hRetentionDays]);
  return { raw: raw.rowCount ?? 0, m1: m1.rowCount ?? 0, h1: h1.rowCount ?? 0 };
}

/**
 * TimescaleDB: makes the policies match `policy` (recorded in sinergi_meta, re-applied only when it changes).
 * Refresh windows start a day inside the retention of the level below.
 */
export async function applyTimescalePolicies(pool: Db, policy: StorePolicy = DEFAULT_STORE_POLICY): Promise<boolean> {
  const wanted = JSON.stringify(policy);
  const current = (await pool.query<{ value: string }>(`SELECT value FROM sinergi_meta WHERE key = 'store_policy'`)).rows[0]?.value;
  if (current === wanted) return false;
  const days = (n: number) => `${n} days`;
  // see 009: batched refreshes miss a boundary bucket in 2.23, so batching is off where it exists
  const batched = (
    await pool.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'add_continuous_aggregate_policy' AND 'buckets_per_batch' = ANY (proargnames)) AS ok`,
    )
  ).rows[0]!.ok;
  const noBatches = batched ? ', buckets_per_batch => 0' : '';
  const stmts: [string, unknown[]][] = [
    [`SELECT remove_continuous_aggregate_policy('point_1m', if_exists => true)`, []],
    [
      `SELECT add_continuous_aggregate_policy('point_1m', start_offset => $1::interval, end_offset => INTERVAL '1 minute',
         schedule_interval => INTERVAL '1 minute'${noBatches})`,
      [days(policy.rawRetentionDays - 1)],
    ],
    [`SELECT remove_continuous_aggregate_policy('point_1h', if_exists => true)`, []],
    [
      `SELECT add_continuous_aggregate_policy('point_1h', start_offset => $1::interval, end_offset => INTERVAL '1 hour',
         schedule_interval => INTERVAL '10 minutes'${noBatches})`,
      [days(policy.rollup1mRetentionDays - 1)],
    ],
    [`SELECT remove_compression_policy('point', if_exists => true)`, []],
    [`SELECT add_compression_policy('point', compress_after => $1::interval)`, [days(policy.compressAfterDays)]],
    [`SELECT remove_retention_policy('point', if_exists => true)`, []],
    [`SELECT add_retention_policy('point', drop_after => $1::interval)`, [days(policy.rawRetentionDays)]],
    [`SELECT remove_retention_policy('point_1m', if_exists => true)`, []],
    [`SELECT add_retention_policy('point_1m', drop_after => $1::interval)`, [days(policy.rollup1mRetentionDays)]],
    [`SELECT remove_retention_policy('point_1h', if_exists => true)`, []],
    [`SELECT add_retention_policy('point_1h', drop_after => $1::interval)`, [days(policy.rollup1hRetentionDays)]],
    [`INSERT INTO sinergi_meta (key, value) VALUES ('store_policy', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [wanted]],
  ];
  await inTransaction(pool, async (client) => {
    for (const [sql, params] of stmts) await client.query(sql, params);
  });
  return true;
}

/** Whether TimescaleDB's own scheduler runs policies for this database. */
export async function timescaleSchedulerRunning(pool: Db): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                     WHERE application_name LIKE 'TimescaleDB Background Worker Scheduler%' AND datname = current_database()) AS ok`,
  );
  return rows[0]!.ok;
}

export type JobKind = 'refresh' | 'maintenance';

interface TimescaleJob {
  job_id: number;
  proc_name: string;
  target: string;
}

/** The store's policy jobs on TimescaleDB, in the order they must run (1 m before 1 h, refresh before retention). */
async function timescaleJobs(pool: Db): Promise<TimescaleJob[]> {
  const { rows } = await pool.query<TimescaleJob>(
    `SELECT j.job_id, j.proc_name, coalesce(ca.view_name, j.hypertable_name) AS target
       FROM timescaledb_information.jobs j
       LEFT JOIN timescaledb_information.continuous_aggregates ca
              ON ca.materialization_hypertable_schema = j.hypertable_schema AND ca.materialization_hypertable_name = j.hypertable_name
      WHERE j.proc_name IN ('policy_refresh_continuous_aggregate', 'policy_compression', 'policy_retention')`,
  );
  const rank = (j: TimescaleJob) =>
    ({ policy_refresh_continuous_aggregate: 0, policy_compression: 10, policy_retention: 20 })[j.proc_name as 'policy_retention']! +
    (j.target === 'point' ? 0 : j.target === 'point_1m' ? 1 : 2);
  return rows.filter((j) => ['point', 'point_1m', 'point_1h'].includes(j.target)).sort((a, b) => rank(a) - rank(b));
}

/**
 * Runs the store's jobs once, now: `refresh` (roll-ups) or `maintenance` (refresh, compression, retention).
 * On TimescaleDB this runs the policies' own jobs (`CALL run_job`), so the app and the scheduler do the same.
 */
export async function runStoreJobs(
  pool: Db,
  dialect: Dialect,
  kind: JobKind,
  policy: StorePolicy = DEFAULT_STORE_POLICY,
  onFailedSeries?: (ids: number[]) => void,
): Promise<{ refreshed: boolean }> {
  if (dialect === 'postgres') {
    const { skipped, failedSeries } = await refreshPostgres(pool, policy);
    if (failedSeries?.length) onFailedSeries?.(failedSeries);
    if (kind === 'maintenance') {
      await retentionPostgres(pool, policy);
      await refreshPostgres(pool, policy);
    }
    // skipped: another process holds the refresher's lock, so nothing is known about what it has rolled up
    return { refreshed: !skipped };
  }
  for (const j of await timescaleJobs(pool)) {
    if (kind === 'refresh' && j.proc_name !== 'policy_refresh_continuous_aggregate') continue;
    // simple protocol (no parameters): run_job commits inside, which an extended-protocol call does not allow
    await pool.query(`CALL run_job(${Number(j.job_id)})`);
  }
  return { refreshed: true };
}

/**
 * Rolls up a stretch of history written after its refresh window had passed (a backfill of older data):
 * TimescaleDB refreshes both aggregates over the range; plain PostgreSQL marks it dirty and refreshes.
 */
export async function refreshRollupsRange(
  pool: Db,
  dialect: Dialect,
  fromMs: number,
  toMs: number,
  policy: StorePolicy = DEFAULT_STORE_POLICY,
): Promise<void> {
  const HOUR = 3_600_000;
  const lo = Math.floor(fromMs / HOUR) * HOUR;
  const hi = Math.ceil(toMs / HOUR) * HOUR;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new Error('refreshRollupsRange: empty range');
  if (dialect === 'timescaledb') {
    const range = `'${new Date(lo).toISOString()}', '${new Date(hi).toISOString()}'`;
    await pool.query(`CALL refresh_continuous_aggregate('point_1m', ${range})`);
    await pool.query(`CALL refresh_continuous_aggregate('point_1h', ${range})`);
    return;
  }
  await pool.query(
    `INSERT INTO point_dirty (series_id, lo, hi)
     SELECT series_id, min(time), max(time) FROM point
      WHERE time >= to_timestamp($1 / 1000.0) AND time < to_timestamp($2 / 1000.0) GROUP BY series_id`,
    [lo, hi],
  );
  await refreshPostgres(pool, policy, { sinceMs: lo });
}

export interface StoreJobRunner {
  /** 'app' when this process runs the jobs, 'timescaledb' when the database's scheduler does. */
  mode: 'app' | 'timescaledb';
  /**
   * Calls `listener(startedAtMs)` after each roll-up refresh this process ran (what was written before
   * `startedAtMs` is now in the roll-ups). Never called where the database's scheduler refreshes.
   */
  onRefreshed(listener: (startedAtMs: number) => void): () => void;
  stop(): Promise<void>;
}

/**
 * Starts the app-run schedule: roll-up refresh every `refreshMs`, maintenance (compression, retention)
 * every `maintenanceMs`. On TimescaleDB with a running scheduler only the policies are applied.
 * Failures are logged and retried at the next tick; they never stop the process.
 */
export async function startStoreJobs(opts: {
  pool: Db;
  dialect: Dialect;
  policy: StorePolicy;
  refreshMs: number;
  maintenanceMs: number;
  log: (level: 'info' | 'warn', msg: string, err?: unknown) => void;
}): Promise<StoreJobRunner> {
  const { pool, dialect, policy, log } = opts;
  const problem = checkStorePolicy(policy);
  if (problem) throw new Error(`store policy: ${problem}`);
  if (dialect === 'timescaledb') {
    if (await applyTimescalePolicies(pool, policy)) log('info', 'TimescaleDB policies applied');
    if (await timescaleSchedulerRunning(pool)) return { mode: 'timescaledb', onRefreshed: () => () => {}, stop: async () => {} };
    log('info', 'TimescaleDB scheduler not running: the app runs the store policies');
  }
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let lastMaintenance = 0;
  const listeners = new Set<(startedAtMs: number) => void>();
  const tick = async () => {
    const kind: JobKind = Date.now() - lastMaintenance >= opts.maintenanceMs ? 'maintenance' : 'refresh';
    const startedAt = Date.now();
    try {
      const { refreshed } = await runStoreJobs(pool, dialect, kind, policy, (ids) =>
        log(
          'warn',
          `roll-up left out ${ids.length} series whose stored values cannot be aggregated (ids ${ids.slice(0, 20).join(', ')}); the others rolled up`,
        ),
      );
      if (kind === 'maintenance') lastMaintenance = Date.now();
      if (refreshed) for (const l of listeners) l(startedAt);
    } catch (e) {
      log('warn', `store ${kind} job failed; retrying at the next tick`, e);
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => schedule(opts.refreshMs));
    }, ms);
    timer.unref();
  };
  // the first maintenance waits one interval: a restart must not delay serving behind a long retention pass
  lastMaintenance = Date.now();
  schedule(Math.min(opts.refreshMs, 1_000));
  return {
    mode: 'app',
    onRefreshed(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
