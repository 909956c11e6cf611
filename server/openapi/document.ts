/**
 * The OpenAPI 3.1 document of every REST endpoint (GET /api/v1/openapi.json, rendered at /api/docs).
 *
 * Paths are written here by hand; every request body and query parameter schema is generated from the zod
 * schema its route validates with (`z.toJSONSchema`, input side), so the document cannot drift from
 * validation. Response schemas come from schemas.ts. The socket.io namespaces (/public, /live) are not REST
 * and are described in the info text only.
 */
import { z } from 'zod';
import { ackSchema } from '../alerts/routes';
import { auditQuerySchema } from '../audit/routes';
import { loginSchema } from '../auth/routes';
import { healthReportSchema, quarantineBatchSchema, quarantineResolveSchema } from '../../shared/feeds';
import { replayQuerySchema } from '../../shared/replay';
import { scenesFileSchema } from '../../shared/scenes';
import { entitiesBatchSchema, eventsBatchSchema, ingestBatchSchema, projectsBatchSchema, seriesQuerySchema } from '../../shared/schemas';
import {
  CKAN_ACTIONS,
  CKAN_BASE,
  datastoreSearchSchema,
  groupListSchema,
  helpShowSchema,
  organizationShowSchema,
  packageListSchema,
  packageSearchSchema,
  packageShowSchema,
  statusShowSchema,
  type CkanAction,
} from '../opendata/ckan';
import { dataQuerySchema, datasetParamsSchema } from '../opendata/routes';
import { PERIOD_NAMES } from '../public/aggregation';
import { eventStatsQuerySchema } from '../events/routes';
import { coordinateSchema } from '../projects/routes';
import * as R from '../../shared/rest';
import { INCIDENT_REQUEST_BODIES, incidentPaths } from '../incidents/openapi';
import { scorecardPaths } from '../scorecard/openapi';
import { CITIZEN_REQUEST_BODIES, citizenPaths } from '../notices/openapi';
import { SHARING_REQUEST_BODIES, sharingPaths } from '../sharing/openapi';
import { ACCOUNT_REQUEST_BODIES, accountPaths } from '../accounts/openapi';
import { CATALOG_REQUEST_BODIES, catalogAdminPaths } from '../catalog/openapi';

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema: what a client may send. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      const s = ctx.jsonSchema as JsonSchema;
      // zod writes the RFC 3339 grammar out as a regex next to `format: date-time`; the format says it.
      if (s.format === 'date-time') delete s.pattern;
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** One query (or path) parameter per property of a zod object schema. */
function parametersOf(schema: z.ZodType, where: 'query' | 'path', descriptions: Record<string, string> = {}): Parameter[] {
  const s = jsonSchema(schema);
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(descriptions[name] || typeof p.description === 'string' ? { description: descriptions[name] ?? (p.description as string) } : {}),
    schema: p,
  }));
}

/** Request bodies, by their name in the document (the schemas the routes validate with). */
const REQUEST_BODIES = {
  IngestBatch: ingestBatchSchema,
  EventsBatch: eventsBatchSchema,
  ProjectsBatch: projectsBatchSchema,
  EntitiesBatch: entitiesBatchSchema,
  QuarantineBatch: quarantineBatchSchema,
  QuarantineResolve: quarantineResolveSchema,
  HealthReport: healthReportSchema,
  Login: loginSchema,
  AlertAcknowledgement: ackSchema,
  ConflictCoordination: coordinateSchema,
  ScenesDocument: scenesFileSchema,
  ...INCIDENT_REQUEST_BODIES,
  ...CITIZEN_REQUEST_BODIES,
  ...SHARING_REQUEST_BODIES,
  ...ACCOUNT_REQUEST_BODIES,
  ...CATALOG_REQUEST_BODIES,
} as const satisfies Record<string, z.ZodType>;

const ref = (name: R.RestResponseName | keyof typeof REQUEST_BODIES) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const ok = (description: string, schema?: JsonSchema, status = '200') => ({
  [status]: { description, ...(schema ? { content: json(schema) } : {}) },
});
const err = (status: number, description: string) => ({ [String(status)]: { description, content: json(ref('Error')) } });
const ckanErr = (status: number, description: string) => ({ [String(status)]: { description, content: json(ref('CkanError')) } });
const body = (name: keyof typeof REQUEST_BODIES, description?: string) => ({
  required: true,
  ...(description ? { description } : {}),
  content: json(ref(name)),
});

const INGEST_KEY = [{ ingestKey: [] }];
const TOKEN = [{ accessToken: [] }];
const ANONYMOUS_OR_TOKEN = [{}, { accessToken: [] }];
const PUBLIC: never[] = [];

const periodParam: Parameter = {
  ...parametersOf(z.object({ period: z.enum(PERIOD_NAMES).default('7d') }), 'query')[0]!,
  description: 'the period the counts cover, ending now',
};

