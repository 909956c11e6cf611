/**
 * "Gali sekali" (dig once): the pure rule that finds projects of other OPDs planned on the same spot within
 * months of a project, so a road resurfaced in March is not dug up again in May.
 *
 * Two projects of different OPDs conflict when
 * - place: both have a geometry and they are at most `distanceM` metres apart (rule `distance`), or one (or
 *   both) has none and they are registered in the same kelurahan (rule `same_kelurahan`); and
 * - time: their contract periods overlap, or the later one starts at most `windowMonths` calendar months
 *   after the earlier one ends (digging after resurfacing is the costliest case).
 * Nothing is refused: the findings are warnings and records (server/projects/service.ts).
 *
 * Speed: `createOverlapIndex` keeps a grid of ~1 km cells (each geometry listed in the cells its bounding box
 * covers) and a map kelurahan → projects, so one check computes exact distances (turf) only for the few
 * projects near it. Measured: `npm run bench:overlap` (docs/benchmarks.md), one check against 10,000 projects.
 */
import { booleanIntersects, distance, lineString, point, pointToLineDistance } from '@turf/turf';
import type { ConflictRule, ProjectGeometry } from '../../shared/works';

export interface OverlapProject {
  id: string;
  opd: string;
  /** Kemendagri code of the kelurahan (or kecamatan) where the works are. */
  region: string | null;
  geometry: ProjectGeometry | null;
  /** YYYY-MM-DD, inclusive. */
  contractStart: string;
  contractEnd: string;
}

export interface OverlapRules {
  /** Geometries at most this far apart (metres) conflict. */
  distanceM: number;
  /** A period that starts at most this many calendar months after the other ends still conflicts. */
  windowMonths: number;
}

export const DEFAULT_OVERLAP_RULES: Readonly<OverlapRules> = Object.freeze({ distanceM: 50, windowMonths: 12 });

export interface OverlapFinding<P extends OverlapProject = OverlapProject> {
  other: P;
  rule: ConflictRule;
  /** Metres between the geometries (0: they touch or cross); null when the kelurahan rule fired. */
  distanceM: number | null;
  /** Days both periods share (inclusive); 0 when one follows the other. */
  overlapDays: number;
  /** Days from the end of the earlier period to the start of the later one (1: the next day); 0 when they overlap. */
  gapDays: number;
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

/** `date` plus `months` calendar months (day clamped to the month's end), as a day number. */
function addMonths(date: string, months: number): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.getTime() / DAY_MS;
}

/** How two periods relate: overlap days, gap days, and whether they fall within the window. */
export function periodRelation(
  a: Pick<OverlapProject, 'contractStart' | 'contractEnd'>,
  b: Pick<OverlapProject, 'contractStart' | 'contractEnd'>,
  windowMonths: number,
): { overlapDays: number; gapDays: number; within: boolean } {
  const start = Math.max(dayNumber(a.contractStart), dayNumber(b.contractStart));
  const end = Math.min(dayNumber(a.contractEnd), dayNumber(b.contractEnd));
  if (start <= end) return { overlapDays: end - start + 1, gapDays: 0, within: true };
  const [earlier, later] = a.contractEnd < b.contractStart ? [a, b] : [b, a];
  const gapDays = dayNumber(later.contractStart) - dayNumber(earlier.contractEnd);
  return { overlapDays: 0, gapDays, within: dayNumber(later.contractStart) <= addMonths(earlier.contractEnd, windowMonths) };
}

/** Kelurahan codes have four parts (`PP.KK.CC.DDDD`); a kecamatan is too coarse to call "the same place". */
const isKelurahan = (code: string | null): code is string => code !== null && code.split('.').length === 4;

type Position = [number, number];

function linesOf(g: ProjectGeometry): Position[][] {
  switch (g.type) {
    case 'Point':
      return [];
    case 'LineString':
      return [g.coordinates as Position[]];
    case 'Polygon':
      return g.coordinates as Position[][];
  }
}

function verticesOf(g: ProjectGeometry): Position[] {
  return g.type === 'Point' ? [g.coordinates as Position] : linesOf(g).flat();
}

/**
 * Metres between two geometries: 0 when they touch, cross or one contains the other; otherwise the smallest
 * distance from a vertex of one to the other (points, and lines or rings by their segments), which is exact
 * for shapes that do not cross.
 */
export function geometryDistanceM(a: ProjectGeometry, b: ProjectGeometry): number {
  if (boxesTouch(boxOf(a), boxOf(b)) && booleanIntersects(a, b)) return 0;
  let best = Infinity;
  const oneWay = (from: ProjectGeometry, to: ProjectGeometry) => {
    const lines = linesOf(to);
    for (const v of verticesOf(from)) {
      if (to.type === 'Point') best = Math.min(best, distance(v, to.coordinates as Position, { units: 'meters' }));
      for (const line of lines) best = Math.min(best, pointToLineDistance(point(v), lineString(line), { units: 'meters', method: 'planar' }));
    }
  };
  oneWay(a, b);
  oneWay(b, a);
  return best;
}

