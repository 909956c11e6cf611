/** GET /api/v1/alerts and POST /api/v1/alerts/:id/acknowledge (a note is required). */
import { Router } from 'express';
import { z } from 'zod';
import { safeText, toIssueDetails } from '../../shared/schemas';
import type { PrincipalOf } from '../http/principal';
import { ackRefusal, type AckResult, type AlertService } from './service';
import { reply } from '../http/reply';

export const ackSchema = z.object({ note: safeText(500).pipe(z.string().trim().min(1, 'an acknowledgement needs a note')) });

const ACK_STATUS: Record<Exclude<AckResult, { kind: 'acknowledged' }>['kind'], number> = {
  not_signed_in: 401,
  note_missing: 400,
  not_found: 404,
  not_owner: 403,
  already_acknowledged: 409,
};

export function createAlertRoutes(deps: { alerts: AlertService; principalOf: PrincipalOf }): Router {
  const router = Router();
  router.get('/api/v1/alerts', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    if (who.role === 'public')
      return void res.status(401).json({ error: 'sign in to see alerts (public warnings are on /api/public/v1)', details: [] });
    reply(res, 'Alerts', { alerts: await deps.alerts.list(who) });
  });
  router.post('/api/v1/alerts/:id/acknowledge', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void res.status(401).json({ error: 'sign in to acknowledge alerts', details: [] });
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0) return void res.status(400).json({ error: 'not an alert id', details: [] });
    const parsed = ackSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid acknowledgement', details: toIssueDetails(parsed.error) });
    const result = await deps.alerts.acknowledge(who, id, parsed.data.note, req.ip ?? null);
    if (result.kind === 'acknowledged') return reply(res, 'Alert', result.alert);
    reply(res, 'Error', { error: ackRefusal(result), details: [] }, ACK_STATUS[result.kind]);
  });
  return router;
}
