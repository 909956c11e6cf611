/**
 * The hub: every live fact the server pushes (points, event changes, alerts, feed health, and what later
 * channels add) goes through here. Per room a sequence number; a room's publications leave at once while the
 * room stays within one message per tick (pacing.ts), and beyond that what is published until the room's next
 * turn is coalesced with its channel's `merge` and leaves as ONE message with the room's next number; a bounded
 * history per room lets a subscriber catch up between its snapshot (or its last seen seq) and joining.
 *
 * Numbering and delivery are a transport's job, so one process and N processes behave the same:
 * - `createLocalTransport()` (the default, no Redis): numbers in memory, delivers at once.
 * - `server/realtime/redis-hub.ts` (REDIS_URL): numbers in Redis (one order per room, whichever process
 *   ingested), and every process delivers every message, in that order, from one Redis stream.
 * Either way every process sees every message through `deliver`, in seq order per room, and keeps the same
 * history: a client that reconnects to another process catches up there.
 *
 * `epoch` names this numbering: a client that resumes with a seq of another epoch (the server restarted, Redis
 * was flushed) gets a snapshot instead of a wrong catch-up.
 */
import { randomUUID } from 'node:crypto';
import { createPacer } from './pacing';

/** A message as it leaves the hub: its channel type, room, number and payload (the wire delta minus `seq`). */
export interface HubEnvelope {
  channel: string;
  room: string;
  seq: number;
  /** Droppable (vehicle positions): sent volatile; a client that misses it does not resync. */
  volatile: boolean;
  data: object;
}

/** What a tick hands a transport: the coalesced payload of each room, not yet numbered. */
export type HubBatch = Omit<HubEnvelope, 'seq'>[];

/**
 * Numbers batches and hands every numbered envelope to `deliver` (on every process, in seq order per room),
 * those numbered or read together in one call (the sockets then get them in one write each, fanout.ts).
 * `seqs` is what the numbering stands at when the hub starts (rooms absent: 0).
 */
export interface HubTransport {
  readonly epoch: string;
  start(deliver: (envs: HubEnvelope[]) => void): Promise<{ seqs: ReadonlyMap<string, number> }>;
  append(batch: HubBatch): Promise<void>;
  close(): Promise<void>;
}

