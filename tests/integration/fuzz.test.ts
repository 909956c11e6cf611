/**
 * A fuzz run: 10,000 generated malformed requests against ingest and login, interleaved with valid batches.
 * The server stays up, answers every bad request with a 4xx and a clear message, and the database holds
 * exactly the valid data.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mulberry32 } from '../../demo/city';
import { startTestServer, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const REQUESTS = 10_000;
const VALID_BATCHES = 50;

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const rnd = mulberry32(SEED); // deterministic, so a failure can be replayed with FUZZ_SEED
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const weird: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '__proto__',
  'constructor',
  "'; DROP TABLE point; --",
  '<script>alert(1)</script>',
  '\u0000',
  '\ud800',
  'ж'.repeat(300),
  'x'.repeat(70_000),
  [],
  [[[]]],
  {},
  { $gt: '' },
  { __proto__: { polluted: true } },
  '2026-13-45T99:99:99Z',
  '2026-11-22T10:00:00',
  '1795000000000',
  -5,
  0.5,
  Number.MAX_SAFE_INTEGER,
];

/** Values each field can never accept (or, for metric, a metric of another OPD: 403). */
const invalid: Record<string, readonly unknown[]> = {
  metric: [null, 0, '', 'WaterLevel', 'no_such_metric', 'traffic_speed', '__proto__', 'x'.repeat(70)],
  entity: [null, '', ' ', 'x'.repeat(200), '<script>', 'ж', 42],
  time: ['2026-13-45T99:99:99Z', '2026-11-22T10:00:00', null, -5, 0.5, 'NaN', 'later'],
  value: ['NaN', 'Infinity', null, '', {}, [], '1e309', '12'],
  region: ['99.99.99.9999', '33.7', 'x', 5, null],
  lon: [181, -181, 'x', null],
  lat: [91, -91, 'x', null],
};

function badPoint(): unknown {
  const p: Record<string, unknown> = { metric: 'water_level', entity: 'PA-FUZZ', time: Date.now() - 60_000, value: 1 };
  // some random damage (which may happen to be harmless)…
  for (let i = Math.floor(rnd() * 3); i > 0; i--) p[pick(['metric', 'entity', 'time', 'value', 'region', 'lon', 'lat', 'extra'])] = pick(weird);
  // …and one field made certainly wrong, last, so nothing overwrites it
  const field = pick(Object.keys(invalid));
  p[field] = pick(invalid[field]!);
  if (rnd() < 0.1) p.time = Date.now() + 86_400_000; // far in the future
  return p;
}

function malformedIngest(): { body: string; contentType: string; auth: 'good' | 'bad' | 'none' } {
  const kind = Math.floor(rnd() * 10);
  const auth = rnd() < 0.9 ? 'good' : pick(['bad', 'none'] as const);
  const json = (v: unknown) => JSON.stringify(v) ?? 'null';
  switch (kind) {
    case 0:
      return {
        body: pick(['', '{', '{"points":', 'null', '[]', '"points"', '{"points":[,]}', '{"points":[{]}', '\u0000\u0001', '['.repeat(10_000)]),
        contentType: 'application/json',
        auth,
      };
    case 1:
      return { body: json({ points: pick(weird) }), contentType: 'application/json', auth };
    case 2:
      return { body: json({ points: [badPoint()] }), contentType: 'application/json', auth };
    case 3: {
      // valid points with one bad one hidden among them: the whole batch must be refused
      const pts: unknown[] = Array.from({ length: 5 + Math.floor(rnd() * 20) }, (_, i) => ({
        metric: 'rainfall',
        entity: 'ARR-FUZZ-MIXED',
        time: Date.now() - 120_000 + i,
        value: i,
      }));
      pts.splice(Math.floor(rnd() * pts.length), 0, badPoint());
      return { body: json({ points: pts }), contentType: 'application/json', auth };
    }
    case 4:
      return { body: json(pick(weird)), contentType: 'application/json', auth };
    case 5:
      return {
        body: json({ points: [{ metric: 'rainfall', entity: 'ARR-FUZZ', time: Date.now(), value: 1 }] }),
        contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']),
        auth,
      };
    case 6:
      return {
        body: Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256))).toString('latin1'),
        contentType: 'application/json',
        auth,
      };
    case 7:
      return {
        body: json({ events: [{ kind: 'complaint', id: 'X', status: 'received', time: Date.now() }] }),
        contentType: 'application/json',
        auth,
      };
    case 8:
      return {
        body: json({ points: [{ metric: 'traffic_speed', entity: 'SEG-FUZZ', time: Date.now(), value: 30 }] }),
        contentType: 'application/json',
        auth,
      }; // foreign metric
    default:
      return {
        body: `{"points":[${Array.from({ length: 3 }, () => json(badPoint())).join(',')}],"points2":${json(pick(weird))}}`,
        contentType: 'application/json',
        auth,
      };
  }
}

