/**
 * Series and points: bulk writes (unnest for small batches, binary COPY for large ones; never row by row) and
 * the reads dashboards need, served from the roll-ups (point_1m / point_1h: TimescaleDB continuous aggregates or
 * the plain-PostgreSQL views of migration 008 — the same columns, so one query text answers on both).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { SeriesMeta } from '../../shared/catalog';
import type { WireBucket, WirePoint } from '../../shared/contract';
import { canCopy, decodeIdDoublesCopy, encodePointsCopy } from '../copy-binary';

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
  const params = [keys.map((k) => k.metric), keys.map((k) => k.entity), keys.map((k) => k.region), keys.map((k) => k.lon), keys.map((k) => k.lat)];
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

/** Batches at least this large take the COPY path (below it, one unnest statement is cheaper). */
export const COPY_MIN_POINTS = 1_000;

/**
 * Writes points idempotently: a reading already stored for the same (series, time) keeps its first value, whatever
 * the resend carries (a correction is explicit: correctPoints). Returns the points that were new (what live
 * subscribers need to hear about). Points must be unique per (seriesId, t).
 * Batches of COPY_MIN_POINTS or more use the COPY path (see copyPoints).
 */
export async function insertPoints(db: Db, points: readonly ResolvedPoint[]): Promise<ResolvedPoint[]> {
  if (points.length === 0) return [];
  if (points.length >= COPY_MIN_POINTS) {
    if (db instanceof pg.Pool) {
      const client = await db.connect();
      try {
        return await copyPoints(client, points);
      } finally {
        client.release();
      }
    }
    return copyPoints(db, points);
  }
  return unnestPoints(db, points);
}

async function unnestPoints(db: Db, points: readonly ResolvedPoint[]): Promise<ResolvedPoint[]> {
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
     ${MERGE_TAIL}`,
    [ids, ts, vs, lons, lats],
  );
  return toResolved(rows);
}

/** A resend keeps the first value (issue 14.5: the last arrival winning let a late resend undo a correction). */
const MERGE_TAIL = `ON CONFLICT (series_id, time) DO NOTHING
     RETURNING series_id AS s, (extract(epoch FROM time) * 1000)::float8 AS t, value AS v, lon, lat`;

function toResolved(rows: { s: number; t: number; v: number; lon: number | null; lat: number | null }[]): ResolvedPoint[] {
  return rows.map((r) => ({ seriesId: r.s, t: Math.round(r.t), v: r.v, lon: r.lon, lat: r.lat }));
}

async function copyInto(client: pg.PoolClient, table: string, data: Buffer): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (series_id, time, value, lon, lat) FROM STDIN (FORMAT binary)`));
  await pipeline(Readable.from([data]), stream);
}

/**
 * The bulk path: binary COPY straight into `point` under a savepoint; if any reading is already stored (the
 * unique key stops the COPY, at the first such row), roll back to the savepoint, COPY into a session-local
 * staging table and merge with the same ON CONFLICT rule as the unnest path. New data — the common case —
 * costs one COPY; a resent batch fails on its first row, so its wasted work is small. (A probe for stored readings
 * before the COPY was measured too: one index probe per series, it cut ingest at 10,000 series per batch to
 * 0.41 of the 1,000-series rate; without it 0.69 — docs/benchmarks.md.)
 * Either way a resent batch changes nothing and only new points are returned. Runs inside the
 * caller's transaction when there is one (under a savepoint), or in its own.
 */
