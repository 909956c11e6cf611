/** Series and points: bulk writes (unnest, never row by row) and the reads dashboards need. */
import type pg from 'pg';
import type { SeriesMeta } from '../../shared/catalog';
import type { WireBucket, WirePoint } from '../../shared/contract';

type Db = pg.Pool | pg.PoolClient;

export interface SeriesKey {
  metric: string;
  entity: string;
  region: string | null;
  lon: number | null;
  lat: number | null;
}

/** A point whose series is resolved; time in epoch ms. */
export interface ResolvedPoint {
  seriesId: number;
  t: number;
  v: number;
  lon: number | null;
  lat: number | null;
}

const SERIES_COLUMNS = 'id, metric, entity, region_code AS region, lon, lat';

/**
 * Creates missing series and updates region/position where a batch brings a new one.
 * Returns the metadata of every key given, in no particular order.
 */
export async function upsertSeries(db: Db, keys: readonly SeriesKey[]): Promise<SeriesMeta[]> {
  if (keys.length === 0) return [];
  const params = [
    keys.map((k) => k.metric),
    keys.map((k) => k.entity),
    keys.map((k) => k.region),
    keys.map((k) => k.lon),
    keys.map((k) => k.lat),
  ];
  await db.query(
    `INSERT INTO series (metric, entity, region_code, lon, lat)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[])
     ON CONFLICT (metric, entity) DO UPDATE SET
       region_code = COALESCE(EXCLUDED.region_code, series.region_code),
       lon = COALESCE(EXCLUDED.lon, series.lon),
       lat = COALESCE(EXCLUDED.lat, series.lat)
     WHERE (EXCLUDED.region_code IS NOT NULL AND EXCLUDED.region_code IS DISTINCT FROM series.region_code)
        OR (EXCLUDED.lon IS NOT NULL AND (EXCLUDED.lon, EXCLUDED.lat) IS DISTINCT FROM (series.lon, series.lat))`,
    params,
  );
  const { rows } = await db.query<SeriesMeta>(
    `SELECT ${SERIES_COLUMNS} FROM series
      WHERE (metric, entity) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [params[0], params[1]],
  );
  return rows;
}

/**
 * Writes points idempotently: a point already stored with the same value changes nothing,
 * a corrected value replaces the old one. Returns the points that were new or changed
 * (what live subscribers need to hear about). Points must be unique per (seriesId, t).
 */
export async function insertPoints(db: Db, points: readonly ResolvedPoint[]): Promise<ResolvedPoint[]> {
  if (points.length === 0) return [];
  const n = points.length;
  const ids = new Array<number>(n);
  const ts = new Array<number>(n);
  const vs = new Array<number>(n);
  const lons = new Array<number | null>(n);
  const lats = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    ids[i] = p.seriesId;
    ts[i] = p.t;
    vs[i] = p.v;
    lons[i] = p.lon;
    lats[i] = p.lat;
  }
  // Times travel as epoch ms: formatting a Date per point costs more than parsing the JSON.
  const { rows } = await db.query<{ s: number; t: number; v: number; lon: number | null; lat: number | null }>(
    `INSERT INTO point AS p (series_id, time, value, lon, lat)
     SELECT s, to_timestamp(t / 1000.0), v, lon, lat
       FROM unnest($1::int[], $2::float8[], $3::float8[], $4::real[], $5::real[]) AS u(s, t, v, lon, lat)
     ON CONFLICT (series_id, time) DO UPDATE SET value = EXCLUDED.value, lon = EXCLUDED.lon, lat = EXCLUDED.lat
     WHERE (p.value, p.lon, p.lat) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.lon, EXCLUDED.lat)
     RETURNING series_id AS s, (extract(epoch FROM time) * 1000)::float8 AS t, value AS v, lon, lat`,
    [ids, ts, vs, lons, lats],
  );
  return rows.map((r) => ({ seriesId: r.s, t: Math.round(r.t), v: r.v, lon: r.lon, lat: r.lat }));
}

export async function listSeries(db: Db, metrics: readonly string[], entity?: string): Promise<SeriesMeta[]> {
  const { rows } = await db.query<SeriesMeta>(
    `SELECT ${SERIES_COLUMNS} FROM series WHERE metric = ANY($1::text[]) AND ($2::text IS NULL OR entity = $2) ORDER BY metric, entity`,
    [metrics, entity ?? null],
  );
  return rows;
}

/** The latest reading of each series (uses the (series_id, time) key, one index probe per series). */
export async function latestPoints(db: Db, seriesIds: readonly number[]): Promise<Map<number, WirePoint>> {
  if (seriesIds.length === 0) return new Map();
  const { rows } = await db.query<{ s: number; t: number; v: number; lon: number | null; lat: number | null }>(
    `SELECT s.id AS s, (extract(epoch FROM p.time) * 1000)::float8 AS t, p.value AS v, p.lon, p.lat
       FROM unnest($1::int[]) AS s(id)
       CROSS JOIN LATERAL (SELECT time, value, lon, lat FROM point WHERE series_id = s.id ORDER BY time DESC LIMIT 1) p`,
    [seriesIds],
  );
  const out = new Map<number, WirePoint>();
  for (const r of rows) {
    const p: WirePoint = { s: r.s, t: Math.round(r.t), v: r.v };
    if (r.lon !== null && r.lat !== null) {
      p.lon = r.lon;
      p.lat = r.lat;
    }
    out.set(r.s, p);
  }
  return out;
}

export const BUCKET_INTERVALS = { '1m': '1 minute', '1h': '1 hour', '1d': '1 day' } as const;
export type AggregateBucket = keyof typeof BUCKET_INTERVALS;

/**
 * Buckets of [fromMs, toMs) per series. Buckets without data are absent, never invented:
 * a reader sees a gap as a missing bucket time. Day buckets are aligned to 00:00 WIB (UTC+7).
 */
export async function bucketedSeries(
  db: Db,
  seriesIds: readonly number[],
  fromMs: number,
  toMs: number,
  bucket: AggregateBucket | 'raw',
): Promise<Map<number, WireBucket[]>> {
  const out = new Map<number, WireBucket[]>();
  if (seriesIds.length === 0) return out;
  const sql =
    bucket === 'raw'
      ? `SELECT series_id AS s, (extract(epoch FROM time) * 1000)::float8 AS t, value AS avg, value AS min, value AS max, value AS last
           FROM point WHERE series_id = ANY($1::int[]) AND time >= to_timestamp($2 / 1000.0) AND time < to_timestamp($3 / 1000.0)
          ORDER BY series_id, time`
      : `SELECT series_id AS s, (extract(epoch FROM b) * 1000)::float8 AS t, avg(value) AS avg, min(value) AS min, max(value) AS max,
                (array_agg(value ORDER BY time DESC))[1] AS last
           FROM (SELECT series_id, value, time,
                        date_bin('${BUCKET_INTERVALS[bucket]}'::interval, time, '2000-01-01 00:00:00+07'::timestamptz) AS b
                   FROM point WHERE series_id = ANY($1::int[]) AND time >= to_timestamp($2 / 1000.0) AND time < to_timestamp($3 / 1000.0)) x
          GROUP BY series_id, b ORDER BY series_id, b`;
  const { rows } = await db.query<{ s: number; t: number; avg: number; min: number; max: number; last: number }>(sql, [
    seriesIds,
    fromMs,
    toMs,
  ]);
  for (const r of rows) {
    let list = out.get(r.s);
    if (!list) out.set(r.s, (list = []));
    list.push({ t: Math.round(r.t), avg: r.avg, min: r.min, max: r.max, last: r.last });
  }
  return out;
}
