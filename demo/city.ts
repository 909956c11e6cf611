/**
 * The demo city's geography: Kota Semarang (Kemendagri `33.74`), 16 kecamatan and 177 kelurahan.
 *
 * Names and codes come from `idn-area-data`. No package ships boundaries, so the polygons are generated:
 * a hand-drawn city outline (north edge = the Java Sea coast), one Voronoi cell per kecamatan around an
 * anchor near its real position, and inside each kecamatan a Voronoi diagram of its kelurahan (seeded,
 * relaxed twice with Lloyd's algorithm). Kelurahan therefore nest exactly inside their kecamatan.
 *
 * Deterministic: the same seed gives the same city, byte for byte.
 */
import { Delaunay } from 'd3-delaunay';
import { getDistricts, getVillages } from 'idn-area-data';

export type LonLat = [number, number];
type Ring = LonLat[];

export interface DemoRegion {
  code: string;
  name: string;
  level: 'kota' | 'kecamatan' | 'kelurahan';
  parent: string | null;
  centroid: [number, number];
  /** GeoJSON Polygon coordinates (lon,lat rings, closed, exterior counter-clockwise). */
  polygon: [number, number][][] | null;
}

export interface DemoCity {
  code: string;
  name: string;
  center: [number, number];
  /** [minLon, minLat, maxLon, maxLat] */
  bbox: [number, number, number, number];
  regions: DemoRegion[];
}

export const DEMO_CITY_CODE = '33.74';
export const DEMO_CITY_NAME = 'Kota Semarang';
/** The seed the demo uses for its geography; server seeding and the simulator must agree on it. */
export const DEMO_CITY_SEED = 3374;

const CITY_CENTER: LonLat = [110.42, -7.01];
const CITY_BBOX: [number, number, number, number] = [110.27, -7.13, 110.5, -6.93];

/** A plausible outline of Kota Semarang; the north edge follows the coast with the Tanjung Emas port. */
const CITY_OUTLINE: Ring = [
  // coast, west to east
  [110.27, -6.958],
  [110.3, -6.955],
  [110.33, -6.95],
  [110.36, -6.948],
  [110.385, -6.945],
  [110.405, -6.94],
  [110.42, -6.932],
  [110.435, -6.938],
  [110.455, -6.942],
  [110.48, -6.94],
  [110.5, -6.945],
  // east border, north to south
  [110.5, -6.975],
  [110.495, -7.01],
  [110.485, -7.04],
  [110.478, -7.07],
  [110.47, -7.095],
  // south border (the hills towards Ungaran), east to west
  [110.45, -7.11],
  [110.42, -7.105],
  [110.4, -7.12],
  [110.38, -7.13],
  [110.35, -7.125],
  [110.32, -7.115],
  [110.295, -7.1],
  // west border, south to north
  [110.275, -7.08],
  [110.27, -7.05],
  [110.272, -7.01],
  [110.27, -6.985],
];

/** Approximate real centres of the kecamatan, so the generated map reads like Semarang. */
const KECAMATAN_ANCHORS: Readonly<Record<string, LonLat>> = {
  '33.74.01': [110.418, -6.979], // Semarang Tengah
  '33.74.02': [110.418, -6.955], // Semarang Utara
  '33.74.03': [110.437, -6.974], // Semarang Timur
  '33.74.04': [110.453, -6.985], // Gayamsari
  '33.74.05': [110.478, -6.962], // Genuk
  '33.74.06': [110.472, -7.006], // Pedurungan
  '33.74.07': [110.425, -6.994], // Semarang Selatan
  '33.74.08': [110.43, -7.011], // Candisari
  '33.74.09': [110.407, -7.008], // Gajahmungkur
  '33.74.10': [110.455, -7.052], // Tembalang
  '33.74.11': [110.418, -7.062], // Banyumanik
  '33.74.12': [110.37, -7.09], // Gunungpati
  '33.74.13': [110.39, -6.978], // Semarang Barat
  '33.74.14': [110.305, -7.065], // Mijen
  '33.74.15': [110.338, -7.018], // Ngaliyan
  '33.74.16': [110.322, -6.97], // Tugu
};

