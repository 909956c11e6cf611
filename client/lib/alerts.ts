/**
 * Threshold alerts for /wall and /agency: `alerts:list` on every (re)connect (open alerts plus those cleared
 * in the last day), then `alerts:changed` pushes (opened, escalated, cleared, acknowledged). The store is
 * bounded and merges monotonically, so a list answer that overtook a push never undoes the push.
 */
import type { Ack, ErrorCode } from '@shared/ack';
import { ERROR_CODES } from '@shared/ack';
import type { AlertSeverity, WireAlert } from '@shared/alerts';
import { alertResponse } from '@shared/rest';
import { isObj } from './api/http';
import type { SinergiSocket } from './socket';
import { formatDateTime, formatTime, sameWibDay } from './format';

export type { WireAlert };

/** `unknown` until the first list answer; `forbidden` when the principal may not list alerts. */
export type AlertsAccess = 'unknown' | 'allowed' | 'forbidden';

const RANK: Record<AlertSeverity, number> = { siaga: 1, awas: 2 };
const DAY_MS = 86_400_000;

/** Whether `x` is an alert as the contract describes it (the socket pushes the REST shape). */
export function isWireAlert(x: unknown): x is WireAlert {
  return alertResponse.safeParse(x).success;
}

/**
 * Two views of one alert, combined: an alert only moves forward (Siaga → Awas, open → cleared,
 * unacknowledged → acknowledged), so whichever view is further along wins field by field.
 */
export function mergeAlert(a: WireAlert, b: WireAlert): WireAlert {
  const newer = b.lastTime >= a.lastTime ? b : a;
  const older = newer === b ? a : b;
  const acked = newer.acknowledgedAt !== null ? newer : older.acknowledgedAt !== null ? older : newer;
  return {
    ...newer,
    level: RANK[a.level] >= RANK[b.level] ? a.level : b.level,
    clearedAt: newer.clearedAt ?? older.clearedAt,
    acknowledgedAt: acked.acknowledgedAt,
    acknowledgedBy: acked.acknowledgedBy,
    note: acked.note,
  };
}

/** Highest level first, then unacknowledged before acknowledged, then the newest. */
export function compareUrgency(a: WireAlert, b: WireAlert): number {
  return (
    RANK[b.level] - RANK[a.level] || Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null) || b.openedAt - a.openedAt || b.id - a.id
  );
}

export const newestFirst = (a: WireAlert, b: WireAlert): number => b.openedAt - a.openedAt || b.id - a.id;
export const recentlyClearedFirst = (a: WireAlert, b: WireAlert): number => (b.clearedAt ?? 0) - (a.clearedAt ?? 0) || b.id - a.id;

/**
 * Bounded: at most `maxEntries` alerts; cleared ones go first (the longest-cleared), then the oldest open
 * ones. Cleared alerts older than a day (by their clearing reading) are dropped as the list would drop them.
 */
export class AlertsStore {
  private readonly entries = new Map<number, WireAlert>();
  private readonly listeners = new Set<() => void>();
  private _version = 0;
  private _access: AlertsAccess = 'unknown';

  constructor(
    readonly maxEntries = 200,
    private readonly clock: () => number = Date.now,
  ) {}

  get version(): number {
    return this._version;
  }

  get access(): AlertsAccess {
    return this._access;
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: number): WireAlert | undefined {
    return this.entries.get(id);
  }

  list(): WireAlert[] {
    return [...this.entries.values()];
  }

  /** Open alerts, newest first. */
  open(): WireAlert[] {
    return this.list()
      .filter((a) => a.clearedAt === null)
      .sort(newestFirst);
  }

  /** Cleared alerts, most recently cleared first. */
  cleared(): WireAlert[] {
    return this.list()
      .filter((a) => a.clearedAt !== null)
      .sort(recentlyClearedFirst);
  }

