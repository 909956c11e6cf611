/**
 * GET /api/v1/wall/scenes: the wall's scenes and playlist, for operators (the wall's own token).
 * PUT /api/v1/admin/scenes: an admin replaces the whole scenes document (400 names every problem by path);
 * DELETE /api/v1/admin/scenes: back to WALL_SCENES_FILE or the built-in scenes. Both audited (server/wall/admin.ts).
 */
import { Router, type Response } from 'express';
import { assertNever } from '../../shared/ack';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import type { ScenesAdmin, ScenesChange } from './admin';
import type { SceneSource } from './scenes';

export function createWallRoutes(deps: { scenes: SceneSource; admin: ScenesAdmin; principalOf: PrincipalOf }): Router {
  const router = Router();
  router.get('/api/v1/wall/scenes', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void res.status(401).json({ error: 'an access token is required', details: [] });
    if (who.role !== 'operator' && who.role !== 'admin') return void res.status(403).json({ error: 'operators only', details: [] });
    res.set('cache-control', 'no-store');
    reply(res, 'WallScenes', deps.scenes.current());
  });

  const answer = (res: Response, r: ScenesChange) => {
    switch (r.kind) {
      case 'not_signed_in':
        return void res.status(401).json({ error: 'an access token is required', details: [] });
      case 'not_admin':
        return void res.status(403).json({ error: 'admins only', details: [] });
      case 'invalid':
        return void res.status(400).json({
          error: `invalid scenes document (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}); nothing was changed`,
          details: r.problems.map((p) => ({ index: null, path: p.path, message: p.message })),
        });
      case 'saved':
      case 'reset':
        res.set('cache-control', 'no-store');
        return void reply(res, 'WallScenes', r.current);
      default:
        return assertNever(r);
    }
  };

  // the body is parsed by the app's /api JSON parser (MAX_API_BODY_BYTES, 64 KiB by default: 20 scenes fit easily)
  router.put('/api/v1/admin/scenes', async (req, res) => {
    const who = (await deps.principalOf(req)) ?? { role: 'public' as const };
    answer(res, await deps.admin.replace(who, req.body, req.ip ?? null));
  });
  router.delete('/api/v1/admin/scenes', async (req, res) => {
    const who = (await deps.principalOf(req)) ?? { role: 'public' as const };
    answer(res, await deps.admin.reset(who, req.ip ?? null));
  });
  return router;
}
