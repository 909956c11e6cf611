import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { fanout, messagesFor, textFrame, type FanoutMessage, type FanoutReport } from '../../server/realtime/fanout';
import { preEncode, preEncodingParser } from '../../server/realtime/preencoded';

/** ws's own framing (what socket.io's adapter pre-computes for its broadcasts), the reference. */
const wsFrame = async (payload: Buffer): Promise<Buffer> => {
  const ws = (await import('ws')) as unknown as { default: { Sender: { frame(d: Buffer, o: object): Buffer[] } } };
  return Buffer.concat(ws.default.Sender.frame(payload, { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true }));
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

describe('fanout over real socket.io: one packet per socket, every frame as a broadcast per room would send it', () => {
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

  it('delivers each socket the messages of its rooms, in order, in one engine.io packet, never to `except`', async () => {
    const got: Record<string, [string, unknown][]> = { ab: [], a: [], c: [], slow: [] };
    for (const [i, name] of ['ab', 'a', 'c', 'slow'].entries()) clients[i]!.onAny((event: string, msg: unknown) => got[name]!.push([event, msg]));
    const packets: Record<string, number> = { ab: 0, a: 0, c: 0, slow: 0 };
    for (const name of Object.keys(packets)) server[name]!.conn.on('packetCreate', (p: { type: string }) => p.type === 'message' && packets[name]!++);
    // a shared snapshot-like value pre-encoded once, as the hub's views are
    const shared = preEncode({ metric: 'rainfall', series: [{ id: 1, name: 'Pos "Cikapundung"' }] });
    const msgs: FanoutMessage[] = [
      { room: 'a', event: 'points:appended', payload: { metric: 'water_level', seq: 1, points: [{ s: 1, t: 5, v: 1.5 }] }, volatile: false },
      { room: 'b', event: 'points:appended', payload: { ...shared, seq: 7 }, volatile: false },
      { room: 'c', event: 'events:changed', payload: { kind: 'flood', seq: 3, events: [] }, volatile: false },
      { room: 'a', event: 'points:appended', payload: { metric: 'water_level', seq: 2, points: [] }, volatile: false },
    ];
    const reports: FanoutReport[] = [];
    fanout(nsp, msgs, [server.slow!.id], (r) => reports.push(r));
    await new Promise((r) => setTimeout(r, 200));
    const as = (i: number) => [msgs[i]!.event, JSON.parse(JSON.stringify(msgs[i]!.payload))];
    expect(got.ab).toEqual([as(0), as(1), as(3)]);
    expect(got.a).toEqual([as(0), as(3)]);
    expect(got.c).toEqual([as(2)]);
    expect(got.slow).toEqual([]);
    expect(packets).toEqual({ ab: 1, a: 1, c: 1, slow: 0 });
    expect(reports).toHaveLength(1);
    expect(reports[0]!.frames).toBe(3 + 2 + 1);
  });
});
