/**
 * The built surfaces in real headless Chromium (Debian's `chromium`, driven by playwright-core) against the
 * real server, database and simulator: live data arrives, the map is drawn, nothing leaves localhost, the
 * CSP holds, and /public never receives terbatas data. Screenshots go to tests/artifacts/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_METRICS, DEMO_OPD } from '../../demo/catalog';
import { validateWorkerConfig } from '../../ingest/config';
import { startWorker, type Worker } from '../../ingest/worker';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const TERBATAS = DEMO_METRICS.filter((m) => m.class !== 'publik').map((m) => m.code);

describe.skipIf(!chromiumAvailable)('surfaces in headless Chromium', () => {
  let server: TestServer;
  let worker: Worker;
  let context: BrowserContext;
  let profile: string;
  let token: string;
  const offsite: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, maxBodyBytes: 8 * 1024 * 1024, maxBatchItems: 50_000, streamTickMs: 250 });
    const keys: Record<string, string> = {};
    for (const o of DEMO_OPD) keys[o.code] = await server.key(o.code);
    token = await server.token('operator');
    profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    worker = await startWorker(
      validateWorkerConfig({
        server: { url: server.url },
        keys,
        spool: { dir: join(profile, 'spool') },
        delivery: { maxBatch: 5_000, maxBackoffMs: 1_000 },
        sources: [{ type: 'simulator', name: 'simulator', seed: 3, backfillMinutes: 20, intervalMs: 1_000 }],
      }),
      pino({ level: 'silent' }),
    );
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
    await worker?.stop({ drainMs: 500 });
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
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

  /** Distinct colours (quantised) and the share of the most common one in a PNG. */
  function colourStats(png: Buffer): { distinct: number; dominantShare: number } {
    const img = PNG.sync.read(png);
    const counts = new Map<number, number>();
    for (let i = 0; i < img.data.length; i += 4) {
      const key = ((img.data[i]! >> 3) << 10) | ((img.data[i + 1]! >> 3) << 5) | (img.data[i + 2]! >> 3);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return { distinct: counts.size, dominantShare: Math.max(...counts.values()) / (img.width * img.height) };
  }

  it('/wall shows live data on a drawn map', async () => {
    const page = await open(`/wall#token=${token}`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    expect(page.url()).not.toContain('token='); // the token leaves the address bar
    await page.waitForSelector('[data-testid="wall-map"] canvas', { timeout: 15_000 });
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __sinergi?: { pointsApplied: number } }).__sinergi?.pointsApplied ?? 0), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    await page.waitForTimeout(2_000); // let tiles of polygons and deck.gl layers draw
    const map = colourStats(await page.locator('[data-testid="wall-map"]').screenshot());
    expect(map.distinct).toBeGreaterThan(20);
    expect(map.dominantShare).toBeLessThan(0.95);
    await expect.poll(() => page.getAttribute('[data-testid="conn-status"]', 'data-state')).toBe('connected');
    await page.screenshot({ path: join(ARTIFACTS, 'wall-1920x1080.png') });
    await page.close();
  });

  it('/public shows live publik data and never receives terbatas data', async () => {
    const frames: string[] = [];
    const page = await context.newPage();
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    page.on('pageerror', (e) => problems.push(`/public: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`/public: ${m.text()}`);
    });
    await page.setViewportSize({ width: 360, height: 640 });
    await page.goto(`${server.url}/public`);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: join(ARTIFACTS, 'public-360x640.png'), fullPage: true });
    expect(frames.some((f) => f.includes('points:appended'))).toBe(true);
    for (const code of TERBATAS) expect(frames.filter((f) => f.includes(`"${code}"`))).toEqual([]);
    await page.close();
  });

  it('/agency loads in Bahasa Indonesia', async () => {
    const page = await open('/agency');
    await page.waitForLoadState('networkidle');
    expect(await page.locator('html').getAttribute('lang')).toBe('id');
    await page.screenshot({ path: join(ARTIFACTS, 'agency-1024x768.png') });
    await page.close();
  });

  it('made no request outside localhost and saw no CSP violation or page error', () => {
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  });
});
