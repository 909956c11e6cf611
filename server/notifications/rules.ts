/**
 * The rules of outbound notifications, pure (clock passed in), table-tested in tests/unit/notification-rules.test.ts:
 * quiet hours, per-channel rate limits (neither holds back Awas), retry backoff and the webhook signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncidentSeverity } from '../../shared/incidents';

/** Quiet hours as minutes of the local day: [start, end), wrapping past midnight when start > end. */
export interface QuietHours {
  startMin: number;
  endMin: number;
  /** Minutes east of UTC of the city's zone (WIB 420, WITA 480, WIT 540; Indonesia keeps no daylight saving). */
  offsetMin: number;
}

/** Parses `22:00-06:00`; null for an empty value; throws a clear error for anything else. */
export function parseQuietHours(text: string | undefined, offsetMin: number): QuietHours | null {
  if (!text || !text.trim()) return null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new Error(`quiet hours must look like 22:00-06:00, not '${text}'`);
  const startMin = Number(m[1]) * 60 + Number(m[2]);
  const endMin = Number(m[3]) * 60 + Number(m[4]);
  if (startMin === endMin) throw new Error('quiet hours must not start and end at the same minute');
  return { startMin, endMin, offsetMin };
}

const DAY_MIN = 24 * 60;
const MIN = 60_000;

/**
 * When a message may go: now, unless it falls in quiet hours and is not Awas, then at the end of the quiet hours
 * (to the minute). Awas always goes at once.
 */
export function notBefore(now: number, severity: IncidentSeverity, quiet: QuietHours | null): number {
  if (!quiet || severity === 'awas') return now;
  const localMin = Math.floor(((now / MIN + quiet.offsetMin) % DAY_MIN) + DAY_MIN) % DAY_MIN;
  const inQuiet =
    quiet.startMin < quiet.endMin ? localMin >= quiet.startMin && localMin < quiet.endMin : localMin >= quiet.startMin || localMin < quiet.endMin;
  if (!inQuiet) return now;
  const wait = (quiet.endMin - localMin + DAY_MIN) % DAY_MIN;
  // to the start of the minute the quiet hours end
  return Math.floor(now / MIN) * MIN + wait * MIN;
}

/**
 * The per-channel rate limit (per address: one mailbox, one webhook): at most `perHour` messages in any hour.
 * Given the times of the messages sent to the address in the last hour, when the next may go (Awas: now).
 */
export function rateLimitedUntil(now: number, severity: IncidentSeverity, sentInLastHour: readonly number[], perHour: number): number {
  if (severity === 'awas' || sentInLastHour.length < perHour) return now;
  const sorted = [...sentInLastHour].sort((a, b) => a - b);
  // the message that must leave the window before another fits
  return Math.max(now, sorted[sorted.length - perHour]! + 60 * MIN);
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, maxMs: 15 * MIN, maxAttempts: 8 };

/** After failed attempt number `attempts` (1-based): try again at a doubling delay, or give up (dead letter). */
export function afterFailure(now: number, attempts: number, policy: RetryPolicy): { kind: 'retry'; at: number } | { kind: 'dead' } {
  if (attempts >= policy.maxAttempts) return { kind: 'dead' };
  return { kind: 'retry', at: now + Math.min(policy.maxMs, policy.baseMs * 2 ** (attempts - 1)) };
}

/**
 * A webhook's signing secret: derived from the installation's key per route, so no secret is stored in the
 * database; the admin gets it once when adding the route (and can derive it again with the key).
 */
export const webhookSecret = (key: Uint8Array, routeId: number): string =>
  createHmac('sha256', key).update(`sinergi-webhook:${routeId}`).digest('hex');

/** The `X-Sinergi-Signature` header value: `t=<ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (Stripe's scheme). */
export function signWebhook(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** How a receiver checks a signature (documented for gateways; used by the tests as a receiver would). */
export function verifyWebhook(secret: string, body: string, header: string, now: number, toleranceMs = 5 * MIN): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(now - t) > toleranceMs) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).slice(-64), 'hex');
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}
