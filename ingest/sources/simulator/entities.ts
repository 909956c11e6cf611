/**
 * The simulator's static world: stations, road segments, trucks and their routes, containers, projects.
 * Built once per (seed, city) and never mutated; everything dynamic is computed from it and the time.
 */
import { demoRoad } from '../../../demo/basemap/semarang';
import { cityOutline, pointInRing, regionAt, type DemoCity } from '../../../demo/city';
import { DAY, MINUTE, clamp, cumulativeKm, distanceKm, rngStream, strHash, wibDate, type LonLat } from './noise';

/** Anything with a fixed or reference position inside the city. */
export interface Placed {
  id: string;
  name: string;
  lon: number;
  lat: number;
  /** Kelurahan code (or the kota code for city-wide entities). */
  region: string | null;
  /** Integer hash of the id, the entity's key for noise. */
  key: number;
}

export interface Gate extends Placed {
  river: string;
  /** Where the catchment's rain is measured. */
  upstream: LonLat;
  /** Minutes for the rain to reach the gate. */
  lagMin: number;
  /** cm of rise per mm/h of (smoothed) catchment rain, before saturation. */
  gain: number;
  /** Dry-weather level, cm. */
  base: number;
  /** Tidal amplitude (rob), cm; 0 inland. */
  tideAmp: number;
  tidePhase: number;
  /** Number of pumps (0 for a plain gate). */
  pumps: number;
}

export type Gauge = Placed;

export interface RoadSegment extends Placed {
  road: string;
  path: LonLat[];
  /** veh/h at which the segment saturates. */
  capacity: number;
  /** km/h with an empty road. */
  freeFlow: number;
  /** Relative weight of the morning and evening peaks (direction of the commute). */
  morning: number;
  evening: number;
  /** Overall demand factor of the segment. */
  demand: number;
}

export interface Container extends Placed {
  /** Tonnes held when full. */
  capacityT: number;
  /** Fill per hour at daytime intensity. */
  ratePerH: number;
  /** Index of the truck serving it. */
  truck: number;
}

export interface Stage {
  kind: 'rest' | 'drive' | 'pickup' | 'dump';
  /** Offset from the start of the cycle, ms. */
  start: number;
  dur: number;
  path: LonLat[];
  cum: number[];
  /** Index into world.containers for pickups, else -1. */
  container: number;
}

export interface Truck extends Placed {
  depot: LonLat;
  stages: Stage[];
  /** Cycle length, ms. */
  period: number;
  /** Cycle phase, ms. */
  phase: number;
  /** The stage index of the dump at the landfill. */
  dumpStage: number;
  containers: number[];
}

export interface Project extends Placed {
  start: number;
  end: number;
  /** Contract value, IDR. */
  value: number;
  /** Pace relative to plan (1 = on plan, < 1 late). */
  pace: number;
  /** Days between reaching a payment milestone and the payment (termin) being absorbed. */
  paymentDelayDays: number[];
}

export interface KelurahanInfo {
  code: string;
  name: string;
  ring: [number, number][];
  bbox: [number, number, number, number];
  centroid: LonLat;
}

export interface World {
  seed: number;
  city: DemoCity;
  kelurahan: KelurahanInfo[];
  cityEntity: Placed;
  gates: Gate[];
  gauges: Gauge[];
  segments: RoadSegment[];
  containers: Container[];
  trucks: Truck[];
  landfill: Placed;
  projects: Project[];
}

// ---------------------------------------------------------------------------------------------------------
// Static tables (plausible Semarang names and approximate real positions)
// ---------------------------------------------------------------------------------------------------------

interface GateSpec {
  id: string;
  name: string;
  river: string;
  at: LonLat;
  upstream: LonLat;
  lagMin: number;
  gain: number;
  base: number;
  tideAmp: number;
  pumps: number;
}

