/**
 * Pure derivations of the agency tablet: the sparkline and chart lines, the breakdown by region, and the
 * page's hash route (the KPI figure and trend come from client/features/kpi).
 * No I/O, clock passed in; table-tested in tests/unit/agency-kpi.test.ts.
 */

import { DOMAINS } from '@shared/catalog';
import { aggregate, countAtOrBefore, type Aggregation, type SeriesLike } from '../features/kpi';

// The KPI rule itself (aggregation, the figure's age, trend over an explicit window, wording) lives in
// client/features/kpi, shared with the wall and the public page; the tablet's charts and tables are below.
export { aggregate, aggregationOf, valueAt, type Aggregation, type SeriesLike } from '../features/kpi';

/**
 * The aggregate line over `[from, to]` at `stepMs`: at each step every series contributes its last value at
 * or before that time, if not older than `maxCarryMs` (a silent series drops out instead of being held
 * forever). Steps where no series contributes are left out: a gap, not a zero.
 */
export function aggregateLine(
  series: readonly SeriesLike[],
  agg: Aggregation,
  from: number,
  to: number,
  stepMs: number,
  maxCarryMs: number,
): [number, number][] {
  const out: [number, number][] = [];
  if (!(stepMs > 0) || !(to >= from)) return out;
  const start = Math.ceil(from / stepMs) * stepMs;
  for (let at = start; at <= to; at += stepMs) {
    const vals: number[] = [];
    for (const s of series) {
      const { t, v } = s;
      const lo = countAtOrBefore(t, at);
      if (lo > 0 && at - t[lo - 1]! <= maxCarryMs) vals.push(v[lo - 1]!);
    }
    const a = aggregate(vals, agg);
    if (a !== null) out.push([at, a]);
  }
  return out;
}

