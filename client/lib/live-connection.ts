/**
 * A live connection for a surface: the socket's state for the status indicator, and the sync engine
 * (sync/engine.ts) with the points and events channels feeding a LiveStore and an EventsStore. The stores
 * never see the socket; charts and layers read the stores.
 */
import type { ErrorCode } from '@shared/ack';
import {
  MAX_SNAPSHOT_OPEN_EVENTS,
  type EventsChanged,
  type EventsSnapshot,
  type MetricSnapshot,
  type PointsAppended,
  type SessionEndReason,
} from '@shared/contract';
import { MAX_BATCH_ITEMS } from '@shared/schemas';
import type { SinergiSocket } from './socket';
import { LiveStore } from './live-store';
import { EventsStore } from './events-store';
import { recordDeltaApplied, recordResync, recordSnapshotApplied, setBodyState } from './test-hooks';
import { SyncEngine, syncSocketOf, type SyncChannel, type SyncStore } from './sync/engine';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'unauthenticated';

export interface LiveConnectionConfig {
  metrics: readonly string[];
  eventKinds?: readonly string[];
  /** The purpose stated when subscribing to a metric shared with the caller under an agreement (by metric code). */
  purposes?: Readonly<Record<string, string>>;
  /** More channels on the same engine (the citizen page's notices), subscribed with the metrics. */
  channels?: readonly SyncChannel[];
  /**
   * Send the subscriptions due together as one `channels:subscribe` request (the citizen page, issue 18: a crowd
   * opening the page costs the server one request per phone, not ten). Other surfaces keep one request per key.
   */
  batch?: boolean;
}

/** The points channel for the sync engine: one key per metric, the LiveStore behind the store interface. */
export function pointsChannel(
  store: LiveStore,
  metrics: readonly string[],
  purposes: Readonly<Record<string, string>> = {},
): SyncChannel<{ snap: MetricSnapshot; serverTime: number }, PointsAppended> {
  const syncStore: SyncStore<{ snap: MetricSnapshot; serverTime: number }, PointsAppended> = {
    beginSync: (code) => store.beginSync(code),
    applySnapshot: (_code, { snap, serverTime }) => store.applySnapshot(snap, serverTime),
    applyDelta: (msg) => store.applyDelta(msg),
    markFailed: (code, error: ErrorCode) => store.markFailed(code, error),
    markIdle: () => store.markAllIdle(),
    resumableSeq: (code) => store.resumableSeq(code),
    resume: (code) => store.resume(code),
  };
  return {
    name: 'points',
    subscribeEvent: 'series:subscribe',
    deltaEvent: 'points:appended',
    keys: () => metrics,
    request: (metric, since) => ({
      metrics: [metric],
      historyMinutes: store.options.historyMinutes,
      ...(purposes[metric] ? { purpose: purposes[metric] } : {}),
      ...(since ? { since } : {}),
    }),
    keyOf: (msg) => (typeof (msg as PointsAppended | null)?.metric === 'string' ? (msg as PointsAppended).metric : null),
    snapshotOf: (metric, data) => {
      const snap = Array.isArray(data.metrics) ? (data.metrics as MetricSnapshot[]).find((m) => m?.metric?.code === metric) : undefined;
      return snap ? { snap, serverTime: typeof data.serverTime === 'number' ? data.serverTime : Date.now() } : null;
    },
    store: syncStore,
  };
}

/** The events channel for the sync engine: one key per event kind, the EventsStore behind the store interface. */
export function eventsChannel(store: EventsStore, kinds: readonly string[]): SyncChannel<EventsSnapshot['kinds'][number], EventsChanged> {
  // a density map keeps up to maxLocatedEvents open events: its snapshot brings as many (others: the default)
  const located = Math.min(store.options.maxLocatedEvents, MAX_SNAPSHOT_OPEN_EVENTS);
  return {
    name: 'events',
    subscribeEvent: 'events:subscribe',
    deltaEvent: 'events:changed',
    keys: () => kinds,
    request: (kind, since) => ({ kinds: [kind], ...(located > 0 ? { open: located } : {}), ...(since ? { since } : {}) }),
    keyOf: (msg) => (typeof (msg as EventsChanged | null)?.kind === 'string' ? (msg as EventsChanged).kind : null),
    snapshotOf: (kind, data) =>
      Array.isArray(data.kinds) ? ((data.kinds as EventsSnapshot['kinds']).find((k) => k?.kind?.code === kind) ?? null) : null,
    store: {
      beginSync: (kind) => store.beginSync(kind),
      applySnapshot: (kind, ks) => (store.applySnapshot({ serverTime: Date.now(), kinds: [ks] }).includes(kind) ? 'gap' : 'applied'),
      applyDelta: (msg) => store.applyDelta(msg),
      markFailed: (kind, code) => store.markFailed(kind, code),
      markIdle: () => store.markAllIdle(),
      resumableSeq: (kind) => store.resumableSeq(kind),
      resume: (kind) => store.resume(kind),
    },
  };
}

export class LiveConnection {
  readonly store: LiveStore;
  readonly events: EventsStore;
  private readonly socket: SinergiSocket;
  private readonly engine: SyncEngine;
  private _state: ConnectionState = 'connecting';
  private _sessionEnded: { reason: SessionEndReason; message: string } | null = null;
  private _everConnected = false;
  private _lastChange = Date.now();
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private pruneTimer: ReturnType<typeof setInterval> | null = null;

