/**
 * Escalation and the alerts time raises, on a fake clock (issue 16): the watcher's rounds are driven by hand
 * (`app.watcher.tick()`), the server's clock is moved between them. An Awas alert escalates at exactly 10 and
 * 30 minutes and never after acknowledgement; an incident past its target escalates; a silent feed opens a
 * "data terlambat" alert and clears when data returns; a complaint past its SLA opens an overdue alert to its
 * handler OPD and clears when it closes. Each step is audited, queued to the right routes and streamed live.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WireAlert } from '../../shared/alerts';
import type { IncidentsChanged } from '../../shared/incidents';
import { readAudit } from '../../db/queries/audit';
import { overdueComplaints } from '../../server/incidents/repository';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const MIN = 60_000;

let server: TestServer;
let now = Date.now();
const T0 = now;
const at = async (t: number) => {
  now = t;
  expect(await server.app.watcher.tick()).toBe(true);
};
const audit = async (target: string) => (await readAudit(server.storage.pool, { limit: 100_000 })).filter((e) => e.target === target);
const outbox = async (like: string) =>
  (
    await server.storage.pool.query<{ address: string; dedupe_key: string; severity: string; available_at: Date }>(
      `SELECT address, dedupe_key, severity, available_at FROM notification_outbox WHERE dedupe_key LIKE $1 ORDER BY id`,
      [like],
    )
  ).rows;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { streamTickMs: 50, clock: () => now, watchSubjectsPerRound: 2 });
  await server.storage.pool.query(
    `INSERT INTO notification_route (opd_code, role, channel, address) VALUES
       ('BPBD', 'head', 'email', 'kalak@bpbd.example.go.id'),
       ('BPBD', 'officer', 'email', 'regu@bpbd.example.go.id'),
       (NULL, 'supervisor', 'email', 'supervisor@cc.example.go.id'),
       (NULL, 'sekda', 'email', 'sekda@example.go.id'),
       ('DISHUB', 'any', 'webhook', 'http://127.0.0.1:9/dishub')`,
  );
});
afterAll(async () => server?.close());

describe('escalation on a fake clock', () => {
  it('an Awas alert escalates at exactly 10 and 30 minutes, reminds every 15, and stops once acknowledged', async () => {
    const operator = await server.token('operator');
    const bpbd = server.socket('/live', await server.token('agency', 'BPBD'));
    await connected(bpbd);
    const heard: IncidentsChanged[] = [];
    bpbd.on('incidents:changed', (m) => heard.push(m));

    await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-ESK', time: T0, value: 290 }] }, await server.key('BPBD'));
    const alert = await waitFor('the Awas alert', async () =>
      ((await server.get('/api/v1/alerts', operator)).body.alerts as WireAlert[]).find((a) => a.entity === 'PA-ESK'),
    );
    expect(alert.level).toBe('awas');
    const subject = `alert:${alert.id}`;

    await at(T0 + 10 * MIN - 1_000);
    expect(await audit(subject)).toEqual([]);
    await at(T0 + 10 * MIN);
    expect((await audit(subject)).map((e) => [e.action, e.detail.level])).toEqual([['escalation.raised', 2]]);
    // level 2: the OPD head and the command-center supervisor, not the officer, not the Sekda
    expect((await outbox(`${subject}:%`)).map((r) => r.address).sort()).toEqual(['kalak@bpbd.example.go.id', 'supervisor@cc.example.go.id']);
    await waitFor(
      'the step on the BPBD tablet',
      () => heard.some((m) => m.escalations.some((s) => s.subject === subject && s.level === 2 && s.at === T0 + 10 * MIN)),
      2_000,
    );
    // a second round at the same moment (or another process) changes nothing
    await at(T0 + 10 * MIN);
    expect(await audit(subject)).toHaveLength(1);

    await at(T0 + 25 * MIN);
    expect((await audit(subject)).map((e) => e.action)).toEqual(['escalation.raised', 'escalation.reminded']);
    await at(T0 + 30 * MIN);
    expect((await audit(subject)).map((e) => [e.action, e.detail.level])).toContainEqual(['escalation.raised', 3]);
    expect((await outbox(`${subject}:escalated:3%`)).map((r) => r.address)).toEqual(['sekda@example.go.id']);

    // acknowledged: nothing more, ever
    const acked = await fetch(`${server.url}/api/v1/alerts/${alert.id}/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ note: 'Pompa dinyalakan' }),
    });
    expect(acked.status).toBe(200);
    const before = (await audit(subject)).length;
    for (const m of [31, 45, 60, 240]) await at(T0 + m * MIN);
    expect(await audit(subject)).toHaveLength(before);
  });

  it('an incident past its target escalates, with a timeline entry and its level', async () => {
    now = T0 + 300 * MIN;
    const operator = await server.token('operator');
    const res = await fetch(`${server.url}/api/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ from: { type: 'manual', lon: 110.4, lat: -6.98 }, title: 'Tanggul retak', handlingOpd: 'BPBD', severity: 'awas' }),
    });
    const inc = (await res.json()).incident;
    expect(inc.targetAt).toBe(now + 120 * MIN);
    await at(inc.targetAt - 1_000);
    expect(await audit(`incident:${inc.id}`)).toHaveLength(1); // created
    await at(inc.targetAt);
    const detail = (await server.get(`/api/v1/incidents/${inc.id}`, operator)).body;
    expect(detail.incident.escalationLevel).toBe(2);
    expect(detail.timeline.at(-1)).toMatchObject({ kind: 'escalated', actor: 'system:watch', body: { level: 2, dueAt: inc.targetAt } });
    expect((await audit(`incident:${inc.id}`)).map((e) => e.action)).toEqual(['incident.created', 'escalation.raised']);
  });

  it('judges EVERY open incident past its target, a bounded page per round (2 here), none starved', async () => {
    const operator = await server.token('operator');
    const made: { id: number; targetAt: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/api/v1/incidents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
        body: JSON.stringify({ from: { type: 'manual', lon: 110.4, lat: -6.98 }, title: `Longsor ${i}`, handlingOpd: 'BPBD', severity: 'awas' }),
      });
      made.push((await res.json()).incident);
    }
    const raised = async () => {
      let n = 0;
      for (const m of made) if ((await audit(`incident:${m.id}`)).some((e) => e.action === 'escalation.raised')) n++;
      return n;
    };
    const due = made[0]!.targetAt;
    const counts: number[] = [];
    // six incidents are late (the one above too): three rounds of two judge them all
    for (let round = 0; round < 4; round++) {
      await at(due + round);
      counts.push(await raised());
    }
    for (let i = 1; i < counts.length; i++) expect(counts[i]! - counts[i - 1]!).toBeLessThanOrEqual(2);
    expect(counts[0]).toBeLessThanOrEqual(2);
    expect(counts.at(-1)).toBe(5);
  });
});

describe('alerts raised by time', () => {
  it('a feed silent for 3x its cadence opens "data terlambat" to its owner OPD, which clears when data returns', async () => {
    const key = await server.key('BPBD');
    const report = (lastSuccess: number) => ({
      sources: [
        {
          source: 'pintu-air',
          type: 'http-poll',
          opd: 'BPBD',
          expectedIntervalMs: 60_000,
          reportIntervalMs: 10_000,
          lastSuccess,
          lastError: null,
          lastErrorAt: null,
          recordsPerSecond: 1,
          quarantined: 0,
          spoolDepth: 0,
        },
      ],
    });
    const base = T0 + 1_000 * MIN;
    now = base;
    expect((await server.post('/api/v1/sources/health', report(base), key)).status).toBe(202);
    await at(base + MIN);
    const open = async () =>
      (await server.get('/api/v1/incidents', await server.token('agency', 'BPBD'))).body.watch as {
        kind: string;
        subject: string;
        clearedAt: number | null;
        opd: string;
      }[];
    expect((await open()).filter((w) => w.kind === 'feed_late')).toEqual([]);
    // 3 x 60 s + the 10 s report interval without data (reports keep coming)
    now = base + 3 * MIN + 10_000 + 1;
    await server.post('/api/v1/sources/health', report(base), key);
    await at(now);
    const late = (await open()).find((w) => w.kind === 'feed_late' && w.clearedAt === null);
    expect(late).toMatchObject({ subject: 'pintu-air@BPBD', opd: 'BPBD' });
    expect((await server.get('/api/v1/incidents', await server.token('agency', 'DLH'))).body.watch).toEqual([]);
    // data returns
    now += MIN;
    await server.post('/api/v1/sources/health', report(now), key);
    await at(now);
    expect((await open()).find((w) => w.kind === 'feed_late')?.clearedAt).toBe(now);
  });

  it('a complaint past its SLA opens an overdue alert to its handler OPD, which clears when it closes', async () => {
    const base = T0 + 2_000 * MIN;
    now = base;
    const key = await server.key('DISKOMINFO');
    // kemacetan: 6 h target, handled by DISHUB
    const complaint = (status: string, time: number) => ({ events: [{ kind: 'complaint', id: 'LPR-MACET', status, time, category: 'kemacetan' }] });
    expect((await server.post('/api/v1/events', complaint('received', base - 5 * 60 * MIN), key)).status).toBe(202);
    await at(base);
    const dishub = await server.token('agency', 'DISHUB');
    const watch = async () =>
      ((await server.get('/api/v1/incidents', dishub)).body.watch as { kind: string; subject: string; clearedAt: number | null }[]).filter(
        (w) => w.subject === 'complaint/LPR-MACET',
      );
    expect(await watch()).toEqual([]);
    await at(base + 60 * MIN + 1);
    expect(await watch()).toMatchObject([{ kind: 'complaint_overdue', clearedAt: null }]);
    expect(await outbox('watch:%:opened%')).toContainEqual(expect.objectContaining({ address: 'http://127.0.0.1:9/dishub', severity: 'waspada' }));
    expect((await server.post('/api/v1/events', complaint('resolved', base + 61 * MIN), key)).status).toBe(202);
    await at(base + 62 * MIN);
    expect((await watch())[0]!.clearedAt).toBe(base + 62 * MIN);
  });

  it('a page of overdue complaints leaves out those already alerted: a newer overdue complaint is never starved', async () => {
    const base = T0 + 3_000 * MIN;
    now = base;
    const key = await server.key('DISKOMINFO');
    // three kemacetan complaints (6 h target), overdue by 3, 2 and 1 hours
    const events = [3, 2, 1].map((h, i) => ({
      kind: 'complaint',
      id: `LPR-ANTRE-${i}`,
      status: 'received',
      time: base - (6 + h) * 60 * MIN,
      category: 'kemacetan',
    }));
    expect((await server.post('/api/v1/events', { events }, key)).status).toBe(202);
    const page = async () => (await overdueComplaints(server.storage.pool, now, 2)).map((c) => c.id).filter((id) => id.startsWith('LPR-ANTRE-'));
    const before = await page();
    expect(before.length).toBeGreaterThan(0);
    await at(base);
    // all three are alerted now, however small the page; a page now names none of them
    const dishub = await server.token('agency', 'DISHUB');
    const alerted = ((await server.get('/api/v1/incidents', dishub)).body.watch as { subject: string; clearedAt: number | null }[])
      .filter((w) => w.subject.startsWith('complaint/LPR-ANTRE-') && w.clearedAt === null)
      .map((w) => w.subject);
    expect(alerted.sort()).toEqual(['complaint/LPR-ANTRE-0', 'complaint/LPR-ANTRE-1', 'complaint/LPR-ANTRE-2']);
    expect(await page()).toEqual([]);
  });
});
