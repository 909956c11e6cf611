/**
 * Issue 17: a kota's boundaries imported as data (GeoJSON and a zipped Shapefile; bad codes and bad geometry
 * refused naming the feature, nothing changed), served on the public regions answer without a restart; and
 * authority by territory: a camat reads a territorial metric's series of their kecamatan only, over REST and
 * live, nothing of a terbatas metric not opened to territorial roles, and a changed scope ends the session.
 */
import shpwrite from '@mapbox/shp-write';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import { addUser, changeRole } from '../../server/auth/accounts';
import { regionsFixture } from '../support/regions-fixture';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;

const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(5_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

let server: TestServer;
let admin: string;

/** POST the file as is (the admin route reads its body raw). */
async function postFile(body: Buffer | string, query = '', contentType = 'application/geo+json', token = admin) {
  const res = await fetch(`${server.url}/api/v1/admin/regions/import${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: await res.json() };
}

const regionRows = async () =>
  (await server.storage.pool.query('SELECT code, name, level, parent_code, boundary, retired_at FROM region ORDER BY code')).rows;

beforeAll(async () => {
  server = await startTestServer(adminUrl);
  admin = await server.token('admin');
});
afterAll(async () => server?.close());

describe('regions import', () => {
  it('refuses a file with an unknown code or a self-intersecting polygon, naming each feature, and changes nothing', async () => {
    const before = await regionRows();
    const bad = regionsFixture();
    bad.features[2]!.properties.kode = '33.74.01.9999';
    // a bow tie: its edges cross at the middle
    bad.features[3]!.geometry.coordinates = [
      [
        [110.4, -7.0],
        [110.41, -6.99],
        [110.41, -7.0],
        [110.4, -6.99],
        [110.4, -7.0],
      ],
    ];
    const r = await postFile(JSON.stringify(bad));
    expect(r.status).toBe(422);
    expect(r.body.details).toEqual([
      {
        index: 2,
        code: '33.74.01.9999',
        name: 'Kel 33.74.01.1002',
        message: '33.74.01.9999 is not a kelurahan/desa in the Kemendagri reference list (idn-area-data)',
      },
      { index: 3, code: '33.74.01.1003', name: 'Kel 33.74.01.1003', message: expect.stringMatching(/^the boundary intersects itself/) },
    ]);
    // another kota's kelurahan in the same file
    const mixed = regionsFixture({ '33.74.01': ['33.74.01.1001'], '33.73.01': ['33.73.01.1001'] });
    const m = await postFile(JSON.stringify(mixed));
    expect(m.status).toBe(422);
    expect(m.body.details[0]).toMatchObject({ code: '33.73.01', message: expect.stringContaining('one import is one kota') });
    expect(await regionRows()).toEqual(before);
    // not an admin: refused before the body is read
    expect((await postFile(JSON.stringify(regionsFixture()), '', 'application/json', await server.token('operator'))).status).toBe(403);
  });

  it('imports a valid GeoJSON: regions replaced, old ones retired with their series reported, audited, served at once', async () => {
    // a series located in a kelurahan the file does not name: kept and reported
    const dlh = await server.key('DLH');
    const ingest = { points: [{ metric: 'truck_load', entity: 'H-OLD', region: '33.74.03.1001', time: Date.now() - 1_000, value: 1 }] };
    expect((await server.post('/api/v1/ingest', ingest, dlh)).status).toBe(202);

    const dry = await postFile(JSON.stringify(regionsFixture()), '?dryRun=1');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, kecamatan: 2, kelurahan: 5 });
    expect((await server.get('/api/public/v1/regions')).body.regions.features.length).toBeGreaterThan(100); // the demo city still

    const r = await postFile(JSON.stringify(regionsFixture()));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: false, city: { code: '33.74', name: 'Kota Semarang' }, kecamatan: 2, kelurahan: 5, added: 0, updated: 7 });
    expect(r.body.retired).toContain('33.74.03.1001');
    expect(r.body.orphanSeries).toEqual([{ metric: 'truck_load', entity: 'H-OLD', region: '33.74.03.1001' }]);
    // the dry run reported the same
    expect({ ...dry.body, dryRun: false }).toEqual(r.body);

    const audit = await server.storage.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'regions.imported'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].detail).toMatchObject({ kelurahan: 5, orphanSeries: 1 });

    // the maps' answer follows within its version check (5 s), without a restart
    const regions = await waitFor(
      'the new boundaries on the public regions answer',
      async () => {
        const b = (await server.get('/api/public/v1/regions')).body;
        return b.regions.features.length === 5 ? b : null;
      },
      8_000,
    );
    expect(regions.regions.features.map((f: { id: string }) => f.id)).toEqual([
      '33.74.01.1001',
      '33.74.01.1002',
      '33.74.01.1003',
      '33.74.02.1001',
      '33.74.02.1002',
    ]);
    expect(regions.regions.features[0].properties).toEqual({
      code: '33.74.01.1001',
      name: 'Kel 33.74.01.1001',
      kecamatanCode: '33.74.01',
      kecamatanName: 'Kec 33.74.01',
    });
    expect(regions.city.bbox).toEqual([110.4, -7, 110.43, -6.98]);
  });

  it('imports a zipped Shapefile with bare-digit codes (KDEPUM) and a MultiPolygon kelurahan', async () => {
    const fc = regionsFixture();
    for (const f of fc.features) {
      const code = String(f.properties.kode);
      f.properties =
        code.length === 8 ? { KDCPUM: code.replaceAll('.', ''), WADMKC: `SHP ${code}` } : { KDEPUM: code.replaceAll('.', ''), WADMKD: `SHP ${code}` };
    }
    // the writer wants one geometry type per layer: every feature a MultiPolygon (shpjs reads a one-part one back as
    // a Polygon), the last kelurahan with an island (a second part) away from its first
    const island = [
      [110.5, -6.9],
      [110.505, -6.9],
      [110.505, -6.895],
      [110.5, -6.895],
      [110.5, -6.9],
    ];
    for (const f of fc.features) (f as { geometry: unknown }).geometry = { type: 'MultiPolygon', coordinates: [f.geometry.coordinates] };
    (fc.features.at(-1)!.geometry.coordinates as unknown as number[][][][]).push([island]);
    const zip = (await shpwrite.zip(fc, { outputType: 'nodebuffer', compression: 'DEFLATE', types: { polygon: 'wilayah' } })) as Buffer;
    const r = await postFile(zip, '', 'application/zip');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kecamatan: 2, kelurahan: 5, retired: [] });
    const { rows } = await server.storage.pool.query(
      `SELECT code, name, boundary->>'type' AS type FROM region WHERE code LIKE '33.74.0_.1%' AND retired_at IS NULL ORDER BY code`,
    );
    expect(rows.at(-1)).toEqual({ code: '33.74.02.1002', name: 'SHP 33.74.02.1002', type: 'MultiPolygon' });
    expect(rows[0]).toMatchObject({ code: '33.74.01.1001', name: 'SHP 33.74.01.1001' });
    const served = await waitFor(
      'the MultiPolygon on the regions answer',
      async () => {
        const b = (await server.get('/api/public/v1/regions')).body;
        return b.regions.features.find(
          (f: { id: string; geometry: { type: string } }) => f.id === '33.74.02.1002' && f.geometry.type === 'MultiPolygon',
        );
      },
      8_000,
    );
    expect(served.properties.name).toBe('SHP 33.74.02.1002');
    // a zip that is no shapefile
    const junk = await postFile(Buffer.from('PK\u0003\u0004 not really a zip'), '', 'application/zip');
    expect(junk.status).toBe(400);
    expect(junk.body.error).toMatch(/not a readable Shapefile/);
  });
});

describe('authority by territory', () => {
  let camatToken: string;
  let dlh: string;
  const now = Date.now();

  beforeAll(async () => {
    // truck_load (DLH, terbatas) is opened to territorial roles; container_fill (DLH, terbatas) is not
    await server.storage.pool.query(`UPDATE metric SET territorial = true WHERE code = 'truck_load'`);
    await server.app.catalog.reload();
    dlh = await server.key('DLH');
    const points = [
      { metric: 'truck_load', entity: 'T-IN', region: '33.74.01.1002', time: now - 60_000, value: 2 },
      { metric: 'truck_load', entity: 'T-OUT', region: '33.74.02.1001', time: now - 60_000, value: 3 },
      { metric: 'container_fill', entity: 'C-IN', region: '33.74.01.1002', time: now - 60_000, value: 0.5 },
    ];
    expect((await server.post('/api/v1/ingest', { points }, dlh)).status).toBe(202);
    await addUser(
      server.storage.pool,
      { username: 'camat.tengah', password: 'kata-sandi-camat-tengah-1', role: 'wilayah', region: '33.74.01' },
      { actor: 'cli:test', source: 'cli' },
    );
    const login = await server.login('camat.tengah', 'kata-sandi-camat-tengah-1');
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ role: 'wilayah', region: '33.74.01' });
    camatToken = login.body.token;
  });

  it('a wilayah user needs a kecamatan or kelurahan code that exists', async () => {
    const add = (region: string | null) =>
      addUser(
        server.storage.pool,
        { username: `x${Math.random().toString(36).slice(2, 8)}`, password: 'kata-sandi-panjang-99', role: 'wilayah', region },
        {
          actor: 'cli:test',
          source: 'cli',
        },
      );
    await expect(add(null)).rejects.toThrow(/needs --region/);
    await expect(add('33.74.99')).rejects.toThrow(/unknown region/);
    await expect(add('33.74')).rejects.toThrow(/is a kota/);
  });

  it('REST: the camat sees only their kecamatan’s series of a territorial metric, nothing of another terbatas one', async () => {
    const me = await server.get('/api/v1/auth/me', camatToken);
    expect(me.body).toEqual({ role: 'wilayah', opd: null, username: 'camat.tengah', region: '33.74.01' });
    const q = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
    const mine = await server.get(`/api/v1/series?metric=truck_load&${q}`, camatToken);
    expect(mine.status).toBe(200);
    expect(mine.body.series.map((s: { entity: string }) => s.entity)).toEqual(['T-IN']);
    // the command center sees both (the other one exists)
    const all = await server.get(`/api/v1/series?metric=truck_load&${q}`, await server.token('operator'));
    expect(all.body.series.map((s: { entity: string }) => s.entity).sort()).toEqual(['H-OLD', 'T-IN', 'T-OUT']);
    const other = await server.get(`/api/v1/series?metric=container_fill&${q}`, camatToken);
    expect(other.status).toBe(403);
    expect(other.body.error).toContain('not opened to territorial roles');
    const catalog = (await server.get('/api/v1/catalog', camatToken)).body;
    const codes = catalog.metrics.map((m: { code: string }) => m.code);
    expect(codes).toContain('truck_load');
    expect(codes).toContain('water_level'); // publik
    expect(codes).not.toContain('container_fill');
    expect(catalog.metrics.every((m: { class: string; territorial?: boolean }) => m.class === 'publik' || m.territorial)).toBe(true);
    // no alerts queue, no incidents, no rewind for a territorial role
    expect((await server.get(`/api/v1/replay?scene=floods&at=${now}`, camatToken)).status).toBe(403);
  });

  it('live: the snapshot and the deltas carry their kecamatan only; a changed scope ends the session', async () => {
    const camat = server.socket('/live', camatToken);
    const operator = server.socket('/live', await server.token('operator'));
    await Promise.all([connected(camat), connected(operator)]);
    const snap = await ask<Snapshot>(camat, 'series:subscribe', { metrics: ['truck_load'] });
    expect(snap.ok).toBe(true);
    if (snap.ok) expect(snap.data.metrics[0]!.series.map((s) => s.entity)).toEqual(['T-IN']);
    expect((await ask<Snapshot>(camat, 'series:subscribe', { metrics: ['container_fill'] })).ok).toBe(false);
    expect((await ask<Snapshot>(operator, 'series:subscribe', { metrics: ['truck_load'] })).ok).toBe(true);

    const camatGot: PointsAppended[] = [];
    const operatorGot: PointsAppended[] = [];
    camat.on('points:appended', (m) => camatGot.push(m));
    operator.on('points:appended', (m) => operatorGot.push(m));
    const points = [
      { metric: 'truck_load', entity: 'T-IN', region: '33.74.01.1002', time: now - 1_000, value: 4 },
      { metric: 'truck_load', entity: 'T-OUT', region: '33.74.02.1001', time: now - 1_000, value: 5 },
      { metric: 'truck_load', entity: 'T-NEW-OUT', region: '33.74.02.1002', time: now - 1_000, value: 6 },
      { metric: 'truck_load', entity: 'T-NEW-IN', region: '33.74.01.1003', time: now - 1_000, value: 7 },
    ];
    expect((await server.post('/api/v1/ingest', { points }, dlh)).status).toBe(202);
    await waitFor('the operator hears all four readings', () => operatorGot.flatMap((m) => m.points).length >= 4);
    await waitFor('the camat hears theirs', () => camatGot.flatMap((m) => m.points).length >= 2);
    await new Promise((r) => setTimeout(r, 300)); // anything else would have come by now
    expect(camatGot.flatMap((m) => m.points.map((p) => p.v)).sort()).toEqual([4, 7]);
    expect(camatGot.flatMap((m) => m.series.map((s) => s.entity))).toEqual(['T-NEW-IN']);
    // seqs go on without a gap for the camat (filtered messages keep their seq)
    expect(camatGot.map((m) => m.seq)).toEqual(operatorGot.map((m) => m.seq).filter((s) => camatGot.some((c) => c.seq === s)));

    // the camat moves to Semarang Utara: the session ends with the reason
    const ended = new Promise<{ reason: string }>((resolve) => camat.on('session:ended', resolve));
    await changeRole(server.storage.pool, 'camat.tengah', { role: 'wilayah', region: '33.74.02' }, { actor: 'cli:test', source: 'cli' });
    await server.app.recheckLive();
    expect((await ended).reason).toMatch(/role_changed|revoked/);
    expect((await server.get('/api/v1/catalog', camatToken)).status).toBe(401);
  });
});
