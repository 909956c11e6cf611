/**
 * A hostile socket.io client on a raw TCP connection: it completes the websocket handshake, joins `/public`,
 * subscribes, and then stops reading (the kernel buffers fill, then the server's queue for it grows). Used by
 * the slow-client fault test and `npm run bench:slow-clients`.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A masked websocket text frame (a client must mask what it sends). */
function frame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

export interface HostileSocket {
  socket: Socket;
  /** Whether the server closed the connection. */
  closed(): boolean;
  destroy(): void;
}

/** Connects, subscribes to `metrics` on /public, and stops reading once subscribed. */
export function hostileSubscriber(url: string, metrics: readonly string[]): Promise<HostileSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let closed = false;
    let stage: 'handshake' | 'open' | 'joined' = 'handshake';
    let seen = '';
    const s = connect(Number(port), hostname);
    s.setNoDelay(true);
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      if (stage !== 'joined') reject(new Error('closed before subscribing'));
    });
    s.on('connect', () => {
      s.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    s.on('data', (d) => {
      if (stage === 'joined') return;
      seen += d.toString('latin1');
      if (stage === 'handshake' && seen.includes('\r\n\r\n') && seen.includes('"sid"')) {
        stage = 'open';
        s.write(frame('40/public,'));
      }
      if (stage === 'open' && seen.includes('40/public,{')) {
        stage = 'joined';
        s.write(frame(`42/public,1["series:subscribe",${JSON.stringify({ metrics, historyMinutes: 0 })}]`));
        // never read again: what the server sends piles up in the kernel, then in the server
        setTimeout(() => s.pause(), 200);
        resolve({ socket: s, closed: () => closed, destroy: () => s.destroy() });
      }
    });
  });
}
