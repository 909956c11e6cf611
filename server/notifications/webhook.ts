/**
 * Webhooks: the message as JSON, POSTed with an HMAC signature (server/notifications/rules.ts `signWebhook`) and
 * the outbox id as `X-Sinergi-Delivery` (receivers drop a repeat). A 2xx answer is acceptance; anything else,
 * a timeout or a refused connection is a failed attempt the outbox retries with backoff.
 */
import type { OutboxRow, Transport } from './outbox';
import { signWebhook, webhookSecret } from './rules';

export function createWebhookTransport(opts: { key: Uint8Array; timeoutMs: number; clock: () => number }): Transport {
  return async (row: OutboxRow) => {
    if (row.routeId === null) throw new Error('the webhook route was removed');
    const body = JSON.stringify({ id: row.id, severity: row.severity, subject: row.subject, text: row.body, ...row.payload });
    const res = await fetch(row.address, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sinergi-delivery': String(row.id),
        'x-sinergi-signature': signWebhook(webhookSecret(opts.key, row.routeId), body, opts.clock()),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = (await res.text().catch(() => '')).slice(0, 200);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${text}`.trim());
    return `HTTP ${res.status}`;
  };
}
