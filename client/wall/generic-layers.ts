/**
 * The generic map layers of issue 17: `metric-layer` and `event-layer` draw ANY catalog code, so a metric an
 * admin created yesterday goes on a wall scene without code. Nothing here knows a demo metric: the rows come
 * from the live store's series (position, registered path, region code, newest value) and the catalog entry
 * (unit, thresholds, aggregation) that came with the snapshot.
 *
 * Same style as layers.ts: pure row derivations (table-tested in tests/unit/generic-layers.test.ts), then a
 * builder that turns typed rows into deck.gl layers with stable ids; describeLayers reads them for tests.
 */
import { GeoJsonLayer, PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { alertLevel, type AlertLevel, type Thresholds } from '@shared/catalog';
import { genericLayerId, type EventLayerSpec, type MetricLayerSpec, type PanelAggregation } from '@shared/scenes';
import { alertRgba, rampRgba, type RGBA } from '../lib/alert-colors';
import { isStale } from '../lib/data-age';
import type { MetricState } from '../lib/live-store';
import type { EventKindState } from '../lib/events-store';
import type { RegionsResponse } from '../lib/api/regions';
import { aggregate, aggregationFromCatalog, aggregationOf, type Aggregation } from '../features/kpi';
import { AnchoredHexagonLayer } from './anchored-hexagon-layer';

/** One series of a metric as the generic layers draw it. */
export interface MetricRow {
  /** The series id (stable across updates). */
  id: number;
  entity: string;
  name: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
  path: [number, number][] | null;
  value: number;
  t: number;
  /** Alert level under the metric's thresholds; null for a metric without thresholds. */
  level: AlertLevel | null;
  /** Late beyond the metric's cadence: drawn faded. */
  stale: boolean;
}

/** Every series with a value, newest reading each (pure; clock passed in). */
export function metricRows(state: MetricState | undefined, now: number): MetricRow[] {
  if (!state || state.status === 'forbidden' || !state.metric) return [];
  const th: Thresholds | null = state.metric.thresholds;
  const out: MetricRow[] = [];
  for (const s of state.series.values()) {
    if (s.latestV === null || s.latestT === null || !Number.isFinite(s.latestV)) continue;
    out.push({
      id: s.meta.id,
      entity: s.meta.entity,
      name: s.meta.name ?? null,
      region: s.meta.region,
      // a moving entity's newest position, else where it was registered
      lon: s.lon ?? s.meta.lon,
      lat: s.lat ?? s.meta.lat,
      path: s.meta.path && s.meta.path.length >= 2 ? s.meta.path : null,
      value: s.latestV,
      t: s.latestT,
      level: th ? alertLevel(s.latestV, th) : null,
      stale: isStale(s.latestT, now, state.metric.cadenceS),
    });
  }
  return out;
}

/** A scene's aggregation word, else the catalog's rule for the metric. */
export function layerAggregation(
  spec: { aggregation?: PanelAggregation },
  metric: { unit: string; thresholds: unknown; aggregation?: string | null } | null,
): Aggregation {
  return aggregationFromCatalog(spec.aggregation) ?? (metric ? aggregationOf(metric) : 'mean');
}

/**
 * The region a series counts for: its kelurahan code (4 parts, `33.74.01.1001`), or the kecamatan it sits in
 * (the first 3 parts). A series registered at kecamatan level counts for its kecamatan only; none: null.
 */
export function regionKey(code: string | null, level: 'kelurahan' | 'kecamatan'): string | null {
  if (!code) return null;
  const parts = code.split('.');
  if (level === 'kecamatan') return parts.length >= 3 ? parts.slice(0, 3).join('.') : null;
  return parts.length === 4 ? code : null;
}

export interface RegionValue {
  code: string;
  value: number;
  /** Series that counted. */
  n: number;
  level: AlertLevel | null;
}

/** The aggregate per region of the rows (newest readings), with its alert level under `thresholds`. */
export function regionValues(
  rows: readonly MetricRow[],
  level: 'kelurahan' | 'kecamatan',
  agg: Aggregation,
  thresholds: Thresholds | null,
): Map<string, RegionValue> {
  const groups = new Map<string, MetricRow[]>();
  for (const r of rows) {
    const k = regionKey(r.region, level);
    if (!k) continue;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const out = new Map<string, RegionValue>();
  for (const [code, g] of groups) {
    // `last`: the most recent reading of the region
    const ordered = agg === 'last' ? [...g].sort((a, b) => a.t - b.t) : g;
    const value = aggregate(
      ordered.map((r) => r.value),
      agg,
    );
    if (value === null) continue;
    out.set(code, { code, value, n: g.length, level: thresholds ? alertLevel(value, thresholds) : null });
  }
  return out;
}

/**
 * A value's colour: its alert level where the metric has thresholds (the one colour language of the wall),
 * else its place between the smallest and largest value shown (the ramp of the legend).
 */
export function valueRgba(value: number, level: AlertLevel | null, range: { min: number; max: number }, alpha = 235): RGBA {
  if (level) return alertRgba(level, alpha);
  const span = range.max - range.min;
  return rampRgba(span > 0 ? (value - range.min) / span : 0.5, alpha);
}

/** The smallest and largest of the values (0..1 without any). */
export function rangeOf(values: Iterable<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return min <= max ? { min, max } : { min: 0, max: 1 };
}

/** An open event with a position (the events store keeps only open ones in `located`). */
export interface EventPoint {
  id: string;
  lon: number;
  lat: number;
  status: string;
  category: string | null;
}

export function eventPoints(state: EventKindState | undefined): EventPoint[] {
  if (!state || state.status === 'forbidden') return [];
  const closed = new Set(state.kind?.closedStatuses ?? []);
  const out: EventPoint[] = [];
  for (const e of state.located) {
    if (e.lon === null || e.lat === null || closed.has(e.status)) continue;
    out.push({ id: e.id, lon: e.lon, lat: e.lat, status: e.status, category: e.category });
  }
  return out;
}

/** What one generic layer draws: its spec, and its rows derived from the store. */
export type GenericLayerInput =
  { spec: MetricLayerSpec; rows: MetricRow[]; agg: Aggregation; thresholds: Thresholds | null } | { spec: EventLayerSpec; points: EventPoint[] };

/** The input of a generic layer from the live stores (pure given the store state and clock). */
export function genericInput(
  spec: MetricLayerSpec | EventLayerSpec,
  sources: { metric: (code: string) => MetricState | undefined; events: (code: string) => EventKindState | undefined },
  now: number,
): GenericLayerInput {
  if (spec.type === 'event-layer') return { spec, points: eventPoints(sources.events(spec.kind)) };
  const state = sources.metric(spec.metric);
  const m = state?.metric ?? null;
  return { spec, rows: metricRows(state, now), agg: layerAggregation(spec, m), thresholds: m?.thresholds ?? null };
}

const DARK: RGBA = [11, 18, 32, 230];
/** Open events: one colour that is neither an alert colour nor the density ramp. */
export const EVENT_RGB: [number, number, number] = [56, 189, 248];
const GENERIC_HEX_RADIUS_M = 500;
/** deck.gl's name for each aggregation on the GPU (`last` has none there: the hexagon shows the mean). */
const HEX_AGG: Record<Aggregation, 'SUM' | 'MEAN' | 'MAX' | 'MIN'> = { sum: 'SUM', mean: 'MEAN', max: 'MAX', min: 'MIN', last: 'MEAN' };

type RegionFeature = RegionsResponse['regions']['features'][number];

/**
 * The generic layers in the given order, under the built-in ones (a choropleth is a background). `scale`
 * multiplies pixel sizes as in layers.ts; `hexAnchor` is the city's lattice anchor.
 */
export function buildGenericLayers(
  inputs: readonly GenericLayerInput[],
  regions: RegionsResponse['regions'],
  scale = 1,
  hexAnchor: [number, number] | null = null,
): Layer[] {
  const px = (n: number) => n * scale;
  const layers: Layer[] = [];
  for (const input of inputs) {
    const id = genericLayerId(input.spec);
    if (input.spec.type === 'event-layer') {
      const points = (input as { points: EventPoint[] }).points;
      if (input.spec.style === 'hexagons') {
        layers.push(
          new AnchoredHexagonLayer<EventPoint>({
            id,
            data: points,
            getPosition: (r) => [r.lon, r.lat],
            getColorWeight: 1,
            colorAggregation: 'SUM',
            anchor: hexAnchor,
            radius: GENERIC_HEX_RADIUS_M,
            coverage: 0.9,
            extruded: false,
            opacity: 0.55,
            gpuAggregation: true,
          }),
        );
      } else {
        layers.push(
          new ScatterplotLayer<EventPoint>({
            id,
            data: points,
            getPosition: (r) => [r.lon, r.lat],
            getRadius: px(5),
            radiusUnits: 'pixels',
            getFillColor: [...EVENT_RGB, 220],
            stroked: true,
            getLineColor: DARK,
            getLineWidth: px(1),
            lineWidthUnits: 'pixels',
            updateTriggers: { getRadius: scale, getLineWidth: scale },
          }),
        );
      }
      continue;
    }
    const { spec, rows, agg, thresholds } = input as Extract<GenericLayerInput, { rows: MetricRow[] }>;
    switch (spec.style) {
      case 'points': {
        const data = rows.filter((r): r is MetricRow & { lon: number; lat: number } => r.lon !== null && r.lat !== null);
        const range = rangeOf(data.map((r) => r.value));
        layers.push(
          new ScatterplotLayer<MetricRow & { lon: number; lat: number }>({
            id,
            data,
            getPosition: (r) => [r.lon, r.lat],
            getRadius: (r) => px(r.level === 'siaga' || r.level === 'awas' ? 9 : 6),
            radiusUnits: 'pixels',
            getFillColor: (r) => valueRgba(r.value, r.level, range, r.stale ? 110 : 235),
            stroked: true,
            getLineColor: DARK,
            getLineWidth: px(1),
            lineWidthUnits: 'pixels',
            updateTriggers: { getRadius: scale, getLineWidth: scale, getFillColor: [range.min, range.max] },
          }),
        );
        break;
      }
      case 'lines': {
        const data = rows.filter((r): r is MetricRow & { path: [number, number][] } => r.path !== null);
        const range = rangeOf(data.map((r) => r.value));
        layers.push(
          new PathLayer<MetricRow & { path: [number, number][] }>({
            id,
            data,
            getPath: (r) => r.path,
            getColor: (r) => valueRgba(r.value, r.level, range, r.stale ? 110 : 235),
            getWidth: px(5),
            widthUnits: 'pixels',
            widthMinPixels: 2,
            capRounded: true,
            jointRounded: true,
            updateTriggers: { getWidth: scale, getColor: [range.min, range.max] },
          }),
        );
        break;
      }
      case 'hexagons': {
        const data = rows.filter((r): r is MetricRow & { lon: number; lat: number } => r.lon !== null && r.lat !== null);
        layers.push(
          new AnchoredHexagonLayer<MetricRow & { lon: number; lat: number }>({
            id,
            data,
            getPosition: (r) => [r.lon, r.lat],
            getColorWeight: (r) => r.value,
            colorAggregation: HEX_AGG[agg],
            anchor: hexAnchor,
            radius: GENERIC_HEX_RADIUS_M,
            coverage: 0.9,
            extruded: false,
            opacity: 0.6,
            gpuAggregation: true,
          }),
        );
        break;
      }
      case 'choropleth': {
        const values = regionValues(rows, spec.regionLevel, agg, thresholds);
        const range = rangeOf([...values.values()].map((v) => v.value));
        const keyOf = (f: RegionFeature) => (spec.regionLevel === 'kecamatan' ? f.properties.kecamatanCode : f.properties.code);
        const data = regions.features.filter((f) => {
          const k = keyOf(f);
          return k !== null && values.has(k);
        });
        layers.push(
          new GeoJsonLayer<RegionFeature['properties']>({
            id,
            data: data as never,
            stroked: true,
            filled: true,
            getFillColor: (f) => {
              const v = values.get((spec.regionLevel === 'kecamatan' ? f.properties.kecamatanCode : f.properties.code) ?? '');
              return v ? valueRgba(v.value, v.level, range, 150) : [0, 0, 0, 0];
            },
            getLineColor: [226, 232, 240, 120],
            getLineWidth: px(1),
            lineWidthUnits: 'pixels',
            updateTriggers: { getFillColor: [values], getLineWidth: scale },
          }),
        );
        break;
      }
    }
  }
  return layers;
}
