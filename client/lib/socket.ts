/**
 * The one way to open a socket: typed with the shared contract, websocket transport only
 * (the CSP allows `ws:`/`wss:` to self; long-polling would only add a second code path).
 * The namespace is passed in so the public bundle never contains operator namespaces.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, NAMESPACES, ServerToClientEvents } from '@shared/contract';

export type SinergiSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type Namespace = (typeof NAMESPACES)[keyof typeof NAMESPACES];

export interface SocketOptions {
  /** Required by `/live`; never sent to `/public`. */
  token?: string;
  /** Origin of the server; defaults to the page's own. */
  origin?: string;
}

export function createSocket(namespace: Namespace, opts: SocketOptions = {}): SinergiSocket {
  const url = opts.origin ? new URL(namespace, opts.origin).toString() : namespace;
  return io(url, {
    transports: ['websocket'],
    ...(opts.token ? { auth: { token: opts.token } } : {}),
    reconnection: true,
    reconnectionDelay: 1_000,
    reconnectionDelayMax: 5_000,
    randomizationFactor: 0.3,
    timeout: 10_000,
  });
}
