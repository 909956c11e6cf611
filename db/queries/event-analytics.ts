/**
 * Event analytics: counts by status, category and region over time, the time-to-resolve distribution per OPD
 * and category, the share closed within the service-level target (event_sla, migration 010) and the open
 * events past it. One SQL dialect: date_bin (PostgreSQL ≥ 14) and percentile_cont, on every backend.
 *
 * "Resolved" is "reached a closed status of its kind" (closed_at set), as in the public complaint counts.
 * Times in and out are epoch ms; durations are hours.
 */
import type pg from 'pg';
import type { EventSla } from '../../shared/catalog';
import { REJECTED_STATUSES } from '../../shared/scorecard';

type Db = Pick<pg.Pool, 'query'>;

/** Upserts service-level targets (the kinds and OPD must exist). */
export async function upsertEventSla(db: Db, targets: readonly EventSla[]): Promise<void> {
  if (targets.length === 0) return;
  await db.query(
    `INSERT INTO event_sla (kind, category, target_hours, handler_opd)
     SELECT kind, category, target_hours, handler_opd
       FROM jsonb_to_recordset($1::jsonb) AS t(kind text, category text, target_hours float8, handler_opd text)
     ON CONFLICT (kind, category) DO UPDATE SET target_hours = EXCLUDED.target_hours, handler_opd = EXCLUDED.handler_opd`,
    [JSON.stringify(targets.map((t) => ({ kind: t.kind, category: t.category, target_hours: t.targetHours, handler_opd: t.handlerOpd })))],
  );
}

export interface EventStatsQuery {
  kind: string;
  /** [from, to), epoch ms. */
  from: number;
  to: number;
  /** Bucket width in ms; buckets start at `from`. */
  bucketMs: number;
  /** The clock: "past SLA" is as of now. */
  now: number;
  /** How many overdue open events to list (oldest first). */
  overdueLimit: number;
}

export interface ResolutionStats {
  /** The OPD that handles the events (event_sla.handler_opd, else the kind's owner); null in the overall row. */
  opd: string | null;
  /** null in the per-OPD and overall rows. */
  category: string | null;
  /** Events closed in the range. */
  n: number;
  medianHours: number | null;
  p90Hours: number | null;
  /** Of the n, those with a target, and those closed within it (a rejection never counts as within: it stays in withTarget). */
  withTarget: number;
  withinSla: number;
  /** withinSla / withTarget; null without targets. */
  shareWithinSla: number | null;
}

export interface EventStats {
  kind: string;
  from: number;
  to: number;
  bucketMs: number;
  /** Status changes per bucket: how many events entered each status (event_status history). */
  byStatus: { t: number; status: string; n: number }[];
  /** Events received (opened) and closed per bucket and category. */
  byCategory: { t: number; category: string | null; received: number; closed: number }[];
  /** Events received and closed per bucket and region (kelurahan code). */
  byRegion: { t: number; region: string | null; received: number; closed: number }[];
  /** Time from received to closed of the events closed in the range, per (OPD, category), per OPD and overall. */
  resolution: ResolutionStats[];
  /** Events open now whose target has passed. */
  pastSla: {
    asOf: number;
    total: number;
    byGroup: { opd: string; category: string | null; n: number }[];
    /** Oldest first; no title, no coordinates. */
    items: {
      id: string;
      opd: string;
      category: string | null;
      region: string | null;
      status: string;
      openedAt: number;
      dueAt: number;
      overdueHours: number;
    }[];
  };
}

/** The (opd, target) of every event of the kind: the category's own target, else the kind's default. */
const WITH_SLA = `
  FROM event e
  JOIN event_kind k ON k.code = e.kind
  LEFT JOIN event_sla s ON s.kind = e.kind AND s.category = e.category
  LEFT JOIN event_sla d ON d.kind = e.kind AND d.category = ''`;
const OPD = `COALESCE(s.handler_opd, d.handler_opd, k.owner_opd)`;
const TARGET = `COALESCE(s.target_hours, d.target_hours)`;
/** A closing status that refuses the work (`rejected`, `ditolak`): never "within SLA", whatever its time (the scorecard's rule). */
export const REJECTED_SQL = `lower(trim(e.status)) IN (${REJECTED_STATUSES.map((s) => `'${s}'`).join(', ')})`;

const hours = (v: number | null) => (v === null ? null : Number(v));

