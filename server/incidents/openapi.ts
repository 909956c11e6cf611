/**
 * The OpenAPI paths of issue 16 (incidents, routed complaints, watch alerts, escalation policies, notifications),
 * kept beside their routes and spread into server/openapi/document.ts. Bodies and parameters come from the zod
 * schemas the routes validate with; answers are named in shared/rest.ts.
 */
import type { z } from 'zod';
import { deliveriesQuerySchema, notificationRouteInputSchema } from '../notifications/routes';
import { createIncidentSchema, escalationPolicyUpdateSchema, incidentActionSchema } from './routes';

export const INCIDENT_REQUEST_BODIES = {
  IncidentCreate: createIncidentSchema,
  IncidentAction: incidentActionSchema,
  NotificationRouteInput: notificationRouteInputSchema,
  EscalationPolicyUpdate: escalationPolicyUpdateSchema,
} as const satisfies Record<string, z.ZodType>;

type Ref = (name: string) => { $ref: string };
type Helpers = {
  ref: Ref;
  ok: (description: string, schema?: Record<string, unknown>, status?: string) => Record<string, unknown>;
  err: (status: number, description: string) => Record<string, unknown>;
  body: (name: keyof typeof INCIDENT_REQUEST_BODIES) => Record<string, unknown>;
  query: (schema: z.ZodType) => unknown[];
  token: unknown;
  publicSecurity: unknown;
};

