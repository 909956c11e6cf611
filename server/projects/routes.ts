/**
 * POST /api/v1/projects: an OPD registers its public-works projects with its ingest key (zod-validated, all or
 * nothing, idempotent upsert, every change audited in the same transaction). A key writes only projects of
 * its own OPD, and cannot take over a project another OPD registered.
 */
import { Router } from 'express';
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import { projectOwners, upsertProjects } from '../../db/queries/projects';
import { inTransaction } from '../../db/transaction';
import { projectsBatchSchema, toIssueDetails, type IssueDetail } from '../../shared/schemas';
import type { CatalogService } from '../catalog/service';
import { requireIngestKey, perKeyRateLimit } from '../http/auth';
import { reply } from '../http/reply';

export interface ProjectRoutesDeps {
  pool: pg.Pool;
  catalog: Pick<CatalogService, 'hasRegion' | 'refreshEntities'>;
  clock: () => number;
  /** Requests per minute per key and address. */
  perMinPerKey: number;
}

export function createProjectRoutes(deps: ProjectRoutesDeps): Router {
  const router = Router();
  const limit = perKeyRateLimit('projects', deps.perMinPerKey, 'too many project registrations; slow down and retry');
  router.post('/api/v1/projects', limit, async (req, res) => {
    const key = await requireIngestKey(deps.pool, req, res, 'points');
    if (!key) return;
    const parsed = projectsBatchSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'invalid batch; nothing was written', details: toIssueDetails(parsed.error) });
    const projects = parsed.data.projects;
    const invalid: IssueDetail[] = [];
    projects.forEach((p, index) => {
      if (p.region !== undefined && !deps.catalog.hasRegion(p.region))
        invalid.push({ index, path: 'region', message: `unknown region '${p.region}'` });
    });
    if (invalid.length) return void res.status(400).json({ error: 'invalid batch; nothing was written', details: invalid });
    const owners = await projectOwners(
      deps.pool,
      projects.map((p) => p.id),
    );
    const forbidden: IssueDetail[] = [];
    projects.forEach((p, index) => {
      if (p.opd !== key.opd) forbidden.push({ index, path: 'opd', message: `a key of ${key.opd} registers only projects of ${key.opd}` });
      else if (owners.has(p.id) && owners.get(p.id) !== key.opd)
        forbidden.push({ index, path: 'id', message: `project '${p.id}' is registered by ${owners.get(p.id)}` });
    });
    if (forbidden.length)
      return void res.status(403).json({ error: `key of ${key.opd} may not write these projects; nothing was written`, details: forbidden });

    const now = deps.clock();
    const written = await inTransaction(deps.pool, async (client) => {
      const ids = await upsertProjects(client, projects, now);
      const byId = new Map(projects.map((p) => [p.id, p]));
      await appendAudit(
        client,
        ids.map((id) => {
          const p = byId.get(id)!;
          return {
            actor: `key:${key.id}@${key.opd}`,
            action: owners.has(id) ? 'project.updated' : 'project.registered',
            target: `project:${id}`,
            detail: {
              name: p.name,
              contractValue: p.contractValue,
              contractStart: p.contractStart,
              contractEnd: p.contractEnd,
              region: p.region ?? null,
            },
            source: req.ip ?? null,
          };
        }),
        now,
      );
      return ids;
    });
    // The class of a project applies to its series from the answer on (in this process; others within seconds).
    await deps.catalog.refreshEntities();
    reply(res, 'Accepted', { accepted: projects.length, written: written.length }, 202);
  });
  return router;
}
