/**
 * The basemap as data (issue 17): the layers a kota imports (`admin basemap import`) and the server serves to
 * every map. Four GeoJSON layers, each a FeatureCollection, drawn in this order: land over water is how a port
 * pier or an island sits on the sea; rivers and roads on top, with their names along the lines.
 *
 * Or a PMTiles archive (one file of vector or raster tiles, `GET /api/public/v1/basemap/tiles.pmtiles`, read
 * with HTTP range requests); its header's summary is in `BasemapResponse.pmtiles`.
 */
import { z } from 'zod';

export const BASEMAP_LAYERS = ['land', 'water', 'rivers', 'roads'] as const;
export type BasemapLayer = (typeof BASEMAP_LAYERS)[number];

/** Road classes, most prominent first (OpenStreetMap's `highway` values, without `_link`). */
export const ROAD_CLASSES = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'residential'] as const;
export type RoadClass = (typeof ROAD_CLASSES)[number];

/** What each layer's features may be. */
export const LAYER_GEOMETRY: Readonly<Record<BasemapLayer, readonly ('Polygon' | 'MultiPolygon' | 'LineString' | 'MultiLineString')[]>> = {
  land: ['Polygon', 'MultiPolygon'],
  water: ['Polygon', 'MultiPolygon'],
  rivers: ['LineString', 'MultiLineString'],
  roads: ['LineString', 'MultiLineString'],
};

const position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const line = z.array(position);
const polygon = z.array(line);
const geometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('LineString'), coordinates: line }),
  z.object({ type: z.literal('MultiLineString'), coordinates: z.array(line) }),
  z.object({ type: z.literal('Polygon'), coordinates: polygon }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(polygon) }),
]);
export type BasemapGeometry = z.infer<typeof geometry>;

/** A feature as served: the geometry and the few properties the style reads (anything else is dropped). */
export const basemapFeature = z.object({
  type: z.literal('Feature'),
  properties: z.object({
    /** Shown along rivers and roads, and on named water bodies. */
    name: z.string().max(200).nullable().optional(),
    /** Roads only. */
    class: z.enum(ROAD_CLASSES).nullable().optional(),
    /** Water: sea | lake | reservoir | river (an area); land: land | pier. Free text, styled only where known. */
    kind: z.string().max(40).nullable().optional(),
  }),
  geometry,
});
export type BasemapFeature = z.infer<typeof basemapFeature>;

export const basemapCollection = z.object({ type: z.literal('FeatureCollection'), features: z.array(basemapFeature) });
export type BasemapCollection = z.infer<typeof basemapCollection>;

export const pmtilesSummary = z.object({
  /** Where the archive is served (same origin). */
  url: z.string(),
  /** `mvt` (vector tiles in the Protomaps basemap schema), or a raster image type. */
  tileType: z.enum(['mvt', 'png', 'jpeg', 'webp', 'avif', 'unknown']),
  minZoom: z.number().int(),
  maxZoom: z.number().int(),
  /** [west, south, east, north] */
  bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  bytes: z.number().int(),
});
export type PmtilesSummary = z.infer<typeof pmtilesSummary>;

/** `GET /api/public/v1/basemap`: every GeoJSON layer (empty where none was imported) and the PMTiles archive, if any. */
export const basemapResponse = z.object({
  layers: z.object({ land: basemapCollection, water: basemapCollection, rivers: basemapCollection, roads: basemapCollection }),
  pmtiles: pmtilesSummary.nullable(),
  /** When the newest layer or archive was imported (ISO 8601), null with no basemap at all. */
  updatedAt: z.string().nullable(),
});
export type BasemapResponse = z.infer<typeof basemapResponse>;
