import { useEffect } from 'react';
import { useEChart } from '../lib/charts/useEChart';
import { useLang } from '../lib/react/hooks';
import { formatNumber } from '../lib/format';

export interface Bar {
  label: string;
  value: number;
  /** CSS colour. */
  color?: string;
}

/** Horizontal bars, largest first as given; values labelled at the bar's end. */
export function BarsChart({
  bars,
  testId,
  digits = 0,
  max,
  suffix = '',
}: {
  bars: readonly Bar[];
  testId: string;
  digits?: number;
  max?: number;
  suffix?: string;
}) {
  const { locale } = useLang();
  const { el, chart } = useEChart();

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const fontSize = Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.8);
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: 'Noto Sans, sans-serif', fontSize, color: '#cbd5e1' },
        grid: { left: fontSize * 9, right: fontSize * 3.5, top: fontSize * 0.3, bottom: fontSize * 0.3 },
        xAxis: { type: 'value', show: false, ...(max !== undefined ? { max } : {}) },
        yAxis: {
          type: 'category',
          inverse: true,
          data: bars.map((b) => b.label),
          axisLabel: { color: '#cbd5e1', fontSize, width: fontSize * 8.5, overflow: 'truncate' },
          axisLine: { show: false },
          axisTick: { show: false },
        },
        series: [
          {
            id: 'bars',
            type: 'bar',
            barMaxWidth: fontSize * 1.6,
            data: bars.map((b) => ({ value: b.value, itemStyle: { color: b.color ?? '#38bdf8', borderRadius: [0, 4, 4, 0] } })),
            label: {
              show: true,
              position: 'right',
              color: '#e2e8f0',
              fontSize,
              formatter: (p: { value?: unknown }) => `${formatNumber(Number(p.value), digits, locale)}${suffix}`,
            },
          },
        ],
      },
      { replaceMerge: ['series'] },
    );
  }, [chart, bars, digits, max, suffix, locale]);

  return <div ref={el} className="chart" data-testid={testId} data-bars={bars.length} data-total={bars.reduce((a, b) => a + b.value, 0)} />;
}
