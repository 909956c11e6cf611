/**
 * The wall's client-side buffers fed with simulated days of the demo city at the simulator's full rate, on a
 * simulated clock: the same stores, options and derivations the page runs (LiveStore, EventsStore with the
 * wall's located-events bound, AlertsStore, truck trails), the same message shapes the server streams, alerts
 * opened and cleared by the server's own rule. What a wall left running holds is read after every simulated
 * hour. Used by tests/unit/wall-soak.test.ts (bounds, day 2 against day 1) and `npm run bench:soak` (figures
 * and the Node heap). The browser's own share (React, deck.gl, ECharts) is bench:wall's business.
 */
import { DEMO_EVENT_KINDS, DEMO_METRICS } from '../../demo/catalog';
import { createSimulator } from '../../ingest/sources/simulator';
import { evaluateAlert, type WireAlert } from '../../shared/alerts';
import type { SeriesMeta } from '../../shared/catalog';
import type { EventsChanged, PointsAppended, WireEvent, WirePoint } from '../../shared/contract';
import { AlertsStore } from '../../client/lib/alerts';
import { EventsStore } from '../../client/lib/events-store';
import { defaultLiveOptions } from '../../client/lib/live-options';
import { LiveStore } from '../../client/lib/live-store';
import { hasPosition } from '../../client/features/common';
import { truckRows } from '../../client/features/sanitation/derive';
import { TrailBuffer } from '../../client/features/sanitation/trails';
import { WALL_EVENT_KINDS, WALL_MAX_LOCATED_EVENTS, WALL_METRICS } from '../../client/wall/subscription';

const HOUR = 3_600_000;
/** The simulated span between two deliveries (the server streams every 100 ms; what is kept does not depend on it). */
const STEP_MS = 10_000;
/** LiveConnection prunes every 30 s. */
const PRUNE_MS = 30_000;

export interface SoakHour {
  /** Simulated hours since the start. */
  hour: number;
  series: number;
  /** Readings and minute points held in every series buffer. */
  points: number;
  /** The largest series buffer. */
  maxSeriesPoints: number;
  recentEvents: number;
  knownEvents: number;
  /** Complaints and flood reports held for the density map. */
  located: number;
  /** Of those, what the simulated city really has open, with a position, among the events the wall saw. */
  locatedOpenTruth: number;
  alerts: number;
  trails: number;
  trailPoints: number;
  /** Readings delivered so far. */
  delivered: number;
}

export interface SoakOptions {
  hours: number;
  seed?: number;
  /** The simulated start (default 2026-11-23 00:00 WIB). */
  start?: number;
  onHour?: (h: SoakHour) => void;
  /** Only run the simulator (same steps, nothing delivered): the harness's own memory, for bench:soak's baseline. */
  simulatorOnly?: boolean;
}

const asMs = (t: string | number) => (typeof t === 'number' ? t : Date.parse(t));

