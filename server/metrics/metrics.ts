/**
 * The server's Prometheus metrics (served by ./routes.ts at GET /metrics; the Grafana dashboard in
 * deploy/grafana/sinergi.json reads them). One registry per app, so several apps in one process (the tests)
 * never share counters; Node's process metrics (event-loop delay, heap, GC, CPU) are registered once per
 * process and served with each app's.
 *
 * What is measured, and where the hook sits (each a wrapper or an optional callback, so the domains stay
 * unaware of Prometheus):
 * - ingest points and events accepted, and batches refused, per OPD: a wrapper around the ingest service;
 * - stream lag, commit → emit: a wrapper around the stream and its sink (the ingest service publishes right
 *   after its commit; the lag is how long the oldest reading of a tick waited for its message);
 * - sockets per namespace, the DB pool (clients, waiting requests, time to get a client), open alerts: read
 *   when scraped;
 * - snapshot sizes (series buckets or open events per subscription): a callback of the socket layer;
 * - roll-up refresh time: the app-run refresher's callback; where TimescaleDB's own scheduler refreshes, the
 *   last run of each refresh job from timescaledb_information.job_stats, read when scraped;
 * - alert transitions: a callback of the alert service; HTTP answers by method and status.
 * Label values come from closed sets (OPD codes of the catalog, namespaces, statuses), so no client can grow them.
 */
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { NAMESPACES } from '../../shared/contract';
import type { Dialect } from '../../db/dialect';
import type { IngestResult, IngestService } from '../ingest/service';
import type { IoServer } from '../realtime/socket';
import type { HubEnvelope } from '../realtime/hub';

let processRegistry: Registry | null = null;
/** Node's own metrics, once per process (prom-client's event-loop monitor is process-wide). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
  }
  return processRegistry;
}

export type AlertTransition = 'opened' | 'escalated' | 'cleared' | 'acknowledged';

export interface ServerMetrics {
  /** Prometheus text of this app's metrics and the process's. */
  render(): Promise<{ contentType: string; body: string }>;
  instrumentIngest(ingest: IngestService): IngestService;
  /** Commit → emit lag per channel: told of each publish (per room) and of each message delivered. */
  streamLag: { published(room: string): void; delivered(env: HubEnvelope): void };
  snapshot(kind: 'series' | 'events', items: number): void;
  rollupRefreshed(seconds: number): void;
  alertTransition(transition: AlertTransition, level: string): void;
  /** A notification delivery attempt (server/notifications/outbox.ts). */
  notificationAttempt(channel: 'email' | 'webhook', ok: boolean): void;
  /** Counts answers by method and status. */
  httpCounter: RequestHandler;
}

const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LAG_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5];

