/**
 * The one KPI rule (client/features/kpi): figure, the age of the entity behind it, alert level, trend over an
 * explicit window, and its wording. Rows are the cases issue 15 names: a new gauge 205 → 277 cm beside old ones
 * at 100 cm, a silent gauge at Awas, shares in percentage points, a daily counter.
 */
import { describe, expect, it } from 'vitest';
import {
  aggregationOf,
  computeKpi,
  isSilentAlert,
  kindOf,
  silentText,
  trendArrow,
  trendText,
  windowText,
  type KpiMetric,
  type SeriesLike,
} from '../../client/features/kpi';

const MIN = 60_000;
/** 06.40 WIB on 22 Nov 2026. */
const NOW = Date.parse('2026-11-22T06:40:00+07:00');
const W = 30 * MIN;

function series(entity: string, points: [agoMin: number, v: number][]): SeriesLike {
  const sorted = [...points].sort((a, b) => b[0] - a[0]);
  const t = sorted.map(([ago]) => NOW - ago * MIN);
  const v = sorted.map(([, x]) => x);
  return { entity, t, v, latestT: t.at(-1) ?? null, latestV: v.at(-1) ?? null };
}

const WATER: KpiMetric = { unit: 'cm', cadenceS: 10, thresholds: { waspada: 150, siaga: 200, awas: 250 } };
const SPEED: KpiMetric = { unit: 'km/h', cadenceS: 10, thresholds: null };
const CONGESTION: KpiMetric = { unit: 'ratio', cadenceS: 10, thresholds: { waspada: 0.6, siaga: 0.75, awas: 0.9 } };
const PROGRESS: KpiMetric = { unit: '%', cadenceS: 3600, thresholds: null };
const LANDFILL: KpiMetric = { unit: 't', cadenceS: 60, thresholds: null, cumulative: true };
const COMPLAINTS: KpiMetric = { unit: 'count', cadenceS: 30, thresholds: null };

describe('kindOf / aggregationOf', () => {
  it.each([
    [WATER, 'level', 'max'],
    [SPEED, 'level', 'mean'],
    [CONGESTION, 'share', 'max'],
    [PROGRESS, 'share', 'mean'],
    [LANDFILL, 'counter', 'sum'],
    [COMPLAINTS, 'level', 'sum'],
  ] as const)('%o → %s, %s', (m, kind, agg) => {
    expect(kindOf(m)).toBe(kind);
    expect(aggregationOf(m)).toBe(agg);
  });
});

