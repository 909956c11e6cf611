/** GET /api/v1/series and GET /api/v1/catalog: what the caller's rights allow. */
import { Router } from 'express';
import type pg from 'pg';
import { auditSharedRead } from '../sharing/audit-read';
import type { UsageRecorder } from '../sharing/usage';
import { coarsenSeries } from '../sharing/coarsen';
import { inTerritory } from '../access/policy';
import { seriesQuerySchema, toIssueDetails } from '../../shared/schemas';
import type { CatalogService } from '../catalog/service';
import type { PrincipalOf } from '../http/principal';
import type { SeriesService } from './service';
import { reply } from '../http/reply';
import { currentOnly, rangeWithoutHistory } from '../public/current-only';

export function createSeriesRoutes(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  series: SeriesService;
  principalOf: PrincipalOf;
  usage?: UsageRecorder;
}): Router {
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
    await auditSharedRead(
      deps.pool,
      who,
      { type: 'metric', code: metric.code, ownerOpd: metric.ownerOpd },
      decision,
      {
        via: 'rest',
        source: req.ip ?? null,
        detail: { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() },
      },
      deps.usage,
    );
    // A series of a classified entity (a rahasia project) is left out as if it did not exist.
    // A territorial role (camat, lurah) reads the series located in its area only (access/policy.ts `territory`).
    const filtered = {
      ...result,
      series: inTerritory(result.series, decision).filter((s) => deps.catalog.decideSeries(who, metric, s.entity, q.purpose).allow),
    };
    // read through an agreement narrowed to a coarser region: region codes cut, no positions (sharing/coarsen.ts)
    const visible = decision.via?.regionLevel ? coarsenSeries(filtered, decision.via.regionLevel) : filtered;
    // anonymous callers get a current-only metric's latest readings without buckets (public/current-only.ts)
    reply(res, 'SeriesRange', who.role === 'public' && currentOnly(metric) ? rangeWithoutHistory(visible) : visible);
  });
  return router;
}
