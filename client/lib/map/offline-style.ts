/**
 * A basemap with no remote resources: a background, the kelurahan polygons from our own API, and name
 * labels. The style has no `glyphs` and no sprite, so MapLibre draws labels locally with the CSS font
 * (Noto Sans from @fontsource, bundled with the page).
 */
import type { ExpressionSpecification, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import type { RegionFeature, RegionsResponse } from '../api/regions';

export type MapTheme = 'dark' | 'light';

interface ThemeColors {
  background: string;
  line: string;
  kecLine: string;
  label: string;
  labelHalo: string;
  kecLabel: string;
  fillOpacity: number;
  lightness: number;
  saturation: number;
}

const THEMES: Record<MapTheme, ThemeColors> = {
  dark: {
    background: '#0b1220',
    line: 'rgba(148, 163, 184, 0.35)',
    kecLine: 'rgba(203, 213, 225, 0.55)',
    label: 'rgba(203, 213, 225, 0.75)',
    labelHalo: 'rgba(11, 18, 32, 0.9)',
    kecLabel: 'rgba(241, 245, 249, 0.95)',
    fillOpacity: 0.35,
    lightness: 28,
    saturation: 35,
  },
  light: {
    background: '#eef2f6',
    line: 'rgba(71, 85, 105, 0.35)',
    kecLine: 'rgba(51, 65, 85, 0.6)',
    label: 'rgba(51, 65, 85, 0.85)',
    labelHalo: 'rgba(255, 255, 255, 0.9)',
    kecLabel: 'rgba(15, 23, 42, 0.95)',
    fillOpacity: 0.45,
    lightness: 84,
    saturation: 45,
  },
};

/** Font stacks: the first family is a CSS family loaded via @fontsource; the rest are fallbacks. */
export const FONT_REGULAR = ['Noto Sans', 'Noto Sans Regular'];
export const FONT_BOLD = ['Noto Sans Bold', 'Noto Sans'];

export function buildOfflineStyle(theme: MapTheme): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': THEMES[theme].background } }],
  };
}

type Ring = number[][];

function ringCentroid(ring: Ring): { x: number; y: number; a: number } {
  let a = 0;
  let x = 0;
  let y = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const p = ring[i]!;
    const q = ring[j]!;
    const f = q[0]! * p[1]! - p[0]! * q[1]!;
    a += f;
    x += (q[0]! + p[0]!) * f;
    y += (q[1]! + p[1]!) * f;
  }
  if (Math.abs(a) < 1e-12) {
    // Degenerate ring: fall back to the vertex mean.
    const n = Math.max(1, ring.length);
    return { x: ring.reduce((s, p) => s + p[0]!, 0) / n, y: ring.reduce((s, p) => s + p[1]!, 0) / n, a: 0 };
  }
  return { x: x / (3 * a), y: y / (3 * a), a: Math.abs(a / 2) };
}

/** Area-weighted centroid of a (multi)polygon's outer rings, and its area in degrees². */
export function featureCentroid(f: RegionFeature): { lon: number; lat: number; area: number } {
  const outers: Ring[] = f.geometry.type === 'Polygon' ? [f.geometry.coordinates[0] ?? []] : f.geometry.coordinates.map((p) => p[0] ?? []);
  let sx = 0;
  let sy = 0;
  let sa = 0;
  for (const r of outers) {
    if (r.length < 3) continue;
    const c = ringCentroid(r);
    const w = c.a || 1e-12;
    sx += c.x * w;
    sy += c.y * w;
    sa += w;
  }
  return sa > 0 ? { lon: sx / sa, lat: sy / sa, area: sa } : { lon: 0, lat: 0, area: 0 };
}

/** Label points: one per kelurahan and one per kecamatan (area-weighted over its kelurahan). */
export function labelPoints(r: RegionsResponse) {
  const kel: GeoJSON.Feature<GeoJSON.Point, { name: string; code: string }>[] = [];
  const kec = new Map<string, { name: string; x: number; y: number; a: number }>();
  for (const f of r.regions.features) {
    const c = featureCentroid(f);
    if (c.area <= 0) continue;
    kel.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [c.lon, c.lat] },
      properties: { name: f.properties.name ?? '', code: f.properties.code },
    });
    if (typeof f.properties.kecamatanCode !== 'string' || !f.properties.kecamatanName) continue;
    const k = kec.get(f.properties.kecamatanCode) ?? { name: f.properties.kecamatanName, x: 0, y: 0, a: 0 };
    k.x += c.lon * c.area;
    k.y += c.lat * c.area;
    k.a += c.area;
    kec.set(f.properties.kecamatanCode, k);
  }
  const kecFeatures: GeoJSON.Feature<GeoJSON.Point, { name: string; code: string }>[] = [...kec].map(([code, k]) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [k.x / k.a, k.y / k.a] },
    properties: { name: k.name, code },
  }));
  return {
    kelurahan: { type: 'FeatureCollection' as const, features: kel },
    kecamatan: { type: 'FeatureCollection' as const, features: kecFeatures },
  };
}

