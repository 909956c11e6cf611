/**
 * The points channel (`series:subscribe` → `points:appended`): one room per metric. Snapshots come from the
 * roll-ups (series service); anonymous subscribers share them for a short while. Readings of a classified
 * entity (a rahasia project) reach only those the access rule lets see them, message by message (`view`).
 */
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Metric, SeriesMeta } from '../../shared/catalog';
import type { MetricSnapshot, PointsAppended, Snapshot, WirePoint } from '../../shared/contract';
import { parseRoomId, toRoomId } from '../../shared/rooms';
import { subscribeSchema } from '../../shared/schemas';
import type { z } from 'zod';
import { inTerritory, withinTerritory, type ClassifiedEntity } from '../access/policy';
import type { CatalogService } from '../catalog/service';
import type { ChannelHandler } from '../realtime/channel';
import { auditSharedRead } from '../sharing/audit-read';
import type { UsageRecorder } from '../sharing/usage';
import { liveRefusal } from '../sharing/coarsen';
import { currentDelta, currentOnly, newestPerSeries, publicHistoryMinutes, withoutHistory } from '../public/current-only';
import { preEncode } from '../realtime/preencoded';
import type { LiveLatest } from '../public/live-latest';
import { withoutPath } from '../public/lines';
import type { SeriesService } from './service';

/** What ingest publishes: the readings of one metric just committed, and series first seen. */
export interface PointsFact {
  metric: string;
  points: readonly WirePoint[];
  series: readonly SeriesMeta[];
}

type Delta = Omit<PointsAppended, 'seq'>;

/** Anonymous history lengths are rounded up to one of these (minutes), so a client cannot mint cache keys. */
export const PUBLIC_HISTORY_STEPS: readonly number[] = [0, 5, 15, 30, 60, 120, 240, 480, 720, 1440];
export const quantiseHistory = (minutes: number): number => PUBLIC_HISTORY_STEPS.find((s) => s >= minutes) ?? PUBLIC_HISTORY_STEPS.at(-1)!;

/**
 * A points message as one principal may see it: the readings of series whose entity is classified beyond what
 * `allowed` lets through are dropped (the message keeps its seq, so the subscriber sees no gap). Pure.
 */
export function filterPoints<M extends Pick<PointsAppended, 'series' | 'points'>>(
  msg: M,
  entityOfSeries: (id: number) => ClassifiedEntity | undefined,
  allowed: (entity: ClassifiedEntity) => boolean,
): M {
  const hidden = new Set<number>();
  const series = msg.series.filter((s) => {
    const e = entityOfSeries(s.id);
    if (e && !allowed(e)) hidden.add(s.id);
    return !hidden.has(s.id);
  });
  const points = msg.points.filter((p) => {
    if (hidden.has(p.s)) return false;
    const e = entityOfSeries(p.s);
    return !e || allowed(e);
  });
  return points.length === msg.points.length && series.length === msg.series.length ? msg : { ...msg, series, points };
}

/**
 * A points message cut to a territory (a camat's kecamatan): the series located within it and their readings.
 * A series whose region is unknown here (`regionOf` undefined, not in the message) is left out: fail closed. Pure.
 */
export function pointsInTerritory<M extends Pick<PointsAppended, 'series' | 'points'>>(
  msg: M,
  regionOf: (id: number) => string | null | undefined,
  territory: string,
): M {
  const fresh = new Map(msg.series.map((s) => [s.id, s.region]));
  const inside = (id: number) => withinTerritory(fresh.has(id) ? fresh.get(id) : regionOf(id), territory);
  const series = msg.series.filter((s) => inside(s.id));
  const points = msg.points.filter((p) => inside(p.s));
  return points.length === msg.points.length && series.length === msg.series.length ? msg : { ...msg, series, points };
}

/** Pure: positions only, of a metric without thresholds (vehicle positions): droppable. */
export const isDroppable = (metric: Pick<Metric, 'thresholds'> | undefined, msg: Pick<PointsAppended, 'points' | 'series'>): boolean =>
  !!metric && metric.thresholds === null && msg.series.length === 0 && msg.points.length > 0 && msg.points.every((p) => p.lon !== undefined);

/** Roughly what a snapshot costs in memory: bytes per history bucket and per series (measured, bench:greedy). */
const snapshotBytes = (s: MetricSnapshot): number => 512 + s.series.reduce((n, x) => n + 400 + x.history.length * 64, 0);

