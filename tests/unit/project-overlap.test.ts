import { describe, expect, it } from 'vitest';
import { createOverlapIndex, findOverlaps, geometryDistanceM, periodRelation, type OverlapProject } from '../../server/projects/overlap';
import { projectSchema } from '../../shared/schemas';
import type { ProjectGeometry } from '../../shared/works';

// A street running east at latitude -6.98 (1e-4 degrees of latitude ≈ 11 m).
const LAT = -6.98;
const street = (dLat = 0, from = 110.4, to = 110.402): ProjectGeometry => ({
  type: 'LineString',
  coordinates: [
    [from, LAT + dLat],
    [(from + to) / 2, LAT + dLat],
    [to, LAT + dLat],
  ],
});
const KEL = '33.74.01.1001';

const road: OverlapProject = {
  id: 'ROAD',
  opd: 'DPUPR',
  region: KEL,
  geometry: street(),
  contractStart: '2026-03-01',
  contractEnd: '2026-03-31',
};
const other = (over: Partial<OverlapProject>): OverlapProject => ({
  id: 'OTHER',
  opd: 'PDAM',
  region: KEL,
  geometry: street(0.0001),
  contractStart: '2026-05-01',
  contractEnd: '2026-05-20',
  ...over,
});

describe('findOverlaps: the dig-once rule (place and time)', () => {
  it.each<[string, Partial<OverlapProject>, null | { rule: string; near?: number; overlapDays: number; gapDays: number }]>([
    ['trench 11 m beside the road, two months after: distance', {}, { rule: 'distance', near: 11, overlapDays: 0, gapDays: 31 }],
    [
      'same street, same weeks: overlap days counted',
      { contractStart: '2026-03-20', contractEnd: '2026-04-10' },
      { rule: 'distance', near: 11, overlapDays: 12, gapDays: 0 },
    ],
    [
      'crossing the road: 0 m',
      {
        geometry: {
          type: 'LineString',
          coordinates: [
            [110.401, LAT - 0.001],
            [110.401, LAT + 0.001],
          ],
        },
      },
      { rule: 'distance', near: 0, overlapDays: 0, gapDays: 31 },
    ],
    [
      'point on a spot 40 m from the line',
      { geometry: { type: 'Point', coordinates: [110.401, LAT + 0.00036] } },
      { rule: 'distance', near: 40, overlapDays: 0, gapDays: 31 },
    ],
    [
      'polygon around the road: 0 m',
      {
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [110.399, LAT - 0.001],
              [110.403, LAT - 0.001],
              [110.403, LAT + 0.001],
              [110.399, LAT + 0.001],
              [110.399, LAT - 0.001],
            ],
          ],
        },
      },
      { rule: 'distance', near: 0, overlapDays: 0, gapDays: 31 },
    ],
    ['60 m away (over the 50 m default): nothing', { geometry: street(0.00054) }, null],
    ['1 km away: nothing', { geometry: street(0.009) }, null],
    ['the same OPD: nothing (its own planning)', { opd: 'DPUPR' }, null],
    [
      'starts 12 months after the road ends: still a conflict',
      { contractStart: '2027-03-31', contractEnd: '2027-04-30' },
      { rule: 'distance', near: 11, overlapDays: 0, gapDays: 365 },
    ],
    ['starts 12 months and a day after: nothing', { contractStart: '2027-04-01', contractEnd: '2027-04-30' }, null],
    ['ended 13 months before the road began: nothing', { contractStart: '2025-01-01', contractEnd: '2025-01-31' }, null],
    [
      'ended a month before the road began: conflict (the road covers a fresh trench)',
      { contractStart: '2026-01-10', contractEnd: '2026-01-31' },
      { rule: 'distance', near: 11, overlapDays: 0, gapDays: 29 },
    ],
    ['no geometry, same kelurahan: same_kelurahan', { geometry: null }, { rule: 'same_kelurahan', overlapDays: 0, gapDays: 31 }],
    ['no geometry, another kelurahan: nothing', { geometry: null, region: '33.74.01.1002' }, null],
    ['no geometry, only a kecamatan code: nothing (too coarse)', { geometry: null, region: '33.74.01' }, null],
    ['both with geometry, same kelurahan but far apart: nothing (geometry decides)', { geometry: street(0.005) }, null],
  ])('%s', (_name, over, expected) => {
    const found = findOverlaps(road, [other(over)]);
    if (expected === null) return void expect(found).toEqual([]);
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect({ rule: f.rule, overlapDays: f.overlapDays, gapDays: f.gapDays, other: f.other.id }).toEqual({
      rule: expected.rule,
      overlapDays: expected.overlapDays,
      gapDays: expected.gapDays,
      other: 'OTHER',
    });
    if (expected.near === undefined) expect(f.distanceM).toBeNull();
    else expect(f.distanceM).toBeCloseTo(expected.near, -0.5);
  });

  it('is symmetric: either project finds the other with the same figures', () => {
    for (const over of [{}, { geometry: null }, { contractStart: '2026-03-20', contractEnd: '2026-04-10' }] as Partial<OverlapProject>[]) {
      const b = other(over);
      const ab = findOverlaps(road, [b]).map(({ rule, distanceM, overlapDays, gapDays }) => ({ rule, distanceM, overlapDays, gapDays }));
      const ba = findOverlaps(b, [road]).map(({ rule, distanceM, overlapDays, gapDays }) => ({ rule, distanceM, overlapDays, gapDays }));
      expect(ab).toEqual(ba);
    }
  });

  it('the distance and window are parameters', () => {
    expect(findOverlaps(road, [other({ geometry: street(0.00054) })], { distanceM: 100, windowMonths: 12 })).toHaveLength(1);
    expect(findOverlaps(road, [other({ contractStart: '2026-05-01' })], { distanceM: 50, windowMonths: 1 })).toEqual([]);
  });

  it('the index finds the same as a scan of every project, nearest first, and never the project itself', () => {
    const many: OverlapProject[] = Array.from({ length: 400 }, (_, i) => ({
      ...other({}),
      id: `P-${i}`,
      opd: i % 3 === 0 ? 'DPUPR' : 'PDAM',
      geometry: street((i % 40) * 0.0001, 110.4 + Math.floor(i / 40) * 0.001, 110.4005 + Math.floor(i / 40) * 0.001),
      region: i % 7 === 0 ? KEL : null,
    }));
    const index = createOverlapIndex([...many, road]);
    const found = index.find(road);
    const scan = many.filter((p) => p.opd !== 'DPUPR').filter((p) => geometryDistanceM(road.geometry!, p.geometry!) <= 50);
    expect(found.map((f) => f.other.id).sort()).toEqual(scan.map((p) => p.id).sort());
    expect(found.map((f) => f.distanceM)).toEqual([...found.map((f) => f.distanceM)].sort((a, b) => a! - b!));
  });
});

