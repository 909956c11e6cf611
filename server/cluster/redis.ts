/**
 * What N processes share through Redis (REDIS_URL), in one place; server/app.ts wires it, domains never see it.
 *
 * - the hub's numbering and delivery (realtime/redis-hub.ts) and socket.io's Redis adapter for rooms;
 * - bucket-cache invalidation: every write's (series, minute) pairs on a pub/sub channel, so a write through
 *   process B drops the chunks process A holds (and roll-up refreshes, which only the leader runs);
 * - rate-limit counters (rate-limit-redis), so a limit per key or address holds across processes, and the
 *   per-address bounds on anonymous sockets (open sockets, subscribe requests a minute; realtime/socket.ts);
 * - the public API's snapshots (public/cache.ts): one load per period for the cluster, one copy served by all;
 * - readings for alert evaluation: a Redis stream read by the leader only (consumer group `alerts`, one
 *   consumer name whoever leads, so a new leader first re-reads what the dead one had not acknowledged; a
 *   re-evaluated reading finds its alert already open in the database and changes nothing).
 */
import { randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import type { Store } from 'express-rate-limit';
import type { WrittenReading } from '../alerts/service';
import type { SharedSnapshots } from '../public/cache';
import type { AddressCounters } from '../realtime/socket';
import type { HubTransport } from '../realtime/hub';
import { createRedisTransport } from '../realtime/redis-hub';

export interface Cluster {
  /** This process's id (logs, and to skip its own invalidations). */
  readonly id: string;
  readonly hubTransport: HubTransport;
  /** socket.io's Redis adapter (`io.adapter(cluster.adapter)`). */
  readonly adapter: ReturnType<typeof createAdapter>;
  rateLimitStore(prefix: string): Store;
  /** Per-address bounds on anonymous sockets, counted across processes. */
  readonly addressCounters: AddressCounters;
  /** The public API's snapshots, loaded once per period for the cluster. */
  readonly snapshots: SharedSnapshots;
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

/** How long a process's count of open anonymous sockets outlives it (it refreshes it every third of this). */
export const SOCKET_COUNT_TTL_MS = 30_000;

// Open anonymous sockets of an address across processes. KEYS: the set of processes, this process's hash.
// ARGV: process id, address, max, hash key prefix, ttl. Each process counts its own sockets in a hash that
// expires unless refreshed: a process killed with -9 stops counting within the ttl. (Keys other than KEYS
// are read: fine on one Redis, not on Redis Cluster.)
const OPEN_SOCKET = `
redis.call('SADD', KEYS[1], ARGV[1])
local total = 0
for _, p in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local k = ARGV[4] .. p
  if p == ARGV[1] or redis.call('EXISTS', k) == 1 then
    total = total + tonumber(redis.call('HGET', k, ARGV[2]) or '0')
  else
    redis.call('SREM', KEYS[1], p)
  end
end
if total >= tonumber(ARGV[3]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1`;

// KEYS: this process's hash. ARGV: address.
const CLOSE_SOCKET = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`;

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

  const sockets = { procs: `${prefix}pub:procs`, mine: `${prefix}pub:sockets:${id}`, each: `${prefix}pub:sockets:` };
  const keepCounting = setInterval(() => {
    redis.pexpire(sockets.mine, SOCKET_COUNT_TTL_MS).catch((e) => opts.onError('address counters', e));
  }, SOCKET_COUNT_TTL_MS / 3);
  keepCounting.unref();
  const addressCounters: AddressCounters = {
    async openSocket(address, max) {
      const r = await redis.eval(OPEN_SOCKET, 2, sockets.procs, sockets.mine, id, address, max, sockets.each, SOCKET_COUNT_TTL_MS);
      return r === 1;
    },
    closeSocket(address) {
      redis.eval(CLOSE_SOCKET, 1, sockets.mine, address).catch((e) => opts.onError('address counters', e));
    },
    async subscribe(address, perMin) {
      const key = `${prefix}pub:subs:${address}:${Math.floor(Date.now() / 60_000)}`;
      const res = await redis.multi().incr(key).pexpire(key, 61_000).exec();
      const n = Number(res?.[0]?.[1]);
      return Number.isFinite(n) && n <= perMin;
    },
  };

  const snapshots: SharedSnapshots = {
    async load(name, ttlMs, now, load) {
      const key = `${prefix}pub:snapshot:${name}`;
      const read = async () => {
        const b = await redis.getBuffer(key);
        const s = b ? (deserialize(b) as { at: number; value: unknown }) : null;
        return s && now - s.at < ttlMs ? s : null;
      };
      const loadAndShare = async () => {
        const value = await load(now);
        await redis.set(key, serialize({ at: now, value }), 'PX', 4 * ttlMs).catch((e) => opts.onError('public snapshot', e));
        await redis.del(`${key}:lock`).catch(() => undefined);
        return { value, at: now };
      };
      let claimed = false;
      try {
        const fresh = await read();
        if (fresh) return fresh;
        // one process loads; the others wait for its copy (a lease, in case it dies loading)
        claimed = (await redis.set(`${key}:lock`, id, 'PX', Math.max(2 * ttlMs, 10_000), 'NX')) === 'OK';
        for (let waited = 0; !claimed && waited < 3_000; waited += 50) {
          await new Promise((r) => setTimeout(r, 50));
          const copy = await read();
          if (copy) return copy;
        }
      } catch (e) {
        opts.onError('public snapshot', e);
      }
      // a failed load reaches the cache, which serves its last good snapshot
      if (claimed) return loadAndShare();
      // Redis unavailable, or the loading process did not deliver: this one loads for itself
      const value = await load(now);
      return { value, at: now };
    },
  };

  return {
    id,
    hubTransport,
    addressCounters,
    snapshots,
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
      clearInterval(keepCounting);
      await redis.del(sockets.mine).catch(() => undefined);
      await hubTransport.close();
      // QUIT, not a disconnect: commands still in flight get their answers first. socket.io's adapter sends its
      // UNSUBSCRIBEs from io.close() without waiting or catching; a disconnect rejected them ("Connection is
      // closed"), an unhandled rejection that ended two bench servers with an error on their way out.
      await Promise.all([sub, adapterPub, adapterSub, redis].map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
