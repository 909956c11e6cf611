/**
 * The rewind's counted complaints (issue 15): the access filter handed to SQL decides every event id exactly as
 * `entityOfEvent` + the rule do one by one; the hexagon lattice's centres bin into their own hexagons and sit a
 * hexagon apart; the wall's bars from a frame's counts sort and label like the live ones.
 */
import { describe, expect, it } from 'vitest';
import { entityOfEvent, eventEntityRule, type ClassifiedEntity } from '../../server/access/policy';
import { COMPLAINT_HEX_RADIUS_M, hexCentre, hexLattice, hexOf, lngLatToWorld, worldToLngLat } from '../../shared/hexbin';
import { complaintsFromAggregate, complaintsByCategory, complaintsByKecamatan } from '../../client/features/complaints/derive';
import { metresBetween, hexCountNear } from '../../client/features/inspect/target';

const e = (id: string, cls: ClassifiedEntity['class'] = 'rahasia'): ClassifiedEntity => ({ id, class: cls, ownerOpd: 'DPUPR' });

/** What SQL does with the rule: the longest listed id the event id equals or extends before a separator decides. */
function sqlExcludes(rule: ReturnType<typeof eventEntityRule>, eventId: string): boolean {
  if (!rule) return false;
  let best = -1;
  rule.ids.forEach((id, k) => {
    const match = eventId === id || (eventId.length > id.length && eventId.startsWith(id) && '-:/.'.includes(eventId[id.length]!));
    if (match && (best < 0 || id.length > rule.ids[best]!.length)) best = k;
  });
  return best >= 0 && !rule.allowed[best];
}

describe('eventEntityRule: the SQL filter of the rewind counts', () => {
  const entities = [e('PRJ-1'), e('PRJ-1-A', 'publik'), e('PRJ-2', 'terbatas'), e('PRJ-3'), e('PRJ-3-B')];
  const readable = (x: ClassifiedEntity) => x.class !== 'rahasia';
  it.each([
    ['nothing hidden: no filter', [e('PRJ-2', 'terbatas')], null],
    [
      'a hidden project and the readable one that extends it',
      entities,
      { ids: ['PRJ-1', 'PRJ-3', 'PRJ-3-B', 'PRJ-1-A'], allowed: [false, false, false, true] },
    ],
  ] as const)('%s', (_name, list, want) => {
    expect(eventEntityRule(list, readable)).toEqual(want);
  });

  it.each(['C-1', 'PRJ-1', 'PRJ-1-M25', 'PRJ-1:x', 'PRJ-1-A', 'PRJ-1-A-M1', 'PRJ-10', 'PRJ-2-M1', 'PRJ-3/7', 'PRJ-3-B.1', 'PRJ-3B'])(
    'event %s: excluded exactly when entityOfEvent + the rule hide it',
    (id) => {
      const reg = new Map(entities.map((x) => [x.id, x]));
      const owner = entityOfEvent(id, reg);
      expect(sqlExcludes(eventEntityRule(entities, readable), id)).toBe(owner !== undefined && !readable(owner));
    },
  );
});

describe('the complaints hexagon lattice', () => {
  const lattice = hexLattice([110.42, -7.0]);
  it('projects like Web Mercator world units and back', () => {
    const [x, y] = lngLatToWorld(110.42, -7.0);
    const [lon, lat] = worldToLngLat(x, y);
    expect(lon).toBeCloseTo(110.42, 9);
    expect(lat).toBeCloseTo(-7.0, 9);
  });
  it.each([
    [0, 0],
    [3, -2],
    [-5, 7],
    [12, 13],
  ])('hexagon (%i, %i): its centre bins into it; its neighbours are √3 radii away', (i, j) => {
    const [lon, lat] = hexCentre(lattice, i, j);
    expect(hexOf(lattice, lon, lat)).toEqual([i, j]);
    const [lon2, lat2] = hexCentre(lattice, i + 1, j);
    expect(metresBetween(lon, lat, lon2, lat2)).toBeCloseTo(Math.sqrt(3) * COMPLAINT_HEX_RADIUS_M, -1);
  });
  it('the anchor is the centre of hexagon (0, 0)', () => {
    const [lon, lat] = hexCentre(lattice, 0, 0);
    expect(lon).toBeCloseTo(110.42, 5);
    expect(lat).toBeCloseTo(-7.0, 4); // the origin is float32 (as the GPU holds it): ~0.5 m
  });
});

describe('complaintsFromAggregate: the wall from a frame', () => {
  it('reads the same bars the live derivation would', () => {
    const events = [
      { category: 'sampah', region: '33.74.01.1001' },
      { category: 'sampah', region: '33.74.02.1001' },
      { category: null, region: '33.74.01.1002' },
      { category: 'banjir', region: null },
    ].map((x, k) => ({ kind: 'complaint', id: `C${k}`, status: 'received', t: 0, lon: 110.4, lat: -7, ...x }));
    const got = complaintsFromAggregate(
      {
        hexes: [110.4, -7, 3, 110.41, -7.01, 1],
        byCategory: { sampah: 2, '': 1, banjir: 1 },
        byRegion: { '33.74.01.1001': 1, '33.74.02.1001': 1, '33.74.01.1002': 1 },
      },
      5,
    );
    expect(got.byCategory).toEqual(complaintsByCategory(events));
    expect(got.byKecamatan).toEqual(complaintsByKecamatan(events));
    expect(got.points).toEqual([
      { lon: 110.4, lat: -7, category: null, t: 5, n: 3 },
      { lon: 110.41, lat: -7.01, category: null, t: 5, n: 1 },
    ]);
    expect(hexCountNear([110.4, -7, 3, 110.41, -7.01, 1], 110.401, -7.0, 450)).toBe(3);
    expect(hexCountNear([110.4, -7, 3], 110.5, -7.0, 450)).toBe(0);
  });
});
