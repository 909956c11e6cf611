/**
 * Clients that never read cannot grow the server without bound (issue 14.2): a `/public` socket that stops
 * reading first stops getting deltas (its queue stays at the soft bound) and is disconnected once it has been
 * slow for maxSlowMs, while a reading observer keeps getting every one. The bound is made small here so a few hundred deltas show it; `npm run bench:slow-clients` runs 2,000.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NAMESPACES } from '../../shared/contract';
import { queuedPackets } from '../../server/realtime/outbound';
import { hostileSubscriber } from '../support/hostile-socket';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const BOUND = { softPackets: 8, hardPackets: 32, maxSlowMs: 1_000, checkMs: 20 };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { streamTickMs: 20, outboundBound: BOUND });
});
afterAll(() => server?.close());

describe('slow clients', () => {
  it('stops sending to a socket that does not read, then disconnects it; a reading observer gets every delta', async () => {
    const key = await server.key('BPBD');
    const hostile = await Promise.all(Array.from({ length: 5 }, () => hostileSubscriber(server.url, ['water_level'])));
    const observer = server.socket('/public');
    await connected(observer);
    const seqs: number[] = [];
    observer.on('points:appended', (m) => {
      if (m.metric === 'water_level') seqs.push(m.seq);
    });
    const ack = await observer.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['water_level'], historyMinutes: 0 });
    expect(ack.ok).toBe(true);
    const pub = server.app.io.of(NAMESPACES.public);
    let maxQueued = 0;
    // current readings (anonymous sockets get each series' current reading only, none older than 15 minutes)
    const t0 = Date.now() - 300_000;
    // ~20 KB deltas: the hostile sockets' kernel buffers fill, then the server would queue for them
    for (let round = 0; round < 150 && pub.sockets.size > 1; round++) {
      const points = Array.from({ length: 2_000 }, (_, i) => ({
        metric: 'water_level',
        entity: `PA-SLOW-${i}`,
        time: t0 + round * 1_000, // each round newer than the last, all within the past 5 minutes
        value: 100 + (round % 50),
      }));
      expect((await server.post('/api/v1/ingest', { points }, key)).status).toBe(202);
      for (const s of pub.sockets.values()) maxQueued = Math.max(maxQueued, queuedPackets(s));
      await new Promise((r) => setTimeout(r, 25));
    }
    // (a paused client learns of it only when it reads again: the server's view is what counts)
    await waitFor('every hostile socket cut', () => pub.sockets.size === 1, 20_000);
    for (const h of hostile) h.destroy();
    // the server never queued more than the soft bound (plus what one check interval can add) for anyone
    expect(maxQueued).toBeLessThanOrEqual(BOUND.softPackets + 4);
    // the observer got deltas throughout, in order, without a gap
    expect(seqs.length).toBeGreaterThan(20);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    expect(observer.connected).toBe(true);
  });
});
