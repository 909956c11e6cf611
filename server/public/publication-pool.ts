/**
 * Runs the joint complaint publication (publication.ts) off the event loop: one worker thread, started on first
 * use, answering jobs in order. A crowd of citizens does not make more jobs (the public snapshot cache loads once
 * per period, single flight), but the queue is bounded all the same: past `maxQueued` a job is refused at once and
 * the cache keeps serving its last good snapshot. A worker that dies fails its jobs and is replaced by the next.
 *
 * Under tsx or vitest the worker is the TypeScript source (loaded with tsx); the production build
 * (scripts/build-server.ts) ships it as `publication-worker.js` beside the server bundle.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ComplaintRow, RegionInfo } from './aggregation';
import type { Publication } from './publication';

export interface PublicationJob {
  id: number;
  rows: readonly ComplaintRow[];
  k: number;
  now: number;
  regions: ReadonlyMap<string, RegionInfo>;
}

export type PublicationReply = { id: number; ok: true; publication: Publication } | { id: number; ok: false; message: string };

export interface Publisher {
  publish(rows: readonly ComplaintRow[], opts: { k: number; now: number; regions: ReadonlyMap<string, RegionInfo> }): Promise<Publication>;
  /** Jobs waiting or running (tests, metrics). */
  readonly queued: number;
  close(): Promise<void>;
}

/** Jobs one process keeps waiting for the worker at most (each holds a copy of a snapshot's rows). */
export const PUBLICATION_MAX_QUEUED = 4;

/**
 * The worker: the bundle's sibling file in production; under tsx or vitest the TypeScript source, which a small
 * bootstrap loads after registering tsx's loader in the worker (a worker does not inherit the parent's loader).
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./publication-worker.js', here));
  // tsx's ESM entry (its `import` export; require.resolve would name the CommonJS one)
  const tsx = pathToFileURL(join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const file = new URL('./publication-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(file)}); });`;
  return new Worker(boot, { eval: true });
}

export function createPublisher(opts: { maxQueued?: number; onError?: (err: unknown) => void } = {}): Publisher {
  const maxQueued = opts.maxQueued ?? PUBLICATION_MAX_QUEUED;
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (p: Publication) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const start = (): Worker => {
    const w = startWorker();
    // an idle worker does not keep the process alive; a running job keeps its caller waiting, not the process
    w.unref();
    w.on('message', (reply: PublicationReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.publication);
      else p.reject(new Error(`complaint publication failed in its worker: ${reply.message}`));
    });
    w.on('error', (err) => {
      opts.onError?.(err);
      if (worker === w) worker = null;
      failAll(err instanceof Error ? err : new Error(String(err)));
    });
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(new Error(`complaint publication worker exited (${code})`));
    });
    return w;
  };

  return {
    publish(rows, { k, now, regions }) {
      if (pending.size >= maxQueued) return Promise.reject(new Error('complaint publication queue full; serving the last snapshot'));
      worker ??= start();
      const id = nextId++;
      const job: PublicationJob = { id, rows, k, now, regions };
      return new Promise<Publication>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker!.postMessage(job);
      });
    },
    get queued() {
      return pending.size;
    },
    async close() {
      const w = worker;
      worker = null;
      failAll(new Error('closed'));
      if (w) await w.terminate();
    },
  };
}