const CKAN_DOC: Record<CkanAction, { summary: string; schema: z.ZodType; result: R.RestResponseName; description: string }> = {
  package_list: {
    summary: 'CKAN: names of every dataset',
    schema: packageListSchema,
    result: 'CkanPackageList',
    description: 'CKAN action API v3 `package_list`.',
  },
  package_show: {
    summary: 'CKAN: one dataset as a CKAN package dict',
    schema: packageShowSchema,
    result: 'CkanPackageShow',
    description:
      'Organization = owner OPD; extras hold classification, update_cadence (ISO 8601), owner_opd, domain, spatial_code (Kemendagri) and data_dictionary; resources are the CSV and JSON downloads of every view, with absolute URLs and `datastore_active: true`.',
  },
  package_search: {
    summary: 'CKAN: search datasets (what the CKAN harvester calls)',
    schema: packageSearchSchema,
    result: 'CkanPackageSearch',
    description:
      '`q` words or field:value terms; `fq` space-separated [+-]field:value terms on name, id, organization, owner_org, tags, res_format, dataset_type, capacity, groups and metadata_modified:[A TO B]; other terms are ignored (which can only widen the result).',
  },
  datastore_search: {
    summary: 'CKAN DataStore: records of a resource',
    schema: datastoreSearchSchema,
    result: 'CkanDatastoreSearch',
    description:
      "`filters` is a JSON object of field → value (or list of values), exact match; `limit` defaults to 100 and is lowered to 32000 when larger; `_links.next` pages on. Records carry CKAN's `_id` (row number). `q`, `distinct`, `plain` and `language` are refused (409).",
  },
  help_show: {
    summary: 'CKAN: what an action does',
    schema: helpShowSchema,
    result: 'CkanHelp',
    description: 'The help text of one of the actions above.',
  },
  status_show: {
    summary: 'CKAN: the site (title, URL, default locale, CKAN version, extensions)',
    schema: statusShowSchema,
    result: 'CkanStatus',
    description: 'What harvesters call first to learn the CKAN version whose answer shapes the site follows.',
  },
  organization_list: {
    summary: 'CKAN: the OPD that own datasets',
    schema: groupListSchema,
    result: 'CkanOrganizationList',
    description: 'Names (organization = owner OPD, its code in lower case), or dicts with `all_fields`; `limit` / `offset` page.',
  },
  organization_show: {
    summary: 'CKAN: one OPD with its package count',
    schema: organizationShowSchema,
    result: 'CkanOrganizationShow',
    description: '`include_datasets` adds its packages (as package_show gives them).',
  },
  group_list: {
    summary: 'CKAN: the domains as groups',
    schema: groupListSchema,
    result: 'CkanGroupList',
    description:
      'Every dataset belongs to the group of its domain (complaints, floods, traffic, sanitation, projects); `fq=groups:floods` filters by it.',
  },
};

function ckanPaths() {
  const out: Record<string, unknown> = {};
  for (const action of CKAN_ACTIONS) {
    const d = CKAN_DOC[action];
    const responses = {
      ...ok('`{ help, success: true, result }`', ref(d.result)),
      ...ckanErr(400, 'unknown action, or a POST body that is not a JSON object'),
      ...(action === 'package_list' ? {} : ckanErr(404, '`__type: Not Found Error`')),
      ...ckanErr(409, '`__type: Validation Error`, with the messages per parameter'),
    };
    const op = (method: 'get' | 'post') => ({
      tags: ['CKAN'],
      operationId: `ckan_${action}_${method}`,
      summary: d.summary,
      description: d.description + (method === 'post' ? ' The same parameters as a JSON object body (as ckanapi sends them).' : ''),
      security: PUBLIC,
      ...(method === 'get'
        ? { parameters: parametersOf(d.schema, 'query') }
        : { requestBody: { required: false, content: json(jsonSchema(d.schema)) } }),
      responses,
    });
    out[`${CKAN_BASE}/${action}`] = { get: op('get'), post: op('post') };
  }
  return out;
}

