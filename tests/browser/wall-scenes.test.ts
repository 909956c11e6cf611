/**
 * /wall scenes in real headless Chromium against the real server, database and simulator: every scene of a
 * test scenes file (short durations) renders with live data at 1920×1080, 3840×2160 and 1024×768 (screenshots
 * in tests/artifacts/), the playlist advances by itself, kiosk mode hides the chrome and survives rotation and
 * reload, an alert holds the playlist on its domain's scene, a broken scenes file keeps the last good scenes,
 * the traffic scene draws the road segments as lines (registered through POST /api/v1/entities), and no
 * request leaves localhost.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_OPD } from '../../demo/catalog';
import { validateWorkerConfig } from '../../ingest/config';
import { simulatorEntityNames, simulatorRoadGeometry } from '../../ingest/sources/simulator';
import { startWorker, type Worker } from '../../ingest/worker';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';
import { measureLegibility } from '../support/legibility';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
/** Water-level thresholds for these tests, cm: far above the simulator's gauges (which stay below ~300 cm). */
const TEST_WATER_THRESHOLDS = { waspada: 900, siaga: 950, awas: 1_000 };
const SCENES = ['overview', 'floods', 'traffic', 'sanitation', 'complaints', 'projects'] as const;

/** The shipped scenes with 2-second durations, so a test sees the whole rotation in seconds. */
async function testScenesFile(dir: string): Promise<string> {
  const shipped = await readFile(join(import.meta.dirname, '../../config/scenes.yaml'), 'utf8');
  const file = join(dir, 'scenes.yaml');
  await writeFile(file, shipped.replace(/durationS: \d+/g, 'durationS: 2'));
  return file;
}

