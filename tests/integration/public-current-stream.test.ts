/**
 * Issue 18: `/public` streams each series' current reading, for every metric. A feed that comes back after an
 * outage drains its spool (hours of readings in one batch); the citizens' sockets get each series' newest
 * current reading of it, not the history the citizen page would drop on arrival, while `/live` (the wall,
 * tablets) gets every reading. A correction of the current reading keeps the value it replaced for a metric
 * whose history is public. Real server, real database, real sockets.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const MIN = 60_000;
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(10_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
});
afterAll(() => server?.close());

describe('the /public stream carries current readings', () => {
  it("a feed's backlog reaches citizens as each series' current reading; the wall gets all of it", async () => {
    const bpbd = await server.key('BPBD');
    const operator = await server.token('operator');
    const pub = server.socket('/public');
    const live = server.socket('/live', operator);
    await Promise.all([connected(pub), connected(live)]);
    const got: { pub: PointsAppended[]; live: PointsAppended[] } = { pub: [], live: [] };
    pub.on('points:appended', (m) => m.metric === 'water_level' && got.pub.push(m));
    live.on('points:appended', (m) => m.metric === 'water_level' && got.live.push(m));
    for (const s of [pub, live]) expect((await ask<Snapshot>(s, 'series:subscribe', { metrics: ['water_level'], historyMinutes: 0 })).ok).toBe(true);

    // an hour of two gauges, one reading a minute, the newest now: one batch, as a spool drains
    const now = Date.now();
    const backlog = ['PCS-1', 'PCS-2'].flatMap((entity, g) =>
      Array.from({ length: 60 }, (_, i) => ({ metric: 'water_level', entity, time: now - (59 - i) * MIN - g, value: 100 + i + g })),
    );
    expect((await server.post('/api/v1/ingest', { points: backlog }, bpbd)).status).toBe(202);
    await waitFor('the wall has every reading', () => got.live.flatMap((m) => m.points).length >= 120);
    await waitFor('the citizen delta', () => got.pub.length > 0 && got.pub.at(-1)!.seq >= got.live.at(-1)!.seq);
    expect(got.live.flatMap((m) => m.points)).toHaveLength(120);
    const citizen = got.pub.flatMap((m) => m.points);
    expect(citizen.map((p) => [p.t, p.v]).sort((a, b) => a[1]! - b[1]!)).toEqual([
      [now, 159],
      [now - 1, 160],
    ]);
    // the same sequence numbers on both doors: the citizen sees no gap
    expect(got.pub.map((m) => m.seq)).toEqual(got.live.map((m) => m.seq));

    // a correction of the current reading (a new revision): citizens get it with the value it replaced
    const fixed = { metric: 'water_level', entity: 'PCS-1', time: now, value: 158.5, revision: 2 };
    const before = got.pub.length;
    expect((await server.post('/api/v1/ingest', { points: [fixed] }, bpbd)).status).toBe(202);
    await waitFor('the correction', () => got.pub.length > before);
    expect(got.pub.at(-1)!.points).toEqual([expect.objectContaining({ t: now, v: 158.5, was: 159 })]);
  });
});
