/** Traffic: speed, congestion and intensity per road segment. Pure. */
import { alertLevel, type AlertLevel, type SeriesMeta } from '@shared/catalog';
import type { MetricState } from '../../lib/live-store';
import { hasPosition, latestByEntity, mean, type Positioned } from '../common';

/** A line in WGS84 `[lon, lat]` vertices, as registered for the entity (SeriesMeta.path). */
export type LonLatPath = NonNullable<SeriesMeta['path']>;

export interface SegmentRow {
  entity: string;
  /** The road's name (registered with the line). */
  name?: string | null;
  region: string | null;
  /** The measuring point. */
  lon: number | null;
  lat: number | null;
  /** The segment's line along the road, when its OPD registered one (at least 2 vertices); else null. */
  path: LonLatPath | null;
  speed: number | null;
  congestion: number | null;
  intensity: number | null;
  alert: AlertLevel;
  t: number;
}

export function segmentRows(speed: MetricState | undefined, congestion: MetricState | undefined, intensity?: MetricState): SegmentRow[] {
  const sp = latestByEntity(speed);
  const cg = latestByEntity(congestion);
  const it = latestByEntity(intensity);
  const th = congestion?.metric?.thresholds ?? null;
  const paths = pathsByEntity(congestion, speed, intensity);
  const entities = new Set([...sp.keys(), ...cg.keys()]);
  const rows: SegmentRow[] = [];
  for (const e of [...entities].sort()) {
    const a = sp.get(e);
    const b = cg.get(e);
    const c = it.get(e);
    const any = a ?? b ?? c!;
    rows.push({
      entity: e,
      name: b?.name ?? a?.name ?? c?.name ?? null,
      region: any.region,
      lon: b?.lon ?? a?.lon ?? c?.lon ?? null,
      lat: b?.lat ?? a?.lat ?? c?.lat ?? null,
      path: paths.get(e) ?? null,
      speed: a?.value ?? null,
      congestion: b?.value ?? null,
      intensity: c?.value ?? null,
      alert: b ? alertLevel(b.value, th) : 'normal',
      t: Math.max(a?.t ?? 0, b?.t ?? 0),
    });
  }
  return rows;
}

/** The registered line of each entity, from the series metas; the first state that has one wins. */
function pathsByEntity(...states: (MetricState | undefined)[]): Map<string, LonLatPath> {
  const out = new Map<string, LonLatPath>();
  for (const state of states) {
    if (!state || state.status === 'forbidden') continue;
    for (const s of state.series.values()) {
      const path = s.meta.path;
      if (path && path.length >= 2 && !out.has(s.meta.entity)) out.set(s.meta.entity, path);
    }
  }
  return out;
}

/** A segment drawn as its line. */
export type SegmentLine = SegmentRow & { path: LonLatPath };

/**
 * Splits the rows for the map: segments with a line are drawn along the road, the others as a marker at
 * their measuring point (and segments with neither are left off the map). New arrays each call.
 */
export function segmentsForMap(rows: readonly SegmentRow[]): { lines: SegmentLine[]; points: Positioned<SegmentRow>[] } {
  const lines: SegmentLine[] = [];
  const points: Positioned<SegmentRow>[] = [];
  for (const r of rows) {
    if (r.path !== null && r.path.length >= 2) lines.push(r as SegmentLine);
    else if (hasPosition(r)) points.push(r);
  }
  return { lines, points };
}

export function averageSpeed(rows: readonly SegmentRow[]): number | null {
  return mean(rows.flatMap((r) => (r.speed === null ? [] : [r.speed])));
}

export function averageCongestion(rows: readonly SegmentRow[]): number | null {
  return mean(rows.flatMap((r) => (r.congestion === null ? [] : [r.congestion])));
}
