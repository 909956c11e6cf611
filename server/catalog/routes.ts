/**
 * The admin catalog REST (issue 17): the catalog document (GET, PUT with ?dryRun=1 and ?confirm=1) and one item
 * (PUT/DELETE /api/v1/admin/catalog/{opd|domains|metrics|event-kinds}/:code). Admin role only. Bodies are
 * validated with the document's zod schemas (shared/catalog-document.ts); the service's domain results are
 * mapped to HTTP here and nowhere else.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import {
  ADMIN_CATALOG_PATHS,
  CATALOG_SECTIONS,
  catalogDocumentSchema,
  pathText,
  sectionItemSchemas,
  zodProblems,
  type CatalogProblem,
  type CatalogSection,
} from '../../shared/catalog-document';
import type { Principal } from '../../shared/contract';
import { assertNever } from '../../shared/ack';
import { actorOf } from '../auth/service';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import type { CatalogAdmin, CatalogApplyResult } from './admin';

const flag = z
  .enum(['1', '0', 'true', 'false'])
  .optional()
  .transform((v) => v === '1' || v === 'true');

/** Query of the catalog's PUT and DELETE routes. */
export const catalogChangeQuerySchema = z.object({
  dryRun: flag.describe('1: judge and list the changes, write nothing'),
  confirm: flag.describe('1: relax the class of items sharing agreements depend on (otherwise 409)'),
});

export const catalogItemParamsSchema = z.object({
  section: z.enum(CATALOG_SECTIONS),
  code: z.string().min(1).max(64),
});

/** A single item's body: the item in the document format; `confirm: true` may come here instead of the query. */
const confirmInBody = z.object({ confirm: z.boolean().optional() }).passthrough();

type Admin = Exclude<Principal, { role: 'public' }>;

const details = (problems: readonly CatalogProblem[]) => problems.map((p) => ({ index: null, path: pathText(p.path), message: p.message }));

function answer(res: Response, r: CatalogApplyResult): void {
  switch (r.kind) {
    case 'ok':
      return reply(res, 'CatalogChanges', { applied: r.applied, changes: r.changes });
    case 'invalid':
      return reply(res, 'Error', { error: 'the catalog would not be valid; nothing was changed', details: details(r.problems) }, 400);
    case 'relaxation_unconfirmed':
      return reply(
        res,
        'CatalogConflict',
        {
          error: 'relaxing the class of an item that sharing agreements depend on needs confirmation (confirm=1); nothing was changed',
          details: r.relaxations.map((x) => ({
            index: null,
            path: `${x.section}.${x.code}.class`,
            message: `${x.from} → ${x.to}: agreement(s) ${x.agreements.map((a) => `#${a.id} (${a.granteeOpd}, ${a.purpose})`).join(', ')} depend on it`,
          })),
          relaxations: r.relaxations,
        },
        409,
      );
    case 'in_use':
      return reply(
        res,
        'Error',
        {
          error: `${r.section} '${r.code}' is in use and cannot be deleted; nothing was changed`,
          details: r.reasons.map((m) => ({ index: null, path: `${r.section}.${r.code}`, message: m })),
        },
        409,
      );
    case 'not_found':
      return reply(res, 'Error', { error: `no ${r.section} item '${r.code}'`, details: [] }, 404);
    default:
      return assertNever(r);
  }
}

/**
 * Before the large body parser on PUT /api/v1/admin/catalog: a whole catalog of a kota (400 metrics and more)
 * outgrows the small body limit of other /api routes, so this route takes MAX_BODY_BYTES — but only from an
 * admin; anyone else is answered with the body unread (as ingestKeyGate does for ingest).
 */
export function adminBodyGate(principalOf: PrincipalOf): RequestHandler {
  return (req, res, next) => {
    principalOf(req).then((who) => {
      if (who && who.role === 'admin') return next();
      if (!who || who.role === 'public') return reply(res, 'Error', { error: 'sign in first', details: [] }, 401);
      reply(res, 'Error', { error: 'admins only', details: [] }, 403);
    }, next);
  };
}

export function createCatalogAdminRoutes(deps: { admin: CatalogAdmin; principalOf: PrincipalOf }): Router {
  const router = Router();

  /** The admin calling, or null when the answer was sent (401/403). */
  const adminOf = async (req: Request, res: Response): Promise<Admin | null> => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') return (void reply(res, 'Error', { error: 'sign in first', details: [] }, 401), null);
    if (who.role !== 'admin') return (void reply(res, 'Error', { error: 'admins only', details: [] }, 403), null);
    return who;
  };
  const bad = (res: Response, what: string, problems: CatalogProblem[]) =>
    reply(res, 'Error', { error: `invalid ${what}; nothing was changed`, details: details(problems) }, 400);

  router.get(ADMIN_CATALOG_PATHS.document, async (req, res) => {
    if (!(await adminOf(req, res))) return;
    res.set('cache-control', 'no-store');
    reply(res, 'CatalogDocument', await deps.admin.document());
  });

  router.put(ADMIN_CATALOG_PATHS.document, async (req, res) => {
    const who = await adminOf(req, res);
    if (!who) return;
    const q = catalogChangeQuerySchema.safeParse(req.query);
    if (!q.success) return bad(res, 'query', zodProblems(q.error));
    const doc = catalogDocumentSchema.safeParse(req.body);
    if (!doc.success) return bad(res, 'catalog document', zodProblems(doc.error));
    answer(res, await deps.admin.importDocument(doc.data, { actor: actorOf(who), source: req.ip ?? null, ...q.data }));
  });

  router.put(ADMIN_CATALOG_PATHS.item, async (req, res) => {
    const who = await adminOf(req, res);
    if (!who) return;
    const p = catalogItemParamsSchema.safeParse(req.params);
    if (!p.success) return bad(res, 'path', zodProblems(p.error));
    const q = catalogChangeQuerySchema.safeParse(req.query);
    if (!q.success) return bad(res, 'query', zodProblems(q.error));
    const section: CatalogSection = p.data.section;
    const outer = confirmInBody.safeParse(req.body);
    if (!outer.success) return bad(res, 'body', zodProblems(outer.error));
    const { confirm, ...rest } = outer.data;
    const item = sectionItemSchemas[section].safeParse(rest);
    if (!item.success) return bad(res, `${section} item`, zodProblems(item.error));
    if (item.data.code !== p.data.code)
      return bad(res, `${section} item`, [{ path: ['code'], message: `the body's code '${item.data.code}' is not the path's '${p.data.code}'` }]);
    answer(
      res,
      await deps.admin.putItem(section, item.data, {
        actor: actorOf(who),
        source: req.ip ?? null,
        dryRun: q.data.dryRun,
        confirm: q.data.confirm || confirm === true,
      }),
    );
  });

  router.delete(ADMIN_CATALOG_PATHS.item, async (req, res) => {
    const who = await adminOf(req, res);
    if (!who) return;
    const p = catalogItemParamsSchema.safeParse(req.params);
    if (!p.success) return bad(res, 'path', zodProblems(p.error));
    const q = catalogChangeQuerySchema.safeParse(req.query);
    if (!q.success) return bad(res, 'query', zodProblems(q.error));
    answer(res, await deps.admin.deleteItem(p.data.section, p.data.code, { actor: actorOf(who), source: req.ip ?? null, dryRun: q.data.dryRun }));
  });

  return router;
}
