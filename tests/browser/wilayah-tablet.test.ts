/**
 * Issue 17, authority by territory, on the /agency tablet in headless Chromium against the real server and
 * database: a camat signs in at 1024×768 and sees "Wilayah: Kecamatan <name>", the kota map fitted to their
 * kecamatan (the view holds it and its centre lies inside it), the territorial metric's tile computed from
 * their kecamatan's readings only and marked "di wilayah Anda", and none of the sections the server refuses
 * to the role (sharing, alerts, incidents, notices, scorecard): no refused request, no page error, nothing
 * requested outside localhost. English is one tap away. A lurah sees their kelurahan and its figure only.
 * The screenshot lands in tests/artifacts/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addUser } from '../../server/auth/accounts';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ARTIFACTS = join(import.meta.dirname, '../artifacts');

const USER = 'camat.uji';
const PASSWORD = 'kata-sandi-camat-uji-1';

type BBox = [number, number, number, number];

describe.skipIf(!chromiumAvailable)('/agency tablet of a camat (role wilayah) in headless Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  let kecamatan = '';
  let kecamatanName = '';
  let kelurahan = '';
  let kelurahanName = '';
  let kecBBox: BBox = [0, 0, 0, 0];
  let cityBBox: BBox = [0, 0, 0, 0];
  const offsite: string[] = [];
  const pageErrors: string[] = [];
  /** Every answer of our API that refused or failed: a hidden section must not even be asked for. */
  const refused: string[] = [];

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 100 });

    // the camat's kecamatan and another one, each with two kelurahan, from the demo city's boundaries
    const regions = (await server.get('/api/public/v1/regions')).body as {
      city: { bbox: BBox };
      regions: { features: { properties: { code: string; kecamatanCode: string; kecamatanName: string }; geometry: GeoJSON.Geometry }[] };
    };
    cityBBox = regions.city.bbox;
    const byKec = new Map<string, (typeof regions.regions.features)[number][]>();
    for (const f of regions.regions.features) byKec.set(f.properties.kecamatanCode, [...(byKec.get(f.properties.kecamatanCode) ?? []), f]);
    const [mine, other] = [...byKec.keys()].sort().filter((k) => byKec.get(k)!.length >= 2);
    kecamatan = mine!;
    kecamatanName = byKec.get(mine!)![0]!.properties.kecamatanName;
    const coords = byKec.get(mine!)!.flatMap((f) => {
      const g = f.geometry as GeoJSON.Polygon | GeoJSON.MultiPolygon;
      return (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat(2);
    });
    kecBBox = [
      Math.min(...coords.map((c) => c[0]!)),
      Math.min(...coords.map((c) => c[1]!)),
      Math.max(...coords.map((c) => c[0]!)),
      Math.max(...coords.map((c) => c[1]!)),
    ];

    // DLH's terbatas truck_load is opened to territorial roles (aggregation: sum); readings in both kecamatan
    await server.storage.pool.query(`UPDATE metric SET territorial = true WHERE code = 'truck_load'`);
    await server.app.catalog.reload();
    const dlh = await server.key('DLH');
    const now = Date.now();
    const [in1, in2] = byKec.get(mine!)!;
    const [out1] = byKec.get(other!)!;
    kelurahan = in1!.properties.code;
    kelurahanName = (in1!.properties as { name?: string }).name ?? '';
    const points = [
      { metric: 'truck_load', entity: 'TRUK-IN-1', region: in1!.properties.code, time: now - 30_000, value: 3 },
      { metric: 'truck_load', entity: 'TRUK-IN-2', region: in2!.properties.code, time: now - 30_000, value: 4 },
      { metric: 'truck_load', entity: 'TRUK-OUT-1', region: out1!.properties.code, time: now - 30_000, value: 20 },
    ];
    const r = await server.post('/api/v1/ingest', { points }, dlh);
    expect(r.status).toBe(202);
    await addUser(
      server.storage.pool,
      { username: 'lurah.uji', password: 'kata-sandi-lurah-uji-1', role: 'wilayah', region: kelurahan },
      { actor: 'cli:test', source: 'cli' },
    );
    await addUser(
      server.storage.pool,
      { username: USER, password: PASSWORD, role: 'wilayah', region: kecamatan },
      { actor: 'cli:test', source: 'cli' },
    );

    profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1024, height: 768 },
      hasTouch: true,
      args: CHROMIUM_ARGS,
    });
    await refuseOffsite(context, server.url, offsite);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('shows the camat their kecamatan: named header, map fitted to it, their figure only, no refused section', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('websocket', (ws) => {
      if (!ws.url().startsWith(server.url.replace('http', 'ws'))) offsite.push(ws.url());
    });
    page.on('response', (res) => {
      if (res.url().startsWith(server.url) && res.status() >= 400) refused.push(`${res.status()} ${res.url()}`);
    });
    await page.goto(`${server.url}/agency`);
    await page.waitForSelector('[data-testid="login-form"]');
    await page.fill('[data-testid="login-username"]', USER);
    await page.fill('[data-testid="login-password"]', PASSWORD);
    await page.tap('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="dashboard"]');
    expect(await page.locator('html').getAttribute('lang')).toBe('id');

    // the header names the kecamatan from the regions API
    await page.waitForSelector(`[data-testid="wilayah-title"]:has-text("${kecamatanName}")`);
    expect(await page.textContent('[data-testid="wilayah-title"]')).toBe(`Wilayah: Kecamatan ${kecamatanName}`);

    // the map is fitted to the kecamatan: the view holds all of it, its centre lies inside it, and it is
    // closer than the whole kota
    const map = page.locator('[data-testid="wilayah-map"][data-ready="true"]');
    await map.waitFor({ timeout: 30_000 });
    const [cx, cy] = (await map.getAttribute('data-center'))!.split(',').map(Number) as [number, number];
    expect(cx).toBeGreaterThan(kecBBox[0]);
    expect(cx).toBeLessThan(kecBBox[2]);
    expect(cy).toBeGreaterThan(kecBBox[1]);
    expect(cy).toBeLessThan(kecBBox[3]);
    const view = (await map.getAttribute('data-bounds'))!.split(',').map(Number) as BBox;
    expect(view[0]).toBeLessThanOrEqual(kecBBox[0]);
    expect(view[1]).toBeLessThanOrEqual(kecBBox[1]);
    expect(view[2]).toBeGreaterThanOrEqual(kecBBox[2]);
    expect(view[3]).toBeGreaterThanOrEqual(kecBBox[3]);
    expect(view[2] - view[0]).toBeLessThan(cityBBox[2] - cityBBox[0]);
    // the kecamatan is outlined and the rest dimmed (the layers are on the map's canvas)
    expect(await page.locator('[data-testid="wilayah-map"] canvas').count()).toBe(1);

    // the territorial tile: 3 + 4 t of their two trucks, not the 20 t truck of the other kecamatan
    const tile = page.locator('[data-testid="kpi-tile"][data-code="truck_load"]');
    await page.waitForSelector('[data-testid="kpi-tile"][data-code="truck_load"][data-status="live"]:not([data-value=""])');
    expect(Number(await tile.getAttribute('data-value'))).toBe(7);
    expect(await tile.locator('[data-testid="kpi-value"]').textContent()).toBe('7 ton');
    expect(await tile.locator('[data-testid="kpi-area"]').textContent()).toBe('di wilayah Anda');
    expect(await page.textContent('[data-testid="own-kpis"] h2')).toBe('Indikator di wilayah Anda');
    // a terbatas metric not opened to territorial roles is not there
    expect(await page.locator('[data-testid="kpi-tile"][data-code="container_fill"]').count()).toBe(0);

    // the sections refused to the role are not shown at all, and were not asked for
    for (const id of [
      'open-sharing',
      'open-matrix',
      'agency-alerts',
      'agency-incidents',
      'incident-map',
      'agency-notices',
      'scorecard',
      'conflicts',
    ]) {
      expect(await page.locator(`[data-testid="${id}"]`).count(), id).toBe(0);
    }
    expect(await page.locator('.dash-side, .dash-nav').count()).toBe(0);
    expect(await page.locator('.dashboard .error').count()).toBe(0);

    await page.screenshot({ path: join(ARTIFACTS, 'wilayah-tablet.png'), fullPage: true });

    // the drill-down lists their two trucks only, each in a kelurahan of their kecamatan
    await tile.tap();
    await page.waitForSelector('[data-testid="metric-detail"][data-code="truck_load"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="region-row"]').length > 0);
    const rows = await page.$$eval('[data-testid="region-row"]', (rs) =>
      rs.map((r) => [r.getAttribute('data-entity'), Number(r.getAttribute('data-value'))]),
    );
    expect(rows.sort()).toEqual([
      ['TRUK-IN-1', 3],
      ['TRUK-IN-2', 4],
    ]);
    await page.goBack();
    await page.waitForSelector('[data-testid="wilayah-map"][data-ready="true"]');

    // English: one tap
    await page.tap('[data-testid="lang-en"]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('[data-testid="wilayah-title"]')).toBe(`Area: Kecamatan ${kecamatanName}`);
    expect(await tile.locator('[data-testid="kpi-area"]').textContent()).toBe('in your area');
    expect(await page.textContent('[data-testid="own-kpis"] h2')).toBe('Indicators in your area');

    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
  });

  it('shows a lurah their kelurahan and the figure of that kelurahan only', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (res) => {
      if (res.url().startsWith(server.url) && res.status() >= 400) refused.push(`${res.status()} ${res.url()}`);
    });
    await page.goto(`${server.url}/agency`);
    // the camat's session of the first test is kept in this profile: sign out first
    await page.waitForSelector('[data-testid="logout"], [data-testid="login-form"]');
    if (await page.locator('[data-testid="logout"]').count()) await page.tap('[data-testid="logout"]');
    await page.waitForSelector('[data-testid="login-form"]');
    await page.fill('[data-testid="login-username"]', 'lurah.uji');
    await page.fill('[data-testid="login-password"]', 'kata-sandi-lurah-uji-1');
    await page.tap('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="wilayah-map"][data-ready="true"]', { timeout: 30_000 });
    // the camat switched the page to English, and the choice is kept
    expect(await page.textContent('[data-testid="wilayah-title"]')).toBe(`Area: Kelurahan/Desa ${kelurahanName}`);
    await page.waitForSelector('[data-testid="kpi-tile"][data-code="truck_load"][data-status="live"]:not([data-value=""])');
    expect(Number(await page.locator('[data-testid="kpi-tile"][data-code="truck_load"]').getAttribute('data-value'))).toBe(3);
    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
  });
});
