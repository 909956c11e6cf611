import { describe, expect, it } from 'vitest';
import { paceDelay, type PaceState } from '../../server/realtime/pacing';

const rule = { intervalMs: 100, burst: 3 };

describe('paceDelay: a channel within its rate sends at once, a busier one waits for its next token', () => {
  const table: { name: string; state: PaceState | undefined; now: number; delayMs: number; tokens: number }[] = [
    { name: 'a first message goes at once, from a full bucket', state: undefined, now: 1_000, delayMs: 0, tokens: 2 },
    {
      name: 'a message after a quiet second goes at once (the bucket refilled, capped at the burst)',
      state: { tokens: 0, at: 0 },
      now: 1_000,
      delayMs: 0,
      tokens: 2,
    },
    { name: 'the last token of a burst is spent at once', state: { tokens: 1, at: 500 }, now: 500, delayMs: 0, tokens: 0 },
    { name: 'an empty bucket waits a whole interval', state: { tokens: 0, at: 500 }, now: 500, delayMs: 100, tokens: 0 },
    { name: 'half a token earned: waits the other half', state: { tokens: 0, at: 500 }, now: 550, delayMs: 50, tokens: 0 },
    { name: 'a token earned exactly: at once', state: { tokens: 0, at: 500 }, now: 600, delayMs: 0, tokens: 0 },
  ];
  it.each(table)('$name', ({ state, now, delayMs, tokens }) => {
    const r = paceDelay(state, now, rule);
    expect(r.delayMs).toBe(delayMs);
    expect(r.next.tokens).toBeCloseTo(tokens, 9);
    expect(r.next.at).toBe(now + delayMs);
  });

  it('keeps a flood at one message per interval on average after the burst', () => {
    let state: PaceState | undefined;
    let t = 0;
    const sends: number[] = [];
    // a channel that always has something pending: it sends as soon as it may
    for (let i = 0; i < 23; i++) {
      const r = paceDelay(state, t, rule);
      t += r.delayMs;
      sends.push(t);
      state = r.next;
    }
    expect(sends.slice(0, 3)).toEqual([0, 0, 0]);
    expect(sends.at(-1)).toBe(2_000); // 3 at once, then 20 more, one per 100 ms
  });
});
