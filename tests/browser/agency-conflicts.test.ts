/**
 * The dig-once conflict list on the /agency tablet in headless Chromium against the real server and database:
 * DPUPR registers the simulator's projects, BPBD the demo's drainage trench beside the resurfaced Jl. Kaligawe;
 * a BPBD head signs in, sees the open conflict with the road's name — also among the conflicts left unresolved
 * for more than 30 days (it was detected 40 days ago) — marks it coordinated with a note, and the list shows it
 * coordinated and the unresolved list empty. Screenshot in tests/artifacts/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatorConflictingProjects, simulatorProjectRegistry } from '../../ingest/sources/simulator';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const USER = 'kepala.bpbd.galian';
const PASSWORD = 'kata-sandi-kepala-bpbd-1';

describe.skipIf(!chromiumAvailable)('dig-once conflicts on the /agency tablet', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  let roadName = '';
  const offsite: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist });
    await server.user(USER, PASSWORD, 'agency', 'BPBD');
    const registry = await simulatorProjectRegistry({ seed: 1 });
    const demo = await simulatorConflictingProjects({ seed: 1 });
    roadName = registry.find((p) => p.id === demo.conflictsWith)!.name;
    expect((await server.post('/api/v1/projects', { projects: registry }, await server.key('DPUPR'))).status).toBe(202);
    expect((await server.post('/api/v1/projects', { projects: demo.projects }, await server.key(demo.opd))).status).toBe(202);
    await server.storage.pool.query(`UPDATE project_conflict SET detected_at = now() - interval '40 days'`);
    profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 1024 },
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

  it('lists the open conflict and marks it dikoordinasikan with a note', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/agency`);
    await page.waitForSelector('[data-testid="login-form"]');
    await page.fill('[data-testid="login-username"]', USER);
    await page.fill('[data-testid="login-password"]', PASSWORD);
    await page.tap('[data-testid="login-submit"]');
    const open = page.locator('[data-testid="conflicts"] li[data-status="terbuka"]');
    await open.first().waitFor({ timeout: 60_000 });
    expect(await open.count()).toBe(1);
    expect(await open.first().textContent()).toContain(roadName);
    const late = page.locator('[data-testid="conflicts-unresolved"] li');
    expect(await page.getAttribute('[data-testid="conflicts-unresolved"]', 'data-days')).toBe('30');
    expect(await late.count()).toBe(1);
    expect(await late.first().textContent()).toContain(roadName);
    expect(await late.first().textContent()).toContain('terbuka 40 hari');
    await page.screenshot({ path: join(ARTIFACTS, 'agency-conflicts-open.png'), fullPage: true });
    await open.first().locator('button').first().tap();
    await open.first().locator('textarea').fill('Saluran digali dulu, pengaspalan menyusul');
    await open.first().locator('button[type="submit"]').tap();
    const done = page.locator('[data-testid="conflicts"] li[data-status="dikoordinasikan"]');
    await done.first().waitFor({ timeout: 30_000 });
    expect(await done.first().textContent()).toContain('Saluran digali dulu');
    expect(await late.count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'agency-conflicts-coordinated.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  }, 180_000);
});