// ---------------------------------------------------------------------------------------------------------
// Small deterministic PRNG and geometry helpers
// ---------------------------------------------------------------------------------------------------------

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

function signedArea(ring: Ring): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i]!;
    const q = ring[(i + 1) % ring.length]!;
    s += p[0] * q[1] - q[0] * p[1];
  }
  return s / 2;
}

/** Area centroid of an open ring (falls back to the vertex mean for degenerate rings). */
function ringCentroid(ring: Ring): LonLat {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i]!;
    const q = ring[(i + 1) % ring.length]!;
    const f = p[0] * q[1] - q[0] * p[1];
    a += f;
    cx += (p[0] + q[0]) * f;
    cy += (p[1] + q[1]) * f;
  }
  if (Math.abs(a) < 1e-14) {
    const n = ring.length || 1;
    return [ring.reduce((s, p) => s + p[0], 0) / n, ring.reduce((s, p) => s + p[1], 0) / n];
  }
  return [cx / (3 * a), cy / (3 * a)];
}

/** Ray casting; works on open or closed rings. */
export function pointInRing(ring: readonly (readonly [number, number])[], lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Open ring, counter-clockwise, without consecutive duplicates. */
function normalizeRing(points: ArrayLike<ArrayLike<number>>): Ring {
  const out: Ring = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const x = p[0]!;
    const y = p[1]!;
    const last = out[out.length - 1];
    if (last && Math.abs(last[0] - x) < 1e-12 && Math.abs(last[1] - y) < 1e-12) continue;
    out.push([x, y]);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (out.length > 1 && first && last && Math.abs(first[0] - last[0]) < 1e-12 && Math.abs(first[1] - last[1]) < 1e-12) {
    out.pop();
  }
  if (signedArea(out) < 0) out.reverse();
  return out;
}

/** Sutherland–Hodgman: `subject` (any simple ring) clipped by the convex counter-clockwise ring `clip`. */
function clipByConvex(subject: Ring, clip: Ring): Ring {
  let output = subject;
  for (let i = 0; i < clip.length && output.length > 0; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const side = (p: LonLat): number => (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    const cut = (p: LonLat, q: LonLat): LonLat => {
      const sp = side(p);
      const sq = side(q);
      const t = sp / (sp - sq);
      return [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
    };
    const input = output;
    output = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j]!;
      const q = input[(j + 1) % input.length]!;
      const pIn = side(p) >= 0;
      const qIn = side(q) >= 0;
      if (pIn) {
        output.push(p);
        if (!qIn) output.push(cut(p, q));
      } else if (qIn) {
        output.push(cut(p, q));
      }
    }
  }
  return normalizeRing(output);
}

function ringBbox(ring: Ring): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of ring) {
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x > x1) x1 = x;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

/** Voronoi cells of `seeds` inside `bounds`, each clipped to `container`; null where a cell is degenerate. */
function voronoiCells(seeds: LonLat[], bounds: [number, number, number, number], container: Ring): (Ring | null)[] {
  const voronoi = Delaunay.from(seeds).voronoi(bounds);
  return seeds.map((_, i) => {
    const cell = voronoi.cellPolygon(i) as ArrayLike<ArrayLike<number>> | null;
    if (!cell) return null;
    const clipped = clipByConvex(container, normalizeRing(cell));
    return clipped.length >= 3 ? clipped : null;
  });
}

function randomPointIn(ring: Ring, rng: () => number, fallback: LonLat): LonLat {
  const [x0, y0, x1, y1] = ringBbox(ring);
  for (let k = 0; k < 200; k++) {
    const x = x0 + (x1 - x0) * rng();
    const y = y0 + (y1 - y0) * rng();
    if (pointInRing(ring, x, y)) return [x, y];
  }
  return fallback;
}

