/**
 * Validating a batch without stalling the server (issue 13.11): 50,000 invalid points parsed in one go held the
 * event loop for about a second and answered 25 MB of details. Items are parsed in slices, yielding to other
 * requests between slices, and at most MAX_REPORTED_ISSUES issues are reported (the last detail says how many
 * more there were). A worker quarantines the records named and sends the rest again, so a capped answer still
 * makes progress.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { z } from 'zod';
import { toIssueDetails, type IssueDetail } from '../../shared/schemas';

export const MAX_REPORTED_ISSUES = 1_000;
/** Items parsed between two yields (~10 ms of zod work for points). */
const SLICE = 1_000;

export type BatchParse<T> = { ok: true; items: T[] } | { ok: false; details: IssueDetail[] };

/** Caps a list of issues, ending with one that counts what was left out. */
export function capIssues(details: readonly IssueDetail[], total = details.length): IssueDetail[] {
  if (total <= MAX_REPORTED_ISSUES) return [...details];
  return [
    ...details.slice(0, MAX_REPORTED_ISSUES),
    { index: null, path: '', message: `${total - MAX_REPORTED_ISSUES} more issues not listed (at most ${MAX_REPORTED_ISSUES} are)` },
  ];
}

/**
 * Parses `body[field]` item by item with `item`, yielding between slices. The shape around the items (an
 * object with a non-empty array) is checked first with `batch`, whose issues are reported as they are.
 */
export async function parseBatch<T>(body: unknown, field: string, item: z.ZodType<T>, batch: z.ZodType): Promise<BatchParse<T>> {
  const items = (body as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(items) || items.length === 0) {
    const parsed = batch.safeParse(body);
    if (parsed.success) return { ok: true, items: [] };
    return { ok: false, details: capIssues(toIssueDetails(parsed.error)) };
  }
  const out: T[] = [];
  const details: IssueDetail[] = [];
  let total = 0;
  for (let start = 0; start < items.length; start += SLICE) {
    if (start > 0) await yieldToLoop();
    const end = Math.min(items.length, start + SLICE);
    for (let i = start; i < end; i++) {
      const r = item.safeParse(items[i]);
      if (r.success) {
        if (total === 0) out.push(r.data);
        continue;
      }
      for (const issue of r.error.issues) {
        total++;
        if (details.length < MAX_REPORTED_ISSUES) details.push({ index: i, path: issue.path.map(String).join('.'), message: issue.message });
      }
    }
  }
  return total === 0 ? { ok: true, items: out } : { ok: false, details: capIssues(details, total) };
}
