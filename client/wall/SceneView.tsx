/**
 * One scene on screen: its panels placed on a CSS grid. Every panel shows the age of its data and turns
 * visibly stale (`data-stale="true"`, a red frame and a "DATA TERLAMBAT" tag) when its source is late beyond
 * the catalog cadence. The map keeps one instance across scenes (same React key), only its layers change.
 */
import { useMemo, useState, type CSSProperties, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  genericLayerId,
  splitLayers,
  type ChartId,
  type GenericLayerSpec,
  type KpiId,
  type MapLayerEntry,
  type MapLayerId,
  type Panel,
  type PanelAggregation,
  type Scene,
} from '@shared/scenes';
import type { RegionsResponse } from '../lib/api/regions';
import type { FeedsStore } from '../lib/feed-health';
import type { AlertsStore } from '../lib/alerts';
import { Freshness } from '../lib/components/Freshness';
import { AlertBadge } from '../lib/components/AlertBadge';
import { isStale, newest } from '../lib/data-age';
import { useLang } from '../lib/react/hooks';
import { formatNumber, formatRatio, formatValue, unitLabel } from '../lib/format';
import { alertCss, rampRgba } from '../lib/alert-colors';
import { nameAndCode, nameFirst } from '../features/common';
import { gatesByLevel, pumpsRunning } from '../features/floods/derive';
import { aggregationFromCatalog, type Aggregation } from '../features/kpi';
import { genericInput, type GenericLayerInput } from './generic-layers';
import { MetricChart } from './MetricChart';
import { wallKpi, wallSilent, wallTrend } from './kpi-view';
import { averageCongestion, averageSpeed } from '../features/traffic/derive';
import { landfillToday } from '../features/sanitation/derive';
import { projectSummary } from '../features/projects/derive';
import { openComplaints } from '../features/complaints/derive';
import { WallMap } from './WallMap';
import { WaterChart } from './WaterChart';
import { ComplaintsChart } from './ComplaintsChart';
import { BarsChart } from './BarsChart';
import { Kpi, type KpiProps } from './Kpi';
import { IncidentsPanel } from './IncidentsPanel';
import type { IncidentsStore } from '../features/incidents/store';
import { incidentMarkers } from './incident-layer';
import { useThrottledVersion } from '../lib/react/hooks';
import { FeedsPanel } from './FeedsPanel';
import { AlertsPanel } from './AlertsPanel';
import { ScorecardPanel } from './ScorecardPanel';
import { COMPLAINT_RANGE, progressRgba } from './layers';
import { collapseEmpty } from '../features/scenes/layout';
import { PagedList } from './PagedList';
import { InspectCard } from '../lib/components/InspectCard';
import type { InspectTarget } from '../features/inspect/target';
import type { WallData, WallSources } from './useWallData';

export interface SceneContext {
  /** An unlocked wall's token: a tap on the map opens an inspect card (absent in kiosk mode: no cards). */
  inspectToken?: string;
  conn: WallSources;
  regions: RegionsResponse;
  names: ReadonlyMap<string, string>;
  feeds?: FeedsStore;
  alerts?: AlertsStore;
  /** Incidents of the command center (issue 16); absent in a rewind. */
  incidents?: IncidentsStore;
  /** The wall's token for the panels read over REST (the scorecard ranking, issue 19); absent in a rewind. */
  restToken?: string;
  data: WallData;
  now: number;
}

/** The metric whose freshness speaks for a layer (complaints: the published open count). */
const LAYER_SOURCE: Record<MapLayerId, string | null> = {
  'region-codes': null,
  'complaints-hex': 'complaints_open',
  'complaints-heat': 'complaints_open',
  'flood-columns': 'water_level',
  rainfall: 'rainfall',
  traffic: 'congestion_index',
  trucks: 'truck_load',
  containers: 'container_fill',
  projects: 'project_progress',
  // conflict records are not a metric: their list is polled (useConflicts), not judged stale by a cadence
  'project-conflicts': null,
  // incidents come from their own channel, not a metric with a cadence
  incidents: null,
};

const CHART_SOURCE: Record<ChartId, string> = {
  'water-level': 'water_level',
  gates: 'water_level',
  'complaints-status': 'complaints_open',
  'complaints-category': 'complaints_open',
  'complaints-kecamatan': 'complaints_open',
  'congestion-segments': 'congestion_index',
  'containers-fill': 'container_fill',
  'projects-progress': 'project_progress',
};

