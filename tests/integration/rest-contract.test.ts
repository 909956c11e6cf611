/**
 * The REST contract (shared/rest.ts) against the real server: every operation the OpenAPI document lists is
 * called here with a real request, and its answer must parse with the schema the document names for that
 * status — and parse to exactly what was sent, so a field the server adds without documenting it fails too.
 * A documented operation with no request below fails the test: a new route cannot skip its contract check.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatorProjectRegistry } from '../../ingest/sources/simulator';
import type { WireAlert } from '../../shared/alerts';
import { restResponses, type RestResponseName } from '../../shared/rest';
import { startTestServer, waitFor, type TestServer } from '../support/server';
import { grantAgreement } from '../../db/queries/sharing';
import { createIngestKey } from '../../db/queries/credentials';
import { DEFAULT_SCENES } from '../../shared/scenes';
import { regionsFixture } from '../support/regions-fixture';

interface Call {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** key (ingest), token, or nothing */
  auth?: string;
  body?: unknown;
  /** the status this call must get; its documented schema is the one checked */
  status: number;
}

/** Paths of `sent` that parsing dropped (zod objects strip keys they do not know). */
function undocumented(sent: unknown, kept: unknown, at = ''): string[] {
  if (Array.isArray(sent)) return sent.flatMap((x, i) => undocumented(x, (kept as unknown[] | undefined)?.[i], `${at}[${i}]`)).slice(0, 5);
  if (sent === null || typeof sent !== 'object') return [];
  const k = (kept ?? {}) as Record<string, unknown>;
  return Object.entries(sent).flatMap(([key, v]) => (key in k ? undocumented(v, k[key], at ? `${at}.${key}` : key) : [at ? `${at}.${key}` : key]));
}

const backends = Object.entries(inject('backends')).slice(0, 1); // one backend: the contract does not depend on it

