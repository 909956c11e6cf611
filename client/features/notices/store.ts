/**
 * Public notices on the client (issue 21), through the one sync engine: a `notices:subscribe` snapshot on every
 * (re)connect (or a resume), then `notices:changed` in sequence; a gap resubscribes. The store keeps the notices
 * not withdrawn and not ended (bounded), each at its highest version; what is shown is decided at render time
 * with `noticeCurrent(n, now)`, so a notice leaves the page when its window ends even without a message.
 */
import type { ErrorCode } from '@shared/ack';
import type { NoticesChanged, NoticesSnapshot, WireNotice } from '@shared/notices';
import { noticeCurrent, wireNoticeSchema } from '@shared/notices';
import { isObj } from '../../lib/api/http';
import type { SinergiSocket } from '../../lib/socket';
import { classifyDelta, SyncEngine, syncSocketOf, type DeltaResult, type SyncChannel, type SyncStatus, type SyncStore } from '../../lib/sync/engine';

export const NOTICES_KEY = 'notices';

const valid = (xs: readonly unknown[]): WireNotice[] => xs.flatMap((x) => (wireNoticeSchema.safeParse(x).success ? [x as WireNotice] : []));

/** Pure: the held notices after a change (higher versions win; withdrawn and ended ones leave; at most `max`). */
export function applyNotices(
  held: ReadonlyMap<number, WireNotice>,
  changes: readonly WireNotice[],
  now: number,
  max: number,
): Map<number, WireNotice> {
  const out = new Map(held);
  for (const n of changes) {
    const cur = out.get(n.id);
    if (cur && cur.version > n.version) continue;
    if (noticeCurrent(n, now)) out.set(n.id, n);
    else out.delete(n.id);
  }
  if (out.size <= max) return out;
  // keep the ones ending last (a flood of announcements drops the soonest-ending first)
  return new Map([...out].sort((a, b) => b[1].validUntil - a[1].validUntil).slice(0, max));
}

/** Newest first: in force before announced, then by start. */
export const noticeOrder = (a: WireNotice, b: WireNotice): number => b.validFrom - a.validFrom || b.id - a.id;

export class NoticesStore implements SyncStore<NoticesSnapshot, NoticesChanged> {
  private entries = new Map<number, WireNotice>();
  private readonly listeners = new Set<() => void>();
  private _version = 0;
  private status: SyncStatus = 'idle';
  private seq = 0;
  private synced = false;
  private pending: NoticesChanged[] = [];

  constructor(
    readonly maxEntries = 100,
    private readonly clock: () => number = Date.now,
  ) {}

  get version(): number {
    return this._version;
  }

  /** Whether the first snapshot arrived (the panel says "none" only then). */
  get loaded(): boolean {
    return this.synced;
  }

  /** The notices current at `now`, newest first. */
  list(now = this.clock()): WireNotice[] {
    return [...this.entries.values()].filter((n) => noticeCurrent(n, now)).sort(noticeOrder);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  beginSync(): void {
    this.status = 'syncing';
    this.pending = [];
  }

  applySnapshot(_key: string, snap: NoticesSnapshot): 'applied' | 'gap' {
    const pending = this.pending;
    this.pending = [];
    this.status = 'live';
    this.synced = true;
    this.seq = snap.seq;
    this.entries = applyNotices(new Map(), valid(snap.notices), this.clock(), this.maxEntries);
    this.changed();
    return this.replay(pending);
  }

  applyDelta(msg: NoticesChanged): DeltaResult {
    const r = classifyDelta(this.status, this.seq, msg.seq);
    if (r === 'queued') this.pending.push(msg);
    else if (r === 'gap') {
      this.status = 'syncing';
      this.pending = [msg];
    } else if (r === 'applied') {
      this.seq = msg.seq;
      this.entries = applyNotices(this.entries, valid(msg.notices), this.clock(), this.maxEntries);
      this.changed();
    }
    return r;
  }

  markFailed(_key: string, _code: ErrorCode): void {
    this.pending = [];
    this.status = 'error';
  }

  markIdle(): void {
    if (this.status === 'live' || this.status === 'syncing') this.status = 'idle';
    this.pending = [];
  }

  resumableSeq(): number | null {
    return this.synced && this.status !== 'error' ? this.seq : null;
  }

  resume(): 'applied' | 'gap' {
    const pending = this.pending;
    this.pending = [];
    this.status = 'live';
    return this.replay(pending);
  }

  private replay(pending: NoticesChanged[]): 'applied' | 'gap' {
    for (const d of pending.sort((a, b) => a.seq - b.seq)) if (this.applyDelta(d) === 'gap') return 'gap';
    return 'applied';
  }

  private changed(): void {
    this._version++;
    for (const l of this.listeners) l();
  }
}

/** The notices channel for the sync engine (one key, one room on the server). */
export function noticesChannel(store: NoticesStore): SyncChannel<NoticesSnapshot, NoticesChanged> {
  return {
    name: 'notices',
    subscribeEvent: 'notices:subscribe',
    deltaEvent: 'notices:changed',
    keys: () => [NOTICES_KEY],
    request: (_key, since) => (since ? { since } : {}),
    keyOf: (msg) => (isObj(msg) && typeof msg.seq === 'number' && Array.isArray(msg.notices) ? NOTICES_KEY : null),
    snapshotOf: (_key, data) => (typeof data.seq === 'number' && Array.isArray(data.notices) ? (data as unknown as NoticesSnapshot) : null),
    store,
  };
}

/** The sync engine with the notices channel on a socket (`/public` or `/live`). */
export class NoticesSync {
  private readonly engine: SyncEngine;

  constructor(
    socket: SinergiSocket,
    readonly store = new NoticesStore(),
  ) {
    this.engine = new SyncEngine(syncSocketOf(socket as never), [noticesChannel(this.store) as SyncChannel], {
      ackTimeoutMs: 10_000,
      retryDelayMs: 5_000,
    });
  }

  close(): void {
    this.engine.close();
  }
}
