import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { alertLevel } from '@shared/catalog';
import { createSocket } from '../lib/socket';
import { LiveConnection } from '../lib/live-connection';
import { fetchRegions, regionNames, type RegionsResponse } from '../lib/api/regions';
import { ConnStatus } from '../lib/components/ConnStatus';
import { LanguageToggle } from '../lib/components/LanguageToggle';
import { Freshness } from '../lib/components/Freshness';
import { AlertBadge } from '../lib/components/AlertBadge';
import { useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import { formatNumber, formatPercent, formatRatio, formatRupiah, formatValue } from '../lib/format';
import { newestOf } from '../features/common';
import { gateRows, rainRows, worstGate } from '../features/floods/derive';
import { averageCongestion, averageSpeed, segmentRows } from '../features/traffic/derive';
import { landfillToday } from '../features/sanitation/derive';
import { projectRows, projectSummary } from '../features/projects/derive';
import { openComplaints } from '../features/complaints/derive';
import { ComplaintsPanel } from './ComplaintsPanel';
import { LazyMap } from './LazyMap';

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
  const [regions, setRegions] = useState<RegionsResponse | null>(null);

  useEffect(() => {
    const c = new LiveConnection(createSocket('/public'), { metrics: PUBLIC_METRICS });
    setConn(c);
    return () => {
      c.close();
      setConn(null);
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

  if (!conn) return null;
  return <PublicApp conn={conn} regions={regions} />;
}

function PublicApp({ conn, regions }: { conn: LiveConnection; regions: RegionsResponse | null }) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { store } = conn;
  // A phone needs fewer redraws than a wall.
  const version = useThrottledVersion(store, 1000);
  const now = useNow(store.now);
  const names = useMemo(() => (regions ? regionNames(regions) : new Map<string, string>()), [regions]);
  const m = (code: string) => store.get(code);
  const cadence = (code: string) => m(code)?.metric?.cadenceS;
  const unit = (code: string, fallback: string) => m(code)?.metric?.unit ?? fallback;

  const d = useMemo(() => {
    const at = store.now();
    const gates = gateRows(store.get('water_level'), at).sort((a, b) => b.value - a.value);
    const rain = rainRows(store.get('rainfall')).sort((a, b) => b.value - a.value);
    const segments = segmentRows(store.get('traffic_speed'), store.get('congestion_index'));
    const projects = projectRows(store.get('project_progress'), store.get('project_progress_plan'), store.get('project_budget_absorbed'));
    return { gates, rain, segments, projects };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, store]);

  const where = (region: string | null) => (region ? names.get(region) : undefined);
  const worst = worstGate(d.gates);
  const speed = averageSpeed(d.segments);
  const congestion = averageCongestion(d.segments);
  const congestionLevel = congestion === null ? null : alertLevel(congestion, m('congestion_index')?.metric?.thresholds ?? null);
  const landfill = landfillToday(m('landfill_intake'), now);
  const complaints = openComplaints(m('complaints_open'));
  const proj = projectSummary(d.projects);
  const cityName = regions?.city.name || t('pub.defaultCity');

  return (
    <div className="pub">
      <header className="pub-header">
        <div className="pub-header-row">
          <h1 data-testid="public-title">{t('pub.title', { city: cityName })}</h1>
          <LanguageToggle />
        </div>
        <div className="pub-header-row">
          <ConnStatus conn={conn} />
        </div>
        <p className="pub-intro">{t('pub.intro')}</p>
      </header>

      <main>
        <section className="pub-summary" aria-label={t('pub.summary')}>
          <div className={`pub-tile tone-${worst?.alert ?? 'normal'}`} data-testid="kpi-flood-status">
            <span className="tile-label">{t('pub.worstLevel')}</span>
            <span className="tile-value">{worst ? <AlertBadge level={worst.alert} /> : '–'}</span>
            <Freshness t={newestOf(d.gates)} now={now} cadenceS={cadence('water_level')} />
          </div>
          <div className="pub-tile" data-testid="kpi-complaints-open">
            <span className="tile-label">{t('pub.complaintsOpen')}</span>
            <span className="tile-value">{formatNumber(complaints.value, 0, locale)}</span>
            <Freshness t={complaints.t} now={now} cadenceS={cadence('complaints_open')} />
          </div>
          <div className="pub-tile" data-testid="kpi-traffic-speed">
            <span className="tile-label">{t('pub.speed')}</span>
            <span className="tile-value">{formatValue(speed, 'km/h', lang)}</span>
            <Freshness t={m('traffic_speed')?.newestT ?? null} now={now} cadenceS={cadence('traffic_speed')} />
          </div>
          <div className="pub-tile" data-testid="kpi-landfill-intake">
            <span className="tile-label">{t('pub.landfill')}</span>
            <span className="tile-value">{formatValue(landfill.value, 't', lang)}</span>
            <Freshness t={landfill.t} now={now} cadenceS={cadence('landfill_intake')} />
          </div>
        </section>

        <section className="pub-card" id="banjir" data-testid="section-floods">
          <div className="card-head">
            <h2>{t('pub.floods')}</h2>
            <Freshness t={newestOf(d.gates)} now={now} cadenceS={cadence('water_level')} />
          </div>
          <p className="card-note">{t('pub.floodsNote')}</p>
          {d.gates.length === 0 ? (
            <p className="empty">{t('pub.noGauges')}</p>
          ) : (
            <ul className="gauge-list">
              {d.gates.map((g) => (
                <li key={g.id} className={`gauge tone-${g.alert}${g.stale ? ' stale' : ''}`} data-testid="gauge-row" data-level={g.alert}>
                  <span className="gauge-name">
                    {g.entity}
                    {where(g.region) && <small> · {where(g.region)}</small>}
                  </span>
                  <span className="gauge-value">{formatValue(g.value, unit('water_level', 'cm'), lang)}</span>
                  <AlertBadge level={g.alert} />
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="pub-card" id="hujan" data-testid="section-rain">
          <div className="card-head">
            <h2>{t('pub.rain')}</h2>
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

        <section className="pub-card" id="lalu-lintas" data-testid="section-traffic">
          <div className="card-head">
            <h2>{t('pub.traffic')}</h2>
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

        <section className="pub-card" id="kebersihan" data-testid="section-sanitation">
          <div className="card-head">
            <h2>{t('pub.sanitation')}</h2>
            <Freshness t={landfill.t} now={now} cadenceS={cadence('landfill_intake')} />
          </div>
          <span className="label">{t('pub.landfill')}</span>
          <span className="big">{formatValue(landfill.value, 't', lang)}</span>
        </section>

        <ComplaintsPanel now={now} />

        <section className="pub-card" id="proyek" data-testid="section-projects">
          <div className="card-head">
            <h2>{t('pub.projects')}</h2>
            <Freshness t={newestOf(d.projects)} now={now} cadenceS={cadence('project_progress')} />
          </div>
          {d.projects.length === 0 ? (
            <p className="empty">{t('pub.noProjects')}</p>
          ) : (
            <>
              <p className="card-note">{t('pub.totalBudget', { value: formatRupiah(proj.budget, locale, true) })}</p>
              <ul className="project-list">
                {d.projects.map((p) => (
                  <li key={p.entity} className={`project${p.behind ? ' behind' : ''}`} data-testid="project-row">
                    <div className="project-head">
                      <span className="project-name">
                        {p.entity}
                        {where(p.region) && <small> · {where(p.region)}</small>}
                      </span>
                      <span className={`chip ${p.behind ? 'tone-siaga' : 'tone-normal'}`}>{p.behind ? t('pub.behind') : t('pub.onTrack')}</span>
                    </div>
                    <div
                      className="progress"
                      role="meter"
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={p.progress ?? 0}
                      aria-label={t('pub.progress', { value: formatPercent(p.progress, 1, locale) })}
                    >
                      <div className="progress-bar" style={{ width: `${clampPct(p.progress)}%` }} />
                      {p.plan !== null && <div className="progress-plan" style={{ left: `${clampPct(p.plan)}%` }} />}
                    </div>
                    <div className="project-meta">
                      <span>
                        {t('pub.progress', { value: formatPercent(p.progress, 1, locale) })} · {t('pub.plan', { value: formatPercent(p.plan, 1, locale) })}
                      </span>
                      <span>
                        {t('pub.budget')}: <strong>{formatRupiah(p.budget, locale)}</strong>
                      </span>
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>

        <section className="pub-card" id="peta" data-testid="section-map">
          <div className="card-head">
            <h2>{t('pub.map')}</h2>
          </div>
          <LazyMap store={store} regions={regions} />
        </section>
      </main>

      <footer className="pub-footer">
        <span>{t('pub.footer')}</span> <a href="/">{t('pub.home')}</a>
      </footer>
    </div>
  );
}

function clampPct(v: number | null): number {
  return v === null || !Number.isFinite(v) ? 0 : Math.min(100, Math.max(0, v));
}
