/**
 * The OPD scorecard service (issue 19): the SQL aggregates of db/queries/scorecard.ts shaped by the pure rules
 * of shared/scorecard.ts. One call computes every OPD (five small queries), so the tablet's scorecard, the
 * wall's ranking, the public figures and the weekly briefing all read the same numbers at the same clock.
 */
import type pg from 'pg';
import { METRIC_SOURCE, closuresByWindow, latenessSince, openItems, ownedFeeds, ownedMetrics, type ClosureRow } from '../../db/queries/scorecard';
import {
  DATA_WINDOWS,
  SERVICE_WINDOWS,
  freshShare,
  meanOf,
  overdueHours,
  rankOpds,
  slaShares,
  trend,
  type DataWindow,
  type OpdScorecard,
  type RankingRow,
  type ServiceWindow,
  type ServiceWindowFigures,
} from '../../shared/scorecard';

type Db = Pick<pg.Pool, 'query'>;

/** Overdue items listed per OPD. */
export const OVERDUE_LIST_LIMIT = 50;
/** A share moving by less than half a point, or a median by less than 6 minutes, is "same". */
const SHARE_EPSILON = 0.005;
const HOURS_EPSILON = 0.1;

const EMPTY: Omit<ClosureRow, 'opd' | 'window'> = { closed: 0, met: 0, missed: 0, rejected: 0, noTarget: 0, medianHours: null };

/** A window's figures from its closure counts and those of the window before it. */
export function windowFigures(cur: Omit<ClosureRow, 'opd' | 'window'>, prev: Omit<ClosureRow, 'opd' | 'window'>): ServiceWindowFigures {
  const c = slaShares(cur);
  const p = slaShares(prev);
  return {
    closed: cur.closed,
    met: cur.met,
    missed: cur.missed,
    rejected: cur.rejected,
    noTarget: cur.noTarget,
    ...c,
    medianHours: cur.medianHours,
    previous: { closed: prev.closed, shareWithinSla: p.shareWithinSla, shareRejected: p.shareRejected, medianHours: prev.medianHours },
    trend: {
      shareWithinSla: trend(c.shareWithinSla, p.shareWithinSla, 'higher', SHARE_EPSILON),
      medianHours: trend(cur.medianHours, prev.medianHours, 'lower', HOURS_EPSILON),
    },
  };
}

/** Every OPD's scorecard (or one OPD's) as of `now`. */
export async function computeScorecards(db: Db, now: number, only: string | null = null): Promise<OpdScorecard[]> {
  const windows = (Object.entries(SERVICE_WINDOWS) as [ServiceWindow, number][]).flatMap(([name, len]) => [
    { name, from: now - len, to: now },
    { name: `prev:${name}`, from: now - 2 * len, to: now - len },
  ]);
  const longest = Math.max(...Object.values(DATA_WINDOWS));
  const [opds, closures, open, late, feeds, metrics] = await Promise.all([
    db.query<{ code: string; name: string }>(`SELECT code, name FROM opd WHERE ($1::text IS NULL OR code = $1) ORDER BY code`, [only]),
    closuresByWindow(db, windows, only),
    openItems(db, now, OVERDUE_LIST_LIMIT, only),
    latenessSince(db, now - longest, only),
    ownedFeeds(db, only),
    ownedMetrics(db, only),
  ]);
  const closureOf = new Map(closures.map((r) => [`${r.opd}\u0000${r.window}`, r]));
  const countOf = new Map(open.counts.map((r) => [r.opd, r]));
  const lateOf = new Map<string, { start: number; end: number | null }[]>();
  for (const l of late) {
    // whole-feed rows by feed, per-metric rows by metric (their source is METRIC_SOURCE)
    const k = l.metric === '' ? `${l.source}@${l.opd}` : `${l.source}\u0000${l.metric}@${l.opd}`;
    if (!lateOf.has(k)) lateOf.set(k, []);
    lateOf.get(k)!.push({ start: l.start, end: l.end });
  }
  const freshOf = (intervals: { start: number; end: number | null }[]) =>
    Object.fromEntries((Object.entries(DATA_WINDOWS) as [DataWindow, number][]).map(([w, len]) => [w, freshShare(intervals, now, len)])) as Record<
      DataWindow,
      number
    >;
  return opds.rows.map(({ code, name }) => {
    const win = (w: string) => closureOf.get(`${code}\u0000${w}`) ?? EMPTY;
    const feedScores = feeds
      .filter((f) => f.opd === code)
      .map((f) => {
        const intervals = lateOf.get(`${f.source}@${f.opd}`) ?? [];
        return { source: f.source, lateNow: intervals.some((i) => i.end === null), fresh: freshOf(intervals) };
      });
    const metricScores = metrics
      .filter((m) => m.opd === code)
      .map((m) => {
        const intervals = lateOf.get(`${METRIC_SOURCE}\u0000${m.metric}@${m.opd}`) ?? [];
        return { metric: m.metric, lateNow: intervals.some((i) => i.end === null), fresh: freshOf(intervals) };
      });
    // the OPD's figure: feeds and metrics together, each counting once
    const all = [...feedScores, ...metricScores];
    const counts = countOf.get(code);
    return {
      opd: code,
      name,
      service: {
        open: counts?.open ?? 0,
        overdue: counts?.overdue ?? 0,
        overdueItems: open.overdue
          .filter((o) => o.opd === code)
          .map((o) => ({
            type: o.type,
            kind: o.kind,
            id: o.id,
            category: o.category,
            region: o.region,
            regionName: o.regionName,
            openedAt: o.openedAt,
            dueAt: o.dueAt,
            targetHours: o.targetHours,
            ageHours: overdueHours(o.openedAt, now),
            overdueHours: overdueHours(o.dueAt, now),
          })),
        windows: { '7d': windowFigures(win('7d'), win('prev:7d')), '30d': windowFigures(win('30d'), win('prev:30d')) },
      },
      data: {
        feeds: feedScores,
        metrics: metricScores,
        fresh: {
          '24h': meanOf(all.map((f) => f.fresh['24h'])),
          '7d': meanOf(all.map((f) => f.fresh['7d'])),
          '30d': meanOf(all.map((f) => f.fresh['30d'])),
        },
      },
    };
  });
}

/** The wall's ranking of the scorecards (shared/scorecard.ts `rankOpds`). */
export function rankingOf(cards: readonly OpdScorecard[]): RankingRow[] {
  return rankOpds(
    cards.map((c) => {
      const w = c.service.windows['30d'];
      return {
        opd: c.opd,
        name: c.name,
        serviceShare30d: w.shareWithinSla,
        serviceTrend30d: w.trend.shareWithinSla,
        rejectedShare30d: w.shareRejected,
        medianHours30d: w.medianHours,
        open: c.service.open,
        overdue: c.service.overdue,
        dataFresh24h: c.data.fresh['24h'],
        dataFresh30d: c.data.fresh['30d'],
      };
    }),
  );
}