export function buildOpenApiDocument() {
  const datasetId = parametersOf(datasetParamsSchema, 'path', { id: 'dataset id, e.g. tinggi-muka-air' });
  const view = parametersOf(dataQuerySchema, 'query', { view: 'which table of the dataset (its resources list them); the first one when absent' });
  const paths: Record<string, unknown> = {
    '/healthz': {
      get: {
        tags: ['Health'],
        operationId: 'healthz',
        summary: 'The process is up',
        security: PUBLIC,
        responses: ok('up', ref('Health')),
      },
    },
    '/readyz': {
      get: {
        tags: ['Health'],
        operationId: 'readyz',
        summary: 'The database is reachable',
        security: PUBLIC,
        responses: {
          ...ok('ready', ref('Ready')),
          '503': {
            description: 'database unreachable',
            content: json(ref('NotReady')),
          },
        },
      },
    },
    '/metrics': {
      get: {
        tags: ['Health'],
        operationId: 'metrics',
        summary: 'Prometheus metrics of the server (server/metrics/)',
        description:
          'Answered to a peer on this machine that is not a proxy forwarding someone (no X-Forwarded-For or Forwarded header), or with METRICS_TOKEN as a bearer token.',
        security: [{}, { metricsToken: [] }],
        responses: {
          '200': { description: 'the Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...err(403, 'not this machine, and no valid metrics token'),
        },
      },
    },
    '/api/v1/ingest': {
      post: {
        tags: ['Ingest'],
        operationId: 'ingestPoints',
        summary: 'Write a batch of metric readings',
        description:
          "All or nothing: one invalid point rejects the batch. A resend of the same (metric, entity, time) changes nothing, so retries are safe: the first value stays. A correction is explicit: the reading sent again with an integer `revision` higher than its current one (absent: 0) replaces the value, is recorded with the value it replaced and audited, and reaches live clients as a replacement; a revision not above the stored one changes nothing and is counted in `staleRevisions`. The key may write its own OPD's metrics only.",
        security: INGEST_KEY,
        requestBody: body('IngestBatch'),
        responses: {
          ...ok(
            'accepted; `written` counts points not seen before and corrections applied, `corrected` the readings replaced',
            ref('Accepted'),
            '202',
          ),
          ...err(400, 'invalid batch; `details` say which record and field'),
          ...err(401, 'no or invalid ingest key'),
          ...err(403, 'a metric of another OPD'),
          ...err(413, 'body or batch too large'),
          ...err(429, 'rate limited'),
        },
      },
    },
    '/api/v1/events': {
      post: {
        tags: ['Ingest'],
        operationId: 'ingestEvents',
        summary: 'Write a batch of events (complaints, flood reports, milestones) and their status changes',
        description: 'Free text (`title`) and exact positions stay with the owner OPD; they are never published.',
        security: INGEST_KEY,
        requestBody: body('EventsBatch'),
        responses: {
          ...ok('accepted; `written` counts status changes not seen before', ref('Accepted'), '202'),
          ...err(400, 'invalid batch'),
          ...err(401, 'no or invalid ingest key'),
          ...err(403, 'an event kind of another OPD'),
          ...err(413, 'body or batch too large'),
          ...err(429, 'rate limited'),
        },
      },
    },
    '/api/v1/projects': {
      post: {
        tags: ['Ingest'],
        operationId: 'registerProjects',
        summary: 'Register or update public-works projects (name, OPD, place, geometry, work type, contract value and period, budget)',
        description:
          "With the ingest key of the owner OPD. All or nothing; idempotent (an unchanged project is not written again); every change is audited. The project id is the entity its progress, plan and budget series carry. Dig once: every project of another OPD within OVERLAP_DISTANCE_M metres (default 50; the same kelurahan when one has no geometry) whose period overlaps or follows within OVERLAP_WINDOW_MONTHS (default 12) is recorded as a conflict and returned in `warnings` (nothing is refused); a project the key's OPD may not read shows only its OPD.",
        security: INGEST_KEY,
        requestBody: body('ProjectsBatch'),
        responses: {
          ...ok('accepted; `written` counts projects new or changed; `warnings` the dig-once conflicts', ref('ProjectsAccepted'), '202'),
          ...err(400, 'invalid batch (every issue listed)'),
          ...err(401, 'no or invalid ingest key'),
          ...err(403, 'a project of another OPD, or a key without the points scope'),
          ...err(413, 'body too large'),
          ...err(429, 'rate limited'),
        },
      },
    },
    '/api/v1/entities': {
      post: {
        tags: ['Ingest'],
        operationId: 'registerEntities',
        summary: 'Register or update the name and/or the line of entities (a road segment: name and [lon, lat] vertices; a gauge: its name)',
        description:
          "With the ingest key of the OPD; the geometry is stored for that OPD, so a key never overwrites another OPD's. Paths have 2–1000 WGS84 vertices. All or nothing; idempotent (`changed` counts geometries new or different); every change is audited. Live series of the OPD's metrics whose entity has a line carry it as `path`, and a registered name as `name`, in their series metadata (snapshot and new-series deltas); surfaces show the name before the entity id. A project's name comes from the project registry.",
        security: INGEST_KEY,
        requestBody: body('EntitiesBatch'),
        responses: {
          ...ok('stored; `changed` counts geometries new or changed', ref('EntitiesRegistered')),
          ...err(400, 'invalid batch (every issue listed)'),
          ...err(401, 'no or invalid ingest key'),
          ...err(403, 'a key without the points scope'),
          ...err(413, 'body too large'),
          ...err(429, 'rate limited'),
        },
      },
    },
    '/api/v1/quarantine': {
      post: {
        tags: ['Ingest'],
        operationId: 'postQuarantine',
        summary: 'File records an ingest worker refused, with the reason',
        security: INGEST_KEY,
        requestBody: body('QuarantineBatch'),
        responses: {
          ...ok('filed', ref('QuarantineAccepted'), '202'),
          ...err(400, 'invalid entries'),
          ...err(401, 'no or invalid ingest key'),
          ...err(403, 'entries of another OPD'),
          ...err(413, 'more than 5,000 entries'),
          ...err(429, 'rate limited'),
        },
      },
      get: {
        tags: ['Operations'],
        operationId: 'listQuarantine',
        summary: 'Quarantined records, newest first (operators and admins)',
        security: TOKEN,
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'source', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'resolved', in: 'query', required: false, schema: { type: 'string', enum: ['false', 'true', 'all'], default: 'false' } },
        ],
        responses: { ...ok('entries', ref('QuarantineList')), ...err(403, 'operators only') },
      },
    },
    '/api/v1/quarantine/resolve': {
      post: {
        tags: ['Operations'],
        operationId: 'resolveQuarantine',
        summary: 'Mark quarantined records as dealt with (audited); resolved rows are deleted after QUARANTINE_RETENTION_DAYS',
        security: TOKEN,
        requestBody: body('QuarantineResolve'),
        responses: { ...ok('how many were open', ref('QuarantineResolved')), ...err(400, 'invalid ids'), ...err(403, 'operators only') },
      },
    },
    '/api/v1/sources/health': {
      post: {
        tags: ['Ingest'],
        operationId: 'postSourceHealth',
        summary: "Report the health of a worker's sources (pushed live to operators)",
        security: INGEST_KEY,
        requestBody: body('HealthReport'),
        responses: {
          ...ok('accepted', ref('ReportAccepted'), '202'),
          ...err(400, 'invalid report'),
          ...err(401, 'no or invalid ingest key'),
          ...err(403, 'sources of another OPD'),
        },
      },
      get: {
        tags: ['Operations'],
        operationId: 'listSourceHealth',
        summary: 'Health of every feed: ok, late, failing or silent (operators and admins)',
        security: TOKEN,
        responses: { ...ok('feeds', ref('Feeds')), ...err(403, 'operators only') },
      },
    },
    '/api/v1/catalog': {
      get: {
        tags: ['Agency'],
        operationId: 'catalog',
        summary: 'Metrics, units, owners and classes the caller may read',
        description: 'Anonymous callers see publik items only; agencies also see what other OPD share with them, with the purposes.',
        security: ANONYMOUS_OR_TOKEN,
        responses: { ...ok('the visible catalog', ref('Catalog')), ...err(401, 'invalid or revoked token') },
      },
    },
    '/api/v1/series': {
      get: {
        tags: ['Agency'],
        operationId: 'series',
        summary: 'Bucketed values of a metric',
        description:
          "The caller's rights apply; data shared under an agreement needs its `purpose`. `bucket=auto` picks a bucket for the range. Anonymous callers get a metric whose catalog entry says `publicHistory: false` as its latest readings only (`currentOnly: true`, no buckets).",
        security: ANONYMOUS_OR_TOKEN,
        parameters: parametersOf(seriesQuerySchema, 'query'),
        responses: {
          ...ok('buckets per series', ref('SeriesRange')),
          ...err(400, 'invalid query or range too long for the bucket'),
          ...err(401, 'invalid or revoked token'),
          ...err(403, 'not readable by the caller'),
          ...err(404, 'unknown metric'),
        },
      },
    },
    '/api/v1/events/stats': {
      get: {
        tags: ['Agency'],
        operationId: 'eventStats',
        summary:
          'Event analytics: counts by status, category and region over time; time to resolve (median, p90) per OPD and category; share within SLA; open events past their SLA',
        description:
          'Needs an access token; the access rule applies to the event kind (data shared under an agreement needs its `purpose`). `bucket=auto` keeps the range within ~60 buckets; at most 2,000 buckets and 400 days. SLA targets per kind and category live in `event_sla`.',
        security: TOKEN,
        parameters: parametersOf(eventStatsQuerySchema, 'query'),
        responses: {
          ...ok('the statistics', ref('EventStats')),
          ...err(400, 'invalid query, or too many buckets'),
          ...err(401, 'no, invalid or revoked token'),
          ...err(403, 'not readable by the caller'),
          ...err(404, 'unknown event kind'),
        },
      },
    },
    '/api/v1/sharing/agreements': {
      get: {
        tags: ['Agency'],
        operationId: 'sharingAgreements',
        summary: 'Data-sharing agreements in force that concern the caller',
        description:
          "An agency sees what other OPD share with it (only items it may read for the agreement's purpose) and what it shares; operators and admins see every agreement in force.",
        security: TOKEN,
        responses: { ...ok('agreements', ref('SharingAgreements')), ...err(401, 'sign in first') },
      },
    },
    '/api/v1/alerts': {
      get: {
        tags: ['Agency'],
        operationId: 'alerts',
        summary: 'Open and recent alerts the caller may see',
        security: TOKEN,
        responses: { ...ok('alerts', ref('Alerts')), ...err(401, 'sign in first') },
      },
    },
    '/api/v1/wall/scenes': {
      get: {
        tags: ['Operations'],
        operationId: 'wallScenes',
        summary:
          "The wall's scenes and playlist: those an admin stored (PUT /api/v1/admin/scenes), else WALL_SCENES_FILE (the last good version while the file is invalid; `error` says why), else the built-in ones",
        security: TOKEN,
        responses: {
          ...ok('scenes', ref('WallScenes')),
          ...err(401, 'no or invalid access token'),
          ...err(403, 'operators only'),
        },
      },
    },
    '/api/v1/admin/scenes': {
      put: {
        tags: ['Operations'],
        operationId: 'replaceWallScenes',
        summary: "Replace the wall's scenes and playlist (admins; audited; served from then on instead of WALL_SCENES_FILE)",
        description:
          'The whole scenes document (the shape GET /api/v1/wall/scenes answers in `scenes`), validated against the schema and the catalog: a panel naming a metric or event kind the catalog does not hold is refused. A 400 lists every problem with its path (`scenes.2.panels.0.metric`); nothing is changed then. Walls show the new scenes within seconds, without a reload.',
        security: TOKEN,
        requestBody: body('ScenesDocument'),
        responses: {
          ...ok('stored; what the walls are served now', ref('WallScenes')),
          ...err(400, 'invalid scenes document (every problem listed by path)'),
          ...err(401, 'no or invalid access token'),
          ...err(403, 'admins only'),
        },
      },
      delete: {
        tags: ['Operations'],
        operationId: 'resetWallScenes',
        summary: 'Remove the stored scenes (admins; audited): WALL_SCENES_FILE, else the built-in scenes, are served again',
        security: TOKEN,
        responses: {
          ...ok('reset; what the walls are served now', ref('WallScenes')),
          ...err(401, 'no or invalid access token'),
          ...err(403, 'admins only'),
        },
      },
    },
    '/api/v1/projects/conflicts': {
      get: {
        tags: ['Agency'],
        operationId: 'projectConflicts',
        summary: 'Dig-once conflicts: projects of different OPDs on the same spot within months (newest first, at most 2,000)',
        description:
          "An agency sees the conflicts of its own projects (BAPPEDA every one), operators and admins every one. A side the caller may not read (rahasia of another OPD, terbatas not shared) shows only its OPD: 'a project of OPD X conflicts here'.",
        security: TOKEN,
        responses: { ...ok('conflicts', ref('ProjectConflicts')), ...err(401, 'sign in first') },
      },
    },
    '/api/v1/projects/conflicts/unresolved': {
      get: {
        tags: ['Agency'],
        operationId: 'unresolvedConflicts',
        summary: 'Dig-once conflicts still open more than N days after they were detected, oldest first (for the scorecard)',
        description:
          'Who sees what, and what a hidden side shows, as GET /api/v1/projects/conflicts. `olderThanDays` defaults to OVERLAP_UNRESOLVED_DAYS (30).',
        security: TOKEN,
        parameters: [{ name: 'olderThanDays', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 3650 } }],
        responses: {
          ...ok('the unresolved conflicts', ref('UnresolvedConflicts')),
          ...err(400, 'olderThanDays is not a whole number of days 0–3650'),
          ...err(401, 'sign in first'),
        },
      },
    },
    '/api/v1/projects/conflicts/{id}/coordinate': {
      post: {
        tags: ['Agency'],
        operationId: 'coordinateConflict',
        summary: 'Mark a conflict dikoordinasikan with a note (either OPD of the pair; audited)',
        security: TOKEN,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        requestBody: body('ConflictCoordination'),
        responses: {
          ...ok('the coordinated conflict', ref('ProjectConflict')),
          ...err(400, 'not a conflict id, or no note'),
          ...err(401, 'sign in first'),
          ...err(403, 'not one of the two OPDs'),
          ...err(404, 'no such conflict the caller may see'),
          ...err(409, 'already coordinated'),
        },
      },
    },
    '/api/v1/replay': {
      get: {
        tags: ['Operations'],
        operationId: 'wallReplay',
        summary: "One frame of a wall scene at a moment of the past 24 hours (the wall's rewind)",
        description:
          "Each series of the scene's metrics with its last reading at `at` (`latest`) and the hour before it in 1-minute buckets (`history`, from the roll-ups); the events open at `at` with the status each had then and the counts by that status (from the event history); the alerts open at `at`. The shapes are those of the live snapshots. Authorised like the live data: metrics and event kinds the caller may not read are left out and listed in `forbidden`.",
        security: TOKEN,
        parameters: parametersOf(replayQuerySchema, 'query'),
        responses: {
          ...ok('the frame', ref('Replay')),
          ...err(400, 'invalid query, or `at` outside the past 24 hours'),
          ...err(401, 'no or invalid access token'),
          ...err(404, 'unknown scene'),
          ...err(429, 'more rewind frames running at once than allowed (2 per caller, 6 in all); retry in a moment'),
        },
      },
    },
    '/api/v1/alerts/{id}/acknowledge': {
      post: {
        tags: ['Agency'],
        operationId: 'acknowledgeAlert',
        summary: 'Acknowledge an alert with a note (audited)',
        security: TOKEN,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        requestBody: body('AlertAcknowledgement'),
        responses: {
          ...ok('the acknowledged alert', ref('Alert')),
          ...err(400, 'not an alert id, or no note'),
          ...err(401, 'sign in first'),
          ...err(403, "not the caller's alert"),
          ...err(404, 'no such alert'),
        },
      },
    },
    '/api/v1/auth/login': {
      post: {
        tags: ['Auth'],
        operationId: 'login',
        summary: 'Sign in with username, password and (if enrolled) a TOTP code',
        description:
          'Rate-limited per client address; answers never say whether a username exists; repeated failures from one address make further attempts from there wait (doubling), never lock the account; a browser that logged in before sends its `device` secret and is not slowed by failures elsewhere.',
        security: PUBLIC,
        requestBody: body('Login'),
        responses: {
          ...ok('a session token', ref('LoginResult')),
          ...err(400, 'invalid request'),
          ...err(401, 'invalid credentials, or a TOTP code is required (`totpRequired: true`)'),
          ...err(429, 'too many attempts from this address, or too many failures for this account from here (`retryAfterS`)'),
        },
      },
    },
    '/api/v1/auth/logout': {
      post: {
        tags: ['Auth'],
        operationId: 'logout',
        summary: 'End the session; its sockets are closed',
        security: TOKEN,
        responses: { '204': { description: 'signed out' }, ...err(401, 'a valid token is required') },
      },
    },
    '/api/v1/auth/me': {
      get: {
        tags: ['Auth'],
        operationId: 'me',
        summary: 'Who the token belongs to',
        security: ANONYMOUS_OR_TOKEN,
        responses: { ...ok('the caller', ref('Me')), ...err(401, 'invalid, expired or revoked token') },
      },
    },
    '/api/v1/audit': {
      get: {
        tags: ['Operations'],
        operationId: 'audit',
        summary: 'The hash-chained audit log, as JSON or CSV (admins and operators)',
        security: TOKEN,
        parameters: parametersOf(auditQuerySchema, 'query'),
        responses: {
          '200': { description: 'entries', content: { ...json(ref('AuditLog')), 'text/csv': { schema: { type: 'string' } } } },
          ...err(400, 'invalid query'),
          ...err(401, 'invalid or revoked token'),
          ...err(403, 'admins and operators only'),
        },
      },
    },
    '/api/public/v1/complaints/summary': {
      get: {
        tags: ['Public'],
        operationId: 'complaintSummary',
        summary: 'Complaints per kelurahan and category, k-anonymous',
        security: PUBLIC,
        parameters: [periodParam],
        responses: {
          ...ok('counts; small ones suppressed', ref('ComplaintSummary')),
          '304': { description: 'not modified (If-None-Match)' },
          ...err(400, 'invalid period'),
        },
      },
    },
    '/api/public/v1/projects': {
      get: {
        tags: ['Public'],
        operationId: 'publicProjects',
        summary: 'Public works: name, OPD, place, contract value and period, budget, with the latest physical progress, plan and budget absorbed',
        security: PUBLIC,
        responses: { ...ok('projects', ref('PublicProjects')), '304': { description: 'not modified' } },
      },
    },
    '/api/public/v1/lines': {
      get: {
        tags: ['Public'],
        operationId: 'publicLines',
        summary: 'The registered lines (road segments) of the entities whose series the public sees',
        description:
          "A series is drawn with the line its metric's owner OPD registered for its entity. The `/public` live stream carries no lines: read them here once (ETag, max-age).",
        security: PUBLIC,
        responses: { ...ok('lines', ref('PublicLines')), '304': { description: 'not modified' } },
      },
    },
    '/api/public/v1/complaints/performance': {
      get: {
        tags: ['Public'],
        operationId: 'complaintPerformance',
        summary: 'Complaints received and resolved per period, median time to resolve and share within SLA per OPD and category, k-anonymous',
        description:
          "A median or share over fewer than k complaints is withheld (null, suppressed = true); per-bucket counts are protected like the summary's.",
        security: PUBLIC,
        parameters: [periodParam],
        responses: { ...ok('handling figures', ref('ComplaintPerformance')), '304': { description: 'not modified' }, ...err(400, 'invalid period') },
      },
    },
    '/api/public/v1/complaints/map': {
      get: {
        tags: ['Public'],
        operationId: 'complaintMap',
        summary: 'Complaint counts at kelurahan centroids, k-anonymous',
        security: PUBLIC,
        parameters: [periodParam],
        responses: { ...ok('counts per kelurahan', ref('ComplaintMap')), '304': { description: 'not modified' }, ...err(400, 'invalid period') },
      },
    },
    '/api/public/v1/metrics': {
      get: {
        tags: ['Public'],
        operationId: 'publicMetrics',
        summary: 'Latest value and age of every series of every publik metric',
        security: PUBLIC,
        responses: { ...ok('publik metrics', ref('PublicMetrics')), '304': { description: 'not modified' } },
      },
    },
    '/api/public/v1/warnings': {
      get: {
        tags: ['Public'],
        operationId: 'publicWarnings',
        summary: 'Current flood warnings (Waspada / Siaga / Awas) by area',
        security: PUBLIC,
        responses: { ...ok('warnings', ref('PublicWarnings')), '304': { description: 'not modified' } },
      },
    },
    '/api/public/v1/regions': {
      get: {
        tags: ['Public'],
        operationId: 'regions',
        summary: "The city's kelurahan polygons with Kemendagri codes (GeoJSON)",
        security: PUBLIC,
        responses: { ...ok('regions', ref('Regions')), '304': { description: 'not modified' }, ...err(404, 'no city is configured') },
      },
    },
    '/api/public/v1/basemap': {
      get: {
        tags: ['Public'],
        operationId: 'basemap',
        summary: 'The basemap: land, water, rivers and roads (GeoJSON layers) and the PMTiles archive, if one is imported',
        description:
          'Imported by the kota with `admin basemap import` (the demo ships an approximate Semarang). Served gzipped with an ETag; a new import shows within seconds.',
        security: PUBLIC,
        responses: { ...ok('basemap', ref('Basemap')), '304': { description: 'not modified' } },
      },
    },
    '/api/public/v1/basemap/layers/{layer}': {
      get: {
        tags: ['Public'],
        operationId: 'basemapLayer',
        summary: 'One basemap layer as a GeoJSON FeatureCollection',
        security: PUBLIC,
        parameters: [{ name: 'layer', in: 'path', required: true, schema: { type: 'string', enum: ['land', 'water', 'rivers', 'roads'] } }],
        responses: { ...ok('the layer', ref('BasemapLayer')), '304': { description: 'not modified' }, ...err(404, 'no such layer') },
      },
    },
    '/api/public/v1/basemap/tiles.pmtiles': {
      get: {
        tags: ['Public'],
        operationId: 'basemapPmtiles',
        summary: 'The PMTiles basemap archive, read with HTTP range requests',
        description: 'Send `Range: bytes=a-b` for a part (206 with Content-Range); the ETag is the archive hash (use it in If-Range).',
        security: PUBLIC,
        responses: {
          '200': { description: 'the whole archive', content: { 'application/vnd.pmtiles': { schema: { type: 'string', format: 'binary' } } } },
          '206': { description: 'the requested range', content: { 'application/vnd.pmtiles': { schema: { type: 'string', format: 'binary' } } } },
          '304': { description: 'not modified' },
          ...err(404, 'no PMTiles archive is imported'),
          '416': { description: 'the range lies outside the archive' },
        },
      },
    },
    '/api/v1/admin/regions/import': {
      post: {
        tags: ['Operations'],
        operationId: 'regionsImport',
        summary: "Replace the kota's kecamatan and kelurahan/desa boundaries (admins)",
        description:
          'The body is the file itself: a GeoJSON FeatureCollection or a zipped Shapefile (.shp, .dbf, .prj) with Kemendagri codes, at most REGIONS_IMPORT_MAX_BYTES. Codes are checked against idn-area-data and geometry for validity; any problem refuses the whole file (422, each detail naming its feature). Regions the file no longer names are retired, not deleted; series located in them are reported. Audited as regions.imported.',
        security: TOKEN,
        parameters: [
          {
            name: 'dryRun',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['1', 'true'] },
            description: 'check and report, write nothing',
          },
          { name: 'codeProp', in: 'query', required: false, schema: { type: 'string', maxLength: 64 }, description: 'attribute holding the code' },
          { name: 'nameProp', in: 'query', required: false, schema: { type: 'string', maxLength: 64 }, description: 'attribute holding the name' },
        ],
        requestBody: {
          required: true,
          content: {
            'application/geo+json': { schema: { type: 'object' } },
            'application/json': { schema: { type: 'object' } },
            'application/zip': { schema: { type: 'string', format: 'binary' } },
          },
        },
        responses: {
          ...ok('imported (or, with dryRun, what would be)', ref('RegionsImport')),
          ...err(400, 'no file, or neither GeoJSON nor a zipped Shapefile'),
          ...err(401, 'sign in as an admin'),
          ...err(403, 'admins only'),
          ...err(413, 'file larger than REGIONS_IMPORT_MAX_BYTES'),
          '422': { description: 'the file was refused; nothing changed', content: json(ref('RegionsImportRejected')) },
        },
      },
    },
    '/api/public/v1/datasets': {
      get: {
        tags: ['Open data'],
        operationId: 'datasets',
        summary: 'Every open dataset with its metadata',
        description:
          'Satu Data Indonesia: publik data only, owner OPD, classification, update cadence, Kemendagri region codes. Served from snapshots with ETag and max-age.',
        security: PUBLIC,
        responses: { ...ok('datasets', ref('DatasetList')), '304': { description: 'not modified' } },
      },
    },
    '/api/public/v1/datasets/{id}': {
      get: {
        tags: ['Open data'],
        operationId: 'dataset',
        summary: 'One dataset: metadata and the data dictionary of every resource',
        security: PUBLIC,
        parameters: datasetId,
        responses: { ...ok('the dataset', ref('Dataset')), '304': { description: 'not modified' }, ...err(404, 'no such dataset') },
      },
    },
    '/api/public/v1/datasets/{id}/data.csv': {
      get: {
        tags: ['Open data'],
        operationId: 'datasetCsv',
        summary: "A dataset view as CSV (RFC 4180, header row = the dictionary's fields)",
        description:
          'Times are ISO 8601 with +07:00; an empty cell is a null (for complaint counts: suppressed for k-anonymity). Text that a spreadsheet would run as a formula starts with an apostrophe.',
        security: PUBLIC,
        parameters: [...datasetId, ...view],
        responses: {
          '200': { description: 'the table', content: { 'text/csv': { schema: { type: 'string' } } } },
          '304': { description: 'not modified' },
          ...err(400, 'not a view of this dataset'),
          ...err(404, 'no such dataset'),
        },
      },
    },
    '/api/public/v1/datasets/{id}/data.json': {
      get: {
        tags: ['Open data'],
        operationId: 'datasetJson',
        summary: 'A dataset view as JSON (the same rows as the CSV)',
        security: PUBLIC,
        parameters: [...datasetId, ...view],
        responses: {
          ...ok('the table', ref('DatasetData')),
          '304': { description: 'not modified' },
          ...err(400, 'not a view of this dataset'),
          ...err(404, 'no such dataset'),
        },
      },
    },
    ...ckanPaths(),
    '/api/v1/openapi.json': {
      get: {
        tags: ['Documentation'],
        operationId: 'openapi',
        summary: 'This document',
        security: PUBLIC,
        responses: ok('OpenAPI 3.1', { type: 'object' }),
      },
    },
    '/api/docs': {
      get: {
        tags: ['Documentation'],
        operationId: 'docs',
        summary: 'This document as a web page (Bahasa Indonesia; `?lang=en` for English)',
        security: PUBLIC,
        parameters: [
          {
            name: 'lang',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['id', 'en'], default: 'id' },
            description: 'language of the page',
          },
        ],
        responses: {
          '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } },
          ...err(400, 'a `lang` other than id or en'),
        },
      },
    },
    // issue 16 (server/incidents/openapi.ts)
    ...incidentPaths({
      ref: ref as (name: string) => { $ref: string },
      ok,
      err,
      body,
      query: (schema) => parametersOf(schema, 'query'),
      token: TOKEN,
      publicSecurity: PUBLIC,
    }),
    // issue 19 (server/scorecard/openapi.ts)
    ...scorecardPaths({
      ref: ref as (name: string) => { $ref: string },
      ok,
      err,
      query: (schema) => parametersOf(schema, 'query'),
      token: TOKEN,
      publicSecurity: PUBLIC,
    }),
    // issue 21 (server/notices/openapi.ts)
    ...citizenPaths({ ref: ref as (name: string) => { $ref: string }, ok, err, body, token: TOKEN, publicSecurity: PUBLIC }),
    // issue 19 (server/sharing/openapi.ts)
    ...sharingPaths({ ref: ref as (name: string) => { $ref: string }, ok, err, body, token: TOKEN }),
    // issue 17: users and ingest keys on the admin page (server/accounts/openapi.ts)
    ...accountPaths({ ref: ref as (name: string) => { $ref: string }, ok, err, body, token: TOKEN }),
    // issue 17 (server/catalog/openapi.ts)
    ...catalogAdminPaths({ ref: ref as (name: string) => { $ref: string }, ok, err, body, params: parametersOf, token: TOKEN }),
  };

  const schemas: Record<string, JsonSchema> = {};
  for (const [name, s] of Object.entries(REQUEST_BODIES)) schemas[name] = jsonSchema(s, 'input');
  for (const [name, s] of Object.entries(R.restResponses)) schemas[name] = jsonSchema(s, 'output');

  return {
    openapi: '3.1.0',
    info: {
      title: 'Sinergi API',
      version: 'v1',
      summary: 'Real-time command center of a city government: ingest, agency, public and open-data endpoints.',
      description: [
        'Every OPD feeds its live data in through the ingest endpoints (an ingest key per OPD); the command center and the agencies read through the agency endpoints (a session or device token; the access rule applies: publik, terbatas and rahasia, sharing agreements with a purpose); citizens read the public endpoints (publik data only, complaints only as k-anonymous counts); open data is downloadable as CSV and JSON with a data dictionary and harvestable through a CKAN-compatible API.',
        "Errors are `{ error, details: [ { index, path, message } ] }` (CKAN endpoints: CKAN's own envelope).",
        'Live data is on socket.io: namespace `/public` (no login, publik only) and `/live` (`auth: { token }`).',
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Health', description: 'Liveness and readiness' },
      { name: 'Ingest', description: 'Agency systems and ingest workers (ingest key)' },
      { name: 'Agency', description: 'Command center and OPD (token; the access rule applies)' },
      { name: 'Auth', description: 'Sessions' },
      { name: 'Operations', description: 'Admins and operators' },
      { name: 'Admin', description: 'The admin page (/admin): admins only; every change audited' },
      { name: 'Public', description: 'Citizens: publik data only, aggregated' },
      { name: 'Open data', description: 'Satu Data Indonesia downloads: CSV and JSON with a data dictionary' },
      { name: 'CKAN', description: 'CKAN action API v3 (read only) for Satu Data portals to harvest' },
      { name: 'Documentation', description: 'This document' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        ingestKey: {
          type: 'http',
          scheme: 'bearer',
          description: "An ingest key of one OPD (`npm run admin -- …`); it writes that OPD's data only.",
        },
        accessToken: { type: 'http', scheme: 'bearer', description: 'A session token from POST /api/v1/auth/login, or a device token.' },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'METRICS_TOKEN of the server configuration, for a Prometheus on another machine.',
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
