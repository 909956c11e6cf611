/**
 * Whether an ingest feed is healthy: pure and zod-free, so the wall can judge feeds between reports without
 * shipping the validation schemas.
 */
export type FeedState = 'ok' | 'late' | 'failing' | 'silent' | 'spool_full';

/** A feed's health as its worker reported it, with when the server received the report. */
export interface FeedReport {
  source: string;
  type: string;
  opd: string;
  /** How often the source promises to produce (poll interval); null for subscriptions. */
  expectedIntervalMs: number | null;
  /** How often its worker reports; `lastSuccess` is only as fresh as the last report. */
  reportIntervalMs: number;
  lastSuccess: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  recordsPerSecond: number;
  quarantined: number;
  spoolDepth: number;
  /** The worker's spool cannot write (a full disk): records are held back by the source, or lost if it cannot hold them. */
  spoolFull?: boolean | undefined;
  /** Records the worker's spool dropped at its size limit, cumulative over the worker's life (kept across restarts). */
  spoolDropped?: number | undefined;
  reportedAt: number;
}

export interface FeedHealth extends FeedReport {
  state: FeedState;
}

/** A worker is presumed down after this long without a report (or three of its report intervals, if longer). */
export const SILENT_AFTER_MS = 2 * 60_000;

/**
 * `silent` if the worker stopped reporting; `spool_full` if its spool could not write when it last reported
 * (a full disk: worse than failing, as records may be lost); `failing` if its last round failed after its last success;
 * `late` if it has produced nothing for three of its own intervals — counted from what the last report
 * could know, so a source polled every 2 s and reported every 15 s is not late between reports; else `ok`.
 */
export function feedState(h: Omit<FeedReport, 'source' | 'type' | 'opd'>, now: number): FeedState {
  if (now - h.reportedAt > Math.max(SILENT_AFTER_MS, 3 * h.reportIntervalMs)) return 'silent';
  if (h.spoolFull) return 'spool_full';
  if (h.lastErrorAt !== null && (h.lastSuccess === null || h.lastErrorAt > h.lastSuccess)) return 'failing';
  if (h.expectedIntervalMs !== null) {
    const allowed = 3 * Math.max(h.expectedIntervalMs, 1_000) + h.reportIntervalMs;
    if (h.lastSuccess === null || now - h.lastSuccess > allowed) return 'late';
  }
  return 'ok';
}
