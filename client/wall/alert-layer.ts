/**
 * Alert state on every map scene (issue 15): every entity whose latest value is at Siaga or Awas — gauges,
 * rain gauges, road segments, containers — is drawn on top of whatever layers the scene chose (the overview
 * included) as a ring in the level's colour with a label (name · level), so an Awas gauge cannot hide on a
 * scene about complaints. Pure: rows in, typed markers and deck.gl layers out; `describeLayers` lists them
 * (`alert-rings`, `alert-labels`) for the browser tests.
 */
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { AlertLevel } from '@shared/catalog';
import { alertRgba, type RGBA } from '../lib/alert-colors';

export interface AlertMarker {
  /** `<metric>:<entity>`, stable across updates. */
  key: string;
  entity: string;
  level: 'siaga' | 'awas';
  lon: number;
  lat: number;
  /** The entity stopped reporting: the ring is drawn dashed-dim, the label says so. */
  stale: boolean;
}

/** Labels beyond this many (least urgent first) are left off; every ring stays. */
export const MAX_ALERT_LABELS = 12;

interface Placed {
  entity: string;
  alert: AlertLevel;
  lon: number | null;
  lat: number | null;
  stale?: boolean;
  path?: readonly (readonly [number, number])[] | null;
}

const isAlert = (l: AlertLevel): l is 'siaga' | 'awas' => l === 'siaga' || l === 'awas';

/** The point to mark: the measuring point, else the middle vertex of the entity's line. */
function positionOf(r: Placed): [number, number] | null {
  if (r.lon !== null && r.lat !== null && Number.isFinite(r.lon) && Number.isFinite(r.lat)) return [r.lon, r.lat];
  const p = r.path && r.path.length > 0 ? r.path[Math.floor(r.path.length / 2)] : undefined;
  return p ? [p[0], p[1]] : null;
}

/** Markers for the rows at Siaga/Awas, Awas first (then by entity, for a stable order). */
export function alertMarkers(groups: Record<string, readonly Placed[]>): AlertMarker[] {
  const out: AlertMarker[] = [];
  const seen = new Set<string>();
  for (const [metric, rows] of Object.entries(groups)) {
    for (const r of rows) {
      if (!isAlert(r.alert)) continue;
      const pos = positionOf(r);
      const key = `${metric}:${r.entity}`;
      if (!pos || seen.has(key)) continue;
      seen.add(key);
      out.push({ key, entity: r.entity, level: r.alert, lon: pos[0], lat: pos[1], stale: r.stale === true });
    }
  }
  return out.sort((a, b) => Number(b.level === 'awas') - Number(a.level === 'awas') || a.entity.localeCompare(b.entity));
}

const HALO: RGBA = [11, 18, 32, 255];

/** "PA-UJI · AWAS" (the level names are the same in both UI languages). */
export const alertLabel = (m: AlertMarker): string => `${m.entity} · ${m.level.toUpperCase()}`;

/** The rings and labels, drawn last so they sit above every other layer. */
export function alertLayers(markers: readonly AlertMarker[], labelText: (m: AlertMarker) => string, scale = 1): Layer[] {
  const px = (n: number) => n * scale;
  const labelled = markers.slice(0, MAX_ALERT_LABELS);
  return [
    new ScatterplotLayer<AlertMarker>({
      id: 'alert-rings',
      data: markers as AlertMarker[],
      getPosition: (m) => [m.lon, m.lat],
      getRadius: (m) => px(m.level === 'awas' ? 22 : 16),
      radiusUnits: 'pixels',
      filled: true,
      getFillColor: (m) => alertRgba(m.level, m.stale ? 30 : 60),
      stroked: true,
      // a silent gauge stays as visible as a live one: the wall must not lose it when it drowns
      getLineColor: (m) => alertRgba(m.level),
      getLineWidth: (m) => px(m.level === 'awas' ? 5 : 4),
      lineWidthUnits: 'pixels',
      updateTriggers: { getRadius: scale, getLineWidth: scale },
    }),
    new TextLayer<AlertMarker>({
      id: 'alert-labels',
      data: labelled,
      getPosition: (m) => [m.lon, m.lat],
      getText: labelText,
      getSize: px(16),
      sizeUnits: 'pixels',
      getColor: [255, 255, 255, 255],
      getPixelOffset: (m) => [0, -px(m.level === 'awas' ? 30 : 24)],
      getTextAnchor: 'middle',
      getAlignmentBaseline: 'bottom',
      fontWeight: 700,
      fontSettings: { sdf: true },
      outlineWidth: 4,
      outlineColor: HALO,
      background: false,
      characterSet: 'auto',
      updateTriggers: { getSize: scale, getPixelOffset: scale, getText: labelText },
    }),
  ];
}
