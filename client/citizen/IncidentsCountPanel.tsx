import { useTranslation } from 'react-i18next';
import { publicIncidentCountsResponse } from '@shared/incidents';
import { getJson } from '../lib/api/http';
import { formatNumber } from '../lib/format';
import { useLang, usePolled } from '../lib/react/hooks';

type Count = { n: number | null; suppressed: boolean; lessThan?: number };

/**
 * Incidents handled between OPDs, per kelurahan (open, and closed in the last 30 days): counts only, k-protected
 * by the server (GET /api/public/v1/incidents, the same suppression as the complaint counts); a suppressed count
 * shows as "< k" when the server marks it so, else (a hidden cover of k or more) as "≥ k". No title, place or reporter of an incident is ever public.
 */
export function IncidentsCountPanel() {
  const { t } = useTranslation();
  const { locale } = useLang();
  const { data } = usePolled((signal) => getJson('/api/public/v1/incidents', publicIncidentCountsResponse, {}, signal), 60_000);
  if (!data) return null;
  const show = (c: Count) => (!c.suppressed ? formatNumber(c.n ?? 0, 0, locale) : c.lessThan !== undefined ? `< ${c.lessThan}` : `≥ ${data.k}`);
  const rows = data.regions.filter((r) => r.total.suppressed || (r.total.n ?? 0) > 0);
  return (
    <section className="pub-card" id="insiden" data-testid="section-incidents" aria-labelledby="h-insiden">
      <div className="card-head">
        <h2 id="h-insiden">{t('incidentsPublic.title')}</h2>
      </div>
      <p>{t('incidentsPublic.lead', { open: show(data.total.open), closed: show(data.total.closed) })}</p>
      {rows.length > 0 && (
        <table className="pub-table">
          <thead>
            <tr>
              <th>{t('incidentsPublic.kelurahan')}</th>
              <th>{t('incidentsPublic.open')}</th>
              <th>{t('incidentsPublic.closed')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, 30).map((r) => (
              <tr key={r.region}>
                <td>{r.name}</td>
                <td>{show(r.open)}</td>
                <td>{show(r.closed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">{t('incidentsPublic.note', { k: data.k })}</p>
    </section>
  );
}