const GATES: readonly GateSpec[] = [
  {
    id: 'PA-BKB',
    name: 'Bendung Simongan',
    river: 'Banjir Kanal Barat',
    at: [110.3935, -6.9985],
    upstream: [110.375, -7.085],
    lagMin: 75,
    gain: 8,
    base: 95,
    tideAmp: 0,
    pumps: 0,
  },
  {
    id: 'PA-GARANG',
    name: 'Pos Duga Air Tugu Suharto',
    river: 'Kali Garang',
    at: [110.39, -7.018],
    upstream: [110.37, -7.095],
    lagMin: 60,
    gain: 8.5,
    base: 80,
    tideAmp: 0,
    pumps: 0,
  },
  {
    id: 'PA-BKT',
    name: 'Pintu Air Banjir Kanal Timur',
    river: 'Banjir Kanal Timur',
    at: [110.452, -6.966],
    upstream: [110.455, -7.05],
    lagMin: 55,
    gain: 7,
    base: 100,
    tideAmp: 10,
    pumps: 0,
  },
  {
    id: 'PA-BABON',
    name: 'Pintu Air Kali Babon',
    river: 'Kali Babon',
    at: [110.48, -6.97],
    upstream: [110.47, -7.07],
    lagMin: 65,
    gain: 6.5,
    base: 90,
    tideAmp: 8,
    pumps: 0,
  },
  {
    id: 'PA-BANGER',
    name: 'Rumah Pompa Kali Banger',
    river: 'Kali Banger',
    at: [110.436, -6.962],
    upstream: [110.44, -6.99],
    lagMin: 25,
    gain: 5.5,
    base: 105,
    tideAmp: 16,
    pumps: 5,
  },
  {
    id: 'PA-TAWANG',
    name: 'Polder Tawang',
    river: 'Kali Semarang',
    at: [110.4275, -6.965],
    upstream: [110.425, -6.985],
    lagMin: 20,
    gain: 5,
    base: 110,
    tideAmp: 15,
    pumps: 4,
  },
  {
    id: 'PA-SEMARANG',
    name: 'Rumah Pompa Kali Semarang',
    river: 'Kali Semarang',
    at: [110.42, -6.954],
    upstream: [110.415, -6.99],
    lagMin: 30,
    gain: 5.5,
    base: 115,
    tideAmp: 18,
    pumps: 6,
  },
  {
    id: 'PA-TENGGANG',
    name: 'Rumah Pompa Kali Tenggang',
    river: 'Kali Tenggang',
    at: [110.462, -6.962],
    upstream: [110.46, -7.0],
    lagMin: 35,
    gain: 6,
    base: 100,
    tideAmp: 14,
    pumps: 4,
  },
  {
    id: 'PA-SIANGKER',
    name: 'Rumah Pompa Kali Siangker',
    river: 'Kali Siangker',
    at: [110.378, -6.966],
    upstream: [110.372, -6.995],
    lagMin: 30,
    gain: 6,
    base: 90,
    tideAmp: 14,
    pumps: 3,
  },
  {
    id: 'PA-SILANDAK',
    name: 'Pintu Air Kali Silandak',
    river: 'Kali Silandak',
    at: [110.36, -6.972],
    upstream: [110.345, -7.02],
    lagMin: 45,
    gain: 6.5,
    base: 85,
    tideAmp: 10,
    pumps: 0,
  },
];

const GAUGES: readonly { id: string; name: string; at: LonLat }[] = [
  { id: 'ARG-SIMPANGLIMA', name: 'Pos Hujan Simpang Lima', at: [110.4225, -6.992] },
  { id: 'ARG-AHMADYANI', name: 'Stasiun Meteorologi Ahmad Yani', at: [110.38, -6.977] },
  { id: 'ARG-GUNUNGPATI', name: 'Pos Hujan Gunungpati', at: [110.375, -7.085] },
  { id: 'ARG-TEMBALANG', name: 'Pos Hujan Tembalang', at: [110.44, -7.05] },
  { id: 'ARG-MIJEN', name: 'Pos Hujan Mijen', at: [110.31, -7.06] },
  { id: 'ARG-GENUK', name: 'Pos Hujan Genuk', at: [110.48, -6.98] },
];

/**
 * The measured roads: pieces of the demo basemap's named roads (demo/basemap/semarang.ts, by slug), so a
 * segment's line lies on the road the map draws and its name is that road's name. Each road is clipped to the
 * city outline (the toll roads and Pantura run on to Batang and Demak) and cut into `segments` equal pieces.
 */
interface RoadSpec {
  /** A road of the demo basemap; also the segment ids' key (`SEG-<slug>-<n>`). */
  slug: string;
  segments: number;
  lanes: number;
  freeFlow: number;
}

