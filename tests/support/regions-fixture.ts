/**
 * A small, valid boundaries file for a kota built from real Kemendagri codes (idn-area-data): kelurahan as
 * squares on a grid near Semarang, each kecamatan the square around its kelurahan. Tests corrupt one feature
 * of it to see the import name that feature.
 */
import type { Feature, Polygon } from 'geojson';

export type RegionFeature = Feature<Polygon, Record<string, unknown>>;

/** A closed square ring, counter-clockwise, `size` degrees wide with its south-west corner at (lon, lat). */
export const square = (lon: number, lat: number, size: number): [number, number][] => [
  [lon, lat],
  [lon + size, lat],
  [lon + size, lat + size],
  [lon, lat + size],
  [lon, lat],
];

/** Kecamatan 33.74.01 (Semarang Tengah) with kelurahan 1001–1003 and 33.74.02 (Semarang Utara) with 1001–1002. */
export const SEMARANG_FIXTURE = {
  '33.74.01': ['33.74.01.1001', '33.74.01.1002', '33.74.01.1003'],
  '33.74.02': ['33.74.02.1001', '33.74.02.1002'],
} as const;

export function regionsFixture(kecamatan: Record<string, readonly string[]> = SEMARANG_FIXTURE): {
  type: 'FeatureCollection';
  features: RegionFeature[];
} {
  const features: RegionFeature[] = [];
  const size = 0.01;
  Object.entries(kecamatan).forEach(([kec, kels], row) => {
    const lat = -7.0 + row * size;
    const lon0 = 110.4;
    features.push({
      type: 'Feature',
      properties: { kode: kec, nama: `Kec ${kec}` },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [lon0, lat],
            [lon0 + size * kels.length, lat],
            [lon0 + size * kels.length, lat + size],
            [lon0, lat + size],
            [lon0, lat],
          ],
        ],
      },
    });
    kels.forEach((kel, i) => {
      features.push({
        type: 'Feature',
        properties: { kode: kel, nama: `Kel ${kel}` },
        geometry: { type: 'Polygon', coordinates: [square(lon0 + i * size, lat, size)] },
      });
    });
  });
  return { type: 'FeatureCollection', features };
}
