/**
 * The hub's transport across processes (REDIS_URL). Design:
 *
 * - ONE order of sequence numbers per room, whichever process ingested: a tick's batch is numbered by a Lua
 *   script that, for each room, does `HINCRBY seqs room 1` and `XADD stream … room seq …` — atomically, so the
 *   stream holds every room's messages in seq order.
 * - Every process reads that one stream (`XREAD BLOCK` from where it started) and delivers each message to its
 *   own sockets (`io.local`), in stream order, keeping the same bounded per-room history in memory: a client
 *   that reconnects to another process catches up there. Rooms across processes for everything else
 *   (logout disconnecting a token's sockets, `fetchSockets`) go through socket.io's Redis adapter.
 *   Why not broadcast through the adapter too: every process must read every message anyway (history), so a
 *   second copy through pub/sub would double the traffic and could overtake the stream.
 * - The stream is trimmed to about MAX_STREAM entries (minutes of traffic); a process that falls further behind
 *   sees a jump in a room's numbers, restarts that room's history, and its clients resync from a snapshot.
 * - `epoch` lives in Redis (created once): a FLUSHALL or a new Redis makes a new epoch, so clients holding seqs
 *   of the old numbering get snapshots instead of wrong catch-ups. A running process whose epoch is no longer
 *   Redis's has its batches refused (they would be numbered from 1 again) and is told to start again.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { HubBatch, HubEnvelope, HubTransport } from './hub';

/** Entries kept in the stream (~ XADD MAXLEN): at 10 messages per tick of 100 ms, about 2 minutes. */
export const MAX_STREAM = 20_000;

// KEYS: seqs hash, stream, epoch. ARGV: maxlen, this process's epoch, then (room, channel, volatile, data) per
// message. A Redis that lost its state (FLUSHALL, a new server) has another epoch or none: numbering again
// from 1 under the old epoch would look like duplicates to every process, so the batch is refused instead.
const APPEND = `
local maxlen = ARGV[1]
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return redis.error_reply('EPOCH hub epoch changed') end
for i = 3, #ARGV, 4 do
  local seq = redis.call('HINCRBY', KEYS[1], ARGV[i], 1)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', 'r', ARGV[i], 's', seq, 'c', ARGV[i + 1], 'v', ARGV[i + 2], 'd', ARGV[i + 3])
end
return 1`;

// KEYS: epoch, seqs hash, stream. ARGV: a new epoch. Returns epoch, the stream's last id, and every seq.
const START = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local epoch = redis.call('GET', KEYS[1])
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local id = '0-0'
if #last > 0 then id = last[1][1] end
return {epoch, id, redis.call('HGETALL', KEYS[2])}`;

/** Pure: a stream entry's fields as an envelope (null: not one of ours). */
export function envelopeOf(fields: readonly string[]): HubEnvelope | null {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  const room = f.get('r');
  const seq = Number(f.get('s'));
  const channel = f.get('c');
  const data = f.get('d');
  if (!room || !channel || data === undefined || !Number.isInteger(seq)) return null;
  try {
    return { room, seq, channel, volatile: f.get('v') === '1', data: JSON.parse(data) as object };
  } catch {
    return null;
  }
}

export async function createRedisTransport(opts: {
  /** Commands (numbering). */
  redis: Redis;
  /** A connection of its own for the blocking read (duplicated from `redis`). */
  prefix: string;
  onError?: (err: unknown) => void;
  /** Redis lost the numbering (flushed, replaced): this process must start again (its seqs are of the old epoch). */
  onEpochLost?: () => void;
}): Promise<HubTransport> {
  const { redis, prefix } = opts;
  const keys = { epoch: `${prefix}hub:epoch`, seqs: `${prefix}hub:seqs`, stream: `${prefix}hub:stream` };
  const [epoch, lastId, flat] = (await redis.eval(START, 3, keys.epoch, keys.seqs, keys.stream, randomUUID())) as [string, string, string[]];
  const reader = redis.duplicate();
  let closed = false;
  let loop: Promise<void> = Promise.resolve();

  return {
    epoch,
    async start(deliver) {
      const seqs = new Map<string, number>();
      for (let i = 0; i + 1 < flat.length; i += 2) seqs.set(flat[i]!, Number(flat[i + 1]));
      let from = lastId;
      loop = (async () => {
        while (!closed) {
          try {
            const res = (await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', keys.stream, from)) as [string, [string, string[]][]][] | null;
            // one read, one delivery: the sockets get what was read together in one write each
            const envs: HubEnvelope[] = [];
            for (const [, entries] of res ?? [])
              for (const [id, fields] of entries) {
                from = id;
                const env = envelopeOf(fields);
                if (env) envs.push(env);
              }
            if (envs.length) deliver(envs);
          } catch (e) {
            if (closed) break;
            opts.onError?.(e);
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      })();
      return { seqs };
    },
    async append(batch: HubBatch) {
      if (batch.length === 0) return;
      const args: (string | number)[] = [MAX_STREAM, epoch];
      for (const b of batch) args.push(b.room, b.channel, b.volatile ? '1' : '0', JSON.stringify(b.data));
      try {
        await redis.eval(APPEND, 3, keys.seqs, keys.stream, keys.epoch, ...args);
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('EPOCH')) opts.onEpochLost?.();
        throw e;
      }
    },
    async close() {
      closed = true;
      reader.disconnect();
      await loop;
    },
  };
}