/** Grid cell size in degrees (~1.1 km north–south). */
const CELL_DEG = 0.01;
/** A geometry whose box covers more cells than this is checked against every query instead (few, large areas). */
const MAX_CELLS_PER_ITEM = 2_500;
const M_PER_DEG_LAT = 111_320;

interface Indexed<P> {
  project: P;
  box: [number, number, number, number];
}

export interface OverlapIndex<P extends OverlapProject> {
  /** Every conflict of `project` with an indexed project of another OPD, nearest first. */
  find(project: OverlapProject): OverlapFinding<P>[];
  readonly size: number;
}

const cellKey = (x: number, y: number) => x * 100_003 + y;

/** Builds the spatial and kelurahan index over `projects` (re-built per check batch; O(n)). */
export function createOverlapIndex<P extends OverlapProject>(projects: readonly P[], rules: OverlapRules = DEFAULT_OVERLAP_RULES): OverlapIndex<P> {
  const grid = new Map<number, Indexed<P>[]>();
  const large: Indexed<P>[] = [];
  const byKelurahan = new Map<string, P[]>();
  for (const p of projects) {
    if (isKelurahan(p.region)) {
      const list = byKelurahan.get(p.region);
      if (list) list.push(p);
      else byKelurahan.set(p.region, [p]);
    }
    if (!p.geometry) continue;
    const box = boxOf(p.geometry);
    const item = { project: p, box };
    const [x0, y0, x1, y1] = cellRange(box);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS_PER_ITEM) {
      large.push(item);
      continue;
    }
    for (let x = x0; x <= x1; x++)
      for (let y = y0; y <= y1; y++) {
        const k = cellKey(x, y);
        const cell = grid.get(k);
        if (cell) cell.push(item);
        else grid.set(k, [item]);
      }
  }

  return {
    size: projects.length,
    find(project) {
      const out: OverlapFinding<P>[] = [];
      const seen = new Set<string>();
      const consider = (other: P, place: () => { rule: ConflictRule; distanceM: number | null } | null) => {
        if (other.opd === project.opd || other.id === project.id || seen.has(other.id)) return;
        seen.add(other.id);
        const when = periodRelation(project, other, rules.windowMonths);
        if (!when.within) return;
        const where = place();
        if (where) out.push({ other, ...where, overlapDays: when.overlapDays, gapDays: when.gapDays });
      };
      if (project.geometry) {
        const geometry = project.geometry;
        const box = boxOf(geometry);
        const grown = growBox(box, rules.distanceM);
        const [x0, y0, x1, y1] = cellRange(grown);
        const near = (item: Indexed<P>) => {
          if (!boxesTouch(grown, item.box)) return;
          consider(item.project, () => {
            const d = geometryDistanceM(geometry, item.project.geometry!);
            return d <= rules.distanceM ? { rule: 'distance', distanceM: Math.round(d * 10) / 10 } : null;
          });
        };
        for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) for (const item of grid.get(cellKey(x, y)) ?? []) near(item);
        for (const item of large) near(item);
      }
      if (isKelurahan(project.region))
        for (const other of byKelurahan.get(project.region) ?? [])
          if (!project.geometry || !other.geometry) consider(other, () => ({ rule: 'same_kelurahan', distanceM: null }));
      return out.sort((a, b) => (a.distanceM ?? Infinity) - (b.distanceM ?? Infinity) || a.other.id.localeCompare(b.other.id));
    },
  };
}

/** The conflicts of one project against a list (builds a throwaway index). */
export function findOverlaps<P extends OverlapProject>(project: OverlapProject, others: readonly P[], rules: OverlapRules = DEFAULT_OVERLAP_RULES) {
  return createOverlapIndex(others, rules).find(project);
}

/** [west, south, east, north] of a geometry (a plain loop: turf's bbox walks GeoJSON generically, 5× slower here). */
export function boxOf(g: ProjectGeometry): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const [x, y] of verticesOf(g)) {
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}

function cellRange(box: readonly number[]): [number, number, number, number] {
  return [Math.floor(box[0]! / CELL_DEG), Math.floor(box[1]! / CELL_DEG), Math.floor(box[2]! / CELL_DEG), Math.floor(box[3]! / CELL_DEG)];
}

/** A box grown by `m` metres on every side (longitude degrees shrink with the cosine of the latitude). */
function growBox(box: readonly number[], m: number): [number, number, number, number] {
  const dLat = m / M_PER_DEG_LAT;
  const maxAbsLat = Math.min(89, Math.max(Math.abs(box[1]!), Math.abs(box[3]!)));
  const dLon = m / (M_PER_DEG_LAT * Math.cos((maxAbsLat * Math.PI) / 180));
  return [box[0]! - dLon, box[1]! - dLat, box[2]! + dLon, box[3]! + dLat];
}

const boxesTouch = (a: readonly number[], b: readonly number[]) => a[0]! <= b[2]! && b[0]! <= a[2]! && a[1]! <= b[3]! && b[1]! <= a[3]!;
