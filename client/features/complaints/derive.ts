/** Complaints (aduan warga): the published open count and, for operators, the event stream. Pure. */
import type { MetricState } from '../../lib/live-store';
import type { WireEvent } from '@shared/contract';
import { cityTotal, latestRows } from '../common';

export function openComplaints(state: MetricState | undefined): { value: number | null; t: number | null } {
  return cityTotal(latestRows(state));
}

export interface ComplaintPoint {
  lon: number;
  lat: number;
  category: string | null;
  t: number;
  /** How many complaints the point stands for: 1, or a rewind frame's count of its hexagon. */
  n: number;
}

/**
 * The functions below take the events store's `located` list, which holds open complaints only (a change to one
 * of the kind's closed statuses takes a complaint off it).
 */

/** Complaints with a position, for the hexagon / heat layers (a fresh array). */
export function complaintPoints(located: readonly WireEvent[]): ComplaintPoint[] {
  const out: ComplaintPoint[] = [];
  for (const e of located) {
    if (e.lon === null || e.lat === null) continue;
    out.push({ lon: e.lon, lat: e.lat, category: e.category, t: e.t, n: 1 });
  }
  return out;
}

/** Open complaints per category, largest first. */
export function complaintsByCategory(located: readonly WireEvent[]): { category: string; n: number }[] {
  const counts = new Map<string, number>();
  for (const e of located) {
    const c = e.category ?? 'lainnya';
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return [...counts].map(([category, n]) => ({ category, n })).sort((a, b) => b.n - a.n || a.category.localeCompare(b.category));
}

/** Open complaints per kecamatan (Kemendagri code `33.74.01` from the kelurahan's `33.74.01.1001`), largest first. */
export function complaintsByKecamatan(located: readonly WireEvent[]): { code: string; n: number }[] {
  const counts = new Map<string, number>();
  for (const e of located) {
    if (!e.region) continue;
    const code = /^\d{2}\.\d{2}\.\d{2}/.exec(e.region)?.[0];
    if (code) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].map(([code, n]) => ({ code, n })).sort((a, b) => b.n - a.n || a.code.localeCompare(b.code));
}

/**
 * The same three derivations from a rewind frame's counts (shared/replay.ts EventAggregate): the hexagon centres as
 * weighted points, and the category and kecamatan bars (the same sort; no category counts as 'lainnya').
 */
export function complaintsFromAggregate(
  a: {
    hexes: readonly number[];
    byCategory: Readonly<Record<string, number>>;
    byRegion: Readonly<Record<string, number>>;
  },
  t: number,
): { points: ComplaintPoint[]; byCategory: { category: string; n: number }[]; byKecamatan: { code: string; n: number }[] } {
  const points: ComplaintPoint[] = [];
  for (let i = 0; i + 2 < a.hexes.length; i += 3) points.push({ lon: a.hexes[i]!, lat: a.hexes[i + 1]!, category: null, t, n: a.hexes[i + 2]! });
  const cats = new Map<string, number>();
  for (const [c, n] of Object.entries(a.byCategory)) cats.set(c || 'lainnya', (cats.get(c || 'lainnya') ?? 0) + n);
  const kec = new Map<string, number>();
  for (const [region, n] of Object.entries(a.byRegion)) {
    const code = /^\d{2}\.\d{2}\.\d{2}/.exec(region)?.[0];
    if (code) kec.set(code, (kec.get(code) ?? 0) + n);
  }
  return {
    points,
    byCategory: [...cats].map(([category, n]) => ({ category, n })).sort((x, y) => y.n - x.n || x.category.localeCompare(y.category)),
    byKecamatan: [...kec].map(([code, n]) => ({ code, n })).sort((x, y) => y.n - x.n || x.code.localeCompare(y.code)),
  };
}
