/**
 * Client-side state of subscribed metrics: a snapshot, then deltas in sequence.
 * Pure bookkeeping, no I/O: the connection feeds it and reacts to what it returns
 * (a `gap` means "resubscribe this metric"). Buffers are bounded (see live-options.ts).
 *
 * Folding. Each series buffer is two runs in one pair of ascending arrays: minute points `[0, rawStart)`,
 * then raw readings `[rawStart, length)`. Whenever limits are enforced (every delta, every snapshot, `prune()`),
 * the whole UTC minutes older than `now() − rawWindowMs` (`foldBefore`, minute-aligned) are folded: every value
 * in the buffer for such a minute becomes one point, t = the minute's start, v = their mean, and the count
 * of values it stands for is kept in a parallel array `n` (minute points only). Everything at t < foldedUntil
 * is a minute point and everything at t ≥ foldedUntil is raw, so:
 * - Cost: when `foldBefore` has not moved since the series' last fold (all but one call a minute) the fold
 *   is one comparison; otherwise it touches the newly folded readings once and shifts the raw tail once.
 *   Amortised O(1) per reading (the tail shift is ≤ rawWindow/1 min moves per reading). Ageing out now
 *   drops one minute point a minute instead of one splice per reading.
 * - A late reading (t < foldedUntil, e.g. a spool backlog) is merged into its minute's point as one more
 *   sample: v ← (v·n + x)/(n + 1), or becomes a new minute point (n = 1) if the buffer has none for that
 *   minute; a backlog of a whole minute thus yields that minute's exact mean. The server sends only new or
 *   corrected readings; a correction carries the value it replaces (`was`), so even in a folded minute it is a
 *   replacement: the mean moves by (v − was) / n and the count stays.
 * - Snapshot history: buckets enter like readings (t = bucket start, v = avg), each counting as ONE sample
 *   (the wire bucket carries no count). Those older than the window fold at once into unchanged minute
 *   points (one value each). The bucket of the current, partial minute stays raw next to the `latest`
 *   reading and the live readings of that minute; when that minute folds (6 minutes after its start) its point is
 *   the plain mean of the bucket's avg and those readings, the bucket weighing as one of them. That minute's
 *   value is approximate (the bucket already includes `latest` and the readings before the snapshot), but it
 *   stays within the minute's range. A raw reading at exactly the bucket's time replaces it (equal t).
 * - `latestT/latestV/lon/lat` always describe the newest reading as received, folded or not.
 * - Steady size: ≈ maxAgeMs/1 min minute points + raw readings of the last rawWindowMs..+1 min; with the
 *   defaults ≈ 60 minute points + 5–6 min of readings, from ~6 minutes after the snapshot on (measured with a
 *   fake clock over 3 h: 1 s cadence 361–419 points, 10 s 91–95, 60 s 65; tests/unit/live-store.test.ts).
 *   `maxPointsPerSeries` stays a hard bound (a cadence under ~0.55 s would hit it and lose old minutes).
 */
import type { Metric, SeriesMeta } from '@shared/catalog';
import type { MetricSnapshot, PointsAppended } from '@shared/contract';
import type { ErrorCode } from '@shared/ack';
import { defaultLiveOptions, type LiveOptions } from './live-options';
import { classifyDelta, type DeltaResult, type SyncStatus } from './sync/engine';

export type MetricStatus = SyncStatus;
export type { DeltaResult };

/** One series' bounded buffer. Arrays are owned by the store; readers must not mutate them. */
export interface SeriesBuffer {
  readonly meta: SeriesMeta;
  /**
   * Ascending times (epoch ms) and values, same length. Older than `rawWindowMs` (plus up to a minute):
   * one point per minute, at the minute's start, with the minute's mean; newer: the raw readings.
   */
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

interface MutableSeries {
  meta: SeriesMeta;
  t: number[];
  v: number[];
  latestT: number | null;
  latestV: number | null;
  lon: number | null;
  lat: number | null;
  /** Values folded into each minute point: `n[i]` for `t[i]`, i < rawStart. */
  n: number[];
  /** Index of the first raw reading; before it, minute points. */
  rawStart: number;
  /** Minute-aligned: points before it are minute points, from it on raw readings (-Infinity: none folded yet). */
  foldedUntil: number;
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
    const result = this.replay(m, pending);
    this.changed();
    return result;
  }

