/**
 * The wall's dig-once conflict layer (issue 20), pure: which works and spots a conflict list draws at a moment —
 * a hidden side (rahasia, terbatas not shared) without geometry or name, named only by its OPD; a conflict not yet
 * detected at the moment left out; its status as it stood then — and the deck.gl layers built from them.
 */
import { describe, expect, it } from 'vitest';
import { conflictMap, spotLabel, statusAt, type ConflictRecord } from '../../client/features/projects/conflicts';
import { buildWallLayers, conflictRgba, describeLayers, type WallMapData } from '../../client/wall/layers';
import { alertRgba } from '../../client/lib/alert-colors';

const T = Date.parse('2026-12-01T00:00:00Z');
const line = {
  type: 'LineString' as const,
  coordinates: [
    [110.46, -6.95],
    [110.47, -6.95],
  ] as [number, number][],
};
const side = (over: Partial<ConflictRecord['a']> = {}): ConflictRecord['a'] => ({
  hidden: false,
  id: 'PRJ-A',
  name: 'Peningkatan Jalan Kaligawe',
  opd: 'DPUPR',
  opdName: 'Dinas PUPR',
  workType: 'road_surface',
  contractStart: '2026-01-01',
  contractEnd: '2026-06-30',
  geometry: line,
  ...over,
});
const hidden = (opd: string): ConflictRecord['a'] => ({
  hidden: true,
  id: null,
  name: null,
  opd,
  opdName: opd,
  workType: null,
  contractStart: null,
  contractEnd: null,
  geometry: null,
});
const conflict = (over: Partial<ConflictRecord> = {}): ConflictRecord => ({
  id: 1,
  status: 'terbuka',
  rule: 'distance',
  distanceM: 8,
  overlapDays: 0,
  gapDays: 40,
  note: null,
  coordinatedBy: null,
  coordinatedAt: null,
  detectedAt: T,
  lon: 110.465,
  lat: -6.95,
  a: side(),
  b: side({ id: 'PRJ-B', name: 'Saluran Kaligawe', opd: 'BPBD', workType: 'drainage', geometry: { type: 'Point', coordinates: [110.465, -6.9501] } }),
  ...over,
});
const hiddenText = (opd: string) => `Sebuah proyek ${opd} berkonflik di sini`;

describe('conflictMap', () => {
  it.each([
    ['both sides visible: two works, one spot', [conflict()], T + 1, 2, 1],
    ['a hidden side: only the visible works', [conflict({ b: hidden('DLH') })], T + 1, 1, 1],
    ['both hidden and no spot: nothing', [conflict({ a: hidden('DLH'), b: hidden('DISKOMINFO'), lon: null, lat: null })], T + 1, 0, 0],
    ['not yet detected at the moment: nothing', [conflict()], T - 1, 0, 0],
  ] as const)('%s', (_name, list, at, works, spots) => {
    const m = conflictMap(list, at);
    expect(m.works).toHaveLength(works);
    expect(m.spots).toHaveLength(spots);
  });

  it('labels a hidden side only by its OPD', () => {
    const [spot] = conflictMap([conflict({ b: hidden('DLH') })], T + 1).spots;
    expect(spotLabel(spot!, hiddenText)).toBe('Peningkatan Jalan Kaligawe (DPUPR)\n↔ Sebuah proyek DLH berkonflik di sini');
  });

  it.each([
    ['open', 'terbuka', null, T + 10, 'terbuka'],
    ['coordinated before the moment', 'dikoordinasikan', T + 5, T + 10, 'dikoordinasikan'],
    ['coordinated after the moment: open then', 'dikoordinasikan', T + 20, T + 10, 'terbuka'],
  ] as const)('status at a moment: %s', (_name, status, coordinatedAt, at, want) => {
    expect(statusAt({ status, coordinatedAt }, at)).toBe(want);
  });

  it('draws open conflicts over coordinated ones', () => {
    const m = conflictMap([conflict({ id: 1 }), conflict({ id: 2, status: 'dikoordinasikan', coordinatedAt: T })], T + 1);
    expect(m.spots.map((s) => [s.conflict, s.status])).toEqual([
      [2, 'dikoordinasikan'],
      [1, 'terbuka'],
    ]);
  });
});

describe('the project-conflicts layers', () => {
  const empty: WallMapData = { gates: [], rain: [], roads: [], segments: [], trucks: [], trails: [], containers: [], projects: [], complaints: [] };
  it('draws the works, the spots and the labels of open conflicts, in no alert red', () => {
    const conflicts = conflictMap([conflict(), conflict({ id: 2, b: hidden('DLH'), status: 'dikoordinasikan', coordinatedAt: T })], T + 1);
    const layers = describeLayers(buildWallLayers({ ...empty, conflicts }, ['project-conflicts'], 1, { conflictHidden: hiddenText }));
    expect(layers.map((l) => [l.id, l.items])).toEqual([
      ['project-conflicts-works', 3],
      ['project-conflicts', 2],
      ['project-conflicts-labels', 1],
      ['alert-rings', 0],
      ['alert-labels', 0],
    ]);
    expect(layers.find((l) => l.id === 'project-conflicts-labels')!.texts).toEqual(['Peningkatan Jalan Kaligawe (DPUPR)\n↔ Saluran Kaligawe (BPBD)']);
    for (const level of ['siaga', 'awas'] as const) {
      for (const status of ['terbuka', 'dikoordinasikan'] as const)
        expect(conflictRgba(status).slice(0, 3)).not.toEqual(alertRgba(level).slice(0, 3));
    }
  });
  it('is not drawn on a scene without the layer', () => {
    const layers = describeLayers(buildWallLayers({ ...empty, conflicts: conflictMap([conflict()], T + 1) }, ['projects']));
    expect(layers.some((l) => l.id.startsWith('project-conflicts'))).toBe(false);
  });
});
