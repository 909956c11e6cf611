/** Quarantined records and source health reported by ingest workers. */
import type pg from 'pg';
import type { QuarantineEntry, SourceHealthReport } from '../../shared/feeds';

type Db = pg.Pool | pg.PoolClient;

export type QuarantineRow = QuarantineEntry;

export async function insertQuarantine(db: Db, rows: readonly QuarantineRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO quarantine (source, opd_code, origin, reason, mapping_version, data, time)
     SELECT source, opd, origin, reason, version, data, to_timestamp(t / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[])
            AS u(source, opd, origin, reason, version, data, t)
     ON CONFLICT DO NOTHING`,
    [
      rows.map((r) => r.source),
      rows.map((r) => r.opd),
      rows.map((r) => r.origin),
      rows.map((r) => r.reason),
      rows.map((r) => r.mappingVersion),
      rows.map((r) => r.data),
      rows.map((r) => r.time),
    ],
  );
  return rowCount ?? 0;
}

export async function listQuarantine(db: Db, filter: { source?: string; opd?: string; limit: number }) {
  const { rows } = await db.query(
    `SELECT id, source, opd_code AS opd, origin, reason, mapping_version AS "mappingVersion", data,
            floor(extract(epoch FROM time) * 1000)::float8 AS time, floor(extract(epoch FROM received_at) * 1000)::float8 AS "receivedAt"
       FROM quarantine WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR opd_code = $2)
      ORDER BY id DESC LIMIT $3`,
    [filter.source ?? null, filter.opd ?? null, filter.limit],
  );
  return rows as (QuarantineRow & { id: number; receivedAt: number })[];
}

export async function countQuarantine(db: Db): Promise<{ source: string; opd: string | null; n: number }[]> {
  const { rows } = await db.query(`SELECT source, opd_code AS opd, count(*)::int AS n FROM quarantine GROUP BY 1, 2 ORDER BY 1, 2`);
  return rows;
}

export type HealthRow = SourceHealthReport & { reportedAt: number };

export async function upsertHealth(db: Db, rows: readonly HealthRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO source_health (source, opd_code, type, expected_interval_ms, last_success, last_error, last_error_at,
                                records_per_second, quarantined, spool_depth, reported_at, report_interval_ms)
     SELECT source, opd, type, interval, to_timestamp(ok / 1000.0), err, to_timestamp(err_at / 1000.0), rps, q, depth, to_timestamp(at / 1000.0), report
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::text[], $7::float8[], $8::float8[], $9::int8[], $10::int8[], $11::float8[], $12::int[])
            AS u(source, opd, type, interval, ok, err, err_at, rps, q, depth, at, report)
     ON CONFLICT (source, opd_code) DO UPDATE SET type = EXCLUDED.type, expected_interval_ms = EXCLUDED.expected_interval_ms,
       report_interval_ms = EXCLUDED.report_interval_ms,
       last_success = EXCLUDED.last_success, last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at,
       records_per_second = EXCLUDED.records_per_second, quarantined = EXCLUDED.quarantined,
       spool_depth = EXCLUDED.spool_depth, reported_at = EXCLUDED.reported_at`,
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
    ],
  );
}

export async function listHealth(db: Db): Promise<HealthRow[]> {
  const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::float8`;
  const { rows } = await db.query(
    `SELECT source, opd_code AS opd, type, expected_interval_ms AS "expectedIntervalMs", ${ms('last_success')} AS "lastSuccess",
            last_error AS "lastError", ${ms('last_error_at')} AS "lastErrorAt", records_per_second AS "recordsPerSecond",
            quarantined, spool_depth AS "spoolDepth", ${ms('reported_at')} AS "reportedAt", report_interval_ms AS "reportIntervalMs"
       FROM source_health ORDER BY opd_code, source`,
  );
  return rows;
}
