/**
 * The ingest worker against the real server: the simulator fills all five domains through spool and API,
 * bad records reach the server's quarantine, feed health is reported, and delivery survives the server
 * going away and coming back on the same port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIngestKey } from '../../db/queries/credentials';
import { listHealth, listQuarantine } from '../../db/queries/feeds';
import { healthReportSchema, MAX_HEALTH_ERROR_CHARS } from '../../shared/feeds';
import { DEMO_METRICS, DEMO_OPD } from '../../demo/catalog';
import { seedDemo } from '../../db/seed';
import { openStorage, type Storage } from '../../db/storage';
import { validateWorkerConfig, type WorkerConfig } from '../../ingest/config';
import type { SourceDefinition } from '../../ingest/source';
import { SOURCE_DEFINITIONS } from '../../ingest/sources';
import { startWorker } from '../../ingest/worker';
import { createApp, type App } from '../../server/app';
import { createTestDatabase } from '../support/db';
import { scriptedDefinition } from '../support/scripted-source';
import { waitFor } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const log = pino({ level: 'silent' });

let storage: Storage;
let drop: () => Promise<void>;
let keys: Record<string, string>;
let dir: string;

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

function workerConfig(port: number, name: string, sources: unknown[], definitions: SourceDefinition[] = []): WorkerConfig {
  return validateWorkerConfig(
    {
      server: { url: `http://127.0.0.1:${port}` },
      keys,
      spool: { dir: join(dir, name, 'spool') },
      delivery: { maxBatch: 2_000, maxBackoffMs: 500 },
      healthIntervalMs: 1_000,
      sources,
    },
    undefined,
    [...SOURCE_DEFINITIONS, ...definitions],
  );
}

const scripted = scriptedDefinition;

beforeAll(async () => {
  const db = await createTestDatabase(adminUrl);
  drop = db.drop;
  storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
  await seedDemo(storage.pool);
  keys = {};
  for (const o of DEMO_OPD) keys[o.code] = (await createIngestKey(storage.pool, o.code)).key;
  dir = await mkdtemp(join(tmpdir(), 'sinergi-worker-'));
});
afterAll(async () => {
  await storage?.close();
  await drop?.();
  await rm(dir, { recursive: true, force: true });
});

describe('ingest worker', () => {
  it('runs the city simulator through spool and API into all five domains, and reports feed health', async () => {
    const port = await freePort();
    const app = await serve(port);
    const worker = await startWorker(
      workerConfig(port, 'sim', [{ type: 'simulator', name: 'simulator', seed: 7, backfillMinutes: 10, intervalMs: 500 }]),
      log,
    );
    try {
      const domains = await waitFor(
        'points of every domain and complaint events',
        async () => {
          const { rows } = await storage.pool.query<{ domain: string; n: number }>(
            `SELECT m.domain, count(*)::int AS n FROM point p JOIN series s ON s.id = p.series_id JOIN metric m ON m.code = s.metric WHERE m.domain <> 'system' GROUP BY m.domain`,
          );
          const events = await storage.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM event WHERE kind = 'complaint'`);
          return rows.length === 5 && events.rows[0]!.n > 0 ? rows : null;
        },
        30_000,
      );
      expect(domains.map((r) => r.domain).sort()).toEqual(['complaints', 'floods', 'projects', 'sanitation', 'traffic']);
      // (the `system` metrics are the worker's own spool health, reported with feed health)
      const metrics = await storage.pool.query<{ metric: string }>(
        `SELECT DISTINCT s.metric FROM series s JOIN metric m ON m.code = s.metric WHERE m.domain <> 'system'`,
      );
      expect(metrics.rows.map((r) => r.metric).sort()).toEqual(DEMO_METRICS.map((m) => m.code).sort());
      const outside = await storage.pool.query(`SELECT count(*)::int AS n FROM series s JOIN metric m ON m.code = s.metric
          WHERE m.domain <> 'system' AND (s.region_code IS NULL OR s.region_code NOT LIKE '33.74%')`);
      expect(outside.rows[0].n).toBe(0);

      // every OPD the simulator feeds reports its health
      const health = await waitFor('feed health of the five OPD', async () => {
        const rows = (await listHealth(storage.pool)).filter((h) => h.source === 'simulator');
        return rows.length >= 5 ? rows : null;
      });
      for (const h of health) {
        expect(h.lastSuccess).not.toBeNull();
        expect(h.expectedIntervalMs).toBe(500);
      }
      expect(worker.counts().quarantined).toBe(0);
    } finally {
      await worker.stop();
      await stop(app);
    }
  });

  it('retries while the server is down and delivers every reading exactly once when it returns', async () => {
    const port = await freePort();
    const t0 = Date.now() - 3 * 3_600_000;
    // nothing listens yet: the readings wait in the spool
    const worker = await startWorker(
      workerConfig(port, 'retry', [{ type: 'scripted', name: 'scripted', from: t0, count: 5_000, entity: 'ARR-RETRY' }], [scripted]),
      log,
      { definitions: [scripted] },
    );
    let app: App | null = null;
    try {
      await waitFor('failed attempts', () => worker.deliverer.stats().retries > 2);
      expect(worker.spool.depth().records).toBe(5_000);
      app = await serve(port);
      await waitFor('the spool to drain', () => worker.spool.depth().records === 0, 20_000);
      const { rows } = await storage.pool.query(
        `SELECT count(*)::int AS n, count(DISTINCT p.time)::int AS d FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = 'ARR-RETRY'`,
      );
      expect(rows[0]).toEqual({ n: 5_000, d: 5_000 });
      expect(worker.deliverer.stats('BPBD')).toMatchObject({ delivered: 5_000, quarantinedByServer: 0 });
    } finally {
      await worker.stop();
      if (app) await stop(app);
    }
  });

  it('a source failing with a very long message still reports its health (the message cut to fit)', async () => {
    const port = await freePort();
    const app = await serve(port);
    const loud: SourceDefinition = {
      ...scripted,
      type: 'loud',
      create(config) {
        const c = config as { name: string };
        let polls = 0;
        return {
          mode: 'poll',
          name: c.name,
          intervalMs: 200,
          async poll(ctx) {
            if (polls++ === 0)
              return void (await ctx.emit([{ opd: 'BPBD', point: { metric: 'rainfall', entity: 'ARR-LOUD', time: Date.now() - 1_000, value: 1 } }]));
            throw new Error(`the agency's system refused: ${'x'.repeat(6_000)}`);
          },
        };
      },
    };
    const worker = await startWorker(workerConfig(port, 'loud', [{ type: 'loud', name: 'loud', from: 0, count: 0, entity: 'x' }], [loud]), log, {
      definitions: [loud],
    });
    try {
      const h = await waitFor('the loud source on the server, with its error', async () =>
        (await listHealth(storage.pool)).find((x) => x.source === 'loud' && x.lastError !== null),
      );
      expect(h.lastError!.length).toBeLessThanOrEqual(MAX_HEALTH_ERROR_CHARS);
      expect(h.lastError).toMatch(/^the agency's system refused: x+ … \(\d+ characters, cut\)$/);
      expect(healthReportSchema.safeParse({ sources: worker.health() }).success).toBe(true);
    } finally {
      await worker.stop({ drainMs: 0 });
      await stop(app);
    }
  });

  it('quarantines what the server refuses (unknown region) and delivers the rest of the batch', async () => {
    const port = await freePort();
    const app = await serve(port);
    const bad: SourceDefinition = {
      ...scripted,
      type: 'mixed',
      create(config) {
        const c = config as { name: string };
        let done = false;
        return {
          mode: 'poll',
          name: c.name,
          intervalMs: 200,
          async poll(ctx) {
            if (done) return;
            const t = Date.now() - 60_000;
            await ctx.emit([
              { opd: 'BPBD', point: { metric: 'rainfall', entity: 'ARR-MIXED', time: t, value: 1 } },
              { opd: 'BPBD', point: { metric: 'rainfall', entity: 'ARR-MIXED', time: t + 1_000, value: 2, region: '33.74.99.9999' } },
              { opd: 'BPBD', point: { metric: 'rainfall', entity: 'ARR-MIXED', time: t + 2_000, value: Number.NaN } },
              { opd: 'BPBD', point: { metric: 'rainfall', entity: 'ARR-MIXED', time: t + 3_000, value: 4 } },
            ]);
            done = true;
          },
        };
      },
    };
    const worker = await startWorker(workerConfig(port, 'mixed', [{ type: 'mixed', name: 'mixed', from: 0, count: 0, entity: 'x' }], [bad]), log, {
      definitions: [bad],
    });
    try {
      const q = await waitFor('two quarantined records on the server', async () => {
        const rows = await listQuarantine(storage.pool, { source: undefined, limit: 50 });
        return rows.length >= 2 ? rows : null;
      });
      const reasons = q.map((r) => r.reason).join('\n');
      expect(reasons).toContain("unknown region '33.74.99.9999'"); // refused by the server, per record
      expect(reasons).toContain('value must be a finite number'); // refused before sending
      // the rest of the refused batch follows its quarantined records
      const values = await waitFor('the good readings of the batch', async () => {
        const { rows } = await storage.pool.query(
          `SELECT p.value FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = 'ARR-MIXED' ORDER BY p.time`,
        );
        return rows.length >= 2 ? rows.map((r) => r.value) : null;
      });
      expect(values).toEqual([1, 4]);
    } finally {
      await worker.stop();
      await stop(app);
    }
  });
});
