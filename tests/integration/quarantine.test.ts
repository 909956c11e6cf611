/**
 * The quarantine keeps every refused record (issue 14.3), and a flood of entries costs bounded storage
 * (issue 13.12): records the server refuses in one batch are counted one by one through the real spool and
 * delivery, a corrupt record on disk takes only itself to the quarantine, and POST /api/v1/quarantine has a
 * batch cap, a rate limit, a per-OPD cap (counted overflow) and operator resolution.
 */
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDeliverer } from '../../ingest/deliver';
import { openSpool } from '../../ingest/spool';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const log = pino({ level: 'silent' });

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { quarantine: { perMinPerKey: 30, maxUnresolvedPerOpd: 200 } });
  dir = await mkdtemp(join(tmpdir(), 'sinergi-quarantine-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const entry = (i: number, extra: Record<string, unknown> = {}) => ({
  source: 'flood',
  opd: null,
  origin: 'test',
  reason: 'same reason',
  mappingVersion: null,
  data: `{"n":${i}}`,
  time: 1_700_000_000_000,
  ...extra,
});

async function deliver(name: string, lane: string, key: string) {
  const spool = await openSpool({ dir: join(dir, name), maxBytes: 64 * 1024 * 1024, warnRatio: 0.8, segmentBytes: 1024 * 1024, log });
  return { spool, deliverer: createDeliverer({ spool, serverUrl: server.url, keys: { [lane]: key }, maxBatch: 5_000, maxBackoffMs: 200, log }) };
}

describe('quarantine', () => {
  it('keeps each of 50 records the server refuses in one batch, with its own payload and index, and delivers the rest', async () => {
    const key = await server.key('BPBD');
    const t0 = Date.now() - 3_600_000;
    const { spool, deliverer } = await deliver('q50', 'BPBD', key);
    const lines = Array.from({ length: 100 }, (_, i) => ({
      k: 'p' as const,
      b: { metric: 'rainfall', entity: 'ARR-Q50', time: t0 + i * 1_000, value: i, ...(i % 2 ? { region: '33.74.99.9999' } : {}) },
    }));
    await spool.append('BPBD', lines);
    try {
      await waitFor('the lane delivered', async () => (spool.depth('BPBD').records === 0 ? true : null), 20_000);
      const { rows } = await server.storage.pool.query(
        `SELECT record_index AS i, data FROM quarantine WHERE opd_code = 'BPBD' AND source = 'delivery' ORDER BY record_index`,
      );
      expect(rows).toHaveLength(50);
      expect(rows.map((r) => r.i)).toEqual(Array.from({ length: 50 }, (_, j) => 2 * j + 1));
      expect(new Set(rows.map((r) => JSON.parse(r.data).value)).size).toBe(50);
      const good = await server.storage.pool.query(
        `SELECT count(*)::int AS n FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = 'ARR-Q50'`,
      );
      expect(good.rows[0].n).toBe(50);
    } finally {
      await deliverer.stop();
      await spool.close();
    }
  });

  it('sends a corrupt record on disk to the quarantine alone: its batch is split and the rest delivered', async () => {
    const key = await server.key('DLH');
    const t0 = Date.now() - 3_600_000;
    const good = (i: number) => `p ${JSON.stringify({ metric: 'container_fill', entity: 'TPS-CORRUPT', time: t0 + i * 1_000, value: 0.5 })}\n`;
    let text = '';
    for (let i = 0; i < 1_000; i++) text += i === 617 ? 'p {"metric":"container_fill","enti\u0000\u0000\u0000\n' : good(i);
    // written behind the spool's back, as a disk error would leave it; the spool counts lines when it opens
    const laneDir = join(dir, 'corrupt', 'DLH');
    await mkdir(laneDir, { recursive: true });
    await appendFile(join(laneDir, '0000000001.jsonl'), text);
    const { spool, deliverer } = await deliver('corrupt', 'DLH', key);
    try {
      await waitFor('the lane delivered', async () => (spool.depth('DLH').records === 0 ? true : null), 30_000);
      const { rows } = await server.storage.pool.query(`SELECT reason, data FROM quarantine WHERE opd_code = 'DLH'`);
      expect(rows).toHaveLength(1);
      expect(rows[0].data).toContain('"enti');
      const points = await server.storage.pool.query(
        `SELECT count(*)::int AS n FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = 'TPS-CORRUPT'`,
      );
      expect(points.rows[0].n).toBe(999);
      expect(deliverer.stats('DLH').quarantinedByServer).toBe(1);
    } finally {
      await deliverer.stop();
      await spool.close();
    }
  });

  it('stores distinct entries with the same source, origin, time and reason one by one; a resend adds nothing', async () => {
    const key = await server.key('DISHUB');
    const entries = Array.from({ length: 50 }, (_, i) => entry(i, { index: i }));
    expect((await server.post('/api/v1/quarantine', { entries }, key)).body).toMatchObject({ accepted: 50, written: 50 });
    expect((await server.post('/api/v1/quarantine', { entries }, key)).body).toMatchObject({ accepted: 50, written: 0 });
    const { rows } = await server.storage.pool.query(`SELECT count(*)::int AS n FROM quarantine WHERE opd_code = 'DISHUB'`);
    expect(rows[0].n).toBe(50);
  });

  it('caps a request at 5,000 entries, each OPD at its unresolved limit (counting the overflow), and lets operators resolve', async () => {
    const key = await server.key('DPUPR');
    const big = await server.post('/api/v1/quarantine', { entries: Array.from({ length: 5_001 }, (_, i) => entry(i)) }, key);
    expect(big.status).toBe(413);
    // the cap is 200 unresolved rows per OPD: 150 + 150 stores 200 and counts 100
    const first = await server.post('/api/v1/quarantine', { entries: Array.from({ length: 150 }, (_, i) => entry(i)) }, key);
    const second = await server.post('/api/v1/quarantine', { entries: Array.from({ length: 150 }, (_, i) => entry(1_000 + i)) }, key);
    expect(first.body).toMatchObject({ written: 150, overflow: 0 });
    expect(second.body).toMatchObject({ written: 50, overflow: 100 });
    const operator = await server.token('operator');
    const list = await server.get('/api/v1/quarantine?limit=1000', operator);
    const mine = list.body.entries.filter((e: { opd: string }) => e.opd === 'DPUPR');
    expect(mine).toHaveLength(200);
    expect(list.body.overflow).toContainEqual(expect.objectContaining({ opd: 'DPUPR', dropped: 100 }));
    // resolving makes room again; resolved rows leave the default list
    const ids = mine.slice(0, 10).map((e: { id: number }) => e.id);
    const res = await fetch(`${server.url}/api/v1/quarantine/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ ids }),
    });
    expect(await res.json()).toEqual({ resolved: 10 });
    const third = await server.post('/api/v1/quarantine', { entries: Array.from({ length: 20 }, (_, i) => entry(2_000 + i)) }, key);
    expect(third.body).toMatchObject({ written: 10, overflow: 10 });
    const resolved = await server.get('/api/v1/quarantine?limit=1000&resolved=true', operator);
    expect(resolved.body.entries.map((e: { id: number }) => e.id).sort()).toEqual([...ids].sort());
    const agency = await server.token('agency', 'DPUPR');
    expect((await server.post('/api/v1/quarantine/resolve', { ids }, agency)).status).toBe(403);
  });

  it('rate-limits POST /api/v1/quarantine per key', async () => {
    const key = await server.key('BAPPEDA');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await server.post('/api/v1/quarantine', { entries: [entry(10_000 + i)] }, key)).status);
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(30);
    expect(statuses).toContain(429);
  });
});