/** An SVG path (`M x y L x y …`) of a line in a `width`×`height` box with `pad` inside; '' for no points. */
export function sparkPath(points: readonly (readonly [number, number])[], width: number, height: number, pad = 2): string {
  if (points.length === 0) return '';
  let minT = Infinity;
  let maxT = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const [t, v] of points) {
    minT = Math.min(minT, t);
    maxT = Math.max(maxT, t);
    minV = Math.min(minV, v);
    maxV = Math.max(maxV, v);
  }
  const w = width - 2 * pad;
  const h = height - 2 * pad;
  const x = (t: number) => (maxT === minT ? pad + w : pad + ((t - minT) / (maxT - minT)) * w);
  const y = (v: number) => (maxV === minV ? pad + h / 2 : pad + h - ((v - minV) / (maxV - minV)) * h);
  const r = (n: number) => Math.round(n * 10) / 10;
  return points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${r(x(t))} ${r(y(v))}`).join(' ');
}

/** Bucketed series from `GET /api/v1/series` combined into one line: per bucket time, the aggregate of the series' `avg`. */
export function aggregateBuckets(series: readonly { buckets: readonly { t: number; avg: number }[] }[], agg: Aggregation): [number, number][] {
  const byT = new Map<number, number[]>();
  for (const s of series) {
    for (const b of s.buckets) {
      let list = byT.get(b.t);
      if (!list) byT.set(b.t, (list = []));
      list.push(b.avg);
    }
  }
  const out: [number, number][] = [];
  for (const [t, vals] of byT) {
    const a = aggregate(vals, agg);
    if (a !== null) out.push([t, a]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * A chart line with explicit breaks: where two neighbouring points are further apart than `maxStepMs`, a
 * null is put between them so the chart shows a gap instead of a straight line across missing data.
 */
export function withGaps(points: readonly (readonly [number, number])[], maxStepMs: number): [number, number | null][] {
  const out: [number, number | null][] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (i > 0 && p[0] - points[i - 1]![0] > maxStepMs) out.push([(p[0] + points[i - 1]![0]) / 2, null]);
    out.push([p[0], p[1]]);
  }
  return out;
}

// --- domains ---

/**
 * The tablet's tiles grouped by domain: the known domains in their usual order, then any other domain the
 * catalog holds in code order. Every metric gets a tile: one this build has never heard of shows as a
 * generic KPI tile (name, unit, value, level, age, drill-down) with no code change.
 */
export function groupByDomain<M extends { domain: string }>(list: readonly M[]): [string, M[]][] {
  const known: readonly string[] = DOMAINS;
  const others = [...new Set(list.map((m) => m.domain).filter((d) => !known.includes(d)))].sort();
  return [...known, ...others].map((d) => [d, list.filter((m) => m.domain === d)] as [string, M[]]).filter(([, l]) => l.length > 0);
}

// --- regions ---------------------------------------------------------------------------------------------

export interface RegionInfo {
  level: 'kecamatan' | 'kelurahan';
  name: string;
  kecamatanCode: string | null;
  kecamatanName: string | null;
}

/** Region code → what it is and where it sits, from the regions API's kelurahan features. */
export function regionIndex(
  features: readonly { properties: { code: string; name: string; kecamatanCode: string | null; kecamatanName: string | null } }[],
): Map<string, RegionInfo> {
  const idx = new Map<string, RegionInfo>();
  for (const { properties: p } of features) {
    idx.set(p.code, { level: 'kelurahan', name: p.name, kecamatanCode: p.kecamatanCode, kecamatanName: p.kecamatanName });
    if (p.kecamatanCode && !idx.has(p.kecamatanCode)) {
      idx.set(p.kecamatanCode, {
        level: 'kecamatan',
        name: p.kecamatanName ?? p.kecamatanCode,
        kecamatanCode: p.kecamatanCode,
        kecamatanName: p.kecamatanName,
      });
    }
  }
  return idx;
}

/** Kemendagri `PP.KK.CC.DDDD` → its kecamatan `PP.KK.CC`; null for anything shorter. */
export function kecamatanOf(code: string): string | null {
  const parts = code.split('.');
  return parts.length === 4 ? parts.slice(0, 3).join('.') : parts.length === 3 ? code : null;
}

export type GroupBy = 'entity' | 'kelurahan' | 'kecamatan';

export interface RegionRow {
  key: string;
  /** The entity (gate, road segment, truck…); null for kelurahan/kecamatan rows. */
  entity: string | null;
  kecamatanCode: string | null;
  kecamatanName: string | null;
  kelurahanCode: string | null;
  kelurahanName: string | null;
  /** Latest value (entity) or the aggregate of the latest values of the entities in the region. */
  value: number | null;
  /** Newest reading time behind the row. */
  t: number | null;
  /** Entities behind the row. */
  entities: number;
}

export interface LatestOfSeries {
  entity: string;
  region: string | null;
  latestT: number | null;
  latestV: number | null;
}

/** Where a series' region code sits: its kelurahan and kecamatan, as far as the code tells. */
function place(region: string | null, idx: ReadonlyMap<string, RegionInfo>) {
  const none = { kecamatanCode: null, kecamatanName: null, kelurahanCode: null, kelurahanName: null };
  if (!region) return none;
  const info = idx.get(region);
  if (info?.level === 'kelurahan')
    return {
      kecamatanCode: info.kecamatanCode ?? kecamatanOf(region),
      kecamatanName: info.kecamatanName,
      kelurahanCode: region,
      kelurahanName: info.name,
    };
  if (info?.level === 'kecamatan') return { ...none, kecamatanCode: region, kecamatanName: info.name };
  // not a known kelurahan or kecamatan (the city itself, or a code the index lacks)
  const parts = region.split('.').length;
  if (parts === 4) {
    const kec = kecamatanOf(region);
    return { kecamatanCode: kec, kecamatanName: kec ? (idx.get(kec)?.name ?? null) : null, kelurahanCode: region, kelurahanName: null };
  }
  if (parts === 3) return { ...none, kecamatanCode: region };
  return none;
}

/** The breakdown table: one row per entity, or per kelurahan / kecamatan with the metric's aggregate. */
export function regionRows(series: readonly LatestOfSeries[], idx: ReadonlyMap<string, RegionInfo>, groupBy: GroupBy, agg: Aggregation): RegionRow[] {
  if (groupBy === 'entity') {
    return series.map((s) => ({ key: `e:${s.entity}`, entity: s.entity, ...place(s.region, idx), value: s.latestV, t: s.latestT, entities: 1 }));
  }
  const groups = new Map<string, { row: Omit<RegionRow, 'value'>; vals: number[] }>();
  for (const s of series) {
    const p = place(s.region, idx);
    const code = groupBy === 'kelurahan' ? p.kelurahanCode : p.kecamatanCode;
    const key = `${groupBy}:${code ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      const base =
        groupBy === 'kelurahan' ? p : { kecamatanCode: p.kecamatanCode, kecamatanName: p.kecamatanName, kelurahanCode: null, kelurahanName: null };
      // without a kelurahan code (kelurahan grouping) the row stands for "outside any kelurahan"
      g = {
        row: {
          key,
          entity: null,
          ...(code ? base : { kecamatanCode: null, kecamatanName: null, kelurahanCode: null, kelurahanName: null }),
          t: null,
          entities: 0,
        },
        vals: [],
      };
      groups.set(key, g);
    }
    g.row.entities++;
    if (s.latestV !== null) g.vals.push(s.latestV);
    if (s.latestT !== null && (g.row.t === null || s.latestT > g.row.t)) g.row.t = s.latestT;
  }
  return [...groups.values()].map((g) => ({ ...g.row, value: aggregate(g.vals, agg) }));
}

