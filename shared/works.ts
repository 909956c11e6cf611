/**
 * "Gali sekali" (dig once): where and what a public-works project does, so Sinergi can warn when two OPDs
 * plan works on the same spot within months of each other. The work types are a closed catalog list (also
 * in the database, migration 050); the geometry is GeoJSON in WGS84 degrees with a bounded vertex count.
 */
import { z } from 'zod';

/** Work types a project may declare, with their Indonesian and English labels. */
export const WORK_TYPES = [
  { code: 'road_surface', id: 'Pengaspalan / perkerasan jalan', en: 'Road surfacing' },
  { code: 'road_widening', id: 'Pelebaran jalan', en: 'Road widening' },
  { code: 'drainage', id: 'Saluran drainase', en: 'Drainage channel' },
  { code: 'utility_trench', id: 'Galian utilitas (air, listrik, telekomunikasi)', en: 'Utility trench (water, power, telecom)' },
  { code: 'water_pipe', id: 'Pipa air minum (PDAM)', en: 'Drinking-water pipe' },
  { code: 'sewer', id: 'Saluran air limbah', en: 'Sewer' },
  { code: 'sidewalk', id: 'Trotoar / pedestrian', en: 'Sidewalk' },
  { code: 'bridge', id: 'Jembatan', en: 'Bridge' },
  { code: 'building', id: 'Bangunan gedung', en: 'Building' },
  { code: 'street_lighting', id: 'Penerangan jalan umum', en: 'Street lighting' },
  { code: 'greenery', id: 'Ruang terbuka hijau / taman', en: 'Green space / park' },
  { code: 'other', id: 'Lainnya', en: 'Other' },
] as const;

export type WorkType = (typeof WORK_TYPES)[number]['code'];
export const WORK_TYPE_CODES = WORK_TYPES.map((w) => w.code) as [WorkType, ...WorkType[]];
export const workTypeSchema = z.enum(WORK_TYPE_CODES);

/** At most this many vertices in one project geometry (all rings of a polygon together). */
export const MAX_GEOMETRY_VERTICES = 2_000;

const position = z.tuple(
  [
    z.number().min(-180, 'longitude must be between -180 and 180').max(180, 'longitude must be between -180 and 180'),
    z.number().min(-90, 'latitude must be between -90 and 90').max(90, 'latitude must be between -90 and 90'),
  ],
  { error: 'a position is [lon, lat]' },
);
const samePosition = (a: readonly number[], b: readonly number[]) => a[0] === b[0] && a[1] === b[1];
const ring = z
  .array(position)
  .min(4, 'a polygon ring has at least 4 positions')
  .refine((r) => r.length === 0 || samePosition(r[0]!, r[r.length - 1]!), 'a polygon ring ends where it starts');

/** A project's place: a point, a line along a road, or a polygon (GeoJSON geometry, WGS84). */
export const projectGeometrySchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('Point'), coordinates: position }),
    z.object({ type: z.literal('LineString'), coordinates: z.array(position).min(2, 'a line has at least 2 positions') }),
    z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1, 'a polygon has an outer ring').max(100) }),
  ])
  .refine((g) => geometryVertexCount(g) <= MAX_GEOMETRY_VERTICES, `a geometry has at most ${MAX_GEOMETRY_VERTICES} positions`);
export type ProjectGeometry = z.infer<typeof projectGeometrySchema>;

export function geometryVertexCount(g: { type: string; coordinates: unknown }): number {
  switch (g.type) {
    case 'Point':
      return 1;
    case 'LineString':
      return (g.coordinates as unknown[]).length;
    default:
      return (g.coordinates as unknown[][]).reduce((n, r) => n + r.length, 0);
  }
}

/** What fired a conflict: the geometries are near each other, or one lacks a geometry and the kelurahan is shared. */
export const CONFLICT_RULES = ['distance', 'same_kelurahan'] as const;
export type ConflictRule = (typeof CONFLICT_RULES)[number];

/** A conflict's state: open until either OPD marks it coordinated (dikoordinasikan) with a note. */
/** Default age (days) beyond which an open conflict is listed as unresolved (config OVERLAP_UNRESOLVED_DAYS). */
export const DEFAULT_UNRESOLVED_DAYS = 30;

/** GET /api/v1/projects/conflicts/unresolved: `olderThanDays` (default: the server's OVERLAP_UNRESOLVED_DAYS). */
export const unresolvedConflictsQuerySchema = z.object({ olderThanDays: z.coerce.number().int().min(0).max(3_650).optional() }).strip();

export const CONFLICT_STATUSES = ['terbuka', 'dikoordinasikan'] as const;
export type ConflictStatus = (typeof CONFLICT_STATUSES)[number];