export async function copyPoints(client: pg.PoolClient, points: readonly ResolvedPoint[]): Promise<ResolvedPoint[]> {
  if (points.length === 0) return [];
  if (!(await canCopy(client))) return unnestPoints(client, points);
  let ownTx = false;
  try {
    await client.query('SAVEPOINT sinergi_copy');
  } catch (e) {
    if ((e as { code?: string }).code !== '25P01') throw e; // 25P01: not in a transaction block
    await client.query('BEGIN');
    ownTx = true;
  }
  try {
    const data = encodePointsCopy(points);
    let written: ResolvedPoint[] | null = null;
    await client.query('SAVEPOINT sinergi_copy_direct');
    try {
      await copyInto(client, 'point', data);
      written = points.slice();
    } catch (e) {
      if ((e as { code?: string }).code !== '23505') throw e; // 23505: unique_violation, some readings are stored
      await client.query('ROLLBACK TO SAVEPOINT sinergi_copy_direct');
    }
    if (written === null) {
      await client.query(
        `CREATE TEMP TABLE IF NOT EXISTS point_stage (series_id integer, time timestamptz, value double precision, lon real, lat real)
           ON COMMIT DELETE ROWS`,
      );
      await copyInto(client, 'point_stage', data);
      const merged = await client.query<{ s: number; t: number; v: number; lon: number | null; lat: number | null }>(
        `INSERT INTO point AS p (series_id, time, value, lon, lat) SELECT series_id, time, value, lon, lat FROM point_stage
         ${MERGE_TAIL}`,
      );
      await client.query('TRUNCATE point_stage');
      written = toResolved(merged.rows);
    }
    await client.query(ownTx ? 'COMMIT' : 'RELEASE SAVEPOINT sinergi_copy');
    return written;
  } catch (e) {
    await client.query(ownTx ? 'ROLLBACK' : 'ROLLBACK TO SAVEPOINT sinergi_copy').catch(() => {});
    throw e;
  }
}

/** A correction: a reading with the source's revision (> 0). */
export interface RevisedPoint extends ResolvedPoint {
  revision: number;
}

export interface Corrections {
  /** Readings written: replaced (with `was`, the value before) or stored for the first time at that revision. */
  written: (ResolvedPoint & { was?: number; revision: number })[];
  /** Corrections whose revision was not above the reading's current one: nothing written. */
  stale: number;
}

/** Advisory lock namespace of corrections (with the series id as the second key): one correction of a series at a time. */
const CORRECTION_LOCK = 0x5e1c0;

/**
 * Applies explicit corrections: a reading whose revision is above the stored reading's current revision (the
 * highest in point_correction, 0 for a plain reading) replaces its value (and its position, when it carries one)
 * and is recorded in
 * point_correction (old value, new value, revision, `actor`); a lower or equal revision changes nothing and is
 * counted as stale. A correction that arrives before the reading itself (the worker's two batches in flight
 * crossing) is stored at its revision, so the plain reading that follows keeps it (insertPoints keeps the first).
 * Corrections of one series are serialised by a transaction-scoped advisory lock; run inside a transaction.
 * Roll-ups follow like any write (the plain-PostgreSQL dirty log's UPDATE trigger; TimescaleDB's invalidation).
 */
