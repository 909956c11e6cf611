/**
 * Admin REST of outbound notifications: who hears what (routes; a webhook's signing secret is shown once, when it
 * is added), every delivery with its attempts and the dead letters, and putting a dead letter back in the queue.
 * Admins only; every change is audited.
 */
import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { NOTIFY_ROLES } from '../../shared/incidents';
import { toIssueDetails } from '../../shared/schemas';
import { appendAudit } from '../../db/queries/audit';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import { outboxCounts } from './outbox';
import { webhookSecret } from './rules';
import { actorOf } from '../incidents/service';

export const notificationRouteInputSchema = z
  .object({
    opd: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{1,31}$/)
      .nullable()
      .default(null)
      .describe('null: the command center'),
    role: z.enum(NOTIFY_ROLES).default('any'),
    username: z.string().max(64).nullable().default(null),
    channel: z.enum(['email', 'webhook']),
    address: z.string().min(3).max(500),
  })
  .superRefine((v, ctx) => {
    if (v.channel === 'email' && !z.email().safeParse(v.address).success)
      ctx.addIssue({ code: 'custom', path: ['address'], message: 'not an e-mail address' });
    if (v.channel === 'webhook' && !z.url({ protocol: /^https?$/ }).safeParse(v.address).success)
      ctx.addIssue({ code: 'custom', path: ['address'], message: 'a webhook is an http(s) URL' });
  });

export const deliveriesQuerySchema = z.object({
  status: z.enum(['pending', 'sent', 'dead']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const idParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'not an id')
    .transform(Number),
});

const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::float8`;
const DELIVERY = `o.id::int AS id, o.channel, o.address, o.severity, o.subject, o.status, o.attempts, ${ms('o.created_at')} AS "createdAt",
  ${ms('o.available_at')} AS "availableAt", ${ms('o.sent_at')} AS "sentAt", o.last_error AS "lastError",
  COALESCE((SELECT json_agg(json_build_object('time', round(${ms('a.time')}), 'ok', a.ok, 'detail', a.detail, 'durationMs', a.duration_ms) ORDER BY a.id)
              FROM notification_attempt a WHERE a.outbox_id = o.id), '[]') AS tries`;
const toDelivery = (r: Record<string, unknown>) => ({
  ...(r as object),
  createdAt: Math.round(r.createdAt as number),
  availableAt: Math.round(r.availableAt as number),
  sentAt: r.sentAt === null ? null : Math.round(r.sentAt as number),
});
const ROUTE = `id, opd_code AS opd, role, username, channel, address, enabled`;

export function createNotificationRoutes(deps: {
  pool: pg.Pool;
  principalOf: PrincipalOf;
  webhookKey: Uint8Array | null;
  clock: () => number;
}): Router {
  const router = Router();
  const admin = async (req: Request, res: Response) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') {
      reply(res, 'Error', { error: 'sign in first', details: [] }, 401);
      return null;
    }
    if (who.role !== 'admin') {
      reply(res, 'Error', { error: 'admins only', details: [] }, 403);
      return null;
    }
    return who;
  };

  router.get('/api/v1/notifications/deliveries', async (req, res) => {
    if (!(await admin(req, res))) return;
    const q = deliveriesQuerySchema.safeParse(req.query);
    if (!q.success) return reply(res, 'Error', { error: 'invalid query', details: toIssueDetails(q.error) }, 400);
    const { rows } = await deps.pool.query(
      `SELECT ${DELIVERY} FROM notification_outbox o WHERE ($1::text IS NULL OR o.status = $1) ORDER BY o.id DESC LIMIT $2`,
      [q.data.status ?? null, q.data.limit],
    );
    reply(res, 'NotificationDeliveries', { counts: await outboxCounts(deps.pool), deliveries: rows.map(toDelivery) as never });
  });

  router.post('/api/v1/notifications/deliveries/:id/retry', async (req, res) => {
    const who = await admin(req, res);
    if (!who) return;
    const p = idParam.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not a delivery id', details: toIssueDetails(p.error) }, 400);
    const now = deps.clock();
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `UPDATE notification_outbox SET status = 'pending', attempts = 0, available_at = to_timestamp($2 / 1000.0), lease_until = NULL WHERE id = $1 AND status = 'dead'`,
        [p.data.id, now],
      );
      if (!rowCount) {
        await client.query('ROLLBACK');
        return reply(res, 'Error', { error: `delivery ${p.data.id} is not a dead letter`, details: [] }, 409);
      }
      await appendAudit(
        client,
        [{ actor: actorOf(who), action: 'notification.retried', target: `outbox:${p.data.id}`, detail: {}, source: req.ip ?? null }],
        now,
      );
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    const { rows } = await deps.pool.query(`SELECT ${DELIVERY} FROM notification_outbox o WHERE o.id = $1`, [p.data.id]);
    reply(res, 'NotificationDelivery', toDelivery(rows[0]) as never);
  });

  router.get('/api/v1/notifications/routes', async (req, res) => {
    if (!(await admin(req, res))) return;
    const { rows } = await deps.pool.query(`SELECT ${ROUTE} FROM notification_route ORDER BY id`);
    reply(res, 'NotificationRoutes', { routes: rows });
  });

  router.post('/api/v1/notifications/routes', async (req, res) => {
    const who = await admin(req, res);
    if (!who) return;
    const b = notificationRouteInputSchema.safeParse(req.body);
    if (!b.success) return reply(res, 'Error', { error: 'invalid route', details: toIssueDetails(b.error) }, 400);
    if (b.data.channel === 'webhook' && !deps.webhookKey)
      return reply(res, 'Error', { error: 'this server has no webhook key (NOTIFY_WEBHOOK_KEY_FILE): webhooks cannot be signed', details: [] }, 409);
    if (b.data.opd && !(await deps.pool.query(`SELECT 1 FROM opd WHERE code = $1`, [b.data.opd])).rowCount)
      return reply(res, 'Error', { error: `no OPD ${b.data.opd}`, details: [] }, 400);
    const now = deps.clock();
    const client = await deps.pool.connect();
    let row: Record<string, unknown>;
    try {
      await client.query('BEGIN');
      row = (
        await client.query(
          `INSERT INTO notification_route (opd_code, role, username, channel, address) VALUES ($1, $2, $3, $4, $5) RETURNING ${ROUTE}`,
          [b.data.opd, b.data.role, b.data.username, b.data.channel, b.data.address],
        )
      ).rows[0];
      // the address is personal data of a kind: the audit names the route, the channel and the OPD only
      await appendAudit(
        client,
        [
          {
            actor: actorOf(who),
            action: 'notification.route_added',
            target: `route:${row.id}`,
            detail: { opd: b.data.opd, role: b.data.role, channel: b.data.channel },
            source: req.ip ?? null,
          },
        ],
        now,
      );
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    const secret = b.data.channel === 'webhook' && deps.webhookKey ? webhookSecret(deps.webhookKey, row.id as number) : null;
    reply(res, 'NotificationRouteCreated', { ...(row as object), secret } as never, 201);
  });
  return router;
}
