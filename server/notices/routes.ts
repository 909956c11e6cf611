/**
 * REST of public notices (issue 21). Signed in (operators, admins, an OPD for its own): publish, edit, withdraw
 * (POST, like every write of this API). Anonymous: the current notices, the 90-day history, one notice as CAP
 * 1.2, and the Atom feed that indexes the CAP messages. Domain results map to HTTP here only.
 */
import { Router, type Request, type Response } from 'express';
import { assertNever } from '../../shared/ack';
import { noticeCreateSchema, noticeIdParams, noticeUpdateSchema, noticeWithdrawSchema } from '../../shared/notices';
import { toBodyIssueDetails } from '../../shared/schemas';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import { renderAtom, renderCap, type FeedContext } from './cap';
import type { NoticeResult, NoticeService } from './service';

/** Feeds and lists are cached by browsers and proxies this long (a notice reaches live pages at once anyway). */
const MAX_AGE_S = 30;

export function createNoticeRoutes(deps: {
  notices: NoticeService;
  principalOf: PrincipalOf;
  /** The city's code and name (the CAP sender and the feed's title). */
  city: () => Promise<{ code: string | null; name: string }>;
  clock: () => number;
}): Router {
  const { notices, clock } = deps;
  const router = Router();

  const signedIn = async (req: Request, res: Response) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') {
      reply(res, 'Error', { error: who ? 'sign in to publish notices' : 'invalid or revoked token', details: [] }, 401);
      return null;
    }
    return who;
  };
  const send = (res: Response, r: NoticeResult, created = false) => {
    switch (r.kind) {
      case 'ok':
        return reply(res, 'Notice', { notice: r.notice }, created ? 201 : 200);
      case 'not_signed_in':
        return reply(res, 'Error', { error: 'sign in first', details: [] }, 401);
      case 'forbidden':
        return reply(res, 'Error', { error: r.reason, details: [] }, 403);
      case 'not_found':
        return reply(res, 'Error', { error: 'no such notice', details: [] }, 404);
      case 'invalid':
        return reply(res, 'Error', { error: r.reason, details: [] }, 400);
      case 'conflict':
        return reply(res, 'Error', { error: r.reason, details: [] }, 409);
      default:
        return assertNever(r);
    }
  };
  const context = async (req: Request): Promise<FeedContext> => {
    const city = await deps.city();
    return { base: `${req.protocol}://${req.get('host') ?? 'localhost'}`, sender: `sinergi@${city.code ?? 'kota'}`, cityName: city.name };
  };
  const cached = (res: Response) => res.set('Cache-Control', `public, max-age=${MAX_AGE_S}`);

  router.post('/api/v1/notices', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const b = noticeCreateSchema.safeParse(req.body);
    if (!b.success) return reply(res, 'Error', { error: 'invalid notice', details: toBodyIssueDetails(b.error) }, 400);
    send(res, await notices.create(who, b.data, req.ip ?? null), true);
  });
  router.post('/api/v1/notices/:id', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const p = noticeIdParams.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not a notice id', details: toBodyIssueDetails(p.error) }, 400);
    const b = noticeUpdateSchema.safeParse(req.body);
    if (!b.success) return reply(res, 'Error', { error: 'invalid notice', details: toBodyIssueDetails(b.error) }, 400);
    send(res, await notices.update(who, p.data.id, b.data, req.ip ?? null));
  });
  router.post('/api/v1/notices/:id/withdraw', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const p = noticeIdParams.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not a notice id', details: toBodyIssueDetails(p.error) }, 400);
    const b = noticeWithdrawSchema.safeParse(req.body ?? {});
    if (!b.success) return reply(res, 'Error', { error: 'invalid request', details: toBodyIssueDetails(b.error) }, 400);
    send(res, await notices.withdraw(who, p.data.id, b.data.version, req.ip ?? null));
  });

  router.get('/api/public/v1/notices', async (_req, res) => {
    cached(res);
    reply(res, 'Notices', { serverTime: clock(), notices: await notices.current() });
  });
  router.get('/api/public/v1/notices/history', async (_req, res) => {
    cached(res);
    reply(res, 'Notices', { serverTime: clock(), notices: await notices.history() });
  });
  router.get('/api/public/v1/notices.atom', async (req, res) => {
    const ctx = await context(req);
    cached(res)
      .type('application/atom+xml; charset=utf-8')
      .send(renderAtom(await notices.history(), ctx, clock()));
  });
  // `/notices/12.cap`: one notice's latest CAP message (a withdrawn one answers its Cancel)
  router.get('/api/public/v1/notices/:id.cap', async (req, res) => {
    const p = noticeIdParams.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not a notice id', details: toBodyIssueDetails(p.error) }, 400);
    const n = await notices.get(p.data.id);
    if (!n) return reply(res, 'Error', { error: 'no such notice (or older than 90 days)', details: [] }, 404);
    const [ctx, area] = await Promise.all([context(req), notices.area(n)]);
    cached(res)
      .type('application/cap+xml; charset=utf-8')
      .send(renderCap(n, area, ctx, clock()));
  });
  return router;
}
