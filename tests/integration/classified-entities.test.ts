/**
 * Issue 13 item 8: the class of an entity applies wherever the class of its metric does. A project registered
 * as rahasia or terbatas is a publik metric's entity (project_progress …), so before the fix its id, position,
 * progress and budget reached the public metrics, the open data (CSV, JSON, CKAN), anonymous GET /api/v1/series,
 * the /public socket (snapshot and live points) and its milestone events. Here an anonymous client fetches every
 * public route, format and socket channel and finds none of it; authorised users still do.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventsChanged, PointsAppended } from '../../shared/contract';
import { startTestServer, type ClientSocket, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));

/** Distinctive values: none of them may appear in any anonymous answer. */
const SECRET = {
  id: 'PRJ-RHS-0427',
  lon: 110.43219,
  lat: -6.98765,
  progress: 37.1357,
  plan: 41.2468,
  absorbed: 7_313_131_313,
  contractValue: 9_876_543_210,
};
const LIMITED = {
  id: 'PRJ-TBS-0831',
  lon: 110.41357,
  lat: -6.97531,
  progress: 63.9753,
  absorbed: 5_242_424_242,
  contractValue: 8_642_086_420,
} as const;
const OPEN = { id: 'PRJ-PUB-0001', progress: 12.5 };
const MARKERS = [SECRET.id, LIMITED.id, ...[SECRET, LIMITED].flatMap((p) => [p.lon, p.lat, p.progress, p.absorbed, p.contractValue].map(String))];

const project = (p: { id: string; lon: number; lat: number; contractValue: number }, klass: 'publik' | 'terbatas' | 'rahasia') => ({
  id: p.id,
  name: `Paket ${p.id}`,
  opd: 'DPUPR',
  region: '33.74.01.1001',
  lon: p.lon,
  lat: p.lat,
  contractValue: p.contractValue,
  budget: p.contractValue + 1,
  contractStart: '2026-01-05',
  contractEnd: '2026-12-20',
  class: klass,
});

