/**
 * The /agency tablet in headless Chromium against the real server and database, at 1024×768 and 1366×1024
 * in landscape and portrait: an OPD head signs in and sees the OPD's own KPIs with live values; another
 * OPD's terbatas metric stays invisible until a sharing agreement is created, then appears under
 * "Dibagikan kepada Anda" with owner, purpose and end date and live values; a KPI drills down to its chart
 * (6 h / 24 h / 7 d) and its regions (sortable), and the browser's back button returns; the language switch
 * changes the text and number formats and persists; a lost connection shows and recovers; every touch
 * target measures at least 44×44 CSS px; nothing is requested outside localhost. Screenshots land in
 * tests/artifacts/.
 *
 * Live data is real ingest: the test posts readings through POST /api/v1/ingest with the OPD's key every
 * second (plus a back-fill of the last 7 days), exactly as an ingest worker would.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { grantAgreement } from '../../db/queries/sharing';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const MIN = 60_000;

const VIEWPORTS = [
  { name: '1024x768-landscape', width: 1024, height: 768 },
  { name: '768x1024-portrait', width: 768, height: 1024 },
  { name: '1366x1024-landscape', width: 1366, height: 1024 },
  { name: '1024x1366-portrait', width: 1024, height: 1366 },
] as const;

const USER = 'kepala.bpbd';
const PASSWORD = 'kata-sandi-kepala-bpbd';

interface Gate {
  entity: string;
  region: string;
  base: number;
}

describe.skipIf(!chromiumAvailable)('/agency tablet in headless Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  let feeder: ReturnType<typeof setInterval> | null = null;
  let gates: Gate[] = [];
  let trucks: Gate[] = [];
  let bpbdKey = '';
  let dlhKey = '';
  let tick = 0;
  const offsite: string[] = [];
  const pageErrors: string[] = [];

  const ingest = async (key: string, points: unknown[]) => {
    const r = await server.post('/api/v1/ingest', { points }, key);
    if (r.status !== 202) throw new Error(`ingest refused: ${r.status} ${JSON.stringify(r.body)}`);
  };

  /** One round of live readings for every BPBD and DLH series. */
  const feed = async () => {
    const now = Date.now();
    tick++;
    await ingest(bpbdKey, [
      ...gates.map((g, i) => ({ metric: 'water_level', entity: g.entity, region: g.region, time: now, value: g.base + (tick % 7) + i + 0.5 })),
      ...gates.map((g, i) => ({ metric: 'rainfall', entity: `ARR-${i + 1}`, region: g.region, time: now, value: 2 + ((tick + i) % 5) })),
      ...gates
        .slice(0, 2)
        .map((g, i) => ({ metric: 'pump_running', entity: `PUMP-${i + 1}`, region: g.region, time: now, value: (tick + i) % 2 ? 0.75 : 0.5 })),
    ]);
    await ingest(
      dlhKey,
      trucks.map((tr, i) => ({ metric: 'truck_load', entity: tr.entity, region: tr.region, time: now, value: tr.base + ((tick + i) % 4) * 0.5 })),
    );
  };

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 100 });
    await server.user(USER, PASSWORD, 'agency', 'BPBD');
    bpbdKey = await server.key('BPBD');
    dlhKey = await server.key('DLH');
    const { rows } = await server.storage.pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 40`);
    // three gates in three kelurahan of (at least) two kecamatan; the third is above Siaga (an alert)
    gates = [
      { entity: 'PA-Pengapon', region: rows[0]!.code, base: 120 },
      { entity: 'PA-Kaligawe', region: rows[1]!.code, base: 160 },
      { entity: 'PA-Tambaklorok', region: rows[35]!.code, base: 205 },
    ];
    trucks = [
      { entity: 'TRUK-H-8001', region: rows[2]!.code, base: 3 },
      { entity: 'TRUK-H-8002', region: rows[36]!.code, base: 5 },
    ];
    // back-fill: hourly for 7 days, then every minute for the last 90 minutes (a trend and a chart to draw)
    const now = Date.now();
    const times = [
      ...Array.from({ length: 168 }, (_, i) => now - (168 - i) * 60 * MIN),
      ...Array.from({ length: 90 }, (_, i) => now - (90 - i) * MIN),
    ];
    await ingest(
      bpbdKey,
      times.flatMap((t, j) => [
        ...gates.map((g) => ({ metric: 'water_level', entity: g.entity, region: g.region, time: t, value: g.base - 20 + (j % 24) })),
        ...gates.map((g, i) => ({ metric: 'rainfall', entity: `ARR-${i + 1}`, region: g.region, time: t, value: (j % 10) + i })),
      ]),
    );
    await ingest(
      dlhKey,
      times.flatMap((t) => trucks.map((tr) => ({ metric: 'truck_load', entity: tr.entity, region: tr.region, time: t, value: tr.base }))),
    );
    await feed();
    feeder = setInterval(() => void feed().catch(() => {}), 1_000);

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
    context.on('request', (req) => {
      const u = new URL(req.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:' && u.protocol !== 'blob:') offsite.push(req.url());
    });
  }, 300_000);

  afterAll(async () => {
    if (feeder) clearInterval(feeder);
    await context?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function signIn(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('websocket', (ws) => {
      if (!ws.url().startsWith(server.url.replace('http', 'ws'))) offsite.push(ws.url());
    });
    await page.goto(`${server.url}/agency`);
    const signedIn = await page.evaluate(() => !!window.localStorage.getItem('sinergi.token'));
    if (!signedIn) {
      await page.waitForSelector('[data-testid="login-form"]');
      await page.fill('[data-testid="login-username"]', USER);
      await page.fill('[data-testid="login-password"]', PASSWORD);
      await page.tap('[data-testid="login-submit"]');
    }
    await page.waitForSelector('[data-testid="dashboard"]');
    return page;
  }

  const tile = (page: Page, code: string) => page.locator(`[data-testid="kpi-tile"][data-code="${code}"]`);
  const tileValue = async (page: Page, code: string) => Number(await tile(page, code).getAttribute('data-value'));

  /** Every visible interactive element: [description, width, height] of those under 44×44 CSS px. */
  const smallTargets = (page: Page) =>
    page.evaluate(() => {
      const out: [string, number, number][] = [];
      for (const el of document.querySelectorAll<HTMLElement>('button, a[href], summary, input, select, textarea, [role="button"], [tabindex]')) {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
        if (r.width < 44 || r.height < 44)
          out.push([
            `${el.tagName.toLowerCase()}[data-testid=${el.dataset.testid ?? ''}] ${el.textContent?.trim().slice(0, 30)}`,
            Math.round(r.width),
            Math.round(r.height),
          ]);
      }
      return out;
    });

  /** Elements reaching past the right edge (to say what overflows when the page scrolls sideways). */
  const overflowing = (page: Page, width: number) =>
    page.evaluate(
      (w) =>
        [...document.querySelectorAll<HTMLElement>('body *')]
          .filter((el) => el.getBoundingClientRect().right > w + 0.5)
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
          .join('; '),
      width,
    );

  it('shows the OPD its own KPIs, live, grouped by domain, and not another OPD’s terbatas metric', async () => {
    const page = await signIn();
    expect(await page.locator('html').getAttribute('lang')).toBe('id');
    await page.waitForSelector('[data-testid="own-kpis"] h2:has-text("Badan Penanggulangan Bencana Daerah")');
    for (const code of ['water_level', 'rainfall', 'pump_running']) {
      await page.waitForSelector(`[data-testid="kpi-tile"][data-code="${code}"][data-status="live"]:not([data-value=""])`);
    }
    expect(await page.locator('[data-testid="kpi-group"][data-domain="floods"] h3').textContent()).toBe('Banjir');
    // the worst gate (max), with its unit, fresh, with a trend against 30 minutes ago
    const wl = tile(page, 'water_level');
    expect(await tileValue(page, 'water_level')).toBeGreaterThanOrEqual(205);
    // id-ID: a decimal comma (every live reading ends in .5)
    expect(await wl.locator('[data-testid="kpi-value"]').textContent()).toMatch(/^\d{3},5 cm$/);
    expect(await wl.getAttribute('data-stale')).toBe('false');
    expect(await wl.locator('[data-testid="kpi-trend"]').getAttribute('data-trend')).toMatch(/^(up|down|flat)$/);
    expect(await wl.locator('[data-testid="freshness"]').textContent()).toMatch(/diperbarui \d+ dtk lalu/);
    // pump_running is a ratio: shown as a percentage
    expect(await tile(page, 'pump_running').locator('[data-testid="kpi-value"]').textContent()).toMatch(/^\d+\s?%$/);

    // live: values change without a reload
    const before = await wl.getAttribute('data-newest');
    await page.waitForFunction(() => document.body.dataset.live === 'true');
    await page.waitForFunction(
      (b) => document.querySelector('[data-testid="kpi-tile"][data-code="water_level"]')?.getAttribute('data-newest') !== b,
      before,
      { timeout: 15_000 },
    );

    // DLH's terbatas truck_load is neither a tile nor in the catalog, and nothing is shared yet
    expect(await tile(page, 'truck_load').count()).toBe(0);
    expect(await page.locator('[data-testid="catalog-metric"][data-code="truck_load"]').count()).toBe(0);
    await page.waitForSelector('[data-testid="shared-none"]');
    // the server refuses it too
    const token = (await page.evaluate(() => window.localStorage.getItem('sinergi.token')))!;
    expect(
      (
        await server.get(
          `/api/v1/series?metric=truck_load&from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date().toISOString()}`,
          token,
        )
      ).status,
    ).toBe(403);
    expect((await server.get('/api/v1/sharing/agreements', token)).body).toEqual({ agreements: [] });
    // a hand-typed detail URL does not open it either
    await page.goto(`${server.url}/agency#/metrik/truck_load`);
    await page.waitForSelector('[data-testid="metric-detail"] [data-testid="detail-unknown"]');
    expect(await page.locator('[data-testid="detail-chart"]').count()).toBe(0);
    await page.goto(`${server.url}/agency`);
    await page.waitForSelector('[data-testid="kpi-tile"][data-code="water_level"]');

    // the alert of the gate above Siaga is in the layout and can be acknowledged with a note
    const alert = page.locator('[data-testid="agency-alerts"] li[data-level="siaga"][data-cleared="false"]').first();
    await alert.waitFor();
    await alert.locator('[data-testid="alert-ack"]').tap();
    await alert.locator('[data-testid="alert-note"]').fill('Tim reaksi cepat menuju pintu air');
    await alert.locator('[data-testid="alert-ack-submit"]').tap();
    await page.waitForSelector('[data-testid="agency-alerts"] li[data-level="siaga"][data-cleared="false"][data-acknowledged="true"]');
    expect(await page.textContent('[data-testid="agency-alerts"] [data-acknowledged="true"] [data-testid="alert-ack-line"]')).toContain(
      'Tim reaksi cepat menuju pintu air',
    );

    await page.screenshot({ path: join(ARTIFACTS, 'agency-tablet-dashboard-1024x768-landscape.png'), fullPage: true });
    await page.close();
  });

  it('lists another OPD’s terbatas metric under "Dibagikan kepada Anda" once a sharing agreement exists, with live values', async () => {
    const page = await signIn();
    await page.waitForSelector('[data-testid="shared-none"]');
    const until = Date.parse('2027-06-30T00:00:00+07:00');
    const id = await grantAgreement(server.storage.pool, {
      ownerOpd: 'DLH',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'truck_load',
      purpose: 'flood-response',
      validUntil: until,
      reference: null,
    });
    expect(id).toBeGreaterThan(0);
    // the read endpoint: each side sees its direction, an uninvolved OPD nothing, the public nothing at all
    const bpbd = await server.get('/api/v1/sharing/agreements', (await page.evaluate(() => window.localStorage.getItem('sinergi.token')))!);
    expect(bpbd.status).toBe(200);
    expect(bpbd.body.agreements).toEqual([
      {
        id,
        direction: 'received',
        ownerOpd: 'DLH',
        granteeOpd: 'BPBD',
        itemType: 'metric',
        itemCode: 'truck_load',
        purpose: 'flood-response',
        validFrom: expect.any(String),
        validUntil: new Date(until).toISOString(),
      },
    ]);
    expect(
      (await server.get('/api/v1/sharing/agreements', await server.token('agency', 'DLH'))).body.agreements.map(
        (a: { direction: string }) => a.direction,
      ),
    ).toEqual(['granted']);
    expect((await server.get('/api/v1/sharing/agreements', await server.token('agency', 'DISHUB'))).body).toEqual({ agreements: [] });
    expect(
      (await server.get('/api/v1/sharing/agreements', await server.token('operator'))).body.agreements.map((a: { direction: string }) => a.direction),
    ).toEqual(['other']);
    expect((await server.get('/api/v1/sharing/agreements')).status).toBe(401);
    expect((await server.get('/api/v1/sharing/agreements', 'st_not-a-token')).status).toBe(401);
    // no reload: the catalog and agreements are re-read on a timer (the server re-reads agreements every 5 s)
    const shared = page.locator('[data-testid="shared-section"] [data-testid="kpi-tile"][data-code="truck_load"]');
    await shared.waitFor({ timeout: 45_000 });
    await page.waitForSelector(
      '[data-testid="shared-section"] [data-testid="kpi-tile"][data-code="truck_load"][data-status="live"]:not([data-value=""])',
      { timeout: 20_000 },
    );
    await page.waitForFunction(() => document.querySelector('[data-testid="shared-meta"]')?.textContent?.includes('2027'), null, { timeout: 20_000 });
    const meta = await shared.locator('[data-testid="shared-meta"]').textContent();
    expect(meta).toContain('Dinas Lingkungan Hidup');
    expect(meta).toContain('flood-response');
    expect(meta).toContain('30 Juni 2027');
    // truck loads add up: 3–4.5 t + 5–6.5 t
    expect(await tileValue(page, 'truck_load')).toBeGreaterThanOrEqual(8);
    expect(await shared.locator('[data-testid="kpi-value"]').textContent()).toMatch(/ton$/);
    // still not among the OPD's own KPIs
    expect(await page.locator('[data-testid="own-kpis"] [data-code="truck_load"]').count()).toBe(0);
    const before = await shared.getAttribute('data-newest');
    await page.waitForFunction(
      (b) => document.querySelector('[data-testid="shared-section"] [data-code="truck_load"]')?.getAttribute('data-newest') !== b,
      before,
      { timeout: 15_000 },
    );
    await page.screenshot({ path: join(ARTIFACTS, 'agency-tablet-shared-1024x768-landscape.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('drills down from a KPI to its chart and regions, switches range, sorts, and goes back with the browser', async () => {
    const page = await signIn();
    await tile(page, 'water_level').waitFor();
    await tile(page, 'water_level').tap();
    await page.waitForSelector('[data-testid="metric-detail"][data-code="water_level"]');
    expect(new URL(page.url()).hash).toBe('#/metrik/water_level');
    // 6 h: the server picks 1-minute buckets
    await page.waitForSelector('[data-testid="detail-chart"][data-state="ok"][data-range="6h"]');
    expect(await page.getAttribute('[data-testid="detail-chart"]', 'data-bucket')).toBe('1m');
    expect(Number(await page.getAttribute('[data-testid="detail-chart"]', 'data-points'))).toBeGreaterThan(60);
    expect(await page.locator('[data-testid="detail-chart"] canvas').count()).toBeGreaterThan(0);

    // regions: one row per gate with kelurahan and kecamatan names and Kemendagri codes
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="region-row"]').length === 3);
    const firstRegion = await page.locator('[data-testid="region-row"] .region-cell').first().textContent();
    expect(firstRegion).toMatch(/Kel\. [A-Z][^(]+ \(33\.74\.\d{2}\.\d{4}\)Kec\. [A-Z][^(]+ \(33\.74\.\d{2}\)/);
    const values = () => page.$$eval('[data-testid="region-row"]', (rows) => rows.map((r) => Number(r.getAttribute('data-value'))));
    const desc = await values();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.tap('[data-testid="sort-value"]');
    await page.waitForSelector('[data-testid="region-breakdown"][data-sort="value:asc"]');
    const asc = await values();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    // a tapped gate opens its card: name, owner OPD, latest value and age, open alerts, its last 24 hours
    const entity = await page.locator('[data-testid="region-row"]').first().getAttribute('data-entity');
    await page.locator('[data-testid="region-row"]').first().tap();
    const card = page.locator(`[data-testid="inspect-card"][data-entity="${entity}"]`);
    await card.waitFor();
    expect(await card.getByTestId('inspect-owner').textContent()).toBe('BPBD');
    expect(await card.getByTestId('inspect-value').textContent()).toMatch(/\d+ cm/);
    expect(await card.getByTestId('inspect-alerts').getAttribute('data-open')).toMatch(/^\d+$/);
    await expect.poll(() => card.getByTestId('inspect-sparkline').getAttribute('data-points'), { timeout: 10_000 }).toMatch(/^[1-9]\d*$/);
    await card.locator('.inspect-close').tap();
    expect(await page.locator('[data-testid="inspect-card"]').count()).toBe(0);
    await page.tap('[data-testid="group-kecamatan"]');
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('[data-testid="region-row"]');
      return rows.length === 2 && [...rows].every((r) => /^33\.74\.\d{2}$/.test(r.getAttribute('data-region') ?? ''));
    });

    // 7 d: hourly buckets, and the hash remembers the range
    await page.tap('[data-testid="range-7d"]');
    await page.waitForSelector('[data-testid="detail-chart"][data-state="ok"][data-range="7d"]');
    expect(await page.getAttribute('[data-testid="detail-chart"]', 'data-bucket')).toBe('1h');
    expect(new URL(page.url()).hash).toBe('#/metrik/water_level?rentang=7d');
    await page.tap('[data-testid="range-24h"]');
    await page.waitForSelector('[data-testid="detail-chart"][data-state="ok"][data-range="24h"]');
    await page.screenshot({ path: join(ARTIFACTS, 'agency-tablet-detail-1024x768-landscape.png'), fullPage: true });

    // the browser's back button returns to the dashboard (one entry: switching range replaced it)
    await page.goBack();
    await page.waitForSelector('[data-testid="own-kpis"]');
    expect(await page.locator('[data-testid="metric-detail"]').count()).toBe(0);
    await page.goForward();
    await page.waitForSelector('[data-testid="metric-detail"][data-code="water_level"]');
    // and so does the page's own back button
    await page.tap('[data-testid="detail-back"]');
    await page.waitForSelector('[data-testid="own-kpis"]');
    // a reload on a detail URL opens the detail again
    await tile(page, 'rainfall').tap();
    await page.waitForSelector('[data-testid="metric-detail"][data-code="rainfall"]');
    await page.reload();
    await page.waitForSelector('[data-testid="metric-detail"][data-code="rainfall"] [data-testid="detail-chart"][data-state="ok"]');
    await page.close();
  });

  it('switches to English (text, numbers and dates) and keeps the choice', async () => {
    const page = await signIn();
    await page.waitForSelector('[data-testid="shared-section"] [data-code="truck_load"][data-status="live"]:not([data-value=""])', {
      timeout: 30_000,
    });
    expect(await page.textContent('[data-testid="shared-section"] h2')).toBe('Dibagikan kepada Anda');
    expect(await tile(page, 'water_level').locator('[data-testid="kpi-value"]').textContent()).toMatch(/^\d{3},5 cm$/);
    await page.tap('[data-testid="lang-en"]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('[data-testid="shared-section"] h2')).toBe('Shared with you');
    expect(await page.textContent('[data-testid="agency-title"]')).toBe('Sinergi — Agency Dashboard');
    expect(await page.textContent('[data-testid="kpi-group"][data-domain="floods"] h3')).toBe('Floods');
    expect(await page.locator('[data-testid="shared-meta"]').first().textContent()).toContain('30 June 2027');
    expect(await tile(page, 'water_level').locator('[data-testid="freshness"]').textContent()).toMatch(/updated \d+ s ago/);
    // a decimal point in English, and English units
    expect(await tile(page, 'water_level').locator('[data-testid="kpi-value"]').textContent()).toMatch(/^\d{3}\.5 cm$/);
    expect(await tile(page, 'rainfall').locator('[data-testid="kpi-value"]').textContent()).toMatch(/mm\/h$/);
    expect(await page.evaluate(() => window.localStorage.getItem('sinergi.lang'))).toBe('en');
    await page.reload();
    await page.waitForSelector('[data-testid="shared-section"] h2:has-text("Shared with you")');
    await tile(page, 'water_level').tap();
    await page.waitForSelector('[data-testid="region-breakdown"] h3:has-text("Breakdown by region")');
    await page.screenshot({ path: join(ARTIFACTS, 'agency-tablet-detail-en-1024x768-landscape.png'), fullPage: true });
    await page.goBack();
    await page.tap('[data-testid="lang-id"]');
    await page.waitForFunction(() => document.documentElement.lang === 'id');
    expect(await page.textContent('[data-testid="shared-section"] h2')).toBe('Dibagikan kepada Anda');
    expect(await page.evaluate(() => window.localStorage.getItem('sinergi.lang'))).toBe('id');
    await page.close();
  });

  it('shows a lost connection and recovers by itself', async () => {
    const page = await signIn();
    await page.waitForSelector('[data-testid="own-kpis"] [data-testid="conn-status"][data-state="connected"]');
    await page.waitForSelector('[data-testid="kpi-tile"][data-code="water_level"][data-status="live"]:not([data-value=""])');
    // the server goes away for the /live namespace: new connections are refused and open ones are cut
    let outage = true;
    const live = server.app.io.of('/live');
    live.use((_socket, next) => (outage ? next(new Error('unavailable')) : next()));
    for (const s of live.sockets.values()) s.conn.close();
    await page.waitForSelector('[data-testid="conn-lost"]');
    await page.waitForSelector('[data-testid="own-kpis"] [data-testid="conn-status"][data-state="disconnected"]');
    // the last known values stay on screen while the connection is down
    expect(await tile(page, 'water_level').getAttribute('data-value')).not.toBe('');
    expect(await tile(page, 'water_level').locator('[data-testid="kpi-value"]').textContent()).toMatch(/cm$/);
    await page.screenshot({ path: join(ARTIFACTS, 'agency-tablet-lost-1024x768-landscape.png') });
    outage = false;
    await page.waitForSelector('[data-testid="own-kpis"] [data-testid="conn-status"][data-state="connected"]', { timeout: 20_000 });
    expect(await page.locator('[data-testid="conn-lost"]').count()).toBe(0);
    // and values flow again
    const before = await tile(page, 'water_level').getAttribute('data-newest');
    await page.waitForFunction(
      (b) => document.querySelector('[data-testid="kpi-tile"][data-code="water_level"]')?.getAttribute('data-newest') !== b,
      before,
      { timeout: 15_000 },
    );
    await page.close();
  }, 60_000);

  for (const vp of VIEWPORTS) {
    it(`lays out for ${vp.name} with every touch target at least 44×44 px`, async () => {
      const page = await signIn();
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.waitForSelector('[data-testid="kpi-tile"][data-code="water_level"][data-status="live"]');
      await page.waitForSelector('[data-testid="agency-alerts"][data-state="ready"]');
      // no horizontal scrolling of the page
      expect(await page.evaluate(() => document.documentElement.scrollWidth), await overflowing(page, vp.width)).toBeLessThanOrEqual(vp.width);
      expect(await smallTargets(page)).toEqual([]);
      // landscape: alerts beside the KPIs; portrait: above them
      const kpis = (await page.locator('[data-testid="own-kpis"]').boundingBox())!;
      const alerts = (await page.locator('[data-testid="agency-alerts"]').boundingBox())!;
      if (vp.width > vp.height) expect(alerts.x).toBeGreaterThan(kpis.x + kpis.width - 1);
      else expect(alerts.y + alerts.height).toBeLessThanOrEqual(kpis.y + 1);
      await page.screenshot({ path: join(ARTIFACTS, `agency-tablet-dashboard-${vp.name}.png`), fullPage: true });

      await tile(page, 'water_level').tap();
      await page.waitForSelector('[data-testid="detail-chart"][data-state="ok"]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="region-row"]').length > 0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), await overflowing(page, vp.width)).toBeLessThanOrEqual(vp.width);
      expect(await smallTargets(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `agency-tablet-detail-${vp.name}.png`), fullPage: true });
      await page.goBack();
      await page.waitForSelector('[data-testid="own-kpis"]');
      await page.close();
    });
  }

  it('raised no page error and made no request outside localhost', async () => {
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
