/**
 * Alerts in headless Chromium (Debian's `chromium`, driven by playwright-core) against the real server and
 * database: a Siaga reading raises the banner and a row on /wall within 2 s of the POST, a BPBD user
 * acknowledges it with a note on /agency, and the wall's row turns acknowledged. The wall and the tablet are
 * separate devices (separate fresh profiles: both keep their token under the same localStorage key). Nothing
 * may leave localhost, and no console error or CSP violation may occur. Screenshots go to tests/artifacts/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const NOTE = 'Tim reaksi cepat BPBD menuju lokasi';

describe.skipIf(!chromiumAvailable)('alerts on /wall and /agency in headless Chromium', () => {
  let server: TestServer;
  let bpbdKey: string;
  let operatorToken: string;
  const profiles: string[] = [];
  let wallContext: BrowserContext;
  let tabletContext: BrowserContext;
  let wall: Page;
  let alertId: string;
  const offsite: string[] = [];
  const problems: string[] = [];

  async function launch(viewport: { width: number; height: number }): Promise<BrowserContext> {
    const profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport, args: CHROMIUM_ARGS });
    await refuseOffsite(context, server.url, offsite);
    return context;
  }

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 250 });
    bpbdKey = await server.key('BPBD');
    operatorToken = await server.token('operator');
    await server.user('siti.bpbd', 'kata-sandi-bpbd-1', 'agency', 'BPBD');
    await mkdir(ARTIFACTS, { recursive: true });
    wallContext = await launch({ width: 1920, height: 1080 });
    tabletContext = await launch({ width: 1024, height: 768 });
  }, 240_000);

  afterAll(async () => {
    await wallContext?.close();
    await tabletContext?.close();
    await server?.close();
    for (const p of profiles) await rm(p, { recursive: true, force: true });
  });

  async function open(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${path}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`));
    await page.goto(server.url + path);
    return page;
  }

  const ingest = (entity: string, value: number, time = Date.now()) =>
    server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity, time, value }] }, bpbdKey);

  /** The wall must fit 1920×1080 exactly: no scrolling, every panel inside the viewport. */
  async function expectNoScroll(page: Page): Promise<void> {
    const fit = await page.evaluate(() => {
      const el = document.scrollingElement ?? document.documentElement;
      const panel = document.querySelector('[data-testid="alerts-panel"]')?.getBoundingClientRect();
      return { scrollH: el.scrollHeight, scrollW: el.scrollWidth, h: window.innerHeight, w: window.innerWidth, panelBottom: panel?.bottom ?? 0 };
    });
    expect(fit.scrollH).toBeLessThanOrEqual(fit.h);
    expect(fit.scrollW).toBeLessThanOrEqual(fit.w);
    expect(fit.panelBottom).toBeGreaterThan(0);
    expect(fit.panelBottom).toBeLessThanOrEqual(fit.h);
  }

  it('/wall shows a Siaga alert within 2 s of the reading', async () => {
    wall = await open(wallContext, `/wall#token=${operatorToken}`);
    await wall.waitForSelector('[data-testid="conn-status"][data-state="connected"]', { timeout: 30_000 });
    await wall.waitForSelector('[data-testid="alerts-panel"][data-state="ready"]', { timeout: 15_000 });
    expect(await wall.locator('[data-testid="alert-banner"]').count()).toBe(0);

    const sent = performance.now();
    expect((await ingest('PA-UJI', 230)).status).toBe(202);
    await wall.waitForFunction(
      () => {
        const b = document.querySelector('[data-testid="alert-banner"]');
        return b?.getAttribute('data-level') === 'siaga' && b.textContent?.includes('PA-UJI');
      },
      undefined,
      { timeout: 5_000, polling: 'raf' },
    );
    const elapsed = performance.now() - sent;
    expect(elapsed).toBeLessThan(2000);

    const banner = wall.locator('[data-testid="alert-banner"]');
    alertId = (await banner.getAttribute('data-alert-id'))!;
    expect(alertId).toMatch(/^\d+$/);
    const text = (await banner.textContent())!;
    expect(text).toContain('SIAGA');
    expect(text).toContain('Tinggi muka air'); // the metric's name from the catalog, in Bahasa Indonesia
    expect(text).toContain('230 cm');
    expect(text).toMatch(/sejak \d{2}\.\d{2} WIB/);

    const row = wall.locator(`[data-testid="alerts-panel"] [data-testid="alert-${alertId}"]`);
    await expect.poll(() => row.getAttribute('data-level')).toBe('siaga');
    expect(await row.getAttribute('data-acknowledged')).toBe('false');
    expect(await row.textContent()).toContain('PA-UJI');
    await expectNoScroll(wall);
    await wall.screenshot({ path: join(ARTIFACTS, 'wall-alert.png') });
  });

  it('/agency acknowledges the alert with a note, and the wall shows it acknowledged', async () => {
    const page = await open(tabletContext, '/agency');
    await page.waitForSelector('[data-testid="login-form"]');
    await page.fill('[data-testid="login-username"]', 'siti.bpbd');
    await page.fill('[data-testid="login-password"]', 'kata-sandi-bpbd-1');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="agency-alerts"][data-state="ready"]', { timeout: 15_000 });
    const row = page.locator(`[data-testid="agency-alerts"] [data-testid="alert-${alertId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-acknowledged')).toBe('false');

    const ack = row.locator('[data-testid="alert-ack"]');
    expect((await ack.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await ack.click();
    const note = row.locator('[data-testid="alert-note"]');
    await note.waitFor();
    // the note is required: nothing is sent without one
    await row.locator('[data-testid="alert-ack-submit"]').click();
    await row.locator('[data-testid="alert-ack-error"][data-code="note_required"]').waitFor();
    expect((await row.locator('[data-testid="alert-ack-submit"]').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect((await row.locator('[data-testid="alert-ack-cancel"]').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect((await note.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: join(ARTIFACTS, 'agency-alert-note-1024x768.png') });

    await note.fill(NOTE);
    await row.locator('[data-testid="alert-ack-submit"]').click();
    await expect.poll(() => row.getAttribute('data-acknowledged'), { timeout: 5_000 }).toBe('true');
    expect(await row.locator('[data-testid="alert-ack-line"]').textContent()).toContain(NOTE);
    await page.screenshot({ path: join(ARTIFACTS, 'agency-alerts-1024x768.png'), fullPage: true });

    const wallRow = wall.locator(`[data-testid="alerts-panel"] [data-testid="alert-${alertId}"]`);
    await expect.poll(() => wallRow.getAttribute('data-acknowledged'), { timeout: 5_000 }).toBe('true');
    const line = (await wallRow.locator('[data-testid="alert-ack-line"]').textContent())!;
    expect(line).toContain('siti.bpbd');
    expect(line).toContain(NOTE);
    expect(await wall.getAttribute('[data-testid="alert-banner"]', 'data-acknowledged')).toBe('true');

    // the server agrees, and a second acknowledgement is refused
    const listed = await server.get('/api/v1/alerts', operatorToken);
    expect(listed.body.alerts.find((a: { id: number }) => a.id === Number(alertId))).toMatchObject({ acknowledgedBy: 'user:siti.bpbd', note: NOTE });
    await page.close();
  });

  it('/wall keeps several alerts inside 1920×1080 and drops cleared ones from the open list', async () => {
    const t = Date.now();
    await ingest('PA-BANGER', 262, t);
    for (const [i, e] of ['PA-SATU', 'PA-DUA', 'PA-TIGA', 'PA-EMPAT'].entries()) await ingest(e, 205 + i * 5, t + i);
    await wall.waitForFunction(() => document.querySelector('[data-testid="alert-banner"]')?.getAttribute('data-level') === 'awas', undefined, {
      timeout: 5_000,
    });
    expect(await wall.locator('[data-testid="alert-banner"]').textContent()).toContain('PA-BANGER');
    await expect.poll(() => wall.getAttribute('[data-testid="alerts-panel"]', 'data-open')).toBe('6');
    // with more open than rows, the Awas one keeps its row
    const awasId = await wall.getAttribute('[data-testid="alert-banner"]', 'data-alert-id');
    await wall.locator(`[data-testid="alerts-panel"] [data-testid="alert-${awasId}"][data-level="awas"]`).waitFor();
    // the command center acknowledges over REST; the wall hears it as a push
    expect((await server.post(`/api/v1/alerts/${awasId}/acknowledge`, { note: 'Pompa cadangan dinyalakan' }, operatorToken)).status).toBe(200);
    await wall.locator(`[data-testid="alert-${awasId}"][data-acknowledged="true"]`).waitFor({ timeout: 5_000 });
    // a reading below Waspada clears PA-UJI: it leaves the open rows (and may stay greyed as cleared)
    await ingest('PA-UJI', 120, t + 10);
    await expect.poll(() => wall.getAttribute('[data-testid="alerts-panel"]', 'data-open')).toBe('5');
    expect(await wall.locator(`[data-testid="alert-${alertId}"][data-cleared="false"]`).count()).toBe(0);
    expect(await wall.locator('[data-testid="alerts-panel"] [data-testid^="alert-"][data-level]').count()).toBeLessThanOrEqual(4);
    await expectNoScroll(wall);
    await wall.screenshot({ path: join(ARTIFACTS, 'wall-alerts-several.png') });
    await wall.close();
  });

  it('made no request outside localhost and saw no CSP violation or console error', () => {
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  });
});
