/**
 * The durable outbox of notifications that leave the app.
 *
 * Why: a message about a change must go out if and only if the change committed, and a restart (or a process
 * killed mid-delivery) must neither lose nor duplicate it. So the message is a row written in the transaction of
 * the change (`enqueue`), and deliverers claim due rows with `FOR UPDATE SKIP LOCKED` (several processes never
 * claim the same row), set a lease, deliver outside the transaction, and mark the row sent only while their lease
 * holds. A process killed mid-delivery leaves the row leased; once the lease runs out another claim delivers it.
 * The one window left: a peer that accepted a message just before the process died gets it again; every
 * delivery carries its outbox id (`X-Sinergi-Delivery`, the e-mail's Message-ID) so the peer can drop it.
 * Attempts are counted at the claim, so a message that kills its deliverer dies (dead letter) after the last try.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { IncidentSeverity } from '../../shared/incidents';
import { inTransaction } from '../../db/transaction';
import { afterFailure, notBefore, rateLimitedUntil, type QuietHours, type RetryPolicy } from './rules';

type Db = pg.Pool | pg.PoolClient;

export type NotifyRole = 'head' | 'staff' | 'officer' | 'supervisor' | 'sekda';

/** A fact worth telling people outside the app, before it is addressed to routes. */
export interface NotificationFact {
  /** Unique per fact (e.g. 'incident:3:created:v1'); with the route it makes the outbox row's dedupe key. */
  key: string;
  /** The OPD whose routes hear it (all of them, or those of `roles`); null: only command-center routes of `roles`. */
  opd: string | null;
  /** Roles that hear it; 'all' = every route of `opd`. Command-center routes (no OPD) hear only their named roles. */
  roles: readonly NotifyRole[] | 'all';
  severity: IncidentSeverity;
  /** A short subject in Bahasa Indonesia. */
  subject: string;
  /** The message: a few short lines and the link. */
  text: string;
  /** The webhook's document (also kept for the admin view). */
  payload: Record<string, unknown>;
}

export interface OutboxSettings {
  quiet: QuietHours | null;
}

/**
 * Queues a fact to every enabled route that should hear it, in the caller's transaction. A fact queued again
 * (a retried request, a second process) is ignored per route (dedupe key). Returns the rows queued.
 */