const rgbCss = (c: readonly number[]) => `rgb(${c[0]} ${c[1]} ${c[2]})`;

/** A bar's label: the name, then the code (quieter). */
const labelOf = (r: { entity: string; name?: string | null }) => {
  const n = nameFirst(r);
  return n.code ? { label: n.name, code: n.code } : { label: n.name };
};

function sourceAge(conn: WallSources, code: string | null, now: number): { t: number | null; cadenceS?: number; stale: boolean; forbidden: boolean } {
  if (!code) return { t: null, stale: false, forbidden: false };
  const m = conn.store.get(code);
  const t = m?.newestT ?? null;
  const cadenceS = m?.metric?.cadenceS;
  return { t, cadenceS, stale: cadenceS !== undefined && t !== null && isStale(t, now, cadenceS), forbidden: m?.status === 'forbidden' };
}

function panelKey(p: Panel, i: number, scene: Scene): string {
  // one map instance across scenes: the first map panel of every scene has the same key
  if (p.type === 'map' && scene.panels.findIndex((q) => q.type === 'map') === i) return 'map';
  switch (p.type) {
    case 'chart':
      return `chart-${p.chart}-${i}`;
    case 'metric-chart':
      return `metric-chart-${p.metric}-${i}`;
    case 'metric-kpi':
    case 'kpis':
      return `kpis-${i}`;
    case 'alerts':
    case 'feeds':
    case 'incidents':
    case 'scorecard':
    case 'map':
      return `${p.type}-${i}`;
  }
}

export function SceneView({ scene, ctx }: { scene: Scene; ctx: SceneContext }) {
  // an alerts panel with nothing open gives its rows to the panel above (features/scenes/layout.ts)
  const nothingOpen = ctx.alerts?.access === 'allowed' && ctx.alerts.open().length === 0;
  const empty = new Set(nothingOpen ? scene.panels.flatMap((p, i) => (p.type === 'alerts' ? [i] : [])) : []);
  const layout = collapseEmpty(
    scene.panels.map((p) => p.area),
    empty,
    scene.grid.rows,
  );
  const style: CSSProperties = {
    gridTemplateColumns: `repeat(${scene.grid.columns}, minmax(0, 1fr))`,
    gridTemplateRows: layout.rows.join(' '),
  };
  return (
    <main className="scene-grid" style={style} data-testid="scene" data-scene={scene.id}>
      {scene.panels.map((p, i) => (
        <div
          key={panelKey(p, i, scene)}
          className={`scene-cell cell-${p.type}`}
          style={{
            gridColumn: `${layout.areas[i]!.col} / span ${layout.areas[i]!.w}`,
            gridRow: `${layout.areas[i]!.row} / span ${layout.areas[i]!.h}`,
          }}
        >
          <PanelView panel={p} ctx={ctx} />
        </div>
      ))}
    </main>
  );
}

function PanelView({ panel, ctx }: { panel: Panel; ctx: SceneContext }) {
  const { lang } = useLang();
  const title = panel.title ? (lang === 'en' ? panel.title.en : panel.title.id) : undefined;
  switch (panel.type) {
    case 'map':
      return <MapPanel layers={panel.layers} pitch={panel.pitch} title={title} ctx={ctx} />;
    case 'kpis':
      return <KpisPanel kpis={panel.kpis} ctx={ctx} />;
    case 'metric-kpi':
      return <MetricKpiPanel codes={panel.metrics} aggregation={panel.aggregation} ctx={ctx} />;
    case 'metric-chart':
      return <MetricChartPanel panel={panel} title={title} ctx={ctx} />;
    case 'chart':
      return <ChartPanel chart={panel.chart} title={title} ctx={ctx} />;
    case 'alerts':
      return ctx.alerts ? <AlertsPanel store={ctx.alerts} live={ctx.conn.store} regionNames={ctx.names} now={ctx.now} /> : null;
    case 'feeds':
      return ctx.feeds ? <FeedsPanel store={ctx.feeds} clock={ctx.conn.store.now} /> : null;
    case 'incidents':
      return ctx.incidents ? <IncidentsPanel store={ctx.incidents} now={ctx.now} title={title} /> : null;
    case 'scorecard':
      return ctx.restToken ? <ScorecardPanel token={ctx.restToken} rows={panel.rows} now={ctx.now} title={title} /> : null;
  }
}

