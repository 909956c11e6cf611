/**
 * The wall's rewind on the real server and database (every backend): GET /api/v1/replay answers one frame of a
 * scene at a moment of the past 24 hours — each series' reading at that moment and the hour before it, the
 * complaints open then with the status they had, the alerts open then — authorised like the live data,
 * validated, bounded to 24 hours, and described in the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ReplayFrame } from '../../shared/replay';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));
const H = 3_600_000;

describe.each(backends)('rewind on %s', (_name, adminUrl) => {
  let server: TestServer;
  let operator: string;
  const t0 = Date.now();

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    operator = await server.token('operator');
    const bpbd = await server.key('BPBD');
    const diskominfo = await server.key('DISKOMINFO');
    // a gauge rises to Awas three hours ago and falls back an hour later
    const reading = (minutesAgo: number, value: number) => ({
      metric: 'water_level',
      entity: 'PA-UJI-REPLAY',
      time: t0 - minutesAgo * 60_000,
      value,
    });
    for (const p of [reading(240, 100), reading(180, 120), reading(179, 262), reading(150, 270), reading(120, 90), reading(60, 95)]) {
      expect((await server.post('/api/v1/ingest', { points: [p] }, bpbd)).status).toBe(202);
    }
    // a complaint received five hours ago, verified four hours ago, resolved two hours ago
    const complaint = (hoursAgo: number, status: string) => ({
      kind: 'complaint',
      id: 'LPR-UJI-REPLAY',
      status,
      time: t0 - hoursAgo * H,
      category: 'sampah',
      lon: 110.41,
      lat: -6.98,
    });
    for (const e of [complaint(5, 'received'), complaint(4, 'verified'), complaint(2, 'resolved')]) {
      expect((await server.post('/api/v1/events', { events: [e] }, diskominfo)).status).toBe(202);
    }
    await waitFor('the alert cleared', async () =>
      ((await server.get('/api/v1/alerts', operator)).body.alerts as { clearedAt: number | null }[]).find((a) => a.clearedAt !== null),
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  const frame = async (scene: string, at: number, token = operator) => server.get(`/api/v1/replay?scene=${scene}&at=${at}`, token);

  it('shows a gauge as it stood at the moment: the reading then, the hour before it, the alert open then', async () => {
    const r = await frame('floods', t0 - 160 * 60_000);
    expect(r.status).toBe(200);
    const f = r.body as ReplayFrame;
    expect(f.scene).toBe('floods');
    const water = f.metrics.find((m) => m.metric.code === 'water_level')!;
    const gauge = water.series.find((s) => s.entity === 'PA-UJI-REPLAY')!;
    expect(gauge.latest).toEqual({ t: t0 - 179 * 60_000, v: 262 });
    // the hour before: the 1-minute buckets of 100 … 262, none after the moment
    expect(gauge.history.map((b) => b.last)).toEqual([120, 262]);
    expect(Math.max(...gauge.history.map((b) => b.t))).toBeLessThan(t0 - 160 * 60_000);
    const alert = f.alerts.find((a) => a.entity === 'PA-UJI-REPLAY');
    expect(alert).toMatchObject({ level: 'awas', lastValue: 262, clearedAt: null });

    // an hour and a half later the gauge had fallen and the alert had cleared
    const later = (await frame('floods', t0 - 90 * 60_000)).body as ReplayFrame;
    expect(later.metrics.find((m) => m.metric.code === 'water_level')!.series.find((s) => s.entity === 'PA-UJI-REPLAY')!.latest?.v).toBe(90);
    expect(later.alerts.find((a) => a.entity === 'PA-UJI-REPLAY')).toBeUndefined();
  });

  it('shows the complaints open at the moment with the status they had then', async () => {
    const kindOf = (f: ReplayFrame) => f.events.find((k) => k.kind.code === 'complaint')!;
    const early = (await frame('complaints', t0 - 4.5 * H)).body as ReplayFrame;
    expect(kindOf(early).open.find((e) => e.id === 'LPR-UJI-REPLAY')).toMatchObject({ status: 'received', t: t0 - 5 * H });
    const mid = (await frame('complaints', t0 - 3 * H)).body as ReplayFrame;
    expect(kindOf(mid).open.find((e) => e.id === 'LPR-UJI-REPLAY')?.status).toBe('verified');
    expect(kindOf(mid).countsByStatus.verified).toBeGreaterThanOrEqual(1);
    const after = (await frame('complaints', t0 - 1 * H)).body as ReplayFrame;
    expect(kindOf(after).open.find((e) => e.id === 'LPR-UJI-REPLAY')).toBeUndefined();
    expect(kindOf(after).countsByStatus.resolved).toBeGreaterThanOrEqual(1);
    // before it was received it does not exist
    const before = (await frame('complaints', t0 - 6 * H)).body as ReplayFrame;
    expect(kindOf(before).open.find((e) => e.id === 'LPR-UJI-REPLAY')).toBeUndefined();
  });

  it('is authorised, validated and bounded to the past 24 hours', async () => {
    expect((await server.get(`/api/v1/replay?scene=floods&at=${t0 - H}`)).status).toBe(401);
    expect((await frame('floods', t0 - 25 * H)).status).toBe(400);
    expect((await frame('floods', Date.now() + 10 * 60_000)).status).toBe(400);
    expect((await server.get(`/api/v1/replay?scene=floods&at=kemarin`, operator)).status).toBe(400);
    expect((await server.get(`/api/v1/replay?scene=Bad%20Id&at=${t0 - H}`, operator)).status).toBe(400);
    const unknown = await frame('banjir', t0 - H);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/known: overview, floods/);
    // an agency sees what it may read live: its own metrics, the others named as forbidden
    const dlh = await frame('floods', t0 - H, await server.token('agency', 'DLH'));
    expect(dlh.status).toBe(200);
    const visible = (dlh.body as ReplayFrame).metrics.map((m) => m.metric.code);
    for (const code of (dlh.body as ReplayFrame).forbidden) expect(visible).not.toContain(code);
    expect((await server.get('/api/v1/openapi.json')).body.paths['/api/v1/replay']).toBeDefined();
  });
});
