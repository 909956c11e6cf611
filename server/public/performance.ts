/**
 * How well complaints are handled, for the public: received and resolved per bucket of a period, the median
 * time to resolve and the share resolved within the service-level target per OPD and category. Pure (clock
 * and k are arguments), no I/O, from the same rows as the k-anonymous summary (aggregation.ts).
 *
 * Privacy. The counts (per bucket and the period's totals) are shown or hidden by the joint decision of
 * publication.ts, the same one the summary uses: a city total is the same figure in both. A median or a share
 * summarises a group's closed complaints and is published only where the count behind it is itself published
 * (assemblePerformance), so it says nothing about a hidden count.
 *
 * "Resolved" is "reached a closed status" (resolved or rejected), as in the summary.
 */
import { countKey, median as medianOf, NONE, PERIODS, publicCount, TOTAL, type ComplaintRow, type Period } from './aggregation';
import type { PublicCount } from './suppression';

/** Bucket width per period: few enough bars to read on a phone. */
export const PERFORMANCE_BUCKET_MS: Readonly<Record<Period, number>> = { '24h': 4 * 3_600_000, '7d': 86_400_000, '30d': 86_400_000 };
const WIB_OFFSET_MS = 7 * 3_600_000;

export interface PerformanceBucket {
  /** The bucket is (from, to], epoch ms; boundaries are WIB days (or 4-hour blocks); the first and last are partial. */
  from: number;
  to: number;
  received: PublicCount;
  resolved: PublicCount;
}

export interface PerformanceGroup {
  /** The OPD that handles the complaints; null in the city row. */
  opd: string | null;
  opdName: string | null;
  /** null in an OPD's row and the city row. */
  category: string | null;
  /** Median hours from received to closed of the complaints closed in the period; null when suppressed or none. */
  medianHoursToResolve: number | null;
  /** Closed within the target / closed with a target, 0..1 rounded to 0.01; null when withheld or no target. */
  shareWithinSla: number | null;
  /** The category's target in hours (null in OPD and city rows, or without one). */
  slaHours: number | null;
  /** True when the median or the share was withheld for privacy, whatever the reason (never tells which). */
  suppressed: boolean;
}

export interface ComplaintPerformance {
  period: Period;
  from: number;
  to: number;
  updatedAt: number;
  k: number;
  bucketMs: number;
  buckets: PerformanceBucket[];
  total: { received: PublicCount; resolved: PublicCount };
  /** Per OPD (category null) followed by its categories, sorted by OPD code; the city (opd = category = null) last. */
  groups: PerformanceGroup[];
}

const round1 = (h: number) => Math.round(h * 10) / 10;

/** One group's closed complaints (OPD × category, OPD, city) before anything is withheld. */
export interface GroupTally {
  opd: string | null;
  opdName: string | null;
  category: string | null;
  sla: number | null;
  hours: number[];
  withTarget: number;
  within: number;
  /** Category keys (aggregation.ts NONE for none) whose closed complaints make up the group. */
  categories: Set<string>;
}

export interface PerformanceTally {
  period: Period;
  from: number;
  now: number;
  bucketMs: number;
  /** Bucket i is (edges[i], edges[i + 1]]. */
  edges: number[];
  received: number[];
  resolved: number[];
  groups: GroupTally[];
}

/** The key of a bucket's count (disclosure.ts): the same time range is the same figure in every period. */
export const bucketKey = (measure: 'received' | 'resolved', from: number, to: number) => `bucket|${measure}|${from}|${to}`;

