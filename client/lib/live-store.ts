/**
 * Client-side state of subscribed metrics: a snapshot, then deltas in sequence.
 * Pure bookkeeping, no I/O: the connection feeds it and reacts to what it returns
 * (a `gap` means "resubscribe this metric"). Buffers are bounded (see live-options.ts).
 */
import type { Metric, SeriesMeta } from '@shared/catalog';
import type { MetricSnapshot, PointsAppended } from '@shared/contract';
import type { ErrorCode } from '@shared/ack';
import { defaultLiveOptions, type LiveOptions } from './live-options';

export type MetricStatus = 'idle' | 'syncing' | 'live' | 'forbidden' | 'error';

/** One series' bounded buffer. Arrays are owned by the store; readers must not mutate them. */
export interface SeriesBuffer {
  readonly meta: SeriesMeta;
  /** Ascending times (epoch ms) and values, same length. */
  readonly t: readonly number[];
  readonly v: readonly number[];
  /** Newest reading, or null. */
  readonly latestT: number | null;
  readonly latestV: number | null;
  /** Current position: from the newest point that carried one, else the series' fixed location. */
  readonly lon: number | null;
  readonly lat: number | null;
}

export interface MetricState {
  readonly code: string;
  readonly status: MetricStatus;
  readonly error: ErrorCode | null;
  /** Catalog entry as sent with the snapshot (null until the first snapshot). */
  readonly metric: Metric | null;
  readonly seq: number;
  readonly series: ReadonlyMap<number, SeriesBuffer>;
  /** Newest reading time over all series. */
  readonly newestT: number | null;
}

export type DeltaResult = 'applied' | 'queued' | 'stale' | 'gap' | 'ignored';

interface MutableSeries {
  meta: SeriesMeta;
  t: number[];
  v: number[];
  latestT: number | null;
  latestV: number | null;
  lon: number | null;
  lat: number | null;
}

interface MutableMetric {
  code: string;
  status: MetricStatus;
  error: ErrorCode | null;
  metric: Metric | null;
  seq: number;
  series: Map<number, MutableSeries>;
  newestT: number | null;
  pending: PointsAppended[];
}

type Listener = () => void;

export class LiveStore {
  readonly options: LiveOptions;
  private readonly metrics = new Map<string, MutableMetric>();
  private readonly listeners = new Set<Listener>();
  private readonly clock: () => number;
  private _version = 0;
  /** Server clock minus local clock, learned from snapshots. */
  private offsetMs = 0;

  constructor(options: Partial<LiveOptions> = {}, clock: () => number = Date.now) {
    this.options = { ...defaultLiveOptions(), ...options };
    this.clock = clock;
  }

  /** Changes on every mutation; cheap to compare. */
  get version(): number {
    return this._version;
  }

  /** Current time on the server's clock (data ages are measured against it). Bound: pass it around freely. */
  readonly now = (): number => this.clock() + this.offsetMs;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(code: string): MetricState | undefined {
    return this.metrics.get(code);
  }

  codes(): string[] {
    return [...this.metrics.keys()];
  }

  /** Declares interest in a metric (status `idle` until a subscription starts). */
  track(code: string): void {
    if (!this.metrics.has(code)) {
      this.metrics.set(code, { code, status: 'idle', error: null, metric: null, seq: 0, series: new Map(), newestT: null, pending: [] });
      this.changed();
    }
  }

  /** A (re)subscription is on its way: hold deltas until its snapshot arrives. */
  beginSync(code: string): void {
    this.track(code);
    const m = this.metrics.get(code)!;
    m.status = 'syncing';
    m.error = null;
    m.pending = [];
    this.changed();
  }

  /** The connection dropped: keep the data (it is shown as ageing) but expect a fresh snapshot. */
  markAllIdle(): void {
    for (const m of this.metrics.values()) {
      if (m.status === 'live' || m.status === 'syncing') {
        m.status = 'idle';
        m.pending = [];
      }
    }
    this.changed();
  }

  markFailed(code: string, error: ErrorCode): void {
    this.track(code);
    const m = this.metrics.get(code)!;
    m.status = error === 'forbidden' ? 'forbidden' : 'error';
    m.error = error;
    m.pending = [];
    if (error === 'forbidden') {
      // Rights may have changed: show nothing rather than stale data the caller may no longer read.
      m.series = new Map();
      m.newestT = null;
    }
    this.changed();
  }

