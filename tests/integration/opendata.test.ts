/**
 * Open data on the real server: publik metrics, projects and k-anonymous complaint counts as datasets with a
 * data dictionary (CSV and JSON, the same rows), snapshots with ETag/304; the CKAN action API a Satu Data
 * portal harvests with (package_list, package_show, package_search, datastore_search) and its error
 * envelope; the OpenAPI document covers every route the app registers, and /api/docs is self-contained HTML.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPENDATA_QUERY_TAG } from '../../db/queries/opendata';
import { spyOnQueries, startTestServer, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));
const HOUR = 3_600_000;

/** Titles and positions that must never appear in open data. */
const SECRET_TITLE = 'Jalan berlubang depan rumah Pak Budi Santoso, Jl. Anggrek 9';
const SECRET_LON = 110.4187651;
const SECRET_LAT = -6.9754329;

/**
 * Every route the app registers, as `METHOD path` (express syntax). Kept by hand on purpose: a new route
 * must be added here, and the test below then insists it is in the OpenAPI document too.
 */
const ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /api/v1/ingest',
  'POST /api/v1/events',
  'POST /api/v1/projects',
  'GET /api/v1/projects/conflicts',
  'GET /api/v1/projects/conflicts/unresolved',
  'GET /api/v1/replay',
  'POST /api/v1/projects/conflicts/:id/coordinate',
  'POST /api/v1/entities',
  'GET /api/public/v1/projects',
  'GET /api/public/v1/lines',
  'POST /api/v1/quarantine',
  'GET /api/v1/quarantine',
  'POST /api/v1/quarantine/resolve',
  'POST /api/v1/sources/health',
  'GET /api/v1/sources/health',
  'GET /api/v1/catalog',
  'GET /api/v1/series',
  'GET /api/v1/events/stats',
  'GET /api/v1/sharing/agreements',
  'GET /api/v1/wall/scenes',
  'GET /api/v1/alerts',
  'POST /api/v1/alerts/:id/acknowledge',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'GET /api/v1/auth/me',
  'GET /api/v1/audit',
  'GET /api/public/v1/complaints/summary',
  'GET /api/public/v1/complaints/map',
  'GET /api/public/v1/complaints/performance',
  'GET /api/public/v1/metrics',
  'GET /api/public/v1/warnings',
  'GET /api/public/v1/regions',
  'GET /api/public/v1/basemap',
  'GET /api/public/v1/basemap/layers/:layer',
  'GET /api/public/v1/basemap/tiles.pmtiles',
  // administration (issue 17): the catalog, scenes, users, ingest keys, boundaries
  'DELETE /api/v1/admin/catalog/:section/:code',
  'DELETE /api/v1/admin/keys/:id',
  'DELETE /api/v1/admin/scenes',
  'GET /api/v1/admin/catalog',
  'GET /api/v1/admin/keys',
  'GET /api/v1/admin/users',
  'POST /api/v1/admin/keys',
  'POST /api/v1/admin/regions/import',
  'POST /api/v1/admin/users',
  'PUT /api/v1/admin/catalog',
  'PUT /api/v1/admin/catalog/:section/:code',
  'PUT /api/v1/admin/scenes',
  'PUT /api/v1/admin/users/:username/password',
  'PUT /api/v1/admin/users/:username/role',
  'PUT /api/v1/admin/users/:username/status',
  'GET /api/public/v1/datasets',
  'GET /api/public/v1/datasets/:id',
  'GET /api/public/v1/datasets/:id/data.csv',
  'GET /api/public/v1/datasets/:id/data.json',
  'GET /api/3/action/:action',
  'POST /api/3/action/:action',
  'GET /api/v1/openapi.json',
  'GET /api/docs',
  // issue 16
  // issue 19
  'GET /api/v1/scorecard',
  'GET /api/v1/scorecard/ranking',
  'GET /api/public/v1/scorecard',
  'GET /api/v1/briefings',
  'GET /api/v1/briefings/:week/briefing.pdf',
  'GET /api/v1/briefings/:week/briefing.html',
  'GET /api/v1/briefings/:week/figures.json',
  'GET /api/v1/incidents',
  'POST /api/v1/incidents',
  'GET /api/v1/incidents/:id',
  'POST /api/v1/incidents/:id/actions',
  'GET /api/v1/complaints/routed',
  'POST /api/v1/watch-alerts/:id/acknowledge',
  'GET /api/v1/escalation-policies',
  'POST /api/v1/escalation-policies/:id',
  'GET /api/public/v1/incidents',
  'GET /api/v1/notifications/deliveries',
  'POST /api/v1/notifications/deliveries/:id/retry',
  'GET /api/v1/notifications/routes',
  'POST /api/v1/notifications/routes',
  // issue 21: follow your complaint, ratings, public notices
  'GET /api/public/v1/tickets/:ticket',
  'POST /api/public/v1/tickets/:ticket/rating',
  'GET /api/public/v1/ratings',
  'GET /open311/v2/requests/:id.json',
  'POST /api/v1/notices',
  'POST /api/v1/notices/:id',
  'POST /api/v1/notices/:id/withdraw',
  'GET /api/public/v1/notices',
  'GET /api/public/v1/notices/history',
  'GET /api/public/v1/notices.atom',
  'GET /api/public/v1/notices/:id.cap',
  // issue 19
  'GET /api/v1/sharing/overview',
  'POST /api/v1/sharing/requests',
  'POST /api/v1/sharing/requests/:id/decision',
  'POST /api/v1/sharing/requests/:id/withdraw',
  'POST /api/v1/sharing/agreements/:id/renew',
  'POST /api/v1/sharing/agreements/:id/dispute',
  'POST /api/v1/sharing/agreements/:id/resolve',
  'GET /api/v1/sharing/agreements/:id/usage',
  'GET /api/v1/sharing/matrix',
];
const CKAN_ACTIONS = [
  'package_list',
  'package_show',
  'package_search',
  'datastore_search',
  'help_show',
  'status_show',
  'organization_list',
  'organization_show',
  'group_list',
];

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
}

