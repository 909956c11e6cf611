/**
 * The scorecard's SQL aggregates (issue 19): three queries answer every OPD at once, so the tablet's scorecard
 * is one REST call and the wall's ranking the same three queries.
 *
 *  - closures: per handling OPD and window, the closed complaints (event kinds of the `complaints` domain; the
 *    handling OPD is event_sla.handler_opd, else the kind's owner, as in db/queries/event-analytics.ts) and
 *    closed incidents (not merged), counted by outcome with the rule of shared/scorecard.ts `classifyClosure`
 *    written in SQL, and the median hours to resolve (rejections excluded);
 *  - open items: open and overdue counts per OPD, and the overdue items themselves (oldest due first);
 *  - lateness intervals of the feeds (feed_lateness, migration 085) overlapping the longest data window.
 * Times in and out are epoch ms; durations are hours.
 */
import type pg from 'pg';
import { REJECTED_STATUSES } from '../../shared/scorecard';

type Db = Pick<pg.Pool, 'query'>;

/** One window of closures: [from, to), its name, per OPD. */
export interface ClosureRow {
  opd: string;
  window: string;
  closed: number;
  met: number;
  missed: number;
  rejected: number;
  noTarget: number;
  medianHours: number | null;
}

const COMPLAINTS = `
  FROM event e
  JOIN event_kind k ON k.code = e.kind AND k.domain = 'complaints'
  LEFT JOIN event_sla s ON s.kind = e.kind AND s.category = e.category
  LEFT JOIN event_sla d ON d.kind = e.kind AND d.category = ''`;
const HANDLER = `COALESCE(s.handler_opd, d.handler_opd, k.owner_opd)`;
const TARGET = `COALESCE(s.target_hours, d.target_hours)`;

/** Closure counts per OPD for each named window (windows may overlap: each is counted on its own). */
export async function closuresByWindow(
  db: Db,
  windows: readonly { name: string; from: number; to: number }[],
  opd: string | null = null,
): Promise<ClosureRow[]> {
  if (windows.length === 0) return [];
  const lo = Math.min(...windows.map((w) => w.from));
  const hi = Math.max(...windows.map((w) => w.to));
  const { rows } = await db.query<ClosureRow>(
    `WITH c AS (
       SELECT ${HANDLER} AS opd, e.closed_at, extract(epoch FROM e.closed_at - e.opened_at) / 3600.0 AS hours, ${TARGET} AS target,
              lower(e.status) = ANY($3) AS rejected
         ${COMPLAINTS}
        WHERE e.closed_at >= to_timestamp($1 / 1000.0) AND e.closed_at < to_timestamp($2 / 1000.0)
       UNION ALL
       SELECT handling_opd, closed_at, extract(epoch FROM closed_at - created_at) / 3600.0,
              extract(epoch FROM target_at - created_at) / 3600.0, lower(status) = ANY($3)
         FROM incident
        WHERE merged_into IS NULL AND closed_at >= to_timestamp($1 / 1000.0) AND closed_at < to_timestamp($2 / 1000.0)),
     w AS (SELECT * FROM jsonb_to_recordset($4::jsonb) AS w(name text, "from" float8, "to" float8))
     SELECT c.opd, w.name AS window, count(*)::int AS closed,
            count(*) FILTER (WHERE NOT rejected AND target IS NOT NULL AND hours <= target)::int AS met,
            count(*) FILTER (WHERE NOT rejected AND target IS NOT NULL AND hours > target)::int AS missed,
            count(*) FILTER (WHERE rejected)::int AS rejected,
            count(*) FILTER (WHERE NOT rejected AND target IS NULL)::int AS "noTarget",
            percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE NOT rejected) AS "medianHours"
       FROM c JOIN w ON c.closed_at >= to_timestamp(w."from" / 1000.0) AND c.closed_at < to_timestamp(w."to" / 1000.0)
      WHERE $5::text IS NULL OR c.opd = $5
      GROUP BY c.opd, w.name`,
    [lo, hi, [...REJECTED_STATUSES], JSON.stringify(windows), opd],
  );
  return rows.map((r) => ({ ...r, medianHours: r.medianHours === null ? null : Number(r.medianHours) }));
}

export interface OpenRow {
  opd: string;
  open: number;
  overdue: number;
}