describe.each(backends)('REST contract on %s', (_name, adminUrl) => {
  let server: TestServer;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>> };
  let calls: Record<string, Call[]>;

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    doc = (await server.get('/api/v1/openapi.json')).body;
    const [bpbd, dpupr, kominfo, dishub] = await Promise.all(['BPBD', 'DPUPR', 'DISKOMINFO', 'DISHUB'].map((o) => server.key(o)));
    const [admin, operator] = await Promise.all([server.token('admin'), server.token('operator')]);
    const bpbdToken = await server.token('agency', 'BPBD');
    const toRevoke = (await createIngestKey(server.storage.pool, 'DLH', 'kontrak: dicabut')).id;
    await server.user('kontrak', 'kata-sandi-kontrak-1', 'operator');
    const { rows } = await server.storage.pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 1`);
    const kel = rows[0]!.code;
    const now = Date.now();
    const registry = (await simulatorProjectRegistry({ seed: 1 })).slice(0, 2);
    const badRegions = regionsFixture();
    badRegions.features[1]!.properties.kode = '33.74.01.9999';

    // data behind every view: readings (one at Awas, for an alert), complaints, a project
    const ingest = {
      points: [{ metric: 'water_level', entity: 'PA-KONTRAK', region: kel, time: now - 60_000, value: 280, lon: 110.42, lat: -6.97 }],
    };
    expect((await server.post('/api/v1/ingest', ingest, bpbd)).status).toBe(202);
    const progress = { points: [{ metric: 'project_progress', entity: registry[0]!.id, region: kel, time: now - 60_000, value: 40 }] };
    expect((await server.post('/api/v1/projects', { projects: registry }, dpupr)).status).toBe(202);
    expect((await server.post('/api/v1/ingest', progress, dpupr)).status).toBe(202);
    // a trench of another OPD on the first project's spot: a dig-once conflict to list and coordinate
    const p0 = registry[0]!;
    const trench = {
      projects: [
        {
          id: 'KONTRAK-GALIAN',
          name: 'Galian kabel',
          opd: 'DISKOMINFO',
          contractValue: 1_000_000,
          contractStart: p0.contractStart,
          contractEnd: p0.contractEnd,
          workType: 'utility_trench',
          geometry: { type: 'Point', coordinates: [p0.lon!, p0.lat!] },
        },
      ],
    };
    const trenchAnswer = await server.post('/api/v1/projects', trench, kominfo);
    expect(trenchAnswer.status).toBe(202);
    const conflictId = trenchAnswer.body.warnings[0].conflictId as number;
    const kominfoToken = await server.token('agency', 'DISKOMINFO');
    const alert = await waitFor('an open alert', async () =>
      ((await server.get('/api/v1/alerts', operator)).body.alerts as WireAlert[]).find((a) => a.entity === 'PA-KONTRAK'),
    );
    const events = {
      events: Array.from({ length: 6 }, (_, i) => ({
        kind: 'complaint',
        id: `KONTRAK-${i}`,
        status: 'received',
        time: now - 3_600_000 + i,
        category: 'sampah',
        region: kel,
      })),
    };
    const datasets = (await server.get('/api/public/v1/datasets')).body.datasets as { id: string; resources: { id: string }[] }[];
    const dataset = datasets[0]!.id;
    const resource = datasets[0]!.resources[0]!.id;
    const from = new Date(now - 3_600_000).toISOString();
    const to = new Date(now).toISOString();
    const ckan = (action: string, q: string): Call[] => [
      { path: `/api/3/action/${action}${q}`, status: 200 },
      { method: 'POST', path: `/api/3/action/${action}`, body: Object.fromEntries(new URLSearchParams(q.slice(1))), status: 200 },
    ];

    // issue 19: one archived briefing
    const briefingWeek = '2026-W45';
    expect((await server.app.briefings.generate({ week: briefingWeek, actor: 'test' })).kind).toBe('generated');
    // issue 16: an incident of the alert (BPBD handles it), a watch alert, a dead letter
    const incidentId = (await server.post('/api/v1/incidents', { from: { type: 'alert', id: alert.id } }, operator)).body.incident.id as number;
    const pool = server.storage.pool;
    const watchId = (
      await pool.query(
        `INSERT INTO watch_alert (kind, subject, opd_code, opened_at, detail) VALUES ('feed_late', 'kontrak@BPBD', 'BPBD', now(), '{}') RETURNING id`,
      )
    ).rows[0].id as number;
    const routeId = (
      await pool.query(`INSERT INTO notification_route (opd_code, channel, address) VALUES ('BPBD', 'email', 'bpbd@example.go.id') RETURNING id`)
    ).rows[0].id as number;
    const deadId = (
      await pool.query(
        `INSERT INTO notification_outbox (route_id, channel, address, severity, subject, body, payload, dedupe_key, status, attempts, created_at, available_at, last_error)
         VALUES ($1, 'email', 'bpbd@example.go.id', 'siaga', 'Uji', 'Uji', '{}', 'kontrak', 'dead', 8, now(), now(), 'connection refused') RETURNING id`,
        [routeId],
      )
    ).rows[0].id as number;
    await pool.query(
      `INSERT INTO notification_attempt (outbox_id, time, ok, detail, duration_ms) VALUES ($1, now(), false, 'connection refused', 3)`,
      [deadId],
    );
    // issue 19: a request to decide, one to withdraw, an agreement to renew, dispute and read the usage of
    const dlhToken = await server.token('agency', 'DLH');
    const ask = async (itemType: string, itemCode: string, purpose: string) =>
      (
        await server.post(
          '/api/v1/sharing/requests',
          { itemType, itemCode, purpose, justification: 'Uji kontrak', validUntil: now + 30 * 86_400_000 },
          bpbdToken,
        )
      ).body.request.id as number;
    const toDecide = await ask('metric', 'truck_load', 'kontrak');
    const toWithdraw = await ask('event_kind', 'complaint', 'kontrak');
    const agreementId = await grantAgreement(pool, {
      ownerOpd: 'DLH',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'container_fill',
      purpose: 'kontrak',
      validUntil: now + 30 * 86_400_000,
      reference: null,
    });
    // issue 21: a resolved complaint to look up and rate, an Open311 one, notices to edit and withdraw
    const tiketTime = (h: number) => new Date(now - h * 3_600_000).toISOString();
    const tiket = [
      { kind: 'complaint', id: 'KONTRAK-TIKET', status: 'received', time: tiketTime(5), category: 'sampah', region: kel },
      { kind: 'complaint', id: 'KONTRAK-TIKET', status: 'resolved', time: tiketTime(1), category: 'sampah', region: kel },
      { kind: 'complaint', id: 'o311-4242', status: 'received', time: tiketTime(2), category: 'drainase', region: kel },
    ];
    expect((await server.post('/api/v1/events', { events: tiket }, kominfo)).status).toBe(202);
    const noticeBody = {
      kind: 'pump_maintenance',
      headline: 'Pemeliharaan pompa Kali Semarang',
      description: 'Pompa 2 dirawat.',
      regions: [kel],
      validUntil: new Date(now + 3_600_000).toISOString(),
    };
    const noticeId = (await server.post('/api/v1/notices', noticeBody, bpbdToken)).body.notice.id as number;
    const withdrawId = (await server.post('/api/v1/notices', noticeBody, bpbdToken)).body.notice.id as number;
    const dishubToken = await server.token('agency', 'DISHUB');
    calls = {
      // issue 21
      'GET /api/public/v1/tickets/{ticket}': [
        { path: '/api/public/v1/tickets/KONTRAK-TIKET', status: 200 },
        { path: '/api/public/v1/tickets/TIDAK-ADA-1', status: 200 },
        { path: '/api/public/v1/tickets/%3Cx%3E', status: 400 },
      ],
      'POST /api/public/v1/tickets/{ticket}/rating': [
        { method: 'POST', path: '/api/public/v1/tickets/KONTRAK-TIKET/rating', body: { rating: 4 }, status: 200 },
        { method: 'POST', path: '/api/public/v1/tickets/KONTRAK-TIKET/rating', body: { rating: 4 }, status: 409 },
        { method: 'POST', path: '/api/public/v1/tickets/KONTRAK-TIKET/rating', body: { rating: 0 }, status: 400 },
      ],
      'GET /api/public/v1/ratings': [{ path: '/api/public/v1/ratings', status: 200 }],
      'GET /open311/v2/requests/{id}.json': [
        { path: '/open311/v2/requests/4242.json', status: 200 },
        { path: '/open311/v2/requests/4243.json', status: 404 },
        { path: '/open311/v2/requests/%3Cx%3E.json', status: 400 },
      ],
      'POST /api/v1/notices': [
        { method: 'POST', path: '/api/v1/notices', auth: operator, body: noticeBody, status: 201 },
        { method: 'POST', path: '/api/v1/notices', auth: operator, body: { ...noticeBody, kind: 'x' }, status: 400 },
        { method: 'POST', path: '/api/v1/notices', body: noticeBody, status: 401 },
        { method: 'POST', path: '/api/v1/notices', auth: dishubToken, body: { ...noticeBody, opd: 'BPBD' }, status: 403 },
      ],
      'POST /api/v1/notices/{id}': [
        { method: 'POST', path: `/api/v1/notices/${noticeId}`, auth: bpbdToken, body: { ...noticeBody, version: 1 }, status: 200 },
        { method: 'POST', path: `/api/v1/notices/${noticeId}`, auth: bpbdToken, body: { ...noticeBody, version: 1 }, status: 409 },
        { method: 'POST', path: `/api/v1/notices/${noticeId}`, auth: bpbdToken, body: { version: 2 }, status: 400 },
        { method: 'POST', path: `/api/v1/notices/${noticeId}`, body: { ...noticeBody, version: 2 }, status: 401 },
        { method: 'POST', path: `/api/v1/notices/${noticeId}`, auth: dishubToken, body: { ...noticeBody, version: 2 }, status: 403 },
        { method: 'POST', path: '/api/v1/notices/999999', auth: operator, body: { ...noticeBody, version: 1 }, status: 404 },
      ],
      'POST /api/v1/notices/{id}/withdraw': [
        { method: 'POST', path: `/api/v1/notices/${withdrawId}/withdraw`, auth: dishubToken, body: {}, status: 403 },
        { method: 'POST', path: `/api/v1/notices/${withdrawId}/withdraw`, auth: bpbdToken, body: {}, status: 200 },
        { method: 'POST', path: `/api/v1/notices/${withdrawId}/withdraw`, auth: bpbdToken, body: {}, status: 409 },
        { method: 'POST', path: '/api/v1/notices/x/withdraw', auth: bpbdToken, body: {}, status: 400 },
        { method: 'POST', path: `/api/v1/notices/${withdrawId}/withdraw`, body: {}, status: 401 },
        { method: 'POST', path: '/api/v1/notices/999999/withdraw', auth: operator, body: {}, status: 404 },
      ],
      'GET /api/public/v1/notices': [{ path: '/api/public/v1/notices', status: 200 }],
      'GET /api/public/v1/notices/history': [{ path: '/api/public/v1/notices/history', status: 200 }],
      'GET /api/public/v1/notices.atom': [{ path: '/api/public/v1/notices.atom', status: 200 }],
      'GET /api/public/v1/notices/{id}.cap': [
        { path: `/api/public/v1/notices/${noticeId}.cap`, status: 200 },
        { path: '/api/public/v1/notices/999999.cap', status: 404 },
        { path: '/api/public/v1/notices/abc.cap', status: 400 },
      ],
      'GET /api/v1/sharing/overview': [
        { path: '/api/v1/sharing/overview', auth: bpbdToken, status: 200 },
        { path: '/api/v1/sharing/overview', auth: admin, status: 200 },
        { path: '/api/v1/sharing/overview', status: 401 },
      ],
      'POST /api/v1/sharing/requests': [
        {
          method: 'POST',
          path: '/api/v1/sharing/requests',
          auth: bpbdToken,
          body: { itemType: 'metric', itemCode: 'truck_load', purpose: 'kontrak-lain', justification: 'Uji', validUntil: now + 86_400_000 },
          status: 201,
        },
        { method: 'POST', path: '/api/v1/sharing/requests', auth: bpbdToken, body: { itemType: 'metric' }, status: 400 },
        {
          method: 'POST',
          path: '/api/v1/sharing/requests',
          auth: bpbdToken,
          body: { itemType: 'metric', itemCode: 'truck_load', purpose: 'kontrak-lain', justification: 'Uji', validUntil: now + 86_400_000 },
          status: 409,
        },
      ],
      'POST /api/v1/sharing/requests/{id}/decision': [
        { method: 'POST', path: `/api/v1/sharing/requests/${toDecide}/decision`, auth: bpbdToken, body: { decision: 'approve' }, status: 403 },
        {
          method: 'POST',
          path: `/api/v1/sharing/requests/${toDecide}/decision`,
          auth: dlhToken,
          body: { decision: 'approve', regionLevel: 'kota' },
          status: 200,
        },
        { method: 'POST', path: `/api/v1/sharing/requests/${toDecide}/decision`, auth: dlhToken, body: { decision: 'approve' }, status: 409 },
        { method: 'POST', path: '/api/v1/sharing/requests/999999/decision', auth: dlhToken, body: { decision: 'approve' }, status: 404 },
      ],
      'POST /api/v1/sharing/requests/{id}/withdraw': [
        { method: 'POST', path: `/api/v1/sharing/requests/${toWithdraw}/withdraw`, auth: bpbdToken, status: 200 },
        { method: 'POST', path: '/api/v1/sharing/requests/x/withdraw', auth: bpbdToken, status: 400 },
      ],
      'POST /api/v1/sharing/agreements/{id}/renew': [
        {
          method: 'POST',
          path: `/api/v1/sharing/agreements/${agreementId}/renew`,
          auth: dlhToken,
          body: { validUntil: now + 60 * 86_400_000 },
          status: 200,
        },
        {
          method: 'POST',
          path: `/api/v1/sharing/agreements/${agreementId}/renew`,
          auth: bpbdToken,
          body: { validUntil: now + 90 * 86_400_000 },
          status: 201,
        },
        {
          method: 'POST',
          path: `/api/v1/sharing/agreements/${agreementId}/renew`,
          auth: admin,
          body: { validUntil: now + 90 * 86_400_000 },
          status: 403,
        },
      ],
      'POST /api/v1/sharing/agreements/{id}/dispute': [
        { method: 'POST', path: `/api/v1/sharing/agreements/${agreementId}/dispute`, auth: dlhToken, body: { note: 'Uji sengketa' }, status: 200 },
        { method: 'POST', path: `/api/v1/sharing/agreements/${agreementId}/dispute`, auth: dlhToken, body: { note: 'Lagi' }, status: 409 },
      ],
      'POST /api/v1/sharing/agreements/{id}/resolve': [
        { method: 'POST', path: `/api/v1/sharing/agreements/${agreementId}/resolve`, auth: bpbdToken, body: { note: 'Selesai' }, status: 403 },
        { method: 'POST', path: `/api/v1/sharing/agreements/${agreementId}/resolve`, auth: dlhToken, body: { note: 'Selesai' }, status: 200 },
      ],
      'GET /api/v1/sharing/agreements/{id}/usage': [
        { path: `/api/v1/sharing/agreements/${agreementId}/usage`, auth: dlhToken, status: 200 },
        { path: `/api/v1/sharing/agreements/${agreementId}/usage`, auth: bpbdToken, status: 403 },
      ],
      'GET /api/v1/sharing/matrix': [
        { path: '/api/v1/sharing/matrix', auth: admin, status: 200 },
        { path: '/api/v1/sharing/matrix', auth: bpbdToken, status: 403 },
      ],
      // issue 17: users and ingest keys of the admin page (in this order: create, then change)
      'GET /api/v1/admin/users': [
        { path: '/api/v1/admin/users', auth: admin, status: 200 },
        { path: '/api/v1/admin/users', auth: operator, status: 403 },
        { path: '/api/v1/admin/users', status: 401 },
      ],
      'POST /api/v1/admin/users': [
        {
          method: 'POST',
          path: '/api/v1/admin/users',
          auth: admin,
          body: { username: 'petugas-kontrak', password: 'kata-sandi-petugas-1', role: 'agency', opd: 'BPBD' },
          status: 201,
        },
        { method: 'POST', path: '/api/v1/admin/users', auth: admin, body: { username: 'x', role: 'agency' }, status: 400 },
        {
          method: 'POST',
          path: '/api/v1/admin/users',
          auth: admin,
          body: { username: 'petugas-kontrak', password: 'kata-sandi-petugas-1', role: 'agency', opd: 'BPBD' },
          status: 409,
        },
        { method: 'POST', path: '/api/v1/admin/users', auth: bpbdToken, body: {}, status: 403 },
      ],
      'PUT /api/v1/admin/users/{username}/password': [
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/password', auth: admin, body: { password: 'kata-sandi-baru-22' }, status: 200 },
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/password', auth: admin, body: { password: 'pendek' }, status: 400 },
        { method: 'PUT', path: '/api/v1/admin/users/tidak-ada/password', auth: admin, body: { password: 'kata-sandi-baru-22' }, status: 404 },
      ],
      'PUT /api/v1/admin/users/{username}/role': [
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/role', auth: admin, body: { role: 'agency', opd: 'DLH' }, status: 200 },
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/role', auth: admin, body: { role: 'agency', opd: 'DLH' }, status: 409 },
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/role', auth: admin, body: { role: 'operator', opd: 'DLH' }, status: 400 },
      ],
      'PUT /api/v1/admin/users/{username}/status': [
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/status', auth: admin, body: { disabled: true }, status: 200 },
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/status', auth: admin, body: { disabled: true }, status: 409 },
        { method: 'PUT', path: '/api/v1/admin/users/petugas-kontrak/status', auth: admin, body: { disabled: false }, status: 200 },
      ],
      'GET /api/v1/admin/keys': [
        { path: '/api/v1/admin/keys?opd=BPBD', auth: admin, status: 200 },
        { path: '/api/v1/admin/keys?opd=bukan kode', auth: admin, status: 400 },
        { path: '/api/v1/admin/keys', auth: bpbdToken, status: 403 },
      ],
      'POST /api/v1/admin/keys': [
        { method: 'POST', path: '/api/v1/admin/keys', auth: admin, body: { opd: 'DLH', label: 'kontrak' }, status: 201 },
        { method: 'POST', path: '/api/v1/admin/keys', auth: admin, body: { opd: 'TIDAKADA' }, status: 400 },
      ],
      'DELETE /api/v1/admin/keys/{id}': [
        { method: 'DELETE', path: `/api/v1/admin/keys/${toRevoke}`, auth: admin, status: 200 },
        { method: 'DELETE', path: `/api/v1/admin/keys/${toRevoke}`, auth: admin, status: 404 },
        { method: 'DELETE', path: '/api/v1/admin/keys/x', auth: admin, status: 400 },
      ],
      'GET /api/v1/incidents': [
        { path: '/api/v1/incidents', auth: operator, status: 200 },
        { path: '/api/v1/incidents?purpose=A', auth: operator, status: 400 },
        { path: '/api/v1/incidents', status: 401 },
      ],
      'POST /api/v1/incidents': [
        { method: 'POST', path: '/api/v1/incidents', auth: operator, body: { from: { type: 'alert', id: alert.id } }, status: 200 },
        {
          method: 'POST',
          path: '/api/v1/incidents',
          auth: operator,
          body: { from: { type: 'manual', lon: 110.4, lat: -6.9 }, title: 'Uji', handlingOpd: 'DLH' },
          status: 201,
        },
        { method: 'POST', path: '/api/v1/incidents', auth: operator, body: { from: { type: 'manual', lon: 110.4, lat: -6.9 } }, status: 400 },
        { method: 'POST', path: '/api/v1/incidents', auth: operator, body: { from: { type: 'alert', id: 999_999 } }, status: 404 },
        { method: 'POST', path: '/api/v1/incidents', body: { from: { type: 'alert', id: alert.id } }, status: 401 },
      ],
      'GET /api/v1/incidents/{id}': [
        { path: `/api/v1/incidents/${incidentId}`, auth: bpbdToken, status: 200 },
        { path: '/api/v1/incidents/abc', auth: bpbdToken, status: 400 },
        { path: `/api/v1/incidents/${incidentId}`, auth: kominfoToken, status: 404 },
        { path: `/api/v1/incidents/${incidentId}`, status: 401 },
      ],
      'POST /api/v1/incidents/{id}/actions': [
        { method: 'POST', path: `/api/v1/incidents/${incidentId}/actions`, auth: bpbdToken, body: { action: 'accept' }, status: 200 },
        { method: 'POST', path: `/api/v1/incidents/${incidentId}/actions`, auth: bpbdToken, body: { action: 'accept' }, status: 409 },
        { method: 'POST', path: `/api/v1/incidents/${incidentId}/actions`, auth: bpbdToken, body: { action: 'resolve' }, status: 400 },
        { method: 'POST', path: `/api/v1/incidents/${incidentId}/actions`, auth: kominfoToken, body: { action: 'note', text: 'x' }, status: 404 },
        { method: 'POST', path: `/api/v1/incidents/${incidentId}/actions`, auth: operator, body: { action: 'share_reporter' }, status: 200 },
        { method: 'POST', path: `/api/v1/incidents/${incidentId}/actions`, auth: bpbdToken, body: { action: 'merge', into: 1 }, status: 403 },
        { method: 'POST', path: `/api/v1/incidents/${incidentId}/actions`, body: { action: 'accept' }, status: 401 },
      ],
      'GET /api/v1/complaints/routed': [
        { path: '/api/v1/complaints/routed', auth: operator, status: 200 },
        { path: '/api/v1/complaints/routed', status: 401 },
      ],
      'POST /api/v1/watch-alerts/{id}/acknowledge': [
        { method: 'POST', path: `/api/v1/watch-alerts/${watchId}/acknowledge`, auth: kominfoToken, status: 404 },
        { method: 'POST', path: `/api/v1/watch-alerts/${watchId}/acknowledge`, auth: bpbdToken, status: 200 },
        { method: 'POST', path: `/api/v1/watch-alerts/${watchId}/acknowledge`, auth: operator, status: 409 },
        { method: 'POST', path: '/api/v1/watch-alerts/x/acknowledge', auth: operator, status: 400 },
        { method: 'POST', path: `/api/v1/watch-alerts/${watchId}/acknowledge`, status: 401 },
      ],
      'GET /api/v1/escalation-policies': [
        { path: '/api/v1/escalation-policies', auth: bpbdToken, status: 200 },
        { path: '/api/v1/escalation-policies', status: 401 },
      ],
      'POST /api/v1/escalation-policies/{id}': [
        {
          method: 'POST',
          path: '/api/v1/escalation-policies/1',
          auth: admin,
          body: { steps: [{ afterMin: 5, level: 2, notify: ['head', 'supervisor'] }], reminderMin: 10, enabled: true },
          status: 200,
        },
        { method: 'POST', path: '/api/v1/escalation-policies/1', auth: admin, body: { steps: [], reminderMin: null, enabled: true }, status: 400 },
        {
          method: 'POST',
          path: '/api/v1/escalation-policies/999',
          auth: admin,
          body: { steps: [{ afterMin: 5, level: 2, notify: [] }], reminderMin: null, enabled: false },
          status: 404,
        },
        { method: 'POST', path: '/api/v1/escalation-policies/1', auth: operator, body: {}, status: 403 },
        { method: 'POST', path: '/api/v1/escalation-policies/1', body: {}, status: 401 },
      ],
      'GET /api/public/v1/incidents': [{ path: '/api/public/v1/incidents', status: 200 }],
      // issue 19: the scorecard and the weekly briefing
      'GET /api/v1/scorecard': [
        { path: '/api/v1/scorecard', auth: bpbdToken, status: 200 },
        { path: '/api/v1/scorecard?opd=DLH', auth: operator, status: 200 },
        { path: '/api/v1/scorecard?opd=bukan', auth: operator, status: 400 },
        { path: '/api/v1/scorecard?opd=DLH', auth: bpbdToken, status: 403 },
        { path: '/api/v1/scorecard?opd=NOPE', auth: operator, status: 404 },
        { path: '/api/v1/scorecard', status: 401 },
      ],
      'GET /api/v1/scorecard/ranking': [
        { path: '/api/v1/scorecard/ranking', auth: bpbdToken, status: 200 },
        { path: '/api/v1/scorecard/ranking', status: 401 },
      ],
      'GET /api/public/v1/scorecard': [{ path: '/api/public/v1/scorecard', status: 200 }],
      'GET /api/v1/briefings': [
        { path: '/api/v1/briefings', auth: operator, status: 200 },
        { path: '/api/v1/briefings?limit=0', auth: operator, status: 400 },
        { path: '/api/v1/briefings', auth: bpbdToken, status: 403 },
        { path: '/api/v1/briefings', status: 401 },
      ],
      ...Object.fromEntries(
        ['briefing.pdf', 'briefing.html', 'figures.json'].map((file) => [
          `GET /api/v1/briefings/{week}/${file}`,
          [
            { path: `/api/v1/briefings/${briefingWeek}/${file}`, auth: operator, status: 200 },
            { path: `/api/v1/briefings/minggu/${file}`, auth: operator, status: 400 },
            { path: `/api/v1/briefings/2000-W01/${file}`, auth: operator, status: 404 },
            { path: `/api/v1/briefings/${briefingWeek}/${file}`, auth: bpbdToken, status: 403 },
            { path: `/api/v1/briefings/${briefingWeek}/${file}`, status: 401 },
          ],
        ]),
      ),
      'GET /api/v1/notifications/deliveries': [
        { path: '/api/v1/notifications/deliveries', auth: admin, status: 200 },
        { path: '/api/v1/notifications/deliveries?status=lost', auth: admin, status: 400 },
        { path: '/api/v1/notifications/deliveries', auth: operator, status: 403 },
        { path: '/api/v1/notifications/deliveries', status: 401 },
      ],
      'POST /api/v1/notifications/deliveries/{id}/retry': [
        { method: 'POST', path: `/api/v1/notifications/deliveries/${deadId}/retry`, auth: admin, status: 200 },
        { method: 'POST', path: `/api/v1/notifications/deliveries/${deadId}/retry`, auth: admin, status: 409 },
        { method: 'POST', path: '/api/v1/notifications/deliveries/0/retry', auth: admin, status: 400 },
        { method: 'POST', path: `/api/v1/notifications/deliveries/${deadId}/retry`, auth: operator, status: 403 },
        { method: 'POST', path: `/api/v1/notifications/deliveries/${deadId}/retry`, status: 401 },
      ],
      'GET /api/v1/notifications/routes': [
        { path: '/api/v1/notifications/routes', auth: admin, status: 200 },
        { path: '/api/v1/notifications/routes', auth: operator, status: 403 },
        { path: '/api/v1/notifications/routes', status: 401 },
      ],
      'POST /api/v1/notifications/routes': [
        {
          method: 'POST',
          path: '/api/v1/notifications/routes',
          auth: admin,
          body: { opd: 'DLH', channel: 'email', address: 'dlh@example.go.id' },
          status: 201,
        },
        { method: 'POST', path: '/api/v1/notifications/routes', auth: admin, body: { channel: 'email', address: 'bukan-surel' }, status: 400 },
        {
          method: 'POST',
          path: '/api/v1/notifications/routes',
          auth: admin,
          body: { channel: 'webhook', address: 'https://gateway.example/wa' },
          status: 409,
        },
        { method: 'POST', path: '/api/v1/notifications/routes', auth: operator, body: { channel: 'email', address: 'x@example.go.id' }, status: 403 },
        { method: 'POST', path: '/api/v1/notifications/routes', body: { channel: 'email', address: 'x@example.go.id' }, status: 401 },
      ],
      'GET /healthz': [{ path: '/healthz', status: 200 }],
      'GET /readyz': [{ path: '/readyz', status: 200 }],
      'GET /metrics': [{ path: '/metrics', status: 200 }],
      'POST /api/v1/ingest': [
        { method: 'POST', path: '/api/v1/ingest', auth: bpbd, body: ingest, status: 202 },
        { method: 'POST', path: '/api/v1/ingest', body: ingest, status: 401 },
        { method: 'POST', path: '/api/v1/ingest', auth: bpbd, body: { points: [{ metric: 'water_level' }] }, status: 400 },
        { method: 'POST', path: '/api/v1/ingest', auth: dishub, body: ingest, status: 403 },
      ],
      'POST /api/v1/events': [{ method: 'POST', path: '/api/v1/events', auth: kominfo, body: events, status: 202 }],
      'POST /api/v1/projects': [{ method: 'POST', path: '/api/v1/projects', auth: dpupr, body: { projects: registry }, status: 202 }],
      'POST /api/v1/entities': [
        {
          method: 'POST',
          path: '/api/v1/entities',
          auth: dishub,
          body: {
            entities: [
              {
                entity: 'SEG-KONTRAK',
                name: 'Jl. Kontrak',
                path: [
                  [110.41, -6.98],
                  [110.42, -6.97],
                ],
              },
            ],
          },
          status: 200,
        },
      ],
      'POST /api/v1/quarantine': [
        {
          method: 'POST',
          path: '/api/v1/quarantine',
          auth: bpbd,
          body: {
            entries: [
              { source: 'kontrak', opd: 'BPBD', origin: 'baris 3', reason: 'unit tidak dikenal', mappingVersion: null, data: '{"a":1}', time: now },
            ],
          },
          status: 202,
        },
      ],
      'GET /api/v1/quarantine': [
        { path: '/api/v1/quarantine?limit=5', auth: operator, status: 200 },
        { path: '/api/v1/quarantine', auth: bpbdToken, status: 403 },
      ],
      'POST /api/v1/quarantine/resolve': [
        { method: 'POST', path: '/api/v1/quarantine/resolve', auth: operator, body: { ids: [1] }, status: 200 },
        { method: 'POST', path: '/api/v1/quarantine/resolve', auth: operator, body: { ids: [] }, status: 400 },
        { method: 'POST', path: '/api/v1/quarantine/resolve', auth: bpbdToken, body: { ids: [1] }, status: 403 },
      ],
      'POST /api/v1/sources/health': [
        {
          method: 'POST',
          path: '/api/v1/sources/health',
          auth: bpbd,
          body: {
            sources: [
              {
                source: 'kontrak',
                type: 'http-poll',
                opd: 'BPBD',
                expectedIntervalMs: 60_000,
                reportIntervalMs: 10_000,
                lastSuccess: now,
                lastError: null,
                lastErrorAt: null,
                recordsPerSecond: 1.5,
                quarantined: 1,
                spoolDepth: 0,
                spoolFull: false,
                spoolDropped: 0,
              },
            ],
          },
          status: 202,
        },
      ],
      'GET /api/v1/sources/health': [{ path: '/api/v1/sources/health', auth: operator, status: 200 }],
      'GET /api/v1/catalog': [
        { path: '/api/v1/catalog', auth: bpbdToken, status: 200 },
        { path: '/api/v1/catalog', auth: 'bukan-token', status: 401 },
      ],
      'GET /api/v1/series': [
        { path: `/api/v1/series?metric=water_level&from=${from}&to=${to}&bucket=1m`, auth: operator, status: 200 },
        { path: `/api/v1/series?metric=water_level&from=${from}&to=${to}&bucket=raw`, status: 200 },
        { path: `/api/v1/series?metric=water_level&from=${to}&to=${from}`, status: 400 },
      ],
      'GET /api/v1/events/stats': [{ path: `/api/v1/events/stats?kind=complaint&from=${from}&to=${to}`, auth: operator, status: 200 }],
      'GET /api/v1/sharing/agreements': [{ path: '/api/v1/sharing/agreements', auth: bpbdToken, status: 200 }],
      'GET /api/v1/alerts': [{ path: '/api/v1/alerts', auth: bpbdToken, status: 200 }],
      'GET /api/v1/replay': [
        { path: `/api/v1/replay?scene=floods&at=${now - 30_000}`, auth: operator, status: 200 },
        { path: `/api/v1/replay?scene=complaints&at=${now - 30_000}`, auth: bpbdToken, status: 200 },
        { path: `/api/v1/replay?scene=floods&at=${now - 48 * 3_600_000}`, auth: operator, status: 400 },
        { path: `/api/v1/replay?scene=banjir&at=${now - 30_000}`, auth: operator, status: 404 },
        { path: `/api/v1/replay?scene=floods&at=${now - 30_000}`, status: 401 },
      ],
      'GET /api/v1/wall/scenes': [
        { path: '/api/v1/wall/scenes', auth: operator, status: 200 },
        { path: '/api/v1/wall/scenes', auth: bpbdToken, status: 403 },
      ],
      // issue 17: the scenes as data (the body is the built-in scenes document; the reset runs last in its list)
      'PUT /api/v1/admin/scenes': [
        { method: 'PUT', path: '/api/v1/admin/scenes', auth: admin, body: DEFAULT_SCENES, status: 200 },
        { method: 'PUT', path: '/api/v1/admin/scenes', auth: admin, body: { version: 1, scenes: [] }, status: 400 },
        { method: 'PUT', path: '/api/v1/admin/scenes', auth: operator, body: DEFAULT_SCENES, status: 403 },
        { method: 'PUT', path: '/api/v1/admin/scenes', body: DEFAULT_SCENES, status: 401 },
      ],
      'DELETE /api/v1/admin/scenes': [
        { method: 'DELETE', path: '/api/v1/admin/scenes', auth: operator, status: 403 },
        { method: 'DELETE', path: '/api/v1/admin/scenes', auth: admin, status: 200 },
      ],
      'GET /api/v1/projects/conflicts': [
        { path: '/api/v1/projects/conflicts', auth: operator, status: 200 },
        { path: '/api/v1/projects/conflicts', status: 401 },
      ],
      'GET /api/v1/projects/conflicts/unresolved': [
        { path: '/api/v1/projects/conflicts/unresolved', auth: operator, status: 200 },
        { path: '/api/v1/projects/conflicts/unresolved?olderThanDays=0', auth: kominfoToken, status: 200 },
        { path: '/api/v1/projects/conflicts/unresolved?olderThanDays=-1', auth: operator, status: 400 },
        { path: '/api/v1/projects/conflicts/unresolved', status: 401 },
      ],
      'POST /api/v1/projects/conflicts/{id}/coordinate': [
        { method: 'POST', path: `/api/v1/projects/conflicts/${conflictId}/coordinate`, auth: bpbdToken, body: { note: 'x' }, status: 404 },
        { method: 'POST', path: `/api/v1/projects/conflicts/${conflictId}/coordinate`, auth: kominfoToken, body: { note: ' ' }, status: 400 },
        {
          method: 'POST',
          path: `/api/v1/projects/conflicts/${conflictId}/coordinate`,
          auth: kominfoToken,
          body: { note: 'Galian sebelum pengaspalan' },
          status: 200,
        },
        { method: 'POST', path: `/api/v1/projects/conflicts/${conflictId}/coordinate`, auth: kominfoToken, body: { note: 'lagi' }, status: 409 },
      ],
      'POST /api/v1/alerts/{id}/acknowledge': [
        { method: 'POST', path: `/api/v1/alerts/${alert.id}/acknowledge`, auth: operator, body: { note: 'Pompa dinyalakan' }, status: 200 },
      ],
      'POST /api/v1/auth/login': [
        { method: 'POST', path: '/api/v1/auth/login', body: { username: 'kontrak', password: 'kata-sandi-kontrak-1' }, status: 200 },
        { method: 'POST', path: '/api/v1/auth/login', body: { username: 'kontrak', password: 'salah' }, status: 401 },
      ],
      'POST /api/v1/auth/logout': [{ method: 'POST', path: '/api/v1/auth/logout', auth: await server.token('operator'), status: 204 }],
      'GET /api/v1/auth/me': [{ path: '/api/v1/auth/me', auth: bpbdToken, status: 200 }],
      'GET /api/v1/audit': [{ path: '/api/v1/audit?limit=20', auth: admin, status: 200 }],
      // issue 17: the catalog as data (admin only)
      'GET /api/v1/admin/catalog': [
        { path: '/api/v1/admin/catalog', auth: admin, status: 200 },
        { path: '/api/v1/admin/catalog', auth: bpbdToken, status: 403 },
        { path: '/api/v1/admin/catalog', status: 401 },
      ],
      'PUT /api/v1/admin/catalog': [
        {
          method: 'PUT',
          path: '/api/v1/admin/catalog?dryRun=1',
          auth: admin,
          body: { opd: [{ code: 'DINKES', name: 'Dinas Kesehatan' }] },
          status: 200,
        },
        {
          method: 'PUT',
          path: '/api/v1/admin/catalog',
          auth: admin,
          body: {
            domains: [
              { code: 'health', nameId: 'Kesehatan', nameEn: 'Health', sort: 60 },
              { code: 'health', nameId: 'X', nameEn: 'X' },
            ],
          },
          status: 400,
        },
      ],
      'PUT /api/v1/admin/catalog/{section}/{code}': [
        {
          method: 'PUT',
          path: '/api/v1/admin/catalog/domains/kontrak',
          auth: admin,
          body: { code: 'kontrak', nameId: 'Kontrak', nameEn: 'Contract', sort: 99 },
          status: 200,
        },
        { method: 'PUT', path: '/api/v1/admin/catalog/domains/lain', auth: admin, body: { code: 'kontrak', nameId: 'K', nameEn: 'C' }, status: 400 },
      ],
      'DELETE /api/v1/admin/catalog/{section}/{code}': [
        { method: 'DELETE', path: '/api/v1/admin/catalog/domains/kontrak', auth: admin, status: 200 },
        { method: 'DELETE', path: '/api/v1/admin/catalog/domains/floods', auth: admin, status: 409 },
        { method: 'DELETE', path: '/api/v1/admin/catalog/metrics/tidak_ada', auth: admin, status: 404 },
      ],
      'GET /api/public/v1/complaints/summary': [
        { path: '/api/public/v1/complaints/summary?period=24h', status: 200 },
        { path: '/api/public/v1/complaints/summary?period=1y', status: 400 },
      ],
      'GET /api/public/v1/complaints/map': [{ path: '/api/public/v1/complaints/map?period=7d', status: 200 }],
      'GET /api/public/v1/complaints/performance': [{ path: '/api/public/v1/complaints/performance?period=30d', status: 200 }],
      'GET /api/public/v1/projects': [{ path: '/api/public/v1/projects', status: 200 }],
      'GET /api/public/v1/lines': [{ path: '/api/public/v1/lines', status: 200 }],
      'GET /api/public/v1/metrics': [{ path: '/api/public/v1/metrics', status: 200 }],
      'GET /api/public/v1/warnings': [{ path: '/api/public/v1/warnings', status: 200 }],
      'GET /api/public/v1/regions': [{ path: '/api/public/v1/regions', status: 200 }],
      'GET /api/public/v1/basemap': [{ path: '/api/public/v1/basemap', status: 200 }],
      'GET /api/public/v1/basemap/layers/{layer}': [
        { path: '/api/public/v1/basemap/layers/roads', status: 200 },
        { path: '/api/public/v1/basemap/layers/gedung', status: 404 },
      ],
      // no archive in this server (basemap.test.ts imports one and reads ranges)
      'GET /api/public/v1/basemap/tiles.pmtiles': [{ path: '/api/public/v1/basemap/tiles.pmtiles', status: 404 }],
      'POST /api/v1/admin/regions/import': [
        // a dry run: checked and reported, rolled back (the other calls keep the demo city)
        { method: 'POST', path: '/api/v1/admin/regions/import?dryRun=1', auth: admin, body: regionsFixture(), status: 200 },
        { method: 'POST', path: '/api/v1/admin/regions/import?dryRun=1', auth: admin, body: badRegions, status: 422 },
        { method: 'POST', path: '/api/v1/admin/regions/import?dryRun=1', auth: operator, body: regionsFixture(), status: 403 },
      ],
      'GET /api/public/v1/datasets': [{ path: '/api/public/v1/datasets', status: 200 }],
      'GET /api/public/v1/datasets/{id}': [
        { path: `/api/public/v1/datasets/${dataset}`, status: 200 },
        { path: '/api/public/v1/datasets/tidak-ada', status: 404 },
      ],
      'GET /api/public/v1/datasets/{id}/data.csv': [{ path: `/api/public/v1/datasets/${dataset}/data.csv`, status: 200 }],
      'GET /api/public/v1/datasets/{id}/data.json': [{ path: `/api/public/v1/datasets/${dataset}/data.json`, status: 200 }],
      'GET /api/v1/openapi.json': [{ path: '/api/v1/openapi.json', status: 200 }],
      'GET /api/docs': [
        { path: '/api/docs', status: 200 },
        { path: '/api/docs?lang=en', status: 200 },
        { path: '/api/docs?lang=fr', status: 400 },
      ],
      ...Object.fromEntries(
        (
          [
            ['package_list', ''],
            ['package_show', `?id=${dataset}`],
            ['package_search', '?q=air&rows=2'],
            ['datastore_search', `?resource_id=${resource}&limit=3`],
            ['help_show', '?name=package_show'],
            ['status_show', ''],
            ['organization_list', '?all_fields=true'],
            ['organization_show', '?id=bpbd&include_datasets=true'],
            ['group_list', '?all_fields=true'],
          ] as const
        ).flatMap(([action, q]) => {
          const [get, post] = ckan(action, q);
          const refused: Record<string, Call> = {
            package_show: { path: '/api/3/action/package_show?id=tidak-ada', status: 404 },
            datastore_search: { path: '/api/3/action/datastore_search?resource_id=tidak-ada', status: 404 },
            help_show: { path: '/api/3/action/help_show', status: 409 },
            organization_show: { path: '/api/3/action/organization_show?id=tidak-ada', status: 404 },
            group_list: { path: '/api/3/action/group_list?limit=-1', status: 409 },
          };
          return [
            [`GET /api/3/action/${action}`, [get!, ...(refused[action] ? [refused[action]] : [])]],
            [`POST /api/3/action/${action}`, [post!]],
          ];
        }),
      ),
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('has a real request for every documented operation', () => {
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) for (const m of Object.keys(item)) documented.push(`${m.toUpperCase()} ${path}`);
    expect(documented.filter((op) => !calls[op]).sort()).toEqual([]);
    expect(
      Object.keys(calls)
        .filter((op) => !documented.includes(op))
        .sort(),
    ).toEqual([]);
  });

  it('answers every operation with exactly the documented shape', async () => {
    const problems: string[] = [];
    for (const [op, list] of Object.entries(calls)) {
      const [, template] = op.split(' ') as [string, string];
      const operation = doc.paths[template]![op.split(' ')[0]!.toLowerCase()]!;
      for (const call of list) {
        const res = await fetch(server.url + call.path, {
          method: call.method ?? 'GET',
          headers: {
            ...(call.auth ? { authorization: `Bearer ${call.auth}` } : {}),
            ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
        });
        const where = `${call.method ?? 'GET'} ${call.path}`;
        if (res.status !== call.status) {
          problems.push(`${where}: HTTP ${res.status}, expected ${call.status}: ${(await res.text()).slice(0, 200)}`);
          continue;
        }
        const documentedStatus = operation.responses[String(res.status)];
        if (!documentedStatus) {
          problems.push(`${where}: status ${res.status} is not documented for ${op}`);
          continue;
        }
        const content = documentedStatus.content ?? {};
        const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
        if (Object.keys(content).length === 0) {
          if ((await res.text()) !== '') problems.push(`${where}: documented without a body, answered one`);
          continue;
        }
        if (!content[type]) {
          problems.push(`${where}: answered ${type}, documented ${Object.keys(content).join(', ')}`);
          continue;
        }
        const ref = content[type]!.schema?.$ref;
        const text = await res.text();
        if (!ref) continue; // text, CSV, HTML: the type is the contract
        const name = ref.replace('#/components/schemas/', '') as RestResponseName;
        const schema = restResponses[name];
        if (!schema) {
          problems.push(`${where}: ${name} is not in restResponses`);
          continue;
        }
        const body = JSON.parse(text);
        const parsed = schema.safeParse(body);
        if (!parsed.success) problems.push(`${where} (${name}): ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        else {
          const extra = undocumented(body, parsed.data);
          if (extra.length) problems.push(`${where} (${name}): answers fields the schema does not document: ${extra.slice(0, 5).join(', ')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