export async function correctPoints(client: pg.PoolClient, points: readonly RevisedPoint[], actor: string): Promise<Corrections> {
  if (points.length === 0) return { written: [], stale: 0 };
  const ids = [...new Set(points.map((p) => p.seriesId))].sort((a, b) => a - b);
  await client.query('SELECT pg_advisory_xact_lock($1, s) FROM unnest($2::int[]) AS s ORDER BY s', [CORRECTION_LOCK, ids]);
  const cols = [points.map((p) => p.seriesId), points.map((p) => p.t)];
  const { rows } = await client.query<{ i: number; old: number | null; rev: number }>(
    `SELECT u.i::int AS i, p.value AS old,
            coalesce((SELECT max(c.revision) FROM point_correction c WHERE c.series_id = u.s AND c.time = to_timestamp(u.t / 1000.0)), 0) AS rev
       FROM unnest($1::int[], $2::float8[]) WITH ORDINALITY AS u(s, t, i)
       LEFT JOIN point p ON p.series_id = u.s AND p.time = to_timestamp(u.t / 1000.0)`,
    cols,
  );
  const apply: (RevisedPoint & { old: number | null })[] = [];
  let stale = 0;
  for (const r of rows) {
    const p = points[r.i - 1]!;
    if (p.revision > r.rev) apply.push({ ...p, old: r.old });
    else stale++;
  }
  if (apply.length === 0) return { written: [], stale };
  await client.query(
    `INSERT INTO point AS p (series_id, time, value, lon, lat)
     SELECT s, to_timestamp(t / 1000.0), v, lon, lat
       FROM unnest($1::int[], $2::float8[], $3::float8[], $4::real[], $5::real[]) AS u(s, t, v, lon, lat)
     ON CONFLICT (series_id, time) DO UPDATE
       SET value = EXCLUDED.value, lon = coalesce(EXCLUDED.lon, p.lon), lat = coalesce(EXCLUDED.lat, p.lat)
       WHERE (p.value, p.lon, p.lat) IS DISTINCT FROM (EXCLUDED.value, coalesce(EXCLUDED.lon, p.lon), coalesce(EXCLUDED.lat, p.lat))`,
    [apply.map((p) => p.seriesId), apply.map((p) => p.t), apply.map((p) => p.v), apply.map((p) => p.lon), apply.map((p) => p.lat)],
  );
  await client.query(
    `INSERT INTO point_correction (series_id, time, revision, old_value, new_value, actor)
     SELECT s, to_timestamp(t / 1000.0), r, o, v, $6 FROM unnest($1::int[], $2::float8[], $3::int[], $4::float8[], $5::float8[]) AS u(s, t, r, o, v)`,
    [apply.map((p) => p.seriesId), apply.map((p) => p.t), apply.map((p) => p.revision), apply.map((p) => p.old), apply.map((p) => p.v), actor],
  );
  return {
    written: apply
      .filter((p) => p.old === null || p.old !== p.v)
      .map(({ old, ...p }) => ({
        seriesId: p.seriesId,
        t: p.t,
        v: p.v,
        lon: p.lon,
        lat: p.lat,
        revision: p.revision,
        ...(old !== null ? { was: old } : {}),
      })),
    stale,
  };
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
  return wirePointsBySeries(rows);
}

/** Rows of (series, time ms, value, position) as wire points by series; a position only when both parts are known. */
export function wirePointsBySeries(
  rows: readonly { s: number; t: number; v: number; lon: number | null; lat: number | null }[],
): Map<number, WirePoint> {
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

/** Days start at 00:00 WIB (UTC+7); minutes and hours are UTC-aligned (the same instants in WIB). */
const WIB_ORIGIN = `'2000-01-01 00:00:00+07'::timestamptz`;
const UTC_ORIGIN = `'2000-01-01 00:00:00+00'::timestamptz`;
const WIB_OFFSET_MS = 7 * 3_600_000;
const WIDTH_MS = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 } as const;

/** Whether the roll-ups are plain-PostgreSQL tables (migration 008) rather than continuous aggregates; cached per pool/client. */
const plainRollups = new WeakMap<object, boolean>();
async function rollupTables(db: Db): Promise<{ mat1m: number; mat1h: number } | null> {
  let plain = plainRollups.get(db);
  if (plain === undefined) {
    const { rows } = await db.query<{ plain: boolean }>(`SELECT to_regclass('rollup_state') IS NOT NULL AS plain`);
    plain = rows[0]!.plain;
    plainRollups.set(db, plain);
  }
  if (!plain) return null;
  // as numbers so the planner sees constants (an unknown watermark made it scan all raw readings)
  const { rows } = await db.query<{ m: number | null; h: number | null }>(
    `SELECT (extract(epoch FROM mat_1m) * 1000)::float8 AS m, (extract(epoch FROM mat_1h) * 1000)::float8 AS h FROM rollup_state`,
  );
  // '-infinity' (nothing materialised yet) becomes 1900-01-01, before any reading and inside to_timestamp's range
  const clamp = (x: number | null) => (x === null || !Number.isFinite(x) ? -2_208_988_800_000 : x);
  return { mat1m: clamp(rows[0]!.m), mat1h: clamp(rows[0]!.h) };
}

const ts = (i: number) => `to_timestamp($${i}::float8 / 1000.0)`;
const AGG_RAW = `sum(value) AS value_sum, count(*) AS value_count, min(value) AS value_min, max(value) AS value_max,
  (array_agg(value ORDER BY time DESC))[1] AS value_last, max(time) AS last_time`;
const AGG_UP = `sum(value_sum) AS value_sum, sum(value_count) AS value_count, min(value_min) AS value_min, max(value_max) AS value_max,
  (array_agg(value_last ORDER BY last_time DESC))[1] AS value_last, max(last_time) AS last_time`;
