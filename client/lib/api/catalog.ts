/** `GET /api/v1/catalog` (operator/agency pages): metrics, event kinds and OPD the caller may read. */
import type { EventKind, Metric, Opd } from '@shared/catalog';
import { ApiError, getJson, isObj } from './http';

export interface CatalogResponse {
  opd: Opd[];
  metrics: Metric[];
  eventKinds: EventKind[];
}

export async function fetchCatalog(token?: string | null): Promise<CatalogResponse> {
  const x = await getJson('/api/v1/catalog', token ? { Authorization: `Bearer ${token}` } : {});
  if (!isObj(x) || !Array.isArray(x.metrics)) throw new ApiError(0, 'catalog: unexpected response');
  return {
    opd: Array.isArray(x.opd) ? (x.opd as Opd[]) : [],
    metrics: x.metrics as Metric[],
    eventKinds: Array.isArray(x.eventKinds) ? (x.eventKinds as EventKind[]) : [],
  };
}
