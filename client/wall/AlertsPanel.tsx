import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Metric } from '@shared/catalog';
import type { LiveStore } from '../lib/live-store';
import { actorLabel, compareUrgency, formatAlertTime, type AlertsStore, type WireAlert } from '../lib/alerts';
import { formatValue } from '../lib/format';
import { useLang, useThrottledVersion } from '../lib/react/hooks';
import { AlertBadge } from '../lib/components/AlertBadge';
import { AlertCardDetails } from '../lib/components/AlertCardDetails';
import { alertCard } from '../features/alerts/card';
import { PagedList } from './PagedList';
import { nameAndCode } from '../features/common';

/** Recently cleared alerts shown (greyed) after the open ones. */
const MAX_CLEARED_ROWS = 2;

/** Metric names and units come with the snapshots of the metrics the wall subscribes to. */
interface AlertContext {
  live: LiveStore;
  regionNames: ReadonlyMap<string, string>;
}

function useAlertText({ live, regionNames, now }: AlertContext & { now: number }) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  // Catalog entries arrive with snapshots; re-read them now and then, never on every delta.
  useThrottledVersion(live, 5_000);
  const metricOf = (code: string): Metric | null => live.get(code)?.metric ?? null;
  return {
    t,
    locale,
    metricName: (a: WireAlert) => {
      const m = metricOf(a.metric);
      return m ? (lang === 'en' ? m.nameEn : m.nameId) : a.metric;
    },
    // names first: "Rumah Pompa Kali Banger · PA-BANGER (Tanjung Mas)"
    entity: (a: WireAlert) => {
      const meta = live.get(a.metric)?.series.get(a.seriesId)?.meta;
      const region = meta?.region ? regionNames.get(meta.region) : undefined;
      const who = nameAndCode({ entity: a.entity, name: meta?.name });
      return region ? `${who} (${region})` : who;
    },
    /** Where, the live value and its age, links, SOP (features/alerts/card.ts). */
    card: (a: WireAlert) => alertCard(a, live.get(a.metric)?.series.get(a.seriesId), metricOf(a.metric), regionNames, now, lang),
    cadenceS: (a: WireAlert) => metricOf(a.metric)?.cadenceS,
    // the series' live value, as the KPI shows it (the alert's own last value only without the series)
    value: (a: WireAlert) => {
      const m = metricOf(a.metric);
      const s = live.get(a.metric)?.series.get(a.seriesId);
      const v = s && s.latestV !== null && s.latestT !== null && s.latestT >= a.lastTime ? s.latestV : a.lastValue;
      return formatValue(v, m?.unit ?? '', lang);
    },
    level: (a: WireAlert) => t(`alert.${a.level}`).toUpperCase(),
  };
}

/**
 * The banner for the most urgent open alert ("AWAS · PA-BANGER · Tinggi muka air 262 cm · sejak 10.42 WIB").
 * Awas red (blinking until acknowledged), Siaga orange. `data-testid="alert-banner"` with `data-level`.
 */
export const AlertBanner = memo(function AlertBanner({ store, live, regionNames, now }: AlertContext & { store: AlertsStore; now: number }) {
  useThrottledVersion(store, 200);
  const x = useAlertText({ live, regionNames, now });
  const top = store.top();
  if (!top) return null;
  const others = store.open().length - 1;
  const acked = top.acknowledgedAt !== null;
  return (
    <div
      className={`wall-banner banner-${top.level}${acked ? ' is-acked' : ''}`}
      role="alert"
      data-testid="alert-banner"
      data-level={top.level}
      data-alert-id={top.id}
      data-acknowledged={acked ? 'true' : 'false'}
    >
      <span className="banner-item">
        <span className="banner-level">{x.level(top)}</span>
        {' · '}
        <span className="banner-entity">{x.entity(top)}</span>
        {' · '}
        <span className="banner-metric">{x.metricName(top)}</span> <span className="banner-value">{x.value(top)}</span>
      </span>
      <span className="banner-meta">
        {x.t('alerts.since', { time: formatAlertTime(top.openedAt, now, x.locale) })}
        {acked && ` · ${x.t('alerts.ackBy', { who: actorLabel(top.acknowledgedBy), time: formatAlertTime(top.acknowledgedAt!, now, x.locale) })}`}
      </span>
      {others > 0 && <span className="banner-more">{x.t('alerts.others', { n: others })}</span>}
    </div>
  );
});

