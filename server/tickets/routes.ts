/**
 * REST of "follow your complaint" (issue 21):
 *
 *   GET  /api/public/v1/tickets/{ticket}          the lookup (PublicTicket)
 *   POST /api/public/v1/tickets/{ticket}/rating   rate once after resolution; "belum selesai" reopens the work
 *   GET  /api/public/v1/ratings                   ratings per handling OPD and category, cells of ≥ k only
 *   GET  /open311/v2/requests/{id}.json           the same lookup as Open311 GeoReport v2 (no personal data)
 *
 * A ticket number is a capability, so guessing must not pay:
 *   - lookups and ratings share one limiter per client address (express-rate-limit; its store is Redis when the
 *     processes share one, server/http/rate-store.ts), TICKET_LOOKUPS_PER_MIN per minute, then 429;
 *   - known and unknown tickets get the same status (200) and the same keys (`found` says which; an unknown one
 *     has nulls) — a constant shape rather than a 404, so a proxy log or a status-code probe tells nothing the
 *     body does not;
 *   - every lookup answers no sooner than LOOKUP_FLOOR_MS after it arrived (one query for either case, then a
 *     wait up to the floor), so timing does not separate a known ticket from an unknown one either. The Open311
 *     route follows the GeoReport spec instead (404 with its error array for an unknown id) under the same
 *     limiter and floor: its clients expect the spec.
 */
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ratingInputSchema, ticketParamsSchema, toWib } from '../../shared/tickets';
import { toBodyIssueDetails } from '../../shared/schemas';
import { rateLimitStore } from '../http/rate-store';
import { reply } from '../http/reply';
import { assertNever } from '../../shared/ack';
import type { TicketService } from './service';

/** Every lookup takes at least this long (ms): longer than the slowest ordinary query of a lookup. */
export const LOOKUP_FLOOR_MS = 150;

const retryAfterS = (until: Date | undefined) => (until ? Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000)) : 60);

export function createTicketRoutes(deps: { tickets: TicketService; perMin: number; floorMs?: number }): Router {
  const { tickets } = deps;
  const floor = deps.floorMs ?? LOOKUP_FLOOR_MS;
  const router = Router();
  const limiter = rateLimit({
    ...rateLimitStore('ticket'),
    windowMs: 60_000,
    limit: deps.perMin,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req: Request, res: Response) => {
      const retry = retryAfterS((req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime);
      res.set('Cache-Control', 'no-store');
      res.status(429).json({ error: `too many ticket lookups from this address; retry in ${retry} s`, details: [], retryAfterS: retry });
    },
  });
  /** Waits until `floor` ms have passed since `start`. */
  const padded = async (start: number) => {
    const left = floor - (performance.now() - start);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  };
  const badTicket = (res: Response, error: unknown) =>
    reply(res, 'Error', { error: 'not a ticket number', details: toBodyIssueDetails(error as never) }, 400);

  router.get('/api/public/v1/tickets/:ticket', limiter, async (req, res) => {
    const start = performance.now();
    res.set('Cache-Control', 'no-store');
    const p = ticketParamsSchema.safeParse(req.params);
    if (!p.success) return badTicket(res, p.error);
    const view = await tickets.lookup(p.data.ticket);
    await padded(start);
    reply(res, 'PublicTicket', view);
  });

  router.post('/api/public/v1/tickets/:ticket/rating', limiter, async (req, res) => {
    const start = performance.now();
    res.set('Cache-Control', 'no-store');
    const p = ticketParamsSchema.safeParse(req.params);
    if (!p.success) return badTicket(res, p.error);
    const b = ratingInputSchema.safeParse(req.body ?? {});
    if (!b.success) return reply(res, 'Error', { error: 'invalid rating', details: toBodyIssueDetails(b.error) }, 400);
    const r = await tickets.rate(p.data.ticket, b.data, req.ip ?? null);
    await padded(start);
    switch (r.kind) {
      case 'ok':
        return reply(res, 'RatingResult', { ticket: p.data.ticket, rating: r.rating, notFixed: r.notFixed, reopened: r.reopened });
      case 'not_rateable':
        return reply(res, 'Error', { error: 'this ticket cannot be rated (not resolved yet, or unknown)', details: [] }, 409);
      case 'already_rated':
        return reply(res, 'Error', { error: 'this ticket was rated already (once per ticket)', details: [] }, 409);
      default:
        return assertNever(r);
    }
  });

  router.get('/api/public/v1/ratings', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60');
    const { k, cells } = await tickets.ratings();
    reply(res, 'PublicRatings', { k, generatedAt: new Date().toISOString(), cells });
  });

  // GeoReport v2: `GET /requests/{id}.json` (the `.json` is part of the spec's path)
  router.get('/open311/v2/requests/:id.json', limiter, async (req, res) => {
    const start = performance.now();
    res.set('Cache-Control', 'no-store');
    const p = ticketParamsSchema.safeParse({ ticket: req.params.id });
    if (!p.success) return reply(res, 'Open311Error', [{ code: 400, description: 'not a service request id (ask for /requests/<id>.json)' }], 400);
    const row = await tickets.find(p.data.ticket);
    await padded(start);
    if (!row) return reply(res, 'Open311Error', [{ code: 404, description: `service request ${p.data.ticket} not found` }], 404);
    const view = await tickets.lookup(p.data.ticket);
    reply(res, 'Open311Request', [
      {
        service_request_id: p.data.ticket,
        status: row.closedAt === null ? 'open' : 'closed',
        status_notes: row.status,
        service_name: row.category,
        service_code: row.category,
        agency_responsible: row.handlerOpdName ?? row.handlerOpd,
        requested_datetime: toWib(row.openedAt),
        updated_datetime: row.history.length ? toWib(Math.max(...row.history.map((h) => h.time))) : toWib(row.openedAt),
        expected_datetime: view.slaDueAt,
      },
    ]);
  });
  return router;
}
