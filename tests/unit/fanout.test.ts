import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { createFanout, messagesFor, textFrame, type FanoutMessage, type FanoutReport } from '../../server/realtime/fanout';
import { preEncode, preEncodingParser } from '../../server/realtime/preencoded';

/** ws's own framing (what socket.io's adapter pre-computes for its broadcasts), the reference. */
const wsFrame = async (payload: Buffer): Promise<Buffer> => {
  const ws = (await import('ws')) as unknown as { default: { Sender: { frame(d: Buffer, o: object): Buffer[] } } };
  return Buffer.concat(ws.default.Sender.frame(payload, { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true }));
};

/** Counts the TCP writes to one server socket's client (engine.io's and the fan-out's direct ones alike). */
const countWrites = (socket: Socket, onWrite: () => void): (() => void) => {
  const tcp = (socket.conn as unknown as { transport: { socket: { _socket: { write: (...a: unknown[]) => boolean } } } }).transport.socket._socket;
  const write = tcp.write;
  tcp.write = function (this: unknown, ...a: unknown[]) {
    onWrite();
    return write.apply(this, a);
  };
  return () => {
    tcp.write = write;
  };
};

describe('textFrame: a websocket text frame byte for byte as ws makes it', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])('payload of %i bytes', async (n) => {
    const payload = Buffer.alloc(n, 'x');
    expect(textFrame(payload).equals(await wsFrame(payload))).toBe(true);
  });
});

describe('messagesFor: which messages of a delivery a socket gets', () => {
  const msgs: FanoutMessage[] = [
    { room: 'a', event: 'e', payload: {}, volatile: false },
    { room: 'b', event: 'e', payload: {}, volatile: true },
    { room: 'c', event: 'e', payload: {}, volatile: false },
  ];
  const table: { name: string; rooms: string[]; writable: boolean; want: number[] }[] = [
    { name: 'in every room, transport free: all, in order', rooms: ['a', 'b', 'c'], writable: true, want: [0, 1, 2] },
    { name: 'in one room: that room only', rooms: ['c'], writable: true, want: [2] },
    { name: 'transport busy: the volatile one is left out', rooms: ['a', 'b', 'c'], writable: false, want: [0, 2] },
    { name: 'in no room: nothing', rooms: ['z'], writable: true, want: [] },
  ];
  it.each(table)('$name', ({ rooms, writable, want }) => {
    expect(messagesFor(msgs, (r) => rooms.includes(r), writable)).toEqual(want);
  });
});