/** A point that is surely inside the ring: the area centroid if it is inside, else `fallback`. */
function interiorCentroid(ring: Ring, fallback: LonLat): LonLat {
  const c = ringCentroid(ring);
  return pointInRing(ring, c[0], c[1]) ? c : fallback;
}

function closedRounded(ring: Ring): [number, number][][] {
  const r: [number, number][] = ring.map(([x, y]) => [round6(x), round6(y)]);
  const first = r[0];
  if (first) r.push([first[0], first[1]]);
  return [r];
}

// ---------------------------------------------------------------------------------------------------------
// Area data (names and codes)
// ---------------------------------------------------------------------------------------------------------

interface AreaData {
  districts: { code: string; name: string }[];
  villages: { code: string; name: string; district: string }[];
}

let areaDataPromise: Promise<AreaData> | null = null;

function loadAreaData(): Promise<AreaData> {
  areaDataPromise ??= Promise.all([getDistricts(), getVillages()]).then(([districts, villages]) => ({
    districts: districts
      .filter((d) => d.regency_code === DEMO_CITY_CODE)
      .map((d) => ({ code: d.code, name: d.name }))
      .sort((a, b) => a.code.localeCompare(b.code)),
    villages: villages
      .filter((v) => v.district_code.startsWith(`${DEMO_CITY_CODE}.`))
      .map((v) => ({ code: v.code, name: v.name, district: v.district_code }))
      .sort((a, b) => a.code.localeCompare(b.code)),
  }));
  areaDataPromise.catch(() => {
    areaDataPromise = null;
  });
  return areaDataPromise;
}

// ---------------------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------------------

function buildCity(seed: number, data: AreaData): DemoCity {
  const rng = mulberry32(seed ^ 0x5e3a2a7);
  const outline = normalizeRing(CITY_OUTLINE);
  const [bx0, by0, bx1, by1] = CITY_BBOX;
  const bounds: [number, number, number, number] = [bx0 - 0.01, by0 - 0.01, bx1 + 0.01, by1 + 0.01];

  // Kecamatan seeds: the anchor, jittered by the seed, kept inside the outline.
  const kecSeeds: LonLat[] = data.districts.map((d) => {
    const anchor = KECAMATAN_ANCHORS[d.code];
    if (!anchor) return randomPointIn(outline, rng, CITY_CENTER);
    for (let k = 0; k < 20; k++) {
      const p: LonLat = [anchor[0] + (rng() - 0.5) * 0.006, anchor[1] + (rng() - 0.5) * 0.006];
      if (pointInRing(outline, p[0], p[1])) return p;
    }
    return anchor;
  });
  const kecCells = voronoiCells(kecSeeds, bounds, outline);

  const kecamatan: DemoRegion[] = [];
  const kelurahan: DemoRegion[] = [];

  data.districts.forEach((district, di) => {
    const kecSeed = kecSeeds[di]!;
    const kecRing = kecCells[di] ?? outline;
    const villages = data.villages.filter((v) => v.district === district.code);

    // Kelurahan seeds inside the kecamatan, then two Lloyd relaxations for even, organic cells.
    let seeds: LonLat[] = villages.map(() => randomPointIn(kecRing, rng, kecSeed));
    const kb = ringBbox(kecRing);
    const kBounds: [number, number, number, number] = [kb[0] - 1e-3, kb[1] - 1e-3, kb[2] + 1e-3, kb[3] + 1e-3];
    let cells: (Ring | null)[] = [];
    for (let iter = 0; iter < 3; iter++) {
      cells = seeds.length > 0 ? voronoiCells(seeds, kBounds, kecRing) : [];
      if (iter === 2) break;
      seeds = seeds.map((s, i) => {
        const cell = cells[i];
        if (!cell) return s;
        const c = ringCentroid(cell);
        return pointInRing(kecRing, c[0], c[1]) ? c : s;
      });
    }

    villages.forEach((v, vi) => {
      const s = seeds[vi]!;
      // A degenerate cell (coincident seeds) cannot happen with continuous random seeds; stay total anyway.
      const cell = cells[vi] ?? [
        [s[0] - 5e-4, s[1] - 5e-4],
        [s[0] + 5e-4, s[1] - 5e-4],
        [s[0] + 5e-4, s[1] + 5e-4],
        [s[0] - 5e-4, s[1] + 5e-4],
      ];
      const c = interiorCentroid(cell, s);
      kelurahan.push({
        code: v.code,
        name: v.name,
        level: 'kelurahan',
        parent: district.code,
        centroid: [round6(c[0]), round6(c[1])],
        polygon: closedRounded(cell),
      });
    });

    const kc = interiorCentroid(kecRing, kecSeed);
    kecamatan.push({
      code: district.code,
      name: district.name,
      level: 'kecamatan',
      parent: DEMO_CITY_CODE,
      centroid: [round6(kc[0]), round6(kc[1])],
      polygon: closedRounded(kecRing),
    });
  });

  const kota: DemoRegion = {
    code: DEMO_CITY_CODE,
    name: DEMO_CITY_NAME,
    level: 'kota',
    parent: null,
    centroid: [CITY_CENTER[0], CITY_CENTER[1]],
    polygon: closedRounded(outline),
  };

  return {
    code: DEMO_CITY_CODE,
    name: DEMO_CITY_NAME,
    center: [CITY_CENTER[0], CITY_CENTER[1]],
    bbox: [...CITY_BBOX],
    regions: [kota, ...kecamatan, ...kelurahan.sort((a, b) => a.code.localeCompare(b.code))],
  };
}

