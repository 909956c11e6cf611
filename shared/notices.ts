/**
 * Public notices (pengumuman, issue 21): flood warnings with advice, pump maintenance, road closures, published
 * by the command center or an OPD with an area and a validity window. One wire for REST, the `notices` live
 * channel on `/public` and `/live`, the Atom feed and CAP 1.2 (server/notices/cap.ts).
 */
import { z } from 'zod';
import { safeText, syncSinceSchema } from './schemas';

export const NOTICE_KINDS = ['flood_warning', 'pump_maintenance', 'road_closure', 'other'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
/** CAP 1.2 severities, lower case (CAP writes them capitalised). */
export const NOTICE_SEVERITIES = ['minor', 'moderate', 'severe', 'extreme'] as const;
export type NoticeSeverity = (typeof NOTICE_SEVERITIES)[number];
/** How long a notice stays listed after it stops being valid (then it is purged). */
export const NOTICE_HISTORY_DAYS = 90;
/** At most this many positions in a notice polygon (CAP areas are read by small devices too). */
export const MAX_NOTICE_VERTICES = 500;

const position = z.tuple([
  z.number().min(-180, 'longitude must be between -180 and 180').max(180, 'longitude must be between -180 and 180'),
  z.number().min(-90, 'latitude must be between -90 and 90').max(90, 'latitude must be between -90 and 90'),
]);
const ring = z
  .array(position)
  .min(4, 'a polygon ring has at least 4 positions')
  .max(MAX_NOTICE_VERTICES, `a polygon has at most ${MAX_NOTICE_VERTICES} positions`)
  .refine((r) => r.length === 0 || (r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1]), 'a polygon ring ends where it starts');

/** Where a notice applies besides its kelurahan: a point (a closed road's spot, a pump house) or one polygon. */
export const noticeGeometrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Point'), coordinates: position }),
  z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).length(1, 'one outer ring (no holes)') }),
]);
export type NoticeGeometry = z.infer<typeof noticeGeometrySchema>;

const KELURAHAN = /^\d{2}\.\d{2}\.\d{2}\.\d{4}$/;
const iso = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

const noticeFields = {
  kind: z.enum(NOTICE_KINDS),
  severity: z.enum(NOTICE_SEVERITIES).optional(),
  headline: safeText(160).trim().min(1),
  description: safeText(2000).trim().min(1),
  /** What to do (advice for a flood warning, a detour for a road closure). */
  instruction: safeText(1000).trim().optional(),
  regions: z.array(z.string().regex(KELURAHAN, 'a kelurahan code PP.KK.CC.DDDD')).max(100).default([]),
  geometry: noticeGeometrySchema.nullable().optional(),
  validFrom: iso.optional(),
  validUntil: iso,
};

/** POST /api/v1/notices. `opd`: publish for this OPD (the command center may name one; an OPD is always its own). */
export const noticeCreateSchema = z
  .object({
    ...noticeFields,
    opd: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{1,31}$/)
      .optional(),
  })
  .refine((n) => n.regions.length > 0 || n.geometry, { message: 'name at least one kelurahan or give a geometry', path: ['regions'] });
export type NoticeCreateInput = z.output<typeof noticeCreateSchema>;

/** POST /api/v1/notices/{id}: the whole notice again, with the version it was read at. */
export const noticeUpdateSchema = z
  .object({ ...noticeFields, version: z.number().int().min(1) })
  .refine((n) => n.regions.length > 0 || n.geometry, { message: 'name at least one kelurahan or give a geometry', path: ['regions'] });
export type NoticeUpdateInput = z.output<typeof noticeUpdateSchema>;

export const noticeWithdrawSchema = z.object({ version: z.number().int().min(1).optional() });
export const noticeIdParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

export const wireNoticeSchema = z.object({
  id: z.number().int(),
  kind: z.enum(NOTICE_KINDS),
  severity: z.enum(NOTICE_SEVERITIES),
  headline: z.string(),
  description: z.string(),
  instruction: z.string().nullable(),
  regions: z.array(z.string()),
  geometry: noticeGeometrySchema.nullable(),
  /** the publishing OPD (null: the command center) */
  opd: z.string().nullable(),
  validFrom: z.number().int().describe('epoch milliseconds'),
  validUntil: z.number().int().describe('epoch milliseconds'),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  withdrawnAt: z.number().int().nullable(),
  version: z.number().int(),
});
export type WireNotice = z.infer<typeof wireNoticeSchema>;

export const noticesResponse = z.object({ serverTime: z.number().int(), notices: z.array(wireNoticeSchema) });
export const noticeResponse = z.object({ notice: wireNoticeSchema });

/** Pure: whether a notice is in force at `now` (published, not withdrawn, inside its window). */
export const noticeActive = (n: Pick<WireNotice, 'validFrom' | 'validUntil' | 'withdrawnAt'>, now: number): boolean =>
  n.withdrawnAt === null && n.validFrom <= now && now < n.validUntil;

/** Pure: whether the public page lists it (in force, or announced for later). */
export const noticeCurrent = (n: Pick<WireNotice, 'validUntil' | 'withdrawnAt'>, now: number): boolean =>
  n.withdrawnAt === null && now < n.validUntil;

// the live channel: one room (`notices`), heard on /public and /live
export const noticesSubscribeSchema = z.object({ since: syncSinceSchema.optional() });
export type NoticesSubscribeRequest = z.input<typeof noticesSubscribeSchema>;
/** The answer of `notices:subscribe`: the current notices and the seq they are current to. */
export interface NoticesSnapshot {
  serverTime: number;
  seq: number;
  notices: WireNotice[];
  epoch?: string;
  resumed?: string[];
}
/** `notices:changed`: notices published, updated or withdrawn (a withdrawn one carries `withdrawnAt`). */
export interface NoticesChanged {
  seq: number;
  notices: WireNotice[];
}
