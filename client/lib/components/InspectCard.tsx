/**
 * The card a tap on the map opens (unlocked walls and tablets; never in kiosk mode): the entity's name before its
 * code, its metric and owner OPD, the latest value and its age, its open alerts, the open complaints within
 * 500 m (incidents do not exist yet: complaints are the open work people report around a place), and its last
 * 24 hours as a sparkline (GET /api/v1/series, 1-minute buckets). For a complaints hexagon: the open complaints
 * around that point by category. `data-testid="inspect-card"` with `data-entity` / `data-kind`.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertsStore } from '../alerts';
import { fetchSeries } from '../api/series';
import { AlertBadge } from './AlertBadge';
import { Freshness } from './Freshness';
import { formatAlertTime } from '../alerts';
import { formatValue } from '../format';
import { useLang } from '../react/hooks';
import type { LiveConnection } from '../live-connection';
import { nameFirst } from '../../features/common';
import { alertsOf, complaintsNear, hexCountNear, type InspectTarget } from '../../features/inspect/target';
import type { EventAggregate } from '@shared/replay';

const DAY_MS = 24 * 3_600_000;
const NEAR_M = 500;

function Spark({ points }: { points: [number, number][] }) {
  if (points.length < 2) return null;
  const W = 300;
  const H = 60;
  const t0 = points[0]![0];
  const t1 = points[points.length - 1]![0];
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, v] of points) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0)) * W;
  const y = (v: number) => H - ((v - lo) / Math.max(1e-9, hi - lo)) * H;
  const d = points.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
  return (
    <svg
      className="inspect-spark"
      viewBox={`0 -2 ${W} ${H + 4}`}
      preserveAspectRatio="none"
      data-testid="inspect-sparkline"
      data-points={points.length}
    >
      <path d={d} fill="none" stroke="#38bdf8" strokeWidth={2} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

export function InspectCard({
  target,
  sources,
  alerts,
  token,
  now,
  onClose,
}: {
  target: InspectTarget;
  /** The stores to read: a live connection's, or a rewind frame's. */
  sources: Pick<LiveConnection, 'store' | 'events'> & { aggregates?: ReadonlyMap<string, EventAggregate> };
  alerts?: AlertsStore;
  token: string;
  now: number;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const [spark, setSpark] = useState<[number, number][] | null>(null);
  const metric = target.kind === 'entity' ? sources.store.get(target.metric) : undefined;
  const series = target.kind === 'entity' ? [...(metric?.series.values() ?? [])].find((s) => s.meta.entity === target.entity) : undefined;
  // the 24 h ends at the moment shown (now, or a rewind's moment)
  const end = Math.floor(now / 60_000) * 60_000;

  useEffect(() => {
    if (target.kind !== 'entity') return;
    const ctl = new AbortController();
    setSpark(null);
    fetchSeries({ metric: target.metric, entity: target.entity, from: end - DAY_MS, to: end, bucket: '1m' }, token, ctl.signal).then(
      (r) => setSpark((r.series[0]?.buckets ?? []).map((b) => [b.t, b.avg] as [number, number])),
      () => setSpark([]),
    );
    return () => ctl.abort();
  }, [target, token, end]);

  const located = sources.events.get('complaint')?.located ?? [];
  const at = target.kind === 'area' ? target : series && series.lon !== null && series.lat !== null ? { lon: series.lon, lat: series.lat } : null;
  // a rewind frame has its complaints counted per hexagon: the tapped hexagon's count (no categories)
  const counted = sources.aggregates?.get('complaint');
  const near = !at
    ? null
    : counted
      ? { n: hexCountNear(counted.hexes, at.lon, at.lat, target.kind === 'area' ? target.radiusM : NEAR_M), byCategory: [] }
      : complaintsNear(located, at.lon, at.lat, target.kind === 'area' ? target.radiusM : NEAR_M);

  if (target.kind === 'area') {
    return (
      <aside className="inspect-card" data-testid="inspect-card" data-kind="area">
        <button type="button" className="inspect-close" onClick={onClose} aria-label={t('inspect.close')}>
          ×
        </button>
        <h3>{t('inspect.area')}</h3>
        <p className="inspect-value" data-testid="inspect-value">
          {t('inspect.openComplaints', { n: near?.n ?? 0 })}
        </p>
        <ul className="inspect-list">
          {(near?.byCategory ?? []).slice(0, 4).map((c) => (
            <li key={c.category}>
              {t(`wall.charts.category.${c.category}`, { defaultValue: c.category })} · {c.n}
            </li>
          ))}
        </ul>
      </aside>
    );
  }

  const n = nameFirst({ entity: target.entity, name: series?.meta.name ?? target.name });
  const open = alertsOf(alerts?.open() ?? [], target.metric, target.entity);
  const unit = metric?.metric?.unit ?? '';
  return (
    <aside className="inspect-card" data-testid="inspect-card" data-kind="entity" data-entity={target.entity}>
      <button type="button" className="inspect-close" onClick={onClose} aria-label={t('inspect.close')}>
        ×
      </button>
      <h3>
        {n.name}
        {n.code && <span className="entity-code"> · {n.code}</span>}
      </h3>
      <p className="inspect-meta">
        {metric?.metric ? (lang === 'en' ? metric.metric.nameEn : metric.metric.nameId) : target.metric} ·{' '}
        <span data-testid="inspect-owner">{metric?.metric?.ownerOpd ?? '–'}</span>
      </p>
      <p className="inspect-value" data-testid="inspect-value">
        {series?.latestV !== undefined && series.latestV !== null ? formatValue(series.latestV, unit, lang) : '–'}{' '}
        <Freshness t={series?.latestT ?? null} now={now} cadenceS={metric?.metric?.cadenceS} />
      </p>
      <div className="inspect-alerts" data-testid="inspect-alerts" data-open={open.length}>
        {open.length === 0
          ? t('inspect.noAlerts')
          : open.map((a) => (
              <span key={a.id} className="inspect-alert">
                <AlertBadge level={a.level} /> {t('alerts.since', { time: formatAlertTime(a.openedAt, now, locale) })}
              </span>
            ))}
      </div>
      {near && (
        <p className="inspect-near" data-testid="inspect-near">
          {t('inspect.near', { n: near.n })}
        </p>
      )}
      <p className="inspect-spark-title">{t('inspect.last24h')}</p>
      {spark === null ? <p className="empty">{t('inspect.loading')}</p> : <Spark points={spark} />}
    </aside>
  );
}
