/**
 * The server's own HTTP timeouts and the worker's quick resumption (issue 14.7): a trickled request body or
 * trickled headers lose their connection after the configured time, not Node's 300 s; a worker waiting out a
 * long backoff resumes within seconds of the server's return because it probes /readyz.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validateWorkerConfig } from '../../ingest/config';
import { SOURCE_DEFINITIONS } from '../../ingest/sources';
import { startWorker } from '../../ingest/worker';
import { createApp, type App } from '../../server/app';
import { scriptedDefinition as scripted } from '../support/scripted-source';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const log = pino({ level: 'silent' });
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { httpTimeouts: { headersMs: 1_000, requestMs: 2_000, keepAliveMs: 5_000 } });
  dir = await mkdtemp(join(tmpdir(), 'sinergi-timeouts-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens a raw connection and resolves with how long the server kept it, and what it answered. */
function trickle(first: string, drip: string): Promise<{ ms: number; answer: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    const s: Socket = connect(Number(port), '127.0.0.1', () => s.write(first));
    const timer = setInterval(() => s.writable && s.write(drip), 200);
    s.on('data', (d) => (answer += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, answer });
    });
    setTimeout(() => s.destroy(), 30_000); // the bound this test proves is far below this
  });
}

describe('HTTP timeouts', () => {
  it('closes a connection whose request body trickles in, after the request timeout', async () => {
    // with a valid key: the server reads an ingest body only after the key check (issue 13.13), so a keyless
    // trickle is answered 401 at once and never gets here
    const key = await server.key('BPBD');
    const head = `POST /api/v1/ingest HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"points":[`;
    const { ms, answer } = await trickle(head, ' ');
    expect(ms).toBeLessThan(15_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // without one, the answer is at once: 401, the body unread
    const keyless = await trickle(head.replace(`Authorization: Bearer ${key}\r\n`, ''), ' ');
    expect(keyless.answer).toMatch(/^HTTP\/1\.1 401/);
    expect(keyless.ms).toBeLessThan(15_000);
  });

  it('closes a connection whose headers trickle in, after the headers timeout', async () => {
    const { ms } = await trickle('GET /healthz HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n');
    expect(ms).toBeLessThan(15_000);
  });
});

describe('delivery after an outage', () => {
  it('resumes within a few seconds of the server answering /readyz, not after its long backoff', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const config = validateWorkerConfig(
      {
        server: { url: `http://127.0.0.1:${port}` },
        keys: { BPBD: await server.key('BPBD') },
        spool: { dir: join(dir, 'spool') },
        delivery: { maxBatch: 1_000, maxBackoffMs: 120_000 },
        healthIntervalMs: 60_000,
        sources: [{ type: 'scripted', name: 'outage', from: Date.now() - 3_600_000, count: 3_000, entity: 'ARR-READY' }],
      },
      undefined,
      [...SOURCE_DEFINITIONS, scripted],
    );
    const worker = await startWorker(config, log, { definitions: [scripted] });
    let app: App | null = null;
    try {
      // long enough for the backoff to grow past many seconds
      await waitFor('several failed attempts', () => worker.deliverer.stats().retries >= 6, 30_000);
      await new Promise((r) => setTimeout(r, 3_000));
      app = await createApp({
        storage: server.storage,
        log,
        config: { maxBodyBytes: 8 * 1024 * 1024, maxBatchItems: 50_000, streamTickMs: 100, clientDistDir: '/nonexistent', corsOrigins: [] },
      });
      await new Promise<void>((r) => app!.httpServer.listen(port, '127.0.0.1', r));
      const back = Date.now();
      await waitFor('the spool to drain', () => worker.spool.depth().records === 0, 20_000);
      // a probe a second: well under the 4 s allowed, where the backoff alone could sleep for a minute
      expect(Date.now() - back).toBeLessThan(4_000);
    } finally {
      await worker.stop({ drainMs: 0 });
      if (app) {
        await app.close();
        await new Promise((r) => app!.httpServer.close(r));
      }
    }
  });
});
