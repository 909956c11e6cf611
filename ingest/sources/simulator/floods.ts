/**
 * Floods (BPBD): moving rain cells, rain gauges, water levels at gates and pump houses, pumps, flood reports.
 *
 * Rain is a sum of convective cells. Each hour-long slot may spawn a few cells (more likely in the afternoon
 * and on "wet" days); a cell has a start, a duration, a peak intensity, a Gaussian footprint and a velocity.
 * A gate's level is its dry-weather base + tide (rob) + noise + a saturating response to the rain over its
 * catchment, smoothed by an exponential kernel and delayed by the travel time.
 */
import type { EventInput } from '../../../shared/schemas';
import type { Gate, World } from './entities';
import { pointInKelurahan } from './entities';
import { HOUR, MINUTE, Memo, clamp, kmToDeg, localDay, localHour, localYmdHm, rand, rngStream, round, timeNoise } from './noise';

/** Thresholds used by the flood reports (mirrors the catalog's water_level thresholds). */
export const WATER_WASPADA_CM = 150;
export const WATER_SIAGA_CM = 200;

const RAIN_SLOT = HOUR;
const CELLS_PER_SLOT = 3;
const MAX_CELL_DUR = 150 * MINUTE;

/** Catchment response kernel: samples every 5 min over 2 h, e-folding time 40 min. */
const KERNEL_STEP = 5 * MINUTE;
const KERNEL_N = 24;
const KERNEL_WEIGHTS = Array.from({ length: KERNEL_N }, (_, j) => Math.exp((-j * KERNEL_STEP) / (40 * MINUTE)));
const KERNEL_SUM = KERNEL_WEIGHTS.reduce((a, b) => a + b, 0);
/** The rise saturates towards this many cm (the river spills over its banks beyond it). */
const RISE_SATURATION_CM = 230;

const TIDE_M2_MS = 12.42 * HOUR;
const TIDE_K1_MS = 23.93 * HOUR;

/** Flood reports: a new report needs the level to have stayed below Siaga this long before. */
const REPORT_QUIET_MIN = 180;
/** Longest life of a flood report. */
const REPORT_MAX_LIFE = 12 * HOUR;

interface RainCell {
  t0: number;
  dur: number;
  peak: number;
  /** Position at mid-life, and velocity in degrees per ms. */
  xm: number;
  ym: number;
  vx: number;
  vy: number;
  inv2s2: number;
}

export interface FloodReport {
  id: string;
  gate: Gate;
  lon: number;
  lat: number;
  region: string | null;
  title: string;
  transitions: { status: string; time: number }[];
}

export class FloodModel {
  private readonly cells = new Memo<number, RainCell[]>(4096);
  private readonly minuteLevels = new Memo<number, Float64Array>(8192);
  private readonly lastLevel: { t: number; v: number }[];

  constructor(private readonly world: World) {
    this.lastLevel = world.gates.map(() => ({ t: Number.NaN, v: 0 }));
  }

  private cellsOfSlot(slot: number): RainCell[] {
    return this.cells.get(slot, () => {
      const seed = this.world.seed;
      const mid = slot * RAIN_SLOT + RAIN_SLOT / 2;
      const h = localHour(mid);
      const base = h >= 13 && h < 18 ? 0.3 : h >= 18 && h < 22 ? 0.15 : h >= 6 && h < 13 ? 0.06 : 0.05;
      const wetness = 0.25 + 1.5 * rand(seed, 0xda7, localDay(mid));
      const p = base * wetness;
      const out: RainCell[] = [];
      const daily = this.dailyDownpour(slot);
      if (daily) out.push(daily);
      for (let k = 0; k < CELLS_PER_SLOT; k++) {
        if (rand(seed, 0x7a1, slot, k) >= p) continue;
        const r = (i: number): number => rand(seed, 0x7a2, slot, k * 16 + i);
        const dur = (40 + 110 * r(1)) * MINUTE;
        const speedDegPerMs = kmToDeg(8 + 17 * r(2)) / HOUR;
        const dir = 2 * Math.PI * r(3);
        const sigma = kmToDeg(2.5 + 4 * r(4));
        out.push({
          t0: slot * RAIN_SLOT + r(5) * RAIN_SLOT,
          dur,
          peak: 3 + 57 * r(6) ** 2.2,
          xm: 110.24 + 0.3 * r(7),
          ym: -7.15 + 0.24 * r(8),
          vx: speedDegPerMs * Math.cos(dir),
          vy: speedDegPerMs * Math.sin(dir),
          inv2s2: 1 / (2 * sigma * sigma),
        });
      }
      return out;
    });
  }

