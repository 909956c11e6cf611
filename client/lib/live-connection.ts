/**
 * Glue between a socket and the stores: (re)subscribes on every connect, applies deltas, resubscribes a
 * metric when its sequence has a gap, and resubscribes everything periodically. Exposes the connection
 * state for the status indicator. The stores never see the socket; charts and layers read the stores.
 */
import type { Ack, ErrorCode } from '@shared/ack';
import { ERROR_CODES } from '@shared/ack';
import { MAX_SNAPSHOT_OPEN_EVENTS, type EventsSnapshot, type SessionEndReason, type Snapshot } from '@shared/contract';
import type { SinergiSocket } from './socket';
import { LiveStore } from './live-store';
import { EventsStore } from './events-store';
import { recordDeltaApplied, recordResync, recordSnapshotApplied, setBodyState } from './test-hooks';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'unauthenticated';

export interface LiveConnectionConfig {
  metrics: readonly string[];
  eventKinds?: readonly string[];
  /** The purpose stated when subscribing to a metric shared with the caller under an agreement (by metric code). */
  purposes?: Readonly<Record<string, string>>;
}

export class LiveConnection {
  readonly store: LiveStore;
  readonly events: EventsStore;
  private readonly socket: SinergiSocket;
  private readonly metrics: string[];
  private readonly eventKinds: string[];
  private readonly purposes: Readonly<Record<string, string>>;
  private _state: ConnectionState = 'connecting';
  private _sessionEnded: { reason: SessionEndReason; message: string } | null = null;
  private _everConnected = false;
  private _lastChange = Date.now();
  private readonly listeners = new Set<() => void>();
  private readonly inFlight = new Set<string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private resyncTimer: ReturnType<typeof setInterval> | null = null;
  private pruneTimer: ReturnType<typeof setInterval> | null = null;
  /** Bumped on every connect so acks of an older connection are ignored. */
  private epoch = 0;

  constructor(socket: SinergiSocket, config: LiveConnectionConfig, store = new LiveStore(), events = new EventsStore(store.options)) {
    this.socket = socket;
    this.store = store;
    this.events = events;
    this.metrics = [...new Set(config.metrics)];
    this.eventKinds = [...new Set(config.eventKinds ?? [])];
    this.purposes = { ...config.purposes };
    for (const m of this.metrics) store.track(m);
    for (const k of this.eventKinds) events.track(k);

    socket.on('connect', this.onConnect);
    socket.on('disconnect', this.onDisconnect);
    socket.on('connect_error', this.onConnectError);
    socket.on('points:appended', (msg) => {
      const r = this.store.applyDelta(msg);
      if (r === 'applied') recordDeltaApplied(msg.points.length);
      else if (r === 'gap') this.resubscribeMetric(msg.metric);
    });
    socket.on('events:changed', (msg) => {
      const r = this.events.applyDelta(msg);
      if (r === 'gap') this.resubscribeKind(msg.kind);
    });
    // the server re-judges permissions while connected: a subscription that lost its agreement ends, and a
    // session that ended (expired, revoked, account disabled) ends the socket with its reason
    socket.on('subscription:ended', (msg) => {
      if (msg.metric) this.store.markFailed(msg.metric, msg.code);
      if (msg.kind) this.events.markFailed(msg.kind, msg.code);
    });
    socket.on('session:ended', (msg) => {
      this._sessionEnded = msg;
      this.setState('unauthenticated');
    });
    setBodyState('conn', 'disconnected');
    this.pruneTimer = setInterval(() => this.store.prune(), 30_000);
    if (socket.connected) this.onConnect();
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
    this.socket.off('connect', this.onConnect);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('connect_error', this.onConnectError);
    this.socket.off('points:appended');
    this.socket.off('events:changed');
    this.socket.off('subscription:ended');
    this.socket.off('session:ended');
    this.socket.disconnect();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
  }

  private setState(s: ConnectionState): void {
    if (s === this._state) return;
    this._state = s;
    this._lastChange = Date.now();
    setBodyState('conn', s === 'connected' ? 'connected' : 'disconnected');
    for (const l of this.listeners) l();
  }

  private readonly onConnect = (): void => {
    this.epoch++;
    this._everConnected = true;
    this.inFlight.clear();
    this.setState('connected');
    this.resubscribeAll();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = setInterval(() => this.resubscribeAll(), this.store.options.resyncIntervalMs);
  };

