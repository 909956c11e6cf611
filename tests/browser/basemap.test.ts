/**
 * The basemap in real headless Chromium (issue 17): the wall at 1920×1080 draws the coast and sea, the rivers
 * and the named roads of the demo Semarang, and places road and river names (asked of MapLibre with
 * queryRenderedFeatures through the page's test hooks); the public page draws them on its light map; no
 * request leaves the server; an imported PMTiles archive is drawn through the pmtiles protocol with range
 * requests to our own URL. Screenshots: tests/artifacts/basemap-wall-1920x1080.png, basemap-public-360x640.png,
 * basemap-wall-pmtiles.png.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { importPmtiles } from '../../server/basemap/service';
import { buildPmtiles } from '../support/pmtiles';
import { ensureClientBuild } from '../../scripts/client-build';
import type { RenderedBasemap } from '../../client/lib/test-hooks';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;

describe.skipIf(!chromiumAvailable)('basemap in headless Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  let token: string;
  let dir: string;
  const offsite: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    dir = await mkdtemp(join(tmpdir(), 'sinergi-basemap-dir-'));
    server = await startTestServer(adminUrl, { clientDistDir: dist, basemapDir: dir });
    token = await server.token('operator');
    profile = await mkdtemp(join(tmpdir(), 'sinergi-basemap-chromium-'));
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1920, height: 1080 },
      args: CHROMIUM_ARGS,
    });
    await refuseOffsite(context, server.url, offsite);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${path}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`));
    await page.goto(server.url + path);
    return page;
  }

  const rendered = (page: Page) => page.evaluate(() => (window.__sinergi?.renderedBasemap?.() ?? null) as RenderedBasemap | null);

  /** Waits until MapLibre has drawn the basemap and placed labels (tiles and symbol placement take a few frames). */
  async function settled(page: Page, labels: number): Promise<RenderedBasemap> {
    await page.waitForSelector('body[data-basemap-ready="true"]', { timeout: 30_000 });
    await expect.poll(async () => (await rendered(page))?.roadLabels.length ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(labels);
    await page.waitForTimeout(500);
    return (await rendered(page))!;
  }

  it('the wall at 1920×1080 shows the sea, the rivers and the named roads of Semarang', async () => {
    const page = await open(`/wall#token=${token}`);
    // the traffic scene: the map is the left half of the wall, full height (pause the playlist there)
    await page.waitForSelector('[data-testid="playlist-controls"]');
    await page.click('[data-testid="playlist-controls"] button:nth-child(2)');
    while ((await page.getAttribute('[data-testid="scene"]', 'data-scene')) !== 'traffic') {
      await page.click('[data-testid="playlist-controls"] button:nth-child(3)');
      await page.waitForTimeout(200);
    }
    const b = await settled(page, 6);
    expect(b.water).toBeGreaterThan(0);
    expect(b.rivers).toEqual(expect.arrayContaining(['Banjir Kanal Barat', 'Banjir Kanal Timur', 'Kali Garang', 'Kali Semarang', 'Kali Babon']));
    expect(b.roads).toEqual(
      expect.arrayContaining([
        'Tol Krapyak–Jatingaleh',
        'Tol Jatingaleh–Srondol',
        'Jl. Pemuda',
        'Jl. Pandanaran',
        'Jl. Kaligawe',
        'Jl. Setiabudi',
        'Jl. Siliwangi',
      ]),
    );
    // names actually placed along the lines (not only requested): toll roads and arterials, rivers
    expect(b.roadLabels.length, b.roadLabels.join(', ')).toBeGreaterThanOrEqual(6);
    expect(b.roadLabels.some((n) => n.startsWith('Tol '))).toBe(true);
    expect(b.riverLabels.length, b.riverLabels.join(', ')).toBeGreaterThanOrEqual(2);
    // legible from across the room: the basemap's names at the wall's label size, with a halo
    const labels = await page.evaluate(() => window.__sinergi?.mapLabels ?? []);
    for (const id of ['basemap-road-label', 'basemap-river-label']) {
      const l = labels.find((x) => x.layer === id);
      expect(l, id).toBeDefined();
      expect(l!.px).toBeGreaterThanOrEqual(16);
      expect(l!.haloPx).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'basemap-wall-1920x1080.png') });
    await page.close();
  }, 90_000);

  it('the public page draws the same basemap on its light map', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`/public: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`/public: ${m.text()}`);
    });
    await page.setViewportSize({ width: 360, height: 640 });
    await page.goto(`${server.url}/public`);
    // the map loads when it scrolls into view
    await page.locator('[data-testid="public-map-holder"]').scrollIntoViewIfNeeded();
    await page.waitForSelector('body[data-basemap-ready="true"]', { timeout: 30_000 });
    await expect.poll(async () => (await rendered(page))?.roads.length ?? 0, { timeout: 15_000 }).toBeGreaterThan(5);
    const b = (await rendered(page))!;
    expect(b.water).toBeGreaterThan(0);
    expect(b.rivers).toEqual(expect.arrayContaining(['Banjir Kanal Barat', 'Banjir Kanal Timur']));
    await page
      .locator('.public-map, [data-testid="public-map"]')
      .first()
      .scrollIntoViewIfNeeded()
      .catch(() => {});
    await page.screenshot({ path: join(ARTIFACTS, 'basemap-public-360x640.png') });
    await page.close();
  }, 90_000);

  it('draws an imported PMTiles archive through the pmtiles protocol, by range requests to our own URL', async () => {
    // a raster archive: one 256-px PNG tile at zoom 0 (MapLibre over-zooms it), a colour no other layer has
    const png = new PNG({ width: 256, height: 256 });
    for (let i = 0; i < png.data.length; i += 4) png.data.set([200, 30, 160, 255], i);
    const archive = buildPmtiles({ tiles: [{ z: 0, x: 0, y: 0, data: PNG.sync.write(png) }], tileType: 2 });
    const file = join(dir, 'uji.pmtiles');
    await writeFile(file, archive);
    const imported = await importPmtiles(server.storage.pool, dir, file, { actor: 'test' });
    expect(imported.kind).toBe('imported');
    await expect.poll(async () => (await server.get('/api/public/v1/basemap')).body.pmtiles?.tileType, { timeout: 10_000 }).toBe('png');
    // a fresh browser: the first context may hold the previous basemap answer for its max-age
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
      await refuseOffsite(ctx, server.url, offsite);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => problems.push(`/wall (pmtiles): ${e.message}`));
      const ranges: number[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/api/public/v1/basemap/tiles.pmtiles')) ranges.push(r.status());
      });
      await page.goto(`${server.url}/wall#token=${token}`);
      await page.waitForSelector('body[data-basemap-ready="true"]', { timeout: 30_000 });
      await expect.poll(() => ranges.filter((s) => s === 206).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2); // header, then the tile
      await page.waitForTimeout(1_000);
      const shot = PNG.sync.read(await page.locator('[data-testid="wall-map"]').screenshot());
      let magenta = 0;
      for (let i = 0; i < shot.data.length; i += 4) {
        const [r, g, b] = [shot.data[i]!, shot.data[i + 1]!, shot.data[i + 2]!];
        if (r > 120 && g < 90 && b > 100 && r > g + 60) magenta++;
      }
      // the tile shows through (under the kelurahan fill) across the map
      expect(magenta / (shot.width * shot.height)).toBeGreaterThan(0.2);
      await page.screenshot({ path: join(ARTIFACTS, 'basemap-wall-pmtiles.png') });
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('made no request outside the server and saw no page error', () => {
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  });
});
