/**
 * /wall honesty in real headless Chromium: a source late beyond its cadence turns its panels stale while a
 * fresh one does not; a server SIGKILLed under the wall shows the lost state at once, and after a restart on
 * the same port and database the wall reconnects and resyncs by itself, without a reload. The server is a
 * child process (the production entry, server/index.ts) so it can really be killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAccessToken, createIngestKey } from '../../db/queries/credentials';
import { seedDemo } from '../../db/seed';
import { openStorage, type Storage } from '../../db/storage';
import { ensureClientBuild } from '../../scripts/client-build';
import { createTestDatabase } from '../support/db';
import { waitFor } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;

const SCENES = `version: 1
scenes:
  - id: honesty
    title: { id: Uji kejujuran, en: Honesty test }
    durationS: 3600
    panels:
      - { type: map, area: { col: 1, row: 1, w: 8, h: 8 }, layers: [flood-columns, traffic] }
      - { type: kpis, area: { col: 9, row: 1, w: 4, h: 2 }, kpis: [water-level, traffic-speed] }
      - { type: chart, area: { col: 9, row: 3, w: 4, h: 3 }, chart: congestion-segments }
      - { type: chart, area: { col: 9, row: 6, w: 4, h: 3 }, chart: gates }
`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!chromiumAvailable)('/wall stale sources and a lost server', () => {
  let db: { url: string; drop(): Promise<void> };
  let storage: Storage;
  let dir: string;
  let dist: string;
  let port: number;
  let url: string;
  let child: ChildProcess | null = null;
  let context: BrowserContext;
  let page: Page;
  let token: string;
  let bpbd: string;
  let dishub: string;
  let feeder: ReturnType<typeof setInterval> | null = null;
  const offsite: string[] = [];
  const problems: string[] = [];

  const spawnServer = async (): Promise<ChildProcess> => {
    const c = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../server/index.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        CLIENT_DIST_DIR: dist,
        WALL_SCENES_FILE: join(dir, 'scenes.yaml'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor('the server to be ready', async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok, 30_000);
    return c;
  };

  const ingest = (key: string, points: unknown[]) =>
    fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ points }),
    }).then(
      (r) => r.status,
      () => 0,
    );

  beforeAll(async () => {
    dist = await ensureClientBuild(() => {});
    dir = await mkdtemp(join(tmpdir(), 'sinergi-wall-kill-'));
    await writeFile(join(dir, 'scenes.yaml'), SCENES);
    db = await createTestDatabase(adminUrl);
    storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
    await seedDemo(storage.pool);
    bpbd = (await createIngestKey(storage.pool, 'BPBD')).key;
    dishub = (await createIngestKey(storage.pool, 'DISHUB')).key;
    token = (await createAccessToken(storage.pool, 'operator', null, 'test')).token;
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = await spawnServer();
    // traffic last reported 5 minutes ago (cadence 10 s): late; water levels keep arriving every second
    const old = Date.now() - 5 * 60_000;
    expect(
      await ingest(dishub, [
        { metric: 'traffic_speed', entity: 'RUAS-UJI', time: old, value: 31 },
        { metric: 'congestion_index', entity: 'RUAS-UJI', time: old, value: 0.4 },
      ]),
    ).toBe(202);
    let v = 100;
    feeder = setInterval(
      () => void ingest(bpbd, [{ metric: 'water_level', entity: 'PA-UJI-HIDUP', time: Date.now(), value: (v = v === 100 ? 101 : 100) }]),
      1_000,
    );
    const profile = await mkdtemp(join(dir, 'chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1920, height: 1080 },
      args: CHROMIUM_ARGS,
    });
    await refuseOffsite(context, url, offsite);
  }, 240_000);

  afterAll(async () => {
    if (feeder) clearInterval(feeder);
    await context?.close();
    child?.kill('SIGTERM');
    if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
    await storage?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('turns the panels of a late source stale, and only those', async () => {
    page = await context.newPage();
    page.on('console', (m) => {
      // the lost connection is expected to log failed requests while the server is down
      if (/Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${url}/wall?kiosk=1#token=${token}`);
    await page.waitForSelector('[data-testid="conn-status"][data-state="connected"]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid="kpi-water-level"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="kpi-traffic-speed"][data-stale="true"]', { timeout: 10_000 });
    expect(await page.getAttribute('[data-testid="kpi-water-level"]', 'data-stale')).toBe('false');
    expect(await page.getAttribute('[data-testid="panel-chart-congestion-segments"]', 'data-stale')).toBe('true');
    expect(await page.getAttribute('[data-testid="panel-chart-gates"]', 'data-stale')).toBe('false');
    // the map is stale because one of its layers is, and its legend says which
    expect(await page.getAttribute('[data-testid="panel-map"]', 'data-stale')).toBe('true');
    expect(await page.getAttribute('[data-testid="map-legend"] li[data-layer="traffic"]', 'data-stale')).toBe('true');
    expect(await page.getAttribute('[data-testid="map-legend"] li[data-layer="flood-columns"]', 'data-stale')).toBe('false');
    expect(await page.locator('[data-testid="panel-chart-congestion-segments"] .stale-flag').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'wall-stale-1920x1080.png') });
  }, 60_000);

  it('shows the lost connection when the server is killed and recovers without a reload when it is back', async () => {
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 42));
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    await page.waitForSelector('[data-testid="disconnected-banner"]', { timeout: 10_000 });
    expect(await page.getAttribute('[data-testid="conn-status"]', 'data-state')).toBe('disconnected');
    expect(await page.getAttribute('[data-testid="wall"]', 'data-conn')).not.toBe('connected');
    await page.screenshot({ path: join(ARTIFACTS, 'wall-lost-1920x1080.png') });

    child = await spawnServer();
    await page.waitForSelector('[data-testid="conn-status"][data-state="connected"]', { timeout: 20_000 });
    expect(await page.locator('[data-testid="disconnected-banner"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(42);
    // resynced: a reading ingested after the restart reaches the screen
    expect(await ingest(bpbd, [{ metric: 'water_level', entity: 'PA-UJI-BARU', time: Date.now(), value: 187.5 }])).toBe(202);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="kpi-water-level"] [data-kpi-value]')?.textContent?.includes('187,5'),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.getAttribute('[data-testid="kpi-water-level"]', 'data-stale')).toBe('false');
  }, 90_000);

  it('made no request outside localhost and saw no CSP violation or page error', () => {
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  });
});
