import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  byKecamatan,
  COMPLAINT_PERIODS,
  countLabel,
  fetchComplaintSummary,
  type ComplaintPeriod,
  type PublicCount,
} from '../lib/api/public-complaints';
import { Freshness } from '../lib/components/Freshness';
import { formatNumber } from '../lib/format';
import { useLang, usePolled } from '../lib/react/hooks';
import { ComplaintHandling } from './ComplaintHandling';

/** The server's snapshots last a few seconds; a phone needs no more than a refresh every half minute. */
const POLL_MS = 30_000;

/** Complaint handling for citizens: k-anonymous counts per category and per kelurahan, grouped by kecamatan. */
export function ComplaintsPanel({ now }: { now: number }) {
  const { t, i18n } = useTranslation();
  const { locale } = useLang();
  const [period, setPeriod] = useState<ComplaintPeriod>('7d');
  const { data, failed } = usePolled((signal) => fetchComplaintSummary(period, signal), POLL_MS, period);

  const num = (c: PublicCount) => countLabel(c, data?.k ?? 5, (n) => formatNumber(n, 0, locale));
  const category = (c: string | null) =>
    c === null ? t('pub.cx.otherCategory') : i18n.exists(`pub.cx.category.${c}`) ? t(`pub.cx.category.${c}`) : c.replace(/_/g, ' ');
  const shown = data?.period === period ? data : null;

  return (
    <section className="pub-card" id="aduan" data-testid="section-complaints">
      <div className="card-head">
        <h2>{t('pub.complaints')}</h2>
        <Freshness t={shown?.updatedAt ?? null} now={now} />
      </div>
      <div className="cx-periods" role="group" aria-label={t('pub.cx.period')}>
        {COMPLAINT_PERIODS.map((p) => (
          <button key={p} type="button" aria-pressed={p === period} className={p === period ? 'on' : ''} onClick={() => setPeriod(p)}>
            {t(`pub.cx.periods.${p}`)}
          </button>
        ))}
      </div>
      {failed && !shown && <p className="empty">{t('pub.cx.unavailable')}</p>}
      {!failed && !shown && <p className="empty">{t('common.loading')}</p>}
      {shown && (
        <>
          <div className="cx-totals" data-testid="complaints-totals">
            <div>
              <span className="label">{t('pub.cx.received')}</span>
              <span className="big">{num(shown.total.received)}</span>
            </div>
            <div>
              <span className="label">{t('pub.cx.resolved')}</span>
              <span className="big">{num(shown.total.resolved)}</span>
            </div>
            <div>
              <span className="label">{t('pub.cx.open')}</span>
              <span className="big">{num(shown.total.open)}</span>
            </div>
          </div>
          {shown.categories.length === 0 ? (
            <p className="empty">{t('pub.cx.none')}</p>
          ) : (
            <table className="cx-table">
              <thead>
                <tr>
                  <th scope="col">{t('pub.cx.category.title')}</th>
                  <th scope="col">{t('pub.cx.received')}</th>
                  <th scope="col">{t('pub.cx.resolved')}</th>
                  <th scope="col">{t('pub.cx.median')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.categories.map((c) => (
                  <tr key={c.category ?? ''} data-testid="complaints-category-row">
                    <th scope="row">{category(c.category)}</th>
                    <td>{num(c.received)}</td>
                    <td>{num(c.resolved)}</td>
                    <td>{c.medianHoursToResolve === null ? '–' : t('pub.cx.hours', { n: formatNumber(c.medianHoursToResolve, 1, locale) })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ComplaintHandling period={period} />
          {byKecamatan(shown.kelurahan).map((g) => (
            <details key={g.code ?? ''} className="cx-kecamatan">
              <summary>
                {g.name ?? g.code ?? t('pub.cx.noRegion')} <small>· {t('pub.cx.kelurahanCount', { n: g.kelurahan.length })}</small>
              </summary>
              <ul>
                {g.kelurahan.map((r) => (
                  <li key={r.code ?? ''} data-testid="complaints-kelurahan-row">
                    <span>{r.name ?? r.code ?? t('pub.cx.noRegion')}</span>
                    <span>
                      {t('pub.cx.receivedShort', { n: num(r.received) })} · {t('pub.cx.openShort', { n: num(r.open) })}
                    </span>
                  </li>
                ))}
              </ul>
            </details>
          ))}
          <p className="card-note">{t('pub.cx.privacy', { k: shown.k })}</p>
        </>
      )}
    </section>
  );
}
