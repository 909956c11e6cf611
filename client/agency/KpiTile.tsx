import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Metric } from '@shared/catalog';
import { seriesOf, type MetricState } from '../lib/live-store';
import { Freshness } from '../lib/components/Freshness';
import { AlertBadge } from '../lib/components/AlertBadge';
import { formatValue, type Lang } from '../lib/format';
import { useLang } from '../lib/react/hooks';
import { computeKpi, kpiSeries, KPI_TREND_WINDOW_MS, silentText, trendArrow, trendText, windowText, type Kpi } from '../features/kpi';
import { aggregateLine, sparkPath } from './kpi';

const SPARK_W = 160;
const SPARK_H = 36;
const MIN = 60_000;

/** The trend line of a KPI ("▲ +157 cm dlm 30 mnt"), or what is missing for one. */
export function trendLine(k: Kpi, unit: string, lang: Lang, none: (window: string) => string): string {
  if (k.trend) return `${trendArrow(k.trend)} ${trendText(k.trend, unit, k.kind, lang)}`;
  return k.value !== null ? none(windowText(KPI_TREND_WINDOW_MS, lang)) : '';
}

/** A worst-value figure whose entity went quiet: "PA-UJI tidak melapor sejak 06.10 WIB · nilai terakhir 277 cm". */
export function silentLine(k: Kpi, unit: string, now: number, lang: Lang): string | null {
  if (!k.stale || k.entity === null || k.at === null || k.value === null) return null;
  return silentText({ entity: k.entity, t: k.at, value: k.value, unit }, now, lang);
}

/**
 * One KPI on the tablet: the metric's current value (the rule of client/features/kpi, as on the wall), its
 * alert level as a badge and colour, the trend over KPI_TREND_WINDOW_MS, an hour's sparkline, and the age of
 * the reading behind the figure (a worst-value figure carries its own entity's age). The whole tile is one
 * touch target that opens the metric's detail.
 */
export function KpiTile({
  metric,
  state,
  now,
  onOpen,
  footer,
}: {
  metric: Metric;
  state: MetricState | undefined;
  now: number;
  onOpen: () => void;
  footer?: ReactNode;
}) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const name = lang === 'en' ? metric.nameEn : metric.nameId;
  const k = computeKpi(kpiSeries(state), metric, now, KPI_TREND_WINDOW_MS);
  const agg = k.agg;
  const line = aggregateLine(seriesOf(state), agg, now - 60 * MIN, now, MIN, Math.max(2 * MIN, metric.cadenceS * 3_000));
  const path = sparkPath(line, SPARK_W, SPARK_H);
  const status = state?.status ?? 'idle';
  const forbidden = status === 'forbidden';
  const hasData = k.value !== null;
  const level = hasData && k.level && k.level !== 'normal' ? k.level : null;
  const silent = hasData ? silentLine(k, metric.unit, now, lang) : null;

  return (
    <button
      type="button"
      className={`kpi-tile${k.stale && hasData ? ' is-stale' : ''}${forbidden ? ' is-forbidden' : ''}${level ? ` tone-${level}` : ''} trend-${k.trend?.dir ?? 'none'}`}
      onClick={onOpen}
      aria-label={t('agency.dash.open', { name })}
      data-testid="kpi-tile"
      data-code={metric.code}
      data-status={status}
      data-stale={k.stale ? 'true' : 'false'}
      data-value={k.value ?? ''}
      data-newest={k.newestT ?? ''}
      data-at={k.at ?? ''}
      data-level={level ?? 'normal'}
    >
      <span className="kpi-name">
        {name}
        {metric.class !== 'publik' && <span className={`class class-${metric.class}`}>{t(`agency.class.${metric.class}`)}</span>}
        {level && <AlertBadge level={level} />}
      </span>
      <span className="kpi-value" data-testid="kpi-value">
        {forbidden ? t('common.noAccess') : hasData ? formatValue(k.value, metric.unit, lang) : '–'}
      </span>
      <span className={`kpi-agg${silent ? ' kpi-silent' : ''}`} data-testid={silent ? 'kpi-silent' : undefined}>
        {silent
          ? silent
          : hasData
            ? t(`agency.dash.agg.${agg}`, { n: k.series })
            : status === 'error'
              ? t('agency.dash.error')
              : status === 'live'
                ? t('common.noData')
                : t('agency.dash.syncing')}
      </span>
      <span className="kpi-trend" data-testid="kpi-trend" data-trend={k.trend?.dir ?? 'none'} data-tone={k.trend?.tone ?? 'neutral'}>
        {trendLine(k, metric.unit, lang, (window) => t('agency.dash.trend.none', { window }))}
      </span>
      <svg className="kpi-spark" viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} preserveAspectRatio="none" aria-hidden="true">
        {path && <path d={path} />}
      </svg>
      <span className="kpi-foot">
        <Freshness t={k.at} now={now} cadenceS={metric.cadenceS} />
      </span>
      {footer && <span className="kpi-extra">{footer}</span>}
    </button>
  );
}
