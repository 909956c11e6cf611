/**
 * What ingest workers report besides data: quarantined records (POST, with the OPD's ingest key) and feed
 * health (POST; GET for operators; pushed live to operators in the `feeds` room).
 */
import { Router } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { CatalogService } from '../catalog/service';
import type { IngestService } from '../ingest/service';
import {
  feedState,
  healthReportSchema,
  MAX_QUARANTINE_BATCH,
  quarantineBatchSchema,
  quarantineResolveSchema,
  type FeedHealth,
  type SourceHealthReport,
} from '../../shared/feeds';
import { toIssueDetails } from '../../shared/schemas';
import { appendAudit } from '../../db/queries/audit';
import {
  insertQuarantine,
  listHealth,
  listQuarantine,
  pruneQuarantine,
  quarantineOverflow,
  resolveQuarantine,
  upsertHealth,
} from '../../db/queries/feeds';
import { perKeyRateLimit } from '../http/auth';
import { z } from 'zod';
import { rawRecordsReadable } from '../access/policy';
import { ingestKeyOf } from '../http/auth';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';

/** Bounds on what workers may file in the quarantine (issue 13.12): a flood costs a bounded amount of storage. */
export interface QuarantineLimits {
  /** Requests per minute per key to POST /api/v1/quarantine. */
  perMinPerKey: number;
  /** Unresolved rows kept per OPD; more are counted (quarantine_overflow), not stored. */
  maxUnresolvedPerOpd: number;
  /** Resolved rows are deleted after this many days. */
  retentionDays: number;
}

export const DEFAULT_QUARANTINE_LIMITS: Readonly<QuarantineLimits> = Object.freeze({
  perMinPerKey: 120,
  maxUnresolvedPerOpd: 100_000,
  retentionDays: 90,
});

const PRUNE_EVERY_MS = 3_600_000;

/**
 * The readings a health report gives the two spool metrics (migration 022): 1/0 for a spool that cannot write,
 * and the records dropped since the previous report (from the cumulative counts). Only reports that carry the
 * spool fields (workers since issue 14) give readings. Pure.
 */
export function spoolReadings(
  reports: readonly Pick<SourceHealthReport, 'source' | 'opd' | 'spoolFull' | 'spoolDropped'>[],
  previousDropped: ReadonlyMap<string, number>,
): { metric: string; entity: string; value: number }[] {
  const out: { metric: string; entity: string; value: number }[] = [];
  for (const r of reports) {
    const entity = `${r.opd}/${r.source}`;
    if (r.spoolFull !== undefined) out.push({ metric: 'feed_spool_full', entity, value: r.spoolFull ? 1 : 0 });
    if (r.spoolDropped !== undefined) {
      // a worker whose count went back (its spool folder replaced) counts from its new total
      const before = previousDropped.get(entity) ?? 0;
      out.push({ metric: 'feed_spool_dropped', entity, value: r.spoolDropped >= before ? r.spoolDropped - before : r.spoolDropped });
    }
  }
  return out;
}

/** GET /api/v1/quarantine's query: numbers checked here, never handed to SQL as they come. */
export const quarantineQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  source: z.string().min(1).max(64).optional(),
  /** `false` (default): open records; `true`: resolved ones; `all`: both. */
  resolved: z.enum(['true', 'false', 'all']).default('false'),
});

