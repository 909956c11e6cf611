import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { EventKindState } from '../lib/events-store';
import { useEChart } from '../lib/charts/useEChart';
import { useLang } from '../lib/react/hooks';
import { formatNumber } from '../lib/format';

/** Bar chart of complaint counts by status, in the kind's lifecycle order. */
export function ComplaintsChart({ state }: { state: EventKindState | undefined }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const { el, chart } = useEChart();
  const counts = state?.countsByStatus;
  const statuses = state?.kind?.statuses ?? Object.keys(counts ?? {});

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const fontSize = Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.8);
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: 'Noto Sans, sans-serif', fontSize, color: '#cbd5e1' },
        grid: { left: fontSize * 8, right: fontSize * 3, top: fontSize * 0.5, bottom: fontSize * 0.5 },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        xAxis: { type: 'value', show: false },
        yAxis: {
          type: 'category',
          inverse: true,
          data: statuses.map((s) => t(`status.${s}`, { defaultValue: s })),
          axisLabel: { color: '#cbd5e1', fontSize },
          axisLine: { show: false },
          axisTick: { show: false },
        },
        series: [
          {
            id: 'counts',
            type: 'bar',
            data: statuses.map((s) => counts?.[s] ?? 0),
            itemStyle: { color: '#38bdf8', borderRadius: [0, 4, 4, 0] },
            label: { show: true, position: 'right', color: '#e2e8f0', fontSize, formatter: (p: { value?: unknown }) => formatNumber(Number(p.value), 0, locale) },
          },
        ],
      },
      { replaceMerge: ['series'] },
    );
  }, [chart, counts, statuses, t, locale]);

  return <div ref={el} className="chart" data-testid="complaints-chart" />;
}
