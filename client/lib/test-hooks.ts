/**
 * Hooks the browser tests wait on. Kept tiny and side-effect free until called.
 * - `document.body.dataset.live = 'true'` once a live `points:appended` delta has been applied.
 * - `window.__sinergi.pointsApplied` counts every delta point applied to a live store.
 * - `window.__sinergi.mapLayers` describes the deck.gl layers last handed to the wall map.
 */

/** One deck.gl layer as the map was given it: id, layer class, rows; for path layers, each path's vertex count. */
export interface MapLayerSummary {
  id: string;
  type: string;
  items: number;
  pathVertices?: number[];
  /** For text layers: each label's text. */
  texts?: string[];
}

/** A MapLibre label layer as drawn: its text size and halo width in CSS px, and whether labels may overlap. */
export interface MapLabelSummary {
  layer: string;
  px: number;
  haloPx: number;
  allowOverlap: boolean;
}

/** What a map's basemap shows now (MapLibre's queryRenderedFeatures): names of the drawn lines and placed labels. */
export interface RenderedBasemap {
  roads: string[];
  rivers: string[];
  roadLabels: string[];
  riverLabels: string[];
  /** Water polygons drawn (sea, lakes). */
  water: number;
}

export interface SinergiTestHooks {
  /** The basemap as rendered on the page's map (set once the basemap is drawn). */
  renderedBasemap?: () => RenderedBasemap;
  /** Screen position (CSS px, viewport) of a WGS84 point on the wall map, so a test can tap an entity. */
  projectOnMap?: (lon: number, lat: number) => { x: number; y: number } | null;
  /** The wall map's label layers (set once the basemap is drawn). */
  mapLabels?: MapLabelSummary[];
  pointsApplied: number;
  deltasApplied: number;
  snapshotsApplied: number;
  resyncs: number;
  mapLayers: MapLayerSummary[];
}

declare global {
  interface Window {
    __sinergi?: SinergiTestHooks;
  }
}

function hooks(): SinergiTestHooks {
  if (typeof window === 'undefined') {
    return { pointsApplied: 0, deltasApplied: 0, snapshotsApplied: 0, resyncs: 0, mapLayers: [] };
  }
  window.__sinergi ??= { pointsApplied: 0, deltasApplied: 0, snapshotsApplied: 0, resyncs: 0, mapLayers: [] };
  return window.__sinergi;
}

/** Installs `window.__sinergi` with zeroed counters (idempotent). */
export function installTestHooks(): void {
  hooks();
}

export function recordDeltaApplied(points: number): void {
  const h = hooks();
  h.deltasApplied += 1;
  h.pointsApplied += points;
  if (typeof document !== 'undefined' && document.body.dataset.live !== 'true') {
    document.body.dataset.live = 'true';
  }
}

export function recordSnapshotApplied(): void {
  hooks().snapshotsApplied += 1;
}

export function recordResync(): void {
  hooks().resyncs += 1;
}

export function recordMapLayers(layers: MapLayerSummary[]): void {
  hooks().mapLayers = layers;
}

export function recordMapProjector(f: (lon: number, lat: number) => { x: number; y: number } | null): void {
  hooks().projectOnMap = f;
}

export function recordRenderedBasemap(f: () => RenderedBasemap): void {
  hooks().renderedBasemap = f;
}

export function recordMapLabels(labels: MapLabelSummary[]): void {
  hooks().mapLabels = labels;
}

/** Mirrors a state on `<body data-KEY="…">` for tests and for CSS. */
export function setBodyState(key: string, value: string): void {
  if (typeof document !== 'undefined') document.body.dataset[key] = value;
}
