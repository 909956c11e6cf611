/**
 * Issue 17: the generic wall panels take any catalog code. Their pure parts, table-driven: the aggregation
 * rules (sum/avg/max/min/last, the catalog's own rule first), the rows a metric layer draws, the region a series
 * counts for and the choropleth's values, the colours, open events, the chart lines, the layers built (via
 * describeLayers), the codes a scenes document names and the catalog check with field and line, and the
 * tablet's grouping of a domain this build never heard of. A made-up metric code is used throughout: nothing
 * may switch on a demo metric name.
 */
import { describe, expect, it } from 'vitest';
import type { Metric } from '@shared/catalog';
import type { MetricSnapshot } from '@shared/contract';
import { DEFAULT_SCENES, sceneCodes, sceneReferences, scenesFileSchema, unknownReferences } from '@shared/scenes';
import { LiveStore } from '../../client/lib/live-store';
import { EventsStore } from '../../client/lib/events-store';
import { aggregate, aggregationOf, computeKpi, type Aggregation } from '../../client/features/kpi';
import {
  buildGenericLayers,
  eventPoints,
  genericInput,
  layerAggregation,
  metricRows,
  rangeOf,
  regionKey,
  regionValues,
  valueRgba,
  type MetricRow,
} from '../../client/wall/generic-layers';
import { metricChartLines } from '../../client/wall/metric-lines';
import { describeLayers } from '../../client/wall/layers';
import { groupByDomain } from '../../client/agency/kpi';
import { alertRgba, rampRgba } from '../../client/lib/alert-colors';
import { parseScenes } from '../../server/wall/scenes';

const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 6, 3, 0, 0);

/** A metric no build of the wall knows: DINKES bed occupancy. */
function bedOccupancy(over: Partial<Metric> = {}): Metric {
  return {
    code: 'bed_occupancy',
    domain: 'floods',
    ownerOpd: 'DINKES',
    class: 'terbatas',
    unit: '%',
    nameId: 'Keterisian tempat tidur',
    nameEn: 'Bed occupancy',
    cadenceS: 300,
    thresholds: { waspada: 70, siaga: 85, awas: 95 },
    ...over,
  };
}

interface Hospital {
  id: number;
  entity: string;
  region: string | null;
  lon: number | null;
  lat: number | null;
  v: number;
  t: number;
  path?: [number, number][];
}

const HOSPITALS: Hospital[] = [
  { id: 1, entity: 'RS-A', region: '33.74.01.1001', lon: 110.41, lat: -6.98, v: 60, t: NOW - 2 * MIN },
  { id: 2, entity: 'RS-B', region: '33.74.01.1002', lon: 110.42, lat: -6.99, v: 90, t: NOW - MIN },
  { id: 3, entity: 'RS-C', region: '33.74.02.1001', lon: 110.43, lat: -7.0, v: 97, t: NOW - 30 * MIN },
  // no position, but a path and a region
  {
    id: 4,
    entity: 'RS-D',
    region: '33.74.02.1002',
    lon: null,
    lat: null,
    v: 40,
    t: NOW - 3 * MIN,
    path: [
      [110.4, -6.9],
      [110.5, -6.95],
    ],
  },
];

function store(metric: Metric = bedOccupancy(), rows: Hospital[] = HOSPITALS): LiveStore {
  const s = new LiveStore({}, () => NOW);
  const snap: MetricSnapshot = {
    metric,
    seq: 1,
    series: rows.map((h) => ({
      id: h.id,
      metric: metric.code,
      entity: h.entity,
      region: h.region,
      lon: h.lon,
      lat: h.lat,
      ...(h.path ? { path: h.path } : {}),
      latest: { t: h.t, v: h.v },
      history: [],
    })),
  };
  expect(s.applySnapshot(snap, NOW)).toBe('applied');
  return s;
}