const ROLLUP_COLS = 'series_id, bucket, value_sum, value_count, value_min, value_max, value_last, last_time';

/**
 * SQL for the rows of one roll-up level (1m or 1h) of series $1 with bucket in [$2, $3) (bucket-aligned ms).
 * TimescaleDB: the continuous aggregate, real-time part included. Plain PostgreSQL: the same union the
 * views of 008 express, with the watermarks passed as constants ($4 = 1-minute, $5 = 1-hour).
 */
function levelSql(level: '1m' | '1h', plain: boolean): string {
  if (!plain) return `SELECT ${ROLLUP_COLS} FROM point_${level} WHERE series_id = ANY($1::int[]) AND bucket >= ${ts(2)} AND bucket < ${ts(3)}`;
  const minutes = `SELECT ${ROLLUP_COLS} FROM point_1m_mat
                    WHERE series_id = ANY($1::int[]) AND bucket >= greatest(${ts(2)}, ${level === '1h' ? ts(5) : ts(2)}) AND bucket < least(${ts(3)}, ${ts(4)})
                   UNION ALL
                   SELECT series_id, date_bin('1 minute', time, ${UTC_ORIGIN}) AS bucket, ${AGG_RAW} FROM point
                    WHERE series_id = ANY($1::int[]) AND time >= greatest(${ts(2)}, ${ts(4)}) AND time < ${ts(3)}
                    GROUP BY 1, 2`;
  if (level === '1m') return minutes;
  return `SELECT ${ROLLUP_COLS} FROM point_1h_mat
           WHERE series_id = ANY($1::int[]) AND bucket >= ${ts(2)} AND bucket < least(${ts(3)}, ${ts(5)})
          UNION ALL
          SELECT series_id, date_bin('1 hour', bucket, ${UTC_ORIGIN}) AS bucket, ${AGG_UP} FROM (${minutes}) m GROUP BY 1, 2`;
}

/**
 * Buckets overlapping [fromMs, toMs) per series, each whole (a bucket that starts before `from` is included
 * with all its readings), from the roll-ups: 1m from point_1m, 1h from point_1h, 1d from point_1h grouped by
 * WIB day; raw readings for 'raw'. Buckets without data are absent, never invented: a reader sees a gap as a
 * missing bucket time. Recent readings not yet materialised are included (real-time aggregation).
 * `serial`: run without parallel workers (for small reads; only where this function checks out its own client).
 */
