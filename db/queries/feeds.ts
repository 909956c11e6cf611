/** Quarantined records and source health reported by ingest workers. */
import type pg from 'pg';
import type { QuarantineEntry, SourceHealthReport } from '../../shared/feeds';

type Db = pg.Pool | pg.PoolClient;

export type QuarantineRow = QuarantineEntry;

/** What a quarantine insert did: rows new to the table, and rows refused because the OPD's quarantine was full. */
export interface QuarantineInsert {
  written: number;
  overflow: number;
}

/**
 * Stores refused records, one row each (a resend of the same record is ignored). At most `maxUnresolved`
 * unresolved rows per OPD are kept: what passes that is counted in `quarantine_overflow`, so a flood of junk
 * cannot fill the database, and an operator still sees that records were lost. The cap is checked before the
 * insert, not under a lock: concurrent requests may pass it by one batch, which the batch cap bounds.
 */
export async function insertQuarantine(db: Db, opd: string, rows: readonly QuarantineRow[], maxUnresolved = Infinity): Promise<QuarantineInsert> {
  if (rows.length === 0) return { written: 0, overflow: 0 };
  let keep = rows;
  if (Number.isFinite(maxUnresolved)) {
    const { rows: held } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM quarantine WHERE opd_code = $1 AND resolved_at IS NULL`, [
      opd,
    ]);
    keep = rows.slice(0, Math.max(0, maxUnresolved - held[0]!.n));
  }
  const overflow = rows.length - keep.length;
  if (overflow > 0) {
    await db.query(
      `INSERT INTO quarantine_overflow (opd_code, dropped, last_at) VALUES ($1, $2, now())
       ON CONFLICT (opd_code) DO UPDATE SET dropped = quarantine_overflow.dropped + EXCLUDED.dropped, last_at = EXCLUDED.last_at`,
      [opd, overflow],
    );
  }
  if (keep.length === 0) return { written: 0, overflow };
  const { rowCount } = await db.query(
    `INSERT INTO quarantine (source, opd_code, origin, reason, mapping_version, data, time, record_index)
     SELECT source, opd, origin, reason, version, data, to_timestamp(t / 1000.0), idx
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::int[])
            AS u(source, opd, origin, reason, version, data, t, idx)
     ON CONFLICT DO NOTHING`,
    [
      keep.map((r) => r.source),
      keep.map(() => opd),
      keep.map((r) => r.origin),
      keep.map((r) => r.reason),
      keep.map((r) => r.mappingVersion),
      keep.map((r) => r.data),
      keep.map((r) => r.time),
      keep.map((r) => r.index ?? null),
    ],
  );
  return { written: rowCount ?? 0, overflow };
}

export type QuarantineListRow = QuarantineRow & { id: number; receivedAt: number; resolvedAt: number | null };

export async function listQuarantine(
  db: Db,
  filter: { source?: string | undefined; opd?: string | undefined; opds?: readonly string[]; limit: number; resolved?: boolean },
): Promise<QuarantineListRow[]> {
  const { rows } = await db.query(
    `SELECT id, source, opd_code AS opd, origin, reason, mapping_version AS "mappingVersion", data, record_index AS index,
            floor(extract(epoch FROM time) * 1000)::float8 AS time, floor(extract(epoch FROM received_at) * 1000)::float8 AS "receivedAt",
            floor(extract(epoch FROM resolved_at) * 1000)::float8 AS "resolvedAt"
       FROM quarantine WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR opd_code = $2)
        AND ($4::bool IS NULL OR (resolved_at IS NOT NULL) = $4)
        AND ($5::text[] IS NULL OR opd_code = ANY($5))
      ORDER BY id DESC LIMIT $3`,
    [filter.source ?? null, filter.opd ?? null, filter.limit, filter.resolved ?? null, filter.opds ? [...filter.opds] : null],
  );
  return rows.map((r) => (r.index === null ? (({ index: _i, ...rest }) => rest)(r) : r)) as QuarantineListRow[];
}

/** Marks rows resolved (an operator looked at them); returns how many were open. */
export async function resolveQuarantine(db: Db, ids: readonly number[], by: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE quarantine SET resolved_at = now(), resolved_by = $2 WHERE id = ANY($1::int8[]) AND resolved_at IS NULL`,
    [ids, by],
  );
  return rowCount ?? 0;
}

