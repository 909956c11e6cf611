/** GET /api/v1/wall/scenes: the wall's scenes and playlist, for operators (the wall's own token). */
import { Router } from 'express';
import type { PrincipalOf } from '../http/principal';
import type { SceneSource } from './scenes';

export function createWallRoutes(deps: { scenes: SceneSource; principalOf: PrincipalOf }): Router {
  const router = Router();
  router.get('/api/v1/wall/scenes', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void res.status(401).json({ error: 'an access token is required', details: [] });
    if (who.role !== 'operator' && who.role !== 'admin') return void res.status(403).json({ error: 'operators only', details: [] });
    res.set('cache-control', 'no-store').json(deps.scenes.current());
  });
  return router;
}