  /** Applies one delta message; see DeltaResult (classifyDelta decides, this applies). */
  applyDelta(msg: PointsAppended): DeltaResult {
    const m = this.metrics.get(msg.metric);
    const r = classifyDelta(m?.status, m?.seq ?? 0, msg.seq, msg.volatile, msg.prev);
    if (!m || r === 'ignored' || r === 'stale') return r;
    if (r === 'queued') {
      if (m.pending.length < this.options.maxPendingDeltas) m.pending.push(msg);
      return r;
    }
    if (r === 'gap') {
      m.status = 'syncing';
      m.pending = [msg];
      this.changed();
      return r;
    }
    this.applyInto(m, msg);
    this.changed();
    return 'applied';
  }

  /** The seq a resume may start from: a metric that had a snapshot (null: none yet, or its data was dropped). */
  resumableSeq(code: string): number | null {
    const m = this.metrics.get(code);
    return m && m.metric !== null && (m.status === 'idle' || m.status === 'syncing' || m.status === 'live') ? m.seq : null;
  }

  /** The server resumed from the held seq: live again with what is held, deltas queued meanwhile replayed. */
  resume(code: string): 'applied' | 'gap' {
    const m = this.metrics.get(code);
    if (!m) return 'gap';
    const pending = m.pending;
    m.status = 'live';
    m.error = null;
    m.pending = [];
    const r = this.replay(m, pending);
    this.changed();
    return r;
  }

  private replay(m: MutableMetric, pending: PointsAppended[]): 'applied' | 'gap' {
    for (const d of pending.sort((a, b) => a.seq - b.seq)) {
      const r = classifyDelta(m.status, m.seq, d.seq, d.volatile, d.prev);
      if (r === 'stale') continue;
      if (r === 'gap') {
        m.status = 'syncing';
        return 'gap';
      }
      this.applyInto(m, d);
    }
    return 'applied';
  }

  /** Drops points older than `maxAgeMs`; call now and then so quiet series age out too. */
  prune(): void {
    for (const m of this.metrics.values()) this.enforceLimits(m);
    this.changed();
  }

  private applyInto(m: MutableMetric, msg: PointsAppended): void {
    // A message standing for several (`prev`) of which some are held already (a catch-up overtook it): it carries
    // each series' newest reading (the public view), so a reading not newer than the one held is one held.
    const overlap = msg.prev !== undefined && msg.prev < m.seq;
    m.seq = msg.seq;
    for (const meta of msg.series) {
      if (!m.series.has(meta.id)) m.series.set(meta.id, newSeries(meta));
    }
    for (const p of msg.points) {
      const buf = m.series.get(p.s);
      if (!buf || !Number.isFinite(p.t) || !Number.isFinite(p.v)) continue;
      if (overlap && buf.latestT !== null && p.t <= buf.latestT) continue;
      pushPoint(buf, p.t, p.v, p.lon, p.lat, p.was);
      if (buf.latestT !== null && (m.newestT === null || buf.latestT > m.newestT)) m.newestT = buf.latestT;
    }
    this.enforceLimits(m);
  }