/** Deletes rows resolved more than `days` ago; returns how many. */
export async function pruneQuarantine(db: Db, days: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM quarantine WHERE resolved_at < now() - make_interval(days => $1)`, [days]);
  return rowCount ?? 0;
}

/** Records refused because an OPD's quarantine was full, cumulative. */
export async function quarantineOverflow(db: Db): Promise<{ opd: string; dropped: number; lastAt: number }[]> {
  const { rows } = await db.query(
    `SELECT opd_code AS opd, dropped::float8 AS dropped, (extract(epoch FROM last_at) * 1000)::float8 AS "lastAt" FROM quarantine_overflow ORDER BY 1`,
  );
  return rows;
}

export async function countQuarantine(db: Db): Promise<{ source: string; opd: string | null; n: number }[]> {
  const { rows } = await db.query(
    `SELECT source, opd_code AS opd, count(*)::int AS n FROM quarantine WHERE resolved_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows;
}

export type HealthRow = SourceHealthReport & { reportedAt: number };

export async function upsertHealth(db: Db, rows: readonly HealthRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO source_health (source, opd_code, type, expected_interval_ms, last_success, last_error, last_error_at,
                                records_per_second, quarantined, spool_depth, reported_at, report_interval_ms, spool_full, spool_dropped)
     SELECT source, opd, type, interval, to_timestamp(ok / 1000.0), err, to_timestamp(err_at / 1000.0), rps, q, depth, to_timestamp(at / 1000.0), report,
            full_, dropped
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::text[], $7::float8[], $8::float8[], $9::int8[], $10::int8[], $11::float8[], $12::int[],
                   $13::bool[], $14::int8[])
            AS u(source, opd, type, interval, ok, err, err_at, rps, q, depth, at, report, full_, dropped)
     ON CONFLICT (source, opd_code) DO UPDATE SET type = EXCLUDED.type, expected_interval_ms = EXCLUDED.expected_interval_ms,
       report_interval_ms = EXCLUDED.report_interval_ms,
       last_success = EXCLUDED.last_success, last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at,
       records_per_second = EXCLUDED.records_per_second, quarantined = EXCLUDED.quarantined,
       spool_depth = EXCLUDED.spool_depth, reported_at = EXCLUDED.reported_at, spool_full = EXCLUDED.spool_full,
       spool_dropped = GREATEST(source_health.spool_dropped, EXCLUDED.spool_dropped)`,
    [
      rows.map((r) => r.source),
      rows.map((r) => r.opd),
      rows.map((r) => r.type),
      rows.map((r) => r.expectedIntervalMs),
      rows.map((r) => r.lastSuccess),
      rows.map((r) => r.lastError),
      rows.map((r) => r.lastErrorAt),
      rows.map((r) => r.recordsPerSecond),
      rows.map((r) => r.quarantined),
      rows.map((r) => r.spoolDepth),
      rows.map((r) => r.reportedAt),
      rows.map((r) => r.reportIntervalMs),
      rows.map((r) => r.spoolFull ?? false),
      rows.map((r) => r.spoolDropped ?? 0),
    ],
  );
}

export async function listHealth(db: Db): Promise<HealthRow[]> {
  const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::float8`;
  const { rows } = await db.query(
    `SELECT source, opd_code AS opd, type, expected_interval_ms AS "expectedIntervalMs", ${ms('last_success')} AS "lastSuccess",
            last_error AS "lastError", ${ms('last_error_at')} AS "lastErrorAt", records_per_second AS "recordsPerSecond",
            quarantined, spool_depth AS "spoolDepth", ${ms('reported_at')} AS "reportedAt",
            report_interval_ms AS "reportIntervalMs", spool_full AS "spoolFull", spool_dropped AS "spoolDropped"
       FROM source_health ORDER BY opd_code, source`,
  );
  return rows;
}
