/**
 * A kota's boundaries as data (issue 17): an operator's GeoJSON or zipped Shapefile of kecamatan and
 * kelurahan/desa polygons becomes the rows of `region`, checked feature by feature before anything is written.
 *
 * - Codes are Kemendagri codes checked against `idn-area-data` (the reference list the demo city also uses):
 *   dotted (`33.74.01.1001`) or bare digits (`3374011001`, as shapefile attribute tables often hold them).
 *   Every feature must be of one kota; a kelurahan's own kecamatan attribute, when the file has one, must
 *   agree with its code.
 * - Geometry must be a Polygon or MultiPolygon in WGS84 degrees with closed rings of at least four positions,
 *   no self-intersection (turf `kinks`) and no spikes or crossing rings (turf `booleanValid`).
 * - Display simplification: Douglas–Peucker at SIMPLIFY_TOLERANCE_DEG (≈ 5.5 m). Official kelurahan
 *   boundaries are digitised at 1:5 000–1:25 000 with a vertex every few metres; at the wall's and the phone's
 *   zoom (a kota fills the screen: ≈ 20–40 m per pixel) 5 m is invisible, and it removes most vertices (the
 *   test fixture of Semarang-like squares keeps all; a real BIG file loses 70–90 %). Each polygon is simplified
 *   on its own, so neighbours may part by at most the tolerance: sub-pixel. A polygon that simplification would
 *   make invalid (a sliver collapsing) keeps its original vertices.
 * - Centroids (label points): the centre of mass, or a point on the surface when that falls outside (a
 *   crescent-shaped kelurahan along a river).
 *
 * Everything here is pure but the reading of the file and of the reference list; the database step is
 * db/queries/regions.ts, the orchestration server/regions/service.ts.
 */
import { booleanPointInPolygon, booleanValid, centerOfMass, kinks, pointOnFeature, simplify } from '@turf/turf';
import { getDistricts, getProvinces, getRegencies, getVillages } from 'idn-area-data';
import JSZip from 'jszip';
import { combine, parseDbf, parseShp } from 'shpjs';
import type { RegionGeometry } from '../../db/queries/catalog';

/** Douglas–Peucker tolerance for display, in degrees (≈ 5.5 m at the equator); see the module comment. */
export const SIMPLIFY_TOLERANCE_DEG = 0.00005;
/** Problems listed in one answer at most (the count says how many there were). */
export const MAX_PROBLEMS_LISTED = 200;
/** Features in one file at most (a kabupaten has a few hundred desa; this bounds the work a file can ask for). */
export const MAX_FEATURES = 20_000;

/** Attribute names that hold the Kemendagri code, tried in this order (case-insensitive) without `--code-prop`. */
export const CODE_PROPS = [
  'code',
  'kode',
  'kode_kemendagri',
  'kode_wilayah',
  'kd_kel',
  'kode_kel',
  'kd_desa',
  'kode_desa',
  'KDEPUM',
  'kd_kec',
  'kode_kec',
  'KDCPUM',
] as const;
/** Attribute names that hold a kelurahan/desa name, and a kecamatan's, tried in order without `--name-prop`. */
const VILLAGE_NAME_PROPS = ['name', 'nama', 'NAMOBJ', 'WADMKD', 'nm_kel', 'nama_kel', 'nama_desa', 'desa', 'kelurahan'] as const;
const DISTRICT_NAME_PROPS = ['name', 'nama', 'NAMOBJ', 'WADMKC', 'nm_kec', 'nama_kec', 'kecamatan'] as const;
/** A kelurahan's own kecamatan attribute (checked against its code when present). */
const PARENT_PROPS = ['kd_kec', 'kode_kec', 'KDCPUM'] as const;

export interface ImportOptions {
  /** The attribute holding the Kemendagri code (default: the first of CODE_PROPS a feature has). */
  codeProp?: string | undefined;
  /** The attribute holding the name (default: the usual ones; else the reference list's name). */
  nameProp?: string | undefined;
}

/** The reference list (idn-area-data), by code. */
export interface ReferenceArea {
  provinces: ReadonlyMap<string, string>;
  regencies: ReadonlyMap<string, string>;
  districts: ReadonlyMap<string, string>;
  villages: ReadonlyMap<string, string>;
}

export interface ImportedRegion {
  code: string;
  name: string;
  level: 'kecamatan' | 'kelurahan' | 'desa';
  parent: string;
  centroid: [number, number] | null;
  boundary: RegionGeometry | null;
}

/** One thing wrong with the file: which feature (its index from 0, code and name as found) and why. */
export interface ImportProblem {
  index: number | null;
  code: string | null;
  name: string | null;
  reason: string;
}

