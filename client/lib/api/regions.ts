/** `GET /api/public/v1/regions`: the city and its kelurahan polygons (public, no token). */
import { ApiError, getJson, isNum, isObj } from './http';

export type LonLat = [number, number];
export type BBox = [number, number, number, number];

export interface RegionProperties {
  code: string;
  name: string;
  /** Null when the server has no parent for the kelurahan. */
  kecamatanCode: string | null;
  kecamatanName: string | null;
}

export interface RegionFeature {
  type: 'Feature';
  id?: string | number;
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
  properties: RegionProperties;
}

export interface RegionsResponse {
  city: { code: string; name: string; center: LonLat; bbox: BBox };
  regions: { type: 'FeatureCollection'; features: RegionFeature[] };
}

function checkRegions(x: unknown): RegionsResponse {
  if (!isObj(x) || !isObj(x.city) || !isObj(x.regions) || !Array.isArray(x.regions.features)) {
    throw new ApiError(0, 'regions: unexpected response');
  }
  const city = x.city;
  const bbox = city.bbox;
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(isNum)) throw new ApiError(0, 'regions: city.bbox missing');
  const b = bbox as BBox;
  const features = (x.regions.features as unknown[]).filter(
    (f): f is RegionFeature =>
      isObj(f) &&
      isObj(f.geometry) &&
      (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon') &&
      isObj(f.properties) &&
      typeof f.properties.code === 'string',
  );
  const center =
    Array.isArray(city.center) && city.center.length === 2 && city.center.every(isNum)
      ? (city.center as LonLat)
      : ([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] as LonLat);
  return {
    city: { code: String(city.code ?? ''), name: String(city.name ?? ''), center, bbox: b },
    regions: { type: 'FeatureCollection', features },
  };
}

let regionsPromise: Promise<RegionsResponse> | null = null;

/** Cached for the page's lifetime; a failure is forgotten so the next call retries. */
export function fetchRegions(): Promise<RegionsResponse> {
  if (!regionsPromise) {
    const p = getJson('/api/public/v1/regions').then(checkRegions);
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
