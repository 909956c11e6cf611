/**
 * GET /api/v1/sharing/agreements: the data-sharing agreements in force that concern the caller.
 *
 * An agency sees the agreements under which another OPD shares with it (`direction: 'received'`, only for
 * items the access rule lets it read for that agreement's purpose) and those under which it shares its own
 * data (`direction: 'granted'`). Operators and admins, who have no OPD, see every agreement in force
 * (`direction: 'other'`). The public gets 401: agreements name OPD and purposes.
 */
import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { assertNever } from '../../shared/ack';
import { toIssueDetails } from '../../shared/schemas';
import {
  sharingDecisionSchema,
  sharingDisputeSchema,
  sharingRenewSchema,
  sharingRequestInputSchema,
  type SharingAgreementView,
  type SharingRequestView,
} from '../../shared/sharing';
import type { Principal } from '../../shared/contract';
import type { SharingResult, SharingService } from './service';
import { loadAgreements } from '../../db/queries/sharing';
import { canRead, type Agreement } from '../access/policy';
import type { CatalogService } from '../catalog/service';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';

export type AgreementDirection = 'received' | 'granted' | 'other';

export interface AgreementView {
  id: number;
  direction: AgreementDirection;
  ownerOpd: string;
  granteeOpd: string;
  itemType: 'metric' | 'event_kind';
  itemCode: string;
  purpose: string;
  /** ISO 8601 */
  validFrom: string;
  validUntil: string;
}

export function createSharingRoutes(deps: { pool: pg.Pool; catalog: CatalogService; principalOf: PrincipalOf; clock: () => number }): Router {
  const router = Router();
  router.get('/api/v1/sharing/agreements', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    if (who.role === 'public') return void res.status(401).json({ error: 'sign in to see sharing agreements', details: [] });
    const now = deps.clock();
    const inForce = (await loadAgreements(deps.pool)).filter((a) => !a.suspended && a.validFrom <= now && now < a.validUntil);
    const item = (a: Agreement) => (a.itemType === 'metric' ? deps.catalog.metric(a.itemCode) : deps.catalog.eventKind(a.itemCode));
    const out: AgreementView[] = [];
    for (const a of inForce) {
      let direction: AgreementDirection;
      if (who.role === 'agency') {
        if (a.granteeOpd === who.opd) {
          // listed only when the one access rule lets the caller read the item for this purpose
          const what = item(a);
          // (with the agreements just read, not the catalog's copy that lags up to 5 s behind)
          if (!what || !canRead(who, what, { purpose: a.purpose, agreements: inForce, now, itemType: a.itemType }).allow) continue;
          direction = 'received';
        } else if (a.ownerOpd === who.opd) direction = 'granted';
        else continue;
      } else direction = 'other';
      out.push({
        id: a.id,
        direction,
        ownerOpd: a.ownerOpd,
        granteeOpd: a.granteeOpd,
        itemType: a.itemType,
        itemCode: a.itemCode,
        purpose: a.purpose,
        validFrom: new Date(a.validFrom).toISOString(),
        validUntil: new Date(a.validUntil).toISOString(),
      });
    }
    reply(res, 'SharingAgreements', { agreements: out });
  });
  return router;
}

const idSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, 'not an id')
    .transform(Number),
});

const STATUS = { not_signed_in: 401, not_found: 404, forbidden: 403, invalid: 400, conflict: 409 } as const;

/** Maps a failed domain result to HTTP (the one place). */
function fail(res: Response, r: Exclude<SharingResult<object>, { kind: 'ok' }>): void {
  switch (r.kind) {
    case 'not_signed_in':
      return reply(res, 'Error', { error: 'sign in to work on sharing agreements', details: [] }, STATUS[r.kind]);
    case 'not_found':
      return reply(res, 'Error', { error: `no ${r.what} you may see`, details: [] }, STATUS[r.kind]);
    case 'forbidden':
    case 'invalid':
    case 'conflict':
      return reply(res, 'Error', { error: r.reason, details: [] }, STATUS[r.kind]);
    default:
      return assertNever(r);
  }
}

/**
 * Sharing on request (issue 19): the caller's requests and agreements with their state and usage, asking,
 * deciding (approve, narrow, refuse), withdrawing, renewing, disputing and lifting a dispute, the owner's
 * usage view, and the needs-and-availability matrix (admins and Bappeda).
 */
