import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { alertLevel } from '@shared/catalog';
import { createSocket } from '../lib/socket';
import { LiveConnection } from '../lib/live-connection';
import { LiveStore } from '../lib/live-store';
import { PUBLIC_HISTORY_MINUTES } from './live-config';
import { fetchRegions, regionNames, type RegionsResponse } from '../lib/api/regions';
import { ConnStatus } from '../lib/components/ConnStatus';
import { LanguageToggle } from '../lib/components/LanguageToggle';
import { Freshness } from '../lib/components/Freshness';
import { AlertBadge } from '../lib/components/AlertBadge';
import { useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import { formatNumber, formatRatio, formatValue } from '../lib/format';
import { newestOf } from '../features/common';
import { newest } from '../lib/data-age';
import { gateRows, rainRows, worstGate } from '../features/floods/derive';
import { averageCongestion, averageSpeed, segmentRows } from '../features/traffic/derive';
import { landfillToday } from '../features/sanitation/derive';
import { openComplaints } from '../features/complaints/derive';
import { ComplaintsPanel } from './ComplaintsPanel';
import { IncidentsCountPanel } from './IncidentsCountPanel';
import { ScorecardPublicPanel } from './ScorecardPublicPanel';
import { LazyMap, type MapFocus } from './LazyMap';
import { ProjectsPanel } from './ProjectsPanel';
import { useProjectRegistry } from './projects-api';
import { readInitial, revealApp, SHELL_MAX_MS } from './shell';
import { kecamatanCodeOf, NO_FILTER, type ProjectFilter, type PublicProject, type RegionLookup } from './projects';
import { useWarnings, WarningsBanner } from './WarningsPanel';
import { isWarning } from './warnings-api';
import { NoticesStore, noticesChannel } from '../features/notices/store';
import type { SyncChannel } from '../lib/sync/engine';
import { NoticesPanel } from './NoticesPanel';
import { TicketPanel } from './TicketPanel';

/** Publik metrics only: this page talks to the `/public` namespace and never holds a token. */
export const PUBLIC_METRICS = [
  'water_level',
  'rainfall',
  'traffic_speed',
  'congestion_index',
  'landfill_intake',
  'project_progress',
  'project_progress_plan',
  'project_budget_absorbed',
  'complaints_open',
] as const;

export function PublicRoot() {
  const [conn, setConn] = useState<LiveConnection | null>(null);
  const [notices, setNotices] = useState<NoticesStore | null>(null);
  const [regions, setRegions] = useState<RegionsResponse | null>(null);

  useEffect(() => {
    const socket = createSocket('/public');
    // public notices ride the same socket and engine (issue 21): the page's ten subscriptions leave as one
    // request (issue 18: a crowd opening the page at once costs the server one request per phone)
    const n = new NoticesStore();
    const c = new LiveConnection(
      socket,
      { metrics: PUBLIC_METRICS, channels: [noticesChannel(n) as SyncChannel], batch: true },
      new LiveStore({ historyMinutes: PUBLIC_HISTORY_MINUTES }),
    );
    setConn(c);
    setNotices(n);
    return () => {
      c.close();
      setConn(null);
      setNotices(null);
    };
  }, []);

  useEffect(() => {
    let cancelled = false;
    // Names and the map are extras: the numbers render without them.
    fetchRegions().then(
      (r) => !cancelled && setRegions(r),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, []);

  if (!conn || !notices) return null;
  return <PublicApp conn={conn} regions={regions} notices={notices} />;
}

function PublicApp({ conn, regions, notices }: { conn: LiveConnection; regions: RegionsResponse | null; notices: NoticesStore }) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { store } = conn;
  // A phone needs fewer redraws than a wall.
  const version = useThrottledVersion(store, 1000);
  const now = useNow(store.now);
  const warnings = useWarnings();
  const registry = useProjectRegistry();
  const [initial] = useState(readInitial);
  // Every subscription answered (data, or a refusal): the app now shows at least what the shell did.
  const loaded = PUBLIC_METRICS.every((c) => {
    const st = store.get(c)?.status;
    return st !== undefined && st !== 'idle' && st !== 'syncing';
  });
  useEffect(() => {
    if (loaded) revealApp();
  }, [loaded]);
  useEffect(() => {
    const id = setTimeout(revealApp, SHELL_MAX_MS);
    return () => clearTimeout(id);
  }, []);
  const names = useMemo(() => (regions ? regionNames(regions) : new Map<string, string>()), [regions]);
  const lookup = useMemo<RegionLookup>(() => {
    const parents = new Map<string, string>();
    for (const f of regions?.regions.features ?? []) if (f.properties.kecamatanCode) parents.set(f.properties.code, f.properties.kecamatanCode);
    return { name: (c) => names.get(c), parent: (c) => parents.get(c) };
  }, [names, regions]);
  const [filter, setFilter] = useState<ProjectFilter>(NO_FILTER);
  const [focus, setFocus] = useState<MapFocus | null>(null);
  const mapHeading = useRef<HTMLHeadingElement | null>(null);
  const m = (code: string) => store.get(code);
  const cadence = (code: string) => m(code)?.metric?.cadenceS;
  const unit = (code: string, fallback: string) => m(code)?.metric?.unit ?? fallback;

  const d = useMemo(() => {
    const at = store.now();
    const gates = gateRows(store.get('water_level'), at).sort((a, b) => b.value - a.value);
    const rain = rainRows(store.get('rainfall')).sort((a, b) => b.value - a.value);
    const segments = segmentRows(store.get('traffic_speed'), store.get('congestion_index'));
    return { gates, rain, segments };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, store]);

  const showOnMap = useCallback((p: PublicProject) => {
    if (p.lon === null || p.lat === null) return;
    setFocus((f) => ({ entity: p.entity, name: p.name, lon: p.lon!, lat: p.lat!, n: (f?.n ?? 0) + 1 }));
    document.getElementById('peta')?.scrollIntoView({ block: 'start' });
    mapHeading.current?.focus({ preventScroll: true });
  }, []);

  /** "Sekayu, Semarang Tengah": the kelurahan and its kecamatan, as far as the names are known. */
  const where = (region: string | null) => {
    if (!region) return undefined;
    const kec = lookup.parent(region) ?? kecamatanCodeOf(region);
    return [names.get(region), kec && kec !== region ? names.get(kec) : undefined].filter(Boolean).join(', ') || undefined;
  };
  // Until a tile's live data is in, it shows the number the server wrote into the page (and its time).
  const pending = (code: string) => {
    const st = store.get(code)?.status;
    return st === undefined || st === 'idle' || st === 'syncing';
  };
  const fromShell = <T,>(code: string, live: T | null, shell: T | null | undefined): { v: T | null; shell: boolean } =>
    live === null && pending(code) && shell !== null && shell !== undefined ? { v: shell, shell: true } : { v: live, shell: false };
  const worst = worstGate(d.gates);
  const speed = averageSpeed(d.segments);
  const congestion = averageCongestion(d.segments);
  const congestionLevel = congestion === null ? null : alertLevel(congestion, m('congestion_index')?.metric?.thresholds ?? null);
  const landfill = landfillToday(m('landfill_intake'), now);
  const complaints = openComplaints(m('complaints_open'));
  const level = fromShell('water_level', worst?.alert ?? null, initial?.floodLevel);
  const open = fromShell('complaints_open', complaints.value, initial?.complaintsOpen);
  const speedShown = fromShell('traffic_speed', speed, initial?.speedKmh);
  const landfillShown = fromShell('landfill_intake', landfill.value, initial?.landfillT);
  const shellT = (x: { shell: boolean }, live: number | null) => (x.shell ? (initial?.updatedAt ?? null) : live);
  const cityName = regions?.city.name || t('pub.defaultCity');
  const waterTh = m('water_level')?.metric?.thresholds ?? null;
  const waterUnit = unit('water_level', 'cm');
  const hasWarnings = !!warnings && isWarning(warnings.level) && warnings.areas.some((a) => isWarning(a.level));

  return (
    <div className="pub">
      <a className="skip-link" href="#isi">
        {t('pub.skip')}
      </a>
      <header className="pub-header">
        <div className="pub-header-row">
          <h1 data-testid="public-title">{t('pub.title', { city: cityName })}</h1>
          <LanguageToggle />
        </div>
        <div className="pub-header-row">
          <ConnStatus conn={conn} />
        </div>
        <p className="pub-intro">{t('pub.intro')}</p>
        <nav className="pub-nav" aria-label={t('pub.navLabel')}>
          <ul>
            {hasWarnings && (
              <li>
                <a href="#peringatan">{t('pub.nav.warnings')}</a>
              </li>
            )}
            <li>
              <a href="#pengumuman">{t('notices.title')}</a>
            </li>
            <li>
              <a href="#banjir">{t('pub.nav.floods')}</a>
            </li>
            <li>
              <a href="#proyek">{t('pub.nav.projects')}</a>
            </li>
            <li>
              <a href="#aduan">{t('pub.nav.complaints')}</a>
            </li>
            <li>
              <a href="#lacak">{t('tickets.title')}</a>
            </li>
            <li>
              <a href="#lalu-lintas">{t('pub.nav.traffic')}</a>
            </li>
            <li>
              <a href="#peta">{t('pub.nav.map')}</a>
            </li>
          </ul>
        </nav>
      </header>

      <main id="isi" tabIndex={-1}>
        <WarningsBanner warnings={warnings} now={now} />

        <NoticesPanel store={notices} now={now} regionName={(c) => names.get(c)} />

        <section className="pub-summary" aria-label={t('pub.summary')}>
          <div className={`pub-tile tone-${level.v ?? 'normal'}`} data-testid="kpi-flood-status">
            <span className="tile-label">{t('pub.worstLevel')}</span>
            <span className="tile-value">{level.v ? <AlertBadge level={level.v} /> : '–'}</span>
            <Freshness t={shellT(level, newestOf(d.gates))} now={now} cadenceS={cadence('water_level')} />
          </div>
          <div className="pub-tile" data-testid="kpi-complaints-open">
            <span className="tile-label">{t('pub.complaintsOpen')}</span>
            <span className="tile-value">{formatNumber(open.v, 0, locale)}</span>
            <Freshness t={shellT(open, complaints.t)} now={now} cadenceS={cadence('complaints_open')} />
          </div>
          <div className="pub-tile" data-testid="kpi-traffic-speed">
            <span className="tile-label">{t('pub.speed')}</span>
            <span className="tile-value">{formatValue(speedShown.v, 'km/h', lang)}</span>
            <Freshness t={shellT(speedShown, newestOf(d.segments))} now={now} cadenceS={cadence('traffic_speed')} />
          </div>
          <div className="pub-tile" data-testid="kpi-landfill-intake">
            <span className="tile-label">{t('pub.landfill')}</span>
            <span className="tile-value">{formatValue(landfillShown.v, 't', lang)}</span>
            <Freshness t={shellT(landfillShown, landfill.t)} now={now} cadenceS={cadence('landfill_intake')} />
          </div>
        </section>

        <section className="pub-card" id="banjir" data-testid="section-floods" aria-labelledby="h-banjir">
          <div className="card-head">
            <h2 id="h-banjir">{t('pub.floods')}</h2>
            <Freshness t={newestOf(d.gates)} now={now} cadenceS={cadence('water_level')} />
          </div>
          <p className="card-note">
            {t('pub.floodsNote')}
            {waterTh &&
              ` · ${t('pub.warn.thresholds', {
                waspada: formatValue(waterTh.waspada, waterUnit, lang),
                siaga: formatValue(waterTh.siaga, waterUnit, lang),
                awas: formatValue(waterTh.awas, waterUnit, lang),
              })}`}
          </p>
          {warnings && !hasWarnings && warnings.level !== null && (
            <p className="all-clear" data-testid="no-warnings">
              {t('pub.warn.none')} <Freshness t={warnings.t} now={now} />
            </p>
          )}
          {d.gates.length === 0 ? (
            <p className="empty">{t('pub.noGauges')}</p>
          ) : (
            <ul className="gauge-list">
              {d.gates.map((g) => (
                <li key={g.id} className={`gauge tone-${g.alert}${g.stale ? ' stale' : ''}`} data-testid="gauge-row" data-level={g.alert}>
                  <span className="gauge-name">
                    {g.entity}
                    {where(g.region) && <small> · {where(g.region)}</small>}
                    {g.stale && (
                      <small className="stale-note">
                        {' '}
                        · <Freshness t={g.t} now={now} cadenceS={cadence('water_level')} />
                      </small>
                    )}
                  </span>
                  <span className="gauge-value">{formatValue(g.value, waterUnit, lang)}</span>
                  <AlertBadge level={g.alert} />
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="pub-card" id="hujan" data-testid="section-rain" aria-labelledby="h-hujan">
          <div className="card-head">
            <h2 id="h-hujan">{t('pub.rain')}</h2>
            <Freshness t={newestOf(d.rain)} now={now} cadenceS={cadence('rainfall')} />
          </div>
          {d.rain[0] ? (
            <div className="big-row">
              <span className="big">{formatValue(d.rain[0].value, unit('rainfall', 'mm/h'), lang)}</span>
              <span>
                {t('pub.rainMax')}: {d.rain[0].entity}
                {where(d.rain[0].region) && ` · ${where(d.rain[0].region)}`} <AlertBadge level={d.rain[0].alert} />
              </span>
              <small>{t('pub.rainStations', { n: d.rain.length })}</small>
            </div>
          ) : (
            <p className="empty">{t('common.noData')}</p>
          )}
        </section>

        <ProjectsPanel
          store={store}
          version={version}
          now={now}
          regions={lookup}
          registry={registry}
          filter={filter}
          onFilter={setFilter}
          onShowOnMap={showOnMap}
        />

        <ComplaintsPanel now={now} />

        <TicketPanel />

        <IncidentsCountPanel />
        <ScorecardPublicPanel />

        <section className="pub-card" id="lalu-lintas" data-testid="section-traffic" aria-labelledby="h-lalu-lintas">
          <div className="card-head">
            <h2 id="h-lalu-lintas">{t('pub.traffic')}</h2>
            <Freshness t={newestOf(d.segments)} now={now} cadenceS={cadence('traffic_speed')} />
          </div>
          <div className="two-col">
            <div>
              <span className="label">{t('pub.speed')}</span>
              <span className="big">{formatValue(speed, 'km/h', lang)}</span>
            </div>
            <div>
              <span className="label">{t('pub.congestion')}</span>
              <span className="big">{formatRatio(congestion, 0, locale)}</span>
              {congestionLevel && <span className={`chip tone-${congestionLevel}`}>{t(`pub.congestionLevel.${congestionLevel}`)}</span>}
            </div>
          </div>
        </section>

        <section className="pub-card" id="kebersihan" data-testid="section-sanitation" aria-labelledby="h-kebersihan">
          <div className="card-head">
            <h2 id="h-kebersihan">{t('pub.sanitation')}</h2>
            <Freshness t={landfill.t} now={now} cadenceS={cadence('landfill_intake')} />
          </div>
          <span className="label">{t('pub.landfill')}</span>
          <span className="big">{formatValue(landfill.value, 't', lang)}</span>
        </section>

        <section className="pub-card" id="peta" data-testid="section-map" aria-labelledby="h-peta">
          <div className="card-head">
            <h2 id="h-peta" tabIndex={-1} ref={mapHeading}>
              {t('pub.map')}
            </h2>
            <Freshness t={newest(newestOf(d.gates), m('project_progress')?.newestT ?? null)} now={now} />
          </div>
          <p className="card-note">{t('pub.mapNote')}</p>
          <LazyMap store={store} regions={regions} registry={registry} filter={filter} focus={focus} notices={notices} />
        </section>
      </main>

      <footer className="pub-footer">
        <span>{t('pub.footer')}</span> <a href="/">{t('pub.home')}</a>
        <nav className="pub-opendata" aria-label={t('pub.openData.title')} data-testid="open-data-links">
          <a href="/api/public/v1/datasets">{t('pub.openData.datasets')}</a>
          <a href="/api/public/v1/datasets/aduan-warga-per-kelurahan/data.csv?view=30d" download>
            {t('pub.openData.complaintsCsv')}
          </a>
          <a href={`/api/docs?lang=${lang}`}>{t('pub.openData.api')}</a>
          <span>{t('pub.openData.license')}</span>
        </nav>
      </footer>
    </div>
  );
}
