/** `GET /api/public/v1/regions`: the city and its kelurahan polygons (public, no token). */
import { regionsResponse, type RestResponse } from '@shared/rest';
import { ApiError, getJson } from './http';

export type LonLat = [number, number];
export type BBox = [number, number, number, number];

type Regions = RestResponse<'Regions'>;
export type RegionFeature = Regions['regions']['features'][number];
export type RegionProperties = RegionFeature['properties'];

/** The city with a centre and bounds always present (the map cannot be drawn without them). */
export interface RegionsResponse {
  city: { code: string; name: string; center: LonLat; bbox: BBox };
  regions: Regions['regions'];
}

function withBounds(x: Regions): RegionsResponse {
  const b = x.city.bbox;
  if (!b) throw new ApiError(0, '/api/public/v1/regions: the city has no kelurahan polygons (city.bbox is null)');
  return { city: { ...x.city, bbox: b, center: x.city.center ?? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] }, regions: x.regions };
}

let regionsPromise: Promise<RegionsResponse> | null = null;

/** Cached for the page's lifetime; a failure is forgotten so the next call retries. */
export function fetchRegions(): Promise<RegionsResponse> {
  if (!regionsPromise) {
    const p = getJson('/api/public/v1/regions', regionsResponse).then(withBounds);
    regionsPromise = p;
    p.catch(() => {
      if (regionsPromise === p) regionsPromise = null;
    });
  }
  return regionsPromise;
}

/** Kelurahan and kecamatan names by code, for labelling series by their region. */
export function regionNames(r: RegionsResponse): Map<string, string> {
  const names = new Map<string, string>();
  for (const f of r.regions.features) {
    if (f.properties.name) names.set(f.properties.code, f.properties.name);
    if (f.properties.kecamatanCode && f.properties.kecamatanName) names.set(f.properties.kecamatanCode, f.properties.kecamatanName);
  }
  return names;
}
