/** Feed health: what workers report per source, and the pure judgement of whether a feed is late. */
import { z } from 'zod';

const ms = z.number().int().nonnegative();

export const quarantineEntrySchema = z.object({
  source: z.string().min(1).max(64),
  opd: z.string().max(32).nullable(),
  origin: z.string().min(1).max(1_000),
  reason: z.string().min(1).max(2_000),
  mappingVersion: z.string().max(64).nullable(),
  data: z.string().max(8_192),
  time: ms,
});
export const quarantineBatchSchema = z.object({ entries: z.array(quarantineEntrySchema).min(1) });
/** A record refused before it reached the store, with its reason and the mapping version that refused it. */
export type QuarantineEntry = z.infer<typeof quarantineEntrySchema>;

export const sourceHealthSchema = z.object({
  source: z.string().min(1).max(64),
  type: z.string().min(1).max(32),
  opd: z.string().min(1).max(32),
  expectedIntervalMs: ms.nullable(),
  lastSuccess: ms.nullable(),
  lastError: z.string().max(2_000).nullable(),
  lastErrorAt: ms.nullable(),
  recordsPerSecond: z.number().nonnegative().finite(),
  quarantined: ms,
  spoolDepth: ms,
});
export const healthReportSchema = z.object({ sources: z.array(sourceHealthSchema).min(1).max(200) });
export type SourceHealthReport = z.infer<typeof sourceHealthSchema>;

export interface FeedHealth extends SourceHealthReport {
  reportedAt: number;
  state: FeedState;
}

export type FeedState = 'ok' | 'late' | 'failing' | 'silent';

/** A worker that has not reported for this long is presumed down. */
export const SILENT_AFTER_MS = 2 * 60_000;

/**
 * Pure: `silent` if the worker stopped reporting, `failing` if its last round failed after its last success,
 * `late` if it has produced nothing for three of its own intervals, else `ok`.
 */
export function feedState(h: Omit<FeedHealth, 'state'>, now: number): FeedState {
  if (now - h.reportedAt > SILENT_AFTER_MS) return 'silent';
  if (h.lastErrorAt !== null && (h.lastSuccess === null || h.lastErrorAt > h.lastSuccess)) return 'failing';
  if (h.expectedIntervalMs !== null && (h.lastSuccess === null || now - h.lastSuccess > 3 * Math.max(h.expectedIntervalMs, 1_000))) return 'late';
  return 'ok';
}
