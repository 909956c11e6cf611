/**
 * deck.gl layers of the wall map, built fresh from typed rows on every update (stable ids, new data
 * arrays, no mutation). Pure: give it fixtures and it returns layers.
 */
import { ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { ALERT_LEVELS } from '@shared/catalog';
import { alertRgba, rampRgba, type RGBA } from '../lib/alert-colors';
import type { Positioned } from '../features/common';
import type { GateRow, RainRow } from '../features/floods/derive';
import type { SegmentRow } from '../features/traffic/derive';
import type { ContainerRow, TruckRow } from '../features/sanitation/derive';
import type { ProjectRow } from '../features/projects/derive';

export interface WallMapData {
  gates: Positioned<GateRow>[];
  rain: Positioned<RainRow>[];
  segments: Positioned<SegmentRow>[];
  trucks: Positioned<TruckRow>[];
  containers: Positioned<ContainerRow>[];
  projects: Positioned<ProjectRow>[];
}

export const EMPTY_MAP_DATA: WallMapData = { gates: [], rain: [], segments: [], trucks: [], containers: [], projects: [] };

const WHITE: RGBA = [255, 255, 255, 220];
const DARK: RGBA = [11, 18, 32, 230];

/** `scale` multiplies pixel sizes so markers keep their proportion from 1080p to 4K. */
export function buildWallLayers(d: WallMapData, scale = 1): Layer[] {
  const px = (n: number) => n * scale;
  return [
    new ScatterplotLayer<Positioned<RainRow>>({
      id: 'rainfall',
      data: d.rain,
      getPosition: (r) => [r.lon, r.lat],
      getRadius: (r) => Math.min(3000, 500 + r.value * 60),
      radiusUnits: 'meters',
      getFillColor: (r) => [56, 140, 255, Math.min(150, 30 + r.value * 4)],
      stroked: false,
    }),
    new ScatterplotLayer<Positioned<SegmentRow>>({
      id: 'traffic-segments',
      data: d.segments,
      getPosition: (r) => [r.lon, r.lat],
      getRadius: px(5),
      radiusUnits: 'pixels',
      getFillColor: (r) => (r.congestion === null ? [148, 163, 184, 180] : rampRgba(r.congestion, 230)),
      stroked: true,
      getLineColor: DARK,
      getLineWidth: px(1),
      lineWidthUnits: 'pixels',
    }),
    new ScatterplotLayer<Positioned<ContainerRow>>({
      id: 'containers',
      data: d.containers,
      getPosition: (r) => [r.lon, r.lat],
      getRadius: px(3.5),
      radiusUnits: 'pixels',
      getFillColor: (r) => rampRgba(r.value, 220),
      stroked: false,
    }),
    new ScatterplotLayer<Positioned<ProjectRow>>({
      id: 'projects',
      data: d.projects,
      getPosition: (r) => [r.lon, r.lat],
      getRadius: px(8),
      radiusUnits: 'pixels',
      filled: true,
      getFillColor: [168, 85, 247, 70],
      stroked: true,
      getLineColor: (r) => (r.behind ? [243, 126, 34, 255] : [168, 85, 247, 255]),
      getLineWidth: px(2.5),
      lineWidthUnits: 'pixels',
    }),
    new ScatterplotLayer<Positioned<TruckRow>>({
      id: 'trucks',
      data: d.trucks,
      getPosition: (r) => [r.lon, r.lat],
      getRadius: px(4.5),
      radiusUnits: 'pixels',
      getFillColor: (r) => (r.stale ? [100, 116, 139, 200] : [34, 211, 238, 255]),
      stroked: true,
      getLineColor: DARK,
      getLineWidth: px(1),
      lineWidthUnits: 'pixels',
    }),
    new ScatterplotLayer<Positioned<GateRow>>({
      id: 'water-gates',
      data: d.gates,
      getPosition: (r) => [r.lon, r.lat],
      getRadius: (r) => px(7 + ALERT_LEVELS.indexOf(r.alert) * 3),
      radiusUnits: 'pixels',
      getFillColor: (r) => alertRgba(r.alert, r.stale ? 110 : 255),
      stroked: true,
      getLineColor: WHITE,
      getLineWidth: px(2),
      lineWidthUnits: 'pixels',
    }),
  ];
}
