/**
 * The notification channels this process delivers through, made from the configuration: e-mail where SMTP_URL
 * is set, webhooks where the key is there, and the outbox deliverer. Without configuration (most tests, tools)
 * nothing is delivered and messages wait in the outbox (a later process with the channels delivers them).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { NotificationConfig } from '../config';
import { createEmailTransport } from './email';
import { startOutboxWorker, type OutboxSettings, type OutboxWorker } from './outbox';
import { createWebhookTransport } from './webhook';

export interface Notifications {
  /** What writers of the outbox need: quiet hours, the link base, the city's zone. */
  settings: OutboxSettings & { linkBase: string; offsetMin: number };
  /** The deliverer, when this process delivers (null: configuration absent). */
  worker: OutboxWorker | null;
  stop(): Promise<void>;
}

export function startNotifications(deps: {
  pool: pg.Pool;
  config: NotificationConfig | undefined;
  webhookKey: Uint8Array | null;
  clock: () => number;
  log: Logger;
  onAttempt?: (channel: 'email' | 'webhook', ok: boolean) => void;
  /** Tests: no delivery loop, `worker.tick()` by hand. */
  manual?: boolean;
}): Notifications {
  const c = deps.config;
  const settings = { quiet: c?.quiet ?? null, linkBase: c?.linkBase ?? 'http://127.0.0.1:8080', offsetMin: c?.utcOffsetMin ?? 420 };
  if (!c) return { settings, worker: null, stop: async () => {} };
  const email = c.smtpUrl ? createEmailTransport({ smtpUrl: c.smtpUrl, from: c.from, timeoutMs: c.timeoutMs }) : null;
  if (!email) deps.log.info('SMTP_URL not set: e-mail notifications stay in the outbox');
  const webhook = deps.webhookKey ? createWebhookTransport({ key: deps.webhookKey, timeoutMs: c.timeoutMs, clock: deps.clock }) : null;
  const worker = startOutboxWorker({
    pool: deps.pool,
    clock: deps.clock,
    log: deps.log,
    transports: { email: email?.send ?? null, webhook },
    retry: c.retry,
    leaseMs: c.leaseMs,
    batch: 20,
    ratePerHour: c.ratePerHour,
    pollMs: c.pollMs,
    manual: deps.manual,
    onAttempt: deps.onAttempt,
  });
  return {
    settings,
    worker,
    async stop() {
      await worker.stop();
      email?.close();
    },
  };
}