/** A panel frame: title, data age, stale state. */
function Frame({
  id,
  title,
  t,
  cadenceS,
  stale,
  now,
  className = '',
  children,
}: {
  id: string;
  title: string;
  t: number | null;
  cadenceS?: number;
  stale: boolean;
  now: number;
  className?: string;
  children: ReactNode;
}) {
  const { t: tr } = useTranslation();
  return (
    <section
      className={`panel ${className}${stale ? ' is-stale' : ''}`}
      data-testid={`panel-${id}`}
      data-stale={stale ? 'true' : 'false'}
      aria-label={title}
    >
      <div className="panel-head">
        <h2>{title}</h2>
        {stale && <span className="stale-flag">{tr('wall.stale')}</span>}
        <Freshness t={t} now={now} cadenceS={cadenceS} />
      </div>
      {children}
    </section>
  );
}

function MapPanel({ layers: entries, pitch, title, ctx }: { layers: MapLayerEntry[]; pitch: number; title?: string; ctx: SceneContext }) {
  const { t } = useTranslation();
  const { builtIn: layers, generic } = useMemo(() => splitLayers(entries), [entries]);
  const genericSources = generic.map((g) => ({ spec: g, ...genericAge(ctx.conn, g, ctx.now) }));
  const extra = useGenericInputs(generic, ctx);
  const sources = layers.map((l) => ({ layer: l, ...sourceAge(ctx.conn, LAYER_SOURCE[l], ctx.now) }));
  const visible = [...sources, ...genericSources].filter((s) => !s.forbidden);
  const stale = visible.some((s) => s.stale);
  const t0 = newest(...visible.map((s) => s.t));
  const [picked, setPicked] = useState<InspectTarget | null>(null);
  // open incidents on the map (layer `incidents`): rebuilt when the store changes, and every 30 s for "late"
  const incidentsVersion = useThrottledVersion(ctx.incidents ?? null, 500);
  const lateTick = Math.floor(ctx.now / 30_000) * 30_000;
  const wantsIncidents = layers.includes('incidents');
  const mapData = useMemo(
    () =>
      wantsIncidents && ctx.incidents
        ? { ...ctx.data.mapData, incidents: incidentMarkers(ctx.incidents.incidents.values(), lateTick) }
        : ctx.data.mapData,
    // the store mutates in place: its (throttled) version is what says the incidents changed
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [ctx.data.mapData, ctx.incidents, wantsIncidents, lateTick, incidentsVersion],
  );
  const cadence = visible.reduce<number | undefined>(
    (a, s) => (s.cadenceS === undefined ? a : a === undefined ? s.cadenceS : Math.min(a, s.cadenceS)),
    undefined,
  );
  return (
    <Frame id="map" title={title ?? t('wall.map')} t={t0} cadenceS={stale ? cadence : undefined} stale={stale} now={ctx.now} className="panel-map">
      <div className={`map-frame${ctx.inspectToken ? ' is-inspectable' : ''}`}>
        <WallMap
          regions={ctx.regions}
          data={mapData}
          layers={layers}
          generic={extra}
          pitch={pitch}
          onPick={ctx.inspectToken ? setPicked : undefined}
        />
        {picked && ctx.inspectToken && (
          <InspectCard
            target={picked}
            sources={ctx.conn}
            alerts={ctx.alerts}
            token={ctx.inspectToken}
            now={ctx.now}
            onClose={() => setPicked(null)}
          />
        )}
      </div>
      <ul className="map-legend" aria-label="legend" data-testid="map-legend">
        {sources
          .filter((s) => !s.forbidden)
          .map((s) => (
            <li key={s.layer} data-layer={s.layer} data-stale={s.stale ? 'true' : 'false'} className={s.stale ? 'stale' : ''}>
              <LegendKey layer={s.layer} />
              <span className="lg-name">{t(`wall.layers.${s.layer}`)}</span>
              {s.stale && <strong className="stale-tag"> · {t('age.stale')}</strong>}
            </li>
          ))}
        {genericSources.map((s) => (
          <GenericLegend key={genericLayerId(s.spec)} spec={s.spec} source={s} ctx={ctx} />
        ))}
      </ul>
    </Frame>
  );
}