  /**
   * The day's afternoon downpour: every day one slow, heavy cell (50–60 mm/h, ~100 min) starts between
   * 13.00 and 17.00 WIB right over the upstream catchment of one gate (a different one each day), so the
   * demo shows one Siaga episode a day at a plausible hour on top of the random showers.
   */
  private dailyDownpour(slot: number): RainCell | null {
    const gates = this.world.gates;
    if (gates.length === 0) return null;
    const seed = this.world.seed;
    const mid = slot * RAIN_SLOT + RAIN_SLOT / 2;
    const day = localDay(mid);
    const hour = 13 + Math.floor(4 * rand(seed, 0xd0d, day));
    if (Math.floor(localHour(mid)) !== hour) return null;
    const g = gates[Math.floor(rand(seed, 0xd0e, day) * gates.length)]!;
    const sigma = kmToDeg(4);
    return {
      t0: slot * RAIN_SLOT + rand(seed, 0xd0f, day) * 30 * MINUTE,
      dur: 100 * MINUTE,
      peak: 50 + 10 * rand(seed, 0xd10, day),
      xm: g.upstream[0],
      ym: g.upstream[1],
      vx: 0,
      vy: 0,
      inv2s2: 1 / (2 * sigma * sigma),
    };
  }

  /** Rain intensity (mm/h) at a place and time. */
  rainAt(lon: number, lat: number, t: number): number {
    let sum = 0;
    const s1 = Math.floor(t / RAIN_SLOT);
    for (let s = Math.floor((t - MAX_CELL_DUR) / RAIN_SLOT); s <= s1; s++) {
      for (const c of this.cellsOfSlot(s)) {
        const x = (t - c.t0) / c.dur;
        if (x <= 0 || x >= 1) continue;
        const dtm = t - (c.t0 + c.dur / 2);
        const dx = lon - (c.xm + c.vx * dtm);
        const dy = lat - (c.ym + c.vy * dtm);
        const env = Math.sin(Math.PI * x);
        sum += c.peak * env * env * Math.exp(-(dx * dx + dy * dy) * c.inv2s2);
      }
    }
    return sum;
  }

  /** A rain gauge reading, mm/h (0.1 resolution; traces below it read 0). */
  rainfall(lon: number, lat: number, t: number): number {
    const r = this.rainAt(lon, lat, t);
    return r < 0.1 ? 0 : round(r, 1);
  }

  /** Smoothed, delayed catchment rain of a gate (mm/h). */
  catchmentRain(g: Gate, t: number): number {
    let acc = 0;
    const lag = g.lagMin * MINUTE;
    for (let j = 0; j < KERNEL_N; j++) {
      const tt = t - lag - j * KERNEL_STEP;
      const r = 0.75 * this.rainAt(g.upstream[0], g.upstream[1], tt) + 0.25 * this.rainAt(g.lon, g.lat, tt);
      acc += KERNEL_WEIGHTS[j]! * r;
    }
    return acc / KERNEL_SUM;
  }

  /** Water level at a gate (cm), unrounded. */
  level(g: Gate, t: number): number {
    const tide = g.tideAmp * (Math.sin((2 * Math.PI * t) / TIDE_M2_MS + 2 * Math.PI * g.tidePhase) + 0.4 * Math.sin((2 * Math.PI * t) / TIDE_K1_MS));
    const slow = 6 * timeNoise(g.key, 11, t, 3 * HOUR);
    const fast = 1.5 * timeNoise(g.key, 12, t, 5 * MINUTE, 2);
    const rise = RISE_SATURATION_CM * (1 - Math.exp((-g.gain * this.catchmentRain(g, t)) / RISE_SATURATION_CM));
    return Math.max(5, g.base + tide + slow + fast + rise);
  }

  /** The `water_level` reading (cm, 0.1 resolution). */
  waterLevel(gateIndex: number, t: number): number {
    const memo = this.lastLevel[gateIndex]!;
    if (memo.t !== t) {
      memo.t = t;
      memo.v = round(this.level(this.world.gates[gateIndex]!, t), 1);
    }
    return memo.v;
  }

  /** Share of a pump house's pumps running (0..1): more pumps start as the water rises above its base. */
  pumpRunning(gateIndex: number, t: number): number {
    const g = this.world.gates[gateIndex]!;
    if (g.pumps === 0) return 0;
    const excess = this.waterLevel(gateIndex, t) - (g.base + 12);
    const on = clamp(Math.ceil(excess / 22), 0, g.pumps);
    return round(on / g.pumps, 3);
  }