  /** The open alert the banner shows: highest level, unacknowledged first, newest. */
  top(): WireAlert | null {
    let best: WireAlert | null = null;
    for (const a of this.entries.values()) if (a.clearedAt === null && (!best || compareUrgency(a, best) < 0)) best = a;
    return best;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setAccess(a: AlertsAccess): void {
    if (a === this._access) return;
    this._access = a;
    if (a === 'forbidden') this.entries.clear();
    this.changed();
  }

  /** A push (or an acknowledgement's answer): each alert is merged into what is known of it. */
  merge(alerts: readonly WireAlert[]): void {
    if (alerts.length === 0) return;
    for (const a of alerts) this.put(a);
    this.bound();
    this.changed();
  }

  /**
   * The full list. Alerts in `keep` (pushed while the request was in flight) survive even when the list,
   * computed before the push, does not have them; everything else not in the list is forgotten.
   */
  replace(alerts: readonly WireAlert[], keep: ReadonlySet<number> = new Set()): void {
    const kept = [...keep].flatMap((id) => {
      const a = this.entries.get(id);
      return a ? [a] : [];
    });
    this.entries.clear();
    for (const a of alerts) this.put(a);
    for (const a of kept) this.put(a);
    this.bound();
    this.changed();
  }

  private put(a: WireAlert): void {
    const cur = this.entries.get(a.id);
    this.entries.set(a.id, cur ? mergeAlert(cur, a) : a);
  }

  private bound(): void {
    const horizon = this.clock() - DAY_MS;
    for (const [id, a] of this.entries) if (a.clearedAt !== null && a.clearedAt < horizon) this.entries.delete(id);
    const over = this.entries.size - this.maxEntries;
    if (over <= 0) return;
    const victims = this.list()
      .sort((a, b) => Number(a.clearedAt === null) - Number(b.clearedAt === null) || (a.clearedAt ?? a.lastTime) - (b.clearedAt ?? b.lastTime))
      .slice(0, over);
    for (const a of victims) this.entries.delete(a.id);
  }

  private changed(): void {
    this._version++;
    for (const l of this.listeners) l();
  }
}

export interface AlertsSyncOptions {
  ackTimeoutMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** A full list again even without a reconnect (belt and braces against a missed push). */
  relistIntervalMs: number;
}

/** Why an acknowledgement failed: a server error code, or `timeout` when no answer came. */
export type AckFailure = { code: ErrorCode | 'timeout' | 'offline'; message: string };

/**
 * Glue between the `/live` socket and an AlertsStore: lists on every connect (retrying with backoff while
 * connected, giving up for good on `forbidden`), merges `alerts:changed` pushes, and sends acknowledgements.
 */
export class AlertsSync {
  private epoch = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private relistTimer: ReturnType<typeof setInterval> | null = null;
  /** Ids pushed since the current list request started (null when none is in flight). */
  private pushedDuringList: Set<number> | null = null;
  private readonly opts: AlertsSyncOptions;

  constructor(
    private readonly socket: SinergiSocket,
    readonly store = new AlertsStore(),
    opts: Partial<AlertsSyncOptions> = {},
  ) {
    this.opts = { ackTimeoutMs: 10_000, retryDelayMs: 5_000, maxRetryDelayMs: 60_000, relistIntervalMs: 5 * 60_000, ...opts };
    socket.on('connect', this.onConnect);
    socket.on('disconnect', this.onDisconnect);
    socket.on('alerts:changed', this.onChanged);
    if (socket.connected) this.onConnect();
  }

  close(): void {
    this.socket.off('connect', this.onConnect);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('alerts:changed', this.onChanged);
    this.stop();
  }

