/**
 * A per-process cache of settled roll-up buckets (1 minute and 1 hour), in front of `bucketedSeries`.
 *
 * Why: a dashboard snapshot of 24 h at 1 minute for 200 series is 288,000 buckets, one row each; on this
 * hardware reading that many rows out of PostgreSQL costs 100 ms+ before any decoding, however they are
 * stored. Walls, tablets and reconnecting clients ask for the same windows again and again, and almost all of
 * a window is settled history that only changes when an agency sends late or corrected readings. So the
 * cache keeps settled history in memory, in chunks, and asks the database only for what it lacks plus the
 * unsettled tail.
 *
 * - A chunk is one series' buckets of one level over a fixed, aligned stretch of time (CHUNK_MS). Only chunks
 *   that ended more than `settleMs` ago are kept; the rest (the tail) is read from the database on every call.
 *   Chunks without data are kept too (a gap is an answer).
 * - Correctness: every write this process makes reports its points through `invalidate` after its transaction
 *   commits; the chunks the points fall in are dropped. A late reading behind the roll-ups' watermark only
 *   shows in the answers once the roll-ups are refreshed (a TimescaleDB continuous aggregate behaves the same),
 *   so its chunks stay *pending* — read from the store, never kept — until `refreshed(t)` reports a refresh
 *   that started after the write (the app-run refresher calls it), or for `pendingMs` at most (where the
 *   database's own scheduler refreshes). A read that was under way while an invalidation or a refresh happened
 *   does not keep what it read for the series concerned (it may have seen the old rows). Writes the process
 *   cannot see (SQL by hand, another process, retention) are bounded by `ttlMs`: a chunk is re-read after that
 *   long.
 * - Bounded: at most `maxBuckets` buckets are held; the least recently read chunks go first.
 *
 * The answers are exactly those of `bucketedSeries` (the store suite checks it on every backend).
 */
import type { WireBucket } from '../shared/contract';
import type { AggregateBucket } from './queries/points';

export type CachedLevel = '1m' | '1h';

/** Width of a bucket and of a chunk per level: 1-minute buckets in 10-minute chunks, 1-hour buckets in 6-hour chunks. */
const BUCKET_MS: Record<CachedLevel, number> = { '1m': 60_000, '1h': 3_600_000 };
const CHUNK_MS: Record<CachedLevel, number> = { '1m': 10 * 60_000, '1h': 6 * 3_600_000 };

export interface BucketCacheOptions {
  /** Most buckets held in all (0 turns the cache off). */
  maxBuckets: number;
  /** A chunk is re-read after this long even if no write of this process touched it. */
  ttlMs: number;
  /** A chunk is kept only once it ended this long ago (readings in flight land in the tail instead). */
  settleMs: number;
  /** A written chunk is not kept until a refresh that started after the write, or for this long at most. */
  pendingMs: number;
  clock?: () => number;
}

export const DEFAULT_BUCKET_CACHE: Readonly<BucketCacheOptions> = Object.freeze({
  // ~170 bytes of heap each (bench:store): ~85 MB, enough for 24 h at 1 min plus 30 d at 1 h of 200 series
  maxBuckets: 500_000,
  ttlMs: 10 * 60_000,
  settleMs: 2 * 60_000,
  // TimescaleDB's own scheduler refreshes the 1-hour aggregate every 10 minutes (migration 009)
  pendingMs: 30 * 60_000,
});

/** Reads buckets overlapping [fromMs, toMs) per series from the store (`bucketedSeries`); `small`: the unsettled tail. */
export type BucketFetch = (
  ids: readonly number[],
  fromMs: number,
  toMs: number,
  level: CachedLevel,
  small: boolean,
) => Promise<Map<number, WireBucket[]>>;

interface Chunk {
  buckets: readonly WireBucket[];
  storedAt: number;
  /** Read counter value at the last use (for eviction). */
  used: number;
}

export interface BucketCacheStats {
  /** Chunks served from memory / read from the store, since start. */
  hits: number;
  misses: number;
  /** Chunks and buckets held now. */
  chunks: number;
  buckets: number;
  invalidations: number;
  evictions: number;
  /** Chunks written and waiting for a roll-up refresh. */
  pending: number;
}

