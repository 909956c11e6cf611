/**
 * Webhooks: the message as JSON, POSTed with an HMAC signature (server/notifications/rules.ts `signWebhook`) and
 * the outbox id as `X-Sinergi-Delivery` (receivers drop a repeat). A 2xx answer is acceptance; anything else,
 * a timeout or a refused connection is a failed attempt the outbox retries with backoff. Of the peer's answer
 * only the first WEBHOOK_ANSWER_BYTES are read (for the attempt's record), then the body is cancelled: a hostile
 * or broken peer must not stream megabytes into our memory or hold the delivery until its timeout.
 */
import type { OutboxRow, Transport } from './outbox';
import { signWebhook, webhookSecret } from './rules';

/** Bytes of a peer's answer kept for the attempt's record. */
export const WEBHOOK_ANSWER_BYTES = 200;

/** The first `max` bytes of a response body as text; the rest is never read (the stream is cancelled). */
export async function readHead(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = value.subarray(0, max - size);
      chunks.push(part);
      size += part.length;
    }
  } catch {
    // a broken answer: keep what came
  } finally {
    reader.cancel().catch(() => {});
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

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
    const text = await readHead(res, WEBHOOK_ANSWER_BYTES);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${text}`.trim());
    return `HTTP ${res.status}`;
  };
}
