/**
 * The one client sync engine (the server's one subscribe path, seen from the other end). For every channel
 * (points, events, alerts, feed health, …) and key it: subscribes on every connect (resuming from the seq it
 * holds when it can), feeds the snapshot and then the deltas to the channel's store, resubscribes a key whose
 * sequence shows a gap, resubscribes everything now and then, retries what failed except `forbidden`, ends a
 * key the server ended (`subscription:ended`), and discards answers of an older connection (`epoch`). A key the
 * server refused as `forbidden` stays refused (and hidden by its store) across reconnects and periodic resyncs:
 * asking again would only be refused again, forever; `resubscribe` (a caller that knows rights changed) or a new
 * engine (a new session) asks afresh.
 *
 * It talks to the socket through `SyncSocket` (four members; tests pass a fake) and to stores through
 * `SyncStore` (every store implements it): nothing here knows what a metric or an alert is.
 */
import { assertNever, ERROR_CODES, type Ack, type ErrorCode } from '@shared/ack';

/** What a store says of one delta. */
export type DeltaResult = 'applied' | 'queued' | 'stale' | 'gap' | 'ignored';

/** Where a key stands: `idle` until a subscription starts (and after a disconnect), `syncing` while one is in flight. */
export type SyncStatus = 'idle' | 'syncing' | 'live' | 'forbidden' | 'error';

/**
 * Pure: what a delta numbered `msgSeq` does to a key at (`status`, `seq`); undefined status: the key is not
 * tracked. A volatile delta (vehicle positions) past a gap is applied: what it replaces needs no history.
 * `prev`: the seq the delta follows when it stands for several (`/public`, shared/contract.ts `PointsAppended`);
 * absent, `msgSeq − 1`. It applies when the key holds any seq from `prev` to `msgSeq − 1`.
 */
export function classifyDelta(status: SyncStatus | undefined, seq: number, msgSeq: number, volatile = false, prev?: number): DeltaResult {
  switch (status) {
    case undefined:
    case 'idle':
    case 'forbidden':
    case 'error':
      return 'ignored';
    case 'syncing':
      return 'queued';
    case 'live':
      if (msgSeq <= seq) return 'stale';
      return (prev ?? msgSeq - 1) <= seq || volatile ? 'applied' : 'gap';
  }
}

/** The one interface of every live store (LiveStore, EventsStore, AlertsStore, FeedsStore). */
export interface SyncStore<Snap, Delta> {
  /** A (re)subscription is on its way: hold deltas until its snapshot arrives. */
  beginSync(key: string): void;
  /** The key's snapshot; deltas queued meanwhile are replayed. `gap`: the replay found a hole (resubscribe). */
  applySnapshot(key: string, snap: Snap): 'applied' | 'gap';
  applyDelta(delta: Delta): DeltaResult;
  markFailed(key: string, code: ErrorCode): void;
  /** The connection dropped: keep what is held (shown as ageing), expect a new subscription. */
  markIdle(): void;
  /** The seq held for `key` that a resume may start from (null: nothing held, a snapshot is needed). */
  resumableSeq(key: string): number | null;
  /** The server resumed `key` from the held seq: go live with what is held; the missed deltas follow. */
  resume(key: string): 'applied' | 'gap';
}

/** The four things the engine needs of a socket.io socket (tests pass a fake). */
export interface SyncSocket {
  readonly connected: boolean;
  on(event: string, fn: (...args: unknown[]) => void): unknown;
  off(event: string, fn: (...args: unknown[]) => void): unknown;
  /** Sends a request and waits for its acknowledgement (rejects after `timeoutMs`). */
  request(event: string, arg: unknown, timeoutMs: number): Promise<unknown>;
}