describe('aggregation', () => {
  it.each<[Aggregation, number[], number | null]>([
    ['sum', [1, 2, 3], 6],
    ['mean', [1, 2, 3], 2],
    ['max', [1, 5, 3], 5],
    ['min', [4, 2, 3], 2],
    ['last', [4, 2, 3], 3],
    ['min', [], null],
    ['last', [NaN, 7, NaN], 7],
  ])('%s of %j is %s', (agg, values, expected) => {
    expect(aggregate(values, agg)).toBe(expected);
  });

  it.each<[string, { unit: string; thresholds: unknown; aggregation?: string | null }, Aggregation]>([
    ['the catalog rule wins (avg is mean)', { unit: 'count', thresholds: null, aggregation: 'avg' }, 'mean'],
    ['the catalog rule wins (last)', { unit: '%', thresholds: { waspada: 1 }, aggregation: 'last' }, 'last'],
    ['without a rule: counts are summed', { unit: 'count', thresholds: null }, 'sum'],
    ['without a rule: thresholds show the worst', { unit: '%', thresholds: { waspada: 1 } }, 'max'],
    ['without a rule: anything else is averaged', { unit: 'km/h', thresholds: null }, 'mean'],
    ['an unknown rule is ignored', { unit: 'km/h', thresholds: null, aggregation: 'median' }, 'mean'],
  ])('%s', (_what, m, expected) => {
    expect(aggregationOf(m)).toBe(expected);
  });

  it('a scene panel can ask for another rule; absent, the catalog decides', () => {
    expect(layerAggregation({ aggregation: 'min' }, bedOccupancy())).toBe('min');
    expect(layerAggregation({ aggregation: 'avg' }, bedOccupancy())).toBe('mean');
    expect(layerAggregation({}, bedOccupancy())).toBe('max');
    expect(layerAggregation({}, null)).toBe('mean');
  });

  it.each<[Aggregation, number, string | null, number]>([
    ['max', 97, 'RS-C', NOW - 30 * MIN],
    ['min', 40, 'RS-D', NOW - 3 * MIN],
    ['last', 90, 'RS-B', NOW - MIN],
    ['sum', 287, null, NOW - MIN],
  ])("the KPI by %s shows %s from %s with that reading's age", (agg, value, entity, at) => {
    const s = store();
    const series = [...s.get('bed_occupancy')!.series.values()].map((b) => ({
      t: b.t,
      v: b.v,
      latestT: b.latestT,
      latestV: b.latestV,
      entity: b.meta.entity,
    }));
    const k = computeKpi(series, bedOccupancy(), NOW, 30 * MIN, agg);
    expect([k.value, k.entity, k.at]).toEqual([value, entity, at]);
  });
});

describe('metric layer rows', () => {
  it('one row per series with a value: position, path, region, level by thresholds, stale by cadence', () => {
    const rows = metricRows(store().get('bed_occupancy'), NOW);
    expect(rows.map((r) => [r.entity, r.value, r.level, r.stale, r.lon !== null, r.path !== null])).toEqual([
      ['RS-A', 60, 'normal', false, true, false],
      ['RS-B', 90, 'siaga', false, true, false],
      // 30 min old with a 5-min cadence: late beyond three cadences
      ['RS-C', 97, 'awas', true, true, false],
      ['RS-D', 40, 'normal', false, false, true],
    ]);
  });

  it('no thresholds: no level; forbidden or unknown: no rows', () => {
    expect(metricRows(store(bedOccupancy({ thresholds: null })).get('bed_occupancy'), NOW).every((r) => r.level === null)).toBe(true);
    expect(metricRows(undefined, NOW)).toEqual([]);
    const s = store();
    s.markFailed('bed_occupancy', 'forbidden');
    expect(metricRows(s.get('bed_occupancy'), NOW)).toEqual([]);
  });

  it.each<[string | null, 'kelurahan' | 'kecamatan', string | null]>([
    ['33.74.01.1001', 'kelurahan', '33.74.01.1001'],
    ['33.74.01.1001', 'kecamatan', '33.74.01'],
    ['33.74.01', 'kecamatan', '33.74.01'],
    ['33.74.01', 'kelurahan', null],
    ['33.74', 'kecamatan', null],
    [null, 'kecamatan', null],
  ])('series region %s counts for %s %s', (code, level, expected) => {
    expect(regionKey(code, level)).toBe(expected);
  });

  it('the choropleth aggregates per region with the level of the aggregate', () => {
    const rows = metricRows(store().get('bed_occupancy'), NOW);
    const th = bedOccupancy().thresholds;
    expect([...regionValues(rows, 'kecamatan', 'max', th).values()]).toEqual([
      { code: '33.74.01', value: 90, n: 2, level: 'siaga' },
      { code: '33.74.02', value: 97, n: 2, level: 'awas' },
    ]);
    expect([...regionValues(rows, 'kecamatan', 'mean', null).values()].map((v) => [v.code, v.value, v.level])).toEqual([
      ['33.74.01', 75, null],
      ['33.74.02', 68.5, null],
    ]);
    // `last`: the region's most recent reading
    expect(regionValues(rows, 'kecamatan', 'last', null).get('33.74.02')!.value).toBe(40);
    expect(regionValues(rows, 'kelurahan', 'sum', null).size).toBe(4);
  });

  it('colours: the alert colour where there is a level, else the ramp between the shown extremes', () => {
    const range = rangeOf([10, 20, 30]);
    expect(range).toEqual({ min: 10, max: 30 });
    expect(valueRgba(99, 'awas', range)).toEqual(alertRgba('awas', 235));
    expect(valueRgba(10, null, range)).toEqual(rampRgba(0, 235));
    expect(valueRgba(30, null, range)).toEqual(rampRgba(1, 235));
    expect(valueRgba(5, null, { min: 5, max: 5 })).toEqual(rampRgba(0.5, 235));
    expect(rangeOf([])).toEqual({ min: 0, max: 1 });
  });
});

