/**
 * The OpenAPI paths of the admin catalog (issue 17), kept beside their routes and spread into
 * server/openapi/document.ts. Bodies are the document's zod schemas (shared/catalog-document.ts); answers are
 * named in shared/rest.ts.
 */
import type { z } from 'zod';
import { catalogDocumentSchema, domainDocSchema, eventKindDocSchema, metricDocSchema, opdDocSchema } from '../../shared/catalog-document';
import { catalogChangeQuerySchema, catalogItemParamsSchema } from './routes';

export const CATALOG_REQUEST_BODIES = {
  CatalogDocumentInput: catalogDocumentSchema,
  CatalogOpd: opdDocSchema,
  CatalogDomain: domainDocSchema,
  CatalogMetric: metricDocSchema,
  CatalogEventKind: eventKindDocSchema,
} as const satisfies Record<string, z.ZodType>;

type Helpers = {
  ref: (name: string) => { $ref: string };
  ok: (description: string, schema?: Record<string, unknown>, status?: string) => Record<string, unknown>;
  err: (status: number, description: string) => Record<string, unknown>;
  body: (name: keyof typeof CATALOG_REQUEST_BODIES) => Record<string, unknown>;
  params: (schema: z.ZodType, where: 'query' | 'path') => unknown[];
  token: unknown;
};

export function catalogAdminPaths(h: Helpers): Record<string, unknown> {
  const denied = { ...h.err(401, 'sign in first'), ...h.err(403, 'admins only') };
  const conflict = {
    '409': {
      description: 'a relaxed class that sharing agreements depend on, without confirm=1 (the agreements are listed); nothing was changed',
      content: { 'application/json': { schema: h.ref('CatalogConflict') } },
    },
  };
  return {
    '/api/v1/admin/catalog': {
      get: {
        tags: ['Operations'],
        operationId: 'adminCatalogDocument',
        summary: 'The whole catalog as one document: OPD, domains, metrics, event kinds with categories and SLA targets',
        description: 'The same document `npm run admin -- catalog export` writes and `catalog import` reads.',
        security: h.token,
        responses: { ...h.ok('the catalog document', h.ref('CatalogDocument')), ...denied },
      },
      put: {
        tags: ['Operations'],
        operationId: 'adminCatalogImport',
        summary: 'Import a catalog document: creates and updates its items (never deletes), in one transaction; audited per item',
        description:
          'Validated as a whole with what is already there (codes, owners and domains exist, thresholds ordered, hysteresis smaller than their gaps, closed statuses among the statuses, SLA categories and handling OPD exist). Every server process uses the new catalog at once, and signed-in sockets get `catalog:changed`. `dryRun=1` lists the changes and writes nothing.',
        security: h.token,
        parameters: h.params(catalogChangeQuerySchema, 'query'),
        requestBody: h.body('CatalogDocumentInput'),
        responses: {
          ...h.ok('what changed (or would, on a dry run)', h.ref('CatalogChanges')),
          ...h.err(400, 'invalid document: every problem with its path; nothing was changed'),
          ...denied,
          ...conflict,
        },
      },
    },
    '/api/v1/admin/catalog/{section}/{code}': {
      put: {
        tags: ['Operations'],
        operationId: 'adminCatalogPutItem',
        summary: 'Create or replace one OPD, domain, metric or event kind (body: the item in the document format); audited',
        description: 'The item is judged with the rest of the catalog, as an import of one item. `confirm` may also be sent in the body.',
        security: h.token,
        parameters: [...h.params(catalogItemParamsSchema, 'path'), ...h.params(catalogChangeQuerySchema, 'query')],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { oneOf: ['CatalogOpd', 'CatalogDomain', 'CatalogMetric', 'CatalogEventKind'].map((n) => h.ref(n)) },
            },
          },
        },
        responses: {
          ...h.ok('what changed', h.ref('CatalogChanges')),
          ...h.err(400, 'invalid item, or its code is not the path’s'),
          ...denied,
          ...conflict,
        },
      },
      delete: {
        tags: ['Operations'],
        operationId: 'adminCatalogDeleteItem',
        summary: 'Delete an unused item; refused (409, with why) while it has data, agreements, or items that name it; audited',
        security: h.token,
        parameters: [...h.params(catalogItemParamsSchema, 'path'), ...h.params(catalogChangeQuerySchema, 'query')],
        responses: {
          ...h.ok('what changed', h.ref('CatalogChanges')),
          ...denied,
          ...h.err(404, 'no such item'),
          ...h.err(409, 'in use: the reasons are listed'),
        },
      },
    },
  };
}
