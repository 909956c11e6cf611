/** Feed health per OPD: every source judged with the shared `feedState`, the worst one speaks for its OPD. Pure. */
import { feedState, type FeedHealth, type FeedState } from '@shared/feed-state';

/** Worst last: a feed that errors is worse than one whose worker went quiet, which is worse than a late one. */
export const FEED_STATES_BY_SEVERITY: readonly FeedState[] = ['ok', 'late', 'silent', 'failing', 'spool_full'];

const severity = (s: FeedState): number => FEED_STATES_BY_SEVERITY.indexOf(s);

export interface OpdFeedRow {
  opd: string;
  /** The worst state among the OPD's sources at `now`. */
  state: FeedState;
  /** Last success of the source that decides the state (the oldest among the worst); null if it never succeeded. */
  lastSuccess: number | null;
  /** The deciding source and its last error, for a tooltip. */
  source: string;
  lastError: string | null;
  sources: number;
}

/** Older first; a source that never succeeded is the oldest of all. */
const older = (a: number | null, b: number | null): boolean => (a === null ? b !== null : b !== null && a < b);

/** One row per OPD, worst state first, then by OPD code. */
export function opdFeedRows(feeds: Iterable<FeedHealth>, now: number): OpdFeedRow[] {
  const byOpd = new Map<string, OpdFeedRow>();
  for (const h of feeds) {
    // judged here, at `now`, not by the state the server sent: a feed turns late between reports too
    const state = feedState(h, now);
    const row = byOpd.get(h.opd);
    if (!row) {
      byOpd.set(h.opd, { opd: h.opd, state, lastSuccess: h.lastSuccess, source: h.source, lastError: h.lastError, sources: 1 });
      continue;
    }
    row.sources++;
    const d = severity(state) - severity(row.state);
    if (d > 0 || (d === 0 && older(h.lastSuccess, row.lastSuccess))) {
      row.state = state;
      row.lastSuccess = h.lastSuccess;
      row.source = h.source;
      row.lastError = h.lastError;
    }
  }
  return [...byOpd.values()].sort((a, b) => severity(b.state) - severity(a.state) || (a.opd < b.opd ? -1 : a.opd > b.opd ? 1 : 0));
}

export function countByState(rows: readonly OpdFeedRow[]): Record<FeedState, number> {
  const c: Record<FeedState, number> = { ok: 0, late: 0, silent: 0, failing: 0, spool_full: 0 };
  for (const r of rows) c[r.state]++;
  return c;
}
