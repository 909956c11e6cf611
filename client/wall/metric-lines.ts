/**
 * The lines of a `metric-chart` panel (issue 17), for any catalog metric: one line per series (the
 * `maxSeries` with the highest newest value, so a wall never draws hundreds of lines), or the aggregate of
 * every series per step. Pure, clock passed in; table-tested in tests/unit/generic-layers.test.ts.
 */
import { aggregate, countAtOrBefore, type Aggregation } from '../features/kpi';
import type { MetricState } from '../lib/live-store';

export interface ChartLine {
  id: string;
  /** The entity's name (or code) for a series line; null for the aggregate line. */
  name: string | null;
  data: [number, number][];
}

/** Most series lines a chart draws. */
export const MAX_CHART_SERIES = 12;

export function metricChartLines(
  state: MetricState | undefined,
  opts: { from: number; to: number; mode: 'series' | 'aggregate'; agg: Aggregation; stepMs: number; maxSeries?: number },
): ChartLine[] {
  if (!state || state.status === 'forbidden') return [];
  const series = [...state.series.values()];
  if (opts.mode === 'series') {
    return series
      .filter((s) => s.latestV !== null)
      .sort((a, b) => b.latestV! - a.latestV! || a.meta.entity.localeCompare(b.meta.entity))
      .slice(0, opts.maxSeries ?? MAX_CHART_SERIES)
      .map((s) => {
        const data: [number, number][] = [];
        for (let i = countAtOrBefore(s.t, opts.from - 1); i < s.t.length; i++) if (s.t[i]! <= opts.to) data.push([s.t[i]!, s.v[i]!]);
        return { id: String(s.meta.id), name: s.meta.name ? `${s.meta.name} · ${s.meta.entity}` : s.meta.entity, data };
      });
  }
  // a series silent for longer than three cadences drops out of the aggregate instead of being held forever
  const maxCarryMs = Math.max(2 * opts.stepMs, (state.metric?.cadenceS ?? 60) * 3_000);
  const data: [number, number][] = [];
  if (!(opts.stepMs > 0) || !(opts.to >= opts.from)) return [];
  for (let at = Math.ceil(opts.from / opts.stepMs) * opts.stepMs; at <= opts.to; at += opts.stepMs) {
    const vals: { t: number; v: number }[] = [];
    for (const s of series) {
      const lo = countAtOrBefore(s.t, at);
      if (lo > 0 && at - s.t[lo - 1]! <= maxCarryMs) vals.push({ t: s.t[lo - 1]!, v: s.v[lo - 1]! });
    }
    // `last`: the most recent reading at that step
    if (opts.agg === 'last') vals.sort((a, b) => a.t - b.t);
    const a = aggregate(
      vals.map((x) => x.v),
      opts.agg,
    );
    if (a !== null) data.push([at, a]);
  }
  return [{ id: 'aggregate', name: null, data }];
}