const ROADS: readonly RoadSpec[] = [
  { slug: 'PANDANARAN', segments: 2, lanes: 3, freeFlow: 45 },
  { slug: 'PEMUDA', segments: 2, lanes: 3, freeFlow: 45 },
  { slug: 'GAJAHMADA', segments: 1, lanes: 2, freeFlow: 40 },
  { slug: 'AHMADYANI', segments: 1, lanes: 2, freeFlow: 40 },
  { slug: 'PAHLAWAN', segments: 1, lanes: 3, freeFlow: 45 },
  { slug: 'SUDIRMAN', segments: 2, lanes: 2, freeFlow: 45 },
  { slug: 'SILIWANGI', segments: 2, lanes: 3, freeFlow: 55 },
  { slug: 'WALISONGO', segments: 2, lanes: 2, freeFlow: 60 },
  { slug: 'MAJAPAHIT', segments: 2, lanes: 2, freeFlow: 50 },
  { slug: 'SUDIARTO', segments: 2, lanes: 2, freeFlow: 50 },
  { slug: 'SETIABUDI', segments: 2, lanes: 2, freeFlow: 50 },
  { slug: 'TEUKUUMAR', segments: 1, lanes: 2, freeFlow: 40 },
  { slug: 'KALIGAWE', segments: 2, lanes: 3, freeFlow: 55 },
  { slug: 'ARTERIYOSSUDARSO', segments: 1, lanes: 3, freeFlow: 60 },
  { slug: 'KEDUNGMUNDU', segments: 1, lanes: 2, freeFlow: 40 },
  { slug: 'SOEKARNOHATTA', segments: 1, lanes: 3, freeFlow: 55 },
  { slug: 'PERINTIS', segments: 1, lanes: 2, freeFlow: 50 },
  { slug: 'TOL-ABC-A', segments: 2, lanes: 4, freeFlow: 80 },
  { slug: 'TOL-ABC-B', segments: 2, lanes: 4, freeFlow: 80 },
  { slug: 'TOL-ABC-C', segments: 2, lanes: 4, freeFlow: 80 },
];

/** The stretch of a road inside the city outline (to within ~25 m), as a sub-path of the road's own line. */
function insideCity(path: readonly LonLat[], outline: [number, number][]): { path: LonLat[]; cum: number[] } {
  const cum = cumulativeKm(path);
  const total = cum[cum.length - 1]!;
  const step = 0.025;
  let first = -1;
  let last = -1;
  for (let d = 0; d <= total + 1e-9; d += step) {
    const [lon, lat] = pointAlong(path, cum, Math.min(d, total));
    if (!pointInRing(outline, lon, lat)) continue;
    if (first < 0) first = Math.min(d, total);
    last = Math.min(d, total);
  }
  if (first < 0 || last <= first) return { path: [...path], cum };
  const clipped = subPath(path, cum, first, last);
  return { path: clipped, cum: cumulativeKm(clipped) };
}

const PROJECTS: readonly { name: string; at: LonLat; valueBn: number }[] = [
  { name: 'Peningkatan Jalan Kaligawe', at: [110.462, -6.958], valueBn: 24.5 },
  { name: 'Normalisasi Saluran Kali Tenggang', at: [110.462, -6.97], valueBn: 12.8 },
  { name: 'Pembangunan Rumah Pompa Kali Sringin', at: [110.478, -6.955], valueBn: 18.2 },
  { name: 'Peningkatan Jalan Setiabudi', at: [110.42, -7.05], valueBn: 9.6 },
  { name: 'Pembangunan Jembatan Kaligarang', at: [110.392, -7.01], valueBn: 14.3 },
  { name: 'Normalisasi Saluran Drainase Jl. Pandanaran', at: [110.416, -6.988], valueBn: 2.4 },
  { name: 'Rehabilitasi Trotoar Jl. Pemuda', at: [110.417, -6.977], valueBn: 3.1 },
  { name: 'Pembangunan Kolam Retensi Muktiharjo', at: [110.47, -6.98], valueBn: 21.7 },
  { name: 'Peningkatan Jalan Raya Mijen', at: [110.315, -7.06], valueBn: 7.9 },
  { name: 'Pembangunan Rumah Pompa Tambaklorok', at: [110.44, -6.95], valueBn: 16.5 },
  { name: 'Normalisasi Kali Beringin', at: [110.31, -6.975], valueBn: 11.2 },
  { name: 'Peningkatan Jalan Prof. Hamka', at: [110.352, -7.0], valueBn: 4.6 },
  { name: 'Pembangunan Saluran Drainase Jl. Kedungmundu', at: [110.456, -7.025], valueBn: 3.8 },
  { name: 'Penataan Kawasan Kota Lama Tahap III', at: [110.428, -6.968], valueBn: 6.3 },
  { name: 'Peningkatan Jalan Gunungpati–Sekaran', at: [110.39, -7.075], valueBn: 0.85 },
];

