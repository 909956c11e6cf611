/**
 * Usage of sharing agreements (issue 19): every REST read, socket subscription and snapshot made through an
 * agreement counts one read for (agreement, local day, reader, path).
 *
 * Why in memory: a read through an agreement is on the hot path of series and events answers; a row written per
 * read would double the database work of every shared read. So reads are counted in a map and added to
 * `sharing_usage` every `flushMs` (default 5 s) in one upsert (`reads = reads + excluded.reads`), which is also
 * correct with several server processes (each adds what it counted).
 * What it keeps: one counter per key seen since the last flush, at most `maxKeys` (default 10 000; a key is
 * ~150 bytes, so ~1.5 MB). A new key past the bound triggers a flush at once; while that flush runs, new keys
 * past twice the bound are dropped and counted (`dropped`), never memory without limit.
 * How it stays correct: a failed flush (database away) puts its counts back, merged with what came meanwhile,
 * so nothing is lost while the process lives; `close()` flushes what is left. Each read is also audited one by
 * one (`sharing.read`, server/sharing/audit-read.ts): the counts are the cheap view, the chain is the record.
 */
import type pg from 'pg';
import type { Logger } from 'pino';

export interface UsageKey {
  agreement: number;
  /** YYYY-MM-DD in the city's zone. */
  day: string;
  actor: string;
  via: 'rest' | 'socket';
}

export interface UsageRecorder {
  record(agreement: number, actor: string, via: 'rest' | 'socket'): void;
  /** Adds what was counted to the table now. */
  flush(): Promise<void>;
  /** Keys waiting for the next flush, and keys dropped past the bound since start. */
  stats(): { pending: number; dropped: number };
  close(): Promise<void>;
}

/** The local day (YYYY-MM-DD) of an instant, for a zone `offsetMin` minutes east of UTC. Pure. */
export function localDay(at: number, offsetMin: number): string {
  return new Date(at + offsetMin * 60_000).toISOString().slice(0, 10);
}

const keyOf = (k: UsageKey) => `${k.agreement}\u0000${k.day}\u0000${k.via}\u0000${k.actor}`;
function parseKey(s: string): UsageKey {
  const [agreement, day, via, actor] = s.split('\u0000');
  return { agreement: Number(agreement), day: day!, via: via as UsageKey['via'], actor: actor! };
}

/** Adds counts to a map (pure helper; merging in either order gives the same totals). */
export function addCounts(into: Map<string, number>, from: ReadonlyMap<string, number>): Map<string, number> {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
  return into;
}

export async function writeUsage(db: Pick<pg.Pool, 'query'>, counts: ReadonlyMap<string, number>): Promise<void> {
  if (counts.size === 0) return;
  const keys = [...counts.keys()].map(parseKey);
  await db.query(
    `INSERT INTO sharing_usage (agreement_id, day, actor, via, reads)
     SELECT * FROM unnest($1::int[], $2::date[], $3::text[], $4::text[], $5::int[])
     ON CONFLICT (agreement_id, day, actor, via) DO UPDATE SET reads = sharing_usage.reads + excluded.reads`,
    [keys.map((k) => k.agreement), keys.map((k) => k.day), keys.map((k) => k.actor), keys.map((k) => k.via), [...counts.values()]],
  );
}

export function createUsageRecorder(deps: {
  pool: pg.Pool;
  clock: () => number;
  offsetMin: number;
  log: Logger;
  flushMs?: number;
  maxKeys?: number;
}): UsageRecorder {
  const maxKeys = deps.maxKeys ?? 10_000;
  let counts = new Map<string, number>();
  let dropped = 0;
  let flushing: Promise<void> | null = null;

  const flush = (): Promise<void> => {
    if (flushing) return flushing;
    if (counts.size === 0) return Promise.resolve();
    const batch = counts;
    counts = new Map();
    flushing = writeUsage(deps.pool, batch)
      .catch((err: unknown) => {
        // keep them for the next flush (the database is away); the bound still holds for new keys
        counts = addCounts(batch, counts);
        deps.log.warn({ err, keys: batch.size }, 'sharing usage flush failed; kept for the next one');
      })
      .finally(() => {
        flushing = null;
      });
    return flushing;
  };

  const timer = setInterval(() => void flush(), deps.flushMs ?? 5_000);
  timer.unref();

  return {
    record(agreement, actor, via) {
      const k = keyOf({ agreement, day: localDay(deps.clock(), deps.offsetMin), actor, via });
      const n = counts.get(k);
      if (n !== undefined) return void counts.set(k, n + 1);
      if (counts.size >= maxKeys) {
        void flush();
        if (counts.size >= 2 * maxKeys) {
          dropped++;
          return;
        }
      }
      counts.set(k, 1);
    },
    async flush() {
      await flushing;
      await flush();
    },
    stats: () => ({ pending: counts.size, dropped }),
    async close() {
      clearInterval(timer);
      await flushing;
      await flush();
    },
  };
}
