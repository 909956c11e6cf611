/**
 * The project registry on the real server and database (every backend): the simulator's projects registered
 * by their OPD through POST /api/v1/projects (validated, idempotent, audited, owner-only), then published
 * with their latest figures on /api/public/v1/projects and in the open-data project dataset.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatorProjectRegistry } from '../../ingest/sources/simulator';
import type { ProjectInput } from '../../shared/schemas';
import { startTestServer, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));

describe.each(backends)('project registry on %s', (_name, adminUrl) => {
  let server: TestServer;
  let registry: ProjectInput[];
  let dpupr: string;
  const audit = async (action: string) =>
    (await server.storage.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = $1`, [action])).rows[0]!.n;

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    registry = await simulatorProjectRegistry({ seed: 1 });
    dpupr = await server.key('DPUPR');
  });
  afterAll(async () => {
    await server?.close();
  });

  it("registers the simulator's projects once, and audits each change", async () => {
    expect(registry.length).toBeGreaterThan(5);
    const first = await server.post('/api/v1/projects', { projects: registry }, dpupr);
    expect(first).toEqual({ status: 202, body: { accepted: registry.length, written: registry.length, warnings: [], warningsOmitted: 0 } });
    expect(await audit('project.registered')).toBe(registry.length);
    // the same batch again changes nothing
    const again = await server.post('/api/v1/projects', { projects: registry }, dpupr);
    expect(again).toEqual({ status: 202, body: { accepted: registry.length, written: 0, warnings: [], warningsOmitted: 0 } });
    expect(await audit('project.registered')).toBe(registry.length);
    // one changed field writes one row
    const changed = { ...registry[0]!, contractValue: registry[0]!.contractValue + 1_000_000 };
    expect((await server.post('/api/v1/projects', { projects: [changed] }, dpupr)).body).toEqual({
      accepted: 1,
      written: 1,
      warnings: [],
      warningsOmitted: 0,
    });
    expect(await audit('project.updated')).toBe(1);
    const { rows } = await server.storage.pool.query(
      `SELECT contract_value::text AS v, to_char(contract_start, 'YYYY-MM-DD') AS s FROM project WHERE id = $1`,
      [changed.id],
    );
    expect(rows[0]).toEqual({ v: String(changed.contractValue), s: changed.contractStart });
    await server.post('/api/v1/projects', { projects: [registry[0]] }, dpupr);
  });

  it("refuses bad input with every issue, and another OPD's projects", async () => {
    const p = registry[1]!;
    expect((await server.post('/api/v1/projects', { projects: [p] })).status).toBe(401);
    const bad = await server.post(
      '/api/v1/projects',
      {
        projects: [
          { ...p, contractEnd: '2020-01-01' },
          { ...p, id: 'bad id!', contractValue: -5 },
          { ...p, contractStart: '2026-02-30' },
        ],
      },
      dpupr,
    );
    expect(bad.status).toBe(400);
    const issues = bad.body.details.map((d: { index: number; path: string }) => `${d.index}:${d.path}`);
    expect(issues).toEqual(expect.arrayContaining(['0:contractEnd', '1:id', '1:contractValue', '2:contractStart']));
    const unknownRegion = await server.post('/api/v1/projects', { projects: [{ ...p, region: '99.99.99.9999' }] }, dpupr);
    expect(unknownRegion.status).toBe(400);
    expect(unknownRegion.body.details[0]).toMatchObject({ index: 0, path: 'region' });
    const dlh = await server.key('DLH');
    // DLH cannot write for DPUPR, nor take DPUPR's project over under its own name
    expect((await server.post('/api/v1/projects', { projects: [p] }, dlh)).status).toBe(403);
    const takeover = await server.post('/api/v1/projects', { projects: [{ ...p, opd: 'DLH' }] }, dlh);
    expect(takeover.status).toBe(403);
    expect(takeover.body.details[0]).toMatchObject({ index: 0, path: 'id' });
    expect((await server.post('/api/v1/projects', '{"projects": [', dpupr)).status).toBe(400);
  });

  it('publishes each project with its latest figures, late flag and serapan anggaran', async () => {
    const late = registry[2]!;
    const onTrack = registry[3]!;
    const t = Date.now() - 60_000;
    const points = [
      { metric: 'project_progress', entity: late.id, time: t, value: 30 },
      { metric: 'project_progress_plan', entity: late.id, time: t, value: 55 },
      { metric: 'project_budget_absorbed', entity: late.id, time: t, value: 2_000_000_000 },
      { metric: 'project_progress', entity: onTrack.id, time: t, value: 60 },
      { metric: 'project_progress_plan', entity: onTrack.id, time: t, value: 62 },
    ];
    expect((await server.post('/api/v1/ingest', { points }, dpupr)).status).toBe(202);
    // a terbatas project is never published
    expect(await server.post('/api/v1/projects', { projects: [{ ...registry[4]!, id: 'PRJ-SECRET-1', class: 'terbatas' }] }, dpupr)).toEqual({
      status: 202,
      body: { accepted: 1, written: 1, warnings: [], warningsOmitted: 0 },
    });

    const res = await server.get('/api/public/v1/projects');
    expect(res.status).toBe(200);
    const list = res.body.projects as Record<string, unknown>[];
    expect(list.map((p) => p.id)).toEqual(registry.map((p) => p.id).sort());
    const got = list.find((p) => p.id === late.id)!;
    expect(got).toMatchObject({
      name: late.name,
      opd: 'DPUPR',
      opdName: 'Dinas Pekerjaan Umum dan Penataan Ruang',
      contractValue: late.contractValue,
      budget: late.budget,
      contractStart: late.contractStart,
      contractEnd: late.contractEnd,
      region: late.region ?? null,
      progress: 30,
      plan: 55,
      budgetAbsorbed: 2_000_000_000,
      absorbedShare: Math.round((2_000_000_000 / late.budget!) * 1000) / 1000,
      late: true,
    });
    expect(got.regionName).toEqual(expect.any(String));
    expect(got.kecamatan).toBe(late.region!.slice(0, 8));
    expect(list.find((p) => p.id === onTrack.id)).toMatchObject({ progress: 60, plan: 62, late: false, budgetAbsorbed: null, absorbedShare: null });
    expect(list.find((p) => p.id === registry[5]!.id)).toMatchObject({ progress: null, plan: null, late: false });

    // the open-data dataset carries the same registry
    const od = await server.get('/api/public/v1/datasets/proyek-pembangunan/data.json');
    expect(od.status).toBe(200);
    const row = od.body.data.find((d: { entity: string }) => d.entity === late.id);
    expect(row).toMatchObject({
      name: late.name,
      opd_code: 'DPUPR',
      contract_value: late.contractValue,
      budget: late.budget,
      contract_start: late.contractStart,
      contract_end: late.contractEnd,
      project_progress: 30,
      project_progress_plan: 55,
    });
    expect(od.body.data.some((d: { entity: string }) => d.entity === 'PRJ-SECRET-1')).toBe(false);
    const dict = await server.get('/api/public/v1/datasets/proyek-pembangunan');
    expect(JSON.stringify(dict.body)).toContain('contract_value');
  });
});
