import { describe, expect, it } from 'vitest';
import type { Metric } from '../../shared/catalog';
import { publicLines, withoutPath, type LineRow } from '../../server/public/lines';

const path: [number, number][] = [
  [110.4, -7],
  [110.41, -7.01],
];
const metrics: Record<string, Pick<Metric, 'class' | 'ownerOpd'>> = {
  traffic_speed: { class: 'publik', ownerOpd: 'DISHUB' },
  congestion_index: { class: 'publik', ownerOpd: 'DISHUB' },
  truck_load: { class: 'terbatas', ownerOpd: 'DLH' },
  project_progress: { class: 'publik', ownerOpd: 'DPUPR' },
};
const row = (metric: string, opd: string, entity: string, p: [number, number][] = path): LineRow => ({ metric, opd, entity, name: null, path: p });
const hidden = new Set(['PRJ-RAHASIA']);
const lines = (rows: LineRow[]) =>
  publicLines(
    rows,
    (c) => metrics[c],
    (_m, e) => !hidden.has(e),
    1000,
  ).lines.map((l) => `${l.opd}/${l.entity}`);

describe('publicLines: what the public may see of the registered lines', () => {
  it.each([
    { name: 'the owner’s line of a publik metric’s entity', rows: [row('traffic_speed', 'DISHUB', 'SEG-1')], want: ['DISHUB/SEG-1'] },
    {
      name: 'once per entity, though two metrics measure it',
      rows: [row('congestion_index', 'DISHUB', 'SEG-1'), row('traffic_speed', 'DISHUB', 'SEG-1')],
      want: ['DISHUB/SEG-1'],
    },
    { name: 'not a line another OPD registered under the same id', rows: [row('traffic_speed', 'DLH', 'SEG-1')], want: [] },
    { name: 'not the entity of a metric that is not publik', rows: [row('truck_load', 'DLH', 'TRUCK-1')], want: [] },
    { name: 'not the entity of an unknown (retired) metric', rows: [row('gone', 'DISHUB', 'SEG-9')], want: [] },
    { name: 'not a series the public may not see (a rahasia project)', rows: [row('project_progress', 'DPUPR', 'PRJ-RAHASIA')], want: [] },
    { name: 'not a degenerate line', rows: [row('traffic_speed', 'DISHUB', 'SEG-2', [[110.4, -7]])], want: [] },
  ])('$name', ({ rows, want }) => expect(lines(rows)).toEqual(want));

  it('keeps name and path, and the time it was read', () => {
    const out = publicLines(
      [{ ...row('traffic_speed', 'DISHUB', 'SEG-1'), name: 'Jl. Uji' }],
      (c) => metrics[c],
      () => true,
      1234,
    );
    expect(out).toEqual({ updatedAt: 1234, lines: [{ opd: 'DISHUB', entity: 'SEG-1', name: 'Jl. Uji', path }] });
  });
});

describe('withoutPath', () => {
  const meta = { id: 1, metric: 'traffic_speed', entity: 'SEG-1', region: null, lon: 110.4, lat: -7, name: 'Jl. Uji' };
  it('drops the line and keeps the rest', () => expect(withoutPath({ ...meta, path })).toEqual(meta));
  it('hands a meta without a line back as it is', () => expect(withoutPath(meta)).toBe(meta));
});
