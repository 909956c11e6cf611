/**
 * The citizen page (/public) in real headless Chromium (Debian's `chromium`, driven by playwright-core) against
 * the real server and database, fed by direct ingest of publik data and complaints (deterministic, so the
 * assertions can name projects and areas): flood warnings at the top with their level in words, projects with
 * the late rule and working filters, complaints, the language switch, keyboard access, and axe-core finding no
 * serious or critical violation at 360×640 and 1280×800. Nothing leaves localhost, the CSP holds, no console
 * error. Screenshots go to tests/artifacts/public-page-*.png.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/client-build';
import { startTestServer, type TestServer } from '../support/server';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, refuseOffsite } from '../support/browser';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const require = createRequire(import.meta.url);

const DAY = 86_400_000;

interface Kel {
  code: string;
  kec: string;
  kecName: string;
  name: string;
  lon: number;
  lat: number;
}

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown; failureSummary?: string }[] }[];
}

/** The test's projects: [id, kelurahan index, progress now, plan now, budget absorbed (Rp)]. */
const PROJECTS: [string, number, number, number, number][] = [
  ['PRJ-T-001', 0, 42, 60, 6_100_000_000], // 18 points behind: late
  ['PRJ-T-002', 1, 47, 50, 3_000_000_000], // 3 behind: on track
  ['PRJ-T-003', 0, 100, 100, 9_800_000_000], // done
  ['PRJ-T-004', 2, 19.5, 30, 1_200_000_000], // 10.5 behind: late
  ['PRJ-T-005', 2, 30, 40, 2_000_000_000], // exactly 10 behind: not late
];

