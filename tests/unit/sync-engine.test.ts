/**
 * The client sync engine (client/lib/sync/engine.ts) against a fake socket, rules named (cf. tldraw's
 * TLSyncClient.test.ts), and a table of every applyDelta outcome for every store behind the one store interface.
 */
import { describe, expect, it } from 'vitest';
import type { Metric } from '@shared/catalog';
import type { WireAlert } from '@shared/alerts';
import type { MetricSnapshot, PointsAppended } from '@shared/contract';
import { batchOutcome, classifyDelta, SyncEngine, type DeltaResult, type SyncStatus } from '../../client/lib/sync/engine';
import { NoticesStore, noticesChannel } from '../../client/features/notices/store';
import { LiveStore } from '../../client/lib/live-store';
import { EventsStore } from '../../client/lib/events-store';
import { AlertsStore, alertsChannel } from '../../client/lib/alerts';
import { FeedsStore } from '../../client/lib/feed-health';
import { pointsChannel } from '../../client/lib/live-connection';
import { FakeSocket, tick } from '../support/fake-socket';

const METRIC: Metric = {
  code: 'water_level',
  domain: 'floods',
  ownerOpd: 'BPBD',
  class: 'publik',
  unit: 'cm',
  nameId: 'Tinggi air',
  nameEn: 'Water level',
  cadenceS: 10,
  thresholds: null,
};
const SERIES = { id: 1, metric: 'water_level', entity: 'PA-1', region: null, lon: null, lat: null };
const snap = (seq: number, v = 100): MetricSnapshot => ({
  metric: METRIC,
  seq,
  series: [{ ...SERIES, latest: { t: Date.now() - 1_000, v }, history: [] }],
});
const delta = (seq: number, v: number, volatile?: boolean): PointsAppended => ({
  metric: 'water_level',
  seq,
  series: [],
  points: [{ s: 1, t: Date.now() + seq, v }],
  ...(volatile ? { volatile } : {}),
});
const ack = (data: object) => ({ ok: true, data });
const snapshotAck = (seq: number, epoch = 'E1') => ack({ serverTime: Date.now(), metrics: [snap(seq)], epoch, resumed: [] });

function setup() {
  const sock = new FakeSocket();
  const store = new LiveStore();
  store.track('water_level');
  const engine = new SyncEngine(sock, [pointsChannel(store, ['water_level'])], { ackTimeoutMs: 1_000, retryDelayMs: 5, resyncIntervalMs: 60_000 });
  const st = () => store.get('water_level')!;
  const latest = () => st().series.get(1)?.latestV;
  return { sock, store, engine, st, latest };
}