/** A channel as the engine drives it: its wire names, its keys, how to ask, and where answers go. */
export interface SyncChannel<Snap = unknown, Delta = unknown> {
  readonly name: string;
  readonly subscribeEvent: string;
  readonly deltaEvent: string;
  keys(): readonly string[];
  /** The request for one key (`since`: resume from these seqs of that epoch). */
  request(key: string, since: { epoch: string; seqs: Record<string, number> } | undefined): unknown;
  /** The key a delta belongs to (null: malformed, dropped). */
  keyOf(delta: unknown): string | null;
  /** The key's snapshot in an answer (null: the answer does not carry it). */
  snapshotOf(key: string, data: Record<string, unknown>): Snap | null;
  readonly store: SyncStore<Snap, Delta>;
}

export interface SyncOptions {
  ackTimeoutMs: number;
  retryDelayMs: number;
  /** Everything is subscribed again this often even without a gap (belt and braces). */
  resyncIntervalMs: number;
  /**
   * Subscriptions due in the same turn go out as one request (`channels:subscribe`, at most `maxItems` each)
   * instead of one per key: a page that opens with ten keys sends one request and gets one acknowledgement.
   * Each item is answered on its own, so a refused key still fails alone. Off (undefined): one request per key.
   */
  batch?: { event: string; maxItems: number } | undefined;
}

export const DEFAULT_SYNC_OPTIONS: Readonly<SyncOptions> = Object.freeze({ ackTimeoutMs: 10_000, retryDelayMs: 5_000, resyncIntervalMs: 5 * 60_000 });

/** One subscription on its way: which key, and the request its channel made for it. */
interface Pending {
  ch: SyncChannel;
  key: string;
  id: string;
  request: unknown;
}

/**
 * Pure: what a batch's answer says of each of its `n` items — the item's own acknowledgement, or the code it
 * fails with. `fallback`: the server does not know batches (an older server refuses the event as `not_found`):
 * send the items one by one instead.
 */
export function batchOutcome(
  res: unknown,
  n: number,
): { kind: 'items'; results: unknown[] } | { kind: 'fallback' } | { kind: 'failed'; code: ErrorCode } {
  if (!isAck(res)) return { kind: 'failed', code: 'internal' };
  if (!res.ok) return res.error.code === 'not_found' ? { kind: 'fallback' } : { kind: 'failed', code: res.error.code };
  const results = res.data.results;
  if (!Array.isArray(results) || results.length !== n) return { kind: 'failed', code: 'internal' };
  return { kind: 'items', results };
}

/** Observations for test hooks and metrics. */
export interface SyncObserver {
  resync?(channel: string, key: string): void;
  snapshot?(channel: string, key: string): void;
  delta?(channel: string, delta: unknown, result: DeltaResult): void;
}

export function isAck(x: unknown): x is Ack<Record<string, unknown>> {
  if (typeof x !== 'object' || x === null || !('ok' in x)) return false;
  const a = x as { ok: unknown; data?: unknown; error?: { code?: unknown } };
  if (a.ok === true) return typeof a.data === 'object' && a.data !== null;
  return a.ok === false && typeof a.error?.code === 'string' && (ERROR_CODES as readonly string[]).includes(a.error.code);
}

const idOf = (ch: SyncChannel, key: string) => `${ch.name}\u0000${key}`;

export class SyncEngine {
  private readonly channels = new Map<string, SyncChannel>();
  private readonly inFlight = new Set<string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly deltaHandlers = new Map<string, (msg: unknown) => void>();
  private resyncTimer: ReturnType<typeof setInterval> | null = null;
  /** Bumped on every connect and disconnect: answers of an older connection are discarded. */
  private epoch = 0;
  /** The hub epoch each channel's last answer named (a resume must name it). */
  private readonly hubEpoch = new Map<string, string>();
  /** Keys (`channel\0key`) the server refused as forbidden: not asked for again by reconnects or resyncs. */
  private readonly refused = new Set<string>();
  private readonly opts: SyncOptions;
  /** Subscriptions due this turn, sent together when batching (cleared with the connection). */
  private queue: Pending[] = [];
  /** Keys waiting for the retry timer (one entry per failed request; a key asked twice is sent once: `inFlight`). */
  private retries: { ch: SyncChannel; key: string }[] = [];
  /** The server refused the batch event (an older server): one request per key from now on. */
  private batchUnsupported = false;

