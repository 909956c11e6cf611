/**
 * The ingest worker against the real server: the simulator fills all five domains through the ingest API,
 * and delivery survives the server going away and coming back on the same port.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIngestKey } from '../../db/queries/credentials';
import { DEMO_METRICS, DEMO_OPD } from '../../db/seed/demo-catalog';
import { seedDemo } from '../../db/seed';
import { openStorage, type Storage } from '../../db/storage';
import { createDeliverer } from '../../ingest/deliver';
import { startWorker } from '../../ingest/worker';
import { createApp, type App } from '../../server/app';
import { createTestDatabase } from '../support/db';
import { waitFor } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const log = pino({ level: 'silent' });

let storage: Storage;
let drop: () => Promise<void>;
let keys: Record<string, string>;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function serve(port: number): Promise<App> {
  const app = await createApp({
    storage,
    log,
    config: { maxBodyBytes: 8 * 1024 * 1024, maxBatchItems: 50_000, streamTickMs: 100, clientDistDir: '/nonexistent', corsOrigins: [] },
  });
  await new Promise<void>((r) => app.httpServer.listen(port, '127.0.0.1', r));
  return app;
}

async function stop(app: App): Promise<void> {
  await app.close();
  await new Promise((r) => app.httpServer.close(r));
}

beforeAll(async () => {
  const db = await createTestDatabase(adminUrl);
  drop = db.drop;
  storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
  await seedDemo(storage.pool);
  keys = {};
  for (const o of DEMO_OPD) keys[o.code] = (await createIngestKey(storage.pool, o.code)).key;
});
afterAll(async () => {
  await storage?.close();
  await drop?.();
});

describe('ingest worker', () => {
  it('runs the city simulator through the ingest API into all five domains', async () => {
    const port = await freePort();
    const app = await serve(port);
    const worker = await startWorker(
      { server: { url: `http://127.0.0.1:${port}` }, keys, sources: [{ type: 'simulator', seed: 7, backfillMinutes: 10, intervalMs: 500 }], delivery: { maxBatch: 5_000, maxQueued: 1_000_000, maxBackoffMs: 1_000 } },
      log,
    );
    try {
      const domains = await waitFor(
        'points of every domain and complaint events',
        async () => {
          const { rows } = await storage.pool.query<{ domain: string; n: number }>(
            `SELECT m.domain, count(*)::int AS n FROM point p JOIN series s ON s.id = p.series_id JOIN metric m ON m.code = s.metric GROUP BY m.domain`,
          );
          const events = await storage.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM event WHERE kind = 'complaint'`);
          return rows.length === 5 && events.rows[0]!.n > 0 ? rows : null;
        },
        30_000,
      );
      expect(domains.map((r) => r.domain).sort()).toEqual(['complaints', 'floods', 'projects', 'sanitation', 'traffic']);
      const metrics = await storage.pool.query<{ metric: string }>('SELECT DISTINCT metric FROM series');
      expect(metrics.rows.map((r) => r.metric).sort()).toEqual(DEMO_METRICS.map((m) => m.code).sort());
      // every series the simulator created lies in a region of the demo city
      const outside = await storage.pool.query(`SELECT count(*)::int AS n FROM series WHERE region_code IS NULL OR region_code NOT LIKE '33.74%'`);
      expect(outside.rows[0].n).toBe(0);
      expect(worker.deliverer.stats().dropped).toBe(0);
    } finally {
      await worker.stop();
      await stop(app);
    }
  });

  it('retries while the server is down and delivers every reading exactly once when it returns', async () => {
    const port = await freePort();
    const deliverer = createDeliverer({ serverUrl: `http://127.0.0.1:${port}`, keys, maxBatch: 500, maxQueued: 100_000, maxBackoffMs: 500, log });
    const t0 = Date.now() - 3 * 3_600_000;
    const batch = (from: number, n: number) => [
      { opd: 'BPBD', events: [], points: Array.from({ length: n }, (_, i) => ({ metric: 'rainfall', entity: 'ARR-RETRY', time: t0 + (from + i) * 1000, value: (from + i) % 7 })) },
    ];
    let app = await serve(port);
    deliverer.enqueue(batch(0, 2_000));
    await deliverer.drain();
    await stop(app); // the server goes away…
    deliverer.enqueue(batch(2_000, 3_000)); // …while readings keep coming
    await new Promise((r) => setTimeout(r, 1_500));
    expect(deliverer.stats().retries).toBeGreaterThan(0);
    app = await serve(port); // …and comes back
    try {
      await waitFor('the queue to drain', () => deliverer.stats().queued === 0, 20_000);
      const { rows } = await storage.pool.query(
        `SELECT count(*)::int AS n, count(DISTINCT p.time)::int AS d FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = 'ARR-RETRY'`,
      );
      expect(rows[0]).toEqual({ n: 5_000, d: 5_000 });
      expect(deliverer.stats()).toMatchObject({ sentPoints: 5_000, dropped: 0 });
    } finally {
      deliverer.stop();
      await stop(app);
    }
  });
});
