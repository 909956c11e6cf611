/**
 * Sanitation (DLH): garbage trucks cycling depot → containers → TPA Jatibarang → depot, containers filling up
 * between visits, and the landfill's intake since local midnight.
 *
 * Everything is closed-form in time: a truck's cycle index and offset follow from its period and phase; a
 * container's fill is the waste accumulated since the end of its last pickup (integral of an hourly
 * generation profile); a truck picks up exactly what its containers hold, and the landfill receives exactly
 * what the trucks dump, so mass is conserved between the three metrics.
 */
import { regionAt } from '../../../demo/city';
import type { Truck, World } from './entities';
import { alongPath, clamp, localDay, localHour, localMidnight, round, type LonLat } from './noise';

/** Waste generation by local hour, relative to the daytime rate. */
const HOURLY_GENERATION = [
  0.15, 0.15, 0.15, 0.15, 0.15, 0.4, 0.7, 1.1, 1.1, 1.1, 1.1, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.35, 0.35, 0.35,
] as const;
const CUMULATIVE = HOURLY_GENERATION.reduce<number[]>((acc, v) => [...acc, acc[acc.length - 1]! + v], [0]);
const DAY_SUM = CUMULATIVE[24]!;

/** "Effective hours" of generation since the epoch: its difference between two times integrates the profile. */
function effectiveHours(t: number): number {
  const h = localHour(t);
  const hi = Math.min(23, Math.floor(h));
  return localDay(t) * DAY_SUM + CUMULATIVE[hi]! + HOURLY_GENERATION[hi]! * (h - hi);
}

export interface TruckState {
  lon: number;
  lat: number;
  /** Tonnes on board. */
  load: number;
  region: string | null;
}

export class SanitationModel {
  /** For each container, the index of the pickup stage in its truck's cycle. */
  private readonly pickupStage: number[];

  constructor(private readonly world: World) {
    this.pickupStage = world.containers.map((c, ci) => {
      const truck = world.trucks[c.truck];
      const si = truck ? truck.stages.findIndex((s) => s.kind === 'pickup' && s.container === ci) : -1;
      if (si < 0) throw new Error(`container ${c.id} is not on any route`);
      return si;
    });
  }

  private cycleOf(tr: Truck, t: number): { n: number; off: number } {
    const u = t - tr.phase;
    const n = Math.floor(u / tr.period);
    return { n, off: u - n * tr.period };
  }

  /** Fill of a container (0..1) when pickup number n of its truck starts. */
  private fillBeforePickup(ci: number, n: number): number {
    const c = this.world.containers[ci]!;
    const tr = this.world.trucks[c.truck]!;
    const st = tr.stages[this.pickupStage[ci]!]!;
    const start = tr.phase + n * tr.period + st.start;
    const previousEnd = start - tr.period + st.dur;
    return Math.min(1, c.ratePerH * (effectiveHours(start) - effectiveHours(previousEnd)));
  }

  /** `container_fill` (0..1): grows between pickups, emptied during the pickup. */
  containerFill(ci: number, t: number): number {
    const c = this.world.containers[ci]!;
    const tr = this.world.trucks[c.truck]!;
    const st = tr.stages[this.pickupStage[ci]!]!;
    const u = t - tr.phase - st.start;
    const n = Math.floor(u / tr.period);
    const w = u - n * tr.period;
    if (w < st.dur) return round(this.fillBeforePickup(ci, n) * (1 - w / st.dur), 3);
    const end = t - (w - st.dur);
    return round(Math.min(1, c.ratePerH * (effectiveHours(t) - effectiveHours(end))), 3);
  }

  /** Tonnes a truck collects in cycle n. */
  private cycleTonnes(tr: Truck, n: number): number {
    let sum = 0;
    for (const st of tr.stages) {
      if (st.kind === 'pickup') sum += this.fillBeforePickup(st.container, n) * this.world.containers[st.container]!.capacityT;
    }
    return sum;
  }

  truckState(ti: number, t: number): TruckState {
    const tr = this.world.trucks[ti]!;
    const { n, off } = this.cycleOf(tr, t);
    let load = 0;
    let pos: LonLat = tr.depot;
    for (const st of tr.stages) {
      const inStage = off >= st.start && off < st.start + st.dur;
      const frac = clamp((off - st.start) / st.dur, 0, 1);
      if (st.kind === 'pickup') {
        load += this.fillBeforePickup(st.container, n) * this.world.containers[st.container]!.capacityT * frac;
      } else if (st.kind === 'dump') {
        load *= 1 - frac;
      }
      if (inStage) pos = st.kind === 'drive' ? alongPath(st.path, st.cum, (st.cum[st.cum.length - 1] ?? 0) * frac) : st.path[0]!;
    }
    const lon = round(pos[0], 6);
    const lat = round(pos[1], 6);
    return { lon, lat, load: round(load, 2), region: regionAt(this.world.city, lon, lat) };
  }

  /** `landfill_intake`: tonnes dumped at the landfill since 00:00 WIB (monotonic within the day). */
  landfillIntake(t: number): number {
    const d0 = localMidnight(t);
    let total = 0;
    for (const tr of this.world.trucks) {
      const ds = tr.stages[tr.dumpStage]!;
      const nFirst = Math.ceil((d0 - tr.phase - ds.start - ds.dur) / tr.period);
      const nLast = Math.floor((t - tr.phase - ds.start) / tr.period);
      for (let n = nFirst; n <= nLast; n++) {
        const start = tr.phase + n * tr.period + ds.start;
        const frac = clamp((Math.min(t, start + ds.dur) - Math.max(d0, start)) / ds.dur, 0, 1);
        if (frac > 0) total += this.cycleTonnes(tr, n) * frac;
      }
    }
    return round(total, 1);
  }
}
