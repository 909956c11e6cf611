/**
 * Client-side state of subscribed event kinds (complaints, flood reports, milestones):
 * counts by status and a bounded list of the most recently changed events.
 * Same discipline as LiveStore: snapshot, then deltas in sequence; a gap means resubscribe.
 */
import type { EventKind } from '@shared/catalog';
import type { EventsChanged, EventsSnapshot, WireEvent } from '@shared/contract';
import type { ErrorCode } from '@shared/ack';
import type { MetricStatus } from './live-store';
import { classifyDelta, type DeltaResult } from './sync/engine';
import { defaultLiveOptions, type LiveOptions } from './live-options';

export interface EventKindState {
  readonly code: string;
  readonly status: MetricStatus;
  readonly error: ErrorCode | null;
  readonly kind: EventKind | null;
  readonly seq: number;
  readonly countsByStatus: Readonly<Record<string, number>>;
  /** Newest first, bounded by `maxRecentEvents`. */
  readonly recent: readonly WireEvent[];
  readonly newestT: number | null;
  /**
   * Open positioned events (every change seen, merged with each snapshot's open ones), newest change last,
   * bounded by `maxLocatedEvents` (0: none kept). An event leaves when a change to one of its kind's closed
   * statuses arrives, so a wall left running holds the city's open items, not every item it ever saw. A new
   * array only when it changed, so maps can compare by reference. An event closed while the socket was down
   * keeps its last open status until it is evicted by the bound.
   */
  readonly located: readonly WireEvent[];
}

interface MutableKind {
  code: string;
  status: MetricStatus;
  error: ErrorCode | null;
  kind: EventKind | null;
  seq: number;
  countsByStatus: Record<string, number>;
  recent: WireEvent[];
  /** Last known status of every event seen since the snapshot (bounded like `recent` × 20). */
  known: Map<string, string>;
  newestT: number | null;
  pending: EventsChanged[];
  locatedById: Map<string, WireEvent>;
  located: WireEvent[];
}

export class EventsStore {
  readonly options: LiveOptions;
  private readonly kinds = new Map<string, MutableKind>();
  private readonly listeners = new Set<() => void>();
  private _version = 0;

  constructor(options: Partial<LiveOptions> = {}) {
    this.options = { ...defaultLiveOptions(), ...options };
  }

