/**
 * The real server on port 0 against real PostgreSQL (embedded, and TEST_DATABASE_URL when set):
 * ingest → database → socket, the public/terbatas boundary, and every error status of the ingest API.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import type { Ack } from '../../shared/ack';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';
import { runStoreJobs } from '../../db/store-jobs';

const backends = Object.entries(inject('backends'));
const GATE = '33.74.02.1001'; // a kelurahan of the demo city (Semarang Utara)

async function count(server: TestServer, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await server.storage.pool.query<{ n: number }>(sql, params);
  return Number(rows[0]!.n);
}

describe.each(backends)('API on %s', (_name, adminUrl) => {
  let server: TestServer;
  let bpbd: string;
  let dishub: string;
  let dlh: string;
  const t0 = Date.now() - 10 * 60_000;

  beforeAll(async () => {
    server = await startTestServer(adminUrl, { maxBodyBytes: 256 * 1024, maxBatchItems: 2_000 });
    [bpbd, dishub, dlh] = await Promise.all([server.key('BPBD'), server.key('DISHUB'), server.key('DLH')]);
  });
  afterAll(async () => server?.close());

  it('answers health and readiness with the database dialect', async () => {
    expect((await server.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await server.get('/readyz')).body).toEqual({ status: 'ready', dialect: 'postgres' });
  });

  it('compresses API answers for whoever accepts gzip, but not the short answers of ingest POSTs', async () => {
    const gz = { 'accept-encoding': 'gzip' };
    const catalog = await fetch(`${server.url}/api/v1/catalog`, { headers: gz });
    expect(catalog.headers.get('content-encoding')).toBe('gzip');
    const ingest = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { ...gz, 'content-type': 'application/json', authorization: `Bearer ${bpbd}` },
      body: JSON.stringify({ points: [{ metric: 'rainfall', entity: 'PCH-GZ', time: new Date().toISOString(), value: 1 }] }),
    });
    expect(ingest.status).toBe(202);
    expect(ingest.headers.get('content-encoding')).toBeNull();
    expect(await ingest.json()).toMatchObject({ accepted: 1 });
  });

  it('ingests a batch, serves it bucketed, and a resend changes nothing', async () => {
    const points = Array.from({ length: 120 }, (_, i) => ({
      metric: 'water_level',
      entity: 'PA-TEST-1',
      region: GATE,
      time: new Date(t0 + i * 5_000).toISOString(),
      value: 100 + (i % 10),
      lon: 110.42,
      lat: -6.96,
    }));
    const first = await server.post('/api/v1/ingest', { points }, bpbd);
    expect(first).toEqual({ status: 202, body: { accepted: 120, written: 120 } });
    const again = await server.post('/api/v1/ingest', { points }, bpbd);
    expect(again).toEqual({ status: 202, body: { accepted: 120, written: 0 } });
    expect(await count(server, `SELECT count(*) AS n FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = 'PA-TEST-1'`)).toBe(120);

    const from = new Date(t0 - 60_000).toISOString();
    const to = new Date(t0 + 11 * 60_000).toISOString();
    const res = await server.get(`/api/v1/series?metric=water_level&from=${from}&to=${to}&bucket=1m&entity=PA-TEST-1`);
    expect(res.status).toBe(200);
    expect(res.body.bucket).toBe('1m');
    expect(res.body.bucketMs).toBe(60_000);
    const buckets = res.body.series[0].buckets as { t: number; avg: number; min: number; max: number; last: number }[];
    expect(buckets.reduce((n) => n + 1, 0)).toBeGreaterThanOrEqual(10);
    // every bucket's aggregate agrees with the raw readings that fall in it
    for (const b of buckets) {
      const inside = points.filter((p) => Date.parse(p.time) >= b.t && Date.parse(p.time) < b.t + 60_000);
      const values = inside.map((p) => p.value);
      expect(b.min).toBe(Math.min(...values));
      expect(b.max).toBe(Math.max(...values));
      expect(b.last).toBe(values.at(-1));
      expect(b.avg).toBeCloseTo(values.reduce((a, v) => a + v, 0) / values.length, 9);
    }
  });

  it('serves a late correction of settled history once the roll-ups show it (the bucket cache is told by ingest)', async () => {
    // 3 h ago to 2 h ago, one reading a minute: settled history, behind every watermark once rolled up
    const h0 = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
    const points = Array.from({ length: 60 }, (_, i) => ({
      metric: 'water_level',
      entity: 'PA-TEST-CACHE',
      region: GATE,
      time: new Date(h0 + i * 60_000 + 5_000).toISOString(),
      value: 150,
    }));
    expect((await server.post('/api/v1/ingest', { points }, bpbd)).status).toBe(202);
    await runStoreJobs(server.storage.pool, server.storage.dialect, 'refresh');
    const url = `/api/v1/series?metric=water_level&from=${new Date(h0 - 60 * 60_000).toISOString()}&to=${new Date(h0 + 60 * 60_000).toISOString()}&bucket=1m&entity=PA-TEST-CACHE`;
    const before = await server.get(url);
    expect(before.body.series[0].buckets).toHaveLength(60);
    // asked again: the same buckets, now from memory
    expect((await server.get(url)).body.series[0].buckets).toEqual(before.body.series[0].buckets);
    // the agency corrects one reading of that hour (a correction is explicit: a higher revision)
    const fix = { ...points[30]!, value: 9.5, revision: 1 };
    expect((await server.post('/api/v1/ingest', { points: [fix] }, bpbd)).body).toEqual({ accepted: 1, written: 1, corrected: 1 });
    await runStoreJobs(server.storage.pool, server.storage.dialect, 'refresh');
    const after = (await server.get(url)).body.series[0].buckets as { t: number; min: number }[];
    expect(after.find((b) => b.t === h0 + 30 * 60_000)?.min).toBe(9.5);
  });

  describe('corrections (issue 14.5): a resend keeps the first value, a higher revision replaces it', () => {
    const t = Date.now() - 10 * 60_000;
    const reading = (value: number, revision?: number, at = t) => ({
      metric: 'water_level',
      entity: 'PA-TEST-FIX',
      region: GATE,
      time: at,
      value,
      ...(revision !== undefined ? { revision } : {}),
    });
    const stored = async (at = t) =>
      (
        await server.storage.pool.query<{ v: number }>(
          `SELECT value AS v FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = 'PA-TEST-FIX' AND p.time = to_timestamp($1 / 1000.0)`,
          [at],
        )
      ).rows.map((r) => r.v);
    const ingest = async (...points: ReturnType<typeof reading>[]) => {
      const res = await server.post('/api/v1/ingest', { points }, bpbd);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body;
    };

    it('orders of arrival as a table: whatever the order, the highest revision stands; resends and older revisions are no-ops', async () => {
      // [what arrives, in order] → the value stored after each step, and the answer's counts
      const rows: [string, ReturnType<typeof reading>[], number, Record<string, number>][] = [
        ['first reading', [reading(20)], 20, { accepted: 1, written: 1 }],
        ['plain resend, other value (the late resend of issue 14.5)', [reading(10)], 20, { accepted: 1, written: 0 }],
        ['correction, revision 2', [reading(25, 2)], 25, { accepted: 1, written: 1, corrected: 1 }],
        ['late plain resend after the correction', [reading(20)], 25, { accepted: 1, written: 0 }],
        ['older correction arriving late (revision 1)', [reading(22, 1)], 25, { accepted: 1, written: 0, staleRevisions: 1 }],
        ['the same correction again', [reading(25, 2)], 25, { accepted: 1, written: 0, staleRevisions: 1 }],
        ['two revisions in one batch: the higher wins', [reading(31, 4), reading(30, 3)], 31, { accepted: 2, written: 1, corrected: 1 }],
      ];
      for (const [what, points, value, answer] of rows) {
        expect(await ingest(...points), what).toEqual(answer);
        expect(await stored(), what).toEqual([value]);
      }
      // each applied correction is recorded with the value it replaced, and audited
      const log = await server.storage.pool.query(
        `SELECT old_value AS old, new_value AS new, revision, actor FROM point_correction c JOIN series s ON s.id = c.series_id
          WHERE s.entity = 'PA-TEST-FIX' ORDER BY revision`,
      );
      expect(log.rows.map((r) => [r.old, r.new, r.revision])).toEqual([
        [20, 25, 2],
        [25, 31, 4],
      ]);
      expect(log.rows[0].actor).toMatch(/^key:\d+@BPBD$/);
      const audit = await server.storage.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'points.corrected' ORDER BY seq`);
      const details = audit.rows.map((r) => r.detail.corrections).flat();
      expect(
        details.filter((d: { entity: string }) => d.entity === 'PA-TEST-FIX').map((d: { was: number; value: number }) => [d.was, d.value]),
      ).toEqual([
        [20, 25],
        [25, 31],
      ]);
    });

    it('a correction that overtakes its reading (two batches in flight) is not undone by the reading', async () => {
      const at = t + 1_000;
      expect(await ingest(reading(40, 1, at))).toEqual({ accepted: 1, written: 1 });
      expect(await ingest(reading(35, undefined, at))).toEqual({ accepted: 1, written: 0 });
      expect(await stored(at)).toEqual([40]);
    });

    it('refuses a revision that is not a non-negative 32-bit integer, writing nothing', async () => {
      for (const revision of [-1, 1.5, 2 ** 31, '2'])
        expect((await server.post('/api/v1/ingest', { points: [{ ...reading(1), revision }] }, bpbd)).status, String(revision)).toBe(400);
      expect(await stored()).toEqual([31]);
    });

    it('streams a correction to live clients as a replacement (the reading with the value it replaces)', async () => {
      const token = await server.token('operator');
      const s = server.socket('/live', token);
      await connected(s);
      const all: PointsAppended[] = [];
      s.on('points:appended', (m) => all.push(m));
      const ack = (await s.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['water_level'], historyMinutes: 30 })) as Ack<Snapshot>;
      expect(ack.ok).toBe(true);
      await ingest(reading(33, 5));
      const msg = await waitFor('the correction', () => all.flatMap((m) => m.points).find((p) => p.v === 33));
      expect(msg).toMatchObject({ t, v: 33, was: 31 });
      s.disconnect();
    });
  });

  it('streams an ingested batch to a /live subscriber after its snapshot, with the next sequence number', async () => {
    const token = await server.token('operator');
    const s = server.socket('/live', token);
    await connected(s);
    // listen before subscribing, as a client must: catch-up deltas follow the ack immediately
    const all: PointsAppended[] = [];
    s.on('points:appended', (m) => all.push(m));
    const ack = (await s.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['water_level'], historyMinutes: 30 })) as Ack<Snapshot>;
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    const snap = ack.data.metrics[0]!;
    expect(snap.metric.code).toBe('water_level');
    const known = snap.series.find((x) => x.entity === 'PA-TEST-1');
    expect(known?.latest?.v).toBe(109);
    expect(known?.history.length).toBeGreaterThan(0);

    const now = Date.now();
    const res = await server.post(
      '/api/v1/ingest',
      { points: [{ metric: 'water_level', entity: 'PA-TEST-2', region: GATE, time: now, value: 231.5 }] },
      bpbd,
    );
    expect(res.status).toBe(202);
    const msg = await waitFor('points:appended', () => all.find((m) => m.points.some((p) => p.v === 231.5)));
    const received = all.filter((m) => m.seq > snap.seq);
    expect(msg.metric).toBe('water_level');
    // deltas continue the snapshot without a gap (messages in flight during the snapshot are replayed first)
    expect(received.map((m) => m.seq)).toEqual(received.map((_, i) => snap.seq + 1 + i));
    expect(msg.seq).toBeGreaterThan(snap.seq);
    expect(msg.series.map((x) => x.entity)).toContain('PA-TEST-2');
    expect(msg.points.find((p) => p.v === 231.5)).toMatchObject({ t: now, v: 231.5 });
  });

  it('never lets terbatas data reach /public, and refuses /live without a valid token', async () => {
    const pub = server.socket('/public');
    await connected(pub);
    const denied = (await pub.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['truck_load'] })) as Ack<Snapshot>;
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.error.code).toBe('forbidden');
    const allowed = (await pub.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['water_level'] })) as Ack<Snapshot>;
    expect(allowed.ok).toBe(true);
    const seen: string[] = [];
    pub.on('points:appended', (m) => seen.push(m.metric));

    // an operator on /live subscribed to the terbatas metric proves the message was really sent
    const live = server.socket('/live', await server.token('operator'));
    await connected(live);
    await live.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['truck_load'] });
    const liveSeen: string[] = [];
    live.on('points:appended', (m) => liveSeen.push(m.metric));

    const now = Date.now();
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'truck_load', entity: 'H-1-T', time: now, value: 3, lon: 110.4, lat: -7 }] }, dlh))
        .status,
    ).toBe(202);
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-TEST-3', time: now, value: 90 }] }, bpbd)).status,
    ).toBe(202);
    await waitFor('the publik metric on /public', () => seen.includes('water_level'));
    await waitFor('the terbatas metric on /live', () => liveSeen.includes('truck_load'));
    expect(seen).not.toContain('truck_load');

    // the catalog and the series API tell the same story over REST
    const catalog = await server.get('/api/v1/catalog');
    expect(catalog.body.metrics.map((m: { code: string }) => m.code)).not.toContain('truck_load');
    expect(catalog.body.metrics.every((m: { class: string }) => m.class === 'publik')).toBe(true);
    const range = `from=${new Date(now - 60_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
    expect((await server.get(`/api/v1/series?metric=truck_load&${range}`)).status).toBe(403);

    const noToken = server.socket('/live');
    await expect(connected(noToken)).rejects.toThrow('unauthenticated');
    const badToken = server.socket('/live', 'st_not-a-real-token');
    await expect(connected(badToken)).rejects.toThrow('unauthenticated');
  });

  it('rejects a batch with one bad record as a whole: 400 with index and path, nothing written', async () => {
    const before = await count(server, 'SELECT count(*) AS n FROM point');
    const res = await server.post(
      '/api/v1/ingest',
      {
        points: [
          { metric: 'water_level', entity: 'PA-TEST-4', time: Date.now(), value: 10 },
          { metric: 'water_level', entity: 'PA-TEST-4', time: 'yesterday', value: 'high' },
          { metric: 'water_level', entity: 'PA-TEST-4', time: Date.now() - 1000, value: 11, region: '99.99.99.9999' },
        ],
      },
      bpbd,
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/nothing was written/);
    expect(res.body.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ index: 1, path: 'time' }), expect.objectContaining({ index: 1, path: 'value' })]),
    );
    // catalog-level problems are reported the same way once the shape is right
    const unknown = await server.post(
      '/api/v1/ingest',
      {
        points: [
          { metric: 'water_level', entity: 'PA-TEST-4', time: Date.now(), value: 10, region: '99.99.99.9999' },
          { metric: 'no_such_metric', entity: 'PA-TEST-4', time: Date.now(), value: 10 },
          { metric: 'water_level', entity: 'PA-TEST-4', time: Date.now() + 3_600_000, value: 10 },
        ],
      },
      bpbd,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([
      { index: 0, path: 'region', message: "unknown region '99.99.99.9999'" },
      { index: 1, path: 'metric', message: "unknown metric 'no_such_metric'" },
      { index: 2, path: 'time', message: 'time is more than 5 minutes in the future' },
    ]);
    expect((await server.post('/api/v1/ingest', '{"points": [', bpbd)).status).toBe(400);
    expect((await server.post('/api/v1/ingest', { points: [] }, bpbd)).status).toBe(400);
    expect((await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'X', time: 1, value: Infinity }] }, bpbd)).status).toBe(
      400,
    );
    expect(await count(server, 'SELECT count(*) AS n FROM point')).toBe(before);
  });

  it('answers 401 without a valid key, including a revoked one', async () => {
    const body = { points: [{ metric: 'water_level', entity: 'PA-TEST-5', time: Date.now(), value: 1 }] };
    expect((await server.post('/api/v1/ingest', body)).status).toBe(401);
    expect((await server.post('/api/v1/ingest', body, 'sk_wrong')).status).toBe(401);
    const key = await server.key('BPBD');
    await server.storage.pool.query("UPDATE ingest_key SET revoked_at = now() WHERE key_hash = sha256(convert_to($1, 'UTF8'))", [key]);
    expect((await server.post('/api/v1/ingest', body, key)).status).toBe(401);
    expect(await count(server, `SELECT count(*) AS n FROM series WHERE entity = 'PA-TEST-5'`)).toBe(0);
  });

  it("answers 403 for another OPD's metric and writes nothing of that batch", async () => {
    const before = await count(server, 'SELECT count(*) AS n FROM point');
    const res = await server.post(
      '/api/v1/ingest',
      {
        points: [
          { metric: 'water_level', entity: 'PA-TEST-6', time: Date.now(), value: 1 },
          { metric: 'traffic_speed', entity: 'SEG-X', time: Date.now(), value: 30 },
        ],
      },
      bpbd,
    );
    expect(res.status).toBe(403);
    expect(res.body.details).toEqual([{ index: 1, path: 'metric', message: 'traffic_speed belongs to DISHUB, not to BPBD' }]);
    expect(await count(server, 'SELECT count(*) AS n FROM point')).toBe(before);
    // the right key writes it
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'traffic_speed', entity: 'SEG-X', time: Date.now(), value: 30 }] }, dishub)).status,
    ).toBe(202);
  });

  it('answers 413 over the body size or batch length limit', async () => {
    const big = { points: Array.from({ length: 3_000 }, (_, i) => ({ metric: 'water_level', entity: 'PA-BIG', time: t0 + i, value: i })) };
    const tooMany = await server.post('/api/v1/ingest', big, bpbd);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatch(/at most 2000/);
    const huge = await server.post(
      '/api/v1/ingest',
      { points: [{ metric: 'water_level', entity: 'PA-BIG', time: t0, value: 1, pad: 'x'.repeat(300_000) }] },
      bpbd,
    );
    expect(huge.status).toBe(413);
    expect(await count(server, `SELECT count(*) AS n FROM series WHERE entity = 'PA-BIG'`)).toBe(0);
  });

  it('records complaint lifecycles with status history and streams the changes', async () => {
    const key = await server.key('DISKOMINFO');
    const token = await server.token('operator');
    const s = server.socket('/live', token);
    await connected(s);
    const snap = await s.timeout(5_000).emitWithAck('events:subscribe', { kinds: ['complaint'] });
    expect(snap.ok).toBe(true);
    const changes: string[] = [];
    s.on('events:changed', (m) => m.events.forEach((e) => changes.push(`${e.id}:${e.status}`)));
    const base = Date.now() - 3_600_000;
    const ev = (id: string, status: string, dt: number) => ({
      kind: 'complaint',
      id,
      status,
      time: base + dt,
      category: 'sampah',
      region: GATE,
      lon: 110.42,
      lat: -6.97,
    });
    const batch = { events: [ev('LPR-1', 'received', 0), ev('LPR-1', 'verified', 60_000), ev('LPR-2', 'received', 1_000)] };
    expect((await server.post('/api/v1/events', batch, key)).body).toEqual({ accepted: 3, written: 2 });
    expect((await server.post('/api/v1/events', batch, key)).body).toEqual({ accepted: 3, written: 0 });
    // a late, older change enters the history only; a newer one moves the state
    expect((await server.post('/api/v1/events', { events: [ev('LPR-1', 'resolved', 120_000)] }, key)).status).toBe(202);
    expect((await server.post('/api/v1/events', { events: [ev('LPR-1', 'dispatched', 90_000)] }, key)).status).toBe(202);
    const { rows } = await server.storage.pool.query(`SELECT status, closed_at IS NOT NULL AS closed FROM event WHERE id = 'LPR-1'`);
    expect(rows[0]).toEqual({ status: 'resolved', closed: true });
    expect(await count(server, `SELECT count(*) AS n FROM event_status WHERE id = 'LPR-1'`)).toBe(4);
    await waitFor('event changes', () => changes.includes('LPR-1:resolved') && changes.includes('LPR-2:received'));
    // a snapshot carries as many open events as asked for (newest first), 500 by default, never more than 100,000
    const many = { events: Array.from({ length: 620 }, (_, i) => ev(`LPR-M${i}`, 'received', 2_000 + i)) };
    expect((await server.post('/api/v1/events', many, key)).status).toBe(202);
    const open = async (req: object) => {
      const r = await s.timeout(5_000).emitWithAck('events:subscribe', { kinds: ['complaint'], ...req });
      return r.ok ? r.data.kinds[0]!.open.map((e: { id: string }) => e.id) : r.error.code;
    };
    expect(await open({})).toHaveLength(500);
    const all = await open({ open: 100_000 });
    expect(all).toHaveLength(621); // the 620 and LPR-2; LPR-1 is resolved
    expect(all[0]).toBe('LPR-M619');
    expect(await open({ open: 3 })).toEqual(['LPR-M619', 'LPR-M618', 'LPR-M617']);
    expect(await open({ open: 100_001 })).toBe('invalid');
    const bad = await server.post('/api/v1/events', { events: [ev('LPR-3', 'teleported', 0)] }, key);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({ index: 0, path: 'status' });
    expect((await server.post('/api/v1/events', { events: [ev('LPR-4', 'received', 0)] }, bpbd)).status).toBe(403);
  });

  it('serves the demo city regions with Kemendagri codes', async () => {
    const res = await server.get('/api/public/v1/regions');
    expect(res.status).toBe(200);
    expect(res.body.city.code).toBe('33.74');
    expect(res.body.regions.features.length).toBe(177);
    expect(res.body.regions.features[0].properties.code).toMatch(/^33\.74\.\d{2}\.\d{4}$/);
  });
});
