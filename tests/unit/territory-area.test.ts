/** The tablet's area of a camat or lurah (issue 17): which polygons are theirs, their bounds and their name. */
import { describe, expect, it } from 'vitest';
import type { RegionFeature, RegionsResponse } from '../../client/lib/api/regions';
import { featuresBBox, isKecamatanCode, territoryFeatures, territoryName } from '../../client/lib/map/territory';

const square = (code: string, kec: string, x: number, y: number, multi = false): RegionFeature => {
  const ring = [
    [x, y],
    [x + 1, y],
    [x + 1, y + 1],
    [x, y + 1],
    [x, y],
  ];
  return {
    type: 'Feature',
    id: code,
    properties: { code, name: `Kel ${code}`, kecamatanCode: kec, kecamatanName: `Kec ${kec}` },
    geometry: multi ? { type: 'MultiPolygon', coordinates: [[ring]] } : { type: 'Polygon', coordinates: [ring] },
  } as unknown as RegionFeature;
};

const city: RegionsResponse = {
  city: { code: '33.74', name: 'Kota Uji', center: [0, 0], bbox: [0, 0, 10, 10] },
  regions: {
    type: 'FeatureCollection',
    features: [square('33.74.01.1001', '33.74.01', 0, 0), square('33.74.01.1002', '33.74.01', 2, 3, true), square('33.74.02.1001', '33.74.02', 8, 8)],
  } as RegionsResponse['regions'],
};

describe('territory on the map', () => {
  it.each([
    ['33.74.01', true],
    ['33.74.01.1001', false],
  ])('%s is a kecamatan code: %s', (code, kec) => {
    expect(isKecamatanCode(code)).toBe(kec);
  });

  it.each([
    ['a kecamatan: all its kelurahan', '33.74.01', ['33.74.01.1001', '33.74.01.1002'], [0, 0, 3, 4], 'Kec 33.74.01'],
    ['a kelurahan: itself only', '33.74.01.1002', ['33.74.01.1002'], [2, 3, 3, 4], 'Kel 33.74.01.1002'],
    ['another kecamatan', '33.74.02', ['33.74.02.1001'], [8, 8, 9, 9], 'Kec 33.74.02'],
    ['a code the boundaries do not hold', '33.74.09', [], null, null],
    ['a kecamatan code is not a kelurahan prefix match', '33.74.0', [], null, null],
  ])('%s', (_, region, codes, bbox, name) => {
    const fs = territoryFeatures(city, region);
    expect(fs.map((f) => f.properties.code)).toEqual(codes);
    expect(featuresBBox(fs)).toEqual(bbox);
    expect(territoryName(city, region)).toBe(name);
  });
});
