import { describe, expect, it } from 'vitest';
import { ACCOUNT_ORIGIN, countedOrigins, originOf, throttleDelayMs, type ThrottlePolicy } from '../../server/auth/throttle';

const policy: ThrottlePolicy = { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, accountFreeFailures: 50 };

describe('throttleDelayMs', () => {
  it.each([
    ['addr:1.2.3.4', 1, 0, 'the first failures are free'],
    ['addr:1.2.3.4', 4, 0, ''],
    ['addr:1.2.3.4', 5, 1_000, 'then one second'],
    ['addr:1.2.3.4', 6, 2_000, 'doubling'],
    ['addr:1.2.3.4', 10, 32_000, ''],
    ['addr:1.2.3.4', 40, 15 * 60_000, 'up to the maximum'],
    ['addr:1.2.3.4', 10_000, 15 * 60_000, 'never overflowing'],
    ['device:7', 5, 1_000, 'a device counts like an address'],
    [ACCOUNT_ORIGIN, 49, 0, 'the account-wide count allows ten times more'],
    [ACCOUNT_ORIGIN, 50, 1_000, ''],
  ])('%s after %i failures waits %i ms (%s)', (origin, failures, expected) => {
    expect(throttleDelayMs(policy, origin, failures)).toBe(expected);
  });
  it('never slows a known device for failures elsewhere', () => {
    expect(countedOrigins(originOf({ deviceId: 7, address: '1.2.3.4' }))).toEqual(['device:7']);
    expect(countedOrigins(originOf({ deviceId: null, address: '1.2.3.4' }))).toEqual(['addr:1.2.3.4', ACCOUNT_ORIGIN]);
  });
});
