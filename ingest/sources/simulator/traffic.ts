/**
 * Traffic (Dishub): per road segment, a diurnal demand (commute peaks around 07:00 and 17:00 WIB on weekdays,
 * quieter weekends, Sunday-morning car free day on Jl. Pahlawan), random incidents and rain that cut capacity.
 * Speed follows a BPR-style volume–delay curve; the congestion index is 1 − speed / free-flow speed.
 */
import type { RoadSegment, World } from './entities';
import type { FloodModel } from './floods';
import { MINUTE, clamp, dayOfWeek, hourBump, localHour, rand, round, timeNoise } from './noise';

export interface TrafficState {
  intensity: number;
  speed: number;
  congestion: number;
}

const INCIDENT_SLOT = 2 * 60 * MINUTE;
const INCIDENT_PROBABILITY = 0.03;

/** Demand as a share of capacity, before the segment's own factors. */
export function demandProfile(t: number, seg: Pick<RoadSegment, 'morning' | 'evening' | 'road'>): number {
  const h = localHour(t);
  const dow = dayOfWeek(t);
  let d: number;
  if (dow >= 1 && dow <= 5) {
    d =
      0.07 +
      0.95 * seg.morning * hourBump(h, 7.1, 1.0) +
      0.5 * hourBump(h, 12.3, 2.2) +
      0.92 * seg.evening * hourBump(h, 17.1, 1.3) +
      0.3 * hourBump(h, 20, 1.8);
  } else if (dow === 6) {
    d = 0.1 + 0.45 * hourBump(h, 9.5, 2) + 0.55 * hourBump(h, 13, 3) + 0.8 * seg.evening * hourBump(h, 18, 2) + 0.4 * hourBump(h, 20.5, 1.5);
  } else {
    d = 0.08 + 0.35 * hourBump(h, 9.5, 2.5) + 0.5 * hourBump(h, 13, 3) + 0.6 * seg.evening * hourBump(h, 18, 2);
    // Car free day: Jl. Pahlawan is closed to traffic on Sunday 06:00–10:00.
    if (seg.road === 'Jl. Pahlawan' && h >= 6 && h < 10) d *= 0.04;
  }
  return d;
}

export class TrafficModel {
  private readonly last: { t: number; state: TrafficState }[];

  constructor(
    private readonly world: World,
    private readonly floods: FloodModel,
  ) {
    this.last = world.segments.map(() => ({ t: Number.NaN, state: { intensity: 0, speed: 0, congestion: 0 } }));
  }

  /** Capacity multiplier from incidents (a crash, a broken-down truck): rare, 20–60 minutes. */
  private incidentFactor(seg: RoadSegment, t: number): number {
    const s1 = Math.floor(t / INCIDENT_SLOT);
    let f = 1;
    for (let s = s1 - 1; s <= s1; s++) {
      if (rand(this.world.seed, seg.key, 0x1c1d, s) >= INCIDENT_PROBABILITY) continue;
      const start = s * INCIDENT_SLOT + rand(this.world.seed, seg.key, 0x1c1e, s) * INCIDENT_SLOT;
      const dur = (20 + 40 * rand(this.world.seed, seg.key, 0x1c1f, s)) * MINUTE;
      if (t >= start && t < start + dur) f = Math.min(f, 0.55);
    }
    return f;
  }

  state(index: number, t: number): TrafficState {
    const memo = this.last[index]!;
    if (memo.t === t) return memo.state;
    const seg = this.world.segments[index]!;
    const rain = this.floods.rainAt(seg.lon, seg.lat, t);
    const capacity = (seg.capacity * this.incidentFactor(seg, t)) / (1 + 0.012 * rain);
    const demand = seg.capacity * seg.demand * demandProfile(t, seg) * (1 + 0.07 * timeNoise(seg.key, 21, t, 20 * MINUTE));
    const x = Math.max(0, demand / capacity);
    // Past saturation the flow itself drops (stop-and-go).
    const flow = x <= 1 ? demand : capacity * Math.max(0.6, 1 - 0.6 * (x - 1));
    const speed = (seg.freeFlow / (1 + 1.5 * x ** 5)) * (1 / (1 + 0.006 * rain)) * (1 + 0.03 * timeNoise(seg.key, 22, t, 3 * MINUTE, 2));
    const s = round(clamp(speed, 3, seg.freeFlow), 1);
    const state: TrafficState = {
      intensity: Math.round(flow),
      speed: s,
      congestion: round(clamp(1 - s / seg.freeFlow, 0, 1), 3),
    };
    memo.t = t;
    memo.state = state;
    return state;
  }
}