  constructor(
    private readonly socket: SyncSocket,
    channels: readonly SyncChannel[],
    opts: Partial<SyncOptions> = {},
    private readonly observer: SyncObserver = {},
  ) {
    this.opts = { ...DEFAULT_SYNC_OPTIONS, ...opts };
    for (const ch of channels) {
      this.channels.set(ch.name, ch);
      const onDelta = (msg: unknown) => this.onDelta(ch, msg);
      this.deltaHandlers.set(ch.name, onDelta);
      socket.on(ch.deltaEvent, onDelta);
    }
    socket.on('connect', this.onConnect);
    socket.on('disconnect', this.onDisconnect);
    socket.on('subscription:ended', this.onEnded);
    if (socket.connected) this.onConnect();
  }

  close(): void {
    for (const ch of this.channels.values()) this.socket.off(ch.deltaEvent, this.deltaHandlers.get(ch.name)!);
    this.socket.off('connect', this.onConnect);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('subscription:ended', this.onEnded);
    this.stop();
  }

  /** Subscribes one key again now (a caller that knows its data is stale). */
  resubscribe(channel: string, key: string): void {
    const ch = this.channels.get(channel);
    if (!ch) return;
    this.refused.delete(idOf(ch, key));
    this.subscribe(ch, key);
  }

  /** Whether the server refused `key` of `channel` as forbidden (it is not asked for again). */
  isRefused(channel: string, key: string): boolean {
    return this.refused.has(`${channel}\u0000${key}`);
  }

  private stop(): void {
    this.epoch++;
    this.inFlight.clear();
    this.queue = [];
    this.retries = [];
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = null;
  }

  private readonly onConnect = (): void => {
    this.stop();
    this.subscribeAll(true);
    this.resyncTimer = setInterval(() => this.subscribeAll(false), this.opts.resyncIntervalMs);
  };

  private readonly onDisconnect = (): void => {
    this.stop();
    for (const ch of this.channels.values()) ch.store.markIdle();
  };

  private readonly onEnded = (msg: unknown): void => {
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { channel?: unknown; key?: unknown; code?: unknown };
    const ch = typeof m.channel === 'string' ? this.channels.get(m.channel) : undefined;
    if (!ch || typeof m.key !== 'string' || !ch.keys().includes(m.key)) return;
    const code = (ERROR_CODES as readonly string[]).includes(m.code as string) ? (m.code as ErrorCode) : 'forbidden';
    this.fail(ch, m.key, code);
  };

  private onDelta(ch: SyncChannel, msg: unknown): void {
    const key = ch.keyOf(msg);
    if (key === null) return;
    const r = ch.store.applyDelta(msg);
    this.observer.delta?.(ch.name, msg, r);
    if (r === 'gap') this.subscribe(ch, key);
  }

  /** `resume`: right after a connect, keys that hold data ask to continue from their seq. */
  private subscribeAll(resume: boolean): void {
    // each key is its own subscription (batched or not, a forbidden key fails alone)
    for (const ch of this.channels.values()) for (const key of ch.keys()) if (!this.refused.has(idOf(ch, key))) this.subscribe(ch, key, resume);
  }

  private subscribe(ch: SyncChannel, key: string, resume = false): void {
    const id = idOf(ch, key);
    if (this.inFlight.has(id) || !this.socket.connected) return;
    const held = resume ? ch.store.resumableSeq(key) : null;
    const hubEpoch = this.hubEpoch.get(ch.name);
    const since = held !== null && hubEpoch ? { epoch: hubEpoch, seqs: { [key]: held } } : undefined;
    this.inFlight.add(id);
    ch.store.beginSync(key);
    this.observer.resync?.(ch.name, key);
    const item: Pending = { ch, key, id, request: ch.request(key, since) };
    if (!this.opts.batch || this.batchUnsupported) return this.sendOne(item);
    // everything due in this turn (a connect, a resync, retries of one failure) leaves as one request
    this.queue.push(item);
    if (this.queue.length === 1) {
      const epoch = this.epoch;
      queueMicrotask(() => epoch === this.epoch && this.flush());
    }
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    const max = Math.max(1, this.opts.batch?.maxItems ?? 1);
    for (let i = 0; i < items.length; i += max) {
      const chunk = items.slice(i, i + max);
      if (chunk.length === 1) this.sendOne(chunk[0]!);
      else this.sendBatch(chunk);
    }
  }

