/**
 * What `/public` sends of a room, and when (server/realtime/public-pace.ts): nothing empty, a paced room at most
 * once per interval (merged, numbered with the last seq it stands for and `prev`), everything else at once. The
 * client side of `prev` is in sync-engine.test.ts and live-store.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FanoutMessage } from '../../server/realtime/fanout';
import { createPublicPace, stampPublic, type PacedChannel } from '../../server/realtime/public-pace';

describe('stampPublic: the message for a view, and the seq to remember', () => {
  const table: {
    name: string;
    empty: boolean;
    first: number;
    seq: number;
    last: number | undefined;
    payload: object | null;
    remember: number;
  }[] = [
    { name: 'the next one after the last sent: no prev', empty: false, first: 8, seq: 8, last: 7, payload: { seq: 8 }, remember: 8 },
    { name: 'nothing sent yet in this process: no prev', empty: false, first: 8, seq: 8, last: undefined, payload: { seq: 8 }, remember: 8 },
    { name: 'after skipped ones: prev is the last sent', empty: false, first: 9, seq: 9, last: 7, payload: { seq: 9, prev: 7 }, remember: 9 },
    { name: 'merged 5..9 after 4: prev 4', empty: false, first: 5, seq: 9, last: 4, payload: { seq: 9, prev: 4 }, remember: 9 },
    {
      name: 'merged, nothing sent yet: prev before the first',
      empty: false,
      first: 5,
      seq: 9,
      last: undefined,
      payload: { seq: 9, prev: 4 },
      remember: 9,
    },
    { name: 'empty: not sent, the last sent stays', empty: true, first: 9, seq: 9, last: 7, payload: null, remember: 7 },
    { name: 'empty, nothing sent yet: remembers the seq before it', empty: true, first: 5, seq: 9, last: undefined, payload: null, remember: 4 },
  ];
  it.each(table)('$name', ({ empty, first, seq, last, payload, remember }) => {
    const r = stampPublic({}, empty, first, seq, last);
    expect(r.payload).toEqual(payload);
    expect(r.last).toBe(remember);
  });
});

/** A channel of numbers: the public view leaves odd ones out; a buffer keeps the last three. */
type Nums = { items: number[] };
const pacedKeys = new Set<string>();
const hidden = new Set<string>();
const channel: PacedChannel<Nums> = {
  deltaEvent: 'nums:changed',
  isPublik: (key) => !hidden.has(key),
  merge: (a, b) => ({ items: [...a.items, ...b.items] }),
  publicView: (msg) => ({ ...msg, items: msg.items.filter((n) => n % 2 === 0) }),
  publicPace: { paced: (key) => pacedKeys.has(key), empty: (v) => v.items.length === 0, compact: (d) => ({ items: d.items.slice(-3) }) },
};