export class BucketCache {
  private readonly opts: BucketCacheOptions;
  private readonly clock: () => number;
  /** level → series → chunk index → chunk */
  private readonly levels: Record<CachedLevel, Map<number, Map<number, Chunk>>> = { '1m': new Map(), '1h': new Map() };
  /** Per series, the invalidation counter value at its last invalidation. */
  private readonly touched = new Map<number, number>();
  /** level → series → chunk index → when it was written (ms): chunks waiting for a roll-up refresh. */
  private readonly pending: Record<CachedLevel, Map<number, Map<number, number>>> = { '1m': new Map(), '1h': new Map() };
  private pendingCount = 0;
  private invalidationSeq = 0;
  private reads = 0;
  private held = 0;
  private chunkCount = 0;
  private readonly counters = { hits: 0, misses: 0, invalidations: 0, evictions: 0 };

  constructor(
    private readonly fetch: BucketFetch,
    options: Partial<BucketCacheOptions> = {},
  ) {
    this.opts = { ...DEFAULT_BUCKET_CACHE, ...options };
    this.clock = options.clock ?? Date.now;
  }

  stats(): BucketCacheStats {
    return { ...this.counters, chunks: this.chunkCount, buckets: this.held, pending: this.pendingCount };
  }

  /**
   * Buckets of `level` overlapping [fromMs, toMs) per series, sorted by time; series without any are absent
   * (as from `bucketedSeries`).
   */
  async read(ids: readonly number[], fromMs: number, toMs: number, level: CachedLevel): Promise<Map<number, WireBucket[]>> {
    if (ids.length === 0 || !(toMs > fromMs)) return new Map();
    if (this.opts.maxBuckets <= 0) return this.fetch(ids, fromMs, toMs, level, false);
    const w = BUCKET_MS[level];
    const c = CHUNK_MS[level];
    const lo = Math.floor(fromMs / w) * w;
    const hi = Math.ceil(toMs / w) * w;
    const now = this.clock();
    // chunks [kLo, kSettled) may be cached; [max(lo, settled), hi) is the tail
    const kLo = Math.floor(lo / c);
    const settled = Math.min(hi, Math.floor((now - this.opts.settleMs) / c) * c);
    const kSettled = settled > lo ? Math.ceil(settled / c) : kLo;
    const use = ++this.reads;
    const byLevel = this.levels[level];

    const found = new Map<number, (readonly WireBucket[] | null)[]>();
    const missingIds: number[] = [];
    let kMissLo = Infinity;
    let kMissHi = -Infinity;
    for (const id of ids) {
      const chunks = byLevel.get(id);
      const row: (readonly WireBucket[] | null)[] = new Array(kSettled - kLo);
      let missing = false;
      for (let k = kLo; k < kSettled; k++) {
        const ch = chunks?.get(k);
        if (ch && now - ch.storedAt <= this.opts.ttlMs) {
          ch.used = use;
          row[k - kLo] = ch.buckets;
          this.counters.hits++;
        } else {
          row[k - kLo] = null;
          missing = true;
          this.counters.misses++;
          if (k < kMissLo) kMissLo = k;
          if (k > kMissHi) kMissHi = k;
        }
      }
      found.set(id, row);
      if (missing) missingIds.push(id);
    }

    const seqAtStart = this.invalidationSeq;
    const tailFrom = Math.max(lo, kSettled * c);
    const [filled, tail] = await Promise.all([
      // whole chunks, so what is read can be kept
      missingIds.length > 0 ? this.fetch(missingIds, kMissLo * c, (kMissHi + 1) * c, level, false) : Promise.resolve(null),
      hi > tailFrom ? this.fetch(ids, tailFrom, hi, level, true) : Promise.resolve(null),
    ]);

    if (filled) {
      const stamp = this.clock();
      for (const id of missingIds) {
        const list = filled.get(id) ?? [];
        const keep = (this.touched.get(id) ?? -1) <= seqAtStart;
        const row = found.get(id)!;
        let i = 0;
        for (let k = kMissLo; k <= kMissHi; k++) {
          const end = (k + 1) * c;
          let j = i;
          while (j < list.length && list[j]!.t < end) j++;
          if (k >= kLo && row[k - kLo] === null) {
            const chunk = list.slice(i, j);
            row[k - kLo] = chunk;
            if (keep && !this.isPending(level, id, k, stamp)) this.put(level, id, k, chunk, stamp, use);
          }
          i = j;
        }
      }
      this.evict();
    }

    const out = new Map<number, WireBucket[]>();
    for (const id of ids) {
      const row = found.get(id)!;
      const list: WireBucket[] = [];
      for (let r = 0; r < row.length; r++) {
        const chunk = row[r]!;
        const whole = r > 0 && r < row.length - 1;
        for (const b of chunk) if (whole || (b.t >= lo && b.t < hi)) list.push(b);
      }
      const t = tail?.get(id);
      if (t) for (const b of t) if (b.t >= tailFrom && b.t < hi) list.push(b);
      if (list.length > 0) out.set(id, list);
    }
    return out;
  }

