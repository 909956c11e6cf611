/**
 * The complaints hexagon lattice, one definition for the wall's live layer and the rewind's SQL aggregate.
 *
 * deck.gl's HexagonLayer bins points in Web-Mercator world units (512 per world, `lngLatToWorld`) with d3-hexbin's
 * lattice; by default it anchors the lattice at the centre of the data's bounds, so the same complaint can fall in
 * another hexagon when the data around it changes. The wall anchors it at a fixed point instead (the city's
 * bounding-box centre, client/wall/anchored-hexagon-layer.ts), which lets the server count complaints per hexagon in
 * SQL (db/queries/replay.ts, same arithmetic) and send one weighted point per hexagon, at its centre, in place of
 * 100,000 events: the wall bins each centre into exactly the hexagon the server counted for it.
 *
 * `pointToHexbin` and the centroid are d3-hexbin's (Copyright Mike Bostock, BSD-3-Clause) as deck.gl 9 adapts them.
 * Isomorphic and pure.
 */

/** Radius of a complaints hexagon, metres (the wall's layer and the rewind's aggregate). */
export const COMPLAINT_HEX_RADIUS_M = 450;

const TILE_SIZE = 512;
/** @math.gl/web-mercator's, which deck.gl uses for its distance scales. */
const EARTH_CIRCUMFERENCE = 40.03e6;
const D2R = Math.PI / 180;
export const HEX_DIST_X = 2 * Math.sin(Math.PI / 3);
export const HEX_DIST_Y = 1.5;

/** Web-Mercator world coordinates (512 units across; y grows northwards), as @math.gl/web-mercator's lngLatToWorld. */
export function lngLatToWorld(lon: number, lat: number): [number, number] {
  const x = (TILE_SIZE * (lon * D2R + Math.PI)) / (2 * Math.PI);
  const y = (TILE_SIZE * (Math.PI + Math.log(Math.tan(Math.PI / 4 + lat * D2R * 0.5)))) / (2 * Math.PI);
  return [x, y];
}

export function worldToLngLat(x: number, y: number): [number, number] {
  const lon = ((x * 2 * Math.PI) / TILE_SIZE - Math.PI) / D2R;
  const lat = 2 * (Math.atan(Math.exp((y * 2 * Math.PI) / TILE_SIZE - Math.PI)) / D2R - 45);
  return [lon, lat];
}

/** A hexagon lattice in world units: its origin (a hexagon's centre) and radius. */
export interface HexLattice {
  anchor: [number, number];
  /** World coordinates of the anchor, rounded to float32 as the layer's GPU aggregation holds them. */
  origin: [number, number];
  radiusCommon: number;
}

export function hexLattice(anchor: readonly [number, number], radiusM: number = COMPLAINT_HEX_RADIUS_M): HexLattice {
  const [x, y] = lngLatToWorld(anchor[0], anchor[1]);
  return {
    anchor: [anchor[0], anchor[1]],
    origin: [Math.fround(x), Math.fround(y)],
    radiusCommon: (TILE_SIZE / EARTH_CIRCUMFERENCE / Math.cos(anchor[1] * D2R)) * radiusM,
  };
}

/** The hexagon (i, j) a point in lattice-relative world units falls in (d3-hexbin, as deck.gl's pointToHexbin). */
export function pointToHexbin(px0: number, py0: number, radius: number): [number, number] {
  const py = py0 / radius / HEX_DIST_Y;
  let pj = Math.round(py);
  const px = px0 / radius / HEX_DIST_X - (pj & 1) / 2;
  let pi = Math.round(px);
  const py1 = py - pj;
  if (Math.abs(py1) * 3 > 1) {
    const px1 = px - pi;
    const pi2 = pi + (px < pi ? -1 : 1) / 2;
    const pj2 = pj + (py < pj ? -1 : 1);
    const px2 = px - pi2;
    const py2 = py - pj2;
    if (px1 * px1 + py1 * py1 > px2 * px2 + py2 * py2) {
      pi = pi2 + (pj & 1 ? 1 : -1) / 2;
      pj = pj2;
    }
  }
  return [pi || 0, pj || 0]; // no -0
}

/** The hexagon of a WGS84 point. */
export function hexOf(l: HexLattice, lon: number, lat: number): [number, number] {
  const [x, y] = lngLatToWorld(lon, lat);
  return pointToHexbin(x - l.origin[0], y - l.origin[1], l.radiusCommon);
}

/** The WGS84 centre of hexagon (i, j). */
export function hexCentre(l: HexLattice, i: number, j: number): [number, number] {
  return worldToLngLat(l.origin[0] + (i + (j & 1) / 2) * l.radiusCommon * HEX_DIST_X, l.origin[1] + j * l.radiusCommon * HEX_DIST_Y);
}

/** The anchor of a city's lattice: its bounding box's centre (`[west, south, east, north]`). */
export function bboxAnchor(bbox: readonly [number, number, number, number]): [number, number] {
  return [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
}
