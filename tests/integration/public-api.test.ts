/**
 * The public API on the real server: complaints ingested with titles and exact positions come out only as
 * k-anonymous counts at kelurahan centroids; answers are snapshots (ETag, 304, one database query per cache
 * period however many citizens ask); terbatas metrics never appear.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PUBLIC_QUERY_TAG } from '../../db/queries/public';
import { spyOnQueries, startTestServer, waitFor, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));
const CACHE_MS = 5_000; // the default PUBLIC_CACHE_MS: startTestServer does not set it

/** Titles and positions that must never appear in a public answer. */
const SECRET_TITLE = 'Sampah menumpuk depan rumah Bu Siti Rahayu, Jl. Pemuda 17';
const SECRET_LON = 110.4123457;
const SECRET_LAT = -6.9612343;

describe.each(backends)('public API on %s', (_name, adminUrl) => {
  let server: TestServer;
  let kelurahan: { code: string; lon: number; lat: number }[];
  let queries: string[];
  let restore: () => void;
  const ids: string[] = [];
  const t0 = Date.now() - 3 * 3_600_000;

  const complaint = (id: string, region: string, category: string, dt: number, status = 'received') => {
    ids.push(id);
    return {
      kind: 'complaint',
      id,
      status,
      time: t0 + dt,
      category,
      region,
      lon: SECRET_LON + ids.length * 1e-7,
      lat: SECRET_LAT - ids.length * 1e-7,
      title: `${SECRET_TITLE} #${ids.length}`,
    };
  };
  const raw = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + path, { headers });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const count = (tag: string) => queries.filter((q) => q.trimStart().startsWith(tag)).length;

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    const { rows } = await server.storage.pool.query<{ code: string; lon: number; lat: number }>(
      `SELECT code, centroid_lon AS lon, centroid_lat AS lat FROM region WHERE level = 'kelurahan' AND centroid_lon IS NOT NULL ORDER BY code LIMIT 3`,
    );
    kelurahan = rows;
    const [k2, k7, k5] = rows.map((r) => r.code) as [string, string, string];
    const key = await server.key('DISKOMINFO');
    const events = [
      // two complaints in one kelurahan (to hide), seven in another (to show), five to cover the two
      ...[0, 1].map((i) => complaint(`LPR-PUB-A${i}`, k2, 'sampah', i * 60_000)),
      ...Array.from({ length: 7 }, (_, i) => complaint(`LPR-PUB-B${i}`, k7, 'jalan_rusak', i * 60_000)),
      ...Array.from({ length: 5 }, (_, i) => complaint(`LPR-PUB-C${i}`, k5, 'sampah', i * 60_000)),
    ];
    // three of the seven are resolved an hour later
    const resolved = [0, 1, 2].map((i) => ({ ...events[2 + i]!, status: 'resolved', time: t0 + i * 60_000 + 3_600_000 }));
    const res = await server.post('/api/v1/events', { events: [...events, ...resolved] }, key);
    expect(res.status).toBe(202);

    // Count every statement the server sends from here on.
    ({ queries, restore } = spyOnQueries(server.storage.pool));
  });
  afterAll(async () => {
    restore?.();
    await server?.close();
  });

  it('computes each snapshot once for 200 concurrent citizens', async () => {
    const paths = [
      '/api/public/v1/complaints/summary?period=24h',
      '/api/public/v1/complaints/summary?period=7d',
      '/api/public/v1/complaints/summary?period=30d',
      '/api/public/v1/complaints/map',
      '/api/public/v1/metrics',
    ];
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => raw(paths[i % paths.length]!)));
    const elapsed = Date.now() - started;
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // one query for all complaint answers and one for the metrics, per cache period the burst spans
    const periods = 1 + Math.floor(elapsed / CACHE_MS);
    expect(count(PUBLIC_QUERY_TAG.complaints)).toBeGreaterThanOrEqual(1);
    expect(count(PUBLIC_QUERY_TAG.complaints)).toBeLessThanOrEqual(periods);
    expect(count(PUBLIC_QUERY_TAG.metrics)).toBeGreaterThanOrEqual(1);
    expect(count(PUBLIC_QUERY_TAG.metrics)).toBeLessThanOrEqual(periods);
    // the same snapshot gives the same bytes to everyone
    const byPath = new Map<string, Set<string>>();
    answers.forEach((a, i) => {
      const p = paths[i % paths.length]!;
      if (!byPath.has(p)) byPath.set(p, new Set());
      byPath.get(p)!.add(a.headers.get('etag')!);
    });
    if (periods === 1) for (const tags of byPath.values()) expect(tags.size).toBe(1);
  });

  it('publishes counts per kelurahan and category with the small ones suppressed', async () => {
    const [k2, k7] = kelurahan.map((r) => r.code);
    const res = await server.get('/api/public/v1/complaints/summary?period=24h');
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s).toMatchObject({ period: '24h', k: 5 });
    expect(s.to - s.from).toBe(24 * 3_600_000);
    expect(s.updatedAt).toBeLessThanOrEqual(Date.now());
    const row = (code: string | undefined) => s.kelurahan.find((r: { code: string }) => r.code === code);
    // the 2 is suppressed, in its cell and in its kelurahan total, and says "< 5" (issue 21)
    const lt5 = { n: null, suppressed: true, lessThan: 5 };
    expect(row(k2).received).toEqual(lt5);
    const cellOf = (code: string | undefined, category: string) => row(code).cells.find((c: { category: string }) => c.category === category);
    expect(cellOf(k2, 'sampah')).toEqual({ category: 'sampah', received: lt5, resolved: { n: 0, suppressed: false }, open: lt5 });
    // any other cell listed for it holds a zero hidden as a cover ("< 5" too)
    for (const c of row(k2).cells)
      if (c.category !== 'sampah') expect(['received', 'resolved', 'open'].some((m) => JSON.stringify(c[m]) === JSON.stringify(lt5))).toBe(true);
    // the 7 is not small: shown, or hidden as a cover without the "< 5" marker; three of them are resolved (< 5)
    expect([
      { n: 7, suppressed: false },
      { n: null, suppressed: true },
    ]).toContainEqual(row(k7).received);
    expect(row(k7).resolved).toEqual(lt5);
    // the sampah column (city total 7, shown) would give the 2 away from the 5: another sampah count hides with
    // it (a zero cover "< 5", or the 5 without the marker), so 7 minus the shown ones is a sum, not the 2
    const sampahCells = s.kelurahan.map((r: { code: string }) => cellOf(r.code, 'sampah')).filter(Boolean);
    expect(sampahCells.filter((c: { received: { suppressed: boolean } }) => c.received.suppressed).length).toBeGreaterThanOrEqual(2);
    const sampah = s.categories.find((c: { category: string }) => c.category === 'sampah');
    expect(sampah.received).toEqual({ n: 7, suppressed: false });
    expect(sampah.medianHoursToResolve).toBeNull();
    expect(s.total.received).toEqual({ n: 14, suppressed: false });
    expect(row(k2)).toMatchObject({ name: expect.any(String), kecamatanCode: k2!.slice(0, 8) });
  });

  it('contains no title, no id, no exact position and no timestamp of a complaint anywhere', async () => {
    const paths = [
      '/api/public/v1/complaints/summary?period=24h',
      '/api/public/v1/complaints/summary?period=30d',
      '/api/public/v1/complaints/map?period=24h',
      '/api/public/v1/metrics',
    ];
    const texts = await Promise.all(paths.map(async (p) => (await raw(p)).text));
    const { rows } = await server.storage.pool.query<{ a: number; b: number; c: number | null }>(
      `SELECT (extract(epoch FROM time) * 1000)::float8 AS a, (extract(epoch FROM opened_at) * 1000)::float8 AS b,
              (extract(epoch FROM closed_at) * 1000)::float8 AS c FROM event`,
    );
    const times = rows
      .flatMap((r) => [r.a, r.b, r.c])
      .filter((t): t is number => t !== null)
      .map((t) => String(Math.round(t)));
    expect(times.length).toBeGreaterThan(14);
    texts.forEach((text, i) => {
      expect(text).not.toContain('Sampah menumpuk');
      expect(text).not.toContain('Siti');
      expect(text).not.toMatch(/"title"|"id"|LPR-PUB/);
      expect(text).not.toContain('110.41234');
      expect(text).not.toContain('6.96123');
      for (const id of ids) expect(text).not.toContain(id);
      for (const t of times) expect(text).not.toContain(t);
      // complaint answers carry no coordinates at all, only kelurahan centroids on the map
      if (!paths[i]!.endsWith('/metrics')) expect(text).not.toMatch(/"lon"|"lat"/);
    });
  });

  it('puts map counts at the kelurahan centroid, never at a complaint', async () => {
    const res = await server.get('/api/public/v1/complaints/map?period=24h');
    expect(res.status).toBe(200);
    const [, k7] = kelurahan;
    const m = res.body.kelurahan.find((r: { code: string }) => r.code === k7!.code);
    expect(m).toEqual({
      code: k7!.code,
      name: expect.any(String),
      centroid: [k7!.lon, k7!.lat],
      received: expect.anything(),
      resolved: { n: null, suppressed: true, lessThan: 5 },
      open: { n: null, suppressed: true, lessThan: 5 },
    });
    expect(res.body.kelurahan.find((r: { code: string }) => r.code === kelurahan[0]!.code).received).toEqual({
      n: null,
      suppressed: true,
      lessThan: 5,
    });
  });

  it('answers If-None-Match with 304, with the validator and a max-age of the cache period', async () => {
    for (const path of ['/api/public/v1/complaints/summary?period=7d', '/api/public/v1/complaints/map', '/api/public/v1/metrics']) {
      const first = await raw(path);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+\.gz"$/); // fetch accepts gzip; the gzip representation has its own tag
      expect(first.headers.get('cache-control')).toBe(`public, max-age=${CACHE_MS / 1000}`);
      const again = await raw(path, { 'if-none-match': etag! });
      if (again.status === 200) {
        // the snapshot turned over between the two requests: the new one has a new validator
        expect(again.headers.get('etag')).not.toBe(etag);
        continue;
      }
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('cache-control')).toBe(`public, max-age=${CACHE_MS / 1000}`);
      expect((await raw(path, { 'if-none-match': '"something-else"' })).status).toBe(200);
    }
    // gzip once per snapshot for whoever accepts it, the plain JSON for whoever does not, each with its tag
    const gz = await raw('/api/public/v1/complaints/summary?period=7d', { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toMatch(/accept-encoding/i);
    const plain = await raw('/api/public/v1/complaints/summary?period=7d', { 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    if (plain.headers.get('etag') === gz.headers.get('etag')!.replace('.gz', '')) expect(JSON.parse(plain.text)).toEqual(JSON.parse(gz.text));
    expect((await server.get('/api/public/v1/complaints/summary?period=1y')).status).toBe(400);
  });

  it('turns the snapshot over after the cache period: new complaints show up', async () => {
    const key = await server.key('DISKOMINFO');
    const k2 = kelurahan[0]!.code;
    const more = [2, 3, 4].map((i) => complaint(`LPR-PUB-A${i}`, k2, 'sampah', i * 60_000));
    expect((await server.post('/api/v1/events', { events: more }, key)).status).toBe(202);
    const before = count(PUBLIC_QUERY_TAG.complaints);
    const row = await waitFor(
      'the kelurahan with five complaints',
      async () => {
        const s = (await server.get('/api/public/v1/complaints/summary?period=24h')).body;
        const r = s.kelurahan.find((x: { code: string }) => x.code === k2);
        return r.received.n === 5 ? r : null;
      },
      CACHE_MS * 3,
    );
    expect(row.cells.find((c: { category: string }) => c.category === 'sampah').received).toEqual({ n: 5, suppressed: false });
    expect(count(PUBLIC_QUERY_TAG.complaints)).toBeGreaterThan(before);
  });

  it('lists the latest value and age of every publik series, and never a terbatas metric', async () => {
    const now = Date.now();
    const [bpbd, dlh] = await Promise.all([server.key('BPBD'), server.key('DLH')]);
    const gate = kelurahan[0]!.code;
    expect(
      (
        await server.post(
          '/api/v1/ingest',
          {
            points: [
              { metric: 'water_level', entity: 'PA-PUB-1', region: gate, time: now - 20_000, value: 140, lon: 110.43, lat: -6.95 },
              { metric: 'water_level', entity: 'PA-PUB-1', region: gate, time: now - 10_000, value: 142.5, lon: 110.43, lat: -6.95 },
              { metric: 'pump_running', entity: 'RP-PUB-1', region: gate, time: now, value: 1 },
            ],
          },
          bpbd,
        )
      ).status,
    ).toBe(202);
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'truck_load', entity: 'H-PUB-1', time: now, value: 3, lon: 110.4, lat: -7 }] }, dlh))
        .status,
    ).toBe(202);
    const m = await waitFor(
      'the new reading in /metrics',
      async () => {
        const body = (await server.get('/api/public/v1/metrics')).body;
        return body.metrics.some((x: { series: { entity: string }[] }) => x.series.some((s) => s.entity === 'PA-PUB-1')) ? body : null;
      },
      CACHE_MS * 3,
    );
    const { rows } = await server.storage.pool.query<{ code: string; class: string }>(`SELECT code, class::text FROM metric`);
    const classOf = new Map(rows.map((r) => [r.code, r.class]));
    const codes: string[] = m.metrics.map((x: { code: string }) => x.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => classOf.get(c) === 'publik')).toBe(true);
    expect(codes).toEqual(expect.arrayContaining([...classOf].filter(([, c]) => c === 'publik').map(([code]) => code)));
    for (const terbatas of ['pump_running', 'truck_load', 'traffic_intensity', 'container_fill']) expect(codes).not.toContain(terbatas);
    const text = JSON.stringify(m);
    expect(text).not.toContain('RP-PUB-1');
    expect(text).not.toContain('H-PUB-1');
    const water = m.metrics.find((x: { code: string }) => x.code === 'water_level');
    expect(water).toMatchObject({ unit: 'cm', nameId: 'Tinggi muka air', nameEn: 'Water level' });
    const s = water.series.find((x: { entity: string }) => x.entity === 'PA-PUB-1');
    expect(s).toMatchObject({ region: gate, lon: 110.43, lat: -6.95, value: 142.5, t: now - 10_000 });
    expect(s.ageMs).toBe(m.updatedAt - (now - 10_000));
  });
});
