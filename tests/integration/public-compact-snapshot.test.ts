/**
 * Issue 18 (benchmarks): a citizen's first snapshots are the current state, not an hour of every series. The
 * public page subscribes with no history; it gets each series' latest reading, fetches history over REST when
 * a chart needs it, and the live deltas continue from the snapshot's sequence number with no gap. A crowd's
 * snapshots cost one query per metric (shared, serialised once) and are the same bytes for everyone.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import { PUBLIC_HISTORY_MINUTES } from '../../client/citizen/live-config';
import { connected, spyOnQueries, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(10_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

const ENTITY = `RAIN-COMPACT-${process.pid}`;
const MIN = 60_000;

let server: TestServer;
let bpbd: string;
/** The readings written before anyone subscribed: one a minute for the last 30 minutes. */
const past: { time: number; value: number }[] = [];

beforeAll(async () => {
  server = await startTestServer(adminUrl, { streamTickMs: 20 });
  bpbd = await server.key('BPBD');
  const now = Date.now();
  for (let i = 30; i >= 1; i--) past.push({ time: Math.floor((now - i * MIN) / MIN) * MIN + 5_000, value: i / 10 });
  const res = await server.post('/api/v1/ingest', { points: past.map((p) => ({ metric: 'rainfall', entity: ENTITY, ...p })) }, bpbd);
  expect(res.status).toBe(202);
});
afterAll(async () => server?.close());

describe('the compact public snapshot', () => {
  it('the citizen page asks no history', () => {
    expect(PUBLIC_HISTORY_MINUTES).toBe(0);
  });

  it('gives the current state, then history on request, then deltas from the next sequence number', async () => {
    const s = server.socket('/public');
    const deltas: PointsAppended[] = [];
    s.on('points:appended', (m) => m.metric === 'rainfall' && deltas.push(m));
    await connected(s);

    // 1. current state: each series' latest reading, no history
    const ack = await ask<Snapshot>(s, 'series:subscribe', { metrics: ['rainfall'], historyMinutes: PUBLIC_HISTORY_MINUTES });
    if (!ack.ok) throw new Error(ack.error.message);
    const snap = ack.data.metrics[0]!;
    const mine = snap.series.find((x) => x.entity === ENTITY)!;
    expect(mine.latest).toEqual({ t: past.at(-1)!.time, v: past.at(-1)!.value });
    expect(snap.series.every((x) => x.history.length === 0)).toBe(true);
    // far smaller than the same subscription with an hour of history
    const full = await ask<Snapshot>(s, 'series:unsubscribe', { metrics: ['rainfall'] }).then(() =>
      ask<Snapshot>(s, 'series:subscribe', { metrics: ['rainfall'], historyMinutes: 60 }),
    );
    if (!full.ok) throw new Error(full.error.message);
    expect(full.data.metrics[0]!.series.find((x) => x.entity === ENTITY)!.history).toHaveLength(30);
    // the hour of history is what the compact snapshot leaves out (each 1-minute bucket is ≥ 40 bytes of JSON)
    expect(JSON.stringify(ack).length).toBeLessThan(JSON.stringify(full).length - 30 * 40);
    // back to the compact subscription, as the page holds it
    await ask(s, 'series:unsubscribe', { metrics: ['rainfall'] });
    const again = await ask<Snapshot>(s, 'series:subscribe', { metrics: ['rainfall'], historyMinutes: PUBLIC_HISTORY_MINUTES });
    if (!again.ok) throw new Error(again.error.message);
    const seq = again.data.metrics[0]!.seq;

    // 2. history when a chart asks for it: anonymous REST, 1-minute buckets of the same readings
    const from = new Date(past[0]!.time - MIN).toISOString();
    const to = new Date(Date.now() + MIN).toISOString();
    const hist = await server.get(`/api/v1/series?metric=rainfall&entity=${ENTITY}&from=${from}&to=${to}&bucket=1m`);
    expect(hist.status).toBe(200);
    const buckets = (hist.body.series as { entity: string; buckets: { t: number; last: number }[] }[]).find((x) => x.entity === ENTITY)!.buckets;
    expect(buckets.map((b) => b.last)).toEqual(past.map((p) => p.value));

    // 3. live: the next readings arrive as deltas numbered from the snapshot's seq on, none missing
    deltas.length = 0;
    for (let i = 1; i <= 3; i++) {
      expect(
        (await server.post('/api/v1/ingest', { points: [{ metric: 'rainfall', entity: ENTITY, time: Date.now(), value: 10 + i }] }, bpbd)).status,
      ).toBe(202);
      await waitFor(`delta ${i}`, () => deltas.some((d) => d.points.some((p) => p.v === 10 + i)));
    }
    expect(deltas[0]!.seq).toBe(seq + 1);
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => seq + 1 + i));
    expect(deltas.flatMap((d) => d.points.filter((p) => p.s === mine.id).map((p) => p.v))).toEqual([11, 12, 13]);
    s.disconnect();
  });

  it('a crowd shares one query per metric and receives the same bytes', async () => {
    const sockets = Array.from({ length: 20 }, () => server.socket('/public'));
    await Promise.all(sockets.map(connected));
    const spy = spyOnQueries(server.storage.pool);
    let acks: Ack<Snapshot>[];
    try {
      acks = await Promise.all(sockets.map((s) => ask<Snapshot>(s, 'series:subscribe', { metrics: ['water_level'], historyMinutes: 0 })));
    } finally {
      spy.restore();
    }
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(spy.queries.filter((q) => q.includes('FROM series WHERE metric = ANY')).length).toBeLessThanOrEqual(1);
    const texts = new Set(acks.map((a) => (a.ok ? JSON.stringify(a.data.metrics) : '')));
    expect(texts.size).toBe(1);
    for (const s of sockets) s.disconnect();
  });
});
