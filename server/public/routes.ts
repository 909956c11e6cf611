/**
 * GET /api/public/v1/complaints/summary, /complaints/map, /metrics and /warnings (warnings.ts): anonymous, publik and aggregated only,
 * served from snapshots (cache.ts) with an ETag and a short max-age so browsers and proxies share them too.
 */
import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { complaintRows, publicMetricRows } from '../../db/queries/public';
import { toIssueDetails } from '../../shared/schemas';
import { complaintMap, LONGEST_PERIOD_MS, PERIOD_NAMES, publicMetrics, summarizeComplaints, type Period } from './aggregation';
import { PUBLIC_VIEW_DEFAULTS } from './defaults';
import { createSnapshotCache, matchesEtag, type Rendered, type Snapshot } from './cache';
import { warningsHandler } from './warnings';

type ComplaintData = Awaited<ReturnType<typeof complaintRows>>;

export interface PublicRoutesDeps {
  db: Pick<pg.Pool, 'query'>;
  /** Smallest count published; 1..k-1 is suppressed. Default PUBLIC_VIEW_DEFAULTS. */
  k?: number | undefined;
  cacheMs?: number | undefined;
  clock: () => number;
  log?: Pick<Logger, 'warn'>;
}

const periodQuery = z.object({ period: z.enum(PERIOD_NAMES as [Period, ...Period[]]).default('7d') });

export function createPublicRoutes(deps: PublicRoutesDeps): Router {
  const { db, clock } = deps;
  const k = deps.k ?? PUBLIC_VIEW_DEFAULTS.kAnonymity;
  const cacheMs = deps.cacheMs ?? PUBLIC_VIEW_DEFAULTS.cacheMs;
  const onStale = (what: string) => (err: unknown) => deps.log?.warn({ err }, `public ${what}: database unavailable, serving the last snapshot`);
  // One query serves every period and both complaint endpoints.
  const complaints = createSnapshotCache({ ttlMs: cacheMs, clock, load: (now) => complaintRows(db, now - LONGEST_PERIOD_MS), onStale: onStale('complaints') });
  const metrics = createSnapshotCache({ ttlMs: cacheMs, clock, load: () => publicMetricRows(db), onStale: onStale('metrics') });
  const summary = (snap: Snapshot<ComplaintData>, p: Period) =>
    snap.memo(`summary:${p}`, (v, now) => summarizeComplaints(v.rows, { period: p, k, now, regions: v.regions }));
  const maxAge = Math.max(0, Math.floor(cacheMs / 1000));

  const send = (req: Request, res: Response, r: Rendered) => {
    const gzip = req.acceptsEncodings('gzip') === 'gzip';
    const etag = gzip ? r.etagGzip : r.etag;
    res.vary('Accept-Encoding').set('ETag', etag).set('Cache-Control', `public, max-age=${maxAge}`);
    if (matchesEtag(req.headers['if-none-match'], etag)) return void res.status(304).end();
    res.type('application/json');
    if (gzip) res.set('Content-Encoding', 'gzip').send(r.gzip());
    else res.send(r.body);
  };
  const period = (req: Request, res: Response): Period | null => {
    const parsed = periodQuery.safeParse(req.query);
    if (parsed.success) return parsed.data.period;
    res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error).map((d) => ({ ...d, index: null })) });
    return null;
  };

  const router = Router();
  router.get('/api/public/v1/complaints/summary', async (req, res) => {
    const p = period(req, res);
    if (!p) return;
    const snap = await complaints.get();
    send(req, res, snap.view(`summary:${p}`, () => summary(snap, p)));
  });
  router.get('/api/public/v1/complaints/map', async (req, res) => {
    const p = period(req, res);
    if (!p) return;
    const snap = await complaints.get();
    send(req, res, snap.view(`map:${p}`, (v) => complaintMap(summary(snap, p), v.regions)));
  });
  router.get('/api/public/v1/metrics', async (req, res) => {
    const snap = await metrics.get();
    send(req, res, snap.view('metrics', (rows, now) => publicMetrics(rows, now)));
  });
  router.get('/api/public/v1/warnings', warningsHandler({ db, clock, cacheMs, onStale: onStale('warnings') }, send));
  return router;
}
