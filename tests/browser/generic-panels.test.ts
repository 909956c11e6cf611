/**
 * Issue 17 in real headless Chromium against the real server and database: a metric the build has never heard
 * of (DISKOMINFO's `bed_occupancy`, created as catalog data with thresholds) and demo metrics go on a wall scene
 * built only from generic panels — metric-kpi, metric-chart, metric-layer (points and a choropleth by kelurahan)
 * and event-layer — stored by an admin through PUT /api/v1/admin/scenes. At 1920×1080 the wall shows their
 * values, levels and layers; an admin's next edit shows without a reload (and a rahasia code the wall may not
 * read shows "Tanpa akses" in its tile); the OPD's tablet shows the new metric
 * as a generic tile; and no request leaves localhost.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Metric } from '../../shared/catalog';
import type { ScenesFile } from '../../shared/scenes';
import { upsertMetrics } from '../../db/queries/catalog';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const USER = 'staf.kominfo.generik';
const PASSWORD = 'kata-sandi-staf-kominfo-generik';

const BED: Metric = {
  code: 'bed_occupancy',
  domain: 'complaints',
  ownerOpd: 'DISKOMINFO',
  class: 'terbatas',
  unit: '%',
  nameId: 'Keterisian tempat tidur RS',
  nameEn: 'Hospital bed occupancy',
  cadenceS: 300,
  thresholds: { waspada: 70, siaga: 85, awas: 95 },
};

/** A rahasia metric of the same OPD: the command center's operators may not read it. */
const SECRET: Metric = {
  ...BED,
  code: 'patient_referrals',
  class: 'rahasia',
  nameId: 'Rujukan pasien',
  nameEn: 'Patient referrals',
  thresholds: null,
};

function scenes(kpiMetrics: string[]): ScenesFile {
  return {
    version: 1,
    scenes: [
      {
        id: 'generik',
        title: { id: 'Panel generik', en: 'Generic panels' },
        durationS: 600,
        grid: { columns: 12, rows: 8 },
        panels: [
          {
            type: 'map',
            area: { col: 1, row: 1, w: 7, h: 8 },
            pitch: 0,
            layers: [
              { type: 'metric-layer', metric: 'bed_occupancy', style: 'choropleth', regionLevel: 'kelurahan' },
              { type: 'metric-layer', metric: 'water_level', style: 'points', regionLevel: 'kelurahan' },
              { type: 'event-layer', kind: 'flood_report', style: 'points' },
            ],
          },
          { type: 'metric-kpi', area: { col: 8, row: 1, w: 5, h: 2 }, metrics: kpiMetrics },
          { type: 'metric-chart', area: { col: 8, row: 3, w: 5, h: 4 }, metric: 'bed_occupancy', windowMin: 30, lines: 'series' },
          { type: 'alerts', area: { col: 8, row: 7, w: 5, h: 2 } },
        ],
      },
    ],
  };
}

