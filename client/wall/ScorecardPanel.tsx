import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { useLang, usePolled } from '../lib/react/hooks';
import { fetchRanking, pct } from '../features/scorecard/api';
import { formatTime } from '../lib/format';

/** The ranking moves with closures and feed lateness: a poll a minute is plenty for a wall. */
const POLL_MS = 60_000;

/**
 * The wall's OPD ranking (panel type `scorecard` in the scenes file, issue 19): rank, OPD, 30-day share within
 * SLA with its trend, items past SLA, 24-hour data freshness. Read over REST with the wall's token (the ranking
 * is one aggregate, not a live channel); every text at the caption size, read from five metres.
 */
export const ScorecardPanel = memo(function ScorecardPanel({
  token,
  rows,
  now,
  title,
}: {
  token: string;
  rows: number;
  now: number;
  title?: string | undefined;
}) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const { data, failed } = usePolled((signal) => fetchRanking(token, signal), POLL_MS, token);
  // the ranking's moment, like every panel's data age (the figures cover 30 days up to it)
  const asOf = data ? formatTime(Math.min(data.asOf, now), locale, false) : null;
  return (
    <section className="panel panel-scorecard" data-testid="panel-scorecard" aria-label={title ?? t('scorecard.rankingTitle')}>
      <div className="panel-head">
        <h2>{title ?? t('scorecard.rankingTitle')}</h2>
        {asOf && <span className="freshness">{t('scorecard.asOf', { time: asOf })}</span>}
      </div>
      {failed && !data && <p className="empty">{t('scorecard.error')}</p>}
      {data && (
        <table className="scorecard-rank">
          <thead>
            <tr>
              <th>{t('scorecard.rank')}</th>
              <th>{t('scorecard.opd')}</th>
              <th>{t('scorecard.withinSla')}</th>
              <th>{t('scorecard.overdue')}</th>
              <th>{t('scorecard.fresh')}</th>
            </tr>
          </thead>
          <tbody>
            {data.opds.slice(0, rows).map((r) => {
              const dir = r.serviceTrend30d.direction;
              return (
                <tr key={r.opd} data-testid={`rank-${r.opd}`}>
                  <td>{r.rank}</td>
                  <td className="rank-opd">{r.opd}</td>
                  <td>
                    {pct(r.serviceShare30d, locale)}{' '}
                    <span className={`trend trend-${dir ?? 'none'}`} aria-label={t(`scorecard.trend.${dir ?? 'none'}`)}>
                      {dir === 'better' ? '▲' : dir === 'worse' ? '▼' : dir === 'same' ? '=' : ''}
                    </span>
                  </td>
                  <td className={r.overdue > 0 ? 'is-bad' : undefined}>{r.overdue}</td>
                  <td>{pct(r.dataFresh24h, locale)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
});
