import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { noticeActive } from '@shared/notices';
import { useLang } from '../lib/react/hooks';
import { wibLabel } from '../features/notices/strings';
import type { NoticesStore } from '../features/notices/store';

/**
 * Public notices (pengumuman): flood warnings with advice, pump maintenance, road closures, live from the
 * `notices` channel. Links to the Atom feed (an index of CAP 1.2 messages) and the 90-day history.
 */
export function NoticesPanel({ store, now, regionName }: { store: NoticesStore; now: number; regionName: (code: string) => string | undefined }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  useSyncExternalStore(
    (l) => store.subscribe(l),
    () => store.version,
  );
  const notices = store.list(now);
  return (
    <section className="pub-card" id="pengumuman" data-testid="section-notices" aria-labelledby="h-pengumuman">
      <div className="card-head">
        <h2 id="h-pengumuman">{t('notices.title')}</h2>
      </div>
      {!store.loaded ? (
        <p className="empty">{t('notices.loading')}</p>
      ) : notices.length === 0 ? (
        <p className="empty" data-testid="notices-none">
          {t('notices.none')}
        </p>
      ) : (
        <ul className="notice-list">
          {notices.map((n) => (
            <li
              key={n.id}
              id={`pengumuman-${n.id}`}
              className={`notice sev-${n.severity}${noticeActive(n, now) ? '' : ' upcoming'}`}
              data-testid="notice"
              data-kind={n.kind}
            >
              <div className="notice-head">
                <span className="chip">{t(`notices.kind.${n.kind}`)}</span> <span className="notice-sev">{t(`notices.severity.${n.severity}`)}</span>
              </div>
              <strong className="notice-headline">{n.headline}</strong>
              <p>{n.description}</p>
              {n.instruction && (
                <p className="notice-advice">
                  <b>{t('notices.advice')}:</b> {n.instruction}
                </p>
              )}
              {n.regions.length > 0 && (
                <p className="notice-meta">
                  {t('notices.areas')}: {n.regions.map((r) => regionName(r) ?? r).join(', ')}
                </p>
              )}
              <p className="notice-meta">
                {noticeActive(n, now) ? '' : `${t('notices.from', { t: wibLabel(n.validFrom, locale) })} · `}
                {t('notices.validUntil', { t: wibLabel(n.validUntil, locale) })} · {t('notices.by', { opd: n.opd ?? t('notices.commandCenter') })} ·{' '}
                <a href={`/api/public/v1/notices/${n.id}.cap`}>{t('notices.cap')}</a>
              </p>
            </li>
          ))}
        </ul>
      )}
      <p className="card-note">
        <a href="/api/public/v1/notices.atom">{t('notices.feeds')}</a> · <a href="/api/public/v1/notices/history">{t('notices.history')}</a>
      </p>
    </section>
  );
}
