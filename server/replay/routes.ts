/** GET /api/v1/replay?scene=…&at=…: one frame of a wall scene in the past 24 h, for operators (the wall's rights). */
import { Router } from 'express';
import { replayQuerySchema } from '../../shared/replay';
import { toIssueDetails } from '../../shared/schemas';
import { assertNever } from '../../shared/ack';
import type { PrincipalOf } from '../http/principal';
import type { ReplayService } from './service';

export function createReplayRoutes(deps: { replay: ReplayService; principalOf: PrincipalOf }): Router {
  const router = Router();
  router.get('/api/v1/replay', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void res.status(401).json({ error: 'an access token is required', details: [] });
    const parsed = replayQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error).map((d) => ({ ...d, index: null })) });
    }
    const r = await deps.replay.frame(who, parsed.data.scene, parsed.data.at);
    switch (r.kind) {
      case 'frame':
        return void res.set('cache-control', 'no-store').json(r.frame);
      case 'unknown-scene':
        return void res.status(404).json({ error: `unknown scene '${parsed.data.scene}'; known: ${r.known.join(', ')}`, details: [] });
      case 'out-of-range':
        return void res.status(400).json({ error: `at must be within the past 24 hours (${r.from}–${r.to})`, details: [] });
      default:
        assertNever(r);
    }
  });
  return router;
}
