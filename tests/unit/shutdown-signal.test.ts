/** One Ctrl-C arrives more than once (process group + relaying wrappers): a repeat is the same request; a database going away is an outage, logged in one line. */
import { describe, expect, it } from 'vitest';
import { REPEATED_SIGNAL_MS, signalAction } from '../../server/main';
import { isDatabaseUnavailable } from '../../db/unavailable';

describe('signalAction', () => {
  it.each([
    [null, 0, 'stop'],
    [1_000, 1_000, 'ignore'],
    [1_000, 1_000 + REPEATED_SIGNAL_MS - 1, 'ignore'],
    [1_000, 1_000 + REPEATED_SIGNAL_MS, 'exit'],
  ] as const)('first at %s, now %i → %s', (first, now, action) => expect(signalAction(first, now)).toBe(action));
});

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: '57P01' }, true], // admin shutdown (the demo's Ctrl-C)
    [{ code: '57P03' }, true], // cannot connect now (starting up)
    [{ code: '08006' }, true], // connection failure
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '23505' }, false], // unique violation: a bug, logged in full
    [new Error('boom'), false],
    [null, false],
  ])('%o → %s', (err, out) => expect(isDatabaseUnavailable(err)).toBe(out));
});