/**
 * "Peringatan aktif": open alerts, the most urgent first (Awas, unacknowledged), paged on a timer when more are
 * open than fit (whole rows only, see PagedList), then the last cleared ones greyed. A row is one line; an
 * acknowledged one gets a second line with who acknowledged it and their note. With nothing open the panel is a
 * thin strip (`data-collapsed="true"`; the scene gives its room to the panel above). Hidden when the server
 * refuses the list. `data-testid="alerts-panel"`; rows `data-testid="alert-<id>"` with `data-level`,
 * `data-acknowledged` and `data-cleared`.
 */
export const AlertsPanel = memo(function AlertsPanel({ store, live, regionNames, now }: AlertContext & { store: AlertsStore; now: number }) {
  useThrottledVersion(store, 200);
  const x = useAlertText({ live, regionNames, now });
  if (store.access === 'forbidden') return null;
  const open = store.open();
  const shown = [...open].sort(compareUrgency);
  const cleared = open.length > 0 ? store.cleared().slice(0, MAX_CLEARED_ROWS) : [];
  const counts = { awas: open.filter((a) => a.level === 'awas').length, siaga: open.filter((a) => a.level === 'siaga').length };
  const collapsed = open.length === 0;

  return (
    <section
      className={`panel panel-alerts${collapsed ? ' is-collapsed' : ''}`}
      data-testid="alerts-panel"
      data-state={store.access === 'allowed' ? 'ready' : 'loading'}
      data-open={open.length}
      data-collapsed={collapsed ? 'true' : 'false'}
      aria-label={x.t('alerts.title')}
    >
      <div className="panel-head">
        <h2>{x.t('alerts.title')}</h2>
        <div className="alert-counts">
          {(['awas', 'siaga'] as const).map((l) =>
            counts[l] > 0 ? (
              <span key={l} className={`gate-count alert-${l}`} data-testid={`alerts-${l}`}>
                {x.t(`alert.${l}`)} {counts[l]}
              </span>
            ) : null,
          )}
        </div>
      </div>
      {collapsed ? (
        <p className="empty alerts-empty">{store.access === 'allowed' ? x.t('alerts.none') : x.t('alerts.loading')}</p>
      ) : (
        <PagedList className="alert-list" testId="alert-list">
          {[...shown, ...cleared].map((a) => {
            const acked = a.acknowledgedAt !== null;
            const isCleared = a.clearedAt !== null;
            return (
              <li
                key={a.id}
                className={`alert-row level-${a.level}${isCleared ? ' is-cleared' : ''}${acked ? ' is-acked' : ''}`}
                data-testid={`alert-${a.id}`}
                data-level={a.level}
                data-acknowledged={acked ? 'true' : 'false'}
                data-cleared={isCleared ? 'true' : 'false'}
              >
                {isCleared ? <span className="alert-badge alert-cleared">{x.t('alerts.cleared')}</span> : <AlertBadge level={a.level} />}
                <span className="alert-entity">
                  {x.entity(a)} <span className="alert-metric">{x.metricName(a)}</span>
                </span>
                <span className="alert-value">{x.value(a)}</span>
                <span className="alert-time">
                  {isCleared
                    ? x.t('alerts.ended', { time: formatAlertTime(a.clearedAt!, now, x.locale) })
                    : x.t('alerts.since', { time: formatAlertTime(a.openedAt, now, x.locale) })}
                </span>
                {!isCleared && <AlertCardDetails card={x.card(a)} now={now} cadenceS={x.cadenceS(a)} />}
                {acked && (
                  <span className="alert-ack" data-testid="alert-ack-line" title={a.note ?? undefined}>
                    <span className="alert-ack-by">
                      ✓ {x.t('alerts.ackBy', { who: actorLabel(a.acknowledgedBy), time: formatAlertTime(a.acknowledgedAt!, now, x.locale) })}
                    </span>
                    {a.note ? `: ${a.note}` : ''}
                  </span>
                )}
              </li>
            );
          })}
        </PagedList>
      )}
    </section>
  );
});
