/**
 * Follow your complaint (issue 21) against the real server: a ticket lookup shows the status history in WIB,
 * the handling OPD and the SLA, never the title or position; unknown tickets answer with the same status and
 * keys; lookups are rate-limited per address; a resolved complaint is rated once; "belum selesai" reopens the
 * work for the handling OPD as an incident (audited, live on its incidents room); ratings publish at k only;
 * the Open311 GeoReport v2 lookup answers the spec's shape without personal data.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAudit, verifyAudit } from '../../db/queries/audit';
import type { IncidentsChanged } from '../../shared/incidents';
import { open311RequestResponse, publicRatingsResponse, publicTicketResponse } from '../../shared/tickets';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const HOUR = 3_600_000;
const SECRET_TITLE = 'Lubang di depan rumah Ibu Sri Wahyuni, Jl. Melati 12';
const SECRET_LON = 110.4123457;
const SECRET_LAT = -6.9812345;
const PER_MIN = 40;

let server: TestServer;
let kominfo: string;
let kel: string;

const json = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
  const t0 = performance.now();
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null, ms: performance.now() - t0, headers: res.headers };
};

/** Sends complaint status changes (kind `complaint`, owned by DISKOMINFO; `jalan_rusak` is routed to DPUPR, SLA 120 h). */
const complaint = async (id: string, steps: [status: string, at: number][], category = 'jalan_rusak') => {
  const events = steps.map(([status, time]) => ({
    kind: 'complaint',
    id,
    status,
    time: new Date(time).toISOString(),
    category,
    region: kel,
    lon: SECRET_LON,
    lat: SECRET_LAT,
    title: SECRET_TITLE,
  }));
  expect((await server.post('/api/v1/events', { events }, kominfo)).status).toBe(202);
};