  private enforceLimits(m: MutableMetric): void {
    const { maxPointsPerSeries, maxAgeMs, maxSeriesPerMetric, rawWindowMs } = this.options;
    const now = this.now();
    const cutoff = now - maxAgeMs;
    const foldBefore = minuteStart(now - rawWindowMs);
    for (const buf of m.series.values()) {
      foldRaw(buf, foldBefore);
      let drop = Math.max(0, buf.t.length - maxPointsPerSeries);
      while (drop < buf.t.length && buf.t[drop]! < cutoff) drop++;
      // Keep the newest reading even when it is old: "last known value" beats "nothing" on a map.
      if (drop >= buf.t.length) drop = Math.max(0, buf.t.length - 1);
      if (drop > 0) {
        buf.t.splice(0, drop);
        buf.v.splice(0, drop);
        const folded = Math.min(drop, buf.rawStart);
        if (folded > 0) {
          buf.n.splice(0, folded);
          buf.rawStart -= folded;
        }
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
  const { id, metric, entity, region, lon, lat, path, name } = meta;
  return {
    meta: { id, metric, entity, region, lon, lat, ...(path ? { path } : {}), ...(name ? { name } : {}) },
    t: [],
    v: [],
    latestT: null,
    latestV: null,
    lon,
    lat,
    n: [],
    rawStart: 0,
    foldedUntil: -Infinity,
  };
}

const MINUTE_MS = 60_000;

/** Start of the UTC minute holding `t` (epoch ms; UTC minutes are whole multiples of 60,000 ms). */
function minuteStart(t: number): number {
  return Math.floor(t / MINUTE_MS) * MINUTE_MS;
}

/** First index in `[lo, hi)` whose time is ≥ `t` (hi if none). */
function lowerBound(times: readonly number[], t: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Folds the raw readings before `before` (minute-aligned) into one point per minute (see the file header).
 * O(1) unless `before` moved past the series' oldest raw reading.
 */
function foldRaw(buf: MutableSeries, before: number): void {
  if (!(before > buf.foldedUntil)) return;
  buf.foldedUntil = before;
  const { t, v, n } = buf;
  const len = t.length;
  let r = buf.rawStart;
  if (r >= len || t[r]! >= before) return;
  let w = r;
  while (r < len && t[r]! < before) {
    const m = minuteStart(t[r]!);
    const end = m + MINUTE_MS; // ≤ before: `before` is minute-aligned and m < before
    let sum = 0;
    let count = 0;
    do {
      sum += v[r]!;
      count++;
      r++;
    } while (r < len && t[r]! < end);
    // w < r: the group's slots are free. No earlier minute point shares m (they are all < the old foldedUntil ≤ m).
    t[w] = m;
    v[w] = sum / count;
    n[w] = count;
    w++;
  }
  t.splice(w, r - w);
  v.splice(w, r - w);
  buf.rawStart = w;
}

/**
 * Adds a reading. Raw part (t ≥ foldedUntil): inserted in time order; an equal time replaces (a corrected
 * reading), an older one is slotted in. Folded part: merged into its minute's point as one more sample; a
 * correction (`was`, the value it replaces) moves the minute's mean by (v − was) / n instead, as a replacement.
 */
function pushPoint(buf: MutableSeries, t: number, v: number, lon?: number, lat?: number, was?: number): void {
  if (t < buf.foldedUntil) {
    const m = minuteStart(t);
    const i = lowerBound(buf.t, m, 0, buf.rawStart);
    if (i < buf.rawStart && buf.t[i] === m) {
      const c = buf.n[i]!;
      if (was !== undefined && Number.isFinite(was)) buf.v[i] = buf.v[i]! + (v - was) / c;
      else {
        buf.v[i] = (buf.v[i]! * c + v) / (c + 1);
        buf.n[i] = c + 1;
      }
    } else {
      buf.t.splice(i, 0, m);
      buf.v.splice(i, 0, v);
      buf.n.splice(i, 0, 1);
      buf.rawStart++;
    }
  } else {
    const len = buf.t.length;
    if (len === buf.rawStart || t > buf.t[len - 1]!) {
      buf.t.push(t);
      buf.v.push(v);
    } else if (t === buf.t[len - 1]) {
      buf.v[len - 1] = v;
    } else {
      const i = lowerBound(buf.t, t, buf.rawStart, len);
      if (buf.t[i] === t) buf.v[i] = v;
      else {
        buf.t.splice(i, 0, t);
        buf.v.splice(i, 0, v);
      }
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