const leaks = (text: string) => MARKERS.filter((m) => text.includes(m));
const waitFor = async (cond: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.each(backends)('classified projects on %s', (_name, adminUrl) => {
  let server: TestServer;
  let dpupr: string;
  const now = Date.now();

  const text = async (path: string, token?: string) => {
    const res = await fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    server = await startTestServer(adminUrl, { streamTickMs: 20 });
    dpupr = await server.key('DPUPR');
    const reg = await server.post(
      '/api/v1/projects',
      {
        projects: [
          project(SECRET, 'rahasia'),
          project(LIMITED, 'terbatas'),
          project({ id: OPEN.id, lon: 110.4, lat: -6.96, contractValue: 1_000_000_000 }, 'publik'),
        ],
      },
      dpupr,
    );
    expect(reg.status).toBe(202);
    const t = now - 10 * 60_000;
    const points: { metric: string; entity: string; time: number; value: number; lon: number; lat: number }[] = [SECRET, LIMITED].flatMap((p) => [
      { metric: 'project_progress', entity: p.id, time: t, value: p.progress, lon: p.lon, lat: p.lat },
      { metric: 'project_budget_absorbed', entity: p.id, time: t, value: p.absorbed, lon: p.lon, lat: p.lat },
    ]);
    points.push({ metric: 'project_progress_plan', entity: SECRET.id, time: t, value: SECRET.plan, lon: SECRET.lon, lat: SECRET.lat });
    points.push({ metric: 'project_progress', entity: OPEN.id, time: t, value: OPEN.progress, lon: 110.4, lat: -6.96 });
    expect((await server.post('/api/v1/ingest', { points }, dpupr)).status).toBe(202);
    // each project as a line too (a road being built): a rahasia project's line is as secret as its figures
    const line = (lon: number, lat: number): [number, number][] => [
      [lon, lat],
      [lon + 0.004, lat - 0.002],
    ];
    const lines = [SECRET, LIMITED, { ...OPEN, lon: 110.4, lat: -6.96 }].map((p) => ({ entity: p.id, path: line(p.lon, p.lat) }));
    expect((await server.post('/api/v1/entities', { entities: lines }, dpupr)).status).toBe(200);
    const events: Record<string, unknown>[] = [SECRET, LIMITED].map((p) => ({
      kind: 'project_milestone',
      id: `${p.id}-M25`,
      status: 'planned',
      time: t,
      region: '33.74.01.1001',
      lon: p.lon,
      lat: p.lat,
    }));
    events.push({ kind: 'project_milestone', id: `${OPEN.id}-M25`, status: 'planned', time: t, region: '33.74.01.1001', lon: 110.4, lat: -6.96 });
    expect((await server.post('/api/v1/events', { events }, dpupr)).status).toBe(202);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('no anonymous REST answer, open-data file or CKAN record carries them', async () => {
    const from = new Date(now - 3_600_000).toISOString();
    const to = new Date(now + 60_000).toISOString();
    const paths = [
      '/api/public/v1/metrics',
      '/api/public/v1/projects',
      '/api/public/v1/lines',
      '/api/public/v1/warnings',
      ...['24h', '7d', '30d'].flatMap((p) => ['summary', 'map', 'performance'].map((v) => `/api/public/v1/complaints/${v}?period=${p}`)),
      '/api/public/v1/datasets',
      ...['project_progress', 'project_progress_plan', 'project_budget_absorbed'].flatMap((m) =>
        ['raw', '1m', 'auto'].map((b) => `/api/v1/series?metric=${m}&from=${from}&to=${to}&bucket=${b}`),
      ),
      `/api/v1/series?metric=project_progress&from=${from}&to=${to}&entity=${SECRET.id}`,
      `/api/v1/series?metric=project_progress&from=${from}&to=${to}&entity=${LIMITED.id}`,
      '/api/3/action/package_list',
    ];
    // every resource of every dataset, in both formats, and through the CKAN DataStore
    const list = JSON.parse((await text('/api/3/action/package_list')).body).result as string[];
    for (const name of list) {
      const pkg = JSON.parse((await text(`/api/3/action/package_show?id=${name}`)).body).result as { resources: { id: string; url: string }[] };
      paths.push(`/api/3/action/package_show?id=${name}`);
      for (const r of pkg.resources) {
        paths.push(new URL(r.url).pathname + new URL(r.url).search);
        paths.push(`/api/3/action/datastore_search?resource_id=${encodeURIComponent(r.id)}&limit=32000`);
      }
    }
    expect(paths.some((p) => p.includes('proyek-pembangunan') && p.includes('data.csv'))).toBe(true);
    let sawOpen = false;
    for (const p of paths) {
      const res = await text(p);
      expect(res.status, p).toBe(200);
      expect(leaks(res.body), p).toEqual([]);
      if (res.body.includes(OPEN.id)) sawOpen = true;
    }
    // the publik project is there: the check is not vacuous
    expect(sawOpen).toBe(true);
    // and its line, which the /public stream leaves to this route
    const lines = JSON.parse((await text('/api/public/v1/lines')).body) as { lines: { entity: string }[] };
    expect(lines.lines.map((l) => l.entity)).toEqual([OPEN.id]);
  });

  it('the /public socket: snapshots, live points and milestone events leave them out', async () => {
    const sock: ClientSocket = server.socket('/public');
    const received: string[] = [];
    sock.on('points:appended', (m: PointsAppended) => received.push(JSON.stringify(m)));
    sock.on('events:changed', (m: EventsChanged) => received.push(JSON.stringify(m)));
    const snap = await sock
      .timeout(5_000)
      .emitWithAck('series:subscribe', { metrics: ['project_progress', 'project_progress_plan', 'project_budget_absorbed'], historyMinutes: 60 });
    expect(snap.ok).toBe(true);
    expect(leaks(JSON.stringify(snap))).toEqual([]);
    expect(JSON.stringify(snap)).toContain(OPEN.id);
    const ev = await sock.timeout(5_000).emitWithAck('events:subscribe', { kinds: ['project_milestone'], open: 1000 });
    expect(ev.ok).toBe(true);
    expect(leaks(JSON.stringify(ev))).toEqual([]);
    expect(JSON.stringify(ev)).toContain(`${OPEN.id}-M25`);

    // new readings and events, of an existing series and of a new one (project_progress_plan of LIMITED)
    const t = Date.now() - 1_000;
    const points: { metric: string; entity: string; time: number; value: number; lon: number; lat: number }[] = [SECRET, LIMITED].flatMap((p) => [
      { metric: 'project_progress', entity: p.id, time: t, value: p.progress, lon: p.lon, lat: p.lat },
      { metric: 'project_progress_plan', entity: p.id, time: t, value: p.progress, lon: p.lon, lat: p.lat },
    ]);
    points.push({ metric: 'project_progress', entity: OPEN.id, time: t, value: OPEN.progress + 1, lon: 110.4, lat: -6.96 });
    expect((await server.post('/api/v1/ingest', { points }, dpupr)).status).toBe(202);
    const events = [SECRET, LIMITED, { id: OPEN.id }].map((p) => ({ kind: 'project_milestone', id: `${p.id}-M25`, status: 'reached', time: t }));
    expect((await server.post('/api/v1/events', { events }, dpupr)).status).toBe(202);
    await waitFor(() => received.some((m) => m.includes(`${OPEN.id}-M25`)) && received.some((m) => m.includes(String(OPEN.progress + 1))));
    expect(leaks(received.join('\n'))).toEqual([]);
  });

  it('authorised users still see them: terbatas to operators, rahasia to the owner OPD only', async () => {
    const from = new Date(now - 3_600_000).toISOString();
    const to = new Date(now + 60_000).toISOString();
    const q = `/api/v1/series?metric=project_progress&from=${from}&to=${to}&bucket=raw`;
    const entities = async (token: string) =>
      ((await server.get(q, token)).body.series as { entity: string }[]).map((s) => s.entity).filter((e) => e.startsWith('PRJ-'));
    const operator = await server.token('operator');
    const owner = await server.token('agency', 'DPUPR');
    const other = await server.token('agency', 'DLH');
    expect(await entities(operator)).toEqual(expect.arrayContaining([LIMITED.id, OPEN.id]));
    expect(await entities(operator)).not.toContain(SECRET.id);
    expect(await entities(owner)).toEqual(expect.arrayContaining([SECRET.id, LIMITED.id, OPEN.id]));
    expect(await entities(other)).toEqual([OPEN.id]);

    // and live: the owner's /live socket gets the rahasia project's readings, an operator's does not
    const ownerSock = server.socket('/live', owner);
    const opSock = server.socket('/live', operator);
    const got = { owner: [] as string[], op: [] as string[] };
    ownerSock.on('points:appended', (m) => got.owner.push(JSON.stringify(m)));
    opSock.on('points:appended', (m) => got.op.push(JSON.stringify(m)));
    for (const s of [ownerSock, opSock])
      expect((await s.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['project_progress'], historyMinutes: 0 })).ok).toBe(true);
    const t = Date.now() - 500;
    const points = [SECRET, LIMITED].map((p) => ({ metric: 'project_progress', entity: p.id, time: t, value: p.progress + 0.5 }));
    expect((await server.post('/api/v1/ingest', { points }, dpupr)).status).toBe(202);
    await waitFor(
      () => got.owner.some((m) => m.includes(String(SECRET.progress + 0.5))) && got.op.some((m) => m.includes(String(LIMITED.progress + 0.5))),
    );
    expect(got.op.join('\n')).not.toContain(String(SECRET.progress + 0.5));
  });
});