/**
 * Snapshots shared by anonymous subscribers for a short while (and while in flight), per metric and
 * (quantised) history length. Bounded by bytes, least recently used first out, and by age. Each carries the
 * seq read before its query: catch-up starts there.
 */
export function createSnapshotCache(
  series: Pick<SeriesService, 'snapshot'>,
  ttlMs: number,
  clock: () => number,
  maxBytes: number,
  /** What the public may see of a metric (filtered once here; a copy filtered further is serialised as usual). */
  visible: (metric: Metric, entity: string) => boolean = () => true,
) {
  type Entry = { at: number; snapshot: Promise<MetricSnapshot> };
  // an entry in flight counts as 64 KiB until its size is known
  const cache = new LRUCache<string, Entry>({ maxSize: maxBytes, sizeCalculation: () => 64 * 1024 });
  return {
    get(metric: Metric, historyMinutes: number, now: number, seq: number): Promise<MetricSnapshot> {
      const key = `${metric.code}:${historyMinutes}`;
      const hit = cache.get(key);
      if (hit && clock() - hit.at < ttlMs) return hit.snapshot;
      // filtered for the public and serialised once for every subscriber it goes to (preencoded.ts); without the
      // entities' lines, which the public reads once from GET /api/public/v1/lines (public/lines.ts)
      const snapshot = series
        .snapshot(metric, historyMinutes, now)
        .then((snap) => preEncode<MetricSnapshot>({ ...snap, seq, series: snap.series.filter((x) => visible(metric, x.entity)).map(withoutPath) }));
      const entry: Entry = { at: clock(), snapshot };
      cache.set(key, entry);
      snapshot.then(
        (s) => {
          // the object and its serialised text
          if (cache.peek(key) === entry) cache.set(key, entry, { size: Math.min(maxBytes, 2 * snapshotBytes(s)) });
        },
        () => {
          if (cache.peek(key) === entry) cache.delete(key);
        },
      );
      return snapshot;
    },
    /** Estimated bytes held (tests, bench:greedy). */
    get bytes() {
      return cache.calculatedSize;
    },
  };
}