  private sendOne(item: Pending): void {
    const epoch = this.epoch;
    this.socket.request(item.ch.subscribeEvent, item.request, this.opts.ackTimeoutMs).then(
      (res) => epoch === this.epoch && this.settle(item, res),
      // no answer in time: keep the data as it is and try again while connected
      () => epoch === this.epoch && this.settle(item, null, 'unavailable'),
    );
  }

  private sendBatch(items: Pending[]): void {
    const epoch = this.epoch;
    const req = { items: items.map((p) => ({ channel: p.ch.name, request: p.request })) };
    this.socket.request(this.opts.batch!.event, req, this.opts.ackTimeoutMs).then(
      (res) => {
        if (epoch !== this.epoch) return; // an answer of an older connection
        const out = batchOutcome(res, items.length);
        switch (out.kind) {
          case 'items':
            return items.forEach((p, i) => this.settle(p, out.results[i]));
          case 'fallback':
            this.batchUnsupported = true;
            return items.forEach((p) => this.sendOne(p));
          case 'failed':
            return items.forEach((p) => this.settle(p, null, out.code));
          default:
            return assertNever(out);
        }
      },
      () => epoch === this.epoch && items.forEach((p) => this.settle(p, null, 'unavailable')),
    );
  }

  /** One key's answer (its own acknowledgement, alone or from a batch), or the code its request failed with. */
  private settle({ ch, key, id }: Pending, res: unknown, failed?: ErrorCode): void {
    this.inFlight.delete(id);
    if (failed) return this.fail(ch, key, failed);
    if (!isAck(res)) return this.fail(ch, key, 'internal');
    if (!res.ok) return this.fail(ch, key, res.error.code);
    const data = res.data;
    if (typeof data.epoch === 'string') this.hubEpoch.set(ch.name, data.epoch);
    let r: 'applied' | 'gap';
    if (Array.isArray(data.resumed) && data.resumed.includes(key)) r = ch.store.resume(key);
    else {
      const snap = ch.snapshotOf(key, data);
      if (snap === null) return this.fail(ch, key, 'not_found');
      r = ch.store.applySnapshot(key, snap);
      this.observer.snapshot?.(ch.name, key);
    }
    if (r === 'gap') this.subscribe(ch, key);
  }

  private fail(ch: SyncChannel, key: string, code: ErrorCode): void {
    ch.store.markFailed(key, code);
    // forbidden stops, also across reconnects: rights change on the server, and a new session starts over
    if (code === 'forbidden') this.refused.add(idOf(ch, key));
    if (code === 'forbidden' || code === 'unauthenticated') return;
    // keys that failed together (one batch, one outage) are retried together: one timer, one request when batching
    this.retries.push({ ch, key });
    if (this.retries.length > 1) return;
    const epoch = this.epoch;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const due = this.retries;
      this.retries = [];
      if (epoch === this.epoch) for (const r of due) this.subscribe(r.ch, r.key);
    }, this.opts.retryDelayMs);
    this.timers.add(t);
  }
}

/** The engine's socket over a socket.io client socket. */
export function syncSocketOf(socket: {
  readonly connected: boolean;
  on(event: string, fn: (...args: unknown[]) => void): unknown;
  off(event: string, fn: (...args: unknown[]) => void): unknown;
  timeout(ms: number): { emitWithAck(event: string, arg: unknown): Promise<unknown> };
}): SyncSocket {
  return {
    get connected() {
      return socket.connected;
    },
    on: (e, fn) => socket.on(e, fn),
    off: (e, fn) => socket.off(e, fn),
    request: (e, arg, ms) => socket.timeout(ms).emitWithAck(e, arg),
  };
}
