import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { PanelAggregation } from '@shared/scenes';
import type { LiveStore } from '../lib/live-store';
import { useEChart } from '../lib/charts/useEChart';
import { useLang, useThrottledVersion } from '../lib/react/hooks';
import { formatNumber, formatTime } from '../lib/format';
import { alertCss } from '../lib/alert-colors';
import { aggregationFromCatalog, aggregationOf } from '../features/kpi';
import { metricChartLines } from './metric-lines';

const LINE = '#38bdf8';
const MUTED = '#64748b';

/**
 * The live line chart of any catalog metric (`metric-chart` panel, issue 17): the aggregate line, or one line
 * per series (the highest ones first, bounded), over the last `windowMin` minutes, with the metric's alert
 * thresholds as dashed lines where it has them. Redrawn at most once a second.
 */
export function MetricChart({
  store,
  code,
  windowMin,
  mode,
  aggregation,
}: {
  store: LiveStore;
  code: string;
  windowMin: number;
  mode: 'series' | 'aggregate';
  aggregation?: PanelAggregation;
}) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const version = useThrottledVersion(store, 1000);
  const { el, chart } = useEChart();
  const state = store.get(code);
  const lines = (() => {
    const now = store.now();
    const m = state?.metric;
    const agg = aggregationFromCatalog(aggregation) ?? (m ? aggregationOf(m) : 'mean');
    return { now, lines: metricChartLines(state, { from: now - windowMin * 60_000, to: now, mode, agg, stepMs: windowMin <= 15 ? 15_000 : 60_000 }) };
  })();
  const points = lines.lines.reduce((n, l) => n + l.data.length, 0);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const th = state?.metric?.thresholds ?? null;
    const unit = state?.metric?.unit ?? '';
    const fontSize = Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 1.15);
    const from = lines.now - windowMin * 60_000;
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: 'Noto Sans, sans-serif', fontSize, color: '#cbd5e1' },
        grid: { left: fontSize * 3, right: fontSize * 5, top: fontSize * 0.8, bottom: fontSize * 1.8 },
        tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${formatNumber(Number(v), 1, locale)} ${unit}` },
        xAxis: {
          type: 'time',
          min: from,
          max: lines.now,
          axisLabel: { color: '#94a3b8', fontSize, formatter: (v: number) => formatTime(v, locale, false).replace(' WIB', '') },
          axisLine: { lineStyle: { color: '#334155' } },
          splitLine: { show: false },
        },
        yAxis: {
          type: 'value',
          scale: true,
          axisLabel: { color: '#94a3b8', fontSize, formatter: (v: number) => formatNumber(v, 1, locale) },
          splitLine: { lineStyle: { color: '#1e293b' } },
        },
        series: lines.lines.map((l, i) => ({
          id: l.id,
          name: l.name ?? code,
          type: 'line',
          // a line of a few readings (a new metric) shows its points, or it would draw nothing
          showSymbol: l.data.length < 3,
          color: mode === 'aggregate' || i === 0 ? LINE : MUTED,
          lineStyle: { width: mode === 'aggregate' || i === 0 ? Math.max(3, fontSize / 5) : Math.max(1, fontSize / 12) },
          emphasis: { disabled: true },
          data: l.data,
          ...(i === 0 && th
            ? {
                markLine: {
                  silent: true,
                  symbol: 'none',
                  label: { position: 'end', fontSize, formatter: (p: { name?: string }) => p.name ?? '' },
                  data: (['waspada', 'siaga', 'awas'] as const).map((level) => ({
                    name: t(`alert.${level}`),
                    yAxis: th[level],
                    lineStyle: { color: alertCss(level), type: 'dashed', width: Math.max(1, fontSize / 9) },
                    label: { color: alertCss(level) },
                  })),
                },
              }
            : {}),
        })),
      },
      { replaceMerge: ['series'] },
    );
    // the store mutates in place: its throttled version says when to redraw
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, code, windowMin, mode, aggregation, chart, t, locale]);

  return <div ref={el} className="chart" data-testid={`metric-chart-${code}`} data-lines={lines.lines.length} data-points={points} />;
}
