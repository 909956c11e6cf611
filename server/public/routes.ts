/**
 * GET /api/public/v1/complaints/summary, /complaints/map, /complaints/performance, /metrics, /projects, /lines (lines.ts) and /warnings
 * (warnings.ts): anonymous, publik and aggregated only,
 * served from snapshots (cache.ts) with an ETag and a short max-age so browsers and proxies share them too.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { toIssueDetails } from '../../shared/schemas';
import { complaintMap, PERIOD_NAMES, publicMetrics, type Period } from './aggregation';
import { sendRendered, type Rendered, type Snapshot } from './cache';
import { publicProjects } from './projects';
import { publicLines } from './lines';
import type { Metric } from '../../shared/catalog';
import type { ComplaintData, PublicSources } from './sources';
import { warningsHandler } from './warnings';
import { answer } from '../http/reply';

export interface PublicRoutesDeps {
  sources: PublicSources;
  /** The catalog's word on the lines: which metrics are publik and whose, and which series the public may see. */
  catalog: {
    metric(code: string): Metric | undefined;
    publicSeries(metric: Metric, entity: string): boolean;
  };
}

const periodQuery = z.object({ period: z.enum(PERIOD_NAMES as [Period, ...Period[]]).default('7d') });

export function createPublicRoutes(deps: PublicRoutesDeps): Router {
  const { sources } = deps;
  const { complaints, metrics, summary, performance } = sources;
  const send = (req: Request, res: Response, r: Rendered) => sendRendered(req, res, r, { maxAgeS: sources.maxAgeS });
  const period = (req: Request, res: Response): Period | null => {
    const parsed = periodQuery.safeParse(req.query);
    if (parsed.success) return parsed.data.period;
    res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error).map((d) => ({ ...d, index: null })) });
    return null;
  };

  const router = Router();
  /** A complaints answer for the ?period asked: one view of the complaints snapshot per name and period. */
  const complaintsView =
    (name: string, derive: (snap: Snapshot<ComplaintData>, p: Period, v: ComplaintData) => unknown) => async (req: Request, res: Response) => {
      const p = period(req, res);
      if (!p) return;
      const snap = await complaints.get();
      send(
        req,
        res,
        snap.view(`${name}:${p}`, (v) => derive(snap, p, v)),
      );
    };
  router.get(
    '/api/public/v1/complaints/summary',
    complaintsView('summary', (snap, p) => answer('ComplaintSummary', summary(snap, p))),
  );
  router.get(
    '/api/public/v1/complaints/map',
    complaintsView('map', (snap, p, v) => answer('ComplaintMap', complaintMap(summary(snap, p), v.regions))),
  );
  router.get(
    '/api/public/v1/complaints/performance',
    complaintsView('performance', (snap, p) => answer('ComplaintPerformance', performance(snap, p))),
  );
  router.get('/api/public/v1/metrics', async (req, res) => {
    const snap = await metrics.get();
    send(
      req,
      res,
      snap.view('metrics', (rows, now) => answer('PublicMetrics', publicMetrics(rows, now))),
    );
  });
  router.get('/api/public/v1/projects', async (req, res) => {
    const snap = await sources.projects.get();
    send(
      req,
      res,
      snap.view('projects', (rows, now) => answer('PublicProjects', publicProjects(rows, now))),
    );
  });
  router.get('/api/public/v1/lines', async (req, res) => {
    const snap = await sources.lines.get();
    const { catalog } = deps;
    send(
      req,
      res,
      snap.view('lines', (rows, now) =>
        answer(
          'PublicLines',
          publicLines(rows, (c) => catalog.metric(c), catalog.publicSeries, now),
        ),
      ),
    );
  });
  router.get('/api/public/v1/warnings', warningsHandler({ cache: sources.warnings }, send));
  return router;
}
