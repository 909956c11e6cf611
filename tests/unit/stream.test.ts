import { describe, expect, it } from 'vitest';
import type { EventsChanged, PointsAppended } from '../../shared/contract';
import { createStream } from '../../server/realtime/stream';

function harness() {
  const sent: { room: string; msg: PointsAppended }[] = [];
  const events: { room: string; msg: EventsChanged }[] = [];
  const stream = createStream({
    tickMs: 60_000, // flushed by hand
    sink: { points: (room, msg) => sent.push({ room, msg }), events: (room, msg) => events.push({ room, msg }) },
  });
  return { stream, sent, events };
}

describe('stream hub', () => {
  it('coalesces everything published in a tick into one message per metric', () => {
    const { stream, sent } = harness();
    stream.publishPoints('water_level', [{ s: 1, t: 1, v: 1 }], [{ id: 1, metric: 'water_level', entity: 'A', region: null, lon: null, lat: null }]);
    stream.publishPoints('water_level', [{ s: 1, t: 2, v: 2 }], []);
    stream.publishPoints('rainfall', [{ s: 2, t: 1, v: 0 }], []);
    stream.flush();
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual({
      room: 'metric:water_level',
      msg: {
        metric: 'water_level',
        seq: 1,
        series: [expect.objectContaining({ id: 1 })],
        points: [
          { s: 1, t: 1, v: 1 },
          { s: 1, t: 2, v: 2 },
        ],
      },
    });
    expect(sent[1]!.room).toBe('metric:rainfall');
    stream.flush();
    expect(sent).toHaveLength(2); // nothing new, nothing sent
    stream.close();
  });

  it('sends a quiet channel at once (after the I/O turn), coalescing what was published in that turn', async () => {
    const { stream, sent } = harness();
    stream.publishPoints('water_level', [{ s: 1, t: 1, v: 1 }], []);
    stream.publishPoints('water_level', [{ s: 1, t: 2, v: 2 }], []);
    expect(sent).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(sent.map((x) => x.msg.points.length)).toEqual([2]);
    // within the burst: the next one goes at once too, though the tick (60 s here) has not passed
    stream.publishPoints('water_level', [{ s: 1, t: 3, v: 3 }], []);
    await new Promise((r) => setImmediate(r));
    expect(sent.map((x) => x.msg.seq)).toEqual([1, 2]);
    stream.close();
  });

  it('numbers messages per metric and replays what a late subscriber missed', () => {
    const { stream } = harness();
    for (let i = 1; i <= 5; i++) {
      stream.publishPoints('water_level', [{ s: 1, t: i, v: i }], []);
      stream.flush();
    }
    expect(stream.pointsSeq('water_level')).toBe(5);
    expect(stream.pointsSince('water_level', 3)!.map((m) => m.seq)).toEqual([4, 5]);
    expect(stream.pointsSince('water_level', 5)).toEqual([]);
    expect(stream.pointsSince('rainfall', 0)).toEqual([]);
    stream.close();
  });

  it('says when it no longer holds what was missed, so the client resyncs', () => {
    const { stream } = harness();
    for (let i = 1; i <= 40; i++) {
      stream.publishPoints('water_level', [{ s: 1, t: i, v: i }], []);
      stream.flush();
    }
    expect(stream.pointsSince('water_level', 1)).toBeNull();
    expect(stream.pointsSince('water_level', 30)!.length).toBe(10);
    stream.close();
  });

  it('streams event changes per kind', () => {
    const { stream, events } = harness();
    stream.publishEvents('complaint', [{ kind: 'complaint', id: 'A', status: 'received', t: 1, category: null, region: null, lon: null, lat: null }]);
    stream.publishEvents('complaint', []);
    stream.flush();
    expect(events).toEqual([{ room: 'events:complaint', msg: expect.objectContaining({ kind: 'complaint', seq: 1 }) }]);
    stream.close();
  });
});
