/** Feed health and quarantine as workers send them (zod, at the trust boundary); the judgement is in feed-state.ts. */
import { z } from 'zod';

const ms = z.number().int().nonnegative();
/** Evidence is kept, but PostgreSQL refuses NUL in text: it becomes U+FFFD. */
const evidence = (max: number) =>
  z
    .string()
    .max(max)
    .transform((v) => v.replaceAll('\u0000', '\ufffd'));

export const quarantineEntrySchema = z.object({
  source: evidence(64).pipe(z.string().min(1)),
  opd: z.string().max(32).nullable(),
  origin: evidence(1_000).pipe(z.string().min(1)),
  reason: evidence(2_000).pipe(z.string().min(1)),
  mappingVersion: evidence(64).nullable(),
  data: evidence(8_192),
  time: ms,
  /** The record's position in the batch the server refused (each refused record is its own entry). */
  index: z.number().int().nonnegative().max(1_000_000).optional(),
});
/** At most this many entries per request (a worker sends refused records of one batch, at most its size). */
export const MAX_QUARANTINE_BATCH = 5_000;
export const quarantineBatchSchema = z.object({ entries: z.array(quarantineEntrySchema).min(1).max(MAX_QUARANTINE_BATCH) });
/** An operator marks quarantined rows as dealt with; resolved rows are pruned after a retention. */
export const quarantineResolveSchema = z.object({ ids: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).min(1).max(1_000) });
/** A record refused before it reached the store, with its reason and the mapping version that refused it. */
export type QuarantineEntry = z.infer<typeof quarantineEntrySchema>;

/** The longest error text a health report may carry; a worker cuts its source's last error to it (fitError). */
export const MAX_HEALTH_ERROR_CHARS = 2_000;

/**
 * Pure: an error message cut to what a health report may carry, its start kept (where the cause is) and the cut
 * said. Without it one long message — a server's 400 listing thousands of refused records — made every later
 * health report of that feed a 400 itself, and the feed looked silent while it was failing loudly.
 */
export function fitError(message: string, max = MAX_HEALTH_ERROR_CHARS): string {
  if (message.length <= max) return message;
  const mark = ` … (${message.length} characters, cut)`;
  return message.slice(0, max - mark.length) + mark;
}

export const sourceHealthSchema = z.object({
  source: evidence(64).pipe(z.string().min(1)),
  type: evidence(32).pipe(z.string().min(1)),
  opd: z.string().min(1).max(32),
  expectedIntervalMs: ms.nullable(),
  reportIntervalMs: ms.min(1_000),
  lastSuccess: ms.nullable(),
  lastError: evidence(MAX_HEALTH_ERROR_CHARS).nullable(),
  lastErrorAt: ms.nullable(),
  recordsPerSecond: z.number().nonnegative().finite(),
  quarantined: ms,
  spoolDepth: ms,
  /** Optional: workers before issue 14 do not send them. */
  spoolFull: z.boolean().optional(),
  spoolDropped: ms.optional(),
});
export const healthReportSchema = z.object({ sources: z.array(sourceHealthSchema).min(1).max(200) });
export type SourceHealthReport = z.infer<typeof sourceHealthSchema>;

export { feedState, SILENT_AFTER_MS, type FeedHealth, type FeedReport, type FeedState } from './feed-state';