/** A generic layer's data age and access, like `sourceAge` of a built-in one. */
function genericAge(conn: WallSources, g: GenericLayerSpec, now: number) {
  if (g.type === 'metric-layer') return { ...sourceAge(conn, g.metric, now), missing: conn.store.get(g.metric)?.error === 'not_found' };
  const k = conn.events.get(g.kind);
  return { t: k?.newestT ?? null, cadenceS: undefined, stale: false, forbidden: k?.status === 'forbidden', missing: k?.error === 'not_found' };
}

/**
 * The rows of the map panel's generic layers: re-derived when one of their codes moved (sequence number,
 * status, series count), or every 5 s for the stale judgement, so deck.gl gets a new array only then.
 */
function useGenericInputs(generic: GenericLayerSpec[], ctx: SceneContext): GenericLayerInput[] {
  const { store, events } = ctx.conn;
  const key = generic
    .map((g) => {
      if (g.type === 'metric-layer') {
        const m = store.get(g.metric);
        return m ? `${m.status}:${m.seq}:${m.series.size}` : '-';
      }
      const k = events.get(g.kind);
      return k ? `${k.status}:${k.seq}:${k.located.length}` : '-';
    })
    .join('|');
  const tick = Math.floor(ctx.now / 5_000);
  return useMemo(
    () => generic.map((g) => genericInput(g, { metric: (c) => store.get(c), events: (c) => events.get(c) }, store.now())),
    // the stores mutate in place: `key` says when the layers' data changed, `tick` re-judges staleness
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [generic, key, tick, store, events],
  );
}

/** A generic layer's legend line: the catalog name in the UI language, its style, its colour key; or why it is empty. */
function GenericLegend({
  spec,
  source,
  ctx,
}: {
  spec: GenericLayerSpec;
  source: { stale: boolean; forbidden: boolean; missing: boolean };
  ctx: SceneContext;
}) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const id = genericLayerId(spec);
  const code = spec.type === 'metric-layer' ? spec.metric : spec.kind;
  if (source.forbidden || source.missing) {
    return (
      <li data-layer={id} data-problem={source.forbidden ? 'forbidden' : 'unknown'} className="lg-problem">
        <span className="lg-name">{t(source.forbidden ? 'wall.generic.forbidden' : 'wall.generic.unknown', { code })}</span>
      </li>
    );
  }
  if (spec.type === 'event-layer') {
    const kind = ctx.conn.events.get(spec.kind)?.kind;
    const name = kind ? (lang === 'en' ? kind.nameEn : kind.nameId) : spec.kind;
    return (
      <li data-layer={id} data-stale="false">
        <span className="lg-dot lg-event" />
        <span className="lg-name">
          {t('wall.generic.openEvents', { name })} · {t(`wall.generic.${spec.style}`)}
        </span>
      </li>
    );
  }
  const m = ctx.conn.store.get(spec.metric)?.metric;
  const name = m ? (lang === 'en' ? m.nameEn : m.nameId) : spec.metric;
  return (
    <li data-layer={id} data-stale={source.stale ? 'true' : 'false'} className={source.stale ? 'stale' : ''}>
      {m?.thresholds ? (
        <span className="lg-levels">
          {(['normal', 'waspada', 'siaga', 'awas'] as const).map((l) => (
            <AlertBadge key={l} level={l} />
          ))}
        </span>
      ) : (
        <span className="lg-ramp">
          <span className="lg-end">{t('wall.layers.low')}</span>
          <span className="lg-bar" style={{ background: `linear-gradient(90deg, ${[0, 0.5, 1].map((x) => rgbCss(rampRgba(x))).join(', ')})` }} />
          <span className="lg-end">{t('wall.layers.high')}</span>
        </span>
      )}
      <span className="lg-name">
        {name}
        {m ? ` (${unitLabel(m.unit, lang)})` : ''} · {t(`wall.generic.${spec.style}`)}
      </span>
      {source.stale && <strong className="stale-tag"> · {t('age.stale')}</strong>}
    </li>
  );
}