const idParam = (name = 'id') => [{ name, in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];
const purposeParam = [
  {
    name: 'purpose',
    in: 'query',
    required: false,
    description: 'the purpose of a sharing agreement that opens incidents about its item',
    schema: { type: 'string' },
  },
];

export function incidentPaths(h: Helpers): Record<string, unknown> {
  const signIn = h.err(401, 'sign in first');
  return {
    '/api/v1/incidents': {
      get: {
        tags: ['Agency'],
        operationId: 'incidents',
        summary: 'Open incidents and those closed in the last day that the caller may see, with watch alerts; the live snapshot',
        description:
          "The access rule: the command center sees publik and terbatas incidents; an OPD those it handles, supports or reported, and those about an item another OPD shares with it (give the agreement's `purpose`). The reporter is shown to the side that reported only, unless shared. `room` and `seq`: apply `incidents:changed` deltas of that room with a higher seq.",
        security: h.token,
        parameters: purposeParam,
        responses: { ...h.ok('incidents', h.ref('Incidents')), ...h.err(400, 'invalid query'), ...signIn },
      },
      post: {
        tags: ['Agency'],
        operationId: 'createIncident',
        summary: 'Make an incident of an alert, a complaint, a watch alert or a map position (audited; queued to the handling OPD)',
        description: 'An open incident of the same source is answered with 200 instead of a second one.',
        security: h.token,
        requestBody: h.body('IncidentCreate'),
        responses: {
          ...h.ok('the new incident', h.ref('IncidentDetail'), '201'),
          ...h.ok('the open incident of that source', h.ref('IncidentDetail')),
          ...h.err(400, 'invalid input (a manual report needs a title and the handling OPD)'),
          ...signIn,
          ...h.err(404, 'no such source the caller may see'),
          ...h.err(409, 'changed meanwhile; retry'),
        },
      },
    },
    '/api/v1/incidents/{id}': {
      get: {
        tags: ['Agency'],
        operationId: 'incident',
        summary: 'One incident with its timeline',
        security: h.token,
        parameters: [...idParam(), ...purposeParam],
        responses: {
          ...h.ok('the incident', h.ref('IncidentDetail')),
          ...h.err(400, 'not an incident id'),
          ...signIn,
          ...h.err(404, 'no such incident the caller may see'),
        },
      },
    },
    '/api/v1/incidents/{id}/actions': {
      post: {
        tags: ['Agency'],
        operationId: 'actOnIncident',
        summary:
          "Accept, start, resolve (closing note), reject, reassign (reason, e.g. 'bukan wewenang'), ask support, note with links, share the reporter, merge (audited)",
        security: h.token,
        parameters: idParam(),
        requestBody: h.body('IncidentAction'),
        responses: {
          ...h.ok('the incident after the action', h.ref('IncidentDetail')),
          ...h.err(400, 'invalid action (a resolution needs a note, a reassignment a reason)'),
          ...signIn,
          ...h.err(403, 'not the handling OPD (or not the command center)'),
          ...h.err(404, 'no such incident the caller may see'),
          ...h.err(409, 'not possible in its status, or changed meanwhile (version)'),
        },
      },
    },
    '/api/v1/complaints/routed': {
      get: {
        tags: ['Agency'],
        operationId: 'routedComplaints',
        summary: "The caller OPD's queue: open complaints routed to it by event_sla.handler_opd (the command center: every routed one)",
        security: h.token,
        responses: { ...h.ok('complaints', h.ref('RoutedComplaints')), ...signIn },
      },
    },
    '/api/v1/watch-alerts/{id}/acknowledge': {
      post: {
        tags: ['Agency'],
        operationId: 'acknowledgeWatchAlert',
        summary: 'Acknowledge a watch alert (data terlambat, complaint past its SLA): its escalation stops (audited)',
        security: h.token,
        parameters: idParam(),
        responses: {
          ...h.ok('the acknowledged watch alert', h.ref('WatchAlert')),
          ...h.err(400, 'not an id'),
          ...signIn,
          ...h.err(404, 'no such watch alert of the caller'),
          ...h.err(409, 'already acknowledged'),
        },
      },
    },
    '/api/v1/escalation-policies': {
      get: {
        tags: ['Agency'],
        operationId: 'escalationPolicies',
        summary: 'Escalation policies (data): steps after minutes, levels, who is notified, reminder interval',
        security: h.token,
        responses: { ...h.ok('policies', h.ref('EscalationPolicies')), ...signIn },
      },
    },
    '/api/v1/escalation-policies/{id}': {
      post: {
        tags: ['Operations'],
        operationId: 'updateEscalationPolicy',
        summary: "Change a policy's steps, reminder interval or whether it applies (admins; audited; the next round uses it)",
        security: h.token,
        parameters: idParam(),
        requestBody: h.body('EscalationPolicyUpdate'),
        responses: {
          ...h.ok('every policy after the change', h.ref('EscalationPolicies')),
          ...h.err(400, 'invalid policy'),
          ...signIn,
          ...h.err(403, 'admins only'),
          ...h.err(404, 'no such policy'),
        },
      },
    },
    '/api/public/v1/incidents': {
      get: {
        tags: ['Public'],
        operationId: 'publicIncidents',
        summary: 'Incidents per kelurahan (open, and closed in the last 30 days), k-protected: small counts suppressed with what would reveal them',
        security: h.publicSecurity,
        responses: { ...h.ok('counts', h.ref('PublicIncidentCounts')) },
      },
    },
    '/api/v1/notifications/deliveries': {
      get: {
        tags: ['Operations'],
        operationId: 'notificationDeliveries',
        summary: 'Outbound notifications with every delivery attempt, and the dead letters (admins)',
        security: h.token,
        parameters: h.query(deliveriesQuerySchema),
        responses: {
          ...h.ok('deliveries', h.ref('NotificationDeliveries')),
          ...h.err(400, 'invalid query'),
          ...signIn,
          ...h.err(403, 'admins only'),
        },
      },
    },
    '/api/v1/notifications/deliveries/{id}/retry': {
      post: {
        tags: ['Operations'],
        operationId: 'retryNotification',
        summary: 'Put a dead letter back in the queue (admins; audited)',
        security: h.token,
        parameters: idParam(),
        responses: {
          ...h.ok('the delivery, pending again', h.ref('NotificationDelivery')),
          ...h.err(400, 'not an id'),
          ...signIn,
          ...h.err(403, 'admins only'),
          ...h.err(409, 'not a dead letter'),
        },
      },
    },
    '/api/v1/notifications/routes': {
      get: {
        tags: ['Operations'],
        operationId: 'notificationRoutes',
        summary: 'Who hears what outside the app: per OPD and role, the command center, e-mail or webhook (admins)',
        security: h.token,
        responses: { ...h.ok('routes', h.ref('NotificationRoutes')), ...signIn, ...h.err(403, 'admins only') },
      },
      post: {
        tags: ['Operations'],
        operationId: 'addNotificationRoute',
        summary: "Add a route (admins; audited); a webhook's signing secret is answered once",
        security: h.token,
        requestBody: h.body('NotificationRouteInput'),
        responses: {
          ...h.ok('the route', h.ref('NotificationRouteCreated'), '201'),
          ...h.err(400, 'invalid route'),
          ...signIn,
          ...h.err(403, 'admins only'),
          ...h.err(409, 'no webhook key on this server'),
        },
      },
    },
  };
}
