/** GET /api/v1/replay?scene=…&at=…: one frame of a wall scene in the past 24 h, for operators (the wall's rights). */
import { Router } from 'express';
import { replayQuerySchema } from '../../shared/replay';
import { toIssueDetails } from '../../shared/schemas';
import { assertNever } from '../../shared/ack';
import type { PrincipalOf } from '../http/principal';
import type { ReplayService } from './service';
import { InFlight } from '../http/in-flight';
import { reply } from '../http/reply';

/** Rewind frames running at once: per signed-in caller (a wall asks for one per slider release), and in all. */
export const REPLAY_IN_FLIGHT = { perCaller: 2, total: 6 } as const;

export function createReplayRoutes(deps: { replay: ReplayService; principalOf: PrincipalOf }): Router {
  const router = Router();
  const inFlight = new InFlight(REPLAY_IN_FLIGHT.perCaller, REPLAY_IN_FLIGHT.total);
  router.get('/api/v1/replay', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void res.status(401).json({ error: 'an access token is required', details: [] });
    // the rewind shows whole-city scenes: not for a territorial role, whose reach is its area (access/policy.ts)
    if (who.role === 'wilayah') return void res.status(403).json({ error: 'the rewind is for the command center and OPDs', details: [] });
    const parsed = replayQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error).map((d) => ({ ...d, index: null })) });
    }
    const caller = who.user ? `user:${who.user}` : `token:${who.tokenId}`;
    if (!inFlight.tryEnter(caller)) {
      return void res.status(429).set('retry-after', '2').json({ error: 'too many rewind frames at once; retry in a moment', details: [] });
    }
    let r: Awaited<ReturnType<ReplayService['frame']>>;
    try {
      r = await deps.replay.frame(who, parsed.data.scene, parsed.data.at);
    } finally {
      inFlight.leave(caller);
    }
    switch (r.kind) {
      case 'frame':
        res.set('cache-control', 'no-store');
        return reply(res, 'Replay', r.frame);
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
