/**
 * "Never lose a reading": 50,000 readings go through a worker while the server is SIGKILLed and restarted,
 * and while PostgreSQL is stopped for 30 s; afterwards every reading is in the database exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbedded } from '../../db/embedded';
import { createIngestKey } from '../../db/queries/credentials';
import { seedDemo } from '../../db/seed';
import { openStorage, type Storage } from '../../db/storage';
import { validateWorkerConfig } from '../../ingest/config';
import { SOURCE_DEFINITIONS } from '../../ingest/sources';
import { startWorker, type Worker } from '../../ingest/worker';
import { createApp } from '../../server/app';
import { createTestDatabase } from '../support/db';
import { scriptedDefinition } from '../support/scripted-source';
import { waitFor } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const log = pino({ level: 'silent' });
const READINGS = 50_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinergi-durability-'));
  await chmod(dir, 0o755);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function countReadings(storage: Storage, entity: string): Promise<{ n: number; distinct: number }> {
  const { rows } = await storage.pool.query<{ n: number; distinct: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT p.time)::int AS distinct FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = $1`,
    [entity],
  );
  return rows[0]!;
}

function startWorkerFor(port: number, name: string, entity: string, key: string): Promise<Worker> {
  const config = validateWorkerConfig(
    {
      server: { url: `http://127.0.0.1:${port}` },
      keys: { BPBD: key },
      spool: { dir: join(dir, name, 'spool') },
      delivery: { maxBatch: 1_000, maxBackoffMs: 1_000 },
      sources: [{ type: 'scripted', name, from: Date.now() - 20 * 3_600_000, count: READINGS, perPoll: 2_500, intervalMs: 100, entity }],
    },
    undefined,
    [...SOURCE_DEFINITIONS, scriptedDefinition],
  );
  return startWorker(config, log, { definitions: [scriptedDefinition] });
}

describe('durable delivery', () => {
  it('loses nothing when the server is SIGKILLed mid-stream and started again', async () => {
    const db = await createTestDatabase(adminUrl);
    const storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
    await seedDemo(storage.pool);
    const key = (await createIngestKey(storage.pool, 'BPBD')).key;
    const port = await freePort();
    const spawnServer = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../server/index.ts')], {
        env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', CLIENT_DIST_DIR: '/nonexistent' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await waitFor('the server to be ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, 30_000);
      return child;
    };
    let server = await spawnServer();
    const worker = await startWorkerFor(port, 'sigkill', 'ARR-SIGKILL', key);
    try {
      await waitFor('a fifth of the readings in the database', async () => (await countReadings(storage, 'ARR-SIGKILL')).n > READINGS / 5, 30_000);
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      const atKill = await countReadings(storage, 'ARR-SIGKILL');
      expect(atKill.n).toBeLessThan(READINGS); // the kill really happened mid-stream
      await new Promise((r) => setTimeout(r, 1_000));
      server = await spawnServer();
      await waitFor(
        'every reading',
        async () => (await countReadings(storage, 'ARR-SIGKILL')).n === READINGS && worker.spool.depth().records === 0,
        60_000,
      );
      expect(await countReadings(storage, 'ARR-SIGKILL')).toEqual({ n: READINGS, distinct: READINGS });
      expect(worker.deliverer.stats().retries).toBeGreaterThan(0);
      expect(worker.counts()).toEqual({ accepted: READINGS, quarantined: 0 });
    } finally {
      await worker.stop({ drainMs: 0 });
      server.kill('SIGTERM');
      await storage.close();
      await db.drop();
    }
  }, 120_000);

  it('keeps spooled readings through a SIGKILLed worker and delivers them after its restart', async () => {
    const db = await createTestDatabase(adminUrl);
    const storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
    await seedDemo(storage.pool);
    const key = (await createIngestKey(storage.pool, 'BPBD')).key;
    const port = await freePort();
    const workDir = join(dir, 'worker-kill');
    const configFile = join(workDir, 'worker.json');
    const writeConfig = (total: number, entityPrefix: string) =>
      import('node:fs/promises').then(async (fs) => {
        await fs.mkdir(workDir, { recursive: true });
        await fs.writeFile(
          configFile,
          JSON.stringify({
            server: { url: `http://127.0.0.1:${port}` },
            keys: { BPBD: key },
            spool: { dir: './spool' },
            delivery: { maxBatch: 1_000, maxBackoffMs: 300 },
            sources: [
              { type: 'generator', name: entityPrefix, series: 100, perPoll: 5_000, total, intervalMs: 50, from: Date.now() - 30 * 3_600_000 },
            ],
          }),
        );
      });
    const runWorker = () =>
      spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../ingest/index.ts'), '--config', configFile], {
        stdio: ['ignore', 'ignore', 'ignore'],
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });
    const spooled = async () => {
      const fs = await import('node:fs/promises');
      const lane = join(workDir, 'spool', 'BPBD');
      const files = (await fs.readdir(lane).catch(() => [])).filter((f) => f.endsWith('.jsonl'));
      let lines = 0;
      for (const f of files) lines += (await fs.readFile(join(lane, f), 'utf8')).split('\n').length - 1;
      return lines;
    };
    // 1. the server is down: the worker spools 20,000 readings, then dies without warning
    await writeConfig(20_000, 'gen-before-kill');
    const first = runWorker();
    await waitFor('20,000 readings in the spool', async () => (await spooled()) >= 20_000, 30_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // 2. the server comes up, the worker restarts (its source now has nothing new to say)
    const app = await createApp({
      storage,
      log,
      config: { maxBodyBytes: 8 * 1024 * 1024, maxBatchItems: 50_000, streamTickMs: 250, clientDistDir: '/nonexistent', corsOrigins: [] },
    });
    await new Promise<void>((r) => app.httpServer.listen(port, '127.0.0.1', r));
    await writeConfig(1, 'gen-after-restart');
    const second = runWorker();
    try {
      const count = async () => Number((await storage.pool.query(`SELECT count(*)::int AS n FROM point`)).rows[0].n);
      await waitFor('the spooled readings in the database', async () => (await count()) === 20_001, 30_000);
      expect(await count()).toBe(20_001);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
      await app.close();
      await storage.close();
      await db.drop();
    }
  }, 90_000);

  it('loses nothing when PostgreSQL is stopped for 30 s during ingest', async () => {
    const pgDir = join(dir, 'pg-stop');
    const pgPort = await freePort();
    let pg = await startEmbedded({ dir: pgDir, port: pgPort });
    const storage = await openStorage({ databaseUrl: pg.url, dataDir: '/nonexistent' });
    await seedDemo(storage.pool);
    const key = (await createIngestKey(storage.pool, 'BPBD')).key;
    const app = await createApp({
      storage,
      log,
      config: { maxBodyBytes: 8 * 1024 * 1024, maxBatchItems: 50_000, streamTickMs: 250, clientDistDir: '/nonexistent', corsOrigins: [] },
    });
    const port = await freePort();
    await new Promise<void>((r) => app.httpServer.listen(port, '127.0.0.1', r));
    const worker = await startWorkerFor(port, 'pgstop', 'ARR-PGSTOP', key);
    try {
      await waitFor('a fifth of the readings in the database', async () => (await countReadings(storage, 'ARR-PGSTOP')).n > READINGS / 5, 30_000);
      await pg.stop();
      const retriesBefore = worker.deliverer.stats().retries;
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
      await new Promise((r) => setTimeout(r, 30_000));
      expect(worker.deliverer.stats().retries).toBeGreaterThan(retriesBefore);
      expect(worker.spool.depth().records).toBeGreaterThan(0); // held in the spool meanwhile
      pg = await startEmbedded({ dir: pgDir, port: pgPort });
      await waitFor(
        'every reading',
        async () => (await countReadings(storage, 'ARR-PGSTOP').catch(() => ({ n: 0 }))).n === READINGS && worker.spool.depth().records === 0,
        60_000,
      );
      expect(await countReadings(storage, 'ARR-PGSTOP')).toEqual({ n: READINGS, distinct: READINGS });
    } finally {
      await worker.stop({ drainMs: 0 });
      await app.close();
      await storage.close();
      await pg.stop();
    }
  }, 150_000);
});
