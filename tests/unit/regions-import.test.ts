import { describe, expect, it } from 'vitest';
import { geometryProblem, labelPoint, normaliseCode, planImport, simplifyForDisplay, type ReferenceArea } from '../../server/regions/import';
import { regionsFixture, square } from '../support/regions-fixture';

/** A reference list with just the fixture's codes (the real one is idn-area-data; the rule is the same). */
const REF: ReferenceArea = {
  provinces: new Map([['33', 'Jawa Tengah']]),
  regencies: new Map([
    ['33.74', 'Kota Semarang'],
    ['33.22', 'Kabupaten Semarang'],
  ]),
  districts: new Map([
    ['33.74.01', 'Semarang Tengah'],
    ['33.74.02', 'Semarang Utara'],
    ['33.22.01', 'Getasan'],
  ]),
  villages: new Map([
    ['33.74.01.1001', 'Miroto'],
    ['33.74.01.1002', 'Brumbungan'],
    ['33.74.01.1003', 'Jagalan'],
    ['33.74.02.1001', 'Bandarharjo'],
    ['33.74.02.1002', 'Bulu Lor'],
    ['33.22.01.2001', 'Kopeng'],
  ]),
};

describe('normaliseCode', () => {
  it.each([
    ['33.74.01.1001', '33.74.01.1001'],
    ['3374011001', '33.74.01.1001'],
    [3374011001, '33.74.01.1001'],
    ['337401', '33.74.01'],
    [' 33.74.01 ', '33.74.01'],
    ['3374010', null], // BPS kecamatan (7 digits)
    ['33.74', null], // a kota is not imported as a feature
    ['', null],
    [null, null],
  ] as const)('%s → %s', (raw, code) => expect(normaliseCode(raw)).toBe(code));
});

describe('geometryProblem', () => {
  const sq = square(110.4, -7, 0.01);
  it.each([
    ['a closed square', { type: 'Polygon', coordinates: [sq] }, null],
    ['a MultiPolygon of two squares', { type: 'MultiPolygon', coordinates: [[sq], [square(110.5, -7, 0.01)]] }, null],
    ['no geometry', null, 'no geometry'],
    ['a point', { type: 'Point', coordinates: [110, -7] }, 'a Point geometry'],
    ['an open ring', { type: 'Polygon', coordinates: [sq.slice(0, 4)] }, 'not closed'],
    ['a ring of three positions', { type: 'Polygon', coordinates: [[sq[0], sq[1], sq[0]]] }, 'at least 4'],
    ['projected metres', { type: 'Polygon', coordinates: [square(430000, 9225000, 100)] }, 'outside WGS84'],
    [
      'a bow tie',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      },
      'intersects itself',
    ],
    [
      'a position that is no number',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 'x'],
            [1, 1],
            [0, 0],
          ],
        ],
      },
      'not [lon, lat]',
    ],
  ])('%s', (_name, g, problem) => {
    const p = geometryProblem(g);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toContain(problem);
  });
});