describe.skipIf(!chromiumAvailable)('/public for citizens in headless Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  let axeSource: string;
  let kel: [Kel, Kel, Kel];
  let keys: Record<string, string>;
  let feeder: ReturnType<typeof setInterval> | null = null;
  const offsite: string[] = [];
  const problems: string[] = [];

  async function ingest(opd: string, points: unknown[]) {
    const res = await server.post('/api/v1/ingest', { points }, keys[opd]);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  }

  /** Readings that must stay fresh while the test runs (the page marks late data, and warnings expire). */
  async function liveReadings() {
    const now = Date.now();
    const [a, b, c] = kel;
    await ingest('BPBD', [
      { metric: 'water_level', entity: 'PA-UJI-1', region: a.code, time: now, value: 212, lon: a.lon, lat: a.lat },
      { metric: 'water_level', entity: 'PA-UJI-2', region: b.code, time: now, value: 163, lon: b.lon, lat: b.lat },
      { metric: 'water_level', entity: 'PA-UJI-3', region: c.code, time: now, value: 84, lon: c.lon, lat: c.lat },
      { metric: 'rainfall', entity: 'ARR-UJI-1', region: a.code, time: now, value: 12.5, lon: a.lon, lat: a.lat },
    ]);
    await ingest('DISHUB', [
      { metric: 'traffic_speed', entity: 'RUAS-UJI-1', region: b.code, time: now, value: 31 },
      { metric: 'congestion_index', entity: 'RUAS-UJI-1', region: b.code, time: now, value: 0.64 },
    ]);
  }

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 250 });
    keys = {};
    for (const opd of ['BPBD', 'DISHUB', 'DLH', 'DPUPR', 'DISKOMINFO']) keys[opd] = await server.key(opd);
    // the test's road segment has a registered line: the map draws it (read from /api/public/v1/lines)
    const road = await server.post(
      '/api/v1/entities',
      {
        entities: [
          {
            entity: 'RUAS-UJI-1',
            name: 'Jl. Uji',
            path: [
              [110.41, -6.98],
              [110.42, -6.985],
              [110.43, -6.99],
            ],
          },
        ],
      },
      keys.DISHUB,
    );
    expect(road.status).toBe(200);

    // three kelurahan in three different kecamatan
    const { rows } = await server.storage.pool.query<Kel>(
      `SELECT DISTINCT ON (k.parent_code) k.code, k.parent_code AS kec, p.name AS "kecName", k.name, k.centroid_lon AS lon, k.centroid_lat AS lat
         FROM region k JOIN region p ON p.code = k.parent_code
        WHERE k.level IN ('kelurahan', 'desa') AND k.centroid_lon IS NOT NULL
        ORDER BY k.parent_code, k.code LIMIT 3`,
    );
    expect(rows).toHaveLength(3);
    kel = rows as [Kel, Kel, Kel];

    const now = Date.now();
    await liveReadings();
    await ingest('DLH', [{ metric: 'landfill_intake', entity: 'TPA-UJI', time: now - 1_000, value: 418.4 }]);
    await ingest('DISKOMINFO', [{ metric: 'complaints_open', entity: 'kota', time: now - 1_000, value: 37 }]);

    // thirty days of daily progress and plan, and the latest readings
    const points: unknown[] = [];
    for (const [id, k, progress, plan, budget] of PROJECTS) {
      const at = kel[k]!;
      for (let d = 30; d >= 0; d--) {
        const time = d === 0 ? now - 2_000 : now - d * DAY;
        const f = (30 - d) / 30;
        const base = { entity: id, region: at.code, time, lon: at.lon + 0.002, lat: at.lat + 0.002 };
        points.push({ ...base, metric: 'project_progress', value: Math.round(progress * f * 10) / 10 });
        points.push({ ...base, metric: 'project_progress_plan', value: Math.round(plan * f * 10) / 10 });
        points.push({ ...base, metric: 'project_budget_absorbed', value: d > 10 ? Math.round(budget / 2) : budget });
      }
    }
    await ingest('DPUPR', points);
    // the registry names them and gives their contracts (PRJ-T-005 is left unregistered: its id stands in)
    const registered = PROJECTS.slice(0, 4).map(([id, k], i) => ({
      id,
      name: `Peningkatan Jalan Uji ${i + 1}`,
      opd: 'DPUPR',
      region: kel[k]!.code,
      lon: kel[k]!.lon + 0.002,
      lat: kel[k]!.lat + 0.002,
      contractValue: (i + 1) * 12_000_000_000,
      budget: (i + 1) * 13_000_000_000,
      contractStart: '2026-03-02',
      contractEnd: '2026-12-28',
    }));
    const reg = await server.post('/api/v1/projects', { projects: registered }, keys.DPUPR);
    expect(reg.status, JSON.stringify(reg.body)).toBe(202);

    // complaints: enough per category to pass k-anonymity, some resolved
    const categories = ['jalan_rusak', 'sampah', 'banjir'];
    const events: unknown[] = [];
    for (let i = 0; i < 24; i++) {
      const opened = now - (2 * DAY - i * 3_600_000);
      const base = { kind: 'complaint', id: `LPR-UJI-${i}`, category: categories[i % 3], region: kel[i % 2]!.code };
      events.push({ ...base, status: 'received', time: opened });
      if (i % 4 !== 3) events.push({ ...base, status: 'resolved', time: opened + (4 + (i % 5)) * 3_600_000 });
    }
    // and a third kelurahan with two (open): a count below k, which the page writes "< 5"
    for (let i = 0; i < 2; i++)
      events.push({
        kind: 'complaint',
        id: `LPR-UJI-K3-${i}`,
        category: 'sampah',
        region: kel[2].code,
        status: 'received',
        time: now - (30 + i) * 3_600_000,
      });
    const ev = await server.post('/api/v1/events', { events }, keys.DISKOMINFO);
    expect(ev.status).toBe(202);

    feeder = setInterval(() => void liveReadings().catch(() => undefined), 3_000);

    axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    await mkdir(ARTIFACTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'sinergi-public-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 360, height: 640 },
      locale: 'id-ID',
      args: CHROMIUM_ARGS,
    });
    await refuseOffsite(context, server.url, offsite);
  }, 240_000);

  afterAll(async () => {
    if (feeder) clearInterval(feeder);
    await context?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function open(width: number, height: number, path = '/public'): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${width}x${height}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${width}x${height}: ${e.message}`));
    await page.setViewportSize({ width, height });
    await page.goto(server.url + path);
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    return page;
  }

  /** Loads everything lazy (history, map) by scrolling through the page, then returns to the top. */
  async function scrollThrough(page: Page) {
    const height = await page.evaluate(() => document.body.scrollHeight);
    for (let y = 0; y <= height; y += 500) {
      await page.evaluate((to) => window.scrollTo(0, to), y);
      await page.waitForTimeout(60);
    }
    await page.waitForSelector('[data-testid="public-map"][data-ready="true"]', { timeout: 20_000 });
    await page.waitForSelector('[data-testid="project-sparkline"]', { timeout: 15_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
  }

  /**
   * axe-core in the page. It is evaluated through the DevTools protocol: the CSP (script-src 'self') refuses
   * the inline <script> that `addScriptTag` would insert, but not an evaluation by the debugger.
   */
  async function axe(page: Page): Promise<AxeResult['violations']> {
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const a = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<AxeResult> } }).axe;
      const r = await a.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      }));
    });
    return result;
  }
  const serious = (v: AxeResult['violations']) => v.filter((x) => x.impact === 'serious' || x.impact === 'critical');

  it('serves the warnings endpoint from a cached snapshot, publik water levels only', async () => {
    const res = await fetch(`${server.url}/api/public/v1/warnings`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeTruthy();
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const body = (await res.json()) as { level: string; warnings: { code: string; level: string }[]; areas: { code: string }[] };
    expect(body.level).toBe('siaga');
    expect(body.warnings).toEqual([
      expect.objectContaining({ code: kel[0].kec, level: 'siaga' }),
      expect.objectContaining({ code: kel[1].kec, level: 'waspada' }),
    ]);
    expect(body.areas.map((a) => a.code).sort()).toEqual([kel[0].kec, kel[1].kec, kel[2].kec].sort());
    const again = await fetch(`${server.url}/api/public/v1/warnings`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect([200, 304]).toContain(again.status); // 304 while the snapshot lasts
  });

  it('at 360×640: warnings on top with their level in words, projects with the late rule, complaints; no serious axe violation', async () => {
    const page = await open(360, 640);
    expect(await page.locator('html').getAttribute('lang')).toBe('id');

    // warnings: first thing in <main>, the worst level named in text
    const warnings = page.locator('[data-testid="section-warnings"]');
    await warnings.waitFor({ timeout: 30_000 });
    expect(await warnings.getAttribute('data-level')).toBe('siaga');
    expect(await page.evaluate(() => document.querySelector('main')?.firstElementChild?.getAttribute('data-testid'))).toBe('section-warnings');
    const areas = page.locator('[data-testid="warning-area"]');
    await expect.poll(() => areas.count()).toBe(2);
    expect(await areas.nth(0).getAttribute('data-level')).toBe('siaga');
    expect(await areas.nth(0).innerText()).toMatch(/siaga/i);
    expect(await areas.nth(0).innerText()).toContain(kel[0].kecName);
    expect(await areas.nth(0).innerText()).toContain('PA-UJI-1');
    expect(await areas.nth(1).innerText()).toMatch(/waspada/i);
    expect(await page.locator('[data-testid="warnings-summary"]').innerText()).toMatch(/1 kecamatan berstatus Siaga, 1 kecamatan berstatus Waspada/);
    expect(await warnings.locator('[data-testid="freshness"]').innerText()).toMatch(/diperbarui/);
    // the open complaints count: its current value, from the live snapshot that carries no history of it
    const openTile = page.locator('[data-testid="kpi-complaints-open"] .tile-value');
    await expect.poll(() => openTile.innerText(), { timeout: 15_000 }).toBe('37');

    // projects: late means more than 10 points behind plan
    const rows = page.locator('[data-testid="project-row"]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(PROJECTS.length);
    const status = async (id: string) => page.locator(`[data-testid="project-row"][data-entity="${id}"]`).getAttribute('data-status');
    expect(await status('PRJ-T-001')).toBe('late');
    expect(await status('PRJ-T-002')).toBe('on_track');
    expect(await status('PRJ-T-003')).toBe('done');
    expect(await status('PRJ-T-004')).toBe('late');
    expect(await status('PRJ-T-005')).toBe('on_track');
    // late first, most behind first
    expect(await rows.evaluateAll((els) => els.slice(0, 2).map((e) => e.getAttribute('data-entity')))).toEqual(['PRJ-T-001', 'PRJ-T-004']);
    const first = rows.first();
    expect(await first.locator('[data-testid="project-status"]').innerText()).toMatch(/Terlambat 18 poin/);
    expect(await first.innerText()).toContain(kel[0].kecName);
    expect(await first.innerText()).toContain('DPUPR');
    expect(await first.innerText()).toMatch(/Rp\s?6,1\s?M/);
    // from the registry: name, contract value in rupiah, period, serapan as a share of the budget ceiling
    expect(await first.locator('.project-name').innerText()).toContain('Peningkatan Jalan Uji 1');
    expect(await first.locator('[data-testid="project-contract-value"]').innerText()).toMatch(/^Rp\s?12\.000\.000\.000$/);
    expect(await first.locator('[data-testid="project-period"]').innerText()).toMatch(/2 Mar 2026 – 28 Des 2026/);
    expect(await first.locator('[data-testid="project-absorbed"]').innerText()).toMatch(/\(47\s?%\)/);
    // an unregistered project keeps its id as its name
    expect(await page.locator('[data-testid="project-row"][data-entity="PRJ-T-005"] .project-name').innerText()).toBe('PRJ-T-005');
    expect(await first.locator('dd[title]').getAttribute('title')).toMatch(/Rp\s?6\.100\.000\.000/);
    expect(await first.locator('[data-testid="freshness"]').innerText()).toMatch(/diperbarui/);

    // complaints arrive from the summary endpoint, handling figures from the performance endpoint
    await page.locator('[data-testid="complaints-category-row"]').first().waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="complaints-performance-row"]').first().waitFor({ timeout: 15_000 });
    // shown only where the city's count behind them is published (issue 13: with 24 complaints in six small
    // cells the joint rule may hide the city totals too, and then the median and share with them)
    const perf7d = (await server.get('/api/public/v1/complaints/performance?period=7d')).body;
    const cityRow = perf7d.groups.find((g: { opd: string | null }) => g.opd === null);
    expect(await page.locator('[data-testid="complaints-city-performance"]').innerText()).toMatch(
      cityRow.medianHoursToResolve === null
        ? /Seluruh kota: median –, – selesai dalam target/
        : /Seluruh kota: median [\d,]+ jam, (\d+\s?%|–) selesai dalam target/,
    );
    // 24 received in 2 days: the day buckets are shown or hidden, never a number below k; a hidden count says
    // "< 5" (or "≥ 5" for a larger one hidden with it), never "–" (issue 21)
    const isCount = (c: string) => c === '< 5' || c === '≥ 5' || c === '0' || Number(c.replace(/\./g, '')) >= 5;
    const bucketCells = await page.locator('[data-testid="complaints-buckets"] tbody td').allInnerTexts();
    for (const c of bucketCells) expect(isCount(c.trim()), c).toBe(true);
    // the totals and the category counts (the median column is not a count)
    for (const c of await page.locator('[data-testid="complaints-totals"] .big').allInnerTexts()) expect(isCount(c.trim()), c).toBe(true);
    for (const row of await page.locator('[data-testid="complaints-category-row"]').all()) {
      const [received, resolved] = await row.locator('td').allInnerTexts();
      expect(isCount(received!.trim()) && isCount(resolved!.trim()), `${received} ${resolved}`).toBe(true);
    }
    // the third kelurahan's two complaints read "< 5"
    for (const d of await page.locator('[data-testid="section-complaints"] details.cx-kecamatan summary').all()) await d.click();
    const kelRows = await page.locator('[data-testid="complaints-kelurahan-row"]').allInnerTexts();
    expect(kelRows.join('\n')).toContain('< 5');
    expect(kelRows.join('\n')).not.toContain('–');
    expect(await page.locator('[data-testid="section-complaints"] .card-note').last().innerText()).toMatch(/ditampilkan sebagai “< 5”/);
    // the open-data links: the dataset list, the complaints CSV and the API page in the page's language
    const links = page.locator('[data-testid="open-data-links"] a');
    expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      '/api/public/v1/datasets',
      '/api/public/v1/datasets/aduan-warga-per-kelurahan/data.csv?view=30d',
      '/api/docs?lang=id',
    ]);

    await scrollThrough(page);
    // the map: complaints per kelurahan (three kelurahan have complaints) and the kelurahan under a warning
    // shaded (PA-UJI-1 at Siaga, PA-UJI-2 at Waspada), gesture hints in Bahasa Indonesia
    const map = page.locator('[data-testid="public-map"]');
    await expect.poll(() => map.getAttribute('data-complaint-places'), { timeout: 15_000 }).toBe('3');
    await expect.poll(() => map.getAttribute('data-warned-kelurahan'), { timeout: 15_000 }).toBe('2');
    await expect.poll(() => map.getAttribute('data-road-lines'), { timeout: 15_000 }).toBe('1');
    expect(await page.locator('.maplibregl-cooperative-gesture-screen').innerText()).toMatch(/dua jari|Ctrl \+ gulir/);
    expect(await page.locator('.pub-map-legend').innerText()).toMatch(/Kelurahan dengan peringatan banjir/);
    // the progress history: a line with a text alternative
    const spark = page.locator('[data-testid="project-row"][data-entity="PRJ-T-001"] [data-testid="project-sparkline"]');
    expect(await spark.getAttribute('role')).toBe('img');
    expect(await spark.getAttribute('aria-label')).toMatch(/realisasi dari 0% menjadi 42%/);

    // every panel that shows numbers says how old they are
    for (const id of ['section-floods', 'section-rain', 'section-projects', 'section-complaints', 'section-traffic', 'section-sanitation']) {
      expect(await page.locator(`[data-testid="${id}"] [data-testid="freshness"]`).count(), id).toBeGreaterThan(0);
    }
    expect(await page.locator('.pub-summary [data-testid="freshness"]').count()).toBe(4);

    // nothing wider than the phone
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    const violations = await axe(page);
    expect(serious(violations), JSON.stringify(serious(violations), null, 2)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'public-page-360x640.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'public-page-360x640-top.png') });
    await page.close();
  });

  it('filters projects by kecamatan, OPD and lateness; the list and the map follow', async () => {
    const page = await open(360, 640);
    const rows = page.locator('[data-testid="project-row"]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(PROJECTS.length);
    const shown = () => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-entity')).sort());

    await page.selectOption('[data-testid="filter-kecamatan"]', kel[0].kec);
    await expect.poll(shown).toEqual(['PRJ-T-001', 'PRJ-T-003']);
    await expect.poll(() => page.locator('[data-testid="projects-count"]').innerText()).toMatch(/Menampilkan 2 dari 5 proyek · 1 terlambat/);

    await page.selectOption('[data-testid="filter-kecamatan"]', kel[2].kec);
    await expect.poll(shown).toEqual(['PRJ-T-004', 'PRJ-T-005']);
    await page.check('[data-testid="filter-late"]');
    await expect.poll(shown).toEqual(['PRJ-T-004']);

    await page.selectOption('[data-testid="filter-kecamatan"]', '');
    await expect.poll(shown).toEqual(['PRJ-T-001', 'PRJ-T-004']);
    await page.uncheck('[data-testid="filter-late"]');
    // every project's figures are published by the owner of the project metrics
    const opds = await page.locator('[data-testid="filter-opd"] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(opds).toEqual(['', 'DPUPR']);
    await page.selectOption('[data-testid="filter-opd"]', 'DPUPR');
    await expect.poll(shown).toHaveLength(PROJECTS.length);

    // "show on map" scrolls to the map, loads it and centres it on the project
    await page.selectOption('[data-testid="filter-kecamatan"]', kel[0].kec);
    await page.locator('[data-testid="project-row"][data-entity="PRJ-T-001"] [data-testid="project-show-on-map"]').click();
    await page.waitForSelector('[data-testid="public-map"][data-ready="true"]', { timeout: 20_000 });
    await expect.poll(() => page.locator('[data-testid="section-map"] [role="status"]').innerText()).toContain('Peningkatan Jalan Uji 1');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('h-peta');
    await page.waitForTimeout(800);
    // a project on the map tells its name, OPD, contract value and progress (centred: the middle of the map)
    const box = (await page.locator('[data-testid="public-map"]').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const popup = page.locator('.maplibregl-popup .map-popup');
    await popup.waitFor({ timeout: 10_000 });
    const text = await popup.innerText();
    expect(text).toContain('Peningkatan Jalan Uji 1');
    expect(text).toMatch(/Nilai kontrak Rp\s?12\.000\.000\.000/);
    expect(text).toMatch(/Realisasi 42% · Rencana 60%/);
    await page.locator('[data-testid="section-map"]').screenshot({ path: join(ARTIFACTS, 'public-page-map-360x640.png') });
    await page.close();
  });

  it('is usable from the keyboard: skip link first, then every control in order', async () => {
    const page = await open(1280, 800);
    await page.locator('[data-testid="project-row"]').first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('isi');

    // Tab reaches the project filters and a "show on map" button, and each focus is visible
    const reached = new Set<string>();
    for (let i = 0; i < 80 && reached.size < 4; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        const style = el ? getComputedStyle(el) : null;
        return { id: el?.getAttribute('data-testid') ?? '', outline: style ? style.outlineStyle !== 'none' && style.outlineWidth !== '0px' : false };
      });
      if (['filter-kecamatan', 'filter-opd', 'filter-late', 'project-show-on-map'].includes(f.id)) {
        reached.add(f.id);
        expect(f.outline, `focus ring on ${f.id}`).toBe(true);
      }
    }
    expect([...reached].sort()).toEqual(['filter-kecamatan', 'filter-late', 'filter-opd', 'project-show-on-map']);
    // the late-only checkbox toggles with the space bar
    await page.focus('[data-testid="filter-late"]');
    await page.keyboard.press('Space');
    await expect.poll(() => page.locator('[data-testid="project-row"]').count()).toBe(2);
    await page.keyboard.press('Space');
    await page.close();
  });

  it('at 1280×800 switches to English, keeps the levels in words, and has no serious axe violation', async () => {
    const page = await open(1280, 800);
    await page.locator('[data-testid="section-warnings"]').waitFor({ timeout: 30_000 });
    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.title()).toMatch(/Public Data/);
    expect(await page.locator('#warnings-title').innerText()).toMatch(/Current flood warnings/);
    expect(await page.locator('[data-testid="warnings-summary"]').innerText()).toMatch(/1 district at Warning, 1 district at Watch/);
    expect(await page.locator('[data-testid="section-projects"] h2').innerText()).toBe('Public works');
    expect(await page.locator('[data-testid="project-row"][data-entity="PRJ-T-001"] [data-testid="project-status"]').innerText()).toMatch(
      /18 points behind/,
    );
    expect(await page.locator('[data-testid="lang-en"]').getAttribute('aria-pressed')).toBe('true');
    await page.locator('[data-testid="complaints-category-row"]').first().waitFor({ timeout: 15_000 });
    await scrollThrough(page);
    expect(await page.locator('[data-testid="section-complaints"] h2').innerText()).toBe('Citizen complaints');
    // the map rebuilt in English: its gesture hints follow the page
    await expect
      .poll(() => page.locator('.maplibregl-cooperative-gesture-screen').innerText(), { timeout: 15_000 })
      .toMatch(/two fingers|Ctrl \+ scroll/);
    expect(await page.locator('[data-testid="open-data-links"] a').last().getAttribute('href')).toBe('/api/docs?lang=en');

    const violations = await axe(page);
    expect(serious(violations), JSON.stringify(serious(violations), null, 2)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'public-page-1280x800-en.png'), fullPage: true });

    // the choice persists, and switching back restores Bahasa Indonesia
    await page.reload();
    await page.waitForSelector('body[data-live="true"]', { timeout: 30_000 });
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.click('[data-testid="lang-id"]');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('id');
    expect(await page.locator('[data-testid="section-projects"] h2').innerText()).toBe('Proyek pembangunan');
    await page.screenshot({ path: join(ARTIFACTS, 'public-page-1280x800.png') });
    await page.close();
  });

  it('serves /public with the headline numbers in the HTML, compressed assets and no inline script', async () => {
    const res = await fetch(`${server.url}/public`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const shell = /<div class="pub pub-shell" id="shell".*?<\/main><\/div>/s.exec(html)?.[0] ?? '';
    expect(shell).toContain('data-testid="public-title"');
    // open complaints, the flood level in words, warned kecamatan, projects from the registry, 7-day complaints
    expect(shell).toMatch(/data-testid="kpi-complaints-open"><span class="tile-label">[^<]+<\/span><span class="tile-value">37</);
    expect(shell).toMatch(/data-testid="kpi-flood-status">.*Siaga/);
    expect(shell).toContain(kel[0].kecName);
    expect(shell).toMatch(/4 proyek, 2 terlambat/);
    // the 7-day totals as the joint suppression publishes them (a hidden one is a dash, never a number below k)
    const sum7d = (await server.get('/api/public/v1/complaints/summary?period=7d')).body;
    const shownOr = (c: { n: number | null }) => (c.n === null ? '–' : String(c.n));
    expect(shell).toContain(`Masuk ${shownOr(sum7d.total.received)} · selesai ${shownOr(sum7d.total.resolved)}`);
    expect(html).toContain('<div id="root" hidden></div>');
    // no inline script: every <script> has a src (the CSP allows no other), but for the JSON data block the
    // app's tiles start from (never executed)
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc=|^<script type="application\/json" id="public-initial">$/);
    const initial = JSON.parse(/<script type="application\/json" id="public-initial">(.*?)<\/script>/s.exec(html)![1]!);
    expect(initial).toMatchObject({ complaintsOpen: 37, floodLevel: 'siaga', landfillT: 418.4 });
    // the page's JavaScript arrives compressed and cacheable for a year (content-hashed names)
    const js = /<script type="module" crossorigin src="([^"]+)"/.exec(html)![1]!;
    const asset = await fetch(server.url + js, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // the shell is replaced by the app once its data is in
    const page = await open(360, 640);
    await expect.poll(() => page.locator('#shell').count(), { timeout: 15_000 }).toBe(0);
    expect(await page.locator('#root').isVisible()).toBe(true);
    await page.close();
  });

  it('made no request outside localhost and saw no CSP violation or console error', () => {
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
  });
});
