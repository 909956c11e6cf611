/**
 * The public view: rows in, public answer out. Pure (the clock and k are arguments), no I/O.
 *
 * Complaints reach the public only as counts per kelurahan and category, k-anonymous jointly with every other
 * complaint figure (publication.ts), with a kelurahan's centroid as the only location. A row here carries no id, no title, no reporter and no
 * coordinates, so nothing of the kind can leak into an answer built from it.
 */
import type { ComplaintRow, MetricSeriesRow, RegionInfo } from '../../db/queries/public';
import type { DataClass } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import { PUBLIC_PERIOD_NAMES, PUBLIC_PERIODS, type PublicPeriod } from '../../shared/rest';
import { canRead } from '../access/policy';
import type { PublicCount } from './suppression';

/** A count as published: hidden ones carry "< k" when they are below k (the marker the attacker is granted). */
export function publicCount(n: number, shown: boolean, k: number): PublicCount {
  if (shown) return { n, suppressed: false };
  return n < k ? { n: null, suppressed: true, lessThan: k } : { n: null, suppressed: true };
}

export type { ComplaintRow, MetricSeriesRow, RegionInfo };

export const PERIODS = PUBLIC_PERIODS;
export type Period = PublicPeriod;
export const PERIOD_NAMES = PUBLIC_PERIOD_NAMES;
export const LONGEST_PERIOD_MS = Math.max(...Object.values(PERIODS));

export const MEASURES = ['received', 'resolved', 'open'] as const;
export type Measure = (typeof MEASURES)[number];
type Counts = Record<Measure, PublicCount>;

export interface SummaryCell extends Counts {
  category: string | null;
}

export interface SummaryKelurahan extends Counts {
  /** Kemendagri code of the complaint's region; null for complaints without one. */
  code: string | null;
  name: string | null;
  kecamatanCode: string | null;
  kecamatanName: string | null;
  /** Categories with a non-zero count in some measure, or a zero hidden as a cover; an absent category is 0 in every measure. */
  cells: SummaryCell[];
}

export interface SummaryCategory extends Counts {
  category: string | null;
  /** Median hours from received to closed of the complaints closed in the period; null unless `resolved` is shown. */
  medianHoursToResolve: number | null;
}

export interface ComplaintSummary {
  period: Period;
  /** The period is (from, to]; epoch ms. */
  from: number;
  to: number;
  /** Server time of the snapshot, epoch ms. */
  updatedAt: number;
  k: number;
  /** Kelurahan with a non-zero count in some measure, by code; an absent one is 0 everywhere. */
  kelurahan: SummaryKelurahan[];
  /** City totals per category. */
  categories: SummaryCategory[];
  total: Counts;
}

export interface MapKelurahan extends Counts {
  code: string | null;
  name: string | null;
  /** The kelurahan's centroid [lon, lat]; never a complaint's own position. */
  centroid: [number, number] | null;
}

export interface ComplaintMap {
  period: Period;
  from: number;
  to: number;
  updatedAt: number;
  k: number;
  kelurahan: MapKelurahan[];
}

export interface SummaryOptions {
  period: Period;
  k: number;
  now: number;
  regions: ReadonlyMap<string, RegionInfo>;
}

/** The key of a missing region or category. */
export const NONE = '\u0000';

/** What each complaint counts towards in (now - period, now]. */
function contributions(r: ComplaintRow, from: number, now: number): Record<Measure, boolean> {
  return {
    received: r.openedAt > from && r.openedAt <= now,
    resolved: r.closedAt !== null && r.closedAt > from && r.closedAt <= now,
    open: r.openedAt <= now && (r.closedAt === null || r.closedAt > now),
  };
}

const byKey = (a: string, b: string) => (a === NONE ? 1 : b === NONE ? -1 : a < b ? -1 : a > b ? 1 : 0);

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The marker of a total in a figure key (a row, column or city total). */
export const TOTAL = '\u0001';

/**
 * The key of one published count (disclosure.ts): the same count has the same key wherever it is published.
 * `period` is 'now' for the open counts, which do not depend on the period.
 */
export const countKey = (measure: Measure, period: Period | 'now', region: string, category: string) =>
  `${measure}|${measure === 'open' ? 'now' : period}|${region}|${category}`;

/** Counts per kelurahan and category of one period, before any suppression. */
export interface Tally {
  period: Period;
  from: number;
  now: number;
  counts: Map<string, Map<string, Record<Measure, number>>>;
  /** Kelurahan (NONE for none) and categories with a non-zero count in some measure, sorted. */
  rowKeys: string[];
  colKeys: string[];
  /** Hours to close of the complaints closed in the period, per category key. */
  durations: Map<string, number[]>;
}

export function tallyComplaints(rows: readonly ComplaintRow[], period: Period, now: number): Tally {
  const from = now - PERIODS[period];
  const counts = new Map<string, Map<string, Record<Measure, number>>>();
  const durations = new Map<string, number[]>();
  for (const r of rows) {
    const c = contributions(r, from, now);
    if (!c.received && !c.resolved && !c.open) continue;
    const rk = r.region ?? NONE;
    const ck = r.category ?? NONE;
    let row = counts.get(rk);
    if (!row) counts.set(rk, (row = new Map()));
    let cell = row.get(ck);
    if (!cell) row.set(ck, (cell = { received: 0, resolved: 0, open: 0 }));
    for (const m of MEASURES) if (c[m]) cell[m]++;
    if (c.resolved) {
      let list = durations.get(ck);
      if (!list) durations.set(ck, (list = []));
      list.push(r.closedAt! - r.openedAt);
    }
  }
  const rowKeys = [...counts.keys()].sort(byKey);
  const colKeys = [...new Set(rowKeys.flatMap((rk) => [...counts.get(rk)!.keys()]))].sort(byKey);
  return { period, from, now, counts, rowKeys, colKeys, durations };
}

