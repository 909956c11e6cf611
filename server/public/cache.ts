/**
 * Snapshots for the public API: a loader runs at most once per `ttlMs`, however many requests arrive
 * (requests during a load wait for it: single flight), and each answer derived from one snapshot is
 * serialised and hashed once. A million citizens cost the database what one does.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { gzipSync } from 'node:zlib';

/** A serialised answer with its strong validators, gzipped at most once (for phones on slow networks). */
export interface Rendered {
  body: string;
  etag: string;
  /** The validator of the gzip representation (a different representation needs its own strong tag). */
  etagGzip: string;
  gzip(): Buffer;
}

export function render(value: unknown): Rendered {
  return renderBody(JSON.stringify(value));
}

/** A body already serialised (CSV, HTML, …) with the same validators and gzip-once as `render`. */
export function renderBody(body: string): Rendered {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  let gz: Buffer | null = null;
  return { body, etag: `"${hash}"`, etagGzip: `"${hash}.gz"`, gzip: () => (gz ??= gzipSync(body)) };
}

export interface Snapshot<T> {
  value: T;
  /** Clock time the load started (the data is at least this fresh). */
  at: number;
  /** Answers derived from this snapshot, by key; computed and serialised once each. */
  view(key: string, derive: (value: T, at: number) => unknown): Rendered;
  /** An intermediate result shared by several views, by key; computed once. */
  memo<U>(key: string, derive: (value: T, at: number) => U): U;
}

export interface SnapshotCache<T> {
  get(): Promise<Snapshot<T>>;
}

/**
 * Snapshots shared by the processes of a cluster (server/cluster/redis.ts): `load` answers the cluster's copy
 * while it is younger than `ttlMs`, and otherwise lets one process load it (the others wait for its copy, then
 * load on their own if it does not come). `at` is when the shared copy was loaded.
 */
export interface SharedSnapshots {
  load(name: string, ttlMs: number, now: number, load: (now: number) => Promise<unknown>): Promise<{ value: unknown; at: number }>;
}

/**
 * A failed load is not cached: the next request tries again (still one load at a time), so a database
 * outage costs one query in flight, not one per request. Meanwhile the last good snapshot is served
 * (its `updatedAt` tells how old it is); with none, the error reaches the caller.
 */
export function createSnapshotCache<T>(opts: {
  ttlMs: number;
  clock: () => number;
  load: (now: number) => Promise<T>;
  /** Told of a failed load that was answered with the last good snapshot. */
  onStale?: (e: unknown) => void;
  /**
   * In a cluster: the snapshot is loaded once per period for all processes, not once per process, and every
   * process serves the same one (same numbers, same ETag behind a balancer without sticky sessions).
   */
  shared?: { name: string; store: SharedSnapshots };
}): SnapshotCache<T> {
  let current: Snapshot<T> | null = null;
  let inFlight: Promise<Snapshot<T>> | null = null;
  return {
    get() {
      const now = opts.clock();
      if (current && now - current.at < opts.ttlMs) return Promise.resolve(current);
      if (!inFlight) {
        const shared = opts.shared;
        inFlight = (shared ? shared.store.load(shared.name, opts.ttlMs, now, opts.load) : opts.load(now).then((value) => ({ value, at: now })))
          .then(({ value: v, at: loadedAt }) => {
            const value = v as T;
            const now = loadedAt;
            const views = new Map<string, Rendered>();
            const memos = new Map<string, unknown>();
            const snap: Snapshot<T> = {
              value,
              at: now,
              view(key, derive) {
                let r = views.get(key);
                if (!r) views.set(key, (r = render(derive(value, now))));
                return r;
              },
              memo<U>(key: string, derive: (value: T, at: number) => U): U {
                if (!memos.has(key)) memos.set(key, derive(value, now));
                return memos.get(key) as U;
              },
            };
            current = snap;
            return snap;
          })
          .catch((e: unknown) => {
            if (!current) throw e;
            opts.onStale?.(e);
            return current;
          })
          .finally(() => {
            inFlight = null;
          });
      }
      return inFlight;
    },
  };
}

/** Whether an If-None-Match header matches `etag` (weak comparison, lists and `*`, RFC 9110 §13.1.2). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  const want = strip(etag);
  return header.split(',').some((t) => strip(t) === want);
}

/**
 * Writes a rendered answer: its ETag (its own for gzip), max-age, 304 on a match, gzip for whoever accepts
 * it. `crossOrigin` lets other sites read it (open data is meant to be harvested).
 */
export function sendRendered(
  req: Request,
  res: Response,
  r: Rendered,
  opts: { maxAgeS: number; type?: string; disposition?: string; crossOrigin?: boolean },
): void {
  const gzip = req.acceptsEncodings('gzip') === 'gzip';
  const etag = gzip ? r.etagGzip : r.etag;
  res.vary('Accept-Encoding').set('ETag', etag).set('Cache-Control', `public, max-age=${opts.maxAgeS}`);
  if (opts.crossOrigin) res.set('Access-Control-Allow-Origin', '*').set('Access-Control-Expose-Headers', 'ETag');
  if (matchesEtag(req.headers['if-none-match'], etag)) return void res.status(304).end();
  res.type(opts.type ?? 'application/json');
  if (opts.disposition) res.set('Content-Disposition', opts.disposition);
  if (gzip) res.set('Content-Encoding', 'gzip').send(r.gzip());
  else res.send(r.body);
}
