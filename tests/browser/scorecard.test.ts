/**
 * The OPD scorecard in headless Chromium against the real server and database (issue 19): DLH's head signs in on
 * a tablet and sees DLH's scorecard with the figures of GET /api/v1/scorecard (one call); the wall shows the
 * `scorecard` panel (a scene of its own) ranking the OPDs, legible at 1080p from five metres (captions ≥ 18 px,
 * nothing cut). Screenshots in tests/artifacts/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';
import { measureLegibility } from '../support/legibility';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const H = 3_600_000;

const SCENES = `version: 1
playlist: [kinerja]
scenes:
  - id: kinerja
    title: { id: Kinerja OPD, en: Agency performance }
    durationS: 60
    panels:
      - { type: scorecard, area: { col: 1, row: 1, w: 7, h: 7 } }
      - { type: incidents, area: { col: 8, row: 1, w: 5, h: 7 } }
      - { type: feeds, area: { col: 1, row: 8, w: 12, h: 1 } }
`;

describe.skipIf(!chromiumAvailable)('the OPD scorecard on the tablet and the wall', () => {
  let server: TestServer;
  let dist: string;
  let dir: string;
  const offsite: string[] = [];
  const pageErrors: string[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dist = await ensureClientBuild(() => {});
    dir = await mkdtemp(join(tmpdir(), 'sinergi-scorecard-'));
    const scenesFile = join(dir, 'scenes.yaml');
    await writeFile(scenesFile, SCENES);
    server = await startTestServer(adminUrl, { clientDistDir: dist, wallScenesFile: scenesFile });
    await server.user('kadis-dlh', 'kata-sandi-dlh-19', 'agency', 'DLH');
    // DLH: 8 rubbish complaints closed in the last days (6 within the 24 h target, 1 late, 1 rejected), 2 open, one past target
    const now = Date.now();
    const rows: [string, string, number, number | null][] = [];
    for (let i = 0; i < 6; i++) rows.push([`SC-B-${i}`, 'resolved', now - (50 + i) * H, now - (40 + i) * H]);
    rows.push(['SC-B-LATE', 'resolved', now - 80 * H, now - 20 * H], ['SC-B-REJ', 'rejected', now - 30 * H, now - 29 * H]);
    rows.push(['SC-B-OPEN', 'verified', now - 2 * H, null], ['SC-B-OVER', 'verified', now - 30 * H, null]);
    for (const [id, status, o, c] of rows)
      await server.storage.pool.query(
        `INSERT INTO event (kind, id, status, opened_at, closed_at, category, time) VALUES ('complaint', $1, $2, to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), 'sampah', to_timestamp($3 / 1000.0))`,
        [id, status, o, c],
      );
    // a DLH metric with readings: the card's data freshness lists it by name
    const ingest = await server.post(
      '/api/v1/ingest',
      { points: [{ metric: 'container_fill', entity: 'TPS-SC', time: now, value: 0.4 }] },
      await server.key('DLH'),
    );
    expect(ingest.status).toBe(202);
    await mkdir(ARTIFACTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const launch = async (viewport: { width: number; height: number }, touch = false, base = server.url) => {
    const c = await chromium.launchPersistentContext(await mkdtemp(join(dir, 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      hasTouch: touch,
      args: CHROMIUM_ARGS,
    });
    await refuseOffsite(c, base, offsite);
    contexts.push(c);
    return c;
  };

  it("DLH's head sees DLH's scorecard with the API's figures", async () => {
    const context = await launch({ width: 1024, height: 768 }, true);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const scorecardCalls: string[] = [];
    page.on('request', (r) => r.url().includes('/api/v1/scorecard') && scorecardCalls.push(r.url()));
    await page.goto(`${server.url}/agency`);
    await page.waitForSelector('[data-testid="login-form"]');
    await page.fill('[data-testid="login-username"]', 'kadis-dlh');
    await page.fill('[data-testid="login-password"]', 'kata-sandi-dlh-19');
    await page.tap('[data-testid="login-submit"]');
    const card = page.locator('[data-testid="scorecard"][data-opd="DLH"]');
    await card.locator('[data-testid="scorecard-30d-share"]').waitFor({ timeout: 30_000 });
    const api = (await server.get('/api/v1/scorecard', await server.token('agency', 'DLH'))).body.scorecard;
    const w = api.service.windows['30d'];
    expect(w).toMatchObject({ met: 6, missed: 1, rejected: 1 });
    const pct = (s: number) => `${(s * 100).toLocaleString('id-ID', { minimumFractionDigits: 1, maximumFractionDigits: 1 })}%`;
    expect(await card.locator('[data-testid="scorecard-30d-share"]').textContent()).toBe(pct(w.shareWithinSla));
    expect(await card.locator('[data-testid="scorecard-30d-rejected"]').textContent()).toBe(pct(w.shareRejected));
    expect(await card.locator('[data-testid="scorecard-overdue"] strong').textContent()).toBe(String(api.service.overdue));
    expect(await card.locator('[data-testid="scorecard-open"] strong').textContent()).toBe('2');
    // data freshness per metric reads the metric's name in the page's language, not its code
    const names = new Map(
      ((await server.get('/api/v1/catalog', await server.token('agency', 'DLH'))).body.metrics as { code: string; nameId: string }[]).map((m) => [
        m.code,
        m.nameId,
      ]),
    );
    expect(api.data.metrics.length).toBeGreaterThan(0);
    const rows = await card.locator('[data-testid="scorecard-metric"] th').allTextContents();
    expect(rows).toEqual(
      api.data.metrics
        .map((m: { metric: string; lateNow: boolean }) => `metrik ${names.get(m.metric)}${m.lateNow ? ' · ' : ''}`)
        .map((x: string) => expect.stringContaining(x)),
    );
    // no picker for an OPD: its own card only, in one call
    expect(await page.locator('[data-testid="scorecard-opd"]').count()).toBe(0);
    expect(scorecardCalls).toEqual([`${server.url}/api/v1/scorecard`]);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(ARTIFACTS, 'agency-scorecard.png') });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it.each([
    ['1080p', { width: 1920, height: 1080 }],
    ['4K', { width: 3840, height: 2160 }],
  ] as const)(
    'the wall ranks the OPDs in the scorecard panel, legible at %s',
    async (size, viewport) => {
      const token = await server.token('operator');
      const context = await launch(viewport);
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${server.url}/wall#token=${token}`);
      await page.waitForSelector('body[data-scene="kinerja"]', { timeout: 60_000 });
      await page.waitForSelector('[data-testid="panel-scorecard"] [data-testid="rank-DLH"]', { timeout: 30_000 });
      const ranking = (await server.get('/api/v1/scorecard/ranking', token)).body.opds as { opd: string; rank: number }[];
      const shown = await page.locator('[data-testid="panel-scorecard"] tbody tr td.rank-opd').allTextContents();
      expect(shown).toEqual(ranking.slice(0, 8).map((r) => r.opd));
      // read from five metres: every caption ≥ 18 px at 1080p (doubled at 4K), nothing cut
      const k = viewport.width / 1920;
      const m = await measureLegibility(page, '[data-testid="panel-scorecard"]');
      expect(m.texts.length).toBeGreaterThan(10);
      expect(m.texts.filter((x) => x.px < 18 * k - 0.01).map((x) => `${x.where} "${x.text}" ${x.px}px`)).toEqual([]);
      expect(m.clipped.map((x) => `${x.where} "${x.text}" +${x.overflowX}/${x.overflowY}px`)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `wall-scorecard-${size}.png`) });
      await context.close();
      expect(pageErrors).toEqual([]);
      expect(offsite).toEqual([]);
    },
    120_000,
  );

  it('the public page shows the OPD shares only when SCORECARD_PUBLIC is on', async () => {
    const context = await launch({ width: 412, height: 915 }, true);
    const off = await context.newPage();
    const consoleErrors: string[] = [];
    off.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    const asked: string[] = [];
    off.on('request', (r) => r.url().includes('/api/public/v1/scorecard') && asked.push(r.url()));
    await off.goto(`${server.url}/public`);
    await off.waitForSelector('[data-testid="section-incidents"], [data-testid="section-floods"]', { timeout: 30_000 });
    await expect.poll(() => asked.length).toBe(1);
    expect(await off.locator('[data-testid="section-scorecard"]').count()).toBe(0);
    // not published is an answer, not a failed request: nothing in the console
    expect(consoleErrors).toEqual([]);

    const pub = await startTestServer(adminUrl, { clientDistDir: dist, scorecardPublic: true });
    try {
      // DLH: 12 closed complaints, 6 within the 24 h target and 6 after it (both at least k = 5: shown)
      const now = Date.now();
      for (let i = 0; i < 12; i++)
        await pub.storage.pool.query(
          `INSERT INTO event (kind, id, status, opened_at, closed_at, category, time) VALUES ('complaint', $1, 'resolved', to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0), 'sampah', to_timestamp($2 / 1000.0))`,
          [`PUB-${i}`, now - 40 * H, now - 40 * H + (i < 6 ? 2 : 30) * H],
        );
      const page = await (await launch({ width: 412, height: 915 }, true, pub.url)).newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${pub.url}/public`);
      const row = page.locator('[data-testid="public-score-DLH"]');
      await row.waitFor({ timeout: 30_000 });
      const api = (await pub.get('/api/public/v1/scorecard')).body.opds.find((o: { opd: string }) => o.opd === 'DLH');
      expect(api.serviceShare30d).toBe(0.5);
      expect(await row.locator('td').nth(1).textContent()).toBe('50,0%');
      await page.locator('[data-testid="section-scorecard"]').screenshot({ path: join(ARTIFACTS, 'public-scorecard.png') });
    } finally {
      await pub.close();
    }
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
  }, 120_000);
});
