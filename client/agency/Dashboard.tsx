import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { DomainInfo, Metric } from '@shared/catalog';
import { NAMESPACES } from '@shared/contract';
import type { CatalogResponse } from '../lib/api/catalog';
import { AlertsStore, AlertsSync } from '../lib/alerts';
import { createSocket } from '../lib/socket';
import { LiveConnection } from '../lib/live-connection';
import { ConnStatus } from '../lib/components/ConnStatus';
import { formatLongDate } from '../lib/format';
import { useLang, useNow, usePolled, useThrottledVersion } from '../lib/react/hooks';
import { fetchSharingOverview } from '../features/sharing/api';
import { AlertsSection, type Live } from './AlertsSection';
import { IncidentsSection, MakeIncident, SharedIncidents } from './IncidentsSection';
import { DeliveriesSection } from './DeliveriesSection';
import { BriefingsSection } from './BriefingsSection';
import { ScorecardSection } from './ScorecardSection';
import { IncidentsStore } from '../features/incidents/store';
import { IncidentsSync, SharedIncidentsSync } from '../features/incidents/sync';
import { ConflictsSection } from './ConflictsSection';
import { NoticesSection } from './NoticesSection';
import { NoticesStore, NoticesSync } from '../features/notices/store';
import { SharingPage } from './SharingPage';
import { PLANNING_OPD } from '@shared/sharing';
import { MatrixPage } from './MatrixPage';
import type { Me } from './auth-api';
import { KpiTile } from './KpiTile';
import { LostBanner } from './LostBanner';
import { MetricDetail } from './MetricDetail';
import { fetchAgreements, type AgreementInfo } from './sharing-api';
import { useRoute } from './useRoute';

/** The map for a manual incident (three taps) brings maplibre: loaded only with the dashboard's side column. */
const IncidentMapPicker = lazy(() => import('./IncidentMapPicker'));
/** A camat's / lurah's area map brings maplibre too: loaded only for a territorial user. */
const WilayahArea = lazy(() => import('./WilayahArea'));

type SharedMetric = Metric & { sharedFor?: string[] };

/** How often the agreements are read again (the catalog is re-read by the page on its own timer). */
const AGREEMENTS_REFRESH_MS = 15_000;

/**
 * Everything after login: the OPD's own KPIs grouped by domain, what other OPD share with it, its alerts,
 * and the drill-down of one metric (`#/metrik/<code>`). One `/live` socket carries the live values of every
 * metric shown (shared ones subscribed with their agreement's purpose) and the alerts; it is opened again
 * when the set of metrics changes (a new agreement), keeping the alert list.
 */
