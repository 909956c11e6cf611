/**
 * One KPI rule for every surface (wall, agency tablet, public warning card): how a metric's many series
 * become one figure, which reading stands behind it (and so its age), its alert level, and its trend over an
 * explicit window. Pure, clock and window passed in; table-tested in tests/unit/kpi.test.ts.
 *
 * Why one module: the tablet once said "▲ naik 1,9 %" while the wall said "+157 cm" for the same gauges,
 * because each surface had its own copy with its own window, threshold and series set. Here the window is an
 * argument, the previous value is the same aggregate the chart line shows at that moment, and the figure's
 * age is the age of the entity it shows (a worst-value KPI never borrows the age of the freshest gauge).
 */
import { alertLevel, type AlertLevel, type Thresholds } from '@shared/catalog';
import { isStale } from '../../lib/data-age';

/**
 * How the series of one metric combine into one figure. `max` and `min` show one entity (the worst or the
 * lowest) and its reading's age; `last` shows the most recently reported series' value.
 */
export type Aggregation = 'sum' | 'mean' | 'max' | 'min' | 'last';

/** The catalog's and the scenes' word for each rule (`avg` there is `mean` here). */
export function aggregationFromCatalog(a: string | null | undefined): Aggregation | null {
  switch (a) {
    case 'sum':
    case 'max':
    case 'min':
    case 'last':
      return a;
    case 'avg':
    case 'mean':
      return 'mean';
    default:
      return null;
  }
}

/**
 * What a metric measures, which decides how its change is worded:
 * - `level`: a state that goes up and down (water level, speed): absolute change in its unit;
 * - `share`: a ratio or percentage: change in percentage points, never a relative % of a %;
 * - `counter`: a cumulative figure that rises by definition (intake so far today): its rise is not a warning.
 */
export type MetricKind = 'level' | 'share' | 'counter';

/** The catalog fields the rule reads. */
export interface KpiMetric {
  unit: string;
  thresholds: Thresholds | null;
  cadenceS: number;
  /** Catalog flag: the value accumulates (resets daily, say); a rise is expected. */
  cumulative?: boolean;
}

/** The window most surfaces compare against; the live buffers hold an hour, so it must stay below that. */
export const KPI_TREND_WINDOW_MS = 30 * 60_000;

/**
 * Quantities that add up across entities (counts, money, tonnage, vehicles) are summed; a metric with alert
 * thresholds shows its worst entity (the gate closest to overflowing); anything else is averaged.
 */
export function aggregationOf(m: { unit: string; thresholds: unknown; aggregation?: string | null }): Aggregation {
  // the catalog's own rule wins where the metric has one (issue 17: `aggregation` is catalog data)
  const own = aggregationFromCatalog(m.aggregation);
  if (own) return own;
  if (m.unit === 'count' || m.unit === 'IDR' || m.unit === 't' || m.unit === 'veh/h') return 'sum';
  if (m.thresholds) return 'max';
  return 'mean';
}

export function kindOf(m: { unit: string; cumulative?: boolean }): MetricKind {
  if (m.cumulative) return 'counter';
  if (m.unit === 'ratio' || m.unit === '%') return 'share';
  return 'level';
}

/** The aggregate of finite values; null when there is none. `last`: the last finite value in the given order. */
export function aggregate(values: readonly number[], agg: Aggregation): number | null {
  let n = 0;
  let acc = agg === 'max' ? -Infinity : agg === 'min' ? Infinity : 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    n++;
    acc = agg === 'max' ? Math.max(acc, v) : agg === 'min' ? Math.min(acc, v) : agg === 'last' ? v : acc + v;
  }
  if (n === 0) return null;
  return agg === 'mean' ? acc / n : acc;
}

/** The part of a live series buffer the rule reads (`entity` names the series in worst-value KPIs). */
export interface SeriesLike {
  readonly t: readonly number[];
  readonly v: readonly number[];
  readonly latestT: number | null;
  readonly latestV: number | null;
  readonly entity?: string;
}

