/**
 * deck.gl layers of the wall map, built fresh from typed rows on every update with stable ids. Each layer's
 * `data` is the array its domain derivation produced, and that array is replaced only when the domain's data
 * changed (see useWallData), so deck.gl re-uploads only the layer that changed. Pure: give it fixtures and it
 * returns layers.
 */
import { ColumnLayer, GeoJsonLayer, PathLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import { COMPLAINT_HEX_RADIUS_M } from '@shared/hexbin';
import { AnchoredHexagonLayer } from './anchored-hexagon-layer';
import type { Layer } from '@deck.gl/core';
import type { MapLayerId } from '@shared/scenes';
import type { MapLayerSummary } from '../lib/test-hooks';
import { alertRgba, rampRgba, type RGBA } from '../lib/alert-colors';
import type { Positioned } from '../features/common';
import type { GateRow, RainRow } from '../features/floods/derive';
import type { SegmentLine, SegmentRow } from '../features/traffic/derive';
import type { ContainerRow, TruckRow } from '../features/sanitation/derive';
import type { ProjectRow } from '../features/projects/derive';
import { spotLabel, type ConflictMap, type ConflictSpot, type ConflictWork } from '../features/projects/conflicts';
import type { ConflictStatus } from '@shared/works';
import type { ComplaintPoint } from '../features/complaints/derive';
import type { Trail } from '../features/sanitation/trails';
import { alertLabel, alertLayers, type AlertMarker } from './alert-layer';
import { incidentLabel, incidentLayers, type IncidentMarker } from './incident-layer';

export interface WallMapData {
  gates: Positioned<GateRow>[];
  rain: Positioned<RainRow>[];
  /** Road segments with a registered line, drawn along the road. */
  roads: SegmentLine[];
  /** Road segments without a line, drawn at their measuring point. */
  segments: Positioned<SegmentRow>[];
  trucks: Positioned<TruckRow>[];
  trails: Trail[];
  containers: Positioned<ContainerRow>[];
  projects: Positioned<ProjectRow>[];
  /** Open complaints with a position, each weighing `n` (1 live; a rewind frame's hexagon centres carry their counts). */
  complaints: ComplaintPoint[];
  /** Where the complaints hexagons are anchored: the city's bounding-box centre (shared/hexbin.ts). */
  hexAnchor?: [number, number] | null;
  /** Dig-once conflicts: the visible sides' works and each conflict's spot (features/projects/conflicts.ts). */
  conflicts?: ConflictMap;
  /** Entities at Siaga/Awas, drawn on every map scene whatever its layers (alert-layer.ts). */
  alerts?: AlertMarker[];
  /** Open incidents with a position (layer `incidents`, incident-layer.ts). */
  incidents?: IncidentMarker[];
}

const WHITE: RGBA = [255, 255, 255, 220];
const DARK: RGBA = [11, 18, 32, 230];

/** Complaint density: dark teal → yellow → violet (6 classes, quantile scale; red is for alerts only). */
export const COMPLAINT_RANGE: [number, number, number][] = [
  [1, 152, 189],
  [73, 227, 206],
  [216, 254, 181],
  [254, 237, 177],
  [222, 150, 150],
  [126, 58, 196],
];

/** Project progress 0..100 %: violet (not started) → yellow → green (done). */
export function progressRgba(p: number | null, alpha = 235): RGBA {
  if (p === null || !Number.isFinite(p)) return [148, 163, 184, alpha];
  return rampRgba(1 - Math.min(100, Math.max(0, p)) / 100, alpha);
}

/** Marker radius (pixels at scale 1) for an absorbed budget in rupiah: area grows with the budget. */
export function budgetRadius(budget: number | null): number {
  if (budget === null || !Number.isFinite(budget) || budget <= 0) return 5;
  return Math.min(28, 5 + Math.sqrt(budget / 1e9) * 3);
}

/** A segment's colour: the congestion ramp (free → jammed, as in the legend), grey without a reading. */
export function segmentRgba(congestion: number | null): RGBA {
  return congestion === null || !Number.isFinite(congestion) ? [148, 163, 184, 180] : rampRgba(congestion, 235);
}

/** A conflict's colour by status: open magenta (not the alert red), coordinated slate. */
export function conflictRgba(status: ConflictStatus, alpha = 255): RGBA {
  return status === 'terbuka' ? [236, 72, 153, alpha] : [148, 163, 184, alpha];
}

/** Words the layers draw that depend on the UI language. */
export interface LayerTexts {
  /** "Sebuah proyek {opd} berkonflik di sini": a conflict's side the viewer may not read. */
  conflictHidden: (opd: string) => string;
  /** "TERLAMBAT": an incident past its target. */
  late?: string;
}
const DEFAULT_TEXTS: LayerTexts = { conflictHidden: (opd) => `Sebuah proyek ${opd} berkonflik di sini`, late: 'TERLAMBAT' };

/** Water-level column height in metres per centimetre of level (columns read at pitch 40–50°). */
const COLUMN_M_PER_CM = 8;

/**
 * The scene's layers in a fixed drawing order (aggregates at the bottom, moving trucks and gauges on top).
 * `scale` multiplies pixel sizes so markers keep their proportion from 1080p to 4K.
 */
export function buildWallLayers(d: WallMapData, wanted: readonly MapLayerId[], scale = 1, texts: LayerTexts = DEFAULT_TEXTS): Layer[] {
  const on = new Set(wanted);
  const px = (n: number) => n * scale;
  const layers: Layer[] = [];
  if (on.has('complaints-heat')) {
    layers.push(
      new HeatmapLayer<ComplaintPoint>({
        id: 'complaints-heat',
        data: d.complaints,
        getPosition: (r) => [r.lon, r.lat],
        getWeight: (r) => r.n,
        radiusPixels: px(40),
        intensity: 1,
        threshold: 0.05,
        colorRange: COMPLAINT_RANGE,
        // a complaint arrives every few seconds; re-aggregating 100,000 points more often buys nothing
        debounceTimeout: 1_000,
      }),
    );
  }
  if (on.has('complaints-hex')) {
    layers.push(
      new AnchoredHexagonLayer<ComplaintPoint>({
        id: 'complaints-hex',
        data: d.complaints,
        getPosition: (r) => [r.lon, r.lat],
        // a hexagon's value is the sum of its points' weights: their count live, the server's counts in a rewind
        getColorWeight: (r) => r.n,
        colorAggregation: 'SUM',
        anchor: d.hexAnchor ?? null,
        radius: COMPLAINT_HEX_RADIUS_M,
        coverage: 0.9,
        extruded: false,
        opacity: 0.55,
        colorRange: COMPLAINT_RANGE,
        gpuAggregation: true,
      }),
    );
  }
  if (on.has('rainfall')) {
    layers.push(
      new ScatterplotLayer<Positioned<RainRow>>({
        id: 'rainfall',
        data: d.rain,
        getPosition: (r) => [r.lon, r.lat],
        getRadius: (r) => Math.min(3000, 500 + r.value * 60),
        radiusUnits: 'meters',
        getFillColor: (r) => [56, 140, 255, Math.min(150, 30 + r.value * 4)],
        stroked: false,
      }),
    );
  }
  if (on.has('traffic')) {
    layers.push(
      new PathLayer<SegmentLine>({
        id: 'traffic-roads',
        data: d.roads,
        getPath: (r) => r.path,
        getColor: (r) => segmentRgba(r.congestion),
        // 5 px at 1080p, 10 px at 4K: a road reads as a road from across the room, neighbours stay apart
        getWidth: px(5),
        widthUnits: 'pixels',
        widthMinPixels: 2,
        capRounded: true,
        jointRounded: true,
        updateTriggers: { getWidth: scale },
      }),
      new ScatterplotLayer<Positioned<SegmentRow>>({
        id: 'traffic-segments',
        data: d.segments,
        getPosition: (r) => [r.lon, r.lat],
        getRadius: px(6),
        radiusUnits: 'pixels',
        getFillColor: (r) => segmentRgba(r.congestion),
        stroked: true,
        getLineColor: DARK,
        getLineWidth: px(1),
        lineWidthUnits: 'pixels',
        updateTriggers: { getRadius: scale, getLineWidth: scale },
      }),
    );
  }
  if (on.has('containers')) {
    layers.push(
      new ScatterplotLayer<Positioned<ContainerRow>>({
        id: 'containers',
        data: d.containers,
        getPosition: (r) => [r.lon, r.lat],
        getRadius: px(3.5),
        radiusUnits: 'pixels',
        getFillColor: (r) => rampRgba(r.value, 220),
        stroked: false,
        updateTriggers: { getRadius: scale },
      }),
    );
  }
  if (on.has('projects')) {
    layers.push(
      new ScatterplotLayer<Positioned<ProjectRow>>({
        id: 'projects',
        data: d.projects,
        getPosition: (r) => [r.lon, r.lat],
        getRadius: (r) => px(budgetRadius(r.budget)),
        radiusUnits: 'pixels',
        getFillColor: (r) => progressRgba(r.progress, 170),
        stroked: true,
        getLineColor: (r) => (r.behind ? [243, 126, 34, 255] : [226, 232, 240, 230]),
        getLineWidth: (r) => px(r.behind ? 3 : 1.5),
        lineWidthUnits: 'pixels',
        updateTriggers: { getRadius: scale, getLineWidth: scale },
      }),
    );
  }
  if (on.has('project-conflicts')) {
    const works = d.conflicts?.works ?? [];
    const spots = d.conflicts?.spots ?? [];
    const label = (s: ConflictSpot) => spotLabel(s, texts.conflictHidden);
    layers.push(
      // both projects' works: a line along the road, a polygon's outline, a point's disc
      new GeoJsonLayer<{ status: ConflictStatus }>({
        id: 'project-conflicts-works',
        data: works.map((w: ConflictWork) => ({ type: 'Feature' as const, geometry: w.geometry, properties: { status: w.status } })),
        stroked: true,
        filled: true,
        getFillColor: (f) => conflictRgba(f.properties.status, 60),
        getLineColor: (f) => conflictRgba(f.properties.status, 235),
        getLineWidth: px(5),
        lineWidthUnits: 'pixels',
        lineCapRounded: true,
        lineJointRounded: true,
        pointType: 'circle',
        getPointRadius: px(7),
        pointRadiusUnits: 'pixels',
        updateTriggers: { getLineWidth: scale, getPointRadius: scale },
      }),
      new ScatterplotLayer<ConflictSpot>({
        id: 'project-conflicts',
        data: spots,
        getPosition: (s) => [s.lon, s.lat],
        getRadius: px(14),
        radiusUnits: 'pixels',
        filled: true,
        getFillColor: (s) => conflictRgba(s.status, 70),
        stroked: true,
        getLineColor: (s) => conflictRgba(s.status),
        getLineWidth: px(4),
        lineWidthUnits: 'pixels',
        updateTriggers: { getRadius: scale, getLineWidth: scale },
      }),
      new TextLayer<ConflictSpot>({
        id: 'project-conflicts-labels',
        data: spots.filter((s) => s.status === 'terbuka').slice(0, 12),
        getPosition: (s) => [s.lon, s.lat],
        getText: label,
        getSize: px(16),
        sizeUnits: 'pixels',
        getColor: [255, 255, 255, 255],
        getPixelOffset: [0, px(22)],
        getTextAnchor: 'middle',
        getAlignmentBaseline: 'top',
        fontWeight: 700,
        fontSettings: { sdf: true },
        outlineWidth: 4,
        outlineColor: DARK,
        characterSet: 'auto',
        updateTriggers: { getSize: scale, getPixelOffset: scale, getText: texts },
      }),
    );
  }
  if (on.has('trucks')) {
    layers.push(
      new PathLayer<Trail>({
        id: 'truck-trails',
        data: d.trails,
        getPath: (r) => r.path,
        getColor: (r) => (r.stale ? [100, 116, 139, 120] : [34, 211, 238, 150]),
        getWidth: px(2.5),
        widthUnits: 'pixels',
        capRounded: true,
        jointRounded: true,
        updateTriggers: { getWidth: scale },
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
        updateTriggers: { getRadius: scale, getLineWidth: scale },
      }),
    );
  }
  if (on.has('flood-columns')) {
    layers.push(
      new ColumnLayer<Positioned<GateRow>>({
        id: 'flood-columns',
        data: d.gates,
        getPosition: (r) => [r.lon, r.lat],
        diskResolution: 16,
        radius: 220,
        extruded: true,
        getElevation: (r) => Math.max(0, r.value) * COLUMN_M_PER_CM,
        getFillColor: (r) => alertRgba(r.alert, r.stale ? 110 : 245),
        getLineColor: WHITE,
        material: false,
      }),
    );
  }
  if (on.has('incidents')) {
    const late = texts.late ?? 'TERLAMBAT';
    layers.push(...incidentLayers(d.incidents ?? [], (m) => incidentLabel(m, late), scale));
  }
  // alert state on every map scene, above everything else
  layers.push(...alertLayers(d.alerts ?? [], alertLabel, scale));
  return layers;
}

/** What the layers hold (rows; vertices of each path), for the browser tests' hook (see lib/test-hooks.ts). */
export function describeLayers(layers: readonly Layer[]): MapLayerSummary[] {
  return layers.map((l) => {
    const data: readonly unknown[] = Array.isArray(l.props.data) ? (l.props.data as unknown[]) : [];
    const out: MapLayerSummary = { id: l.id, type: (l.constructor as { layerName?: string }).layerName ?? 'Layer', items: data.length };
    if (l instanceof TextLayer) {
      const getText = l.props.getText as unknown;
      out.texts = data.map((r, index) =>
        String(typeof getText === 'function' ? (getText as (o: unknown, info: unknown) => unknown)(r, { index, data, target: [] }) : getText),
      );
    }
    if (l instanceof PathLayer) {
      const getPath = l.props.getPath as unknown;
      out.pathVertices = data.map((r, index) => {
        const p = typeof getPath === 'function' ? (getPath as (o: unknown, info: unknown) => unknown)(r, { index, data, target: [] }) : getPath;
        return Array.isArray(p) ? p.length : 0;
      });
    }
    return out;
  });
}