const LANDFILL_AT: LonLat = [110.357, -7.046];
const DEPOTS: readonly LonLat[] = [
  [110.445, -6.975], // Pool truk DLH timur
  [110.385, -7.0], // Pool truk DLH barat
];
/** Kecamatan too rural for the demo's container network: Gunungpati, Mijen, Tugu. */
const RURAL_KECAMATAN = new Set(['33.74.12', '33.74.14', '33.74.16']);

const CONTAINER_COUNT = 40;
const TRUCK_COUNT = 12;

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function slug(name: string): string {
  return name
    .normalize('NFKD')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '');
}

function shuffle<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

function bboxOf(ring: readonly [number, number][]): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of ring) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

/** A random point inside a kelurahan, pulled towards its centroid by `spread` (0 = centroid, 1 = anywhere). */
export function pointInKelurahan(k: KelurahanInfo, rng: () => number, spread = 1): LonLat {
  const [x0, y0, x1, y1] = k.bbox;
  for (let i = 0; i < 30; i++) {
    const rx = x0 + (x1 - x0) * rng();
    const ry = y0 + (y1 - y0) * rng();
    const x = k.centroid[0] + (rx - k.centroid[0]) * spread;
    const y = k.centroid[1] + (ry - k.centroid[1]) * spread;
    if (pointInRing(k.ring, x, y)) return [x, y];
  }
  return [k.centroid[0], k.centroid[1]];
}

// ---------------------------------------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------------------------------------

