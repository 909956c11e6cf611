import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OpdScorecard, ServiceWindowFigures } from '@shared/scorecard';
import type { CatalogResponse } from '../lib/api/catalog';
import { useLang, usePolled } from '../lib/react/hooks';
import { fetchScorecard, hours, pct } from '../features/scorecard/api';
import { formatDateTime } from '../lib/format';
import type { Me } from './auth-api';

/** The scorecard is read again every minute (its figures move with closures and feed lateness, not by the second). */
const REFRESH_MS = 60_000;

/**
 * The OPD scorecard on the tablet (issue 19): one REST call (GET /api/v1/scorecard) for the whole card. An OPD
 * sees its own; the command center picks an OPD. Service SLA for 7 and 30 days with the trend against the
 * period before, rejections as their own share; the overdue list; data freshness per feed and per metric.
 */
export function ScorecardSection({ token, me, catalog }: { token: string; me: Me; catalog: CatalogResponse }) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const own = me.role === 'agency' ? (me.opd ?? null) : null;
  const [picked, setPicked] = useState<string>(() => catalog.opd[0]?.code ?? '');
  const opd = own ?? picked;
  const { data, failed } = usePolled((signal) => fetchScorecard(token, own ? null : opd, signal), REFRESH_MS, `${token}:${opd}`);
  const card = data && data.scorecard.opd === opd ? data.scorecard : null;
  return (
    <section className="incidents-card scorecard" data-testid="scorecard" data-opd={opd}>
      <div className="catalog-head">
        <h2>{t('scorecard.title', { opd: card?.name ?? opd })}</h2>
        {!own && (
          <select value={picked} onChange={(e) => setPicked(e.target.value)} aria-label={t('scorecard.opd')} data-testid="scorecard-opd">
            {catalog.opd.map((o) => (
              <option key={o.code} value={o.code}>
                {o.name}
              </option>
            ))}
          </select>
        )}
      </div>
      {failed && !card && <p className="error">{t('scorecard.error')}</p>}
      {!card && !failed && <p>{t('scorecard.loading')}</p>}
      {card && <Card card={card} locale={locale} asOf={data!.asOf} metricName={(code) => metricName(catalog, code, lang)} />}
    </section>
  );
}

/** A metric's name in the UI language, from the catalog the tablet already holds; its code when it is not there. */
function metricName(catalog: CatalogResponse, code: string, lang: 'id' | 'en'): string {
  const m = catalog.metrics.find((x) => x.code === code);
  return m ? (lang === 'en' ? m.nameEn || m.nameId : m.nameId) : code;
}

