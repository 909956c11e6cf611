/**
 * Issue 19, sharing on request, against the real server and PostgreSQL: BPBD asks DLH for `truck_load`; DLH
 * approves it narrowed; BPBD reads it (REST and live) within 15 s; the reads are counted per day and shown to DLH
 * (audited); reminders go to both sides 14 days before the end; the agreement runs out (end date set in the past
 * in SQL) and reads stop; one renewal action brings it back; a dispute suspends it (REST 403 with the reason, the
 * live subscription ends with it) until the side that raised it lifts it; the matrix is for admins and Bappeda.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { Snapshot } from '../../shared/contract';
import { restResponses } from '../../shared/rest';
import { MAX_OPEN_REQUESTS_PER_OPD } from '../../shared/sharing';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const DAY = 86_400_000;
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(5_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

let server: TestServer;
let bpbd: string;
let dlh: string;
let bappeda: string;
let admin: string;
const range = () => `from=${new Date(Date.now() - 600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
const read = (purpose = 'flood-response') => server.get(`/api/v1/series?metric=truck_load&${range()}&purpose=${purpose}`, bpbd);

async function send(path: string, body: unknown, token: string) {
  return server.post(path, body, token);
}
async function auditActions(target: string): Promise<string[]> {
  const { rows } = await server.storage.pool.query<{ action: string }>('SELECT action FROM audit_log WHERE target = $1 ORDER BY seq', [target]);
  return rows.map((r) => r.action);
}

beforeAll(async () => {
  server = await startTestServer(adminUrl);
  [bpbd, dlh, bappeda, admin] = await Promise.all([
    server.token('agency', 'BPBD'),
    server.token('agency', 'DLH'),
    server.token('agency', 'BAPPEDA'),
    server.token('admin'),
  ]);
  const key = await server.key('DLH');
  const ingest = await server.post(
    '/api/v1/ingest',
    { points: [{ metric: 'truck_load', entity: 'H-1-DLH', time: Date.now() - 5_000, value: 3.2 }] },
    key,
  );
  expect(ingest.status).toBe(202);
  // both heads have a notification route: reminders and disputes reach both sides
  await server.storage.pool.query(
    `INSERT INTO notification_route (opd_code, channel, address, role) VALUES ('BPBD', 'email', 'kepala@bpbd.example.go.id', 'head'), ('DLH', 'email', 'kepala@dlh.example.go.id', 'head')`,
  );
}, 60_000);
afterAll(async () => server?.close());

describe('sharing on request', () => {
  let requestId: number;
  let agreementId: number;

  it('refuses bad requests with a clear 400 and names every issue', async () => {
    const bad = await send('/api/v1/sharing/requests', { itemType: 'metric', itemCode: 'truck_load', purpose: 'Flood!', validUntil: 'soon' }, bpbd);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['justification', 'purpose', 'validUntil']);
    const own = await send(
      '/api/v1/sharing/requests',
      { itemType: 'metric', itemCode: 'pump_running', purpose: 'flood-response', justification: 'x', validUntil: Date.now() + DAY },
      bpbd,
    );
    expect(own).toMatchObject({ status: 400, body: { error: "pump_running is your own OPD's" } });
    const publik = await send(
      '/api/v1/sharing/requests',
      { itemType: 'metric', itemCode: 'traffic_speed', purpose: 'flood-response', justification: 'x', validUntil: Date.now() + DAY },
      bpbd,
    );
    expect(publik.status).toBe(400);
    const past = await send(
      '/api/v1/sharing/requests',
      { itemType: 'metric', itemCode: 'truck_load', purpose: 'flood-response', justification: 'x', validUntil: Date.now() - DAY },
      bpbd,
    );
    expect(past).toMatchObject({ status: 400, body: { error: 'the end date has passed' } });
    expect(
      (
        await send(
          '/api/v1/sharing/requests',
          { itemType: 'metric', itemCode: 'nope', purpose: 'flood-response', justification: 'x', validUntil: Date.now() + DAY },
          bpbd,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await send(
          '/api/v1/sharing/requests',
          { itemType: 'metric', itemCode: 'truck_load', purpose: 'flood-response', justification: 'x', validUntil: Date.now() + DAY },
          admin,
        )
      ).status,
    ).toBe(403);
  });

  it('request → the owner sees it → approves it narrowed → the requester reads within 15 s', async () => {
    expect((await read()).status).toBe(403);
    const asked = Date.now() + 60 * DAY;
    const r = await send(
      '/api/v1/sharing/requests',
      {
        itemType: 'metric',
        itemCode: 'truck_load',
        purpose: 'flood-response',
        justification: 'Truk sampah menyumbat pintu air saat banjir',
        validUntil: asked,
        regionLevel: 'kelurahan',
      },
      bpbd,
    );
    expect(r.status).toBe(201);
    expect(restResponses.SharingRequest.parse(r.body).request).toMatchObject({
      status: 'open',
      direction: 'outgoing',
      ownerOpd: 'DLH',
      requesterOpd: 'BPBD',
    });
    requestId = r.body.request.id;
    // the same request twice is one open request
    const again = await send(
      '/api/v1/sharing/requests',
      { itemType: 'metric', itemCode: 'truck_load', purpose: 'flood-response', justification: 'lagi', validUntil: asked },
      bpbd,
    );
    expect(again.status).toBe(409);

    const dlhView = restResponses.SharingOverview.parse((await server.get('/api/v1/sharing/overview', dlh)).body);
    expect(dlhView.requests.find((x) => x.id === requestId)).toMatchObject({
      direction: 'incoming',
      justification: 'Truk sampah menyumbat pintu air saat banjir',
    });
    const bpbdView = restResponses.SharingOverview.parse((await server.get('/api/v1/sharing/overview', bpbd)).body);
    expect(bpbdView.requestable.map((i) => i.code)).toContain('truck_load');
    expect(bpbdView.requestable.every((i) => i.ownerOpd !== 'BPBD')).toBe(true);

    // only the owner decides; a narrowing may not widen
    expect((await send(`/api/v1/sharing/requests/${requestId}/decision`, { decision: 'approve' }, bpbd)).status).toBe(403);
    expect(
      (await send(`/api/v1/sharing/requests/${requestId}/decision`, { decision: 'approve' }, await server.token('agency', 'DISHUB'))).status,
    ).toBe(404);
    const wider = await send(`/api/v1/sharing/requests/${requestId}/decision`, { decision: 'approve', validUntil: asked + DAY }, dlh);
    expect(wider).toMatchObject({ status: 400, body: { error: 'an approval may shorten the end date asked for, not extend it' } });
    expect((await send(`/api/v1/sharing/requests/${requestId}/decision`, { decision: 'refuse' }, dlh)).status).toBe(400);

    const narrowed = Date.now() + 30 * DAY;
    const decided = await send(
      `/api/v1/sharing/requests/${requestId}/decision`,
      { decision: 'approve', validUntil: narrowed, note: 'Sampai akhir musim hujan' },
      dlh,
    );
    expect(decided.status).toBe(200);
    expect(decided.body.request).toMatchObject({ status: 'approved', decisionNote: 'Sampai akhir musim hujan' });
    agreementId = decided.body.request.agreementId;
    expect((await send(`/api/v1/sharing/requests/${requestId}/decision`, { decision: 'approve' }, dlh)).status).toBe(409);

    const t0 = Date.now();
    await waitFor('the grant in force', async () => (await read()).status === 200, 15_000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const agreement = restResponses.SharingOverview.parse((await server.get('/api/v1/sharing/overview', bpbd)).body).agreements.find(
      (a) => a.id === agreementId,
    );
    expect(agreement).toMatchObject({ direction: 'received', regionLevel: 'kelurahan', status: 'active', purpose: 'flood-response' });
    expect(Math.abs(agreement!.validUntil - narrowed)).toBeLessThan(1_000);
    expect(await auditActions(`sharing_request:${requestId}`)).toEqual(['sharing.requested', 'sharing.granted']);
    // asking again for what is in force is a renewal, not a second agreement
    const twice = await send(
      '/api/v1/sharing/requests',
      { itemType: 'metric', itemCode: 'truck_load', purpose: 'flood-response', justification: 'lagi', validUntil: asked },
      bpbd,
    );
    expect(twice).toMatchObject({
      status: 409,
      body: { error: `agreement ${agreementId} already shares truck_load for 'flood-response'; renew it instead` },
    });
    // the owner's head heard of the request, the requester's head of the decision (the outbox, in the same transaction)
    const told = await server.storage.pool.query<{ key: string; address: string }>(
      `SELECT split_part(dedupe_key, ':route:', 1) AS key, address FROM notification_outbox WHERE dedupe_key LIKE $1 ORDER BY id`,
      [`sharing_request:${requestId}:%`],
    );
    expect(told.rows).toEqual([
      { key: `sharing_request:${requestId}:created`, address: 'kepala@dlh.example.go.id' },
      { key: `sharing_request:${requestId}:approved`, address: 'kepala@bpbd.example.go.id' },
    ]);
  });

  it('counts every read through the agreement per day, reader and path; the owner sees it, audited', async () => {
    const live = server.socket('/live', bpbd);
    await connected(live);
    expect((await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' })).ok).toBe(true);
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(200);
    live.disconnect();
    // reads of BPBD's own data or of publik data count nothing
    expect((await server.get(`/api/v1/series?metric=pump_running&${range()}`, bpbd)).status).toBe(200);

    const usage = await server.get(`/api/v1/sharing/agreements/${agreementId}/usage`, dlh);
    expect(usage.status).toBe(200);
    const u = restResponses.SharingUsage.parse(usage.body);
    const byVia = Object.fromEntries(u.days.map((d) => [d.via, d]));
    // one REST read in the previous test, two here; one subscription (with its snapshot)
    expect(byVia.rest).toMatchObject({ actor: expect.stringMatching(/^token:\d+$/), reads: 3 });
    expect(byVia.socket).toMatchObject({ reads: 1 });
    expect(u.total).toBe(4);
    expect(u).toMatchObject({ itemCode: 'truck_load', purpose: 'flood-response' });
    // one row per (agreement, day, reader, path) however many reads
    const { rows } = await server.storage.pool.query('SELECT count(*)::int AS n FROM sharing_usage WHERE agreement_id = $1', [agreementId]);
    expect(rows[0].n).toBe(2);
    // the grantee does not see who else… it is the owner's view; the view itself is audited
    expect((await server.get(`/api/v1/sharing/agreements/${agreementId}/usage`, bpbd)).status).toBe(403);
    expect(await auditActions(`sharing_agreement:${agreementId}`)).toContain('sharing.usage_viewed');
    const overview = restResponses.SharingOverview.parse((await server.get('/api/v1/sharing/overview', dlh)).body);
    expect(overview.agreements.find((a) => a.id === agreementId)).toMatchObject({ direction: 'granted', reads30d: 4 });
  });

  it('reminds both sides 14 days before the end, once per end date', async () => {
    expect(await server.app.sharing.remind()).toBe(0);
    await server.storage.pool.query(`UPDATE sharing_agreement SET valid_until = now() + interval '10 days' WHERE id = $1`, [agreementId]);
    expect(await server.app.sharing.remind()).toBe(1);
    expect(await server.app.sharing.remind()).toBe(0);
    const { rows } = await server.storage.pool.query<{ address: string; subject: string }>(
      `SELECT address, subject FROM notification_outbox WHERE dedupe_key LIKE $1 ORDER BY address`,
      [`sharing:${agreementId}:expiry:%`],
    );
    expect(rows.map((r) => r.address)).toEqual(['kepala@bpbd.example.go.id', 'kepala@dlh.example.go.id']);
    expect(rows[0]!.subject).toMatch(/berakhir dalam 1[01] hari/);
    expect(await auditActions(`sharing_agreement:${agreementId}`)).toContain('sharing.expiry_reminded');
    // the tablet shows it as expiring on both sides
    for (const token of [bpbd, dlh]) {
      const o = restResponses.SharingOverview.parse((await server.get('/api/v1/sharing/overview', token)).body);
      expect(o.agreements.find((a) => a.id === agreementId)?.status).toBe('expiring');
    }
  });

  it('expiry stops reads (REST and live); one renewal action brings the same agreement back', async () => {
    const live = server.socket('/live', bpbd);
    const ended: { code: string; message: string }[] = [];
    live.on('subscription:ended', (m) => ended.push(m));
    await connected(live);
    expect((await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' })).ok).toBe(true);

    await server.storage.pool.query(
      `UPDATE sharing_agreement SET valid_from = now() - interval '2 days', valid_until = now() - interval '1 minute' WHERE id = $1`,
      [agreementId],
    );
    await waitFor('reads refused after the end', async () => (await read()).status === 403, 15_000);
    await waitFor('the live subscription ended', () => ended.length > 0, 15_000);
    expect(ended[0]).toMatchObject({ code: 'forbidden' });
    const o = restResponses.SharingOverview.parse((await server.get('/api/v1/sharing/overview', bpbd)).body);
    expect(o.agreements.find((a) => a.id === agreementId)?.status).toBe('expired');

    // the grantee renews in one action (a renewal request); the owner approves it
    const renewed = await send(`/api/v1/sharing/agreements/${agreementId}/renew`, { validUntil: Date.now() + 90 * DAY }, bpbd);
    expect(renewed.status).toBe(201);
    expect(renewed.body.request).toMatchObject({ renews: agreementId, status: 'open', regionLevel: 'kelurahan' });
    const ok = await send(`/api/v1/sharing/requests/${renewed.body.request.id}/decision`, { decision: 'approve' }, dlh);
    expect(ok.body.request).toMatchObject({ status: 'approved', agreementId });
    await waitFor('reads again after the renewal', async () => (await read()).status === 200, 15_000);
    expect(await auditActions(`sharing_request:${renewed.body.request.id}`)).toEqual(['sharing.renewal_requested', 'sharing.renewed']);

    // the owner extends in one action too
    const ext = await send(`/api/v1/sharing/agreements/${agreementId}/renew`, { validUntil: Date.now() + 120 * DAY }, dlh);
    expect(ext.status).toBe(200);
    expect(ext.body.agreement).toMatchObject({ id: agreementId, status: 'active' });
    expect(await auditActions(`sharing_agreement:${agreementId}`)).toContain('sharing.extended');
    expect((await send(`/api/v1/sharing/agreements/${agreementId}/renew`, { validUntil: Date.now() + DAY }, dlh)).status).toBe(400);
    live.disconnect();
  });

  it('a dispute suspends the agreement: REST 403 with the reason, the live subscription ends with it; lifted by the side that raised it', async () => {
    const live = server.socket('/live', bpbd);
    const ended: { code: string; message: string }[] = [];
    live.on('subscription:ended', (m) => ended.push(m));
    await connected(live);
    expect((await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' })).ok).toBe(true);

    expect((await send(`/api/v1/sharing/agreements/${agreementId}/dispute`, {}, dlh)).status).toBe(400);
    const d = await send(`/api/v1/sharing/agreements/${agreementId}/dispute`, { note: 'Data dipakai di luar tujuan' }, dlh);
    expect(d.status).toBe(200);
    expect(d.body.agreement).toMatchObject({ status: 'suspended', dispute: { byOpd: 'DLH', note: 'Data dipakai di luar tujuan' } });
    expect((await send(`/api/v1/sharing/agreements/${agreementId}/dispute`, { note: 'lagi' }, bpbd)).status).toBe(409);

    const refused = await waitFor('REST refused', async () => {
      const r = await read();
      return r.status === 403 ? r : null;
    });
    expect(refused.body.error).toBe(`the agreement (${agreementId}) sharing truck_load with BPBD is suspended by a dispute`);
    await waitFor('the live subscription ended', () => ended.length > 0, 15_000);
    expect(ended[0]).toMatchObject({
      code: 'forbidden',
      message: `the agreement (${agreementId}) sharing truck_load with BPBD is suspended by a dispute`,
    });
    const resubscribe = await ask<Snapshot>(live, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' });
    expect(resubscribe.ok).toBe(false);
    expect(await auditActions(`sharing_agreement:${agreementId}`)).toContain('sharing.disputed');
    const { rows } = await server.storage.pool.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE dedupe_key LIKE $1`, [
      `sharing:${agreementId}:disputed:%`,
    ]);
    expect(rows[0].n).toBe(2);

    // the other side may not lift it; the side that raised it may
    expect((await send(`/api/v1/sharing/agreements/${agreementId}/resolve`, { note: 'sudah' }, bpbd)).status).toBe(403);
    const lifted = await send(`/api/v1/sharing/agreements/${agreementId}/resolve`, { note: 'Disepakati dalam rapat' }, dlh);
    expect(lifted.body.agreement).toMatchObject({ status: 'active', dispute: null });
    await waitFor('reads again', async () => (await read()).status === 200, 15_000);
    expect(await auditActions(`sharing_agreement:${agreementId}`)).toContain('sharing.dispute_resolved');
    live.disconnect();
  });

  it('a grant narrowed to kecamatan: REST answers cut regions and drop positions; live subscriptions are refused with the reason', async () => {
    const { rows } = await server.storage.pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 1`);
    const kel = rows[0]!.code;
    const key = await server.key('DLH');
    const fill = { metric: 'container_fill', entity: 'K-1-DLH', region: kel, time: Date.now() - 5_000, value: 0.8, lon: 110.42, lat: -6.97 };
    expect((await server.post('/api/v1/ingest', { points: [fill] }, key)).status).toBe(202);
    const r = await send(
      '/api/v1/sharing/requests',
      {
        itemType: 'metric',
        itemCode: 'container_fill',
        purpose: 'flood-response',
        justification: 'Kontainer penuh di bantaran',
        validUntil: Date.now() + 30 * DAY,
      },
      bpbd,
    );
    const ok = await send(`/api/v1/sharing/requests/${r.body.request.id}/decision`, { decision: 'approve', regionLevel: 'kecamatan' }, dlh);
    expect(ok.status).toBe(200);
    const fillRead = () => server.get(`/api/v1/series?metric=container_fill&${range()}&purpose=flood-response`, bpbd);
    const answer = await waitFor(
      'the narrowed grant in force',
      async () => {
        const x = await fillRead();
        return x.status === 200 ? x : null;
      },
      15_000,
    );
    const series = answer.body.series.find((x: { entity: string }) => x.entity === 'K-1-DLH');
    expect(series).toMatchObject({ region: kel.split('.').slice(0, 3).join('.'), lon: null, lat: null });
    // the owner itself still sees the kelurahan and the position
    const own = (await server.get(`/api/v1/series?metric=container_fill&${range()}`, dlh)).body.series.find(
      (x: { entity: string }) => x.entity === 'K-1-DLH',
    );
    expect(own).toMatchObject({ region: kel, lon: 110.42, lat: -6.97 });
    const live = server.socket('/live', bpbd);
    await connected(live);
    const sub = await ask<Snapshot>(live, 'series:subscribe', { metrics: ['container_fill'], purpose: 'flood-response' });
    expect(sub.ok || sub.error.message).toBe(
      `agreement ${ok.body.request.agreementId} shares container_fill at kecamatan level; live readings carry kelurahan detail, so read it through the REST API`,
    );
    live.disconnect();
  });

  it('refusal with a note, and withdrawal', async () => {
    const r = await send(
      '/api/v1/sharing/requests',
      { itemType: 'metric', itemCode: 'truck_load', purpose: 'evacuation', justification: 'Rute evakuasi', validUntil: Date.now() + 10 * DAY },
      bpbd,
    );
    expect(r.status).toBe(201);
    const no = await send(
      `/api/v1/sharing/requests/${r.body.request.id}/decision`,
      { decision: 'refuse', note: 'Tujuan sudah tercakup perjanjian lain' },
      dlh,
    );
    expect(no.body.request).toMatchObject({ status: 'refused', decisionNote: 'Tujuan sudah tercakup perjanjian lain', agreementId: null });
    expect((await read('evacuation')).status).toBe(403);
    const w = await send(
      '/api/v1/sharing/requests',
      { itemType: 'event_kind', itemCode: 'complaint', purpose: 'evacuation', justification: 'Aduan banjir', validUntil: Date.now() + 10 * DAY },
      bpbd,
    );
    expect(w.status).toBe(201);
    // the owner (Diskominfo) may not withdraw it; an OPD on neither side does not see it
    expect((await send(`/api/v1/sharing/requests/${w.body.request.id}/withdraw`, {}, await server.token('agency', 'DISKOMINFO'))).status).toBe(403);
    expect((await send(`/api/v1/sharing/requests/${w.body.request.id}/withdraw`, {}, dlh)).status).toBe(404);
    expect((await send(`/api/v1/sharing/requests/${w.body.request.id}/withdraw`, {}, bpbd)).body.request.status).toBe('withdrawn');
  });

  it('the needs-and-availability matrix: admins and Bappeda only', async () => {
    await send(
      '/api/v1/sharing/requests',
      { itemType: 'metric', itemCode: 'truck_load', purpose: 'planning', justification: 'RPJMD', validUntil: Date.now() + 10 * DAY },
      bappeda,
    );
    for (const token of [admin, bappeda]) {
      const m = await server.get('/api/v1/sharing/matrix', token);
      expect(m.status).toBe(200);
      const matrix = restResponses.SharingMatrix.parse(m.body);
      expect(matrix.opd.map((o) => o.code)).toContain('BAPPEDA');
      expect(matrix.items.find((i) => i.code === 'truck_load')).toMatchObject({ ownerOpd: 'DLH', class: 'terbatas', openRequests: 1 });
      expect(matrix.cells).toContainEqual({
        opd: 'BPBD',
        itemType: 'metric',
        itemCode: 'truck_load',
        state: 'shared',
        agreements: [agreementId],
        openRequests: 0,
      });
      expect(matrix.cells).toContainEqual({
        opd: 'BAPPEDA',
        itemType: 'metric',
        itemCode: 'truck_load',
        state: 'requested',
        agreements: [],
        openRequests: 1,
      });
    }
    expect((await server.get('/api/v1/sharing/matrix', bpbd)).status).toBe(403);
    expect((await server.get('/api/v1/sharing/matrix')).status).toBe(401);
  });

  it('caps the open requests of one OPD, even when 25 are filed at once', async () => {
    const disdik = await server.token('agency', 'DISKOMINFO');
    const one = (i: number) =>
      send(
        '/api/v1/sharing/requests',
        { itemType: 'metric', itemCode: 'truck_load', purpose: `tujuan-${i}`, justification: 'Uji batas', validUntil: Date.now() + 10 * DAY },
        disdik,
      );
    const burst = await Promise.all(Array.from({ length: 25 }, (_, i) => one(i)));
    expect(burst.filter((r) => r.status === 201)).toHaveLength(MAX_OPEN_REQUESTS_PER_OPD);
    const refused = burst.filter((r) => r.status === 409);
    expect(refused).toHaveLength(25 - MAX_OPEN_REQUESTS_PER_OPD);
    expect(refused[0]!.body.error).toMatch(/already has 20 open requests/);
    const { rows } = await server.storage.pool.query(
      `SELECT count(*)::int AS n FROM sharing_request WHERE requester_opd = 'DISKOMINFO' AND status = 'open'`,
    );
    expect(rows[0].n).toBe(MAX_OPEN_REQUESTS_PER_OPD);
    // withdrawing one frees a place; another OPD was never limited by it
    const first = burst.find((r) => r.status === 201)!.body.request.id;
    expect((await send(`/api/v1/sharing/requests/${first}/withdraw`, {}, disdik)).body.request.status).toBe('withdrawn');
    expect((await one(99)).status).toBe(201);
    expect((await one(100)).status).toBe(409);
  });
});
