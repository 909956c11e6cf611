/**
 * Issue 13 (2), one greedy anonymous client on /public: every history length from 1 to 1440 minutes, a
 * subscription flood, many sockets from one address, and `events:subscribe` with `open: 100000`. The server's
 * memory for it is measured in `npm run bench:greedy`; here, the bounds that keep it flat.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { Snapshot } from '../../shared/contract';
import { quantiseHistory } from '../../server/realtime/socket';
import { connected, startTestServer, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(10_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

/** Every statement and its parameters, until restored. */
function spy(pool: { query: unknown }) {
  const original = pool.query as (...a: unknown[]) => unknown;
  const calls: { text: string; values: unknown[] }[] = [];
  pool.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0] as string | { text?: string; values?: unknown[] };
    calls.push({
      text: typeof q === 'string' ? q : (q.text ?? ''),
      values: (Array.isArray(args[1]) ? args[1] : (q as { values?: unknown[] }).values) ?? [],
    });
    return original.apply(pool, args);
  };
  return { calls, restore: () => void (pool.query = original) };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(adminUrl, { publicSocketsPerAddress: 4 });
});
afterAll(async () => server?.close());

describe('a greedy anonymous client', () => {
  it('cannot mint snapshot cache entries: history lengths are quantised', async () => {
    expect([0, 1, 5, 6, 59, 60, 61, 1439, 1440].map(quantiseHistory)).toEqual([0, 5, 5, 15, 60, 60, 120, 1440, 1440]);
    const s = server.socket('/public');
    await connected(s);
    const q = spy(server.storage.pool);
    try {
      for (let h = 1; h <= 100; h++) {
        const ack = await ask<Snapshot>(s, 'series:subscribe', { metrics: ['rainfall'], historyMinutes: h });
        expect(ack.ok, `historyMinutes ${h}`).toBe(true);
      }
    } finally {
      q.restore();
    }
    // 1…100 minutes fall into 5, 15, 30, 60, 120: at most one snapshot each (while the cache holds them)
    expect(q.calls.filter((c) => c.text.includes('FROM series WHERE metric = ANY')).length).toBeLessThanOrEqual(5);
    s.disconnect();
  });

  it('is slowed down after 120 subscribe requests a minute on one socket', async () => {
    const s = server.socket('/public');
    await connected(s);
    const answers: string[] = [];
    for (let i = 0; i < 125; i++) {
      const ack = await ask<Snapshot>(s, 'series:subscribe', { metrics: ['rainfall'], historyMinutes: 0 });
      answers.push(ack.ok ? 'ok' : ack.error.code);
    }
    expect(answers.slice(0, 120).every((a) => a === 'ok')).toBe(true);
    expect(answers.slice(120)).toEqual(Array(5).fill('unavailable'));
    s.disconnect();
  });

  it('opens at most PUBLIC_SOCKETS_PER_ADDRESS sockets from one address', async () => {
    const sockets = Array.from({ length: 4 }, () => server.socket('/public'));
    await Promise.all(sockets.map(connected));
    const fifth = server.socket('/public');
    await expect(connected(fifth)).rejects.toThrow(/too many connections from this address/);
    sockets[0]!.disconnect();
    await new Promise((r) => setTimeout(r, 200));
    const again = server.socket('/public');
    await connected(again);
    for (const x of [...sockets, again]) x.disconnect();
  });

  it('gets at most 500 open events per kind, from a shared snapshot, whatever `open` it asks', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const a = server.socket('/public');
    const b = server.socket('/public');
    await Promise.all([connected(a), connected(b)]);
    const q = spy(server.storage.pool);
    try {
      const big = await ask<{ kinds: { open: unknown[] }[] }>(a, 'events:subscribe', { kinds: ['project_milestone'], open: 100_000 });
      const small = await ask<{ kinds: { open: unknown[] }[] }>(b, 'events:subscribe', { kinds: ['project_milestone'], open: 3 });
      expect(big.ok && small.ok).toBe(true);
    } finally {
      q.restore();
    }
    const openQueries = q.calls.filter((c) => c.text.includes('closed_at IS NULL ORDER BY time DESC LIMIT'));
    expect(openQueries).toHaveLength(1);
    expect(openQueries[0]!.values).toEqual(['project_milestone', 500]);
    a.disconnect();
    b.disconnect();
  });
});