/** The colour key of a layer, so colour is explained on screen. */
function LegendKey({ layer }: { layer: MapLayerId }) {
  const { t } = useTranslation();
  const ramp = (from: string, to: string, colours: string[]) => (
    <span className="lg-ramp">
      <span className="lg-end">{from}</span>
      <span className="lg-bar" style={{ background: `linear-gradient(90deg, ${colours.join(', ')})` }} />
      <span className="lg-end">{to}</span>
    </span>
  );
  switch (layer) {
    case 'flood-columns':
      return (
        <span className="lg-levels">
          {(['normal', 'waspada', 'siaga', 'awas'] as const).map((l) => (
            <AlertBadge key={l} level={l} />
          ))}
        </span>
      );
    case 'complaints-hex':
    case 'complaints-heat':
      return ramp(t('wall.layers.low'), t('wall.layers.high'), COMPLAINT_RANGE.map(rgbCss));
    case 'traffic':
      return ramp(
        t('wall.layers.free'),
        t('wall.layers.jammed'),
        [0, 0.5, 1].map((x) => rgbCss(rampRgba(x))),
      );
    case 'containers':
      return ramp(
        t('wall.layers.empty'),
        t('wall.layers.full'),
        [0, 0.5, 1].map((x) => rgbCss(rampRgba(x))),
      );
    case 'projects':
      return (
        <>
          {ramp(
            '0%',
            '100%',
            [0, 50, 100].map((p) => rgbCss(progressRgba(p))),
          )}
          <span className="lg-dot lg-behind" /> <span className="lg-end">{t('wall.layers.behind')}</span>
        </>
      );
    case 'project-conflicts':
      return (
        <span className="lg-levels">
          <span className="lg-dot lg-conflict-open" /> <span className="lg-end">{t('wall.layers.conflictOpen')}</span>
          <span className="lg-dot lg-conflict-coordinated" /> <span className="lg-end">{t('wall.layers.conflictCoordinated')}</span>
        </span>
      );
    case 'trucks':
      return (
        <span className="lg-levels">
          <span className="lg-dot lg-truck" /> <span className="lg-end">{t('wall.layers.moving')}</span>
          <span className="lg-dot lg-truck-stale" /> <span className="lg-end">{t('wall.layers.silent')}</span>
        </span>
      );
    case 'incidents':
      return (
        <span className="lg-levels">
          {(['waspada', 'siaga', 'awas'] as const).map((l) => (
            <AlertBadge key={l} level={l} />
          ))}
          <span className="lg-dot lg-incident-late" /> <span className="lg-end">{t('wall.layers.incidentLate')}</span>
        </span>
      );
    case 'rainfall':
      return <span className="lg-dot lg-rain" />;
    case 'region-codes':
      return <span className="lg-end">33.74.xx</span>;
  }
}

function KpisPanel({ kpis, ctx }: { kpis: KpiId[]; ctx: SceneContext }) {
  const props = useKpis(ctx);
  const tiles = kpis.map((id) => props(id)).filter((p): p is KpiProps => p !== null && !p.forbidden);
  const cols = Math.max(1, tiles.length <= 4 ? tiles.length : 3);
  return (
    <section className="kpis" data-testid="panel-kpis" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
      {tiles.map((p) => (
        <Kpi key={p.id} {...p} />
      ))}
    </section>
  );
}

/**
 * Tiles of any catalog metrics (issue 17): the one KPI rule (client/features/kpi) with the panel's aggregation
 * or the catalog's, the metric's name in the UI language, unit, alert level, trend and the age of the reading
 * behind the figure. A code the catalog does not hold, or that the wall may not read, shows as a tile saying so.
 */
function MetricKpiPanel({ codes, aggregation, ctx }: { codes: string[]; aggregation?: PanelAggregation; ctx: SceneContext }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const agg = aggregationFromCatalog(aggregation) ?? undefined;
  const cols = Math.max(1, codes.length <= 4 ? codes.length : 3);
  return (
    <section className="kpis" data-testid="panel-metric-kpi" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
      {codes.map((code) => {
        const state = ctx.conn.store.get(code);
        const m = state?.metric ?? null;
        const id = `metric-${code}`;
        if (!state || !m || state.status === 'forbidden') {
          const problem = state?.status === 'forbidden' ? 'forbidden' : state?.error === 'not_found' ? 'unknown' : 'loading';
          return <Kpi key={code} id={id} label={code} value="–" sub={t(`wall.generic.${problem}`, { code })} tone="muted" t={null} now={ctx.now} />;
        }
        const k = wallKpi(state, ctx.now, agg);
        const level = k?.level ?? null;
        const entity = k?.entity ? entityName(state, k.entity) : '';
        return (
          <Kpi
            key={code}
            id={id}
            label={lang === 'en' ? m.nameEn : m.nameId}
            value={k && k.value !== null ? formatValue(k.value, m.unit, lang) : '–'}
            sub={
              k && k.value !== null ? (
                <>
                  {level && <AlertBadge level={level} />} {t(`wall.generic.agg.${k.agg}`, { n: k.series, entity })}
                </>
              ) : (
                t('wall.generic.noData')
              )
            }
            silent={wallSilent(k, m.unit, ctx.now, lang)}
            tone={level ?? 'normal'}
            trend={wallTrend(k, m.unit, lang)}
            t={k?.at ?? null}
            now={ctx.now}
            cadenceS={m.cadenceS}
          />
        );
      })}
    </section>
  );
}

