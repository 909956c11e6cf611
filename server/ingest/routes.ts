/** POST /api/v1/ingest and /api/v1/events: authenticated by an OPD's ingest key. */
import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import { verifyIngestKey } from '../../db/queries/credentials';
import { bearer } from '../http/auth';
import type { IngestResult, IngestService } from './service';

export function createIngestRoutes(deps: { pool: pg.Pool; ingest: IngestService; clock: () => number }): Router {
  const router = Router();
  const withKey =
    (run: (opd: string, body: unknown, now: number) => Promise<IngestResult>) => async (req: Request, res: Response) => {
      const key = bearer(req);
      const owner = key ? await verifyIngestKey(deps.pool, key) : null;
      if (!owner) {
        res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'a valid ingest key is required (Authorization: Bearer <key>)', details: [] });
        return;
      }
      const result = await run(owner.opd, req.body, deps.clock());
      res.status(result.status).json(result.body);
    };
  router.post('/api/v1/ingest', withKey((opd, body, now) => deps.ingest.ingestPoints(opd, body, now)));
  router.post('/api/v1/events', withKey((opd, body, now) => deps.ingest.ingestEvents(opd, body, now)));
  return router;
}
