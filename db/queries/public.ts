/**
 * Reads for the public view. Each is one statement that starts with its PUBLIC_QUERY_TAG comment, so a test
 * can count them.
 * They select only what an aggregate needs: no id, no title, no coordinates of a complaint.
 */
import type pg from 'pg';
import { REJECTED_SQL } from './event-analytics';

type Db = Pick<pg.Pool, 'query'>;

/** One complaint as the public module reads it: where (kelurahan code), what (category), when; epoch ms. */
export interface ComplaintRow {
  region: string | null;
  category: string | null;
  openedAt: number;
  /** When it reached a closed status (resolved or rejected); null while open. */
  closedAt: number | null;
  /** The OPD that handles its category (event_sla, else the kind's owner) and that OPD's name. */
  opd: string;
  opdName: string | null;
  /** The service-level target of its category in hours (event_sla); null without one. */
  slaHours: number | null;
  /** Closed by refusing the work (`rejected`, `ditolak`): never "within SLA" (shared/scorecard.ts); absent: false. */
  rejected?: boolean;
}

/** Reference data of a region (public). */
export interface RegionInfo {
  code: string;
  name: string;
  parent: string | null;
  parentName: string | null;
  /** [lon, lat], WGS84 */
  centroid: [number, number] | null;
}

/**
 * One series of a publik metric with its latest reading (the query has already kept publik series only: a
 * series of a terbatas or rahasia project is left out, view series_class of migration 013). `class` is the
 * series' class, which the access rule checks again.
 */
export interface MetricSeriesRow {
  metric: string;
  class: string;
  domain: string;
  unit: string;
  nameId: string;
  nameEn: string;
  entity: string | null;
  region: string | null;
  regionName: string | null;
  lon: number | null;
  lat: number | null;
  /** Epoch ms of the latest reading, null when the series has none. */
  t: number | null;
  v: number | null;
}

export const PUBLIC_QUERY_TAG = { complaints: '/* public:complaints */', metrics: '/* public:metrics */' } as const;

/**
 * Complaints that count towards any period ending now (opened or closed since `sinceMs`, or still open), grouped
 * by region and category with their times as arrays, plus the region's names and centroid: one round trip,
 * at most one row per (region, category).
 */
export async function complaintRows(db: Db, sinceMs: number): Promise<{ rows: ComplaintRow[]; regions: Map<string, RegionInfo> }> {
  const { rows } = await db.query<{
    region: string | null;
    category: string | null;
    opened: number[];
    closed: (number | null)[];
    rejected: boolean[];
    name: string | null;
    parent: string | null;
    parent_name: string | null;
    lon: number | null;
    lat: number | null;
    opd: string;
    opd_name: string | null;
    sla_hours: number | null;
  }>(
    `${PUBLIC_QUERY_TAG.complaints}
     SELECT e.region_code AS region, e.category,
            array_agg((extract(epoch FROM e.opened_at) * 1000)::float8) AS opened,
            array_agg((extract(epoch FROM e.closed_at) * 1000)::float8) AS closed,
            array_agg(e.closed_at IS NOT NULL AND ${REJECTED_SQL}) AS rejected,
            r.name, r.parent_code AS parent, p.name AS parent_name, r.centroid_lon AS lon, r.centroid_lat AS lat,
            COALESCE(s.handler_opd, d.handler_opd, k.owner_opd) AS opd, o.name AS opd_name,
            COALESCE(s.target_hours, d.target_hours) AS sla_hours
       FROM event e
       JOIN event_kind k ON k.code = e.kind AND k.domain = 'complaints'
       LEFT JOIN event_sla s ON s.kind = e.kind AND s.category = e.category
       LEFT JOIN event_sla d ON d.kind = e.kind AND d.category = ''
       LEFT JOIN opd o ON o.code = COALESCE(s.handler_opd, d.handler_opd, k.owner_opd)
       LEFT JOIN region r ON r.code = e.region_code
       LEFT JOIN region p ON p.code = r.parent_code
      WHERE e.closed_at IS NULL OR e.closed_at >= to_timestamp($1 / 1000.0) OR e.opened_at >= to_timestamp($1 / 1000.0)
      GROUP BY e.region_code, e.category, r.name, r.parent_code, p.name, r.centroid_lon, r.centroid_lat,
               COALESCE(s.handler_opd, d.handler_opd, k.owner_opd), o.name, COALESCE(s.target_hours, d.target_hours)`,
    [sinceMs],
  );
  const out: ComplaintRow[] = [];
  const regions = new Map<string, RegionInfo>();
  for (const r of rows) {
    for (let i = 0; i < r.opened.length; i++) {
      const closed = r.closed[i] ?? null;
      out.push({
        region: r.region,
        category: r.category,
        openedAt: Math.round(r.opened[i]!),
        closedAt: closed === null ? null : Math.round(closed),
        opd: r.opd,
        opdName: r.opd_name,
        slaHours: r.sla_hours,
        rejected: r.rejected[i] === true,
      });
    }
    if (r.region !== null && r.name !== null && !regions.has(r.region)) {
      regions.set(r.region, {
        code: r.region,
        name: r.name,
        parent: r.parent,
        parentName: r.parent_name,
        centroid: r.lon === null || r.lat === null ? null : [r.lon, r.lat],
      });
    }
  }
  return { rows: out, regions };
}

/** Every series of every publik metric with its latest reading (one index probe per series). */
export async function publicMetricRows(db: Db): Promise<MetricSeriesRow[]> {
  const { rows } = await db.query<{
    metric: string;
    class: string;
    domain: string;
    unit: string;
    name_id: string;
    name_en: string;
    entity: string | null;
    region: string | null;
    region_name: string | null;
    lon: number | null;
    lat: number | null;
    t: number | null;
    v: number | null;
  }>(
    `${PUBLIC_QUERY_TAG.metrics}
     SELECT m.code AS metric, COALESCE(c.class, m.class)::text AS class, m.domain, m.unit, m.name_id, m.name_en,
            s.entity, s.region_code AS region, r.name AS region_name, s.lon, s.lat,
            (extract(epoch FROM p.time) * 1000)::float8 AS t, p.value AS v
       FROM metric m
       LEFT JOIN series s ON s.metric = m.code
       LEFT JOIN series_class c ON c.series_id = s.id
       LEFT JOIN region r ON r.code = s.region_code
       LEFT JOIN LATERAL (SELECT time, value FROM point WHERE series_id = s.id ORDER BY time DESC LIMIT 1) p ON true
      WHERE m.class = 'publik' AND (c.class IS NULL OR c.class = 'publik')
      ORDER BY m.code, s.entity`,
  );
  return rows.map((r) => ({
    metric: r.metric,
    class: r.class,
    domain: r.domain,
    unit: r.unit,
    nameId: r.name_id,
    nameEn: r.name_en,
    entity: r.entity,
    region: r.region,
    regionName: r.region_name,
    lon: r.lon,
    lat: r.lat,
    t: r.t === null ? null : Math.round(r.t),
    v: r.v,
  }));
}