/** How far the server's clock runs ahead of the wall clock (to step past the ratings cache). */
let clockAhead = 0;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { ticketLookupsPerMin: PER_MIN, clock: () => Date.now() + clockAhead });
  kominfo = await server.key('DISKOMINFO');
  kel = (await server.storage.pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 1`)).rows[0]!.code;
});
afterAll(async () => server?.close());

describe('follow your complaint', () => {
  it('shows the status history in WIB, the handling OPD and the SLA — never the title, reporter or position', async () => {
    const t0 = Date.UTC(2026, 11, 1, 1, 0); // 08:00 WIB
    await complaint('LPR-20261201-0001', [
      ['received', t0],
      ['verified', t0 + HOUR],
      ['dispatched', t0 + 2 * HOUR],
      ['resolved', t0 + 30 * HOUR],
    ]);
    const r = await json('GET', '/api/public/v1/tickets/LPR-20261201-0001');
    expect(r.status).toBe(200);
    const t = publicTicketResponse.parse(r.body);
    expect(t).toMatchObject({
      ticket: 'LPR-20261201-0001',
      found: true,
      status: 'resolved',
      closed: true,
      category: 'jalan_rusak',
      handlingOpd: 'DPUPR',
      openedAt: '2026-12-01T08:00:00+07:00',
      closedAt: '2026-12-02T14:00:00+07:00',
      slaTargetHours: 120,
      slaDueAt: '2026-12-06T08:00:00+07:00',
      slaMet: true,
      canRate: true,
      rated: false,
    });
    expect(t.history).toEqual([
      { status: 'received', at: '2026-12-01T08:00:00+07:00' },
      { status: 'verified', at: '2026-12-01T09:00:00+07:00' },
      { status: 'dispatched', at: '2026-12-01T10:00:00+07:00' },
      { status: 'resolved', at: '2026-12-02T14:00:00+07:00' },
    ]);
    expect(r.text).not.toContain('Wahyuni');
    expect(r.text).not.toContain('Melati');
    expect(r.text).not.toContain(String(SECRET_LON));
    expect(r.text).not.toContain(String(SECRET_LAT));
    expect(r.text).not.toContain(kel);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('answers an unknown ticket with the same status and keys (found: false), no faster than a known one', async () => {
    await complaint('LPR-20261201-0002', [['received', Date.now() - 200 * HOUR]]);
    const known = await json('GET', '/api/public/v1/tickets/LPR-20261201-0002');
    const unknown = await json('GET', '/api/public/v1/tickets/LPR-99999999-9999');
    expect(unknown.status).toBe(known.status);
    expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
    expect(publicTicketResponse.parse(unknown.body)).toMatchObject({ found: false, status: null, handlingOpd: null, history: [], canRate: false });
    // open past its 120 h target: missed
    expect(known.body).toMatchObject({ found: true, closed: false, slaMet: false, canRate: false });
    // both wait for the same floor (server/tickets/routes.ts LOOKUP_FLOOR_MS = 150)
    expect(unknown.ms).toBeGreaterThanOrEqual(145);
    expect(known.ms).toBeGreaterThanOrEqual(145);
    // a malformed number is a 400 with details, not a lookup
    const bad = await json('GET', `/api/public/v1/tickets/${encodeURIComponent('<script>')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.details.length).toBeGreaterThan(0);
  });

  it('finds an Open311 request by its service_request_id, and answers GeoReport v2 without personal data', async () => {
    await complaint('o311-88123', [
      ['received', Date.now() - 3 * HOUR],
      ['dispatched', Date.now() - HOUR],
    ]);
    const t = await json('GET', '/api/public/v1/tickets/88123');
    expect(t.body).toMatchObject({ found: true, status: 'dispatched', handlingOpd: 'DPUPR' });
    const o = await json('GET', '/open311/v2/requests/88123.json');
    expect(o.status).toBe(200);
    const [req] = open311RequestResponse.parse(o.body);
    expect(req).toMatchObject({ service_request_id: '88123', status: 'open', status_notes: 'dispatched', service_code: 'jalan_rusak' });
    expect(o.text).not.toMatch(/lat|long|address|description|email|phone|Wahyuni/);
    const missing = await json('GET', '/open311/v2/requests/77777.json');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([{ code: 404, description: 'service request 77777 not found' }]);
  });

  it('lets a resolved complaint be rated once; "belum selesai" reopens it for the handling OPD as an incident', async () => {
    await complaint('LPR-20261202-0003', [
      ['received', Date.now() - 10 * HOUR],
      ['resolved', Date.now() - HOUR],
    ]);
    const dpupr = server.socket('/live', await server.token('agency', 'DPUPR'));
    await connected(dpupr);
    const heard: IncidentsChanged[] = [];
    dpupr.on('incidents:changed', (m) => heard.push(m));
    const ack = await dpupr.timeout(5_000).emitWithAck('incidents:subscribe', {});
    expect(ack.ok).toBe(true);

    // not resolved yet, and unknown: the same refusal
    const open = await json('POST', '/api/public/v1/tickets/LPR-20261201-0002/rating', { rating: 3 });
    const nobody = await json('POST', '/api/public/v1/tickets/LPR-00000000-0000/rating', { rating: 3 });
    expect([open.status, nobody.status]).toEqual([409, 409]);
    expect(open.body.error).toBe(nobody.body.error);
    expect((await json('POST', '/api/public/v1/tickets/LPR-20261202-0003/rating', { rating: 9 })).status).toBe(400);

    const rated = await json('POST', '/api/public/v1/tickets/LPR-20261202-0003/rating', { rating: 2, notFixed: true });
    expect(rated.status).toBe(200);
    expect(rated.body).toEqual({ ticket: 'LPR-20261202-0003', rating: 2, notFixed: true, reopened: true });
    const again = await json('POST', '/api/public/v1/tickets/LPR-20261202-0003/rating', { rating: 5 });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/rated already/);
    expect((await json('GET', '/api/public/v1/tickets/LPR-20261202-0003')).body).toMatchObject({ rated: true, canRate: false });

    // the incident: source complaint, handled by DPUPR, heard live in DPUPR's room
    const { rows } = await server.storage.pool.query(
      `SELECT id::int, source_type, source_ref, handling_opd, status, created_by FROM incident WHERE source_ref = 'complaint:complaint/LPR-20261202-0003'`,
    );
    expect(rows).toEqual([
      expect.objectContaining({ source_type: 'complaint', handling_opd: 'DPUPR', status: 'baru', created_by: 'public:citizen' }),
    ]);
    const id = rows[0].id as number;
    await waitFor('the incident on DPUPR’s room', () => heard.find((m) => m.incidents.some((i) => i.id === id)));
    const live = heard.flatMap((m) => m.incidents).find((i) => i.id === id)!;
    expect(live.title).not.toContain('Wahyuni');
    dpupr.disconnect();

    // audited in the hash chain: the rating and the incident
    const audit = await readAudit(server.storage.pool, { limit: 10_000 });
    expect(audit.some((e) => e.action === 'complaint.rated' && e.target === 'complaint:complaint/LPR-20261202-0003')).toBe(true);
    expect(audit.some((e) => e.action === 'incident.created' && e.target === `incident:${id}`)).toBe(true);
    expect((await verifyAudit(server.storage.pool)).problems).toEqual([]);

    // once per ticket is the database's rule too
    await expect(
      server.storage.pool.query(
        `INSERT INTO complaint_rating (kind, id, rating, not_fixed, handler_opd, category, rated_at) VALUES ('complaint', 'LPR-20261202-0003', 5, false, 'DPUPR', 'jalan_rusak', now())`,
      ),
    ).rejects.toThrow(/duplicate key/);
  });

  it('publishes ratings per OPD and category only where at least k citizens rated', async () => {
    const base = Date.now() - 50 * HOUR;
    // 5 (k) sampah complaints for DLH, 2 banjir complaints for BPBD
    for (let i = 0; i < 5; i++)
      await complaint(
        `LPR-K-S${i}`,
        [
          ['received', base],
          ['resolved', base + HOUR],
        ],
        'sampah',
      );
    for (let i = 0; i < 2; i++)
      await complaint(
        `LPR-K-B${i}`,
        [
          ['received', base],
          ['resolved', base + HOUR],
        ],
        'banjir',
      );
    for (let i = 0; i < 5; i++) expect((await json('POST', `/api/public/v1/tickets/LPR-K-S${i}/rating`, { rating: i + 1 })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await json('POST', `/api/public/v1/tickets/LPR-K-B${i}/rating`, { rating: 4 })).status).toBe(200);
    const r = publicRatingsResponse.parse((await json('GET', '/api/public/v1/ratings')).body);
    expect(r.k).toBe(5);
    expect(r.cells).toEqual([{ opd: 'DLH', opdName: expect.any(String), category: 'sampah', count: 5, average: 3, notFixedShare: 0 }]);

    // a sixth citizen rates 5 and "belum selesai": the published cell does not move (count and average would
    // give that one rating away by differencing); it moves only once k more have rated
    await complaint(
      'LPR-K-S5',
      [
        ['received', base],
        ['resolved', base + HOUR],
      ],
      'sampah',
    );
    expect((await json('POST', '/api/public/v1/tickets/LPR-K-S5/rating', { rating: 5, notFixed: true })).status).toBe(200);
    clockAhead += 31_000; // past the route's 30 s cache
    const after = publicRatingsResponse.parse((await json('GET', '/api/public/v1/ratings')).body);
    expect(after.cells).toEqual([{ opd: 'DLH', opdName: expect.any(String), category: 'sampah', count: 5, average: 3, notFixedShare: 0 }]);
  });

  it('rate-limits lookups per address: 429 after TICKET_LOOKUPS_PER_MIN in a minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PER_MIN + 2; i++) statuses.push((await fetch(`${server.url}/api/public/v1/tickets/LPR-GUESS-${i}`)).status);
    expect(statuses).toContain(429);
    const first429 = statuses.indexOf(429);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    const refused = await json('GET', '/api/public/v1/tickets/LPR-20261201-0001');
    expect(refused.status).toBe(429);
    expect(refused.body.retryAfterS).toBeGreaterThan(0);
    // ratings share the limit (no guessing through the other door)
    expect((await json('POST', '/api/public/v1/tickets/LPR-20261201-0001/rating', { rating: 5 })).status).toBe(429);
  });
});