/** "Rumah Pompa Kali Banger · PA-BANGER" for an entity of a live metric (the code alone without a name). */
function entityName(state: { series: ReadonlyMap<number, { meta: { entity: string; name?: string } }> }, entity: string): string {
  for (const s of state.series.values()) if (s.meta.entity === entity) return nameAndCode(s.meta);
  return entity;
}

function MetricChartPanel({ panel, title, ctx }: { panel: Extract<Panel, { type: 'metric-chart' }>; title?: string; ctx: SceneContext }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const src = sourceAge(ctx.conn, panel.metric, ctx.now);
  const state = ctx.conn.store.get(panel.metric);
  const m = state?.metric ?? null;
  const problem = src.forbidden ? 'forbidden' : state?.error === 'not_found' ? 'unknown' : null;
  const name = m ? (lang === 'en' ? m.nameEn : m.nameId) : panel.metric;
  return (
    <Frame
      id={`metric-chart-${panel.metric}`}
      title={title ?? (m ? t('wall.generic.chartWindow', { name, unit: unitLabel(m.unit, lang), min: panel.windowMin }) : name)}
      t={src.t}
      cadenceS={src.cadenceS}
      stale={src.stale}
      now={ctx.now}
      className="panel-chart"
    >
      {problem ? (
        <p className="empty" data-testid="panel-problem" data-problem={problem}>
          {t(`wall.generic.${problem}`, { code: panel.metric })}
        </p>
      ) : (
        <MetricChart store={ctx.conn.store} code={panel.metric} windowMin={panel.windowMin} mode={panel.lines} aggregation={panel.aggregation} />
      )}
    </Frame>
  );
}

