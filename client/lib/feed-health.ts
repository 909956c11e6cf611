/**
 * Ingest feed health for the command center: one entry per (source, OPD), filled from
 * `GET /api/v1/sources/health` on every (re)connect and kept current by `feeds:reported` pushes.
 * The store holds what the server said (its `reportedAt` included); judging a feed late is left to
 * `feedState(h, now)` at render time, so a feed turns late even when no report arrives.
 */
import type { FeedHealth } from '@shared/feed-state';
import { ApiError, isObj } from './api/http';
import { fetchFeedHealth, isFeedHealth } from './api/feeds';
import type { SinergiSocket } from './socket';

/** `unknown` until the server answered; `forbidden` for a token that is not operator/admin (the UI hides). */
export type FeedsAccess = 'unknown' | 'allowed' | 'forbidden';

export const feedKey = (h: Pick<FeedHealth, 'source' | 'opd'>): string => JSON.stringify([h.source, h.opd]);

/** Bounded: one entry per source+OPD, at most `maxEntries` (the longest-unreported are dropped first). */
export class FeedsStore {
  private readonly entries = new Map<string, FeedHealth>();
  private readonly listeners = new Set<() => void>();
  private _version = 0;
  private _access: FeedsAccess = 'unknown';

  constructor(readonly maxEntries = 500) {}

  get version(): number {
    return this._version;
  }

  get access(): FeedsAccess {
    return this._access;
  }

  get size(): number {
    return this.entries.size;
  }

  list(): FeedHealth[] {
    return [...this.entries.values()];
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setAccess(a: FeedsAccess): void {
    if (a === this._access) return;
    this._access = a;
    if (a === 'forbidden') this.entries.clear();
    this.changed();
  }

  /** A push: each entry replaces the one for its source+OPD unless that one is newer. */
  merge(feeds: readonly FeedHealth[]): void {
    let touched = false;
    for (const h of feeds) touched = this.put(h) || touched;
    if (touched) {
      this.bound();
      this.changed();
    }
  }

  /**
   * The full list from REST. Entries in `keep` (pushed while the request was in flight) survive if they are
   * newer than, or absent from, the list; everything else not in the list is forgotten.
   */
  replace(feeds: readonly FeedHealth[], keep: ReadonlySet<string> = new Set()): void {
    const kept = [...keep].flatMap((k) => {
      const h = this.entries.get(k);
      return h ? [h] : [];
    });
    this.entries.clear();
    for (const h of feeds) this.put(h);
    for (const h of kept) this.put(h);
    this.bound();
    this.changed();
  }

  private put(h: FeedHealth): boolean {
    const k = feedKey(h);
    const cur = this.entries.get(k);
    if (cur && cur.reportedAt > h.reportedAt) return false;
    this.entries.set(k, h);
    return true;
  }

  private bound(): void {
    const over = this.entries.size - this.maxEntries;
    if (over <= 0) return;
    const oldest = [...this.entries].sort((a, b) => a[1].reportedAt - b[1].reportedAt).slice(0, over);
    for (const [k] of oldest) this.entries.delete(k);
  }

  private changed(): void {
    this._version++;
    for (const l of this.listeners) l();
  }
}

export interface FeedsSyncOptions {
  retryDelayMs: number;
  maxRetryDelayMs: number;
  fetch: (token: string, signal: AbortSignal) => Promise<FeedHealth[]>;
}

/**
 * Glue between the `/live` socket and a FeedsStore: fetches the REST list on every connect, merges
 * `feeds:reported` pushes (which the server sends to operators only), retries failed fetches with backoff
 * while connected, and gives up for good on 403.
 */
export class FeedsSync {
  private epoch = 0;
  private abort: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Keys pushed since the current REST request started (null when none is in flight). */
  private pushedDuringFetch: Set<string> | null = null;
  private readonly opts: FeedsSyncOptions;

  constructor(
    private readonly socket: SinergiSocket,
    private readonly token: string,
    readonly store = new FeedsStore(),
    opts: Partial<FeedsSyncOptions> = {},
  ) {
    this.opts = { retryDelayMs: 5_000, maxRetryDelayMs: 60_000, fetch: fetchFeedHealth, ...opts };
    socket.on('connect', this.onConnect);
    socket.on('disconnect', this.onDisconnect);
    socket.on('feeds:reported', this.onReported);
    if (socket.connected) this.onConnect();
  }

  close(): void {
    this.socket.off('connect', this.onConnect);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('feeds:reported', this.onReported);
    this.stop();
  }

  private stop(): void {
    this.epoch++;
    this.abort?.abort();
    this.abort = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pushedDuringFetch = null;
  }

  private readonly onConnect = (): void => {
    this.stop();
    if (this.store.access !== 'forbidden') this.load(0);
  };

  private readonly onDisconnect = (): void => {
    this.stop();
  };

  private readonly onReported = (msg: unknown): void => {
    if (this.store.access === 'forbidden' || !isObj(msg) || !Array.isArray(msg.feeds)) return;
    const feeds = (msg.feeds as unknown[]).filter(isFeedHealth);
    if (feeds.length === 0) return;
    if (this.pushedDuringFetch) for (const h of feeds) this.pushedDuringFetch.add(feedKey(h));
    this.store.merge(feeds);
    // Only operators are in the feeds room, so a push proves access even if the REST call failed.
    if (this.store.access === 'unknown') this.store.setAccess('allowed');
  };

  private load(attempt: number): void {
    const epoch = this.epoch;
    const abort = new AbortController();
    this.abort = abort;
    this.pushedDuringFetch = new Set();
    this.opts.fetch(this.token, abort.signal).then(
      (feeds) => {
        if (epoch !== this.epoch) return;
        this.store.replace(feeds, this.pushedDuringFetch ?? undefined);
        this.pushedDuringFetch = null;
        this.abort = null;
        this.store.setAccess('allowed');
      },
      (err: unknown) => {
        if (epoch !== this.epoch) return;
        this.pushedDuringFetch = null;
        this.abort = null;
        if (err instanceof ApiError && err.status === 403) return this.store.setAccess('forbidden');
        const delay = Math.min(this.opts.maxRetryDelayMs, this.opts.retryDelayMs * 2 ** attempt);
        this.timer = setTimeout(() => {
          this.timer = null;
          if (epoch === this.epoch && this.socket.connected) this.load(attempt + 1);
        }, delay);
      },
    );
  }
}
