/**
 * The OPD scorecard (issue 19): how each OPD keeps its service promises (complaints and incidents it handles)
 * and its data promises (feeds it owns). The rules are pure and clock-free so the server, the briefing, the
 * wall and the tests judge alike; the REST answers are the zod schemas below (named in shared/rest.ts).
 *
 * Service SLA, per window of closed items: a rejected item (`ditolak`, `rejected`) is its own outcome, never
 * "met"; an item without a target counts in the median but not in the shares. The three shares (met, missed,
 * rejected) are of the same denominator, so they add up to 1 and a rejection cannot raise the met share.
 * Data SLA: the share of a window in which a feed was fresh is 1 − (its recorded lateness within the window) /
 * (the window), so a feed stopped for 1 h loses 1/24 (≈ 4.2 points) of its 24 h score. Time before a feed
 * first reported has no lateness on record and counts as fresh. A metric (catalog code) is judged the same way
 * from its own intervals: it is late while its newest reading, over all its series, is older than 3× its cadence
 * (`metricLate`), so a metric silent for 1 h while others continue also loses ≈ 4.2 points of its 24 h score.
 * An OPD's figure is the mean over its feeds and its metrics together, each counting once.
 */
import { z } from 'zod';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Closing statuses that mean "refused", not "resolved" (incidents: `ditolak`; SP4N-LAPOR!/Open311 complaints: `rejected`). */
export const REJECTED_STATUSES = ['ditolak', 'rejected', 'declined'] as const;

export function isRejected(status: string): boolean {
  return (REJECTED_STATUSES as readonly string[]).includes(status.trim().toLowerCase());
}

/** The service windows (ending now; each compared with the window before it) and the data windows. */
export const SERVICE_WINDOWS = { '7d': 7 * DAY_MS, '30d': 30 * DAY_MS } as const;
export type ServiceWindow = keyof typeof SERVICE_WINDOWS;
export const DATA_WINDOWS = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS } as const;
export type DataWindow = keyof typeof DATA_WINDOWS;

export type Closure = 'met' | 'missed' | 'rejected' | 'no_target';

/** How a closed item counts: rejected whatever its time; else met within its target, missed past it. */
export function classifyClosure(item: { status: string; hours: number; targetHours: number | null }): Closure {
  if (isRejected(item.status)) return 'rejected';
  if (item.targetHours === null) return 'no_target';
  return item.hours <= item.targetHours ? 'met' : 'missed';
}

export interface ClosureCounts {
  closed: number;
  met: number;
  missed: number;
  rejected: number;
  noTarget: number;
}

export function countClosures(items: readonly { status: string; hours: number; targetHours: number | null }[]): ClosureCounts {
  const c: ClosureCounts = { closed: 0, met: 0, missed: 0, rejected: 0, noTarget: 0 };
  for (const i of items) {
    c.closed++;
    const k = classifyClosure(i);
    if (k === 'no_target') c.noTarget++;
    else c[k]++;
  }
  return c;
}

/** Met, missed and rejected as shares of the items that had an outcome against a target (or were rejected); null without any. */
export function slaShares(c: ClosureCounts): { shareWithinSla: number | null; shareMissed: number | null; shareRejected: number | null } {
  const decided = c.met + c.missed + c.rejected;
  if (decided === 0) return { shareWithinSla: null, shareMissed: null, shareRejected: null };
  return { shareWithinSla: c.met / decided, shareMissed: c.missed / decided, shareRejected: c.rejected / decided };
}

/** The median of the values (the mean of the middle two for an even count); null for none. Same as percentile_cont(0.5). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export type TrendDirection = 'better' | 'worse' | 'same';
export interface Trend {
  delta: number | null;
  direction: TrendDirection | null;
}

/**
 * The change from the previous window: `better` or `worse` by which way is good (a higher share, a lower
 * median), `same` within `epsilon`; null when either side has no figure.
 */
export function trend(current: number | null, previous: number | null, good: 'higher' | 'lower', epsilon: number): Trend {
  if (current === null || previous === null) return { delta: null, direction: null };
  const delta = current - previous;
  if (Math.abs(delta) <= epsilon) return { delta, direction: 'same' };
  return { delta, direction: delta > 0 === (good === 'higher') ? 'better' : 'worse' };
}

/** Milliseconds of [from, to) covered by the intervals (overlaps counted once; an open interval runs to `to`). */
export function coveredMs(intervals: readonly { start: number; end: number | null }[], from: number, to: number): number {
  const clipped = intervals
    .map((i) => ({ s: Math.max(i.start, from), e: Math.min(i.end ?? to, to) }))
    .filter((i) => i.e > i.s)
    .sort((a, b) => a.s - b.s);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const i of clipped) {
    if (i.s > curE) {
      if (curE > curS) total += curE - curS;
      curS = i.s;
      curE = i.e;
    } else if (i.e > curE) curE = i.e;
  }
  if (curE > curS) total += curE - curS;
  return total;
}

/** The share of [now − windowMs, now) in which a feed was fresh, given its lateness intervals. */
export function freshShare(late: readonly { start: number; end: number | null }[], now: number, windowMs: number): number {
  return 1 - coveredMs(late, now - windowMs, now) / windowMs;
}

/** A metric is late after this many of its cadences without a reading (as a feed after 3 of its intervals). */
export const METRIC_LATE_CADENCES = 3;

/** Whether a metric whose newest reading (epoch ms, over all its series) is `newest` is late at `now`. */
export function metricLate(newest: number, cadenceS: number, now: number): boolean {
  return now - newest > METRIC_LATE_CADENCES * cadenceS * 1000;
}

