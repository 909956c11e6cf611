import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { publicScorecardResponse } from '@shared/scorecard';
import { ApiError } from '../lib/api/http';
import { useLang } from '../lib/react/hooks';
import { fetchPublicScorecard, pct } from '../features/scorecard/api';

/** The figures cover 30 days: a read every ten minutes is plenty. */
const REFRESH_MS = 10 * 60_000;

/**
 * How the OPDs keep their service promises, for citizens (issue 19): only when the city publishes it
 * (SCORECARD_PUBLIC; the server answers 404 otherwise and the page asks no more). Shares only, k-protected by the
 * server with the complaint counts' suppression: a share behind fewer than k complaints is hidden ("–").
 */
export function ScorecardPublicPanel() {
  const { t } = useTranslation();
  const { locale } = useLang();
  const [data, setData] = useState<z.infer<typeof publicScorecardResponse> | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      fetchPublicScorecard(ctl.signal).then(
        (d) => {
          setData(d);
          timer = setTimeout(load, REFRESH_MS);
        },
        (e) => {
          // not published: stop asking; anything else: try again later
          if (!(e instanceof ApiError && e.status === 404) && !ctl.signal.aborted) timer = setTimeout(load, REFRESH_MS);
        },
      );
    void load();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, []);
  if (!data) return null;
  return (
    <section className="pub-card" id="kinerja" data-testid="section-scorecard" aria-labelledby="h-kinerja">
      <div className="card-head">
        <h2 id="h-kinerja">{t('scorecard.publicTitle')}</h2>
      </div>
      <table className="pub-table">
        <thead>
          <tr>
            <th>{t('scorecard.opd')}</th>
            <th>{t('scorecard.withinSla')}</th>
            <th>{t('scorecard.rejected')}</th>
            <th>{t('scorecard.fresh')}</th>
          </tr>
        </thead>
        <tbody>
          {data.opds.map((o) => (
            <tr key={o.opd} data-testid={`public-score-${o.opd}`}>
              <td>{o.name}</td>
              <td>{pct(o.serviceShare30d, locale)}</td>
              <td>{pct(o.rejectedShare30d, locale)}</td>
              <td>{pct(o.dataFresh30d, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{t('scorecard.publicNote', { k: data.k })}</p>
    </section>
  );
}