export function createPointsChannel(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  /** Counts reads made through a sharing agreement (server/sharing/usage.ts). */
  usage?: UsageRecorder;
  series: SeriesService;
  clock: () => number;
  /** How long anonymous subscribers share a snapshot (well inside what the hub holds for catch-up). */
  publicSnapshotMs: number;
  publicSnapshotCacheBytes: number;
  observeSnapshot?: (kind: 'series' | 'events', items: number) => void;
  /** Anonymous snapshots without history: the current state kept in memory (server/public/live-latest.ts). */
  publicLatest?: LiveLatest;
}): ChannelHandler<z.output<typeof subscribeSchema>, Metric, PointsFact, Delta, Snapshot> {
  const { catalog } = deps;
  const shared = createSnapshotCache(
    deps.series,
    deps.publicSnapshotMs,
    deps.clock,
    deps.publicSnapshotCacheBytes,
    (metric, entity) => catalog.decideSeries({ role: 'public' }, metric, entity).allow,
  );
  /** The classified entity of each series of a message: new series travel in it, before the registry's next refresh. */
  const entityLookup = (msg: Pick<PointsAppended, 'series'>) => {
    const fresh = new Map(msg.series.map((s) => [s.id, s.entity]));
    return (id: number): ClassifiedEntity | undefined => {
      const e = fresh.get(id);
      return e !== undefined ? catalog.entity(e) : catalog.entityOfSeries(id);
    };
  };
  return {
    type: 'points',
    subscribeEvent: 'series:subscribe',
    deltaEvent: 'points:appended',
    schema: subscribeSchema,
    keys: (req) => req.metrics,
    authorise(who, key, purpose) {
      const metric = catalog.metric(key);
      if (!metric) return { allow: false, code: 'not_found', message: `unknown metric '${key}'` };
      const d = catalog.decide(who, metric, 'metric', purpose);
      if (!d.allow) return { allow: false, code: 'forbidden', message: d.reason };
      const coarse = liveRefusal(metric.code, d.via);
      if (coarse) return { allow: false, code: 'forbidden', message: coarse };
      return {
        allow: true,
        item: metric,
        audit: (source) =>
          auditSharedRead(deps.pool, who, { type: 'metric', code: metric.code, ownerOpd: metric.ownerOpd }, d, { via: 'socket', source }, deps.usage),
      };
    },
    roomOf: (metric) => toRoomId({ type: 'metric', metric }),
    keyOf(room) {
      const r = parseRoomId(room);
      return r?.type === 'metric' ? r.metric : null;
    },
    isPublik: (key) => catalog.metric(key)?.class === 'publik',
    roomsOf: (fact) =>
      fact.points.length || fact.series.length
        ? [
            {
              room: toRoomId({ type: 'metric', metric: fact.metric }),
              delta: { metric: fact.metric, series: [...fact.series], points: [...fact.points] },
            },
          ]
        : [],
    merge: (a, b) => ({ metric: a.metric, series: [...a.series, ...b.series], points: [...a.points, ...b.points] }),
    async snapshot(who, inputs, req) {
      const now = deps.clock();
      // Anonymous subscribers share snapshots (a crowd of citizens costs the database one query per metric and
      // period); everyone else gets a fresh one.
      // A current-only metric (catalog `publicHistory: false`) gets no history for them (public/current-only.ts).
      const load = ({ item, seq }: { item: Metric; seq: number }) =>
        who.role === 'public'
          ? publicHistoryMinutes(item, quantiseHistory(req.historyMinutes)) === 0 && deps.publicLatest
            ? deps.publicLatest.get(item)
            : shared.get(item, publicHistoryMinutes(item, quantiseHistory(req.historyMinutes)), now, seq)
          : deps.series.snapshot(item, req.historyMinutes, now).then((snap) => ({ ...snap, seq }));
      // The series of classified entities (a rahasia project) are left out of what this principal may not read.
      const metrics: MetricSnapshot[] = (await Promise.all(inputs.map(load))).map((snap) => {
        // a territorial role (camat, lurah) gets the series located in its area only
        const series = inTerritory(snap.series, catalog.decide(who, snap.metric, 'metric', req.purpose)).filter(
          (x) => catalog.decideSeries(who, snap.metric, x.entity, req.purpose).allow,
        );
        const allowed = series.length === snap.series.length ? snap : { ...snap, series };
        return who.role === 'public' && currentOnly(snap.metric) ? withoutHistory(allowed) : allowed;
      });
      return { data: { serverTime: now, metrics }, seqs: metrics.map((m) => m.seq) };
    },
    classified(msg) {
      if (msg.series.length) catalog.noteSeries(msg.series);
      // a territorial metric's messages differ by territory (each camat's subscribers see their area)
      if (catalog.metric(msg.metric)?.territorial) return true;
      const entityOf = entityLookup(msg);
      return msg.series.some((s) => entityOf(s.id)) || msg.points.some((p) => entityOf(p.s));
    },
    view(who, msg, key, purpose) {
      const metric = catalog.metric(key);
      if (!metric) return msg;
      const d = catalog.decide(who, metric, 'metric', purpose);
      const mine = d.allow && d.territory !== undefined ? pointsInTerritory(msg, catalog.regionOfSeries, d.territory) : msg;
      const seen = filterPoints(mine, entityLookup(mine), (e) => catalog.decideSeries(who, metric, e.id, purpose).allow);
      if (who.role !== 'public') return seen;
      // anonymous sockets: no registered lines (they read them from REST), each series' current reading only
      // (public/current-only.ts); a current-only metric never with the value a correction replaced
      const lineless = seen.series.some((s) => s.path !== undefined) ? { ...seen, series: seen.series.map(withoutPath) } : seen;
      return currentDelta(lineless, deps.clock(), { corrections: !currentOnly(metric) });
    },
    volatile: (delta) => isDroppable(catalog.metric(delta.metric), delta),
    // Citizens: a metric without alert levels (traffic speed, landfill intake, project progress) reaches their
    // page at most once a second, merged; one with levels at once (a crossing is what they must see first).
    // Nothing empty is sent (a late backlog leaves nothing current). realtime/public-pace.ts.
    publicPace: {
      paced: (key) => {
        const m = catalog.metric(key);
        return m !== undefined && !m.thresholds;
      },
      empty: (v) => v.points.length === 0 && v.series.length === 0,
      compact: (d) => ({ ...d, series: [...new Map(d.series.map((s) => [s.id, s])).values()], points: newestPerSeries(d.points) }),
    },
    endedFields: (metric) => ({ metric }),
    observe: (snap) =>
      deps.observeSnapshot?.(
        'series',
        snap.metrics.reduce((n, m) => n + m.series.reduce((k, s) => k + s.history.length + 1, 0), 0),
      ),
  };
}