export async function bucketedSeries(
  db: Db,
  seriesIds: readonly number[],
  fromMs: number,
  toMs: number,
  bucket: AggregateBucket | 'raw',
  opts: { serial?: boolean } = {},
): Promise<Map<number, WireBucket[]>> {
  const out = new Map<number, WireBucket[]>();
  if (seriesIds.length === 0 || !(toMs > fromMs)) return out;
  let inner: string;
  let params: unknown[];
  if (bucket === 'raw') {
    inner = `SELECT series_id, time AS bucket, value AS avg, value AS min, value AS max, value AS last
               FROM point WHERE series_id = ANY($1::int[]) AND time >= ${ts(2)} AND time < ${ts(3)}`;
    params = [seriesIds, fromMs, toMs];
  } else {
    const w = WIDTH_MS[bucket];
    const shift = bucket === '1d' ? WIB_OFFSET_MS : 0; // days start at 17:00 UTC
    const lo = Math.floor((fromMs + shift) / w) * w - shift;
    const hi = Math.ceil((toMs + shift) / w) * w - shift;
    const marks = await rollupTables(db);
    const level = bucket === '1m' ? '1m' : '1h';
    const rows = levelSql(level, marks !== null);
    const avgCols = `value_sum / value_count AS avg, value_min AS min, value_max AS max, value_last AS last`;
    inner =
      bucket === '1d'
        ? `SELECT series_id, day AS bucket, sum(value_sum) / sum(value_count) AS avg, min(value_min) AS min, max(value_max) AS max,
                  (array_agg(value_last ORDER BY last_time DESC))[1] AS last
             FROM (SELECT r.*, date_bin('1 day', r.bucket, ${WIB_ORIGIN}) AS day FROM (${rows}) r) d GROUP BY series_id, day`
        : `SELECT series_id, bucket, ${avgCols} FROM (${rows}) r`;
    params = !marks ? [seriesIds, lo, hi] : level === '1m' ? [seriesIds, lo, hi, marks.mat1m] : [seriesIds, lo, hi, marks.mat1m, marks.mat1h];
  }
  const outer = `SELECT series_id::int4, round(date_part('epoch', bucket) * 1000)::float8, avg::float8, min::float8, max::float8, last::float8
                   FROM (${inner}) x`;
  // Dashboards read 100k+ buckets at once: where the server takes COPY, the rows come as binary (no float
  // formatting on the server, no parsing here); elsewhere as one text row per series.
  const client = db instanceof pg.Pool ? await db.connect() : db;
  try {
    if (await canCopy(client)) {
      // a small read (the bucket cache's tail): launching parallel workers cost more than the whole query here
      // (2 cores: 12.7 → 6.3 ms p50 for 200 series × 12 minutes; no gain on 24 h either) — docs/benchmarks.md
      const serial = opts.serial === true && client !== db;
      if (serial) await client.query('SET max_parallel_workers_per_gather = 0');
      try {
        return collectBuckets(await copyOutRows(client, inlineParams(outer, params)));
      } finally {
        if (serial) await client.query('RESET max_parallel_workers_per_gather').catch(() => {});
      }
    }
  } finally {
    if (client !== db) (client as pg.PoolClient).release();
  }
  // One row per series with its buckets as text: parsing ~300k rows of six fields took 3–4× longer in
  // node-postgres than splitting these strings. float8 text output is shortest-exact, so values round-trip.
  const { rows } = await db.query<{ s: number; b: string }>(
    `SELECT series_id AS s,
            string_agg(concat_ws(',', round(date_part('epoch', bucket) * 1000)::bigint, avg, min, max, last), ';') AS b
       FROM (${inner}) x GROUP BY series_id`,
    params,
  );
  for (const r of rows) {
    const parts = r.b.split(';');
    const list: WireBucket[] = new Array(parts.length);
    let sorted = true;
    for (let i = 0; i < parts.length; i++) {
      const f = parts[i]!.split(',');
      list[i] = { t: Number(f[0]), avg: Number(f[1]), min: Number(f[2]), max: Number(f[3]), last: Number(f[4]) };
      if (i > 0 && list[i - 1]!.t > list[i]!.t) sorted = false;
    }
    if (!sorted) list.sort((a, b) => a.t - b.t);
    out.set(r.s, list);
  }
  return out;
}

/** COPY takes no bind parameters: numbers (checked) and integer arrays are written into the text. */
function inlineParams(sql: string, params: readonly unknown[]): string {
  const literal = (v: unknown): string => {
    if (Array.isArray(v)) {
      if (!v.every((x) => Number.isSafeInteger(x))) throw new Error('inlineParams: integer arrays only');
      return `'{${v.join(',')}}'`;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error('inlineParams: finite numbers only');
    return `(${String(v)})`;
  };
  return sql.replace(/\$(\d+)/g, (_, i: string) => literal(params[Number(i) - 1]));
}

type BucketRow = [s: number, t: number, avg: number, min: number, max: number, last: number];

async function copyOutRows(client: pg.PoolClient, sql: string): Promise<BucketRow[]> {
  const chunks: Buffer[] = [];
  for await (const c of client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`))) chunks.push(c as Buffer);
  return decodeIdDoublesCopy(Buffer.concat(chunks), 5) as BucketRow[];
}

function collectBuckets(rows: readonly BucketRow[]): Map<number, WireBucket[]> {
  const out = new Map<number, WireBucket[]>();
  for (const [s, t, avg, min, max, last] of rows) {
    let list = out.get(s);
    if (!list) out.set(s, (list = []));
    list.push({ t, avg, min, max, last });
  }
  for (const list of out.values()) {
    for (let i = 1; i < list.length; i++) {
      if (list[i - 1]!.t > list[i]!.t) {
        list.sort((a, b) => a.t - b.t);
        break;
      }
    }
  }
  return out;
}