  /**
   * Replaces a metric's state with a snapshot, then replays deltas that arrived meanwhile.
   * Returns `gap` if the replay found a hole (resubscribe again), else `applied`.
   */
  applySnapshot(snap: MetricSnapshot, serverTime?: number): 'applied' | 'gap' {
    if (serverTime !== undefined && Number.isFinite(serverTime)) this.offsetMs = serverTime - this.clock();
    this.track(snap.metric.code);
    const m = this.metrics.get(snap.metric.code)!;
    const pending = m.pending;
    m.metric = snap.metric;
    m.seq = snap.seq;
    m.status = 'live';
    m.error = null;
    m.pending = [];
    m.series = new Map();
    m.newestT = null;
    for (const s of snap.series) {
      const buf = newSeries(s);
      for (const b of s.history) pushPoint(buf, b.t, b.avg);
      if (s.latest) pushPoint(buf, s.latest.t, s.latest.v);
      m.series.set(s.id, buf);
      if (buf.latestT !== null && (m.newestT === null || buf.latestT > m.newestT)) m.newestT = buf.latestT;
    }
    this.enforceLimits(m);
    let result: 'applied' | 'gap' = 'applied';
    for (const d of pending.sort((a, b) => a.seq - b.seq)) {
      if (d.seq <= m.seq) continue;
      if (d.seq !== m.seq + 1) {
        m.status = 'syncing';
        result = 'gap';
        break;
      }
      this.applyInto(m, d);
    }
    this.changed();
    return result;
  }

  /** Applies one delta message; see DeltaResult. */
  applyDelta(msg: PointsAppended): DeltaResult {
    const m = this.metrics.get(msg.metric);
    if (!m) return 'ignored';
    switch (m.status) {
      case 'syncing':
        if (m.pending.length < this.options.maxPendingDeltas) m.pending.push(msg);
        return 'queued';
      case 'idle':
      case 'forbidden':
      case 'error':
        return 'ignored';
      case 'live':
        break;
    }
    if (msg.seq <= m.seq) return 'stale';
    if (msg.seq !== m.seq + 1) {
      m.status = 'syncing';
      m.pending = [msg];
      this.changed();
      return 'gap';
    }
    this.applyInto(m, msg);
    this.changed();
    return 'applied';
  }

  /** Drops points older than `maxAgeMs`; call now and then so quiet series age out too. */
  prune(): void {
    for (const m of this.metrics.values()) this.enforceLimits(m);
    this.changed();
  }

  private applyInto(m: MutableMetric, msg: PointsAppended): void {
    m.seq = msg.seq;
    for (const meta of msg.series) {
      if (!m.series.has(meta.id)) m.series.set(meta.id, newSeries(meta));
    }
    for (const p of msg.points) {
      const buf = m.series.get(p.s);
      if (!buf || !Number.isFinite(p.t) || !Number.isFinite(p.v)) continue;
      pushPoint(buf, p.t, p.v, p.lon, p.lat);
      if (buf.latestT !== null && (m.newestT === null || buf.latestT > m.newestT)) m.newestT = buf.latestT;
    }
    this.enforceLimits(m);
  }

  private enforceLimits(m: MutableMetric): void {
    const { maxPointsPerSeries, maxAgeMs, maxSeriesPerMetric } = this.options;
    const cutoff = this.now() - maxAgeMs;
    for (const buf of m.series.values()) {
      let drop = Math.max(0, buf.t.length - maxPointsPerSeries);
      while (drop < buf.t.length && buf.t[drop]! < cutoff) drop++;
      // Keep the newest reading even when it is old: "last known value" beats "nothing" on a map.
      if (drop >= buf.t.length) drop = Math.max(0, buf.t.length - 1);
      if (drop > 0) {
        buf.t.splice(0, drop);
        buf.v.splice(0, drop);
      }
    }
    if (m.series.size > maxSeriesPerMetric) {
      const byAge = [...m.series.values()].sort((a, b) => (a.latestT ?? -Infinity) - (b.latestT ?? -Infinity));
      for (const s of byAge.slice(0, m.series.size - maxSeriesPerMetric)) m.series.delete(s.meta.id);
    }
  }

  private changed(): void {
    this._version++;
    for (const l of this.listeners) l();
  }
}

function newSeries(meta: SeriesMeta): MutableSeries {
  const { id, metric, entity, region, lon, lat, path } = meta;
  return { meta: { id, metric, entity, region, lon, lat, ...(path ? { path } : {}) }, t: [], v: [], latestT: null, latestV: null, lon, lat };
}

/** Inserts in time order; an equal time replaces (a re-sent point), an older one is slotted in. */
function pushPoint(buf: MutableSeries, t: number, v: number, lon?: number, lat?: number): void {
  const n = buf.t.length;
  if (n === 0 || t > buf.t[n - 1]!) {
    buf.t.push(t);
    buf.v.push(v);
  } else if (t === buf.t[n - 1]) {
    buf.v[n - 1] = v;
  } else {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (buf.t[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (buf.t[lo] === t) buf.v[lo] = v;
    else {
      buf.t.splice(lo, 0, t);
      buf.v.splice(lo, 0, v);
    }
  }
  if (buf.latestT === null || t >= buf.latestT) {
    buf.latestT = t;
    buf.latestV = v;
    if (lon !== undefined && lat !== undefined) {
      buf.lon = lon;
      buf.lat = lat;
    }
  }
}

/** Series of a metric as an array (a fresh array each call). */
export function seriesOf(state: MetricState | undefined): SeriesBuffer[] {
  return state ? [...state.series.values()] : [];
}
