/**
 * What an alert card says besides its level (issue 15): where (kelurahan, kecamatan), the live value and its
 * age (the series' newest reading from the live store, so the banner, the card and the KPI agree; the
 * alert's own last value only when the series is not in the store), links to the entity's chart and its map
 * position, and the SOP text configured in the catalog for the metric and level. Pure; used by the wall's
 * banner and panel and by the tablet's alert list.
 */
import { sopText, type Metric } from '@shared/catalog';
import type { WireAlert } from '@shared/alerts';
import { isStale } from '../../lib/data-age';
import type { Lang } from '../../lib/format';

/** The parts of a live series buffer the card reads. */
export interface AlertSeriesLike {
  readonly latestT: number | null;
  readonly latestV: number | null;
  readonly lon: number | null;
  readonly lat: number | null;
  readonly meta: { readonly region: string | null; readonly lon: number | null; readonly lat: number | null };
}

export interface AlertCard {
  kelurahan: string | null;
  kecamatan: string | null;
  /** "Kel. Tugurejo, Kec. Tugu" / "Tugurejo, Tugu district"; null when the region is unknown. */
  place: string | null;
  value: number;
  /** Time of `value`. */
  t: number;
  /** Whether `value` came from the live series (else from the alert record). */
  live: boolean;
  /** The series is late beyond its cadence: the card says the value is old. */
  stale: boolean;
  sop: string | null;
  /** The tablet's chart of the metric, with the entity named. */
  chartHref: string;
  /** A `geo:` URI of the entity's position (opens the device's map), or null without one. */
  mapHref: string | null;
}

/** Kemendagri `PP.KK.CC.DDDD` → its kecamatan `PP.KK.CC`. */
const kecamatanOf = (code: string) =>
  code.split('.').length === 4 ? code.split('.').slice(0, 3).join('.') : code.split('.').length === 3 ? code : null;

export function placeText(kelurahan: string | null, kecamatan: string | null, lang: Lang): string | null {
  if (lang === 'en') {
    if (kelurahan && kecamatan) return `${kelurahan}, ${kecamatan} district`;
    return kelurahan ?? (kecamatan ? `${kecamatan} district` : null);
  }
  if (kelurahan && kecamatan) return `Kel. ${kelurahan}, Kec. ${kecamatan}`;
  return kelurahan ? `Kel. ${kelurahan}` : kecamatan ? `Kec. ${kecamatan}` : null;
}

export function alertCard(
  a: WireAlert,
  series: AlertSeriesLike | undefined,
  metric: Pick<Metric, 'cadenceS' | 'sop'> | null | undefined,
  names: ReadonlyMap<string, string>,
  now: number,
  lang: Lang,
  agencyBase = '/agency',
): AlertCard {
  const region = series?.meta.region ?? null;
  const kec = region ? kecamatanOf(region) : null;
  const kelurahan = region && region.split('.').length === 4 ? (names.get(region) ?? null) : null;
  const kecamatan = kec ? (names.get(kec) ?? null) : null;
  const live = series !== undefined && series.latestV !== null && series.latestT !== null && series.latestT >= a.lastTime;
  const value = live ? series.latestV! : a.lastValue;
  const t = live ? series.latestT! : a.lastTime;
  const lon = series?.lon ?? series?.meta.lon ?? null;
  const lat = series?.lat ?? series?.meta.lat ?? null;
  return {
    kelurahan,
    kecamatan,
    place: placeText(kelurahan, kecamatan, lang),
    value,
    t,
    live,
    stale: a.clearedAt === null && metric !== null && metric !== undefined && isStale(t, now, metric.cadenceS),
    sop: sopText(metric?.sop, a.level, lang),
    chartHref: `${agencyBase}#/metrik/${encodeURIComponent(a.metric)}?entitas=${encodeURIComponent(a.entity)}`,
    mapHref: lon !== null && lat !== null ? `geo:${lat.toFixed(5)},${lon.toFixed(5)}` : null,
  };
}