function useKpis(ctx: SceneContext): (id: KpiId) => KpiProps | null {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { store } = ctx.conn;
  const { now, data } = ctx;
  const m = (code: string) => store.get(code);
  const cadence = (code: string) => m(code)?.metric?.cadenceS;
  const forbidden = (code: string) => m(code)?.status === 'forbidden';
  // names first, codes second: "Rumah Pompa Kali Banger · PA-BANGER" (the code alone when no name is registered)
  const entityLabel = (code: string, entity: string) => {
    for (const s of m(code)?.series.values() ?? []) if (s.meta.entity === entity) return nameAndCode(s.meta);
    return entity;
  };
  // figure, age and trend: the one KPI rule (client/features/kpi), the tablet's window
  const kpiTrend = (code: string, agg?: Aggregation) => wallTrend(wallKpi(m(code), now, agg), m(code)?.metric?.unit ?? '', lang);
  return (id) => {
    switch (id) {
      case 'complaints-open': {
        const c = openComplaints(m('complaints_open'));
        return {
          id,
          label: t('wall.kpi.complaints'),
          value: formatNumber(c.value, 0, locale),
          t: c.t,
          now,
          cadenceS: cadence('complaints_open'),
          forbidden: forbidden('complaints_open'),
        };
      }
      case 'water-level':
      case 'rainfall': {
        const code = id === 'water-level' ? 'water_level' : 'rainfall';
        const unit = m(code)?.metric?.unit ?? (id === 'water-level' ? 'cm' : 'mm/h');
        const k = wallKpi(m(code), now);
        const level = k?.level ?? 'normal';
        return {
          id,
          label: t(id === 'water-level' ? 'wall.kpi.water' : 'wall.kpi.rain'),
          value: k && k.value !== null ? formatValue(k.value, unit, lang) : '–',
          sub: k?.entity ? (
            <>
              <AlertBadge level={level} /> {entityLabel(code, k.entity)}
            </>
          ) : null,
          silent: wallSilent(k, unit, now, lang),
          tone: level,
          trend: wallTrend(k, unit, lang),
          // the age of the gauge the figure shows, not of the freshest one
          t: k?.at ?? null,
          now,
          cadenceS: cadence(code),
          forbidden: forbidden(code),
        };
      }
      case 'traffic-speed':
        return {
          id,
          label: t('wall.kpi.speed'),
          value: formatValue(averageSpeed(data.traffic.segments), 'km/h', lang),
          sub: t('wall.kpi.segments', { n: data.traffic.segments.length }),
          trend: kpiTrend('traffic_speed', 'mean'),
          t: m('traffic_speed')?.newestT ?? null,
          now,
          cadenceS: cadence('traffic_speed'),
          forbidden: forbidden('traffic_speed'),
        };
      case 'congestion':
        return {
          id,
          label: t('wall.kpi.congestion'),
          value: formatRatio(averageCongestion(data.traffic.segments), 0, locale),
          trend: kpiTrend('congestion_index', 'mean'),
          t: m('congestion_index')?.newestT ?? null,
          now,
          cadenceS: cadence('congestion_index'),
          forbidden: forbidden('congestion_index'),
        };
      case 'landfill-intake': {
        const l = landfillToday(m('landfill_intake'), now);
        return {
          id,
          label: t('wall.kpi.landfill'),
          value: formatValue(l.value, 't', lang),
          t: l.t,
          now,
          cadenceS: cadence('landfill_intake'),
          forbidden: forbidden('landfill_intake'),
        };
      }
      case 'project-progress': {
        const p = projectSummary(data.projects.rows);
        return {
          id,
          label: t('wall.kpi.projects'),
          value: formatValue(p.progress, '%', lang),
          sub: t('wall.kpi.projectsSub', { plan: formatValue(p.plan, '%', lang), behind: p.behind }),
          tone: p.behind > 0 ? 'waspada' : 'normal',
          trend: kpiTrend('project_progress'),
          t: m('project_progress')?.newestT ?? null,
          now,
          cadenceS: cadence('project_progress'),
          forbidden: forbidden('project_progress'),
        };
      }
      case 'trucks': {
        const active = data.trucks.rows.filter((r) => !r.stale);
        return {
          id,
          label: t('wall.kpi.trucks'),
          value: formatNumber(active.length, 0, locale),
          sub: t('wall.kpi.trucksSub', {
            load: formatValue(
              active.reduce((s, r) => s + r.value, 0),
              't',
              lang,
            ),
          }),
          t: m('truck_load')?.newestT ?? null,
          now,
          cadenceS: cadence('truck_load'),
          forbidden: forbidden('truck_load'),
        };
      }
      case 'pumps':
        return {
          id,
          label: t('wall.kpi.pumps'),
          value: formatRatio(pumpsRunning(m('pump_running')), 0, locale),
          t: m('pump_running')?.newestT ?? null,
          now,
          cadenceS: cadence('pump_running'),
          forbidden: forbidden('pump_running'),
        };
      case 'containers': {
        const full = data.containers.rows.filter((c) => c.alert === 'siaga' || c.alert === 'awas').length;
        return {
          id,
          label: t('wall.kpi.containers'),
          value: formatNumber(full, 0, locale),
          t: m('container_fill')?.newestT ?? null,
          now,
          cadenceS: cadence('container_fill'),
          forbidden: forbidden('container_fill'),
        };
      }
    }
  };
}

