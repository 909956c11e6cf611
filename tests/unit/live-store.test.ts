/**
 * The live store's series buffers: raw readings older than `rawWindowMs` folded into minute means, bounded
 * and constant in size in steady state, late readings, `latest`, resubscribe. Fake clock throughout.
 */
import { describe, expect, it } from 'vitest';
import type { Metric } from '@shared/catalog';
import type { MetricSnapshot, WireBucket, WirePoint } from '@shared/contract';
import { LiveStore, type SeriesBuffer } from '../../client/lib/live-store';
import { defaultLiveOptions, type LiveOptions } from '../../client/lib/live-options';

const MIN = 60_000;
/** 2026-11-22 10:00:00 UTC, a minute start. */
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

function metric(cadenceS: number): Metric {
  return {
    code: 'water_level',
    domain: 'floods',
    ownerOpd: 'bpbd',
    class: 'publik',
    unit: 'cm',
    nameId: 'Tinggi air',
    nameEn: 'Water level',
    cadenceS,
    thresholds: null,
  };
}

const SERIES = { id: 1, metric: 'water_level', entity: 'gate-1', region: null, lon: 110.4, lat: -6.97 };

function bucket(t: number, avg: number): WireBucket {
  return { t, avg, min: avg, max: avg, last: avg };
}

function snapshot(
  opts: { history?: WireBucket[]; latest?: { t: number; v: number } | null; cadenceS?: number; seq?: number; series?: (typeof SERIES)[] } = {},
): MetricSnapshot {
  const series = opts.series ?? [SERIES];
  return {
    metric: metric(opts.cadenceS ?? 10),
    seq: opts.seq ?? 0,
    series: series.map((s) => ({ ...s, latest: opts.latest ?? null, history: opts.history ?? [] })),
  };
}

/** A store on a fake clock, subscribed with `snap`, plus a way to send one delta per call. */
function setup(snap: MetricSnapshot, start: number, options: Partial<LiveOptions> = {}) {
  const clock = { now: start };
  const store = new LiveStore(options, () => clock.now);
  expect(store.applySnapshot(snap, clock.now)).toBe('applied');
  let seq = snap.seq;
  const send = (...points: WirePoint[]) => {
    seq++;
    expect(store.applyDelta({ metric: 'water_level', seq, series: [], points })).toBe('applied');
  };
  const buf = (id = 1): SeriesBuffer => store.get('water_level')!.series.get(id)!;
  return { clock, store, send, buf, resync: (s: MetricSnapshot) => ((seq = s.seq), store.applySnapshot(s, clock.now)) };
}

/** Readings of a series in a plain form, for exact comparisons. */
function points(b: SeriesBuffer): [number, number][] {
  return b.t.map((t, i) => [t, b.v[i]!]);
}

