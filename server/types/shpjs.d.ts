/**
 * shpjs ships no types (and @types/shpjs describes its 3.x API): the one call we make, on a zip Buffer in
 * Node. A zip with one layer gives one collection; with several, one per layer (each with its file name).
 */
declare module 'shpjs' {
  import type { FeatureCollection } from 'geojson';
  type Layer = FeatureCollection & { fileName?: string };
  export default function shp(input: ArrayBuffer | Uint8Array): Promise<Layer | Layer[]>;
  /** The geometries of a .shp (reprojected to WGS84 when the .prj text is given). */
  export function parseShp(shp: Uint8Array, prj?: string): unknown[];
  /** The attribute rows of a .dbf (decoded with the .cpg's code page when given). */
  export function parseDbf(dbf: Uint8Array, cpg?: string): Record<string, unknown>[];
  /** Geometries and attribute rows, joined in order, as a FeatureCollection. */
  export function combine(parts: [unknown[], Record<string, unknown>[] | undefined]): FeatureCollection;
}
