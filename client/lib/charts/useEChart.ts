import { useEffect, useRef } from 'react';
import { echarts, type EChartsType } from './echarts';

/**
 * Mounts an ECharts instance on a div and keeps it sized to its container.
 * The caller sets options through the returned ref when its data changes.
 */
export function useEChart() {
  const el = useRef<HTMLDivElement | null>(null);
  const chart = useRef<EChartsType | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, null, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  return { el, chart };
}
