/** Traffic: speed, congestion and intensity per road segment. Pure. */
import { alertLevel, type AlertLevel } from '@shared/catalog';
import type { MetricState } from '../../lib/live-store';
import { latestByEntity, mean } from '../common';

export interface SegmentRow {
  entity: string;
  region: string | null;
  lon: number | null;
  lat: number | null;
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
  const entities = new Set([...sp.keys(), ...cg.keys()]);
  const rows: SegmentRow[] = [];
  for (const e of [...entities].sort()) {
    const a = sp.get(e);
    const b = cg.get(e);
    const c = it.get(e);
    const any = a ?? b ?? c!;
    rows.push({
      entity: e,
      region: any.region,
      lon: b?.lon ?? a?.lon ?? c?.lon ?? null,
      lat: b?.lat ?? a?.lat ?? c?.lat ?? null,
      speed: a?.value ?? null,
      congestion: b?.value ?? null,
      intensity: c?.value ?? null,
      alert: b ? alertLevel(b.value, th) : 'normal',
      t: Math.max(a?.t ?? 0, b?.t ?? 0),
    });
  }
  return rows;
}

export function averageSpeed(rows: readonly SegmentRow[]): number | null {
  return mean(rows.flatMap((r) => (r.speed === null ? [] : [r.speed])));
}

export function averageCongestion(rows: readonly SegmentRow[]): number | null {
  return mean(rows.flatMap((r) => (r.congestion === null ? [] : [r.congestion])));
}
