/**
 * The basemap's look (issue 17): sea and lakes, rivers as blue lines, roads by class (the toll roads the most
 * prominent), road and river names along their lines. Two themes: the dark wall and the light public page and
 * tablet. Labels are drawn locally from the page's CSS font (Noto Sans via @fontsource; the style has no
 * `glyphs` URL, see offline-style.ts), so nothing is fetched from another site.
 *
 * The layers go between the kelurahan layers offline-style.ts adds: water and land under the kelurahan fill,
 * rivers and roads over it (under the kelurahan outlines' labels), names above the kelurahan names and below
 * the kecamatan ones, which MapLibre therefore places first when labels collide.
 *
 * A PMTiles archive (when a kota imported one) is read through the `pmtiles` protocol from our own URL:
 * raster tiles are drawn as they are; vector tiles are styled by the Protomaps basemap schema (source layers
 * `water` and `roads`, with `kind` and `name`), the schema of the archives `pmtiles extract` cuts.
 */
import type { ExpressionSpecification, LayerSpecification } from 'maplibre-gl';
import { FONT_REGULAR, type MapTheme } from './offline-style';

interface BasemapColors {
  water: string;
  coast: string;
  land: string;
  river: string;
  riverLabel: string;
  road: Record<'motorway' | 'trunk' | 'primary' | 'secondary' | 'minor', string>;
  motorwayCasing: string;
  roadLabel: string;
  halo: string;
}

// Dark: the wall's data layers (congestion green/amber/red, alerts) sit on top, so roads stay neutral greys and
// the toll roads a pale gold, never a congestion colour.
const COLORS: Record<MapTheme, BasemapColors> = {
  dark: {
    water: '#0c2d4f',
    coast: 'rgba(96, 165, 250, 0.55)',
    land: '#1a2436',
    river: 'rgba(74, 144, 226, 0.95)',
    riverLabel: '#93c5fd',
    road: {
      motorway: '#e8d9a8',
      trunk: 'rgba(226, 232, 240, 0.85)',
      primary: 'rgba(203, 213, 225, 0.7)',
      secondary: 'rgba(148, 163, 184, 0.6)',
      minor: 'rgba(148, 163, 184, 0.4)',
    },
    motorwayCasing: 'rgba(11, 18, 32, 0.9)',
    roadLabel: '#e2e8f0',
    halo: 'rgba(11, 18, 32, 0.92)',
  },
  light: {
    water: '#aacfee',
    coast: 'rgba(37, 99, 235, 0.45)',
    land: '#e4e8ed',
    river: '#4a90d9',
    riverLabel: '#1d4ed8',
    road: { motorway: '#f08c2e', trunk: '#f6c26b', primary: '#ffffff', secondary: '#ffffff', minor: '#f8fafc' },
    motorwayCasing: '#b45309',
    roadLabel: '#334155',
    halo: 'rgba(255, 255, 255, 0.95)',
  },
};

export interface BasemapStyleOptions {
  /** 1 at a 1920-px-wide wall, 2 at 4K: line widths and label sizes scale, zoom thresholds shift by log2. */
  scale?: number;
  /** Label size in CSS px (the wall's fixed, legible size); absent: grows with the zoom. */
  labelPx?: number;
}

/** Where each layer goes: before which layer of offline-style.ts. */
export type BasemapSlot = 'regions-fill' | 'kelurahan-label' | 'kecamatan-label';

export interface PlacedLayer {
  spec: LayerSpecification;
  before: BasemapSlot;
}

/** The ids of the label layers, for the legibility hooks and tests. */
export const BASEMAP_LABEL_LAYERS = ['basemap-road-label', 'basemap-river-label'] as const;
/** The line layers a test can query to see what was drawn. */
export const BASEMAP_LINE_LAYERS = ['basemap-roads', 'basemap-rivers'] as const;

const CLASS_ORDER: ExpressionSpecification = ['match', ['get', 'class'], 'motorway', 5, 'trunk', 4, 'primary', 3, 'secondary', 2, 1];

function roadColor(c: BasemapColors): ExpressionSpecification {
  return [
    'match',
    ['get', 'class'],
    'motorway',
    c.road.motorway,
    'trunk',
    c.road.trunk,
    'primary',
    c.road.primary,
    'secondary',
    c.road.secondary,
    c.road.minor,
  ];
}

