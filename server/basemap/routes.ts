/**
 * The basemap, served by Sinergi itself (no tile server, no CDN: the wall runs offline):
 * - `GET /api/public/v1/basemap`: every GeoJSON layer and the PMTiles summary, gzipped once per revision;
 * - `GET /api/public/v1/basemap/layers/{layer}`: one layer;
 * - `GET /api/public/v1/basemap/tiles.pmtiles`: the archive, read by MapLibre's `pmtiles` protocol with HTTP
 *   range requests (206 + Content-Range, express's `sendFile`), a strong ETag from the file's hash so a client
 *   holding ranges of the previous archive notices the change (If-Range).
 *
 * Public: the citizens' page draws the same map. The answers are cached in memory per revision: an import by
 * the CLI (another process) changes the revision, which this process reads at most every REVISION_CHECK_MS, so
 * a new basemap shows within seconds without a restart, and a million requests cost one small query per
 * interval. The cache holds one rendered revision (the demo's is ~60 KB, a city's OSM roads a few MB).
 */
import { join } from 'node:path';
import { Router } from 'express';
import type pg from 'pg';
import { basemapRevision, loadLayers, loadPmtiles, type StoredPmtiles } from '../../db/queries/basemap';
import { BASEMAP_LAYERS, type BasemapCollection, type BasemapLayer, type BasemapResponse } from '../../shared/basemap';
import { render, sendRendered, type Rendered } from '../public/cache';

export const REVISION_CHECK_MS = 5_000;
const MAX_AGE_S = 300;
export const PMTILES_PATH = '/api/public/v1/basemap/tiles.pmtiles';

interface Cached {
  revision: string;
  checkedAt: number;
  all: Rendered;
  layers: Record<BasemapLayer, Rendered>;
  pmtiles: StoredPmtiles | null;
}

const empty = (): BasemapCollection => ({ type: 'FeatureCollection', features: [] });

async function build(pool: pg.Pool, revision: string, now: number): Promise<Cached> {
  const [stored, pmtiles] = await Promise.all([loadLayers(pool), loadPmtiles(pool)]);
  const layers = { land: empty(), water: empty(), rivers: empty(), roads: empty() } as Record<BasemapLayer, BasemapCollection>;
  let newest: Date | null = pmtiles?.importedAt ?? null;
  for (const s of stored) {
    layers[s.layer] = s.collection;
    if (!newest || s.importedAt > newest) newest = s.importedAt;
  }
  const body: BasemapResponse = {
    layers,
    pmtiles: pmtiles
      ? {
          url: PMTILES_PATH,
          tileType: pmtiles.tileType as NonNullable<BasemapResponse['pmtiles']>['tileType'],
          minZoom: pmtiles.minZoom,
          maxZoom: pmtiles.maxZoom,
          bounds: pmtiles.bounds,
          bytes: pmtiles.sizeBytes,
        }
      : null,
    updatedAt: newest ? newest.toISOString() : null,
  };
  return {
    revision,
    checkedAt: now,
    all: render(body),
    layers: Object.fromEntries(BASEMAP_LAYERS.map((l) => [l, render(layers[l])])) as Record<BasemapLayer, Rendered>,
    pmtiles,
  };
}

export function createBasemapRoutes(deps: { pool: pg.Pool; dir: string | null; clock?: () => number }): Router {
  const clock = deps.clock ?? Date.now;
  const router = Router();
  let cached: Cached | null = null;
  let inflight: Promise<Cached> | null = null;
  // single flight: concurrent requests share one revision check (and one rebuild)
  const current = (): Promise<Cached> => {
    const now = clock();
    if (cached && now - cached.checkedAt < REVISION_CHECK_MS) return Promise.resolve(cached);
    inflight ??= (async () => {
      const revision = await basemapRevision(deps.pool);
      cached = cached && cached.revision === revision ? { ...cached, checkedAt: now } : await build(deps.pool, revision, now);
      return cached;
    })().finally(() => {
      inflight = null;
    });
    return inflight;
  };

  router.get('/api/public/v1/basemap', async (req, res) => {
    sendRendered(req, res, (await current()).all, { maxAgeS: MAX_AGE_S });
  });
  router.get('/api/public/v1/basemap/layers/:layer', async (req, res) => {
    const layer = req.params.layer;
    if (!(BASEMAP_LAYERS as readonly string[]).includes(layer)) {
      return void res.status(404).json({ error: `no basemap layer '${layer}' (layers: ${BASEMAP_LAYERS.join(', ')})`, details: [] });
    }
    sendRendered(req, res, (await current()).layers[layer as BasemapLayer], { maxAgeS: MAX_AGE_S });
  });
  router.get(PMTILES_PATH, async (req, res, next) => {
    const p = (await current()).pmtiles;
    if (!p || !deps.dir) return void res.status(404).json({ error: 'no PMTiles basemap is imported', details: [] });
    // strong validator: the content hash (a weak one would make If-Range never match, refetching whole files)
    res
      .set('ETag', `"${p.sha256.slice(0, 32)}"`)
      .set('Cache-Control', `public, max-age=${MAX_AGE_S}, no-transform`)
      .set('Content-Type', 'application/vnd.pmtiles');
    res.sendFile(join(deps.dir, p.fileName), { acceptRanges: true, lastModified: false }, (err) => {
      if (!err || res.headersSent) return;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return void res.status(404).json({ error: 'the PMTiles basemap file is missing on this server (import it again)', details: [] });
      }
      next(err);
    });
  });
  return router;
}
