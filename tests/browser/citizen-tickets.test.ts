/**
 * Issue 21 in headless Chromium against the real server: on a phone (360×640) a citizen looks up a ticket
 * (known: status history in WIB, handling OPD, SLA; unknown: "not found"), rates the resolved complaint as
 * "belum selesai" (the handling OPD gets an incident), and is rate-limited after TICKET_LOOKUPS_PER_MIN
 * lookups; a BPBD officer publishes a flood warning from the agency tablet (1024×768) and the phone shows it
 * live, without reloading. No request leaves localhost, no console error. Screenshots go to tests/artifacts/.
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
const HOUR = 3_600_000;
const PER_MIN = 6;
const SECRET = 'Rumah Pak Joko Susilo, Jl. Kenanga 4';

describe.skipIf(!chromiumAvailable)('follow your complaint and public notices on a phone', () => {
  let server: TestServer;
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  const offsite: string[] = [];
  const problems: string[] = [];
  const notFound: string[] = [];
  let phone: Page;
  let kel: string;

  async function launch(viewport: { width: number; height: number }, mobile: boolean): Promise<BrowserContext> {
    const profile = await mkdtemp(join(tmpdir(), 'sinergi-chromium-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      locale: 'id-ID',
      args: CHROMIUM_ARGS,
      hasTouch: mobile,
      isMobile: mobile,
    });
    await refuseOffsite(context, server.url, offsite);
    contexts.push(context);
    return context;
  }

  const watch = (page: Page, who: string) => {
    page.on('console', (m) => {
      // the 429 of the rate-limit step is expected; the browser logs failed fetches as console errors
      if (m.type() === 'error' && /429|Too Many Requests/.test(m.text())) return;
      // 404s are judged by URL below (the browser's console line does not name it)
      if (m.type() === 'error' && /status of 404/.test(m.text())) return;
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${who}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${who}: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() === 404) notFound.push(`${who}: ${r.url()}`);
    });
  };

  const lookUp = async (ticket: string) => {
    await phone.fill('[data-testid="ticket-input"]', ticket);
    await phone.click('[data-testid="ticket-submit"]');
    await phone.waitForSelector('[data-testid="ticket-result"]:not([data-state="busy"]):not([data-state="idle"])', { timeout: 10_000 });
    return phone.getAttribute('[data-testid="ticket-result"]', 'data-state');
  };

  beforeAll(async () => {
    const dist = await ensureClientBuild(() => {});
    server = await startTestServer(adminUrl, { clientDistDir: dist, streamTickMs: 100, ticketLookupsPerMin: PER_MIN });
    await server.user('siti.bpbd', 'kata-sandi-bpbd-1', 'agency', 'BPBD');
    kel = (await server.storage.pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 1`)).rows[0]!
      .code;
    const kominfo = await server.key('DISKOMINFO');
    const t0 = Date.now() - 30 * HOUR;
    const events = (
      [
        ['received', t0],
        ['dispatched', t0 + 2 * HOUR],
        ['resolved', t0 + 20 * HOUR],
      ] as const
    ).map(([status, time]) => ({
      kind: 'complaint',
      id: 'LPR-UJI-0001',
      status,
      time: new Date(time).toISOString(),
      category: 'jalan_rusak',
      region: kel,
      lon: 110.41,
      lat: -6.98,
      title: SECRET,
    }));
    expect((await server.post('/api/v1/events', { events }, kominfo)).status).toBe(202);
    await mkdir(ARTIFACTS, { recursive: true });

    phone = await (await launch({ width: 360, height: 640 }, true)).newPage();
    watch(phone, 'phone');
    await phone.goto(`${server.url}/public`);
    // connected, and the notices channel's snapshot is in (the panel says there is none)
    await phone.waitForSelector('body[data-conn="connected"] [data-testid="notices-none"]', { timeout: 30_000 });
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    for (const p of profiles) await rm(p, { recursive: true, force: true });
    await server?.close();
  });

  it('looks up a known ticket: status history in WIB, the handling OPD and the SLA, nothing personal', async () => {
    expect(await lookUp('LPR-UJI-0001')).toBe('found');
    expect(await phone.textContent('[data-testid="ticket-status"]')).toBe('Selesai');
    expect(await phone.textContent('[data-testid="ticket-handler"]')).toMatch(/Pekerjaan Umum|PUPR/i);
    expect(await phone.textContent('[data-testid="ticket-sla"]')).toMatch(/120 jam.*Tepat waktu/);
    expect(await phone.textContent('[data-testid="ticket-result"]')).toContain('Jalan rusak');
    const history = await phone.locator('[data-testid="ticket-history"] li').allTextContents();
    expect(history).toHaveLength(3);
    expect(history.every((h) => /WIB/.test(h))).toBe(true);
    expect(history.map((h) => h.replace(/.*WIB\s*/, ''))).toEqual(['Diterima', 'Diteruskan ke OPD', 'Selesai']);
    expect(await phone.textContent('body')).not.toContain('Joko');
    // fits the phone: no sideways scrolling
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await phone.locator('[data-testid="section-ticket"]').screenshot({ path: join(ARTIFACTS, 'citizen-ticket-found.png') });
  });

  it('rates it once as "belum selesai": the handling OPD gets the work back as an incident', async () => {
    await phone.click('[data-testid="ticket-rate"] label:has([data-testid="rate-2"])');
    await phone.check('[data-testid="rate-not-fixed"]');
    await phone.click('[data-testid="rate-submit"]');
    await phone.waitForSelector('[data-testid="rate-done"]', { timeout: 10_000 });
    expect(await phone.textContent('[data-testid="rate-done"]')).toMatch(/dibuka kembali/);
    const { rows } = await server.storage.pool.query(
      `SELECT handling_opd, status FROM incident WHERE source_ref = 'complaint:complaint/LPR-UJI-0001'`,
    );
    expect(rows).toEqual([{ handling_opd: 'DPUPR', status: 'baru' }]);
    expect((await server.storage.pool.query(`SELECT rating, not_fixed FROM complaint_rating WHERE id = 'LPR-UJI-0001'`)).rows).toEqual([
      { rating: 2, not_fixed: true },
    ]);
    // looked up again: rated, no second form
    expect(await lookUp('LPR-UJI-0001')).toBe('found');
    expect(await phone.locator('[data-testid="ticket-rate"]').count()).toBe(0);
  });

  it('answers an unknown ticket with "not found"', async () => {
    expect(await lookUp('LPR-TIDAK-ADA-9')).toBe('unknown');
    expect(await phone.textContent('[data-testid="ticket-result"]')).toMatch(/tidak ditemukan/);
  });

  it('shows a notice published on the agency tablet live, without reloading', async () => {
    expect(await phone.locator('[data-testid="notice"]').count()).toBe(0);
    const tablet = await (await launch({ width: 1024, height: 768 }, false)).newPage();
    watch(tablet, 'tablet');
    await tablet.goto(`${server.url}/agency`);
    await tablet.fill('[data-testid="login-username"]', 'siti.bpbd');
    await tablet.fill('[data-testid="login-password"]', 'kata-sandi-bpbd-1');
    await tablet.click('[data-testid="login-submit"]');
    await tablet.waitForSelector('[data-testid="agency-notices"]', { timeout: 20_000 });
    await tablet.click('[data-testid="agency-notices"] summary');
    await tablet.selectOption('[data-testid="notice-kind"]', 'flood_warning');
    await tablet.fill('[data-testid="notice-headline"]', 'Siaga banjir Kali Garang malam ini');
    await tablet.fill('[data-testid="notice-description"]', 'Tinggi muka air diperkirakan naik setelah pukul 20.00 WIB.');
    await tablet.fill('[data-testid="notice-instruction"]', 'Amankan dokumen penting dan jauhi bantaran sungai.');
    await tablet.fill('[data-testid="notice-regions"]', kel);
    await tablet.click('[data-testid="notice-publish"]');
    await tablet.waitForSelector('[data-testid="notice-message"].ok', { timeout: 10_000 });
    // the tablet's own list hears it on /live, the phone on /public
    await tablet.waitForSelector('[data-testid="agency-notice"]', { timeout: 10_000 });
    await phone.waitForSelector('[data-testid="notice"][data-kind="flood_warning"]', { timeout: 10_000 });
    const text = await phone.textContent('[data-testid="notice"]');
    expect(text).toContain('Siaga banjir Kali Garang malam ini');
    expect(text).toContain('jauhi bantaran sungai');
    expect(text).toContain('BPBD');
    await phone.locator('[data-testid="section-notices"]').screenshot({ path: join(ARTIFACTS, 'citizen-notice-live.png') });
    // and on the map: the kelurahan it names, outlined
    await phone.locator('#peta').scrollIntoViewIfNeeded();
    await phone.waitForSelector('[data-testid="public-map"][data-ready="true"]', { timeout: 20_000 });
    await phone.waitForSelector('body[data-map-notices="1"]', { timeout: 10_000 });
    await phone.locator('[data-testid="section-map"]').screenshot({ path: join(ARTIFACTS, 'citizen-notice-map.png') });

    // withdrawn on the tablet: gone from the phone, still without a reload
    await tablet.click('[data-testid="agency-notice"] button');
    await phone.waitForSelector('[data-testid="notices-none"]', { timeout: 10_000 });
    await phone.waitForSelector('body[data-map-notices="0"]', { timeout: 10_000 });
  });

  it('refuses lookups past the rate limit with a message saying when to retry', async () => {
    let state: string | null = null;
    for (let i = 0; i < PER_MIN + 1 && state !== 'limited'; i++) state = await lookUp(`LPR-TEBAK-${i}`);
    expect(state).toBe('limited');
    expect(await phone.textContent('[data-testid="ticket-result"]')).toMatch(/Terlalu banyak pencarian.*\d+ detik/);
    await phone.locator('[data-testid="section-ticket"]').screenshot({ path: join(ARTIFACTS, 'citizen-ticket-limited.png') });
  });

  it('sent nothing off-site and logged no error', () => {
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
    // the scorecard card (another feature of the page) asks before any scorecard exists in this database
    expect(notFound.filter((u) => !u.endsWith('/api/public/v1/scorecard'))).toEqual([]);
  });
});
