/**
 * A full disk under the worker's spool (issue 14.1), on a real small tmpfs: filled during a server outage, and
 * by another program while delivery runs. Nothing may be lost or doubled: a short or failed write is an error
 * the source sees (it keeps its records and tries again), a torn tail is cut before the next append, delivery
 * survives failed cursor writes, and the full disk shows in feed health (`spool_full`) and as an alert.
 * The spool directory is 0700 and its files 0600 (issue 13.15).
 *
 * Needs `mount -t tmpfs` (root, or a container allowed to mount): skipped with a message where that is
 * impossible; where it is possible, the test runs and must pass (also under CI=true).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIngestKey } from '../../db/queries/credentials';
import { listHealth } from '../../db/queries/feeds';
import { seedDemo } from '../../db/seed';
import { openStorage, type Storage } from '../../db/storage';
import { validateWorkerConfig } from '../../ingest/config';
import { openSpool } from '../../ingest/spool';
import { SOURCE_DEFINITIONS } from '../../ingest/sources';
import { startWorker } from '../../ingest/worker';
import { createApp, type App } from '../../server/app';
import { createTestDatabase } from '../support/db';
import { scriptedDefinition as scripted } from '../support/scripted-source';
import { waitFor } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const root = join(tmpdir(), `sinergi-diskfull-${process.pid}`);
const mounts: string[] = [];

/** Mounts a tmpfs of `size` (e.g. `512k`) at a fresh folder; null where mounting is impossible. */
function mountTmpfs(name: string, size: string): string | null {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return dir;
  } catch {
    return null;
  }
}
const probe = mountTmpfs('probe', '64k');
const mountable = probe !== null;
if (!mountable) console.warn('spool-disk-full: cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): the full-disk fault tests are skipped');

