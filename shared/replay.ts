/**
 * Rewind: one frame of a wall scene at a moment of the past 24 hours (GET /api/v1/replay). The frame has the
 * shapes of the live snapshots (series with their last reading at that moment and the hour before it from the
 * 1-minute roll-ups; the events open at that moment with the status they had; the alerts open then), so the
 * wall feeds it into fresh stores and draws it with the same panels and layers. Isomorphic.
 */
import { z } from 'zod';
import type { WireAlert } from './alerts';
import type { EventsSnapshot, MetricSnapshot } from './contract';
import type { MapLayerId, KpiId, ChartId, Scene } from './scenes';

/** How far back a frame may be asked for. */
export const REPLAY_WINDOW_MS = 24 * 3_600_000;
/** History carried with each series (the charts' hour). */
export const REPLAY_HISTORY_MINUTES = 60;

export const replayQuerySchema = z
  .object({
    scene: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a scene id'),
    /** Epoch ms of the moment to show. */
    at: z.coerce.number().int().positive(),
  })
  .strip();
export type ReplayQuery = z.infer<typeof replayQuerySchema>;

/**
 * A kind's open events at the moment, counted for what the wall draws of them instead of listed: one weighted
 * point per hexagon of the lattice anchored at `anchor` (shared/hexbin.ts; the wall's hexagon layer bins each
 * centre into the hexagon it was counted for), and counts per category and kelurahan — of the open events with a
 * position, like the live panels, which read the wall's located list. The kind's `open` list in `events` is then
 * empty; its `countsByStatus` holds as before.
 */
export interface EventAggregate {
  kind: string;
  /** The hexagon lattice's anchor [lon, lat] and radius in metres. */
  anchor: [number, number];
  radiusM: number;
  /** Hexagon centres and counts, flat: [lon, lat, n, lon, lat, n, …]. */
  hexes: number[];
  /** Per category ('' when none). */
  byCategory: Record<string, number>;
  /** Per kelurahan code. */
  byRegion: Record<string, number>;
  /** Open events with a position (the sum of `hexes`' counts). */
  located: number;
}

export interface ReplayFrame {
  scene: string;
  at: number;
  serverTime: number;
  metrics: Omit<MetricSnapshot, 'seq'>[];
  events: EventsSnapshot['kinds'];
  /** The open events of each kind in `events`, counted (their `open` lists are empty). */
  aggregates: EventAggregate[];
  alerts: WireAlert[];
  /** Metrics and event kinds of the scene the caller may not read (their panels stay hidden, as live). */
  forbidden: string[];
}

const LAYER_METRICS: Record<MapLayerId, string[]> = {
  'region-codes': [],
  'complaints-hex': ['complaints_open'],
  'complaints-heat': ['complaints_open'],
  'flood-columns': ['water_level'],
  rainfall: ['rainfall'],
  traffic: ['traffic_speed', 'congestion_index', 'traffic_intensity'],
  trucks: ['truck_load'],
  containers: ['container_fill'],
  projects: ['project_progress', 'project_progress_plan', 'project_budget_absorbed'],
  // conflict records are not series: the wall keeps its list and judges it at the frame's moment
  'project-conflicts': [],
  // incidents are not replayed from metrics (the rewind shows the measured city)
  incidents: [],
};
const KPI_METRICS: Record<KpiId, string[]> = {
  'complaints-open': ['complaints_open'],
  'water-level': ['water_level'],
  rainfall: ['rainfall'],
  'traffic-speed': ['traffic_speed', 'congestion_index'],
  congestion: ['congestion_index', 'traffic_speed'],
  'landfill-intake': ['landfill_intake'],
  'project-progress': ['project_progress', 'project_progress_plan', 'project_budget_absorbed'],
  trucks: ['truck_load'],
  pumps: ['pump_running'],
  containers: ['container_fill'],
};
const CHART_METRICS: Record<ChartId, string[]> = {
  'water-level': ['water_level'],
  gates: ['water_level'],
  'complaints-status': ['complaints_open'],
  'complaints-category': ['complaints_open'],
  'complaints-kecamatan': ['complaints_open'],
  'congestion-segments': ['congestion_index', 'traffic_speed'],
  'containers-fill': ['container_fill'],
  'projects-progress': ['project_progress', 'project_progress_plan', 'project_budget_absorbed'],
};
const COMPLAINT_LAYERS: readonly MapLayerId[] = ['complaints-hex', 'complaints-heat'];
const COMPLAINT_CHARTS: readonly ChartId[] = ['complaints-status', 'complaints-category', 'complaints-kecamatan'];

/** What a scene's panels read: metric codes and event kinds (pure; the replay reads exactly these). */
export function sceneSources(scene: Scene): { metrics: string[]; eventKinds: string[]; alerts: boolean } {
  const metrics = new Set<string>();
  const kinds = new Set<string>();
  let alerts = false;
  for (const p of scene.panels) {
    switch (p.type) {
      case 'map':
        for (const l of p.layers) {
          // a generic layer reads its own catalog code
          if (typeof l !== 'string') {
            if (l.type === 'metric-layer') metrics.add(l.metric);
            else kinds.add(l.kind);
            continue;
          }
          LAYER_METRICS[l].forEach((m) => metrics.add(m));
          if (COMPLAINT_LAYERS.includes(l)) kinds.add('complaint');
          if (l === 'flood-columns') alerts = true; // the ring of an entity in alert
        }
        break;
      case 'kpis':
        for (const k of p.kpis) KPI_METRICS[k].forEach((m) => metrics.add(m));
        break;
      case 'metric-kpi':
        p.metrics.forEach((m) => metrics.add(m));
        break;
      case 'metric-chart':
        metrics.add(p.metric);
        break;
      case 'chart':
        CHART_METRICS[p.chart].forEach((m) => metrics.add(m));
        if (COMPLAINT_CHARTS.includes(p.chart)) kinds.add('complaint');
        break;
      case 'alerts':
        alerts = true;
        break;
      case 'feeds':
      case 'incidents':
        break;
    }
  }
  return { metrics: [...metrics].sort(), eventKinds: [...kinds].sort(), alerts };
}