export interface OverdueRow {
  type: 'complaint' | 'incident';
  kind: string;
  id: string;
  opd: string;
  category: string | null;
  region: string | null;
  regionName: string | null;
  openedAt: number;
  dueAt: number;
  targetHours: number;
}

const OPEN_ITEMS = `
  SELECT 'complaint' AS type, e.kind, e.id, ${HANDLER} AS opd, e.category, e.region_code AS region, e.opened_at AS opened,
         e.opened_at + ${TARGET} * interval '1 hour' AS due, ${TARGET} AS target
    ${COMPLAINTS}
   WHERE e.closed_at IS NULL
  UNION ALL
  SELECT 'incident', 'incident', id::text, handling_opd, NULL, region_code, created_at, target_at,
         extract(epoch FROM target_at - created_at) / 3600.0
    FROM incident WHERE closed_at IS NULL AND merged_into IS NULL`;

/** Open and overdue counts per OPD, and the overdue items (at most `limit` per OPD, oldest due first). */
export async function openItems(db: Db, now: number, limit: number, opd: string | null): Promise<{ counts: OpenRow[]; overdue: OverdueRow[] }> {
  const [counts, overdue] = await Promise.all([
    db.query<OpenRow>(
      `SELECT opd, count(*)::int AS open, count(*) FILTER (WHERE due < to_timestamp($1 / 1000.0))::int AS overdue
         FROM (${OPEN_ITEMS}) o WHERE $2::text IS NULL OR opd = $2 GROUP BY opd`,
      [now, opd],
    ),
    db.query<OverdueRow>(
      `SELECT type, kind, id, opd, category, region, r.name AS "regionName", target AS "targetHours",
              (extract(epoch FROM opened) * 1000)::float8 AS "openedAt", (extract(epoch FROM due) * 1000)::float8 AS "dueAt"
         FROM (SELECT o.*, row_number() OVER (PARTITION BY opd ORDER BY due, id) AS n
                 FROM (${OPEN_ITEMS}) o WHERE due < to_timestamp($1 / 1000.0) AND ($3::text IS NULL OR opd = $3)) x
         LEFT JOIN region r ON r.code = x.region
        WHERE n <= $2 ORDER BY opd, due, id`,
      [now, limit, opd],
    ),
  ]);
  return {
    counts: counts.rows,
    overdue: overdue.rows.map((r) => ({
      type: r.type,
      kind: r.kind,
      id: r.id,
      opd: r.opd,
      category: r.category,
      region: r.region,
      regionName: r.regionName,
      openedAt: Math.round(r.openedAt),
      dueAt: Math.round(r.dueAt),
      targetHours: Number(r.targetHours),
    })),
  };
}

export interface LatenessRow {
  source: string;
  opd: string;
  metric: string;
  start: number;
  end: number | null;
}

/** Lateness intervals that overlap [from, ∞). */
export async function latenessSince(db: Db, from: number, opd: string | null): Promise<LatenessRow[]> {
  const { rows } = await db.query<LatenessRow>(
    `SELECT source, opd_code AS opd, metric, (extract(epoch FROM started_at) * 1000)::float8 AS start,
            (extract(epoch FROM ended_at) * 1000)::float8 AS "end"
       FROM feed_lateness WHERE (ended_at IS NULL OR ended_at > to_timestamp($1 / 1000.0)) AND ($2::text IS NULL OR opd_code = $2)
      ORDER BY source, opd_code, metric, started_at`,
    [from, opd],
  );
  return rows.map((r) => ({ ...r, start: Math.round(r.start), end: r.end === null ? null : Math.round(r.end) }));
}

/** The feeds each OPD owns (source_health), with the first time one reported. */
export async function ownedFeeds(db: Db, opd: string | null): Promise<{ source: string; opd: string }[]> {
  const { rows } = await db.query<{ source: string; opd: string }>(
    `SELECT source, opd_code AS opd FROM source_health WHERE ($1::text IS NULL OR opd_code = $1) ORDER BY opd_code, source`,
    [opd],
  );
  return rows;
}

