/**
 * Issue 18 (connection storm): the citizen page's ten subscriptions (nine metrics and the notices) go out as one
 * `channels:subscribe` request. Each item takes the generic subscribe path of its channel: parsed, authorised
 * and answered as if it had come alone (a refused item fails alone), its room joined after the one answer, and
 * its deltas continue from its snapshot's seq. The request is bounded in items and counted against the socket's
 * subscribe budget item by item.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { BatchSubscribeAnswer, PointsAppended, Snapshot } from '../../shared/contract';
import { MAX_BATCH_ITEMS } from '../../shared/schemas';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(10_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

const ENTITY = `RAIN-BATCH-${process.pid}`;

let server: TestServer;
let bpbd: string;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { streamTickMs: 20 });
  bpbd = await server.key('BPBD');
  const res = await server.post('/api/v1/ingest', { points: [{ metric: 'rainfall', entity: ENTITY, time: Date.now() - 60_000, value: 1.5 }] }, bpbd);
  expect(res.status).toBe(202);
});
afterAll(async () => server?.close());

describe('channels:subscribe (one request for the page)', () => {
  it('answers each item as its channel would alone; a refused item fails alone; deltas follow for the granted rooms', async () => {
    const s = server.socket('/public');
    const deltas: PointsAppended[] = [];
    s.on('points:appended', (m) => deltas.push(m));
    await connected(s);

    const res = await ask<BatchSubscribeAnswer>(s, 'channels:subscribe', {
      items: [
        { channel: 'points', request: { metrics: ['rainfall'], historyMinutes: 0 } },
        { channel: 'notices', request: {} },
        { channel: 'points', request: { metrics: ['truck_load'], historyMinutes: 0 } },
        { channel: 'no_such_channel', request: {} },
        { channel: 'points', request: { metrics: [] } },
      ],
    });
    if (!res.ok) throw new Error(res.error.message);
    const [rain, notices, terbatas, unknown, malformed] = res.data.results;
    expect(rain!.ok).toBe(true);
    const snap = (rain as unknown as { ok: true; data: Snapshot }).data;
    expect(snap.metrics[0]!.series.find((x) => x.entity === ENTITY)?.latest?.v).toBe(1.5);
    expect(typeof snap.epoch).toBe('string');
    expect(notices).toMatchObject({ ok: true, data: { notices: expect.any(Array), seq: expect.any(Number) } });
    // the same refusal as the single request gives
    const alone = await ask<Snapshot>(s, 'series:subscribe', { metrics: ['truck_load'] });
    expect(terbatas).toEqual(alone);
    expect(terbatas).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid' } });

    // the same content as the single request's snapshot (bar the time it was made)
    const other = server.socket('/public');
    await connected(other);
    const single = await ask<Snapshot>(other, 'series:subscribe', { metrics: ['rainfall'], historyMinutes: 0 });
    if (!single.ok) throw new Error(single.error.message);
    expect({ ...snap, serverTime: 0 }).toEqual({ ...single.data, serverTime: 0 });

    // the granted room is joined: the next reading arrives as the next seq; nothing of the refused one
    const seq = snap.metrics[0]!.seq;
    const truck = await server.key('DLH');
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'truck_load', entity: 'TRK-B', time: Date.now(), value: 3 }] }, truck)).status,
    ).toBe(202);
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'rainfall', entity: ENTITY, time: Date.now(), value: 2.5 }] }, bpbd)).status,
    ).toBe(202);
    await waitFor('the rainfall delta', () => deltas.some((d) => d.metric === 'rainfall' && d.points.some((p) => p.v === 2.5)));
    const rainDeltas = deltas.filter((d) => d.metric === 'rainfall');
    expect(rainDeltas[0]!.seq).toBe(seq + 1);
    expect(deltas.some((d) => d.metric === 'truck_load')).toBe(false);
    s.disconnect();
  });

  it('is bounded: too many items or a malformed request are refused whole, and items count against the socket budget', async () => {
    const s = server.socket('/public');
    await connected(s);
    const item = { channel: 'points', request: { metrics: ['rainfall'], historyMinutes: 0 } };
    const tooMany = await ask(s, 'channels:subscribe', { items: Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => item) });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await ask(s, 'channels:subscribe', { items: 'all' })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await ask(s, 'channels:subscribe', null)).toMatchObject({ ok: false, error: { code: 'invalid' } });
    // the socket's budget is 120 subscriptions a minute: 7 full batches (112 items, +3 refused ones) pass, the 8th does not
    for (let i = 0; i < 7; i++) {
      const r = await ask<BatchSubscribeAnswer>(s, 'channels:subscribe', { items: Array.from({ length: MAX_BATCH_ITEMS }, () => item) });
      expect(r.ok).toBe(true);
    }
    const over = await ask(s, 'channels:subscribe', { items: Array.from({ length: MAX_BATCH_ITEMS }, () => item) });
    expect(over).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    s.disconnect();
  });

  it('works on /live with the caller’s rights, item by item', async () => {
    const s = server.socket('/live', await server.token('operator'));
    await connected(s);
    const res = await ask<BatchSubscribeAnswer>(s, 'channels:subscribe', {
      items: [
        { channel: 'points', request: { metrics: ['truck_load'], historyMinutes: 0 } },
        { channel: 'alerts', request: {} },
      ],
    });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.results.map((r) => r.ok)).toEqual([true, true]);
    s.disconnect();
  });
});
