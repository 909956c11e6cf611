/**
 * GET /api/public/v1/regions: the city's kelurahan polygons with Kemendagri codes (public reference data), and
 * POST /api/v1/admin/regions/import (admins): the /admin page's boundary import (service.ts).
 *
 * The regions answer is rendered once and kept; an import (by any process, or the CLI) changes
 * `regions_version` in sinergi_meta, which each process reads at most every REGIONS_VERSION_CHECK_MS: a new
 * boundary file reaches the wall, tablet and public maps within seconds, without a restart.
 */
import { createHash } from 'node:crypto';
import express, { Router } from 'express';
import type pg from 'pg';
import { loadRegions } from '../../db/queries/catalog';
import { assertNever } from '../../shared/ack';
import { reply } from '../http/reply';
import type { PrincipalOf } from '../http/principal';
import { importRegions } from './service';

/** How often a process asks whether the boundaries changed (one single-row query; answers in between are cached). */
export const REGIONS_VERSION_CHECK_MS = 5_000;

/**
 * The current regions version, asked of the database at most once per `everyMs` (single flight). Pure but for
 * the query it is given.
 */
export function createVersionWatch(read: () => Promise<string>, clock: () => number, everyMs = REGIONS_VERSION_CHECK_MS) {
  let last: { at: number; value: Promise<string> } | null = null;
  return (): Promise<string> => {
    if (!last || clock() - last.at >= everyMs) {
      const value = read();
      last = { at: clock(), value };
      value.catch(() => (last = null));
    }
    return last.value;
  };
}

type Region = Awaited<ReturnType<typeof loadRegions>>[number];

/** `[west, south, east, north]` of the city's kelurahan polygons (null without any): the map's extent and hexagon anchor. */
export function cityBbox(regions: readonly Region[]): [number, number, number, number] | null {
  const coords = regions.filter((r) => (r.level === 'kelurahan' || r.level === 'desa') && r.polygon).flatMap((r) => r.polygon![0]!);
  if (!coords.length) return null;
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const [lon, lat] of coords) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  return [w, s, e, n];
}

export function createRegionRoutes(deps: {
  pool: pg.Pool;
  cityCode: () => Promise<string | null>;
  /** The regions version (createVersionWatch): a change rebuilds the answer. */
  version: () => Promise<string>;
}): Router {
  const router = Router();
  let cached: { body: string; etag: string; version: string } | null = null;
  router.get('/api/public/v1/regions', async (req, res) => {
    const version = await deps.version();
    if (!cached || cached.version !== version) {
      const city = await deps.cityCode();
      if (!city) return void res.status(404).json({ error: 'no city is configured', details: [] });
      const regions = await loadRegions(deps.pool, city);
      const kota = regions.find((r) => r.code === city);
      const kecamatan = new Map(regions.filter((r) => r.level === 'kecamatan').map((r) => [r.code, r.name]));
      const kelurahan = regions.filter((r) => (r.level === 'kelurahan' || r.level === 'desa') && r.polygon);
      const body = JSON.stringify({
        city: {
          code: city,
          name: kota?.name ?? city,
          center: kota?.centroid ?? null,
          bbox: cityBbox(regions),
        },
        regions: {
          type: 'FeatureCollection',
          features: kelurahan.map((r) => ({
            type: 'Feature',
            id: r.code,
            properties: { code: r.code, name: r.name, kecamatanCode: r.parent, kecamatanName: kecamatan.get(r.parent ?? '') ?? null },
            geometry: r.boundary ?? { type: 'Polygon', coordinates: r.polygon },
          })),
        },
      });
      cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, version };
    }
    res.set('ETag', cached.etag).set('Cache-Control', 'public, max-age=300');
    if (req.headers['if-none-match'] === cached.etag) return void res.status(304).end();
    res.type('application/json').send(cached.body);
  });
  return router;
}

/** Mounted before the /api JSON parser: this route reads its body raw, with its own bound. */
export function createRegionImportRoutes(deps: {
  pool: pg.Pool;
  principalOf: PrincipalOf;
  /** Largest boundary file the admin route accepts (REGIONS_IMPORT_MAX_BYTES). */
  maxImportBytes: number;
}): Router {
  const router = Router();
  // Admins only, and the principal is known before the body is read: nobody else can make the server take in
  // megabytes. The body is the file as is (GeoJSON text or a zip), bounded by maxImportBytes (413 beyond).
  const adminOnly: express.RequestHandler = async (req, res, next) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public')
      return void res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'sign in as an admin', details: [] });
    if (who.role !== 'admin') return void res.status(403).json({ error: 'admins only', details: [] });
    res.locals.actor = who.user ? `user:${who.user}` : `token:${who.tokenId}`;
    next();
  };
  router.post('/api/v1/admin/regions/import', adminOnly, express.raw({ type: () => true, limit: deps.maxImportBytes }), async (req, res) => {
    const q = req.query;
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : undefined);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (body.length === 0) return void res.status(400).json({ error: 'no file in the body (send the GeoJSON or the zip as the body)', details: [] });
    const result = await importRegions(deps.pool, body, {
      dryRun: q.dryRun === '1' || q.dryRun === 'true',
      codeProp: str(q.codeProp),
      nameProp: str(q.nameProp),
      actor: String(res.locals.actor),
      source: req.ip ?? null,
    });
    switch (result.kind) {
      case 'unreadable':
        return void res.status(400).json({ error: result.reason, details: [] });
      case 'invalid':
        return reply(
          res,
          'RegionsImportRejected',
          {
            error: `${result.total} problem(s) in the file; nothing was imported`,
            details: result.problems.map((p) => ({ index: p.index, code: p.code, name: p.name, message: p.reason })),
          },
          422,
        );
      case 'imported':
        return reply(res, 'RegionsImport', result.report);
      default:
        return assertNever(result);
    }
  });
  return router;
}