export function createServerMetrics(deps: { pool: pg.Pool; io: IoServer; dialect: Dialect }): ServerMetrics {
  const registry = new Registry();
  const reg = [registry];
  const { pool, io } = deps;

  const accepted = new Counter({
    name: 'sinergi_ingest_accepted_total',
    help: 'Points and events accepted by the ingest API, per OPD (rate() gives records per second)',
    labelNames: ['opd', 'kind'],
    registers: reg,
  });
  const rejected = new Counter({
    name: 'sinergi_ingest_rejected_batches_total',
    help: 'Ingest batches refused whole, per OPD and reason (invalid 400, forbidden 403, too_large 413)',
    labelNames: ['opd', 'kind', 'reason'],
    registers: reg,
  });
  const rejectedRecords = new Counter({
    name: 'sinergi_ingest_rejected_records_total',
    help: 'Records in the refused batches, per OPD and reason',
    labelNames: ['opd', 'kind', 'reason'],
    registers: reg,
  });
  const lag = new Histogram({
    name: 'sinergi_stream_lag_seconds',
    help: 'Commit to emit: how long the oldest change of a live message waited for its tick',
    labelNames: ['channel'],
    buckets: LAG_BUCKETS,
    registers: reg,
  });
  new Gauge({
    name: 'sinergi_sockets',
    help: 'Connected sockets per namespace',
    labelNames: ['namespace'],
    registers: reg,
    collect() {
      for (const ns of Object.values(NAMESPACES)) this.set({ namespace: ns }, io.of(ns).sockets.size);
    },
  });
  const snapshots = new Histogram({
    name: 'sinergi_snapshot_items',
    help: 'Size of the snapshots answering subscriptions: series buckets and latest readings, or open events',
    labelNames: ['kind'],
    buckets: [10, 100, 1_000, 10_000, 50_000, 100_000, 500_000],
    registers: reg,
  });
  new Gauge({
    name: 'sinergi_db_pool_clients',
    help: 'Database pool clients: total, idle, and requests waiting for one',
    labelNames: ['state'],
    registers: reg,
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  const acquire = new Histogram({
    name: 'sinergi_db_pool_acquire_seconds',
    help: 'Time to get a database client from the pool (a wait means the pool is too small or queries too slow)',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: reg,
  });
  const refresh = new Histogram({
    name: 'sinergi_rollup_refresh_seconds',
    help: 'Duration of the roll-up refreshes this process ran',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: reg,
  });
  if (deps.dialect === 'timescaledb') {
    new Gauge({
      name: 'sinergi_rollup_refresh_last_seconds',
      help: "Duration of the last run of TimescaleDB's refresh job, per continuous aggregate",
      labelNames: ['view'],
      registers: reg,
      async collect() {
        const { rows } = await pool.query<{ view: string; secs: number }>(
          `SELECT c.view_name AS view, extract(epoch FROM s.last_run_duration)::float8 AS secs
             FROM timescaledb_information.jobs j
             JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
             JOIN timescaledb_information.continuous_aggregates c ON c.materialization_hypertable_name = j.hypertable_name
            WHERE j.proc_name = 'policy_refresh_continuous_aggregate'`,
        );
        for (const r of rows) if (r.secs !== null) this.set({ view: r.view }, r.secs);
      },
    });
  }
  const transitions = new Counter({
    name: 'sinergi_alert_transitions_total',
    help: 'Alerts opened, escalated, cleared and acknowledged, per level',
    labelNames: ['transition', 'level'],
    registers: reg,
  });
  new Gauge({
    name: 'sinergi_alerts_open',
    help: 'Open alerts per level',
    labelNames: ['level'],
    registers: reg,
    async collect() {
      const { rows } = await pool.query<{ level: string; n: number }>(
        `SELECT level, count(*)::int AS n FROM alert WHERE cleared_at IS NULL GROUP BY level`,
      );
      this.reset();
      for (const level of ['siaga', 'awas']) this.set({ level }, rows.find((r) => r.level === level)?.n ?? 0);
    },
  });
  // issue 16: the outbox (durable notifications) and open incidents
  new Gauge({
    name: 'sinergi_notifications_outbox',
    help: 'Notifications in the outbox by status (pending: queued or retrying; dead: dead letters)',
    labelNames: ['status'],
    registers: reg,
    async collect() {
      const { rows } = await pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM notification_outbox GROUP BY status`);
      this.reset();
      for (const status of ['pending', 'sent', 'dead']) this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    },
  });
  const attempts = new Counter({
    name: 'sinergi_notification_attempts_total',
    help: 'Notification delivery attempts by channel and outcome',
    labelNames: ['channel', 'outcome'],
    registers: reg,
  });
  new Gauge({
    name: 'sinergi_incidents_open',
    help: 'Open incidents per severity',
    labelNames: ['severity'],
    registers: reg,
    async collect() {
      const { rows } = await pool.query<{ severity: string; n: number }>(
        `SELECT severity, count(*)::int AS n FROM incident WHERE closed_at IS NULL GROUP BY severity`,
      );
      this.reset();
      for (const severity of ['waspada', 'siaga', 'awas']) this.set({ severity }, rows.find((r) => r.severity === severity)?.n ?? 0);
    },
  });
  const http = new Counter({
    name: 'sinergi_http_responses_total',
    help: 'HTTP answers by method and status code',
    labelNames: ['method', 'status'],
    registers: reg,
  });

  // Time to get a client: pool.query goes through connect() too, with a callback.
  const connect = pool.connect.bind(pool) as (cb?: (err: Error | undefined, client: pg.PoolClient, done: () => void) => void) => unknown;
  (pool as { connect: unknown }).connect = (cb?: (err: Error | undefined, client: pg.PoolClient, done: () => void) => void) => {
    const end = acquire.startTimer();
    if (cb)
      return connect((err, client, done) => {
        end();
        cb(err, client, done);
      });
    return (connect() as Promise<pg.PoolClient>).finally(end);
  };

  const items = (body: unknown, field: string) => {
    const list = (body as Record<string, unknown> | null)?.[field];
    return Array.isArray(list) ? list.length : 0;
  };

  return {
    notificationAttempt: (channel, ok) => attempts.inc({ channel, outcome: ok ? 'delivered' : 'failed' }),
    async render() {
      const merged = Registry.merge([processMetrics(), registry]);
      return { contentType: merged.contentType, body: await merged.metrics() };
    },
    instrumentIngest(ingest) {
      const count = (opd: string, kind: 'points' | 'events', body: unknown, r: IngestResult) => {
        if (r.kind === 'accepted') accepted.inc({ opd, kind }, r.accepted);
        else {
          rejected.inc({ opd, kind, reason: r.kind });
          rejectedRecords.inc({ opd, kind, reason: r.kind }, items(body, kind));
        }
        return r;
      };
      return {
        ingestPoints: async (key, body, now) => count(key.opd, 'points', body, await ingest.ingestPoints(key, body, now)),
        ingestEvents: async (key, body, now, source) => count(key.opd, 'events', body, await ingest.ingestEvents(key, body, now, source)),
      };
    },
    streamLag: (() => {
      // first publish since the last message, per room: the oldest change the next message carries
      const waiting = new Map<string, number>();
      return {
        published(room: string) {
          if (!waiting.has(room)) waiting.set(room, performance.now());
        },
        delivered(env: HubEnvelope) {
          const t = waiting.get(env.room);
          if (t === undefined) return;
          waiting.delete(env.room);
          lag.observe({ channel: env.channel }, (performance.now() - t) / 1000);
        },
      };
    })(),
    snapshot: (kind, n) => snapshots.observe({ kind }, n),
    rollupRefreshed: (seconds) => refresh.observe(seconds),
    alertTransition: (transition, level) => transitions.inc({ transition, level }),
    httpCounter(req, res, next) {
      const method = KNOWN_METHODS.has(req.method) ? req.method : 'other';
      res.once('finish', () => http.inc({ method, status: String(res.statusCode) }));
      next();
    },
  };
}
