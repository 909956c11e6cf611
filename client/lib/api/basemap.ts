/** `GET /api/public/v1/basemap`: coast, water, rivers and roads (public, no token), or the PMTiles archive's summary. */
import { basemapResponse, type BasemapResponse } from '@shared/basemap';
import { getJson } from './http';

export type { BasemapResponse };

let basemapPromise: Promise<BasemapResponse> | null = null;

/** Cached for the page's lifetime (every map of the page shares it); a failure is forgotten so the next call retries. */
export function fetchBasemap(): Promise<BasemapResponse> {
  if (!basemapPromise) {
    const p = getJson('/api/public/v1/basemap', basemapResponse);
    basemapPromise = p;
    p.catch(() => {
      if (basemapPromise === p) basemapPromise = null;
    });
  }
  return basemapPromise;
}