describe('fanout over real socket.io: one write per socket, every frame as a broadcast per room would send it', () => {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], parser: preEncodingParser });
  const nsp = io.of('/public');
  const clients: ClientSocket[] = [];
  const server: Record<string, Socket> = {};
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/public`;
    nsp.on('connection', (s) => {
      const name = String(s.handshake.auth.name);
      server[name] = s;
      s.join(String(s.handshake.auth.rooms).split(','));
    });
    for (const [name, rooms] of [
      ['ab', 'a,b'],
      ['a', 'a'],
      ['c', 'c'],
      ['slow', 'a,b,c'],
    ] as const) {
      const c = connect(base, { transports: ['websocket'], forceNew: true, auth: { name, rooms } });
      clients.push(c);
      await new Promise<void>((r) => c.once('connect', () => r()));
    }
    await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await new Promise<void>((r) => io.close(() => r()));
  });

  it('delivers each socket the messages of its rooms, in order, in one TCP write, never to `except`', async () => {
    const got: Record<string, [string, unknown][]> = { ab: [], a: [], c: [], slow: [] };
    for (const [i, name] of ['ab', 'a', 'c', 'slow'].entries()) clients[i]!.onAny((event: string, msg: unknown) => got[name]!.push([event, msg]));
    const writes: Record<string, number> = { ab: 0, a: 0, c: 0, slow: 0 };
    const offs = Object.keys(writes).map((name) => countWrites(server[name]!, () => writes[name]!++));
    // a shared snapshot-like value pre-encoded once, as the hub's views are
    const shared = preEncode({ metric: 'rainfall', series: [{ id: 1, name: 'Pos "Cikapundung"' }] });
    const msgs: FanoutMessage[] = [
      { room: 'a', event: 'points:appended', payload: { metric: 'water_level', seq: 1, points: [{ s: 1, t: 5, v: 1.5 }] }, volatile: false },
      { room: 'b', event: 'points:appended', payload: { ...shared, seq: 7 }, volatile: false },
      { room: 'c', event: 'events:changed', payload: { kind: 'flood', seq: 3, events: [] }, volatile: false },
      { room: 'a', event: 'points:appended', payload: { metric: 'water_level', seq: 2, points: [] }, volatile: false },
    ];
    const reports: FanoutReport[] = [];
    createFanout(nsp, { observe: (r) => reports.push(r) }).deliver(msgs, [server.slow!.id]);
    await new Promise((r) => setTimeout(r, 200));
    const as = (i: number) => [msgs[i]!.event, JSON.parse(JSON.stringify(msgs[i]!.payload))];
    expect(got.ab).toEqual([as(0), as(1), as(3)]);
    expect(got.a).toEqual([as(0), as(3)]);
    expect(got.c).toEqual([as(2)]);
    expect(got.slow).toEqual([]);
    expect(writes).toEqual({ ab: 1, a: 1, c: 1, slow: 0 });
    offs.forEach((off) => off());
    expect(reports).toHaveLength(1);
    expect(reports[0]!.frames).toBe(3 + 2 + 1);
  });
  describe('the write loop in slices', () => {
    const names = ['ab', 'a', 'c', 'slow'] as const;
    const msg = (room: string, seq: number): FanoutMessage => ({
      room,
      event: 'points:appended',
      payload: { metric: room, seq, points: [] },
      volatile: false,
    });
    /** A fan-out whose slices run only when the test says. */
    const manual = (reports: FanoutReport[] = []) => {
      const slices: (() => void)[] = [];
      const f = createFanout(nsp, { sliceMs: 0, schedule: (fn) => slices.push(fn), observe: (r) => reports.push(r) });
      return { f, runSlice: () => slices.shift()?.(), slices };
    };
    const record = () => {
      const got: Record<string, number[]> = { ab: [], a: [], c: [], slow: [] };
      const writes: Record<string, number> = { ab: 0, a: 0, c: 0, slow: 0 };
      const offs: (() => void)[] = [];
      for (const [i, name] of names.entries()) {
        const onAny = (_e: string, m: { seq: number }) => got[name]!.push(m.seq);
        clients[i]!.onAny(onAny);
        const offWrites = countWrites(server[name]!, () => writes[name]!++);
        offs.push(() => {
          clients[i]!.offAny(onAny);
          offWrites();
        });
      }
      return { got, writes, off: () => offs.forEach((o) => o()) };
    };
    const settle = () => new Promise((r) => setTimeout(r, 150));

    it('queues at delivery and writes only in a slice; deliveries that land before it leave in one write, in order', async () => {
      const rec = record();
      const reports: FanoutReport[] = [];
      const { f, runSlice, slices } = manual(reports);
      f.deliver([msg('a', 10)], []);
      f.deliver([msg('b', 20), msg('a', 11)], []);
      expect(slices).toHaveLength(1); // one slice scheduled for both
      await settle();
      expect(rec.got.ab).toEqual([]); // nothing written before the slice
      expect(f.pending()).toBe(3); // ab, a and slow (no `except` here)
      runSlice();
      await settle();
      expect(rec.got.ab).toEqual([10, 20, 11]);
      expect(rec.got.a).toEqual([10, 11]);
      expect(rec.got.c).toEqual([]);
      expect(rec.writes).toEqual({ ab: 1, a: 1, c: 0, slow: 1 });
      expect(f.pending()).toBe(0);
      // each delivery is reported once, when its last socket was written
      expect(reports.map((r) => r.frames)).toEqual([3, 2 + 1 + 2]);
      rec.off();
    });

    it('three deliveries queued for one socket leave in one write, in order', async () => {
      const rec = record();
      const { f, runSlice } = manual();
      f.deliver([msg('c', 60)], []);
      f.deliver([msg('c', 61)], []);
      f.deliver([msg('c', 62), msg('a', 33)], []);
      runSlice();
      await settle();
      expect(rec.got.c).toEqual([60, 61, 62]);
      expect(rec.got.slow).toEqual([60, 61, 62, 33]);
      expect(rec.got.a).toEqual([33]);
      expect(rec.writes).toEqual({ ab: 1, a: 1, c: 1, slow: 1 });
      rec.off();
    });

    it('a delivery after a socket was written queues it again; flush writes one socket at once', async () => {
      const rec = record();
      const { f, runSlice } = manual();
      f.deliver([msg('a', 30)], [server.slow!.id]);
      runSlice();
      f.deliver([msg('a', 31)], [server.slow!.id]);
      f.deliver([msg('c', 40)], []);
      f.flush(server.a!.id); // a's 31 leaves now; ab still waits for the slice
      await settle();
      expect(rec.got.a).toEqual([30, 31]);
      expect(rec.got.ab).toEqual([30]);
      runSlice();
      await settle();
      expect(rec.got.ab).toEqual([30, 31]);
      expect(rec.got.c).toEqual([40]);
      expect(rec.got.slow).toEqual([40]);
      expect(rec.writes).toEqual({ ab: 2, a: 2, c: 1, slow: 1 });
      rec.off();
    });

    it('goes through engine.io, after what engine.io still has on its way, when the socket is busy', async () => {
      const order: string[] = [];
      const onAny = (e: string, m: { seq?: number }) => order.push(m?.seq === undefined ? e : `${e}:${m.seq}`);
      clients[1]!.onAny(onAny);
      const { f } = manual();
      f.deliver([msg('a', 70)], []);
      // engine.io is mid-write for this socket (hello-1's write has not called back yet) and holds hello-2 in its
      // queue: the delta must not overtake either
      (server.a!.emit as (e: string, m: object) => void)('hello-1', {});
      (server.a!.emit as (e: string, m: object) => void)('hello-2', {});
      f.flush(server.a!.id);
      f.deliver([msg('a', 71)], []);
      f.flush(server.a!.id);
      await settle();
      expect(order).toEqual(['hello-1', 'hello-2', 'points:appended:70', 'points:appended:71']);
      clients[1]!.offAny(onAny);
    });

    it('a slice stops at its time budget and the next one goes on from the first socket not written', async () => {
      // 40 more sockets in room z; sliceMs 0 and the budget looked at every 32 sockets: 32, then 8
      const crowd: ClientSocket[] = [];
      for (let i = 0; i < 40; i++) {
        const c = connect(base, { transports: ['websocket'], forceNew: true, auth: { name: `z${i}`, rooms: 'z' } });
        crowd.push(c);
        await new Promise<void>((r) => c.once('connect', () => r()));
      }
      await settle();
      const seen: number[] = [];
      crowd.forEach((c, i) => c.on('points:appended', () => seen.push(i)));
      const { f, runSlice, slices } = manual();
      f.deliver([msg('z', 1)], []);
      expect(f.pending()).toBe(40);
      runSlice();
      expect(f.pending()).toBe(8);
      expect(slices).toHaveLength(1);
      runSlice();
      expect(f.pending()).toBe(0);
      expect(slices).toHaveLength(0);
      await settle();
      expect(seen.sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
      for (const c of crowd) c.disconnect();
    });
  });
});
