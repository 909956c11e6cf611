/** `GET /api/v1/sources/health`: ingest feed health as workers last reported it (operators/admins only; 403 otherwise). */
import type { FeedHealth, FeedState } from '@shared/feed-state';
import { ApiError, getJson, isNum, isObj } from './http';

const STATES: readonly FeedState[] = ['ok', 'late', 'failing', 'silent', 'spool_full'];
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNumOrNull = (x: unknown): x is number | null => x === null || isNum(x);
const isStrOrNull = (x: unknown): x is string | null => x === null || isStr(x);

/** Whether `x` has every field the wall relies on (unknown extra fields are tolerated). */
export function isFeedHealth(x: unknown): x is FeedHealth {
  return (
    isObj(x) &&
    isStr(x.source) &&
    x.source.length > 0 &&
    isStr(x.type) &&
    isStr(x.opd) &&
    x.opd.length > 0 &&
    isNumOrNull(x.expectedIntervalMs) &&
    isNum(x.reportIntervalMs) &&
    isNumOrNull(x.lastSuccess) &&
    isStrOrNull(x.lastError) &&
    isNumOrNull(x.lastErrorAt) &&
    isNum(x.recordsPerSecond) &&
    isNum(x.quarantined) &&
    isNum(x.spoolDepth) &&
    isNum(x.reportedAt) &&
    STATES.includes(x.state as FeedState)
  );
}

/** The valid entries of a `{ feeds: [...] }` message; malformed entries are dropped, not fatal. */
export function feedList(x: unknown): FeedHealth[] {
  if (!isObj(x) || !Array.isArray(x.feeds)) throw new ApiError(0, 'sources/health: unexpected response');
  return (x.feeds as unknown[]).filter(isFeedHealth);
}

export async function fetchFeedHealth(token: string, signal?: AbortSignal): Promise<FeedHealth[]> {
  return feedList(await getJson('/api/v1/sources/health', { Authorization: `Bearer ${token}` }, signal));
}
