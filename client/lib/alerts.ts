/**
 * Threshold alerts for /wall and /agency through the sync engine: `alerts:subscribe` on every (re)connect
 * (open alerts plus those cleared in the last day, with the scope's seq; after a short disconnect, a resume:
 * only what was missed), then `alerts:changed` in sequence (opened, escalated, cleared, acknowledged). The store
 * is bounded and merges monotonically, so an answer that overtook a push never undoes the push.
 */
import type { Ack, ErrorCode } from '@shared/ack';
import { ERROR_CODES } from '@shared/ack';
import type { AlertSeverity, WireAlert } from '@shared/alerts';
import type { AlertsChanged, AlertsSnapshot } from '@shared/contract';
import { alertResponse } from '@shared/rest';
import { isObj } from './api/http';
import type { SinergiSocket } from './socket';
import { formatDateTime, formatTime, sameWibDay } from './format';
import { classifyDelta, SyncEngine, syncSocketOf, type DeltaResult, type SyncChannel, type SyncStatus, type SyncStore } from './sync/engine';

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
export class AlertsStore implements SyncStore<AlertsSnapshot, AlertsChanged> {
  private readonly entries = new Map<number, WireAlert>();
  private readonly listeners = new Set<() => void>();
  private _version = 0;
  private _access: AlertsAccess = 'unknown';
  /** The scope's sequence state (one scope per socket: the key is always ALERTS_KEY). */
  private status: SyncStatus | undefined = 'idle';
  private _seq = 0;
  private _scope: string | null = null;
  private pending: AlertsChanged[] = [];

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

  /** The server's name of this socket's scope (`all`, or an OPD), from the first snapshot. */
  get scope(): string | null {
    return this._scope;
  }

  /** Seq of the last change applied (the scope's numbering). */
  get seq(): number {
    return this._seq;
  }

  beginSync(): void {
    if (this.status === 'forbidden') return;
    this.status = 'syncing';
    this.pending = [];
  }

  applySnapshot(_key: string, snap: AlertsSnapshot): 'applied' | 'gap' {
    const pending = this.pending;
    this.pending = [];
    this.status = 'live';
    this._scope = snap.scope;
    this._seq = snap.seq;
    this.replace(snap.alerts.filter(isWireAlert));
    this.setAccess('allowed');
    return this.replay(pending);
  }

  applyDelta(msg: AlertsChanged): DeltaResult {
    const r = classifyDelta(this.status, this._seq, msg.seq);
    if (r === 'queued') this.pending.push(msg);
    else if (r === 'gap') {
      this.status = 'syncing';
      this.pending = [msg];
    } else if (r === 'applied') {
      this._seq = msg.seq;
      this.merge(msg.alerts.filter(isWireAlert));
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
    return this._scope !== null && this.status !== 'forbidden' && this.status !== 'error' ? this._seq : null;
  }

  resume(): 'applied' | 'gap' {
    const pending = this.pending;
    this.pending = [];
    this.status = 'live';
    return this.replay(pending);
  }

  private replay(pending: AlertsChanged[]): 'applied' | 'gap' {
    for (const d of pending.sort((a, b) => a.seq - b.seq)) {
      const r = this.applyDelta(d);
      if (r === 'gap') return 'gap';
    }
    return 'applied';
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
  /** A full snapshot again even without a reconnect (belt and braces against a missed push). */
  relistIntervalMs: number;
}

/** Why an acknowledgement failed: a server error code, or `timeout` when no answer came. */
export type AckFailure = { code: ErrorCode | 'timeout' | 'offline'; message: string };

/** The alerts scope as the engine sees it: one key per socket (the server knows whose scope it is). */
export const ALERTS_KEY = 'mine';

/** The alerts channel for the sync engine. */
export function alertsChannel(store: AlertsStore): SyncChannel<AlertsSnapshot, AlertsChanged> {
  return {
    name: 'alerts',
    subscribeEvent: 'alerts:subscribe',
    deltaEvent: 'alerts:changed',
    keys: () => [ALERTS_KEY],
    // the server names the scope (`all` or an OPD) in its snapshot; a resume names it back
    request: (key, since) => (since && store.scope ? { since: { epoch: since.epoch, seqs: { [store.scope]: since.seqs[key]! } } } : {}),
    keyOf: (msg) => (isObj(msg) && typeof msg.seq === 'number' && Array.isArray(msg.alerts) ? ALERTS_KEY : null),
    snapshotOf: (_key, data) => (typeof data.seq === 'number' && Array.isArray(data.alerts) ? (data as unknown as AlertsSnapshot) : null),
    store,
  };
}

/**
 * Glue between the `/live` socket and an AlertsStore: the sync engine with the alerts channel (snapshot, then
 * changes in sequence, resume after a short disconnect, `forbidden` stops), plus acknowledgements.
 */
export class AlertsSync {
  private readonly engine: SyncEngine;
  private readonly opts: AlertsSyncOptions;

  constructor(
    private readonly socket: SinergiSocket,
    readonly store = new AlertsStore(),
    opts: Partial<AlertsSyncOptions> = {},
  ) {
    this.opts = { ackTimeoutMs: 10_000, retryDelayMs: 5_000, relistIntervalMs: 5 * 60_000, ...opts };
    this.engine = new SyncEngine(syncSocketOf(socket as never), [alertsChannel(this.store) as SyncChannel], {
      ackTimeoutMs: this.opts.ackTimeoutMs,
      retryDelayMs: this.opts.retryDelayMs,
      resyncIntervalMs: this.opts.relistIntervalMs,
    });
  }

  close(): void {
    this.engine.close();
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
