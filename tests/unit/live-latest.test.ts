import { describe, expect, it } from 'vitest';
import type { Metric } from '../../shared/catalog';
import type { MetricSnapshot } from '../../shared/contract';
import { createLiveLatest, foldDelta, type LatestDelta } from '../../server/public/live-latest';

const metric = { code: 'rainfall', class: 'publik' } as unknown as Metric;
const meta = (id: number, entity: string) => ({ id, metric: 'rainfall', entity, region: null, lon: null, lat: null });
const base: MetricSnapshot = {
  metric,
  seq: 4,
  series: [
    { ...meta(1, 'A'), latest: { t: 100, v: 1 }, history: [] },
    { ...meta(2, 'B'), latest: null, history: [] },
  ],
};
const visible = (e: string) => e !== 'SECRET';

describe('foldDelta: the compact state after one delta', () => {
  const table: { name: string; delta: LatestDelta; latest: Record<string, { t: number; v: number } | null>; extra?: (s: MetricSnapshot) => void }[] =
    [
      {
        name: 'a newer reading replaces the latest',
        delta: { seq: 5, series: [], points: [{ s: 1, t: 200, v: 2 }] },
        latest: { A: { t: 200, v: 2 }, B: null },
      },
      { name: 'a late reading does not', delta: { seq: 5, series: [], points: [{ s: 1, t: 50, v: 9 }] }, latest: { A: { t: 100, v: 1 }, B: null } },
      {
        name: 'a first reading fills a series',
        delta: { seq: 5, series: [], points: [{ s: 2, t: 10, v: 3 }] },
        latest: { A: { t: 100, v: 1 }, B: { t: 10, v: 3 } },
      },
      {
        name: 'a new series arrives with its reading',
        delta: { seq: 5, series: [meta(3, 'C')], points: [{ s: 3, t: 300, v: 4 }] },
        latest: { A: { t: 100, v: 1 }, B: null, C: { t: 300, v: 4 } },
      },
      {
        name: 'a new lined series arrives without its line (the public reads lines from REST)',
        delta: {
          seq: 5,
          series: [
            {
              ...meta(3, 'C'),
              name: 'Jl. C',
              path: [
                [110.4, -7],
                [110.41, -7.01],
              ],
            },
          ],
          points: [],
        },
        latest: { A: { t: 100, v: 1 }, B: null, C: null },
        extra: (s) => expect(s.series[2]).toEqual({ ...meta(3, 'C'), name: 'Jl. C', latest: null, history: [] }),
      },
      {
        name: 'a series the public may not see stays out, with its readings',
        delta: { seq: 5, series: [meta(9, 'SECRET')], points: [{ s: 9, t: 300, v: 4 }] },
        latest: { A: { t: 100, v: 1 }, B: null },
      },
      {
        name: 'a moving thing takes its newest position',
        delta: { seq: 5, series: [], points: [{ s: 1, t: 200, v: 2, lon: 110.4, lat: -7 }] },
        latest: { A: { t: 200, v: 2 }, B: null },
        extra: (s) => expect([s.series[0]!.lon, s.series[0]!.lat]).toEqual([110.4, -7]),
      },
    ];
  it.each(table)('$name', ({ delta, latest, extra }) => {
    const next = foldDelta(base, delta, visible);
    expect(next.seq).toBe(5);
    expect(Object.fromEntries(next.series.map((s) => [s.entity, s.latest]))).toEqual(latest);
    extra?.(next);
    expect(base.series[0]!.latest).toEqual({ t: 100, v: 1 }); // the input is left as it was
  });
});

describe('createLiveLatest', () => {
  function harness() {
    let seq = 4;
    let loads = 0;
    let now = 0;
    let gate: Promise<void> = Promise.resolve();
    const rows = [
      { ...meta(1, 'A'), latest: { t: 100, v: 1 }, history: [] },
      { ...meta(2, 'SECRET'), latest: { t: 100, v: 7 }, history: [] },
    ];
    const live = createLiveLatest({
      load: async () => {
        loads++;
        await gate;
        return { metric, series: rows.map((r) => ({ ...r })) };
      },
      seqOf: () => seq,
      visible: (_m, e) => visible(e),
      refreshMs: 30_000,
      clock: () => now,
    });
    return {
      live,
      loads: () => loads,
      setSeq: (s: number) => (seq = s),
      advance: (ms: number) => (now += ms),
      hold: () => {
        let open!: () => void;
        gate = new Promise((r) => (open = r));
        return open;
      },
      rows,
    };
  }

  it('a crowd shares one load and one encoded object; the public never sees a secret series, nor a line', async () => {
    const h = harness();
    Object.assign(h.rows[0]!, {
      path: [
        [110.4, -7],
        [110.41, -7.01],
      ],
    });
    const got = await Promise.all(Array.from({ length: 100 }, () => h.live.get(metric)));
    expect(h.loads()).toBe(1);
    expect(new Set(got).size).toBe(1);
    expect(got[0]!.seq).toBe(4);
    expect(got[0]!.series.map((s) => s.entity)).toEqual(['A']);
    expect(got[0]!.series[0]).not.toHaveProperty('path');
  });

  it('folds deltas in without a query; the next subscriber gets the new state and its seq', async () => {
    const h = harness();
    const first = await h.live.get(metric);
    h.live.apply('rainfall', { seq: 5, series: [], points: [{ s: 1, t: 200, v: 2 }] });
    const second = await h.live.get(metric);
    expect(h.loads()).toBe(1);
    expect(second).not.toBe(first);
    expect(second.seq).toBe(5);
    expect(second.series[0]!.latest).toEqual({ t: 200, v: 2 });
    expect(first.series[0]!.latest).toEqual({ t: 100, v: 1 }); // what was handed out does not change
  });

  it('reloads after a gap in the sequence, and refreshes behind after refreshMs', async () => {
    const h = harness();
    await h.live.get(metric);
    h.setSeq(9);
    h.live.apply('rainfall', { seq: 9, series: [], points: [{ s: 1, t: 900, v: 9 }] });
    expect((await h.live.get(metric)).seq).toBe(9);
    expect(h.loads()).toBe(2);
    h.advance(30_000);
    expect((await h.live.get(metric)).seq).toBe(9); // served at once, reloaded behind
    await new Promise((r) => setImmediate(r));
    expect(h.loads()).toBe(3);
  });

  it('folds what was delivered while the load was in flight, skipping what the load already had', async () => {
    const h = harness();
    const open = h.hold();
    const pending = h.live.get(metric);
    h.live.apply('rainfall', { seq: 4, series: [], points: [{ s: 1, t: 150, v: 4 }] }); // at or before the load's seq
    h.live.apply('rainfall', { seq: 5, series: [], points: [{ s: 1, t: 200, v: 5 }] });
    open();
    const got = await pending;
    expect(got.seq).toBe(5);
    expect(got.series[0]!.latest).toEqual({ t: 200, v: 5 });
  });
});
