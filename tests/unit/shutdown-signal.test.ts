/** One Ctrl-C arrives more than once (process group + relaying wrappers): a repeat is the same request. */
import { describe, expect, it } from 'vitest';
import { REPEATED_SIGNAL_MS, signalAction } from '../../server/main';

describe('signalAction', () => {
  it.each([
    [null, 0, 'stop'],
    [1_000, 1_000, 'ignore'],
    [1_000, 1_000 + REPEATED_SIGNAL_MS - 1, 'ignore'],
    [1_000, 1_000 + REPEATED_SIGNAL_MS, 'exit'],
  ] as const)('first at %s, now %i → %s', (first, now, action) => expect(signalAction(first, now)).toBe(action));
});