/** Road width in px by class at two zooms (exponential between), times the wall's scale. */
function roadWidth(k: number, dz: number, extra = 0): ExpressionSpecification {
  const at = (z: number, w: Record<string, number>): (string | number | ExpressionSpecification)[] => [
    z + dz,
    [
      'match',
      ['get', 'class'],
      'motorway',
      (w.motorway! + extra) * k,
      'trunk',
      (w.trunk! + extra) * k,
      'primary',
      (w.primary! + extra) * k,
      'secondary',
      (w.secondary! + extra) * k,
      (w.minor! + extra) * k,
    ],
  ];
  return [
    'interpolate',
    ['exponential', 1.5],
    ['zoom'],
    ...at(10, { motorway: 1.6, trunk: 1.3, primary: 1, secondary: 0.6, minor: 0.3 }),
    ...at(15, { motorway: 7, trunk: 5.5, primary: 4.5, secondary: 3, minor: 2 }),
  ] as unknown as ExpressionSpecification;
}

function labelSize(k: number, dz: number, px: number | undefined, base: number): number | ExpressionSpecification {
  return px ?? (['interpolate', ['linear'], ['zoom'], 11 + dz, base * k, 15 + dz, (base + 3) * k] as unknown as ExpressionSpecification);
}

/**
 * The GeoJSON layers' style: pure, so a test can read what the map is given. Sources are `basemap-land`,
 * `basemap-water`, `basemap-rivers`, `basemap-roads`.
 */
export function geojsonBasemapLayers(theme: MapTheme, opts: BasemapStyleOptions = {}): PlacedLayer[] {
  const c = COLORS[theme];
  const k = opts.scale && opts.scale > 0 ? opts.scale : 1;
  const dz = Math.log2(k);
  return [
    { before: 'regions-fill', spec: { id: 'basemap-water', type: 'fill', source: 'basemap-water', paint: { 'fill-color': c.water } } },
    {
      before: 'regions-fill',
      spec: {
        id: 'basemap-coast',
        type: 'line',
        source: 'basemap-water',
        filter: ['==', ['get', 'kind'], 'sea'],
        paint: { 'line-color': c.coast, 'line-width': 1.2 * k },
      },
    },
    { before: 'regions-fill', spec: { id: 'basemap-land', type: 'fill', source: 'basemap-land', paint: { 'fill-color': c.land } } },
    {
      before: 'kelurahan-label',
      spec: {
        id: 'basemap-rivers',
        type: 'line',
        source: 'basemap-rivers',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': c.river,
          // the flood canals (banjir kanal) are wider than the kali
          'line-width': ['interpolate', ['linear'], ['zoom'], 10 + dz, 1.2 * k, 15 + dz, 4 * k],
        },
      },
    },
    {
      before: 'kelurahan-label',
      spec: {
        id: 'basemap-motorway-casing',
        type: 'line',
        source: 'basemap-roads',
        filter: ['==', ['get', 'class'], 'motorway'],
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': c.motorwayCasing, 'line-width': roadWidth(k, dz, 1.6) },
      },
    },
    {
      before: 'kelurahan-label',
      spec: {
        id: 'basemap-roads',
        type: 'line',
        source: 'basemap-roads',
        minzoom: 0,
        layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': CLASS_ORDER },
        paint: { 'line-color': roadColor(c), 'line-width': roadWidth(k, dz) },
      },
    },
    {
      before: 'kecamatan-label',
      spec: {
        id: 'basemap-river-label',
        type: 'symbol',
        source: 'basemap-rivers',
        minzoom: 10 + dz,
        filter: ['has', 'name'],
        layout: {
          'symbol-placement': 'line',
          'text-field': ['get', 'name'],
          'text-font': FONT_REGULAR,
          'text-size': labelSize(k, dz, opts.labelPx, 10),
          'text-letter-spacing': 0.04,
          'text-max-angle': 35,
          // beside the line, not on it: a thin line shows through the gaps between words otherwise
          'text-offset': [0, -0.8],
          'symbol-spacing': 400 * k,
          'text-padding': 2 * k,
          'text-allow-overlap': false,
        },
        paint: { 'text-color': c.riverLabel, 'text-halo-color': c.halo, 'text-halo-width': 1.4 * k },
      },
    },
    {
      before: 'kecamatan-label',
      spec: {
        id: 'basemap-road-label',
        type: 'symbol',
        source: 'basemap-roads',
        minzoom: 10 + dz,
        filter: ['has', 'name'],
        layout: {
          'symbol-placement': 'line',
          // the toll roads and trunk roads win a crowded spot
          'symbol-sort-key': ['-', 6, CLASS_ORDER],
          'text-field': ['get', 'name'],
          'text-font': FONT_REGULAR,
          'text-size': labelSize(k, dz, opts.labelPx, 10),
          'text-max-angle': 35,
          // beside the line, not on it: a thin line shows through the gaps between words otherwise
          'text-offset': [0, -0.8],
          'symbol-spacing': 350 * k,
          'text-padding': 2 * k,
          'text-allow-overlap': false,
        },
        paint: { 'text-color': c.roadLabel, 'text-halo-color': c.halo, 'text-halo-width': 1.4 * k },
      },
    },
  ];
}

