/**
 * What `/public` sends of a room, and when (issue 18, benchmarks: the write per citizen is the cost).
 *
 * Every message the hub delivers to a publik room used to become one write to every citizen's socket — also
 * when its public view was empty (a late backlog, current readings only), and also for a metric a citizen's page
 * needs no faster than it can look: at 5,000 citizens, a city's traffic feed alone was half of the writes
 * (~5 of 10.6 frames per citizen per second in `bench:public`), while the reading that matters on a flood day — a
 * rain gauge or a river crossing a level — waited behind those passes over every socket.
 *
 * Now, per room of a channel whose handler opts in (`publicPace`):
 * - **Nothing empty is sent.** A message whose public view carries nothing is skipped; the next one sent carries
 *   `prev`, the seq of the last one sent, and stands for everything in between (shared/contract.ts). A client
 *   holding any seq from `prev` on applies it (client/lib/sync/engine.ts `classifyDelta`).
 * - **A room the handler calls paced** (the points channel: a metric without alert levels — traffic speed,
 *   landfill intake, project progress) **goes to citizens at most once per `intervalMs`** (1 s): its messages are
 *   merged (the handler's `merge`, reduced by its `compact` so a buffer holds at most one reading per series) and
 *   sent as one, numbered with the last seq it covers and `prev`. Operators (`/live`) get every message as before.
 * - A room not paced (a metric with alert levels: a crossing must reach citizens at once) is sent at once.
 *
 * Overlap: a citizen who subscribes while a paced room's buffer waits gets, by catch-up, the hub's messages up to
 * now; the buffer then arrives with `prev` below what it holds and seq above it — applied (its readings are each
 * series' newest, so the store keeps what it had where it is as new; client/lib/live-store.ts `applyInto`).
 *
 * Per process: each process numbers nothing (the hub does) and keeps its own last-sent seq per room for its own
 * sockets; a client that moves to another process resubscribes and resumes from what that process's hub holds.
 * Bounded: one entry per publik room that had a message (the catalog's keys), one buffer per paced room.
 */
import type { FanoutMessage } from './fanout';
import { createPacer } from './pacing';

/** How a channel's `/public` messages are paced (ChannelHandler `publicPace`). */
export interface PublicPace<Delta> {
  /** Whether the key's room goes to `/public` at most once per interval (else at once). */
  paced(key: string): boolean;
  /** The public view carries nothing a client would apply: not sent. */
  empty(view: Delta): boolean;
  /** Merged deltas reduced to what the public view can still show (one reading per series): bounds a buffer. */
  compact?(delta: Delta): Delta;
}

/** What the pace needs of a channel handler. */
export interface PacedChannel<Delta extends object> {
  readonly deltaEvent: string;
  readonly publicPace: PublicPace<Delta>;
  merge(a: Delta, b: Delta): Delta;
  /** Whether `/public` may still hear the key (judged again when a paced buffer leaves: it may have been reclassified). */
  isPublik(key: string): boolean;
  /** The message as anonymous sockets see it. */
  publicView(msg: Delta & { seq: number }, key: string): Delta & { seq: number };
}

/** At most one `/public` message per paced room per second. */
const PUBLIC_PACED_INTERVAL_MS = 1_000;

interface Buffered {
  channel: PacedChannel<object>;
  room: string;
  key: string;
  data: object;
  firstSeq: number;
  seq: number;
  volatile: boolean;
}

export interface PublicPaceEngine {
  /**
   * One delivered message of a publik room: the `/public` message to send now (null: nothing now — empty, or
   * buffered for the room's next paced send, which goes to `send` on its own).
   */
  offer(channel: PacedChannel<object>, env: { room: string; seq: number; data: object; volatile: boolean }, key: string): FanoutMessage | null;
  /** Paced buffers waiting (tests). */
  waiting(): number;
}

/**
 * Pure: the `/public` message for a room, given the seq last sent for it (`last`; undefined: none yet) and the
 * first and last seq the view stands for; null when the view is empty. `last` is what to remember afterwards.
 */
export function stampPublic<V extends object>(
  view: V,
  empty: boolean,
  firstSeq: number,
  seq: number,
  last: number | undefined,
): { payload: (V & { seq: number; prev?: number }) | null; last: number } {
  const prev = last ?? firstSeq - 1;
  if (empty) return { payload: null, last: prev };
  return { payload: prev === seq - 1 ? { ...view, seq } : { ...view, seq, prev }, last: seq };
}

export function createPublicPace(opts: {
  /** Sends a paced room's message (the `/public` fan-out). */
  send: (messages: FanoutMessage[]) => void;
  intervalMs?: number;
  onError?: (err: unknown) => void;
  now?: () => number;
}): PublicPaceEngine {
  const lastSent = new Map<string, number>();
  const buffers = new Map<string, Buffered>();

  /** The `/public` message of a room's view (null: empty), remembering the last seq it stands for. */
  const stamp = (b: Buffered): FanoutMessage | null => {
    // reclassified while it waited: nothing more for the public (the recheck ends their subscriptions)
    if (!b.channel.isPublik(b.key)) return null;
    const view = b.channel.publicView({ ...b.data, seq: b.seq, ...(b.volatile ? { volatile: true } : {}) }, b.key);
    const { payload, last } = stampPublic(view, b.channel.publicPace.empty(view), b.firstSeq, b.seq, lastSent.get(b.room));
    lastSent.set(b.room, last);
    return payload ? { room: b.room, event: b.channel.deltaEvent, payload, volatile: b.volatile } : null;
  };

  const pacer = createPacer(
    { intervalMs: opts.intervalMs ?? PUBLIC_PACED_INTERVAL_MS, burst: 1 },
    (keys) => {
      const out: FanoutMessage[] = [];
      for (const room of keys) {
        const b = buffers.get(room);
        if (!b) continue;
        buffers.delete(room);
        try {
          const m = stamp(b);
          if (m) out.push(m);
        } catch (e) {
          opts.onError?.(e);
        }
      }
      if (out.length) opts.send(out);
    },
    opts.now,
  );

  return {
    offer(channel, env, key) {
      const pace = channel.publicPace;
      const had = buffers.get(env.room);
      if (!pace.paced(key)) {
        // at once; with what a buffer still holds if the room was paced until now (its catalog entry changed)
        if (had) buffers.delete(env.room);
        const data = had ? channel.merge(had.data, env.data) : env.data;
        return stamp({ channel, room: env.room, key, data, firstSeq: had?.firstSeq ?? env.seq, seq: env.seq, volatile: env.volatile });
      }
      if (had) {
        const merged = channel.merge(had.data, env.data);
        had.data = pace.compact ? pace.compact(merged) : merged;
        had.seq = env.seq;
        had.volatile &&= env.volatile;
      } else buffers.set(env.room, { channel, room: env.room, key, data: env.data, firstSeq: env.seq, seq: env.seq, volatile: env.volatile });
      pacer.due(env.room);
      return null;
    },
    waiting: () => buffers.size,
  };
}
