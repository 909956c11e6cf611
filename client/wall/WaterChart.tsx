import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveStore } from '../lib/live-store';
import { useEChart } from '../lib/charts/useEChart';
import { useLang, useThrottledVersion } from '../lib/react/hooks';
import { formatNumber, formatTime } from '../lib/format';
import { gateLines } from '../features/floods/derive';
import { alertCss } from '../lib/alert-colors';

const WINDOW_MS = 60 * 60_000;
const PALETTE = ['#38bdf8', '#a78bfa', '#f472b6', '#34d399', '#fbbf24', '#60a5fa', '#f87171', '#2dd4bf', '#c084fc', '#facc15'];

/** Live line chart of every gate's water level over the last hour, with the BPBD thresholds. */
export function WaterChart({ store }: { store: LiveStore }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  // A chart redraw costs more than a layer update: once a second is plenty for an hour-wide axis.
  const version = useThrottledVersion(store, 1000);
  const { el, chart } = useEChart();

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const state = store.get('water_level');
    const now = store.now();
    const from = now - WINDOW_MS;
    const lines = gateLines(state, from);
    const th = state?.metric?.thresholds ?? null;
    const unit = state?.metric?.unit ?? 'cm';
    const fontSize = Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.8);
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: 'Noto Sans, sans-serif', fontSize, color: '#cbd5e1' },
        color: PALETTE,
        grid: { left: fontSize * 3.6, right: fontSize * 5.5, top: fontSize * 3, bottom: fontSize * 2 },
        legend: {
          top: 0,
          type: 'scroll',
          itemWidth: fontSize * 1.6,
          itemHeight: fontSize * 0.7,
          textStyle: { color: '#cbd5e1', fontSize },
          pageTextStyle: { color: '#cbd5e1' },
          pageIconSize: fontSize * 0.8,
        },
        tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${formatNumber(Number(v), 0, locale)} ${unit}` },
        xAxis: {
          type: 'time',
          min: from,
          max: now,
          axisLabel: { color: '#94a3b8', fontSize, formatter: (v: number) => formatTime(v, locale, false).replace(' WIB', '') },
          axisLine: { lineStyle: { color: '#334155' } },
          splitLine: { show: false },
        },
        yAxis: {
          type: 'value',
          scale: true,
          axisLabel: { color: '#94a3b8', fontSize, formatter: (v: number) => formatNumber(v, 0, locale) },
          splitLine: { lineStyle: { color: '#1e293b' } },
          // Keep the Awas line in view, rounded so the top tick is a whole number.
          ...(th ? { max: (v: { max: number }) => Math.ceil((Math.max(v.max, th.awas) * 1.05) / 10) * 10 } : {}),
        },
        series: lines.map((l, i) => ({
          id: `gate-${l.id}`,
          name: l.entity,
          type: 'line',
          showSymbol: false,
          lineStyle: { width: Math.max(1.5, fontSize / 6) },
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
  }, [version, store, chart, t, locale]);

  return <div ref={el} className="chart" data-testid="water-chart" />;
}