/** The PMTiles archive's layers (source `basemap-pmtiles`): a raster as is, vector tiles in the Protomaps schema. */
export function pmtilesBasemapLayers(theme: MapTheme, tileType: string, opts: BasemapStyleOptions = {}): PlacedLayer[] {
  if (tileType !== 'mvt') return [{ before: 'regions-fill', spec: { id: 'basemap-raster', type: 'raster', source: 'basemap-pmtiles' } }];
  const c = COLORS[theme];
  const k = opts.scale && opts.scale > 0 ? opts.scale : 1;
  const dz = Math.log2(k);
  // Protomaps `kind` → our classes, so the GeoJSON style's widths and colours apply unchanged
  const asClass = [
    'match',
    ['get', 'kind'],
    'highway',
    'motorway',
    'major_road',
    'primary',
    'medium_road',
    'secondary',
    'minor',
  ] as unknown as ExpressionSpecification;
  const withClass = (e: ExpressionSpecification): ExpressionSpecification =>
    JSON.parse(JSON.stringify(e).replaceAll('["get","class"]', JSON.stringify(asClass))) as ExpressionSpecification;
  const src = { source: 'basemap-pmtiles' };
  const isLine: ExpressionSpecification = ['==', ['geometry-type'], 'LineString'];
  const isArea: ExpressionSpecification = ['==', ['geometry-type'], 'Polygon'];
  return [
    {
      before: 'regions-fill',
      spec: { id: 'basemap-water', type: 'fill', ...src, 'source-layer': 'water', filter: isArea, paint: { 'fill-color': c.water } },
    },
    {
      before: 'kelurahan-label',
      spec: {
        id: 'basemap-rivers',
        type: 'line',
        ...src,
        'source-layer': 'water',
        filter: isLine,
        paint: { 'line-color': c.river, 'line-width': ['interpolate', ['linear'], ['zoom'], 10 + dz, 1 * k, 15 + dz, 3.5 * k] },
      },
    },
    {
      before: 'kelurahan-label',
      spec: {
        id: 'basemap-roads',
        type: 'line',
        ...src,
        'source-layer': 'roads',
        filter: ['in', ['get', 'kind'], ['literal', ['highway', 'major_road', 'medium_road', 'minor_road']]],
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': withClass(roadColor(c)), 'line-width': withClass(roadWidth(k, dz)) },
      },
    },
    {
      before: 'kecamatan-label',
      spec: {
        id: 'basemap-river-label',
        type: 'symbol',
        ...src,
        'source-layer': 'water',
        filter: ['all', isLine, ['has', 'name']],
        minzoom: 10 + dz,
        layout: {
          'symbol-placement': 'line',
          'text-field': ['get', 'name'],
          'text-font': FONT_REGULAR,
          'text-size': labelSize(k, dz, opts.labelPx, 10),
          'text-offset': [0, -0.8],
        },
        paint: { 'text-color': c.riverLabel, 'text-halo-color': c.halo, 'text-halo-width': 1.4 * k },
      },
    },
    {
      before: 'kecamatan-label',
      spec: {
        id: 'basemap-road-label',
        type: 'symbol',
        ...src,
        'source-layer': 'roads',
        filter: ['all', ['has', 'name'], ['in', ['get', 'kind'], ['literal', ['highway', 'major_road', 'medium_road']]]],
        minzoom: 10 + dz,
        layout: {
          'symbol-placement': 'line',
          'text-field': ['get', 'name'],
          'text-font': FONT_REGULAR,
          'text-size': labelSize(k, dz, opts.labelPx, 10),
          'text-offset': [0, -0.8],
        },
        paint: { 'text-color': c.roadLabel, 'text-halo-color': c.halo, 'text-halo-width': 1.4 * k },
      },
    },
  ];
}