/** A `match` expression giving each kecamatan its own hue (golden-angle spacing, stable by code order). */
export function kecamatanColorExpression(r: RegionsResponse, theme: MapTheme): string | ExpressionSpecification {
  const codes = [...new Set(r.regions.features.map((f) => f.properties.kecamatanCode))]
    .filter((c): c is string => typeof c === 'string' && c !== '')
    .sort();
  const { lightness, saturation } = THEMES[theme];
  const pairs: string[] = [];
  codes.forEach((code, i) => {
    const hue = Math.round((i * 137.508 + 200) % 360);
    pairs.push(code, `hsl(${hue}, ${saturation}%, ${lightness}%)`);
  });
  const fallback = `hsl(210, ${saturation}%, ${lightness}%)`;
  if (pairs.length === 0) return fallback;
  return ['match', ['get', 'kecamatanCode'], ...pairs, fallback] as unknown as ExpressionSpecification;
}

/**
 * Adds the kelurahan fill + outline and the name labels. Call after the style has loaded.
 * `scale` (1 at a 1920-px-wide wall, 2 at 4K) multiplies text and line sizes and shifts zoom thresholds by
 * log2(scale): the bigger canvas fits the city one zoom level deeper, and it should look the same, only sharper.
 */
export function addRegionLayers(
  map: MapLibreMap,
  r: RegionsResponse,
  theme: MapTheme,
  opts: { kelurahanLabelMinZoom?: number; scale?: number; labelPx?: number } = {},
): void {
  const c = THEMES[theme];
  const k = opts.scale && opts.scale > 0 ? opts.scale : 1;
  const dz = Math.log2(k);
  const labels = labelPoints(r);
  map.addSource('regions', { type: 'geojson', data: r.regions as unknown as GeoJSON.FeatureCollection });
  map.addSource('kelurahan-labels', { type: 'geojson', data: labels.kelurahan });
  map.addSource('kecamatan-labels', { type: 'geojson', data: labels.kecamatan });
  map.addLayer({
    id: 'regions-fill',
    type: 'fill',
    source: 'regions',
    paint: { 'fill-color': kecamatanColorExpression(r, theme), 'fill-opacity': c.fillOpacity },
  });
  map.addLayer({
    id: 'regions-line',
    type: 'line',
    source: 'regions',
    paint: { 'line-color': c.line, 'line-width': ['interpolate', ['linear'], ['zoom'], 10 + dz, 0.5 * k, 14 + dz, 1.5 * k] },
  });
  map.addLayer({
    id: 'kelurahan-label',
    type: 'symbol',
    source: 'kelurahan-labels',
    minzoom: (opts.kelurahanLabelMinZoom ?? 12.5) + dz,
    layout: {
      'text-field': ['get', 'name'],
      'text-font': FONT_REGULAR,
      // a wall reads from metres away: one fixed size (labelPx) instead of growing with the zoom
      'text-size': opts.labelPx ?? ['interpolate', ['linear'], ['zoom'], 12 + dz, 10 * k, 15 + dz, 13 * k],
      'text-max-width': 8,
      'text-padding': 2 * k,
    },
    paint: { 'text-color': c.label, 'text-halo-color': c.labelHalo, 'text-halo-width': 1.2 * k },
  });
  map.addLayer({
    id: 'kecamatan-label',
    type: 'symbol',
    source: 'kecamatan-labels',
    maxzoom: 15 + dz,
    layout: {
      'text-field': ['upcase', ['get', 'name']],
      'text-font': FONT_BOLD,
      'text-size': opts.labelPx ? opts.labelPx * 1.1 : ['interpolate', ['linear'], ['zoom'], 10 + dz, 11 * k, 14 + dz, 16 * k],
      'text-letter-spacing': 0.08,
      'text-max-width': 10,
      'text-allow-overlap': false,
    },
    paint: { 'text-color': c.kecLabel, 'text-halo-color': c.labelHalo, 'text-halo-width': 1.5 * k },
  });
}

/**
 * Shows (or hides again) the Kemendagri codes under the region names: kelurahan labels become visible at
 * every zoom with "name / 33.74.01.1001", kecamatan labels get their code. Call after addRegionLayers.
 */
export function showRegionCodes(map: MapLibreMap, on: boolean, kelurahanLabelMinZoom = 12.5, codeScale = 0.8): void {
  if (!map.getLayer('kelurahan-label') || !map.getLayer('kecamatan-label')) return;
  const withCode = (name: ExpressionSpecification | string[]) =>
    ['format', name, {}, '\n', {}, ['get', 'code'], { 'font-scale': codeScale }] as unknown as ExpressionSpecification;
  map.setLayoutProperty('kelurahan-label', 'text-field', on ? withCode(['get', 'name']) : ['get', 'name']);
  map.setLayoutProperty(
    'kecamatan-label',
    'text-field',
    on ? withCode(['upcase', ['get', 'name']] as unknown as string[]) : ['upcase', ['get', 'name']],
  );
  // the kecamatan labels give way to the kelurahan ones where they collide
  map.setLayerZoomRange('kelurahan-label', on ? 0 : kelurahanLabelMinZoom, 24);
}
