/**
 * A bound on what the server queues for one socket (issue 14.2). socket.io keeps every packet a client has not
 * taken in the engine socket's write buffer, without limit: 2,000 `/public` clients that answer heartbeats
 * but never read grew the server by ~100 MiB a minute, then froze it when they left. The stream's deltas are
 * the only high-rate traffic, so the guard sits in the stream's sink:
 *
 * - past `softPackets` queued packets a socket gets no more deltas (it is left out of the broadcast with
 *   `except`); when it reads again it sees a gap in the room's sequence numbers and resyncs from a snapshot,
 *   which is the protocol's answer to any lost delta;
 * - past `hardPackets` (or slow for longer than `maxSlowMs`) it is disconnected, its queue discarded and the
 *   connection terminated at once (a polite close would wait for the unread queue to drain). The client's
 *   socket.io reconnects and resyncs like after any disconnect; the server logs how many it cut.
 *
 * Slow sockets are found by a scan of each namespace at most every `checkMs` (a few µs per socket), not per
 * message.
 */
import type { Namespace, Socket } from 'socket.io';
import type { Logger } from 'pino';

export interface OutboundBound {
  softPackets: number;
  hardPackets: number;
  maxSlowMs: number;
  checkMs: number;
}

export const DEFAULT_OUTBOUND_BOUND: Readonly<OutboundBound> = Object.freeze({ softPackets: 64, hardPackets: 512, maxSlowMs: 60_000, checkMs: 250 });

/** What the guard needs of an engine.io connection (not in socket.io's public types). */
interface EngineConn {
  writeBuffer?: unknown[];
  close?: (discard?: boolean) => void;
  transport?: { socket?: { terminate?: () => void } };
}

/** Packets queued for a socket and not yet taken by its client. */
export const queuedPackets = (socket: Socket): number => ((socket.conn as unknown as EngineConn).writeBuffer ?? []).length;

/** Cuts a socket at once, its unread queue discarded. */
function cut(socket: Socket): void {
  const conn = socket.conn as unknown as EngineConn;
  socket.disconnect(true);
  conn.close?.(true);
  conn.transport?.socket?.terminate?.();
}

export interface OutboundGuard {
  /** Ids of the namespace's sockets that must not get more deltas now (rechecked at most every checkMs). */
  slow(nsp: Namespace): string[];
}

export function createOutboundGuard(
  bound: OutboundBound = DEFAULT_OUTBOUND_BOUND,
  log?: Pick<Logger, 'warn'>,
  now: () => number = Date.now,
): OutboundGuard {
  const scans = new Map<Namespace, { at: number; ids: string[]; slowSince: Map<string, number> }>();
  return {
    slow(nsp) {
      const t = now();
      const last = scans.get(nsp);
      if (last && t - last.at < bound.checkMs) return last.ids;
      const slowSince = last?.slowSince ?? new Map<string, number>();
      const ids: string[] = [];
      let cutCount = 0;
      for (const [id, socket] of nsp.sockets) {
        const queued = queuedPackets(socket);
        if (queued <= bound.softPackets) {
          slowSince.delete(id);
          continue;
        }
        const since = slowSince.get(id) ?? t;
        slowSince.set(id, since);
        if (queued > bound.hardPackets || t - since > bound.maxSlowMs) {
          slowSince.delete(id);
          cut(socket);
          cutCount++;
        } else ids.push(id);
      }
      for (const id of slowSince.keys()) if (!nsp.sockets.has(id)) slowSince.delete(id);
      if (cutCount) log?.warn({ namespace: nsp.name, disconnected: cutCount }, 'disconnected sockets that do not read what they are sent');
      scans.set(nsp, { at: t, ids, slowSince });
      return ids;
    },
  };
}
