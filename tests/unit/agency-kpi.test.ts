/** The agency tablet's pure derivations: KPI aggregate and trend, lines, region breakdown, sorting, hash route. */
import { describe, expect, it } from 'vitest';
import {
  aggregate,
  aggregateBuckets,
  aggregateLine,
  aggregationOf,
  formatRoute,
  kecamatanOf,
  parseRoute,
  regionIndex,
  regionRows,
  sortRows,
  sparkPath,
  valueAt,
  withGaps,
  type Route,
  type SeriesLike,
} from '../../client/agency/kpi';
import { agreementsOf } from '../../client/agency/sharing-api';

const MIN = 60_000;
const NOW = Date.parse('2026-11-22T12:00:00Z');

/** A series with readings at `now - ago` minutes. */
function series(points: [agoMin: number, v: number][]): SeriesLike {
  const sorted = [...points].sort((a, b) => b[0] - a[0]);
  const t = sorted.map(([ago]) => NOW - ago * MIN);
  const v = sorted.map(([, x]) => x);
  return { t, v, latestT: t.at(-1) ?? null, latestV: v.at(-1) ?? null };
}

describe('aggregationOf / aggregate', () => {
  it.each([
    [{ unit: 'count', thresholds: null }, 'sum'],
    [{ unit: 'IDR', thresholds: null }, 'sum'],
    [{ unit: 't', thresholds: null }, 'sum'],
    [{ unit: 'veh/h', thresholds: null }, 'sum'],
    [{ unit: 'cm', thresholds: { waspada: 1, siaga: 2, awas: 3 } }, 'max'],
    [{ unit: 'ratio', thresholds: { waspada: 0.6, siaga: 0.75, awas: 0.9 } }, 'max'],
    [{ unit: 'km/h', thresholds: null }, 'mean'],
    [{ unit: '%', thresholds: null }, 'mean'],
  ] as const)('%o → %s', (m, agg) => expect(aggregationOf(m)).toBe(agg));

  it.each([
    [[1, 2, 3], 'sum', 6],
    [[1, 2, 3], 'mean', 2],
    [[1, 5, 3], 'max', 5],
    [[-4, -2], 'max', -2],
    [[], 'sum', null],
    [[NaN, Infinity], 'mean', null],
    [[NaN, 4], 'mean', 4],
  ] as const)('%o %s → %s', (vals, agg, out) => expect(aggregate(vals, agg)).toBe(out));
});

describe('valueAt', () => {
  const s = series([
    [50, 1],
    [30, 2],
    [10, 3],
  ]);
  it.each([
    [60, null],
    [50, 1],
    [40, 1],
    [30, 2],
    [0, 3],
  ])('%i min ago → %s', (ago, v) => expect(valueAt(s, NOW - ago * MIN)).toBe(v));
});

describe('aggregateLine', () => {
  it('carries each series forward within the limit and leaves gaps where none contributes', () => {
    const a = series([
      [10, 1],
      [5, 2],
    ]);
    const b = series([[10, 10]]);
    const line = aggregateLine([a, b], 'sum', NOW - 12 * MIN, NOW, 2 * MIN, 3 * MIN);
    expect(line.map(([t, v]) => [(NOW - t) / MIN, v])).toEqual([
      // 12 min ago: nothing yet (gap, not zero)
      [10, 11],
      [8, 11],
      // 6 min ago both readings are older than 3 min: a gap
      // b never comes back; a does with its 5-min-ago reading
      [4, 2],
      [2, 2],
    ]);
  });

  it('returns nothing for a bad step or range', () => {
    expect(aggregateLine([series([[1, 1]])], 'sum', NOW, NOW - 1, MIN, MIN)).toEqual([]);
    expect(aggregateLine([series([[1, 1]])], 'sum', NOW - MIN, NOW, 0, MIN)).toEqual([]);
  });
});

describe('sparkPath', () => {
  it('scales into the box with the newest point at the right edge and the maximum at the top', () => {
    expect(
      sparkPath(
        [
          [0, 0],
          [5, 10],
          [10, 5],
        ],
        100,
        20,
        0,
      ),
    ).toBe('M0 20 L50 0 L100 10');
    expect(sparkPath([], 100, 20)).toBe('');
    expect(sparkPath([[1, 7]], 100, 20, 2)).toBe('M98 10');
  });
});

describe('aggregateBuckets', () => {
  it('aggregates the series by bucket time, sorted, keeping gaps', () => {
    const out = aggregateBuckets(
      [
        {
          buckets: [
            { t: 2, avg: 4 },
            { t: 1, avg: 2 },
          ],
        },
        {
          buckets: [
            { t: 1, avg: 6 },
            { t: 4, avg: 1 },
          ],
        },
      ],
      'max',
    );
    expect(out).toEqual([
      [1, 6],
      [2, 4],
      [4, 1],
    ]);
  });
});

describe('withGaps', () => {
  it('breaks the line where neighbours are further apart than the step allows', () => {
    expect(
      withGaps(
        [
          [0, 1],
          [60, 2],
          [300, 3],
          [360, 4],
        ],
        90,
      ),
    ).toEqual([
      [0, 1],
      [60, 2],
      [180, null],
      [300, 3],
      [360, 4],
    ]);
    expect(withGaps([], 60)).toEqual([]);
  });
});

