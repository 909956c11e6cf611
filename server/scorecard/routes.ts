/**
 * The OPD scorecard over REST (issue 19):
 *  - GET /api/v1/scorecard: one OPD's scorecard, the tablet's one call (an agency sees its own OPD only; the
 *    command center names one with ?opd);
 *  - GET /api/v1/scorecard/ranking: every OPD ranked (the wall panel; performance between dinas is open to
 *    every signed-in caller);
 *  - GET /api/public/v1/scorecard: the shares for the public page, only when SCORECARD_PUBLIC is on (else
 *    `published: false` and no OPD), k-protected
 *    with the public view's suppression (server/public/suppression.ts): an OPD's shares are shown only when none
 *    of its outcome counts (met, missed, rejected) nor their total is hidden.
 */
import { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { toIssueDetails } from '../../shared/schemas';
import type { OpdScorecard } from '../../shared/scorecard';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import { protectTableJointly } from '../public/suppression';
import { computeScorecards, rankingOf } from './service';

const PUBLIC_CACHE_MS = 60_000;

export const scorecardQuerySchema = z.object({
  opd: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an OPD code')
    .optional(),
});

/** The public figures of the scorecards: shares where the counts behind them may be published. */
export function publicScorecard(cards: readonly OpdScorecard[], k: number) {
  const inner = cards.map((c) => {
    const w = c.service.windows['30d'];
    return [w.met, w.missed, w.rejected];
  });
  const t = protectTableJointly(inner, 3, k);
  return cards.map((c, i) => {
    const w = c.service.windows['30d'];
    const total = t.rowTotals[i]!;
    const shown = !total.suppressed && t.cells[i]!.every((x) => !x.suppressed);
    const round2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      opd: c.opd,
      name: c.name,
      closed30d: total.suppressed ? null : total.n,
      serviceShare30d: shown ? round2(w.shareWithinSla) : null,
      rejectedShare30d: shown ? round2(w.shareRejected) : null,
      medianHours30d: shown && w.medianHours !== null ? Math.round(w.medianHours * 10) / 10 : null,
      dataFresh30d: round2(c.data.fresh['30d']),
    };
  });
}

export function createScorecardRoutes(deps: {
  pool: pg.Pool;
  principalOf: PrincipalOf;
  clock: () => number;
  publicEnabled: boolean;
  k: number;
}): Router {
  const router = Router();
  router.get('/api/v1/scorecard', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'sign in first', details: [] });
    const parsed = scorecardQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error).map((d) => ({ ...d, index: null })) });
    }
    let opd = parsed.data.opd;
    if (who.role === 'agency') {
      if (opd !== undefined && opd !== who.opd)
        return void res.status(403).json({ error: 'an OPD sees its own scorecard; the ranking shows the others', details: [] });
      opd = who.opd;
    }
    if (opd === undefined) return void res.status(400).json({ error: 'name the OPD', details: [{ index: null, path: 'opd', message: 'required' }] });
    const now = deps.clock();
    const [card] = await computeScorecards(deps.pool, now, opd);
    if (!card) return void res.status(404).json({ error: `unknown OPD '${opd}'`, details: [] });
    reply(res, 'Scorecard', { asOf: now, scorecard: card });
  });
  router.get('/api/v1/scorecard/ranking', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'sign in first', details: [] });
    const now = deps.clock();
    reply(res, 'ScorecardRanking', { asOf: now, opds: rankingOf(await computeScorecards(deps.pool, now)) });
  });
  // anonymous callers share one answer per minute: they cannot make the server aggregate per request
  let cached: { at: number; body: Promise<{ asOf: number; k: number; published: boolean; opds: ReturnType<typeof publicScorecard> }> } | null = null;
  router.get('/api/public/v1/scorecard', async (_req, res) => {
    const now = deps.clock();
    res.set('Cache-Control', 'public, max-age=60');
    // not published: an answer that says so (the page then shows nothing and logs no failed request)
    if (!deps.publicEnabled) return void reply(res, 'PublicScorecard', { asOf: now, k: deps.k, published: false, opds: [] });
    if (!cached || now - cached.at >= PUBLIC_CACHE_MS || now < cached.at) {
      const body = computeScorecards(deps.pool, now).then((cards) => ({
        asOf: now,
        k: deps.k,
        published: true,
        opds: publicScorecard(cards, deps.k),
      }));
      cached = { at: now, body };
      body.catch(() => (cached = null));
    }
    reply(res, 'PublicScorecard', await cached.body);
  });
  return router;
}
