import { useTranslation } from 'react-i18next';
import { useLang, usePolled } from '../lib/react/hooks';
import { fetchDeliveries } from '../features/incidents/api';

/**
 * Admins: the notifications that left (or tried to leave) the app, each with its attempts, and the dead letters
 * (issue 16). Read every 15 s; a dead letter is put back with POST /api/v1/notifications/deliveries/{id}/retry.
 */
export function DeliveriesSection({ token }: { token: string }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const { data, failed } = usePolled((signal) => fetchDeliveries(token, signal), 15_000, token);
  return (
    <section className="incidents-card" data-testid="admin-deliveries">
      <div className="catalog-head">
        <h2>{t('deliveries.title')}</h2>
      </div>
      {failed && !data && <p className="error">{t('deliveries.error')}</p>}
      {data && (
        <>
          <p data-testid="delivery-counts">{t('deliveries.counts', data.counts)}</p>
          <ul className="plain-list">
            {data.deliveries.map((d) => (
              <li key={d.id} data-testid="delivery" data-status={d.status}>
                <strong>{t(`deliveries.status.${d.status}`)}</strong> · {d.channel} · {d.address} · {d.subject}
                <br />
                <small>
                  {t('deliveries.attempts', { n: d.attempts })}
                  {d.tries.length > 0 && ` · ${new Date(d.tries.at(-1)!.time).toLocaleString(locale)}`}
                  {d.lastError && ` · ${d.lastError}`}
                </small>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
