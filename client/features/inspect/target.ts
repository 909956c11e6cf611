/**
 * What a tap on the wall map (or the tablet) points at: a series-backed entity (a gauge, a road segment, a
 * container, a truck, a project) or an area of complaints (a hexagon). Pure: from the picked deck.gl layer and
 * its row, and for areas from the open complaints around the point.
 */
import { ALERT_LEVELS, type AlertLevel } from '@shared/catalog';
import type { WireAlert } from '@shared/alerts';
import type { WireEvent } from '@shared/contract';

export type InspectTarget =
  | { kind: 'entity'; metric: string; entity: string; name: string | null; lon: number | null; lat: number | null }
  | { kind: 'area'; lon: number; lat: number; radiusM: number };

/** The metric whose series a layer's rows are (the card's value, alerts and sparkline). */
export const LAYER_METRIC: Readonly<Record<string, string>> = {
  'flood-columns': 'water_level',
  rainfall: 'rainfall',
  'traffic-roads': 'congestion_index',
  'traffic-segments': 'congestion_index',
  containers: 'container_fill',
  trucks: 'truck_load',
  projects: 'project_progress',
};

/** Layers a tap can open a card on. */
export const PICKABLE_LAYERS: ReadonlySet<string> = new Set([...Object.keys(LAYER_METRIC), 'complaints-hex']);

/** The hexagon radius of the complaints layer, metres (an area card counts what lies within it). */
export const AREA_RADIUS_M = 450;

export function targetOf(layerId: string, object: unknown, coordinate: readonly number[] | null): InspectTarget | null {
  if (layerId === 'complaints-hex') {
    return coordinate && coordinate.length >= 2 ? { kind: 'area', lon: coordinate[0]!, lat: coordinate[1]!, radiusM: AREA_RADIUS_M } : null;
  }
  const metric = LAYER_METRIC[layerId];
  if (!metric || !object || typeof object !== 'object') return null;
  const row = object as { entity?: unknown; name?: unknown; lon?: unknown; lat?: unknown };
  if (typeof row.entity !== 'string') return null;
  return {
    kind: 'entity',
    metric,
    entity: row.entity,
    name: typeof row.name === 'string' ? row.name : null,
    lon: typeof row.lon === 'number' ? row.lon : null,
    lat: typeof row.lat === 'number' ? row.lat : null,
  };
}

/** Metres between two WGS84 points (equirectangular: exact enough across a city). */
export function metresBetween(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const k = Math.PI / 180;
  const x = (lon2 - lon1) * k * Math.cos(((lat1 + lat2) / 2) * k);
  const y = (lat2 - lat1) * k;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

/** Open complaints within `radiusM` of a point, and their count by category (largest first). */
export function complaintsNear(
  events: readonly WireEvent[],
  lon: number,
  lat: number,
  radiusM: number,
): { n: number; byCategory: { category: string; n: number }[] } {
  const counts = new Map<string, number>();
  let n = 0;
  for (const e of events) {
    if (e.lon === null || e.lat === null || metresBetween(lon, lat, e.lon, e.lat) > radiusM) continue;
    n++;
    const c = e.category ?? '-';
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return {
    n,
    byCategory: [...counts].map(([category, k]) => ({ category, n: k })).sort((a, b) => b.n - a.n || a.category.localeCompare(b.category)),
  };
}

/**
 * A rewind frame's count near a point: its hexagons are counted per cell (shared/replay.ts `hexes`, flat
 * [lon, lat, n, …]); the count of the hexagon whose centre is nearest, if within `radiusM` (else 0).
 */
export function hexCountNear(hexes: readonly number[], lon: number, lat: number, radiusM: number): number {
  let best = Infinity;
  let n = 0;
  for (let i = 0; i + 2 < hexes.length; i += 3) {
    const d = metresBetween(lon, lat, hexes[i]!, hexes[i + 1]!);
    if (d < best) {
      best = d;
      n = hexes[i + 2]!;
    }
  }
  return best <= radiusM ? n : 0;
}

/** The open alerts of one entity's metric, most severe first. */
export function alertsOf(alerts: readonly WireAlert[], metric: string, entity: string): WireAlert[] {
  const rank = (l: AlertLevel) => ALERT_LEVELS.indexOf(l);
  return alerts.filter((a) => a.metric === metric && a.entity === entity && a.clearedAt === null).sort((a, b) => rank(b.level) - rank(a.level));
}
