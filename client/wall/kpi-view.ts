/**
 * The wall's KPI tiles read the one KPI rule (client/features/kpi), so the wall and the tablet give the same
 * figure, age and trend for the same metric. Pure helpers that turn a `Kpi` into the tile's props.
 */
import type { MetricState } from '../lib/live-store';
import type { Lang } from '../lib/format';
import { liveKpi, KPI_TREND_WINDOW_MS, silentText, trendText, type Aggregation, type Kpi } from '../features/kpi';
import type { KpiProps } from './Kpi';

/** The KPI of a live metric on the wall: the tablet's window, so both read the same trend. */
export function wallKpi(state: MetricState | undefined, now: number, agg?: Aggregation): Kpi | null {
  return liveKpi(state, now, KPI_TREND_WINDOW_MS, agg);
}

/** The tile's trend: direction, tone (red only towards an alert) and "+157 cm dlm 30 mnt". */
export function wallTrend(k: Kpi | null, unit: string, lang: Lang): KpiProps['trend'] {
  if (!k?.trend) return null;
  return { dir: k.trend.dir, tone: k.trend.tone, text: trendText(k.trend, unit, k.kind, lang) };
}

/** "PA-UJI tidak melapor sejak 06.10 WIB · nilai terakhir 277 cm" when the shown entity went quiet; else null. */
export function wallSilent(k: Kpi | null, unit: string, now: number, lang: Lang): string | null {
  if (!k || !k.stale || k.entity === null || k.at === null || k.value === null) return null;
  return silentText({ entity: k.entity, t: k.at, value: k.value, unit }, now, lang);
}