  /** The keys the channels ask for; `watch` adds to them (the channels read these arrays on every resync). */
  private readonly metrics: string[];
  private readonly eventKinds: string[];

  constructor(socket: SinergiSocket, config: LiveConnectionConfig, store = new LiveStore(), events = new EventsStore(store.options)) {
    this.socket = socket;
    this.store = store;
    this.events = events;
    const metrics = (this.metrics = [...new Set(config.metrics)]);
    const eventKinds = (this.eventKinds = [...new Set(config.eventKinds ?? [])]);
    for (const m of metrics) store.track(m);
    for (const k of eventKinds) events.track(k);

    // the state listeners go first: the engine's connect handler then sees a connected state
    socket.on('connect', this.onConnect);
    socket.on('disconnect', this.onDisconnect);
    socket.on('connect_error', this.onConnectError);
    // the server re-judges permissions while connected: a session that ended (expired, revoked, account
    // disabled, role changed) ends the socket with its reason (a subscription that ended: the engine)
    socket.on('session:ended', this.onSessionEnded);
    this.engine = new SyncEngine(
      syncSocketOf(socket as never),
      [pointsChannel(store, metrics, config.purposes) as SyncChannel, eventsChannel(events, eventKinds) as SyncChannel, ...(config.channels ?? [])],
      {
        ackTimeoutMs: store.options.ackTimeoutMs,
        retryDelayMs: store.options.retryDelayMs,
        resyncIntervalMs: store.options.resyncIntervalMs,
        batch: config.batch ? { event: 'channels:subscribe', maxItems: MAX_BATCH_ITEMS } : undefined,
      },
      {
        resync: () => recordResync(),
        snapshot: (channel) => channel === 'points' && recordSnapshotApplied(),
        delta: (channel, msg, r) => channel === 'points' && r === 'applied' && recordDeltaApplied((msg as PointsAppended).points.length),
      },
    );
    setBodyState('conn', 'disconnected');
    this.pruneTimer = setInterval(() => this.store.prune(), 30_000);
    if (socket.connected) this.onConnect();
  }

  /**
   * Subscribes to more metrics and event kinds on this connection (a wall scene that names a catalog code the
   * built-in panels do not read); codes already followed are left as they are. Bounded by the caller: the
   * scenes schema caps panels, and each code is one subscription.
   */
  watch(codes: { metrics?: readonly string[]; eventKinds?: readonly string[] }): void {
    for (const m of codes.metrics ?? []) {
      if (this.metrics.includes(m)) continue;
      this.metrics.push(m);
      this.store.track(m);
      this.engine.resubscribe('points', m);
    }
    for (const k of codes.eventKinds ?? []) {
      if (this.eventKinds.includes(k)) continue;
      this.eventKinds.push(k);
      this.events.track(k);
      this.engine.resubscribe('events', k);
    }
  }

  /**
   * Calls `listener` when the server says the catalog changed (`catalog:changed`: an admin edited metrics, event
   * kinds or the wall's scenes; signed-in sockets hear it from connection). Returns the unsubscribe.
   */
  onCatalogChanged(listener: (version: number) => void): () => void {
    const h = (m: { version: number }) => listener(m.version);
    this.socket.on('catalog:changed', h);
    return () => void this.socket.off('catalog:changed', h);
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Why the server ended this socket's session, when it did (shown with the sign-in prompt). */
  get sessionEnded(): { reason: SessionEndReason; message: string } | null {
    return this._sessionEnded;
  }

  /** Whether the socket was connected at least once (distinguishes "connecting…" from "lost"). */
  get everConnected(): boolean {
    return this._everConnected;
  }

  /** When the state last changed (local clock). */
  get lastChange(): number {
    return this._lastChange;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.engine.close();
    this.socket.off('connect', this.onConnect);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('connect_error', this.onConnectError);
    this.socket.off('session:ended', this.onSessionEnded);
    this.socket.disconnect();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
  }

  private setState(s: ConnectionState): void {
    if (s === this._state) return;
    this._state = s;
    this._lastChange = Date.now();
    setBodyState('conn', s === 'connected' ? 'connected' : 'disconnected');
    for (const l of this.listeners) l();
  }

  private readonly onSessionEnded = (msg: { reason: SessionEndReason; message: string }): void => {
    this._sessionEnded = msg;
    this.setState('unauthenticated');
  };

  private readonly onConnect = (): void => {
    this._everConnected = true;
    this.setState('connected');
  };

  private readonly onDisconnect = (): void => {
    this.setState(this._sessionEnded ? 'unauthenticated' : 'disconnected');
  };

  private readonly onConnectError = (err: Error): void => {
    if (err.message === 'unauthenticated') {
      this.setState('unauthenticated');
      return;
    }
    this.setState('disconnected');
    // An error from the server's middleware (e.g. 'unavailable' while its database is down) stops
    // socket.io's automatic reconnection; transport errors do not. Retry the former ourselves.
    if (!this.socket.active) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.socket.connect();
      }, this.store.options.retryDelayMs);
      this.timers.add(t);
    }
  };
}
