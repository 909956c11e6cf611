/** The KPI rule applied to a live metric's buffers (wall and tablet read the same store shape). */
import type { MetricState } from '../../lib/live-store';
import { computeKpi, type Aggregation, type Kpi, type SeriesLike } from './kpi';

/** A metric's series as the rule reads them, named by their entity. */
export function kpiSeries(state: MetricState | undefined): SeriesLike[] {
  if (!state || state.status === 'forbidden') return [];
  const out: SeriesLike[] = [];
  for (const s of state.series.values()) out.push({ t: s.t, v: s.v, latestT: s.latestT, latestV: s.latestV, entity: s.meta.entity });
  return out;
}

/** The KPI of a live metric at `now` with the trend over `windowMs`; null until the catalog entry arrived. */
export function liveKpi(state: MetricState | undefined, now: number, windowMs: number, agg?: Aggregation): Kpi | null {
  const m = state?.metric;
  if (!m || state.status === 'forbidden') return null;
  return computeKpi(kpiSeries(state), m, now, windowMs, agg);
}
