import { useTranslation } from 'react-i18next';
import type { LiveConnection } from '../live-connection';
import { useExternalState, useLang } from '../react/hooks';
import { formatTime } from '../format';

/** Connection indicator. `data-state` is `connected` or `disconnected` (tests and CSS key on it). */
export function ConnStatus({ conn }: { conn: LiveConnection }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const state = useExternalState(conn);
  const connected = state === 'connected';
  const label =
    state === 'connected'
      ? t('conn.connected')
      : state === 'unauthenticated'
        ? t('conn.unauthenticated')
        : state === 'connecting' && !conn.everConnected
          ? t('conn.connecting')
          : t('conn.disconnected');
  const lost = !connected && conn.everConnected;
  return (
    <div
      className={`conn-status conn-${connected ? 'ok' : lost || state === 'unauthenticated' ? 'lost' : 'pending'}`}
      data-testid="conn-status"
      data-state={connected ? 'connected' : 'disconnected'}
      role="status"
      aria-live="assertive"
    >
      <span className="conn-dot" aria-hidden="true" />
      <span className="conn-label">{label}</span>
      {lost && <span className="conn-since">{t('conn.since', { time: formatTime(conn.lastChange, locale, false) })}</span>}
    </div>
  );
}
