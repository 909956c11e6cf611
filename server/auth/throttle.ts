/**
 * How long a login attempt waits after failures: the pure rule (table-tested in tests/unit/login-throttle.test.ts).
 * The first `freeFailures` cost nothing; each one after doubles the wait from `baseDelayMs`, up to `maxDelayMs`.
 * Counts are per (typed username, origin): a client address or a known device. The account-wide count ('any')
 * allows many more failures before it slows anything, and never slows a known device.
 */
export interface ThrottlePolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures of one account from all unknown origins before those slow down too. */
  accountFreeFailures: number;
}

export const ACCOUNT_ORIGIN = 'any';

export const originOf = (a: { deviceId: number | null; address: string | null }): string =>
  a.deviceId !== null ? `device:${a.deviceId}` : `addr:${a.address ?? 'unknown'}`;

/** The wait (ms) after the `failures`-th failure; 0: none. */
export function throttleDelayMs(policy: ThrottlePolicy, origin: string, failures: number): number {
  const free = origin === ACCOUNT_ORIGIN ? policy.accountFreeFailures : policy.freeFailures;
  if (failures < free) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(30, failures - free));
}

/** The origins an attempt is counted under: its own, and the account-wide one unless it is a known device. */
export const countedOrigins = (origin: string): string[] => (origin.startsWith('device:') ? [origin] : [origin, ACCOUNT_ORIGIN]);
