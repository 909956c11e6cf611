/**
 * The OpenAPI paths of issue 21 (follow your complaint, ratings, public notices, the Open311 lookup), kept
 * beside their routes and spread into server/openapi/document.ts. Bodies come from the zod schemas the routes
 * validate with; answers are named in shared/rest.ts.
 */
import type { z } from 'zod';
import { noticeCreateSchema, noticeUpdateSchema, noticeWithdrawSchema } from '../../shared/notices';
import { ratingInputSchema } from '../../shared/tickets';

export const CITIZEN_REQUEST_BODIES = {
  NoticeCreate: noticeCreateSchema,
  NoticeUpdate: noticeUpdateSchema,
  NoticeWithdraw: noticeWithdrawSchema,
  RatingInput: ratingInputSchema,
} as const satisfies Record<string, z.ZodType>;

type Helpers = {
  ref: (name: string) => { $ref: string };
  ok: (description: string, schema?: Record<string, unknown>, status?: string) => Record<string, unknown>;
  err: (status: number, description: string) => Record<string, unknown>;
  body: (name: keyof typeof CITIZEN_REQUEST_BODIES) => Record<string, unknown>;
  token: unknown;
  publicSecurity: unknown;
};

const ticketParam = [
  {
    name: 'ticket',
    in: 'path',
    required: true,
    description: 'the ticket number the complaint channel gave (Open311 service_request_id, LAPOR! id, the city’s own)',
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' },
  },
];
const noticeId = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];
const xml = (type: string, description: string) => ({ '200': { description, content: { [type]: { schema: { type: 'string' } } } } });
const tooMany = { '429': { description: 'too many lookups from this address (TICKET_LOOKUPS_PER_MIN); retry later' } };

export function citizenPaths(h: Helpers): Record<string, unknown> {
  const signIn = h.err(401, 'sign in first');
  const notice = (what: string) => ({ ...h.ok(what, h.ref('Notice')) });
  return {
    '/api/public/v1/tickets/{ticket}': {
      get: {
        tags: ['Public'],
        operationId: 'ticket',
        summary: 'Follow your complaint: status history (WIB), handling OPD, SLA target and whether it was met',
        description:
          'Never the title, the reporter, the position or any free text. Known and unknown tickets answer alike: 200, the same keys (`found: false` and nulls for an unknown one), no sooner than a fixed floor. Rate-limited per address with ratings.',
        security: h.publicSecurity,
        parameters: ticketParam,
        responses: { ...h.ok('the ticket (found or not)', h.ref('PublicTicket')), ...h.err(400, 'not a ticket number'), ...tooMany },
      },
    },
    '/api/public/v1/tickets/{ticket}/rating': {
      post: {
        tags: ['Public'],
        operationId: 'rateTicket',
        summary: 'Rate a resolved complaint once (1–5); `notFixed` ("belum selesai") reopens the work for the handling OPD as an incident',
        security: h.publicSecurity,
        parameters: ticketParam,
        requestBody: h.body('RatingInput'),
        responses: {
          ...h.ok('rated', h.ref('RatingResult')),
          ...h.err(400, 'invalid rating or ticket'),
          ...h.err(409, 'rated already, not resolved yet, or unknown'),
          ...tooMany,
        },
      },
    },
    '/api/public/v1/ratings': {
      get: {
        tags: ['Public'],
        operationId: 'ratings',
        summary: 'Citizen ratings per handling OPD and category, only cells rated by at least k citizens (no totals)',
        security: h.publicSecurity,
        responses: h.ok('ratings', h.ref('PublicRatings')),
      },
    },
    '/open311/v2/requests/{id}.json': {
      get: {
        tags: ['Public'],
        operationId: 'open311Request',
        summary: 'Open311 GeoReport v2: one service request by id (status, agency, dates; no personal data, no position)',
        security: h.publicSecurity,
        parameters: [{ ...ticketParam[0], name: 'id', description: 'the service_request_id' }],
        responses: {
          ...h.ok('an array of one service request', h.ref('Open311Request')),
          '400': { description: 'not an id', content: { 'application/json': { schema: h.ref('Open311Error') } } },
          '404': { description: 'no such service request', content: { 'application/json': { schema: h.ref('Open311Error') } } },
          ...tooMany,
        },
      },
    },
    '/api/v1/notices': {
      post: {
        tags: ['Agency'],
        operationId: 'publishNotice',
        summary: 'Publish a public notice (flood warning with advice, pump maintenance, road closure, other); audited, live on /public',
        description: 'Operators and admins publish for any OPD (or the command center); an OPD for itself only.',
        security: h.token,
        requestBody: h.body('NoticeCreate'),
        responses: { ...h.ok('published', h.ref('Notice'), '201'), ...h.err(400, 'invalid notice'), ...signIn, ...h.err(403, 'not your OPD') },
      },
    },
    '/api/v1/notices/{id}': {
      post: {
        tags: ['Agency'],
        operationId: 'updateNotice',
        summary: 'Edit a notice (the whole notice, with the version it was read at); audited, live',
        security: h.token,
        parameters: noticeId,
        requestBody: h.body('NoticeUpdate'),
        responses: {
          ...notice('updated'),
          ...h.err(400, 'invalid notice'),
          ...signIn,
          ...h.err(403, 'not your OPD'),
          ...h.err(404, 'no such notice'),
          ...h.err(409, 'changed meanwhile, or withdrawn'),
        },
      },
    },
    '/api/v1/notices/{id}/withdraw': {
      post: {
        tags: ['Agency'],
        operationId: 'withdrawNotice',
        summary: 'Withdraw a notice (CAP Cancel); audited, live',
        security: h.token,
        parameters: noticeId,
        requestBody: { ...h.body('NoticeWithdraw'), required: false },
        responses: {
          ...notice('withdrawn'),
          ...h.err(400, 'not a notice id'),
          ...signIn,
          ...h.err(403, 'not your OPD'),
          ...h.err(404, 'no such notice'),
          ...h.err(409, 'withdrawn already, or changed meanwhile'),
        },
      },
    },
    '/api/public/v1/notices': {
      get: {
        tags: ['Public'],
        operationId: 'notices',
        summary: 'Public notices in force or announced (the live channel `notices:subscribe` sends the same, then changes)',
        security: h.publicSecurity,
        responses: h.ok('notices', h.ref('Notices')),
      },
    },
    '/api/public/v1/notices/history': {
      get: {
        tags: ['Public'],
        operationId: 'noticeHistory',
        summary: 'Every notice of the last 90 days, ended and withdrawn ones included (older ones are purged)',
        security: h.publicSecurity,
        responses: h.ok('notices', h.ref('Notices')),
      },
    },
    '/api/public/v1/notices.atom': {
      get: {
        tags: ['Public'],
        operationId: 'noticesAtom',
        summary: 'Atom feed of the notices of the last 90 days; each entry links to its CAP 1.2 message (a CAP index feed)',
        security: h.publicSecurity,
        responses: xml('application/atom+xml', 'Atom 1.0'),
      },
    },
    '/api/public/v1/notices/{id}.cap': {
      get: {
        tags: ['Public'],
        operationId: 'noticeCap',
        summary: 'One notice as CAP 1.2 (OASIS Common Alerting Protocol, as BMKG warnings): Alert, Update, or Cancel once withdrawn',
        security: h.publicSecurity,
        parameters: noticeId,
        responses: {
          ...xml('application/cap+xml', 'CAP 1.2 alert'),
          ...h.err(400, 'not a notice id'),
          ...h.err(404, 'no such notice, or older than 90 days'),
        },
      },
    },
  };
}
