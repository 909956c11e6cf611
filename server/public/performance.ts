/**
 * How well complaints are handled, for the public: received and resolved per bucket of a period, the median
 * time to resolve and the share resolved within the service-level target per OPD and category. Pure (clock
 * and k are arguments), no I/O, from the same rows as the k-anonymous summary (aggregation.ts).
 *
 * Privacy. Per-bucket counts are a one-column table with the period's total as its margin, protected like the
 * summary's tables (suppression.ts: 1..k-1 hidden, plus complementary cells so nothing is recovered by
 * subtracting from the total). A median or a share summarises a group's complaints: over fewer than k
 * complaints it is not published. The group sizes themselves are not published here (the summary publishes
 * the protected counts per category), so no group size can be subtracted from another.
 *
 * "Resolved" is "reached a closed status" (resolved or rejected), as in the summary.
 */
import { median, PERIODS, type ComplaintRow, type Period } from './aggregation';
import { protectTable, type PublicCount } from './suppression';

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
  /** Closed within the target / closed with a target, 0..1 rounded to 0.001; null when suppressed or no target. */
  shareWithinSla: number | null;
  /** The category's target in hours (null in OPD and city rows, or without one). */
  slaHours: number | null;
  /** True when a figure was withheld because fewer than k complaints stand behind it. */
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

/** Complaint handling in (now - period, now], k-anonymous. */
export function complaintPerformance(rows: readonly ComplaintRow[], opts: { period: Period; k: number; now: number }): ComplaintPerformance {
  const { period, k, now } = opts;
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
  interface Acc {
    opd: string | null;
    opdName: string | null;
    category: string | null;
    sla: number | null;
    hours: number[];
    withTarget: number;
    within: number;
  }
  const groups = new Map<string, Acc>();
  const acc = (key: string, init: () => Omit<Acc, 'hours' | 'withTarget' | 'within'>) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ...init(), hours: [], withTarget: 0, within: 0 }));
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
      if (r.slaHours !== null) {
        g.withTarget++;
        if (h <= r.slaHours) g.within++;
      }
    }
  }
  const rec = protectTable(
    received.map((n) => [n]),
    1,
    k,
  );
  const res = protectTable(
    resolved.map((n) => [n]),
    1,
    k,
  );
  const buckets = received.map((_, i): PerformanceBucket => ({
    from: edges[i]!,
    to: edges[i + 1]!,
    received: rec.cells[i]![0]!,
    resolved: res.cells[i]![0]!,
  }));
  const out = [...groups.values()].map((g): PerformanceGroup => {
    const enough = g.hours.length >= k;
    return {
      opd: g.opd,
      opdName: g.opdName,
      category: g.category,
      medianHoursToResolve: enough ? round1(median(g.hours)) : null,
      shareWithinSla: g.withTarget >= k ? Math.round((g.within / g.withTarget) * 1000) / 1000 : null,
      slaHours: g.sla,
      suppressed: !enough || (g.withTarget > 0 && g.withTarget < k),
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
    total: { received: rec.colTotals[0]!, resolved: res.colTotals[0]! },
    groups: out,
  };
}
