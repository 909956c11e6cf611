/**
 * Delivery to the server's ingest API: per OPD, in order, in batches, with retry (exponential backoff with
 * full jitter) until the server accepts. A 4xx other than 408/429 means the batch itself is wrong: it is
 * logged and dropped so one bad record cannot block a feed (the quarantine arrives with the ingest issue).
 * The queue is in memory and bounded; the on-disk spool replaces it with the ingest issue.
 */
import type { EventInput, PointInput } from '../shared/schemas';
import type { Delivery } from './source';

export interface DeliveryStats {
  sentPoints: number;
  sentEvents: number;
  dropped: number;
  retries: number;
  queued: number;
  lastSuccess: number | null;
  lastError: string | null;
}

export interface Deliverer {
  enqueue(deliveries: readonly Delivery[]): void;
  /** Resolves when everything queued so far has been delivered (or dropped). */
  drain(): Promise<void>;
  stats(): DeliveryStats;
  stop(): void;
}

type Item = { path: '/api/v1/ingest'; body: { points: PointInput[] } } | { path: '/api/v1/events'; body: { events: EventInput[] } };

export interface DelivererOptions {
  serverUrl: string;
  keys: Readonly<Record<string, string>>;
  maxBatch: number;
  maxQueued: number;
  maxBackoffMs: number;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  fetch?: typeof fetch;
}

export function createDeliverer(opts: DelivererOptions): Deliverer {
  const doFetch = opts.fetch ?? fetch;
  const queues = new Map<string, Item[]>();
  const running = new Map<string, Promise<void>>();
  const stats: DeliveryStats = { sentPoints: 0, sentEvents: 0, dropped: 0, retries: 0, queued: 0, lastSuccess: null, lastError: null };
  let stopped = false;
  const sleepers = new Set<() => void>();

  const sizeOf = (item: Item) => ('points' in item.body ? item.body.points.length : item.body.events.length);

  async function post(opd: string, item: Item): Promise<'ok' | 'drop' | 'retry'> {
    const key = opts.keys[opd];
    if (!key) {
      opts.log.error({ opd }, 'no ingest key configured for this OPD; dropping its records');
      return 'drop';
    }
    try {
      const res = await doFetch(new URL(item.path, opts.serverUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(item.body),
        signal: AbortSignal.timeout(30_000),
      });
      if (res.ok) {
        await res.body?.cancel();
        return 'ok';
      }
      const text = (await res.text()).slice(0, 2_000);
      stats.lastError = `${res.status} ${text}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        opts.log.error({ opd, status: res.status, response: text }, 'server rejected a batch; dropping it');
        return 'drop';
      }
      return 'retry';
    } catch (e) {
      stats.lastError = (e as Error).message;
      return 'retry';
    }
  }

  async function run(opd: string): Promise<void> {
    const queue = queues.get(opd)!;
    let attempt = 0;
    while (queue.length > 0 && !stopped) {
      const item = queue[0]!;
      const outcome = await post(opd, item);
      if (outcome === 'retry') {
        attempt++;
        stats.retries++;
        const cap = Math.min(opts.maxBackoffMs, 250 * 2 ** Math.min(attempt, 20));
        const delay = Math.random() * cap;
        if (attempt === 1 || attempt % 10 === 0) opts.log.warn({ opd, attempt, delayMs: Math.round(delay), error: stats.lastError }, 'delivery failed; retrying');
        await new Promise<void>((r) => {
          const wake = () => {
            clearTimeout(t);
            sleepers.delete(wake);
            r();
          };
          const t = setTimeout(wake, delay);
          sleepers.add(wake);
        });
        continue;
      }
      if (attempt > 0) opts.log.info({ opd, attempts: attempt + 1 }, 'delivery recovered');
      attempt = 0;
      queue.shift();
      const n = sizeOf(item);
      stats.queued -= n;
      if (outcome === 'ok') {
        if (item.path === '/api/v1/ingest') stats.sentPoints += n;
        else stats.sentEvents += n;
        stats.lastSuccess = Date.now();
      } else stats.dropped += n;
    }
  }

  function kick(opd: string) {
    if (running.has(opd) || stopped) return;
    const p = run(opd).finally(() => {
      running.delete(opd);
      if ((queues.get(opd)?.length ?? 0) > 0) kick(opd);
    });
    running.set(opd, p);
  }

  function push(opd: string, item: Item) {
    let queue = queues.get(opd);
    if (!queue) queues.set(opd, (queue = []));
    queue.push(item);
    stats.queued += sizeOf(item);
    // Bounded memory: past the bound the oldest unsent batches go, loudly.
    while (stats.queued > opts.maxQueued && queue.length > 1) {
      const dropped = queue.splice(1, 1)[0]!;
      stats.queued -= sizeOf(dropped);
      stats.dropped += sizeOf(dropped);
      opts.log.error({ opd, dropped: sizeOf(dropped) }, 'delivery queue full; dropped the oldest unsent batch');
    }
  }

  return {
    enqueue(deliveries) {
      for (const d of deliveries) {
        for (let i = 0; i < d.points.length; i += opts.maxBatch) {
          push(d.opd, { path: '/api/v1/ingest', body: { points: d.points.slice(i, i + opts.maxBatch) } });
        }
        for (let i = 0; i < d.events.length; i += opts.maxBatch) {
          push(d.opd, { path: '/api/v1/events', body: { events: d.events.slice(i, i + opts.maxBatch) } });
        }
        kick(d.opd);
      }
    },
    async drain() {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
    stats: () => ({ ...stats }),
    stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
    },
  };
}