describe('event layer', () => {
  it('draws the open located events of any kind; closed ones leave', () => {
    const events = new EventsStore({ maxLocatedEvents: 100 });
    events.track('outbreak_report');
    const kind = {
      code: 'outbreak_report',
      domain: 'floods',
      ownerOpd: 'DINKES',
      class: 'terbatas',
      nameId: 'Laporan wabah',
      nameEn: 'Outbreak report',
      statuses: ['dilaporkan', 'ditangani', 'selesai'],
      closedStatuses: ['selesai'],
    };
    const ev = (id: string, status: string, lon: number | null) => ({
      id,
      kind: 'outbreak_report',
      status,
      t: NOW,
      category: null,
      region: null,
      lon,
      lat: lon === null ? null : -6.99,
    });
    events.applySnapshot({
      serverTime: NOW,
      kinds: [
        {
          kind,
          seq: 1,
          countsByStatus: { dilaporkan: 2 },
          recent: [],
          open: [ev('a', 'dilaporkan', 110.4), ev('b', 'ditangani', 110.5), ev('c', 'dilaporkan', null)],
        },
      ],
    } as never);
    expect(
      eventPoints(events.get('outbreak_report'))
        .map((p) => p.id)
        .sort(),
    ).toEqual(['a', 'b']);
    events.applyDelta({ kind: 'outbreak_report', seq: 2, events: [ev('a', 'selesai', 110.4)] } as never);
    expect(eventPoints(events.get('outbreak_report')).map((p) => p.id)).toEqual(['b']);
    expect(eventPoints(undefined)).toEqual([]);
  });
});

describe('metric chart lines', () => {
  function withHistory(): LiveStore {
    const s = new LiveStore({}, () => NOW);
    const metric = bedOccupancy();
    s.applySnapshot(
      {
        metric,
        seq: 1,
        series: [1, 2, 3].map((id) => ({
          id,
          metric: metric.code,
          entity: `RS-${id}`,
          region: null,
          lon: null,
          lat: null,
          latest: { t: NOW, v: id * 10 },
          history: [0, 1, 2].map((k) => ({ t: NOW - (3 - k) * 10 * MIN, avg: id * 10 + k, min: 0, max: 0, last: id * 10 + k })),
        })),
      },
      NOW,
    );
    return s;
  }

  it('one line per series, highest first and bounded', () => {
    const lines = metricChartLines(withHistory().get('bed_occupancy'), {
      from: NOW - 60 * MIN,
      to: NOW,
      mode: 'series',
      agg: 'max',
      stepMs: MIN,
      maxSeries: 2,
    });
    expect(lines.map((l) => l.name)).toEqual(['RS-3', 'RS-2']);
    expect(lines[0]!.data.at(-1)).toEqual([NOW, 30]);
  });

  it('the aggregate line per step, by the rule asked for', () => {
    const [sum] = metricChartLines(withHistory().get('bed_occupancy'), {
      from: NOW - 20 * MIN,
      to: NOW,
      mode: 'aggregate',
      agg: 'sum',
      stepMs: 10 * MIN,
    });
    expect(sum!.data).toEqual([
      [NOW - 20 * MIN, 10 + 1 + 20 + 1 + 30 + 1],
      [NOW - 10 * MIN, 10 + 2 + 20 + 2 + 30 + 2],
      [NOW, 60],
    ]);
    const [min] = metricChartLines(withHistory().get('bed_occupancy'), {
      from: NOW - 10 * MIN,
      to: NOW,
      mode: 'aggregate',
      agg: 'min',
      stepMs: 10 * MIN,
    });
    expect(min!.data).toEqual([
      [NOW - 10 * MIN, 12],
      [NOW, 10],
    ]);
    expect(metricChartLines(undefined, { from: 0, to: 1, mode: 'aggregate', agg: 'sum', stepMs: 1 })).toEqual([]);
  });
});