export interface Hub {
  /** The numbering's identity (see the file header). */
  readonly epoch: string;
  /** Declares a channel type and how two payloads of one room in one tick become one (coalescing). */
  define(channel: string, merge: (a: object, b: object) => object): void;
  /** Buffers a payload for the room's next message (sent at once within the room's rate, else at its next turn). */
  publish(channel: string, room: string, data: object, opts?: { volatile?: boolean }): void;
  /** Sequence number of the last message delivered for the room (0: none yet). */
  seq(room: string): number;
  /** Messages after `seq` (oldest first), or null when they are no longer held (the caller sends a snapshot). */
  since(room: string, seq: number): HubEnvelope[] | null;
  /** Sends what is buffered now (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Messages held per room for catch-up: 32 ticks of 100 ms for busy rooms, hours for alerts. */
export const HUB_HISTORY = 32;

interface RoomState {
  seq: number;
  sent: HubEnvelope[];
}

/** Pure: a room's state after one delivered envelope (history bounded; a jump in numbers clears it). */
export function remember(state: RoomState, env: HubEnvelope, history = HUB_HISTORY): RoomState {
  if (env.seq <= state.seq) return state; // a duplicate (re-read after a reconnect): already delivered
  const sent = env.seq === state.seq + 1 ? [...state.sent.slice(-(history - 1)), env] : [env];
  return { seq: env.seq, sent };
}

/** Pure: what a subscriber at `seq` missed, or null when the history no longer reaches back that far. */
export function missedSince(state: RoomState | undefined, seq: number): HubEnvelope[] | null {
  if (!state || state.seq <= seq) return seq > (state?.seq ?? 0) ? null : [];
  const first = state.sent[0];
  if (!first || first.seq > seq + 1) return null;
  return state.sent.filter((m) => m.seq > seq);
}

/** One process: numbers in memory, delivered at once. */
export function createLocalTransport(): HubTransport {
  let deliver: ((envs: HubEnvelope[]) => void) | null = null;
  const seqs = new Map<string, number>();
  return {
    epoch: randomUUID(),
    async start(d) {
      deliver = d;
      return { seqs: new Map() };
    },
    async append(batch) {
      const envs = batch.map((b) => {
        const seq = (seqs.get(b.room) ?? 0) + 1;
        seqs.set(b.room, seq);
        return { ...b, seq };
      });
      deliver?.(envs);
    },
    async close() {
      deliver = null;
    },
  };
}

export async function createHub(opts: {
  tickMs: number;
  transport?: HubTransport;
  /** Every delivered message, one by one (metrics, state kept current from the deltas). */
  sink: (env: HubEnvelope) => void;
  /** The same messages, those delivered together at once, after `sink` saw each (the sockets' sink: fanout.ts). */
  batchSink?: (envs: HubEnvelope[]) => void;
  history?: number;
  onError?: (err: unknown) => void;
}): Promise<Hub> {
  const transport = opts.transport ?? createLocalTransport();
  const history = opts.history ?? HUB_HISTORY;
  const merges = new Map<string, (a: object, b: object) => object>();
  const rooms = new Map<string, RoomState>();
  // insertion order = first publish order, so a tick's batch keeps the order facts were published in
  let buffer = new Map<string, { channel: string; data: object; volatile: boolean }>();

  const { seqs } = await transport.start((envs) => {
    const fresh: HubEnvelope[] = [];
    for (const env of envs) {
      const prev = rooms.get(env.room) ?? { seq: 0, sent: [] };
      const next = remember(prev, env, history);
      if (next === prev) continue;
      rooms.set(env.room, next);
      opts.sink(env);
      fresh.push(env);
    }
    if (fresh.length) opts.batchSink?.(fresh);
  });
  for (const [room, seq] of seqs) if (!rooms.has(room)) rooms.set(room, { seq, sent: [] });

  let sending: Promise<void> = Promise.resolve();
  const send = (batch: HubBatch): Promise<void> => {
    // batches leave one after another: a room's messages are numbered in the order they were published
    sending = sending.then(() => transport.append(batch)).catch((e: unknown) => opts.onError?.(e));
    return sending;
  };
  const flush = (): Promise<void> => {
    pacer.cancelAll();
    if (buffer.size === 0) return sending;
    const batch: HubBatch = [...buffer].map(([room, b]) => ({ room, channel: b.channel, volatile: b.volatile, data: b.data }));
    buffer = new Map();
    return send(batch);
  };
  // A room within one message per tick on average (bursts of 3) sends at once; a busier one is coalesced up
  // to its next turn (pacing.ts). Was: every room waited for a fixed tick, 0–tickMs, half of it on average.
  // Rooms due in the same turn leave as one batch (one delivery, one write per socket).
  const pacer = createPacer({ intervalMs: opts.tickMs, burst: 3 }, (due) => {
    const batch: HubBatch = [];
    for (const room of due) {
      const b = buffer.get(room);
      if (!b) continue;
      buffer.delete(room);
      batch.push({ room, channel: b.channel, volatile: b.volatile, data: b.data });
    }
    if (batch.length) void send(batch);
  });
  let closed = false;

  return {
    epoch: transport.epoch,
    define(channel, merge) {
      merges.set(channel, merge);
    },
    publish(channel, room, data, o) {
      const cur = buffer.get(room);
      const volatile = o?.volatile ?? false;
      if (!closed) pacer.due(room);
      if (!cur) return void buffer.set(room, { channel, data, volatile });
      const merge = merges.get(channel);
      if (!merge) throw new Error(`hub: channel '${channel}' was not defined`);
      buffer.set(room, { channel, data: merge(cur.data, data), volatile: cur.volatile && volatile });
    },
    seq: (room) => rooms.get(room)?.seq ?? 0,
    since: (room, seq) => missedSince(rooms.get(room), seq),
    flush,
    async close() {
      closed = true;
      await flush();
      await transport.close();
    },
  };
}
