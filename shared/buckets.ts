/** Bucket choice for a time range: pure, shared by the API and the client. */
import type { Bucket } from './schemas';

export const BUCKET_MS: Record<Exclude<Bucket, 'raw'>, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The coarsest bucket that still gives a readable chart (a few hundred points) for [from, to):
 * up to 1 h raw, up to 2 days 1 min, up to 90 days 1 h, beyond that 1 day.
 */
export function chooseBucket(fromMs: number, toMs: number): Bucket {
  const span = toMs - fromMs;
  if (span <= HOUR) return 'raw';
  if (span <= 2 * DAY) return '1m';
  if (span <= 90 * DAY) return '1h';
  return '1d';
}

/** Longest range one request may ask for at each bucket, so no request can scan unbounded raw data. */
export const MAX_RANGE_MS: Record<Bucket, number> = { raw: 6 * HOUR, '1m': 7 * DAY, '1h': 400 * DAY, '1d': 20 * 365 * DAY };
