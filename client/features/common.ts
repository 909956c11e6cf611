/**
 * Pure derivations shared by the domain features: from a metric's buffers to typed rows.
 * Every call returns fresh arrays (layers and charts get new data, never mutated data).
 */
import type { MetricState, SeriesBuffer } from '../lib/live-store';

export interface LatestRow {
  id: number;
  entity: string;
  /** The entity's human name when its OPD registered one (SeriesMeta.name); people read it before `entity`. */
  name?: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
  value: number;
  t: number;
}

/**
 * Names first, codes second: "Rumah Pompa Kali Banger" with "PA-BANGER" after it (quieter); the code alone when
 * no name was registered.
 */
export function nameFirst(r: { entity: string; name?: string | null }): { name: string; code: string | null } {
  return r.name ? { name: r.name, code: r.entity } : { name: r.entity, code: null };
}

/** The same as one line of text: "Rumah Pompa Kali Banger · PA-BANGER". */
export function nameAndCode(r: { entity: string; name?: string | null }): string {
  const n = nameFirst(r);
  return n.code ? `${n.name} · ${n.code}` : n.name;
}

/** A positioned row (for map layers). */
export type Positioned<T> = T & { lon: number; lat: number };

export function hasPosition<T extends { lon: number | null; lat: number | null }>(r: T): r is T & { lon: number; lat: number } {
  return r.lon !== null && r.lat !== null && Number.isFinite(r.lon) && Number.isFinite(r.lat);
}

function toLatest(s: SeriesBuffer): LatestRow | null {
  if (s.latestT === null || s.latestV === null) return null;
  return {
    id: s.meta.id,
    entity: s.meta.entity,
    name: s.meta.name ?? null,
    region: s.meta.region,
    lon: s.lon,
    lat: s.lat,
    value: s.latestV,
    t: s.latestT,
  };
}

/** The newest reading of each series that has one, sorted by entity for stable order. */
export function latestRows(state: MetricState | undefined): LatestRow[] {
  if (!state || state.status === 'forbidden') return [];
  const rows: LatestRow[] = [];
  for (const s of state.series.values()) {
    const r = toLatest(s);
    if (r) rows.push(r);
  }
  return rows.sort((a, b) => a.entity.localeCompare(b.entity));
}

/** Latest value per entity, for joining metrics that describe the same thing (speed + congestion). */
export function latestByEntity(state: MetricState | undefined): Map<string, LatestRow> {
  const m = new Map<string, LatestRow>();
  for (const r of latestRows(state)) {
    const prev = m.get(r.entity);
    if (!prev || r.t > prev.t) m.set(r.entity, r);
  }
  return m;
}

export function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export function maxBy<T>(xs: readonly T[], f: (x: T) => number): T | null {
  let best: T | null = null;
  let bv = -Infinity;
  for (const x of xs) {
    const v = f(x);
    if (v > bv) {
      bv = v;
      best = x;
    }
  }
  return best;
}

/** Newest reading time over rows. */
export function newestOf(rows: readonly { t: number }[]): number | null {
  let n: number | null = null;
  for (const r of rows) if (n === null || r.t > n) n = r.t;
  return n;
}

const CITY_ENTITY = /^(kota|city|total|all|semua)$/i;

/**
 * A city-wide figure from a metric that may be published as one city series or per region:
 * a series without region (or named like "kota"/"total") wins; otherwise the per-region values are summed.
 */
export function cityTotal(rows: readonly LatestRow[]): { value: number | null; t: number | null } {
  if (rows.length === 0) return { value: null, t: null };
  const city = rows.find((r) => r.region === null || CITY_ENTITY.test(r.entity) || /^\d{2}\.\d{2}$/.test(r.region));
  if (city) return { value: city.value, t: city.t };
  return { value: rows.reduce((s, r) => s + r.value, 0), t: newestOf(rows) };
}

/** The value of a series at or just before `t`; null when its buffer starts later. */
export function valueAt(s: { readonly t: readonly number[]; readonly v: readonly number[] }, t: number): number | null {
  let lo = 0;
  let hi = s.t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.t[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : s.v[lo - 1]!;
}

/** Mean over a metric's series of their values at `t` (series without a value then are left out). */
export function meanAt(state: MetricState | undefined, t: number): number | null {
  if (!state || state.status === 'forbidden') return null;
  return mean(
    [...state.series.values()].flatMap((s) => {
      const v = valueAt(s, t);
      return v === null ? [] : [v];
    }),
  );
}

export type Trend = 'up' | 'down' | 'flat';

/** Direction from `before` to `now`; changes within `flatRatio` of the magnitude are flat. */
export function trendOf(now: number | null, before: number | null, flatRatio = 0.02): Trend | null {
  if (now === null || before === null || !Number.isFinite(now) || !Number.isFinite(before)) return null;
  const d = now - before;
  if (Math.abs(d) <= Math.max(Math.abs(before), Math.abs(now)) * flatRatio) return 'flat';
  return d > 0 ? 'up' : 'down';
}