  private readonly onDisconnect = (): void => {
    this.epoch++;
    this.inFlight.clear();
    this.store.markAllIdle();
    this.events.markAllIdle();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = null;
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
    if (!this.socket.active) this.retryLater(() => this.socket.connect());
  };

  private resubscribeAll(): void {
    // One request per metric: a forbidden metric then fails alone instead of taking the others with it.
    for (const m of this.metrics) this.resubscribeMetric(m);
    for (const k of this.eventKinds) this.resubscribeKind(k);
  }

  private resubscribeMetric(metric: string): void {
    const key = `m:${metric}`;
    if (this.inFlight.has(key) || !this.socket.connected) return;
    const epoch = this.epoch;
    this.inFlight.add(key);
    this.store.beginSync(metric);
    recordResync();
    this.socket
      .timeout(this.store.options.ackTimeoutMs)
      .emitWithAck('series:subscribe', {
        metrics: [metric],
        historyMinutes: this.store.options.historyMinutes,
        ...(this.purposes[metric] ? { purpose: this.purposes[metric] } : {}),
      })
      .then(
        (res: Ack<Snapshot>) => {
          if (epoch !== this.epoch) return;
          this.inFlight.delete(key);
          if (!isAck(res)) return this.failMetric(metric, 'internal');
          if (!res.ok) return this.failMetric(metric, res.error.code);
          let gap = false;
          for (const ms of res.data.metrics) {
            if (this.store.applySnapshot(ms, res.data.serverTime) === 'gap') gap = true;
            recordSnapshotApplied();
          }
          if (!res.data.metrics.some((ms) => ms.metric.code === metric)) this.failMetric(metric, 'not_found');
          else if (gap) this.resubscribeMetric(metric);
        },
        () => {
          // Ack timeout: leave the data as it is and try again while connected.
          if (epoch !== this.epoch) return;
          this.inFlight.delete(key);
          this.failMetric(metric, 'unavailable');
        },
      );
  }

  private resubscribeKind(kind: string): void {
    const key = `e:${kind}`;
    if (this.inFlight.has(key) || !this.socket.connected) return;
    const epoch = this.epoch;
    this.inFlight.add(key);
    this.events.beginSync(kind);
    const located = Math.min(this.store.options.maxLocatedEvents, MAX_SNAPSHOT_OPEN_EVENTS);
    this.socket
      .timeout(this.store.options.ackTimeoutMs)
      // a density map keeps up to maxLocatedEvents open events: its snapshot brings as many (others: the default)
      .emitWithAck('events:subscribe', located > 0 ? { kinds: [kind], open: located } : { kinds: [kind] })
      .then(
        (res: Ack<EventsSnapshot>) => {
          if (epoch !== this.epoch) return;
          this.inFlight.delete(key);
          if (!isAck(res)) return this.failKind(kind, 'internal');
          if (!res.ok) return this.failKind(kind, res.error.code);
          for (const gapKind of this.events.applySnapshot(res.data)) this.resubscribeKind(gapKind);
        },
        () => {
          if (epoch !== this.epoch) return;
          this.inFlight.delete(key);
          this.failKind(kind, 'unavailable');
        },
      );
  }

  private failMetric(metric: string, code: ErrorCode): void {
    this.store.markFailed(metric, code);
    if (code !== 'forbidden') this.retryLater(() => this.resubscribeMetric(metric));
  }

  private failKind(kind: string, code: ErrorCode): void {
    this.events.markFailed(kind, code);
    if (code !== 'forbidden') this.retryLater(() => this.resubscribeKind(kind));
  }

  private retryLater(fn: () => void): void {
    const epoch = this.epoch;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (epoch === this.epoch) fn();
    }, this.store.options.retryDelayMs);
    this.timers.add(t);
  }
}

function isAck(x: unknown): x is Ack<unknown> {
  if (typeof x !== 'object' || x === null || !('ok' in x)) return false;
  const a = x as { ok: unknown; data?: unknown; error?: { code?: unknown } };
  if (a.ok === true) return typeof a.data === 'object' && a.data !== null;
  return a.ok === false && typeof a.error?.code === 'string' && (ERROR_CODES as readonly string[]).includes(a.error.code);
}
