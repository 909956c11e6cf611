/**
 * POST /api/v1/projects: an OPD registers its public-works projects with its ingest key (zod-validated, all or
 * nothing, idempotent upsert, every change audited in the same transaction). A key writes only projects of
 * its own OPD, and cannot take over a project another OPD registered. The answer carries the dig-once
 * `warnings[]` (server/projects/conflicts.ts): conflicts are recorded, nothing is refused.
 *
 * GET /api/v1/projects/conflicts and POST /api/v1/projects/conflicts/:id/coordinate: the conflict records.
 */
import { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { appendAudit } from '../../db/queries/audit';
import { projectOwners, upsertProjects } from '../../db/queries/projects';
import { inTransaction } from '../../db/transaction';
import { projectsBatchSchema, safeText, toIssueDetails, type IssueDetail } from '../../shared/schemas';
import { assertNever } from '../../shared/ack';
import { DEFAULT_UNRESOLVED_DAYS, unresolvedConflictsQuerySchema } from '../../shared/works';
import type { CatalogService } from '../catalog/service';
import { requireIngestKey, perKeyRateLimit } from '../http/auth';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import { createConflictService, type CoordinateResult } from './conflicts';
import { DEFAULT_OVERLAP_RULES, type OverlapRules } from './overlap';

export const coordinateSchema = z.object({ note: safeText(1000).pipe(z.string().trim().min(1, 'coordination needs a note')) });

const COORDINATE_STATUS: Record<Exclude<CoordinateResult, { kind: 'coordinated' }>['kind'], number> = {
  not_signed_in: 401,
  not_found: 404,
  not_party: 403,
  already_coordinated: 409,
};

function coordinateRefusal(r: Exclude<CoordinateResult, { kind: 'coordinated' }>): string {
  switch (r.kind) {
    case 'not_signed_in':
      return 'sign in to coordinate conflicts';
    case 'not_found':
      return 'no such conflict';
    case 'not_party':
      return `only ${r.opds[0]} or ${r.opds[1]} may mark this conflict coordinated`;
    case 'already_coordinated':
      return 'this conflict is already coordinated';
    default:
      return assertNever(r);
  }
}

export interface ProjectRoutesDeps {
  pool: pg.Pool;
  catalog: Pick<CatalogService, 'hasRegion' | 'refreshEntities' | 'decide'>;
  principalOf: PrincipalOf;
  clock: () => number;
  /** The dig-once distance and window (config OVERLAP_DISTANCE_M, OVERLAP_WINDOW_MONTHS). */
  overlap?: OverlapRules;
  /** Requests per minute per key and address. */
  perMinPerKey: number;
  /** Days after which an open conflict is listed as unresolved by default (config OVERLAP_UNRESOLVED_DAYS). */
  unresolvedDays?: number;
}

export function createProjectRoutes(deps: ProjectRoutesDeps): Router {
  const router = Router();
  const conflicts = createConflictService({
    pool: deps.pool,
    catalog: deps.catalog,
    clock: deps.clock,
    rules: deps.overlap ?? DEFAULT_OVERLAP_RULES,
  });
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
    const { written, check } = await inTransaction(deps.pool, async (client) => {
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
      return { written: ids, check: await conflicts.checkBatch(client, key.opd, projects, now) };
    });
    // The class of a project applies to its series from the answer on (in this process; others within seconds).
    await deps.catalog.refreshEntities();
    reply(
      res,
      'ProjectsAccepted',
      { accepted: projects.length, written: written.length, warnings: check.warnings, warningsOmitted: check.omitted },
      202,
    );
  });

  router.get('/api/v1/projects/conflicts', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    const list = await conflicts.list(who);
    if (!list) return void reply(res, 'Error', { error: 'sign in to see project conflicts', details: [] }, 401);
    reply(res, 'ProjectConflicts', { conflicts: list });
  });

  router.get('/api/v1/projects/conflicts/unresolved', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void reply(res, 'Error', { error: 'invalid or revoked token', details: [] }, 401);
    const parsed = unresolvedConflictsQuerySchema.safeParse(req.query);
    if (!parsed.success) return void reply(res, 'Error', { error: 'invalid query', details: toIssueDetails(parsed.error) }, 400);
    const days = parsed.data.olderThanDays ?? deps.unresolvedDays ?? DEFAULT_UNRESOLVED_DAYS;
    const found = await conflicts.unresolved(who, days);
    if (!found) return void reply(res, 'Error', { error: 'sign in to see project conflicts', details: [] }, 401);
    reply(res, 'UnresolvedConflicts', { olderThanDays: days, ...found });
  });

  router.post('/api/v1/projects/conflicts/:id/coordinate', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return void reply(res, 'Error', { error: 'sign in to coordinate conflicts', details: [] }, 401);
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) return void reply(res, 'Error', { error: 'not a conflict id', details: [] }, 400);
    const parsed = coordinateSchema.safeParse(req.body);
    if (!parsed.success) return void reply(res, 'Error', { error: 'invalid coordination', details: toIssueDetails(parsed.error) }, 400);
    const result = await conflicts.coordinate(who, id, parsed.data.note, req.ip ?? null);
    if (result.kind === 'coordinated') return reply(res, 'ProjectConflict', result.conflict);
    reply(res, 'Error', { error: coordinateRefusal(result), details: [] }, COORDINATE_STATUS[result.kind]);
  });
  return router;
}
