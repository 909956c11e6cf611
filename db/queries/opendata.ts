/**
 * Reads for the open-data downloads (server/opendata). Each is one statement starting with its
 * OPENDATA_QUERY_TAG comment, so a test can count them. Publik metrics only, enforced in the SQL itself
 * (the access rule runs again on top in the server); complaints are not read here at all: they reach open
 * data only through the public view's k-anonymous aggregation (db/queries/public.ts, server/public).
 */
import type pg from 'pg';

type Db = Pick<pg.Pool, 'query'>;

export const OPENDATA_QUERY_TAG = { catalog: '/* opendata:catalog */', hourly: '/* opendata:hourly */' } as const;

export interface OpenDataMetric {
  code: string;
  domain: string;
  ownerOpd: string;
  class: string;
  unit: string;
  nameId: string;
  nameEn: string;
  cadenceS: number;
  /** false: the public gets its current value only (catalog `publicHistory`), so no hourly view. */
  publicHistory: boolean;
  /** Epoch ms the first series of the metric was created; null without series. */
  firstSeriesAt: number | null;
}

/** What the dataset list is made of: publik metrics, OPD names, the city, the owners of complaint kinds. */
export interface OpenDataCatalog {
  /** The deployment's kota/kabupaten and its province (Kemendagri codes); null when no city is configured. */
  city: { code: string; name: string; provinceCode: string | null; provinceName: string | null } | null;
  opd: { code: string; name: string }[];
  /** Publik metrics only. */
  metrics: OpenDataMetric[];
  /** Owner OPD of the complaint event kinds (the aggregated complaint dataset's owner). */
  complaintOwners: string[];
}

/** One round trip for everything the dataset metadata needs. */
export async function openDataCatalog(db: Db): Promise<OpenDataCatalog> {
  const { rows } = await db.query<{ doc: OpenDataCatalog }>(
    `${OPENDATA_QUERY_TAG.catalog}
     SELECT json_build_object(
       'city', (SELECT json_build_object('code', c.code, 'name', c.name, 'provinceCode', p.code, 'provinceName', p.name)
                  FROM sinergi_meta m JOIN region c ON c.code = m.value LEFT JOIN region p ON p.code = c.parent_code
                 WHERE m.key = 'city_code'),
       'opd', COALESCE((SELECT json_agg(json_build_object('code', o.code, 'name', o.name) ORDER BY o.code) FROM opd o), '[]'::json),
       'metrics', COALESCE((
          SELECT json_agg(json_build_object(
                   'code', m.code, 'domain', m.domain, 'ownerOpd', m.owner_opd, 'class', m.class::text, 'unit', m.unit,
                   'nameId', m.name_id, 'nameEn', m.name_en, 'cadenceS', m.cadence_s, 'publicHistory', m.public_history,
                   'firstSeriesAt', (SELECT (extract(epoch FROM min(s.created_at)) * 1000)::float8 FROM series s WHERE s.metric = m.code))
                 ORDER BY m.code)
            FROM metric m WHERE m.class = 'publik'), '[]'::json),
       'complaintOwners', COALESCE((SELECT json_agg(DISTINCT k.owner_opd) FROM event_kind k WHERE k.domain = 'complaints'), '[]'::json)
     ) AS doc`,
  );
  const doc = rows[0]?.doc;
  if (!doc) return { city: null, opd: [], metrics: [], complaintOwners: [] };
  return {
    ...doc,
    metrics: doc.metrics.map((m) => ({ ...m, firstSeriesAt: m.firstSeriesAt === null ? null : Math.round(m.firstSeriesAt) })),
  };
}

/** One hour of one series: [t, t + 1 h), aligned to WIB hours. */
export interface HourlyRow {
  entity: string;
  region: string | null;
  regionName: string | null;
  /** Epoch ms of the bucket's start. */
  t: number;
  avg: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Hourly buckets of every series of one publik metric in [fromMs, toMs), from the raw points (date_bin,
 * per series through the (series_id, time) key). A terbatas or unknown metric gives no rows, and neither does a
 * series of a terbatas or rahasia project (view series_class, migration 013).
 */
export async function hourlyRows(db: Db, metric: string, fromMs: number, toMs: number): Promise<HourlyRow[]> {
  const { rows } = await db.query<{
    entity: string;
    region: string | null;
    region_name: string | null;
    t: number;
    avg: number;
    min: number;
    max: number;
    n: number;
  }>(
    `${OPENDATA_QUERY_TAG.hourly}
     SELECT s.entity, s.region_code AS region, r.name AS region_name,
            (extract(epoch FROM b.t) * 1000)::float8 AS t, b.avg, b.min, b.max, b.n
       FROM metric m
       JOIN series s ON s.metric = m.code
       JOIN series_class c ON c.series_id = s.id AND c.class = 'publik'
       LEFT JOIN region r ON r.code = s.region_code
       JOIN LATERAL (
         SELECT date_bin('1 hour'::interval, p.time, '2000-01-01 00:00:00+07'::timestamptz) AS t,
                avg(p.value)::float8 AS avg, min(p.value)::float8 AS min, max(p.value)::float8 AS max, count(*)::int AS n
           FROM point p
          WHERE p.series_id = s.id AND p.time >= to_timestamp($2 / 1000.0) AND p.time < to_timestamp($3 / 1000.0)
          GROUP BY 1
       ) b ON true
      WHERE m.code = $1 AND m.class = 'publik'
      ORDER BY s.entity, b.t`,
    [metric, fromMs, toMs],
  );
  return rows.map((r) => ({
    entity: r.entity,
    region: r.region,
    regionName: r.region_name,
    t: Math.round(r.t),
    avg: r.avg,
    min: r.min,
    max: r.max,
    n: r.n,
  }));
}