/** Fills the file system of `dir` to the last byte with a file of its own; returns its path. */
async function fill(dir: string): Promise<string> {
  const path = join(dir, 'filler');
  const fh = await open(path, 'w');
  const chunk = Buffer.alloc(4096, 0x2e);
  try {
    for (;;) await fh.write(chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  try {
    for (;;) await fh.write(chunk, 0, 1); // the last partial page
  } catch {
    /* full */
  }
  await fh.close();
  return path;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let storage: Storage;
let drop: () => Promise<void>;
let keys: Record<string, string>;

async function serve(port: number): Promise<App> {
  const app = await createApp({
    storage,
    log,
    config: { maxBodyBytes: 8 * 1024 * 1024, maxBatchItems: 50_000, streamTickMs: 100, clientDistDir: '/nonexistent', corsOrigins: [] },
  });
  await new Promise<void>((r) => app.httpServer.listen(port, '127.0.0.1', r));
  return app;
}
async function stop(app: App | null): Promise<void> {
  if (!app) return;
  await app.close();
  await new Promise((r) => app.httpServer.close(r));
}

const workerConfig = (port: number, spoolDir: string, sources: unknown[]) =>
  validateWorkerConfig(
    {
      server: { url: `http://127.0.0.1:${port}` },
      keys,
      spool: { dir: spoolDir, maxBytes: 64 * 1024 * 1024, segmentBytes: 64 * 1024 },
      delivery: { maxBatch: 1_000, maxBackoffMs: 500 },
      healthIntervalMs: 1_000,
      sources,
    },
    undefined,
    [...SOURCE_DEFINITIONS, scripted],
  );

async function countOf(entity: string): Promise<{ n: number; d: number }> {
  const { rows } = await storage.pool.query(
    `SELECT count(*)::int AS n, count(DISTINCT p.time)::int AS d FROM point p JOIN series s ON s.id = p.series_id WHERE s.entity = $1`,
    [entity],
  );
  return rows[0];
}

beforeAll(async () => {
  if (!mountable) return;
  const db = await createTestDatabase(adminUrl);
  drop = db.drop;
  storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
  await seedDemo(storage.pool);
  keys = { BPBD: (await createIngestKey(storage.pool, 'BPBD')).key };
});
afterAll(async () => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  rmSync(root, { recursive: true, force: true });
  await storage?.close();
  await drop?.();
});

describe.skipIf(!mountable)('spool on a full disk', () => {
  it('rejects a short write, cuts its torn tail, and appends whole records again once there is room (0700/0600)', async () => {
    const disk = mountTmpfs('unit', '128k')!;
    const spool = await openSpool({ dir: join(disk, 'spool'), maxBytes: 64 * 1024 * 1024, warnRatio: 0.8, segmentBytes: 1024 * 1024, log });
    const line = (i: number) => ({
      k: 'p' as const,
      b: { metric: 'rainfall', entity: 'X', time: 1_700_000_000_000 + i, value: i, pad: 'x'.repeat(200) },
    });
    const ok: number[] = [];
    let failures = 0;
    for (let i = 0; i < 2_000; i += 50) {
      try {
        await spool.append(
          'BPBD',
          Array.from({ length: 50 }, (_, j) => line(i + j)),
        );
        for (let j = 0; j < 50; j++) ok.push(i + j);
      } catch (e) {
        failures++;
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
    }
    expect(failures).toBeGreaterThan(0);
    expect(spool.writeHealth()).toMatchObject({ failing: true, diskFull: true });
    // every byte on disk is whole records: the failed appends left nothing behind
    const segDir = join(disk, 'spool', 'BPBD');
    const values: number[] = [];
    for (;;) {
      const b = await spool.read('BPBD', 500);
      if (!b) break;
      for (const l of b.lines) values.push((JSON.parse(l.json) as { value: number }).value);
      await b.ack();
    }
    expect(values).toEqual(ok);
    // acknowledged segments are gone: room again, and the next append is whole and readable
    await spool.append('BPBD', [line(99_999)]);
    expect(spool.writeHealth().failing).toBe(false);
    const next = await spool.read('BPBD', 10);
    expect(next?.lines.map((l) => (JSON.parse(l.json) as { value: number }).value)).toEqual([99_999]);
    await next!.ack();
    expect((await stat(join(disk, 'spool'))).mode & 0o777).toBe(0o700);
    expect((await stat(segDir)).mode & 0o777).toBe(0o700);
    for (const f of await readdir(segDir)) expect(((await stat(join(segDir, f))).mode & 0o777).toString(8)).toBe('600');
    await spool.close();
  });

  it('loses and doubles nothing when the disk fills during a server outage, and delivers all once the server returns', async () => {
    const disk = mountTmpfs('outage', '512k')!;
    const port = await freePort();
    const t0 = Date.now() - 6 * 3_600_000;
    const worker = await startWorker(
      workerConfig(port, join(disk, 'spool'), [
        { type: 'scripted', name: 'fill', from: t0, count: 20_000, perPoll: 500, intervalMs: 50, entity: 'ARR-FULL' },
      ]),
      log,
      { definitions: [scripted] },
    );
    let app: App | null = null;
    try {
      await waitFor('the spool disk to fill', () => worker.spool.writeHealth().diskFull, 30_000);
      expect(worker.counts().accepted).toBeLessThan(20_000); // the source holds back what the spool could not take
      app = await serve(port);
      await waitFor('all 20,000 readings', async () => (await countOf('ARR-FULL')).n >= 20_000 && worker.spool.depth().records === 0, 90_000);
      expect(await countOf('ARR-FULL')).toEqual({ n: 20_000, d: 20_000 });
      expect(worker.counts()).toEqual({ accepted: 20_000, quarantined: 0 });
      expect(worker.deliverer.stats().quarantinedByServer).toBe(0);
    } finally {
      await worker.stop({ drainMs: 0 });
      await stop(app);
    }
  });

  it('rides out another program filling the disk: delivery goes on, feed health says spool_full and an alert opens', async () => {
    const disk = mountTmpfs('other', '1m')!;
    const port = await freePort();
    const app = await serve(port);
    const t0 = Date.now() - 5 * 3_600_000;
    const worker = await startWorker(
      workerConfig(port, join(disk, 'spool'), [
        { type: 'scripted', name: 'steady', from: t0, count: 15_000, perPoll: 100, intervalMs: 50, entity: 'ARR-OTHER' },
      ]),
      log,
      { definitions: [scripted] },
    );
    try {
      await waitFor('some delivery', async () => (await countOf('ARR-OTHER')).n > 1_000, 30_000);
      const filler = await fill(disk);
      await waitFor('the spool to see the full disk', () => worker.spool.writeHealth().diskFull, 30_000);
      const health = await waitFor(
        'feed health spool_full',
        async () => (await listHealth(storage.pool)).find((h) => h.source === 'steady' && h.spoolFull) ?? null,
        15_000,
      );
      expect(health.spoolFull).toBe(true);
      const alert = await waitFor(
        'the spool alert',
        async () =>
          (await storage.pool.query(`SELECT level FROM alert a JOIN series s ON s.id = a.series_id WHERE s.metric = 'feed_spool_full'`)).rows[0] ??
          null,
        15_000,
      );
      expect(alert.level).toBe('awas');
      await new Promise((r) => setTimeout(r, 5_000)); // five seconds of a full disk
      await unlink(filler);
      await waitFor('all 15,000 readings', async () => (await countOf('ARR-OTHER')).n >= 15_000 && worker.spool.depth().records === 0, 90_000);
      expect(await countOf('ARR-OTHER')).toEqual({ n: 15_000, d: 15_000 });
      await waitFor('the spool to write again', () => !worker.spool.writeHealth().failing, 10_000);
    } finally {
      await worker.stop({ drainMs: 0 });
      await stop(app);
    }
  });
});