describe('generic layers built', () => {
  const regions = {
    type: 'FeatureCollection' as const,
    features: ['33.74.01.1001', '33.74.01.1002', '33.74.02.1001', '33.74.03.1001'].map((code) => ({
      type: 'Feature' as const,
      id: code,
      properties: { code, name: code, kecamatanCode: code.slice(0, 8), kecamatanName: null },
      geometry: {
        type: 'Polygon' as const,
        coordinates: [
          [
            [110.4, -7],
            [110.5, -7],
            [110.5, -6.9],
            [110.4, -7],
          ] as [number, number][],
        ],
      },
    })),
  };

  it.each<[string, 'points' | 'lines' | 'hexagons' | 'choropleth', string, number]>([
    ['points: the located series', 'points', 'ScatterplotLayer', 3],
    ['lines: the series with a path', 'lines', 'PathLayer', 1],
    ['hexagons: the located series', 'hexagons', 'AnchoredHexagonLayer', 3],
    // kelurahan polygons of the two kecamatan with readings (33.74.03 has none)
    ['choropleth by kecamatan: the polygons of regions with readings', 'choropleth', 'GeoJsonLayer', 3],
  ])('%s', (_what, style, type, items) => {
    const s = store();
    const input = genericInput(
      { type: 'metric-layer', metric: 'bed_occupancy', style, regionLevel: 'kecamatan' },
      { metric: (c) => s.get(c), events: () => undefined },
      NOW,
    );
    const layers = describeLayers(buildGenericLayers([input], regions));
    expect(layers).toEqual([expect.objectContaining({ id: `metric:bed_occupancy:${style}`, type, items })]);
  });

  it('an unknown code draws an empty layer, never throws', () => {
    const input = genericInput(
      { type: 'metric-layer', metric: 'tidak_ada', style: 'points', regionLevel: 'kelurahan' },
      { metric: () => undefined, events: () => undefined },
      NOW,
    );
    expect((input as { rows: MetricRow[] }).rows).toEqual([]);
    expect(describeLayers(buildGenericLayers([input], regions))).toEqual([expect.objectContaining({ id: 'metric:tidak_ada:points', items: 0 })]);
    const ev = genericInput({ type: 'event-layer', kind: 'tidak_ada', style: 'hexagons' }, { metric: () => undefined, events: () => undefined }, NOW);
    expect(describeLayers(buildGenericLayers([ev], regions))).toEqual([expect.objectContaining({ id: 'events:tidak_ada:hexagons', items: 0 })]);
  });
});

