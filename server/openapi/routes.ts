/**
 * GET /api/v1/openapi.json (the OpenAPI 3.1 document) and GET /api/docs (the same, as a web page, in Bahasa
 * Indonesia; `?lang=en` in English). Each is built once, on first request, and served with an ETag.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { toIssueDetails } from '../../shared/schemas';
import { matchesEtag, render, renderBody, type Rendered } from '../public/cache';
import { buildOpenApiDocument } from './document';
import { renderApiDocs } from './html';
import type { DocsLang } from './strings-id';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/docs';
const MAX_AGE_S = 300;
const docsQuery = z.object({ lang: z.enum(['id', 'en']).default('id') });

export function createOpenApiRoutes(): Router {
  let built: { json: Rendered; html: Record<DocsLang, Rendered> } | null = null;
  const get = () => {
    if (!built) {
      const doc = buildOpenApiDocument();
      built = { json: render(doc), html: { id: renderBody(renderApiDocs(doc, 'id')), en: renderBody(renderApiDocs(doc, 'en')) } };
    }
    return built;
  };
  const send = (req: Request, res: Response, r: Rendered, type: string, cors: boolean) => {
    res.set('ETag', r.etag).set('Cache-Control', `public, max-age=${MAX_AGE_S}`);
    if (cors) res.set('Access-Control-Allow-Origin', '*');
    if (matchesEtag(req.headers['if-none-match'], r.etag)) return void res.status(304).end();
    res.type(type).send(r.body);
  };
  const router = Router();
  router.get(OPENAPI_PATH, (req, res) => send(req, res, get().json, 'application/json', true));
  router.get(DOCS_PATH, (req, res) => {
    const q = docsQuery.safeParse(req.query);
    if (!q.success)
      return void res.status(400).json({ error: 'invalid query', details: toIssueDetails(q.error).map((d) => ({ ...d, index: null })) });
    send(req, res, get().html[q.data.lang], 'text/html; charset=utf-8', false);
  });
  return router;
}
