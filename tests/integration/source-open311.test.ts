/**
 * The open311 source against a fake GeoReport v2 server (requests.json with start_date/end_date filtering on
 * requested_datetime, a result cap, api_key and jurisdiction checks, errors as `[{ code, description }]`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventInput } from '../../shared/schemas';
import { open311Definition } from '../../ingest/sources/open311';
import { collectingContext } from '../support/source-context';

type Request311 = Record<string, unknown>;

interface FakeOpen311 {
  requests: Request311[];
  /** The server's result cap. */
  cap: number;
  order: 'asc' | 'desc';
  apiKey: string | null;
  jurisdiction: string | null;
}

let server: Server;
let baseUrl = '';
const fake: FakeOpen311 = { requests: [], cap: 1000, order: 'asc', apiKey: null, jurisdiction: null };
const asked: URL[] = [];

const error = (code: number, description: string) => ({ status: code, body: JSON.stringify([{ code, description }]) });

function answer(url: URL): { status: number; body: string } {
  // a server that wraps the array (not GeoReport JSON): refused rather than read as "no requests"
  if (url.pathname === '/wrapped/requests.json') return { status: 200, body: JSON.stringify({ service_requests: [] }) };
  if (url.pathname !== '/open311/v2/requests.json') return error(404, 'Not found');
  const q = url.searchParams;
  if (fake.apiKey !== null && q.get('api_key') !== fake.apiKey) return error(403, 'Invalid api_key');
  if (fake.jurisdiction !== null && q.get('jurisdiction_id') !== fake.jurisdiction) return error(400, 'Invalid jurisdiction_id');
  const start = q.has('start_date') ? Date.parse(q.get('start_date')!) : -Infinity;
  const end = q.has('end_date') ? Date.parse(q.get('end_date')!) : Infinity;
  if (Number.isNaN(start) || Number.isNaN(end)) return error(400, 'Invalid start_date or end_date');
  if (end - start > 90 * 86_400_000) return error(400, 'Date range may not exceed 90 days');
  // GeoReport v2: the window filters on requested_datetime, inclusive.
  const at = (r: Request311) => Date.parse(String(r.requested_datetime));
  const hits = fake.requests.filter((r) => !(at(r) < start) && !(at(r) > end));
  hits.sort((a, b) => (fake.order === 'asc' ? at(a) - at(b) : at(b) - at(a)));
  return { status: 200, body: JSON.stringify(hits.slice(0, fake.cap)) };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    asked.push(url);
    const { status, body } = answer(url);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

afterEach(() => {
  Object.assign(fake, { requests: [], cap: 1000, order: 'asc', apiKey: null, jurisdiction: null });
  asked.length = 0;
  vi.unstubAllEnvs();
});

const NOW = Date.parse('2026-11-22T10:00:00+07:00');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const serviceCodeMap = { 'JLN-01': 'jalan_rusak', 'SMP-02': 'sampah', 'PJU-03': 'lampu_jalan' };

async function setup(own: Record<string, unknown> = {}, stateDir?: string) {
  const config = open311Definition.configSchema.parse({ baseUrl: `${baseUrl}/open311/v2/`, serviceCodeMap, ...own });
  const source = await open311Definition.create({ ...config, name: 'lapor-semarang', opd: 'DISKOMINFO' } as typeof config & { name: string }, {
    baseDir: process.cwd(),
  });
  if (source.mode !== 'poll') throw new Error('open311 must be a poll source');
  const c = await collectingContext({ source: 'lapor-semarang', opd: 'DISKOMINFO', stateDir, now: () => NOW });
  const events = () => c.accepted.map((r) => ('event' in r ? r.event : null)).filter((e): e is EventInput => e !== null);
  return { source, events, ...c };
}

/** A plain complaint requested `minutesAgo` before NOW. */
const complaint = (id: string, minutesAgo: number, extra: Request311 = {}): Request311 => ({
  service_request_id: id,
  status: 'open',
  service_code: 'SMP-02',
  service_name: 'Sampah Menumpuk',
  description: 'Sampah di depan rumah Bu Sri belum diangkut',
  requested_datetime: iso(NOW - minutesAgo * 60_000),
  ...extra,
});

describe('open311 source', () => {
  it('maps status, service code, region and position; quarantines what it cannot map, with the reason', async () => {
    fake.requests = [
      {
        service_request_id: '2026-000101',
        status: 'open',
        status_notes: 'Menunggu verifikasi petugas',
        service_code: 'JLN-01',
        service_name: 'Jalan Rusak',
        description: 'Lubang besar di depan toko Pak Budi, hubungi 0812-3456-7890',
        requested_datetime: '2026-11-22T08:00:00+07:00',
        updated_datetime: '2026-11-22T08:30:00+07:00',
        address: 'Jl. Pemuda No. 12, Pekunden, Semarang Tengah',
        zipcode: '50134',
        lat: -6.9812,
        long: 110.4123,
      },
      // Local status extension, other case; no updated_datetime; coordinates as text; address in two districts
      complaint('2026-000102', 90, { status: 'In_Progress', lat: '-6.9931', long: '110.4204', address: 'Sekayu dekat Candisari' }),
      // (0, 0) is the usual "no position" placeholder
      complaint('2026-000108', 80, { status: 'closed', service_code: 'PJU-03', lat: 0, long: 0 }),
      complaint('2026-000103', 70, { service_code: 'XYZ-99' }),
      complaint('2026-000104', 60, { status: 'reopened' }),
      complaint('', 50),
      complaint('2026-000106', 40, { updated_datetime: 'kemarin sore' }),
      complaint('2026-000107', 30, { updated_datetime: '2026-11-22 09:45:00' }),
      complaint('2026-000109', 20, { lat: 'di dekat masjid', long: 110.4 }),
    ];
    const { source, ctx, events, accepted, quarantined } = await setup({
      regionMap: { Pekunden: '33.74.01.1013', Sekayu: '33.74.01.1007', 'Semarang Tengah': '33.74.01', Candisari: '33.74.08' },
    });
    expect(source.intervalMs).toBe(60_000);
    await source.poll(ctx);

    expect(events()).toEqual<EventInput[]>([
      {
        kind: 'complaint',
        id: 'o311-2026-000101',
        status: 'received',
        time: Date.parse('2026-11-22T08:30:00+07:00'),
        category: 'jalan_rusak',
        // a kelurahan and its kecamatan both named: the most specific code
        region: '33.74.01.1013',
        lat: -6.9812,
        lon: 110.4123,
        title: 'Jalan Rusak',
      },
      // two districts that do not nest: no region rather than a guess
      {
        kind: 'complaint',
        id: 'o311-2026-000102',
        status: 'dispatched',
        time: NOW - 90 * 60_000,
        category: 'sampah',
        lat: -6.9931,
        lon: 110.4204,
        title: 'Sampah Menumpuk',
      },
      { kind: 'complaint', id: 'o311-2026-000108', status: 'resolved', time: NOW - 80 * 60_000, category: 'lampu_jalan', title: 'Sampah Menumpuk' },
    ]);
    expect(accepted.every((r) => r.opd === 'DISKOMINFO')).toBe(true);
    // free text stays with the OPD's own system
    expect(JSON.stringify(accepted)).not.toMatch(/Budi|0812|Bu Sri|Menunggu|Jl\. Pemuda/);

    const reasons = Object.fromEntries(quarantined.map((q) => [q.origin.slice(q.origin.indexOf('#') + 1), q.reason]));
    expect(reasons).toEqual({
      '2026-000103': "unmapped service_code 'XYZ-99' (add it to serviceCodeMap)",
      '2026-000104': "unmapped status 'reopened' (add it to statusMap)",
      '5': 'missing service_request_id',
      '2026-000106': "updated_datetime 'kemarin sore' is not ISO 8601",
      '2026-000107': "updated_datetime '2026-11-22 09:45:00' has no UTC offset (GeoReport requires one; set utcOffset if the server omits it)",
      '2026-000109': 'lat is "di dekat masjid", not a number',
    });
    expect(quarantined[0]!.origin).toMatch(new RegExp(`^${baseUrl}/open311/v2/requests\\.json\\?start_date=`));
    expect(quarantined.every((q) => q.opd === 'DISKOMINFO' && q.source === 'lapor-semarang')).toBe(true);

    // The overlap returns them again next round: nothing is quarantined twice.
    await source.poll(ctx);
    expect(quarantined).toHaveLength(6);

    // With utcOffset the operator states what the server leaves out.
    const wib = await setup({ utcOffset: '+07:00' });
    await wib.source.poll(wib.ctx);
    expect(wib.events().find((e) => e.id === 'o311-2026-000107')?.time).toBe(Date.parse('2026-11-22T09:45:00+07:00'));
  });

  it('looks back lookbackHours first, then persists the watermark and asks from watermark − 1 h after a restart', async () => {
    fake.requests = [
      complaint('1', 600, { updated_datetime: iso(NOW - 2 * HOUR) }),
      complaint('2', 300),
      complaint('3', 30 * 60), // older than the lookback
    ];
    const first = await setup();
    await first.source.poll(first.ctx);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.searchParams.get('start_date')).toBe(iso(NOW - 24 * HOUR));
    expect(asked[0]!.searchParams.get('end_date')).toBe(iso(NOW));
    expect(
      first
        .events()
        .map((e) => e.id)
        .sort(),
    ).toEqual(['o311-1', 'o311-2']);

    expect(await readdir(first.stateDir)).toEqual(['open311-watermark.json']);
    expect(JSON.parse(await readFile(join(first.stateDir, 'open311-watermark.json'), 'utf8'))).toEqual({
      version: 1,
      baseUrl: `${baseUrl}/open311/v2`,
      jurisdictionId: null,
      watermark: NOW - 2 * HOUR,
      pending: [],
      resumeFrom: null,
    });

    const restarted = await setup({}, first.stateDir);
    await restarted.source.poll(restarted.ctx);
    expect(asked[1]!.searchParams.get('start_date')).toBe(iso(NOW - 3 * HOUR));
    expect(asked[1]!.searchParams.get('end_date')).toBe(iso(NOW));
    // request 1 was updated two hours ago but requested ten hours ago: outside the window on a v2 server
    expect(restarted.events().map((e) => e.id)).toEqual([]);
  });

  it.each(['asc', 'desc'] as const)('pages through a result cap (server order %s)', async (order) => {
    fake.cap = 3;
    fake.order = order;
    fake.requests = Array.from({ length: 8 }, (_, i) => complaint(`p${i}`, 400 - i * 40));
    const { source, ctx, events } = await setup({ pageSize: 3 });
    await source.poll(ctx);
    expect(
      events()
        .map((e) => e.id)
        .sort(),
    ).toEqual(fake.requests.map((r) => `o311-${String(r.service_request_id)}`).sort());
    expect(new Set(events().map((e) => e.id)).size).toBe(events().length);
    if (order === 'asc') {
      // paging forward from the latest time seen
      expect(asked[1]!.searchParams.get('start_date')).toBe(fake.requests[2]!.requested_datetime);
      expect(asked[1]!.searchParams.get('end_date')).toBe(iso(NOW));
    } else {
      expect(asked[1]!.searchParams.get('start_date')).toBe(iso(NOW - 24 * HOUR));
      expect(asked[1]!.searchParams.get('end_date')).toBe(fake.requests[5]!.requested_datetime);
    }
  });

  it('carries unfetched windows to the next round when maxRequestsPerPoll is reached', async () => {
    fake.cap = 2;
    fake.order = 'desc';
    fake.requests = Array.from({ length: 7 }, (_, i) => complaint(`q${i}`, 300 - i * 30));
    const first = await setup({ pageSize: 2, maxRequestsPerPoll: 2 });
    await first.source.poll(first.ctx);
    // newest first, two per page, two pages: q6 q5, then q5 q4; the rest of the window is carried over
    expect(first.events().map((e) => e.id)).toEqual(['o311-q6', 'o311-q5', 'o311-q4']);
    expect(JSON.parse(await readFile(join(first.stateDir, 'open311-watermark.json'), 'utf8'))).toMatchObject({
      pending: [{ from: NOW - 24 * HOUR, to: Date.parse(String(fake.requests[4]!.requested_datetime)) }],
      resumeFrom: null,
    });
    const restarted = await setup({ pageSize: 2, maxRequestsPerPoll: 2 }, first.stateDir);
    await restarted.source.poll(restarted.ctx);
    await restarted.source.poll(restarted.ctx);
    const ids = new Set([...first.events(), ...restarted.events()].map((e) => e.id));
    expect(ids.size).toBe(7);
  });

  it('sends jurisdiction_id and api_key (from env), and fails the round with the server’s description', async () => {
    fake.apiKey = 'k3y-rahasia';
    fake.jurisdiction = 'semarangkota.go.id';
    fake.requests = [complaint('1', 10)];
    vi.stubEnv('LAPOR_API_KEY', 'k3y-rahasia');
    const good = await setup({ jurisdictionId: 'semarangkota.go.id', apiKey: 'env:LAPOR_API_KEY' });
    await good.source.poll(good.ctx);
    expect(good.events().map((e) => e.id)).toEqual(['o311-1']);
    expect(asked[0]!.searchParams.get('jurisdiction_id')).toBe('semarangkota.go.id');

    const bad = await setup({ jurisdictionId: 'semarangkota.go.id', apiKey: 'salah' });
    const failure = bad.source.poll(bad.ctx);
    await expect(failure).rejects.toThrow(/answered 403: Invalid api_key$/);
    await expect(failure).rejects.toThrow(/api_key=\*\*\*/);
    await expect(failure).rejects.not.toThrow(/salah/);
    expect(bad.accepted).toHaveLength(0);
    expect(await readdir(bad.stateDir)).toEqual([]);

    vi.stubEnv('LAPOR_API_KEY', undefined);
    await expect(setup({ apiKey: 'env:LAPOR_API_KEY' })).rejects.toThrow(
      'source lapor-semarang: apiKey: environment variable LAPOR_API_KEY is not set',
    );
  });

  it('refuses a response that is not an array of requests', async () => {
    const missing = await setup({ baseUrl: `${baseUrl}/elsewhere` });
    await expect(missing.source.poll(missing.ctx)).rejects.toThrow(/answered 404: Not found$/);
    const wrapped = await setup({ baseUrl: `${baseUrl}/wrapped` });
    await expect(wrapped.source.poll(wrapped.ctx)).rejects.toThrow(/expected a JSON array of service requests, got object$/);
  });

  it('has a strict config: serviceCodeMap required, sensible defaults, the common opd required', async () => {
    const schema = open311Definition.configSchema;
    expect(schema.safeParse({ baseUrl: 'https://lapor.example.go.id/open311/v2' }).success).toBe(false);
    expect(schema.safeParse({ baseUrl: 'https://lapor.example.go.id/open311/v2', serviceCodeMap: {} }).success).toBe(false);
    expect(schema.safeParse({ baseUrl: 'https://lapor.example.go.id/open311/v2', serviceCodeMap, owner: 'X' }).success).toBe(false);
    expect(schema.safeParse({ baseUrl: 'https://lapor.example.go.id/open311/v2', serviceCodeMap, regionMap: { Tugu: '3374' } }).success).toBe(false);
    expect(schema.safeParse({ baseUrl: 'https://lapor.example.go.id/open311/v2', serviceCodeMap: { X: 'Jalan Rusak' } }).success).toBe(false);
    const parsed = schema.parse({ baseUrl: 'https://lapor.example.go.id/open311/v2/', serviceCodeMap });
    expect(parsed).toMatchObject({
      baseUrl: 'https://lapor.example.go.id/open311/v2',
      intervalMs: 60_000,
      lookbackHours: 24,
      overlapMinutes: 60,
      pageSize: 1000,
      statusMap: { open: 'received', acknowledged: 'verified', in_progress: 'dispatched', closed: 'resolved' },
      dateFilter: { startParam: 'start_date', endParam: 'end_date', field: 'requested_datetime' },
    });
    expect(open311Definition.needsMapping).toBe(false);
    expect(() => open311Definition.create({ ...parsed, name: 'lapor' }, { baseDir: '.' })).toThrow("needs the common 'opd' field");
  });
});
