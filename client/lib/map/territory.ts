/** A territorial user's area (camat: a kecamatan, lurah/kades: a kelurahan/desa; issue 17) in the kota's boundaries. */
import type { BBox, RegionFeature, RegionsResponse } from '../api/regions';

/** A kecamatan code is PP.KK.CC (three parts); a kelurahan/desa code adds a fourth. */
export const isKecamatanCode = (code: string) => code.split('.').length === 3;

/** The polygons of a territory: the kelurahan itself, or every kelurahan of the kecamatan. */
export function territoryFeatures(r: RegionsResponse, region: string): RegionFeature[] {
  return r.regions.features.filter((f) => (isKecamatanCode(region) ? f.properties.kecamatanCode === region : f.properties.code === region));
}

/** The bounds of some polygons, or null when there are none (a region the boundaries do not hold). */
export function featuresBBox(features: readonly RegionFeature[]): BBox | null {
  let b: BBox | null = null;
  for (const f of features) {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const poly of polys)
      for (const ring of poly)
        for (const p of ring) {
          const [x, y] = [p[0]!, p[1]!];
          b = b ? [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)] : [x, y, x, y];
        }
  }
  return b;
}

/** The territory's name from the boundaries: the kecamatan's, or the kelurahan's. */
export function territoryName(r: RegionsResponse, region: string): string | null {
  const f = territoryFeatures(r, region)[0];
  if (!f) return null;
  return (isKecamatanCode(region) ? f.properties.kecamatanName : f.properties.name) ?? null;
}
