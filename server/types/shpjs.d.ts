/**
 * shpjs ships no types (and @types/shpjs describes its 3.x API): the one call we make, on a zip Buffer in
 * Node. A zip with one layer gives one collection; with several, one per layer (each with its file name).
 */
declare module 'shpjs' {
  import type { FeatureCollection } from 'geojson';
  type Layer = FeatureCollection & { fileName?: string };
  export default function shp(input: ArrayBuffer | Uint8Array): Promise<Layer | Layer[]>;
}