/** How many of the ascending times `t` are at or before `at` (the index after the last such time). */
export function countAtOrBefore(t: readonly number[], at: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last value at or before `at`, or null (times ascending). */
export function valueAt(s: { readonly t: readonly number[]; readonly v: readonly number[] }, at: number): number | null {
  const lo = countAtOrBefore(s.t, at);
  return lo === 0 ? null : s.v[lo - 1]!;
}

export type TrendDir = 'up' | 'down' | 'flat';
/** `worse`: the change moves towards an alert (red); `better`: away from it; `neutral`: no judgement. */
export type TrendTone = 'worse' | 'better' | 'neutral';

export interface Trend {
  dir: TrendDir;
  tone: TrendTone;
  /** Change in the metric's unit (a share's change stays a ratio difference; wording turns it into pp). */
  delta: number;
  windowMs: number;
}

export interface Kpi {
  agg: Aggregation;
  kind: MetricKind;
  /** The aggregate of every series' latest value (a silent series keeps its last value). */
  value: number | null;
  /** Time of the reading(s) behind `value`: the shown entity's for `max`, the newest for sums and means. */
  at: number | null;
  /** The entity a worst-value (`max`) KPI shows; null otherwise. */
  entity: string | null;
  /** Alert level of `value` under the metric's thresholds; null without thresholds or value. */
  level: AlertLevel | null;
  /** `at` is late beyond the metric's cadence × 3: the figure must look stale. */
  stale: boolean;
  /** The aggregate `windowMs` ago (every series with a reading by then); null when none had one. */
  previous: number | null;
  trend: Trend | null;
  /** Series with a latest value. */
  series: number;
  /** Newest reading over all series (the panel's freshness, not the figure's). */
  newestT: number | null;
}

/**
 * Below this change a trend reads as flat, so noise does not flip the arrow: half a percentage point for
 * shares (in the metric's own scale), 1 % of the larger magnitude otherwise.
 */
export function flatTolerance(kind: MetricKind, unit: string, previous: number, current: number): number {
  if (kind === 'share') return unit === 'ratio' ? 0.005 : 0.5;
  return Math.max(1e-9, 0.01 * Math.max(Math.abs(previous), Math.abs(current)));
}

export function trendOf(current: number | null, previous: number | null, m: KpiMetric, windowMs: number): Trend | null {
  if (current === null || previous === null || !Number.isFinite(current) || !Number.isFinite(previous)) return null;
  const kind = kindOf(m);
  const delta = current - previous;
  const dir: TrendDir = Math.abs(delta) <= flatTolerance(kind, m.unit, previous, current) ? 'flat' : delta > 0 ? 'up' : 'down';
  // only a metric with alert thresholds knows which way is bad (higher is worse); a counter rises by definition
  const tone: TrendTone = dir === 'flat' || kind === 'counter' || !m.thresholds ? 'neutral' : dir === 'up' ? 'worse' : 'better';
  return { dir, tone, delta, windowMs };
}

/**
 * The KPI of `series` at `now`, trend against `now - windowMs`. The previous value is the same aggregate
 * over every series that had a reading by then, which is what the chart line shows at that moment: a new
 * gauge that appeared at 277 cm moves the trend as it moves the chart.
 */
export function computeKpi(series: readonly SeriesLike[], m: KpiMetric, now: number, windowMs: number, aggOverride?: Aggregation): Kpi {
  // a surface may ask for another aggregation explicitly (the wall's city-wide mean congestion)
  const agg = aggOverride ?? aggregationOf(m);
  const latest: number[] = [];
  const then: number[] = [];
  let newestT: number | null = null;
  let worst: SeriesLike | null = null;
  let lowest: SeriesLike | null = null;
  let newest: SeriesLike | null = null;
  let newestThen: { t: number; v: number } | null = null;
  for (const s of series) {
    if (s.latestV === null || s.latestT === null || !Number.isFinite(s.latestV)) continue;
    latest.push(s.latestV);
    if (newestT === null || s.latestT > newestT) {
      newestT = s.latestT;
      newest = s;
    }
    // ties: the fresher reading speaks for the figure
    if (worst === null || s.latestV > worst.latestV! || (s.latestV === worst.latestV && s.latestT > worst.latestT!)) worst = s;
    if (lowest === null || s.latestV < lowest.latestV! || (s.latestV === lowest.latestV && s.latestT > lowest.latestT!)) lowest = s;
    const lo = countAtOrBefore(s.t, now - windowMs);
    if (lo > 0) {
      then.push(s.v[lo - 1]!);
      if (newestThen === null || s.t[lo - 1]! > newestThen.t) newestThen = { t: s.t[lo - 1]!, v: s.v[lo - 1]! };
    }
  }
  // `last` is the newest reading over all series, then and now (not the order the series came in)
  const value = agg === 'last' ? (newest?.latestV ?? null) : aggregate(latest, agg);
  const previous = agg === 'last' ? (newestThen?.v ?? null) : aggregate(then, agg);
  const shown = agg === 'max' ? worst : agg === 'min' ? lowest : null;
  const at = shown ? shown.latestT : newestT;
  return {
    agg,
    kind: kindOf(m),
    value,
    at,
    entity: shown?.entity ?? (agg === 'last' ? (newest?.entity ?? null) : null),
    level: value !== null && m.thresholds ? alertLevel(value, m.thresholds) : null,
    stale: value !== null && isStale(at, now, m.cadenceS),
    previous,
    trend: trendOf(value, previous, m, windowMs),
    series: latest.length,
    newestT,
  };
}

/** Whether a figure is a silent alert: at Siaga or Awas, and its entity stopped reporting. */
export function isSilentAlert(k: Pick<Kpi, 'level' | 'stale'>): boolean {
  return k.stale && (k.level === 'siaga' || k.level === 'awas');
}
