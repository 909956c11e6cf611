/** Bearer credentials on REST requests. */
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { rateLimitStore } from './rate-store';
import type pg from 'pg';
import { verifyIngestKey, type KeyScope, type VerifiedKey } from '../../db/queries/credentials';

export function bearer(req: Request): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S{1,512})$/i.exec(h);
  return m?.[1] ?? null;
}

/**
 * The ingest key presented as Bearer, verified; answers 401 itself and returns null when there is none
 * (ingest, project and entity registration all take the OPD's ingest key), and 403 when the key lacks the
 * scope the route needs (project and road registration describe series, so they need `points`; ingest checks
 * each item's scope itself).
 */
export async function requireIngestKey(pool: pg.Pool, req: Request, res: Response, needs?: KeyScope): Promise<VerifiedKey | null> {
  const key = await ingestKeyOf(pool, req, res);
  if (!key) {
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'a valid ingest key is required (Authorization: Bearer <key>)', details: [] });
    return null;
  }
  if (needs && !key.scopes.includes(needs)) {
    res.status(403).json({ error: `this key may not write ${needs} (its scopes: ${key.scopes.join(', ')}); nothing was written`, details: [] });
    return null;
  }
  return key;
}

/** The verified ingest key of the request (once per request: the gate below leaves it in res.locals), or null. */
export async function ingestKeyOf(pool: pg.Pool, req: Request, res: Response): Promise<VerifiedKey | null> {
  const known = res.locals.ingestKey as VerifiedKey | undefined;
  if (known) return known;
  const presented = bearer(req);
  const key = presented ? await verifyIngestKey(pool, presented) : null;
  if (key) res.locals.ingestKey = key;
  return key;
}

/** POST routes whose bodies may be large (MAX_BODY_BYTES): all take an OPD's ingest key. */
export const INGEST_BODY_PATHS = [
  '/api/v1/ingest',
  '/api/v1/events',
  '/api/v1/quarantine',
  '/api/v1/projects',
  '/api/v1/entities',
  '/api/v1/sources/health',
];

/**
 * Before the large body parser: a request without a valid ingest key is answered 401 with its body unread,
 * so only a key holder can make the server parse megabytes.
 */
export function ingestKeyGate(pool: pg.Pool): RequestHandler {
  return (req, res, next) => {
    ingestKeyOf(pool, req, res).then((key) => {
      if (key) return next();
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'a valid ingest key is required (Authorization: Bearer <key>)', details: [] });
    }, next);
  };
}

/** A per-minute limit per presented key and address; `scope` keeps the counters of different routes apart. */
export function perKeyRateLimit(scope: string, perMin: number, tooMany: string): RequestHandler {
  return rateLimit({
    ...rateLimitStore(`key:${scope}`),
    windowMs: 60_000,
    limit: perMin,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${scope}:${(bearer(req) ?? '').slice(0, 10)}:${ipKeyGenerator(req.ip ?? '')}`,
    handler: (_req: Request, res: Response) => void res.status(429).json({ error: tooMany, details: [] }),
  });
}