export function createSharingRequestRoutes(deps: { sharing: SharingService; principalOf: PrincipalOf }): Router {
  const router = Router();
  const { sharing } = deps;
  const principal = async (req: Request, res: Response) => {
    const who = await deps.principalOf(req);
    if (!who) reply(res, 'Error', { error: 'invalid or revoked token', details: [] }, 401);
    return who;
  };
  /** The body, or a 400 naming every issue. */
  const bodyOf = <S extends z.ZodType>(schema: S, req: Request, res: Response): z.output<S> | null => {
    const p = schema.safeParse(req.body ?? {});
    if (p.success) return p.data;
    reply(res, 'Error', { error: 'invalid body', details: toIssueDetails(p.error).map((d) => ({ ...d, index: null })) }, 400);
    return null;
  };
  const idOf = (req: Request, res: Response): number | null => {
    const p = idSchema.safeParse(req.params);
    if (p.success) return p.data.id;
    reply(res, 'Error', { error: 'not an id', details: toIssueDetails(p.error).map((d) => ({ ...d, index: null })) }, 400);
    return null;
  };
  const source = (req: Request) => req.ip ?? null;

  router.get('/api/v1/sharing/overview', async (req, res) => {
    const who = await principal(req, res);
    if (!who) return;
    const r = await sharing.overview(who);
    if (r.kind !== 'ok') return fail(res, r);
    reply(res, 'SharingOverview', { requests: r.requests, agreements: r.agreements, requestable: r.requestable });
  });
  router.post('/api/v1/sharing/requests', async (req, res) => {
    const who = await principal(req, res);
    if (!who) return;
    const body = bodyOf(sharingRequestInputSchema, req, res);
    if (!body) return;
    const r = await sharing.request(who, body, source(req));
    if (r.kind !== 'ok') return fail(res, r);
    reply(res, 'SharingRequest', { request: r.request }, 201);
  });
  /**
   * A route about one request or agreement: the caller signed in, the id, the body (when the route takes one) —
   * each refused with its own status — then the service, its refusal mapped by `fail`, its result by `answer`.
   */
  const onOne =
    <S extends z.ZodType | null, T extends object>(
      schema: S,
      run: (who: Principal, id: number, body: S extends z.ZodType ? z.output<S> : null, source: string | null) => Promise<SharingResult<T>>,
      answer: (res: Response, r: T) => void,
    ) =>
    async (req: Request, res: Response) => {
      const who = await principal(req, res);
      if (!who) return;
      const id = idOf(req, res);
      if (id === null) return;
      const body = schema === null ? null : bodyOf(schema, req, res);
      if (schema !== null && body === null) return;
      const r = await run(who, id, body as S extends z.ZodType ? z.output<S> : null, source(req));
      if (r.kind !== 'ok') return fail(res, r);
      answer(res, r);
    };
  const request =
    (status = 200) =>
    (res: Response, r: { request: SharingRequestView }) =>
      reply(res, 'SharingRequest', { request: r.request }, status);
  const agreement = (res: Response, r: { agreement: SharingAgreementView }) => reply(res, 'SharingAgreement', { agreement: r.agreement });

  router.post(
    '/api/v1/sharing/requests/:id/decision',
    onOne(sharingDecisionSchema, (who, id, body, src) => sharing.decide(who, id, body, src), request()),
  );
  router.post(
    '/api/v1/sharing/requests/:id/withdraw',
    onOne(null, (who, id, _b, src) => sharing.withdraw(who, id, src), request()),
  );
  router.post(
    '/api/v1/sharing/agreements/:id/renew',
    onOne(
      sharingRenewSchema,
      (who, id, body, src) => sharing.renew(who, id, body, src),
      // the owner extended it (200, the agreement); the grantee asked (201, the renewal request)
      (res, r) => ('agreement' in r ? agreement(res, r) : request(201)(res, r)),
    ),
  );
  router.post(
    '/api/v1/sharing/agreements/:id/dispute',
    onOne(sharingDisputeSchema, (who, id, body, src) => sharing.dispute(who, id, body.note, src), agreement),
  );
  router.post(
    '/api/v1/sharing/agreements/:id/resolve',
    onOne(sharingDisputeSchema, (who, id, body, src) => sharing.resolve(who, id, body.note, src), agreement),
  );
  router.get(
    '/api/v1/sharing/agreements/:id/usage',
    onOne(
      null,
      (who, id, _b, src) => sharing.usage(who, id, src),
      (res, r) => reply(res, 'SharingUsage', r.usage),
    ),
  );
  router.get('/api/v1/sharing/matrix', async (req, res) => {
    const who = await principal(req, res);
    if (!who) return;
    const r = sharing.matrix(who);
    if (r.kind !== 'ok') return fail(res, r);
    reply(res, 'SharingMatrix', await r.matrix);
  });
  return router;
}
