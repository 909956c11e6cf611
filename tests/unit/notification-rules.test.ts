/** Quiet hours, rate limits, backoff and webhook signatures (server/notifications/rules.ts). */
import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  notBefore,
  parseQuietHours,
  rateLimitedUntil,
  signWebhook,
  verifyWebhook,
  webhookSecret,
} from '../../server/notifications/rules';

const MIN = 60_000;
// 2026-12-06 00:00 WIB is 2026-12-05 17:00 UTC
const wibMidnight = Date.UTC(2026, 11, 5, 17, 0);
const at = (hh: number, mm = 0) => wibMidnight + (hh * 60 + mm) * MIN;
const quiet = parseQuietHours('22:00-06:00', 420);

describe('quiet hours (22:00-06:00 WIB)', () => {
  it.each([
    ['noon goes now', at(12), 'siaga', at(12)],
    ['21:59 goes now', at(21, 59), 'siaga', at(21, 59)],
    ['22:00 waits until 06:00', at(22), 'siaga', at(30)],
    ['03:30 waits until 06:00', at(3, 30), 'waspada', at(6)],
    ['06:00 goes now', at(6), 'siaga', at(6)],
    ['Awas at 03:30 goes now', at(3, 30), 'awas', at(3, 30)],
  ] as const)('%s', (_n, now, severity, expected) => {
    expect(notBefore(now, severity, quiet)).toBe(expected);
  });
  it('hours inside one day (12:00-13:00) and none', () => {
    const lunch = parseQuietHours('12:00-13:00', 420);
    expect(notBefore(at(12, 30), 'siaga', lunch)).toBe(at(13));
    expect(notBefore(at(13), 'siaga', lunch)).toBe(at(13));
    expect(notBefore(at(3), 'siaga', parseQuietHours('', 420))).toBe(at(3));
  });
  it.each(['22-06', '25:00-06:00', '22:00-22:00', '22:00 - 06:00x'])('refuses %s', (text) => {
    expect(() => parseQuietHours(text, 420)).toThrow(/quiet hours/);
  });
});

describe('rate limit per channel address', () => {
  const now = at(12);
  it.each([
    ['under the limit: now', [now - 10 * MIN], 'siaga', 2, now],
    ['at the limit: when the oldest leaves the hour', [now - 50 * MIN, now - 10 * MIN], 'siaga', 2, now + 10 * MIN],
    ['Awas is never held back', [now - 50 * MIN, now - 10 * MIN], 'awas', 2, now],
  ] as const)('%s', (_n, sent, severity, perHour, expected) => {
    expect(rateLimitedUntil(now, severity, sent, perHour)).toBe(expected);
  });
});

describe('backoff and dead letters', () => {
  const policy = { baseMs: 5_000, maxMs: 60_000, maxAttempts: 5 };
  it.each([
    [1, { kind: 'retry', at: 5_000 }],
    [2, { kind: 'retry', at: 10_000 }],
    [4, { kind: 'retry', at: 40_000 }],
    [5, { kind: 'dead' }],
  ] as const)('after attempt %i', (attempts, expected) => {
    expect(afterFailure(0, attempts, policy)).toEqual(expected);
  });
  it('the delay stops growing at the maximum', () => {
    expect(afterFailure(0, 4, { ...policy, maxMs: 20_000 })).toEqual({ kind: 'retry', at: 20_000 });
  });
});

describe('webhook signatures', () => {
  const secret = webhookSecret(Buffer.alloc(32, 7), 3);
  const body = '{"incident":1}';
  it('a receiver verifies what was signed, and nothing altered, foreign or stale', () => {
    const t = 1_700_000_000_000;
    const header = signWebhook(secret, body, t);
    expect(verifyWebhook(secret, body, header, t + 1000)).toBe(true);
    expect(verifyWebhook(secret, body + ' ', header, t)).toBe(false);
    expect(verifyWebhook(webhookSecret(Buffer.alloc(32, 7), 4), body, header, t)).toBe(false);
    expect(verifyWebhook(secret, body, header, t + 10 * MIN)).toBe(false);
    expect(verifyWebhook(secret, body, 'nonsense', t)).toBe(false);
  });
});
