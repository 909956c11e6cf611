/**
 * The /agency login in headless Chromium against the real server: a wrong password is refused, the TOTP
 * step appears when the account has one, the session token lands in localStorage under `sinergi.token`,
 * the page shows who is logged in and their catalog, and logout revokes the token on the server.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enableTotp } from '../../server/auth/accounts';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ARTIFACTS = join(import.meta.dirname, '../artifacts');

describe.skipIf(!chromiumAvailable)('/agency login in headless Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  const offsite: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist });
    await server.user('siti.bpbd', 'kata-sandi-bpbd-1', 'agency', 'BPBD');
    await server.user('budi', 'kata-sandi-operator', 'operator');
    profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1024, height: 768 },
      args: CHROMIUM_ARGS,
    });
    await refuseOffsite(context, server.url, offsite);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function open(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/agency`);
    await page.waitForSelector('[data-testid="login-form"]');
    return page;
  }

  const stored = (page: Page) => page.evaluate(() => window.localStorage.getItem('sinergi.token'));

  it('refuses a wrong password, then logs an agency user in and out', async () => {
    const page = await open();
    expect(await page.locator('html').getAttribute('lang')).toBe('id');
    await page.fill('[data-testid="login-username"]', 'siti.bpbd');
    await page.fill('[data-testid="login-password"]', 'salah-sekali-123');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="login-problem"][data-kind="invalid"]');
    expect(await stored(page)).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'agency-login-1024x768.png') });

    await page.fill('[data-testid="login-password"]', 'kata-sandi-bpbd-1');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="whoami"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="whoami"]')?.textContent?.includes('siti.bpbd'));
    const token = await stored(page);
    expect(token).toMatch(/^st_/);
    // BPBD's own terbatas metric is listed now
    await page.waitForSelector('[data-testid="catalog-metric"][data-code="pump_running"]');
    expect(await page.locator('[data-testid="catalog-metric"][data-code="truck_load"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'agency-session-1024x768.png') });

    // a reload keeps the session
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="whoami"]')?.textContent?.includes('siti.bpbd'));

    await page.click('[data-testid="logout"]');
    await page.waitForSelector('[data-testid="login-form"]');
    expect(await stored(page)).toBeNull();
    expect((await server.get('/api/v1/auth/me', token!)).status).toBe(401);
    await page.close();
  });

  it('asks for the TOTP code when the account has a second factor', async () => {
    const { uri } = await enableTotp(server.storage.pool, 'budi', { actor: 'cli:test', source: 'cli' });
    const secret = new URL(uri).searchParams.get('secret')!;
    const page = await open();
    await page.fill('[data-testid="login-username"]', 'budi');
    await page.fill('[data-testid="login-password"]', 'kata-sandi-operator');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="login-totp"]');
    await page.fill('[data-testid="login-totp"]', await generate({ secret }));
    await page.click('[data-testid="login-submit"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="whoami"]')?.textContent?.includes('budi'));
    await page.waitForSelector('[data-testid="catalog-metric"][data-code="truck_load"]');
    await page.close();
  });

  it('goes back to the login form with a notice when the stored session is no longer valid', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/agency`);
    await page.evaluate(() => window.localStorage.setItem('sinergi.token', 'st_revoked-or-expired-token-000000000000000000'));
    await page.reload();
    await page.waitForSelector('[data-testid="login-problem"][data-kind="expired"]');
    expect(await stored(page)).toBeNull();
    await page.close();
  });

  it('raised no page error and made no request outside localhost', () => {
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
