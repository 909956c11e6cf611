/**
 * Puts the basemap on a map: fetches it once per page, adds its sources and the layers basemap-layers.ts
 * describes, registers the `pmtiles` protocol for an archive, and tells the tests what was drawn.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import { Protocol } from 'pmtiles';
import { fetchBasemap, type BasemapResponse } from '../api/basemap';
import { recordRenderedBasemap, type RenderedBasemap } from '../test-hooks';
import { geojsonBasemapLayers, pmtilesBasemapLayers, type BasemapStyleOptions, type PlacedLayer } from './basemap-layers';
import { maplibregl } from './maplibre';
import type { MapTheme } from './offline-style';

export { BASEMAP_LABEL_LAYERS } from './basemap-layers';

let protocolAdded = false;

function addPlaced(map: MapLibreMap, layers: PlacedLayer[]): void {
  for (const { spec, before } of layers) map.addLayer(spec, map.getLayer(before) ? before : undefined);
}

/**
 * Adds the basemap to a map whose style has loaded (after addRegionLayers: the layers slot in between the
 * kelurahan ones). With a PMTiles archive that is drawn instead of the GeoJSON layers.
 */
export function addBasemapLayers(map: MapLibreMap, basemap: BasemapResponse, theme: MapTheme, opts: BasemapStyleOptions = {}): void {
  if (basemap.pmtiles) {
    if (!protocolAdded) {
      maplibregl.addProtocol('pmtiles', new Protocol().tile);
      protocolAdded = true;
    }
    const url = `pmtiles://${new URL(basemap.pmtiles.url, window.location.href).href}`;
    map.addSource('basemap-pmtiles', basemap.pmtiles.tileType === 'mvt' ? { type: 'vector', url } : { type: 'raster', url, tileSize: 256 });
    addPlaced(map, pmtilesBasemapLayers(theme, basemap.pmtiles.tileType, opts));
    return;
  }
  for (const [name, data] of Object.entries(basemap.layers)) {
    map.addSource(`basemap-${name}`, { type: 'geojson', data: data as GeoJSON.FeatureCollection });
  }
  addPlaced(map, geojsonBasemapLayers(theme, opts));
}

const names = (fs: { properties: Record<string, unknown> }[]): string[] =>
  [...new Set(fs.map((f) => f.properties.name).filter((n): n is string => typeof n === 'string' && n !== ''))].sort();

/** What the map shows of the basemap now, for tests (only what MapLibre actually drew or placed). */
export function queryRenderedBasemap(map: MapLibreMap): RenderedBasemap {
  const q = (id: string) => (map.getLayer(id) ? map.queryRenderedFeatures({ layers: [id] }) : []);
  return {
    roads: names(q('basemap-roads')),
    rivers: names(q('basemap-rivers')),
    roadLabels: names(q('basemap-road-label')),
    riverLabels: names(q('basemap-river-label')),
    water: q('basemap-water').length,
  };
}

/**
 * Fetches the basemap (once per page) and adds it to a loaded map; `onAdded` runs once it is drawn into the
 * style. Without a basemap (an old server, a failed request) the map keeps its kelurahan alone.
 */
export function attachBasemap(map: MapLibreMap, theme: MapTheme, opts: BasemapStyleOptions = {}, onAdded?: () => void): void {
  let removed = false;
  map.once('remove', () => {
    removed = true;
  });
  fetchBasemap().then(
    (b) => {
      if (removed) return;
      addBasemapLayers(map, b, theme, opts);
      recordRenderedBasemap(() => queryRenderedBasemap(map));
      onAdded?.();
    },
    (e: unknown) => console.warn('basemap unavailable; the map shows the kelurahan only', e),
  );
}
