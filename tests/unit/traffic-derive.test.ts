/**
 * Traffic on the wall: segment rows carry the line their series metadata brings, the live store keeps that
 * line (snapshot or a new series in a delta), the map split puts segments with a line on a PathLayer and the
 * rest on the point markers, and the layers are built with pixel widths that scale with the wall.
 */
import { describe, expect, it } from 'vitest';
import { PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Metric, SeriesMeta } from '@shared/catalog';
import type { MetricSnapshot } from '@shared/contract';
import { LiveStore, type MetricState, type SeriesBuffer } from '../../client/lib/live-store';
import { segmentRows, segmentsForMap, type SegmentLine } from '../../client/features/traffic/derive';
import { buildWallLayers, describeLayers, segmentRgba, type WallMapData } from '../../client/wall/layers';

const T = Date.UTC(2026, 10, 22, 10, 0, 0);
const LINE_A: [number, number][] = [
  [110.41, -6.98],
  [110.415, -6.982],
  [110.42, -6.985],
];
const LINE_C: [number, number][] = [
  [110.43, -6.99],
  [110.44, -6.995],
];

function metric(code: string, thresholds: Metric['thresholds'] = null): Metric {
  return {
    code,
    domain: 'traffic',
    ownerOpd: 'DISHUB',
    class: 'publik',
    unit: code === 'traffic_speed' ? 'km/h' : 'ratio',
    nameId: code,
    nameEn: code,
    cadenceS: 10,
    thresholds,
  };
}

function snap(code: string, series: (SeriesMeta & { v: number })[]): MetricSnapshot {
  return {
    metric: metric(code, code === 'congestion_index' ? { waspada: 0.6, siaga: 0.75, awas: 0.9 } : null),
    seq: 1,
    series: series.map(({ v, ...meta }) => ({ ...meta, latest: { t: T, v }, history: [] })),
  };
}

const meta = (id: number, metricCode: string, entity: string, extra: Partial<SeriesMeta> = {}): SeriesMeta => ({
  id,
  metric: metricCode,
  entity,
  region: null,
  lon: 110.4 + id / 1000,
  lat: -6.98,
  ...extra,
});

/** A metric's state as derive reads it (the store's own bookkeeping is tested through LiveStore below). */
function state(code: string, series: (SeriesMeta & { v: number })[]): MetricState {
  const s = snap(code, series);
  const buffers = new Map<number, SeriesBuffer>(
    s.series.map(({ latest, history: _, ...m }) => [
      m.id,
      { meta: m, t: [latest!.t], v: [latest!.v], latestT: latest!.t, latestV: latest!.v, lon: m.lon, lat: m.lat },
    ]),
  );
  return { code, status: 'live', error: null, metric: s.metric, seq: s.seq, series: buffers, newestT: T };
}

const CONGESTION = [
  { ...meta(1, 'congestion_index', 'SEG-A', { path: LINE_A }), v: 0.8 },
  { ...meta(2, 'congestion_index', 'SEG-B'), v: 0.2 },
  { ...meta(3, 'congestion_index', 'SEG-D', { lon: null, lat: null }), v: 0.5 },
];
const SPEED = [
  { ...meta(11, 'traffic_speed', 'SEG-A'), v: 18 },
  { ...meta(12, 'traffic_speed', 'SEG-B'), v: 42 },
];

/** Segment A has a line (only its congestion series says so), B has none, D has neither a line nor a position. */
const fixtures = () => ({ speed: state('traffic_speed', SPEED), congestion: state('congestion_index', CONGESTION) });

function stores() {
  const store = new LiveStore({}, () => T);
  store.applySnapshot(snap('congestion_index', CONGESTION), T);
  store.applySnapshot(snap('traffic_speed', SPEED), T);
  return store;
}

describe('traffic derive', () => {
  it('carries the registered line of each segment, null without one', () => {
    const { speed, congestion } = fixtures();
    const rows = segmentRows(speed, congestion);
    expect(rows.map((r) => [r.entity, r.path])).toEqual([
      ['SEG-A', LINE_A],
      ['SEG-B', null],
      ['SEG-D', null],
    ]);
    expect(rows[0]).toMatchObject({ speed: 18, congestion: 0.8, alert: 'siaga' });
  });

  it('keeps the line through the live store: snapshot, and a series that arrives in a delta', () => {
    const store = stores();
    expect(segmentRows(store.get('traffic_speed'), store.get('congestion_index')).map((r) => r.path)).toEqual([LINE_A, null, null]);
    const applied = store.applyDelta({
      metric: 'congestion_index',
      seq: 2,
      series: [meta(4, 'congestion_index', 'SEG-C', { path: LINE_C })],
      points: [{ s: 4, t: T + 10_000, v: 0.95 }],
    });
    expect(applied).toBe('applied');
    const rows = segmentRows(store.get('traffic_speed'), store.get('congestion_index'));
    expect(rows.find((r) => r.entity === 'SEG-C')).toMatchObject({ path: LINE_C, congestion: 0.95, alert: 'awas' });
  });

  it('puts segments with a line on the road layer and the rest at their measuring point', () => {
    const { speed, congestion } = fixtures();
    const rows = segmentRows(speed, congestion);
    const oneVertex = { ...rows[1]!, entity: 'SEG-E', path: [[110.5, -6.9]] as [number, number][] };
    const { lines, points } = segmentsForMap([...rows, oneVertex]);
    expect(lines.map((r) => r.entity)).toEqual(['SEG-A']);
    // B has no line; E's "line" has a single vertex; D has neither line nor position and is left off
    expect(points.map((r) => r.entity)).toEqual(['SEG-B', 'SEG-E']);
  });

  it('draws the lines as a PathLayer coloured by congestion, widths in pixels scaled for 4K', () => {
    const { speed, congestion } = fixtures();
    const { lines, points } = segmentsForMap(segmentRows(speed, congestion));
    const data: WallMapData = {
      gates: [],
      rain: [],
      roads: lines,
      segments: points,
      trucks: [],
      trails: [],
      containers: [],
      projects: [],
      complaints: [],
    };
    for (const scale of [1, 2]) {
      const layers = buildWallLayers(data, ['traffic'], scale);
      expect(layers.map((l) => l.id)).toEqual(['traffic-roads', 'traffic-segments', 'alert-rings', 'alert-labels']);
      const roads = layers[0] as PathLayer<SegmentLine>;
      expect(roads).toBeInstanceOf(PathLayer);
      expect(roads.props.data).toBe(lines);
      expect(roads.props).toMatchObject({ widthUnits: 'pixels', getWidth: 5 * scale, capRounded: true, jointRounded: true });
      const getColor = roads.props.getColor as unknown as (r: SegmentLine) => number[];
      expect(getColor(lines[0]!)).toEqual(segmentRgba(0.8));
      expect(layers[1]).toBeInstanceOf(ScatterplotLayer);
      expect(layers[1]!.props.data).toBe(points);
      expect(describeLayers(layers)).toMatchObject([
        { id: 'traffic-roads', type: 'PathLayer', items: 1, pathVertices: [3] },
        { id: 'traffic-segments', type: 'ScatterplotLayer', items: 1 },
        // alert state is drawn on every map scene, on top (none here)
        { id: 'alert-rings', type: 'ScatterplotLayer', items: 0 },
        { id: 'alert-labels', type: 'TextLayer', items: 0 },
      ]);
    }
    // the same congestion colour scale as the legend and the markers: free is not jammed
    expect(segmentRgba(0)).not.toEqual(segmentRgba(1));
    expect(segmentRgba(null)).toEqual([148, 163, 184, 180]);
  });
});
