/**
 * The wall's layout rules: an empty panel gives its rows to the panel above (collapseEmpty), and a paged list
 * shows whole rows only (rowsThatFit). Every row a case.
 */
import { describe, expect, it } from 'vitest';
import { collapseEmpty, type Area } from '../../client/features/scenes/layout';
import { rowsThatFit } from '../../client/wall/PagedList';
import { nameAndCode, nameFirst } from '../../client/features/common';
import { splitUnit } from '../../client/wall/Kpi';
import { complaintsNear, metresBetween, targetOf } from '../../client/features/inspect/target';

const a = (col: number, row: number, w: number, h: number): Area => ({ col, row, w, h });
const F = 'minmax(0, 1fr)';

describe('collapseEmpty', () => {
  // the shipped floods scene: map left, KPIs, water chart, gates, alerts stacked on the right
  const floods = [a(1, 1, 7, 8), a(8, 1, 5, 2), a(8, 3, 5, 2), a(8, 5, 5, 2), a(8, 7, 5, 2)];
  // the shipped overview: map, feeds across the bottom, KPIs, water chart, alerts, the incident board under the map
  const overview = [a(1, 1, 7, 5), a(1, 8, 12, 1), a(8, 1, 5, 4), a(8, 5, 5, 2), a(8, 7, 5, 1), a(1, 6, 7, 2)];

  it.each([
    ['nothing empty: the scene as written', floods, [], floods, Array(8).fill(F), []],
    [
      'empty alerts: a strip on the last row, the gates panel above grows, the strip row sized to its content',
      floods,
      [4],
      [a(1, 1, 7, 8), a(8, 1, 5, 2), a(8, 3, 5, 2), a(8, 5, 5, 3), a(8, 8, 5, 1)],
      [F, F, F, F, F, F, F, 'auto'],
      [4],
    ],
    [
      'overview: a one-row panel is already a strip; row 7 is shared only with the spanning incident board, so it shrinks to it',
      overview,
      [4],
      overview,
      [F, F, F, F, F, F, 'auto', F],
      [4],
    ],
    [
      'a panel with no neighbour above in the same columns keeps its area (drawn as a strip inside it)',
      [a(1, 1, 6, 8), a(7, 1, 6, 3)],
      [1],
      [a(1, 1, 6, 8), a(7, 1, 6, 3)],
      Array(8).fill(F),
      [],
    ],
    [
      'a row with a one-row panel of its own stays flexible (that panel would be squeezed)',
      [a(1, 1, 6, 7), a(1, 8, 6, 1), a(7, 1, 6, 6), a(7, 7, 6, 2)],
      [3],
      [a(1, 1, 6, 7), a(1, 8, 6, 1), a(7, 1, 6, 7), a(7, 8, 6, 1)],
      Array(8).fill(F),
      [3],
    ],
  ] as const)('%s', (_what, areas, empty, want, rows, collapsed) => {
    const got = collapseEmpty(areas, new Set(empty), 8);
    expect(got.areas).toEqual(want);
    expect(got.rows).toEqual(rows);
    expect(got.collapsed).toEqual(collapsed);
  });

  it('never moves a panel that is not empty, and laying out the result again changes nothing', () => {
    const once = collapseEmpty(floods, new Set([4]), 8);
    const twice = collapseEmpty(once.areas, new Set([4]), 8);
    expect(twice.areas).toEqual(once.areas);
    expect(once.areas.slice(0, 3)).toEqual(floods.slice(0, 3));
  });
});

describe('rowsThatFit', () => {
  it.each([
    [200, 30, 5, 5], // 5 × 30 + 4 × 5 = 170 ≤ 200; 6 rows need 205
    [205, 30, 5, 6],
    [29, 30, 5, 1], // at least one row, even when it does not fit
    [0, 30, 5, 1], // not laid out yet
    [200, 0, 5, 1],
  ])('a %i px box with %i px rows and %i px gaps holds %i rows', (box, row, gap, n) => {
    expect(rowsThatFit(box, row, gap)).toBe(n);
  });
});

describe('names first, codes second', () => {
  it.each([
    [{ entity: 'PA-BANGER', name: 'Rumah Pompa Kali Banger' }, 'Rumah Pompa Kali Banger · PA-BANGER', 'Rumah Pompa Kali Banger'],
    [{ entity: 'PA-UJI', name: null }, 'PA-UJI', 'PA-UJI'],
    [{ entity: 'PA-UJI' }, 'PA-UJI', 'PA-UJI'],
  ])('%j reads "%s"', (row, line, name) => {
    expect(nameAndCode(row)).toBe(line);
    expect(nameFirst(row).name).toBe(name);
  });
});

describe('KPI figure and unit', () => {
  it.each([
    ['38,2 mm/jam', '38,2', 'mm/jam'],
    ['277 cm', '277', 'cm'],
    ['1.234', '1.234', null],
    ['45 %', '45', '%'],
    ['–', '–', null],
    ['192,6 ton', '192,6', 'ton'],
  ])('%s', (value, figure, unit) => {
    expect(splitUnit(value)).toEqual({ figure, unit });
  });
});

describe('what a tap points at', () => {
  it.each([
    [
      'flood-columns',
      { entity: 'PA-BANGER', name: 'Rumah Pompa Kali Banger', lon: 110.4, lat: -6.97 },
      { kind: 'entity', metric: 'water_level', entity: 'PA-BANGER', name: 'Rumah Pompa Kali Banger', lon: 110.4, lat: -6.97 },
    ],
    [
      'traffic-roads',
      { entity: 'SEG-1', lon: null, lat: null },
      { kind: 'entity', metric: 'congestion_index', entity: 'SEG-1', name: null, lon: null, lat: null },
    ],
    [
      'containers',
      { entity: 'TPS-1', name: 'TPS Jangli' },
      { kind: 'entity', metric: 'container_fill', entity: 'TPS-1', name: 'TPS Jangli', lon: null, lat: null },
    ],
    ['trucks', { entity: 'TRUK-1' }, { kind: 'entity', metric: 'truck_load', entity: 'TRUK-1', name: null, lon: null, lat: null }],
    ['projects', { entity: 'PRJ-1' }, { kind: 'entity', metric: 'project_progress', entity: 'PRJ-1', name: null, lon: null, lat: null }],
    ['complaints-hex', { count: 3 }, { kind: 'area', lon: 110.41, lat: -6.98, radiusM: 450 }],
    ['truck-trails', { entity: 'TRUK-1' }, null],
    ['flood-columns', null, null],
  ] as const)('%s', (layer, object, want) => {
    expect(targetOf(layer, object, [110.41, -6.98])).toEqual(want);
  });

  it('counts the open complaints within the radius, by category', () => {
    const e = (id: string, lon: number, lat: number, category: string) => ({
      kind: 'complaint',
      id,
      status: 'received',
      t: 0,
      category,
      region: null,
      lon,
      lat,
    });
    const near = complaintsNear(
      [e('a', 110.41, -6.98, 'sampah'), e('b', 110.412, -6.98, 'sampah'), e('c', 110.41, -6.981, 'banjir'), e('d', 110.5, -6.98, 'sampah')],
      110.41,
      -6.98,
      450,
    );
    expect(near).toEqual({
      n: 3,
      byCategory: [
        { category: 'sampah', n: 2 },
        { category: 'banjir', n: 1 },
      ],
    });
    expect(Math.round(metresBetween(110.41, -6.98, 110.42, -6.98))).toBe(1104);
  });
});
