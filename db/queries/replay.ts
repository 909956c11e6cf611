/**
 * Reads of the past for the wall's rewind (server/replay): the last raw reading of each series at a moment,
 * the events of a moment counted with the status each had then (from the status history), and the alerts open then.
 */
import type pg from 'pg';
import type { WireAlert } from '../../shared/alerts';
import type { WirePoint } from '../../shared/contract';
import { wirePointsBySeries } from './points';
import { inTransaction } from '../transaction';
import { HEX_DIST_X, HEX_DIST_Y, type HexLattice } from '../../shared/hexbin';

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

/** Events excluded by the access rule: those whose longest matching classified entity is `allowed: false`. */
export interface EventEntityRule {
  ids: string[];
  allowed: boolean[];
}

/** What the wall draws of a kind's events at `at`, counted in SQL (EventAggregate of shared/replay.ts without the centres). */
export interface EventCounts {
  countsByStatus: Record<string, number>;
  /** Open events with a position: per category ('' none), per kelurahan, per hexagon (i, j) of the lattice. */
  byCategory: Record<string, number>;
  byRegion: Record<string, number>;
  hexes: { i: number; j: number; n: number }[];
}

/**
 * The events of a kind as they stood at `at`, counted instead of listed (the rewind's complaints: 100,000 rows
 * would be ~16 MB of JSON): counts by the status each had then (every event opened by then; an event changed since `at` reads its status then from the history), and
 * for the open ones with a position counts per category, kelurahan and hexagon of `lattice` — the arithmetic of
 * shared/hexbin.ts (deck.gl's), so each hexagon's count is what the wall's layer would bin of those events.
 * `rule` drops events of classified entities the caller may not read (server/access/policy.ts entityOfEvent:
 * the longest registered id the event id equals or starts with before '-', ':', '/' or '.').
 * One pass over the kind's events opened by `at` (index event_opened_idx), grouped in the database.
 */
export async function eventCountsAt(
  pool: Pick<pg.Pool, 'connect'>,
  kind: string,
  at: number,
  lattice: HexLattice,
  rule: EventEntityRule | null,
): Promise<EventCounts> {
  const excluded =
    rule && rule.ids.length
      ? `AND NOT coalesce((SELECT NOT m.allowed FROM unnest($6::text[], $7::bool[]) AS m(id, allowed)
                            WHERE e.id = m.id OR (length(e.id) > length(m.id) AND starts_with(e.id, m.id)
                                  AND substr(e.id, length(m.id) + 1, 1) IN ('-', ':', '/', '.'))
                            ORDER BY length(m.id) DESC LIMIT 1), false)`
      : '';
  const params: unknown[] = [kind, at, lattice.origin[0], lattice.origin[1], lattice.radiusCommon];
  if (excluded) params.push(rule!.ids, rule!.allowed);
  // JIT would spend seconds compiling the hexagon arithmetic (the lateral's estimate makes the plan look costly)
  // to save milliseconds on 100,000 rows: off for this query
  const { rows } = await inTransaction(pool as pg.Pool, async (db) => {
    await db.query('SET LOCAL jit = off');
    return db.query<{ what: 'status' | 'category' | 'region' | 'hex'; key: string | null; i: number | null; j: number | null; n: number }>(
      `WITH ev AS (
       SELECT coalesce(st.status, e.status) AS status,
              NOT (e.closed_at IS NOT NULL AND e.closed_at <= to_timestamp($2 / 1000.0)) AS open,
              e.category, e.region_code, e.lon, e.lat
         FROM event e
         LEFT JOIN LATERAL (
           SELECT s.status FROM event_status s
            WHERE e.time > to_timestamp($2 / 1000.0) AND s.kind = e.kind AND s.id = e.id AND s.time <= to_timestamp($2 / 1000.0)
            ORDER BY s.time DESC LIMIT 1) st ON true
        WHERE e.kind = $1 AND e.opened_at <= to_timestamp($2 / 1000.0)
          AND (e.time <= to_timestamp($2 / 1000.0) OR st.status IS NOT NULL)
          ${excluded}
     ),
     located AS (SELECT category, region_code, lon, lat FROM ev WHERE open AND lon IS NOT NULL AND lat IS NOT NULL),
     -- world units relative to the lattice origin, in hexagon rows (py) and columns (qx), as shared/hexbin.ts
     w AS MATERIALIZED (
       SELECT (512 * (lon * ${Math.PI / 180} + pi()) / (2 * pi()) - $3) / $5 / ${HEX_DIST_X} AS qx,
              (512 * (pi() + ln(tan(pi() / 4 + lat * ${Math.PI / 180} * 0.5))) / (2 * pi()) - $4) / $5 / ${HEX_DIST_Y} AS py
         FROM located),
     c AS (SELECT py, pj, qx - (pj::bigint & 1) * 0.5::float8 AS px FROM (SELECT qx, py, floor(py + 0.5) AS pj FROM w) r),
     d AS MATERIALIZED (SELECT py, pj, px, floor(px + 0.5) AS pi FROM c),
     h AS (
       SELECT CASE WHEN swap THEN pi2 + (CASE WHEN pj::bigint & 1 = 1 THEN 0.5::float8 ELSE -0.5::float8 END) ELSE pi END AS i,
              CASE WHEN swap THEN pj2 ELSE pj END AS j
         FROM (SELECT pi, pj, pi2, pj2,
                      abs(py - pj) * 3 > 1 AND (px - pi) ^ 2 + (py - pj) ^ 2 > (px - pi2) ^ 2 + (py - pj2) ^ 2 AS swap
                 FROM (SELECT py, pj, px, pi,
                              pi + (CASE WHEN px < pi THEN -0.5::float8 ELSE 0.5::float8 END) AS pi2,
                              pj + CASE WHEN py < pj THEN -1 ELSE 1 END AS pj2
                         FROM d) d2) s)
     SELECT 'status' AS what, status AS key, NULL::int AS i, NULL::int AS j, count(*)::int AS n FROM ev GROUP BY status
     UNION ALL SELECT 'category', coalesce(category, ''), NULL, NULL, count(*)::int FROM located GROUP BY 2
     UNION ALL SELECT 'region', region_code, NULL, NULL, count(*)::int FROM located WHERE region_code IS NOT NULL GROUP BY 2
     UNION ALL SELECT 'hex', NULL, i::int, j::int, count(*)::int FROM h GROUP BY i, j`,
      params,
    );
  });
  const out: EventCounts = { countsByStatus: {}, byCategory: {}, byRegion: {}, hexes: [] };
  for (const r of rows) {
    if (r.what === 'status') out.countsByStatus[r.key!] = r.n;
    else if (r.what === 'category') out.byCategory[r.key!] = r.n;
    else if (r.what === 'region') out.byRegion[r.key!] = r.n;
    else out.hexes.push({ i: r.i!, j: r.j!, n: r.n });
  }
  return out;
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
