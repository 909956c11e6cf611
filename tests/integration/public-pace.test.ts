/**
 * Issue 18: what `/public` sends, and when (server/realtime/public-pace.ts). A metric without alert levels
 * (traffic speed) reaches citizens at most once a second, merged, numbered with the last seq it stands for and
 * `prev`; a metric with levels (water level) at once; a message with nothing for citizens is not sent. The
 * citizen page's own store and sync engine follow it without a resubscribe, also when a citizen subscribes
 * while a merged message waits. The wall (`/live`) gets every message. Real server, database and sockets.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { PointsAppended } from '../../shared/contract';
import { LiveStore } from '../../client/lib/live-store';
import { pointsChannel } from '../../client/lib/live-connection';
import { SyncEngine, syncSocketOf, type SyncSocket } from '../../client/lib/sync/engine';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ask = (s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(10_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<unknown>> }).emitWithAck(event, arg);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
});
afterAll(() => server?.close());

/** A citizen as the public page is one: its socket, its store and sync engine, and what it was sent. */
async function citizen(metrics: string[]) {
  const socket: ClientSocket = server.socket('/public');
  await connected(socket);
  const sent: PointsAppended[] = [];
  /** When each of `sent` arrived (ms). */
  const arrived: number[] = [];
  socket.on('points:appended', (m) => {
    sent.push(m);
    arrived.push(performance.now());
  });
  const store = new LiveStore();
  for (const m of metrics) store.track(m);
  const resyncs: string[] = [];
  const engine = new SyncEngine(
    syncSocketOf(socket as unknown as Parameters<typeof syncSocketOf>[0]) as SyncSocket,
    [pointsChannel(store, metrics)],
    {},
    {
      resync: (_ch, key) => resyncs.push(key),
    },
  );
  await waitFor('the snapshot', () => metrics.every((m) => store.get(m)?.status === 'live'));
  return { socket, sent, arrived, store, resyncs, engine, close: () => (engine.close(), socket.close()) };
}

describe('/public pacing', () => {
  it('traffic speed: at most one citizen message a second, merged; the citizen store ends where the wall does', async () => {
    const dishub = await server.key('DISHUB');
    const operator = await server.token('operator');
    const wall = server.socket('/live', operator);
    await connected(wall);
    const onWall: PointsAppended[] = [];
    wall.on('points:appended', (m) => m.metric === 'traffic_speed' && onWall.push(m));
    expect((await ask(wall, 'series:subscribe', { metrics: ['traffic_speed'], historyMinutes: 0 })).ok).toBe(true);
    const a = await citizen(['traffic_speed']);

    // 12 readings of two segments over ~1.2 s, each its own ingest request (as a busy feed sends them)
    const readings: { entity: string; time: number; value: number }[] = [];
    let b: Awaited<ReturnType<typeof citizen>> | null = null;
    for (let i = 0; i < 12; i++) {
      const r = { entity: i % 2 ? 'SEG-PACE-2' : 'SEG-PACE-1', time: Date.now(), value: 20 + i };
      readings.push(r);
      expect((await server.post('/api/v1/ingest', { points: [{ metric: 'traffic_speed', ...r }] }, dishub)).status).toBe(202);
      // a second citizen arrives while a merged message waits: its catch-up overtakes that message
      if (i === 7) b = await citizen(['traffic_speed']);
      await sleep(100);
    }
    const lastSeq = () => onWall.at(-1)?.seq ?? 0;
    await waitFor('the wall has every reading', () => onWall.flatMap((m) => m.points).length >= 12);
    await waitFor('both citizens caught up', () => [a, b!].every((c) => c.store.get('traffic_speed')!.seq === lastSeq()), 5_000);

    // the wall got each message; citizen A far fewer, one a second at most after the first, with prev where merged
    expect(onWall.length).toBeGreaterThanOrEqual(10);
    const toA = a.sent.filter((m) => m.metric === 'traffic_speed');
    expect(toA.length).toBeLessThanOrEqual(4);
    // a second apart (the pace's interval; a little less for delivery jitter): unpaced they came every ~100 ms
    const at = a.arrived.filter((_, k) => a.sent[k]!.metric === 'traffic_speed');
    for (let k = 1; k < at.length; k++) expect(at[k]! - at[k - 1]!).toBeGreaterThan(800);
    expect(toA.some((m) => m.prev !== undefined && m.prev < m.seq - 1)).toBe(true);
    // each citizen message holds at most one reading per segment: the newest of what it stands for
    for (const m of toA) expect(new Set(m.points.map((p) => p.s)).size).toBe(m.points.length);

    // both citizen stores hold each segment's newest reading, as the wall does, and never resubscribed
    const newest = new Map(readings.map((r) => [r.entity, r.value]));
    for (const c of [a, b!]) {
      const st = c.store.get('traffic_speed')!;
      const byEntity = new Map([...st.series.values()].map((s) => [s.meta.entity, s.latestV]));
      expect(byEntity.get('SEG-PACE-1')).toBe(newest.get('SEG-PACE-1'));
      expect(byEntity.get('SEG-PACE-2')).toBe(newest.get('SEG-PACE-2'));
      expect(c.resyncs).toEqual(['traffic_speed']); // the first subscription only
    }
    a.close();
    b!.close();
    wall.close();
  });

  it('water level (alert levels): every reading at once; a message with nothing current is not sent', async () => {
    const bpbd = await server.key('BPBD');
    const c = await citizen(['water_level']);
    const before = c.sent.length;
    const t = Date.now();
    for (let i = 0; i < 3; i++) {
      expect(
        (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PCS-PACE', time: t + i, value: 100 + i }] }, bpbd)).status,
      ).toBe(202);
      await waitFor(`reading ${i} at once`, () => c.sent.length === before + i + 1, 900);
    }
    const seq = c.sent.at(-1)!.seq;
    // a backlog of yesterday (nothing current in it), then a reading now
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PCS-PACE', time: t - 86_400_000, value: 90 }] }, bpbd))
        .status,
    ).toBe(202);
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PCS-PACE', time: t + 10, value: 110 }] }, bpbd)).status,
    ).toBe(202);
    await waitFor('the reading now', () => c.sent.some((m) => m.seq > seq));
    expect(c.sent.filter((m) => m.seq > seq)).toEqual([
      expect.objectContaining({ seq: seq + 2, prev: seq, points: [expect.objectContaining({ v: 110 })] }),
    ]);
    const held = [...c.store.get('water_level')!.series.values()].find((s) => s.meta.entity === 'PCS-PACE')!;
    expect(held.latestV).toBe(110);
    expect(c.resyncs).toEqual(['water_level']);
    c.close();
  });
});
