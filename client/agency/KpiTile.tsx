import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Metric } from '@shared/catalog';
import { seriesOf, type MetricState } from '../lib/live-store';
import { Freshness } from '../lib/components/Freshness';
import { formatNumber, formatPercent, formatValue, localeOf } from '../lib/format';
import { useLang } from '../lib/react/hooks';
import { aggregateLine, aggregationOf, computeKpi, sparkPath, type Kpi } from './kpi';

const SPARK_W = 160;
const SPARK_H = 36;
const MIN = 60_000;

/** "12,5%" when the relative change is known, else the absolute change in the metric's unit. */
export function changeText(k: Kpi, unit: string, lang: 'id' | 'en'): string {
  if (k.changePct !== null) return formatPercent(Math.abs(k.changePct), 1, localeOf(lang));
  if (k.delta !== null)
    return unit === 'ratio' ? formatNumber(Math.abs(k.delta) * 100, 1, localeOf(lang)) + ' pp' : formatValue(Math.abs(k.delta), unit, lang);
  return '';
}

/**
 * One KPI on the tablet: the metric's current value (its series combined: see `aggregationOf`), the trend
 * against 30 minutes ago, an hour's sparkline, and the age of the newest reading (marked late beyond the
 * metric's cadence). The whole tile is one touch target that opens the metric's detail.
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
  const agg = aggregationOf(metric);
  const series = seriesOf(state);
  const k = computeKpi(series, agg, now, metric.cadenceS);
  const line = aggregateLine(series, agg, now - 60 * MIN, now, MIN, Math.max(2 * MIN, metric.cadenceS * 3_000));
  const path = sparkPath(line, SPARK_W, SPARK_H);
  const status = state?.status ?? 'idle';
  const forbidden = status === 'forbidden';
  const hasData = k.value !== null;

  return (
    <button
      type="button"
      className={`kpi-tile${k.stale && hasData ? ' is-stale' : ''}${forbidden ? ' is-forbidden' : ''} trend-${k.trend ?? 'none'}`}
      onClick={onOpen}
      aria-label={t('agency.dash.open', { name })}
      data-testid="kpi-tile"
      data-code={metric.code}
      data-status={status}
      data-stale={k.stale ? 'true' : 'false'}
      data-value={k.value ?? ''}
      data-newest={k.newestT ?? ''}
    >
      <span className="kpi-name">
        {name}
        {metric.class !== 'publik' && <span className={`class class-${metric.class}`}>{t(`agency.class.${metric.class}`)}</span>}
      </span>
      <span className="kpi-value" data-testid="kpi-value">
        {forbidden ? t('common.noAccess') : hasData ? formatValue(k.value, metric.unit, lang) : '–'}
      </span>
      <span className="kpi-agg">
        {hasData
          ? t(`agency.dash.agg.${agg}`, { n: k.series })
          : status === 'error'
            ? t('agency.dash.error')
            : status === 'live'
              ? t('common.noData')
              : t('agency.dash.syncing')}
      </span>
      <span className="kpi-trend" data-testid="kpi-trend" data-trend={k.trend ?? 'none'}>
        {k.trend ? t(`agency.dash.trend.${k.trend}`, { change: changeText(k, metric.unit, lang) }) : hasData ? t('agency.dash.trend.none') : ''}
      </span>
      <svg className="kpi-spark" viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} preserveAspectRatio="none" aria-hidden="true">
        {path && <path d={path} />}
      </svg>
      <span className="kpi-foot">
        <Freshness t={k.newestT} now={now} cadenceS={metric.cadenceS} />
      </span>
      {footer && <span className="kpi-extra">{footer}</span>}
    </button>
  );
}
