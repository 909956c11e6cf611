/**
 * "Current only" metrics: what anonymous callers get of a metric whose catalog entry says `publicHistory:
 * false`. Pure; no I/O. Applied at every anonymous door — the /public socket (snapshots, deltas, catch-up),
 * anonymous GET /api/v1/series, the open-data files and CKAN (which offer such a metric's `latest` view only);
 * signed-in roles keep the full history.
 *
 * Why. publication.ts protects every published complaint count jointly and treats the city's open total (the
 * publik metric `complaints_open`) as known. Its history is more: the change of the open count over a bucket
 * is received − closed in that bucket, so where nothing closed, the bucket's received count follows, whatever
 * the joint rule hides — on a quiet day with small counts it pins a city-wide bucket count. The open count now
 * is one figure the joint rule already takes as known; its past values are not published anonymously at all.
 * A flag in the catalog, not a rule by name: a kota marks any derived counter the same way.
 *
 * What is left: someone who watches the current value live, for days, sees it change as the city's complaints
 * arrive and close — the same as any citizen watching the page. What cannot be had is the history after the
 * fact (every bucket of the past 30 days at once, matched against the period tables).
 */
import { publicHistoryOf, type Metric } from '../../shared/catalog';
import type { MetricSnapshot, PointsAppended, WirePoint } from '../../shared/contract';

/** Whether anonymous callers get only the current value of this metric. */
export const currentOnly = (m: Pick<Metric, 'publicHistory'> | undefined): boolean => m !== undefined && !publicHistoryOf(m);

/** The minutes of history an anonymous snapshot of `m` may carry: none for a current-only metric. */
export const publicHistoryMinutes = (m: Pick<Metric, 'publicHistory'>, minutes: number): number => (currentOnly(m) ? 0 : minutes);

/** A snapshot as anonymous callers may have it: each series' latest reading, no history buckets. */
export function withoutHistory<S extends Pick<MetricSnapshot, 'series'>>(snap: S): S {
  if (snap.series.every((s) => s.history.length === 0)) return snap;
  return { ...snap, series: snap.series.map((s) => (s.history.length ? { ...s, history: [] } : s)) };
}

/** A bucketed range as anonymous callers may have it: every series' latest reading, no buckets. */
export function rangeWithoutHistory<R extends { series: readonly { buckets: readonly unknown[] }[] }>(r: R): R & { currentOnly: true } {
  return { ...r, series: r.series.map((s) => ({ ...s, buckets: [] })), currentOnly: true };
}

/** A reading older than this is not "current": a late backlog is not streamed to anonymous sockets. */
export const CURRENT_MAX_AGE_MS = 15 * 60_000;

/**
 * A live delta as anonymous sockets get it: per series only the newest reading of the message, and only when it
 * is not older than CURRENT_MAX_AGE_MS. Applied to every metric on `/public` (issue 18): the citizen page paints
 * from each series' latest reading (it asks for no history), so a backlog delivered late — a feed's spool
 * draining after an outage, hours of readings in one batch, or a week's back-fill — is not written to every
 * citizen's socket as a history they drop on arrival; on a flood day with thousands of citizens connected that
 * was megabytes per citizen (docs/benchmarks.md, "a feed comes back"). History reaches anonymous callers through
 * snapshots and REST. A message left with nothing is not sent at all; the next one carries `prev` and keeps
 * subscribers in step (realtime/public-pace.ts).
 *
 * `corrections`: whether the newest reading keeps the value a correction replaced (`was`), which lets a client
 * holding a folded minute move its mean. Off for a current-only metric: its anonymous callers never get a value
 * a correction replaced (the past is not published), and corrections of past readings neither.
 *
 * Pure and deterministic for a message and a clock (the channel applies it live and in catch-up alike); the
 * message itself is returned when nothing is left out.
 */
export function currentDelta<M extends Pick<PointsAppended, 'points'>>(msg: M, now: number, opts: { corrections?: boolean } = {}): M {
  const keepWas = opts.corrections === true;
  const newest = new Map<number, WirePoint>();
  for (const p of msg.points) {
    const had = newest.get(p.s);
    // the last of equal times wins: a reading and its correction in one batch leave the correction
    if (!had || p.t >= had.t) newest.set(p.s, p);
  }
  const points: WirePoint[] = [];
  for (const p of newest.values()) {
    if (p.t < now - CURRENT_MAX_AGE_MS) continue;
    if (keepWas || p.was === undefined) points.push(p);
    else {
      const { was: _was, ...plain } = p;
      points.push(plain);
    }
  }
  if (points.length === msg.points.length && points.every((p, i) => p === msg.points[i])) return msg;
  return { ...msg, points };
}

/**
 * Pure: the readings of merged messages reduced to each series' newest (the last among equal times), what a
 * `/public` view of them can still show (public-pace.ts `compact`: a paced room's buffer holds one reading per
 * series however much arrives). A correction (`was`) of a reading merged with it loses its `was`: the reading it
 * replaced never left, so the client must take the value as a plain reading, not move a mean by it.
 */
export function newestPerSeries(points: readonly WirePoint[]): WirePoint[] {
  const newest = new Map<number, WirePoint>();
  for (const p of points) {
    const had = newest.get(p.s);
    if (had && p.t < had.t) continue;
    if (had && p.t === had.t && p.was !== undefined) {
      const { was: _was, ...plain } = p;
      newest.set(p.s, plain);
    } else newest.set(p.s, p);
  }
  return [...newest.values()];
}
