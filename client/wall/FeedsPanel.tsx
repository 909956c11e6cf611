import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { FeedState } from '@shared/feed-state';
import type { FeedsStore } from '../lib/feed-health';
import { dataAge } from '../lib/data-age';
import { formatDateTime } from '../lib/format';
import { useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import { countByState, FEED_STATES_BY_SEVERITY, opdFeedRows } from '../features/feeds/derive';

/** How often states and ages are re-judged locally (only this panel re-renders). */
const TICK_MS = 1_000;

/**
 * "Status umpan data": one row per OPD, its worst feed's state and the age of that feed's last success.
 * Hidden until the server confirmed operator access (and for good on 403). Memoised with stable props, so
 * the wall's own re-renders never reach it; it ticks on its own. `data-testid="feeds-panel"`, rows
 * `data-testid="feed-<OPD>"` with `data-state`.
 */
export const FeedsPanel = memo(function FeedsPanel({ store, clock }: { store: FeedsStore; clock: () => number }) {
  const version = useThrottledVersion(store, 500);
  if (store.access !== 'allowed') return null;
  return <FeedsList store={store} clock={clock} version={version} />;
});

function FeedsList({ store, clock, version }: { store: FeedsStore; clock: () => number; version: number }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const now = useNow(clock, TICK_MS);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const feeds = useMemo(() => store.list(), [store, version]);
  const rows = opdFeedRows(feeds, now);
  const counts = countByState(rows);

  const ageText = (lastSuccess: number | null): string => {
    const a = dataAge(lastSuccess, now);
    switch (a.kind) {
      case 'none':
        return t('wall.feeds.age.none');
      case 'date':
        return t('wall.feeds.age.date', { date: formatDateTime(a.t, locale) });
      default:
        return t(`wall.feeds.age.${a.kind}`, { n: a.n });
    }
  };
  const stateLabel = (s: FeedState) => t(`wall.feeds.state.${s}`);

  return (
    <section className="panel panel-feeds" data-testid="feeds-panel" aria-label={t('wall.feeds.title')}>
      <div className="panel-head">
        <h2>{t('wall.feeds.title')}</h2>
        <div className="feed-counts">
          {[...FEED_STATES_BY_SEVERITY].reverse().map((s) =>
            counts[s] > 0 ? (
              <span key={s} className={`feed-count feed-${s}`} data-testid={`feeds-${s}`}>
                {stateLabel(s)} {counts[s]}
              </span>
            ) : null,
          )}
        </div>
      </div>
      {rows.length === 0 ? (
        <p className="empty feeds-empty">{t('wall.feeds.empty')}</p>
      ) : (
        <ul className="feed-list">
          {rows.map((r) => {
            const age = ageText(r.lastSuccess);
            const detail = [
              t('wall.feeds.lastSuccess', { age }),
              t('wall.feeds.sources', { n: r.sources }),
              r.state !== 'ok' && r.lastError ? `${r.source}: ${r.lastError}` : r.source,
            ].join(' · ');
            return (
              <li key={r.opd} className={`feed-row feed-${r.state}`} data-testid={`feed-${r.opd}`} data-state={r.state} title={detail}>
                <span className="feed-opd">{r.opd}</span>
                <span className="feed-chip">{stateLabel(r.state)}</span>
                <span className="feed-age" data-age-s={r.lastSuccess === null ? '' : String(Math.max(0, Math.round((now - r.lastSuccess) / 1000)))}>
                  {age}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