describe('live store folding', () => {
  it('has a documented 5-minute default raw window', () => {
    expect(defaultLiveOptions().rawWindowMs).toBe(5 * MIN);
  });

  it('folds readings older than the raw window into one point per UTC minute: its start, the mean', () => {
    const { clock, send, buf, store } = setup(snapshot(), T0);
    // 10:00:00–10:09:50, every 10 s; value = minute * 100 + second / 10 (minute 0: 0..5, minute 1: 100..105, …)
    for (let s = 0; s < 600; s += 10) {
      clock.now = T0 + s * 1000;
      send({ s: 1, t: clock.now, v: Math.floor(s / 60) * 100 + (s % 60) / 10 });
    }
    // now = 10:09:50 → foldBefore = minuteStart(10:04:50) = 10:04: minutes 0–3 folded, 10:04:00 on raw
    const b = buf();
    expect(b.t.slice(0, 4)).toEqual([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
    expect(b.v.slice(0, 4)).toEqual([2.5, 102.5, 202.5, 302.5]);
    expect(b.t[4]).toBe(T0 + 4 * MIN);
    expect(b.t.length).toBe(4 + 36); // 10:04:00 … 10:09:50 raw
    expect(b.t.slice(4)).toEqual(Array.from({ length: 36 }, (_, i) => T0 + 4 * MIN + i * 10_000));

    // a quiet metric folds through prune(): 10:11:00 → foldBefore 10:06
    clock.now = T0 + 11 * MIN;
    store.prune();
    expect(buf().t.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5].map((k) => T0 + k * MIN));
    expect(buf().v.slice(0, 6)).toEqual([2.5, 102.5, 202.5, 302.5, 402.5, 502.5]);
    expect(buf().t.length).toBe(6 + 24);
  });

  it('folds only whole minutes: readings stay raw for rawWindowMs to rawWindowMs + 1 min', () => {
    const { clock, send, buf } = setup(snapshot(), T0);
    send({ s: 1, t: T0 + 10_000, v: 1 }, { s: 1, t: T0 + 50_000, v: 3 });
    clock.now = T0 + 5 * MIN + 59_999; // 10:00:10 is 5 min 49.999 s old, but minute 10:00 is not over in the window
    send({ s: 1, t: clock.now, v: 9 });
    expect(buf().t.slice(0, 2)).toEqual([T0 + 10_000, T0 + 50_000]);
    clock.now = T0 + 6 * MIN;
    send({ s: 1, t: clock.now, v: 9 });
    expect(points(buf()).slice(0, 2)).toEqual([
      [T0, 2],
      [T0 + 5 * MIN + 59_999, 9],
    ]);
  });

  for (const cadenceS of [1, 10, 60]) {
    it(`stays bounded and constant in steady state at a ${cadenceS} s cadence (3 h, fake clock)`, () => {
      const start = T0 + 30_000; // mid-minute, as a real subscription
      // the snapshot a real subscription gets: 60 complete minutes + the current partial one, and the latest reading
      const history = Array.from({ length: 61 }, (_, i) => bucket(T0 - 60 * MIN + i * MIN, 50));
      const value = (t: number) => 50 + ((t / 1000) % 97);
      const { clock, send, buf } = setup(snapshot({ history, latest: { t: start - 1000, v: 50 }, cadenceS }), start);
      const { maxPointsPerSeries } = defaultLiveOptions();
      const sizes: { at: number; n: number }[] = [];
      for (let t = start; t <= start + 3 * 60 * MIN; t += cadenceS * 1000) {
        clock.now = t;
        send({ s: 1, t, v: value(t) });
        sizes.push({ at: t - start, n: buf().t.length });
      }
      const between = (from: number, to: number) => sizes.filter((s) => s.at >= from && s.at < to).map((s) => s.n);
      const settled = between(7 * MIN, Infinity);
      const lo = Math.min(...settled);
      const hi = Math.max(...settled);
      // ≈ 60 minute points (65 min of age less the 5–6 raw minutes) + 5–6 minutes of raw readings
      expect(lo).toBeGreaterThanOrEqual(59 + Math.floor(300 / cadenceS));
      expect(hi).toBeLessThanOrEqual(61 + Math.ceil(360 / cadenceS) + 1);
      expect(hi).toBeLessThan(maxPointsPerSeries); // the size comes from folding, not from the hard bound
      // the same band in the first hour as in the last: no growth after minute 7
      const early = between(7 * MIN, 60 * MIN);
      const late = between(120 * MIN, 180 * MIN);
      expect(Math.max(...early)).toBe(Math.max(...late));
      expect(Math.min(...early)).toBe(Math.min(...late));
      // the band is the one-minute saw-tooth of folding, not a drift
      expect(hi - lo).toBeLessThanOrEqual(Math.ceil(60 / cadenceS) + 2);

      // and the minute points are the minute means of what was received
      const b = buf();
      const m = 30; // some folded minute, well inside the buffer
      const i = b.t.findIndex((t) => t === T0 + 3 * 60 * MIN - m * MIN);
      expect(i).toBeGreaterThanOrEqual(0);
      const readings: number[] = [];
      for (let t = start; t <= start + 3 * 60 * MIN; t += cadenceS * 1000) if (t >= b.t[i]! && t < b.t[i]! + MIN) readings.push(value(t));
      expect(b.v[i]).toBeCloseTo(readings.reduce((a, x) => a + x, 0) / readings.length, 9);
      // ascending throughout
      for (let k = 1; k < b.t.length; k++) expect(b.t[k]!).toBeGreaterThan(b.t[k - 1]!);
    });
  }

  it('merges a late reading into its folded minute as one more sample, or starts that minute', () => {
    const { clock, send, buf } = setup(snapshot(), T0);
    // minute 10:00: six readings 1..6 (mean 3.5); minute 10:01: none; minute 10:02: one reading
    for (let k = 0; k < 6; k++) send({ s: 1, t: T0 + k * 10_000, v: k + 1 });
    send({ s: 1, t: T0 + 2 * MIN, v: 40 });
    clock.now = T0 + 8 * MIN; // foldBefore 10:03
    send({ s: 1, t: clock.now, v: 7 });
    expect(points(buf())).toEqual([
      [T0, 3.5],
      [T0 + 2 * MIN, 40],
      [T0 + 8 * MIN, 7],
    ]);

    send({ s: 1, t: T0 + 5_000, v: 10 }); // late, into the folded 10:00 (6 samples)
    expect(buf().v[0]).toBeCloseTo((3.5 * 6 + 10) / 7, 12);
    send({ s: 1, t: T0 + MIN + 30_000, v: 20 }); // late, a minute the buffer has no point for
    send({ s: 1, t: T0 + MIN + 45_000, v: 30 }); // and another one in it
    expect(points(buf()).slice(1, 3)).toEqual([
      [T0 + MIN, 25],
      [T0 + 2 * MIN, 40],
    ]);
    // an 8th sample 8 above the mean moves it by 8/8 = 1 (as one sample against 7, not 50/50)
    const mean7 = (3.5 * 6 + 10) / 7;
    send({ s: 1, t: T0 + 25_000, v: mean7 + 8 });
    expect(buf().v[0]).toBeCloseTo(mean7 + 1, 12);
    // a late reading still inside the raw window is slotted in as a raw reading
    send({ s: 1, t: T0 + 7 * MIN, v: 5 });
    expect(points(buf()).slice(-2)).toEqual([
      [T0 + 7 * MIN, 5],
      [T0 + 8 * MIN, 7],
    ]);
    // the newest reading is unchanged by late ones
    expect(buf().latestT).toBe(T0 + 8 * MIN);
    expect(buf().latestV).toBe(7);
  });

  it('applies a correction (a reading with `was`) as a replacement, raw or folded', () => {
    const { clock, send, buf } = setup(snapshot(), T0);
    for (let k = 0; k < 6; k++) send({ s: 1, t: T0 + k * 10_000, v: k + 1 }); // 10:00, mean 3.5 of 6
    clock.now = T0 + 8 * MIN; // 10:00 folds
    send({ s: 1, t: clock.now, v: 7 });
    expect(points(buf())[0]).toEqual([T0, 3.5]);
    // the reading 10:00:20 (3) corrected to 15: the mean is that of 1, 2, 15, 4, 5, 6 and the count stays
    send({ s: 1, t: T0 + 20_000, v: 15, was: 3 });
    expect(buf().v[0]).toBeCloseTo(33 / 6, 12);
    send({ s: 1, t: T0 + 30_000, v: 7 }); // a late reading afterwards still counts as the 7th sample
    expect(buf().v[0]).toBeCloseTo(40 / 7, 12);
    // raw: the reading at the same time is replaced
    send({ s: 1, t: clock.now, v: 9, was: 7 });
    expect(points(buf()).at(-1)).toEqual([T0 + 8 * MIN, 9]);
    expect(buf().latestV).toBe(9);
  });

  it('keeps latestT/latestV/lon/lat as the newest raw reading, folded or not', () => {
    const { clock, send, buf, store } = setup(snapshot(), T0);
    send({ s: 1, t: T0 + 17_000, v: 4, lon: 110.5, lat: -6.9 });
    send({ s: 1, t: T0 + 43_000, v: 6 });
    clock.now = T0 + 20 * MIN;
    store.prune();
    const b = buf();
    expect(points(b)).toEqual([[T0, 5]]); // folded: the buffer only has the minute point
    expect([b.latestT, b.latestV, b.lon, b.lat]).toEqual([T0 + 43_000, 6, 110.5, -6.9]);
    expect(store.get('water_level')!.newestT).toBe(T0 + 43_000);
    // a quiet series keeps its last known value even past maxAgeMs (as before)
    clock.now = T0 + 3 * 60 * MIN;
    store.prune();
    expect(points(buf())).toEqual([[T0, 5]]);
    expect(buf().latestT).toBe(T0 + 43_000);
  });

  it('folds the partial minute of the snapshot with the readings of that minute, the bucket as one sample', () => {
    const start = T0 + 20_000;
    const { clock, send, buf } = setup(snapshot({ history: [bucket(T0 - MIN, 8), bucket(T0, 10)], latest: { t: T0 + 19_000, v: 12 } }), start);
    expect(points(buf())).toEqual([
      [T0 - MIN, 8],
      [T0, 10],
      [T0 + 19_000, 12],
    ]);
    send({ s: 1, t: T0 + 30_000, v: 14 }, { s: 1, t: T0 + 40_000, v: 16 });
    clock.now = T0 + 6 * MIN;
    send({ s: 1, t: clock.now, v: 1 });
    expect(points(buf())).toEqual([
      [T0 - MIN, 8],
      [T0, (10 + 12 + 14 + 16) / 4],
      [T0 + 6 * MIN, 1],
    ]);
  });

  it('a resubscribe snapshot replaces everything, folded points and counts included', () => {
    const { clock, send, buf, resync, store } = setup(snapshot(), T0);
    for (let s = 0; s < 600; s += 10) {
      clock.now = T0 + s * 1000;
      send({ s: 1, t: clock.now, v: s });
    }
    expect(buf().t[0]).toBe(T0); // some folded minutes exist
    const other = { ...SERIES, id: 2, entity: 'gate-2' };
    const history = [bucket(T0, 1), bucket(T0 + MIN, 2), bucket(T0 + 9 * MIN, 3)];
    expect(resync(snapshot({ history, latest: { t: T0 + 9 * MIN + 40_000, v: 4 }, seq: 100, series: [other] }))).toBe('applied');
    expect([...store.get('water_level')!.series.keys()]).toEqual([2]);
    const b = buf(2);
    expect(points(b)).toEqual([
      [T0, 1],
      [T0 + MIN, 2],
      [T0 + 9 * MIN, 3],
      [T0 + 9 * MIN + 40_000, 4],
    ]);
    expect([b.latestT, b.latestV]).toEqual([T0 + 9 * MIN + 40_000, 4]);
    // the old 10:00 point stood for 6 readings; the new one is a bucket, weighted as one sample
    send({ s: 2, t: T0 + 30_000, v: 5 });
    expect(buf(2).v[0]).toBe(3);
  });

  it('keeps maxPointsPerSeries and maxAgeMs as hard bounds', () => {
    const { clock, send, buf } = setup(snapshot(), T0, { maxPointsPerSeries: 100, maxAgeMs: 20 * MIN });
    let most = 0;
    for (let t = T0; t <= T0 + 60 * MIN; t += 1000) {
      clock.now = t;
      send({ s: 1, t, v: 1 });
      most = Math.max(most, buf().t.length);
      expect(buf().t[buf().t.length - 1]).toBe(t); // the newest is always kept
    }
    expect(most).toBe(100); // 1 s readings fill the 100 points before any minute folds
    const { clock: c2, send: send2, buf: buf2 } = setup(snapshot(), T0, { maxAgeMs: 20 * MIN });
    for (let t = T0; t <= T0 + 60 * MIN; t += 10_000) {
      c2.now = t;
      send2({ s: 1, t, v: 1 });
      expect(buf2().t[0]!).toBeGreaterThanOrEqual(t - 20 * MIN);
    }
    // 20 minutes: 14–15 minute points + 5–6 minutes of 10 s readings
    expect(buf2().t.length).toBeLessThanOrEqual(15 + 37);
  });

  it('rawWindowMs = Infinity keeps every raw reading (folding off)', () => {
    const { clock, send, buf } = setup(snapshot(), T0, { rawWindowMs: Infinity });
    for (let t = T0; t <= T0 + 30 * MIN; t += 10_000) {
      clock.now = t;
      send({ s: 1, t, v: 1 });
    }
    expect(buf().t.length).toBe(181);
  });

  it('a message standing for several (prev) that overlaps what is held adds only readings newer than each series holds', () => {
    const two = [SERIES, { ...SERIES, id: 2, entity: 'gate-2' }];
    const { clock, store, buf } = setup(snapshot({ seq: 5, series: two }), T0);
    clock.now = T0 + 6 * MIN;
    // a catch-up brought seqs 6 and 7: a reading of series 1 in a folded minute and a raw one of series 2
    expect(store.applyDelta({ metric: 'water_level', seq: 6, series: [], points: [{ s: 1, t: T0 + 10_000, v: 4 }] })).toBe('applied');
    expect(store.applyDelta({ metric: 'water_level', seq: 7, series: [], points: [{ s: 2, t: T0 + 5 * MIN, v: 8 }] })).toBe('applied');
    const before = points(buf(1));
    // then the citizens' merged message of 6..9 (following 5): each series' newest of them
    const r = store.applyDelta({
      metric: 'water_level',
      seq: 9,
      prev: 5,
      series: [],
      points: [
        { s: 1, t: T0 + 10_000, v: 4 }, // held: a folded minute must not count it twice
        { s: 2, t: T0 + 5 * MIN + 30_000, v: 9 }, // newer than held
      ],
    });
    expect(r).toBe('applied');
    expect(store.get('water_level')!.seq).toBe(9);
    expect(points(buf(1))).toEqual(before);
    // the folded minute still holds one sample: a late one of that minute makes it the mean of two
    expect(store.applyDelta({ metric: 'water_level', seq: 10, series: [], points: [{ s: 1, t: T0 + 40_000, v: 10 }] })).toBe('applied');
    expect(points(buf(1))[0]).toEqual([T0, 7]);
    expect(points(buf(2))).toEqual([
      [T0 + 5 * MIN, 8],
      [T0 + 5 * MIN + 30_000, 9],
    ]);
    // no overlap (prev = the held seq): applied as any delta
    expect(store.applyDelta({ metric: 'water_level', seq: 12, prev: 10, series: [], points: [{ s: 1, t: clock.now, v: 6 }] })).toBe('applied');
    expect(points(buf(1)).length).toBe(before.length + 1);
  });
});