export async function soakWallBuffers(opts: SoakOptions): Promise<SoakHour[]> {
  const sim = await createSimulator({ seed: opts.seed ?? 7 });
  const clock = { now: opts.start ?? Date.UTC(2026, 10, 22, 17, 0) };
  const options = { ...defaultLiveOptions(), maxLocatedEvents: WALL_MAX_LOCATED_EVENTS };
  const store = new LiveStore(options, () => clock.now);
  const events = new EventsStore(options);
  const alerts = new AlertsStore(200, () => clock.now);
  const trails = new TrailBuffer();

  const metrics = DEMO_METRICS.filter((m) => (WALL_METRICS as readonly string[]).includes(m.code));
  for (const m of metrics) store.applySnapshot({ metric: m, seq: 0, series: [] }, clock.now);
  const kinds = DEMO_EVENT_KINDS.filter((k) => (WALL_EVENT_KINDS as readonly string[]).includes(k.code));
  for (const k of kinds) {
    events.track(k.code);
    events.beginSync(k.code);
  }
  events.applySnapshot({ serverTime: clock.now, kinds: kinds.map((kind) => ({ kind, seq: 0, open: [], countsByStatus: {} })) });

  const seq = new Map<string, number>();
  const next = (key: string) => {
    const n = (seq.get(key) ?? 0) + 1;
    seq.set(key, n);
    return n;
  };
  const ids = new Map<string, number>();
  const thresholds = new Map(metrics.map((m) => [m.code, m.thresholds]));
  const openAlerts = new Map<number, WireAlert>();
  let alertId = 0;
  // the truth the located list is checked against: every event's last status, and where it is
  const truth = new Map<string, WireEvent>();
  const closed = new Map(kinds.map((k) => [k.code, new Set(k.closedStatuses)]));

  const hours: SoakHour[] = [];
  let delivered = 0;
  let lastPrune = clock.now;
  const end = clock.now + opts.hours * HOUR;
  let nextHour = clock.now + HOUR;
  let first = true;
  for (let from = clock.now; from < end; from += STEP_MS) {
    const to = from + STEP_MS;
    const byMetric = new Map<string, { series: SeriesMeta[]; points: WirePoint[] }>();
    const byKind = new Map<string, WireEvent[]>();
    const alertChanges: WireAlert[] = [];
    const deliveries = sim.collect(from, to, first);
    first = false;
    clock.now = to;
    if (opts.simulatorOnly) {
      if (to >= nextHour) {
        nextHour += HOUR;
        const h = {
          hour: hours.length + 1,
          series: 0,
          points: 0,
          maxSeriesPoints: 0,
          recentEvents: 0,
          knownEvents: 0,
          located: 0,
          locatedOpenTruth: 0,
          alerts: 0,
          trails: 0,
          trailPoints: 0,
          delivered: 0,
        };
        hours.push(h);
        opts.onHour?.(h);
      }
      continue;
    }
    for (const d of deliveries) {
      for (const p of d.points) {
        const m = byMetric.get(p.metric) ?? { series: [], points: [] };
        byMetric.set(p.metric, m);
        const key = `${p.metric}|${p.entity}`;
        let id = ids.get(key);
        if (id === undefined) {
          id = ids.size + 1;
          ids.set(key, id);
          m.series.push({ id, metric: p.metric, entity: p.entity, region: p.region ?? null, lon: p.lon ?? null, lat: p.lat ?? null });
        }
        const w: WirePoint = { s: id, t: asMs(p.time), v: p.value };
        if (p.lon !== undefined && p.lat !== undefined) {
          w.lon = p.lon;
          w.lat = p.lat;
        }
        m.points.push(w);
        // the server's alert rule, per series
        const th = thresholds.get(p.metric);
        if (th) {
          const cur = openAlerts.get(id) ?? null;
          for (const tr of evaluateAlert(cur && { level: cur.level, lastTime: cur.lastTime }, [{ t: w.t, v: w.v }], th)) {
            if (tr.kind === 'open') {
              const a: WireAlert = {
                id: ++alertId,
                metric: p.metric,
                entity: p.entity,
                seriesId: id,
                level: tr.level,
                openedAt: tr.time,
                lastValue: tr.value,
                lastTime: tr.time,
                clearedAt: null,
                acknowledgedAt: null,
                acknowledgedBy: null,
                note: null,
              };
              openAlerts.set(id, a);
              alertChanges.push(a);
            } else if (cur) {
              const a: WireAlert = { ...openAlerts.get(id)!, lastValue: tr.value, lastTime: tr.time };
              if (tr.kind === 'escalate') a.level = 'awas';
              if (tr.kind === 'clear') {
                a.clearedAt = tr.time;
                openAlerts.delete(id);
              } else openAlerts.set(id, a);
              if (tr.kind !== 'update') alertChanges.push(a);
            }
          }
        }
      }
      for (const e of d.events) {
        if (!closed.has(e.kind)) continue;
        const w: WireEvent = {
          kind: e.kind,
          id: e.id,
          status: e.status,
          t: asMs(e.time),
          category: e.category ?? null,
          region: e.region ?? null,
          lon: e.lon ?? null,
          lat: e.lat ?? null,
        };
        const list = byKind.get(e.kind) ?? [];
        byKind.set(e.kind, list);
        list.push(w);
        // (closed ones leave, so the harness's own memory stays flat too)
        const before = truth.get(e.id);
        if (closed.get(e.kind)!.has(e.status)) truth.delete(e.id);
        else truth.set(e.id, { ...w, lon: w.lon ?? before?.lon ?? null, lat: w.lat ?? before?.lat ?? null });
      }
    }
    for (const [metric, m] of byMetric) {
      const msg: PointsAppended = { metric, seq: next(metric), series: m.series, points: m.points };
      if (store.applyDelta(msg) !== 'applied') throw new Error(`delta of ${metric} not applied`);
      delivered += m.points.length;
    }
    for (const [kind, list] of byKind) {
      const msg: EventsChanged = { kind, seq: next(`events:${kind}`), events: list };
      if (events.applyDelta(msg) !== 'applied') throw new Error(`events of ${kind} not applied`);
    }
    if (alertChanges.length) alerts.merge(alertChanges);
    // what useWallData does when the trucks' metric moved
    if (byMetric.has('truck_load')) trails.update(truckRows(store.get('truck_load'), store.now()).filter(hasPosition), store.now());
    if (to - lastPrune >= PRUNE_MS) {
      store.prune();
      lastPrune = to;
    }
    if (to >= nextHour) {
      nextHour += HOUR;
      let series = 0;
      let points = 0;
      let maxSeriesPoints = 0;
      for (const code of store.codes()) {
        for (const buf of store.get(code)!.series.values()) {
          series++;
          points += buf.t.length;
          maxSeriesPoints = Math.max(maxSeriesPoints, buf.t.length);
        }
      }
      let recentEvents = 0;
      let knownEvents = 0;
      let located = 0;
      for (const k of kinds) {
        const st = events.get(k.code)!;
        recentEvents += st.recent.length;
        knownEvents += events.knownCount(k.code);
        located += st.located.length;
      }
      let locatedOpenTruth = 0;
      for (const e of truth.values()) if (e.lon !== null && e.lat !== null) locatedOpenTruth++;
      const trailList = trails.trails();
      const h: SoakHour = {
        hour: hours.length + 1,
        series,
        points,
        maxSeriesPoints,
        recentEvents,
        knownEvents,
        located,
        locatedOpenTruth,
        alerts: alerts.size,
        trails: trailList.length,
        trailPoints: trailList.reduce((n, t) => n + t.path.length, 0),
        delivered,
      };
      hours.push(h);
      opts.onHour?.(h);
    }
  }
  return hours;
}
