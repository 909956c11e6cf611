/** `GET /api/v1/series`: bucketed history of one metric (for drill-down beyond the live hour). */
import { ApiError, getJson, isObj } from './http';

export type SeriesBucket = 'auto' | 'raw' | '1m' | '1h' | '1d';

export interface SeriesResponse {
  metric: string;
  bucket: string;
  bucketMs: number;
  series: {
    id: number;
    metric: string;
    entity: string;
    region: string | null;
    lon: number | null;
    lat: number | null;
    buckets: { t: number; avg: number; min: number; max: number; last: number }[];
  }[];
}

export async function fetchSeries(
  q: { metric: string; from: number; to: number; bucket?: SeriesBucket; entity?: string; purpose?: string },
  token?: string | null,
  signal?: AbortSignal,
): Promise<SeriesResponse> {
  const params = new URLSearchParams({
    metric: q.metric,
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    bucket: q.bucket ?? 'auto',
  });
  if (q.entity) params.set('entity', q.entity);
  if (q.purpose) params.set('purpose', q.purpose);
  const x = await getJson(`/api/v1/series?${params}`, token ? { Authorization: `Bearer ${token}` } : {}, signal);
  if (!isObj(x) || !Array.isArray(x.series)) throw new ApiError(0, 'series: unexpected response');
  return x as unknown as SeriesResponse;
}
