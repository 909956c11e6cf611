import { useEffect, useMemo, useState } from 'react';
import type { AlertsStore } from '../lib/alerts';
import { InspectCard } from '../lib/components/InspectCard';
import { nameAndCode } from '../features/common';
import type { InspectTarget } from '../features/inspect/target';
import { useTranslation } from 'react-i18next';
import type { Metric } from '@shared/catalog';
import { fetchSeries, type SeriesResponse } from '../lib/api/series';
import { fetchRegions } from '../lib/api/regions';
import { useEChart } from '../lib/charts/useEChart';
import type { LiveConnection } from '../lib/live-connection';
import { seriesOf } from '../lib/live-store';
import { ConnStatus } from '../lib/components/ConnStatus';
import { Freshness } from '../lib/components/Freshness';
import { isStale } from '../lib/data-age';
import { formatDateTime, formatNumber, formatTime, formatValue, localeOf, unitLabel } from '../lib/format';
import { useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import { LostBanner } from './LostBanner';
import { silentLine, trendLine } from './KpiTile';
import { computeKpi, kpiSeries, KPI_TREND_WINDOW_MS } from '../features/kpi';
import {
  aggregateBuckets,
  aggregationOf,
  RANGE_KEYS,
  RANGES,
  regionIndex,
  regionRows,
  sortRows,
  withGaps,
  type GroupBy,
  type RangeKey,
  type RegionInfo,
  type SortDir,
  type SortKey,
} from './kpi';

/** The chart is fetched again this often while open, so it keeps up with live data. */
const REFRESH_MS: Record<RangeKey, number> = { '6h': 60_000, '24h': 120_000, '7d': 600_000 };
/** Rows shown at most in the region table (trucks can number in the hundreds). */
const MAX_ROWS = 400;

type ChartState = { kind: 'loading' } | { kind: 'error' } | { kind: 'ok'; data: SeriesResponse; to: number };

/**
 * One metric in depth: its live KPI, the time series over 6 h / 24 h / 7 d (the server's bucket choice for
 * the range, gaps shown as gaps), and the latest value per entity, kelurahan or kecamatan, sortable.
 */
export function MetricDetail({
  token,
  metric,
  code,
  range,
  purpose,
  conn,
  ownerName,
  onRange,
  onBack,
  alerts,
}: {
  /** Open alerts, for the card a tapped entity row opens. */
  alerts?: AlertsStore;
  token: string;
  metric: Metric | null;
  code: string;
  range: RangeKey;
  purpose: string | undefined;
  conn: LiveConnection;
  ownerName: string;
  onRange: (r: RangeKey) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const store = conn.store;
  useThrottledVersion(store, store.options.renderThrottleMs);
  const now = useNow(store.now, 1_000);

  useEffect(() => {
    window.scrollTo(0, 0);
  }, []);

  const head = (
    <div className="detail-head">
      <button type="button" className="back-button" onClick={onBack} data-testid="detail-back">
        ← {t('agency.detail.back')}
      </button>
      <ConnStatus conn={conn} />
    </div>
  );
  if (!metric) {
    return (
      <div className="detail" data-testid="metric-detail" data-code={code}>
        {head}
        <p className="error" data-testid="detail-unknown">
          {t('agency.detail.unknown', { code })}
        </p>
      </div>
    );
  }
  const name = lang === 'en' ? metric.nameEn : metric.nameId;
  const state = store.get(metric.code);
  const k = computeKpi(kpiSeries(state), metric, now, KPI_TREND_WINDOW_MS);
  const agg = k.agg;
  const silent = k.value !== null ? silentLine(k, metric.unit, now, lang) : null;

  return (
    <div className="detail" data-testid="metric-detail" data-code={metric.code}>
      <LostBanner conn={conn} />
      {head}
      <header className="detail-title">
        <h2>{name}</h2>
        <div className="meta">
          <code>{metric.code}</code>
          <span className={`class class-${metric.class}`}>{t(`agency.class.${metric.class}`)}</span>
          <span>
            {t('agency.owner')}: {ownerName}
          </span>
          {unitLabel(metric.unit, lang) && (
            <span>
              {t('agency.unit')}: {unitLabel(metric.unit, lang)}
            </span>
          )}
          <span>{t('agency.cadence', { n: metric.cadenceS })}</span>
        </div>
        <div className={`detail-kpi${k.stale && k.value !== null ? ' is-stale' : ''}`} data-testid="detail-kpi" data-value={k.value ?? ''}>
          <span className="kpi-value">{formatValue(k.value, metric.unit, lang)}</span>
          <span className="kpi-agg">{silent ?? (k.value !== null ? t(`agency.dash.agg.${agg}`, { n: k.series }) : '')}</span>
          <span className="kpi-trend" data-trend={k.trend?.dir ?? 'none'} data-tone={k.trend?.tone ?? 'neutral'}>
            {trendLine(k, metric.unit, lang, (window) => t('agency.dash.trend.none', { window }))}
          </span>
          <Freshness t={k.at} now={now} cadenceS={metric.cadenceS} />
        </div>
      </header>

      <section className="card chart-card" data-testid="detail-chart-card">
        <div className="section-head">
          <h3>{t('agency.detail.chartTitle')}</h3>
          <div className="segmented" role="group" aria-label={t('agency.detail.range')} data-testid="range-switch">
            {RANGE_KEYS.map((r) => (
              <button key={r} type="button" aria-pressed={r === range} data-testid={`range-${r}`} onClick={() => onRange(r)}>
                {t(`agency.detail.ranges.${r}`)}
              </button>
            ))}
          </div>
        </div>
        <SeriesChart token={token} metric={metric} range={range} purpose={purpose} />
      </section>

      <RegionTable metric={metric} conn={conn} now={now} token={token} alerts={alerts} />
    </div>
  );
}

function SeriesChart({ token, metric, range, purpose }: { token: string; metric: Metric; range: RangeKey; purpose: string | undefined }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const [state, setState] = useState<ChartState>({ kind: 'loading' });
  const { el, chart } = useEChart();

  useEffect(() => {
    const ctrl = new AbortController();
    setState({ kind: 'loading' });
    const load = () => {
      const to = Date.now();
      // bucket 'auto': the server picks the bucket for the range (shared/buckets.ts chooseBucket)
      fetchSeries({ metric: metric.code, from: to - RANGES[range], to, bucket: 'auto', purpose }, token, ctrl.signal).then(
        (data) => setState({ kind: 'ok', data, to }),
        () => !ctrl.signal.aborted && setState((s) => (s.kind === 'ok' ? s : { kind: 'error' })),
      );
    };
    load();
    const timer = setInterval(load, REFRESH_MS[range]);
    return () => {
      ctrl.abort();
      clearInterval(timer);
    };
  }, [token, metric.code, range, purpose]);

  const agg = aggregationOf(metric);
  const points = useMemo(() => (state.kind === 'ok' ? aggregateBuckets(state.data.series, agg) : []), [state, agg]);

  useEffect(() => {
    const c = chart.current;
    if (!c || state.kind !== 'ok') return;
    const step = state.data.bucketMs > 0 ? state.data.bucketMs : Math.max(metric.cadenceS * 1000, 1000);
    const data = withGaps(points, step * 3);
    const loc = localeOf(lang);
    const th = metric.thresholds;
    // the tablet's light theme (agency.css)
    const fg = '#0f172a';
    const grid = '#cbd5e1';
    const fmtAxisTime = (v: number) => (RANGES[range] > 86_400_000 ? formatDateTime(v, loc).replace(/ \d{4}/, '') : formatTime(v, loc, false));
    c.setOption(
      {
        animation: false,
        grid: { left: 64, right: 24, top: 24, bottom: 40 },
        textStyle: { fontFamily: 'Noto Sans, sans-serif', fontSize: 14, color: fg },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (params: unknown) => {
            const p = (Array.isArray(params) ? params[0] : params) as { value?: [number, number | null] } | undefined;
            if (!p?.value) return '';
            return `${formatDateTime(p.value[0], loc)}<br/><strong>${formatValue(p.value[1], metric.unit, lang)}</strong>`;
          },
        },
        xAxis: {
          type: 'time',
          min: state.to - RANGES[range],
          max: state.to,
          axisLabel: { color: fg, formatter: fmtAxisTime, hideOverlap: true },
          axisLine: { lineStyle: { color: grid } },
        },
        yAxis: {
          type: 'value',
          scale: true,
          axisLabel: {
            color: fg,
            formatter: (v: number) => (metric.unit === 'ratio' ? formatNumber(v * 100, 0, loc) + '%' : formatNumber(v, 1, loc)),
          },
          splitLine: { lineStyle: { color: grid } },
        },
        series: [
          {
            type: 'line',
            name: metric.code,
            data,
            showSymbol: data.length < 60,
            symbolSize: 6,
            lineStyle: { width: 3, color: '#0b5cad' },
            itemStyle: { color: '#0b5cad' },
            connectNulls: false,
            markLine: th
              ? {
                  symbol: 'none',
                  silent: true,
                  label: { formatter: '{b}', position: 'insideEndTop', color: fg },
                  data: (['waspada', 'siaga', 'awas'] as const).map((lvl) => ({
                    name: t(`alert.${lvl}`),
                    yAxis: th[lvl],
                    lineStyle: { type: 'dashed', width: 2, color: lvl === 'awas' ? '#c81e1e' : lvl === 'siaga' ? '#ea580c' : '#ca8a04' },
                  })),
                }
              : undefined,
          },
        ],
      },
      { notMerge: true },
    );
  }, [state, points, lang, range, metric, chart, t]);

  const bucket = state.kind === 'ok' ? state.data.bucket : null;
  return (
    <div
      className="chart-wrap"
      data-testid="detail-chart"
      data-state={state.kind}
      data-bucket={bucket ?? ''}
      data-points={points.length}
      data-range={range}
    >
      <div ref={el} className="chart" role="img" aria-label={t('agency.detail.chartTitle')} />
      {state.kind === 'loading' && <p className="chart-note">{t('agency.detail.chartLoading')}</p>}
      {state.kind === 'error' && <p className="chart-note error">{t('agency.detail.chartError')}</p>}
      {state.kind === 'ok' && points.length === 0 && <p className="chart-note">{t('agency.detail.chartEmpty')}</p>}
      <p className="muted small">
        {bucket && `${t(`agency.detail.bucket.${bucket}`)} · `}
        {t('agency.detail.gaps')}
      </p>
    </div>
  );
}

const GROUPS: GroupBy[] = ['entity', 'kelurahan', 'kecamatan'];

function RegionTable({
  metric,
  conn,
  now,
  token,
  alerts,
}: {
  metric: Metric;
  conn: LiveConnection;
  now: number;
  token: string;
  alerts?: AlertsStore;
}) {
  // a tapped entity row opens its card (the wall's inspect card): name, owner, value and age, alerts, 24 h
  const [picked, setPicked] = useState<InspectTarget | null>(null);
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const [idx, setIdx] = useState<Map<string, RegionInfo>>(() => new Map());
  const [groupBy, setGroupBy] = useState<GroupBy>('entity');
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({ key: 'value', dir: 'desc' });

  useEffect(() => {
    let cancelled = false;
    fetchRegions().then(
      (r) => !cancelled && setIdx(regionIndex(r.regions.features)),
      () => {}, // without names the table still shows the codes
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const state = conn.store.get(metric.code);
  const latest = seriesOf(state).map((s) => ({ entity: s.meta.entity, region: s.meta.region, latestT: s.latestT, latestV: s.latestV }));
  const names = new Map(seriesOf(state).map((s) => [s.meta.entity, s.meta.name ?? null]));
  const rows = sortRows(regionRows(latest, idx, groupBy, aggregationOf(metric)), sort.key, sort.dir);
  const shown = rows.slice(0, MAX_ROWS);

  const header = (key: SortKey) => {
    const active = sort.key === key;
    const label = t(`agency.detail.col.${key}`);
    return (
      <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button
          type="button"
          className="sort-button"
          data-testid={`sort-${key}`}
          aria-label={t('agency.detail.sortBy', { col: label })}
          onClick={() =>
            setSort(active ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'value' || key === 'time' ? 'desc' : 'asc' })
          }
        >
          {label}
          <span aria-hidden="true">{active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ' ⇅'}</span>
        </button>
      </th>
    );
  };

  const regionCell = (r: (typeof rows)[number]) => {
    const parts: string[] = [];
    if (r.kelurahanCode) parts.push(`${t('agency.detail.kelurahan')} ${r.kelurahanName ?? '?'} (${r.kelurahanCode})`);
    if (r.kecamatanCode) parts.push(`${t('agency.detail.kecamatan')} ${r.kecamatanName ?? '?'} (${r.kecamatanCode})`);
    if (parts.length === 0) return <span className="muted">{t('agency.detail.cityLevel')}</span>;
    return parts.map((p, i) => (
      <span key={i} className={i === 0 ? 'region-main' : 'region-sub'}>
        {p}
      </span>
    ));
  };

  return (
    <section className="card region-card" data-testid="region-breakdown" data-group={groupBy} data-sort={`${sort.key}:${sort.dir}`}>
      <div className="section-head">
        <h3>{t('agency.detail.regionsTitle')}</h3>
        <div className="segmented" role="group" aria-label={t('agency.detail.regionsTitle')}>
          {GROUPS.map((g) => (
            <button key={g} type="button" aria-pressed={g === groupBy} data-testid={`group-${g}`} onClick={() => setGroupBy(g)}>
              {t(`agency.detail.groupBy.${g}`)}
            </button>
          ))}
        </div>
      </div>
      <div className="table-scroll">
        {picked && <InspectCard target={picked} sources={conn} alerts={alerts} token={token} now={now} onClose={() => setPicked(null)} />}
        <table className="region-table">
          <thead>
            <tr>
              {header('region')}
              {groupBy === 'entity' ? header('entity') : <th scope="col">{t('agency.detail.col.entity')}</th>}
              {header('value')}
              {header('time')}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const stale = r.t !== null && isStale(r.t, now, metric.cadenceS);
              return (
                <tr
                  key={r.key}
                  data-testid="region-row"
                  data-region={r.kelurahanCode ?? r.kecamatanCode ?? ''}
                  data-entity={r.entity ?? ''}
                  data-value={r.value ?? ''}
                  className={`${stale ? 'is-stale' : ''}${r.entity ? ' is-tappable' : ''}`}
                  onClick={
                    r.entity
                      ? () =>
                          setPicked({
                            kind: 'entity',
                            metric: metric.code,
                            entity: r.entity!,
                            name: names.get(r.entity!) ?? null,
                            lon: null,
                            lat: null,
                          })
                      : undefined
                  }
                >
                  <td className="region-cell">{regionCell(r)}</td>
                  <td className="entity">
                    {r.entity ? nameAndCode({ entity: r.entity, name: names.get(r.entity) }) : t('agency.detail.entities', { n: r.entities })}
                  </td>
                  <td className="num">{formatValue(r.value, metric.unit, lang)}</td>
                  <td className="time">
                    {r.t === null ? '–' : formatTime(r.t, locale, false)}
                    {stale && <strong className="stale-tag"> · {t('age.stale')}</strong>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">{t('agency.detail.rows', { n: rows.length })}</p>
    </section>
  );
}
