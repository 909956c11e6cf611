/**
 * The citizen map's complaint and warning layers (client/citizen/map-layers.ts): what each public answer turns
 * into on the map, and the gesture hints in the page's language.
 */
import { describe, expect, it } from 'vitest';
import { complaintPlaces, complaintPoints, gestureLocale, roadLines, warnedFillColor, warnedKelurahan } from '../../client/citizen/map-layers';
import { alertCss } from '../../client/lib/alert-colors';
import type { Warnings } from '../../client/citizen/warnings-api';
import { countLabel } from '../../client/lib/api/public-complaints';

const fmt = (n: number) => String(n);

describe('complaint points', () => {
  const places = complaintPlaces([
    { code: '33.74.01.1001', name: 'A', centroid: [110.4, -7], received: { n: 12, suppressed: false } },
    { code: '33.74.01.1002', name: 'B', centroid: [110.5, -7], received: { n: null, suppressed: true, lessThan: 5 } },
    { code: '33.74.01.1003', name: 'C', centroid: [110.6, -7], received: { n: null, suppressed: true } },
    { code: '33.74.01.1004', name: 'D', centroid: [110.7, -7], received: { n: 0, suppressed: false } },
    { code: null, name: null, centroid: null, received: { n: 3, suppressed: false } },
  ]);
  // [case, code, label, size]
  it.each([
    ['a shown count is its number, sized by it', '33.74.01.1001', '12', 12],
    ['a small hidden count says "< 5" and draws as the smallest circle', '33.74.01.1002', '< 5', 1],
    ['a cover ≥ k says "≥ 5" and draws as the smallest circle too (its size tells no more than its label)', '33.74.01.1003', '≥ 5', 1],
  ])('%s', (_case, code, label, size) => {
    const f = complaintPoints(places, 5, fmt).features.find((x) => x.properties.code === code)!;
    expect(f.properties).toEqual({ code, label, size });
  });
  it('drops a kelurahan with none and complaints without a place', () => {
    const codes = complaintPoints(places, 5, fmt).features.map((f) => f.properties.code);
    expect(codes).toEqual(['33.74.01.1001', '33.74.01.1002', '33.74.01.1003']);
  });
  it('writes counts as the tables do', () => {
    expect([countLabel(7, 5, fmt), countLabel({ lessThan: 5 }, 5, fmt), countLabel({ lessThan: null }, 5, fmt)]).toEqual(['7', '< 5', '≥ 5']);
  });
});

describe('warned kelurahan', () => {
  const kel = (code: string | null, level: 'normal' | 'waspada' | 'siaga' | 'awas' | null) => ({ code, name: code, level, t: 0, gauges: [] });
  const w = {
    areas: [
      { code: '33.74.01', name: 'X', level: 'siaga', kelurahan: [kel('33.74.01.1001', 'siaga'), kel('33.74.01.1002', 'normal'), kel(null, 'awas')] },
      { code: '33.74.02', name: 'Y', level: 'awas', kelurahan: [kel('33.74.02.1001', 'awas'), kel('33.74.02.1002', null)] },
    ],
  } as unknown as Warnings;
  it('keeps Waspada and above with their level, nothing else', () => {
    expect([...warnedKelurahan(w)]).toEqual([
      ['33.74.01.1001', 'siaga'],
      ['33.74.02.1001', 'awas'],
    ]);
    expect(warnedKelurahan(null).size).toBe(0);
  });
  it('colours them by level and leaves every other region transparent', () => {
    const expr = warnedFillColor(warnedKelurahan(w)) as unknown[];
    expect(expr[0]).toBe('match');
    expect(expr.slice(2, 6)).toEqual(['33.74.01.1001', expect.stringMatching(/^rgb/), '33.74.02.1001', expect.stringMatching(/^rgb/)]);
    expect(expr.at(-1)).toBe('rgba(0, 0, 0, 0)');
    expect(warnedFillColor(new Map())).toBe('rgba(0, 0, 0, 0)');
  });
});

describe('gesture hints', () => {
  it("fills MapLibre's three cooperative-gesture strings from the page's strings", () => {
    const loc = gestureLocale((key) => `[${key}]`);
    expect(loc).toEqual({
      'CooperativeGesturesHandler.WindowsHelpText': '[pub.gestures.windows]',
      'CooperativeGesturesHandler.MacHelpText': '[pub.gestures.mac]',
      'CooperativeGesturesHandler.MobileHelpText': '[pub.gestures.mobile]',
    });
  });
});

describe('road lines: live segments along the lines their owner registered', () => {
  const path = (x: number): [number, number][] => [
    [x, -7],
    [x + 0.01, -7.01],
  ];
  const lines = [
    { opd: 'DISHUB', entity: 'SEG-1', path: path(110.4) },
    { opd: 'DISHUB', entity: 'SEG-2', path: path(110.5) },
    { opd: 'DLH', entity: 'SEG-3', path: path(110.6) }, // another OPD's line under a segment id
    { opd: 'DISHUB', entity: 'SEG-4', path: [[110.7, -7]] as [number, number][] }, // degenerate
  ];
  const segments = [
    { entity: 'SEG-1', alert: 'siaga' as const },
    { entity: 'SEG-3', alert: 'normal' as const },
    { entity: 'SEG-4', alert: 'normal' as const },
    { entity: 'SEG-9', alert: 'awas' as const }, // no line: left off the map
  ];
  it.each([
    { name: "the owner's lines of the segments with readings, coloured by level", owner: 'DISHUB', want: [['SEG-1', alertCss('siaga')]] },
    { name: "not another OPD's line", owner: 'DLH', want: [['SEG-3', alertCss('normal')]] },
    { name: 'nothing before the catalog names an owner', owner: undefined, want: [] },
  ])('$name', ({ owner, want }) => {
    const fc = roadLines(segments, owner, lines);
    expect(fc.features.map((f) => [f.properties.entity, f.properties.color])).toEqual(want);
    for (const f of fc.features) expect(f.geometry.coordinates).toEqual(lines.find((l) => l.entity === f.properties.entity)!.path);
  });
  it('draws nothing before the lines are read', () => expect(roadLines(segments, 'DISHUB', null).features).toEqual([]));
});
