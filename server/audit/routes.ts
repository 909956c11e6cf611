/** GET /api/v1/audit: the audit log for admins and operators, as JSON or CSV (export). */
import { Router } from 'express';
import { stringify } from 'csv-stringify/sync';
import type pg from 'pg';
import { z } from 'zod';
import { readAudit } from '../../db/queries/audit';
import { toIssueDetails } from '../../shared/schemas';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';

export const auditQuerySchema = z.object({
  from: z.iso
    .datetime({ offset: true })
    .transform((v) => Date.parse(v))
    .optional(),
  to: z.iso
    .datetime({ offset: true })
    .transform((v) => Date.parse(v))
    .optional(),
  action: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/)
    .optional(),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});

export function createAuditRoutes(deps: { pool: pg.Pool; principalOf: PrincipalOf }): Router {
  const router = Router();
  router.get('/api/v1/audit', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    if (who.role !== 'admin' && who.role !== 'operator')
      return void res.status(403).json({ error: 'the audit log is for admins and operators', details: [] });
    const parsed = auditQuerySchema.safeParse(req.query);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error) });
    const q = parsed.data;
    const rows = (await readAudit(deps.pool, { fromMs: q.from, toMs: q.to, action: q.action, limit: q.limit })).map((r) => ({
      seq: r.seq,
      time: new Date(r.time).toISOString(),
      actor: r.actor,
      action: r.action,
      target: r.target,
      source: r.source,
      detail: r.detail,
      hash: r.hash.toString('hex'),
      prevHash: r.prevHash.toString('hex'),
    }));
    if (q.format === 'csv') {
      res
        .type('text/csv')
        .set('Content-Disposition', 'attachment; filename="sinergi-audit.csv"')
        .send(
          stringify(
            rows.map((r) => ({ ...r, detail: JSON.stringify(r.detail) })),
            { header: true },
          ),
        );
      return;
    }
    reply(res, 'AuditLog', { entries: rows });
  });
  return router;
}