export function Dashboard({
  token,
  me,
  catalog,
  onRefused,
  onCatalogChanged,
}: {
  token: string;
  me: Me;
  catalog: CatalogResponse;
  onRefused: () => void;
  /** The server says the catalog changed (`catalog:changed`, issue 17): read it again now. */
  onCatalogChanged?: (version: number) => void;
}) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { route, go, back } = useRoute();
  const [agreements, setAgreements] = useState<AgreementInfo[] | null>(null);
  // what waits on the sharing page: requests to decide, agreements about to end (the 14-day reminder)
  // a camat or lurah (role wilayah, issue 17) reads figures of their territory only: no sharing, alerts queue,
  // incidents, notices or scorecard (the server refuses them), so those sections are not shown nor asked for
  const territorial = me.role === 'wilayah';
  const sharingNow = usePolled((signal) => (territorial ? Promise.resolve(null) : fetchSharingOverview(token, signal)), 30_000, token).data;
  const sharingPending = sharingNow
    ? sharingNow.requests.filter((r) => r.direction === 'incoming' && r.status === 'open').length +
      sharingNow.agreements.filter((a) => a.direction !== 'other' && (a.status === 'expiring' || a.status === 'suspended')).length
    : 0;
  const refused = useRef(onRefused);
  const catalogChanged = useRef(onCatalogChanged);
  useEffect(() => {
    refused.current = onRefused;
    catalogChanged.current = onCatalogChanged;
  });

  const agencyOpd = me.role === 'agency' ? me.opd : null;
  const metrics = catalog.metrics as SharedMetric[];
  /** Shared with the caller: visible only through an agreement (then the catalog names its purposes). */
  const shared = metrics.filter((m) => m.sharedFor && m.sharedFor.length > 0);
  const own = metrics.filter((m) => !shared.includes(m) && (agencyOpd ? m.ownerOpd === agencyOpd : true));
  const others = agencyOpd ? metrics.filter((m) => !shared.includes(m) && m.ownerOpd !== agencyOpd) : [];
  const subscribed = [...own, ...shared];
  const purposes: Record<string, string> = {};
  for (const m of shared) purposes[m.code] = m.sharedFor![0]!;
  const key = JSON.stringify([subscribed.map((m) => m.code).sort(), purposes]);
  const sharedKey = JSON.stringify([
    shared.map((m) => m.code),
    catalog.eventKinds.filter((k) => (k as { sharedFor?: string[] }).sharedFor?.length).map((k) => k.code),
  ]);

  // a fresh store for each session token (a new login must not see the previous one's alerts)
  // eslint-disable-next-line react-hooks/exhaustive-deps -- token is the reset signal, not an input
  const alertsStore = useMemo(() => new AlertsStore(), [token]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- token is the reset signal, not an input
  const incidentsStore = useMemo(() => new IncidentsStore(), [token]);
  // the purposes agreements share items with this OPD for: incidents about those items follow in a purpose room each
  const sharedPurposes = agencyOpd
    ? [
        ...new Set(
          [
            ...metrics.flatMap((m) => m.sharedFor ?? []),
            ...catalog.eventKinds.flatMap((k) => (k as { sharedFor?: string[] }).sharedFor ?? []),
          ].sort(),
        ),
      ]
    : [];
  const purposesKey = JSON.stringify(sharedPurposes);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- token is the reset signal, not an input
  const noticesStore = useMemo(() => new NoticesStore(), [token]);
  const [live, setLive] = useState<Live | null>(null);
  const [sharedSyncs, setSharedSyncs] = useState<SharedIncidentsSync[]>([]);
  useEffect(() => {
    const [codes, purp] = JSON.parse(key) as [string[], Record<string, string>];
    const socket = createSocket(NAMESPACES.live, { token });
    const conn = new LiveConnection(socket, { metrics: codes, purposes: purp });
    const sync = new AlertsSync(socket, alertsStore);
    const incidents = territorial ? null : new IncidentsSync(socket, token, incidentsStore);
    const shared = agencyOpd ? (JSON.parse(purposesKey) as string[]).map((p) => new SharedIncidentsSync(socket, agencyOpd, p)) : [];
    setSharedSyncs(shared);
    const notices = territorial ? null : new NoticesSync(socket, noticesStore);
    setLive({ conn, sync });
    // every signed-in socket is in the catalog room from connection: a new metric shows without waiting for a poll
    socket.on('catalog:changed', (m) => catalogChanged.current?.(m.version));
    const off = conn.subscribe(() => {
      if (conn.state === 'unauthenticated') refused.current();
    });
    return () => {
      off();
      sync.close();
      incidents?.close();
      for (const s of shared) s.close();
      notices?.close();
      conn.close();
    };
  }, [token, key, purposesKey, agencyOpd, territorial, alertsStore, incidentsStore, noticesStore]);

  useEffect(() => {
    if (me.role === 'public' || me.role === 'wilayah') return;
    const ctrl = new AbortController();
    const load = () =>
      fetchAgreements(token, ctrl.signal).then(
        (a) => setAgreements((prev) => (JSON.stringify(prev) === JSON.stringify(a) ? prev : a)),
        () => {}, // keep what we had; the catalog still names the purposes
      );
    void load();
    const timer = setInterval(load, AGREEMENTS_REFRESH_MS);
    return () => {
      ctrl.abort();
      clearInterval(timer);
    };
    // read again at once when the catalog shows a different set of shared items
  }, [token, me.role, sharedKey]);

  if (!live) return null;
  const opdName = (code: string) => catalog.opd.find((o) => o.code === code)?.name ?? code;

  if (route.view === 'sharing') return <SharingPage token={token} me={me} catalog={catalog} onBack={back} />;
  if (route.view === 'matrix') return <MatrixPage token={token} catalog={catalog} onBack={back} />;
  if (route.view === 'metric') {
    const metric = metrics.find((m) => m.code === route.code) ?? null;
    return (
      <MetricDetail
        key={route.code}
        token={token}
        metric={metric}
        code={route.code}
        range={route.range}
        purpose={metric ? purposes[metric.code] : undefined}
        conn={live.conn}
        alerts={alertsStore}
        ownerName={metric ? opdName(metric.ownerOpd) : ''}
        onRange={(range) => go({ view: 'metric', code: route.code, range }, { replace: true })}
        onBack={back}
      />
    );
  }

  // the catalog's domains in their order (domains are data: a kota adds its own, issue 17)
  const byDomain = (list: readonly Metric[]): [DomainInfo, Metric[]][] =>
    [...catalog.domains]
      .sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code))
      .map((d): [DomainInfo, Metric[]] => [d, list.filter((m) => m.domain === d.code)])
      .filter(([, l]) => l.length > 0);
  const received = (agreements ?? []).filter((a) => a.direction === 'received');
  const granted = (agreements ?? []).filter((a) => a.direction === 'granted');
  const agreementFor = (m: SharedMetric) => received.find((a) => a.itemType === 'metric' && a.itemCode === m.code && a.purpose === purposes[m.code]);
  const sharedKinds = catalog.eventKinds.filter((k) => (k as { sharedFor?: string[] }).sharedFor?.length);
  const itemName = (type: 'metric' | 'event_kind', code: string) => {
    const item = type === 'metric' ? catalog.metrics.find((m) => m.code === code) : catalog.eventKinds.find((k) => k.code === code);
    return item ? (lang === 'en' ? item.nameEn : item.nameId) : code;
  };

  return (
    <div className="dashboard" data-testid="dashboard">
      <LostBanner conn={live.conn} />
      {!territorial && (
        <nav className="dash-nav">
          <button type="button" onClick={() => go({ view: 'sharing' })} data-testid="open-sharing" data-pending={sharingPending}>
            {t('sharing.open')}
            {sharingPending > 0 && (
              <span className="badge" aria-label={t('sharing.pending', { n: sharingPending })}>
                {' '}
                ({sharingPending})
              </span>
            )}
          </button>
          {(me.role === 'admin' || (me.role === 'agency' && me.opd === PLANNING_OPD)) && (
            <button type="button" onClick={() => go({ view: 'matrix' })} data-testid="open-matrix">
              {t('sharing.matrixOpen')}
            </button>
          )}
        </nav>
      )}
      <div className={`dash-grid${territorial ? ' dash-grid-single' : ''}`}>
        <main className="dash-main">
          {me.role === 'wilayah' && me.region && (
            <Suspense fallback={null}>
              <WilayahArea region={me.region} />
            </Suspense>
          )}
          <section className="kpi-section" data-testid="own-kpis">
            <div className="section-head">
              <h2>
                {territorial
                  ? t('agency.wilayah.tilesTitle')
                  : agencyOpd
                    ? t('agency.dash.ownTitle', { opd: opdName(agencyOpd) })
                    : t('agency.dash.allTitle')}
              </h2>
              <ConnStatus conn={live.conn} />
            </div>
            {own.length === 0 && <p className="muted">{t(territorial ? 'agency.wilayah.none' : 'agency.dash.noOwn')}</p>}
            <LiveTiles
              live={live}
              groups={byDomain(own)}
              onOpen={(code) => go({ view: 'metric', code, range: '6h' })}
              footer={
                territorial
                  ? (m) =>
                      m.territorial ? (
                        <span className="kpi-area" data-testid="kpi-area">
                          {t('agency.wilayah.inArea')}
                        </span>
                      ) : null
                  : undefined
              }
            />
          </section>

          {agencyOpd && (
            <section className="kpi-section shared-section" data-testid="shared-section">
              <div className="section-head">
                <h2>{t('agency.shared.title')}</h2>
              </div>
              {shared.length === 0 && sharedKinds.length === 0 && (
                <p className="muted" data-testid="shared-none">
                  {t('agency.shared.none')}
                </p>
              )}
              <LiveTiles
                live={live}
                groups={shared.length ? [[null, shared]] : []}
                onOpen={(code) => go({ view: 'metric', code, range: '6h' })}
                footer={(m) => {
                  const a = agreementFor(m as SharedMetric);
                  return (
                    <span className="shared-meta" data-testid="shared-meta">
                      <span>{t('agency.shared.from', { opd: opdName(m.ownerOpd) })}</span>
                      <span>{t('agency.shared.purpose', { purpose: a?.purpose ?? purposes[m.code] })}</span>
                      {a && <span>{t('agency.shared.until', { date: formatLongDate(a.validUntil, locale) })}</span>}
                    </span>
                  );
                }}
              />
              {sharedKinds.length > 0 && (
                <ul className="plain-list">
                  {sharedKinds.map((k) => {
                    const a = received.find((x) => x.itemType === 'event_kind' && x.itemCode === k.code);
                    return (
                      <li key={k.code} data-testid="shared-event-kind" data-code={k.code}>
                        <strong>{lang === 'en' ? k.nameEn : k.nameId}</strong> · {t('agency.shared.eventKind')} ·{' '}
                        {t('agency.shared.from', { opd: opdName(k.ownerOpd) })}
                        {a &&
                          ` · ${t('agency.shared.purpose', { purpose: a.purpose })} · ${t('agency.shared.until', { date: formatLongDate(a.validUntil, locale) })}`}
                      </li>
                    );
                  })}
                </ul>
              )}
              {granted.length > 0 && (
                <>
                  <h3>{t('agency.shared.granted')}</h3>
                  <ul className="plain-list" data-testid="granted-list">
                    {granted.map((a) => (
                      <li key={a.id}>
                        <strong>{t('agency.shared.grantedItem', { item: itemName(a.itemType, a.itemCode), opd: opdName(a.granteeOpd) })}</strong> ·{' '}
                        {t('agency.shared.purpose', { purpose: a.purpose })} ·{' '}
                        {t('agency.shared.until', { date: formatLongDate(a.validUntil, locale) })}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </section>
          )}

          {others.length > 0 && (
            <details className="others">
              <summary>
                {t('agency.dash.other')} ({others.length})
              </summary>
              <ul className="plain-list">
                {others.map((m) => (
                  <li key={m.code}>
                    <strong>{lang === 'en' ? m.nameEn : m.nameId}</strong> · {opdName(m.ownerOpd)}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </main>
        {!territorial && (
          <aside className="dash-side">
            <IncidentsSection token={token} me={me} catalog={catalog} store={incidentsStore} />
            {sharedSyncs.map((s) => (
              <SharedIncidents key={s.purpose} sync={s} catalog={catalog} />
            ))}
            <Suspense fallback={null}>
              <IncidentMapPicker token={token} ownOpd={agencyOpd} catalog={catalog} store={incidentsStore} />
            </Suspense>
            <AlertsSection
              live={live}
              me={me}
              catalog={catalog}
              extra={(a) => (
                <MakeIncident
                  token={token}
                  from={{ type: 'alert', id: a.id }}
                  defaultOpd={metrics.find((m) => m.code === a.metric)?.ownerOpd ?? agencyOpd ?? ''}
                  catalog={catalog}
                  store={incidentsStore}
                  sourceRef={`alert:${a.id}`}
                />
              )}
            />
            <ConflictsSection token={token} me={me} />
            <ScorecardSection token={token} me={me} catalog={catalog} />
            {(me.role === 'admin' || me.role === 'operator') && <BriefingsSection token={token} />}
            {me.role !== 'public' && <NoticesSection token={token} me={me} store={noticesStore} />}
            {me.role === 'admin' && <DeliveriesSection token={token} />}
          </aside>
        )}
      </div>
    </div>
  );
}

/** The tiles re-render from the live store at most 4 times a second; the clock ticks every second for data age. */
function LiveTiles({
  live,
  groups,
  onOpen,
  footer,
}: {
  live: Live;
  groups: [DomainInfo | null, Metric[]][];
  onOpen: (code: string) => void;
  footer?: (m: Metric) => ReactNode;
}) {
  const { lang } = useLang();
  const store = live.conn.store;
  useThrottledVersion(store, store.options.renderThrottleMs);
  const now = useNow(store.now, 1_000);
  return (
    <>
      {groups.map(([domain, list]) => (
        <div key={domain?.code ?? 'shared'} className="kpi-group" data-testid="kpi-group" data-domain={domain?.code ?? ''}>
          {domain && <h3>{lang === 'en' ? domain.nameEn : domain.nameId}</h3>}
          <div className="kpi-grid">
            {list.map((m) => (
              <KpiTile key={m.code} metric={m} state={store.get(m.code)} now={now} onOpen={() => onOpen(m.code)} footer={footer?.(m)} />
            ))}
          </div>
        </div>
      ))}
    </>
  );
}
