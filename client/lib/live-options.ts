/**
 * Every tunable of the live client, with its default, in one place.
 * Buffers are bounded so a wall left running for weeks holds constant memory.
 */
export interface LiveOptions {
  /** Points kept per series (newest win): a hard bound on top of `maxAgeMs` and the folding below. */
  maxPointsPerSeries: number;
  /** Points older than this (relative to the server clock) are dropped. */
  maxAgeMs: number;
  /**
   * Raw readings are kept at full resolution for this long (relative to the server clock, `LiveStore.now()`);
   * older ones are folded into one point per UTC minute: `t` = the minute's start, `v` = the mean of the
   * minute's values, the representation the snapshot's `history` buckets already use. Only whole minutes
   * fold, so the newest rawWindowMs to rawWindowMs + 1 min stay raw. A series thus holds ≈ maxAgeMs / 1 min
   * minute points plus the raw points of the last rawWindowMs, whatever its cadence, and reaches that size
   * a few minutes after a snapshot instead of filling up to its bounds for an hour (details in live-store.ts).
   * `Infinity` disables folding.
   */
  rawWindowMs: number;
  /** Series kept per metric; the ones silent the longest are evicted first (trucks come and go). */
  maxSeriesPerMetric: number;
  /** Deltas held while a metric's snapshot is on its way; beyond it the snapshot alone counts. */
  maxPendingDeltas: number;
  /** Events kept per kind in the "recent" list. */
  maxRecentEvents: number;
  /** Events with a position kept per kind for maps (heat/hexagon layers); 0 keeps none. */
  maxLocatedEvents: number;
  /** Minutes of 1-minute history asked for in each snapshot. */
  historyMinutes: number;
  /** How long to wait for a subscribe acknowledgement. */
  ackTimeoutMs: number;
  /** Full resubscribe even without a gap (belt and braces against silent divergence). */
  resyncIntervalMs: number;
  /** Delay before retrying a subscription that failed for a reason other than `forbidden`. */
  retryDelayMs: number;
  /** UI: minimum interval between re-renders driven by live data (≤ 4 per second). */
  renderThrottleMs: number;
}

/** The defaults. Call sites override single fields: `{ ...defaultLiveOptions(), maxAgeMs: … }`. */
export function defaultLiveOptions(): LiveOptions {
  return {
    maxPointsPerSeries: 720,
    maxAgeMs: 65 * 60_000,
    rawWindowMs: 5 * 60_000,
    maxSeriesPerMetric: 2_000,
    maxPendingDeltas: 64,
    maxRecentEvents: 50,
    maxLocatedEvents: 0,
    historyMinutes: 60,
    ackTimeoutMs: 10_000,
    resyncIntervalMs: 15 * 60_000,
    retryDelayMs: 5_000,
    renderThrottleMs: 250,
  };
}
