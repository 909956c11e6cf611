/**
 * "Data age": how old the newest reading behind a panel is, as a pure function of `now`.
 * The UI turns it into "diperbarui 5 dtk lalu".
 */

export type DataAge =
  { kind: 'none' } | { kind: 'seconds'; n: number } | { kind: 'minutes'; n: number } | { kind: 'hours'; n: number } | { kind: 'date'; t: number };

/** Pure: the age of `newestT` at `now`. Future timestamps (clock skew) count as 0 s. */
export function dataAge(newestT: number | null | undefined, now: number): DataAge {
  if (newestT === null || newestT === undefined || !Number.isFinite(newestT)) return { kind: 'none' };
  const s = Math.max(0, Math.floor((now - newestT) / 1000));
  if (s < 60) return { kind: 'seconds', n: s };
  if (s < 3600) return { kind: 'minutes', n: Math.floor(s / 60) };
  if (s < 86_400) return { kind: 'hours', n: Math.floor(s / 3600) };
  return { kind: 'date', t: newestT };
}

/**
 * Pure: whether data is late. A series is stale once it missed `factor` expected readings
 * (catalog `cadenceS`), with a floor so a 5-second cadence does not flicker.
 */
export function isStale(newestT: number | null | undefined, now: number, cadenceS: number, factor = 3, floorMs = 30_000): boolean {
  if (newestT === null || newestT === undefined) return true;
  return now - newestT > Math.max(floorMs, cadenceS * 1000 * factor);
}

/** The newest of several timestamps, ignoring missing ones. */
export function newest(...ts: (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const t of ts) if (t !== null && t !== undefined && Number.isFinite(t) && (best === null || t > best)) best = t;
  return best;
}
