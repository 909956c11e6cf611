/**
 * Ingest feed health for the command center: one entry per (source, OPD), through the sync engine: a
 * `feeds:subscribe` snapshot on every (re)connect (or a resume), then `feeds:reported` in sequence.
 * The store holds what the server said (its `reportedAt` included); judging a feed late is left to
 * `feedState(h, now)` at render time, so a feed turns late even when no report arrives.
 */
import type { ErrorCode } from '@shared/ack';
import type { FeedsReported, FeedsSnapshot } from '@shared/contract';
import type { FeedHealth } from '@shared/feed-state';
import { isObj } from './api/http';
import { isFeedHealth } from './api/feeds';
import type { SinergiSocket } from './socket';
import { classifyDelta, SyncEngine, syncSocketOf, type DeltaResult, type SyncChannel, type SyncStatus, type SyncStore } from './sync/engine';

/** `unknown` until the server answered; `forbidden` for a token that is not operator/admin (the UI hides). */
export type FeedsAccess = 'unknown' | 'allowed' | 'forbidden';

export const feedKey = (h: Pick<FeedHealth, 'source' | 'opd'>): string => JSON.stringify([h.source, h.opd]);

/** Bounded: one entry per source+OPD, at most `maxEntries` (the longest-unreported are dropped first). */
export class FeedsStore implements SyncStore<FeedsSnapshot, FeedsReported> {
  private readonly entries = new Map<string, FeedHealth>();
  private readonly listeners = new Set<() => void>();
  private _version = 0;
  private _access: FeedsAccess = 'unknown';
  private status: SyncStatus = 'idle';
  private seq = 0;
  private synced = false;
  private pending: FeedsReported[] = [];

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

  beginSync(): void {
    if (this.status === 'forbidden') return;
    this.status = 'syncing';
    this.pending = [];
  }

  applySnapshot(_key: string, snap: FeedsSnapshot): 'applied' | 'gap' {
    const pending = this.pending;
    this.pending = [];
    this.status = 'live';
    this.synced = true;
    this.seq = snap.seq;
    this.replace(snap.feeds.filter(isFeedHealth));
    this.setAccess('allowed');
    return this.replay(pending);
  }

  applyDelta(msg: FeedsReported): DeltaResult {
    const r = classifyDelta(this.status, this.seq, msg.seq);
    if (r === 'queued') this.pending.push(msg);
    else if (r === 'gap') {
      this.status = 'syncing';
      this.pending = [msg];
    } else if (r === 'applied') {
      this.seq = msg.seq;
      this.merge(msg.feeds.filter(isFeedHealth));
    }
    return r;
  }

  markFailed(_key: string, code: ErrorCode): void {
    this.pending = [];
    if (code === 'forbidden' || code === 'unauthenticated') {
      this.status = 'forbidden';
      this.setAccess('forbidden');
    } else this.status = 'error';
  }

  markIdle(): void {
    if (this.status === 'live' || this.status === 'syncing') this.status = 'idle';
    this.pending = [];
  }

  resumableSeq(): number | null {
    return this.synced && this.status !== 'forbidden' && this.status !== 'error' ? this.seq : null;
  }

  resume(): 'applied' | 'gap' {
    const pending = this.pending;
    this.pending = [];
    this.status = 'live';
    return this.replay(pending);
  }

  private replay(pending: FeedsReported[]): 'applied' | 'gap' {
    for (const d of pending.sort((a, b) => a.seq - b.seq)) if (this.applyDelta(d) === 'gap') return 'gap';
    return 'applied';
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
  ackTimeoutMs: number;
  retryDelayMs: number;
}

/** The feed-health channel for the sync engine (one key: the command center's feeds). */
export function feedsChannel(store: FeedsStore): SyncChannel<FeedsSnapshot, FeedsReported> {
  return {
    name: 'feeds',
    subscribeEvent: 'feeds:subscribe',
    deltaEvent: 'feeds:reported',
    keys: () => ['all'],
    request: (_key, since) => (since ? { since } : {}),
    keyOf: (msg) => (isObj(msg) && typeof msg.seq === 'number' && Array.isArray(msg.feeds) ? 'all' : null),
    snapshotOf: (_key, data) => (typeof data.seq === 'number' && Array.isArray(data.feeds) ? (data as unknown as FeedsSnapshot) : null),
    store,
  };
}

/** Glue between the `/live` socket and a FeedsStore: the sync engine with the feeds channel (`forbidden` hides the panel for good). */
export class FeedsSync {
  private readonly engine: SyncEngine;

  constructor(
    socket: SinergiSocket,
    readonly store = new FeedsStore(),
    opts: Partial<FeedsSyncOptions> = {},
  ) {
    this.engine = new SyncEngine(syncSocketOf(socket as never), [feedsChannel(this.store) as SyncChannel], {
      ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
      retryDelayMs: opts.retryDelayMs ?? 5_000,
    });
  }

  close(): void {
    this.engine.close();
  }
}
