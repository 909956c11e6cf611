/** The cluster's leader (server/cluster/leader.ts): one holder of the advisory lock; a follower takes over when it goes. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAdvisoryLeader, type Leader } from '../../server/cluster/leader';
import { createTestDatabase } from '../support/db';
import { waitFor } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase(adminUrl);
});
afterAll(async () => db?.drop());

describe('advisory-lock leader', () => {
  it('runs a job in one process only, and moves it when the leader goes', async () => {
    const running = new Map<string, number>();
    const job = (who: string) => () => {
      running.set(who, (running.get(who) ?? 0) + 1);
      return () => void running.set(who, running.get(who)! - 1);
    };
    const lockKey = 4242;
    const a: Leader = await createAdvisoryLeader({ databaseUrl: db.url, retryMs: 100, lockKey });
    const b: Leader = await createAdvisoryLeader({ databaseUrl: db.url, retryMs: 100, lockKey });
    a.run('job', job('a'));
    b.run('job', job('b'));
    await new Promise((r) => setTimeout(r, 400));
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(Object.fromEntries(running)).toEqual({ a: 1 });

    await a.close(); // its session ends: the lock is free
    await waitFor('b to take over', () => b.isLeader() || null, 5_000);
    expect(Object.fromEntries(running)).toEqual({ a: 0, b: 1 });
    await b.close();
    expect(running.get('b')).toBe(0);
  });
});
