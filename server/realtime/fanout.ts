/**
 * Fan-out to a namespace of identical (anonymous) sockets in at most ONE write per socket per delivery, written
 * in slices that leave the event loop free between them (`createFanout`, below) (issue 18, benchmarks).
 * socket.io's broadcast encodes a message once and pre-frames it for `ws`, but each room's
 * message is still one engine.io packet, one `ws` frame and one `writev` system call per socket; the kernel's
 * `writev` was half of the server's busy time at 1,000 `/public` clients (V8 profile, docs/benchmarks.md). When
 * the simulator's readings land, nine publik metrics deliver at once: 9,000 writes, ~400 ms of a blocked event
 * loop on this box, and a marker landing behind them waited for all of it (the p99).
 *
 * Here the messages of one delivery (every room the hub delivered in one go) are each encoded once, framed once,
 * and the frames a socket must get are concatenated into one buffer handed to engine.io as the packet's
 * pre-encoded websocket frame (the same hook socket.io's adapter uses for its pre-framed broadcasts), or written
 * to the socket's TCP connection directly when nothing else is on its way to it (see `write` below): one
 * write per socket, whatever the number of rooms. Sockets that are in the same rooms share the buffer. The
 * client sees exactly the frames a broadcast per room would have sent, in the same order (a unit test compares
 * the bytes), because a websocket stream is a sequence of frames whatever the TCP segments carrying them.
 *
 * Only this process's sockets (every process delivers every message to its own sockets, hub.ts), never the
 * `except` ones (slow consumers, outbound.ts); a volatile message is left out for a socket whose transport is
 * busy, as socket.io's volatile does. A socket not on a websocket (socket.io could fall back to polling if the
 * server allowed it) gets each message as its own packet.
 */
import type { Namespace, Socket } from 'socket.io';
import { PacketType } from 'socket.io-parser';

export interface FanoutMessage {
  room: string;
  event: string;
  payload: object;
  volatile: boolean;
}

/** What one delivery cost (benchmarks): the messages, how many frames left, and the write loop's duration. */
export interface FanoutReport {
  messages: readonly FanoutMessage[];
  /** Frames written, summed over sockets (one per message per socket that got it). */
  frames: number;
  /** Bytes of those frames. */
  bytes: number;
  ms: number;
}

/** Pure: an unmasked, final, uncompressed websocket text frame carrying `payload` (RFC 6455, 5.2). */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

/** What the fan-out needs of engine.io and socket.io internals (not in their public types). */
interface EngineTransport {
  name?: string;
  writable?: boolean;
  perMessageDeflate?: unknown;
  /** The `ws` WebSocket under a websocket transport, and its TCP socket. */
  socket?: { readyState?: number; _socket?: { destroyed?: boolean; writableLength?: number; write(b: Buffer): boolean } };
}
interface ClientInternals {
  conn: { readyState?: string; transport?: EngineTransport; writeBuffer?: unknown[] };
  writeToEngine(encoded: string[], opts: { preEncoded: true; volatile?: boolean; wsPreEncodedFrame?: Buffer[] }): void;
}

/** Pure: the indices of `messages` that go to a socket in `rooms`, volatile ones only when it can take them now. */
export function messagesFor(messages: readonly FanoutMessage[], inRoom: (room: string) => boolean, writable: boolean): number[] {
  const out: number[] = [];
  messages.forEach((m, i) => {
    if (inRoom(m.room) && (writable || !m.volatile)) out.push(i);
  });
  return out;
}

/** A `/public` fan-out that writes in slices (below). */
export interface Fanout {
  /** Queues one delivery (messages the hub delivered together) for this process's sockets in their rooms. */
  deliver(messages: readonly FanoutMessage[], except: readonly string[]): void;
  /** Writes what is queued for one socket now (before its subscribe answer, so nothing queued overtakes it). */
  flush(socketId: string): void;
  /** Sockets with frames queued. */
  pending(): number;
}

export interface FanoutOptions {
  /**
   * Longest run of writes before the event loop gets a turn (ms; default 2). Each await of an ingest request
   * (body, PostgreSQL, answer) waits up to one slice: at 8 ms the reading's send → emit was p50 35 ms at 5,000
   * clients, at 2 ms p50 5 ms, with the same CPU per frame.
   */
  sliceMs?: number;
  observe?: (r: FanoutReport) => void;
  /** How the next slice is scheduled (tests). */
  schedule?: (fn: () => void) => void;
}

/** One delivery in flight: what the report says once its last socket is written. */
interface Delivery {
  messages: readonly FanoutMessage[];
  frames: number;
  bytes: number;
  t0: number;
  left: number;
}

/**
 * The write loop, sliced (issue 18, quiet-box benchmark of 2026-12-06 evening). At 5,000 `/public` clients one
 * delivery's writes take ~70 ms of a blocked event loop; the ingest POST of the next reading, its PostgreSQL
 * answer and the handshakes of new citizens waited behind one or two of them (send → emit p99 210 ms of a
 * 252 ms p99). Now a delivery only queues each socket's frame (a few µs per socket: room check, shared
 * buffer) and the writes run in slices of `sliceMs` (2 ms), each followed by an event-loop turn, so I/O is served
 * between slices. What a socket has queued stays in order and leaves in ONE write: a delivery that lands while
 * the socket still waits is appended to its queue (and the socket keeps its place); one that lands after its
 * write queues it again at the end. A reading therefore waits at most one pass over the sockets with frames
 * queued, and under load deliveries merge per socket instead of each costing a write per socket.
 * The queue of one socket holds only what was delivered during one pass (each pass writes every queued
 * socket), so it cannot grow with what a client does; a client that does not read is the outbound guard's.
 */