/** `METHOD path` of every route in an express app, walking the routers it mounts (with their mount paths). */
function registeredRoutes(app: { router: { stack: Layer[] } }): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const l of stack) {
      if (l.route) {
        const paths = Array.isArray(l.route.path) ? l.route.path : [l.route.path];
        for (const p of paths) for (const m of Object.keys(l.route.methods)) if (m !== '_all') out.push(`${m.toUpperCase()} ${prefix}${p}`);
      } else if (l.handle?.stack) {
        walk(l.handle.stack, typeof l.rawPath === 'string' && l.rawPath !== '/' ? prefix + l.rawPath : prefix);
      }
    }
  };
  walk(app.router.stack, '');
  return out;
}

describe.each(backends)('open data on %s', (_name, adminUrl) => {
  let server: TestServer;
  let kel: string[];
  let queries: string[];
  let restore: () => void;
  const now = Date.now();
  const h0 = Math.floor(now / HOUR) * HOUR; // start of the current hour
  const complaintIds: string[] = [];
  /** Water-level readings ingested, by entity: [time ms, value]. */
  const water: Record<string, [number, number][]> = { 'PA-OD-1': [], 'PA-OD-2': [] };

  const raw = async (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) => {
    const res = await fetch(server.url + path, { ...init, headers: { ...headers, ...((init.headers as Record<string, string>) ?? {}) } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const ckan = async (action: string, params: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/3/action/${action}?${new URLSearchParams(params)}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const ckanPost = async (action: string, body: string) => {
    const res = await fetch(`${server.url}/api/3/action/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as any };
  };
  const count = (tag: string) => queries.filter((q) => q.trimStart().startsWith(tag)).length;

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    const { rows } = await server.storage.pool.query<{ code: string }>(
      `SELECT code FROM region WHERE level = 'kelurahan' AND centroid_lon IS NOT NULL ORDER BY code LIMIT 3`,
    );
    kel = rows.map((r) => r.code);
    const [bpbd, dlh, dpupr, kominfo] = await Promise.all(['BPBD', 'DLH', 'DPUPR', 'DISKOMINFO'].map((o) => server.key(o)));

    // water level: two gates, every 10 minutes for the last 3 hours (two complete hours and the current one)
    const points = [];
    for (const [i, entity] of ['PA-OD-1', 'PA-OD-2'].entries()) {
      for (let t = h0 - 2 * HOUR; t <= now - 60_000; t += 10 * 60_000) {
        const value = 100 + i * 50 + ((t / 60_000) % 7);
        water[entity]!.push([t, value]);
        points.push({ metric: 'water_level', entity, region: kel[i], time: t, value, lon: 110.41 + i / 100, lat: -6.96 });
      }
    }
    // terbatas metrics of the same OPD: never published
    points.push({ metric: 'pump_running', entity: 'PUMP-OD-SECRET', region: kel[0], time: h0 - HOUR, value: 0.5 });
    expect((await server.post('/api/v1/ingest', { points }, bpbd)).status).toBe(202);
    expect(
      (
        await server.post(
          '/api/v1/ingest',
          {
            points: [
              { metric: 'container_fill', entity: 'CONT-OD-SECRET', time: h0 - HOUR, value: 0.9 },
              { metric: 'landfill_intake', entity: 'TPA-OD', time: h0 - HOUR, value: 412.5 },
            ],
          },
          dlh,
        )
      ).status,
    ).toBe(202);
    // two projects; the second has not reported its budget yet
    const project = (entity: string, metric: string, value: number, dt: number) => ({ metric, entity, region: kel[2], time: h0 - HOUR + dt, value });
    expect(
      (
        await server.post(
          '/api/v1/ingest',
          {
            points: [
              project('PRJ-OD-1', 'project_progress', 42.5, 0),
              project('PRJ-OD-1', 'project_progress_plan', 50, 0),
              project('PRJ-OD-1', 'project_budget_absorbed', 1_250_000_000, 60_000),
              project('PRJ-OD-2', 'project_progress', 10, 0),
              project('PRJ-OD-2', 'project_progress_plan', 12, 0),
            ],
          },
          dpupr,
        )
      ).status,
    ).toBe(202);

    // complaints: 2 in one kelurahan (to hide), 7 in another (to show), 5 that would give the 2 away
    const t0 = now - 3 * HOUR;
    const complaint = (id: string, region: string, category: string, dt: number) => {
      complaintIds.push(id);
      return {
        kind: 'complaint',
        id,
        status: 'received',
        time: t0 + dt,
        category,
        region,
        lon: SECRET_LON + complaintIds.length * 1e-7,
        lat: SECRET_LAT,
        title: `${SECRET_TITLE} #${complaintIds.length}`,
      };
    };
    const events = [
      ...[0, 1].map((i) => complaint(`LPR-OD-A${i}`, kel[0]!, 'sampah', i * 60_000)),
      ...Array.from({ length: 7 }, (_, i) => complaint(`LPR-OD-B${i}`, kel[1]!, 'jalan_rusak', i * 60_000)),
      ...Array.from({ length: 5 }, (_, i) => complaint(`LPR-OD-C${i}`, kel[2]!, 'sampah', i * 60_000)),
    ];
    expect((await server.post('/api/v1/events', { events }, kominfo)).status).toBe(202);

    ({ queries, restore } = spyOnQueries(server.storage.pool));
  });
  afterAll(async () => {
    restore?.();
    await server?.close();
  });

  it('lists publik datasets only, each with owner OPD, classification, cadence and downloads', async () => {
    const res = await server.get('/api/public/v1/datasets');
    expect(res.status).toBe(200);
    const ids = res.body.datasets.map((d: { id: string }) => d.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'tinggi-muka-air',
        'curah-hujan',
        'indeks-kemacetan',
        'kecepatan-rata-rata',
        'sampah-masuk-tpa-hari-ini',
        'aduan-terbuka',
        'proyek-pembangunan',
        'aduan-warga-per-kelurahan',
      ]),
    );
    expect(res.body.count).toBe(ids.length);
    expect(res.body.spatial).toMatchObject({ code: expect.stringMatching(/^\d{2}\.\d{2}$/), province: { code: expect.stringMatching(/^\d{2}$/) } });
    // nothing terbatas: neither a dataset nor a mention
    const text = JSON.stringify(res.body);
    for (const secret of [
      'pump_running',
      'traffic_intensity',
      'truck_load',
      'container_fill',
      'pompa',
      'Volume kendaraan',
      'Keterisian',
      'PUMP-OD',
      'CONT-OD',
    ])
      expect(text).not.toContain(secret);
    for (const d of res.body.datasets) {
      expect(d).toMatchObject({
        classification: 'publik',
        owner: { code: expect.any(String), name: expect.any(String) },
        updateCadence: expect.stringMatching(/^PT/),
      });
      expect(d.resources.length).toBeGreaterThan(0);
      for (const r of d.resources) expect(r.downloads.csv).toMatch(/^\/api\/public\/v1\/datasets\/.+\/data\.csv\?view=/);
    }
    const water = res.body.datasets.find((d: { id: string }) => d.id === 'tinggi-muka-air');
    expect(water).toMatchObject({
      title: 'Tinggi muka air',
      owner: { code: 'BPBD', name: 'Badan Penanggulangan Bencana Daerah' },
      domain: 'floods',
      updateCadence: 'PT10S',
    });
    expect(water.resources.map((r: { view: string }) => r.view)).toEqual(['hourly', 'latest']);
    expect(Date.parse(water.modified)).toBeGreaterThan(h0 - HOUR);
    expect(res.body.datasets.find((d: { id: string }) => d.id === 'aduan-warga-per-kelurahan')).toMatchObject({
      owner: { code: 'DISKOMINFO' },
      kAnonymity: 5,
    });
  });

  it('describes a dataset with a data dictionary per resource', async () => {
    const res = await server.get('/api/public/v1/datasets/tinggi-muka-air');
    expect(res.status).toBe(200);
    const hourly = res.body.resources.find((r: { view: string }) => r.view === 'hourly');
    expect(hourly.dictionary.map((f: { field: string }) => f.field)).toEqual([
      'entity',
      'region_code',
      'region_name',
      'time',
      'value',
      'min',
      'max',
      'samples',
      'unit',
    ]);
    for (const f of hourly.dictionary) {
      expect(f).toMatchObject({
        classification: 'publik',
        ownerOpd: 'BPBD',
        updateCadence: 'PT1H',
        meaning: expect.any(String),
        meaningEn: expect.any(String),
      });
    }
    expect(hourly.dictionary.find((f: { field: string }) => f.field === 'value')).toMatchObject({ type: 'number', unit: 'cm' });
    expect(hourly.dictionary.find((f: { field: string }) => f.field === 'region_code').reference).toMatch(/Kemendagri/);
    const latest = res.body.resources.find((r: { view: string }) => r.view === 'latest');
    expect(latest.dictionary[0]).toMatchObject({ updateCadence: 'PT10S' });

    expect((await server.get('/api/public/v1/datasets/no-such-thing')).status).toBe(404);
    expect((await server.get('/api/public/v1/datasets/BAD..ID')).status).toBe(404);
    expect((await server.get(`/api/public/v1/datasets/${'x'.repeat(500)}`)).status).toBe(404);
    // terbatas metrics have no dataset, by slug or by code
    for (const id of ['pompa-beroperasi', 'pump-running', 'volume-kendaraan', 'keterisian-kontainer'])
      expect((await server.get(`/api/public/v1/datasets/${id}`)).status).toBe(404);
  });

  it('serves hourly means as CSV whose header is the dictionary, and the same rows as JSON', async () => {
    const meta = (await server.get('/api/public/v1/datasets/tinggi-muka-air')).body;
    const fields = meta.resources[0].dictionary.map((f: { field: string }) => f.field);
    const csv = await raw('/api/public/v1/datasets/tinggi-muka-air/data.csv?view=hourly');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('tinggi-muka-air-hourly.csv');
    expect(csv.text).toContain('\r\n');
    const records: string[][] = parse(csv.text, { bom: true });
    expect(records[0]).toEqual(fields);
    const rows = records.slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(4); // two gates × at least two complete hours

    for (const r of rows) {
      const row = Object.fromEntries(fields.map((f: string, i: number) => [f, r[i]]));
      expect(row.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\+07:00$/);
      const start = Date.parse(row.time);
      expect(start).toBeLessThan(Math.floor(Date.now() / HOUR) * HOUR); // complete hours only
      const inside = water[row.entity]!.filter(([t]) => t >= start && t < start + HOUR).map(([, v]) => v);
      expect(inside.length).toBe(Number(row.samples));
      expect(Number(row.value)).toBeCloseTo(inside.reduce((a, v) => a + v, 0) / inside.length, 3);
      expect(Number(row.min)).toBe(Math.min(...inside));
      expect(Number(row.max)).toBe(Math.max(...inside));
      expect(row.unit).toBe('cm');
      expect(row.region_code).toBe(row.entity === 'PA-OD-1' ? kel[0] : kel[1]);
      expect(row.region_name).not.toBe('');
    }
    for (const entity of ['PA-OD-1', 'PA-OD-2']) {
      for (const h of [h0 - 2 * HOUR, h0 - HOUR]) {
        const iso = new Date(h + 7 * HOUR).toISOString().slice(0, 19) + '+07:00';
        expect(rows.some((r) => r[0] === entity && r[3] === iso)).toBe(true);
      }
    }

    const json = await server.get('/api/public/v1/datasets/tinggi-muka-air/data.json?view=hourly');
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ dataset: 'tinggi-muka-air', view: 'hourly', classification: 'publik', ownerOpd: 'BPBD' });
    expect(json.body.fields.map((f: { field: string }) => f.field)).toEqual(fields);
    // the same rows: every JSON row, written as CSV cells, is the CSV row
    expect(json.body.data.map((d: Record<string, unknown>) => fields.map((f: string) => (d[f] === null ? '' : String(d[f]))))).toEqual(rows);
    for (const d of json.body.data) expect(Object.keys(d)).toEqual(fields);
  });

  it('serves the latest reading per series, projects per project, and refuses unknown views', async () => {
    const latest = await server.get('/api/public/v1/datasets/tinggi-muka-air/data.json?view=latest');
    const gate = latest.body.data.find((d: { entity: string }) => d.entity === 'PA-OD-1');
    const [t, v] = water['PA-OD-1']!.at(-1)!;
    expect(gate).toMatchObject({ value: v, unit: 'cm', region_code: kel[0], longitude: 110.41, latitude: -6.96 });
    expect(Date.parse(gate.time)).toBe(t);
    expect(gate.time).toMatch(/\+07:00$/);
    // the default view is the first one (hourly)
    const dflt = await server.get('/api/public/v1/datasets/tinggi-muka-air/data.json');
    expect(dflt.body.view).toBe('hourly');

    const projects = await server.get('/api/public/v1/datasets/proyek-pembangunan/data.json');
    expect(projects.status).toBe(200);
    expect(projects.body.fields.map((f: { field: string }) => f.field)).toEqual([
      'entity',
      'name',
      'opd_code',
      'opd_name',
      'contract_value',
      'budget',
      'contract_start',
      'contract_end',
      'region_code',
      'region_name',
      'longitude',
      'latitude',
      'project_progress',
      'project_progress_plan',
      'project_budget_absorbed',
      'time',
    ]);
    const p1 = projects.body.data.find((d: { entity: string }) => d.entity === 'PRJ-OD-1');
    expect(p1).toMatchObject({ project_progress: 42.5, project_progress_plan: 50, project_budget_absorbed: 1_250_000_000, region_code: kel[2] });
    expect(Date.parse(p1.time)).toBe(h0 - HOUR + 60_000);
    expect(projects.body.data.find((d: { entity: string }) => d.entity === 'PRJ-OD-2')).toMatchObject({
      project_progress: 10,
      project_budget_absorbed: null,
    });
    const pcsv = parse((await raw('/api/public/v1/datasets/proyek-pembangunan/data.csv')).text) as string[][];
    expect(pcsv.find((r) => r[0] === 'PRJ-OD-2')![7]).toBe(''); // a null is an empty cell

    for (const q of ['view=latest2', 'view=24h', 'view=', 'view=hourly&view=latest', 'view=%00']) {
      const res = await server.get(`/api/public/v1/datasets/tinggi-muka-air/data.csv?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error).toBe('invalid query');
    }
    expect((await server.get('/api/public/v1/datasets/proyek-pembangunan/data.csv?view=hourly')).status).toBe(400);
  });

  it('publishes complaints only as the k-anonymous counts of the public view, with no title, id or position', async () => {
    const [k2, k7, k5] = kel;
    const meta = (await server.get('/api/public/v1/datasets/aduan-warga-per-kelurahan')).body;
    expect(meta.resources.map((r: { view: string }) => r.view)).toEqual(['7d', '24h', '30d']);
    const res = await server.get('/api/public/v1/datasets/aduan-warga-per-kelurahan/data.json?view=24h');
    expect(res.status).toBe(200);
    const cell = (code: string | undefined, category: string) =>
      res.body.data.find((d: { kelurahan_code: string; category: string }) => d.kelurahan_code === code && d.category === category);
    expect(cell(k2, 'sampah')).toMatchObject({
      received: null,
      received_hidden: '<5',
      kecamatan_code: k2!.slice(0, 8),
      kelurahan_name: expect.any(String),
    }); // a cell of 2: suppressed, and said to be below k
    // the 7 is shown or hidden as a cover (which of the 7 and the 5 covers the 2 is the rule's choice); the
    // 2 cannot be had from the sampah total: another sampah count hides with it
    expect([7, null]).toContain(cell(k7, 'jalan_rusak').received);
    expect(
      res.body.data.filter((d: { category: string; received: number | null }) => d.category === 'sampah' && d.received === null).length,
    ).toBeGreaterThanOrEqual(2);
    expect(k5).toBeDefined();
    // the same numbers as the public summary, cell by cell
    const summary = (await server.get('/api/public/v1/complaints/summary?period=24h')).body;
    for (const r of summary.kelurahan)
      for (const c of r.cells)
        for (const m of ['received', 'resolved', 'open']) {
          expect(cell(r.code, c.category)[m], `${r.code} ${c.category} ${m}`).toBe(c[m].n);
          // the marker tells what the page tells: "<k" below k, ">=k" for a cover, nothing when published
          const marker = c[m].suppressed ? (c[m].lessThan !== undefined ? `<${c[m].lessThan}` : '>=5') : null;
          expect(cell(r.code, c.category)[`${m}_hidden`], `${r.code} ${c.category} ${m}_hidden`).toBe(marker);
        }

    const csv = await raw('/api/public/v1/datasets/aduan-warga-per-kelurahan/data.csv?view=24h');
    const records: string[][] = parse(csv.text);
    expect(records[0]).toEqual(meta.resources.find((r: { view: string }) => r.view === '24h').dictionary.map((f: { field: string }) => f.field));
    expect(records.find((r) => r[4] === k2 && r[6] === 'sampah')![7]).toBe('');

    const { rows } = await server.storage.pool.query<{ t: number }>(`SELECT (extract(epoch FROM opened_at) * 1000)::float8 AS t FROM event`);
    for (const path of ['data.csv?view=24h', 'data.json?view=24h', 'data.json?view=7d', 'data.csv?view=30d']) {
      const text = (await raw(`/api/public/v1/datasets/aduan-warga-per-kelurahan/${path}`)).text;
      expect(text).not.toContain('Jalan berlubang');
      expect(text).not.toContain('Budi');
      expect(text).not.toMatch(/LPR-OD|"title"|"id"|"lon"|"lat"|longitude|latitude/);
      expect(text).not.toContain('110.41876');
      expect(text).not.toContain('6.97543');
      for (const r of rows) expect(text).not.toContain(String(Math.round(r.t)));
    }
    const ds = await ckan('datastore_search', {
      resource_id: 'aduan-warga-per-kelurahan.24h',
      filters: JSON.stringify({ kelurahan_code: k2, category: 'sampah' }),
    });
    expect(ds.body.result.records).toEqual([expect.objectContaining({ received: null, kelurahan_code: k2 })]);
  });

  it('answers If-None-Match with 304 and computes a snapshot once for a crowd', async () => {
    for (const path of [
      '/api/public/v1/datasets',
      '/api/public/v1/datasets/tinggi-muka-air',
      '/api/public/v1/datasets/tinggi-muka-air/data.csv?view=hourly',
      '/api/public/v1/datasets/aduan-warga-per-kelurahan/data.json',
    ]) {
      const first = await raw(path);
      expect(first.status, path).toBe(200);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+(\.gz)?"$/);
      expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      expect(first.headers.get('access-control-allow-origin')).toBe('*');
      const again = await raw(path, { 'if-none-match': etag! });
      if (again.status === 200) {
        expect(again.headers.get('etag')).not.toBe(etag); // the snapshot turned over in between
        continue;
      }
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect((await raw(path, { 'if-none-match': '"other"' })).status).toBe(200);
    }
    // the hourly history is cached a minute: 60 concurrent downloads of a dataset not read before cost one query
    const before = count(OPENDATA_QUERY_TAG.hourly);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => raw(`/api/public/v1/datasets/curah-hujan/data.${i % 2 ? 'csv' : 'json'}?view=hourly`)),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(count(OPENDATA_QUERY_TAG.hourly) - before).toBeLessThanOrEqual(1 + Math.floor((Date.now() - started) / 60_000));
    expect(new Set(answers.filter((_, i) => i % 2).map((a) => a.headers.get('etag'))).size).toBe(1);
  });

  it('speaks CKAN: package_list, package_show and package_search', async () => {
    const list = await ckan('package_list');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ success: true, help: expect.stringContaining('/api/3/action/help_show?name=package_list') });
    const ids = (await server.get('/api/public/v1/datasets')).body.datasets.map((d: { id: string }) => d.id).sort();
    expect(list.body.result).toEqual(ids);
    expect((await ckan('package_list', { limit: '2', offset: '1' })).body.result).toEqual(ids.slice(1, 3));

    const show = await ckan('package_show', { id: 'tinggi-muka-air' });
    expect(show.status).toBe(200);
    const pkg = show.body.result;
    expect(pkg).toMatchObject({
      name: 'tinggi-muka-air',
      title: 'Tinggi muka air',
      notes: expect.stringContaining('Tinggi muka air'),
      organization: { name: 'bpbd', title: 'Badan Penanggulangan Bencana Daerah' },
      owner_org: 'bpbd',
      private: false,
      metadata_modified: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/),
      metadata_created: expect.any(String),
    });
    expect(pkg.tags.map((t: { name: string }) => t.name)).toContain('banjir');
    const extras = Object.fromEntries(pkg.extras.map((e: { key: string; value: string }) => [e.key, e.value]));
    expect(extras).toMatchObject({
      classification: 'publik',
      update_cadence: 'PT10S',
      owner_opd: 'BPBD',
      spatial_code: expect.stringMatching(/^\d{2}\.\d{2}$/),
    });
    expect(pkg.resources.map((r: { format: string }) => r.format)).toEqual(['CSV', 'JSON', 'CSV', 'JSON']);
    for (const r of pkg.resources) {
      expect(r).toMatchObject({ datastore_active: true, package_id: 'tinggi-muka-air' });
      expect(r.url.startsWith(`${server.url}/api/public/v1/datasets/tinggi-muka-air/data.`)).toBe(true);
    }
    const download = await raw(pkg.resources[0].url.slice(server.url.length));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^text\/csv/);

    const search = await ckan('package_search', { fq: 'organization:bpbd', rows: '100' });
    expect(search.status).toBe(200);
    expect(search.body.result.results.map((p: { name: string }) => p.name).sort()).toEqual(['curah-hujan', 'tinggi-muka-air']);
    expect(search.body.result.count).toBe(2);
    const paged = await ckan('package_search', { rows: '3', start: '0', sort: 'name asc' });
    expect(paged.body.result.count).toBe(ids.length);
    expect(paged.body.result.results.map((p: { name: string }) => p.name)).toEqual(ids.slice(0, 3));
    expect((await ckan('package_search', { q: 'aduan' })).body.result.results.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['aduan-warga-per-kelurahan']),
    );
    const modifiedSince = await ckan('package_search', { fq: `metadata_modified:[${new Date(Date.now() + 86_400_000).toISOString()} TO *]` });
    expect(modifiedSince.body.result.count).toBe(0);
  });

  it('gives every dataset a licence (CC-BY-4.0 by default), in its metadata and in package_show', async () => {
    const list = (await server.get('/api/public/v1/datasets')).body.datasets as { id: string; license: unknown }[];
    expect(list.length).toBeGreaterThan(3);
    for (const d of list)
      expect(d.license, d.id).toEqual({
        id: 'CC-BY-4.0',
        title: 'Creative Commons Attribution 4.0',
        url: 'https://creativecommons.org/licenses/by/4.0/',
        isOpen: true,
      });
    const pkg = (await ckan('package_show', { id: list[0]!.id })).body.result;
    expect(pkg).toMatchObject({
      license_id: 'CC-BY-4.0',
      license_title: 'Creative Commons Attribution 4.0',
      license_url: 'https://creativecommons.org/licenses/by/4.0/',
      isopen: true,
    });
  });

  it('speaks the CKAN actions harvesters call first: status_show, organization_list/show, group_list', async () => {
    const status = await ckan('status_show');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      help: expect.stringContaining('/api/3/action/help_show?name=status_show'),
      success: true,
      result: { ckan_version: expect.stringMatching(/^2\.\d+/), locale_default: 'id', site_url: server.url, extensions: ['datastore'] },
    });
    const datasets = (await server.get('/api/public/v1/datasets')).body.datasets as { id: string; domain: string; owner: { code: string } }[];
    const owners = [...new Set(datasets.map((d) => d.owner.code.toLowerCase()))].sort();
    const orgs = await ckan('organization_list');
    expect(orgs.body.result).toEqual(owners);
    const full = (await ckan('organization_list', { all_fields: 'true' })).body.result as {
      name: string;
      package_count: number;
      is_organization: boolean;
    }[];
    expect(full.map((o) => o.name)).toEqual(owners);
    for (const o of full) {
      expect(o.is_organization).toBe(true);
      expect(o.package_count).toBe(datasets.filter((d) => d.owner.code.toLowerCase() === o.name).length);
    }
    expect((await ckan('organization_list', { limit: '1', offset: '1' })).body.result).toEqual(owners.slice(1, 2));
    const bpbd = await ckan('organization_show', { id: 'bpbd', include_datasets: 'true' });
    expect(bpbd.status).toBe(200);
    expect(bpbd.body.result).toMatchObject({ name: 'bpbd', title: 'Badan Penanggulangan Bencana Daerah', is_organization: true, package_count: 2 });
    expect(bpbd.body.result.packages.map((p: { name: string }) => p.name).sort()).toEqual(['curah-hujan', 'tinggi-muka-air']);
    expect((await ckan('organization_show', { id: 'bpbd' })).body.result.packages).toBeUndefined();
    const missing = await ckan('organization_show', { id: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, error: { __type: 'Not Found Error' } });
    expect((await ckan('organization_show')).status).toBe(409);

    const domains = [...new Set(datasets.map((d) => d.domain))].sort();
    expect((await ckan('group_list')).body.result).toEqual(domains);
    const groups = (await ckan('group_list', { all_fields: 'true' })).body.result as { name: string; package_count: number; type: string }[];
    for (const g of groups) expect(g).toMatchObject({ type: 'group', package_count: datasets.filter((d) => d.domain === g.name).length });
    // a package is in its domain's group, and fq=groups: filters by it
    const floods = await ckan('package_search', { fq: 'groups:floods', rows: '100' });
    expect(floods.body.result.results.map((p: { name: string }) => p.name).sort()).toEqual(
      datasets
        .filter((d) => d.domain === 'floods')
        .map((d) => d.id)
        .sort(),
    );
    expect((await ckan('group_list', { limit: 'x' })).status).toBe(409);
  });

  it('speaks CKAN DataStore: datastore_search with limit, offset, filters, sort and links', async () => {
    const all = await ckan('datastore_search', { resource_id: 'tinggi-muka-air.hourly.csv' });
    expect(all.status).toBe(200);
    const r = all.body.result;
    expect(r.resource_id).toBe('tinggi-muka-air.hourly.csv');
    expect(r.limit).toBe(100);
    expect(r.fields[0]).toEqual({ id: '_id', type: 'int' });
    expect(r.fields.slice(1).map((f: { id: string; type: string }) => [f.id, f.type])).toEqual([
      ['entity', 'text'],
      ['region_code', 'text'],
      ['region_name', 'text'],
      ['time', 'timestamp'],
      ['value', 'numeric'],
      ['min', 'numeric'],
      ['max', 'numeric'],
      ['samples', 'int'],
      ['unit', 'text'],
    ]);
    const json = (await server.get('/api/public/v1/datasets/tinggi-muka-air/data.json?view=hourly')).body;
    expect(r.total).toBe(json.data.length);
    expect(r.records.map(({ _id, ...rest }: { _id: number }) => rest)).toEqual(json.data);

    const one = await ckan('datastore_search', { resource_id: 'tinggi-muka-air.hourly', limit: '1' });
    expect(one.body.result.records).toHaveLength(1);
    expect(one.body.result.total).toBe(r.total);
    expect(one.body.result._links.start).toBe('/api/3/action/datastore_search?resource_id=tinggi-muka-air.hourly&limit=1');
    expect(one.body.result._links.next).toBe('/api/3/action/datastore_search?resource_id=tinggi-muka-air.hourly&limit=1&offset=1');
    const second = await fetch(server.url + one.body.result._links.next).then((x) => x.json() as Promise<any>);
    expect(second.result.records[0]).toEqual(r.records[1]);
    expect(second.result.offset).toBe(1);

    const filtered = await ckan('datastore_search', {
      resource_id: 'tinggi-muka-air.hourly.json',
      filters: JSON.stringify({ entity: 'PA-OD-2' }),
      sort: 'time desc',
      fields: 'entity,time,value',
    });
    expect(filtered.status).toBe(200);
    const fr = filtered.body.result;
    expect(fr.records.length).toBe(json.data.filter((d: { entity: string }) => d.entity === 'PA-OD-2').length);
    expect(fr.total).toBe(fr.records.length);
    expect(fr.records.every((x: { entity: string }) => x.entity === 'PA-OD-2')).toBe(true);
    expect(Object.keys(fr.records[0])).toEqual(['entity', 'time', 'value']);
    expect(fr.records.map((x: { time: string }) => x.time)).toEqual([...fr.records.map((x: { time: string }) => x.time)].sort().reverse());
    expect(fr.filters).toEqual({ entity: 'PA-OD-2' });
    // a list of values matches any; numbers match their text
    const any = await ckan('datastore_search', {
      resource_id: 'tinggi-muka-air.hourly',
      filters: JSON.stringify({ entity: ['PA-OD-1', 'PA-OD-2'], unit: 'cm' }),
    });
    expect(any.body.result.total).toBe(r.total);
    const first = r.records[0];
    const byValue = await ckan('datastore_search', {
      resource_id: 'tinggi-muka-air.hourly',
      filters: JSON.stringify({ samples: String(first.samples), entity: first.entity, time: first.time }),
    });
    expect(byValue.body.result.records.map((x: { _id: number }) => x._id)).toEqual([first._id]);
    // limits: capped at 32000, never negative
    expect((await ckan('datastore_search', { resource_id: 'tinggi-muka-air.hourly', limit: '999999' })).body.result.limit).toBe(32_000);
    // POST with a JSON body, as ckanapi sends it
    const posted = await ckanPost(
      'datastore_search',
      JSON.stringify({ resource_id: 'tinggi-muka-air.hourly', filters: { entity: 'PA-OD-1' }, limit: 2 }),
    );
    expect(posted.status).toBe(200);
    expect(posted.body.result.records).toHaveLength(2);
    expect(posted.body.result.records.every((x: { entity: string }) => x.entity === 'PA-OD-1')).toBe(true);
  });

  it("answers bad CKAN calls in CKAN's error envelope, never with a 500", async () => {
    const notFound = await ckan('package_show', { id: 'no-such-dataset' });
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({
      success: false,
      help: expect.any(String),
      error: { __type: 'Not Found Error', message: expect.any(String) },
    });
    expect((await ckan('datastore_search', { resource_id: 'no-such.hourly' })).body.error.__type).toBe('Not Found Error');
    expect((await ckan('datastore_search', { resource_id: 'tinggi-muka-air.weekly' })).status).toBe(404);
    expect((await ckan('datastore_search', { resource_id: 'pompa-beroperasi.latest' })).status).toBe(404);

    const invalid: [string, Record<string, string>][] = [
      ['package_show', {}],
      ['datastore_search', {}],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', limit: '-1' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', limit: 'ten' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', offset: '1.5' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', filters: '{not json' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', filters: '[1,2]' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', filters: '{"nope":"x"}' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', filters: '{"entity":{"$gt":1}}' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', fields: 'entity,secret' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', sort: 'value; DROP TABLE point' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', q: 'banjir' }],
      ['datastore_search', { resource_id: 'tinggi-muka-air.hourly', records_format: 'csv' }],
      ['package_list', { limit: 'x' }],
      ['package_search', { rows: '-5' }],
    ];
    for (const [action, params] of invalid) {
      const res = await ckan(action, params);
      expect(res.status, `${action} ${JSON.stringify(params)}`).toBe(409);
      expect(res.body).toMatchObject({ success: false, error: { __type: 'Validation Error', message: expect.any(String) } });
    }
    const missing = await ckan('datastore_search', {});
    expect(missing.body.error.resource_id).toEqual(['Missing value']);

    const unknown = await ckan('package_create', { name: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ success: false, error: { message: 'Bad request - Action name not known: package_create' } });
    const badJson = await fetch(`${server.url}/api/3/action/package_show`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ success: false, error: { message: expect.stringContaining('JSON') } });
    expect((await ckanPost('package_show', '["tinggi-muka-air"]')).status).toBe(400);
    expect((await ckanPost('package_show', '{"id":{"$ne":null}}')).status).toBe(409);
    // odd inputs of every kind: an answer below 500, and a CKAN envelope
    for (const path of [
      'datastore_search?resource_id=%00',
      'datastore_search?resource_id=a&resource_id=b',
      'package_show?id[x]=1',
      `package_show?id=${'x'.repeat(5000)}`,
      'help_show?name=package_show',
      'help_show?name=nope',
      'datastore_search?resource_id=tinggi-muka-air.hourly&filters=%7B%22entity%22%3Anull%7D',
    ]) {
      const res = await fetch(`${server.url}/api/3/action/${path}`);
      expect(res.status, path).toBeLessThan(500);
      expect(typeof ((await res.json()) as { success: unknown }).success, path).toBe('boolean');
    }
  });

  it('documents every registered route in an OpenAPI 3.1 document', async () => {
    const res = await server.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      expect(path.startsWith('/')).toBe(true);
      const ops = METHODS.filter((m) => item[m]);
      expect(ops.length, path).toBeGreaterThan(0);
      for (const m of ops) {
        const op = item[m];
        expect(Object.keys(op.responses ?? {}).length, `${m} ${path}`).toBeGreaterThan(0);
        for (const status of Object.keys(op.responses)) expect(status).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(operationIds.has(op.operationId), op.operationId).toBe(false);
        operationIds.add(op.operationId);
        const params = (op.parameters ?? []) as { name: string; in: string; required?: boolean }[];
        expect(new Set(params.map((p) => `${p.in}:${p.name}`)).size).toBe(params.length);
        for (const p of params) if (p.in === 'path') expect(path).toContain(`{${p.name}}`);
        // every template in the path is a required path parameter
        for (const t of path.matchAll(/\{(\w+)\}/g))
          expect(
            params.find((p) => p.in === 'path' && p.name === t[1]),
            `${path} ${t[1]}`,
          ).toMatchObject({ required: true });
      }
    }
    // every $ref points at a schema the document has
    for (const m of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
      expect(doc.components.schemas[m[1]!], m[1]).toBeDefined();
    // request schemas come from the zod schemas the routes validate with
    expect(doc.components.schemas.IngestBatch.properties.points.items.required).toEqual(
      expect.arrayContaining(['metric', 'entity', 'time', 'value']),
    );

    // the list above is what the app registers, and each of its routes is in the document
    expect(new Set(registeredRoutes(server.app.express as unknown as { router: { stack: Layer[] } }))).toEqual(new Set(ROUTES));
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>))
      for (const m of METHODS) if (item[m]) documented.add(`${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    for (const route of ROUTES) {
      if (route.endsWith('/api/3/action/:action')) {
        for (const a of CKAN_ACTIONS) expect(documented, `${route} ${a}`).toContain(route.replace(':action', a));
      } else expect(documented, route).toContain(route);
    }
  });

  it('renders the API page in Bahasa Indonesia by default, in English with ?lang=en, and refuses other languages', async () => {
    const id = await raw('/api/docs');
    expect(id.status).toBe(200);
    expect(id.text).toMatch(/^<!doctype html>\s*<html lang="id">/i);
    for (const words of ['Otorisasi', 'Daftar endpoint', 'Skema', 'Jawaban', 'Aduan warga per kelurahan dan kategori', 'CKAN: OPD pemilik dataset'])
      expect(id.text, words).toContain(words);
    // an operation without a translation keeps its English summary, marked as English
    expect(id.text).toMatch(/<p class="summary"><span lang="en">/);
    expect(id.text).toContain('<a href="?lang=en" hreflang="en" lang="en" data-testid="docs-lang">English</a>');
    const en = await raw('/api/docs?lang=en');
    expect(en.text).toMatch(/<html lang="en">/);
    expect(en.text).toContain('<h2>Authorization</h2>');
    expect(en.text).not.toContain('Otorisasi');
    expect(en.text).toContain('href="?lang=id"');
    const bad = await raw('/api/docs?lang=fr');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).details[0].path).toBe('lang');
  });

  it('compresses every API answer, the regions file included (gzip and br)', async () => {
    const paths = [
      '/api/public/v1/regions',
      '/api/public/v1/basemap',
      '/api/public/v1/basemap/layers/roads',
      '/api/v1/catalog',
      '/api/public/v1/datasets',
      '/api/public/v1/datasets/tinggi-muka-air',
      '/api/public/v1/complaints/summary?period=30d',
      '/api/public/v1/complaints/performance?period=30d',
      '/api/public/v1/metrics',
      '/api/public/v1/warnings',
      '/api/3/action/package_search?rows=100',
      '/api/3/action/organization_list?all_fields=true',
      '/api/3/action/status_show',
      '/api/public/v1/incidents',
      '/api/v1/openapi.json',
      '/api/docs',
      '/api/docs?lang=en',
    ];
    for (const encoding of ['gzip', 'br']) {
      for (const path of paths) {
        const res = await fetch(server.url + path, { headers: { 'accept-encoding': encoding } });
        const body = await res.text(); // fetch decodes; the header says what came over the wire
        expect(res.status, path).toBe(200);
        expect(body.length, path).toBeGreaterThan(0);
        // a snapshot's pre-compressed answer is gzip only; a br-only client gets br from the middleware
        expect(res.headers.get('content-encoding'), `${encoding} ${path}`).toBe(encoding);
      }
    }
    // without Accept-Encoding: identity
    const plain = await fetch(server.url + '/api/public/v1/regions', { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
  });

  it('renders the document as a self-contained HTML page', async () => {
    const res = await raw('/api/docs?lang=en');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toMatch(/^<!doctype html>\s*<html lang="en">/i);
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    const host = new URL(server.url).host;
    for (const m of res.text.matchAll(/https?:\/\/([^/\s"'<>)]+)/g)) expect(m[1]).toBe(host);
    for (const path of ['/api/v1/ingest', '/api/public/v1/datasets/{id}/data.csv', '/api/3/action/datastore_search', '/api/v1/openapi.json'])
      expect(res.text).toContain(`<code>${path}</code>`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