  /** Sends `alert:acknowledge`; on success the answer is merged at once (the push follows anyway). */
  async acknowledge(id: number, note: string): Promise<{ ok: true; alert: WireAlert } | { ok: false; error: AckFailure }> {
    if (!this.socket.connected) return { ok: false, error: { code: 'offline', message: 'not connected' } };
    let res: unknown;
    try {
      res = await this.socket.timeout(this.opts.ackTimeoutMs).emitWithAck('alert:acknowledge', { id, note });
    } catch {
      return { ok: false, error: { code: 'timeout', message: 'no answer from the server' } };
    }
    if (isAckShape(res) && res.ok && isWireAlert(res.data)) {
      this.store.merge([res.data]);
      return { ok: true, alert: res.data };
    }
    if (isAckShape(res) && !res.ok) return { ok: false, error: { code: res.error.code, message: res.error.message } };
    return { ok: false, error: { code: 'internal', message: 'unexpected answer' } };
  }

  private stop(): void {
    this.epoch++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.relistTimer) clearInterval(this.relistTimer);
    this.relistTimer = null;
    this.pushedDuringList = null;
  }

  private readonly onConnect = (): void => {
    this.stop();
    if (this.store.access === 'forbidden') return;
    this.list(0);
    const epoch = this.epoch;
    this.relistTimer = setInterval(() => {
      if (epoch === this.epoch && this.socket.connected && !this.pushedDuringList && !this.timer) this.list(0);
    }, this.opts.relistIntervalMs);
  };

  private readonly onDisconnect = (): void => {
    this.stop();
  };

  private readonly onChanged = (msg: unknown): void => {
    if (this.store.access === 'forbidden' || !isObj(msg) || !Array.isArray(msg.alerts)) return;
    const alerts = (msg.alerts as unknown[]).filter(isWireAlert);
    if (alerts.length === 0) return;
    if (this.pushedDuringList) for (const a of alerts) this.pushedDuringList.add(a.id);
    this.store.merge(alerts);
  };

  private list(attempt: number): void {
    const epoch = this.epoch;
    this.pushedDuringList = new Set();
    const retry = () => {
      const delay = Math.min(this.opts.maxRetryDelayMs, this.opts.retryDelayMs * 2 ** attempt);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (epoch === this.epoch && this.socket.connected) this.list(attempt + 1);
      }, delay);
    };
    this.socket
      .timeout(this.opts.ackTimeoutMs)
      .emitWithAck('alerts:list', {})
      .then(
        (res: unknown) => {
          if (epoch !== this.epoch) return;
          const pushed = this.pushedDuringList ?? undefined;
          this.pushedDuringList = null;
          if (isAckShape(res) && res.ok && isObj(res.data) && Array.isArray(res.data.alerts)) {
            this.store.replace((res.data.alerts as unknown[]).filter(isWireAlert), pushed);
            this.store.setAccess('allowed');
            return;
          }
          if (isAckShape(res) && !res.ok && (res.error.code === 'forbidden' || res.error.code === 'unauthenticated')) {
            return this.store.setAccess('forbidden');
          }
          retry();
        },
        () => {
          if (epoch !== this.epoch) return;
          this.pushedDuringList = null;
          retry();
        },
      );
  }
}

function isAckShape(x: unknown): x is Ack<unknown> {
  if (!isObj(x)) return false;
  if (x.ok === true) return 'data' in x;
  const e = x.error;
  return (
    x.ok === false && isObj(e) && typeof e.code === 'string' && (ERROR_CODES as readonly string[]).includes(e.code) && typeof e.message === 'string'
  );
}

/** `user:siti.bpbd` → `siti.bpbd`; `token:12` → `token #12` (the server's actor notation, made readable). */
export function actorLabel(actor: string | null): string {
  if (!actor) return '';
  if (actor.startsWith('user:')) return actor.slice(5);
  if (actor.startsWith('token:')) return `token #${actor.slice(6)}`;
  return actor;
}

/** `10.42 WIB` for today (WIB), `22 Nov 2025 10.42 WIB` for an older instant. */
export function formatAlertTime(t: number, now: number, locale: string): string {
  return sameWibDay(t, now) ? formatTime(t, locale, false) : formatDateTime(t, locale);
}
