/** POST /api/v1/ingest and /api/v1/events: authenticated by an OPD's ingest key. */
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { rateLimitStore } from '../http/rate-store';
import type pg from 'pg';
import type { VerifiedKey } from '../../db/queries/credentials';
import { requireIngestKey, perKeyRateLimit } from '../http/auth';
import type { IngestResult, IngestService } from './service';
import { assertNever } from '../../shared/ack';
import { reply } from '../http/reply';

export interface IngestLimits {
  perMinPerKey: number;
  perMinPerIp: number;
}

/** A batch's fate as HTTP: 202 with the counts, or the refusal worded for the agency's developer. */
export function answer(res: Response, r: IngestResult): void {
  switch (r.kind) {
    case 'accepted':
      return reply(
        res,
        'Accepted',
        {
          accepted: r.accepted,
          written: r.written,
          ...(r.corrected !== undefined ? { corrected: r.corrected } : {}),
          ...(r.staleRevisions !== undefined ? { staleRevisions: r.staleRevisions } : {}),
        },
        202,
      );
    case 'too_large':
      return reply(res, 'Error', { error: `batch too large: ${r.items} ${r.field}, at most ${r.max} per request`, details: [] }, 413);
    case 'invalid':
      return reply(res, 'Error', { error: 'invalid batch; nothing was written', details: r.details }, 400);
    case 'forbidden':
      return reply(res, 'Error', { error: `key of ${r.opd} may not write these records; nothing was written`, details: r.details }, 403);
    default:
      return assertNever(r);
  }
}

export function createIngestRoutes(deps: { pool: pg.Pool; ingest: IngestService; clock: () => number; limits: IngestLimits }): Router {
  const router = Router();
  const tooMany = (what: string) => (_req: Request, res: Response) =>
    void res.status(429).json({ error: `too many ingest requests ${what}; slow down and retry`, details: [] });
  // Per client address first (whatever key it presents), then per key (the public prefix names it).
  const perIp = rateLimit({
    ...rateLimitStore('ingest-ip'),
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
      answer(res, await run(owner, req.body, deps.clock(), req.ip ?? null));
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
