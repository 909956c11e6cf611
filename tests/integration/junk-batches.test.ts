/**
 * Junk batches do not stall the server (issue 13.11): 50,000 invalid points (about 4 MB) are answered with at
 * most MAX_REPORTED_ISSUES details (plus one that counts the rest), and validating them yields to other
 * requests between slices, so the event loop is never held for long.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_REPORTED_ISSUES } from '../../server/ingest/validate';
import { startTestServer, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { maxBodyBytes: 8 * 1024 * 1024, maxBatchItems: 50_000 });
});
afterAll(() => server?.close());

describe('junk batches', () => {
  it('answers 50,000 invalid points with capped details, and other requests are served meanwhile', async () => {
    const key = await server.key('BPBD');
    const junk = JSON.stringify({
      points: Array.from({ length: 50_000 }, (_, i) => ({ metric: 'rainfall', entity: `ARR-${i}`, time: 'kemarin', value: 'banyak', region: 42 })),
    });
    expect(junk.length).toBeGreaterThan(3_000_000);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = Date.now();
    const answer = fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: junk,
    });
    // health checks keep being answered while the batch is validated
    let healthy = 0;
    let done = false;
    const probes = (async () => {
      while (!done) {
        if ((await fetch(`${server.url}/healthz`)).ok) healthy++;
      }
    })();
    const res = await answer;
    const text = await res.text();
    done = true;
    await probes;
    delay.disable();
    expect(res.status).toBe(400);
    const body = JSON.parse(text) as { details: { index: number | null; message: string }[] };
    expect(body.details).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(body.details.at(-1)).toMatchObject({ index: null, message: expect.stringMatching(/more issues not listed/) });
    expect(text.length).toBeLessThan(200_000);
    expect(healthy).toBeGreaterThan(0);
    // the longest stall of the event loop: slices of 1,000 items, not the whole batch (about 1 s before)
    expect(delay.max / 1e6).toBeLessThan(Math.max(500, (Date.now() - started) / 2));
  });
});