export async function eventStats(db: Db, q: EventStatsQuery): Promise<EventStats> {
  const range = [q.kind, q.from, q.to, q.bucketMs];
  const bin = (col: string) => `date_bin(make_interval(secs => $4 / 1000.0), ${col}, to_timestamp($2 / 1000.0))`;
  const inRange = (col: string) => `${col} >= to_timestamp($2 / 1000.0) AND ${col} < to_timestamp($3 / 1000.0)`;
  const [status, counts, resolution, overdue, overdueItems] = await Promise.all([
    db.query<{ t: number; status: string; n: number }>(
      `SELECT (extract(epoch FROM ${bin('time')}) * 1000)::float8 AS t, status, count(*)::int AS n
         FROM event_status WHERE kind = $1 AND ${inRange('time')}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      range,
    ),
    db.query<{ t: number; measure: 'received' | 'closed'; category: string | null; region: string | null; by_region: number; n: number }>(
      `WITH x AS (
         SELECT 'received' AS measure, ${bin('opened_at')} AS b, category, region_code FROM event WHERE kind = $1 AND ${inRange('opened_at')}
         UNION ALL
         SELECT 'closed', ${bin('closed_at')}, category, region_code FROM event WHERE kind = $1 AND ${inRange('closed_at')})
       SELECT (extract(epoch FROM b) * 1000)::float8 AS t, measure, category, region_code AS region,
              GROUPING(category)::int AS by_region, count(*)::int AS n
         FROM x GROUP BY GROUPING SETS ((b, measure, category), (b, measure, region_code))
        ORDER BY 1`,
      range,
    ),
    db.query<{
      opd: string | null;
      category: string | null;
      g: number;
      n: number;
      median: number | null;
      p90: number | null;
      with_target: number;
      within: number;
    }>(
      `WITH r AS (
         SELECT ${OPD} AS opd, e.category, extract(epoch FROM e.closed_at - e.opened_at) / 3600.0 AS hours, ${TARGET} AS target,
                ${REJECTED_SQL} AS rejected
         ${WITH_SLA}
          WHERE e.kind = $1 AND ${inRange('e.closed_at')})
       SELECT opd, category, GROUPING(opd, category)::int AS g, count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) AS p90,
              count(*) FILTER (WHERE target IS NOT NULL)::int AS with_target,
              count(*) FILTER (WHERE hours <= target AND NOT rejected)::int AS within
         FROM r GROUP BY GROUPING SETS ((opd, category), (opd), ())
        ORDER BY g, opd, category`,
      [q.kind, q.from, q.to],
    ),
    db.query<{ opd: string; category: string | null; n: number }>(
      `SELECT ${OPD} AS opd, e.category, count(*)::int AS n
         ${WITH_SLA}
        WHERE e.kind = $1 AND e.closed_at IS NULL AND e.opened_at + ${TARGET} * interval '1 hour' < to_timestamp($2 / 1000.0)
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [q.kind, q.now],
    ),
    db.query<{ id: string; opd: string; category: string | null; region: string | null; status: string; opened: number; due: number }>(
      `SELECT e.id, ${OPD} AS opd, e.category, e.region_code AS region, e.status,
              (extract(epoch FROM e.opened_at) * 1000)::float8 AS opened,
              (extract(epoch FROM e.opened_at + ${TARGET} * interval '1 hour') * 1000)::float8 AS due
         ${WITH_SLA}
        WHERE e.kind = $1 AND e.closed_at IS NULL AND e.opened_at + ${TARGET} * interval '1 hour' < to_timestamp($2 / 1000.0)
        ORDER BY e.opened_at, e.id LIMIT $3`,
      [q.kind, q.now, q.overdueLimit],
    ),
  ]);

  const byCategory = new Map<string, EventStats['byCategory'][number]>();
  const byRegion = new Map<string, EventStats['byRegion'][number]>();
  for (const r of counts.rows) {
    const t = Math.round(r.t);
    if (r.by_region) {
      const key = `${t}\u0000${r.region}`;
      let row = byRegion.get(key);
      if (!row) byRegion.set(key, (row = { t, region: r.region, received: 0, closed: 0 }));
      row[r.measure] += r.n;
    } else {
      const key = `${t}\u0000${r.category}`;
      let row = byCategory.get(key);
      if (!row) byCategory.set(key, (row = { t, category: r.category, received: 0, closed: 0 }));
      row[r.measure] += r.n;
    }
  }
  const order =
    <T extends { t: number }>(key: (r: T) => string | null) =>
    (a: T, b: T) =>
      a.t - b.t || (key(a) ?? '\uffff').localeCompare(key(b) ?? '\uffff');

  return {
    kind: q.kind,
    from: q.from,
    to: q.to,
    bucketMs: q.bucketMs,
    byStatus: status.rows.map((r) => ({ t: Math.round(r.t), status: r.status, n: r.n })),
    byCategory: [...byCategory.values()].sort(order((r) => r.category)),
    byRegion: [...byRegion.values()].sort(order((r) => r.region)),
    resolution: resolution.rows.map((r) => ({
      opd: r.g === 3 ? null : r.opd,
      category: r.g === 0 ? r.category : null,
      n: r.n,
      medianHours: hours(r.median),
      p90Hours: hours(r.p90),
      withTarget: r.with_target,
      withinSla: r.within,
      shareWithinSla: r.with_target > 0 ? r.within / r.with_target : null,
    })),
    pastSla: {
      asOf: q.now,
      total: overdue.rows.reduce((s, r) => s + r.n, 0),
      byGroup: overdue.rows,
      items: overdueItems.rows.map((r) => ({
        id: r.id,
        opd: r.opd,
        category: r.category,
        region: r.region,
        status: r.status,
        openedAt: Math.round(r.opened),
        dueAt: Math.round(r.due),
        overdueHours: Math.round(((q.now - r.due) / 3_600_000) * 10) / 10,
      })),
    },
  };
}
