/** The hub (server/realtime/hub.ts): numbering per room, coalescing per channel type, bounded catch-up history. */
import { describe, expect, it } from 'vitest';
import { createHub, HUB_HISTORY, missedSince, remember, type HubEnvelope } from '../../server/realtime/hub';

async function harness() {
  const sent: HubEnvelope[] = [];
  const hub = await createHub({ tickMs: 60_000 /* flushed by hand */, sink: (env) => sent.push(env) });
  hub.define('points', (a, b) => ({ points: [...(a as { points: number[] }).points, ...(b as { points: number[] }).points] }));
  hub.define('alerts', (a, b) => ({ alerts: [...(a as { alerts: number[] }).alerts, ...(b as { alerts: number[] }).alerts] }));
  return { hub, sent };
}

describe('hub', () => {
  it('coalesces everything published to a room in a tick into one message with the next number', async () => {
    const { hub, sent } = await harness();
    hub.publish('points', 'metric:water_level', { points: [1] });
    hub.publish('points', 'metric:water_level', { points: [2] });
    hub.publish('points', 'metric:rainfall', { points: [3] });
    hub.publish('alerts', 'alerts', { alerts: [7] });
    await hub.flush();
    expect(sent.map((e) => [e.room, e.seq, e.data])).toEqual([
      ['metric:water_level', 1, { points: [1, 2] }],
      ['metric:rainfall', 1, { points: [3] }],
      ['alerts', 1, { alerts: [7] }],
    ]);
    await hub.flush();
    expect(sent).toHaveLength(3); // nothing new, nothing sent
    await hub.close();
  });

  it('delivers the rooms that become due in the same turn together: one batch, one write per socket downstream', async () => {
    const batches: string[][] = [];
    const hub = await createHub({ tickMs: 60_000, sink: () => {}, batchSink: (envs) => batches.push(envs.map((e) => `${e.room}#${e.seq}`)) });
    hub.define('points', (a) => a);
    // the simulator's readings: several metrics published in one turn
    for (const m of ['water_level', 'rainfall', 'traffic_speed']) hub.publish('points', `metric:${m}`, { points: [1] });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([['metric:water_level#1', 'metric:rainfall#1', 'metric:traffic_speed#1']]);
    // a later turn is a delivery of its own
    hub.publish('points', 'metric:rainfall', { points: [2] });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([['metric:water_level#1', 'metric:rainfall#1', 'metric:traffic_speed#1'], ['metric:rainfall#2']]);
    await hub.close();
  });

  it('sends a quiet room at once (after the I/O turn), coalescing what was published in that turn', async () => {
    const { hub, sent } = await harness();
    hub.publish('points', 'metric:water_level', { points: [1] });
    hub.publish('points', 'metric:water_level', { points: [2] });
    expect(sent).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(sent.map((e) => [e.seq, e.data])).toEqual([[1, { points: [1, 2] }]]);
    // within the room's burst the next one goes at once too, though the tick (60 s here) has not passed
    hub.publish('points', 'metric:water_level', { points: [3] });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(sent.map((e) => e.seq)).toEqual([1, 2]);
    await hub.close();
  });

  it('numbers per room and replays what a late subscriber missed', async () => {
    const { hub } = await harness();
    for (let i = 1; i <= 5; i++) {
      hub.publish('points', 'metric:water_level', { points: [i] });
      await hub.flush();
    }
    expect(hub.seq('metric:water_level')).toBe(5);
    expect(hub.since('metric:water_level', 3)!.map((m) => m.seq)).toEqual([4, 5]);
    expect(hub.since('metric:water_level', 5)).toEqual([]);
    expect(hub.since('metric:rainfall', 0)).toEqual([]);
    await hub.close();
  });

  it('says when it no longer holds what was missed, or when the client is ahead (another epoch): a snapshot follows', async () => {
    const { hub } = await harness();
    for (let i = 1; i <= HUB_HISTORY + 8; i++) {
      hub.publish('points', 'metric:water_level', { points: [i] });
      await hub.flush();
    }
    expect(hub.since('metric:water_level', 1)).toBeNull();
    expect(hub.since('metric:water_level', 30)!.length).toBe(HUB_HISTORY + 8 - 30);
    expect(hub.since('metric:water_level', 1_000)).toBeNull();
    await hub.close();
  });

  it('keeps volatile only when every coalesced part was volatile', async () => {
    const { hub, sent } = await harness();
    hub.publish('points', 'metric:truck', { points: [1] }, { volatile: true });
    hub.publish('points', 'metric:truck', { points: [2] }, { volatile: true });
    await hub.flush();
    hub.publish('points', 'metric:truck', { points: [3] }, { volatile: true });
    hub.publish('points', 'metric:truck', { points: [4] });
    await hub.flush();
    expect(sent.map((e) => e.volatile)).toEqual([true, false]);
    await hub.close();
  });
});

const env = (seq: number): HubEnvelope => ({ channel: 'points', room: 'r', seq, volatile: false, data: {} });

describe('remember / missedSince (pure)', () => {
  it.each([
    ['in order: appended', { seq: 2, sent: [env(1), env(2)] }, env(3), [1, 2, 3], 3],
    ['a duplicate (re-read): ignored', { seq: 2, sent: [env(1), env(2)] }, env(2), [1, 2], 2],
    ['a jump (this process started late): history restarts', { seq: 2, sent: [env(1), env(2)] }, env(9), [9], 9],
  ])('%s', (_name, state, e, seqs, seq) => {
    const next = remember(state, e, 4);
    expect(next.sent.map((m) => m.seq)).toEqual(seqs);
    expect(next.seq).toBe(seq);
  });
  it('is bounded', () => {
    let s = { seq: 0, sent: [] as HubEnvelope[] };
    for (let i = 1; i <= 10; i++) s = remember(s, env(i), 4);
    expect(s.sent.map((m) => m.seq)).toEqual([7, 8, 9, 10]);
    expect(missedSince(s, 6)!.map((m) => m.seq)).toEqual([7, 8, 9, 10]);
    expect(missedSince(s, 5)).toBeNull();
    expect(missedSince(undefined, 0)).toEqual([]);
    expect(missedSince(undefined, 3)).toBeNull();
  });
});
