/**
 * Issue 13 (3): one ingest key trying to stop the roll-ups for everyone. Values beyond the catalog's bounds
 * or the global sanity bound, and dates before 2000, are refused at the door; data that got in anyway (stored
 * before the bounds existed) costs only its own series its roll-up, never the others'.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runStoreJobs } from '../../db/store-jobs';
import { startTestServer, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
let server: TestServer;
let bpbd: string;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
  bpbd = await server.key('BPBD');
});
afterAll(async () => server?.close());

describe('values and dates at the door', () => {
  it.each([
    [{ metric: 'rainfall', value: 1e308 }, 'value', /beyond ±1000000000000000/],
    [{ metric: 'rainfall', value: -1.7976931348623157e308 }, 'value', /beyond/],
    [{ metric: 'water_level', value: 2_500_000 }, 'value', /outside water_level's bounds \[-1000, 5000\] cm/],
    [{ metric: 'pump_running', value: 3 }, 'value', /outside pump_running's bounds/],
    [{ metric: 'rainfall', value: 1, time: '0001-01-01T00:00:00Z' }, 'time', /before 2000-01-01/],
    [{ metric: 'rainfall', value: 1, time: 86_400_000 }, 'time', /before 2000-01-01/],
  ])('refuses %o (%s)', async (p, path, message) => {
    const point = { entity: 'ARR-BOUND', time: Date.now() - 60_000, ...p };
    const res = await server.post('/api/v1/ingest', { points: [point] }, bpbd);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ index: 0, path, message: expect.stringMatching(message) })]);
  });
});

describe('the plain-PostgreSQL refresher', () => {
  it('rolls up every other series when one holds values that cannot be summed', async () => {
    const pool = server.storage.pool;
    const t = Date.now() - 10 * 60_000;
    const points = [
      { metric: 'rainfall', entity: 'ARR-POISON', time: t, value: 1 },
      { metric: 'rainfall', entity: 'ARR-HEALTHY', time: t, value: 7 },
      { metric: 'rainfall', entity: 'ARR-HEALTHY', time: t + 1_000, value: 9 },
    ];
    expect((await server.post('/api/v1/ingest', { points }, bpbd)).status).toBe(202);
    // as a release without bounds stored them: two readings whose sum overflows a double
    const poison = (await pool.query(`SELECT id FROM series WHERE entity = 'ARR-POISON'`)).rows[0].id;
    await pool.query(
      `INSERT INTO point (series_id, time, value) VALUES ($1, to_timestamp($2 / 1000.0), 1e308), ($1, to_timestamp($3 / 1000.0), 1e308)`,
      [poison, t + 2_000, t + 3_000],
    );
    await expect(runStoreJobs(pool, server.storage.dialect, 'refresh')).resolves.toMatchObject({ refreshed: true });
    const { rows } = await pool.query(
      `SELECT s.entity, m.value_sum AS sum, m.value_count::int AS n FROM point_1m_mat m JOIN series s ON s.id = m.series_id
        WHERE s.entity IN ('ARR-POISON', 'ARR-HEALTHY') ORDER BY 1`,
    );
    expect(rows).toEqual([{ entity: 'ARR-HEALTHY', sum: 16, n: 2 }]);
    // and the refresh keeps running on later ticks
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'rainfall', entity: 'ARR-LATER', time: Date.now() - 120_000, value: 3 }] }, bpbd))
        .status,
    ).toBe(202);
    await runStoreJobs(pool, server.storage.dialect, 'refresh');
    const later = await pool.query(`SELECT count(*)::int AS n FROM point_1m_mat m JOIN series s ON s.id = m.series_id WHERE s.entity = 'ARR-LATER'`);
    expect(later.rows[0].n).toBe(1);
  });
});