export function buildWorld(seed: number, city: DemoCity): World {
  const outline = cityOutline(city);
  const [cx, cy] = city.center;

  /** Moves a point towards the centre until it is inside a kelurahan. */
  const place = (at: LonLat): { lon: number; lat: number; region: string | null } => {
    let [lon, lat] = at;
    for (let i = 0; i < 50; i++) {
      const region = pointInRing(outline, lon, lat) ? regionAt(city, lon, lat) : null;
      if (region) return { lon: Math.round(lon * 1e6) / 1e6, lat: Math.round(lat * 1e6) / 1e6, region };
      lon += (cx - lon) * 0.05;
      lat += (cy - lat) * 0.05;
    }
    return { lon: cx, lat: cy, region: regionAt(city, cx, cy) };
  };
  const entity = (id: string, name: string, at: LonLat): Placed => ({ id, name, key: strHash(id), ...place(at) });

  const kelurahan: KelurahanInfo[] = city.regions
    .filter((r) => r.level === 'kelurahan' && r.polygon?.[0])
    .map((r) => {
      const ring = r.polygon![0]!;
      return { code: r.code, name: r.name, ring, bbox: bboxOf(ring), centroid: [r.centroid[0], r.centroid[1]] as LonLat };
    });

  const cityEntity: Placed = {
    id: 'KOTA-SEMARANG',
    name: city.name,
    lon: cx,
    lat: cy,
    region: city.code,
    key: strHash('KOTA-SEMARANG'),
  };

  // Floods
  const gates: Gate[] = GATES.map((g) => {
    const rng = rngStream(seed, strHash(g.id), 1);
    return {
      ...entity(g.id, g.name, g.at),
      river: g.river,
      upstream: g.upstream,
      lagMin: g.lagMin,
      gain: g.gain * (0.9 + 0.2 * rng()),
      base: g.base + Math.round((rng() - 0.5) * 10),
      tideAmp: g.tideAmp,
      tidePhase: rng() * 0.3,
      pumps: g.pumps,
    };
  });
  const gauges: Gauge[] = GAUGES.map((g) => entity(g.id, g.name, g.at));

  // Traffic
  const segments: RoadSegment[] = [];
  for (const spec of ROADS) {
    const road = { ...spec, name: demoRoad(spec.slug).name, ...insideCity(demoRoad(spec.slug).path, outline) };
    const cum = road.cum;
    const total = cum[cum.length - 1]!;
    for (let s = 0; s < road.segments; s++) {
      const d0 = (total * s) / road.segments;
      const d1 = (total * (s + 1)) / road.segments;
      const path = subPath(road.path, cum, d0, d1);
      const mid = pointAlong(road.path, cum, (d0 + d1) / 2);
      const id = `SEG-${road.slug}-${s + 1}`;
      const rng = rngStream(seed, strHash(id), 2);
      segments.push({
        ...entity(id, road.segments > 1 ? `${road.name} (${s + 1})` : road.name, mid),
        road: road.name,
        path,
        capacity: Math.round(road.lanes * 1800 * (0.85 + 0.15 * rng())),
        freeFlow: road.freeFlow * (0.92 + 0.16 * rng()),
        morning: 0.8 + 0.35 * rng(),
        evening: 0.8 + 0.35 * rng(),
        demand: 0.92 + 0.2 * rng(),
      });
    }
  }

  // Sanitation
  const landfill = entity('TPA-JATIBARANG', 'TPA Jatibarang', LANDFILL_AT);
  const crng = rngStream(seed, 3);
  const candidates = shuffle(
    kelurahan.filter((k) => !RURAL_KECAMATAN.has(k.code.slice(0, 8))),
    crng,
  )
    .slice(0, CONTAINER_COUNT)
    .sort((a, b) => a.code.localeCompare(b.code));
  const usedIds = new Set<string>();
  const containersUnassigned = candidates.map((k) => {
    let id = `TPS-${slug(k.name)}`;
    for (let n = 2; usedIds.has(id); n++) id = `TPS-${slug(k.name)}-${n}`;
    usedIds.add(id);
    const at = pointInKelurahan(k, crng, 0.5);
    return {
      ...entity(id, `TPS ${k.name}`, at),
      region: k.code,
      capacityT: 2.2 + 1.6 * crng(),
      ratePerH: 0.28 + 0.22 * crng(),
      truck: -1,
    };
  });
  // Trucks serve angular sectors around the centre, so their routes stay compact.
  const angle = (c: { lon: number; lat: number }): number => Math.atan2(c.lat - cy, c.lon - cx);
  const containers: Container[] = [...containersUnassigned].sort((a, b) => angle(a) - angle(b));
  const trucks: Truck[] = [];
  const usedPlates = new Set<string>();
  for (let i = 0; i < TRUCK_COUNT; i++) {
    const trng = rngStream(seed, 4, i);
    const lo = Math.round((i * containers.length) / TRUCK_COUNT);
    const hi = Math.round(((i + 1) * containers.length) / TRUCK_COUNT);
    const served = Array.from({ length: hi - lo }, (_, k) => lo + k);
    for (const c of served) containers[c]!.truck = i;
    const depot = DEPOTS[i % DEPOTS.length]!;
    let plate = '';
    do {
      plate = `H-${8100 + Math.floor(trng() * 900)}-X${'ABCDEFGHJK'[Math.floor(trng() * 10)]}`;
    } while (usedPlates.has(plate));
    usedPlates.add(plate);
    trucks.push(buildTruck(plate, depot, served, containers, landfill, trng, outline, entity));
  }

  // Projects
  const prng = rngStream(seed, 5);
  const order = shuffle(
    PROJECTS.map((_, i) => i),
    prng,
  );
  const finished = new Set(order.slice(0, 4));
  const late = new Set(order.slice(4, 8));
  const projects: Project[] = PROJECTS.map((p, i) => {
    const id = `PRJ-2026-${String(i + 1).padStart(3, '0')}`;
    const r = rngStream(seed, strHash(id), 6);
    let start: number;
    let end: number;
    let pace: number;
    if (finished.has(i)) {
      start = wibDate(2026, 2, 2) + Math.floor(r() * 60) * DAY;
      end = start + (140 + Math.floor(r() * 70)) * DAY;
      pace = 1 + 0.06 * r();
    } else {
      // Ongoing contracts end in December (the fiscal year); starts are spread from March to October,
      // so at the demo date some are nearly done and some mid-way.
      const ongoing = order.length - finished.size;
      const rank = ((order.indexOf(i) - finished.size) * 5) % ongoing; // interleaves late and on-time projects
      start = wibDate(2026, 3, 2) + Math.floor(((rank + r()) / ongoing) * 220) * DAY;
      end = Math.min(wibDate(2026, 12, 28), Math.max(start + 100 * DAY, wibDate(2026, 12, 5) + Math.floor(r() * 21) * DAY));
      pace = late.has(i) ? 0.68 + 0.1 * r() : 0.97 + 0.08 * r();
    }
    return {
      ...entity(id, p.name, p.at),
      start,
      end,
      value: Math.round((p.valueBn * 1e9 * (0.97 + 0.06 * r())) / 1e6) * 1e6,
      pace,
      paymentDelayDays: [0, 1, 2, 3].map(() => 10 + Math.floor(r() * 25)),
    };
  });

  return { seed, city, kelurahan, cityEntity, gates, gauges, segments, containers, trucks, landfill, projects };
}

