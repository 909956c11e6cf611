import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveConnection } from '../lib/live-connection';
import type { RegionsResponse } from '../lib/api/regions';
import { regionNames } from '../lib/api/regions';
import { ConnStatus } from '../lib/components/ConnStatus';
import { LanguageToggle } from '../lib/components/LanguageToggle';
import { Freshness } from '../lib/components/Freshness';
import { AlertBadge } from '../lib/components/AlertBadge';
import { useExternalState, useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import { formatLongDate, formatNumber, formatRatio, formatTime, formatValue, unitLabel } from '../lib/format';
import { newest } from '../lib/data-age';
import { hasPosition, newestOf } from '../features/common';
import { gateRows, gatesByLevel, pumpsRunning, rainRows, worstGate, type GateRow } from '../features/floods/derive';
import { averageCongestion, averageSpeed, segmentRows } from '../features/traffic/derive';
import { containerRows, landfillToday, truckRows } from '../features/sanitation/derive';
import { projectRows, projectSummary } from '../features/projects/derive';
import { openComplaints } from '../features/complaints/derive';
import { WallMap } from './WallMap';
import { WaterChart } from './WaterChart';
import { ComplaintsChart } from './ComplaintsChart';
import { Kpi } from './Kpi';
import type { WallMapData } from './layers';
import { FeedsPanel } from './FeedsPanel';
import type { FeedsStore } from '../lib/feed-health';
import type { AlertsStore } from '../lib/alerts';
import { AlertBanner, AlertsPanel } from './AlertsPanel';

/** Every metric the wall shows; terbatas ones simply stay empty for a caller without rights. */
export const WALL_METRICS = [
  'water_level',
  'rainfall',
  'pump_running',
  'traffic_speed',
  'traffic_intensity',
  'congestion_index',
  'truck_load',
  'container_fill',
  'landfill_intake',
  'project_progress',
  'project_progress_plan',
  'project_budget_absorbed',
  'complaints_open',
] as const;

export const WALL_EVENT_KINDS = ['complaint', 'flood_report'] as const;

export function WallApp({ conn, regions, feeds, alerts }: { conn: LiveConnection; regions: RegionsResponse; feeds?: FeedsStore; alerts?: AlertsStore }) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { store, events } = conn;
  const version = useThrottledVersion(store, store.options.renderThrottleMs);
  const eventsVersion = useThrottledVersion(events, 1000);
  const now = useNow(store.now);
  const connState = useExternalState(conn);
  const names = useMemo(() => regionNames(regions), [regions]);

  // Derivations run at most 4×/s (throttled version); the map gets new arrays only then.
  const d = useMemo(() => {
    const at = store.now();
    const m = (code: string) => store.get(code);
    const gates = gateRows(m('water_level'), at);
    const rain = rainRows(m('rainfall'));
    const segments = segmentRows(m('traffic_speed'), m('congestion_index'), m('traffic_intensity'));
    const trucks = truckRows(m('truck_load'), at);
    const containers = containerRows(m('container_fill'));
    const projects = projectRows(m('project_progress'), m('project_progress_plan'), m('project_budget_absorbed'));
    const mapData: WallMapData = {
      gates: gates.filter(hasPosition),
      rain: rain.filter(hasPosition),
      segments: segments.filter(hasPosition),
      trucks: trucks.filter(hasPosition),
      containers: containers.filter(hasPosition),
      projects: projects.filter(hasPosition),
    };
    return { gates, rain, segments, trucks, containers, projects, mapData };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, store]);

  const m = (code: string) => store.get(code);
  const cadence = (code: string) => m(code)?.metric?.cadenceS;
  const forbidden = (code: string) => m(code)?.status === 'forbidden';

  const worst = worstGate(d.gates);
  const levels = gatesByLevel(d.gates);
  const maxRain = d.rain.reduce<(typeof d.rain)[number] | null>((a, r) => (a === null || r.value > a.value ? r : a), null);
  const speed = averageSpeed(d.segments);
  const congestion = averageCongestion(d.segments);
  const landfill = landfillToday(m('landfill_intake'), now);
  const complaints = openComplaints(m('complaints_open'));
  const proj = projectSummary(d.projects);
  const activeTrucks = d.trucks.filter((r) => !r.stale);
  const pumps = pumpsRunning(m('pump_running'));
  const fullContainers = d.containers.filter((c) => c.alert === 'siaga' || c.alert === 'awas').length;
  const gateName = (g: GateRow) => (g.region && names.get(g.region) ? `${g.entity} (${names.get(g.region)})` : g.entity);
  const disconnected = connState !== 'connected' && conn.everConnected;
  const mapNewest = newest(
    m('water_level')?.newestT,
    m('traffic_speed')?.newestT,
    m('congestion_index')?.newestT,
    m('truck_load')?.newestT,
    m('container_fill')?.newestT,
    m('project_progress')?.newestT,
  );
  const complaintEvents = events.get('complaint');
  const floodEvents = events.get('flood_report');
  void eventsVersion;

  return (
    <div className={`wall${disconnected ? ' is-disconnected' : ''}`} data-conn={connState}>
      <header className="wall-header">
        <div className="wall-brand">
          <span className="wall-logo">{t('common.appName')}</span>
          <span className="wall-title">
            {t('wall.title')} · {regions.city.name || t('common.cityFallback')}
          </span>
        </div>
        <div className="wall-clock" data-testid="wall-clock">
          <span className="wall-time">{formatTime(now, locale, false)}</span>
          <span className="wall-date">{formatLongDate(now, locale)}</span>
        </div>
        <div className="wall-header-right">
          <ConnStatus conn={conn} />
          <LanguageToggle />
        </div>
      </header>

      {disconnected && (
        <div className="wall-banner banner-lost" role="alert" data-testid="disconnected-banner">
          {t('wall.disconnectedBanner')}
        </div>
      )}
      {/* The server's open alerts; while the connection is lost the banner above says so instead. */}
      {!disconnected && alerts && <AlertBanner store={alerts} live={store} regionNames={names} now={now} />}

      <main className="wall-main">
        <div className="wall-left">
          <section className="panel panel-map" aria-label={t('wall.map')}>
            <div className="panel-head">
              <h2>{t('wall.map')}</h2>
              <Freshness t={mapNewest} now={now} cadenceS={10} />
            </div>
            <div className="map-frame">
              <WallMap regions={regions} data={d.mapData} />
              <ul className="map-legend" aria-label="legend">
                <li>
                  <span className="lg lg-gate" />
                  {t('wall.legend.gates')}:{' '}
                  {(['normal', 'waspada', 'siaga', 'awas'] as const).map((l) => (
                    <span key={l} className={`lg-chip alert-${l}`}>
                      {t(`alert.${l}`)}
                    </span>
                  ))}
                </li>
                <li>
                  <span className="lg lg-traffic" />
                  {t('wall.legend.traffic')}
                </li>
                {d.trucks.length > 0 && (
                  <li>
                    <span className="lg lg-truck" />
                    {t('wall.legend.trucks')}
                  </li>
                )}
                {d.containers.length > 0 && (
                  <li>
                    <span className="lg lg-container" />
                    {t('wall.legend.containers')}
                  </li>
                )}
                <li>
                  <span className="lg lg-project" />
                  {t('wall.legend.projects')}
                </li>
                <li>
                  <span className="lg lg-rain" />
                  {t('wall.legend.rain')}
                </li>
              </ul>
            </div>
          </section>
          {feeds && <FeedsPanel store={feeds} clock={store.now} />}
        </div>

        <aside className="wall-side">
          <section className="kpis" aria-label={t('wall.kpis')}>
            <Kpi
              id="complaints-open"
              label={t('wall.kpi.complaints')}
              value={formatNumber(complaints.value, 0, locale)}
              t={complaints.t}
              now={now}
              cadenceS={cadence('complaints_open')}
              forbidden={forbidden('complaints_open')}
            />
            <Kpi
              id="water-level"
              label={t('wall.kpi.water')}
              value={worst ? formatValue(worst.value, m('water_level')?.metric?.unit ?? 'cm', lang) : '–'}
              sub={
                worst ? (
                  <>
                    <AlertBadge level={worst.alert} /> {worst.entity}
                  </>
                ) : null
              }
              tone={worst?.alert ?? 'normal'}
              t={newestOf(d.gates)}
              now={now}
              cadenceS={cadence('water_level')}
              forbidden={forbidden('water_level')}
            />
            <Kpi
              id="rainfall"
              label={t('wall.kpi.rain')}
              value={maxRain ? formatValue(maxRain.value, m('rainfall')?.metric?.unit ?? 'mm/h', lang) : '–'}
              sub={
                maxRain ? (
                  <>
                    <AlertBadge level={maxRain.alert} /> {maxRain.entity}
                  </>
                ) : null
              }
              tone={maxRain?.alert ?? 'normal'}
              t={newestOf(d.rain)}
              now={now}
              cadenceS={cadence('rainfall')}
              forbidden={forbidden('rainfall')}
            />
            <Kpi
              id="traffic-speed"
              label={t('wall.kpi.speed')}
              value={formatValue(speed, 'km/h', lang)}
              sub={t('wall.kpi.segments', { n: d.segments.length })}
              t={m('traffic_speed')?.newestT ?? null}
              now={now}
              cadenceS={cadence('traffic_speed')}
              forbidden={forbidden('traffic_speed')}
            />
            <Kpi
              id="congestion"
              label={t('wall.kpi.congestion')}
              value={formatRatio(congestion, 0, locale)}
              t={m('congestion_index')?.newestT ?? null}
              now={now}
              cadenceS={cadence('congestion_index')}
              forbidden={forbidden('congestion_index')}
            />
            <Kpi
              id="landfill-intake"
              label={t('wall.kpi.landfill')}
              value={formatValue(landfill.value, 't', lang)}
              t={landfill.t}
              now={now}
              cadenceS={cadence('landfill_intake')}
              forbidden={forbidden('landfill_intake')}
            />
            <Kpi
              id="project-progress"
              label={t('wall.kpi.projects')}
              value={formatValue(proj.progress, '%', lang)}
              sub={t('wall.kpi.projectsSub', { plan: formatValue(proj.plan, '%', lang), behind: proj.behind })}
              tone={proj.behind > 0 ? 'waspada' : 'normal'}
              t={m('project_progress')?.newestT ?? null}
              now={now}
              cadenceS={cadence('project_progress')}
              forbidden={forbidden('project_progress')}
            />
            <Kpi
              id="trucks"
              label={t('wall.kpi.trucks')}
              value={formatNumber(activeTrucks.length, 0, locale)}
              sub={t('wall.kpi.trucksSub', { load: formatValue(activeTrucks.reduce((s, r) => s + r.value, 0), 't', lang) })}
              t={m('truck_load')?.newestT ?? null}
              now={now}
              cadenceS={cadence('truck_load')}
              forbidden={forbidden('truck_load')}
            />
            {forbidden('pump_running') ? (
              <Kpi
                id="containers"
                label={t('wall.kpi.containers')}
                value={formatNumber(fullContainers, 0, locale)}
                t={m('container_fill')?.newestT ?? null}
                now={now}
                cadenceS={cadence('container_fill')}
                forbidden={forbidden('container_fill')}
              />
            ) : (
              <Kpi
                id="pumps"
                label={t('wall.kpi.pumps')}
                value={formatRatio(pumps, 0, locale)}
                sub={`${t('wall.kpi.containers')}: ${formatNumber(fullContainers, 0, locale)}`}
                t={m('pump_running')?.newestT ?? null}
                now={now}
                cadenceS={cadence('pump_running')}
              />
            )}
          </section>

          <section className="panel panel-chart">
            <div className="panel-head">
              <h2>{t('wall.chartTitle', { unit: unitLabel(m('water_level')?.metric?.unit ?? 'cm', lang) })}</h2>
              <Freshness t={m('water_level')?.newestT ?? null} now={now} cadenceS={cadence('water_level')} />
            </div>
            <WaterChart store={store} />
          </section>

          {alerts && <AlertsPanel store={alerts} live={store} regionNames={names} now={now} />}

          <div className="wall-bottom">
            <section className="panel panel-gates" data-testid="gates-panel">
              <div className="panel-head">
                <h2>{t('wall.gatesTitle')}</h2>
                <Freshness t={newestOf(d.gates)} now={now} cadenceS={cadence('water_level')} />
              </div>
              <div className="gate-levels">
                {(['awas', 'siaga', 'waspada', 'normal'] as const).map((l) => (
                  <span key={l} className={`gate-count alert-${l}`} data-testid={`gates-${l}`}>
                    {t(`alert.${l}`)} {levels[l]}
                  </span>
                ))}
              </div>
              {d.gates.length === 0 ? (
                <p className="empty">{t('wall.noGates')}</p>
              ) : (
                <ol className="gate-list">
                  {[...d.gates]
                    .sort((a, b) => b.value - a.value)
                    .slice(0, 6)
                    .map((g) => (
                      <li key={g.id} className={g.stale ? 'stale' : ''}>
                        <span className="gate-name">{gateName(g)}</span>
                        <span className="gate-value">{formatValue(g.value, m('water_level')?.metric?.unit ?? 'cm', lang)}</span>
                        <AlertBadge level={g.alert} />
                      </li>
                    ))}
                </ol>
              )}
            </section>

            {complaintEvents?.status !== 'forbidden' && (
              <section className="panel panel-complaints" data-testid="complaints-panel">
                <div className="panel-head">
                  <h2>{t('wall.complaintsTitle')}</h2>
                  <Freshness t={complaintEvents?.newestT ?? null} now={now} />
                </div>
                <ComplaintsChart state={complaintEvents} />
                {floodEvents && floodEvents.status !== 'forbidden' && (
                  <div className="flood-reports" data-testid="flood-reports">
                    {t('wall.floodReports')}:{' '}
                    <strong>
                      {formatNumber(
                        Object.entries(floodEvents.countsByStatus)
                          // The last status of a kind's lifecycle is the closed one (flood_report: 'closed').
                          .filter(([s]) => s !== floodEvents.kind?.statuses.at(-1))
                          .reduce((a, [, n]) => a + n, 0),
                        0,
                        locale,
                      )}
                    </strong>
                  </div>
                )}
              </section>
            )}
          </div>
        </aside>
      </main>
    </div>
  );
}
