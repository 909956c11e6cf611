/**
 * The public view's source snapshots, created once per app and shared by every public answer (the public API,
 * open data, CKAN): one query per cache period for all of them, and the same numbers in all of them.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { complaintRows, publicMetricRows } from '../../db/queries/public';
import { publicProjectRows, type PublicProjectRow } from '../../db/queries/projects';
import { lineRowsWithMetrics } from '../../db/queries/entities';
import type { LineRow } from './lines';
import { LONGEST_PERIOD_MS, type ComplaintSummary, type Period } from './aggregation';
import { createSnapshotCache, type SharedSnapshots, type Snapshot, type SnapshotCache } from './cache';
import { PUBLIC_VIEW_DEFAULTS } from './defaults';
import type { ComplaintPerformance } from './performance';
import type { Publication } from './publication';
import { createPublisher, type Publisher } from './publication-pool';
import { warningRows, type WarningRow } from './warnings';

/** The complaint rows of the longest period, and the joint publication decided over them (in its worker). */
export type ComplaintData = Awaited<ReturnType<typeof complaintRows>> & { publication: Publication };
export type MetricRows = Awaited<ReturnType<typeof publicMetricRows>>;

export interface PublicSources {
  /** Smallest count published; 1..k-1 is suppressed. */
  k: number;
  cacheMs: number;
  /** Seconds a browser or proxy may reuse an answer. */
  maxAgeS: number;
  /** One query serves every period and every complaint answer. */
  complaints: SnapshotCache<ComplaintData>;
  metrics: SnapshotCache<MetricRows>;
  /** The project registry with each project's latest figures. */
  projects: SnapshotCache<PublicProjectRow[]>;
  /** Registered entity lines with their series' metrics (lines.ts decides what the public sees of them). */
  lines: SnapshotCache<LineRow[]>;
  /** The readings of the warning metrics (warnings.ts), for the warnings route and the page shell. */
  warnings: SnapshotCache<WarningRow[]>;
  /** The k-anonymous summary of a period, computed once per snapshot whoever asks. */
  summary(snap: Snapshot<ComplaintData>, period: Period): ComplaintSummary;
  /** Received / resolved per bucket, median time to resolve and share within SLA per OPD and category. */
  performance(snap: Snapshot<ComplaintData>, period: Period): ComplaintPerformance;
  onStale(what: string): (err: unknown) => void;
  /** Stops the publication's worker thread. */
  close(): Promise<void>;
}

export function createPublicSources(deps: {
  db: Pick<pg.Pool, 'query'>;
  clock: () => number;
  k?: number | undefined;
  cacheMs?: number | undefined;
  log?: Pick<Logger, 'warn'>;
  /** In a cluster: each snapshot loaded once per period for every process (server/cluster/redis.ts). */
  shared?: SharedSnapshots | undefined;
  /** Where the joint publication is computed (default: a worker thread of this process). */
  publisher?: Publisher;
}): PublicSources {
  const { db, clock } = deps;
  const k = deps.k ?? PUBLIC_VIEW_DEFAULTS.kAnonymity;
  const cacheMs = deps.cacheMs ?? PUBLIC_VIEW_DEFAULTS.cacheMs;
  const shared = (name: string) => (deps.shared ? { shared: { name, store: deps.shared } } : {});
  const onStale = (what: string) => (err: unknown) => deps.log?.warn({ err }, `public ${what}: database unavailable, serving the last snapshot`);
  const publisher = deps.publisher ?? createPublisher({ onError: (err) => deps.log?.warn({ err }, 'complaint publication worker failed') });
  return {
    k,
    cacheMs,
    maxAgeS: Math.max(0, Math.floor(cacheMs / 1000)),
    complaints: createSnapshotCache({
      ttlMs: cacheMs,
      clock,
      // Every period and answer from one joint decision (publication.ts), made once per snapshot as part of its
      // load, in a worker thread: the disclosure audit takes seconds for a busy month and must not stall the
      // live fan-out. A failed or refused decision fails the load, and the last good snapshot is served.
      load: async (now) => {
        const data = await complaintRows(db, now - LONGEST_PERIOD_MS);
        return { ...data, publication: await publisher.publish(data.rows, { k, now, regions: data.regions }) };
      },
      onStale: onStale('complaints'),
      ...shared('complaints'),
    }),
    metrics: createSnapshotCache({ ttlMs: cacheMs, clock, load: () => publicMetricRows(db), onStale: onStale('metrics'), ...shared('metrics') }),
    projects: createSnapshotCache({ ttlMs: cacheMs, clock, load: () => publicProjectRows(db), onStale: onStale('projects'), ...shared('projects') }),
    lines: createSnapshotCache({ ttlMs: cacheMs, clock, load: () => lineRowsWithMetrics(db), onStale: onStale('lines'), ...shared('lines') }),
    warnings: createSnapshotCache({ ttlMs: cacheMs, clock, load: () => warningRows(db), onStale: onStale('warnings'), ...shared('warnings') }),
    summary: (snap, period) => snap.value.publication.summaries[period],
    performance: (snap, period) => snap.value.publication.performance[period],
    onStale,
    close: () => publisher.close(),
  };
}