function Card({ card, locale, asOf, metricName }: { card: OpdScorecard; locale: string; asOf: number; metricName: (code: string) => string }) {
  const { t } = useTranslation();
  const s = card.service;
  return (
    <>
      <h3>{t('scorecard.service')}</h3>
      <div className="scorecard-counts">
        <span data-testid="scorecard-open">
          {t('scorecard.open')}: <strong>{s.open}</strong>
        </span>
        <span data-testid="scorecard-overdue" className={s.overdue > 0 ? 'bad' : undefined}>
          {t('scorecard.overdue')}: <strong>{s.overdue}</strong>
        </span>
      </div>
      <table className="scorecard-table">
        <thead>
          <tr>
            <th />
            <th>{t('scorecard.withinSla')}</th>
            <th>{t('scorecard.rejected')}</th>
            <th>{t('scorecard.median')}</th>
          </tr>
        </thead>
        <tbody>
          {(['7d', '30d'] as const).map((w) => (
            <WindowRow key={w} name={t(`scorecard.window.${w}`)} w={s.windows[w]} locale={locale} testId={`scorecard-${w}`} />
          ))}
        </tbody>
      </table>
      <details>
        <summary>
          {t('scorecard.overdueList')} ({s.overdueItems.length})
        </summary>
        {s.overdueItems.length === 0 ? (
          <p>{t('scorecard.none')}</p>
        ) : (
          <ul className="plain-list" data-testid="scorecard-overdue-list">
            {s.overdueItems.slice(0, 20).map((o) => (
              <li key={`${o.type}:${o.id}`}>
                {t('scorecard.overdueItem', {
                  kind: t(`scorecard.kind.${o.type}`),
                  id: o.id,
                  category: o.category ?? '–',
                  place: o.regionName ?? o.region ?? '–',
                  age: hours(o.ageHours, locale),
                  target: hours(o.targetHours, locale),
                })}
              </li>
            ))}
          </ul>
        )}
      </details>
      <h3>{t('scorecard.data')}</h3>
      {card.data.feeds.length + card.data.metrics.length === 0 ? (
        <p>{t('scorecard.noFeeds')}</p>
      ) : (
        <table className="scorecard-table" data-testid="scorecard-data">
          <thead>
            <tr>
              <th />
              <th>{t('scorecard.window.24h')}</th>
              <th>{t('scorecard.window.7d')}</th>
              <th>{t('scorecard.window.30d')}</th>
            </tr>
          </thead>
          <tbody>
            <tr className="total">
              <th>{t('scorecard.fresh')}</th>
              <td data-testid="scorecard-fresh-24h">{pct(card.data.fresh['24h'], locale)}</td>
              <td>{pct(card.data.fresh['7d'], locale)}</td>
              <td>{pct(card.data.fresh['30d'], locale)}</td>
            </tr>
            {card.data.feeds.map((f) => (
              <tr key={f.source}>
                <th>
                  {f.source}
                  {f.lateNow && <span className="bad"> · {t('scorecard.lateNow')}</span>}
                </th>
                <td>{pct(f.fresh['24h'], locale)}</td>
                <td>{pct(f.fresh['7d'], locale)}</td>
                <td>{pct(f.fresh['30d'], locale)}</td>
              </tr>
            ))}
            {card.data.metrics.map((m) => (
              <tr key={`metric:${m.metric}`} data-testid="scorecard-metric">
                <th>
                  <span title={m.metric}>{t('scorecard.metric', { name: metricName(m.metric) })}</span>
                  {m.lateNow && <span className="bad"> · {t('scorecard.lateNow')}</span>}
                </th>
                <td>{pct(m.fresh['24h'], locale)}</td>
                <td>{pct(m.fresh['7d'], locale)}</td>
                <td>{pct(m.fresh['30d'], locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="meta">{t('scorecard.asOf', { time: formatDateTime(asOf, locale) })}</p>
    </>
  );
}

function WindowRow({ name, w, locale, testId }: { name: string; w: ServiceWindowFigures; locale: string; testId: string }) {
  const { t } = useTranslation();
  const dir = w.trend.shareWithinSla.direction;
  return (
    <tr data-testid={testId}>
      <th>
        {name}
        <br />
        <small>
          {w.closed} {t('scorecard.closed').toLowerCase()}
        </small>
      </th>
      <td>
        <strong data-testid={`${testId}-share`}>{pct(w.shareWithinSla, locale)}</strong>
        <br />
        <small className={dir === 'worse' ? 'bad' : dir === 'better' ? 'good' : undefined} title={t('scorecard.vsPrevious')}>
          {t(`scorecard.trend.${dir ?? 'none'}`)}
          {w.trend.shareWithinSla.delta !== null &&
            ` (${w.trend.shareWithinSla.delta >= 0 ? '+' : ''}${(w.trend.shareWithinSla.delta * 100).toLocaleString(locale, { maximumFractionDigits: 1 })})`}
        </small>
      </td>
      <td data-testid={`${testId}-rejected`}>{pct(w.shareRejected, locale)}</td>
      <td>{w.medianHours === null ? '–' : t('scorecard.hours', { n: hours(w.medianHours, locale) })}</td>
    </tr>
  );
}