describe('scenes name catalog codes', () => {
  const doc = scenesFileSchema.parse({
    version: 1,
    scenes: [
      {
        id: 'dinkes',
        title: { id: 'Kesehatan', en: 'Health' },
        durationS: 30,
        panels: [
          {
            type: 'map',
            area: { col: 1, row: 1, w: 6, h: 8 },
            layers: [
              'region-codes',
              { type: 'metric-layer', metric: 'bed_occupancy', style: 'choropleth' },
              { type: 'event-layer', kind: 'outbreak_report' },
            ],
          },
          { type: 'metric-kpi', area: { col: 7, row: 1, w: 6, h: 2 }, metrics: ['bed_occupancy', 'water_level'] },
          { type: 'metric-chart', area: { col: 7, row: 3, w: 6, h: 6 }, metric: 'bed_occupancy' },
        ],
      },
    ],
  });

  it('lists every reference with its path, and the codes to subscribe to', () => {
    expect(sceneReferences(doc).map((r) => [r.kind, r.code, r.path.join('.')])).toEqual([
      ['metric', 'bed_occupancy', 'scenes.0.panels.0.layers.1.metric'],
      ['event_kind', 'outbreak_report', 'scenes.0.panels.0.layers.2.kind'],
      ['metric', 'bed_occupancy', 'scenes.0.panels.1.metrics.0'],
      ['metric', 'water_level', 'scenes.0.panels.1.metrics.1'],
      ['metric', 'bed_occupancy', 'scenes.0.panels.2.metric'],
    ]);
    expect(sceneCodes(doc)).toEqual({ metrics: ['bed_occupancy', 'water_level'], eventKinds: ['outbreak_report'] });
    // defaults filled in: a layer without a style draws points, a chart its last hour aggregated
    expect(doc.scenes[0]!.panels[2]).toMatchObject({ windowMin: 60, lines: 'aggregate' });
  });

  it('reports the codes the catalog does not hold', () => {
    const known = { metrics: new Set(['water_level']), eventKinds: new Set<string>() };
    expect(unknownReferences(doc, known).map((u) => `${u.path.join('.')}: ${u.message}`)).toEqual([
      "scenes.0.panels.0.layers.1.metric: no metric 'bed_occupancy' in the catalog",
      "scenes.0.panels.0.layers.2.kind: no event kind 'outbreak_report' in the catalog",
      "scenes.0.panels.1.metrics.0: no metric 'bed_occupancy' in the catalog",
      "scenes.0.panels.2.metric: no metric 'bed_occupancy' in the catalog",
    ]);
    expect(unknownReferences(doc, { metrics: new Set(['water_level', 'bed_occupancy']), eventKinds: new Set(['outbreak_report']) })).toEqual([]);
  });

  it('a scenes file naming an unknown metric is refused with the field and its line', () => {
    const yaml = [
      'version: 1',
      'scenes:',
      '  - id: dinkes',
      '    title: { id: Kesehatan, en: Health }',
      '    durationS: 30',
      '    panels:',
      '      - type: metric-kpi',
      '        area: { col: 1, row: 1, w: 6, h: 2 }',
      '        metrics: [water_level, bed_ocupancy]',
    ].join('\n');
    const known = { metrics: new Set(['water_level', 'bed_occupancy']), eventKinds: new Set<string>() };
    const r = parseScenes(yaml, 'scenes.yaml', known);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/scenes\.0\.panels\.0\.metrics\.1 \(line 9\): no metric 'bed_ocupancy' in the catalog/);
    expect(parseScenes(yaml.replace('bed_ocupancy', 'bed_occupancy'), 'scenes.yaml', known).ok).toBe(true);
  });

  it('the shipped scenes are built mainly from the generic panels', () => {
    const panels = DEFAULT_SCENES.scenes.flatMap((s) => s.panels);
    const generic = panels.filter((p) => p.type === 'metric-kpi' || p.type === 'metric-chart').length;
    const genericLayers = panels.flatMap((p) => (p.type === 'map' ? p.layers.filter((l) => typeof l !== 'string') : [])).length;
    expect(generic).toBeGreaterThanOrEqual(5);
    expect(genericLayers).toBeGreaterThanOrEqual(5);
  });
});

describe('the tablet groups any domain', () => {
  it('known domains in their order, then the others by code: every metric gets a tile', () => {
    const m = (code: string, domain: string) => ({ code, domain });
    const groups = groupByDomain([
      m('bed_occupancy', 'health'),
      m('water_level', 'floods'),
      m('school_attendance', 'education'),
      m('complaints_open', 'complaints'),
    ]);
    expect(groups.map(([d, l]) => [d, l.map((x) => x.code)])).toEqual([
      ['complaints', ['complaints_open']],
      ['floods', ['water_level']],
      ['education', ['school_attendance']],
      ['health', ['bed_occupancy']],
    ]);
  });
});