describe('sync engine', () => {
  it('[S1] snapshot then delta: a connect subscribes, the snapshot is applied, the next seq applies', async () => {
    const { sock, st, latest, engine } = setup();
    sock.connect();
    expect(sock.requests).toEqual([
      expect.objectContaining({ event: 'series:subscribe', arg: expect.objectContaining({ metrics: ['water_level'] }) }),
    ]);
    expect(st().status).toBe('syncing');
    sock.answer(0, snapshotAck(5));
    await tick();
    expect(st()).toMatchObject({ status: 'live', seq: 5 });
    sock.push('points:appended', delta(6, 111));
    expect(st().seq).toBe(6);
    expect(latest()).toBe(111);
    engine.close();
  });

  it('[S2] gap → resubscribe: a delta past seq + 1 asks for a new snapshot', async () => {
    const { sock, st, engine } = setup();
    sock.connect();
    sock.answer(0, snapshotAck(5));
    await tick();
    sock.push('points:appended', delta(8, 1));
    expect(sock.requests).toHaveLength(2);
    expect(st().status).toBe('syncing');
    sock.answer(1, snapshotAck(8));
    await tick();
    expect(st()).toMatchObject({ status: 'live', seq: 8 });
    engine.close();
  });

  it('[S3] stale ignored: a delta at or below seq changes nothing', async () => {
    const { sock, st, latest, engine } = setup();
    sock.connect();
    sock.answer(0, snapshotAck(5));
    await tick();
    sock.push('points:appended', delta(5, 999));
    sock.push('points:appended', delta(3, 999));
    expect(st().seq).toBe(5);
    expect(latest()).toBe(100);
    expect(sock.requests).toHaveLength(1);
    engine.close();
  });

  it('[S4] queued during sync then replayed: deltas before the answer are applied after the snapshot, in order', async () => {
    const { sock, st, latest, engine } = setup();
    sock.connect();
    sock.push('points:appended', delta(7, 107));
    sock.push('points:appended', delta(5, 105)); // already in the snapshot
    sock.push('points:appended', delta(6, 106));
    sock.answer(0, snapshotAck(5));
    await tick();
    expect(st()).toMatchObject({ status: 'live', seq: 7 });
    expect(latest()).toBe(107);
    engine.close();
  });

  it('[S5] forbidden stops: no retry, data dropped; subscription:ended does the same while live', async () => {
    const { sock, st, engine } = setup();
    sock.connect();
    sock.answer(0, { ok: false, error: { code: 'forbidden', message: 'not shared' } });
    await new Promise((r) => setTimeout(r, 30));
    expect(st()).toMatchObject({ status: 'forbidden', error: 'forbidden' });
    expect(sock.requests).toHaveLength(1);

    const b = setup();
    b.sock.connect();
    b.sock.answer(0, snapshotAck(5));
    await tick();
    b.sock.push('subscription:ended', {
      channel: 'points',
      key: 'water_level',
      metric: 'water_level',
      code: 'forbidden',
      message: 'agreement ended',
    });
    expect(b.st()).toMatchObject({ status: 'forbidden', series: new Map() });
    await new Promise((r) => setTimeout(r, 30));
    expect(b.sock.requests).toHaveLength(1);
    engine.close();
    b.engine.close();
  });

  it('[S5b] forbidden stays hidden after a reconnect and through periodic resyncs; only resubscribe asks again', async () => {
    const sock = new FakeSocket();
    const store = new LiveStore();
    store.track('water_level');
    const engine = new SyncEngine(sock, [pointsChannel(store, ['water_level'])], { ackTimeoutMs: 1_000, retryDelayMs: 5, resyncIntervalMs: 10 });
    const st = () => store.get('water_level')!;
    sock.connect();
    sock.answer(0, { ok: false, error: { code: 'forbidden', message: 'not shared' } });
    await tick();
    expect(st().status).toBe('forbidden');
    sock.disconnect();
    sock.connect();
    await new Promise((r) => setTimeout(r, 40)); // several resync intervals
    expect(sock.requests).toHaveLength(1);
    expect(st()).toMatchObject({ status: 'forbidden', error: 'forbidden' });
    expect(engine.isRefused('points', 'water_level')).toBe(true);
    // ended while live (agreement revoked): the same after a reconnect
    engine.resubscribe('points', 'water_level');
    expect(sock.requests).toHaveLength(2);
    sock.answer(1, snapshotAck(5));
    await tick();
    // asked again and answered: no longer refused (the periodic resync, every 10 ms here, may already be
    // asking once more, so the status may be 'syncing' over the data it holds)
    expect(st()).toMatchObject({ seq: 5 });
    expect(st().status).not.toBe('forbidden');
    expect(engine.isRefused('points', 'water_level')).toBe(false);
    sock.push('subscription:ended', { channel: 'points', key: 'water_level', code: 'forbidden', message: 'agreement ended' });
    const asked = sock.requests.length;
    sock.disconnect();
    sock.connect();
    await new Promise((r) => setTimeout(r, 40));
    expect(sock.requests).toHaveLength(asked);
    expect(st().status).toBe('forbidden');
    engine.close();
  });

  it('[S6] an ack from an old epoch is discarded: an answer to a request of the previous connection changes nothing', async () => {
    const { sock, st, engine } = setup();
    sock.connect();
    sock.disconnect();
    sock.connect();
    expect(sock.requests).toHaveLength(2);
    sock.answer(0, snapshotAck(50)); // the first connection's answer arrives late
    await tick();
    expect(st().status).toBe('syncing');
    sock.answer(1, snapshotAck(7));
    await tick();
    expect(st()).toMatchObject({ status: 'live', seq: 7 });
    engine.close();
  });

  it('[S7] reconnect resumes: the held seq and hub epoch are sent; a resumed answer keeps the data and the missed deltas follow', async () => {
    const { sock, st, latest, engine } = setup();
    sock.connect();
    sock.answer(0, snapshotAck(5, 'E1'));
    await tick();
    sock.disconnect();
    expect(st().status).toBe('idle');
    sock.connect();
    expect(sock.requests[1]!.arg).toMatchObject({ since: { epoch: 'E1', seqs: { water_level: 5 } } });
    sock.answer(1, ack({ serverTime: Date.now(), metrics: [], epoch: 'E1', resumed: ['water_level'] }));
    await tick();
    expect(st()).toMatchObject({ status: 'live', seq: 5 });
    sock.push('points:appended', delta(6, 106));
    expect(latest()).toBe(106);
    engine.close();
  });

  it('[S8] a timeout retries while connected, keeping the data', async () => {
    const { sock, st, engine } = setup();
    sock.connect();
    sock.timeoutRequest(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(sock.requests).toHaveLength(2); // marked unavailable, then asked again after retryDelayMs
    expect(st().status).toBe('syncing');
    engine.close();
    expect(sock.listenerCount()).toBe(0);
  });

  it('[S9] a volatile delta past a gap is applied without a resubscribe (positions need no history)', async () => {
    const { sock, st, latest, engine } = setup();
    sock.connect();
    sock.answer(0, snapshotAck(5));
    await tick();
    sock.push('points:appended', delta(9, 109, true));
    expect(st().seq).toBe(9);
    expect(latest()).toBe(109);
    expect(sock.requests).toHaveLength(1);
    engine.close();
  });

  it('[S11] a message standing for several (prev) applies without a resubscribe; one whose prev is past the held seq is a gap', async () => {
    const { sock, st, latest, engine } = setup();
    sock.connect();
    sock.answer(0, snapshotAck(5));
    await tick();
    // /public: seqs 6..9 merged (or 6..8 had nothing for citizens), sent as 9 following 5
    sock.push('points:appended', { ...delta(9, 109), prev: 5 });
    expect(st()).toMatchObject({ status: 'live', seq: 9 });
    expect(latest()).toBe(109);
    expect(sock.requests).toHaveLength(1);
    // queued while syncing, replayed after the snapshot by the same rule
    sock.push('points:appended', { ...delta(14, 114), prev: 12 });
    expect(sock.requests).toHaveLength(2);
    sock.push('points:appended', { ...delta(16, 116), prev: 12 }); // overlaps the snapshot's 13
    sock.answer(1, snapshotAck(13));
    await tick();
    expect(st()).toMatchObject({ status: 'live', seq: 16 });
    expect(latest()).toBe(116);
    expect(sock.requests).toHaveLength(2);
    engine.close();
  });

  it('[S10] alerts: pushes before the snapshot are replayed after it; a reconnect resumes the scope by its name', async () => {
    const sock = new FakeSocket();
    const store = new AlertsStore();
    const engine = new SyncEngine(sock, [alertsChannel(store)], { retryDelayMs: 5 });
    const alert = (id: number, lastTime: number): WireAlert => ({
      id,
      seriesId: 1,
      metric: 'water_level',
      entity: 'PA-1',
      level: 'siaga',
      openedAt: 1,
      lastTime,
      lastValue: 200,
      clearedAt: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      note: null,
    });
    sock.connect();
    sock.push('alerts:changed', { scope: 'BPBD', seq: 3, alerts: [alert(2, 10)] });
    sock.answer(0, ack({ serverTime: 0, scope: 'BPBD', seq: 2, alerts: [alert(1, 5)], epoch: 'E', resumed: [] }));
    await tick();
    expect(
      store
        .list()
        .map((a) => a.id)
        .sort(),
    ).toEqual([1, 2]);
    expect(store.seq).toBe(3);
    sock.disconnect();
    sock.connect();
    expect(sock.requests[1]).toMatchObject({ event: 'alerts:subscribe', arg: { since: { epoch: 'E', seqs: { BPBD: 3 } } } });
    engine.close();
  });
});

/** Three metrics and the notices on one engine that batches (the citizen page's shape), at most `maxItems` per request. */
function setupBatch(maxItems = 16) {
  const sock = new FakeSocket();
  const store = new LiveStore();
  const codes = ['water_level', 'rainfall', 'traffic_speed'];
  for (const c of codes) store.track(c);
  const notices = new NoticesStore();
  const engine = new SyncEngine(sock, [pointsChannel(store, codes), noticesChannel(notices)], {
    ackTimeoutMs: 1_000,
    retryDelayMs: 5,
    resyncIntervalMs: 60_000,
    batch: { event: 'channels:subscribe', maxItems },
  });
  const metricAck = (code: string, seq: number) =>
    ack({ serverTime: Date.now(), metrics: [{ ...snap(seq), metric: { ...METRIC, code } }], epoch: 'E1', resumed: [] });
  const noticesAck = (seq: number) => ack({ serverTime: Date.now(), seq, notices: [], epoch: 'E1', resumed: [] });
  return { sock, store, notices, engine, metricAck, noticesAck, codes };
}

describe('sync engine, batched subscribe (channels:subscribe)', () => {
  it('[B1] a connect sends one request for every key; each item is answered alone and a forbidden item fails alone', async () => {
    const { sock, store, notices, engine, metricAck, noticesAck } = setupBatch();
    sock.connect();
    await tick();
    expect(sock.requests).toHaveLength(1);
    expect(sock.requests[0]).toMatchObject({
      event: 'channels:subscribe',
      arg: {
        items: [
          { channel: 'points', request: { metrics: ['water_level'] } },
          { channel: 'points', request: { metrics: ['rainfall'] } },
          { channel: 'points', request: { metrics: ['traffic_speed'] } },
          { channel: 'notices', request: {} },
        ],
      },
    });
    sock.answer(
      0,
      ack({
        results: [
          metricAck('water_level', 5),
          { ok: false, error: { code: 'forbidden', message: 'no' } },
          metricAck('traffic_speed', 9),
          noticesAck(3),
        ],
      }),
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(store.get('water_level')).toMatchObject({ status: 'live', seq: 5 });
    expect(store.get('rainfall')).toMatchObject({ status: 'forbidden' });
    expect(store.get('traffic_speed')).toMatchObject({ status: 'live', seq: 9 });
    expect(notices.resumableSeq()).toBe(3);
    expect(sock.requests).toHaveLength(1); // forbidden is not asked again
    engine.close();
  });

  it('[B2] a reconnect resumes every key in one request, each with its own seq', async () => {
    const { sock, store, engine, metricAck, noticesAck } = setupBatch();
    sock.connect();
    await tick();
    sock.answer(0, ack({ results: [metricAck('water_level', 5), metricAck('rainfall', 6), metricAck('traffic_speed', 7), noticesAck(3)] }));
    await tick();
    sock.disconnect();
    sock.connect();
    await tick();
    expect(sock.requests).toHaveLength(2);
    const items = (sock.requests[1]!.arg as { items: { request: { since?: unknown } }[] }).items;
    expect(items.map((i) => i.request.since)).toEqual([
      { epoch: 'E1', seqs: { water_level: 5 } },
      { epoch: 'E1', seqs: { rainfall: 6 } },
      { epoch: 'E1', seqs: { traffic_speed: 7 } },
      { epoch: 'E1', seqs: { notices: 3 } },
    ]);
    const resumed = (key: string) => ack({ serverTime: Date.now(), metrics: [], seq: 3, notices: [], epoch: 'E1', resumed: [key] });
    sock.answer(1, ack({ results: [resumed('water_level'), resumed('rainfall'), resumed('traffic_speed'), resumed('notices')] }));
    await tick();
    expect(store.get('rainfall')).toMatchObject({ status: 'live', seq: 6 });
    engine.close();
  });

  it('[B3] an older server that does not know the batch: the items go one by one, and stay so', async () => {
    const { sock, store, engine, metricAck } = setupBatch();
    sock.connect();
    await tick();
    sock.answer(0, { ok: false, error: { code: 'not_found', message: "no such request 'channels:subscribe'" } });
    await tick();
    expect(sock.requests.slice(1).map((r) => r.event)).toEqual(['series:subscribe', 'series:subscribe', 'series:subscribe', 'notices:subscribe']);
    sock.answer(2, metricAck('rainfall', 4));
    await tick();
    expect(store.get('rainfall')).toMatchObject({ status: 'live', seq: 4 });
    sock.push('points:appended', { ...delta(9, 1), metric: 'rainfall' }); // a gap: asked again, alone
    await tick();
    expect(sock.requests.at(-1)).toMatchObject({ event: 'series:subscribe', arg: { metrics: ['rainfall'] } });
    engine.close();
  });

  it('[B4] a batch that times out or is refused as a whole retries every item, again as one request', async () => {
    const { sock, store, engine } = setupBatch();
    sock.connect();
    await tick();
    sock.timeoutRequest(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(sock.requests).toHaveLength(2);
    expect(sock.requests[1]!.event).toBe('channels:subscribe');
    expect((sock.requests[1]!.arg as { items: unknown[] }).items).toHaveLength(4);
    expect(store.get('water_level')!.status).toBe('syncing');
    sock.answer(1, { ok: false, error: { code: 'unavailable', message: 'slow down' } });
    await new Promise((r) => setTimeout(r, 30));
    expect(sock.requests).toHaveLength(3);
    expect(sock.requests[2]!.event).toBe('channels:subscribe');
    engine.close();
  });

  it('[B5] more keys than maxItems go in several requests; a lone key goes as its own channel request', async () => {
    const { sock, engine } = setupBatch(3);
    sock.connect();
    await tick();
    expect(sock.requests.map((r) => r.event)).toEqual(['channels:subscribe', 'notices:subscribe']);
    expect((sock.requests[0]!.arg as { items: unknown[] }).items).toHaveLength(3);
    engine.close();
  });

  it('[B6] an answer of an older connection is discarded', async () => {
    const { sock, store, engine, metricAck, noticesAck } = setupBatch();
    sock.connect();
    await tick();
    sock.disconnect();
    sock.connect();
    await tick();
    sock.answer(0, ack({ results: [metricAck('water_level', 50), metricAck('rainfall', 50), metricAck('traffic_speed', 50), noticesAck(50)] }));
    await tick();
    expect(store.get('water_level')!.status).toBe('syncing');
    sock.answer(1, ack({ results: [metricAck('water_level', 5), metricAck('rainfall', 5), metricAck('traffic_speed', 5), noticesAck(5)] }));
    await tick();
    expect(store.get('water_level')).toMatchObject({ status: 'live', seq: 5 });
    engine.close();
  });
});

describe('batchOutcome (what a batch answer says of its items)', () => {
  const item = { ok: true, data: {} };
  it.each([
    ['every item answered', { ok: true, data: { results: [item, item] } }, 2, { kind: 'items', results: [item, item] }],
    ['an older server does not know the event', { ok: false, error: { code: 'not_found', message: 'x' } }, 2, { kind: 'fallback' }],
    ['refused as a whole (rate)', { ok: false, error: { code: 'unavailable', message: 'x' } }, 2, { kind: 'failed', code: 'unavailable' }],
    ['refused as a whole (malformed)', { ok: false, error: { code: 'invalid', message: 'x' } }, 2, { kind: 'failed', code: 'invalid' }],
    ['fewer results than items', { ok: true, data: { results: [item] } }, 2, { kind: 'failed', code: 'internal' }],
    ['no results list', { ok: true, data: {} }, 1, { kind: 'failed', code: 'internal' }],
    ['not an acknowledgement', 'garbage', 1, { kind: 'failed', code: 'internal' }],
    ['an unknown error code', { ok: false, error: { code: 'boom', message: 'x' } }, 1, { kind: 'failed', code: 'internal' }],
  ] as const)('%s', (_name, res, n, expected) => {
    expect(batchOutcome(res, n)).toEqual(expected);
  });
});

describe('classifyDelta with prev: a delta standing for every seq after prev', () => {
  it.each([
    ['live', 5, 8, 5, 'applied'], // follows exactly what is held
    ['live', 5, 8, 3, 'applied'], // overlaps what is held (a catch-up overtook it)
    ['live', 5, 8, 6, 'gap'], // seq 6 is missing
    ['live', 5, 5, 3, 'stale'],
    ['live', 5, 6, 5, 'applied'], // prev = seq − 1: the same as without
    ['syncing', 5, 8, 6, 'queued'],
    ['idle', 5, 8, 5, 'ignored'],
  ] as [SyncStatus, number, number, number, DeltaResult][])('%s at seq %i, delta %i after %i → %s', (status, seq, msgSeq, prev, expected) => {
    expect(classifyDelta(status, seq, msgSeq, false, prev)).toBe(expected);
  });
});

describe('classifyDelta (every store decides with it)', () => {
  it.each([
    [undefined, 5, 6, false, 'ignored'],
    ['idle', 5, 6, false, 'ignored'],
    ['forbidden', 5, 6, false, 'ignored'],
    ['error', 5, 6, false, 'ignored'],
    ['syncing', 5, 6, false, 'queued'],
    ['live', 5, 5, false, 'stale'],
    ['live', 5, 4, false, 'stale'],
    ['live', 5, 6, false, 'applied'],
    ['live', 5, 8, false, 'gap'],
    ['live', 5, 8, true, 'applied'],
    ['live', 5, 4, true, 'stale'],
  ] as [SyncStatus | undefined, number, number, boolean, DeltaResult][])(
    '%s at seq %i, delta %i (volatile %s) → %s',
    (status, seq, msgSeq, volatile, expected) => {
      expect(classifyDelta(status, seq, msgSeq, volatile)).toBe(expected);
    },
  );
});

/** Every outcome of applyDelta, for each of the four stores behind the one interface. */
const kinds = {
  code: 'complaint',
  domain: 'complaints',
  ownerOpd: 'DISKOMINFO',
  class: 'publik',
  nameId: 'Aduan',
  nameEn: 'Complaint',
  statuses: ['received', 'resolved'],
  closedStatuses: ['resolved'],
} as never;
interface Probe {
  track(): void;
  begin(): void;
  live(seq: number): unknown;
  fail(): void;
  apply(seq: number): DeltaResult;
}
const stores: Record<'points' | 'events' | 'alerts' | 'feeds', () => Probe> = {
  points: () => {
    const s = new LiveStore();
    return {
      track: () => s.track('water_level'),
      begin: () => s.beginSync('water_level'),
      live: (seq: number) => s.applySnapshot(snap(seq)),
      fail: () => s.markFailed('water_level', 'forbidden'),
      apply: (seq: number) => s.applyDelta(delta(seq, 1)),
    };
  },
  events: () => {
    const s = new EventsStore();
    return {
      track: () => s.track('complaint'),
      begin: () => s.beginSync('complaint'),
      live: (seq: number) => s.applySnapshot({ serverTime: 0, kinds: [{ kind: kinds, seq, open: [], countsByStatus: {} }] }),
      fail: () => s.markFailed('complaint', 'forbidden'),
      apply: (seq: number) => s.applyDelta({ kind: 'complaint', seq, events: [] }),
    };
  },
  alerts: () => {
    const s = new AlertsStore();
    return {
      track: () => {},
      begin: () => s.beginSync(),
      live: (seq: number) => s.applySnapshot('mine', { serverTime: 0, scope: 'all', seq, alerts: [] }),
      fail: () => s.markFailed('mine', 'forbidden'),
      apply: (seq: number) => s.applyDelta({ scope: 'all', seq, alerts: [] }),
    };
  },
  feeds: () => {
    const s = new FeedsStore();
    return {
      track: () => {},
      begin: () => s.beginSync(),
      live: (seq: number) => s.applySnapshot('all', { serverTime: 0, seq, feeds: [] }),
      fail: () => s.markFailed('all', 'forbidden'),
      apply: (seq: number) => s.applyDelta({ seq, feeds: [] }),
    };
  },
};

describe.each(Object.keys(stores) as (keyof typeof stores)[])('applyDelta outcomes: %s store', (name) => {
  it.each([
    ['applied: the next seq while live', (s: Probe) => (s.live(5), s.apply(6)), 'applied'],
    ['queued: while a subscription is in flight', (s: Probe) => (s.track(), s.begin(), s.apply(6)), 'queued'],
    ['stale: at or below seq', (s: Probe) => (s.live(5), s.apply(5)), 'stale'],
    ['gap: past seq + 1', (s: Probe) => (s.live(5), s.apply(7)), 'gap'],
    ['ignored: after forbidden', (s: Probe) => (s.live(5), s.fail(), s.apply(6)), 'ignored'],
  ])('%s', (_rule, run, expected) => {
    expect(run(stores[name]())).toBe(expected);
  });
});