export function createFanout(nsp: Namespace, opts: FanoutOptions = {}): Fanout {
  const sliceMs = opts.sliceMs ?? 2;
  const observe = opts.observe;
  const schedule = opts.schedule ?? ((fn: () => void) => void setImmediate(fn));
  /** Socket id → its frames in order (and, when observed, the deliveries they belong to); insertion order = write order. */
  const queue = new Map<string, { data: string; bufs: Buffer[]; of: Delivery[] | null }>();
  let scheduled = false;

  const done = (d: Delivery) => {
    if (--d.left === 0) observe?.({ messages: d.messages, frames: d.frames, bytes: d.bytes, ms: performance.now() - d.t0 });
  };
  const write = (id: string, data: string, bufs: Buffer[]) => {
    const socket: Socket | undefined = nsp.sockets.get(id);
    if (!socket) return;
    const client = socket.client as unknown as ClientInternals;
    if (client.conn.readyState !== 'open' || !client.conn.transport) return;
    // ws writes a pre-framed list of one buffer (or of exactly two, corked): several queued frames are joined.
    // (Two handed over as a list, to save the copy, measured no better: one 5,000-client run, p99 288 ms
    // against 186–224 ms; Node's writev path costs about what copying a few small frames does.)
    const frame = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
    // Straight to the TCP socket when nothing else is on its way to it: engine.io has no packet queued or in
    // flight and the kernel took everything written so far. The frame is a complete websocket frame and writes
    // to one socket keep their order, so the client reads exactly what engine.io would have sent, without
    // engine.io's per-packet work (a packet object, its events, a write callback, a new queue array), which was
    // the gap between the server's CPU per frame and the raw `ws` floor. Otherwise (engine.io busy, or a client
    // not reading) it goes through engine.io, where the outbound guard sees what queues up.
    const transport = client.conn.transport;
    const tcp = transport?.socket?._socket;
    if (
      transport?.writable === true &&
      (client.conn.writeBuffer?.length ?? 1) === 0 &&
      transport.socket?.readyState === 1 &&
      tcp &&
      !tcp.destroyed &&
      tcp.writableLength === 0
    ) {
      tcp.write(frame);
      return;
    }
    // one engine.io packet carrying every frame; `data` is what a non-websocket transport would send (never here)
    client.writeToEngine([data], { preEncoded: true, wsPreEncodedFrame: [frame] });
  };
  const writeOne = (id: string) => {
    const q = queue.get(id);
    if (!q) return;
    queue.delete(id);
    write(id, q.data, q.bufs);
    if (q.of) for (const d of q.of) done(d);
  };
  const slice = () => {
    scheduled = false;
    const end = performance.now() + sliceMs;
    let n = 0;
    // a fresh iterator each slice: processed sockets are deleted, so it starts at the first still queued
    for (const id of queue.keys()) {
      writeOne(id);
      if ((++n & 31) === 0 && performance.now() >= end) break;
    }
    if (queue.size > 0) {
      scheduled = true;
      schedule(slice);
    }
  };

  return {
    deliver(messages, except) {
      if (messages.length === 0) return;
      const t0 = performance.now();
      const encoder = (nsp.server as unknown as { encoder: { encode(p: object): unknown[] } }).encoder;
      // each message encoded once (socket.io packet, engine.io '4' message prefix) and framed once
      const encoded = messages.map((m) => {
        const out = encoder.encode({ type: PacketType.EVENT, data: [m.event, m.payload], nsp: nsp.name });
        if (out.length !== 1 || typeof out[0] !== 'string') throw new Error('fanout: a live message must encode to one text packet');
        return out[0];
      });
      const frames = encoded.map((text) => textFrame(Buffer.from(`4${text}`)));
      const skip = new Set(except);
      // the sockets of the rooms involved (local: every process delivers to its own sockets)
      const targets = new Set<string>();
      for (const m of messages) for (const id of nsp.adapter.rooms.get(m.room) ?? []) if (!skip.has(id)) targets.add(id);
      const d: Delivery = { messages, frames: 0, bytes: 0, t0, left: 1 };
      const joined = new Map<string, Buffer>();
      for (const id of targets) {
        const socket: Socket | undefined = nsp.sockets.get(id);
        if (!socket) continue;
        const client = socket.client as unknown as ClientInternals;
        const transport = client.conn.transport;
        if (client.conn.readyState !== 'open' || !transport) continue;
        const idx = messagesFor(messages, (room) => socket.rooms.has(room), transport.writable !== false);
        if (idx.length === 0) continue;
        d.frames += idx.length;
        if (transport.name !== 'websocket' || transport.perMessageDeflate) {
          // not a plain websocket: one ordinary pre-encoded packet per message, at once
          for (const i of idx) client.writeToEngine([encoded[i]!], { preEncoded: true, volatile: messages[i]!.volatile });
          continue;
        }
        const key = idx.join(',');
        let frame = joined.get(key);
        if (!frame) joined.set(key, (frame = idx.length === 1 ? frames[idx[0]!]! : Buffer.concat(idx.map((i) => frames[i]!))));
        d.bytes += frame.length;
        const q = queue.get(id);
        if (q) {
          q.bufs.push(frame);
          q.of?.push(d);
        } else queue.set(id, { data: encoded[idx[0]!]!, bufs: [frame], of: observe ? [d] : null });
        d.left++;
      }
      if (observe) done(d); // the enqueue's own count: reported now when no socket was queued
      if (!scheduled && queue.size > 0) {
        scheduled = true;
        schedule(slice);
      }
    },
    flush: writeOne,
    pending: () => queue.size,
  };
}
