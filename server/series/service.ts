/** Reads of series: bucketed ranges for charts and snapshots for live subscribers. */
import type pg from 'pg';
import type { Metric } from '../../shared/catalog';
import type { MetricSnapshot, SeriesSnapshot, WireBucket } from '../../shared/contract';
import { BUCKET_MS, chooseBucket, MAX_RANGE_MS } from '../../shared/buckets';
import type { Bucket } from '../../shared/schemas';
import { bucketedSeries, latestPoints, listSeries, type AggregateBucket } from '../../db/queries/points';
import { isCachedLevel, type BucketCache } from '../../db/bucket-cache';
import type { GeometryCache } from '../entities/geometry';

export interface RangeResult {
  metric: string;
  bucket: Bucket;
  /** Width of a bucket in ms (0 for raw): a missing bucket time is a gap, never filled in. */
  bucketMs: number;
  series: (Awaited<ReturnType<typeof listSeries>>[number] & {
    buckets: { t: number; avg: number; min: number; max: number; last: number }[];
    /** The series' latest reading at any time, and its age at answer time (the "data age" badge). */
    latest: { t: number; v: number; ageMs: number } | null;
  })[];
}

export interface SeriesService {
  range(metric: string, fromMs: number, toMs: number, bucket: Bucket | 'auto', entity?: string): Promise<RangeResult | { error: string }>;
  snapshot(metric: Metric, historyMinutes: number, now: number): Promise<Omit<MetricSnapshot, 'seq'>>;
  /** 1-minute buckets of these series in `[fromMs, toMs)` from the roll-ups (the rewind's hour before a moment). */
  history(ids: readonly number[], fromMs: number, toMs: number): Promise<Map<number, WireBucket[]>>;
}

/**
 * `cache` (optional) serves settled 1-minute and 1-hour buckets from memory; its owner invalidates it on writes.
 * `geometry` (optional): registered entity lines, added to the snapshot's series meta from memory.
 */
export function createSeriesService(
  pool: pg.Pool,
  clock: () => number = Date.now,
  cache?: BucketCache,
  geometry?: Pick<GeometryCache, 'withPath'>,
): SeriesService {
  const buckets = (ids: readonly number[], fromMs: number, toMs: number, bucket: AggregateBucket | 'raw') =>
    cache && isCachedLevel(bucket) ? cache.read(ids, fromMs, toMs, bucket) : bucketedSeries(pool, ids, fromMs, toMs, bucket);
  return {
    async range(metric, fromMs, toMs, requested, entity) {
      if (!(toMs > fromMs)) return { error: '`to` must be after `from`' };
      const bucket = requested === 'auto' ? chooseBucket(fromMs, toMs) : requested;
      if (toMs - fromMs > MAX_RANGE_MS[bucket]) {
        return { error: `range too long for bucket ${bucket}: at most ${MAX_RANGE_MS[bucket] / 3_600_000} hours` };
      }
      const series = await listSeries(pool, [metric], entity);
      const ids = series.map((s) => s.id);
      const [found, latest] = await Promise.all([buckets(ids, fromMs, toMs, bucket), latestPoints(pool, ids)]);
      const now = clock();
      return {
        metric,
        bucket,
        bucketMs: bucket === 'raw' ? 0 : BUCKET_MS[bucket],
        series: series.map((s) => {
          const p = latest.get(s.id);
          return { ...s, buckets: found.get(s.id) ?? [], latest: p ? { t: p.t, v: p.v, ageMs: Math.max(0, now - p.t) } : null };
        }),
      };
    },

    async history(ids, fromMs, toMs) {
      if (ids.length === 0) return new Map();
      return (await buckets(ids, fromMs, toMs, '1m')) as Map<number, WireBucket[]>;
    },

    async snapshot(metric, historyMinutes, now) {
      const series = await listSeries(pool, [metric.code]);
      const ids = series.map((s) => s.id);
      const [latest, history] = await Promise.all([
        latestPoints(pool, ids),
        historyMinutes > 0 ? buckets(ids, now - historyMinutes * 60_000, now + 60_000, '1m') : Promise.resolve(new Map()),
      ]);
      const out: SeriesSnapshot[] = series.map((s) => {
        const p = latest.get(s.id);
        return {
          ...(geometry ? geometry.withPath(s, metric.ownerOpd) : s),
          // moving things: the newest position is the series' position
          lon: p?.lon ?? s.lon,
          lat: p?.lat ?? s.lat,
          latest: p ? { t: p.t, v: p.v } : null,
          history: history.get(s.id) ?? [],
        };
      });
      return { metric, series: out };
    },
  };
}
