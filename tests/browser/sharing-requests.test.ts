/**
 * Sharing on request between two tablets in headless Chromium (issue 19): the BPBD head asks DLH for
 * `truck_load` (purpose, justification, end date); the DLH head's tablet shows the request, approves it narrowed (an
 * earlier end date); the BPBD tablet then shows the agreement in force and the item among what others share with it,
 * with its live value. The DLH head sees the reads in the agreement's usage. No request leaves localhost, no
 * console error.
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

describe.skipIf(!chromiumAvailable)('sharing on request between two tablets', () => {
  let server: TestServer;
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  const offsite: string[] = [];
  const problems: string[] = [];

  async function tablet(user: string, password: string): Promise<Page> {
    const profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1024, height: 768 },
      args: CHROMIUM_ARGS,
      hasTouch: true,
    });
    await refuseOffsite(context, server.url, offsite);
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${user}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${user}: ${e.message}`));
    await page.goto(`${server.url}/agency`);
    await page.fill('[data-testid="login-username"]', user);
    await page.fill('[data-testid="login-password"]', password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="dashboard"]', { timeout: 20_000 });
    return page;
  }

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 100 });
    await server.user('siti.bpbd', 'kata-sandi-bpbd-1', 'agency', 'BPBD');
    await server.user('budi.dlh', 'kata-sandi-dlh-1', 'agency', 'DLH');
    const key = await server.key('DLH');
    await server.post('/api/v1/ingest', { points: [{ metric: 'truck_load', entity: 'H-1-DLH', time: Date.now() - 5_000, value: 3.2 }] }, key);
    await mkdir(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await server?.close();
    for (const p of profiles) await rm(p, { recursive: true, force: true });
  });

  it('BPBD asks, DLH approves narrowed, BPBD sees the item', async () => {
    const bpbd = await tablet('siti.bpbd', 'kata-sandi-bpbd-1');
    const dlh = await tablet('budi.dlh', 'kata-sandi-dlh-1');
    // before: truck_load is not among what others share with BPBD
    expect(await bpbd.locator('[data-testid="shared-section"] [data-testid="kpi-tile"][data-code="truck_load"]').count()).toBe(0);

    // BPBD asks
    await bpbd.click('[data-testid="open-sharing"]');
    await bpbd.waitForSelector('[data-testid="sharing-page"][data-state="ready"]');
    await bpbd.selectOption('[data-testid="request-item"]', 'metric:truck_load');
    await bpbd.fill('[data-testid="request-purpose"]', 'tanggap-banjir');
    await bpbd.fill('[data-testid="request-justification"]', 'Truk sampah di pintu air saat banjir');
    const until = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    await bpbd.fill('[data-testid="request-until"]', until);
    await bpbd.click('[data-testid="request-submit"]');
    await bpbd.waitForSelector('[data-testid="request-message"].ok');
    await bpbd.waitForSelector('[data-testid="outgoing-request"][data-status="open"]');

    // DLH sees it (the page re-reads every 3 s) and approves it narrowed (30 days instead of 60)
    await dlh.click('[data-testid="open-sharing"]');
    const incoming = dlh.locator('[data-testid="incoming-request"]');
    await incoming.first().waitFor({ timeout: 10_000 });
    expect(await incoming.first().textContent()).toContain('Truk sampah di pintu air saat banjir');
    await dlh.screenshot({ path: join(ARTIFACTS, 'sharing-incoming-1024x768.png') });
    // narrowed: 30 days instead of the 60 asked for
    const narrowed = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await incoming.first().locator('[data-testid="decision-until"]').fill(narrowed);
    await incoming.first().locator('[data-testid="approve"]').click();
    await dlh.waitForSelector('[data-testid="agreement"][data-direction="granted"][data-status="active"]', { timeout: 10_000 });

    // BPBD's tablet shows the agreement in force, then the item among what is shared with it
    await bpbd.waitForSelector('[data-testid="outgoing-request"][data-status="approved"]', { timeout: 10_000 });
    const received = bpbd.locator('[data-testid="agreement"][data-direction="received"][data-status="active"]');
    await received.waitFor({ timeout: 10_000 });
    const view = await server.get('/api/v1/sharing/overview', await server.token('agency', 'BPBD'));
    const agreement = view.body.agreements.find((a: { direction: string }) => a.direction === 'received');
    expect(new Date(agreement.validUntil).toISOString().slice(0, 10) <= narrowed).toBe(true);
    expect(agreement.validUntil).toBeGreaterThan(Date.now() + 28 * 86_400_000);
    await bpbd.screenshot({ path: join(ARTIFACTS, 'sharing-approved-1024x768.png') });
    await bpbd.click('[data-testid="sharing-back"]');
    // the catalog is re-read every 10 s; the grant is in force within 15 s
    const tile = bpbd.locator('[data-testid="shared-section"] [data-testid="kpi-tile"][data-code="truck_load"]');
    await tile.waitFor({ timeout: 25_000 });
    await bpbd.waitForFunction(
      () => document.querySelector('[data-testid="shared-section"] [data-code="truck_load"] [data-testid="kpi-value"]')?.textContent?.includes('3,2'),
      undefined,
      { timeout: 15_000 },
    );

    // the owner sees the read in the agreement's usage
    await dlh.locator('[data-testid="agreement"][data-direction="granted"] [data-testid="usage-open"]').click();
    const total = dlh.locator('[data-testid="usage-total"]');
    await total.waitFor();
    expect(await total.textContent()).toMatch(/Total [1-9]\d* kali/);

    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);
});
