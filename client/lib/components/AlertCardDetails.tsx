import { useTranslation } from 'react-i18next';
import type { AlertCard } from '../../features/alerts/card';
import { Freshness } from './Freshness';

/**
 * The "where and what to do" lines of an alert card, on the wall and the tablet: kelurahan/kecamatan, the live
 * value's age (late: marked), links to the entity's chart and map position, and the catalog's SOP text.
 * `data-testid="alert-details"`; the SOP line `data-testid="alert-sop"`.
 */
export function AlertCardDetails({ card, now, cadenceS, links = true }: { card: AlertCard; now: number; cadenceS?: number; links?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className={`alert-details${card.stale ? ' is-stale' : ''}`} data-testid="alert-details" data-stale={card.stale ? 'true' : 'false'}>
      <span className="alert-place" data-testid="alert-place">
        {card.place ?? t('alerts.noPlace')}
      </span>
      <Freshness t={card.t} now={now} cadenceS={cadenceS} />
      {links && (
        <span className="alert-links">
          <a href={card.chartHref} data-testid="alert-chart-link">
            {t('alerts.chart')}
          </a>
          {card.mapHref && (
            <a href={card.mapHref} data-testid="alert-map-link">
              {t('alerts.map')}
            </a>
          )}
        </span>
      )}
      {card.sop && (
        <p className="alert-sop" data-testid="alert-sop">
          <strong>{t('alerts.sop')}:</strong> {card.sop}
        </p>
      )}
    </div>
  );
}