/** The mean of the figures that exist; null when none does. */
export function meanOf(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
}

/** Hours an overdue item is past its due time, one decimal. */
export function overdueHours(dueAt: number, now: number): number {
  return Math.round(((now - dueAt) / HOUR_MS) * 10) / 10;
}

/**
 * The wall's ranking: by the 30-day share within SLA (higher first), then the 30-day data freshness, then the
 * fewest overdue items, then the code. An OPD without a service figure ranks after those with one.
 */
export function rankOpds<T extends { opd: string; serviceShare30d: number | null; dataFresh30d: number | null; overdue: number }>(
  rows: readonly T[],
): (T & { rank: number })[] {
  const nullLast = (a: number | null, b: number | null) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : b - a);
  return [...rows]
    .sort(
      (a, b) =>
        nullLast(a.serviceShare30d, b.serviceShare30d) ||
        nullLast(a.dataFresh30d, b.dataFresh30d) ||
        a.overdue - b.overdue ||
        a.opd.localeCompare(b.opd),
    )
    .map((r, i) => ({ ...r, rank: i + 1 }));
}

// ---- wire -------------------------------------------------------------------------------------------------

const ms = z.number().int().describe('epoch milliseconds');
const share = z.number().min(0).max(1).nullable().describe('0..1; null without items');
const trendSchema = z.object({ delta: z.number().nullable(), direction: z.enum(['better', 'worse', 'same']).nullable() });

export const serviceWindowSchema = z.object({
  closed: z.number().int(),
  met: z.number().int(),
  missed: z.number().int(),
  rejected: z.number().int(),
  noTarget: z.number().int(),
  shareWithinSla: share,
  shareMissed: share,
  shareRejected: share,
  medianHours: z.number().nullable().describe('hours from received to resolved (rejected items excluded)'),
  previous: z.object({ closed: z.number().int(), shareWithinSla: share, shareRejected: share, medianHours: z.number().nullable() }),
  trend: z.object({ shareWithinSla: trendSchema, medianHours: trendSchema }),
});
export type ServiceWindowFigures = z.infer<typeof serviceWindowSchema>;

export const overdueItemSchema = z.object({
  type: z.enum(['complaint', 'incident']),
  kind: z.string().describe('the event kind, or "incident"'),
  id: z.string(),
  category: z.string().nullable(),
  region: z.string().nullable().describe('kelurahan code'),
  regionName: z.string().nullable(),
  openedAt: ms,
  dueAt: ms,
  targetHours: z.number(),
  ageHours: z.number().describe('hours since received, one decimal'),
  overdueHours: z.number().describe('hours past the target, one decimal'),
});
export type OverdueItem = z.infer<typeof overdueItemSchema>;

export const feedScoreSchema = z.object({
  source: z.string(),
  lateNow: z.boolean(),
  fresh: z.object({ '24h': z.number(), '7d': z.number(), '30d': z.number() }),
});

export const metricScoreSchema = z.object({
  metric: z.string(),
  lateNow: z.boolean(),
  fresh: z.object({ '24h': z.number(), '7d': z.number(), '30d': z.number() }),
});

export const opdScorecardSchema = z.object({
  opd: z.string(),
  name: z.string(),
  service: z.object({
    open: z.number().int(),
    overdue: z.number().int(),
    overdueItems: z.array(overdueItemSchema).describe('oldest due first, at most 50'),
    windows: z.object({ '7d': serviceWindowSchema, '30d': serviceWindowSchema }),
  }),
  data: z.object({
    feeds: z.array(feedScoreSchema),
    metrics: z.array(metricScoreSchema).describe('the metrics the OPD owns that have series (judged by the watcher)'),
    fresh: z
      .object({ '24h': share, '7d': share, '30d': share })
      .describe('the mean over the OPD’s feeds and metrics, each counting once; null without either'),
  }),
});
export type OpdScorecard = z.infer<typeof opdScorecardSchema>;

export const scorecardResponse = z.object({ asOf: ms, scorecard: opdScorecardSchema });

export const rankingRowSchema = z.object({
  rank: z.number().int(),
  opd: z.string(),
  name: z.string(),
  serviceShare30d: share,
  serviceTrend30d: trendSchema,
  rejectedShare30d: share,
  medianHours30d: z.number().nullable(),
  open: z.number().int(),
  overdue: z.number().int(),
  dataFresh24h: share,
  dataFresh30d: share,
});
export type RankingRow = z.infer<typeof rankingRowSchema>;
export const scorecardRankingResponse = z.object({ asOf: ms, opds: z.array(rankingRowSchema) });

/** The public page's view: shares only, suppressed (null) where fewer than k items stand behind them. */
export const publicScorecardResponse = z.object({
  asOf: ms,
  k: z.number().int(),
  /** false while SCORECARD_PUBLIC is off (the default): no OPD listed. An answer, not a 404, so the page logs no error. */
  published: z.boolean(),
  opds: z.array(
    z.object({
      opd: z.string(),
      name: z.string(),
      closed30d: z.number().int().nullable(),
      serviceShare30d: share,
      rejectedShare30d: share,
      medianHours30d: z.number().nullable(),
      dataFresh30d: share,
    }),
  ),
});

export const briefingListResponse = z.object({
  briefings: z.array(
    z.object({
      id: z.number().int(),
      week: z.string(),
      periodStart: ms,
      periodEnd: ms,
      generatedAt: ms,
      generatedBy: z.string(),
      durationMs: z.number().int(),
    }),
  ),
});