describe('computeKpi', () => {
  // issue 15: old gauges at 100 cm, a new gauge posts 205 → 277 cm and the chart jumps 100 → 277
  const gauges = [
    series('PA-1', [
      [40, 100],
      [0.1, 101.9],
    ]),
    series('PA-2', [
      [40, 90],
      [0.1, 92],
    ]),
    series('PA-UJI', [
      [5, 205],
      [0.2, 277],
    ]),
  ];

  it.each([
    // name, series, metric, expected subset
    [
      'worst gauge: value, entity and age are its own',
      gauges,
      WATER,
      { value: 277, entity: 'PA-UJI', at: NOW - 0.2 * MIN, level: 'awas', stale: false },
    ],
    ['previous is what the chart showed 30 min ago (the new gauge had none)', gauges, WATER, { previous: 100 }],
    [
      'a mean has no entity and the newest age',
      [series('a', [[0.5, 20]]), series('b', [[0.1, 30]])],
      SPEED,
      { value: 25, entity: null, at: NOW - 0.1 * MIN },
    ],
    ['a sum adds every latest value', [series('x', [[1, 3]]), series('y', [[1, 4]])], COMPLAINTS, { value: 7, level: null }],
    ['no series, no figure', [], WATER, { value: null, at: null, level: null, stale: false, trend: null, series: 0 }],
  ] as const)('%s', (_name, s, m, want) => {
    expect(computeKpi(s, m, NOW, W)).toMatchObject(want);
  });

  it('words the jump the chart shows: +177 cm in 30 minutes, red (towards the alert)', () => {
    const k = computeKpi(gauges, WATER, NOW, W);
    expect(k.trend).toMatchObject({ dir: 'up', tone: 'worse', delta: 177, windowMs: W });
    expect(trendText(k.trend!, 'cm', k.kind, 'id')).toBe('+177 cm dlm 30 mnt');
    expect(trendText(k.trend!, 'cm', k.kind, 'en')).toBe('+177 cm in 30 min');
  });

  it('a silent gauge at Awas keeps its value, carries its own age and is stale; the fresh ones do not hide it', () => {
    const silent = [
      series('PA-1', [[0.1, 101]]),
      series('PA-UJI', [
        [30, 205],
        [20, 277],
      ]),
    ];
    const k = computeKpi(silent, WATER, NOW, W);
    expect(k).toMatchObject({ value: 277, entity: 'PA-UJI', at: NOW - 20 * MIN, level: 'awas', stale: true, newestT: NOW - 0.1 * MIN });
    expect(isSilentAlert(k)).toBe(true);
    expect(silentText({ entity: k.entity!, t: k.at!, value: k.value!, unit: 'cm' }, NOW, 'id')).toBe(
      'PA-UJI tidak melapor sejak 06.20 WIB · nilai terakhir 277 cm',
    );
    expect(silentText({ entity: 'PA-UJI', t: k.at!, value: 277, unit: 'cm' }, NOW, 'en')).toBe('PA-UJI silent since 06:20 WIB · last value 277 cm');
  });

  it('a silent gauge at Waspada is stale but not a silent alert', () => {
    const k = computeKpi([series('PA-1', [[20, 160]])], WATER, NOW, W);
    expect(k.stale).toBe(true);
    expect(isSilentAlert(k)).toBe(false);
  });

  it.each([
    // metric, then → now, expected dir, tone, wording (id)
    ['share (ratio) in percentage points, never a relative %', CONGESTION, 0.5, 0.545, 'up', 'worse', '+4,5 pp dlm 30 mnt'],
    ['share (%) in percentage points', PROGRESS, 40, 42.5, 'up', 'neutral', '+2,5 pp dlm 30 mnt'],
    ['share below half a point is flat', CONGESTION, 0.5, 0.504, 'flat', 'neutral', 'stabil dlm 30 mnt'],
    ['a daily counter rises without alarm', LANDFILL, 120, 180, 'up', 'neutral', '+60 ton dlm 30 mnt'],
    ['a level falling from an alert is better', WATER, 260, 200, 'down', 'better', '−60 cm dlm 30 mnt'],
    ['a level without thresholds has no judgement', SPEED, 30, 20, 'down', 'neutral', '−10 km/jam dlm 30 mnt'],
    ['within 1 % is flat', SPEED, 30, 30.2, 'flat', 'neutral', 'stabil dlm 30 mnt'],
  ] as const)('%s', (_name, m, then, now, dir, tone, text) => {
    const k = computeKpi(
      [
        series('e', [
          [40, then],
          [0.1, now],
        ]),
      ],
      m,
      NOW,
      W,
    );
    expect(k.trend).toMatchObject({ dir, tone });
    expect(trendText(k.trend!, m.unit, k.kind, 'id')).toBe(text);
  });

  it('the window is an argument: 10 minutes sees only the last step', () => {
    const s = [
      series('e', [
        [40, 100],
        [12, 150],
        [0.1, 160],
      ]),
    ];
    expect(computeKpi(s, WATER, NOW, 10 * MIN).trend).toMatchObject({ delta: 10, windowMs: 10 * MIN });
    expect(computeKpi(s, WATER, NOW, W).trend).toMatchObject({ delta: 60 });
  });

  it('is a function of its inputs (re-running changes nothing) and of no series order', () => {
    expect(computeKpi(gauges, WATER, NOW, W)).toEqual(computeKpi(gauges, WATER, NOW, W));
    expect(computeKpi([...gauges].reverse(), WATER, NOW, W)).toEqual(computeKpi(gauges, WATER, NOW, W));
  });
});

describe('wording', () => {
  it.each([
    [10 * MIN, 'id', '10 mnt'],
    [30 * MIN, 'en', '30 min'],
    [90 * MIN, 'id', '1,5 jam'],
    [24 * 60 * MIN, 'en', '1 d'],
    [7 * 24 * 60 * MIN, 'id', '7 hari'],
  ] as const)('windowText(%i, %s) → %s', (ms, lang, out) => expect(windowText(ms, lang)).toBe(out));

  it.each([
    ['up', '▲'],
    ['down', '▼'],
    ['flat', '▬'],
  ] as const)('%s → %s', (dir, arrow) => expect(trendArrow({ dir })).toBe(arrow));

  it('a silent entity on another day gives the date', () => {
    const t = NOW - 26 * 60 * MIN;
    expect(silentText({ entity: 'PA-UJI', t, value: 277, unit: 'cm' }, NOW, 'id')).toMatch(
      /^PA-UJI tidak melapor sejak 21 Nov 2026,? 04\.40 WIB · nilai terakhir 277 cm$/,
    );
  });
});
