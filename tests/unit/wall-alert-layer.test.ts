/** Alert state on every map scene: Siaga/Awas entities ringed and labelled above every layer; red is for alerts only. */
import { describe, expect, it } from 'vitest';
import { alertLabel, alertMarkers, MAX_ALERT_LABELS } from '../../client/wall/alert-layer';
import { buildWallLayers, COMPLAINT_RANGE, describeLayers, progressRgba, conflictRgba, type WallMapData } from '../../client/wall/layers';
import { ALERT_RGB, rampRgba } from '../../client/lib/alert-colors';
import { MAP_LAYERS } from '../../shared/scenes';

const gate = (entity: string, alert: 'normal' | 'waspada' | 'siaga' | 'awas', lon: number | null = 110.4, stale = false) => ({
  entity,
  alert,
  lon,
  lat: lon === null ? null : -7,
  stale,
});

describe('alertMarkers', () => {
  it.each([
    [
      'only Siaga and Awas are marked',
      { water_level: [gate('a', 'normal'), gate('b', 'waspada'), gate('c', 'siaga'), gate('d', 'awas')] },
      ['d', 'c'],
    ],
    ['Awas first, then by entity', { water_level: [gate('z', 'siaga'), gate('y', 'awas'), gate('x', 'siaga')] }, ['y', 'x', 'z']],
    ['no position, no marker', { water_level: [gate('p', 'awas', null)] }, []],
    [
      'a road segment without a point is marked at the middle of its line',
      {
        congestion_index: [
          {
            ...gate('seg', 'awas', null),
            path: [
              [1, 1],
              [2, 2],
              [3, 3],
            ] as [number, number][],
          },
        ],
      },
      ['seg'],
    ],
  ] as const)('%s', (_n, groups, entities) => {
    expect(alertMarkers(groups as never).map((m) => m.entity)).toEqual(entities);
  });

  it('keeps a silent gauge marked, flagged stale', () => {
    expect(alertMarkers({ water_level: [gate('PA-UJI', 'awas', 110.4, true)] })[0]).toMatchObject({ entity: 'PA-UJI', level: 'awas', stale: true });
    expect(alertLabel({ key: 'k', entity: 'PA-UJI', level: 'awas', lon: 0, lat: 0, stale: false })).toBe('PA-UJI · AWAS');
  });
});

describe('alert layers on every scene', () => {
  const empty: WallMapData = { gates: [], rain: [], roads: [], segments: [], trucks: [], trails: [], containers: [], projects: [], complaints: [] };
  const alerts = alertMarkers({ water_level: Array.from({ length: 20 }, (_, i) => gate(`g${i}`, 'awas')) });

  it.each([[[]], [['complaints-hex']], [[...MAP_LAYERS]]] as const)('layers %o: rings and labels come last', (wanted) => {
    const d = describeLayers(buildWallLayers({ ...empty, alerts }, wanted));
    expect(d.slice(-2)).toMatchObject([
      { id: 'alert-rings', type: 'ScatterplotLayer', items: 20 },
      { id: 'alert-labels', type: 'TextLayer', items: MAX_ALERT_LABELS },
    ]);
  });
});

describe('no colour ramp ends in the alert red', () => {
  const near = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!) < 80;
  it.each([
    ['congestion / fill ramp', rampRgba(1)],
    ['complaint density', COMPLAINT_RANGE.at(-1)!],
    ['project progress at 0 %', progressRgba(0)],
    ['open dig-once conflict', conflictRgba('terbuka')],
  ])('%s', (_n, rgb) => {
    expect(near(rgb, ALERT_RGB.awas)).toBe(false);
    expect(near(rgb, ALERT_RGB.siaga)).toBe(false);
  });
});
