/**
 * The weekly briefing against the real server and database (issue 19), on a fake clock set to Monday 07:00 WIB:
 * the leader's schedule makes the briefing of the week just ended by itself; the PDF parses (pdf-lib) and has
 * pages; the figures in the archived JSON and in the page equal what the APIs answer — the scorecard ranking,
 * complaint counts from /api/v1/events/stats summed per kecamatan, late projects from the public projects view;
 * the archive is readable by the command center only, every read audited; the link went to the notification
 * routes; `admin briefing generate` remakes a week as a process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAudit } from '../../db/queries/audit';
import { simulatorProjectRegistry } from '../../ingest/sources/simulator';
import { parseCron, weekRange } from '../../server/briefing/schedule';
import type { BriefingFigures } from '../../server/briefing/figures';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const ROOT = join(import.meta.dirname, '../..');
const exec = promisify(execFile);
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const H = 3_600_000;
const DAY = 24 * H;
const WEEK = '2026-W49';
const RANGE = weekRange(WEEK, 420)!; // Mon 30 Nov – Sun 6 Dec 2026, WIB
const MONDAY_0700_WIB = Date.UTC(2026, 11, 7, 0, 0);

let now = MONDAY_0700_WIB - 500;
let server: TestServer;
let operator: string;

const getRaw = async (path: string, token?: string) => {
  const res = await fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
};

beforeAll(async () => {
  server = await startTestServer(adminUrl, { clock: () => now });
  operator = await server.token('operator');
  const pool = server.storage.pool;
  await pool.query(
    `INSERT INTO notification_route (opd_code, role, channel, address) VALUES (NULL, 'sekda', 'email', 'sekda@example.go.id'), ('DLH', 'head', 'email', 'kadis@dlh.example.go.id')`,
  );
  const kel = (await pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code`)).rows.map((r) => r.code);
  // complaints: this week and the one before, spread over kelurahan of several kecamatan
  const rows: [string, string, number, number | null, string, string][] = [];
  for (let i = 0; i < 120; i++) {
    const opened = RANGE.start - 7 * DAY + Math.floor((((i * 7919) % 1000) / 1000) * 14 * DAY);
    const closed = i % 3 === 0 ? null : opened + ((i % 5) + 1) * 6 * H;
    rows.push([
      `BR-${i}`,
      i % 7 === 0 ? 'rejected' : closed === null ? 'received' : 'resolved',
      opened,
      closed,
      ['sampah', 'banjir', 'jalan_rusak'][i % 3]!,
      kel[(i * 13) % kel.length]!,
    ]);
  }
  for (const [id, status, o, c, cat, reg] of rows)
    await pool.query(
      `INSERT INTO event (kind, id, status, opened_at, closed_at, category, region_code, time)
       VALUES ('complaint', $1, $2, to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), $5, $6, to_timestamp($3 / 1000.0))`,
      [id, status, o, c, cat, reg],
    );
  // incidents of the week, one refused
  for (let i = 0; i < 6; i++)
    await pool.query(
      `INSERT INTO incident (source_type, title, severity, handling_opd, status, target_at, created_by, created_at, updated_at, closed_at)
       VALUES ('manual', $1, 'siaga', $2, $3, to_timestamp($4 / 1000.0), 'test', to_timestamp($5 / 1000.0), to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0))`,
      [
        `Insiden ${i}`,
        i % 2 ? 'BPBD' : 'DLH',
        i === 0 ? 'ditolak' : i < 4 ? 'selesai' : 'baru',
        RANGE.start + i * DAY + 4 * H,
        RANGE.start + i * DAY,
        i < 4 ? RANGE.start + i * DAY + (i + 1) * 2 * H : null,
      ],
    );
  // alerts of the week: readings at Awas (the alert opens at the reading's time)
  const bpbd = await server.key('BPBD');
  for (let i = 0; i < 3; i++) {
    now = RANGE.start + (i + 1) * DAY;
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: `PA-BR-${i}`, time: now, value: 290 }] }, bpbd)).status,
    ).toBe(202);
  }
  await waitFor('three alerts', async () => ((await pool.query(`SELECT count(*)::int AS n FROM alert`)).rows[0].n >= 3 ? true : null));
  // projects: two registered, one behind its plan
  const registry = (await simulatorProjectRegistry({ seed: 3 })).slice(0, 2);
  const dpupr = await server.key('DPUPR');
  now = RANGE.end - H;
  expect((await server.post('/api/v1/projects', { projects: registry }, dpupr)).status).toBe(202);
  const pts = registry.flatMap((p, i) => [
    { metric: 'project_progress', entity: p.id, time: now - H, value: i === 0 ? 20 : 50 },
    { metric: 'project_progress_plan', entity: p.id, time: now - H, value: 55 },
    { metric: 'project_budget_absorbed', entity: p.id, time: now - H, value: 1_000_000 * (i + 1) },
  ]);
  expect((await server.post('/api/v1/ingest', { points: pts }, dpupr)).status).toBe(202);
  now = MONDAY_0700_WIB - 500;
});
afterAll(async () => server?.close());

describe('the weekly briefing', () => {
  it('the leader’s schedule makes the briefing of the week just ended at Monday 07:00 WIB, once', async () => {
    now = MONDAY_0700_WIB - 500;
    const stop = server.app.briefings.startSchedule(parseCron('0 7 * * 1'));
    try {
      now = MONDAY_0700_WIB; // the timer fires after 500 ms of real time; by then the clock says it is time
      await waitFor('the scheduled briefing', async () => ((await server.app.briefings.list(5)).length ? true : null), 30_000);
    } finally {
      stop();
    }
    const list = await server.app.briefings.list(5);
    expect(list).toMatchObject([
      { week: WEEK, periodStart: RANGE.start, periodEnd: RANGE.end, generatedBy: 'system:briefing', generatedAt: MONDAY_0700_WIB },
    ]);
    // a second scheduled run (another leader after a hand-over) leaves the archived week alone
    expect(await server.app.briefings.generate({ actor: 'system:briefing', ifMissing: true })).toEqual({ kind: 'exists', week: WEEK });
  }, 90_000);

  it('the PDF parses and has pages; the page carries the same figures as the JSON', async () => {
    const pdf = await getRaw(`/api/v1/briefings/${WEEK}/briefing.pdf`, operator);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    const doc = await PDFDocument.load(pdf.bytes);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(2);
    expect(doc.getTitle()).toContain(WEEK);
    // the font is embedded (Noto Sans), not a standard PDF font
    expect(pdf.bytes.toString('latin1')).toMatch(/\/FontName \/[A-Z]{6}\+NotoSans/);

    const figures = (await server.get(`/api/v1/briefings/${WEEK}/figures.json`, operator)).body as BriefingFigures;
    const html = await getRaw(`/api/v1/briefings/${WEEK}/briefing.html`, operator);
    expect(html.type).toMatch(/^text\/html/);
    const page = html.bytes.toString('utf8');
    const embedded = JSON.parse(/<script type="application\/json" id="figures">(.*?)<\/script>/s.exec(page)![1]!);
    expect(embedded).toEqual(figures);
    expect(page).toContain('Laporan Mingguan Kepala Daerah');
    expect((page.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3);
    for (const r of figures.ranking) expect(page).toContain(r.name);
  });

  it('its figures equal the API answers: ranking, complaints per kecamatan, incidents, projects', async () => {
    const figures = (await server.get(`/api/v1/briefings/${WEEK}/figures.json`, operator)).body as BriefingFigures;
    expect(figures.asOf).toBe(RANGE.end);
    // the scorecard ranking as the API answers at the same moment
    now = RANGE.end;
    const ranking = (await server.get('/api/v1/scorecard/ranking', operator)).body;
    expect(figures.ranking).toEqual(ranking.opds);
    expect(figures.ranking.some((r) => r.serviceShare30d !== null)).toBe(true);

    // complaints per kecamatan from the stats API (kelurahan summed to their parent)
    const parent = new Map(
      (await server.storage.pool.query<{ code: string; parent: string }>(`SELECT code, parent_code AS parent FROM region`)).rows.map((r) => [
        r.code,
        r.parent,
      ]),
    );
    const perKec = async (from: number, to: number) => {
      const q = `kind=complaint&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&bucket=1d`;
      const stats = await server.get(`/api/v1/events/stats?${q}`, operator);
      expect(stats.status).toBe(200);
      const m = new Map<string, number>();
      for (const r of stats.body.byRegion as { region: string; received: number }[])
        m.set(parent.get(r.region)!, (m.get(parent.get(r.region)!) ?? 0) + r.received);
      return m;
    };
    const cur = await perKec(RANGE.start, RANGE.end);
    const prev = await perKec(RANGE.start - 7 * DAY, RANGE.start);
    expect(cur.size).toBeGreaterThan(1);
    expect(new Map(figures.complaints.byKecamatan.filter((k) => k.received > 0).map((k) => [k.code, k.received]))).toEqual(cur);
    expect(new Map(figures.complaints.byKecamatan.filter((k) => k.previous > 0).map((k) => [k.code, k.previous]))).toEqual(prev);
    expect(figures.complaints.received).toBe([...cur.values()].reduce((a, b) => a + b, 0));
    expect(figures.complaints.byDay.reduce((s, d) => s + d.received, 0)).toBe(figures.complaints.received);

    // incidents and alerts of the week
    expect(figures.incidents).toMatchObject({ opened: 6, closed: 4, openNow: 2 });
    expect(figures.alerts.total).toBe(3);
    expect(figures.alerts.byLevel.awas).toBe(3);

    // late projects and absorption as the public projects view
    const projects = (await server.get('/api/public/v1/projects')).body.projects as { id: string; late: boolean; budgetAbsorbed: number | null }[];
    expect(figures.projects.late.map((p) => p.id).sort()).toEqual(
      projects
        .filter((p) => p.late)
        .map((p) => p.id)
        .sort(),
    );
    expect(figures.projects.late).toHaveLength(1);
    expect(figures.projects.budgetAbsorbed).toBe(projects.reduce((s, p) => s + (p.budgetAbsorbed ?? 0), 0));
    now = MONDAY_0700_WIB;
  });

  it('the command center reads the archive; an OPD and the public do not; reads are audited', async () => {
    const list = await server.get('/api/v1/briefings', operator);
    expect(list.status).toBe(200);
    expect(list.body.briefings.map((b: { week: string }) => b.week)).toEqual([WEEK]);
    expect((await server.get('/api/v1/briefings', await server.token('admin'))).status).toBe(200);
    expect((await server.get('/api/v1/briefings', await server.token('agency', 'DLH'))).status).toBe(403);
    expect((await getRaw(`/api/v1/briefings/${WEEK}/briefing.pdf`, await server.token('agency', 'DLH'))).status).toBe(403);
    expect((await getRaw(`/api/v1/briefings/${WEEK}/briefing.pdf`)).status).toBe(401);
    expect((await server.get('/api/v1/briefings/2026-W99/figures.json', operator)).status).toBe(404);
    expect((await server.get('/api/v1/briefings/minggu-ini/figures.json', operator)).status).toBe(400);
    const audit = (await readAudit(server.storage.pool, { limit: 10_000 })).filter((e) => e.target === `briefing:${WEEK}`);
    expect(audit.map((e) => e.action)).toContain('briefing.generated');
    expect(audit.filter((e) => e.action === 'briefing.read').length).toBeGreaterThanOrEqual(3);
  });

  it('the link went to the notification routes, once per route', async () => {
    const { rows } = await server.storage.pool.query<{ address: string; body: string }>(
      `SELECT address, body FROM notification_outbox WHERE dedupe_key LIKE 'briefing:${WEEK}%' ORDER BY address`,
    );
    expect(rows.map((r) => r.address)).toEqual(['kadis@dlh.example.go.id', 'sekda@example.go.id']);
    for (const r of rows) expect(r.body).toContain(`/agency#laporan/${WEEK}`);
  });

  it('`admin briefing generate --week` remakes a week as a process; a bad week is refused', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${(await server.storage.pool.query('SELECT current_database() AS d')).rows[0].d}`;
    const env = { ...process.env, DATABASE_URL: u.toString(), LOG_LEVEL: 'warn', NOTIFY_LINK_BASE: 'https://sinergi.example.go.id' };
    const bad = await exec(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'briefing', 'generate', '--week', '2026-49'], {
      cwd: ROOT,
      env,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/not an ISO week/);
    const ok = await exec(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'briefing', 'generate', '--week', WEEK], { cwd: ROOT, env });
    expect(ok.stdout).toMatch(new RegExp(`^briefing ${WEEK} generated in \\d+\\.\\d\\d s`));
    const list = await server.app.briefings.list(5);
    expect(list).toHaveLength(1);
    expect(list[0]!.generatedBy).toMatch(/^cli:/);
  }, 60_000);
});