/** Received and closed per bucket, and the closed complaints per group, in (now - period, now]. */
export function tallyPerformance(rows: readonly ComplaintRow[], period: Period, now: number): PerformanceTally {
  const from = now - PERIODS[period];
  const bucketMs = PERFORMANCE_BUCKET_MS[period];
  // Buckets on WIB boundaries (days start at 00:00 WIB, 4-hour blocks at 00, 04, 08 … WIB) so a bar is a day
  // a citizen can name; the first and the last are partial: (from, first boundary], …, (last boundary, now].
  const edges = [from];
  for (let b = Math.floor((from + WIB_OFFSET_MS) / bucketMs + 1) * bucketMs - WIB_OFFSET_MS; b < now; b += bucketMs) edges.push(b);
  edges.push(now);
  const nb = edges.length - 1;
  const received = new Array<number>(nb).fill(0);
  const resolved = new Array<number>(nb).fill(0);
  const bucketOf = (t: number) => {
    let i = Math.min(nb - 1, Math.max(0, Math.ceil((t - edges[1]!) / bucketMs)));
    while (i > 0 && t <= edges[i]!) i--;
    while (i < nb - 1 && t > edges[i + 1]!) i++;
    return i;
  };
  const groups = new Map<string, GroupTally>();
  const acc = (key: string, init: () => Pick<GroupTally, 'opd' | 'opdName' | 'category' | 'sla'>) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ...init(), hours: [], withTarget: 0, within: 0, categories: new Set() }));
    return g;
  };
  for (const r of rows) {
    if (r.openedAt > from && r.openedAt <= now) received[bucketOf(r.openedAt)]!++;
    if (r.closedAt === null || r.closedAt <= from || r.closedAt > now) continue;
    resolved[bucketOf(r.closedAt)]!++;
    const h = (r.closedAt - r.openedAt) / 3_600_000;
    const targets = [
      acc(`${r.opd}\u0000${r.category ?? ''}`, () => ({ opd: r.opd, opdName: r.opdName, category: r.category, sla: r.slaHours })),
      acc(`${r.opd}\u0000\u0001`, () => ({ opd: r.opd, opdName: r.opdName, category: null, sla: null })),
      acc('\u0001', () => ({ opd: null, opdName: null, category: null, sla: null })),
    ];
    for (const g of targets) {
      g.hours.push(h);
      g.categories.add(r.category ?? NONE);
      if (r.slaHours !== null) {
        g.withTarget++;
        if (h <= r.slaHours) g.within++;
      }
    }
  }
  return { period, from, now, bucketMs, edges, received, resolved, groups: [...groups.values()] };
}

/**
 * The public performance answer from its tally and the joint decision of which counts are shown
 * (publication.ts). A group's median and share are published only where the count of the complaints behind
 * them is itself published (the category's, OPD's categories' or city's resolved total), so they say nothing
 * of a hidden count; a share also needs its numerator and the rest (within and beyond the target) to be 0 or
 * at least k, and is rounded to 0.01. `suppressed` is true whenever a figure was withheld, for whatever
 * reason: it never tells a small count from a hidden larger one.
 */
export function assemblePerformance(t: PerformanceTally, k: number, shown: (key: string) => boolean): ComplaintPerformance {
  const { period, from, now, bucketMs, edges } = t;
  const pub = (key: string, n: number): PublicCount => publicCount(n, shown(key), k);
  const buckets = t.received.map((_, i): PerformanceBucket => ({
    from: edges[i]!,
    to: edges[i + 1]!,
    received: pub(bucketKey('received', edges[i]!, edges[i + 1]!), t.received[i]!),
    resolved: pub(bucketKey('resolved', edges[i]!, edges[i + 1]!), t.resolved[i]!),
  }));
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const small = (n: number) => n >= 1 && n < k;
  const out = t.groups.map((g): PerformanceGroup => {
    const countShown =
      [...g.categories].every((ck) => shown(countKey('resolved', period, TOTAL, ck))) ||
      (g.opd === null && shown(countKey('resolved', period, TOTAL, TOTAL)));
    const enough = countShown && g.hours.length >= k;
    const shareOk = enough && g.withTarget >= k && !small(g.within) && !small(g.withTarget - g.within);
    const median = enough ? round1(medianOf(g.hours)) : null;
    const share = shareOk ? Math.round((g.within / g.withTarget) * 100) / 100 : null;
    return {
      opd: g.opd,
      opdName: g.opdName,
      category: g.category,
      medianHoursToResolve: median,
      shareWithinSla: share,
      slaHours: g.sla,
      suppressed: median === null || (g.withTarget > 0 && share === null),
    };
  });
  // each OPD's own row first, then its categories; the city last
  const key = (g: PerformanceGroup) => `${g.opd ?? '\uffff'}\u0000${g.category ?? ''}`;
  out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    period,
    from,
    to: now,
    updatedAt: now,
    k,
    bucketMs,
    buckets,
    total: {
      received: pub(countKey('received', period, TOTAL, TOTAL), sum(t.received)),
      resolved: pub(countKey('resolved', period, TOTAL, TOTAL), sum(t.resolved)),
    },
    groups: out,
  };
}