export interface ImportPlan {
  province: { code: string; name: string };
  city: { code: string; name: string; level: 'kota' | 'kabupaten'; centroid: [number, number] };
  /** Kecamatan (from the file, or from the reference list when the file has only their kelurahan) and kelurahan/desa. */
  regions: ImportedRegion[];
  vertices: { before: number; after: number };
}

export type PlanResult = { ok: true; plan: ImportPlan } | { ok: false; problems: ImportProblem[]; total: number };

let referencePromise: Promise<ReferenceArea> | null = null;

/** The reference list, read once per process (≈ 84 000 villages: a second to parse). */
export function loadReference(): Promise<ReferenceArea> {
  referencePromise ??= Promise.all([getProvinces(), getRegencies(), getDistricts(), getVillages()]).then(([p, r, d, v]) => ({
    provinces: new Map(p.map((x) => [x.code, x.name])),
    regencies: new Map(r.map((x) => [x.code, x.name])),
    districts: new Map(d.map((x) => [x.code, x.name])),
    villages: new Map(v.map((x) => [x.code, x.name])),
  }));
  referencePromise.catch(() => (referencePromise = null));
  return referencePromise;
}

/**
 * The file's features: a zipped Shapefile (recognised by its zip signature, read with shpjs; its .prj is
 * honoured, so a projected file comes out in WGS84) or GeoJSON text. A reason when it is neither.
 */
export async function readRegionsFile(buf: Buffer): Promise<{ ok: true; collection: unknown } | { ok: false; reason: string }> {
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) {
    try {
      // Unzipped with jszip, not shpjs's own unzip: that one loops forever on a damaged zip (measured: a
      // 30-byte file with a zip signature stalls the process), and this route must never stall the server.
      const zip = await JSZip.loadAsync(buf);
      const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir && !n.startsWith('__MACOSX/'));
      const layers = names.filter((n) => /\.shp$/i.test(n)).map((n) => n.slice(0, -4));
      if (layers.length === 0) return { ok: false, reason: 'the zip holds no .shp file (a Shapefile zip holds .shp, .dbf and .prj)' };
      const file = (base: string, ext: string) => zip.file(names.find((n) => n.toLowerCase() === `${base}.${ext}`.toLowerCase()) ?? '\0');
      const features: unknown[] = [];
      // every layer's features (a zip of kecamatan.shp and kelurahan.shp is one import)
      for (const base of layers) {
        const [shpBytes, dbfBytes, prj, cpg] = await Promise.all([
          file(base, 'shp')!.async('uint8array'),
          file(base, 'dbf')?.async('uint8array'),
          file(base, 'prj')?.async('string'),
          file(base, 'cpg')?.async('string'),
        ]);
        if (!dbfBytes) return { ok: false, reason: `${base}.shp has no ${base}.dbf beside it: the codes are in the attribute table` };
        features.push(...combine([parseShp(shpBytes, prj), parseDbf(dbfBytes, cpg)]).features);
      }
      return { ok: true, collection: { type: 'FeatureCollection', features } };
    } catch (e) {
      return {
        ok: false,
        reason: `the zip is not a readable Shapefile (.shp, .dbf, optionally .prj): ${e instanceof Error ? e.message : String(e)}`,
      };
    }
  }
  try {
    return { ok: true, collection: JSON.parse(buf.toString('utf8')) };
  } catch {
    return { ok: false, reason: 'the file is neither GeoJSON (JSON text) nor a zipped Shapefile' };
  }
}

/** A Kemendagri code in dotted form, from the shapes files hold it in; null when it is none. */
export function normaliseCode(raw: unknown): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const s = String(raw).trim();
  if (/^\d{2}\.\d{2}\.\d{2}(\.\d{4})?$/.test(s)) return s;
  if (/^\d{10}$/.test(s)) return `${s.slice(0, 2)}.${s.slice(2, 4)}.${s.slice(4, 6)}.${s.slice(6)}`;
  if (/^\d{6}$/.test(s)) return `${s.slice(0, 2)}.${s.slice(2, 4)}.${s.slice(4, 6)}`;
  return null;
}

const prop = (props: Record<string, unknown>, names: readonly string[]): { key: string; value: unknown } | null => {
  const lower = new Map(Object.keys(props).map((k) => [k.toLowerCase(), k]));
  for (const n of names) {
    const k = lower.get(n.toLowerCase());
    if (k !== undefined && props[k] !== null && props[k] !== undefined && props[k] !== '') return { key: k, value: props[k] };
  }
  return null;
};

type Ring = [number, number][];

