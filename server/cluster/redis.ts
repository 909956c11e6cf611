/**
 * What N processes share through Redis (REDIS_URL), in one place; server/app.ts wires it, domains never see it.
 *
 * - the hub's numbering and delivery (realtime/redis-hub.ts) and socket.io's Redis adapter for rooms;
 * - bucket-cache invalidation: every write's (series, minute) pairs on a pub/sub channel, so a write through
 *   process B drops the chunks process A holds (and roll-up refreshes, which only the leader runs);
 * - rate-limit counters (rate-limit-redis), so a limit per key or address holds across processes;
 * - readings for alert evaluation: a Redis stream read by the leader only (consumer group `alerts`, one
 *   consumer name whoever leads, so a new leader first re-reads what the dead one had not acknowledged; a
 *   re-evaluated reading finds its alert already open in the database and changes nothing).
 */
import { randomUUID } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import type { Store } from 'express-rate-limit';
import type { WrittenReading } from '../alerts/service';
import type { HubTransport } from '../realtime/hub';
import { createRedisTransport } from '../realtime/redis-hub';

export interface Cluster {
  /** This process's id (logs, and to skip its own invalidations). */
  readonly id: string;
  readonly hubTransport: HubTransport;
  /** socket.io's Redis adapter (`io.adapter(cluster.adapter)`). */
  readonly adapter: ReturnType<typeof createAdapter>;
  rateLimitStore(prefix: string): Store;
  /** Written points: every other process drops the cached chunks they fall in. */
  invalidate(points: readonly { seriesId: number; t: number }[]): void;
  onInvalidate(fn: (points: { seriesId: number; t: number }[]) => void): void;
  /** A roll-up refresh that started at `startedAtMs` finished (the leader runs them). */
  refreshed(startedAtMs: number): void;
  onRefreshed(fn: (startedAtMs: number) => void): void;
  /** Readings for alert evaluation (any process) … */
  pushReadings(readings: readonly WrittenReading[]): void;
  /** … evaluated by the leader: returns the stop function (leader.run's shape). */
  consumeReadings(evaluate: (readings: WrittenReading[]) => Promise<void>): () => Promise<void>;
  close(): Promise<void>;
}

/** Pure: the (series, minute) pairs of written points, once each (what an invalidation message carries). */
export function invalidationPairs(points: readonly { seriesId: number; t: number }[]): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const p of points) {
    const m = Math.floor(p.t / 60_000) * 60_000;
    const k = `${p.seriesId}:${m}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push([p.seriesId, m]);
  }
  return out;
}

export async function createRedisCluster(opts: {
  url: string;
  prefix: string;
  onError: (what: string, err: unknown) => void;
  /** Redis lost the hub's numbering (flushed, replaced): the process must restart. */
  onEpochLost: () => void;
}): Promise<Cluster> {
  const { prefix } = opts;
  const id = randomUUID();
  const redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (e) => opts.onError('redis', e));
  await redis.connect();
  const sub = redis.duplicate();
  sub.on('error', (e) => opts.onError('redis subscriber', e));
  const adapterPub = redis.duplicate();
  const adapterSub = redis.duplicate();
  for (const c of [adapterPub, adapterSub]) c.on('error', (e) => opts.onError('redis adapter', e));
  const hubTransport = await createRedisTransport({ redis, prefix, onError: (e) => opts.onError('hub stream', e), onEpochLost: opts.onEpochLost });

  const channels = { invalidate: `${prefix}cache:invalidate`, refreshed: `${prefix}cache:refreshed` };
  const readings = { stream: `${prefix}alerts:readings`, group: 'alerts', consumer: 'leader' };
  // readings pushed from now on are evaluated even if no leader reads yet (BUSYGROUP: it exists)
  await redis.xgroup('CREATE', readings.stream, readings.group, '$', 'MKSTREAM').catch((e: Error) => {
    if (!/BUSYGROUP/.test(e.message)) throw e;
  });
  const invalidators: ((points: { seriesId: number; t: number }[]) => void)[] = [];
  const refreshers: ((t: number) => void)[] = [];
  await sub.subscribe(channels.invalidate, channels.refreshed);
  sub.on('message', (channel: string, message: string) => {
    try {
      const msg = JSON.parse(message) as { from: string; pairs?: [number, number][]; startedAt?: number };
      if (msg.from === id) return;
      if (channel === channels.invalidate && msg.pairs) {
        const points = msg.pairs.map(([seriesId, t]) => ({ seriesId, t }));
        for (const f of invalidators) f(points);
      } else if (channel === channels.refreshed && typeof msg.startedAt === 'number') for (const f of refreshers) f(msg.startedAt);
    } catch (e) {
      opts.onError('cache message', e);
    }
  });

  return {
    id,
    hubTransport,
    adapter: createAdapter(adapterPub, adapterSub, { key: `${prefix}socket.io` }),
    rateLimitStore: (p) =>
      new RedisStore({
        prefix: `${prefix}rl:${p}:`,
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never,
      }),
    invalidate(points) {
      if (points.length === 0) return;
      redis.publish(channels.invalidate, JSON.stringify({ from: id, pairs: invalidationPairs(points) })).catch((e) => opts.onError('invalidate', e));
    },
    onInvalidate: (fn) => void invalidators.push(fn),
    refreshed(startedAt) {
      redis.publish(channels.refreshed, JSON.stringify({ from: id, startedAt })).catch((e) => opts.onError('refreshed', e));
    },
    onRefreshed: (fn) => void refreshers.push(fn),
    pushReadings(list) {
      if (list.length === 0) return;
      redis.xadd(readings.stream, 'MAXLEN', '~', '100000', '*', 'd', JSON.stringify(list)).catch((e) => opts.onError('readings', e));
    },
    consumeReadings(evaluate) {
      const reader = redis.duplicate();
      reader.on('error', () => {});
      let stopped = false;
      const loop = (async () => {
        // first what a previous leader read and did not acknowledge, then new readings
        let from = '0';
        while (!stopped) {
          try {
            const res = (await reader.xreadgroup(
              'GROUP',
              readings.group,
              readings.consumer,
              'COUNT',
              100,
              'BLOCK',
              1000,
              'STREAMS',
              readings.stream,
              from,
            )) as [string, [string, string[]][]][] | null;
            const entries = res?.[0]?.[1] ?? [];
            if (from === '0' && entries.length === 0) from = '>';
            for (const [entryId, fields] of entries) {
              const i = fields.indexOf('d');
              if (i >= 0) await evaluate(JSON.parse(fields[i + 1]!) as WrittenReading[]);
              await reader.xack(readings.stream, readings.group, entryId);
            }
          } catch (e) {
            if (stopped) break;
            opts.onError('alert readings', e);
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      })();
      return async () => {
        stopped = true;
        reader.disconnect();
        await loop;
      };
    },
    async close() {
      await hubTransport.close();
      for (const c of [sub, adapterPub, adapterSub, redis]) c.disconnect();
    },
  };
}