/** The count of a cell or total of a tally (TOTAL for a margin). */
export function tallyCount(t: Tally, m: Measure, rk: string, ck: string): number {
  if (rk !== TOTAL) {
    const row = t.counts.get(rk);
    if (!row) return 0;
    if (ck !== TOTAL) return row.get(ck)?.[m] ?? 0;
    let sum = 0;
    for (const cell of row.values()) sum += cell[m];
    return sum;
  }
  let n = 0;
  for (const [r, row] of t.counts) {
    if (rk !== TOTAL && r !== rk) continue;
    for (const [c, cell] of row) if (ck === TOTAL || c === ck) n += cell[m];
  }
  return n;
}

/**
 * The public summary of one period from its tally and the joint decision of which counts are shown
 * (publication.ts): a hidden count is `{ n: null, suppressed: true, lessThan: k }` when it is below k (small, or
 * a zero hidden as a cover), and `{ n: null, suppressed: true }` when it is a cover of k or more.
 */
export function assembleSummary(t: Tally, opts: SummaryOptions, shown: (key: string) => boolean): ComplaintSummary {
  const { period, k, now, regions } = opts;
  const { counts, rowKeys, colKeys, durations, from } = t;
  const pub = (m: Measure, rk: string, ck: string): PublicCount => publicCount(tallyCount(t, m, rk, ck), shown(countKey(m, period, rk, ck)), k);
  const all = (rk: string, ck: string): Counts => ({
    received: pub('received', rk, ck),
    resolved: pub('resolved', rk, ck),
    open: pub('open', rk, ck),
  });
  const orNull = (key: string) => (key === NONE ? null : key);
  const kelurahan = rowKeys.map((rk): SummaryKelurahan => {
    const info = rk === NONE ? undefined : regions.get(rk);
    const row = counts.get(rk)!;
    return {
      code: orNull(rk),
      name: info?.name ?? null,
      kecamatanCode: info?.parent ?? null,
      kecamatanName: info?.parentName ?? null,
      ...all(rk, TOTAL),
      // a zero hidden as a cover is listed too: an unlisted cell reads as 0 in every measure
      cells: colKeys.flatMap((ck) =>
        row.has(ck) || MEASURES.some((m) => !shown(countKey(m, period, rk, ck))) ? [{ category: orNull(ck), ...all(rk, ck) }] : [],
      ),
    };
  });
  const categories = colKeys.map((ck): SummaryCategory => {
    const c = all(TOTAL, ck);
    const d = durations.get(ck);
    // Shown only where the count it summarises is shown: a median present next to a hidden count would tell
    // which hidden counts are large.
    const med = !c.resolved.suppressed && d && d.length >= k ? Math.round((median(d) / 3_600_000) * 10) / 10 : null;
    return { category: orNull(ck), ...c, medianHoursToResolve: med };
  });
  return { period, from, to: now, updatedAt: now, k, kelurahan, categories, total: all(TOTAL, TOTAL) };
}

/**
 * The map: the summary's kelurahan totals at the kelurahan centroid. It publishes no number the summary of
 * the same period does not, so it adds nothing an attacker could subtract.
 */
export function complaintMap(summary: ComplaintSummary, regions: ReadonlyMap<string, RegionInfo>): ComplaintMap {
  return {
    period: summary.period,
    from: summary.from,
    to: summary.to,
    updatedAt: summary.updatedAt,
    k: summary.k,
    kelurahan: summary.kelurahan.map(({ code, name, received, resolved, open }) => ({
      code,
      name,
      centroid: code === null ? null : (regions.get(code)?.centroid ?? null),
      received,
      resolved,
      open,
    })),
  };
}

export interface PublicMetrics {
  updatedAt: number;
  metrics: {
    code: string;
    domain: string;
    unit: string;
    nameId: string;
    nameEn: string;
    series: {
      entity: string;
      region: string | null;
      regionName: string | null;
      lon: number | null;
      lat: number | null;
      value: number | null;
      /** Epoch ms of the reading. */
      t: number | null;
      /** Age of the reading at `updatedAt`, ms. */
      ageMs: number | null;
    }[];
  }[];
}

const PUBLIC: Principal = { role: 'public' };

/** Latest value and age of every series of every publik metric; the access rule drops anything else here too. */
export function publicMetrics(rows: readonly MetricSeriesRow[], now: number): PublicMetrics {
  const out = new Map<string, PublicMetrics['metrics'][number]>();
  for (const r of rows) {
    if (!canRead(PUBLIC, { code: r.metric, ownerOpd: '', class: r.class as DataClass }, { agreements: [], now }).allow) continue;
    let m = out.get(r.metric);
    if (!m) out.set(r.metric, (m = { code: r.metric, domain: r.domain, unit: r.unit, nameId: r.nameId, nameEn: r.nameEn, series: [] }));
    if (r.entity === null) continue; // a metric without series yet
    m.series.push({
      entity: r.entity,
      region: r.region,
      regionName: r.regionName,
      lon: r.lon,
      lat: r.lat,
      value: r.v,
      t: r.t,
      ageMs: r.t === null ? null : Math.max(0, now - r.t),
    });
  }
  return { updatedAt: now, metrics: [...out.values()] };
}