function pointAlong(path: readonly LonLat[], cum: readonly number[], d: number): LonLat {
  for (let i = 1; i < path.length; i++) {
    const c1 = cum[i]!;
    if (d <= c1 || i === path.length - 1) {
      const c0 = cum[i - 1]!;
      const f = c1 > c0 ? clamp((d - c0) / (c1 - c0), 0, 1) : 0;
      const a = path[i - 1]!;
      const b = path[i]!;
      return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
    }
  }
  return path[0] ?? [0, 0];
}

/** The part of a polyline between distances d0 and d1 (km). */
function subPath(path: readonly LonLat[], cum: readonly number[], d0: number, d1: number): LonLat[] {
  const out: LonLat[] = [pointAlong(path, cum, d0)];
  for (let i = 1; i < path.length - 1; i++) {
    const c = cum[i]!;
    if (c > d0 && c < d1) out.push(path[i]!);
  }
  out.push(pointAlong(path, cum, d1));
  return out.map(([x, y]) => [Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6]);
}

function buildTruck(
  plate: string,
  depot: LonLat,
  served: number[],
  containers: readonly Container[],
  landfill: Placed,
  rng: () => number,
  outline: [number, number][],
  entity: (id: string, name: string, at: LonLat) => Placed,
): Truck {
  const speedKmh = 20 + 8 * rng();
  // Visit the containers nearest-neighbour first from the depot.
  const order: number[] = [];
  const left = new Set(served);
  let here: LonLat = depot;
  while (left.size > 0) {
    let best = -1;
    let bestD = Infinity;
    for (const c of left) {
      const ct = containers[c]!;
      const d = distanceKm(here, [ct.lon, ct.lat]);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    order.push(best);
    left.delete(best);
    const ct = containers[best]!;
    here = [ct.lon, ct.lat];
  }

  const stages: Stage[] = [];
  let offset = 0;
  const push = (kind: Stage['kind'], dur: number, path: LonLat[], container = -1): void => {
    stages.push({ kind, start: offset, dur, path, cum: cumulativeKm(path), container });
    offset += dur;
  };
  const drive = (from: LonLat, to: LonLat): void => {
    // Roads are not modelled: an L-shaped path reads like a street grid; straight if the corner leaves the city.
    const corner: LonLat = rng() < 0.5 ? [to[0], from[1]] : [from[0], to[1]];
    const path = pointInRing(outline, corner[0], corner[1]) ? [from, corner, to] : [from, to];
    const km = cumulativeKm(path).at(-1) ?? 0;
    push('drive', Math.max(MINUTE, Math.round((km / speedKmh) * 3_600_000)), path);
  };

  push('rest', Math.round((15 + 10 * rng()) * MINUTE), [depot]);
  let pos = depot;
  for (const c of order) {
    const ct = containers[c]!;
    const at: LonLat = [ct.lon, ct.lat];
    drive(pos, at);
    push('pickup', Math.round((6 + 4 * rng()) * MINUTE), [at], c);
    pos = at;
  }
  const tpa: LonLat = [landfill.lon, landfill.lat];
  drive(pos, tpa);
  const dumpStage = stages.length;
  push('dump', Math.round((12 + 8 * rng()) * MINUTE), [tpa]);
  drive(tpa, depot);

  const period = offset;
  return {
    ...entity(plate, `Truk sampah ${plate.replace(/-/g, ' ')}`, depot),
    depot,
    stages,
    period,
    phase: Math.floor(rng() * period),
    dumpStage,
    containers: order,
  };
}
