/**
 * The briefing archive over REST (issue 19): the list, and each week as PDF, page and figures. Readers: the
 * command center (operator, admin) — the kepala daerah's office reads through it; there is no kepala daerah
 * role of its own (shared/contract.ts `Principal`). Every download is audited.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { appendAudit } from '../../db/queries/audit';
import type pg from 'pg';
import { actorOf } from '../auth/service';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import type { BriefingService } from './service';
import { WEEK_PATTERN } from './schedule';

export const briefingWeekSchema = z.object({ week: z.string().regex(WEEK_PATTERN, 'an ISO week, YYYY-Www') });
export const briefingListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(520).default(52) });

const PARTS = {
  'briefing.pdf': { part: 'pdf', type: 'application/pdf' },
  'briefing.html': { part: 'html', type: 'text/html; charset=utf-8' },
  'figures.json': { part: 'figures', type: 'application/json' },
} as const;

export function createBriefingRoutes(deps: { pool: pg.Pool; briefings: BriefingService; principalOf: PrincipalOf; clock: () => number }): Router {
  const router = Router();
  const reader = async (req: Request, res: Response) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'sign in first', details: [] });
      return null;
    }
    if (who.role !== 'operator' && who.role !== 'admin') {
      res.status(403).json({ error: 'the weekly briefing is for the command center and the kepala daerah', details: [] });
      return null;
    }
    return who;
  };
  const bad = (res: Response, e: z.ZodError) =>
    res.status(400).json({ error: 'invalid request', details: e.issues.map((i) => ({ index: null, path: i.path.join('.'), message: i.message })) });

  router.get('/api/v1/briefings', async (req, res) => {
    if (!(await reader(req, res))) return;
    const q = briefingListQuerySchema.safeParse(req.query);
    if (!q.success) return void bad(res, q.error);
    reply(res, 'Briefings', { briefings: await deps.briefings.list(q.data.limit) });
  });
  for (const [file, { part, type }] of Object.entries(PARTS)) {
    router.get(`/api/v1/briefings/:week/${file}`, async (req, res) => {
      const who = await reader(req, res);
      if (!who) return;
      const p = briefingWeekSchema.safeParse(req.params);
      if (!p.success) return void bad(res, p.error);
      const v = await deps.briefings.get(p.data.week, part);
      if (v === null) return void res.status(404).json({ error: `no briefing for ${p.data.week}`, details: [] });
      await appendAudit(
        deps.pool,
        [{ actor: actorOf(who), action: 'briefing.read', target: `briefing:${p.data.week}`, detail: { part }, source: req.ip ?? null }],
        deps.clock(),
      );
      res.set('Content-Type', type).set('Cache-Control', 'private, no-store');
      if (part === 'pdf') res.set('Content-Disposition', `attachment; filename="laporan-mingguan-${p.data.week}.pdf"`);
      if (part === 'html') res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      res.send(part === 'figures' ? JSON.stringify(v) : v);
    });
  }
  return router;
}
