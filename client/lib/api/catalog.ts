/** `GET /api/v1/catalog` (operator/agency pages): metrics, event kinds and OPD the caller may read. */
import { catalogResponse, type RestResponse } from '@shared/rest';
import { getJson } from './http';

export type CatalogResponse = RestResponse<'Catalog'>;

export async function fetchCatalog(token?: string | null): Promise<CatalogResponse> {
  return getJson('/api/v1/catalog', catalogResponse, token ? { Authorization: `Bearer ${token}` } : {});
}
