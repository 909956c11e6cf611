/**
 * Issue 17, catalog as data: an admin onboards DINKES and `bed_occupancy` through the REST and the CLI, and the
 * running server (and a second one on the same database) uses it at once — ingest, live stream, no restart.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { CatalogChanged, PointsAppended, Snapshot } from '../../shared/contract';
import { loadCatalogDocument } from '../../db/queries/catalog-admin';
import { readAudit } from '../../db/queries/audit';
import { grantAgreement } from '../../db/queries/sharing';
import { openStorage, type Storage } from '../../db/storage';
import { createApp, type App } from '../../server/app';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const run = promisify(execFile);
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ADMIN = join(import.meta.dirname, '../../scripts/admin.ts');

const BED_OCCUPANCY = {
  code: 'bed_occupancy',
  domain: 'health',
  ownerOpd: 'DINKES',
  class: 'terbatas',
  unit: '%',
  nameId: 'Keterisian tempat tidur RS',
  nameEn: 'Hospital bed occupancy',
  cadenceS: 300,
  thresholds: { waspada: 80, siaga: 90, awas: 95 },
  hysteresis: 2,
  aggregation: 'avg',
  valueMin: 0,
  valueMax: 100,
};

describe('catalog as data (admin REST and CLI)', () => {
  let server: TestServer;
  let admin: string;
  let dbUrl: string;
  let dir: string;

  const call = async (method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown, token = admin) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ADMIN, ...args], { env: { ...process.env, DATABASE_URL: dbUrl } });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    admin = await server.token('admin');
    dbUrl = server.storage.pool.options.connectionString!;
    dir = await mkdtemp(join(tmpdir(), 'sinergi-catalog-'));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is for admins only', async () => {
    expect((await server.get('/api/v1/admin/catalog')).status).toBe(401);
    expect((await call('GET', '/api/v1/admin/catalog', undefined, await server.token('operator'))).status).toBe(403);
    expect((await call('PUT', '/api/v1/admin/catalog/opd/DINKES', { code: 'DINKES', name: 'x' }, await server.token('agency', 'BPBD'))).status).toBe(
      403,
    );
  });

  it('takes a whole catalog of a large kota (beyond the small body limit) from an admin only', async () => {
    const metrics = Array.from({ length: 400 }, (_, i) => ({
      ...BED_OCCUPANCY,
      code: `layanan_${i}`,
      domain: 'floods',
      ownerOpd: 'BPBD',
      nameId: `Jenis layanan publik nomor ${i} dengan nama yang cukup panjang`,
      sop: { siaga: { id: 'Lakukan langkah siaga sesuai prosedur tetap yang berlaku.', en: 'Take the standby steps of the standing procedure.' } },
    }));
    const body = { metrics };
    expect(JSON.stringify(body).length).toBeGreaterThan(150 * 1024);
    const dry = await call('PUT', '/api/v1/admin/catalog?dryRun=1', body);
    expect(dry.status).toBe(200);
    expect(dry.body.changes).toHaveLength(400);
    expect((await call('PUT', '/api/v1/admin/catalog?dryRun=1', body, await server.token('operator'))).status).toBe(403);
  });

  it('round-trips: export → import changes nothing, and the documents are equal (YAML by the CLI, JSON by REST)', async () => {
    const before = await loadCatalogDocument(server.storage.pool);
    const file = join(dir, 'catalog.yaml');
    expect((await cli('catalog', 'export', file)).code).toBe(0);
    const imported = await cli('catalog', 'import', file);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe('');
    expect(imported.stderr).toContain('no changes');
    expect(await loadCatalogDocument(server.storage.pool)).toEqual(before);

    const got = await call('GET', '/api/v1/admin/catalog');
    expect(got.status).toBe(200);
    const put = await call('PUT', '/api/v1/admin/catalog', got.body);
    expect(put).toEqual({ status: 200, body: { applied: true, changes: [] } });
    // the shipped example is the demo catalog as exported
    const example = await readFile(join(import.meta.dirname, '../../config/catalog.example.yaml'), 'utf8');
    expect(example).toBe(await readFile(file, 'utf8'));
  });

  it('rejects a bad file with line numbers and changes nothing', async () => {
    const before = await loadCatalogDocument(server.storage.pool);
    const audits = (await readAudit(server.storage.pool, { limit: 10_000 })).length;
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'opd:',
        '  - code: DINKES',
        '    name: Dinas Kesehatan',
        'domains:',
        '  - { code: health, nameId: Kesehatan, nameEn: Health }',
        'metrics:',
        '  - code: bed_occupancy',
        '    domain: health',
        '    ownerOpd: DINKES',
        '    class: terbatas',
        "    unit: '%'",
        '    nameId: Keterisian tempat tidur',
        '    nameEn: Bed occupancy',
        '    cadenceS: 300',
        '    thresholds: { waspada: 90, siaga: 80, awas: 95 }',
        '    hysteresis: 2',
        'eventKinds:',
        '  - code: outbreak_report',
        '    domain: health',
        '    ownerOpd: DINKES',
        '    class: terbatas',
        '    nameId: Laporan KLB',
        '    nameEn: Outbreak report',
        '    statuses: [reported, closed]',
        '    closedStatuses: [done]',
        '',
      ].join('\n'),
    );
    const r = await cli('catalog', 'import', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('metrics.0.thresholds.siaga (line 15): siaga (80) must not be below waspada (90)');
    expect(r.stderr).toContain("eventKinds.0.closedStatuses.0 (line 25): closed status 'done' is not one of the statuses");
    expect(r.stderr).toContain('nothing was changed');
    expect(await loadCatalogDocument(server.storage.pool)).toEqual(before);
    expect((await readAudit(server.storage.pool, { limit: 10_000 })).length).toBe(audits);
    // the same file by REST: 400 with every problem's path
    const { parse } = await import('yaml');
    const rest = await call('PUT', '/api/v1/admin/catalog', parse(await readFile(file, 'utf8')));
    expect(rest.status).toBe(400);
    expect(rest.body.details.map((d: { path: string }) => d.path)).toEqual(['metrics.0.thresholds.siaga', 'eventKinds.0.closedStatuses.0']);
  });

  it('onboards DINKES and bed_occupancy by REST: ingestible and streamed at once, on this server and a second one', async () => {
    // a second server process on the same database (its own pool, catalog and LISTEN connection)
    const storage2: Storage = await openStorage({ databaseUrl: dbUrl, dataDir: '/nonexistent' });
    const app2: App = await createApp({
      storage: storage2,
      log: pino({ level: 'silent' }),
      config: { maxBodyBytes: 1024 * 1024, maxBatchItems: 1000, streamTickMs: 50, clientDistDir: '/nonexistent', corsOrigins: [] },
    });
    try {
      const operator = server.socket('/live', await server.token('operator'));
      await connected(operator);
      const changed: CatalogChanged[] = [];
      operator.on('catalog:changed', (m) => changed.push(m));

      const dry = await call('PUT', '/api/v1/admin/catalog?dryRun=1', {
        opd: [{ code: 'DINKES', name: 'Dinas Kesehatan', shortName: 'Dinkes' }],
        domains: [{ code: 'health', nameId: 'Kesehatan', nameEn: 'Health', sort: 60 }],
        metrics: [BED_OCCUPANCY],
      });
      expect(dry.status).toBe(200);
      expect(dry.body.applied).toBe(false);
      expect(dry.body.changes.map((c: { action: string; section: string; code: string }) => `${c.action} ${c.section} ${c.code}`)).toEqual([
        'created opd DINKES',
        'created domains health',
        'created metrics bed_occupancy',
      ]);
      expect(app2.catalog.metric('bed_occupancy')).toBeUndefined();
      expect(server.app.catalog.metric('bed_occupancy')).toBeUndefined();

      expect((await call('PUT', '/api/v1/admin/catalog/opd/DINKES', { code: 'DINKES', name: 'Dinas Kesehatan', shortName: 'Dinkes' })).status).toBe(
        200,
      );
      expect(
        (await call('PUT', '/api/v1/admin/catalog/domains/health', { code: 'health', nameId: 'Kesehatan', nameEn: 'Health', sort: 60 })).status,
      ).toBe(200);
      const created = await call('PUT', '/api/v1/admin/catalog/metrics/bed_occupancy', BED_OCCUPANCY);
      expect(created.status).toBe(200);
      expect(created.body.changes).toMatchObject([{ action: 'created', section: 'metrics', code: 'bed_occupancy', before: null }]);
      // this process uses it when the answer arrives; the other on the NOTIFY (well before its 5 s re-read)
      expect(server.app.catalog.metric('bed_occupancy')).toMatchObject({ hysteresis: 2, cadenceS: 300 });
      const t0 = Date.now();
      await waitFor('the second server to know bed_occupancy', () => app2.catalog.metric('bed_occupancy'), 4_000);
      expect(Date.now() - t0).toBeLessThan(4_000);
      await waitFor('catalog:changed on the live socket', () => changed.length >= 3 || null);
      expect(changed.at(-1)!.version).toBe(server.app.catalog.version());
      expect(app2.catalog.version()).toBe(server.app.catalog.version());

      // the agency sees its new metric in the catalog, grouped under its new domain
      const dinkes = await server.token('agency', 'DINKES');
      const cat = await server.get('/api/v1/catalog', dinkes);
      expect(cat.body.metrics.map((m: { code: string }) => m.code)).toContain('bed_occupancy');
      expect(cat.body.domains).toContainEqual({ code: 'health', nameId: 'Kesehatan', nameEn: 'Health', sort: 60 });

      // an ingest key of DINKES writes it, and a live subscriber gets the points — no restart anywhere
      const key = await server.key('DINKES');
      const points: PointsAppended[] = [];
      operator.on('points:appended', (m) => points.push(m));
      const ack = (await operator.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['bed_occupancy'] })) as Ack<Snapshot>;
      expect(ack.ok).toBe(true);
      const res = await server.post(
        '/api/v1/ingest',
        { points: [{ metric: 'bed_occupancy', entity: 'RSUD-KRMT', region: '33.74.02.1001', time: Date.now(), value: 87.5 }] },
        key,
      );
      expect(res.status).toBe(202);
      const msg = await waitFor('bed_occupancy points', () => points.find((m) => m.metric === 'bed_occupancy'));
      expect(msg.points.map((p) => p.v)).toEqual([87.5]);
      // a reading beyond the catalog's bounds is refused by the same catalog
      const tooHigh = await server.post(
        '/api/v1/ingest',
        { points: [{ metric: 'bed_occupancy', entity: 'RSUD-KRMT', time: Date.now(), value: 101 }] },
        key,
      );
      expect(tooHigh.status).toBe(400);
    } finally {
      await app2.close();
      await storage2.close();
    }
  });

  it('refuses relaxing a class an agreement depends on unless confirmed, and audits every change', async () => {
    const id = await grantAgreement(server.storage.pool, {
      ownerOpd: 'DINKES',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'bed_occupancy',
      purpose: 'kesiapsiagaan',
      validUntil: Date.now() + 86_400_000,
      reference: null,
    });
    const publik = { ...BED_OCCUPANCY, class: 'publik' };
    const refused = await call('PUT', '/api/v1/admin/catalog/metrics/bed_occupancy', publik);
    expect(refused.status).toBe(409);
    expect(refused.body.relaxations).toEqual([
      {
        section: 'metrics',
        code: 'bed_occupancy',
        from: 'terbatas',
        to: 'publik',
        agreements: [{ id, granteeOpd: 'BPBD', purpose: 'kesiapsiagaan' }],
      },
    ]);
    expect(refused.body.details[0].path).toBe('metrics.bed_occupancy.class');
    expect(server.app.catalog.metric('bed_occupancy')!.class).toBe('terbatas');
    // stricter needs no confirmation
    expect((await call('PUT', '/api/v1/admin/catalog/metrics/bed_occupancy?dryRun=1', { ...BED_OCCUPANCY, class: 'rahasia' })).status).toBe(200);

    const confirmed = await call('PUT', '/api/v1/admin/catalog/metrics/bed_occupancy?confirm=1', publik);
    expect(confirmed.status).toBe(200);
    expect(server.app.catalog.metric('bed_occupancy')!.class).toBe('publik');

    const rows = await readAudit(server.storage.pool, { limit: 10_000 });
    const catalogRows = rows.filter((r) => r.action.startsWith('catalog.'));
    expect(catalogRows.map((r) => `${r.action} ${r.target}`)).toEqual(
      expect.arrayContaining([
        'catalog.opd.created opd:DINKES',
        'catalog.domains.created domains:health',
        'catalog.metrics.created metrics:bed_occupancy',
        'catalog.metrics.updated metrics:bed_occupancy',
      ]),
    );
    const update = catalogRows.find((r) => r.action === 'catalog.metrics.updated')!;
    expect(update.actor).toMatch(/^token:\d+$/);
    expect(update.detail).toMatchObject({
      before: { class: 'terbatas' },
      after: { class: 'publik' },
      confirmedOver: [{ id, granteeOpd: 'BPBD', purpose: 'kesiapsiagaan' }],
    });
  });

  it('refuses deleting what is in use, saying why, and deletes what is not', async () => {
    const used = await call('DELETE', '/api/v1/admin/catalog/metrics/bed_occupancy');
    expect(used.status).toBe(409);
    expect(used.body.details.map((d: { message: string }) => d.message)).toEqual(['it has data: 1 series', '1 sharing agreement(s) depend on it']);
    const domain = await call('DELETE', '/api/v1/admin/catalog/domains/health');
    expect(domain.status).toBe(409);
    expect(domain.body.details[0].message).toBe('1 metric(s) belong to it');

    expect((await call('PUT', '/api/v1/admin/catalog/metrics/icu_occupancy', { ...BED_OCCUPANCY, code: 'icu_occupancy' })).status).toBe(200);
    const gone = await call('DELETE', '/api/v1/admin/catalog/metrics/icu_occupancy');
    expect(gone.status).toBe(200);
    expect(gone.body.changes).toMatchObject([{ action: 'deleted', code: 'icu_occupancy', after: null }]);
    expect(server.app.catalog.metric('icu_occupancy')).toBeUndefined();
    expect((await call('DELETE', '/api/v1/admin/catalog/metrics/icu_occupancy')).status).toBe(404);
  });
});
