/**
 * The stream hub: written points and event changes come in as they commit; each metric's (and event kind's)
 * buffer goes out as one message with the next sequence number, at once while the channel is within its rate
 * (one message per tick on average, see pacing.ts), coalesced beyond it.
 * A short history of sent messages lets a new subscriber catch up between its snapshot and the room.
 */
import type { SeriesMeta } from '../../shared/catalog';
import type { EventsChanged, PointsAppended, WireEvent, WirePoint } from '../../shared/contract';
import { toRoomId } from '../../shared/rooms';
import { createPacer } from './pacing';

export interface StreamSink {
  points(roomId: string, msg: PointsAppended): void;
  events(roomId: string, msg: EventsChanged): void;
}

export interface Stream {
  publishPoints(metric: string, points: readonly WirePoint[], newSeries: readonly SeriesMeta[]): void;
  publishEvents(kind: string, events: readonly WireEvent[]): void;
  /** Sequence number of the last message sent for the metric. */
  pointsSeq(metric: string): number;
  eventsSeq(kind: string): number;
  /** Messages sent after `seq` (oldest first), or null if they are no longer held (the caller resyncs). */
  pointsSince(metric: string, seq: number): PointsAppended[] | null;
  eventsSince(kind: string, seq: number): EventsChanged[] | null;
  /** Sends what is buffered now (tests and shutdown). */
  flush(): void;
  close(): void;
}

const HISTORY = 32;

interface Channel<M> {
  seq: number;
  sent: M[];
}

export function createStream(opts: { tickMs: number; sink: StreamSink }): Stream {
  const pointBuf = new Map<string, { points: WirePoint[]; series: SeriesMeta[] }>();
  const eventBuf = new Map<string, WireEvent[]>();
  const pointCh = new Map<string, Channel<PointsAppended>>();
  const eventCh = new Map<string, Channel<EventsChanged>>();

  const channel = <M>(map: Map<string, Channel<M>>, key: string): Channel<M> => {
    let ch = map.get(key);
    if (!ch) map.set(key, (ch = { seq: 0, sent: [] }));
    return ch;
  };
  const remember = <M>(ch: Channel<M>, msg: M) => {
    ch.sent.push(msg);
    if (ch.sent.length > HISTORY) ch.sent.shift();
  };
  const since = <M extends { seq: number }>(ch: Channel<M> | undefined, seq: number): M[] | null => {
    if (!ch || ch.seq <= seq) return [];
    const first = ch.sent[0];
    if (!first || first.seq > seq + 1) return null;
    return ch.sent.filter((m) => m.seq > seq);
  };

  const sendPoints = (metric: string) => {
    const buf = pointBuf.get(metric);
    if (!buf) return;
    pointBuf.delete(metric);
    const ch = channel(pointCh, metric);
    const msg: PointsAppended = { metric, seq: ++ch.seq, series: buf.series, points: buf.points };
    remember(ch, msg);
    opts.sink.points(toRoomId({ type: 'metric', metric }), msg);
  };
  const sendEvents = (kind: string) => {
    const events = eventBuf.get(kind);
    if (!events) return;
    eventBuf.delete(kind);
    const ch = channel(eventCh, kind);
    const msg: EventsChanged = { kind, seq: ++ch.seq, events };
    remember(ch, msg);
    opts.sink.events(toRoomId({ type: 'events', kind }), msg);
  };
  let closed = false;
  const flush = () => {
    pacer.cancelAll();
    for (const metric of [...pointBuf.keys()]) sendPoints(metric);
    for (const kind of [...eventBuf.keys()]) sendEvents(kind);
  };
  // a channel within one message per tick (a burst of 3) sends at once; a busier one is coalesced
  const pacer = createPacer({ intervalMs: opts.tickMs, burst: 3 }, (key) => (key.startsWith('m:') ? sendPoints(key.slice(2)) : sendEvents(key.slice(2))));

  return {
    publishPoints(metric, points, newSeries) {
      if (points.length === 0 && newSeries.length === 0) return;
      let buf = pointBuf.get(metric);
      if (!buf) pointBuf.set(metric, (buf = { points: [], series: [] }));
      for (const p of points) buf.points.push(p);
      for (const s of newSeries) buf.series.push(s);
      if (!closed) pacer.due(`m:${metric}`);
    },
    publishEvents(kind, events) {
      if (events.length === 0) return;
      let buf = eventBuf.get(kind);
      if (!buf) eventBuf.set(kind, (buf = []));
      for (const e of events) buf.push(e);
      if (!closed) pacer.due(`e:${kind}`);
    },
    pointsSeq: (metric) => pointCh.get(metric)?.seq ?? 0,
    eventsSeq: (kind) => eventCh.get(kind)?.seq ?? 0,
    pointsSince: (metric, seq) => since(pointCh.get(metric), seq),
    eventsSince: (kind, seq) => since(eventCh.get(kind), seq),
    flush,
    close: () => {
      closed = true;
      pacer.cancelAll();
    },
  };
}
