/**
 * Jobs that must run exactly once however many processes serve (alert evaluation, the roll-up refresher,
 * escalation timers): they run in the leader only. The leader is whoever holds a PostgreSQL advisory lock on
 * its own connection; when that process dies (or its connection does), PostgreSQL ends the session and frees
 * the lock, and another process takes it at its next try (every `retryMs`). The database stays the one
 * arbiter: no clock, no Redis key with a TTL to tune.
 *
 * A job is `leader.run(name, start)`: `start()` runs when this process becomes leader and returns its stop
 * function, called when it stops being leader (connection lost) or closes. One process without REDIS_URL is
 * its own leader (`singleProcessLeader`), so the jobs run there as before.
 */
import pg from 'pg';

export type Stop = () => void | Promise<void>;

export interface Leader {
  isLeader(): boolean;
  /** Runs `start` while this process leads (now, if it already does); returns a function that removes the job. */
  run(name: string, start: () => Stop | Promise<Stop>): () => Promise<void>;
  close(): Promise<void>;
}

/** The lock's key: one per database (the jobs are per database). */
export const LEADER_LOCK_KEY = 0x53_4e_47_01; // 'SNG' 1

interface Job {
  name: string;
  start: () => Stop | Promise<Stop>;
  stop: Stop | null;
}

function jobRunner(onError: (name: string, err: unknown) => void) {
  const jobs = new Set<Job>();
  let leading = false;
  const startJob = async (j: Job) => {
    try {
      j.stop = await j.start();
    } catch (e) {
      onError(j.name, e);
    }
  };
  const stopJob = async (j: Job) => {
    const s = j.stop;
    j.stop = null;
    try {
      await s?.();
    } catch (e) {
      onError(j.name, e);
    }
  };
  return {
    leading: () => leading,
    async elect() {
      if (leading) return;
      leading = true;
      for (const j of jobs) await startJob(j);
    },
    async demote() {
      if (!leading) return;
      leading = false;
      for (const j of jobs) await stopJob(j);
    },
    add(name: string, start: Job['start']) {
      const j: Job = { name, start, stop: null };
      jobs.add(j);
      if (leading) void startJob(j);
      return async () => {
        jobs.delete(j);
        await stopJob(j);
      };
    },
  };
}

/** The leader of one process that is alone: always leading. */
export function singleProcessLeader(onError: (name: string, err: unknown) => void = () => {}): Leader {
  const runner = jobRunner(onError);
  void runner.elect();
  return {
    isLeader: () => true,
    run: (name, start) => runner.add(name, start),
    close: () => runner.demote(),
  };
}

export async function createAdvisoryLeader(opts: {
  databaseUrl: string;
  /** How often a follower tries to take the lock, and the leader checks its connection. */
  retryMs?: number;
  lockKey?: number;
  onChange?: (leading: boolean) => void;
  onError?: (name: string, err: unknown) => void;
}): Promise<Leader> {
  const retryMs = opts.retryMs ?? 2_000;
  const key = opts.lockKey ?? LEADER_LOCK_KEY;
  const onError = opts.onError ?? (() => {});
  const runner = jobRunner(onError);
  let client: pg.Client | null = null;
  let closed = false;

  const dropClient = () => {
    const c = client;
    client = null;
    c?.end().catch(() => {});
  };
  const attempt = async () => {
    try {
      if (!client) {
        const c = new pg.Client({ connectionString: opts.databaseUrl, application_name: 'sinergi-leader' });
        c.on('error', () => {}); // a lost connection shows at the next check
        await c.connect();
        client = c;
      }
      if (runner.leading()) {
        await client.query('SELECT 1'); // still connected, so still holding the lock
        return;
      }
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [key]);
      if (rows[0]?.got) {
        await runner.elect();
        opts.onChange?.(true);
      }
    } catch (e) {
      // the connection is gone: so is the lock (PostgreSQL ended the session); stop leading at once
      dropClient();
      if (runner.leading()) {
        await runner.demote();
        opts.onChange?.(false);
      }
      onError('leader', e);
    }
  };
  await attempt();
  let running = Promise.resolve();
  const timer = setInterval(() => {
    if (!closed) running = running.then(attempt);
  }, retryMs);
  timer.unref();
  return {
    isLeader: () => runner.leading(),
    run: (name, start) => runner.add(name, start),
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      await runner.demote();
      dropClient();
    },
  };
}