/** Why a polygon's rings are not usable (null: they are). */
function ringProblem(polygon: unknown): string | null {
  if (!Array.isArray(polygon) || polygon.length === 0) return 'a polygon without rings';
  for (const [i, ring] of polygon.entries()) {
    const what = i === 0 ? 'the outer ring' : `hole ${i}`;
    if (!Array.isArray(ring)) return `${what} is not a list of positions`;
    for (const p of ring) {
      if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1]))
        return `${what} has a position that is not [lon, lat]`;
      if (Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90)
        return `${what} has a position outside WGS84 degrees ([${p[0]}, ${p[1]}]): reproject the file to EPSG:4326, or ship its .prj in the zip`;
    }
    if (ring.length < 4) return `${what} has ${ring.length} positions; a closed ring needs at least 4`;
    const a = ring[0] as number[];
    const b = ring[ring.length - 1] as number[];
    if (a[0] !== b[0] || a[1] !== b[1]) return `${what} is not closed (its last position differs from its first)`;
  }
  return null;
}

/** Why a geometry is not a usable boundary (null: it is). */
export function geometryProblem(geometry: unknown): string | null {
  if (!geometry || typeof geometry !== 'object') return 'no geometry';
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return `a ${String(g.type)} geometry; a boundary is a Polygon or MultiPolygon`;
  const polygons = g.type === 'Polygon' ? [g.coordinates] : Array.isArray(g.coordinates) ? g.coordinates : null;
  if (!polygons || polygons.length === 0) return 'no coordinates';
  for (const [i, p] of polygons.entries()) {
    const problem = ringProblem(p);
    if (problem) return polygons.length > 1 ? `part ${i}: ${problem}` : problem;
  }
  const k = kinks(g as RegionGeometry);
  if (k.features.length > 0) {
    const [lon, lat] = k.features[0]!.geometry.coordinates;
    return `the boundary intersects itself (${k.features.length} crossing${k.features.length > 1 ? 's' : ''}, first near [${lon}, ${lat}])`;
  }
  if (!booleanValid(g as RegionGeometry)) return 'the boundary has a spike, a puncture or crossing rings';
  return null;
}

const countVertices = (g: RegionGeometry): number =>
  g.type === 'Polygon' ? g.coordinates.reduce((n, r) => n + r.length, 0) : g.coordinates.reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);

/** Only [lon, lat] of every position (a Shapefile may carry Z or M), as the row stores it. */
function clean(g: RegionGeometry): RegionGeometry {
  const ring = (r: Ring): Ring => r.map((p) => [p[0], p[1]]);
  return g.type === 'Polygon'
    ? { type: 'Polygon', coordinates: g.coordinates.map(ring) }
    : { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(ring)) };
}

/** The display geometry: simplified, unless that breaks it (then as given). */
export function simplifyForDisplay(g: RegionGeometry, toleranceDeg = SIMPLIFY_TOLERANCE_DEG): RegionGeometry {
  const cleaned = clean(g);
  const s = simplify(cleaned, { tolerance: toleranceDeg, highQuality: true, mutate: false }) as RegionGeometry;
  return geometryProblem(s) === null ? s : cleaned;
}

/** A label point inside the boundary. */
export function labelPoint(g: RegionGeometry): [number, number] {
  const c = centerOfMass(g).geometry.coordinates as [number, number];
  if (booleanPointInPolygon(c, g)) return [c[0], c[1]];
  const p = pointOnFeature(g).geometry.coordinates as [number, number];
  return [p[0], p[1]];
}

/**
 * Checks a parsed file against the reference list and builds what the import writes; every problem is
 * collected (not only the first), each naming its feature. Pure.
 */
