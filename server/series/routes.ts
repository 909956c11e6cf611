/** GET /api/v1/series and GET /api/v1/catalog: what the caller's rights allow. */
import { Router } from 'express';
import { seriesQuerySchema, toIssueDetails } from '../../shared/schemas';
import type { CatalogService } from '../catalog/service';
import type { PrincipalOf } from '../http/principal';
import type { SeriesService } from './service';
import { reply } from '../http/reply';

export function createSeriesRoutes(deps: { catalog: CatalogService; series: SeriesService; principalOf: PrincipalOf }): Router {
  const router = Router();
  router.get('/api/v1/catalog', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    reply(res, 'Catalog', deps.catalog.visibleTo(who));
  });
  router.get('/api/v1/series', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    const parsed = seriesQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error).map((d) => ({ ...d, index: null })) });
    }
    const q = parsed.data;
    const metric = deps.catalog.metric(q.metric);
    if (!metric) return void res.status(404).json({ error: `unknown metric '${q.metric}'`, details: [] });
    const decision = deps.catalog.decide(who, metric, 'metric', q.purpose);
    if (!decision.allow) return void res.status(403).json({ error: decision.reason, details: [] });
    const result = await deps.series.range(metric.code, q.from, q.to, q.bucket, q.entity);
    if ('error' in result) return void res.status(400).json({ error: result.error, details: [] });
    // A series of a classified entity (a rahasia project) is left out as if it did not exist.
    reply(res, 'SeriesRange', { ...result, series: result.series.filter((s) => deps.catalog.decideSeries(who, metric, s.entity, q.purpose).allow) });
  });
  return router;
}