export function createFeedRoutes(deps: {
  pool: pg.Pool;
  /** Where reports go live (the feeds channel); the route never emits on a socket. */
  publish: (feeds: FeedHealth[]) => void;
  principalOf: PrincipalOf;
  clock: () => number;
  quarantine?: Partial<QuarantineLimits>;
  /** Where the spool readings go (alerts follow them); absent: feed health only. */
  ingest?: Pick<IngestService, 'ingestPoints'>;
  catalog: Pick<CatalogService, 'visibleTo' | 'items' | 'metric'>;
  log?: Pick<Logger, 'warn' | 'error'>;
}): Router {
  const router = Router();
  const limits: QuarantineLimits = { ...DEFAULT_QUARANTINE_LIMITS, ...deps.quarantine };
  let prunedAt = 0;

  const keyOwner = (req: Parameters<PrincipalOf>[0], res: Parameters<typeof ingestKeyOf>[2]) => ingestKeyOf(deps.pool, req, res);

  router.post(
    '/api/v1/quarantine',
    perKeyRateLimit('quarantine', limits.perMinPerKey, 'too many quarantine requests with this key; slow down and retry'),
  );
  router.post('/api/v1/quarantine', async (req, res) => {
    const owner = await keyOwner(req, res);
    if (!owner) return void res.status(401).json({ error: 'a valid ingest key is required', details: [] });
    const entries = (req.body as { entries?: unknown } | null)?.entries;
    if (Array.isArray(entries) && entries.length > MAX_QUARANTINE_BATCH)
      return void res
        .status(413)
        .json({ error: `batch too large: ${entries.length} entries, at most ${MAX_QUARANTINE_BATCH} per request`, details: [] });
    const parsed = quarantineBatchSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid quarantine batch', details: toIssueDetails(parsed.error) });
    // A key files quarantine under its own OPD only; entries of OPD-less sources are filed under it too.
    const foreign = parsed.data.entries.findIndex((e) => e.opd !== null && e.opd !== owner.opd);
    if (foreign >= 0)
      return void res.status(403).json({
        error: `key of ${owner.opd} may not file quarantine of another OPD`,
        details: [{ index: foreign, path: 'opd', message: 'foreign OPD' }],
      });
    const now = deps.clock();
    if (now - prunedAt > PRUNE_EVERY_MS) {
      prunedAt = now;
      await pruneQuarantine(deps.pool, limits.retentionDays);
    }
    const stored = await insertQuarantine(
      deps.pool,
      owner.opd,
      parsed.data.entries.map((e) => ({ ...e, opd: owner.opd })),
      limits.maxUnresolvedPerOpd,
    );
    // 202 even past the cap: the worker cannot do better by retrying, and the overflow is counted for operators
    reply(res, 'QuarantineAccepted', { accepted: parsed.data.entries.length, written: stored.written, overflow: stored.overflow }, 202);
  });

  router.post('/api/v1/sources/health', async (req, res) => {
    const owner = await keyOwner(req, res);
    if (!owner) return void res.status(401).json({ error: 'a valid ingest key is required', details: [] });
    const parsed = healthReportSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid health report', details: toIssueDetails(parsed.error) });
    const foreign = parsed.data.sources.findIndex((s) => s.opd !== owner.opd);
    if (foreign >= 0)
      return void res
        .status(403)
        .json({ error: `key of ${owner.opd} may report only its own feeds`, details: [{ index: foreign, path: 'opd', message: 'foreign OPD' }] });
    const now = deps.clock();
    const rows = parsed.data.sources.map((s) => ({ ...s, reportedAt: now }));
    const before = new Map((await listHealth(deps.pool)).map((h) => [`${h.opd}/${h.source}`, h.spoolDropped ?? 0]));
    await upsertHealth(deps.pool, rows);
    await reportSpool(rows, before, now);
    const feeds: FeedHealth[] = rows.map((r) => ({ ...r, state: feedState(r, now) }));
    deps.publish(feeds);
    reply(res, 'ReportAccepted', { accepted: rows.length }, 202);
  });

  /** Spool readings through the ingest service, as the owner OPD of the metrics (Diskominfo) would send them. */
  async function reportSpool(rows: readonly SourceHealthReport[], before: ReadonlyMap<string, number>, now: number): Promise<void> {
    const owner = deps.catalog?.metric('feed_spool_full')?.ownerOpd;
    if (!deps.ingest || !owner) return;
    const readings = spoolReadings(rows, before);
    if (readings.length === 0) return;
    try {
      const result = await deps.ingest.ingestPoints(
        { id: 0, opd: owner, scopes: ['points'] },
        { points: readings.map((r) => ({ ...r, time: now })) },
        now,
      );
      if (result.kind !== 'accepted') deps.log?.warn({ result }, 'spool health readings refused');
    } catch (e) {
      deps.log?.error({ err: e }, 'spool health readings failed');
    }
  }

  const operatorOnly = async (req: Parameters<PrincipalOf>[0]) => {
    const who = await deps.principalOf(req);
    return who && (who.role === 'operator' || who.role === 'admin') ? who : null;
  };

  router.get('/api/v1/sources/health', async (req, res) => {
    if (!(await operatorOnly(req))) return void res.status(403).json({ error: 'operators only', details: [] });
    const now = deps.clock();
    reply(res, 'Feeds', { feeds: (await listHealth(deps.pool)).map((h) => ({ ...h, state: feedState(h, now) })) });
  });

  router.get('/api/v1/quarantine', async (req, res) => {
    const who = await operatorOnly(req);
    if (!who) return void res.status(403).json({ error: 'operators only', details: [] });
    const parsed = quarantineQuerySchema.safeParse(req.query);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(parsed.error) });
    const q = parsed.data;
    // Raw records were refused before their class was known: shown only from OPDs whose data this caller may
    // read whole (an OPD with rahasia items keeps its refused records to itself).
    const items = deps.catalog.items();
    const opds = deps.catalog
      .visibleTo(who)
      .opd.map((o) => o.code)
      .filter((opd) => rawRecordsReadable(who, opd, items));
    const resolved = q.resolved === 'all' ? undefined : q.resolved === 'true';
    reply(res, 'QuarantineList', {
      entries: await listQuarantine(deps.pool, { source: q.source, opds, limit: q.limit, resolved }),
      overflow: await quarantineOverflow(deps.pool),
    });
  });

  router.post('/api/v1/quarantine/resolve', async (req, res) => {
    const who = await operatorOnly(req);
    if (!who) return void res.status(403).json({ error: 'operators only', details: [] });
    const parsed = quarantineResolveSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid request', details: toIssueDetails(parsed.error) });
    const actor = 'user' in who && who.user ? `user:${who.user}` : `token:${'tokenId' in who ? who.tokenId : '?'}`;
    const resolved = await resolveQuarantine(deps.pool, parsed.data.ids, actor);
    await appendAudit(deps.pool, [
      { actor, action: 'quarantine.resolved', target: 'quarantine', detail: { ids: parsed.data.ids, resolved }, source: req.ip ?? null },
    ]);
    reply(res, 'QuarantineResolved', { resolved });
  });

  return router;
}
