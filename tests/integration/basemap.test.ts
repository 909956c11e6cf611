/**
 * The basemap as data (issue 17), end to end: the demo's layers served compressed, `admin basemap import` as a
 * separate process (GeoJSON layers and a PMTiles archive), a bad file refused with the feature named and
 * nothing changed, the archive read with HTTP range requests (206 + Content-Range) by hand and by the
 * `pmtiles` package the browser uses.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { PMTiles } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { basemapResponse } from '../../shared/basemap';
import { buildPmtiles } from '../support/pmtiles';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const run = promisify(execFile);
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ADMIN = join(import.meta.dirname, '../../scripts/admin.ts');

let server: TestServer;
let dir: string;
let work: string;
let dbUrl: string;

async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ADMIN, ...args], {
      env: { ...process.env, DATABASE_URL: dbUrl, BASEMAP_DIR: dir },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function rows(): Promise<{ layer: string; n: number; source: string }[]> {
  const r = await server.storage.pool.query<{ layer: string; n: number; source: string }>(
    `SELECT layer, feature_count AS n, source FROM basemap_layer ORDER BY layer`,
  );
  return r.rows;
}

const road = (name: string, cls: string, coordinates: number[][]) => ({
  type: 'Feature',
  properties: { name, class: cls },
  geometry: { type: 'LineString', coordinates },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinergi-basemap-'));
  work = await mkdtemp(join(tmpdir(), 'sinergi-basemap-in-'));
  server = await startTestServer(adminUrl, { basemapDir: dir });
  dbUrl = (server.storage.pool.options as { connectionString: string }).connectionString;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('basemap', () => {
  it('serves the seeded demo layers to anyone, gzipped, with an ETag', async () => {
    expect(await rows()).toEqual([
      { layer: 'land', n: 2, source: 'demo' },
      { layer: 'rivers', n: expect.any(Number), source: 'demo' },
      { layer: 'roads', n: expect.any(Number), source: 'demo' },
      { layer: 'water', n: 2, source: 'demo' },
    ]);
    const res = await fetch(`${server.url}/api/public/v1/basemap`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const raw = Buffer.from(await res.arrayBuffer());
    // undici decodes gzip itself; the raw length is what went over the wire only when it did not
    const text = raw[0] === 0x1f ? gunzipSync(raw).toString() : raw.toString();
    const body = basemapResponse.parse(JSON.parse(text));
    expect(body.pmtiles).toBeNull();
    expect(body.layers.roads.features.map((f) => f.properties.name)).toContain('Jl. Pemuda');
    expect(body.layers.water.features[0]!.properties).toMatchObject({ name: 'Laut Jawa', kind: 'sea' });
    const again = await fetch(`${server.url}/api/public/v1/basemap`, { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    const one = await server.get('/api/public/v1/basemap/layers/rivers');
    expect(one.status).toBe(200);
    expect(one.body.features.map((f: { properties: { name: string } }) => f.properties.name)).toContain('Banjir Kanal Timur');
  });

  it('imports GeoJSON layers from the CLI; a running server serves them within seconds; audited', async () => {
    await writeFile(
      join(work, 'roads.geojson'),
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          road('Jl. Baru', 'primary', [
            [110.41, -6.98],
            [110.42, -6.97],
          ]),
          road('Tol Baru', 'motorway', [
            [110.3, -7],
            [110.4, -7.01],
          ]),
        ],
      }),
    );
    await writeFile(
      join(work, 'air.geojson'),
      JSON.stringify({
        type: 'FeatureCollection',
        name: 'water',
        features: [
          {
            type: 'Feature',
            properties: { name: 'Laut', kind: 'sea' },
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [110, -6.9],
                  [110.6, -6.9],
                  [110.6, -6.7],
                  [110, -6.7],
                  [110, -6.9],
                ],
              ],
            },
          },
        ],
      }),
    );
    const r = await admin('basemap', 'import', join(work, 'roads.geojson'), join(work, 'air.geojson'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('imported roads: 2 features\nimported water: 1 features\n');
    expect(await rows()).toEqual([
      { layer: 'land', n: 2, source: 'demo' },
      { layer: 'rivers', n: expect.any(Number), source: 'demo' },
      { layer: 'roads', n: 2, source: 'roads.geojson, air.geojson' },
      { layer: 'water', n: 1, source: 'roads.geojson, air.geojson' },
    ]);
    const audit = await server.storage.pool.query(`SELECT actor, action, detail FROM audit_log WHERE action LIKE 'basemap.%'`);
    expect(audit.rows).toEqual([
      { actor: expect.stringMatching(/^cli:/), action: 'basemap.layers_imported', detail: { features: { water: 1, roads: 2 } } },
    ]);
    const served = await waitFor('the new roads served', async () => {
      const b = (await server.get('/api/public/v1/basemap')).body;
      return b.layers.roads.features.length === 2 ? b : null;
    });
    expect(served.layers.roads.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(['Jl. Baru', 'Tol Baru']);
  });

  it('refuses a bad file naming the feature, and changes nothing', async () => {
    const before = await server.storage.pool.query(`SELECT layer, collection, imported_at FROM basemap_layer ORDER BY layer`);
    await writeFile(
      join(work, 'rivers.geojson'),
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          road('Kali Baik', 'primary', [
            [110.39, -7],
            [110.39, -6.95],
          ]),
        ],
      }),
    );
    await writeFile(
      join(work, 'jalan.geojson'),
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          road('Jl. Baik', 'trunk', [
            [110.41, -6.98],
            [110.42, -6.97],
          ]),
          road('Jl. Rusak', 'primary', [[110.41, -6.98]]),
        ],
      }),
    );
    const r = await admin('basemap', 'import', join(work, 'rivers.geojson'), join(work, 'jalan.geojson'));
    expect(r.code).toBe(1);
    // jalan.geojson has no layer name: every feature is reported, the named one with its reason
    expect(r.stderr).toContain('jalan.geojson: file[0] "Jl. Baik": no layer');
    expect(r.stderr).toContain('jalan.geojson: file[1] "Jl. Rusak": no layer');
    expect(r.stderr).toMatch(/2 problem\(s\); nothing was changed/);
    const bad = await admin('basemap', 'import', '--layer', 'roads', join(work, 'jalan.geojson'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('jalan.geojson: roads[1] "Jl. Rusak": a line needs two distinct positions');
    const after = await server.storage.pool.query(`SELECT layer, collection, imported_at FROM basemap_layer ORDER BY layer`);
    expect(after.rows).toEqual(before.rows);
  });

  it('imports a PMTiles archive and serves it with range requests and a strong ETag', async () => {
    const tile = new Uint8Array([0x1a, 0x02, 0x78, 0x01, 0x0a, 0x0b]);
    const archive = buildPmtiles({ tiles: [{ z: 0, x: 0, y: 0, data: tile }] });
    await writeFile(join(work, 'semarang.pmtiles'), archive);
    const r = await admin('basemap', 'import', join(work, 'semarang.pmtiles'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^imported semarang\.pmtiles: mvt tiles, zoom 0–0, 0\.0 MB/);
    expect((await readdir(dir)).filter((f) => f.endsWith('.pmtiles'))).toHaveLength(1);

    const summary = await waitFor('the archive announced', async () => (await server.get('/api/public/v1/basemap')).body.pmtiles);
    expect(summary).toEqual({
      url: '/api/public/v1/basemap/tiles.pmtiles',
      tileType: 'mvt',
      minZoom: 0,
      maxZoom: 0,
      bounds: [110.27, -7.13, 110.5, -6.93],
      bytes: archive.length,
    });

    const url = `${server.url}/api/public/v1/basemap/tiles.pmtiles`;
    const part = await fetch(url, { headers: { range: 'bytes=0-126' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-126/${archive.length}`);
    expect(part.headers.get('accept-ranges')).toBe('bytes');
    expect(part.headers.get('content-encoding')).toBeNull(); // ranges of a compressed body would be garbage
    expect(Buffer.from(await part.arrayBuffer())).toEqual(archive.subarray(0, 127));
    const etag = part.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(archive);
    // (fetch adds Cache-Control: no-cache to a conditional request unless one is given; a browser revalidates with max-age=0)
    expect((await fetch(url, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } })).status).toBe(304);
    expect((await fetch(url, { headers: { range: `bytes=${archive.length + 10}-${archive.length + 20}` } })).status).toBe(416);
    // a stale If-Range (the client holds parts of another archive) gets the whole new file, not a mixed range
    const stale = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"0000"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();

    // what MapLibre's pmtiles protocol does in the browser: header, directory and tile by ranges
    const p = new PMTiles(url);
    expect((await p.getHeader()).tileType).toBe(1);
    expect(new Uint8Array((await p.getZxy(0, 0, 0))!.data)).toEqual(tile);
  });

  it('refuses a file that is not a PMTiles v3 archive, and keeps the current one', async () => {
    const before = await server.storage.pool.query(`SELECT sha256, imported_at FROM basemap_pmtiles`);
    await writeFile(join(work, 'rusak.pmtiles'), Buffer.from('bukan arsip peta sama sekali'));
    const r = await admin('basemap', 'import', join(work, 'rusak.pmtiles'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rusak\.pmtiles: not a PMTiles archive .*; nothing was changed/);
    const v2 = buildPmtiles({ tiles: [{ z: 0, x: 0, y: 0, data: new Uint8Array([1]) }], version: 2 });
    await writeFile(join(work, 'lama.pmtiles'), v2);
    expect((await admin('basemap', 'import', join(work, 'lama.pmtiles'))).stderr).toMatch(/PMTiles version 2 is not supported/);
    expect((await server.storage.pool.query(`SELECT sha256, imported_at FROM basemap_pmtiles`)).rows).toEqual(before.rows);
    expect((await readdir(dir)).filter((f) => f.endsWith('.pmtiles'))).toHaveLength(1);
  });
});
