/**
 * GET /metrics for Prometheus, guarded: answered to a scraper on the same machine (a loopback peer that is not
 * a proxy forwarding someone else: no X-Forwarded-For or Forwarded header) or to one presenting METRICS_TOKEN
 * as a bearer token (compared in constant time). Everyone else gets 403, whatever TRUST_PROXY says: the
 * decision uses the TCP peer, never a forwarded address. The shipped nginx config does not route /metrics.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { Router, type Request } from 'express';
import type { ServerMetrics } from './metrics';

const isLoopback = (address: string | undefined) => {
  if (!address) return false;
  const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
};

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether the request may read the metrics (pure, for the table test). */
export function mayScrape(req: Pick<Request, 'headers'> & { socket: { remoteAddress?: string } }, token: string | undefined): boolean {
  const auth = req.headers.authorization;
  if (token && typeof auth === 'string' && auth.startsWith('Bearer ')) return timingSafeEqual(digest(auth.slice(7)), digest(token));
  const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return !forwarded && isLoopback(req.socket.remoteAddress);
}

export function createMetricsRoutes(deps: { metrics: ServerMetrics; token: string | undefined }): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!mayScrape(req, deps.token)) {
      return void res.status(403).json({ error: 'metrics are served to this machine, or with the metrics token (METRICS_TOKEN)', details: [] });
    }
    const { contentType, body } = await deps.metrics.render();
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });
  return router;
}
