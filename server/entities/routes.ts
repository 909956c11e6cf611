/**
 * POST /api/v1/entities: an OPD registers the shape of its entities on the map (a road segment's line) with its
 * ingest key — zod-validated, all or nothing, idempotent upsert, every change audited in the same transaction,
 * then the server's geometry cache reloaded. Geometry is stored per (OPD, entity) and the OPD is the key's, so a
 * key can never overwrite what another OPD registered; a series is drawn with its metric owner's geometry.
 */
import { Router } from 'express';
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import { registeredEntities, upsertEntityGeometry } from '../../db/queries/entities';
import { inTransaction } from '../../db/transaction';
import { entitiesBatchSchema, toIssueDetails } from '../../shared/schemas';
import { requireIngestKey, perKeyRateLimit } from '../http/auth';
import type { GeometryCache } from './geometry';
import { reply } from '../http/reply';

export interface EntityRoutesDeps {
  pool: pg.Pool;
  geometry: Pick<GeometryCache, 'reload'>;
  clock: () => number;
  /** Requests per minute per key and address. */
  perMinPerKey: number;
}

export function createEntityRoutes(deps: EntityRoutesDeps): Router {
  const router = Router();
  const limit = perKeyRateLimit('entities', deps.perMinPerKey, 'too many entity registrations; slow down and retry');
  router.post('/api/v1/entities', limit, async (req, res) => {
    const key = await requireIngestKey(deps.pool, req, res, 'points');
    if (!key) return;
    const parsed = entitiesBatchSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid batch; nothing was written', details: toIssueDetails(parsed.error) });
    const entities = parsed.data.entities;

    const now = deps.clock();
    const changed = await inTransaction(deps.pool, async (client) => {
      const known = await registeredEntities(
        client,
        key.opd,
        entities.map((e) => e.entity),
      );
      const written = await upsertEntityGeometry(client, key.opd, entities, now);
      const byEntity = new Map(entities.map((e) => [e.entity, e]));
      await appendAudit(
        client,
        written.map((entity) => {
          const e = byEntity.get(entity)!;
          const [first, last] = e.path ? [e.path[0]!, e.path[e.path.length - 1]!] : [null, null];
          return {
            actor: `key:${key.id}@${key.opd}`,
            action: known.has(entity) ? 'entity.geometry_updated' : 'entity.geometry_registered',
            target: `entity:${key.opd}/${entity}`,
            detail: { name: e.name ?? null, vertices: e.path?.length ?? 0, from: first, to: last },
            source: req.ip ?? null,
          };
        }),
        now,
      );
      return written;
    });
    // new snapshots and new series carry the lines from now on (live clients get them on their next resync)
    if (changed.length > 0) await deps.geometry.reload();
    reply(res, 'EntitiesRegistered', { accepted: entities.length, changed: changed.length });
  });
  return router;
}