function malformedLogin(): { body: string; contentType: string } {
  const json = (v: unknown) => JSON.stringify(v) ?? 'null';
  const kind = Math.floor(rnd() * 5);
  if (kind === 0) return { body: pick(['', '{', 'null', '[]', '{"username":', '\u0000']), contentType: 'application/json' };
  if (kind === 1) return { body: json({ username: pick(weird), password: pick(weird) }), contentType: 'application/json' };
  if (kind === 2) return { body: json({ username: 'operator-fuzz', password: pick(weird), totp: pick(weird) }), contentType: 'application/json' };
  if (kind === 3) return { body: json(pick(weird)), contentType: 'application/json' };
  return { body: json({ username: pick(weird) }), contentType: pick(['text/plain', 'application/json']) };
}

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer(adminUrl, {
    maxBodyBytes: 64 * 1024,
    maxBatchItems: 1_000,
    ingestRatePerMinPerKey: 1_000_000,
    ingestRatePerMinPerIp: 1_000_000,
    loginRatePerMin: 1_000_000,
    loginMaxFailures: 1_000_000,
  });
  key = await server.key('BPBD');
});
afterAll(async () => server?.close());

describe(`fuzz (seed ${SEED})`, () => {
  it(`answers ${REQUESTS.toLocaleString('en')} malformed requests with a 4xx and a message, stays up, and keeps only valid data`, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let validSent = 0;
    const plan: (() => Promise<void>)[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const toLogin = i % 4 === 3;
      const req = toLogin
        ? { ...malformedLogin(), auth: 'none' as const, path: '/api/v1/auth/login' }
        : { ...malformedIngest(), path: rnd() < 0.85 ? '/api/v1/ingest' : '/api/v1/events' };
      plan.push(async () => {
        const headers: Record<string, string> = { 'content-type': req.contentType };
        if (req.auth === 'good') headers.authorization = `Bearer ${key}`;
        if (req.auth === 'bad') headers.authorization = pick(['Bearer sk_nope', 'Basic dXNlcjpwYXNz', 'Bearer ', `Bearer ${'a'.repeat(600)}`]);
        const res = await fetch(server.url + req.path, { method: 'POST', headers, body: req.body });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        let message: unknown = null;
        try {
          message = (JSON.parse(text) as { error?: unknown }).error;
        } catch {
          /* reported below */
        }
        if (res.status < 400 || res.status > 499 || typeof message !== 'string' || message.length === 0) {
          failures.push(`${req.path} ${res.status} ${text.slice(0, 120)} ← ${req.body.slice(0, 120)}`);
        }
      });
      // interleave valid batches: each must land, whole
      if (i % (REQUESTS / VALID_BATCHES) === 0) {
        const n = validSent++;
        plan.push(async () => {
          const points = Array.from({ length: 10 }, (_, j) => ({
            metric: 'rainfall',
            entity: 'ARR-FUZZ-VALID',
            time: Date.now() - 3_600_000 + n * 10 + j,
            value: j,
          }));
          const res = await fetch(`${server.url}/api/v1/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ points }),
          });
          if (res.status !== 202) failures.push(`valid batch ${n}: ${res.status} ${await res.text()}`);
        });
      }
    }
    // eight at a time, like a handful of misbehaving clients
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < plan.length) await plan[next++]!();
      }),
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    expect((await server.get('/healthz')).body).toEqual({ status: 'ok' });
    const { rows } = await server.storage.pool.query<{ entity: string; n: number }>(
      `SELECT s.entity, count(*)::int AS n FROM point p JOIN series s ON s.id = p.series_id GROUP BY s.entity ORDER BY 1`,
    );
    expect(rows).toEqual([{ entity: 'ARR-FUZZ-VALID', n: VALID_BATCHES * 10 }]);
    expect((await server.storage.pool.query('SELECT count(*)::int AS n FROM event')).rows[0].n).toBe(0);
  }, 180_000);
});

/**
 * Issue 13 (14): every route's path and query parameters, with what an attacker would put there (numbers beyond
 * bigint, fractions, exponents, negatives, NaN, arrays, injection, huge strings), anonymous and signed in.
 * Nothing may answer 5xx (an unvalidated number reaching SQL answered 503 with error logs).
 */
const nasty: readonly string[] = [
  '99999999999999999999',
  '1.5',
  '-1',
  '0',
  '1e308',
  '1e-7',
  'NaN',
  'Infinity',
  '0x10',
  ' 7',
  '',
  "1' OR '1'='1",
  '%00',
  '%ED%A0%80',
  '..%2F..%2Fetc%2Fpasswd',
  'x'.repeat(5_000),
  '2026-13-45T99:99:99Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  'water_level',
  'complaint',
  '__proto__',
];
const ROUTES: readonly { method: 'GET' | 'POST'; path: string; query: readonly string[] }[] = [
  { method: 'GET', path: '/api/v1/series', query: ['metric', 'from', 'to', 'bucket', 'entity', 'purpose'] },
  { method: 'GET', path: '/api/v1/events/stats', query: ['kind', 'from', 'to', 'bucket', 'overdueLimit', 'purpose'] },
  { method: 'GET', path: '/api/v1/audit', query: ['from', 'to', 'action', 'format', 'limit'] },
  { method: 'GET', path: '/api/v1/quarantine', query: ['limit', 'source'] },
  { method: 'GET', path: '/api/v1/alerts', query: ['limit'] },
  { method: 'POST', path: '/api/v1/alerts/:id/acknowledge', query: [] },
  { method: 'GET', path: '/api/v1/sources/health', query: ['limit'] },
  { method: 'GET', path: '/api/v1/catalog', query: ['purpose'] },
  { method: 'GET', path: '/api/v1/sharing/agreements', query: ['limit'] },
  { method: 'GET', path: '/api/v1/wall/scenes', query: ['scene'] },
  { method: 'GET', path: '/api/v1/auth/me', query: [] },
  { method: 'GET', path: '/api/public/v1/complaints/summary', query: ['period'] },
  { method: 'GET', path: '/api/public/v1/complaints/map', query: ['period'] },
  { method: 'GET', path: '/api/public/v1/complaints/performance', query: ['period'] },
  { method: 'GET', path: '/api/public/v1/metrics', query: ['period'] },
  { method: 'GET', path: '/api/public/v1/projects', query: ['period'] },
  { method: 'GET', path: '/api/public/v1/lines', query: ['period'] },
  { method: 'GET', path: '/api/public/v1/warnings', query: ['period'] },
  { method: 'GET', path: '/api/public/v1/regions', query: ['level'] },
  { method: 'GET', path: '/api/public/v1/basemap', query: ['layer'] },
  { method: 'GET', path: '/api/public/v1/basemap/layers/:id', query: [] },
  { method: 'GET', path: '/api/public/v1/datasets', query: ['limit'] },
  { method: 'GET', path: '/api/public/v1/datasets/:id', query: [] },
  { method: 'GET', path: '/api/public/v1/datasets/:id/data.csv', query: ['view'] },
  { method: 'GET', path: '/api/public/v1/datasets/:id/data.json', query: ['view'] },
  {
    method: 'GET',
    path: '/api/3/action/:id',
    query: ['limit', 'offset', 'rows', 'start', 'q', 'fq', 'sort', 'id', 'resource_id', 'filters', 'fields'],
  },
];

describe(`fuzz of every route's path and query parameters (seed ${SEED})`, () => {
  it('never answers 5xx, anonymous or signed in', async () => {
    const operator = await server.token('operator');
    const agency = await server.token('agency', 'BPBD');
    const failures: string[] = [];
    const plan: (() => Promise<void>)[] = [];
    for (const route of ROUTES) {
      for (let i = 0; i < 40; i++) {
        const path = route.path.replace(':id', encodeURIComponent(pick(nasty)).replaceAll('%25', '%'));
        const qs = route.query
          .filter(() => rnd() < 0.6)
          .map((k) => {
            const v = pick(nasty);
            // sometimes the same key twice (express makes an array of it)
            return rnd() < 0.1 ? `${k}=${encodeURIComponent(v)}&${k}=${encodeURIComponent(pick(nasty))}` : `${k}=${encodeURIComponent(v)}`;
          })
          .join('&');
        const url = `${server.url}${path}${qs ? `?${qs}` : ''}`;
        const token = pick([null, operator, agency, 'st_forged']);
        plan.push(async () => {
          const res = await fetch(url, {
            method: route.method,
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}),
            },
            ...(route.method === 'POST' ? { body: JSON.stringify({ note: 'fuzz' }) } : {}),
          });
          await res.arrayBuffer();
          if (res.status >= 500) failures.push(`${route.method} ${url.slice(0, 200)} → ${res.status}`);
        });
      }
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < plan.length) await plan[next++]!();
      }),
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect((await server.get('/healthz')).body).toEqual({ status: 'ok' });
  }, 180_000);
});
