/**
 * The public page's first snapshot of a metric, kept current in memory (issue 18, benchmarks): every series the
 * public may see, with its latest reading, and no history. It is loaded once from the database, then each
 * delta the hub delivers is folded into it, so a crowd of citizens subscribing costs no query and no
 * serialisation each: the state is serialised once per change (`preEncode`) and handed to every subscriber
 * as is. A full reload every `refreshMs` (and after any gap in the sequence) corrects whatever a delta cannot
 * carry (a series' registered name, a change of classification). It carries no registered lines: the public reads those once, from
 * GET /api/public/v1/lines (lines.ts).
 *
 * The state's `seq` is that of the last delta folded in: a subscriber's catch-up starts there, as with any
 * snapshot. Bounded by the catalog: one state per publik metric.
 */
import type { Metric, SeriesMeta } from '../../shared/catalog';
import type { MetricSnapshot, SeriesSnapshot, WirePoint } from '../../shared/contract';
import { preEncode } from '../realtime/preencoded';
import { withoutPath } from './lines';

export interface LatestDelta {
  seq: number;
  series: readonly SeriesMeta[];
  points: readonly WirePoint[];
}

/** Pure: a compact snapshot after one delta (a new object; the input is left as it was). */
export function foldDelta(state: MetricSnapshot, delta: LatestDelta, visible: (entity: string) => boolean): MetricSnapshot {
  const index = new Map(state.series.map((s, i) => [s.id, i]));
  const series: SeriesSnapshot[] = [...state.series];
  for (const meta of delta.series) {
    if (index.has(meta.id) || !visible(meta.entity)) continue;
    index.set(meta.id, series.length);
    series.push({ ...withoutPath(meta), latest: null, history: [] });
  }
  for (const p of delta.points) {
    const i = index.get(p.s);
    if (i === undefined) continue; // a series the public may not see (or not known yet: the next reload has it)
    const s = series[i]!;
    if (s.latest && s.latest.t > p.t) continue; // a late reading does not replace a newer one
    series[i] = {
      ...s,
      latest: { t: p.t, v: p.v },
      // moving things: the newest position is the series' position
      ...(p.lon !== undefined && p.lat !== undefined ? { lon: p.lon, lat: p.lat } : {}),
    };
  }
  return { ...state, seq: delta.seq, series };
}

/** Deltas held while a load is in flight. */
const MAX_PENDING = 256;

export interface LiveLatest {
  /** The current compact snapshot of a publik metric (pre-encoded; do not change it). */
  get(metric: Metric): Promise<MetricSnapshot>;
  /** A delta the hub delivered for the metric's room. */
  apply(metric: string, delta: LatestDelta): void;
}

export function createLiveLatest(deps: {
  /** The metric's series and latest readings from the database (`series.snapshot(metric, 0, now)`). */
  load: (metric: Metric) => Promise<Omit<MetricSnapshot, 'seq'>>;
  /** The hub's seq for the metric's room now (read before a load: everything up to it is in the load). */
  seqOf: (metric: string) => number;
  /** Whether the public may see a series of this entity (the access rule). */
  visible: (metric: Metric, entity: string) => boolean;
  refreshMs: number;
  clock: () => number;
}): LiveLatest {
  interface State {
    metric: Metric;
    /** The folded state, and its encoded copy once asked for (cleared by the next delta). */
    current: MetricSnapshot | null;
    encoded: MetricSnapshot | null;
    loadedAt: number;
    /** A load in flight, and the deltas delivered meanwhile (folded in once it lands). */
    loading: Promise<void> | null;
    pending: LatestDelta[];
  }
  const states = new Map<string, State>();

  const load = (st: State): Promise<void> => {
    if (st.loading) return st.loading;
    const seq = deps.seqOf(st.metric.code);
    st.pending = [];
    st.loading = deps
      .load(st.metric)
      .then((snap) => {
        let next: MetricSnapshot = { ...snap, seq, series: snap.series.filter((s) => deps.visible(st.metric, s.entity)).map(withoutPath) };
        for (const d of st.pending) {
          if (d.seq <= next.seq) continue; // already in the load
          if (d.seq !== next.seq + 1) return void (st.current = null); // a gap: the next get reloads
          next = foldDelta(next, d, (e) => deps.visible(st.metric, e));
        }
        st.current = next;
        st.encoded = null;
        st.loadedAt = deps.clock();
      })
      .finally(() => {
        st.loading = null;
        st.pending = [];
      });
    return st.loading;
  };

  return {
    async get(metric) {
      let st = states.get(metric.code);
      if (!st) states.set(metric.code, (st = { metric, current: null, encoded: null, loadedAt: 0, loading: null, pending: [] }));
      st.metric = metric;
      if (!st.current) {
        await load(st);
        if (!st.current) await load(st); // a gap during the first load: once more
      } else if (deps.clock() - st.loadedAt >= deps.refreshMs) void load(st).catch(() => undefined); // refreshed behind
      if (!st.current) throw new Error(`live state of ${metric.code} could not be loaded`);
      return (st.encoded ??= preEncode<MetricSnapshot>({ ...st.current }));
    },
    apply(metric, delta) {
      const st = states.get(metric);
      if (!st) return; // nobody asked for it yet: the first get loads it
      if (st.loading) {
        // folded in once the load lands; a flood during a slow load is dropped for a reload instead
        if (st.pending.length < MAX_PENDING) st.pending.push(delta);
        else st.pending = [{ seq: Number.MAX_SAFE_INTEGER, series: [], points: [] }];
      }
      if (!st.current || delta.seq <= st.current.seq) return;
      if (delta.seq !== st.current.seq + 1) {
        st.current = null; // missed one: reload at the next get
        st.encoded = null;
        return;
      }
      st.current = foldDelta(st.current, delta, (e) => deps.visible(st.metric, e));
      st.encoded = null;
    },
  };
}