describe('regions', () => {
  const idx = regionIndex([
    { properties: { code: '33.74.01.1001', name: 'Miroto', kecamatanCode: '33.74.01', kecamatanName: 'Semarang Tengah' } },
    { properties: { code: '33.74.01.1002', name: 'Brumbungan', kecamatanCode: '33.74.01', kecamatanName: 'Semarang Tengah' } },
    { properties: { code: '33.74.02.1001', name: 'Bandarharjo', kecamatanCode: '33.74.02', kecamatanName: 'Semarang Utara' } },
  ]);
  const latest = [
    { entity: 'PA-1', region: '33.74.01.1001', latestT: 1_000, latestV: 120 },
    { entity: 'PA-2', region: '33.74.01.1002', latestT: 3_000, latestV: 210 },
    { entity: 'PA-3', region: '33.74.02.1001', latestT: 2_000, latestV: 90 },
    { entity: 'PA-4', region: '33.74', latestT: 500, latestV: 300 },
    { entity: 'PA-5', region: '33.74.02.1001', latestT: null, latestV: null },
  ];

  it('knows kecamatan codes', () => {
    expect(kecamatanOf('33.74.01.1001')).toBe('33.74.01');
    expect(kecamatanOf('33.74.01')).toBe('33.74.01');
    expect(kecamatanOf('33.74')).toBeNull();
  });

  it('names the kelurahan and kecamatan of every entity', () => {
    const rows = regionRows(latest, idx, 'entity', 'max');
    expect(rows[0]).toMatchObject({
      entity: 'PA-1',
      kelurahanCode: '33.74.01.1001',
      kelurahanName: 'Miroto',
      kecamatanCode: '33.74.01',
      kecamatanName: 'Semarang Tengah',
      value: 120,
    });
    // the city code is neither a kelurahan nor a kecamatan
    expect(rows[3]).toMatchObject({ entity: 'PA-4', kelurahanCode: null, kecamatanCode: null, value: 300 });
  });

  it('groups by kecamatan with the metric aggregate and the newest time', () => {
    const rows = sortRows(regionRows(latest, idx, 'kecamatan', 'max'), 'region', 'asc');
    expect(rows.map((r) => [r.kecamatanCode, r.kecamatanName, r.value, r.t, r.entities])).toEqual([
      ['33.74.01', 'Semarang Tengah', 210, 3_000, 2],
      ['33.74.02', 'Semarang Utara', 90, 2_000, 2],
      [null, null, 300, 500, 1],
    ]);
    const sums = regionRows(latest, idx, 'kelurahan', 'sum');
    expect(sums.find((r) => r.kelurahanCode === '33.74.02.1001')).toMatchObject({ value: 90, entities: 2, kelurahanName: 'Bandarharjo' });
  });

  it('sorts by value either way with missing values last', () => {
    const rows = regionRows(latest, idx, 'entity', 'max');
    expect(sortRows(rows, 'value', 'desc').map((r) => r.entity)).toEqual(['PA-4', 'PA-2', 'PA-1', 'PA-3', 'PA-5']);
    expect(sortRows(rows, 'value', 'asc').map((r) => r.entity)).toEqual(['PA-3', 'PA-1', 'PA-2', 'PA-4', 'PA-5']);
    expect(sortRows(rows, 'time', 'desc').map((r) => r.entity)).toEqual(['PA-2', 'PA-3', 'PA-1', 'PA-4', 'PA-5']);
    expect(sortRows(rows, 'entity', 'desc').map((r) => r.entity)).toEqual(['PA-5', 'PA-4', 'PA-3', 'PA-2', 'PA-1']);
    // sorting does not touch its input
    expect(rows.map((r) => r.entity)).toEqual(['PA-1', 'PA-2', 'PA-3', 'PA-4', 'PA-5']);
  });
});

describe('route', () => {
  it.each<[string, Route]>([
    ['', { view: 'home' }],
    ['#/', { view: 'home' }],
    ['#token=abc', { view: 'home' }],
    ['#/metrik/water_level', { view: 'metric', code: 'water_level', range: '6h' }],
    ['#/metrik/water_level?rentang=7d', { view: 'metric', code: 'water_level', range: '7d' }],
    ['#/metrik/water_level?rentang=1y', { view: 'metric', code: 'water_level', range: '6h' }],
    ['#/metrik/DROP%20TABLE', { view: 'home' }],
    ['#/metrik/%E0%A4%A', { view: 'home' }],
    ['#/berbagi', { view: 'sharing' }],
    ['#/matriks', { view: 'matrix' }],
    ['#/berbagi/x', { view: 'home' }],
  ])('%s', (hash, route) => expect(parseRoute(hash)).toEqual(route));

  it('round-trips', () => {
    for (const r of [
      { view: 'home' },
      { view: 'metric', code: 'pump_running', range: '24h' },
      { view: 'metric', code: 'rainfall', range: '6h' },
      { view: 'sharing' },
      { view: 'matrix' },
    ] as Route[]) {
      expect(parseRoute(formatRoute(r))).toEqual(r);
    }
  });
});

describe('agreementsOf', () => {
  it('reads agreements with epoch dates and refuses an answer that breaks the contract, naming the field', () => {
    const good = {
      id: 1,
      direction: 'received',
      ownerOpd: 'DLH',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'truck_load',
      purpose: 'flood-response',
      validFrom: '2026-11-01T00:00:00.000Z',
      validUntil: '2027-06-29T17:00:00.000Z',
    };
    expect(agreementsOf({ agreements: [good] })).toEqual([
      { ...good, validFrom: Date.parse(good.validFrom), validUntil: Date.parse(good.validUntil) },
    ]);
    expect(() => agreementsOf({ agreements: [good, { ...good, id: 'x' }] })).toThrow(/agreements\.1\.id/);
    expect(() => agreementsOf({ agreements: [{ ...good, direction: 'sideways' }] })).toThrow(/agreements\.0\.direction/);
    expect(() => agreementsOf({ nope: [] })).toThrow(/unexpected response \(agreements:/);
  });
});
