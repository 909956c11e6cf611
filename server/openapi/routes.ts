/**
 * GET /api/v1/openapi.json (the OpenAPI 3.1 document) and GET /api/docs (the same, as a web page). Both are
 * built once, on first request, and served with an ETag.
 */
import { Router, type Request, type Response } from 'express';
import { matchesEtag, render, renderBody, type Rendered } from '../public/cache';
import { buildOpenApiDocument } from './document';
import { renderApiDocs } from './html';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/docs';
const MAX_AGE_S = 300;

export function createOpenApiRoutes(): Router {
  let built: { json: Rendered; html: Rendered } | null = null;
  const get = () => {
    if (!built) {
      const doc = buildOpenApiDocument();
      built = { json: render(doc), html: renderBody(renderApiDocs(doc)) };
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
  router.get(DOCS_PATH, (req, res) => send(req, res, get().html, 'text/html; charset=utf-8', false));
  return router;
}
