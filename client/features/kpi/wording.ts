/**
 * How a KPI's trend and a silent entity are written, for every surface, in Bahasa Indonesia and English.
 * Pure (no i18next) so the table tests can read the exact words: "+157 cm dlm 30 mnt", "+4,5 pp dlm 30 mnt",
 * "PA-UJI tidak melapor sejak 06.10 WIB · nilai terakhir 277 cm".
 */
import { formatDateTime, formatNumber, formatTime, formatValue, localeOf, sameWibDay, type Lang } from '../../lib/format';
import type { MetricKind, Trend } from './kpi';

const MINUS = '\u2212';

/** `30 mnt` / `30 min`, `2 jam` / `2 h`, `7 hari` / `7 d`. */
export function windowText(windowMs: number, lang: Lang): string {
  const min = Math.round(windowMs / 60_000);
  const id = lang !== 'en';
  if (min < 60) return id ? `${min} mnt` : `${min} min`;
  if (min < 24 * 60 || min % (24 * 60) !== 0) {
    const h = formatNumber(min / 60, 1, localeOf(lang));
    return id ? `${h} jam` : `${h} h`;
  }
  const d = min / (24 * 60);
  return id ? `${d} hari` : `${d} d`;
}

/**
 * The size of a change: absolute in the metric's unit for levels and counters, percentage points for shares
 * (a ratio's 0.045 is 4,5 pp; a `%` metric's 4.5 is 4,5 pp), never a relative percentage.
 */
export function changeText(delta: number, unit: string, kind: MetricKind, lang: Lang): string {
  const sign = delta > 0 ? '+' : delta < 0 ? MINUS : '±';
  const abs = Math.abs(delta);
  if (kind === 'share') return `${sign}${formatNumber(unit === 'ratio' ? abs * 100 : abs, 1, localeOf(lang))} pp`;
  return `${sign}${formatValue(abs, unit, lang)}`;
}

/** "+157 cm dlm 30 mnt" / "+157 cm in 30 min"; "stabil dlm 30 mnt" / "steady over 30 min". */
export function trendText(trend: Trend, unit: string, kind: MetricKind, lang: Lang): string {
  const w = windowText(trend.windowMs, lang);
  if (trend.dir === 'flat') return lang === 'en' ? `steady over ${w}` : `stabil dlm ${w}`;
  const c = changeText(trend.delta, unit, kind, lang);
  return lang === 'en' ? `${c} in ${w}` : `${c} dlm ${w}`;
}

/** The arrow of a trend: ▲ ▼ ▬ (the tone, not the arrow, says whether it is bad). */
export function trendArrow(trend: Pick<Trend, 'dir'>): string {
  return trend.dir === 'up' ? '▲' : trend.dir === 'down' ? '▼' : '▬';
}

/** "06.10 WIB" today, "22 Nov 2026 06.10 WIB" on another day. */
function sinceText(t: number, now: number, lang: Lang): string {
  const locale = localeOf(lang);
  return sameWibDay(t, now) ? formatTime(t, locale, false) : formatDateTime(t, locale);
}

/**
 * A silent entity: "PA-UJI tidak melapor sejak 06.10 WIB · nilai terakhir 277 cm" /
 * "PA-UJI silent since 06:10 WIB · last value 277 cm".
 */
export function silentText(s: { entity: string; t: number; value: number; unit: string }, now: number, lang: Lang): string {
  const since = sinceText(s.t, now, lang);
  const v = formatValue(s.value, s.unit, lang);
  return lang === 'en' ? `${s.entity} silent since ${since} · last value ${v}` : `${s.entity} tidak melapor sejak ${since} · nilai terakhir ${v}`;
}
