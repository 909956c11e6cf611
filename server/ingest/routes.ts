/** POST /api/v1/ingest and /api/v1/events: authenticated by an OPD's ingest key. */
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type pg from 'pg';
import type { VerifiedKey } from '../../db/queries/credentials';
import { requireIngestKey, perKeyRateLimit } from '../http/auth';
import type { IngestResult, IngestService } from './service';

export interface IngestLimits {
  perMinPerKey: number;
  perMinPerIp: number;
}

export function createIngestRoutes(deps: { pool: pg.Pool; ingest: IngestService; clock: () => number; limits: IngestLimits }): Router {
  const router = Router();
  const tooMany = (what: string) => (_req: Request, res: Response) =>
    void res.status(429).json({ error: `too many ingest requests ${what}; slow down and retry`, details: [] });
  // Per client address first (whatever key it presents), then per key (the public prefix names it).
  const perIp = rateLimit({
    windowMs: 60_000,
    limit: deps.limits.perMinPerIp,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: tooMany('from this address'),
  });
  const perKey = perKeyRateLimit('key', deps.limits.perMinPerKey, 'too many ingest requests with this key; slow down and retry');
  // POST only: GET /api/v1/events/stats (server/events) is a read, not ingest, and has no part of this quota
  router.post(['/api/v1/ingest', '/api/v1/events'], perIp, perKey);
  const withKey =
    (run: (key: VerifiedKey, body: unknown, now: number, source: string | null) => Promise<IngestResult>) => async (req: Request, res: Response) => {
      const owner = await requireIngestKey(deps.pool, req, res);
      if (!owner) return;
      const result = await run(owner, req.body, deps.clock(), req.ip ?? null);
      res.status(result.status).json(result.body);
    };
  router.post(
    '/api/v1/ingest',
    withKey((key, body, now) => deps.ingest.ingestPoints(key, body, now)),
  );
  router.post(
    '/api/v1/events',
    withKey((key, body, now, source) => deps.ingest.ingestEvents(key, body, now, source)),
  );
  return router;
}