describe('periodRelation', () => {
  it.each([
    ['2026-01-01', '2026-01-31', '2026-01-31', '2026-02-10', 1, 0],
    ['2026-01-01', '2026-01-31', '2026-02-01', '2026-02-10', 0, 1],
    ['2026-01-01', '2026-12-31', '2026-03-01', '2026-03-10', 10, 0],
  ])('%s–%s vs %s–%s: %i days overlap, %i days gap', (s1, e1, s2, e2, overlapDays, gapDays) => {
    expect(periodRelation({ contractStart: s1, contractEnd: e1 }, { contractStart: s2, contractEnd: e2 }, 12)).toMatchObject({
      overlapDays,
      gapDays,
      within: true,
    });
  });
});

describe('projectSchema: geometry and work type', () => {
  const base = { id: 'X-1', name: 'Jalan', opd: 'DPUPR', contractValue: 1, contractStart: '2026-01-01', contractEnd: '2026-02-01' };
  it.each<[string, unknown, boolean]>([
    ['a point', { type: 'Point', coordinates: [110.4, -6.98] }, true],
    ['a line', street(), true],
    [
      'a closed polygon',
      {
        type: 'Polygon',
        coordinates: [
          [
            [110.4, -6.98],
            [110.41, -6.98],
            [110.41, -6.97],
            [110.4, -6.98],
          ],
        ],
      },
      true,
    ],
    ['latitude out of range', { type: 'Point', coordinates: [110.4, -96] }, false],
    [
      'longitude out of range',
      {
        type: 'LineString',
        coordinates: [
          [181, 0],
          [0, 0],
        ],
      },
      false,
    ],
    ['a line of one position', { type: 'LineString', coordinates: [[110.4, -6.98]] }, false],
    [
      'an open ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [110.4, -6.98],
            [110.41, -6.98],
            [110.41, -6.97],
            [110.4, -6.97],
          ],
        ],
      },
      false,
    ],
    ['too many vertices', { type: 'LineString', coordinates: Array.from({ length: 2_001 }, (_, i) => [110 + i * 1e-5, -6.98]) }, false],
    ['another geometry type', { type: 'MultiPoint', coordinates: [[110.4, -6.98]] }, false],
  ])('%s', (_name, geometry, ok) => {
    expect(projectSchema.safeParse({ ...base, geometry, workType: 'drainage' }).success).toBe(ok);
  });
  it('work types come from the catalog list', () => {
    expect(projectSchema.safeParse({ ...base, workType: 'road_surface' }).success).toBe(true);
    expect(projectSchema.safeParse({ ...base, workType: 'digging' }).success).toBe(false);
  });
});
