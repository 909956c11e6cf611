import { useTranslation } from 'react-i18next';
import type { LiveConnection } from '../lib/live-connection';
import { useExternalState } from '../lib/react/hooks';

/** An unmissable strip while the socket is down after having been connected; it goes away by itself. */
export function LostBanner({ conn }: { conn: LiveConnection }) {
  const { t } = useTranslation();
  const state = useExternalState(conn);
  const lost = state !== 'connected' && conn.everConnected;
  if (!lost) return null;
  return (
    <p className="lost-banner" role="alert" data-testid="conn-lost">
      {t('agency.dash.lost')}
    </p>
  );
}
