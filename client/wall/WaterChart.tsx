import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveStore } from '../lib/live-store';
import { useEChart } from '../lib/charts/useEChart';
import { useLang, useThrottledVersion } from '../lib/react/hooks';
import { formatNumber, formatTime } from '../lib/format';
import { gateLines, gateRows, worstGate } from '../features/floods/derive';
import { nameAndCode } from '../features/common';
import { alertCss } from '../lib/alert-colors';

const WINDOW_MS = 60 * 60_000;
/** The picked-out station's line (when below Waspada), and the muted colour of all the others. */
const FOCUS = '#38bdf8';
const MUTED = '#475569';

/**
 * Live line chart of every gate's water level over the last hour, with the BPBD thresholds. One station is
 * picked out (the worst: highest alert level, then highest level), drawn thick in its level's colour and named
 * at the end of its line and above the chart; the others are thin and grey, there for context.
 */
export function WaterChart({ store }: { store: LiveStore }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  // A chart redraw costs more than a layer update: once a second is plenty for an hour-wide axis.
  const version = useThrottledVersion(store, 1000);
  const { el, chart } = useEChart();
  const state = store.get('water_level');
  const worst = worstGate(gateRows(state, store.now()));

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const state = store.get('water_level');
    const now = store.now();
    const from = now - WINDOW_MS;
    const lines = gateLines(state, from);
    const th = state?.metric?.thresholds ?? null;
    const unit = state?.metric?.unit ?? 'cm';
    const fontSize = Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 1.15);
    const focusId = worst?.id ?? null;
    const focusColour = worst && worst.alert !== 'normal' ? alertCss(worst.alert) : FOCUS;
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: 'Noto Sans, sans-serif', fontSize, color: '#cbd5e1' },
        grid: { left: fontSize * 3, right: fontSize * 5, top: fontSize * 0.8, bottom: fontSize * 1.8 },
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
        // the picked-out line last, so it is drawn over the muted ones
        series: [...lines.filter((l) => l.id !== focusId), ...lines.filter((l) => l.id === focusId)].map((l, i) => ({
          id: `gate-${l.id}`,
          name: nameAndCode(l),
          type: 'line',
          showSymbol: false,
          z: l.id === focusId ? 3 : 2,
          color: l.id === focusId ? focusColour : MUTED,
          lineStyle:
            l.id === focusId
              ? { width: Math.max(3, fontSize / 5), color: focusColour }
              : { width: Math.max(1, fontSize / 12), color: MUTED, opacity: 0.7 },
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
  }, [version, store, chart, t, locale, worst]);

  return (
    <>
      {worst && (
        <p className="chart-focus" data-testid="water-focus" data-series={worst.id} data-level={worst.alert}>
          <span className="chart-focus-key" style={{ background: worst.alert !== 'normal' ? alertCss(worst.alert) : FOCUS }} />
          {t('wall.waterFocus', { name: nameAndCode(worst) })}
        </p>
      )}
      <div ref={el} className="chart" data-testid="water-chart" data-focus={worst?.id ?? ''} />
    </>
  );
}