describe('planImport', () => {
  it('a valid file: kecamatan and kelurahan, the kota and its province, label points inside', () => {
    const r = planImport(regionsFixture(), REF);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.city).toMatchObject({ code: '33.74', name: 'Kota Semarang', level: 'kota' });
    expect(r.plan.province).toEqual({ code: '33', name: 'Jawa Tengah' });
    expect(r.plan.regions.map((x) => [x.code, x.level, x.parent])).toEqual([
      ['33.74.01', 'kecamatan', '33.74'],
      ['33.74.01.1001', 'kelurahan', '33.74.01'],
      ['33.74.01.1002', 'kelurahan', '33.74.01'],
      ['33.74.01.1003', 'kelurahan', '33.74.01'],
      ['33.74.02', 'kecamatan', '33.74'],
      ['33.74.02.1001', 'kelurahan', '33.74.02'],
      ['33.74.02.1002', 'kelurahan', '33.74.02'],
    ]);
    expect(r.plan.regions[1]!.centroid![0]).toBeCloseTo(110.405, 6);
    // planning again gives the same plan (pure)
    expect(planImport(regionsFixture(), REF)).toEqual(r);
  });

  it('kelurahan only: their kecamatan come from the reference list; a desa code (2xxx) is a desa', () => {
    const fc = regionsFixture({ '33.22.01': ['33.22.01.2001'] });
    fc.features = fc.features.filter((f) => String(f.properties.kode).length > 8);
    const r = planImport(fc, REF);
    expect(r.ok && r.plan.regions.map((x) => [x.code, x.name, x.level])).toEqual([
      ['33.22.01', 'Getasan', 'kecamatan'],
      ['33.22.01.2001', 'Kel 33.22.01.2001', 'desa'],
    ]);
    expect(r.ok && r.plan.city.level).toBe('kabupaten');
  });

  const broken = (edit: (fc: ReturnType<typeof regionsFixture>) => void) => {
    const fc = regionsFixture();
    edit(fc);
    return fc;
  };
  it.each([
    [
      'an unknown code',
      broken((fc) => (fc.features[2]!.properties.kode = '33.74.01.9999')),
      2,
      'not a kelurahan/desa in the Kemendagri reference list',
    ],
    ['no code attribute', broken((fc) => delete fc.features[1]!.properties.kode), 1, 'no Kemendagri code attribute'],
    ['a BPS code', broken((fc) => (fc.features[1]!.properties.kode = '3374010')), 1, 'looks like a BPS code'],
    ['another kota', broken((fc) => (fc.features[5]!.properties.kode = '33.22.01.2001')), 5, 'one import is one kota'],
    ['a code twice', broken((fc) => (fc.features[2]!.properties.kode = '33.74.01.1001')), 2, 'appears twice'],
    [
      'a kecamatan attribute that disagrees',
      broken((fc) => (fc.features[1]!.properties.kd_kec = '33.74.02')),
      1,
      'its kd_kec says kecamatan 33.74.02, but its code 33.74.01.1001 is in kecamatan 33.74.01',
    ],
    ['an open ring', broken((fc) => fc.features[3]!.geometry.coordinates[0]!.pop()), 3, 'not closed'],
  ])('%s is refused naming the feature', (_name, fc, index, reason) => {
    const r = planImport(fc, REF);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.index).toBe(index);
    expect(r.problems[0]!.reason).toContain(reason);
  });

  it('every problem is listed, not only the first', () => {
    const fc = broken((f) => {
      f.features[1]!.properties.kode = '33.74.01.9998';
      f.features[2]!.properties.kode = '33.74.01.9999';
    });
    const r = planImport(fc, REF);
    expect(!r.ok && r.problems.map((p) => p.index)).toEqual([1, 2]);
  });

  it.each([
    ['not a FeatureCollection', { type: 'Feature' }, 'not a GeoJSON FeatureCollection'],
    ['empty', { type: 'FeatureCollection', features: [] }, 'no features'],
    [
      'kecamatan only',
      broken((fc) => (fc.features = fc.features.filter((f) => String(f.properties.kode).length === 8))),
      'no kelurahan/desa polygons',
    ],
  ])('a file %s is refused', (_name, fc, reason) => {
    const r = planImport(fc, REF);
    expect(!r.ok && r.problems[0]!.reason).toContain(reason);
  });

  it('a custom code attribute (--code-prop)', () => {
    const fc = broken((f) => f.features.forEach((x) => (x.properties = { ID_WIL: String(x.properties.kode).replaceAll('.', '') })));
    expect(planImport(fc, REF).ok).toBe(false);
    expect(planImport(fc, REF, { codeProp: 'id_wil' }).ok).toBe(true);
  });
});

describe('display simplification and label points', () => {
  it('drops vertices within the tolerance and keeps a valid polygon; simplifying again changes nothing', () => {
    // a square whose edges carry vertices 1 m off the straight line
    const ring: [number, number][] = [];
    for (let i = 0; i <= 100; i++) ring.push([110.4 + i * 0.0001, -7 + (i % 2) * 0.00001]);
    ring.push([110.41, -6.99], [110.4, -6.99], [110.4, -7]);
    const g = { type: 'Polygon' as const, coordinates: [ring] };
    const s = simplifyForDisplay(g);
    expect(s.type === 'Polygon' && s.coordinates[0]!.length).toBeLessThan(10);
    expect(geometryProblem(s)).toBeNull();
    expect(simplifyForDisplay(s)).toEqual(s);
  });

  it('a crescent gets a label point on its surface, not at its hollow centre of mass', () => {
    const c = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [3, 0],
          [3, 3],
          [0, 3],
          [0, 2.5],
          [2.5, 2.5],
          [2.5, 0.5],
          [0, 0.5],
          [0, 0],
        ] as [number, number][],
      ],
    };
    const [x, y] = labelPoint(c);
    const insideBand = y <= 0.5 || y >= 2.5 || x >= 2.5;
    expect(insideBand).toBe(true);
  });
});
