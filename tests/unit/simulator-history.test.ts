/** The demo's day story: a background back-fill of a week, and one afternoon downpour a day that reaches Siaga. */
import { describe, expect, it } from 'vitest';
import { createSimulator, HISTORY_CHUNK_MS, HISTORY_STEP_MS, nextHistoryWindow } from '../../ingest/sources/simulator';

const H = 3_600_000;
/** Midnight WIB, 22 Nov 2026. */
const DAY0 = Date.parse('2026-11-22T00:00:00+07:00');

describe('nextHistoryWindow', () => {
  /** Chunks are aligned to the epoch (UTC), so a restart resends the same windows. */
  const T0 = Date.parse('2026-11-22T00:00:00Z');
  it.each([
    // done, oldest → window
    [T0 + 10.5 * H, T0, { from: T0 + 10 * H, to: T0 + 10.5 * H }],
    [T0 + 10 * H, T0, { from: T0 + 8 * H, to: T0 + 10 * H }],
    [T0 + 1 * H, T0 + 0.5 * H, { from: T0 + 0.5 * H, to: T0 + 1 * H }],
    [T0, T0, null],
    [T0, T0 + H, null],
  ])('done %i, oldest %i → %o', (done, oldest, w) => expect(nextHistoryWindow(done, oldest)).toEqual(w));

  it('walks a week back in aligned chunks without gaps or overlaps', () => {
    const now = T0 + 7 * 24 * H + 1234;
    let done = now;
    let n = 0;
    for (let w = nextHistoryWindow(done, now - 7 * 24 * H); w; w = nextHistoryWindow(done, now - 7 * 24 * H)) {
      expect(w.to).toBe(done);
      expect(w.to - w.from).toBeLessThanOrEqual(HISTORY_CHUNK_MS);
      done = w.from;
      n++;
    }
    expect(done).toBe(now - 7 * 24 * H);
    expect(n).toBe(85);
  });
});

describe('simulator day story', () => {
  it('samples fast metrics once a minute in the back-fill, slow ones at their cadence', async () => {
    const sim = await createSimulator({ seed: 1 });
    const count = (step: number) => {
      const m = new Map<string, number>();
      for (const d of sim.collect(DAY0, DAY0 + H, false, step)) for (const p of d.points) m.set(p.metric, (m.get(p.metric) ?? 0) + 1);
      return m;
    };
    const full = count(0);
    const coarse = count(HISTORY_STEP_MS);
    expect(coarse.get('water_level')).toBe(full.get('water_level')! / 6); // 10 s cadence → 1 min
    expect(coarse.get('truck_load')).toBe(full.get('truck_load')! / 12); // 5 s cadence → 1 min
    expect(coarse.get('container_fill')).toBe(full.get('container_fill')); // already 1 min
  });

  it('every day of a week has an afternoon Siaga episode at some gate, none reaching Awas from it', async () => {
    const sim = await createSimulator({ seed: 1 });
    const gates = sim.world.gates;
    for (let d = 0; d < 7; d++) {
      let siagaAfternoon = false;
      for (let gi = 0; gi < gates.length && !siagaAfternoon; gi++) {
        for (let t = DAY0 + d * 24 * H + 13 * H; t < DAY0 + d * 24 * H + 21 * H; t += 5 * 60_000) {
          if (sim.floods.waterLevel(gi, t) >= 200) {
            siagaAfternoon = true;
            break;
          }
        }
      }
      expect(siagaAfternoon, `day ${d}`).toBe(true);
    }
  }, 60_000);
});
