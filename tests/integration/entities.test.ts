/**
 * Entity geometry on the real server and database (every backend): the simulator's road segments registered by
 * their OPD through POST /api/v1/entities (validated all or nothing, idempotent, audited, scoped to the key's
 * OPD), then carried as `path` in the series metadata of the traffic metrics — in the snapshot and in the
 * new-series metadata of live deltas — from memory, without a query per snapshot or per batch; on `/public`
 * without the lines, which the public reads once from GET /api/public/v1/lines.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatorRoadGeometry } from '../../ingest/sources/simulator';
import type { Ack } from '../../shared/ack';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import type { EntityGeometryInput } from '../../shared/schemas';
import { connected, spyOnQueries, startTestServer, waitFor, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));

describe.each(backends)('entity geometry on %s', (_name, adminUrl) => {
  let server: TestServer;
  let roads: EntityGeometryInput[];
  let dishub: string;
  let dlh: string;
  const audit = async (action: string) =>
    (await server.storage.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = $1`, [action])).rows[0]!.n;
  const stored = async (opd: string, entity: string) =>
    (
      await server.storage.pool.query<{ name: string | null; path: [number, number][] }>(
        `SELECT name, path FROM entity_geometry WHERE opd_code = $1 AND entity = $2`,
        [opd, entity],
      )
    ).rows[0] ?? null;
  const rowCount = async () => (await server.storage.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM entity_geometry`)).rows[0]!.n;

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    const reg = await simulatorRoadGeometry({ seed: 1 });
    expect(reg.opd).toBe('DISHUB');
    roads = reg.entities;
    [dishub, dlh] = await Promise.all([server.key('DISHUB'), server.key('DLH')]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("registers the simulator's road segments once, and audits each change", async () => {
    expect(roads.length).toBeGreaterThan(5);
    expect(roads.every((r) => r.path!.length >= 2 && typeof r.name === 'string')).toBe(true);
    const first = await server.post('/api/v1/entities', { entities: roads }, dishub);
    expect(first).toEqual({ status: 200, body: { accepted: roads.length, changed: roads.length } });
    expect(await audit('entity.geometry_registered')).toBe(roads.length);
    expect(await stored('DISHUB', roads[0]!.entity)).toEqual({ name: roads[0]!.name, path: roads[0]!.path });

    // the same body again changes nothing
    const again = await server.post('/api/v1/entities', { entities: roads }, dishub);
    expect(again).toEqual({ status: 200, body: { accepted: roads.length, changed: 0 } });
    expect(await audit('entity.geometry_registered')).toBe(roads.length);
    expect(await audit('entity.geometry_updated')).toBe(0);

    // one moved vertex writes one row
    const moved = { ...roads[1]!, path: roads[1]!.path!.map(([lon, lat], i) => (i === 0 ? [lon + 0.001, lat] : [lon, lat]) as [number, number]) };
    expect(await server.post('/api/v1/entities', { entities: [moved] }, dishub)).toEqual({ status: 200, body: { accepted: 1, changed: 1 } });
    expect(await audit('entity.geometry_updated')).toBe(1);
    expect((await stored('DISHUB', moved.entity))!.path).toEqual(moved.path);
    // and back
    expect((await server.post('/api/v1/entities', { entities: [roads[1]] }, dishub)).body).toEqual({ accepted: 1, changed: 1 });
  });

  it('refuses bad input with every issue and writes nothing of the batch', async () => {
    const before = await rowCount();
    const fresh = {
      entity: 'SEG-UJI-BARU',
      name: 'Jl. Uji Baru',
      path: [
        [110.41, -6.98],
        [110.42, -6.985],
      ],
    };
    expect((await server.post('/api/v1/entities', { entities: [fresh] })).status).toBe(401);
    expect((await server.post('/api/v1/entities', { entities: [fresh] }, 'sk_not_a_real_key_000000000')).status).toBe(401);
    const bad = await server.post(
      '/api/v1/entities',
      {
        entities: [
          fresh, // valid on its own: must not be written, the batch is all or nothing
          {
            entity: 'SEG-UJI-LON',
            path: [
              [200, -6.98],
              [110.42, -6.985],
            ],
          },
          { entity: 'SEG-UJI-ONE', path: [[110.41, -6.98]] },
          { entity: 'SEG-UJI-NONE' }, // neither a name nor a line
          {
            entity: 'bad id!',
            path: [
              [110.41, -6.98],
              [110.42, -95],
            ],
          },
        ],
      },
      dishub,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/nothing was written/);
    const issues = bad.body.details.map((d: { index: number; path: string }) => `${d.index}:${d.path}`);
    expect(issues).toEqual(expect.arrayContaining(['1:path.0.0', '2:path', '3:name', '4:entity', '4:path.1.1']));
    expect(issues.some((i: string) => i.startsWith('0:'))).toBe(false);
    const lon = bad.body.details.find((d: { index: number; path: string }) => d.index === 1 && d.path === 'path.0.0');
    expect(lon.message).toMatch(/longitude/);
    expect(bad.body.details.find((d: { index: number }) => d.index === 2).message).toMatch(/at least 2 vertices/);
    expect(await rowCount()).toBe(before);
    expect(await stored('DISHUB', fresh.entity)).toBeNull();

    // too many vertices, an empty batch, a body that is not JSON
    const long = { entity: 'SEG-UJI-PANJANG', path: Array.from({ length: 1_001 }, (_, i) => [110.4 + i * 1e-5, -6.98]) };
    const tooLong = await server.post('/api/v1/entities', { entities: [long] }, dishub);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.details[0]).toMatchObject({ index: 0, path: 'path' });
    expect((await server.post('/api/v1/entities', { entities: [] }, dishub)).status).toBe(400);
    expect((await server.post('/api/v1/entities', '{"entities": [', dishub)).status).toBe(400);
    expect(await rowCount()).toBe(before);
  });

  it("scopes geometry to the key's OPD: another OPD cannot overwrite a road segment", async () => {
    const target = roads[2]!;
    const hijack = {
      entity: target.entity,
      name: 'Bukan jalan',
      path: [
        [110.0, -7.0],
        [110.1, -7.1],
      ] as [number, number][],
    };
    const r = await server.post('/api/v1/entities', { entities: [hijack] }, dlh);
    // DLH may describe its own entities; it lands under DLH and leaves Dishub's line as it was
    expect(r).toEqual({ status: 200, body: { accepted: 1, changed: 1 } });
    expect(await stored('DISHUB', target.entity)).toEqual({ name: target.name, path: target.path });
    expect(await stored('DLH', target.entity)).toEqual({ name: hijack.name, path: hijack.path });
    const { rows } = await server.storage.pool.query(
      `SELECT target FROM audit_log WHERE action = 'entity.geometry_registered' AND actor LIKE '%@DLH'`,
    );
    expect(rows).toEqual([{ target: `entity:DLH/${target.entity}` }]);
  });

  it('carries the registered line in the traffic series metadata: snapshot and new series, from memory', async () => {
    const [withLine, laterLine, overwritten] = [roads[0]!, roads[3]!, roads[2]!];
    const t = Date.now() - 30_000;
    const points = [
      { metric: 'traffic_speed', entity: withLine.entity, time: t, value: 31 },
      { metric: 'traffic_speed', entity: overwritten.entity, time: t, value: 28 },
      { metric: 'traffic_speed', entity: 'SEG-UJI-TANPA-GARIS', time: t, value: 40 },
      // another metric of the same owner at the same segment carries the same line
      { metric: 'congestion_index', entity: withLine.entity, time: t, value: 0.4 },
    ];
    expect((await server.post('/api/v1/ingest', { points }, dishub)).status).toBe(202);

    const s = server.socket('/live', await server.token('operator'));
    await connected(s);
    const deltas: PointsAppended[] = [];
    s.on('points:appended', (m) => deltas.push(m));
    const spy = spyOnQueries(server.storage.pool);
    let ack: Ack<Snapshot>;
    try {
      ack = (await s
        .timeout(5_000)
        .emitWithAck('series:subscribe', { metrics: ['traffic_speed', 'congestion_index'], historyMinutes: 10 })) as Ack<Snapshot>;
    } finally {
      spy.restore();
    }
    // the snapshot reads no geometry from the database (it is held in memory)
    expect(spy.queries.filter((q) => q.includes('entity_geometry'))).toEqual([]);
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    const speed = ack.data.metrics.find((m) => m.metric.code === 'traffic_speed')!;
    const bySeg = new Map(speed.series.map((x) => [x.entity, x]));
    expect(bySeg.get(withLine.entity)?.path).toEqual(withLine.path);
    // the owner's line (Dishub's), never the one another OPD registered under the same id
    expect(bySeg.get(overwritten.entity)?.path).toEqual(overwritten.path);
    expect(bySeg.get('SEG-UJI-TANPA-GARIS')).toBeDefined();
    expect(bySeg.get('SEG-UJI-TANPA-GARIS')).not.toHaveProperty('path');
    const congestion = ack.data.metrics.find((m) => m.metric.code === 'congestion_index')!;
    expect(congestion.series.find((x) => x.entity === withLine.entity)?.path).toEqual(withLine.path);

    const pub = server.socket('/public');
    await connected(pub);
    const pubDeltas: PointsAppended[] = [];
    pub.on('points:appended', (m) => pubDeltas.push(m));
    expect(((await pub.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['traffic_speed'], historyMinutes: 0 })) as Ack<Snapshot>).ok).toBe(
      true,
    );
    // a series first seen after the snapshot brings its line with the delta; the ingest reads no geometry
    const live = spyOnQueries(server.storage.pool);
    try {
      const res = await server.post(
        '/api/v1/ingest',
        {
          points: [
            { metric: 'traffic_speed', entity: laterLine.entity, time: Date.now(), value: 22.5 },
            { metric: 'traffic_speed', entity: 'SEG-UJI-TANPA-GARIS-2', time: Date.now(), value: 44 },
          ],
        },
        dishub,
      );
      expect(res.status).toBe(202);
    } finally {
      live.restore();
    }
    expect(live.queries.filter((q) => q.includes('entity_geometry'))).toEqual([]);
    const msg = await waitFor('the new series', () =>
      deltas.find((m) => m.metric === 'traffic_speed' && m.series.some((x) => x.entity === laterLine.entity)),
    );
    expect(msg.series.find((x) => x.entity === laterLine.entity)?.path).toEqual(laterLine.path);
    expect(msg.series.find((x) => x.entity === 'SEG-UJI-TANPA-GARIS-2')).not.toHaveProperty('path');
    // the /public stream had the same new series without its line
    const pubMsg = await waitFor('the new series on /public', () =>
      pubDeltas.find((m) => m.metric === 'traffic_speed' && m.series.some((x) => x.entity === laterLine.entity)),
    );
    expect(pubMsg.series.find((x) => x.entity === laterLine.entity)).toMatchObject({ entity: laterLine.entity, name: laterLine.name });
    expect(pubMsg.series.filter((x) => 'path' in x)).toEqual([]);
    pub.disconnect();
  });

  it("leaves a lined segment's position off its live readings and stores it; an unlined one's travels", async () => {
    const lined = roads[4]!;
    const s = server.socket('/live', await server.token('operator'));
    await connected(s);
    const deltas: PointsAppended[] = [];
    s.on('points:appended', (m) => deltas.push(m));
    const ack = (await s.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['congestion_index'], historyMinutes: 0 })) as Ack<Snapshot>;
    expect(ack.ok).toBe(true);
    const at = { lon: 110.41234, lat: -6.98765 };
    const t = Date.now();
    const points = [
      { metric: 'congestion_index', entity: lined.entity, time: t, value: 0.61, ...at },
      { metric: 'congestion_index', entity: 'SEG-UJI-TANPA-GARIS-3', time: t, value: 0.2, ...at },
    ];
    expect((await server.post('/api/v1/ingest', { points }, dishub)).status).toBe(202);
    const sent = await waitFor('both readings live', () => {
      const all = deltas.flatMap((m) => m.points.map((p) => ({ p, meta: [...m.series] })));
      return all.length >= 2 ? all : undefined;
    });
    const ids = new Map(
      (
        await server.storage.pool.query<{ id: number; entity: string; lon: number; lat: number }>(
          `SELECT id, entity, lon, lat FROM series WHERE metric = 'congestion_index' AND entity = ANY($1)`,
          [[lined.entity, 'SEG-UJI-TANPA-GARIS-3']],
        )
      ).rows.map((r) => [r.entity, r]),
    );
    const live = (entity: string) => sent.find(({ p }) => p.s === ids.get(entity)!.id)!.p;
    // placed by its line: no position on the wire (was ~35 bytes of every segment reading)
    expect(live(lined.entity)).toEqual({ s: ids.get(lined.entity)!.id, t, v: 0.61 });
    expect(live('SEG-UJI-TANPA-GARIS-3')).toMatchObject({ v: 0.2, ...at });
    // nothing is lost: the series keeps the position it was sent
    expect(ids.get(lined.entity)).toMatchObject(at);
    s.disconnect();
  });

  it('a line registered after a series exists reaches the next snapshot; the public reads lines from REST', async () => {
    const entity = 'SEG-UJI-TANPA-GARIS';
    const path: [number, number][] = [
      [110.4, -6.99],
      [110.405, -6.992],
      [110.41, -6.995],
    ];
    expect((await server.post('/api/v1/entities', { entities: [{ entity, path }] }, dishub)).body).toEqual({ accepted: 1, changed: 1 });
    const first = async (s: ReturnType<TestServer['socket']>) => {
      await connected(s);
      const ack = (await s.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['traffic_speed'], historyMinutes: 0 })) as Ack<Snapshot>;
      s.disconnect();
      if (!ack.ok) throw new Error(ack.error.message);
      return ack.data.metrics[0]!.series;
    };
    expect((await first(server.socket('/live', await server.token('operator')))).find((x) => x.entity === entity)?.path).toEqual(path);

    // the /public stream carries no lines (issue 18: a seventh of a citizen's first snapshot) …
    const pub = await first(server.socket('/public'));
    expect(pub.map((x) => x.entity)).toContain(entity);
    expect(pub.filter((x) => 'path' in x)).toEqual([]);
    // … GET /api/public/v1/lines has them once, cacheable: the owner's line of every segment the public sees,
    // never the line another OPD registered under the same id
    const res = await fetch(`${server.url}/api/public/v1/lines`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeTruthy();
    expect(res.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const body = (await res.json()) as { lines: { opd: string; entity: string; name: string | null; path: [number, number][] }[] };
    const byEntity = new Map(body.lines.map((l) => [l.entity, l]));
    expect(byEntity.get(entity)).toEqual({ opd: 'DISHUB', entity, name: null, path });
    // the segments measured above (roads[1] has no series: no line for it)
    for (const r of [roads[0]!, roads[2]!, roads[3]!, roads[4]!])
      expect(byEntity.get(r.entity)).toEqual({ opd: 'DISHUB', entity: r.entity, name: r.name, path: r.path });
    expect(byEntity.has(roads[1]!.entity)).toBe(false);
    expect(body.lines.filter((l) => l.opd !== 'DISHUB')).toEqual([]);
    expect(body.lines.length).toBe(byEntity.size);
    const again = await fetch(`${server.url}/api/public/v1/lines`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('registers a name without a line (a gauge) and carries it in the series metadata, names first', async () => {
    const bpbd = await server.key('BPBD');
    const named = { entity: 'PA-UJI-NAMA', name: 'Rumah Pompa Uji' };
    expect(await server.post('/api/v1/entities', { entities: [named] }, bpbd)).toEqual({ status: 200, body: { accepted: 1, changed: 1 } });
    expect(await stored('BPBD', named.entity)).toEqual({ name: named.name, path: null });
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: named.entity, time: Date.now(), value: 120 }] }, bpbd)).status,
    ).toBe(202);
    const s = server.socket('/live', await server.token('operator'));
    await connected(s);
    const ack = (await s.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['water_level'], historyMinutes: 10 })) as Ack<Snapshot>;
    s.disconnect();
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    const series = ack.data.metrics[0]!.series.find((x) => x.entity === named.entity);
    expect(series?.name).toBe(named.name);
    expect(series).not.toHaveProperty('path');
  });
});
