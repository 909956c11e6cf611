/**
 * The wall's rewind on the real server and database (every backend): GET /api/v1/replay answers one frame of a
 * scene at a moment of the past 24 hours — each series' reading at that moment and the hour before it, the
 * complaints of then counted with the status they had (per status; the open ones per category, kelurahan and
 * hexagon of the wall's layer, the same hexagons the client computes), the alerts open then — authorised like the
 * live data (a rahasia project's complaints are not counted for an operator), validated, bounded to 24 hours, and
 * described in the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ReplayFrame } from '../../shared/replay';
import { hexCentre, hexLattice, hexOf } from '../../shared/hexbin';
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

  it('counts the complaints of the moment with the status they had then, without sending them', async () => {
    const counts = (f: ReplayFrame) => ({
      status: f.events.find((k) => k.kind.code === 'complaint')!.countsByStatus,
      agg: f.aggregates.find((a) => a.kind === 'complaint')!,
      open: f.events.find((k) => k.kind.code === 'complaint')!.open,
    });
    const early = counts((await frame('complaints', t0 - 4.5 * H)).body as ReplayFrame);
    expect(early.open).toEqual([]);
    expect(early.status).toEqual({ received: 1 });
    expect(early.agg).toMatchObject({ located: 1, byCategory: { sampah: 1 }, hexes: [expect.any(Number), expect.any(Number), 1] });
    const mid = counts((await frame('complaints', t0 - 3 * H)).body as ReplayFrame);
    expect(mid.status).toEqual({ verified: 1 });
    expect(mid.agg.located).toBe(1);
    const after = counts((await frame('complaints', t0 - 1.5 * H)).body as ReplayFrame);
    expect(after.status).toEqual({ resolved: 1 });
    expect(after.agg).toMatchObject({ located: 0, hexes: [], byCategory: {} });
    // before it was received it does not exist
    const before = counts((await frame('complaints', t0 - 6 * H)).body as ReplayFrame);
    expect(before.status).toEqual({});
    expect(before.agg.located).toBe(0);
  });

  it("counts per hexagon in SQL exactly as the wall's lattice bins them, and leaves out a rahasia project's complaints", async () => {
    const diskominfo = await server.key('DISKOMINFO');
    const dpupr = await server.key('DPUPR');
    const secret = 'PRJ-UJI-REPLAY-RHS';
    const reg = await server.post(
      '/api/v1/projects',
      {
        projects: [
          {
            id: secret,
            name: 'Paket rahasia',
            opd: 'DPUPR',
            region: '33.74.01.1001',
            lon: 110.42,
            lat: -6.99,
            contractValue: 1_000_000_000,
            budget: 1_000_000_000,
            contractStart: '2026-01-05',
            contractEnd: '2026-12-20',
            class: 'rahasia',
          },
        ],
      },
      dpupr,
    );
    expect(reg.status).toBe(202);
    let seed = 11;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const cats = ['sampah', 'banjir', 'jalan_rusak'];
    const points = Array.from({ length: 400 }, (_, i) => ({
      kind: 'complaint',
      id: `LPR-UJI-HEX-${i}`,
      status: 'received',
      time: t0 - 50 * 60_000,
      category: i % 10 === 0 ? undefined : cats[i % 3],
      region: i % 2 ? '33.74.01.1001' : undefined,
      lon: 110.3 + rnd() * 0.2,
      lat: -7.1 + rnd() * 0.15,
    }));
    // the rahasia project's complaints (ids `<project>-…`), which an operator may not read
    const hidden = [1, 2, 3].map((k) => ({
      kind: 'complaint',
      id: `${secret}-${k}`,
      status: 'received',
      time: t0 - 50 * 60_000,
      lon: 110.42,
      lat: -6.99,
    }));
    expect((await server.post('/api/v1/events', { events: [...points, ...hidden] }, diskominfo)).status).toBe(202);

    const f = (await frame('complaints', t0 - 40 * 60_000)).body as ReplayFrame;
    const agg = f.aggregates.find((a) => a.kind === 'complaint')!;
    expect(agg.located).toBe(400);
    expect(f.events.find((k) => k.kind.code === 'complaint')!.countsByStatus).toEqual({ received: 400, resolved: 1 });
    expect(agg.byCategory).toEqual({ '': 40, sampah: 120, banjir: 120, jalan_rusak: 120 });
    expect(agg.byRegion).toEqual({ '33.74.01.1001': 200 });
    // the JavaScript lattice (the wall's) bins every complaint into the hexagon SQL counted it in
    const lattice = hexLattice(agg.anchor, agg.radiusM);
    const expected = new Map<string, number>();
    for (const p of points) {
      const [lon, lat] = hexCentre(lattice, ...hexOf(lattice, p.lon, p.lat));
      const key = `${lon.toFixed(6)},${lat.toFixed(6)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const got = new Map<string, number>();
    for (let i = 0; i < agg.hexes.length; i += 3) got.set(`${agg.hexes[i]!.toFixed(6)},${agg.hexes[i + 1]!.toFixed(6)}`, agg.hexes[i + 2]!);
    expect(got).toEqual(expected);
    // each centre falls in its own hexagon on the client
    for (let i = 0; i < agg.hexes.length; i += 3) {
      const [hi, hj] = hexOf(lattice, agg.hexes[i]!, agg.hexes[i + 1]!);
      expect(hexCentre(lattice, hi, hj).map((x) => x.toFixed(6))).toEqual([agg.hexes[i]!.toFixed(6), agg.hexes[i + 1]!.toFixed(6)]);
    }
    // the anchor is the city's bounding-box centre, as on the live wall
    const regions = (await server.get('/api/public/v1/regions')).body as { city: { bbox: [number, number, number, number] } };
    expect(agg.anchor).toEqual([(regions.city.bbox[0] + regions.city.bbox[2]) / 2, (regions.city.bbox[1] + regions.city.bbox[3]) / 2]);
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