export type SortKey = 'region' | 'entity' | 'value' | 'time';
export type SortDir = 'asc' | 'desc';

const collator = new Intl.Collator('id', { numeric: true, sensitivity: 'base' });

/** A sorted copy; rows without the sort field always go last, ties by Kemendagri code then entity. */
export function sortRows(rows: readonly RegionRow[], key: SortKey, dir: SortDir): RegionRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  const regionKey = (r: RegionRow) => r.kelurahanCode ?? r.kecamatanCode;
  const field = (r: RegionRow): string | number | null => {
    switch (key) {
      case 'region':
        return regionKey(r);
      case 'entity':
        return r.entity;
      case 'value':
        return r.value;
      case 'time':
        return r.t;
    }
  };
  const tie = (a: RegionRow, b: RegionRow) =>
    collator.compare(regionKey(a) ?? '\uffff', regionKey(b) ?? '\uffff') || collator.compare(a.entity ?? '', b.entity ?? '');
  return [...rows].sort((a, b) => {
    const fa = field(a);
    const fb = field(b);
    if (fa === null && fb === null) return tie(a, b);
    if (fa === null) return 1;
    if (fb === null) return -1;
    const c = typeof fa === 'number' && typeof fb === 'number' ? fa - fb : collator.compare(String(fa), String(fb));
    return c !== 0 ? sign * c : tie(a, b);
  });
}

// --- route -----------------------------------------------------------------------------------------------

export const RANGES = { '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 86_400_000 } as const;
export type RangeKey = keyof typeof RANGES;
export const RANGE_KEYS = Object.keys(RANGES) as RangeKey[];

export type Route = { view: 'home' } | { view: 'metric'; code: string; range: RangeKey } | { view: 'sharing' } | { view: 'matrix' };

const CODE = /^[a-z][a-z0-9_]{0,62}$/;

/** `#/metrik/water_level?rentang=24h` → the metric view; anything else (including `#token=…`) → home. */
export function parseRoute(hash: string): Route {
  if (hash === '#/berbagi') return { view: 'sharing' };
  if (hash === '#/matriks') return { view: 'matrix' };
  const m = /^#\/metrik\/([^?#/]+)(?:\?(.*))?$/.exec(hash);
  if (!m) return { view: 'home' };
  let code: string;
  try {
    code = decodeURIComponent(m[1]!);
  } catch {
    return { view: 'home' };
  }
  if (!CODE.test(code)) return { view: 'home' };
  const r = new URLSearchParams(m[2] ?? '').get('rentang');
  const range: RangeKey = r && (RANGE_KEYS as string[]).includes(r) ? (r as RangeKey) : '6h';
  return { view: 'metric', code, range };
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'home':
      return '#/';
    case 'metric':
      return `#/metrik/${encodeURIComponent(route.code)}${route.range === '6h' ? '' : `?rentang=${route.range}`}`;
    case 'sharing':
      return '#/berbagi';
    case 'matrix':
      return '#/matriks';
  }
}
