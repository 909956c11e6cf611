/** `GET /api/v1/series`: bucketed history of one metric (for drill-down beyond the live hour). */
import { seriesResponse, type RestResponse } from '@shared/rest';
import { getJson } from './http';

export type SeriesBucket = 'auto' | 'raw' | '1m' | '1h' | '1d';
export type SeriesResponse = RestResponse<'SeriesRange'>;

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
  return getJson(`/api/v1/series?${params}`, seriesResponse, token ? { Authorization: `Bearer ${token}` } : {}, signal);
}