function ChartPanel({ chart, title, ctx }: { chart: ChartId; title?: string; ctx: SceneContext }) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { store, events } = ctx.conn;
  const src = sourceAge(ctx.conn, CHART_SOURCE[chart], ctx.now);
  const frame = (defaultTitle: string, children: ReactNode, className = '') => (
    <Frame
      id={`chart-${chart}`}
      title={title ?? defaultTitle}
      t={src.t}
      cadenceS={src.cadenceS}
      stale={src.stale}
      now={ctx.now}
      className={`panel-chart ${className}`}
    >
      {children}
    </Frame>
  );
  if (src.forbidden) return null;
  switch (chart) {
    case 'water-level':
      return frame(t('wall.chartTitle', { unit: unitLabel(store.get('water_level')?.metric?.unit ?? 'cm', lang) }), <WaterChart store={store} />);
    case 'gates': {
      const gates = ctx.data.floods.gates;
      const levels = gatesByLevel(gates);
      const unit = store.get('water_level')?.metric?.unit ?? 'cm';
      const name = (g: (typeof gates)[number]) => nameFirst(g);
      return frame(
        t('wall.gatesTitle'),
        <div data-testid="gates-panel" className="gates-body">
          <div className="gate-levels">
            {(['awas', 'siaga', 'waspada', 'normal'] as const).map((l) => (
              <span key={l} className={`gate-count alert-${l}`} data-testid={`gates-${l}`}>
                {t(`alert.${l}`)} {levels[l]}
              </span>
            ))}
          </div>
          {gates.length === 0 ? (
            <p className="empty">{t('wall.noGates')}</p>
          ) : (
            <PagedList className="gate-list">
              {[...gates]
                .sort((a, b) => b.value - a.value)
                .map((g) => (
                  <li key={g.id} className={g.stale ? 'stale' : ''}>
                    <span className="gate-name">
                      {name(g).name}
                      {name(g).code && <span className="entity-code"> · {name(g).code}</span>}
                    </span>
                    <span className="gate-value">{formatValue(g.value, unit, lang)}</span>
                    <AlertBadge level={g.alert} />
                  </li>
                ))}
            </PagedList>
          )}
        </div>,
        'panel-gates',
      );
    }
    case 'complaints-status': {
      const state = events.get('complaint');
      if (state?.status === 'forbidden') return null;
      return frame(t('wall.charts.complaintsStatus'), <ComplaintsChart state={state} />);
    }
    case 'complaints-category': {
      const bars = ctx.data.complaints.byCategory.map((c) => ({
        label: t(`wall.charts.category.${c.category}`, { defaultValue: c.category }),
        value: c.n,
      }));
      return frame(t('wall.charts.complaintsCategory'), <BarsChart bars={bars} testId="complaints-category-chart" />);
    }
    case 'complaints-kecamatan': {
      const bars = ctx.data.complaints.byKecamatan.slice(0, 16).map((c) => ({ label: ctx.names.get(c.code) ?? c.code, value: c.n }));
      return frame(t('wall.charts.complaintsKecamatan'), <BarsChart bars={bars} testId="complaints-kecamatan-chart" />);
    }
    case 'congestion-segments': {
      const bars = ctx.data.traffic.segments
        .filter((s) => s.congestion !== null)
        .sort((a, b) => b.congestion! - a.congestion!)
        .slice(0, 12)
        .map((s) => ({ ...labelOf(s), value: s.congestion! * 100, color: rgbCss(rampRgba(s.congestion!)) }));
      return frame(t('wall.charts.congestion'), <BarsChart bars={bars} testId="congestion-chart" max={100} suffix="%" />);
    }
    case 'containers-fill': {
      const bars = [...ctx.data.containers.rows]
        .sort((a, b) => b.value - a.value)
        .slice(0, 12)
        .map((c) => ({ ...labelOf(c), value: c.value * 100, color: alertCss(c.alert) }));
      return frame(t('wall.charts.containers'), <BarsChart bars={bars} testId="containers-chart" max={100} suffix="%" />);
    }
    case 'projects-progress': {
      const rows = [...ctx.data.projects.rows].sort((a, b) => (b.plan ?? 0) - (b.progress ?? 0) - ((a.plan ?? 0) - (a.progress ?? 0)));
      return frame(
        t('wall.charts.projects'),
        <div className="progress-list" data-testid="projects-progress">
          <p className="progress-legend">{t('wall.charts.projectsLegend')}</p>
          {rows.length === 0 && <p className="empty">{t('wall.charts.empty')}</p>}
          <PagedList className="progress-rows" as="div">
            {rows.map((r) => (
              <div key={r.entity} className={`progress-row${r.behind ? ' is-behind' : ''}`} data-behind={r.behind ? 'true' : 'false'}>
                <span className="progress-name">
                  {nameFirst(r).name}
                  {nameFirst(r).code && <span className="entity-code"> · {nameFirst(r).code}</span>}
                </span>
                <span className="progress-track">
                  <span
                    className="progress-bar"
                    style={{ width: `${Math.min(100, Math.max(0, r.progress ?? 0))}%`, background: rgbCss(progressRgba(r.progress)) }}
                  />
                  {r.plan !== null && <span className="progress-plan" style={{ left: `${Math.min(100, Math.max(0, r.plan))}%` }} />}
                </span>
                <span className="progress-value">{formatNumber(r.progress, 0, locale)}%</span>
              </div>
            ))}
          </PagedList>
        </div>,
      );
    }
  }
}
