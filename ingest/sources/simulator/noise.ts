/**
 * Deterministic building blocks of the simulator: integer hashing, smooth value noise, local (WIB) time.
 * Everything here is pure; the simulator's values are functions of (seed, entity, time) built from these.
 */

export type LonLat = [number, number];

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Asia/Jakarta (WIB) is UTC+7 all year. */
export const WIB_OFFSET_MS = 7 * HOUR;

// ---------------------------------------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------------------------------------

/** FNV-1a of a string: turns entity ids into integer keys. */
export function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(h: number, k: number): number {
  let x = Math.imul(k | 0, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  let y = h ^ x;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit hash of up to four integers (murmur3-style mixing). Arguments must be safe integers below 2^32. */
export function hash(a: number, b = 0, c = 0, d = 0): number {
  return finalize(mix(mix(mix(mix(0x2c1b3c6d, a), b), c), d));
}

/** Uniform in [0, 1) from up to four integers. */
export function rand(a: number, b = 0, c = 0, d = 0): number {
  return hash(a, b, c, d) / 4294967296;
}

/** A deterministic stream of uniforms, for building static things (entity tables) from a seed. */
export function rngStream(...keys: number[]): () => number {
  const h = keys.reduce((acc, k) => hash(acc, k), 0x51ed27);
  let i = 0;
  return () => rand(h, i++);
}

// ---------------------------------------------------------------------------------------------------------
// Smooth noise
// ---------------------------------------------------------------------------------------------------------

/** 1-D value noise in [0, 1], smooth in x, one random value per integer lattice point. */
export function valueNoise(key: number, salt: number, x: number): number {
  const i = Math.floor(x);
  const f = x - i;
  const s = f * f * (3 - 2 * f);
  const a = rand(key, salt, i);
  const b = rand(key, salt, i + 1);
  return a + (b - a) * s;
}

/** Fractal noise: octaves of value noise, result in [0, 1] (mean 0.5). */
export function fbm(key: number, salt: number, x: number, octaves = 3): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  let freq = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amp * valueNoise(key, salt + o * 7919, x * freq);
    norm += amp;
    amp *= 0.5;
    freq *= 2.03;
  }
  return sum / norm;
}

/** Zero-mean smooth noise in [-1, 1] over time, with the given correlation period. */
export function timeNoise(key: number, salt: number, t: number, periodMs: number, octaves = 3): number {
  return 2 * fbm(key, salt, t / periodMs, octaves) - 1;
}

// ---------------------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------------------

/** Standard normal from two uniforms (Box–Muller). */
export function normal(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

/** Log-normal with the given median and log-sd. */
export function logNormal(u1: number, u2: number, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(u1, u2));
}

/** Poisson count by CDF inversion (fine for small lambdas). */
export function poisson(lambda: number, u: number): number {
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && k < 1000) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

// ---------------------------------------------------------------------------------------------------------
// Local time (WIB)
// ---------------------------------------------------------------------------------------------------------

/** Days since 1970-01-01 in WIB. */
export function localDay(t: number): number {
  return Math.floor((t + WIB_OFFSET_MS) / DAY);
}

/** Epoch ms of 00:00 WIB of the day containing t. */
export function localMidnight(t: number): number {
  return localDay(t) * DAY - WIB_OFFSET_MS;
}

/** Fractional hour of day in WIB, [0, 24). */
export function localHour(t: number): number {
  return (t - localMidnight(t)) / HOUR;
}

/** 0 = Sunday … 6 = Saturday, in WIB. */
export function dayOfWeek(t: number): number {
  return (localDay(t) + 4) % 7;
}

/** `yyyymmdd` of the WIB date of t. */
export function localYmd(t: number): string {
  const d = new Date(t + WIB_OFFSET_MS);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${d.getUTCFullYear()}${mm}${dd}`;
}

/** `yyyymmddHHMM` of t in WIB. */
export function localYmdHm(t: number): string {
  const d = new Date(t + WIB_OFFSET_MS);
  return `${localYmd(t)}${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** Epoch ms of a WIB calendar date (month 1–12). */
export function wibDate(year: number, month: number, day: number, hour = 0): number {
  return Date.UTC(year, month - 1, day, hour) - WIB_OFFSET_MS;
}

/** A bump of height 1 at `center` (hours) with the given width (hours), periodic over the day. */
export function hourBump(hour: number, center: number, width: number): number {
  let d = Math.abs(hour - center);
  if (d > 12) d = 24 - d;
  return Math.exp(-(d * d) / (2 * width * width));
}

// ---------------------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------------------

const KM_PER_DEG_LAT = 110.6;
const KM_PER_DEG_LON = 110.4; // at 7° S (111.3 · cos 7°)

export function distanceKm(a: LonLat, b: LonLat): number {
  return Math.hypot((a[0] - b[0]) * KM_PER_DEG_LON, (a[1] - b[1]) * KM_PER_DEG_LAT);
}

export function kmToDeg(km: number): number {
  return km / KM_PER_DEG_LAT;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** Cumulative lengths (km) along a polyline; the last entry is the total length. */
export function cumulativeKm(path: readonly LonLat[]): number[] {
  const cum = [0];
  for (let i = 1; i < path.length; i++) cum.push(cum[i - 1]! + distanceKm(path[i - 1]!, path[i]!));
  return cum;
}

/** The point at `km` along a polyline with precomputed cumulative lengths. */
export function alongPath(path: readonly LonLat[], cum: readonly number[], km: number): LonLat {
  const total = cum[cum.length - 1] ?? 0;
  const d = clamp(km, 0, total);
  for (let i = 1; i < path.length; i++) {
    const c1 = cum[i]!;
    if (d <= c1 || i === path.length - 1) {
      const c0 = cum[i - 1]!;
      const f = c1 > c0 ? (d - c0) / (c1 - c0) : 0;
      const a = path[i - 1]!;
      const b = path[i]!;
      return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
    }
  }
  const only = path[0];
  return only ? [only[0], only[1]] : [0, 0];
}

/** A bounded memo of a pure function: past `max` entries the oldest is dropped (memory stays flat in long runs). */
export class Memo<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K, compute: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
    return value;
  }
}
