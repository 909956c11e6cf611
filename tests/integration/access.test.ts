/**
 * Hostile tests of authority and classification over REST and sockets: the public and agencies trying to
 * reach what is not theirs, sharing agreements with purpose limitation, key scopes and rotation, rate limits,
 * and the audit chain catching a row changed behind the application's back.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import { createIngestKey, rotateIngestKey } from '../../db/queries/credentials';
import { grantAgreement } from '../../db/queries/sharing';
import { verifyAudit } from '../../db/queries/audit';
import { connected, spyOnQueries, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;

const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(5_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

let server: TestServer;
let dlhKey: string;
let bpbdKey: string;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { maxBodyBytes: 256 * 1024, maxBatchItems: 2_000 });
  [dlhKey, bpbdKey] = await Promise.all([server.key('DLH'), server.key('BPBD')]);
  // a rahasia metric, to prove nobody but its owner reaches it
  await server.storage.pool.query(
    `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s)
     VALUES ('informant_tip', 'sanitation', 'DLH', 'rahasia', 'count', 'Laporan rahasia', 'Confidential tip', 60)`,
  );
  await server.app.catalog.reload();
  const now = Date.now();
  const res = await server.post(
    '/api/v1/ingest',
    {
      points: [
        { metric: 'truck_load', entity: 'H-1-DLH', time: now - 5_000, value: 3.2, lon: 110.4, lat: -7 },
        { metric: 'informant_tip', entity: 'TIP-1', time: now - 5_000, value: 1 },
      ],
    },
    dlhKey,
  );
  expect(res.status).toBe(202);
});
afterAll(async () => server?.close());

describe('the /public socket', () => {
  it('gets nothing terbatas or rahasia however it asks, and is told why', async () => {
    const pub = server.socket('/public');
    await connected(pub);
    const got: PointsAppended[] = [];
    const refused: string[] = [];
    pub.on('points:appended', (m) => got.push(m));
    pub.on('request:refused', (m) => refused.push(m.event));

    const terbatas = await ask<Snapshot>(pub, 'series:subscribe', { metrics: ['truck_load'] });
    expect(terbatas).toEqual({ ok: false, error: { code: 'forbidden', message: 'truck_load is terbatas; the public view shows publik data only' } });
    const rahasia = await ask<Snapshot>(pub, 'series:subscribe', { metrics: ['informant_tip'] });
    expect(rahasia.ok || rahasia.error.code).toBe('forbidden');
    // one forbidden metric spoils the whole request: nothing is half-granted
    const mixed = await ask<Snapshot>(pub, 'series:subscribe', { metrics: ['water_level', 'truck_load'] });
    expect(mixed.ok).toBe(false);
    // a purpose does not open anything to the public
    expect((await ask<Snapshot>(pub, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' })).ok).toBe(false);
    // room names, prototype keys, wrong shapes and forged events
    for (const payload of [
      { metrics: ['metric:truck_load'] },
      { metrics: ['__proto__'] },
      { metrics: 'truck_load' },
      { metrics: [] },
      null,
      'truck_load',
      { metrics: Array(100).fill('water_level') },
    ]) {
      const r = await ask<Snapshot>(pub, 'series:subscribe', payload);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['invalid', 'not_found', 'forbidden']).toContain(r.error.code);
    }
    expect((await ask(pub, 'events:subscribe', { kinds: ['complaint'] })).ok).toBe(false);
    const forged = await ask(pub, 'join', 'metric:truck_load');
    expect(forged).toEqual({ ok: false, error: { code: 'not_found', message: "no such request 'join'" } });
    (pub as unknown as { emit(e: string, a: unknown): void }).emit('points:appended', { metric: 'truck_load' });
    await waitFor('the refusal of forged events', () => refused.includes('join') && refused.includes('points:appended'));

    // fresh terbatas and rahasia data is written; the public socket never hears of it
    const now = Date.now();
    await server.post(
      '/api/v1/ingest',
      {
        points: [
          { metric: 'truck_load', entity: 'H-1-DLH', time: now, value: 4, lon: 110.41, lat: -7 },
          { metric: 'informant_tip', entity: 'TIP-1', time: now, value: 2 },
        ],
      },
      dlhKey,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(got.filter((m) => m.metric === 'truck_load' || m.metric === 'informant_tip')).toEqual([]);

    // and REST says the same
    const range = `from=${new Date(now - 60_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
    for (const metric of ['truck_load', 'informant_tip']) expect((await server.get(`/api/v1/series?metric=${metric}&${range}`)).status).toBe(403);
    expect((await server.get('/api/v1/catalog')).body.metrics.every((m: { class: string }) => m.class === 'publik')).toBe(true);
  });
});

describe('a crowd on /public', () => {
  it('shares one snapshot query per metric, and every citizen still gets the live deltas after it', async () => {
    const spy = spyOnQueries(server.storage.pool);
    const snapshotQueries = () => spy.queries.filter((q) => q.includes('FROM series WHERE metric = ANY')).length;
    try {
      const crowd = Array.from({ length: 40 }, () => server.socket('/public'));
      await Promise.all(crowd.map(connected));
      const heard = crowd.map(() => 0);
      crowd.forEach((s, i) => s.on('points:appended', (m) => (heard[i]! += m.points.length)));
      const acks = await Promise.all(crowd.map((s) => ask<Snapshot>(s, 'series:subscribe', { metrics: ['rainfall'] })));
      expect(acks.every((a) => a.ok)).toBe(true);
      expect(snapshotQueries()).toBe(1);
      await server.post('/api/v1/ingest', { points: [{ metric: 'rainfall', entity: 'ARR-CROWD', time: Date.now(), value: 3 }] }, bpbdKey);
      await waitFor('every citizen to hear the reading', () => heard.every((n) => n > 0));
    } finally {
      spy.restore();
    }
  });
});

describe('cross-origin requests', () => {
  it('get no CORS grant over REST and no websocket from another site', async () => {
    const preflight = await fetch(`${server.url}/api/v1/catalog`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${server.url}/api/v1/catalog`, { headers: { origin: 'http://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const { io } = await import('socket.io-client');
    const foreign = io(`${server.url}/live`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { origin: 'http://evil.example' },
      auth: { token: await server.token('operator') },
    });
    await expect(connected(foreign as unknown as ClientSocket)).rejects.toThrow();
    foreign.close();
    const own = io(`${server.url}/public`, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { origin: server.url } });
    await connected(own as unknown as ClientSocket);
    own.close();
  });
});

describe('an agency user', () => {
  it("reaches another OPD's terbatas data only through an agreement in force, for its purpose", async () => {
    const token = await server.token('agency', 'BPBD');
    const live = server.socket('/live', token);
    await connected(live);
    const range = `from=${new Date(Date.now() - 600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;

    const before = await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' });
    expect(before.ok || before.error.message).toBe('truck_load is terbatas data of DLH, not shared with BPBD');
    expect((await server.get(`/api/v1/series?metric=truck_load&${range}`, token)).status).toBe(403);
    expect((await ask<Snapshot>(live, 'series:subscribe', { metrics: ['informant_tip'] })).ok).toBe(false);
    // its own terbatas data and everyone's publik data are open
    expect((await ask<Snapshot>(live, 'series:subscribe', { metrics: ['pump_running', 'traffic_speed'] })).ok).toBe(true);

    const id = await grantAgreement(server.storage.pool, {
      ownerOpd: 'DLH',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'truck_load',
      purpose: 'flood-response',
      validUntil: Date.now() + 86_400_000,
      reference: 'PKS/DLH-BPBD/2026/11',
    });
    await server.app.catalog.reload();
    const noPurpose = await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'] });
    expect(noPurpose.ok || noPurpose.error.message).toContain("only for a stated purpose (flood-response); give it as 'purpose'");
    const wrongPurpose = await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'], purpose: 'marketing' });
    expect(wrongPurpose.ok).toBe(false);
    const granted = await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' });
    expect(granted.ok).toBe(true);
    if (granted.ok) expect(granted.data.metrics[0]!.series.map((s) => s.entity)).toContain('H-1-DLH');
    expect((await server.get(`/api/v1/series?metric=truck_load&${range}&purpose=flood-response`, token)).status).toBe(200);
    expect((await server.get(`/api/v1/series?metric=truck_load&${range}`, token)).status).toBe(403);
    const catalog = (await server.get('/api/v1/catalog', token)).body;
    expect(catalog.metrics.find((m: { code: string }) => m.code === 'truck_load')).toMatchObject({ sharedFor: ['flood-response'] });
    expect(catalog.metrics.map((m: { code: string }) => m.code)).not.toContain('informant_tip');

    // another agency gains nothing from BPBD's agreement
    const dishub = await server.token('agency', 'DISHUB');
    expect((await server.get(`/api/v1/series?metric=truck_load&${range}&purpose=flood-response`, dishub)).status).toBe(403);

    // ended agreements end access
    await server.storage.pool.query('UPDATE sharing_agreement SET revoked_at = now() WHERE id = $1', [id]);
    await server.app.catalog.reload();
    expect((await server.get(`/api/v1/series?metric=truck_load&${range}&purpose=flood-response`, token)).status).toBe(403);
  });
});

describe('ingest keys', () => {
  it('write only within their scopes, and keep working through a rotation grace period', async () => {
    const { key } = await createIngestKey(server.storage.pool, 'BPBD', 'events-only', ['events']);
    const body = { points: [{ metric: 'water_level', entity: 'PA-SCOPE', time: Date.now(), value: 1 }] };
    const refused = await server.post('/api/v1/ingest', body, key);
    expect(refused.status).toBe(403);
    expect(refused.body.details[0].message).toBe('this key may not write points (its scopes: events)');
    // project and road registration describe series: they need the points scope too, and write nothing without it
    const road = {
      entities: [
        {
          entity: 'PA-SCOPE-ROAD',
          name: 'Jalan uji',
          path: [
            [110.4, -7.0],
            [110.41, -7.01],
          ],
        },
      ],
    };
    for (const [path, payload] of [
      ['/api/v1/entities', road],
      ['/api/v1/projects', { projects: [] }],
    ] as const) {
      const r = await server.post(path, payload, key);
      expect(r.status, path).toBe(403);
      expect(r.body.error).toBe('this key may not write points (its scopes: events); nothing was written');
    }
    expect((await server.storage.pool.query(`SELECT count(*)::int AS n FROM entity_geometry WHERE entity = 'PA-SCOPE-ROAD'`)).rows[0].n).toBe(0);

    const id = Number(
      (await server.storage.pool.query(`SELECT id FROM ingest_key WHERE key_hash = sha256(convert_to($1, 'UTF8'))`, [bpbdKey])).rows[0].id,
    );
    const rotated = await rotateIngestKey(server.storage.pool, id, 60_000);
    expect(rotated?.opd).toBe('BPBD');
    expect((await server.post('/api/v1/ingest', body, bpbdKey)).status).toBe(202); // old key, within grace
    expect((await server.post('/api/v1/ingest', body, rotated!.key)).status).toBe(202);
    const immediate = await rotateIngestKey(server.storage.pool, rotated!.id, 0);
    expect((await server.post('/api/v1/ingest', body, rotated!.key)).status).toBe(401);
    expect((await server.post('/api/v1/ingest', body, immediate!.key)).status).toBe(202);
  });

  it('are rate limited per key with a clear 429', async () => {
    const limited = await startTestServer(adminUrl, { ingestRatePerMinPerKey: 5 });
    try {
      const key = await limited.key('BPBD');
      const body = { points: [{ metric: 'water_level', entity: 'PA-RATE', time: Date.now(), value: 1 }] };
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await limited.post('/api/v1/ingest', body, key)).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
      const last = await limited.post('/api/v1/ingest', body, key);
      expect(last.status).toBe(429);
      expect(last.body.error).toMatch(/too many ingest requests with this key/);
      // another key from the same address is not held back by it
      expect((await limited.post('/api/v1/ingest', body, await limited.key('BPBD'))).status).toBe(202);
    } finally {
      await limited.close();
    }
  });
});

describe('the audit log', () => {
  it('records complaint status changes, is readable by operators only, and catches a row changed in the database', async () => {
    const key = await server.key('DISKOMINFO');
    const t = Date.now() - 60_000;
    const ev = (status: string, dt: number) => ({ kind: 'complaint', id: 'LPR-AUDIT-1', status, time: t + dt, category: 'sampah' });
    expect((await server.post('/api/v1/events', { events: [ev('received', 0), ev('verified', 1_000)] }, key)).status).toBe(202);
    const operator = await server.token('operator');
    const log = await server.get('/api/v1/audit?action=complaint.status_changed', operator);
    expect(log.status).toBe(200);
    expect(log.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'complaint.status_changed', target: 'complaint:LPR-AUDIT-1', source: expect.any(String) }),
      ]),
    );
    const csv = await fetch(`${server.url}/api/v1/audit?format=csv`, { headers: { authorization: `Bearer ${operator}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await csv.text()).split('\n')[0]).toBe('seq,time,actor,action,target,source,detail,hash,prevHash');
    expect((await server.get('/api/v1/audit', await server.token('agency', 'BPBD'))).status).toBe(403);
    expect((await server.get('/api/v1/audit')).status).toBe(403);

    expect((await verifyAudit(server.storage.pool)).problems).toEqual([]);
    // the application cannot change it…
    await expect(server.storage.pool.query(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    // …and when a superuser does, behind the trigger's back, the chain says where
    await server.storage.pool.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await server.storage.pool.query(`UPDATE audit_log SET detail = jsonb_set(detail, '{status}', '"resolved"') WHERE seq = 1`);
    const seqs = (await server.storage.pool.query('SELECT max(seq)::int AS n FROM audit_log')).rows[0].n as number;
    expect(seqs).toBeGreaterThanOrEqual(2);
    await server.storage.pool.query('DELETE FROM audit_log WHERE seq = $1', [seqs]);
    if (seqs >= 3) await server.storage.pool.query('DELETE FROM audit_log WHERE seq = 2');
    await server.storage.pool.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    const { problems } = await verifyAudit(server.storage.pool);
    expect(problems).toContainEqual({ seq: 1, problem: 'edited' });
    if (seqs >= 3) expect(problems).toContainEqual({ seq: 3, problem: 'missing-before' });
    expect(problems).toContainEqual({ seq: seqs - 1, problem: 'missing-after' });
  });
});
