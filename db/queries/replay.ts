/**
 * Reads of the past for the wall's rewind (server/replay): the last raw reading of each series at a moment,
 * the events open at a moment with the status each had then (from the status history), and the alerts open then.
 */
import type pg from 'pg';
import type { WireAlert } from '../../shared/alerts';
import type { WireEvent, WirePoint } from '../../shared/contract';
import { wirePointsBySeries } from './points';

type Db = Pick<pg.Pool, 'query'>;

/** Each series' last reading at or before `at` and after `at - lookbackMs` (one index probe per series). */
export async function latestPointsAt(db: Db, seriesIds: readonly number[], at: number, lookbackMs: number): Promise<Map<number, WirePoint>> {
  if (seriesIds.length === 0) return new Map();
  const { rows } = await db.query<{ s: number; t: number; v: number; lon: number | null; lat: number | null }>(
    `SELECT s.id AS s, (extract(epoch FROM p.time) * 1000)::float8 AS t, p.value AS v, p.lon, p.lat
       FROM unnest($1::int[]) AS s(id)
       CROSS JOIN LATERAL (
         SELECT time, value, lon, lat FROM point
          WHERE series_id = s.id AND time <= to_timestamp($2 / 1000.0) AND time > to_timestamp(($2 - $3) / 1000.0)
          ORDER BY time DESC LIMIT 1) p`,
    [seriesIds, at, lookbackMs],
  );
  return wirePointsBySeries(rows);
}

/**
 * Events of a kind open at `at` (opened by then, not closed by then), newest first, each with the status it had
 * at `at`; and the counts by that status of every event opened by then (the live snapshot's `countsByStatus`).
 */
export async function eventsAt(
  db: Db,
  kind: string,
  at: number,
  limit: number,
): Promise<{ open: WireEvent[]; countsByStatus: Record<string, number> }> {
  const { rows } = await db.query<{
    id: string;
    status: string;
    t: number;
    closed: boolean;
    category: string | null;
    region: string | null;
    lon: number | null;
    lat: number | null;
  }>(
    // An event whose latest change is not after `at` had its current status then: only the few changed since
    // look into the status history (the lateral's outer condition makes it a no-op for the others).
    `SELECT e.id, coalesce(st.status, e.status) AS status,
            (extract(epoch FROM coalesce(st.time, e.time)) * 1000)::float8 AS t,
            (e.closed_at IS NOT NULL AND e.closed_at <= to_timestamp($2 / 1000.0)) AS closed,
            e.category, e.region_code AS region, e.lon, e.lat
       FROM event e
       LEFT JOIN LATERAL (
         SELECT s.status, s.time FROM event_status s
          WHERE e.time > to_timestamp($2 / 1000.0) AND s.kind = e.kind AND s.id = e.id AND s.time <= to_timestamp($2 / 1000.0)
          ORDER BY s.time DESC LIMIT 1) st ON true
      WHERE e.kind = $1 AND e.opened_at <= to_timestamp($2 / 1000.0)
        AND (e.time <= to_timestamp($2 / 1000.0) OR st.status IS NOT NULL)`,
    [kind, at],
  );
  const countsByStatus: Record<string, number> = {};
  const open: WireEvent[] = [];
  for (const r of rows) {
    countsByStatus[r.status] = (countsByStatus[r.status] ?? 0) + 1;
    if (!r.closed) {
      open.push({ kind, id: r.id, status: r.status, t: Math.round(r.t), category: r.category, region: r.region, lon: r.lon, lat: r.lat });
    }
  }
  open.sort((a, b) => b.t - a.t);
  return { open: open.slice(0, limit), countsByStatus };
}

/** Alerts open at `at`, as they stood then (an acknowledgement made later is not shown). */
export async function alertsAt(db: Db, at: number): Promise<WireAlert[]> {
  const { rows } = await db.query<{
    id: string;
    metric: string;
    entity: string;
    series_id: number;
    level: 'siaga' | 'awas';
    opened_at: number;
    last_value: number;
    last_time: number;
    acknowledged_at: number | null;
    acknowledged_by: string | null;
    ack_note: string | null;
  }>(
    `SELECT id, metric, entity, series_id, level,
            (extract(epoch FROM opened_at) * 1000)::float8 AS opened_at, last_value,
            (extract(epoch FROM last_time) * 1000)::float8 AS last_time,
            CASE WHEN acknowledged_at <= to_timestamp($1 / 1000.0) THEN (extract(epoch FROM acknowledged_at) * 1000)::float8 END AS acknowledged_at,
            CASE WHEN acknowledged_at <= to_timestamp($1 / 1000.0) THEN acknowledged_by END AS acknowledged_by,
            CASE WHEN acknowledged_at <= to_timestamp($1 / 1000.0) THEN ack_note END AS ack_note
       FROM alert
      WHERE opened_at <= to_timestamp($1 / 1000.0) AND (cleared_at IS NULL OR cleared_at > to_timestamp($1 / 1000.0))
      ORDER BY opened_at DESC
      LIMIT 500`,
    [at],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    metric: r.metric,
    entity: r.entity,
    seriesId: r.series_id,
    level: r.level,
    openedAt: Math.round(r.opened_at),
    // the level's latest value is known only for now; at `at` the value is the series' reading then (the wall shows that)
    lastValue: r.last_value,
    lastTime: Math.min(Math.round(r.last_time), at),
    clearedAt: null,
    acknowledgedAt: r.acknowledged_at === null ? null : Math.round(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    note: r.ack_note,
  }));
}