const cityCache = new Map<number, Promise<DemoCity>>();

/** The demo city for a seed (cached per seed; treat the result as read-only). */
export function generateDemoCity(seed: number = DEMO_CITY_SEED): Promise<DemoCity> {
  let city = cityCache.get(seed);
  if (!city) {
    city = loadAreaData().then((data) => buildCity(seed, data));
    city.catch(() => cityCache.delete(seed));
    cityCache.set(seed, city);
  }
  return city;
}

// ---------------------------------------------------------------------------------------------------------
// Point lookup
// ---------------------------------------------------------------------------------------------------------

interface IndexedRegion {
  code: string;
  bbox: [number, number, number, number];
  ring: [number, number][];
}

const regionIndex = new WeakMap<DemoCity, IndexedRegion[]>();

function indexOf(city: DemoCity): IndexedRegion[] {
  let index = regionIndex.get(city);
  if (!index) {
    index = [];
    for (const r of city.regions) {
      const ring = r.level === 'kelurahan' ? r.polygon?.[0] : undefined;
      if (ring) index.push({ code: r.code, bbox: ringBbox(ring), ring });
    }
    regionIndex.set(city, index);
  }
  return index;
}

function containing(index: IndexedRegion[], lon: number, lat: number): string | null {
  for (const r of index) {
    const [x0, y0, x1, y1] = r.bbox;
    if (lon < x0 || lon > x1 || lat < y0 || lat > y1) continue;
    if (pointInRing(r.ring, lon, lat)) return r.code;
  }
  return null;
}

/** Nudges (~0.2 m) that settle a point on a boundary, where ray casting or rounding (6 decimals) may leave a sliver gap. */
const BOUNDARY_NUDGES: readonly [number, number][] = [
  [2e-6, 0],
  [0, 2e-6],
  [-2e-6, 0],
  [0, -2e-6],
];

/** The code of the kelurahan containing the point (a point on a shared edge gets one of its neighbours), or null outside the city. */
export function regionAt(city: DemoCity, lon: number, lat: number): string | null {
  const index = indexOf(city);
  const hit = containing(index, lon, lat);
  if (hit !== null) return hit;
  for (const [dx, dy] of BOUNDARY_NUDGES) {
    const nudged = containing(index, lon + dx, lat + dy);
    if (nudged !== null) return nudged;
  }
  return null;
}

/** The kota outline ring (closed), for placing things inside the city. */
export function cityOutline(city: DemoCity): [number, number][] {
  return city.regions.find((r) => r.level === 'kota')?.polygon?.[0] ?? [];
}