export async function enqueue(db: Db, facts: readonly NotificationFact[], now: number, settings: OutboxSettings): Promise<number> {
  let queued = 0;
  for (const f of facts) {
    const roles = f.roles === 'all' ? null : [...f.roles];
    const at = notBefore(now, f.severity, settings.quiet);
    const { rowCount } = await db.query(
      `INSERT INTO notification_outbox (route_id, channel, address, severity, subject, body, payload, dedupe_key, created_at, available_at)
       SELECT r.id, r.channel, r.address, $1, $2, $3, $4, $5 || ':route:' || r.id, to_timestamp($6 / 1000.0), to_timestamp($7 / 1000.0)
         FROM notification_route r
        WHERE r.enabled AND (
              ($8::text IS NOT NULL AND r.opd_code = $8 AND ($9::text[] IS NULL OR r.role = 'any' OR r.role = ANY($9)))
           OR (r.opd_code IS NULL AND $9::text[] IS NOT NULL AND r.role = ANY($9)))
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [f.severity, f.subject, f.text, JSON.stringify(f.payload), f.key, now, at, f.opd, roles],
    );
    queued += rowCount ?? 0;
  }
  return queued;
}

export interface OutboxRow {
  id: number;
  channel: 'email' | 'webhook';
  address: string;
  routeId: number | null;
  severity: IncidentSeverity;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
  attempts: number;
  /** The claim's lease: the row is marked only while it holds. */
  leaseUntil: number;
}

/** A channel's delivery: resolves on acceptance by the peer, throws with the peer's answer otherwise. */
export type Transport = (row: OutboxRow) => Promise<string>;

export interface OutboxWorkerDeps {
  pool: pg.Pool;
  clock: () => number;
  log: Logger;
  transports: { email: Transport | null; webhook: Transport | null };
  retry: RetryPolicy;
  /** How long a claim holds; longer than a delivery's timeout. */
  leaseMs: number;
  /** Rows claimed per round. */
  batch: number;
  /** Messages per address per hour (not Awas). */
  ratePerHour: number;
  pollMs: number;
  /** No loop: the caller calls `tick()` (tests on a fake clock). */
  manual?: boolean;
  /** Told every attempt (metrics). */
  onAttempt?: (channel: 'email' | 'webhook', ok: boolean) => void;
}

export interface OutboxWorker {
  /** One round: claims due rows and delivers them; resolves with how many were attempted. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

const truncate = (s: string, n = 500) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Claims up to `batch` due rows, leasing them; attempts are counted here (see the file's comment). */
export async function claimDue(pool: pg.Pool, now: number, leaseMs: number, batch: number, channels: readonly string[]): Promise<OutboxRow[]> {
  if (channels.length === 0) return [];
  const { rows } = await pool.query(
    `UPDATE notification_outbox o SET lease_until = to_timestamp(($1::float8 + $2::float8) / 1000.0), attempts = o.attempts + 1
       FROM (SELECT id FROM notification_outbox
              WHERE status = 'pending' AND available_at <= to_timestamp($1 / 1000.0) AND channel = ANY($4)
                AND (lease_until IS NULL OR lease_until <= to_timestamp($1 / 1000.0))
              ORDER BY available_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) due
      WHERE o.id = due.id
      RETURNING o.id, o.channel, o.address, o.route_id AS "routeId", o.severity, o.subject, o.body, o.payload, o.attempts,
                (extract(epoch FROM o.lease_until) * 1000)::float8 AS "leaseUntil"`,
    [now, leaseMs, batch, channels],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), leaseUntil: Math.round(r.leaseUntil) }));
}

export function startOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const { pool, clock, log } = deps;
  let stopped = false;
  let running: Promise<number> | null = null;

  /**
   * Records the attempt and moves the row to its new state in one transaction. Written apart, a reader between the
   * two saw a dead letter with 3 attempts and 2 tries (seen under CI load in notifications.test.ts).
   */
  async function settle(row: OutboxRow, ok: boolean, detail: string, durationMs: number, update: { text: string; values: unknown[] }) {
    await inTransaction(pool, async (c) => {
      await c.query(
        `INSERT INTO notification_attempt (outbox_id, time, ok, detail, duration_ms) VALUES ($1, to_timestamp($2 / 1000.0), $3, $4, $5)`,
        [row.id, clock(), ok, truncate(detail), Math.round(durationMs)],
      );
      await c.query(update.text, update.values);
    });
    deps.onAttempt?.(row.channel, ok);
  }

  /** Held back by the address's rate limit: back to pending at the time it fits, the claim's attempt undone. */
  async function rateLimited(row: OutboxRow, now: number): Promise<boolean> {
    if (row.severity === 'awas') return false;
    const { rows } = await pool.query<{ t: number }>(
      `SELECT (extract(epoch FROM sent_at) * 1000)::float8 AS t FROM notification_outbox
        WHERE channel = $1 AND address = $2 AND status = 'sent' AND sent_at > to_timestamp(($3::float8 - 3600000) / 1000.0)`,
      [row.channel, row.address, now],
    );
    const until = rateLimitedUntil(
      now,
      row.severity,
      rows.map((r) => r.t),
      deps.ratePerHour,
    );
    if (until <= now) return false;
    await pool.query(
      `UPDATE notification_outbox SET available_at = to_timestamp($2 / 1000.0), lease_until = NULL, attempts = attempts - 1, last_error = 'rate limit'
        WHERE id = $1 AND lease_until = to_timestamp($3 / 1000.0)`,
      [row.id, until, row.leaseUntil],
    );
    return true;
  }

  async function deliver(row: OutboxRow): Promise<void> {
    const now = clock();
    if (await rateLimited(row, now)) return;
    const transport = deps.transports[row.channel];
    const started = performance.now();
    try {
      if (!transport) throw new Error(`no ${row.channel} channel configured on this server`);
      const answer = await transport(row);
      // marked only while this claim's lease holds: a claim that outlived its lease lost the row to another
      await settle(row, true, answer, performance.now() - started, {
        text: `UPDATE notification_outbox SET status = 'sent', sent_at = to_timestamp($2 / 1000.0), lease_until = NULL, last_error = NULL
                WHERE id = $1 AND status = 'pending' AND lease_until = to_timestamp($3 / 1000.0)`,
        values: [row.id, clock(), row.leaseUntil],
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const next = afterFailure(clock(), row.attempts, deps.retry);
      await settle(row, false, message, performance.now() - started, {
        text: `UPDATE notification_outbox SET status = $2, available_at = COALESCE(to_timestamp($3 / 1000.0), available_at), lease_until = NULL, last_error = $4
                WHERE id = $1 AND status = 'pending' AND lease_until = to_timestamp($5 / 1000.0)`,
        values: [row.id, next.kind === 'dead' ? 'dead' : 'pending', next.kind === 'retry' ? next.at : null, truncate(message), row.leaseUntil],
      });
      if (next.kind === 'dead') log.warn({ outbox: row.id, channel: row.channel, attempts: row.attempts }, 'notification dead-lettered');
    }
  }

  async function tick(): Promise<number> {
    // a channel this process cannot deliver through is left for one that can (its rows wait, never die here)
    const channels = (['email', 'webhook'] as const).filter((ch) => deps.transports[ch] !== null);
    const rows = await claimDue(pool, clock(), deps.leaseMs, deps.batch, channels);
    await Promise.all(rows.map((r) => deliver(r).catch((e) => log.error({ err: e, outbox: r.id }, 'notification delivery failed'))));
    return rows.length;
  }

  const loop = async () => {
    while (!stopped) {
      try {
        running = tick();
        const n = await running;
        if (n > 0) continue; // more may be due
      } catch (e) {
        log.warn({ err: e }, 'outbox round failed');
      } finally {
        running = null;
      }
      await new Promise((r) => setTimeout(r, deps.pollMs).unref());
    }
  };
  if (!deps.manual) void loop();

  return {
    tick,
    async stop() {
      stopped = true;
      await running?.catch(() => 0);
    },
  };
}

/** Counts by status, for /metrics and the admin view. */
export async function outboxCounts(db: Db): Promise<{ pending: number; sent: number; dead: number }> {
  const { rows } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM notification_outbox GROUP BY status`);
  const out = { pending: 0, sent: 0, dead: 0 };
  for (const r of rows) out[r.status as keyof typeof out] = r.n;
  return out;
}
