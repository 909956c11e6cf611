/** Floods: water level gauges at sluice gates / pump houses, rainfall, pumps. Pure. */
import { alertLevel, ALERT_LEVELS, type AlertLevel, type Thresholds } from '@shared/catalog';
import type { MetricState } from '../../lib/live-store';
import { isStale } from '../../lib/data-age';
import { latestRows, maxBy, mean, type LatestRow } from '../common';

export interface GateRow extends LatestRow {
  alert: AlertLevel;
  stale: boolean;
}

export function gateRows(state: MetricState | undefined, now: number): GateRow[] {
  const th: Thresholds | null = state?.metric?.thresholds ?? null;
  const cadenceS = state?.metric?.cadenceS ?? 60;
  return latestRows(state).map((r) => ({ ...r, alert: alertLevel(r.value, th), stale: isStale(r.t, now, cadenceS) }));
}

/** The gauge that needs attention first: highest alert level, then highest value. */
export function worstGate(rows: readonly GateRow[]): GateRow | null {
  return maxBy(rows, (r) => ALERT_LEVELS.indexOf(r.alert) * 1e9 + r.value);
}

export function gatesByLevel(rows: readonly GateRow[]): Record<AlertLevel, number> {
  const c: Record<AlertLevel, number> = { normal: 0, waspada: 0, siaga: 0, awas: 0 };
  for (const r of rows) c[r.alert]++;
  return c;
}

export interface RainRow extends LatestRow {
  alert: AlertLevel;
}

export function rainRows(state: MetricState | undefined): RainRow[] {
  const th = state?.metric?.thresholds ?? null;
  return latestRows(state).map((r) => ({ ...r, alert: alertLevel(r.value, th) }));
}

/** Share of pumps running (mean of the 0..1 ratios). */
export function pumpsRunning(state: MetricState | undefined): number | null {
  return mean(latestRows(state).map((r) => r.value));
}

/** Water level lines for a chart: one `[t, v][]` per gate, within `[from, now]`. */
export function gateLines(
  state: MetricState | undefined,
  from: number,
): { id: number; entity: string; name: string | null; data: [number, number][] }[] {
  if (!state || state.status === 'forbidden') return [];
  const out: { id: number; entity: string; name: string | null; data: [number, number][] }[] = [];
  for (const s of state.series.values()) {
    const data: [number, number][] = [];
    for (let i = 0; i < s.t.length; i++) if (s.t[i]! >= from) data.push([s.t[i]!, s.v[i]!]);
    out.push({ id: s.meta.id, entity: s.meta.entity, name: s.meta.name ?? null, data });
  }
  return out.sort((a, b) => a.entity.localeCompare(b.entity));
}
