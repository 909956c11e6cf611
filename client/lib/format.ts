/**
 * Number, money, date and unit formatting for the UI. Indonesian (id-ID) by default; times are always
 * shown in WIB (Asia/Jakarta, UTC+7, no daylight saving).
 */

export type Lang = 'id' | 'en';

export const TIME_ZONE = 'Asia/Jakarta';
const WIB_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** The Intl locale used for a UI language. English keeps British day-month order. */
export function localeOf(lang: string | undefined): string {
  return lang === 'en' ? 'en-GB' : 'id-ID';
}

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: string, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale}|${JSON.stringify(opts)}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(locale, opts);
    cache.set(key, f);
  }
  return f;
}

function dateFormat(locale: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale}|${JSON.stringify(opts)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, ...opts });
    cache.set(key, f);
  }
  return f;
}

const DASH = '–';

/** `1.234,5` (id) / `1,234.5` (en). Non-finite or null values render as a dash. */
export function formatNumber(v: number | null | undefined, maxFractionDigits = 1, locale = 'id-ID'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return numberFormat(locale, { maximumFractionDigits: maxFractionDigits }).format(v);
}

/** A percentage given in percent (0–100): `45,2%`. */
export function formatPercent(pct: number | null | undefined, maxFractionDigits = 1, locale = 'id-ID'): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return DASH;
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: maxFractionDigits }).format(pct / 100);
}

/** A ratio (0–1) as a percentage. */
export function formatRatio(r: number | null | undefined, maxFractionDigits = 0, locale = 'id-ID'): string {
  return formatPercent(r === null || r === undefined ? r : r * 100, maxFractionDigits, locale);
}

/** Rupiah, no decimals: `Rp 1.234.567`; `compact` gives `Rp 1,2 M` (miliar) / `Rp 350 jt`. */
export function formatRupiah(v: number | null | undefined, locale = 'id-ID', compact = false): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const opts: Intl.NumberFormatOptions = compact
    ? { style: 'currency', currency: 'IDR', notation: 'compact', maximumFractionDigits: 1 }
    : { style: 'currency', currency: 'IDR', maximumFractionDigits: 0 };
  return numberFormat(locale, opts).format(v);
}

/** `14.05.09 WIB` (id) / `14:05:09 WIB` (en). */
export function formatTime(t: number, locale = 'id-ID', seconds = true): string {
  const f = dateFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  });
  return `${f.format(t)} WIB`;
}

/** `22 Nov 2025 14.05 WIB`. */
export function formatDateTime(t: number, locale = 'id-ID'): string {
  const f = dateFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${f.format(t)} WIB`;
}

/** `Sabtu, 22 November 2025`. */
export function formatLongDate(t: number, locale = 'id-ID'): string {
  return dateFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(t);
}

/** Epoch ms of 00:00 WIB of the day containing `t`. Pure arithmetic: WIB has no daylight saving. */
export function startOfWibDay(t: number): number {
  return Math.floor((t + WIB_OFFSET_MS) / DAY_MS) * DAY_MS - WIB_OFFSET_MS;
}

/** Whether two instants fall on the same WIB calendar day. */
export function sameWibDay(a: number, b: number): boolean {
  return startOfWibDay(a) === startOfWibDay(b);
}

/** Catalog unit codes as shown next to a value. */
export function unitLabel(unit: string, lang: Lang | string = 'id'): string {
  const id = lang !== 'en';
  switch (unit) {
    case 'mm/h':
      return id ? 'mm/jam' : 'mm/h';
    case 'km/h':
      return id ? 'km/jam' : 'km/h';
    case 'veh/h':
      return id ? 'kend/jam' : 'veh/h';
    case 't':
      return id ? 'ton' : 't';
    case 'ratio':
    case '%':
      return '%';
    case 'count':
    case 'IDR':
      return '';
    default:
      return unit;
  }
}

/** A value in its catalog unit, ready to print (`152 cm`, `45%`, `Rp 1,2 M`). */
export function formatValue(v: number | null | undefined, unit: string, lang: Lang | string = 'id'): string {
  const locale = localeOf(lang);
  switch (unit) {
    case 'ratio':
      return formatRatio(v, 0, locale);
    case '%':
      return formatPercent(v, 1, locale);
    case 'IDR':
      return formatRupiah(v, locale, true);
    case 'count':
      return formatNumber(v, 0, locale);
    default: {
      const u = unitLabel(unit, lang);
      const s = formatNumber(v, 1, locale);
      return u && s !== DASH ? `${s} ${u}` : s;
    }
  }
}
