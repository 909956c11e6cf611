/**
 * "Gali sekali" through the API on the real server and database (every backend): the demo's known pair (DPUPR
 * resurfaces Jl. Kaligawe, BPBD digs a drainage trench beside it six weeks later) is found, warned about and
 * recorded exactly once; a far-away and a long-past project of another OPD are not; a rahasia project's
 * conflict shows the other OPDs only its OPD; either OPD marks a conflict coordinated (audited), nobody else;
 * open conflicts older than N days (default OVERLAP_UNRESOLVED_DAYS) are listed as unresolved, under the same rule.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatorConflictingProjects, simulatorProjectRegistry } from '../../ingest/sources/simulator';
import { projectConflictsResponse, projectsAcceptedResponse, unresolvedConflictsResponse } from '../../shared/rest';
import type { ProjectInput } from '../../shared/schemas';
import { startTestServer, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));

describe.each(backends)('dig-once conflicts on %s', (_name, adminUrl) => {
  let server: TestServer;
  let registry: ProjectInput[];
  let demo: Awaited<ReturnType<typeof simulatorConflictingProjects>>;
  const keys: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  const unresolved = async (who: string, query = '') => {
    const res = await server.get(`/api/v1/projects/conflicts/unresolved${query}`, tokens[who]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return unresolvedConflictsResponse.parse(res.body);
  };
  const conflicts = async (who: string) =>
    projectConflictsResponse.parse((await server.get('/api/v1/projects/conflicts', tokens[who])).body).conflicts;

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    registry = await simulatorProjectRegistry({ seed: 1 });
    demo = await simulatorConflictingProjects({ seed: 1 });
    for (const opd of ['DPUPR', 'BPBD', 'DISHUB', 'DISKOMINFO']) keys[opd] = await server.key(opd);
    for (const opd of ['DPUPR', 'BPBD', 'DLH', 'DISKOMINFO', 'BAPPEDA', 'DISHUB']) tokens[opd] = await server.token('agency', opd);
    tokens.operator = await server.token('operator');
    expect((await server.post('/api/v1/projects', { projects: registry }, keys.DPUPR)).status).toBe(202);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("finds exactly the demo's pair: the trench beside the resurfaced road, weeks after", async () => {
    const res = await server.post('/api/v1/projects', { projects: demo.projects }, keys[demo.opd]);
    expect(res.status).toBe(202);
    const body = projectsAcceptedResponse.parse(res.body);
    const road = registry.find((p) => p.id === demo.conflictsWith)!;
    expect(body.warnings).toHaveLength(1);
    const w = body.warnings[0]!;
    expect(w).toMatchObject({
      project: demo.projects[0]!.id,
      rule: 'distance',
      overlapDays: 0,
      other: { hidden: false, id: road.id, name: road.name, opd: 'DPUPR', workType: 'road_surface' },
    });
    expect(w.distanceM).toBeGreaterThan(5);
    expect(w.distanceM).toBeLessThan(20);
    expect(w.gapDays).toBeGreaterThan(30);
    expect(w.gapDays).toBeLessThanOrEqual(92); // within 3 months

    const listed = await conflicts('operator');
    expect(listed.map((c) => [c.a.id, c.b.id].sort())).toEqual([[road.id, demo.projects[0]!.id].sort()]);
    expect(listed[0]).toMatchObject({ id: w.conflictId, status: 'terbuka', rule: 'distance' });
    expect(listed[0]!.lon).not.toBeNull();
    // both OPDs and Bappeda see it; an OPD not involved does not
    for (const who of ['DPUPR', 'BPBD', 'BAPPEDA']) expect((await conflicts(who)).map((c) => c.id)).toEqual([w.conflictId]);
    expect(await conflicts('DLH')).toEqual([]);
    // the same batch again: the same single record
    expect(
      projectsAcceptedResponse.parse((await server.post('/api/v1/projects', { projects: demo.projects }, keys[demo.opd])).body).warnings,
    ).toHaveLength(1);
    expect(await conflicts('operator')).toHaveLength(1);
  });

  it('finds nothing for a far-away or a long-past project of another OPD', async () => {
    const road = registry.find((p) => p.id === demo.conflictsWith)!;
    const far: ProjectInput = {
      id: 'DISHUB-FAR',
      name: 'Marka jalan Banyumanik',
      opd: 'DISHUB',
      contractValue: 1,
      contractStart: road.contractStart,
      contractEnd: road.contractEnd,
      workType: 'other',
      geometry: { type: 'Point', coordinates: [110.42, -7.06] },
    };
    const past: ProjectInput = {
      ...far,
      id: 'DISHUB-PAST',
      name: 'Galian lama Kaligawe',
      contractStart: '2023-01-02',
      contractEnd: '2023-03-31',
      workType: 'utility_trench',
      geometry: { type: 'Point', coordinates: [110.462, -6.958] },
    };
    const res = projectsAcceptedResponse.parse((await server.post('/api/v1/projects', { projects: [far, past] }, keys.DISHUB)).body);
    expect(res.warnings).toEqual([]);
    expect(await conflicts('operator')).toHaveLength(1);
  });

  it("shows the other side of a rahasia project's conflict only as its OPD", async () => {
    const road = registry.find((p) => p.id === demo.conflictsWith)!;
    const secret: ProjectInput = {
      id: 'KOMINFO-SECRET',
      name: 'Jaringan kabel rahasia Kaligawe',
      opd: 'DISKOMINFO',
      class: 'rahasia',
      contractValue: 1,
      contractStart: road.contractStart,
      contractEnd: road.contractEnd,
      workType: 'utility_trench',
      geometry: { type: 'Point', coordinates: [110.462, -6.958] },
    };
    const own = projectsAcceptedResponse.parse((await server.post('/api/v1/projects', { projects: [secret] }, keys.DISKOMINFO)).body);
    // its owner is warned about the road in full
    expect(own.warnings.map((w) => w.other.id)).toContain(road.id);
    const ofSecret = (list: Awaited<ReturnType<typeof conflicts>>) =>
      list.filter((c) => c.a.opd === 'DISKOMINFO' || c.b.opd === 'DISKOMINFO').map((c) => (c.a.opd === 'DISKOMINFO' ? c.a : c.b));
    for (const who of ['DPUPR', 'BAPPEDA', 'operator']) {
      const sides = ofSecret(await conflicts(who));
      expect(sides.length).toBeGreaterThan(0);
      for (const side of sides)
        expect(side).toEqual({
          hidden: true,
          id: null,
          name: null,
          opd: 'DISKOMINFO',
          opdName: expect.any(String),
          workType: null,
          contractStart: null,
          contractEnd: null,
          geometry: null,
        });
    }
    const mine = ofSecret(await conflicts('DISKOMINFO'));
    expect(mine.every((s) => !s.hidden && s.id === secret.id)).toBe(true);
    // the figures of a pair with a hidden side would locate and time the hidden work: null for those who may not see it
    for (const who of ['DPUPR', 'BAPPEDA', 'operator'])
      for (const c of (await conflicts(who)).filter((x) => x.a.hidden || x.b.hidden))
        expect(c).toMatchObject({ distanceM: null, overlapDays: null, gapDays: null });
    const ownPair = (await conflicts('DISKOMINFO')).find((c) => c.a.id === road.id || c.b.id === road.id)!;
    expect(ownPair.distanceM).not.toBeNull();
    expect(ownPair.overlapDays).not.toBeNull();
    expect(ownPair.gapDays).not.toBeNull();
    // and in the warnings of an OPD registering next to the hidden project
    const beside = projectsAcceptedResponse.parse(
      (
        await server.post(
          '/api/v1/projects',
          { projects: [{ ...secret, id: 'DPUPR-BESIDE', name: 'Trotoar Kaligawe', opd: 'DPUPR', class: 'publik' }] },
          keys.DPUPR,
        )
      ).body,
    );
    const hiddenWarning = beside.warnings.find((w) => w.other.hidden)!;
    expect(hiddenWarning).toMatchObject({ other: { opd: 'DISKOMINFO', id: null }, distanceM: null, overlapDays: null, gapDays: null });
    await server.storage.pool.query(`DELETE FROM project WHERE id = 'DPUPR-BESIDE'`);
    // a conflict of the road with the secret project, seen by DPUPR, is still placed (at the road)
    const dp = (await conflicts('DPUPR')).find((c) => c.a.opd === 'DISKOMINFO' || c.b.opd === 'DISKOMINFO')!;
    expect(dp.lon).not.toBeNull();
  });

  it('lists open conflicts detected more than N days ago as unresolved, oldest first, under the access rule', async () => {
    // nothing is 30 days old yet
    expect((await unresolved('operator')).conflicts).toEqual([]);
    const all = await conflicts('operator');
    // the demo pair was found 40 days ago, the others 10 days ago
    const pair = all.find((c) => c.a.opd !== 'DISKOMINFO' && c.b.opd !== 'DISKOMINFO')!;
    await server.storage.pool.query(`UPDATE project_conflict SET detected_at = now() - interval '10 days'`);
    await server.storage.pool.query(`UPDATE project_conflict SET detected_at = now() - interval '40 days' WHERE id = $1`, [pair.id]);
    const byDefault = await unresolved('operator');
    expect(byDefault.olderThanDays).toBe(30);
    expect(byDefault.detectedBefore).toBeGreaterThan(Date.now() - 30 * 86_400_000 - 60_000);
    expect(byDefault.conflicts.map((c) => c.id)).toEqual([pair.id]);
    const week = await unresolved('operator', '?olderThanDays=7');
    expect(week.conflicts.map((c) => c.id)).toEqual([
      pair.id,
      ...all
        .filter((c) => c.id !== pair.id)
        .map((c) => c.id)
        .sort((a, b) => a - b),
    ]);
    expect(week.conflicts[0]!.detectedAt).toBeLessThan(week.conflicts[1]!.detectedAt);
    expect((await unresolved('operator', '?olderThanDays=60')).conflicts).toEqual([]);
    // both OPDs and Bappeda see the pair, an OPD not involved nothing; a rahasia side stays hidden
    for (const who of ['DPUPR', 'BPBD', 'BAPPEDA']) expect((await unresolved(who)).conflicts.map((c) => c.id)).toEqual([pair.id]);
    expect((await unresolved('DLH', '?olderThanDays=0')).conflicts).toEqual([]);
    const secretSides = (await unresolved('DPUPR', '?olderThanDays=7')).conflicts.flatMap((c) => [c.a, c.b]).filter((s) => s.opd === 'DISKOMINFO');
    expect(secretSides.length).toBeGreaterThan(0);
    for (const side of secretSides) expect(side).toMatchObject({ hidden: true, id: null, name: null, geometry: null });
    expect((await server.get('/api/v1/projects/conflicts/unresolved?olderThanDays=tiga', tokens.operator)).status).toBe(400);
    expect((await server.get('/api/v1/projects/conflicts/unresolved')).status).toBe(401);
  });

  it('keeps the OLDEST unresolved conflicts past the cap and says the list was truncated', async () => {
    const all = await conflicts('operator');
    const pair = all.find((c) => c.a.opd !== 'DISKOMINFO' && c.b.opd !== 'DISKOMINFO')!;
    const pool = server.storage.pool;
    // 64 projects, every pair of them in conflict: 2,016 open conflicts, all younger than the demo pair (40 days)
    await pool.query(
      `INSERT INTO project (id, name, opd_code, contract_value, contract_start, contract_end)
       SELECT 'CAP-' || lpad(i::text, 2, '0'), 'cap ' || i, 'DISHUB', 1, '2026-01-01', '2026-02-01' FROM generate_series(0, 63) i`,
    );
    await pool.query(
      `INSERT INTO project_conflict (project_a, project_b, rule, distance_m, overlap_days, gap_days, detected_at, updated_at)
       SELECT 'CAP-' || lpad(i::text, 2, '0'), 'CAP-' || lpad(j::text, 2, '0'), 'distance', 1, 1, 0,
              now() - interval '35 days' + (i * 64 + j) * interval '1 second', now()
         FROM generate_series(0, 63) i, generate_series(0, 63) j WHERE i < j`,
    );
    try {
      const capped = await unresolved('operator');
      expect(capped.truncated).toBe(true);
      expect(capped.conflicts).toHaveLength(2_000);
      // the oldest first: the demo pair leads, the youngest conflicts are the ones left out
      expect(capped.conflicts[0]!.id).toBe(pair.id);
      const times = capped.conflicts.map((c) => c.detectedAt);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      const { rows } = await pool.query(`SELECT id::int AS id FROM project_conflict WHERE project_a = 'CAP-62' AND project_b = 'CAP-63'`);
      expect(capped.conflicts.map((c) => c.id)).not.toContain(rows[0].id);
      expect((await unresolved('DISHUB')).truncated).toBe(true);
      expect((await unresolved('BPBD')).truncated).toBe(false);
    } finally {
      await pool.query(`DELETE FROM project WHERE id LIKE 'CAP-%'`);
    }
    expect((await unresolved('operator')).truncated).toBe(false);
  });

  it('either OPD marks a conflict dikoordinasikan with a note, audited; nobody else can', async () => {
    const [c] = (await conflicts('BPBD')).filter((x) => x.a.opd !== 'DISKOMINFO' && x.b.opd !== 'DISKOMINFO');
    const path = `/api/v1/projects/conflicts/${c!.id}/coordinate`;
    expect((await server.post(path, { note: 'x' }, tokens.DLH)).status).toBe(404);
    expect((await server.post(path, { note: 'x' }, tokens.BAPPEDA)).status).toBe(403);
    expect((await server.post(path, { note: 'x' }, tokens.operator)).status).toBe(403);
    const done = await server.post(path, { note: 'Saluran dikerjakan sebelum pengaspalan ulang' }, tokens.DPUPR);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: c!.id, status: 'dikoordinasikan', note: 'Saluran dikerjakan sebelum pengaspalan ulang' });
    expect(done.body.coordinatedBy).toContain('DPUPR');
    expect((await server.post(path, { note: 'lagi' }, tokens.BPBD)).status).toBe(409);
    const { rows } = await server.storage.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'project.conflict_coordinated'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].detail.note).toBe('Saluran dikerjakan sebelum pengaspalan ulang');
    // re-registering keeps the coordination
    await server.post('/api/v1/projects', { projects: demo.projects }, keys[demo.opd]);
    expect((await conflicts('BPBD')).find((x) => x.id === c!.id)).toMatchObject({ status: 'dikoordinasikan' });
    // a coordinated conflict is resolved: no longer listed as unresolved
    expect((await unresolved('BPBD', '?olderThanDays=0')).conflicts.map((x) => x.id)).not.toContain(c!.id);
  });
});
