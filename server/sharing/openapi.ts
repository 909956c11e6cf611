/**
 * The OpenAPI paths of sharing on request (issue 19), kept beside their routes and spread into
 * server/openapi/document.ts. Bodies come from the zod schemas the routes validate with (shared/sharing.ts);
 * answers are named in shared/rest.ts.
 */
import type { z } from 'zod';
import { sharingDecisionSchema, sharingDisputeSchema, sharingRenewSchema, sharingRequestInputSchema } from '../../shared/sharing';

export const SHARING_REQUEST_BODIES = {
  SharingRequestInput: sharingRequestInputSchema,
  SharingDecisionInput: sharingDecisionSchema,
  SharingRenewInput: sharingRenewSchema,
  SharingDisputeInput: sharingDisputeSchema,
} as const satisfies Record<string, z.ZodType>;

type Helpers = {
  ref: (name: string) => { $ref: string };
  ok: (description: string, schema?: Record<string, unknown>, status?: string) => Record<string, unknown>;
  err: (status: number, description: string) => Record<string, unknown>;
  body: (name: keyof typeof SHARING_REQUEST_BODIES) => Record<string, unknown>;
  token: unknown;
};

const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];

export function sharingPaths(h: Helpers): Record<string, unknown> {
  const signIn = h.err(401, 'sign in first');
  const notFound = h.err(404, 'no such request or agreement the caller may see');
  const bad = h.err(400, 'invalid id or body (every issue listed)');
  const post = (
    operationId: string,
    summary: string,
    description: string,
    bodyName: keyof typeof SHARING_REQUEST_BODIES | null,
    responses: Record<string, unknown>,
  ) => ({
    post: {
      tags: ['Agency'],
      operationId,
      summary,
      description,
      security: h.token,
      parameters: idParam,
      ...(bodyName ? { requestBody: h.body(bodyName) } : {}),
      responses: { ...responses, ...bad, ...signIn, ...notFound },
    },
  });
  return {
    '/api/v1/sharing/overview': {
      get: {
        tags: ['Agency'],
        operationId: 'sharingOverview',
        summary: "The caller's sharing requests and agreements (with status and 30-day reads), and what it may ask for",
        description:
          'An agency sees the requests it made or received (open, and decided in the last 90 days), the agreements it gives or receives (in force, suspended, ended in the last 90 days), and the terbatas items of other OPDs it may ask for. Admins and operators see every request and agreement.',
        security: h.token,
        responses: { ...h.ok('overview', h.ref('SharingOverview')), ...signIn },
      },
    },
    '/api/v1/sharing/requests': {
      post: {
        tags: ['Agency'],
        operationId: 'requestSharing',
        summary: 'Ask another OPD for one of its terbatas items (purpose, justification, end date, region detail); audited',
        security: h.token,
        requestBody: h.body('SharingRequestInput'),
        responses: {
          ...h.ok('the open request', h.ref('SharingRequest'), '201'),
          ...h.err(400, 'invalid body, own or publik or rahasia item, end date passed or beyond two years'),
          ...signIn,
          ...h.err(403, 'not an OPD'),
          ...h.err(404, 'unknown item'),
          ...h.err(409, 'an open request for this item and purpose exists'),
        },
      },
    },
    '/api/v1/sharing/requests/{id}/decision': post(
      'decideSharing',
      "The owner's head approves (possibly narrowed: an earlier end date, a coarser region detail) or refuses with a note; audited",
      'An approval makes the agreement (or extends the one a renewal names); reads through it work within 15 s everywhere (at once in the deciding process).',
      'SharingDecisionInput',
      { ...h.ok('the decided request', h.ref('SharingRequest')), ...h.err(403, 'not the owner'), ...h.err(409, 'already decided') },
    ),
    '/api/v1/sharing/requests/{id}/withdraw': post(
      'withdrawSharing',
      'The requesting OPD withdraws its open request; audited',
      'Only the side that asked withdraws.',
      null,
      { ...h.ok('the withdrawn request', h.ref('SharingRequest')), ...h.err(403, 'not the requester'), ...h.err(409, 'already decided') },
    ),
    '/api/v1/sharing/agreements/{id}/renew': post(
      'renewSharing',
      'Renewal in one action: the owner extends at once (200), the grantee asks (201, a renewal request the owner approves); audited',
      'The new end date must be later than the current one and within two years.',
      'SharingRenewInput',
      {
        ...h.ok('the owner extended it', h.ref('SharingAgreement')),
        ...h.ok('the grantee asked', h.ref('SharingRequest'), '201'),
        ...h.err(403, 'an admin (uses the CLI)'),
        ...h.err(409, 'a renewal request is open'),
      },
    ),
    '/api/v1/sharing/agreements/{id}/dispute': post(
      'disputeSharing',
      'Either side flags a dispute: the agreement is suspended (REST reads answer 403, live subscriptions end with the reason); audited and sent to both heads',
      'The side that raised it, or an admin, lifts it (…/resolve).',
      'SharingDisputeInput',
      { ...h.ok('the suspended agreement', h.ref('SharingAgreement')), ...h.err(409, 'already suspended or ended') },
    ),
    '/api/v1/sharing/agreements/{id}/resolve': post(
      'resolveSharingDispute',
      'The side that raised the dispute, or an admin, lifts it: the agreement grants again; audited',
      'The note says how it was settled.',
      'SharingDisputeInput',
      {
        ...h.ok('the agreement in force again', h.ref('SharingAgreement')),
        ...h.err(403, 'not the side that raised it'),
        ...h.err(409, 'not suspended'),
      },
    ),
    '/api/v1/sharing/agreements/{id}/usage': {
      get: {
        tags: ['Agency'],
        operationId: 'sharingUsage',
        summary: "Reads made through an agreement per day, reader and path (REST or live), last 90 days; the owner's view, audited",
        security: h.token,
        parameters: idParam,
        responses: {
          ...h.ok('usage', h.ref('SharingUsage')),
          ...bad,
          ...signIn,
          ...h.err(403, 'the grantee (usage is shown to the owner)'),
          ...notFound,
        },
      },
    },
    '/api/v1/sharing/matrix': {
      get: {
        tags: ['Agency'],
        operationId: 'sharingMatrix',
        summary: 'The needs-and-availability matrix: OPD × item with class, agreements and open requests (admins and Bappeda)',
        security: h.token,
        responses: { ...h.ok('matrix', h.ref('SharingMatrix')), ...signIn, ...h.err(403, 'neither an admin nor Bappeda') },
      },
    },
  };
}