describe.skipIf(!chromiumAvailable)('/wall scenes in headless Chromium', () => {
  let server: TestServer;
  let worker: Worker;
  let dir: string;
  let scenesFile: string;
  let token: string;
  let bpbdKey: string;
  let complaintsKey: string;
  const contexts: BrowserContext[] = [];
  const offsite: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    dir = await mkdtemp(join(tmpdir(), 'sinergi-wall-'));
    scenesFile = await testScenesFile(dir);
    server = await startTestServer(adminUrl, {
      clientDistDir: dist,
      maxBodyBytes: 8 * 1024 * 1024,
      maxBatchItems: 50_000,
      streamTickMs: 250,
      wallScenesFile: scenesFile,
    });
    // The simulator follows the wall clock: at rush hour its congestion index crosses Siaga by itself, and in its
    // afternoon downpour (13-17 WIB) real gauges do, and the playlist (rightly) holds on that scene. These tests
    // raise the only alert themselves: no thresholds but water level's, set above anything the simulator's
    // gauges reach, so only the gauge the hold test writes to can alert, whatever the hour of the run.
    await server.storage.pool.query(`UPDATE metric SET thresholds = NULL WHERE code <> 'water_level'`);
    await server.storage.pool.query(`UPDATE metric SET thresholds = $1 WHERE code = 'water_level'`, [TEST_WATER_THRESHOLDS]);
    await server.app.catalog.reload();
    const keys: Record<string, string> = {};
    for (const o of DEMO_OPD) keys[o.code] = await server.key(o.code);
    bpbdKey = keys.BPBD!;
    complaintsKey = keys.DISKOMINFO!;
    token = await server.token('operator');
    // the road segments' lines, registered by their OPD as the demo does
    const roads = await simulatorRoadGeometry({ seed: 5 });
    const registered = await server.post('/api/v1/entities', { entities: roads.entities }, keys[roads.opd]);
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    // and the names of the gauges, containers and trucks (names first, codes second)
    for (const group of await simulatorEntityNames({ seed: 5 })) {
      const named = await server.post('/api/v1/entities', { entities: group.entities }, keys[group.opd]);
      expect(named.status, JSON.stringify(named.body)).toBe(200);
    }
    worker = await startWorker(
      validateWorkerConfig({
        server: { url: server.url },
        keys,
        spool: { dir: join(dir, 'spool') },
        delivery: { maxBatch: 5_000, maxBackoffMs: 1_000 },
        sources: [{ type: 'simulator', name: 'simulator', seed: 5, backfillMinutes: 15, intervalMs: 1_000 }],
      }),
      pino({ level: 'silent' }),
    );
    await mkdir(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await worker?.stop({ drainMs: 500 });
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function launch(viewport: { width: number; height: number }): Promise<BrowserContext> {
    const profile = await mkdtemp(join(dir, 'chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport, args: CHROMIUM_ARGS });
    contexts.push(context);
    await refuseOffsite(context, server.url, offsite);
    return context;
  }

  async function open(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${path}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`));
    await page.goto(server.url + path);
    return page;
  }

  /** Waits until the scene is on screen with live data, drawn, then saves a screenshot. */
  async function captureScene(page: Page, scene: string, size: string): Promise<void> {
    await page.waitForSelector(`[data-testid="scene"][data-scene="${scene}"]`, { timeout: 15_000 });
    await page.waitForSelector('[data-testid="wall-map"][data-ready="true"] canvas', { timeout: 15_000 });
    // live data behind the scene's panels: at least one panel shows an age, none says "no data"
    await expect
      .poll(() => page.locator('[data-testid="scene"] [data-testid="freshness"][data-age-s]:not([data-age-s=""])').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.waitForTimeout(600); // let deck.gl and ECharts draw this scene
    await page.screenshot({ path: join(ARTIFACTS, `wall-${scene}-${size}.png`) });
  }

  /**
   * The simulator follows the wall clock: at some hours its own gauges cross Siaga and (rightly) hold the
   * playlist. Tests that step the scenes by hand acknowledge what is open first (acknowledged alerts do not hold).
   */
  async function acknowledgeOpenAlerts(): Promise<void> {
    const open = (
      (await server.get('/api/v1/alerts', token)).body.alerts as { id: number; clearedAt: number | null; acknowledgedAt: number | null }[]
    ).filter((a) => a.clearedAt === null && a.acknowledgedAt === null);
    for (const a of open) await server.post(`/api/v1/alerts/${a.id}/acknowledge`, { note: 'uji layar dinding' }, token);
  }

  /** Until nothing holds the playlist: the simulator's gauges may open a new Siaga alert at any moment around midday. */
  async function untilNotHeld(page: Page): Promise<void> {
    await expect
      .poll(
        async () => {
          await acknowledgeOpenAlerts();
          return page.getAttribute('[data-testid="playlist"]', 'data-hold');
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe('none');
  }

  async function expectNoScroll(page: Page): Promise<void> {
    const fit = await page.evaluate(() => {
      const el = document.scrollingElement ?? document.documentElement;
      return { scrollH: el.scrollHeight, scrollW: el.scrollWidth, h: window.innerHeight, w: window.innerWidth };
    });
    expect(fit.scrollH).toBeLessThanOrEqual(fit.h);
    expect(fit.scrollW).toBeLessThanOrEqual(fit.w);
  }

  it('serves the scenes from the file to operators only', async () => {
    expect((await server.get('/api/v1/wall/scenes')).status).toBe(401);
    expect((await server.get('/api/v1/wall/scenes', await server.token('agency', 'BPBD'))).status).toBe(403);
    const good = await server.get('/api/v1/wall/scenes', token);
    expect(good.status).toBe(200);
    expect(good.body.source).toBe('file');
    expect(good.body.scenes.scenes.map((s: { id: string }) => s.id)).toEqual([...SCENES]);
    expect(good.body.error).toBeNull();
  });

  it('rotates the scenes by itself in kiosk mode, which hides the chrome and survives rotation and reload', async () => {
    const context = await launch({ width: 1920, height: 1080 });
    await acknowledgeOpenAlerts();
    const page = await open(context, `/wall?kiosk=1#token=${token}`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    expect(page.url()).not.toContain('token=');
    // kiosk: no controls, no language toggle, no cursor
    expect(await page.getAttribute('[data-testid="wall"]', 'data-kiosk')).toBe('true');
    expect(await page.locator('[data-testid="playlist-controls"]').count()).toBe(0);
    expect(await page.locator('[data-testid="rewind"]').count()).toBe(0); // kiosk walls never rewind
    expect(await page.locator('.map-frame.is-inspectable').count()).toBe(0); // nor open cards
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="wall"]')!).cursor)).toBe('none');

    // the playlist advances by itself through every scene, in order, and stays in kiosk mode
    const first = (await page.getAttribute('body', 'data-scene')) as (typeof SCENES)[number];
    const start = SCENES.indexOf(first);
    expect(start).toBeGreaterThanOrEqual(0);
    for (let k = 1; k <= SCENES.length; k++) {
      await page.waitForSelector(`[data-testid="scene"][data-scene="${SCENES[(start + k) % SCENES.length]}"]`, { timeout: 8_000 });
      expect(await page.getAttribute('[data-testid="wall"]', 'data-kiosk')).toBe('true');
    }

    // a reload without the query (a watchdog's plain reload) stays in kiosk mode
    await page.goto(`${server.url}/wall`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    expect(await page.getAttribute('[data-testid="wall"]', 'data-kiosk')).toBe('true');
    expect(await page.locator('[data-testid="playlist-controls"]').count()).toBe(0);
    expect(await page.locator('input').count()).toBe(0);
    expect(SCENES).toContain(await page.getAttribute('body', 'data-scene'));
    await page.close();
  }, 90_000);

  it('holds the playlist on the floods scene while a Siaga alert is open and unacknowledged', async () => {
    const context = contexts[0]!;
    const page = await open(context, '/wall');
    await page.waitForSelector('[data-testid="conn-status"][data-state="connected"]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid="alerts-panel"][data-state="ready"]', { timeout: 15_000 });
    const reading = (value: number) =>
      server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-UJI-SCENE', time: Date.now(), value }] }, bpbdKey);
    const r = await reading(TEST_WATER_THRESHOLDS.siaga + 30);
    expect(r.status).toBe(202);
    try {
      // the hold itself; how fast an alert reaches the wall is alerts.test.ts's business
      await page.waitForSelector('[data-testid="playlist"][data-hold="alert"]', { timeout: 10_000 }).catch(async (e: unknown) => {
        const open = (await server.get('/api/v1/alerts', token)).body;
        const shown = await page.evaluate(() => ({
          body: { ...document.body.dataset },
          playlist: document.querySelector('[data-testid="playlist"]')?.outerHTML.slice(0, 300) ?? null,
          banner: document.querySelector('[data-testid="alert-banner"]')?.textContent ?? null,
          alertsPanel: document.querySelector('[data-testid="alerts-panel"]')?.textContent?.slice(0, 300) ?? null,
          conn: document.querySelector('[data-testid="conn-status"]')?.getAttribute('data-state') ?? null,
        }));
        throw new Error(`the playlist did not hold; the server's alerts: ${JSON.stringify(open)}; the page: ${JSON.stringify(shown)}`, { cause: e });
      });
      expect(await page.getAttribute('body', 'data-scene')).toBe('floods');
      // held: longer than a scene's duration, it stays
      await page.waitForTimeout(3_000);
      expect(await page.getAttribute('body', 'data-scene')).toBe('floods');
      expect(await page.getAttribute('[data-testid="playlist"]', 'data-hold')).toBe('alert');
      await page.screenshot({ path: join(ARTIFACTS, 'wall-alert-hold-1920x1080.png') });
    } finally {
      // the reading falls below Waspada: the alert clears (also when the test failed, so the next ones rotate)
      await reading(90);
    }
    await page.waitForSelector('[data-testid="playlist"][data-hold="none"]', { timeout: 10_000 });
    await page.waitForFunction(() => document.body.dataset.scene !== 'floods', undefined, { timeout: 10_000 });
    await page.close();
  }, 60_000);

  it('shows the whole open backlog on a freshly loaded wall, beyond the 500 open complaints a snapshot carries by default', async () => {
    const now = Date.now();
    const backlog = Array.from({ length: 700 }, (_, i) => ({
      kind: 'complaint',
      id: `LPR-UJI-BACKLOG-${i}`,
      status: 'received',
      time: now - 3_600_000 - i * 1_000, // older than the simulator's newest: a default snapshot would drop many
      category: 'sampah',
      lon: 110.38 + (i % 30) * 0.003,
      lat: -7.02 + Math.floor(i / 30) * 0.002,
    }));
    expect((await server.post('/api/v1/events', { events: backlog }, complaintsKey)).status).toBe(202);
    const page = await open(contexts[0] ?? (await launch({ width: 1920, height: 1080 })), `/wall#token=${token}`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    // the scenes rotate every 2 s; the overview and complaints scenes draw the complaints as hexagons
    const hexItems = () => page.evaluate(() => window.__sinergi?.mapLayers.find((l) => l.id === 'complaints-hex')?.items ?? 0);
    await expect.poll(hexItems, { timeout: 20_000 }).toBeGreaterThan(700);
    await page.close();
  }, 60_000);

  for (const viewport of [
    { width: 1920, height: 1080 },
    { width: 3840, height: 2160 },
    { width: 1024, height: 768 },
  ]) {
    const size = `${viewport.width}x${viewport.height}`;
    it(`renders every scene with live data at ${size}`, async () => {
      await acknowledgeOpenAlerts();
      const context = await launch(viewport);
      const page = await open(context, `/wall#token=${token}`);
      await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
      // held by hand, then stepped with the controls: each screenshot is of the scene it is named after
      // (no alert holds the playlist now; the pause button does nothing while one does)
      await untilNotHeld(page);
      await page.click('[data-testid="playlist-controls"] button:nth-child(2)');
      await page.waitForSelector('[data-testid="playlist"][data-hold="manual"]');
      for (let k = 0; k < SCENES.length; k++) {
        const scene = (await page.getAttribute('body', 'data-scene'))!;
        await captureScene(page, scene, size);
        await expectNoScroll(page);
        if (viewport.width >= 1920) {
          // read from five metres: captions and ages ≥ 18 px, KPI values ≥ 48 px at 1080p (doubled at 4K), nothing cut
          const k = viewport.width / 1920;
          const m = await measureLegibility(page);
          expect(m.texts.length).toBeGreaterThan(5);
          expect(m.texts.filter((x) => x.px < 18 * k - 0.01).map((x) => `${x.where} "${x.text}" ${x.px}px`)).toEqual([]);
          expect(m.kpiValues.filter((x) => x.px < 48 * k - 0.01).map((x) => `${x.where} "${x.text}" ${x.px}px`)).toEqual([]);
          expect(m.clipped.map((x) => `${x.where} "${x.text}" +${x.overflowX}/${x.overflowY}px`)).toEqual([]);
          // the legend sits under the map, never over the city
          const overlap = await page.evaluate(() => {
            const map = document.querySelector('[data-testid="wall-map"]')!.getBoundingClientRect();
            const legend = document.querySelector('[data-testid="map-legend"]')!.getBoundingClientRect();
            return Math.max(0, Math.min(map.bottom, legend.bottom) - Math.max(map.top, legend.top));
          });
          expect(overlap).toBe(0);
          // nothing open: "Peringatan aktif" is a thin strip (well under a grid row)
          const strip = page.locator('[data-testid="alerts-panel"][data-collapsed="true"]');
          if ((await strip.count()) > 0) expect((await strip.boundingBox())!.height).toBeLessThan(70 * k);
          if (scene === 'floods') {
            // names first: the gates list and the water chart name the stations, their codes after
            await expect
              .poll(() => page.locator('[data-testid="gates-panel"] .gate-name').first().textContent())
              .toMatch(/^(Rumah Pompa|Pintu Air|Bendung|Pos Duga|Polder) .+ · [A-Z]/);
            expect(await page.locator('[data-testid="water-focus"]').textContent()).toMatch(/(Rumah Pompa|Pintu Air|Bendung|Pos Duga|Polder)/);
          }
          // map labels: kelurahan and kecamatan names ≥ 16 px, with a halo; MapLibre places them without overlap
          const labels = await page.evaluate(() => window.__sinergi?.mapLabels ?? null);
          expect(labels).not.toBeNull();
          for (const l of labels!) {
            expect(l.px, l.layer).toBeGreaterThanOrEqual(16 * k - 0.01);
            expect(l.haloPx, l.layer).toBeGreaterThan(0);
            expect(l.allowOverlap, l.layer).toBe(false);
          }
        }
        if (scene === 'traffic') {
          // the segments are drawn along their roads: a PathLayer of lines with at least 2 vertices each
          const roadLayer = () => page.evaluate(() => window.__sinergi?.mapLayers.find((l) => l.id === 'traffic-roads') ?? null);
          await expect.poll(async () => (await roadLayer())?.items ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
          const roads = await roadLayer();
          expect(roads?.type).toBe('PathLayer');
          expect(roads!.pathVertices).toHaveLength(roads!.items);
          expect(Math.min(...roads!.pathVertices!)).toBeGreaterThanOrEqual(2);
        }
        expect(await page.getAttribute('body', 'data-scene')).toBe(scene);
        await page.click('[data-testid="playlist-controls"] button:nth-child(3)');
        await page.waitForFunction((s) => document.body.dataset.scene !== s, scene);
      }
      expect(await page.locator('[data-testid="panel-map"] [data-testid="map-legend"] li').count()).toBeGreaterThan(0);
      // text scales with the viewport: 1rem is 16 px at 1080p, 32 px at 4K, never below 10 px
      const rem = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
      expect(rem).toBeGreaterThanOrEqual(Math.max(10, Math.min(viewport.width / 120, viewport.height / 67.5)) - 0.5);
      await page.close();
    }, 120_000);
  }

  it('rewinds every panel of a scene to a moment of the past and returns to LIVE without a reload', async () => {
    const t0 = Date.now();
    const gauge = 'PA-UJI-REWIND';
    for (const [minutesAgo, value] of [
      [9, 180],
      [1, 95],
    ] as const) {
      const r = await server.post(
        '/api/v1/ingest',
        { points: [{ metric: 'water_level', entity: gauge, time: t0 - minutesAgo * 60_000, value }] },
        bpbdKey,
      );
      expect(r.status).toBe(202);
    }
    await acknowledgeOpenAlerts();
    const page = await open(contexts[0] ?? (await launch({ width: 1920, height: 1080 })), `/wall#token=${token}`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    await untilNotHeld(page);
    await page.click('[data-testid="playlist-controls"] button:nth-child(2)');
    while ((await page.getAttribute('body', 'data-scene')) !== 'floods') {
      const before = await page.getAttribute('body', 'data-scene');
      await page.click('[data-testid="playlist-controls"] button:nth-child(3)');
      await page.waitForFunction((s) => document.body.dataset.scene !== s, before);
    }
    const gateRow = page.locator('[data-testid="gates-panel"] li', { hasText: gauge });
    await expect.poll(() => gateRow.locator('.gate-value').textContent(), { timeout: 25_000 }).toMatch(/^95\b/); // (a low row may be on the next page: pages turn every 8 s)
    // a marker that a reload would lose
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    expect(await page.getAttribute('[data-testid="rewind"]', 'data-state')).toBe('live');

    // the slider released at five minutes ago: the frame of that moment (the gauge at 180 cm, ages against then)
    const at = Math.floor((t0 - 5 * 60_000) / 60_000) * 60_000;
    await page.evaluate((v) => {
      const el = document.querySelector<HTMLInputElement>('[data-testid="rewind-slider"]')!;
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, String(v));
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, at);
    await page.waitForSelector('body[data-replay="frame"]', { timeout: 15_000 });
    expect(Number(await page.getAttribute('[data-testid="rewind"]', 'data-at'))).toBe(at);
    expect(await page.getAttribute('body', 'data-scene')).toBe('floods');
    await expect.poll(() => gateRow.locator('.gate-value').textContent(), { timeout: 5_000 }).toMatch(/^180\b/);
    // every panel and layer of the scene draws the frame: the map's flood columns, the water chart, the KPIs
    const columns = await page.evaluate(() => window.__sinergi?.mapLayers.find((l) => l.id.startsWith('flood'))?.items ?? 0);
    expect(columns).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="water-chart"]').count()).toBe(1);
    expect(await page.locator('[data-testid="kpi-water-level"]').count()).toBe(1);
    expect(Number(await page.getAttribute('body', 'data-replay-ms'))).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'wall-rewind-1920x1080.png') });

    // LIVE: back to the stream, no reload
    await page.click('[data-testid="rewind-live"]');
    await page.waitForSelector('body[data-replay="live"]');
    await expect.poll(() => gateRow.locator('.gate-value').textContent(), { timeout: 25_000 }).toMatch(/^95\b/); // (a low row may be on the next page: pages turn every 8 s)
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await page.close();
  }, 90_000);

  it('rewinds the complaints scene from complaints counted by the server: hexagons, bars and statuses', async () => {
    const t0 = Date.now();
    const batch = Array.from({ length: 60 }, (_, i) => ({
      kind: 'complaint',
      id: `LPR-UJI-REWIND-${i}`,
      status: 'received',
      time: t0 - 10 * 60_000,
      category: 'lampu_jalan',
      lon: 110.39 + (i % 10) * 0.004,
      lat: -7.0 + Math.floor(i / 10) * 0.004,
    }));
    expect((await server.post('/api/v1/events', { events: batch }, complaintsKey)).status).toBe(202);
    await acknowledgeOpenAlerts();
    const page = await open(contexts[0] ?? (await launch({ width: 1920, height: 1080 })), `/wall#token=${token}`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    await untilNotHeld(page);
    await page.click('[data-testid="playlist-controls"] button:nth-child(2)');
    while ((await page.getAttribute('body', 'data-scene')) !== 'complaints') {
      const before = await page.getAttribute('body', 'data-scene');
      await page.click('[data-testid="playlist-controls"] button:nth-child(3)');
      await page.waitForFunction((s) => document.body.dataset.scene !== s, before);
    }
    const at = Math.floor((t0 - 5 * 60_000) / 60_000) * 60_000;
    const frame = (await server.get(`/api/v1/replay?scene=complaints&at=${at}`, token)).body as {
      aggregates: { kind: string; located: number; hexes: number[]; byCategory: Record<string, number> }[];
    };
    const counted = frame.aggregates.find((a) => a.kind === 'complaint')!;
    expect(counted.byCategory.lampu_jalan).toBeGreaterThanOrEqual(60);
    await page.evaluate((v) => {
      const el = document.querySelector<HTMLInputElement>('[data-testid="rewind-slider"]')!;
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, String(v));
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, at);
    await page.waitForSelector('body[data-replay="frame"]', { timeout: 15_000 });
    // one weighted point per counted hexagon; the category bars add up to the open located complaints counted
    await expect
      .poll(() => page.evaluate(() => window.__sinergi?.mapLayers.find((l) => l.id === 'complaints-hex')?.items ?? -1))
      .toBe(counted.hexes.length / 3);
    expect(Number(await page.getAttribute('[data-testid="complaints-category-chart"]', 'data-total'))).toBe(counted.located);
    await page.screenshot({ path: join(ARTIFACTS, 'wall-rewind-complaints-1920x1080.png') });
    await page.click('[data-testid="rewind-live"]');
    await page.waitForSelector('body[data-replay="live"]');
    await page.close();
  }, 90_000);

  it('opens the card of a gauge tapped on the map of an unlocked wall: name, owner, value and age, alerts, 24 h', async () => {
    const now = Date.now();
    const range = await server.get(
      `/api/v1/series?metric=water_level&from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now).toISOString()}`,
      token,
    );
    const gate = (range.body.series as { entity: string; lon: number | null; lat: number | null }[]).find(
      (s) => s.lon !== null && s.entity.startsWith('PA-'),
    )!;
    expect(gate).toBeDefined();
    await acknowledgeOpenAlerts();
    const page = await open(contexts[0] ?? (await launch({ width: 1920, height: 1080 })), `/wall#token=${token}`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    await untilNotHeld(page);
    await page.click('[data-testid="playlist-controls"] button:nth-child(2)');
    while ((await page.getAttribute('body', 'data-scene')) !== 'floods') {
      const before = await page.getAttribute('body', 'data-scene');
      await page.click('[data-testid="playlist-controls"] button:nth-child(3)');
      await page.waitForFunction((s) => document.body.dataset.scene !== s, before);
    }
    await page.waitForSelector('[data-testid="wall-map"][data-ready="true"]');
    await page.waitForTimeout(1_000); // the camera settles on the floods scene's pitch
    const at = await page.evaluate(([lon, lat]) => window.__sinergi?.projectOnMap?.(lon!, lat!) ?? null, [gate.lon, gate.lat]);
    expect(at).not.toBeNull();
    await page.mouse.click(at!.x, at!.y);
    const card = page.locator(`[data-testid="inspect-card"][data-entity="${gate.entity}"]`);
    await card.waitFor({ timeout: 10_000 });
    expect(await card.locator('h3').textContent()).toMatch(new RegExp(`^(Rumah Pompa|Pintu Air|Bendung|Pos Duga|Polder) .+ · ${gate.entity}$`));
    expect(await card.getByTestId('inspect-owner').textContent()).toBe('BPBD');
    expect(await card.getByTestId('inspect-value').textContent()).toMatch(/\d+ cm/);
    expect(await card.locator('[data-testid="freshness"]').getAttribute('data-age-s')).toMatch(/^\d+$/);
    expect(Number(await card.getByTestId('inspect-alerts').getAttribute('data-open'))).toBeGreaterThanOrEqual(0);
    expect(await card.getByTestId('inspect-near').textContent()).toMatch(/\d+ aduan/);
    await expect.poll(() => card.getByTestId('inspect-sparkline').getAttribute('data-points'), { timeout: 10_000 }).toMatch(/^[1-9]\d*$/);
    await page.screenshot({ path: join(ARTIFACTS, 'wall-inspect-1920x1080.png') });
    await card.locator('.inspect-close').click();
    expect(await page.locator('[data-testid="inspect-card"]').count()).toBe(0);
    await page.close();
  }, 90_000);

  it('logs a broken scenes file and keeps serving the last good scenes', async () => {
    await writeFile(scenesFile, 'version: 1\nscenes:\n  - id: Bad Id\n    durationS: 0\n    panels: []\n');
    await expect
      .poll(async () => (await server.get('/api/v1/wall/scenes', token)).body.error as string | null, { timeout: 10_000 })
      .toMatch(/scenes\.0\.id \(line 3\)/);
    const r = await server.get('/api/v1/wall/scenes', token);
    expect(r.status).toBe(200);
    expect(r.body.source).toBe('file');
    expect(r.body.scenes.scenes.map((s: { id: string }) => s.id)).toEqual([...SCENES]);
    expect(r.body.error).toMatch(/scenes\.0\.durationS \(line 4\)/);
  });

  it('made no request outside localhost and saw no CSP violation or page error', () => {
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  });
});
