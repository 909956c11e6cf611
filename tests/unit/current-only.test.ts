/**
 * server/public/current-only.ts: what anonymous sockets get of a current-only metric's deltas and catch-up, and
 * the flag itself. Rules named; the clock is an argument.
 */
import { describe, expect, it } from 'vitest';
import type { PointsAppended } from '../../shared/contract';
import { CURRENT_MAX_AGE_MS, currentDelta, currentOnly, publicHistoryMinutes, withoutHistory } from '../../server/public/current-only';

const NOW = Date.UTC(2026, 11, 6, 8, 0, 0);
const msg = (seq: number, points: PointsAppended['points']): PointsAppended => ({ metric: 'complaints_open', seq, series: [], points });

describe('current-only metrics', () => {
  it('[CO1] the flag: only publicHistory false makes a metric current-only (absent means history is public)', () => {
    expect(currentOnly({ publicHistory: false })).toBe(true);
    expect(currentOnly({ publicHistory: true })).toBe(false);
    expect(currentOnly({})).toBe(false);
    expect(currentOnly(undefined)).toBe(false);
    expect(publicHistoryMinutes({ publicHistory: false }, 1440)).toBe(0);
    expect(publicHistoryMinutes({}, 60)).toBe(60);
  });

  it('[CO2] a snapshot keeps each series latest reading and loses its history', () => {
    const meta = { id: 1, metric: 'complaints_open', region: null, lon: null, lat: null };
    const snap = { series: [{ ...meta, entity: 'kota', latest: { t: NOW, v: 3 }, history: [{ t: NOW - 60_000, avg: 2, min: 2, max: 2, last: 2 }] }] };
    expect(withoutHistory(snap).series).toEqual([{ ...meta, entity: 'kota', latest: { t: NOW, v: 3 }, history: [] }]);
  });

  it.each([
    [
      '[CO3] one series, a backlog and a new reading: only the newest',
      [
        msg(1, [
          { s: 1, t: NOW - 3_600_000, v: 9 },
          { s: 1, t: NOW - 1_000, v: 5 },
        ]),
      ],
      [[[1, NOW - 1_000, 5]]],
    ],
    ['[CO5] a reading older than CURRENT_MAX_AGE_MS is history, not current', [msg(1, [{ s: 1, t: NOW - CURRENT_MAX_AGE_MS - 1, v: 5 }])], [[]]],
    [
      '[CO6] a correction (was) goes out as a plain current reading, never with the value it replaced',
      [msg(1, [{ s: 2, t: NOW, v: 7, was: 6 }])],
      [[[2, NOW, 7]]],
    ],
    [
      '[CO7] series are independent',
      [
        msg(1, [
          { s: 1, t: NOW - 5, v: 1 },
          { s: 2, t: NOW - 9, v: 2 },
        ]),
      ],
      [
        [
          [1, NOW - 5, 1],
          [2, NOW - 9, 2],
        ],
      ],
    ],
  ] as const)('%s', (_rule, messages, expected) => {
    const out = messages.map((m) => currentDelta(m, NOW));
    expect(out.map((m) => m.seq)).toEqual(messages.map((m) => m.seq));
    expect(out.map((m) => m.points.map((p) => [p.s, p.t, p.v]))).toEqual(expected);
    expect(out.flatMap((m) => m.points).some((p) => 'was' in p)).toBe(false);
  });

  it('[CO8] deterministic per message and clock (applied per socket, live and in catch-up): again changes nothing', () => {
    const m = msg(4, [
      { s: 1, t: NOW - 30_000, v: 1 },
      { s: 1, t: NOW - 10_000, v: 2, was: 1 },
      { s: 3, t: NOW - 20_000, v: 8 },
    ]);
    const once = currentDelta(m, NOW);
    expect(currentDelta(m, NOW)).toEqual(once);
    expect(currentDelta(once, NOW)).toEqual(once);
    expect(once.points).toEqual([
      { s: 1, t: NOW - 10_000, v: 2 },
      { s: 3, t: NOW - 20_000, v: 8 },
    ]);
  });

  it.each([
    [
      '[CO9] every publik metric on /public: a backlog drained late reaches citizens as each series current reading',
      msg(5, [
        { s: 1, t: NOW - 7_200_000, v: 1 },
        { s: 1, t: NOW - 3_600_000, v: 2 },
        { s: 2, t: NOW - 3_600_000, v: 3 },
        { s: 1, t: NOW - 60_000, v: 4 },
      ]),
      [{ s: 1, t: NOW - 60_000, v: 4 }],
    ],
    [
      '[CO10] with corrections, the newest reading keeps the value it replaced (a folded minute moves its mean)',
      msg(6, [
        { s: 1, t: NOW - 120_000, v: 1 },
        { s: 1, t: NOW - 60_000, v: 5, was: 4 },
      ]),
      [{ s: 1, t: NOW - 60_000, v: 5, was: 4 }],
    ],
    [
      '[CO11] a reading and its correction in one batch (equal times): the later one, the correction, is kept',
      msg(7, [
        { s: 1, t: NOW - 1_000, v: 4 },
        { s: 1, t: NOW - 1_000, v: 6, was: 4 },
      ]),
      [{ s: 1, t: NOW - 1_000, v: 6, was: 4 }],
    ],
  ] as const)('%s', (_rule, m, expected) => {
    const out = currentDelta(m, NOW, { corrections: true });
    expect(out.seq).toBe(m.seq);
    expect(out.points).toEqual(expected);
  });

  it('[CO12] a message that is already current is passed on as it is (no copy for the common case)', () => {
    const m = msg(8, [
      { s: 1, t: NOW - 10_000, v: 1 },
      { s: 2, t: NOW - 10_000, v: 2, was: 1 },
    ]);
    expect(currentDelta(m, NOW, { corrections: true })).toBe(m);
    // without corrections the correction loses `was`: a new message
    expect(currentDelta(m, NOW).points).toEqual([
      { s: 1, t: NOW - 10_000, v: 1 },
      { s: 2, t: NOW - 10_000, v: 2 },
    ]);
  });
});
