/**
 * The wall's dig-once conflict layer (issue 20) in headless Chromium against the real server and database: DPUPR
 * registers the simulator's projects and BPBD the demo's drainage trench beside the resurfaced Jl. Kaligawe; the
 * shipped projects scene draws both projects' works and the conflict's spot, labelled with the road's name and
 * coloured as open. Then a rahasia project of a third OPD is registered on the same street: within one poll of the
 * wall its conflicts appear, its side shown only as "a project of OPD X conflicts here" (no geometry, no name).
 * Screenshot in tests/artifacts/.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatorConflictingProjects, simulatorProjectRegistry } from '../../ingest/sources/simulator';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';
import type { MapLayerSummary } from '../../client/lib/test-hooks';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ARTIFACTS = join(import.meta.dirname, '../artifacts');

describe.skipIf(!chromiumAvailable)('dig-once conflicts on the /wall', () => {
  let server: TestServer;
  let context: BrowserContext;
  let dir: string;
  let token: string;
  let roadName = '';
  let road: { lon?: number; lat?: number; geometry?: unknown; region?: string; contractStart: string; contractEnd: string };
  const offsite: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    dir = await mkdtemp(join(tmpdir(), 'sinergi-wall-conflicts-'));
    // the shipped scenes file, the playlist on the projects scene only
    const shipped = await readFile(join(import.meta.dirname, '../../config/scenes.yaml'), 'utf8');
    const scenesFile = join(dir, 'scenes.yaml');
    await writeFile(scenesFile, shipped.replace(/^playlist: .*$/m, 'playlist: [projects]'));
    server = await startTestServer(adminUrl, { clientDistDir: dist, wallScenesFile: scenesFile });
    token = await server.token('operator');
    const registry = await simulatorProjectRegistry({ seed: 1 });
    const demo = await simulatorConflictingProjects({ seed: 1 });
    const r = registry.find((p) => p.id === demo.conflictsWith)!;
    roadName = r.name;
    road = r as typeof road;
    expect((await server.post('/api/v1/projects', { projects: registry }, await server.key('DPUPR'))).status).toBe(202);
    expect((await server.post('/api/v1/projects', { projects: demo.projects }, await server.key(demo.opd))).status).toBe(202);
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(await mkdtemp(join(dir, 'chromium-')), {
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

  const layer = (page: Page, id: string) =>
    page.evaluate((i) => window.__sinergi?.mapLayers.find((l) => l.id === i) ?? null, id) as Promise<MapLayerSummary | null>;

  it("draws the demo pair's works and the conflict spot; a rahasia project shows only its OPD", async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/wall#token=${token}`);
    await page.waitForSelector('body[data-scene="projects"]', { timeout: 60_000 });
    await expect.poll(async () => (await layer(page, 'project-conflicts'))?.items ?? 0, { timeout: 60_000 }).toBe(1);
    // both projects' works: the resurfaced road and the trench
    expect((await layer(page, 'project-conflicts-works'))?.items).toBe(2);
    const labels = (await layer(page, 'project-conflicts-labels'))?.texts ?? [];
    expect(labels).toHaveLength(1);
    expect(labels[0]).toContain(roadName);
    expect(labels[0]).toContain('(BPBD)');
    // the legend explains the layer
    expect(await page.locator('[data-testid="map-legend"] li[data-layer="project-conflicts"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'wall-project-conflicts.png') });

    // a rahasia project of another OPD on the same street: the wall learns of it within one poll (15 s)
    const secret = {
      id: 'PRJ-UJI-RHS-PIPA',
      name: 'Pipa rahasia Kaligawe',
      opd: 'DLH',
      region: road.region,
      ...(road.geometry ? { geometry: road.geometry } : { lon: road.lon, lat: road.lat }),
      workType: 'water_pipe',
      contractValue: 900_000_000,
      budget: 900_000_000,
      contractStart: road.contractStart,
      contractEnd: road.contractEnd,
      class: 'rahasia',
    };
    const reg = await server.post('/api/v1/projects', { projects: [secret] }, await server.key('DLH'));
    expect(reg.status, JSON.stringify(reg.body)).toBe(202);
    const found = (reg.body as { warnings: unknown[] }).warnings.length;
    expect(found).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await layer(page, 'project-conflicts'))?.items ?? 0, { timeout: 40_000 }).toBe(1 + found);
    const texts = (await layer(page, 'project-conflicts-labels'))?.texts ?? [];
    const hidden = texts.filter((t) => t.includes('Sebuah proyek DLH berkonflik di sini'));
    expect(hidden).toHaveLength(found);
    for (const t of texts) expect(t).not.toContain('Pipa rahasia');
    // the rahasia side's geometry is not drawn: only the visible sides of the new conflicts are added
    expect((await layer(page, 'project-conflicts-works'))?.items).toBe(2 + found);
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  }, 180_000);
});