export function planImport(collection: unknown, ref: ReferenceArea, opts: ImportOptions = {}): PlanResult {
  const problems: ImportProblem[] = [];
  const fail = (): PlanResult => ({ ok: false, problems: problems.slice(0, MAX_PROBLEMS_LISTED), total: problems.length });
  const c = collection as { type?: unknown; features?: unknown };
  if (!c || typeof c !== 'object' || c.type !== 'FeatureCollection' || !Array.isArray(c.features)) {
    problems.push({ index: null, code: null, name: null, reason: 'the file is not a GeoJSON FeatureCollection' });
    return fail();
  }
  if (c.features.length === 0) {
    problems.push({ index: null, code: null, name: null, reason: 'the file has no features' });
    return fail();
  }
  if (c.features.length > MAX_FEATURES) {
    problems.push({ index: null, code: null, name: null, reason: `the file has ${c.features.length} features; at most ${MAX_FEATURES} per import` });
    return fail();
  }
  const regions = new Map<string, ImportedRegion>();
  let city: string | null = null;
  let before = 0;
  let after = 0;
  for (const [index, f] of (c.features as unknown[]).entries()) {
    const feature = (f ?? {}) as { properties?: unknown; geometry?: unknown };
    const props = (feature.properties && typeof feature.properties === 'object' ? feature.properties : {}) as Record<string, unknown>;
    const found = opts.codeProp ? prop(props, [opts.codeProp]) : prop(props, CODE_PROPS);
    const rawCode = found ? String(found.value) : null;
    const code = found ? normaliseCode(found.value) : null;
    const level = code === null ? null : code.length === 8 ? 'kecamatan' : code.slice(9, 10) === '2' ? 'desa' : 'kelurahan';
    const named = opts.nameProp ? prop(props, [opts.nameProp]) : prop(props, level === 'kecamatan' ? DISTRICT_NAME_PROPS : VILLAGE_NAME_PROPS);
    const fileName = named ? String(named.value).trim() : null;
    const problem = (reason: string) => problems.push({ index, code: code ?? rawCode, name: fileName, reason });
    if (!found) {
      problem(
        opts.codeProp
          ? `no '${opts.codeProp}' attribute`
          : `no Kemendagri code attribute (looked for ${CODE_PROPS.join(', ')}; name yours with --code-prop)`,
      );
      continue;
    }
    if (code === null || level === null) {
      problem(
        /^\d{7}$|^\d{10}$/.test(String(found.value).trim())
          ? `'${String(found.value)}' in ${found.key} looks like a BPS code, not a Kemendagri code (PP.KK.CC or PP.KK.CC.DDDD)`
          : `'${String(found.value)}' in ${found.key} is not a Kemendagri kecamatan or kelurahan/desa code (PP.KK.CC or PP.KK.CC.DDDD)`,
      );
      continue;
    }
    const refName = level === 'kecamatan' ? ref.districts.get(code) : ref.villages.get(code);
    if (refName === undefined) {
      problem(`${code} is not a ${level === 'kecamatan' ? 'kecamatan' : 'kelurahan/desa'} in the Kemendagri reference list (idn-area-data)`);
      continue;
    }
    const kota = code.slice(0, 5);
    city ??= kota;
    if (kota !== city) {
      problem(`${code} is in ${kota} (${ref.regencies.get(kota) ?? '?'}), but the file's first feature is in ${city}; one import is one kota`);
      continue;
    }
    const parent = level === 'kecamatan' ? kota : code.slice(0, 8);
    if (level !== 'kecamatan') {
      const own = prop(props, PARENT_PROPS);
      const ownCode = own ? normaliseCode(own.value) : null;
      if (own && own.key !== found.key && ownCode !== null && ownCode !== parent) {
        problem(`its ${own.key} says kecamatan ${ownCode}, but its code ${code} is in kecamatan ${parent}`);
        continue;
      }
    }
    if (regions.has(code)) {
      problem(`${code} appears twice (first at another feature); one feature per region (use a MultiPolygon for parts)`);
      continue;
    }
    const geomProblem = geometryProblem(feature.geometry);
    if (geomProblem) {
      problem(geomProblem);
      continue;
    }
    const geometry = feature.geometry as RegionGeometry;
    const display = simplifyForDisplay(geometry);
    before += countVertices(geometry);
    after += countVertices(display);
    regions.set(code, { code, name: fileName || refName, level, parent, centroid: labelPoint(display), boundary: display });
  }
  if (problems.length) return fail();
  const kelurahan = [...regions.values()].filter((r) => r.level !== 'kecamatan');
  if (kelurahan.length === 0) {
    problems.push({ index: null, code: null, name: null, reason: 'the file has no kelurahan/desa polygons (the maps are drawn from them)' });
    return fail();
  }
  // kecamatan the file has only through their kelurahan: named from the reference list, labelled at their
  // kelurahan's mean label point (no boundary of their own: the maps draw kelurahan)
  for (const k of kelurahan) {
    if (regions.has(k.parent)) continue;
    const children = kelurahan.filter((x) => x.parent === k.parent && x.centroid);
    const centroid: [number, number] = [
      children.reduce((n, x) => n + x.centroid![0], 0) / children.length,
      children.reduce((n, x) => n + x.centroid![1], 0) / children.length,
    ];
    regions.set(k.parent, {
      code: k.parent,
      name: ref.districts.get(k.parent) ?? k.parent,
      level: 'kecamatan',
      parent: city!,
      centroid,
      boundary: null,
    });
  }
  const kotaName = ref.regencies.get(city!) ?? city!;
  const province = city!.slice(0, 2);
  const xs = kelurahan.map((k) => k.centroid![0]);
  const ys = kelurahan.map((k) => k.centroid![1]);
  return {
    ok: true,
    plan: {
      province: { code: province, name: ref.provinces.get(province) ?? province },
      city: {
        code: city!,
        name: kotaName,
        level: /^kota\b/i.test(kotaName) ? 'kota' : 'kabupaten',
        centroid: [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2],
      },
      regions: [...regions.values()].sort((a, b) => a.code.localeCompare(b.code)),
      vertices: { before, after },
    },
  };
}