/** Opens a lateness interval for a feed (and metric) unless one is open; returns whether it opened one. */
export async function openLateness(db: Db, f: { source: string; opd: string; metric?: string; since: number }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO feed_lateness (source, opd_code, metric, started_at) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0)) ON CONFLICT DO NOTHING`,
    [f.source, f.opd, f.metric ?? '', f.since],
  );
  return (rowCount ?? 0) > 0;
}

/** Closes the open interval of a feed (and metric) at `until` (never before it started); returns whether one was open. */
export async function closeLateness(db: Db, f: { source: string; opd: string; metric?: string; until: number }): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE feed_lateness SET ended_at = greatest(started_at, to_timestamp($4 / 1000.0))
      WHERE source = $1 AND opd_code = $2 AND metric = $3 AND ended_at IS NULL`,
    [f.source, f.opd, f.metric ?? '', f.until],
  );
  return (rowCount ?? 0) > 0;
}

/** The open lateness intervals (feed keys `source@opd`). */
export async function openLatenessKeys(db: Db): Promise<Set<string>> {
  const { rows } = await db.query<{ k: string }>(`SELECT source || '@' || opd_code AS k FROM feed_lateness WHERE ended_at IS NULL AND metric = ''`);
  return new Set(rows.map((r) => r.k));
}

/** The `source` of per-metric lateness rows: a metric's owner feed is not known, so its intervals name no source. */
export const METRIC_SOURCE = '';

export interface MetricNewest {
  metric: string;
  opd: string;
  cadenceS: number;
  /** Epoch ms of the newest reading over all the metric's series. */
  newest: number;
}

/**
 * The newest reading of every metric that has one: one descending probe of point's primary key
 * (series_id, time) per series, no scan of readings; one row per metric (the catalog's size) comes back.
 */
export async function newestPerMetric(db: Db): Promise<MetricNewest[]> {
  const { rows } = await db.query<MetricNewest>(
    `SELECT m.code AS metric, m.owner_opd AS opd, m.cadence_s AS "cadenceS", (extract(epoch FROM max(l.t)) * 1000)::float8 AS newest
       FROM metric m JOIN series s ON s.metric = m.code
       CROSS JOIN LATERAL (SELECT p.time AS t FROM point p WHERE p.series_id = s.id ORDER BY p.time DESC LIMIT 1) l
      GROUP BY m.code, m.owner_opd, m.cadence_s ORDER BY m.code`,
  );
  return rows.map((r) => ({ ...r, newest: Math.round(r.newest) }));
}

/** The first reading of a metric after `after` (epoch ms), over all its series; null if none. */
export async function firstReadingAfter(db: Db, metric: string, after: number): Promise<number | null> {
  const { rows } = await db.query<{ t: number | null }>(
    `SELECT (extract(epoch FROM min(l.t)) * 1000)::float8 AS t
       FROM series s
       CROSS JOIN LATERAL (SELECT p.time AS t FROM point p WHERE p.series_id = s.id AND p.time > to_timestamp($2 / 1000.0) ORDER BY p.time LIMIT 1) l
      WHERE s.metric = $1`,
    [metric, after],
  );
  const t = rows[0]?.t;
  return t === null || t === undefined ? null : Math.round(t);
}

/** The open per-metric lateness intervals: metric code → its OPD and start. */
export async function openMetricLateness(db: Db): Promise<Map<string, { opd: string; start: number }>> {
  const { rows } = await db.query<{ metric: string; opd: string; start: number }>(
    `SELECT metric, opd_code AS opd, (extract(epoch FROM started_at) * 1000)::float8 AS start
       FROM feed_lateness WHERE ended_at IS NULL AND metric <> '' AND source = $1`,
    [METRIC_SOURCE],
  );
  return new Map(rows.map((r) => [r.metric, { opd: r.opd, start: Math.round(r.start) }]));
}

/** The metrics each OPD owns that have at least one series (those the watcher judges). */
export async function ownedMetrics(db: Db, opd: string | null): Promise<{ metric: string; opd: string }[]> {
  const { rows } = await db.query<{ metric: string; opd: string }>(
    `SELECT m.code AS metric, m.owner_opd AS opd FROM metric m
      WHERE EXISTS (SELECT 1 FROM series s WHERE s.metric = m.code) AND ($1::text IS NULL OR m.owner_opd = $1)
      ORDER BY m.owner_opd, m.code`,
    [opd],
  );
  return rows;
}