describe.skipIf(!chromiumAvailable)('generic wall panels and tablet tiles in headless Chromium', () => {
  let server: TestServer;
  let dir: string;
  let admin: string;
  let operator: string;
  let kominfoKey: string;
  let context: BrowserContext;
  const offsite: string[] = [];
  const problems: string[] = [];

  const put = async (doc: ScenesFile) => {
    const res = await fetch(`${server.url}/api/v1/admin/scenes`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  };

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    dir = await mkdtemp(join(tmpdir(), 'sinergi-generic-'));
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 250 });
    // a metric no build knows: catalog data only
    await upsertMetrics(server.storage.pool, [BED, SECRET]);
    await server.app.catalog.reload();
    [admin, operator] = await Promise.all([server.token('admin'), server.token('operator')]);
    kominfoKey = await server.key('DISKOMINFO');
    const bpbdKey = await server.key('BPBD');
    await server.user(USER, PASSWORD, 'agency', 'DISKOMINFO');

    const kel = (
      await server.storage.pool.query<{ code: string; lon: number; lat: number }>(
        `SELECT code, centroid_lon AS lon, centroid_lat AS lat FROM region WHERE level IN ('kelurahan', 'desa') AND centroid_lon IS NOT NULL ORDER BY code LIMIT 3`,
      )
    ).rows;
    expect(kel).toHaveLength(3);
    const now = Date.now();
    const beds = await server.post(
      '/api/v1/ingest',
      {
        points: [
          { metric: 'bed_occupancy', entity: 'RS-KARIADI', region: kel[0]!.code, time: now - 60_000, value: 88, lon: kel[0]!.lon, lat: kel[0]!.lat },
          { metric: 'bed_occupancy', entity: 'RS-TUGU', region: kel[1]!.code, time: now - 60_000, value: 52, lon: kel[1]!.lon, lat: kel[1]!.lat },
        ],
      },
      kominfoKey,
    );
    expect(beds.status, JSON.stringify(beds.body)).toBe(202);
    const water = await server.post(
      '/api/v1/ingest',
      {
        points: kel.map((k, i) => ({
          metric: 'water_level',
          entity: `PA-GEN-${i}`,
          region: k.code,
          time: now - 30_000,
          value: 100 + i * 10,
          lon: k.lon,
          lat: k.lat,
        })),
      },
      bpbdKey,
    );
    expect(water.status, JSON.stringify(water.body)).toBe(202);
    const reports = await server.post(
      '/api/v1/events',
      {
        events: [
          { kind: 'flood_report', id: 'FR-GEN-1', status: 'reported', time: now - 120_000, lon: kel[0]!.lon, lat: kel[0]!.lat },
          { kind: 'flood_report', id: 'FR-GEN-2', status: 'assessed', time: now - 120_000, lon: kel[1]!.lon, lat: kel[1]!.lat },
          // closed: hidden from the layer
          { kind: 'flood_report', id: 'FR-GEN-3', status: 'closed', time: now - 120_000, lon: kel[2]!.lon, lat: kel[2]!.lat },
        ],
      },
      bpbdKey,
    );
    expect(reports.status, JSON.stringify(reports.body)).toBe(202);
    await put(scenes(['bed_occupancy', 'water_level']));

    await mkdir(ARTIFACTS, { recursive: true });
    const profile = await mkdtemp(join(dir, 'chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1920, height: 1080 },
      args: CHROMIUM_ARGS,
    });
    await refuseOffsite(context, server.url, offsite);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`));
    await page.goto(server.url + path);
    return page;
  }

  it('renders metric-kpi, metric-chart, metric-layer (points, choropleth) and event-layer at 1080p; an edit shows without a reload', async () => {
    const page = await open(`/wall#token=${operator}`);
    await page.waitForSelector('[data-testid="scene"][data-scene="generik"]', { timeout: 20_000 });

    // the tiles: the new metric by the catalog's rule (worst hospital, Siaga), in the UI language, with its unit
    const bed = page.locator('[data-testid="kpi-metric-bed_occupancy"]');
    await expect.poll(() => bed.locator('[data-kpi-value]').textContent(), { timeout: 20_000 }).toMatch(/^88/);
    expect(await bed.locator('.kpi-label').textContent()).toBe('Keterisian tempat tidur RS');
    expect(await bed.getAttribute('data-tone')).toBe('siaga');
    expect(await bed.locator('.kpi-sub').textContent()).toMatch(/RS-KARIADI/);
    const water = page.locator('[data-testid="kpi-metric-water_level"]');
    await expect.poll(() => water.locator('[data-kpi-value]').textContent(), { timeout: 20_000 }).toMatch(/^120/);

    // the chart: one line per hospital
    await expect.poll(() => page.getAttribute('[data-testid="metric-chart-bed_occupancy"]', 'data-lines'), { timeout: 20_000 }).toBe('2');

    // the layers: gauges as points, the kelurahan with a hospital filled, the open flood reports (closed one hidden)
    const layer = (id: string) => page.evaluate((i) => window.__sinergi?.mapLayers.find((l) => l.id === i) ?? null, id);
    await expect.poll(async () => (await layer('metric:water_level:points'))?.items ?? 0, { timeout: 20_000 }).toBe(3);
    await expect.poll(async () => (await layer('metric:bed_occupancy:choropleth'))?.items ?? 0, { timeout: 20_000 }).toBe(2);
    await expect.poll(async () => (await layer('events:flood_report:points'))?.items ?? -1, { timeout: 20_000 }).toBe(2);
    expect((await layer('metric:bed_occupancy:choropleth'))!.type).toBe('GeoJsonLayer');
    // each generic layer explained in the legend by its catalog name
    expect(await page.locator('[data-testid="map-legend"] li[data-layer="metric:bed_occupancy:choropleth"]').textContent()).toMatch(
      /Keterisian tempat tidur RS \(%\)/,
    );
    await page.waitForTimeout(800); // let deck.gl and ECharts draw
    await page.screenshot({ path: join(ARTIFACTS, 'wall-generic-1920x1080.png') });

    // an admin's edit reaches the wall on screen, without a reload
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await put(scenes(['water_level', 'rainfall', 'patient_referrals']));
    await page.waitForSelector('[data-testid="kpi-metric-bed_occupancy"]', { state: 'detached', timeout: 15_000 });
    await page.waitForSelector('[data-testid="kpi-metric-rainfall"]', { timeout: 5_000 });
    // a code the wall may not read: its tile says so instead of a figure, and the wall goes on
    await expect
      .poll(() => page.locator('[data-testid="kpi-metric-patient_referrals"] .kpi-sub').textContent(), { timeout: 15_000 })
      .toBe('Tanpa akses ke patient_referrals');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);

  it("shows the new metric on its OPD's tablet as a generic tile", async () => {
    const page = await open('/agency');
    // the wall's operator token is kept where the tablet keeps its session: sign in as the OPD's staff instead
    await page.evaluate(() => window.localStorage.removeItem('sinergi.token'));
    await page.reload();
    await page.waitForSelector('[data-testid="login-form"]', { timeout: 20_000 });
    await page.fill('[data-testid="login-username"]', USER);
    await page.fill('[data-testid="login-password"]', PASSWORD);
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="dashboard"]', { timeout: 20_000 });
    const tile = page.locator('[data-testid="kpi-tile"][data-code="bed_occupancy"]');
    await expect.poll(() => tile.getAttribute('data-value'), { timeout: 20_000 }).toBe('88');
    expect(await tile.getAttribute('data-level')).toBe('siaga');
    expect(await tile.locator('.kpi-name').textContent()).toMatch(/^Keterisian tempat tidur RS/);
    expect(await tile.locator('[data-testid="kpi-value"]').textContent()).toMatch(/88/);
    // drill-down: the metric's own detail page
    await tile.click();
    await page.waitForURL(/#\/metrik\/bed_occupancy/, { timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'tablet-generic-metric.png') });
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  }, 90_000);
});
