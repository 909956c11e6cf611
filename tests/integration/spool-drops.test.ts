/**
 * Drops at the spool's size limit are visible to operators (issue 14.6): the count is cumulative, survives
 * worker restarts (the spool keeps it on disk), is stored in feed health, and raises an alert.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listHealth } from '../../db/queries/feeds';
import { validateWorkerConfig } from '../../ingest/config';
import { SOURCE_DEFINITIONS } from '../../ingest/sources';
import { openSpool } from '../../ingest/spool';
import { startWorker } from '../../ingest/worker';
import { scriptedDefinition as scripted } from '../support/scripted-source';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const log = pino({ level: 'silent' });
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer(adminUrl);
  dir = await mkdtemp(join(tmpdir(), 'sinergi-drops-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('spool drops', () => {
  it('reports records dropped at the size limit in feed health, cumulatively across restarts, and raises an alert', async () => {
    const spoolDir = join(dir, 'spool');
    const opts = { dir: spoolDir, maxBytes: 1024 * 1024, warnRatio: 0.8, segmentBytes: 64 * 1024, log };
    // a long outage: 20,000 readings into a 1 MiB spool
    let spool = await openSpool(opts);
    const point = (i: number) => ({ k: 'p' as const, b: { metric: 'rainfall', entity: 'ARR-DROP', time: Date.now() - 3_600_000 + i, value: 1 } });
    for (let i = 0; i < 20_000; i += 500)
      await spool.append(
        'BPBD',
        Array.from({ length: 500 }, (_, j) => point(i + j)),
      );
    const dropped = spool.dropped();
    expect(dropped).toBeGreaterThan(5_000);
    await spool.close();
    // a restart keeps the count
    spool = await openSpool(opts);
    expect(spool.dropped()).toBe(dropped);
    await spool.close();

    const config = validateWorkerConfig(
      {
        server: { url: server.url },
        keys: { BPBD: await server.key('BPBD') },
        spool: { dir: spoolDir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 },
        healthIntervalMs: 1_000,
        sources: [{ type: 'scripted', name: 'drops', from: Date.now() - 60_000, count: 1, entity: 'ARR-DROP-2' }],
      },
      undefined,
      [...SOURCE_DEFINITIONS, scripted],
    );
    const worker = await startWorker(config, log, { definitions: [scripted] });
    try {
      const health = await waitFor(
        'feed health with the dropped count',
        async () => (await listHealth(server.storage.pool)).find((h) => h.source === 'drops') ?? null,
      );
      expect(health.spoolDropped).toBe(dropped);
      const operator = await server.token('operator');
      const listed = await server.get('/api/v1/sources/health', operator);
      expect(listed.body.feeds.find((f: { source: string }) => f.source === 'drops')).toMatchObject({ spoolDropped: dropped });
      const alert = await waitFor(
        'the drop alert',
        async () => (await server.storage.pool.query(`SELECT level, entity FROM alert WHERE metric = 'feed_spool_dropped'`)).rows[0] ?? null,
      );
      expect(alert).toEqual({ level: 'awas', entity: 'BPBD/drops' });
    } finally {
      await worker.stop({ drainMs: 0 });
    }
    // the next worker life reports the same total, not 0
    const again = await startWorker(config, log, { definitions: [scripted] });
    try {
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await listHealth(server.storage.pool)).find((h) => h.source === 'drops')?.spoolDropped).toBe(dropped);
    } finally {
      await again.stop({ drainMs: 0 });
    }
  });
});