  // -------------------------------------------------------------------------------------------------------
  // Flood reports
  // -------------------------------------------------------------------------------------------------------

  private levelAtMinute(gateIndex: number, minute: number): number {
    const hour = Math.floor(minute / 60);
    const arr = this.minuteLevels.get(hour * 64 + gateIndex, () => {
      const g = this.world.gates[gateIndex]!;
      const a = new Float64Array(60);
      for (let m = 0; m < 60; m++) a[m] = this.level(g, (hour * 60 + m) * MINUTE);
      return a;
    });
    return arr[minute - hour * 60]!;
  }

  /** Start minutes of Siaga episodes of a gate within [m0, m1]. */
  private episodeStarts(gateIndex: number, m0: number, m1: number): number[] {
    const starts: number[] = [];
    let lastHigh = -Infinity;
    for (let m = m0 - REPORT_QUIET_MIN; m <= m1; m++) {
      if (this.levelAtMinute(gateIndex, m) < WATER_SIAGA_CM) continue;
      if (m >= m0 && m - lastHigh > REPORT_QUIET_MIN) starts.push(m);
      lastHigh = m;
    }
    return starts;
  }

  private report(gateIndex: number, startMinute: number): FloodReport {
    const g = this.world.gates[gateIndex]!;
    const s = startMinute * MINUTE;
    const rng = rngStream(this.world.seed, g.key, startMinute, 0xf100d);
    const assessed = s + Math.round((10 + 30 * rng()) * MINUTE);
    const handled = s + Math.round((45 + 75 * rng()) * MINUTE);
    let closed = s + REPORT_MAX_LIFE;
    for (let m = startMinute + 1; m * MINUTE < s + REPORT_MAX_LIFE; m++) {
      if (this.levelAtMinute(gateIndex, m) < WATER_WASPADA_CM) {
        closed = Math.max(handled + 15 * MINUTE, m * MINUTE + 30 * MINUTE);
        break;
      }
    }
    closed = Math.min(closed, s + REPORT_MAX_LIFE);
    const kel = this.world.kelurahan.find((k) => k.code === g.region);
    const [lon, lat] = kel ? pointInKelurahan(kel, rng, 0.6) : [g.lon, g.lat];
    return {
      id: `LB-${g.id}-${localYmdHm(s)}`,
      gate: g,
      lon: round(lon, 6),
      lat: round(lat, 6),
      region: kel?.code ?? g.region,
      title: `Genangan di sekitar ${g.name} (${g.river})${kel ? `, Kel. ${kel.name}` : ''}`,
      transitions: [
        { status: 'reported', time: s },
        { status: 'assessed', time: assessed },
        { status: 'handled', time: Math.max(handled, assessed + MINUTE) },
        { status: 'closed', time: Math.max(closed, handled + 15 * MINUTE) },
      ],
    };
  }

  /** Every report that may have a transition in [from, to] (starts up to REPORT_MAX_LIFE earlier). */
  private reports(from: number, to: number): FloodReport[] {
    const m0 = Math.floor((from - REPORT_MAX_LIFE - HOUR) / MINUTE);
    const m1 = Math.floor(to / MINUTE);
    const out: FloodReport[] = [];
    for (let gi = 0; gi < this.world.gates.length; gi++) {
      for (const m of this.episodeStarts(gi, m0, m1)) out.push(this.report(gi, m));
    }
    return out;
  }

  /** flood_report events whose transition time is in (from, to]. */
  reportEventsBetween(from: number, to: number): EventInput[] {
    const out: EventInput[] = [];
    for (const r of this.reports(from, to)) {
      for (const tr of r.transitions) if (tr.time > from && tr.time <= to) out.push(toEvent(r, tr));
    }
    return out;
  }

  /** The history (transitions at or before `at`) of the reports still open at `at`. */
  reportHistory(at: number): EventInput[] {
    const out: EventInput[] = [];
    for (const r of this.reports(at, at)) {
      const closed = r.transitions[r.transitions.length - 1]!.time;
      if (r.transitions[0]!.time > at || closed <= at) continue;
      for (const tr of r.transitions) if (tr.time <= at) out.push(toEvent(r, tr));
    }
    return out;
  }
}

function toEvent(r: FloodReport, tr: { status: string; time: number }): EventInput {
  const e: EventInput = { kind: 'flood_report', id: r.id, status: tr.status, time: tr.time, lon: r.lon, lat: r.lat, title: r.title };
  if (r.region) e.region = r.region;
  return e;
}
