/** Sanitation: garbage trucks (moving), containers, landfill intake. Pure. */
import { alertLevel, type AlertLevel } from '@shared/catalog';
import type { MetricState } from '../../lib/live-store';
import { sameWibDay } from '../../lib/format';
import { isStale } from '../../lib/data-age';
import { latestRows, newestOf, type LatestRow } from '../common';

export interface TruckRow extends LatestRow {
  stale: boolean;
}

export function truckRows(state: MetricState | undefined, now: number): TruckRow[] {
  const cadenceS = state?.metric?.cadenceS ?? 5;
  return latestRows(state).map((r) => ({ ...r, stale: isStale(r.t, now, cadenceS, 6) }));
}

export interface ContainerRow extends LatestRow {
  alert: AlertLevel;
}

export function containerRows(state: MetricState | undefined): ContainerRow[] {
  const th = state?.metric?.thresholds ?? null;
  return latestRows(state).map((r) => ({ ...r, alert: alertLevel(r.value, th) }));
}

/**
 * Tonnage received at the landfill(s) today (WIB): each series is a running total for its day,
 * so the latest reading of each series from today is summed; yesterday's totals do not count.
 */
export function landfillToday(state: MetricState | undefined, now: number): { value: number | null; t: number | null } {
  const today = latestRows(state).filter((r) => sameWibDay(r.t, now));
  if (today.length === 0) return { value: latestRows(state).length ? 0 : null, t: newestOf(latestRows(state)) };
  return { value: today.reduce((s, r) => s + r.value, 0), t: newestOf(today) };
}
