/**
 * GET /api/v1/events/stats: event analytics for agency and operator callers (db/queries/event-analytics.ts),
 * within what the access rule lets the caller read of the event kind. The public gets its k-anonymous
 * share through /api/public/v1/complaints/performance instead.
 */
import { Router } from 'express';
import { auditSharedRead } from '../sharing/audit-read';
import type { UsageRecorder } from '../sharing/usage';
import { coarsenEventStats } from '../sharing/coarsen';
import type pg from 'pg';
import { z } from 'zod';
import { eventStats } from '../../db/queries/event-analytics';
import { EVENT_STATS_BUCKETS } from '../../shared/rest';
import { CATALOG_CODE, PURPOSE, toIssueDetails } from '../../shared/schemas';
import type { CatalogService } from '../catalog/service';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';

const HOUR = 3_600_000;
type BucketName = keyof typeof EVENT_STATS_BUCKETS;
export const EVENT_STATS_MAX_RANGE_MS = 400 * 24 * HOUR;
export const EVENT_STATS_MAX_BUCKETS = 2_000;

/** The smallest bucket that keeps a range within ~60 buckets. */
export function autoBucket(rangeMs: number): BucketName {
  const names = Object.keys(EVENT_STATS_BUCKETS) as BucketName[];
  return names.find((b) => rangeMs / EVENT_STATS_BUCKETS[b] <= 60) ?? '7d';
}

export const eventStatsQuerySchema = z
  .object({
    kind: z.string().regex(CATALOG_CODE, 'an event kind code'),
    from: z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
    to: z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
    bucket: z.enum([...(Object.keys(EVENT_STATS_BUCKETS) as BucketName[]), 'auto']).default('auto'),
    overdueLimit: z.coerce.number().int().min(0).max(1_000).default(100),
    purpose: PURPOSE.optional(),
  })
  .refine((q) => q.to > q.from, { message: 'to must be after from', path: ['to'] })
  .refine((q) => q.to - q.from <= EVENT_STATS_MAX_RANGE_MS, { message: 'range longer than 400 days', path: ['to'] });

export function createEventRoutes(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  principalOf: PrincipalOf;
  clock: () => number;
  usage?: UsageRecorder;
}): Router {
  const router = Router();
  router.get('/api/v1/events/stats', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    if (who.role === 'public') {
      return void res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ error: 'an access token is required; the public view is /api/public/v1/complaints/performance', details: [] });
    }
    const parsed = eventStatsQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error).map((d) => ({ ...d, index: null })) });
    }
    const q = parsed.data;
    const kind = deps.catalog.eventKind(q.kind);
    if (!kind) return void res.status(404).json({ error: `unknown event kind '${q.kind}'`, details: [] });
    const decision = deps.catalog.decide(who, kind, 'event_kind', q.purpose);
    if (!decision.allow) return void res.status(403).json({ error: decision.reason, details: [] });
    // The statistics are computed over the whole kota (rates, overdue lists): none of it is cut to an area yet, so
    // a territorial role reads its area's events live (events:subscribe) instead of a figure that mixes in others'.
    if (decision.territory !== undefined)
      return void res
        .status(403)
        .json({ error: `event statistics cover the whole kota; ${kind.code} is open to you for ${decision.territory} only`, details: [] });
    const bucketName = q.bucket === 'auto' ? autoBucket(q.to - q.from) : q.bucket;
    const bucketMs = EVENT_STATS_BUCKETS[bucketName];
    if ((q.to - q.from) / bucketMs > EVENT_STATS_MAX_BUCKETS) {
      return void res
        .status(400)
        .json({ error: `more than ${EVENT_STATS_MAX_BUCKETS} buckets; choose a larger bucket or a shorter range`, details: [] });
    }
    const stats = await eventStats(deps.pool, { kind: kind.code, from: q.from, to: q.to, bucketMs, now: deps.clock(), overdueLimit: q.overdueLimit });
    await auditSharedRead(
      deps.pool,
      who,
      { type: 'event_kind', code: kind.code, ownerOpd: kind.ownerOpd },
      decision,
      {
        via: 'rest',
        source: req.ip ?? null,
        detail: { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() },
      },
      deps.usage,
    );
    const answer = { ...stats, bucket: bucketName };
    // read through an agreement narrowed to a coarser region: regions merged up, as sharing/coarsen.ts says
    reply(res, 'EventStats', decision.via?.regionLevel ? coarsenEventStats(answer, decision.via.regionLevel) : answer);
  });
  return router;
}
