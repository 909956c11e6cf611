/**
 * The wall's incident layer (map layer `incidents`, issue 16): every open incident with a position is drawn as
 * a dot in its severity's colour (Waspada yellow, Siaga orange, Awas red); an incident past its target gets a
 * white ring around the dot, so a late one stands out from across the room. Pure: incidents in, typed markers
 * and deck.gl layers out (`incident-dots`, `incident-late-rings`, `incident-labels` for the browser tests).
 */
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { CLOSED_STATUSES, type IncidentSeverity, type WireIncident } from '@shared/incidents';
import { alertRgba, type RGBA } from '../lib/alert-colors';

export interface IncidentMarker {
  id: number;
  title: string;
  severity: IncidentSeverity;
  lon: number;
  lat: number;
  /** Past its target time while still open. */
  late: boolean;
}

/** Labels beyond this many (least urgent first) are left off; every dot stays. */
export const MAX_INCIDENT_LABELS = 10;

const RANK: Record<IncidentSeverity, number> = { awas: 0, siaga: 1, waspada: 2 };

const placed = (v: number | null, lo: number, hi: number): v is number => v !== null && Number.isFinite(v) && v >= lo && v <= hi;

/**
 * Markers for the open (not closed, not merged) incidents that have a valid position: most severe first, then
 * late before on time, then nearest target, then id (a stable order).
 */
export function incidentMarkers(incidents: Iterable<WireIncident>, now: number): IncidentMarker[] {
  const out: (IncidentMarker & { targetAt: number })[] = [];
  for (const i of incidents) {
    if (CLOSED_STATUSES.includes(i.status) || i.mergedInto !== null) continue;
    if (!placed(i.lon, -180, 180) || !placed(i.lat, -90, 90)) continue;
    out.push({ id: i.id, title: i.title, severity: i.severity, lon: i.lon, lat: i.lat, late: now > i.targetAt, targetAt: i.targetAt });
  }
  out.sort((a, b) => RANK[a.severity] - RANK[b.severity] || Number(b.late) - Number(a.late) || a.targetAt - b.targetAt || a.id - b.id);
  return out.map(({ targetAt: _t, ...m }) => m);
}

/** "#12 Banjir · TERLAMBAT" (the late word comes from the UI language). */
export const incidentLabel = (m: IncidentMarker, lateWord: string): string => `#${m.id} ${m.title}${m.late ? ` · ${lateWord}` : ''}`;

const HALO: RGBA = [11, 18, 32, 255];
const LATE_RING: RGBA = [255, 255, 255, 255];

export function incidentLayers(markers: readonly IncidentMarker[], labelText: (m: IncidentMarker) => string, scale = 1): Layer[] {
  const px = (n: number) => n * scale;
  const late = markers.filter((m) => m.late);
  return [
    new ScatterplotLayer<IncidentMarker>({
      id: 'incident-late-rings',
      data: late,
      getPosition: (m) => [m.lon, m.lat],
      getRadius: px(19),
      radiusUnits: 'pixels',
      filled: false,
      stroked: true,
      getLineColor: LATE_RING,
      getLineWidth: px(3),
      lineWidthUnits: 'pixels',
      updateTriggers: { getRadius: scale, getLineWidth: scale },
    }),
    new ScatterplotLayer<IncidentMarker>({
      id: 'incident-dots',
      data: markers as IncidentMarker[],
      getPosition: (m) => [m.lon, m.lat],
      getRadius: (m) => px(m.severity === 'awas' ? 13 : 11),
      radiusUnits: 'pixels',
      filled: true,
      getFillColor: (m) => alertRgba(m.severity),
      stroked: true,
      getLineColor: HALO,
      getLineWidth: px(2),
      lineWidthUnits: 'pixels',
      updateTriggers: { getRadius: scale, getLineWidth: scale },
    }),
    new TextLayer<IncidentMarker>({
      id: 'incident-labels',
      data: markers.slice(0, MAX_INCIDENT_LABELS),
      getPosition: (m) => [m.lon, m.lat],
      getText: labelText,
      getSize: px(14),
      sizeUnits: 'pixels',
      getColor: [255, 255, 255, 255],
      getPixelOffset: [0, px(22)],
      getTextAnchor: 'middle',
      getAlignmentBaseline: 'top',
      fontWeight: 700,
      fontSettings: { sdf: true },
      outlineWidth: 4,
      outlineColor: HALO,
      characterSet: 'auto',
      updateTriggers: { getSize: scale, getPixelOffset: scale, getText: labelText },
    }),
  ];
}
