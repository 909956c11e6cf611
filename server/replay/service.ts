/**
 * The wall's rewind: one frame of a scene at a moment of the past 24 hours, read from the database — each
 * series' last raw reading at that moment (one index probe per series), the hour before it from the 1-minute
 * roll-ups, the events of that moment counted with the status they had then (event history: per status, and the
 * open ones per category, kelurahan and hexagon of the wall's layer), the alerts open then. Authorised
 * like the live data: a metric or event kind the caller may not read is left out and named in `forbidden`.
 * Returns domain results; the route maps them to HTTP.
 */
import type pg from 'pg';
import type { Principal } from '../../shared/contract';
import type { SeriesSnapshot } from '../../shared/contract';
import { REPLAY_HISTORY_MINUTES, REPLAY_WINDOW_MS, sceneSources, type EventAggregate, type ReplayFrame } from '../../shared/replay';
import { COMPLAINT_HEX_RADIUS_M, hexCentre, hexLattice } from '../../shared/hexbin';
import { listSeries } from '../../db/queries/points';
import { alertsAt, eventCountsAt, latestPointsAt } from '../../db/queries/replay';
import { eventEntityRule, seriesItem } from '../access/policy';
import type { CatalogService } from '../catalog/service';
import type { GeometryCache } from '../entities/geometry';
import type { SceneSource } from '../wall/scenes';
import type { SeriesService } from '../series/service';

export type ReplayResult =
  { kind: 'frame'; frame: ReplayFrame } | { kind: 'unknown-scene'; known: string[] } | { kind: 'out-of-range'; from: number; to: number };

export interface ReplayService {
  frame(who: Principal, sceneId: string, at: number): Promise<ReplayResult>;
}

export function createReplayService(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  series: Pick<SeriesService, 'history'>;
  scenes: Pick<SceneSource, 'current'>;
  geometry?: Pick<GeometryCache, 'withPath'>;
  /** Where the wall anchors its complaints hexagons: the city's bounding-box centre (null: no regions). */
  hexAnchor?: () => Promise<[number, number] | null>;
  clock: () => number;
}): ReplayService {
  const { pool, catalog } = deps;
  return {
    async frame(who, sceneId, at) {
      const now = deps.clock();
      if (at > now + 1_000 || at < now - REPLAY_WINDOW_MS) return { kind: 'out-of-range', from: now - REPLAY_WINDOW_MS, to: now };
      const scenes = deps.scenes.current().scenes.scenes;
      const scene = scenes.find((s) => s.id === sceneId);
      if (!scene) return { kind: 'unknown-scene', known: scenes.map((s) => s.id) };
      const sources = sceneSources(scene);
      const forbidden: string[] = [];
      const metrics = sources.metrics.flatMap((code) => {
        const m = catalog.metric(code);
        if (!m) return [];
        if (!catalog.decide(who, m, 'metric').allow) {
          forbidden.push(code);
          return [];
        }
        return [m];
      });
      const kinds = sources.eventKinds.flatMap((code) => {
        const k = catalog.eventKind(code);
        if (!k) return [];
        if (!catalog.decide(who, k, 'event_kind').allow) {
          forbidden.push(code);
          return [];
        }
        return [k];
      });

      // a classified entity (a terbatas project) hides its series wherever its metric would show (decideSeries)
      const metricOf = new Map(metrics.map((m) => [m.code, m]));
      const series = (
        await listSeries(
          pool,
          metrics.map((m) => m.code),
        )
      ).filter((s) => catalog.decideSeries(who, metricOf.get(s.metric)!, s.entity).allow);
      const ids = series.map((s) => s.id);
      const [latest, history, anchor, alerts] = await Promise.all([
        latestPointsAt(pool, ids, at, REPLAY_WINDOW_MS),
        deps.series.history(ids, at - REPLAY_HISTORY_MINUTES * 60_000, at),
        kinds.length ? (deps.hexAnchor?.() ?? Promise.resolve(null)) : Promise.resolve(null),
        sources.alerts ? alertsAt(pool, at) : Promise.resolve([]),
      ]);
      // The events travel counted (100,000 open complaints were ~16 MB of rows): per status, and of the open located
      // ones per category, kelurahan and hexagon, with the live path's access rule applied in the query.
      const lattice = hexLattice(anchor ?? [0, 0], COMPLAINT_HEX_RADIUS_M);
      const counted = await Promise.all(
        kinds.map(async (k) => {
          const rule = eventEntityRule(catalog.classifiedEntities(), (e) => catalog.decide(who, seriesItem(k, e), 'event_kind').allow);
          return { kind: k, counts: await eventCountsAt(pool, k.code, at, lattice, rule) };
        }),
      );
      const events = counted.map(({ kind, counts }) => ({ kind, seq: 0, open: [], countsByStatus: counts.countsByStatus }));
      const aggregates: EventAggregate[] = counted.map(({ kind, counts }) => ({
        kind: kind.code,
        anchor: lattice.anchor,
        radiusM: COMPLAINT_HEX_RADIUS_M,
        hexes: counts.hexes.flatMap((h) => {
          const [lon, lat] = hexCentre(lattice, h.i, h.j);
          return [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6, h.n];
        }),
        byCategory: counts.byCategory,
        byRegion: counts.byRegion,
        located: counts.hexes.reduce((n, h) => n + h.n, 0),
      }));
      const owner = new Map(metrics.map((m) => [m.code, m.ownerOpd]));
      const byMetric = new Map<string, SeriesSnapshot[]>();
      for (const s of series) {
        const p = latest.get(s.id);
        const snap: SeriesSnapshot = {
          ...(deps.geometry ? deps.geometry.withPath(s, owner.get(s.metric)) : s),
          lon: p?.lon ?? s.lon,
          lat: p?.lat ?? s.lat,
          latest: p ? { t: p.t, v: p.v } : null,
          // the minute that holds `at` is partial: its roll-up may include readings after `at`
          history: (history.get(s.id) ?? []).filter((b) => b.t + 60_000 <= at),
        };
        byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), snap]);
      }
      const visible = new Set(metrics.map((m) => m.code));
      return {
        kind: 'frame',
        frame: {
          scene: scene.id,
          at,
          serverTime: now,
          metrics: metrics.map((m) => ({ metric: m, series: byMetric.get(m.code) ?? [] })),
          events,
          aggregates,
          // the value an alert shows is the series' reading at that moment
          alerts: alerts
            .filter((a) => visible.has(a.metric) && catalog.decideSeries(who, metricOf.get(a.metric)!, a.entity).allow)
            .map((a) => {
              const p = latest.get(a.seriesId);
              return p ? { ...a, lastValue: p.v, lastTime: p.t } : a;
            }),
          forbidden,
        },
      };
    },
  };
}
