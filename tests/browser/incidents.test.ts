/**
 * Incidents in headless Chromium against the real server (issue 16): the operator turns an alert into an
 * incident in at most 3 taps on a 1024×768 tablet, and the BPBD tablet (another device, signed in as BPBD)
 * shows it within 2 s; BPBD accepts it there; a field officer's phone (360×640) shows the same incident and
 * resolves it with its required note. No request leaves localhost, no console error.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/client-build';
import type { WireAlert } from '../../shared/alerts';
import { grantAgreement, revokeAgreement } from '../../db/queries/sharing';
import { startTestServer, waitFor, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;

describe.skipIf(!chromiumAvailable)('incidents on the tablets and the phone', () => {
  let server: TestServer;
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  const offsite: string[] = [];
  const problems: string[] = [];

  async function launch(viewport: { width: number; height: number }): Promise<BrowserContext> {
    const profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      args: CHROMIUM_ARGS,
      hasTouch: true,
    });
    await refuseOffsite(context, server.url, offsite);
    contexts.push(context);
    return context;
  }

  async function signIn(context: BrowserContext, user: string, password: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${user}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${user}: ${e.message}`));
    await page.goto(`${server.url}/agency`);
    await page.fill('[data-testid="login-username"]', user);
    await page.fill('[data-testid="login-password"]', password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="agency-incidents"][data-state="ready"]', { timeout: 20_000 });
    return page;
  }

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 100 });
    await server.user('rina.operator', 'kata-sandi-operator-1', 'operator');
    await server.user('siti.bpbd', 'kata-sandi-bpbd-1', 'agency', 'BPBD');
    await server.user('joko.bpbd', 'kata-sandi-bpbd-2', 'agency', 'BPBD');
    await mkdir(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await server?.close();
    for (const p of profiles) await rm(p, { recursive: true, force: true });
  });

  it('operator: alert → incident in ≤ 3 taps at 1024×768; the BPBD tablet shows it within 2 s; a phone resolves it', async () => {
    const operator = await signIn(await launch({ width: 1024, height: 768 }), 'rina.operator', 'kata-sandi-operator-1');
    const bpbd = await signIn(await launch({ width: 1024, height: 768 }), 'siti.bpbd', 'kata-sandi-bpbd-1');
    const phone = await signIn(await launch({ width: 360, height: 640 }), 'joko.bpbd', 'kata-sandi-bpbd-2');

    await server.post(
      '/api/v1/ingest',
      { points: [{ metric: 'water_level', entity: 'PA-TABLET', time: Date.now(), value: 285 }] },
      await server.key('BPBD'),
    );
    const token = await server.token('operator');
    const alert = await waitFor('the alert', async () =>
      ((await server.get('/api/v1/alerts', token)).body.alerts as WireAlert[]).find((a) => a.entity === 'PA-TABLET'),
    );
    const row = operator.locator(`[data-testid="alert-${alert.id}"]`);
    await row.waitFor({ timeout: 10_000 });

    // tap 1: "Jadikan insiden" (BPBD, the owner, is preselected); tap 2: send
    let taps = 0;
    await row.locator('[data-testid="incident-make"]').tap();
    taps++;
    expect(await row.locator('[data-testid="incident-opd"]').inputValue()).toBe('BPBD');
    await operator.screenshot({ path: join(ARTIFACTS, 'incident-make-1024x768.png') });
    await row.locator('[data-testid="incident-send"]').tap();
    const sent = performance.now();
    taps++;
    expect(taps).toBeLessThanOrEqual(3);

    const onTablet = bpbd.locator('[data-testid="agency-incidents"] [data-opd="BPBD"][data-status="baru"]');
    await onTablet.first().waitFor({ timeout: 2_000 });
    expect(performance.now() - sent).toBeLessThan(2_000);
    await row.locator('[data-testid="incident-exists"]').waitFor({ timeout: 5_000 });
    await bpbd.screenshot({ path: join(ARTIFACTS, 'incident-bpbd-1024x768.png') });

    // BPBD accepts on its tablet; the phone sees the status change live
    await onTablet.first().locator('[data-testid="incident-accept"]').tap();
    const onPhone = phone.locator('[data-testid="agency-incidents"] [data-status="diterima"]').first();
    await onPhone.waitFor({ timeout: 5_000 });
    // the phone resolves with its required note
    await onPhone.locator('[data-testid="incident-resolve"]').tap();
    await onPhone.locator('[data-testid="incident-panel-text"]').fill('Pompa menyala, genangan surut');
    await phone.screenshot({ path: join(ARTIFACTS, 'incident-phone-360x640.png') });
    await onPhone.locator('[data-testid="incident-panel-submit"]').tap();
    await bpbd.locator('[data-testid="incidents-none"]').waitFor({ timeout: 5_000 });
    const fit = await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(fit).toBe(true);

    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);

  it('operator: an incident from a map position in ≤ 3 taps at 1024×768 (tap map → "Buat insiden di sini" → send)', async () => {
    const operator = await signIn(await launch({ width: 1024, height: 768 }), 'rina.operator', 'kata-sandi-operator-1');
    const section = operator.locator('[data-testid="incident-map"][data-ready="true"]');
    await section.waitFor({ timeout: 30_000 });
    const canvas = section.locator('[data-testid="incident-map-canvas"] canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;

    let taps = 0;
    // tap 1: the middle of the city map
    await operator.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    taps++;
    await section.locator('[data-testid="incident-here"]').tap();
    taps++;
    const title = await section.locator('[data-testid="incident-here-title"]').inputValue();
    expect(title).toMatch(/^Laporan lapangan · /);
    expect(await section.locator('[data-testid="incident-here-severity"]').inputValue()).toBe('waspada');
    await operator.screenshot({ path: join(ARTIFACTS, 'incident-from-map-1024x768.png') });
    await section.locator('[data-testid="incident-here-send"]').tap();
    taps++;
    expect(taps).toBeLessThanOrEqual(3);

    const made = section.locator('[data-testid="incident-here-made"]');
    await made.waitFor({ timeout: 10_000 });
    const id = Number(await made.getAttribute('data-incident'));
    const r = await server.get(`/api/v1/incidents/${id}`, await server.token('operator'));
    expect(r.status).toBe(200);
    const inc = (r.body as { incident: { sourceType: string; title: string; lon: number | null; lat: number | null; severity: string } }).incident;
    expect(inc).toMatchObject({ sourceType: 'manual', title, severity: 'waspada' });
    expect(inc.lon).toEqual(expect.any(Number));
    expect(inc.lat).toEqual(expect.any(Number));
    // the operator's own incident list shows it at once
    await operator.locator(`[data-testid="agency-incidents"] [data-status="baru"]`).first().waitFor({ timeout: 5_000 });
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);

  it('phone 360×640: the officer opens an incident on the map, follows a shared incident live until the agreement ends, reports from the map', async () => {
    const token = await server.token('operator');
    const agreement = await grantAgreement(server.storage.pool, {
      ownerOpd: 'DLH',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'container_fill',
      purpose: 'flood-response',
      validUntil: Date.now() + 86_400_000,
      reference: 'PKS/16',
    });
    await server.app.catalog.reload();
    const phone = await signIn(await launch({ width: 360, height: 640 }), 'joko.bpbd', 'kata-sandi-bpbd-2');

    // its own queue: an incident with a position, shown on the city's offline map with a pin
    const own = await server.post(
      '/api/v1/incidents',
      { from: { type: 'manual', lon: 110.42, lat: -6.98 }, title: 'Tanggul rembes', severity: 'siaga', handlingOpd: 'BPBD' },
      token,
    );
    const ownId = (own.body as { incident: { id: number } }).incident.id;
    const card = phone.locator(`[data-testid="agency-incidents"] [data-testid="incident-${ownId}"]`);
    await card.waitFor({ timeout: 5_000 });
    await card.locator(`[data-testid="incident-place-${ownId}"]`).tap();
    const map = card.locator('[data-testid="incident-location-map"][data-ready="true"]');
    await map.waitFor({ timeout: 30_000 });
    expect(await map.locator('.maplibregl-marker').count()).toBe(1);
    const box = (await map.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(360);
    expect(box.height).toBeGreaterThan(150);
    await phone.screenshot({ path: join(ARTIFACTS, 'incident-phone-map-360x640.png') });

    // a DLH incident about the shared metric arrives live in the purpose room's list
    await phone.locator('[data-testid="shared-incidents"][data-purpose="flood-response"][data-state="ready"]').waitFor({ timeout: 10_000 });
    await server.post(
      '/api/v1/ingest',
      { points: [{ metric: 'container_fill', entity: 'TPS-HP', time: Date.now(), value: 0.98 }] },
      await server.key('DLH'),
    );
    const alert = await waitFor('the container alert', async () =>
      ((await server.get('/api/v1/alerts', token)).body.alerts as WireAlert[]).find((a) => a.entity === 'TPS-HP'),
    );
    const made = await server.post('/api/v1/incidents', { from: { type: 'alert', id: alert.id } }, token);
    const sharedId = (made.body as { incident: { id: number; handlingOpd: string } }).incident.id;
    expect((made.body as { incident: { handlingOpd: string } }).incident.handlingOpd).toBe('DLH');
    await phone.locator(`[data-testid="shared-incidents"] [data-testid="shared-incident-${sharedId}"]`).waitFor({ timeout: 2_000 });
    // the agreement ends: the list goes (the server ended the subscription) and stays gone
    await revokeAgreement(server.storage.pool, agreement);
    await server.app.catalog.reload();
    await server.app.recheckLive();
    await phone.locator('[data-testid="shared-incidents"]').waitFor({ state: 'detached', timeout: 5_000 });

    // a manual report from the phone's map picker, in three taps
    const picker = phone.locator('[data-testid="incident-map"][data-ready="true"]');
    await picker.waitFor({ timeout: 30_000 });
    const canvas = picker.locator('[data-testid="incident-map-canvas"] canvas');
    await canvas.scrollIntoViewIfNeeded();
    const c = (await canvas.boundingBox())!;
    await phone.touchscreen.tap(c.x + c.width / 2, c.y + c.height / 2);
    await picker.locator('[data-testid="incident-here"]').tap();
    await picker.locator('[data-testid="incident-here-send"]').tap();
    await picker.locator('[data-testid="incident-here-made"]').waitFor({ timeout: 10_000 });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);

  it('wall: the overview draws a created incident on its incident layer (ringed once past target) and lists it on the board', async () => {
    const token = await server.token('operator');
    // an unacknowledged alert (the first test's) would hold the playlist on its domain's scene: acknowledge it
    const open = ((await server.get('/api/v1/alerts', token)).body.alerts as WireAlert[]).filter(
      (a) => a.clearedAt === null && a.acknowledgedAt === null,
    );
    for (const a of open) await server.post(`/api/v1/alerts/${a.id}/acknowledge`, { note: 'uji lapisan insiden' }, token);
    const wallContext = await launch({ width: 1920, height: 1080 });
    const wall = await wallContext.newPage();
    wall.on('pageerror', (e) => problems.push(`wall: ${e.message}`));
    await wall.goto(`${server.url}/wall#token=${token}`);
    await wall.waitForSelector('[data-testid="scene"][data-scene="overview"] [data-testid="wall-map"][data-ready="true"] canvas', {
      timeout: 60_000,
    });
    await wall.waitForSelector('[data-testid="scene"][data-scene="overview"] [data-testid="incidents-panel"]', { timeout: 30_000 });
    const layer = (id: string) => wall.evaluate((l) => window.__sinergi?.mapLayers.find((x) => x.id === l)?.items ?? -1, id);
    const before = await layer('incident-dots');

    // a manual report with a position, already past its target
    const r = await server.post(
      '/api/v1/incidents',
      {
        from: { type: 'manual', lon: 110.42, lat: -6.99 },
        title: 'Pohon tumbang di jalan',
        severity: 'awas',
        handlingOpd: 'BPBD',
        targetAt: Date.now() + 1_500,
      },
      token,
    );
    expect(r.status).toBe(201);
    const id = (r.body as { incident: { id: number } }).incident.id;
    await expect.poll(() => layer('incident-dots'), { timeout: 10_000 }).toBe(before + 1);
    await wall.locator(`[data-testid="board-incident-${id}"]`).waitFor({ timeout: 10_000 });
    const labels = await wall.evaluate(() => window.__sinergi?.mapLayers.find((x) => x.id === 'incident-labels')?.texts ?? []);
    expect(labels).toContain(`#${id} Pohon tumbang di jalan`);
    // past its target: ringed (the layer re-judges "late" every 30 s)
    await expect.poll(() => layer('incident-late-rings'), { timeout: 45_000, interval: 1_000 }).toBeGreaterThanOrEqual(1);
    await wall.screenshot({ path: join(ARTIFACTS, 'wall-incident-layer.png') });
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);
});