  get version(): number {
    return this._version;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(code: string): EventKindState | undefined {
    return this.kinds.get(code);
  }

  /** How many events' last status the kind remembers (bounded: `maxRecentEvents` × 20). */
  knownCount(code: string): number {
    return this.kinds.get(code)?.known.size ?? 0;
  }

  codes(): string[] {
    return [...this.kinds.keys()];
  }

  track(code: string): void {
    if (!this.kinds.has(code)) {
      this.kinds.set(code, {
        code,
        status: 'idle',
        error: null,
        kind: null,
        seq: 0,
        countsByStatus: {},
        recent: [],
        known: new Map(),
        newestT: null,
        pending: [],
        locatedById: new Map(),
        located: [],
      });
      this.changed();
    }
  }

  beginSync(code: string): void {
    this.track(code);
    const k = this.kinds.get(code)!;
    k.status = 'syncing';
    k.error = null;
    k.pending = [];
    this.changed();
  }

  markAllIdle(): void {
    for (const k of this.kinds.values()) {
      if (k.status === 'live' || k.status === 'syncing') {
        k.status = 'idle';
        k.pending = [];
      }
    }
    this.changed();
  }

  markFailed(code: string, error: ErrorCode): void {
    this.track(code);
    const k = this.kinds.get(code)!;
    k.status = error === 'forbidden' ? 'forbidden' : 'error';
    k.error = error;
    k.pending = [];
    if (error === 'forbidden') {
      k.recent = [];
      k.countsByStatus = {};
      k.known = new Map();
      k.newestT = null;
      k.locatedById = new Map();
      k.located = [];
    }
    this.changed();
  }

  /** Applies every kind of an events snapshot; returns the kinds whose replay found a gap. */
  applySnapshot(snap: EventsSnapshot): string[] {
    const gaps: string[] = [];
    for (const ks of snap.kinds) {
      this.track(ks.kind.code);
      const k = this.kinds.get(ks.kind.code)!;
      const pending = k.pending;
      k.kind = ks.kind;
      k.seq = ks.seq;
      k.status = 'live';
      k.error = null;
      k.pending = [];
      k.countsByStatus = { ...ks.countsByStatus };
      const open = [...ks.open].sort((a, b) => b.t - a.t);
      k.recent = open.slice(0, this.options.maxRecentEvents);
      k.known = new Map(open.map((e) => [e.id, e.status]));
      k.newestT = open[0]?.t ?? null;
      if (this.options.maxLocatedEvents > 0) {
        // Merged, not replaced: a snapshot carries at most a few hundred open events, and a density map
        // must not drop to those on every resync. Oldest first, so the newest survive the bound.
        for (let i = open.length - 1; i >= 0; i--) this.locate(k, open[i]!);
        this.trimLocated(k);
      }
      if (this.replay(k, pending) === 'gap') gaps.push(k.code);
    }
    this.changed();
    return gaps;
  }

  /** The seq a resume may start from (null: no snapshot yet, or its data was dropped). */
  resumableSeq(code: string): number | null {
    const k = this.kinds.get(code);
    return k && k.kind !== null && (k.status === 'idle' || k.status === 'syncing' || k.status === 'live') ? k.seq : null;
  }

  /** The server resumed from the held seq: live again with what is held, deltas queued meanwhile replayed. */
  resume(code: string): 'applied' | 'gap' {
    const k = this.kinds.get(code);
    if (!k) return 'gap';
    const pending = k.pending;
    k.status = 'live';
    k.error = null;
    k.pending = [];
    const r = this.replay(k, pending);
    this.changed();
    return r;
  }

  private replay(k: MutableKind, pending: EventsChanged[]): 'applied' | 'gap' {
    for (const d of pending.sort((a, b) => a.seq - b.seq)) {
      const r = classifyDelta(k.status, k.seq, d.seq);
      if (r === 'stale') continue;
      if (r === 'gap') {
        k.status = 'syncing';
        return 'gap';
      }
      this.applyInto(k, d);
    }
    return 'applied';
  }

  applyDelta(msg: EventsChanged): DeltaResult {
    const k = this.kinds.get(msg.kind);
    const r = classifyDelta(k?.status, k?.seq ?? 0, msg.seq);
    if (!k || r === 'ignored' || r === 'stale') return r;
    if (r === 'queued') {
      if (k.pending.length < this.options.maxPendingDeltas) k.pending.push(msg);
      return r;
    }
    if (r === 'gap') {
      k.status = 'syncing';
      k.pending = [msg];
      this.changed();
      return 'gap';
    }
    this.applyInto(k, msg);
    this.changed();
    return 'applied';
  }

  private applyInto(k: MutableKind, msg: EventsChanged): void {
    k.seq = msg.seq;
    const counts = { ...k.countsByStatus };
    let recent = k.recent;
    let located = false;
    for (const e of msg.events) {
      const prev = k.known.get(e.id);
      if (prev !== undefined && prev !== e.status) counts[prev] = Math.max(0, (counts[prev] ?? 0) - 1);
      if (prev !== e.status) counts[e.status] = (counts[e.status] ?? 0) + 1;
      k.known.delete(e.id);
      k.known.set(e.id, e.status);
      recent = [e, ...recent.filter((r) => r.id !== e.id)];
      if (k.newestT === null || e.t > k.newestT) k.newestT = e.t;
      if (this.options.maxLocatedEvents > 0 && this.locate(k, e)) located = true;
    }
    if (located) this.trimLocated(k);
    k.countsByStatus = counts;
    k.recent = recent.slice(0, this.options.maxRecentEvents);
    const maxKnown = this.options.maxRecentEvents * 20;
    if (k.known.size > maxKnown) {
      // Map iteration is insertion order, and updates re-insert: the first keys are the least recent.
      let excess = k.known.size - maxKnown;
      for (const id of k.known.keys()) {
        if (excess-- <= 0) break;
        k.known.delete(id);
      }
    }
  }

  /** Whether the event changed the located list: a positioned open one enters (or moves), a closed one leaves. */
  private locate(k: MutableKind, e: WireEvent): boolean {
    if (k.kind?.closedStatuses.includes(e.status)) return k.locatedById.delete(e.id);
    if (e.lon === null || e.lat === null || !Number.isFinite(e.lon) || !Number.isFinite(e.lat)) return false;
    k.locatedById.delete(e.id);
    k.locatedById.set(e.id, e);
    return true;
  }

  private trimLocated(k: MutableKind): void {
    let excess = k.locatedById.size - this.options.maxLocatedEvents;
    for (const id of k.locatedById.keys()) {
      if (excess-- <= 0) break;
      k.locatedById.delete(id);
    }
    k.located = [...k.locatedById.values()];
  }

  private changed(): void {
    this._version++;
    for (const l of this.listeners) l();
  }
}
