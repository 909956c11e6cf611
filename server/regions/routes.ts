/** GET /api/public/v1/regions: the city's kelurahan polygons with Kemendagri codes (public reference data). */
import { createHash } from 'node:crypto';
import { Router } from 'express';
import type pg from 'pg';
import { loadRegions } from '../../db/queries/catalog';

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

export function createRegionRoutes(deps: { pool: pg.Pool; cityCode: () => Promise<string | null> }): Router {
  const router = Router();
  let cached: { body: string; etag: string } | null = null;
  router.get('/api/public/v1/regions', async (req, res) => {
    if (!cached) {
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
            geometry: { type: 'Polygon', coordinates: r.polygon },
          })),
        },
      });
      cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    res.set('ETag', cached.etag).set('Cache-Control', 'public, max-age=300');
    if (req.headers['if-none-match'] === cached.etag) return void res.status(304).end();
    res.type('application/json').send(cached.body);
  });
  return router;
}
