/**
 * What ingest workers report besides data: quarantined records (POST, with the OPD's ingest key) and feed
 * health (POST; GET for operators; pushed live to operators in the `feeds` room).
 */
import { Router } from 'express';
import type pg from 'pg';
import { feedState, healthReportSchema, quarantineBatchSchema, type FeedHealth } from '../../shared/feeds';
import { toRoomId } from '../../shared/rooms';
import { toIssueDetails } from '../../shared/schemas';
import { verifyIngestKey } from '../../db/queries/credentials';
import { insertQuarantine, listHealth, listQuarantine, upsertHealth } from '../../db/queries/feeds';
import { bearer } from '../http/auth';
import type { PrincipalOf } from '../http/principal';
import type { IoServer } from '../realtime/socket';
import { NAMESPACES } from '../../shared/contract';
import { reply } from '../http/reply';

export function createFeedRoutes(deps: { pool: pg.Pool; io: IoServer; principalOf: PrincipalOf; clock: () => number }): Router {
  const router = Router();

  const keyOwner = async (req: Parameters<PrincipalOf>[0]) => {
    const key = bearer(req);
    return key ? verifyIngestKey(deps.pool, key) : null;
  };

  router.post('/api/v1/quarantine', async (req, res) => {
    const owner = await keyOwner(req);
    if (!owner) return void res.status(401).json({ error: 'a valid ingest key is required', details: [] });
    const parsed = quarantineBatchSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid quarantine batch', details: toIssueDetails(parsed.error) });
    // A key files quarantine under its own OPD only; entries of OPD-less sources are filed under it too.
    const foreign = parsed.data.entries.findIndex((e) => e.opd !== null && e.opd !== owner.opd);
    if (foreign >= 0)
      return void res.status(403).json({
        error: `key of ${owner.opd} may not file quarantine of another OPD`,
        details: [{ index: foreign, path: 'opd', message: 'foreign OPD' }],
      });
    const stored = await insertQuarantine(
      deps.pool,
      parsed.data.entries.map((e) => ({ ...e, opd: owner.opd })),
    );
    reply(res, 'Accepted', { accepted: parsed.data.entries.length, written: stored }, 202);
  });

  router.post('/api/v1/sources/health', async (req, res) => {
    const owner = await keyOwner(req);
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
    await upsertHealth(deps.pool, rows);
    const feeds: FeedHealth[] = rows.map((r) => ({ ...r, state: feedState(r, now) }));
    deps.io
      .of(NAMESPACES.live)
      .to(toRoomId({ type: 'feeds' }))
      .emit('feeds:reported', { feeds });
    reply(res, 'ReportAccepted', { accepted: rows.length }, 202);
  });

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
    if (!(await operatorOnly(req))) return void res.status(403).json({ error: 'operators only', details: [] });
    const limit = Math.min(1_000, Math.max(1, Number(req.query.limit) || 100));
    const source = typeof req.query.source === 'string' ? req.query.source : undefined;
    reply(res, 'QuarantineList', { entries: await listQuarantine(deps.pool, { source, limit }) });
  });

  return router;
}