describe('createPublicPace', () => {
  let clock = 0;
  let sent: FanoutMessage[][];
  let pace: ReturnType<typeof createPublicPace>;
  const offer = (room: string, seq: number, items: number[]) =>
    pace.offer(channel as PacedChannel<object>, { room, seq, data: { items }, volatile: false }, room);
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    clock = 0;
    sent = [];
    pacedKeys.clear();
    hidden.clear();
    pace = createPublicPace({ send: (m) => sent.push(m), intervalMs: 1_000, now: () => clock });
  });
  afterEach(() => vi.useRealTimers());

  it('a room not paced: each message at once; an empty view is not sent and the next one carries prev', () => {
    expect(offer('a', 1, [2])).toMatchObject({ room: 'a', event: 'nums:changed', payload: { seq: 1, items: [2] } });
    expect(offer('a', 2, [3])).toBeNull(); // its view is empty
    expect(offer('a', 3, [5, 7])).toBeNull();
    expect(offer('a', 4, [4, 9])).toMatchObject({ payload: { seq: 4, prev: 1, items: [4] } });
    expect(offer('a', 5, [6])!.payload).toEqual({ seq: 5, items: [6] });
    expect(sent).toEqual([]); // nothing went through the paced path
  });

  it('a paced room: the first message goes at once, the next ones within the interval merge into one', () => {
    pacedKeys.add('p');
    expect(offer('p', 1, [2])).toBeNull();
    vi.advanceTimersByTime(0); // after the current I/O turn
    expect(sent).toEqual([[{ room: 'p', event: 'nums:changed', payload: { seq: 1, items: [2] }, volatile: false }]]);
    for (let seq = 2; seq <= 6; seq++) {
      advance(100);
      expect(offer('p', seq, [seq * 10])).toBeNull();
    }
    expect(pace.waiting()).toBe(1);
    advance(499);
    expect(sent).toHaveLength(1);
    advance(1); // a second after the first send
    // seqs 2..6 as one message, numbered 6, following 1; the buffer kept the last three
    expect(sent[1]).toEqual([{ room: 'p', event: 'nums:changed', payload: { seq: 6, prev: 1, items: [40, 50, 60] }, volatile: false }]);
    expect(pace.waiting()).toBe(0);
    // quiet for more than the interval: the next one goes at once again, with no prev
    advance(2_000);
    offer('p', 7, [70]);
    vi.advanceTimersByTime(0);
    expect(sent[2]![0]!.payload).toEqual({ seq: 7, items: [70] });
  });

  it('a paced buffer whose view is empty is not sent; the next message carries prev', () => {
    pacedKeys.add('p');
    offer('p', 1, [2]);
    vi.advanceTimersByTime(0);
    offer('p', 2, [3]);
    offer('p', 3, [5]);
    advance(1_000);
    expect(sent).toHaveLength(1);
    advance(1_000);
    offer('p', 4, [8]);
    vi.advanceTimersByTime(0);
    expect(sent[1]![0]!.payload).toEqual({ seq: 4, prev: 1, items: [8] });
  });

  it('rooms are paced apart, and paced rooms due together leave in one delivery', () => {
    pacedKeys.add('p').add('q');
    offer('p', 1, [2]);
    offer('q', 11, [4]);
    vi.advanceTimersByTime(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((m) => [m.room, (m.payload as { seq: number }).seq])).toEqual([
      ['p', 1],
      ['q', 11],
    ]);
    expect(offer('a', 1, [6])).not.toBeNull(); // a room not paced is not held by the others
  });

  it('a room no longer paced (its catalog entry changed) sends at once with what its buffer held', () => {
    pacedKeys.add('p');
    offer('p', 1, [2]);
    vi.advanceTimersByTime(0);
    offer('p', 2, [4]);
    pacedKeys.delete('p');
    expect(offer('p', 3, [6])).toMatchObject({ payload: { seq: 3, prev: 1, items: [4, 6] } });
    advance(1_000);
    expect(sent).toHaveLength(1); // the buffer left with it, not again
  });

  it('a paced buffer of a metric reclassified while it waited does not leave', () => {
    pacedKeys.add('p');
    offer('p', 1, [2]);
    vi.advanceTimersByTime(0);
    offer('p', 2, [4]);
    hidden.add('p'); // no longer publik
    advance(1_000);
    expect(sent).toHaveLength(1);
    expect(pace.waiting()).toBe(0);
  });

  it('a throwing view loses that message only, and says so', () => {
    const errors: unknown[] = [];
    pace = createPublicPace({ send: (m) => sent.push(m), intervalMs: 1_000, now: () => clock, onError: (e) => errors.push(e) });
    pacedKeys.add('p');
    const bad: PacedChannel<Nums> = {
      ...channel,
      publicView: () => {
        throw new Error('view failed');
      },
    };
    pace.offer(bad as PacedChannel<object>, { room: 'p', seq: 1, data: { items: [2] }, volatile: false }, 'p');
    offer('x', 1, [2]);
    vi.advanceTimersByTime(0);
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([]);
    // only that message: the room's next one (a good view) leaves, following what was last sent (nothing yet)
    advance(1_000);
    offer('p', 2, [4]);
    vi.advanceTimersByTime(0);
    expect(sent).toEqual([[expect.objectContaining({ room: 'p', payload: { seq: 2, items: [4] } })]]);
  });
});