  /** Drops the chunks these points fall in and holds them pending until a refresh (call after the write committed). */
  invalidate(points: Iterable<{ seriesId: number; t: number }>): void {
    const seq = ++this.invalidationSeq;
    const at = this.clock();
    // marks no refresh reported (the database's scheduler refreshes) lapse after pendingMs: sweep them now and then
    if (++this.counters.invalidations % 1_000 === 0) this.sweepPending(at);
    for (const p of points) {
      this.touched.set(p.seriesId, seq);
      for (const level of ['1m', '1h'] as const) {
        const k = Math.floor(p.t / CHUNK_MS[level]);
        this.drop(level, p.seriesId, k);
        let marks = this.pending[level].get(p.seriesId);
        if (!marks) this.pending[level].set(p.seriesId, (marks = new Map()));
        if (!marks.has(k)) this.pendingCount++;
        marks.set(k, at);
      }
    }
  }

  /**
   * The roll-ups were refreshed by a run that started at `startedAtMs`: what was written before it is now in
   * every answer, so those chunks may be kept again (and what was read before the refresh is not kept).
   */
  refreshed(startedAtMs: number): void {
    const seq = ++this.invalidationSeq;
    for (const level of ['1m', '1h'] as const) {
      for (const [id, marks] of this.pending[level]) {
        for (const [k, at] of marks) {
          if (at >= startedAtMs) continue;
          marks.delete(k);
          this.pendingCount--;
          this.drop(level, id, k);
          this.touched.set(id, seq);
        }
        if (marks.size === 0) this.pending[level].delete(id);
      }
    }
  }

  private sweepPending(now: number): void {
    for (const level of ['1m', '1h'] as const) {
      for (const [id, marks] of this.pending[level]) {
        for (const [k, at] of marks) {
          if (now - at <= this.opts.pendingMs) continue;
          marks.delete(k);
          this.pendingCount--;
        }
        if (marks.size === 0) this.pending[level].delete(id);
      }
    }
  }

  private isPending(level: CachedLevel, id: number, k: number, now: number): boolean {
    const marks = this.pending[level].get(id);
    const at = marks?.get(k);
    if (at === undefined) return false;
    if (now - at <= this.opts.pendingMs) return true;
    marks!.delete(k);
    this.pendingCount--;
    return false;
  }

  private drop(level: CachedLevel, id: number, k: number): void {
    const chunks = this.levels[level].get(id);
    const ch = chunks?.get(k);
    if (ch) {
      chunks!.delete(k);
      this.held -= ch.buckets.length;
      this.chunkCount--;
    }
  }

  private put(level: CachedLevel, id: number, k: number, buckets: readonly WireBucket[], storedAt: number, used: number): void {
    let chunks = this.levels[level].get(id);
    if (!chunks) this.levels[level].set(id, (chunks = new Map()));
    const old = chunks.get(k);
    if (old) {
      this.held -= old.buckets.length;
      this.chunkCount--;
    }
    chunks.set(k, { buckets, storedAt, used });
    this.held += buckets.length;
    this.chunkCount++;
  }

  /** Evicts down to 90 % of the bound (so eviction is not paid on every read). */
  private evict(): void {
    // an empty chunk costs one entry: count it as one bucket for the bound
    if (this.held + this.chunkCount <= this.opts.maxBuckets) return;
    const all: { level: CachedLevel; id: number; k: number; ch: Chunk }[] = [];
    for (const level of ['1m', '1h'] as const) {
      for (const [id, chunks] of this.levels[level]) for (const [k, ch] of chunks) all.push({ level, id, k, ch });
    }
    // least recently read first; among chunks read together, the oldest stretch of time first (windows slide forward)
    all.sort((a, b) => a.ch.used - b.ch.used || a.k * CHUNK_MS[a.level] - b.k * CHUNK_MS[b.level]);
    const target = this.opts.maxBuckets * 0.9;
    for (const e of all) {
      if (this.held + this.chunkCount <= target) break;
      const chunks = this.levels[e.level].get(e.id)!;
      chunks.delete(e.k);
      if (chunks.size === 0) this.levels[e.level].delete(e.id);
      this.held -= e.ch.buckets.length;
      this.chunkCount--;
      this.counters.evictions++;
    }
  }
}

/** Whether a bucket width is one the cache holds. */
export function isCachedLevel(bucket: AggregateBucket | 'raw'): bucket is CachedLevel {
  return bucket === '1m' || bucket === '1h';
}
