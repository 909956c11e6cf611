/**
 * Incidents end to end (issue 16): an alert becomes an incident, the wrong OPD hands it on ("bukan wewenang"),
 * the right one accepts and resolves it — across two OPD accounts, with the one timeline, the audit chain and the
 * live deltas checked; the handler OPD sees the complaints routed to it and nothing else.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WireAlert } from '../../shared/alerts';
import type { IncidentsChanged, WireIncident } from '../../shared/incidents';
import { incidentDetailResponse, incidentsResponse, routedComplaintsResponse } from '../../shared/incidents';
import { readAudit, verifyAudit } from '../../db/queries/audit';
import { grantAgreement, revokeAgreement } from '../../db/queries/sharing';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;

let server: TestServer;
let tokens: Record<'operator' | 'bpbd' | 'dlh' | 'dpupr', string>;

const send = async (path: string, body: unknown, token: string) => {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  server = await startTestServer(adminUrl, { streamTickMs: 50 });
  tokens = {
    operator: await server.token('operator'),
    bpbd: await server.token('agency', 'BPBD'),
    dlh: await server.token('agency', 'DLH'),
    dpupr: await server.token('agency', 'DPUPR'),
  };
});
afterAll(async () => server?.close());

describe('incidents', () => {
  it('alert → incident → reassign (bukan wewenang) → accept → resolve, with one timeline, audit and live deltas', async () => {
    const bpbdKey = await server.key('BPBD');
    const t = Date.now();
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-INSIDEN', time: t, value: 280 }] }, bpbdKey)).status,
    ).toBe(202);
    const alert = await waitFor('the alert', async () =>
      ((await server.get('/api/v1/alerts', tokens.operator)).body.alerts as WireAlert[]).find((a) => a.entity === 'PA-INSIDEN'),
    );

    const live = {
      bpbd: server.socket('/live', tokens.bpbd),
      dlh: server.socket('/live', tokens.dlh),
      dpupr: server.socket('/live', tokens.dpupr),
      operator: server.socket('/live', tokens.operator),
    };
    await Promise.all(Object.values(live).map(connected));
    const heard: Record<keyof typeof live, IncidentsChanged[]> = { bpbd: [], dlh: [], dpupr: [], operator: [] };
    for (const [name, s] of Object.entries(live)) s.on('incidents:changed', (m) => heard[name as keyof typeof live].push(m));

    // the operator sends it to DLH by mistake
    const created = await send(
      '/api/v1/incidents',
      { from: { type: 'alert', id: alert.id }, handlingOpd: 'DLH', reporter: 'Pak RT 05' },
      tokens.operator,
    );
    expect(created.status).toBe(201);
    const inc = incidentDetailResponse.parse(created.body).incident;
    expect(inc).toMatchObject({
      sourceType: 'alert',
      sourceRef: `alert:${alert.id}`,
      severity: 'awas',
      handlingOpd: 'DLH',
      status: 'baru',
      class: 'terbatas',
      reporter: 'Pak RT 05',
    });
    expect(inc.targetAt).toBeGreaterThan(Date.now());
    // a second tap gives the same incident back
    const again = await send('/api/v1/incidents', { from: { type: 'alert', id: alert.id } }, tokens.operator);
    expect(again.status).toBe(200);
    expect(again.body.incident.id).toBe(inc.id);

    const dlhSaw = await waitFor('the incident on the DLH tablet', () => heard.dlh.flatMap((m) => m.incidents).find((i) => i.id === inc.id), 2_000);
    expect(dlhSaw.reporter).toBeNull(); // the command center's reporter is not shown to an OPD
    await waitFor('the command center room', () => heard.operator.some((m) => m.incidents.some((i) => i.id === inc.id)));
    expect(heard.bpbd.flatMap((m) => m.incidents).some((i) => i.id === inc.id)).toBe(false);

    // BPBD may not act on DLH's incident; DLH may not resolve what it has not accepted
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'accept' }, tokens.bpbd)).status).toBe(404);
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'resolve', note: 'x' }, tokens.dlh)).status).toBe(409);
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'reassign', toOpd: 'BPBD', reason: '  ' }, tokens.dlh)).status).toBe(400);
    // a stale version is refused
    expect(
      (
        await send(
          `/api/v1/incidents/${inc.id}/actions`,
          { action: 'reassign', toOpd: 'BPBD', reason: 'bukan wewenang', version: inc.version + 5 },
          tokens.dlh,
        )
      ).status,
    ).toBe(409);

    const reassigned = await send(
      `/api/v1/incidents/${inc.id}/actions`,
      { action: 'reassign', toOpd: 'BPBD', reason: 'bukan wewenang', version: inc.version },
      tokens.dlh,
    );
    expect(reassigned.status).toBe(200);
    expect(reassigned.body.incident).toMatchObject({ handlingOpd: 'BPBD', status: 'baru' });
    await waitFor('DLH told it no longer sees it', () => heard.dlh.some((m) => m.removed.includes(inc.id)), 2_000);
    const bpbdSaw = await waitFor(
      'the incident on the BPBD tablet',
      () => heard.bpbd.flatMap((m) => m.incidents).find((i) => i.id === inc.id),
      2_000,
    );
    expect(bpbdSaw.handlingOpd).toBe('BPBD');
    expect((await server.get(`/api/v1/incidents/${inc.id}`, tokens.dlh)).status).toBe(404);

    const accepted = await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'accept' }, tokens.bpbd);
    expect(accepted.body.incident).toMatchObject({ status: 'diterima' });
    expect(accepted.body.incident.acceptedAt).toEqual(expect.any(Number));
    expect(
      (
        await send(
          `/api/v1/incidents/${inc.id}/actions`,
          { action: 'note', text: 'Tim menuju lokasi', links: [{ url: 'https://foto.example/1.jpg', label: 'foto' }] },
          tokens.bpbd,
        )
      ).status,
    ).toBe(200);
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'resolve', note: '' }, tokens.bpbd)).status).toBe(400);
    const resolved = await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'resolve', note: 'Pompa menyala, air surut' }, tokens.bpbd);
    expect(resolved.status).toBe(200);
    expect(resolved.body.incident).toMatchObject({ status: 'selesai', closedAt: expect.any(Number) });
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'note', text: 'lagi' }, tokens.bpbd)).status).toBe(409);

    // one timeline, attributed, in order
    const detail = incidentDetailResponse.parse((await server.get(`/api/v1/incidents/${inc.id}`, tokens.bpbd)).body);
    expect(detail.timeline.map((e) => [e.kind, e.actorOpd])).toEqual([
      ['created', null],
      ['reassigned', 'DLH'],
      ['status', 'BPBD'],
      ['note', 'BPBD'],
      ['link', 'BPBD'],
      ['status', 'BPBD'],
    ]);
    expect(detail.timeline[1]!.body).toEqual({ fromOpd: 'DLH', toOpd: 'BPBD', reason: 'bukan wewenang' });
    expect(detail.timeline[5]!.body).toMatchObject({ to: 'selesai', note: 'Pompa menyala, air surut' });

    // audited in the hash chain, every step
    const audit = (await readAudit(server.storage.pool, { limit: 10_000 })).filter((e) => e.target === `incident:${inc.id}`);
    expect(audit.map((e) => e.action)).toEqual([
      'incident.created',
      'incident.reassigned',
      'incident.accepted',
      'incident.noted',
      'incident.resolved',
    ]);
    expect((await verifyAudit(server.storage.pool)).problems).toEqual([]);

    // the live deltas of the BPBD room carry a seq without gaps, ending at the resolved version
    await waitFor(
      'the resolution on the BPBD tablet',
      () => heard.bpbd.some((m) => m.incidents.some((i) => i.id === inc.id && i.status === 'selesai')),
      2_000,
    );
    const seqs = heard.bpbd.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const last = heard.bpbd
      .flatMap((m) => m.incidents)
      .filter((i) => i.id === inc.id)
      .at(-1)!;
    expect(last).toMatchObject({ status: 'selesai', version: resolved.body.incident.version });
    expect(heard.dpupr.flatMap((m) => m.incidents)).toEqual([]);

    // the listing is the snapshot: its seq is the room's, the incident is in it
    const listed = incidentsResponse.parse((await server.get('/api/v1/incidents', tokens.bpbd)).body);
    expect(listed.room).toBe('incidents:BPBD');
    expect(listed.seq).toBe(heard.bpbd.at(-1)!.seq);
    expect(listed.incidents.map((i: WireIncident) => i.id)).toContain(inc.id);
    expect((await server.get('/api/v1/incidents', tokens.dpupr)).body.incidents).toEqual([]);
    // the same snapshot on the one channel model's subscribe path
    const sub = (await live.bpbd.timeout(5_000).emitWithAck('incidents:subscribe', {})) as {
      ok: boolean;
      data: { room: string; seq: number; incidents: WireIncident[]; epoch: string };
    };
    expect(sub.ok).toBe(true);
    expect(sub.data).toMatchObject({ room: 'incidents:BPBD', seq: heard.bpbd.at(-1)!.seq, epoch: expect.any(String) });
    expect(sub.data.incidents.map((i) => i.id)).toContain(inc.id);
    expect((await server.get('/api/v1/incidents')).status).toBe(401);
  });

  it('asks another OPD for support (it then sees and notes), and merges duplicates (operators only)', async () => {
    const a = await send(
      '/api/v1/incidents',
      { from: { type: 'manual', lon: 110.42, lat: -6.97 }, title: 'Pohon tumbang di Jl. Pemuda', handlingOpd: 'DLH', severity: 'siaga' },
      tokens.operator,
    );
    const b = await send(
      '/api/v1/incidents',
      { from: { type: 'manual', lon: 110.42, lat: -6.97 }, title: 'Pohon tumbang Jl Pemuda', handlingOpd: 'DLH', severity: 'siaga' },
      tokens.operator,
    );
    expect([a.status, b.status]).toEqual([201, 201]);
    const [ia, ib] = [a.body.incident.id as number, b.body.incident.id as number];
    expect((await send('/api/v1/incidents', { from: { type: 'manual', lon: 110.42, lat: -6.97 }, handlingOpd: 'DLH' }, tokens.operator)).status).toBe(
      400,
    );
    expect((await send(`/api/v1/incidents/${ia}/actions`, { action: 'note', text: 'boleh?' }, tokens.dpupr)).status).toBe(404);
    expect((await send(`/api/v1/incidents/${ia}/actions`, { action: 'support', opd: 'DPUPR', note: 'perlu alat berat' }, tokens.dlh)).status).toBe(
      200,
    );
    expect((await send(`/api/v1/incidents/${ia}/actions`, { action: 'note', text: 'alat berat dikirim' }, tokens.dpupr)).status).toBe(200);
    expect((await send(`/api/v1/incidents/${ia}/actions`, { action: 'resolve', note: 'x' }, tokens.dpupr)).status).toBe(403);
    expect((await send(`/api/v1/incidents/${ib}/actions`, { action: 'merge', into: ia }, tokens.dlh)).status).toBe(403);
    const merged = await send(`/api/v1/incidents/${ib}/actions`, { action: 'merge', into: ia }, tokens.operator);
    expect(merged.body.incident).toMatchObject({ mergedInto: ia, status: 'selesai' });
    const into = incidentDetailResponse.parse((await server.get(`/api/v1/incidents/${ia}`, tokens.operator)).body);
    expect(into.timeline.at(-1)).toMatchObject({ kind: 'merged', body: { from: ib } });
  });

  it('holds at most 500 notes and links per incident (409 past it) and takes http(s) links only (400 otherwise)', async () => {
    const made = await send(
      '/api/v1/incidents',
      { from: { type: 'manual', lon: 110.41, lat: -6.98 }, title: 'Genangan Jl. Kartini', handlingOpd: 'DLH', severity: 'waspada' },
      tokens.operator,
    );
    const id = made.body.incident.id as number;
    const act = (body: unknown) => send(`/api/v1/incidents/${id}/actions`, body, tokens.dlh);
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
      'ftp://foto.example/1.jpg',
      'foto.jpg',
    ]) {
      const r = await act({ action: 'note', text: 'foto', links: [{ url }] });
      expect(r.status, url).toBe(400);
      expect(r.body.details.length, url).toBeGreaterThan(0);
    }
    expect((await act({ action: 'note', text: 'foto', links: [{ url: ' https://foto.example/2.jpg ' }] })).status).toBe(200);
    const stored = incidentDetailResponse
      .parse((await server.get(`/api/v1/incidents/${id}`, tokens.dlh)).body)
      .timeline.filter((e) => e.kind === 'link');
    expect(stored.map((e) => e.body.url)).toEqual(['https://foto.example/2.jpg']);
    // 498 more notes straight into the table: 500 notes and links in all
    await server.storage.pool.query(
      `INSERT INTO incident_entry (incident_id, time, actor, actor_opd, kind, body)
       SELECT $1, now(), 'user:test', 'DLH', 'note', jsonb_build_object('text', 'catatan ' || i) FROM generate_series(1, 498) i`,
      [id],
    );
    const full = await act({ action: 'note', text: 'satu lagi' });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatch(/at most 500/);
    expect((await act({ action: 'note', text: 'dengan foto', links: [{ url: 'https://foto.example/3.jpg' }] })).status).toBe(409);
    const count = await server.storage.pool.query(
      `SELECT count(*)::int AS n FROM incident_entry WHERE incident_id = $1 AND kind IN ('note', 'link')`,
      [id],
    );
    expect(count.rows[0].n).toBe(500);
    // status changes still go
    expect((await act({ action: 'accept' })).status).toBe(200);
    // a long-late incident piles up reminders: the timeline answers the newest entries, so its latest step shows
    await server.storage.pool.query(
      `INSERT INTO incident_entry (incident_id, time, actor, actor_opd, kind, body)
       SELECT $1, now(), 'system:watch', NULL, 'reminder', jsonb_build_object('level', 2) FROM generate_series(1, 2000) i`,
      [id],
    );
    expect((await act({ action: 'resolve', note: 'Genangan surut' })).status).toBe(200);
    const tl = incidentDetailResponse.parse((await server.get(`/api/v1/incidents/${id}`, tokens.dlh)).body).timeline;
    expect(tl).toHaveLength(2_000);
    expect(tl.at(-1)).toMatchObject({ kind: 'status', body: { to: 'selesai', note: 'Genangan surut' } });
    expect(tl.map((e) => e.id)).toEqual([...tl.map((e) => e.id)].sort((a, b) => a - b));
  });

  it('shows each handler OPD the complaints routed to it by event_sla.handler_opd, and nothing else', async () => {
    const now = Date.now();
    const events = [
      { kind: 'complaint', id: 'RT-1', status: 'received', time: now - 200 * 3_600_000, category: 'jalan_rusak', title: 'Jalan berlubang' },
      { kind: 'complaint', id: 'RT-2', status: 'received', time: now - 3_600_000, category: 'jalan_rusak' },
      { kind: 'complaint', id: 'RT-3', status: 'received', time: now - 3_600_000, category: 'sampah' },
      { kind: 'complaint', id: 'RT-4', status: 'received', time: now - 3_600_000, category: 'pelayanan_publik' },
      { kind: 'complaint', id: 'RT-5', status: 'received', time: now - 3_600_000, category: 'jalan_rusak' },
      { kind: 'complaint', id: 'RT-5', status: 'resolved', time: now - 60_000, category: 'jalan_rusak' },
    ];
    expect((await server.post('/api/v1/events', { events }, await server.key('DISKOMINFO'))).status).toBe(202);
    const dpupr = routedComplaintsResponse.parse((await server.get('/api/v1/complaints/routed', tokens.dpupr)).body).complaints;
    expect(dpupr.map((c) => c.id)).toEqual(['RT-1', 'RT-2']);
    expect(dpupr[0]).toMatchObject({ category: 'jalan_rusak', overdue: true });
    expect(dpupr[1]).toMatchObject({ overdue: false });
    const dlh = routedComplaintsResponse.parse((await server.get('/api/v1/complaints/routed', tokens.dlh)).body).complaints;
    expect(dlh.map((c) => c.id)).toEqual(['RT-3']);
    // the kind stays terbatas to Diskominfo: DPUPR reads no other complaint through the events API
    expect(
      (
        await server.get(
          `/api/v1/events/stats?kind=complaint&from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`,
          tokens.dpupr,
        )
      ).status,
    ).toBe(403);
    // the handler OPD turns its overdue complaint into an incident it handles
    const inc = await send('/api/v1/incidents', { from: { type: 'complaint', kind: 'complaint', id: 'RT-1' } }, tokens.dpupr);
    expect(inc.status).toBe(201);
    expect(inc.body.incident).toMatchObject({ handlingOpd: 'DPUPR', sourceType: 'complaint', title: 'Aduan jalan_rusak #RT-1' });
    // DLH may not make one of DPUPR's complaint
    expect((await send('/api/v1/incidents', { from: { type: 'complaint', kind: 'complaint', id: 'RT-2' } }, tokens.dlh)).status).toBe(404);
  });
});

describe('incidents shared by an agreement, live in a purpose room', () => {
  type SubAck =
    { ok: true; data: { room: string; seq: number; incidents: WireIncident[] } } | { ok: false; error: { code: string; message: string } };
  const subscribe = async (s: ReturnType<TestServer['socket']>, purpose?: string) =>
    (await s.timeout(5_000).emitWithAck('incidents:subscribe', purpose ? { purpose } : {})) as SubAck;

  it('DLH shares container_fill with BPBD for flood-response: BPBD follows its incidents live; revoked, the stream stops', async () => {
    const agreement = await grantAgreement(server.storage.pool, {
      ownerOpd: 'DLH',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'container_fill',
      purpose: 'flood-response',
      validUntil: Date.now() + 86_400_000,
      reference: 'PKS/16',
    });
    await server.app.catalog.reload();
    const t = Date.now();
    expect(
      (
        await server.post(
          '/api/v1/ingest',
          { points: [{ metric: 'container_fill', entity: 'TPS-BAGI', time: t, value: 0.97 }] },
          await server.key('DLH'),
        )
      ).status,
    ).toBe(202);
    const alert = await waitFor('the container alert', async () =>
      ((await server.get('/api/v1/alerts', tokens.operator)).body.alerts as WireAlert[]).find((a) => a.entity === 'TPS-BAGI'),
    );

    const bpbd = server.socket('/live', tokens.bpbd);
    const dpupr = server.socket('/live', tokens.dpupr);
    await Promise.all([connected(bpbd), connected(dpupr)]);
    const heard: IncidentsChanged[] = [];
    const ended: { channel: string; key: string; code: string }[] = [];
    bpbd.on('incidents:changed', (m) => heard.push(m));
    bpbd.on('subscription:ended', (m) => ended.push(m as never));

    // only the grantee, only for the agreement's purpose
    expect(await subscribe(dpupr, 'flood-response')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await subscribe(bpbd, 'traffic-planning')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await subscribe(bpbd, 'Not A Purpose')).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const first = await subscribe(bpbd, 'flood-response');
    expect(first).toMatchObject({ ok: true, data: { room: 'incidents:BPBD/flood-response', incidents: [] } });
    const room = 'incidents:BPBD/flood-response';
    const seq0 = first.ok ? first.data.seq : -1;

    // the operator makes an incident of DLH's alert, with a reporter: BPBD hears it in the purpose room, not its own
    const created = await send('/api/v1/incidents', { from: { type: 'alert', id: alert.id }, reporter: 'Pak RW 03' }, tokens.operator);
    expect(created.status).toBe(201);
    const inc = incidentDetailResponse.parse(created.body).incident;
    expect(inc).toMatchObject({ handlingOpd: 'DLH', reporter: 'Pak RW 03' });
    const shared = await waitFor(
      'the shared incident on the BPBD tablet',
      () => heard.find((m) => m.room === room && m.incidents.some((i) => i.id === inc.id)),
      2_000,
    );
    expect(shared.seq).toBe(seq0 + 1);
    // the reporter is the command center's: never shown to another OPD until shared
    expect(shared.incidents.find((i) => i.id === inc.id)!.reporter).toBeNull();
    expect(
      heard
        .filter((m) => m.room === 'incidents:BPBD')
        .flatMap((m) => m.incidents)
        .some((i) => i.id === inc.id),
    ).toBe(false);

    // the handling OPD works it: BPBD follows, in sequence
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'accept' }, tokens.dlh)).status).toBe(200);
    await waitFor(
      'the acceptance',
      () => heard.some((m) => m.room === room && m.incidents.some((i) => i.id === inc.id && i.status === 'diterima')),
      2_000,
    );
    // a resubscription's snapshot carries it, at the room's seq
    const again = await subscribe(bpbd, 'flood-response');
    expect(again.ok && again.data.incidents.map((i) => i.id)).toEqual([inc.id]);
    expect(again.ok && again.data.seq).toBe(heard.filter((m) => m.room === room).at(-1)!.seq);
    const seqs = heard.filter((m) => m.room === room).map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seq0 + 1 + i));

    // the reporting side (the command center) shares the reporter: now BPBD sees it
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'share_reporter' }, tokens.operator)).status).toBe(200);
    await waitFor(
      'the shared reporter',
      () => heard.some((m) => m.room === room && m.incidents.some((i) => i.id === inc.id && i.reporter === 'Pak RW 03')),
      2_000,
    );

    // the agreement is revoked: the subscription ends with a reason, nothing more arrives in the room
    await revokeAgreement(server.storage.pool, agreement);
    await server.app.catalog.reload();
    await server.app.recheckLive();
    await waitFor('the subscription to end', () => ended.length > 0, 2_000);
    expect(ended[0]).toMatchObject({ channel: 'incidents', key: 'BPBD/flood-response', code: 'forbidden' });
    const before = heard.length;
    expect((await send(`/api/v1/incidents/${inc.id}/actions`, { action: 'start' }, tokens.dlh)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(heard.slice(before).filter((m) => m.room === room)).toEqual([]);
    expect(await subscribe(bpbd, 'flood-response')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await server.get(`/api/v1/incidents/${inc.id}?purpose=flood-response`, tokens.bpbd)).status).toBe(404);
    expect(bpbd.connected).toBe(true);
    bpbd.disconnect();
    dpupr.disconnect();
  });

  it('two agreements share for one purpose and one ends: its incidents leave the room, which stays open', async () => {
    const grant = (itemCode: string) =>
      grantAgreement(server.storage.pool, {
        ownerOpd: 'DLH',
        granteeOpd: 'DPUPR',
        itemType: 'metric',
        itemCode,
        purpose: 'drainage-watch',
        validUntil: Date.now() + 86_400_000,
        reference: null,
      });
    const ending = await grant('container_fill');
    await grant('truck_load');
    await server.app.catalog.reload();
    await server.app.recheckLive(); // the agreements in force are recorded
    expect(
      (
        await server.post(
          '/api/v1/ingest',
          { points: [{ metric: 'container_fill', entity: 'TPS-DUA', time: Date.now(), value: 0.98 }] },
          await server.key('DLH'),
        )
      ).status,
    ).toBe(202);
    const alert = await waitFor('the container alert', async () =>
      ((await server.get('/api/v1/alerts', tokens.operator)).body.alerts as WireAlert[]).find((a) => a.entity === 'TPS-DUA'),
    );
    const dpupr = server.socket('/live', tokens.dpupr);
    await connected(dpupr);
    const heard: IncidentsChanged[] = [];
    const ended: unknown[] = [];
    dpupr.on('incidents:changed', (m) => heard.push(m));
    dpupr.on('subscription:ended', (m) => ended.push(m));
    const room = 'incidents:DPUPR/drainage-watch';
    expect(await subscribe(dpupr, 'drainage-watch')).toMatchObject({ ok: true, data: { room } });
    const created = await send('/api/v1/incidents', { from: { type: 'alert', id: alert.id } }, tokens.operator);
    expect(created.status).toBe(201);
    const id = created.body.incident.id as number;
    await waitFor('the shared incident', () => heard.some((m) => m.room === room && m.incidents.some((i) => i.id === id)), 2_000);

    // the container_fill agreement ends; truck_load still shares for the purpose: the room stays, the incident goes
    await revokeAgreement(server.storage.pool, ending);
    await server.app.catalog.reload();
    await server.app.recheckLive();
    await waitFor('the removal', () => heard.some((m) => m.room === room && m.removed.includes(id)), 2_000);
    expect(ended).toEqual([]);
    const again = await subscribe(dpupr, 'drainage-watch');
    expect(again.ok && again.data.incidents.map((i) => i.id)).toEqual([]);

    // a new agreement for container_fill: the incident comes back into the open room, with no new subscription
    const heardBefore = heard.length;
    await grant('container_fill');
    await server.app.catalog.reload();
    await server.app.recheckLive();
    await waitFor(
      'the incident shared anew',
      () => heard.slice(heardBefore).some((m) => m.room === room && m.incidents.some((i) => i.id === id && i.reporter === null)),
      2_000,
    );
    expect(ended).toEqual([]);
    dpupr.disconnect();
  });

  it('never shows the reporter to other OPDs unless the reporting side shares it (REST, snapshots and every room)', async () => {
    const bpbd = server.socket('/live', tokens.bpbd);
    const dlh = server.socket('/live', tokens.dlh);
    const operator = server.socket('/live', tokens.operator);
    await Promise.all([connected(bpbd), connected(dlh), connected(operator)]);
    const heard = { bpbd: [] as IncidentsChanged[], dlh: [] as IncidentsChanged[], operator: [] as IncidentsChanged[] };
    bpbd.on('incidents:changed', (m) => heard.bpbd.push(m));
    dlh.on('incidents:changed', (m) => heard.dlh.push(m));
    operator.on('incidents:changed', (m) => heard.operator.push(m));
    // BPBD reports by hand and hands it on: DLH handles it, DPUPR supports, BPBD is on it only as the reporting side
    const made = await send(
      '/api/v1/incidents',
      {
        from: { type: 'manual', lon: 110.43, lat: -6.99 },
        title: 'Sampah menyumbat gorong-gorong',
        handlingOpd: 'DLH',
        supportingOpds: ['DPUPR'],
        reporter: 'Ibu Sri, 0812-555',
      },
      tokens.bpbd,
    );
    expect(made.status).toBe(201);
    const id = made.body.incident.id as number;
    expect(made.body.incident.reporter).toBe('Ibu Sri, 0812-555');
    await waitFor('the operator room', () => heard.operator.some((m) => m.incidents.some((i) => i.id === id)), 2_000);
    await waitFor('the DLH room', () => heard.dlh.some((m) => m.incidents.some((i) => i.id === id)), 2_000);
    const seen = (who: 'dlh' | 'dpupr' | 'operator') =>
      Promise.all([
        server.get(`/api/v1/incidents/${id}`, tokens[who]).then((r) => r.body.incident.reporter),
        server.get('/api/v1/incidents', tokens[who]).then((r) => (r.body.incidents as WireIncident[]).find((i) => i.id === id)!.reporter),
      ]);
    for (const who of ['dlh', 'dpupr', 'operator'] as const) expect(await seen(who), who).toEqual([null, null]);
    for (const m of [...heard.dlh, ...heard.operator]) for (const i of m.incidents) if (i.id === id) expect(i.reporter).toBeNull();
    const snap = (await dlh.timeout(5_000).emitWithAck('incidents:subscribe', {})) as SubAck;
    expect(snap.ok && snap.data.incidents.find((i) => i.id === id)!.reporter).toBeNull();
    // the timeline does not leak it either
    expect(JSON.stringify((await server.get(`/api/v1/incidents/${id}`, tokens.dlh)).body)).not.toContain('Ibu Sri');
    // the reporting side still sees it (REST, its list, its room's snapshot and deltas); nobody else may share it
    expect((await server.get(`/api/v1/incidents/${id}`, tokens.bpbd)).body.incident.reporter).toBe('Ibu Sri, 0812-555');
    const bpbdList = incidentsResponse.parse((await server.get('/api/v1/incidents', tokens.bpbd)).body).incidents;
    expect(bpbdList.find((i) => i.id === id)?.reporter).toBe('Ibu Sri, 0812-555');
    const bpbdSnap = (await bpbd.timeout(5_000).emitWithAck('incidents:subscribe', {})) as SubAck;
    expect(bpbdSnap.ok && bpbdSnap.data.incidents.find((i) => i.id === id)?.reporter).toBe('Ibu Sri, 0812-555');
    await waitFor('the BPBD room', () => heard.bpbd.some((m) => m.room === 'incidents:BPBD' && m.incidents.some((i) => i.id === id)), 2_000);
    // DLH works it: the reporting OPD follows what happened
    expect((await send(`/api/v1/incidents/${id}/actions`, { action: 'accept' }, tokens.dlh)).status).toBe(200);
    await waitFor(
      'the acceptance in the BPBD room',
      () => heard.bpbd.some((m) => m.room === 'incidents:BPBD' && m.incidents.some((i) => i.id === id && i.status === 'diterima')),
      2_000,
    );
    expect((await send(`/api/v1/incidents/${id}/actions`, { action: 'share_reporter' }, tokens.dlh)).status).toBe(403);
    expect((await send(`/api/v1/incidents/${id}/actions`, { action: 'share_reporter' }, tokens.operator)).status).toBe(403);
    // shared by BPBD: everyone who sees the incident sees the reporter, live too
    expect((await send(`/api/v1/incidents/${id}/actions`, { action: 'share_reporter' }, tokens.bpbd)).status).toBe(200);
    await waitFor(
      'the reporter in the DLH room',
      () => heard.dlh.some((m) => m.incidents.some((i) => i.id === id && i.reporter === 'Ibu Sri, 0812-555')),
      2_000,
    );
    for (const who of ['dlh', 'dpupr', 'operator'] as const) expect(await seen(who), who).toEqual(['Ibu Sri, 0812-555', 'Ibu Sri, 0812-555']);
    for (const s of [bpbd, dlh, operator]) s.disconnect();
  });
});
