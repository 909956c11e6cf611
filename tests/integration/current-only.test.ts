/**
 * Issue 13 item 1, the history of `complaints_open`: its change over a bucket is received − closed, which pins
 * counts the joint suppression hides. The catalog marks it `publicHistory: false` (migration 055), and then no
 * anonymous door gives more than its current value — the /public socket (snapshot, deltas, catch-up), anonymous
 * GET /api/v1/series at every bucket, the open-data files and CKAN — while signed-in roles keep the history.
 * The flag is the catalog's, not the metric's name: set on another metric, it does the same there.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(10_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

describe.each(backends)('current-only metrics for anonymous callers (%s)', (_name, adminUrl) => {
  let server: TestServer;
  let key: string;
  let operator: string;
  const now = Date.now();
  // two days of the open count every 10 minutes, then the current one
  const history = Array.from({ length: 288 }, (_, i) => ({ t: now - 48 * HOUR + i * 10 * MIN, v: 20 + (i % 7) }));
  const current = { t: now - 20_000, v: 33 };

  beforeAll(async () => {
    server = await startTestServer(adminUrl, { publicCacheMs: 0 });
    key = await server.key('DISKOMINFO');
    operator = await server.token('operator');
    const points = [...history, current].map((p) => ({ metric: 'complaints_open', entity: 'kota', time: p.t, value: p.v }));
    expect((await server.post('/api/v1/ingest', { points }, key)).status).toBe(202);
    // a control: water level keeps its public history
    const bpbd = await server.key('BPBD');
    const water = Array.from({ length: 30 }, (_, i) => ({ metric: 'water_level', entity: 'CO-1', time: now - 30 * MIN + i * MIN, value: 100 + i }));
    expect((await server.post('/api/v1/ingest', { points: water }, bpbd)).status).toBe(202);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the catalog says so: publicHistory false for complaints_open, visible to callers', async () => {
    const cat = await server.get('/api/v1/catalog');
    const m = cat.body.metrics.find((x: { code: string }) => x.code === 'complaints_open');
    expect(m.publicHistory).toBe(false);
    expect(cat.body.metrics.find((x: { code: string }) => x.code === 'water_level').publicHistory).toBe(true);
  });

  it('anonymous GET /api/v1/series: the latest reading, no bucket at any level; an operator gets the history', async () => {
    for (const [bucket, from] of [
      ['raw', now - 5 * HOUR],
      ['1m', now - 2 * 24 * HOUR],
      ['1h', now - 3 * 24 * HOUR],
      ['1d', now - 30 * 24 * HOUR],
      ['auto', now - 3 * 24 * HOUR],
    ] as const) {
      const path = `/api/v1/series?metric=complaints_open&from=${iso(from)}&to=${iso(now + MIN)}&bucket=${bucket}`;
      const anon = await server.get(path);
      expect(anon.status, `${bucket} ${JSON.stringify(anon.body)}`).toBe(200);
      expect(anon.body.currentOnly).toBe(true);
      expect(anon.body.series).toHaveLength(1);
      expect(anon.body.series[0].buckets, bucket).toEqual([]);
      expect(anon.body.series[0].latest).toMatchObject({ t: current.t, v: current.v });
      const op = await server.get(path, operator);
      expect(op.status).toBe(200);
      expect(op.body.currentOnly).toBeUndefined();
      expect(op.body.series[0].buckets.length, `operator ${bucket}`).toBeGreaterThan(1);
    }
    // the control keeps its history for everyone
    const water = await server.get(`/api/v1/series?metric=water_level&from=${iso(now - HOUR)}&to=${iso(now + MIN)}&bucket=1m`);
    expect(water.body.series[0].buckets.length).toBeGreaterThan(10);
  });

  it('/public socket: the snapshot holds the latest reading only, and deltas only the newest current reading', async () => {
    const pub = server.socket('/public');
    const live = server.socket('/live', operator);
    await Promise.all([connected(pub), connected(live)]);
    const got: { pub: PointsAppended[]; live: PointsAppended[] } = { pub: [], live: [] };
    pub.on('points:appended', (m) => m.metric === 'complaints_open' && got.pub.push(m));
    live.on('points:appended', (m) => m.metric === 'complaints_open' && got.live.push(m));
    const snap = await ask<Snapshot>(pub, 'series:subscribe', { metrics: ['complaints_open', 'water_level'], historyMinutes: 1440 });
    expect(snap.ok).toBe(true);
    if (!snap.ok) return;
    const open = snap.data.metrics.find((m) => m.metric.code === 'complaints_open')!;
    expect(open.series[0]!.history).toEqual([]);
    expect(open.series[0]!.latest).toEqual({ t: current.t, v: current.v });
    expect(snap.data.metrics.find((m) => m.metric.code === 'water_level')!.series[0]!.history.length).toBeGreaterThan(10);
    const opSnap = await ask<Snapshot>(live, 'series:subscribe', { metrics: ['complaints_open'], historyMinutes: 1440 });
    expect(opSnap.ok && opSnap.data.metrics[0]!.series[0]!.history.length).toBeGreaterThan(100);

    // a late backlog (three hours of readings, four to one hour old, in one batch) and a new current reading
    const backlog = Array.from({ length: 18 }, (_, i) => ({
      metric: 'complaints_open',
      entity: 'kota',
      time: now - 4 * HOUR + i * 10 * MIN + 1,
      value: 40 + i,
    }));
    const fresh = { metric: 'complaints_open', entity: 'kota', time: Date.now() - 1_000, value: 35 };
    expect((await server.post('/api/v1/ingest', { points: [...backlog, fresh] }, key)).status).toBe(202);
    await waitFor('operator delta', () => got.live.length > 0 && got.pub.length > 0);
    expect(got.live.flatMap((m) => m.points)).toHaveLength(19);
    expect(got.pub.flatMap((m) => m.points).map((p) => [p.t, p.v])).toEqual([[fresh.time, fresh.value]]);
    // only backlog: nothing to send a citizen; the next message stands for it (`prev`), the operator gets both
    const seqBefore = got.pub.at(-1)!.seq;
    const liveBefore = got.live.length;
    expect((await server.post('/api/v1/ingest', { points: backlog.map((p) => ({ ...p, time: p.time + 2 })) }, key)).status).toBe(202);
    const next = { ...fresh, time: Date.now() - 500 }; // the same count, later (the next test reads 35)
    expect((await server.post('/api/v1/ingest', { points: [next] }, key)).status).toBe(202);
    await waitFor('second public delta', () => got.pub.some((m) => m.seq > seqBefore));
    await waitFor('operator deltas', () => got.live.length >= liveBefore + 2);
    const after = got.pub.filter((m) => m.seq > seqBefore);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ seq: seqBefore + 2, prev: seqBefore });
    expect(after[0]!.points.map((p) => [p.t, p.v])).toEqual([[next.time, next.value]]);
  });

  it('open data and CKAN: the latest view only; the hourly view does not exist', async () => {
    const list = await server.get('/api/public/v1/datasets');
    expect(list.status).toBe(200);
    const datasets = list.body.datasets as { id: string; resources: { view: string }[] }[];
    const ds = datasets.find((d) => JSON.stringify(d).includes('complaints_open'))!;
    expect(ds, 'a dataset of complaints_open').toBeDefined();
    expect(ds.resources.map((r) => r.view)).toEqual(['latest']);
    const hourly = await server.get(`/api/public/v1/datasets/${ds.id}/data.csv?view=hourly`);
    expect(hourly.status).toBe(400);
    const latest = await server.get(`/api/public/v1/datasets/${ds.id}/data.json`);
    expect(latest.status).toBe(200);
    expect(latest.body.data).toHaveLength(1);
    expect(latest.body.data[0].value).toBe(35);
    const pkg = await server.get(`/api/3/action/package_show?id=${ds.id}`);
    expect(pkg.status).toBe(200);
    expect(pkg.body.result.resources.map((r: { id: string }) => r.id)).toEqual([`${ds.id}.latest.csv`, `${ds.id}.latest.json`]);
    const search = await server.get(`/api/3/action/datastore_search?resource_id=${ds.id}.hourly`);
    expect(search.body.success).toBe(false);
    const rows = await server.get(`/api/3/action/datastore_search?resource_id=${ds.id}.latest`);
    expect(rows.body.result.records.map((r: { value: number }) => r.value)).toEqual([35]);
    // the control still has its hourly view
    const water = datasets.find((d) => JSON.stringify(d).includes('water_level'))!;
    expect(water.resources.map((r) => r.view)).toEqual(['hourly', 'latest']);
  });

  it('is the catalog flag, not the name: set on water_level, its public history goes too (and comes back)', async () => {
    await server.storage.pool.query(`UPDATE metric SET public_history = false WHERE code = 'water_level'`);
    await server.app.catalog.reload();
    try {
      const anon = await server.get(`/api/v1/series?metric=water_level&from=${iso(now - HOUR)}&to=${iso(now + MIN)}&bucket=1m`);
      expect(anon.body.currentOnly, JSON.stringify(anon.body).slice(0, 300)).toBe(true);
      expect(anon.body.series[0].buckets).toEqual([]);
      const pub = server.socket('/public');
      await connected(pub);
      const snap = await ask<Snapshot>(pub, 'series:subscribe', { metrics: ['water_level'], historyMinutes: 60 });
      expect(snap.ok && snap.data.metrics[0]!.series[0]!.history).toEqual([]);
      const op = await server.get(`/api/v1/series?metric=water_level&from=${iso(now - HOUR)}&to=${iso(now + MIN)}&bucket=1m`, operator);
      expect(op.body.series[0].buckets.length).toBeGreaterThan(10);
    } finally {
      await server.storage.pool.query(`UPDATE metric SET public_history = true WHERE code = 'water_level'`);
      await server.app.catalog.reload();
    }
    const back = await server.get(`/api/v1/series?metric=water_level&from=${iso(now - HOUR)}&to=${iso(now + MIN)}&bucket=1m`);
    expect(back.body.series[0].buckets.length).toBeGreaterThan(10);
  });
});
