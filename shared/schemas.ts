/**
 * zod schemas for everything that crosses a trust boundary (HTTP bodies, socket arguments).
 * Types come from z.infer so server, ingest and client agree by construction.
 */
import { z } from 'zod';
import { projectGeometrySchema, workTypeSchema } from './works';

/** Open events a snapshot carries per kind unless the subscriber asks for more (a wall's density map does). */
export const DEFAULT_SNAPSHOT_OPEN_EVENTS = 500;
export const MAX_SNAPSHOT_OPEN_EVENTS = 100_000;

/** Kemendagri region code: province, kabupaten/kota, kecamatan or kelurahan/desa (`PP.KK.CC.DDDD`). */
export const REGION_CODE = /^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$/;
/** Catalog codes (metrics, event kinds): lower snake case. */
export const CATALOG_CODE = /^[a-z][a-z0-9_]{1,62}$/;
/** Entity ids (station ids, plate numbers, project numbers): printable, no spaces at the ends. */
export const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,127}$/;

/** Readings further than this in the future are refused: a clock that wrong would poison "latest". */
export const MAX_FUTURE_MS = 5 * 60_000;

/** Text that PostgreSQL can store: no NUL characters (it refuses them in text columns). */
export const safeText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters');

/** No reading or event is dated before this (the roll-ups' bucket origin); year 1 is a broken clock, not history. */
export const TIME_FLOOR_MS = Date.UTC(2000, 0, 1);
const time = z
  .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .refine((t) => t >= TIME_FLOOR_MS, 'time is before 2000-01-01, the earliest a reading or event may be dated');

const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

export const pointSchema = z.object({
  metric: z.string().regex(CATALOG_CODE, 'not a catalog metric code'),
  entity: z.string().regex(ENTITY_ID, 'entity id must be 1–128 characters of A–Z a–z 0–9 . _ : - /'),
  region: z.string().regex(REGION_CODE, 'not a Kemendagri region code').optional(),
  /** ISO 8601 with offset, or epoch milliseconds. */
  time,
  value: z.number({ error: 'value must be a finite number' }).refine(Number.isFinite, 'value must be a finite number'),
  lon: lon.optional(),
  lat: lat.optional(),
  /**
   * The source's revision of this reading (absent: 0). A reading sent again for the same metric, entity and time
   * keeps its first value; one with a higher revision is a correction and replaces it (recorded and audited); a
   * lower or equal revision changes nothing and is counted in the answer (`staleRevisions`).
   */
  revision: z
    .number()
    .int('revision must be an integer')
    .min(0, 'revision must be 0 or more')
    .max(2_147_483_647, 'revision must fit in 32 bits')
    .optional()
    .describe(
      'the source’s revision of this reading (absent: 0); a resend keeps the first value, a higher revision is a correction that replaces it, a lower or equal one changes nothing (counted in `staleRevisions`)',
    ),
});
export type PointInput = z.input<typeof pointSchema>;
export type Point = z.output<typeof pointSchema>;

export const ingestBatchSchema = z.object({
  points: z.array(pointSchema).min(1, 'a batch holds at least one point'),
});

export const eventSchema = z.object({
  kind: z.string().regex(CATALOG_CODE, 'not a catalog event kind'),
  id: z.string().regex(ENTITY_ID, 'event id must be 1–128 characters of A–Z a–z 0–9 . _ : - /'),
  status: safeText(32).min(1),
  time,
  category: safeText(64).min(1).optional(),
  region: z.string().regex(REGION_CODE, 'not a Kemendagri region code').optional(),
  lon: lon.optional(),
  lat: lat.optional(),
  /** Free text stays with the owner OPD; never published. */
  title: safeText(500).optional(),
});
export type EventInput = z.input<typeof eventSchema>;
export type EventRecord = z.output<typeof eventSchema>;

export const eventsBatchSchema = z.object({
  events: z.array(eventSchema).min(1, 'a batch holds at least one event'),
});

/** The purpose a request states, to use data shared with the caller's OPD under an agreement. */
export const PURPOSE = z.string().regex(/^[a-z][a-z0-9_-]{1,62}$/, 'a purpose code (lower case, e.g. flood-response)');

export const BUCKETS = ['raw', '1m', '1h', '1d'] as const;
export type Bucket = (typeof BUCKETS)[number];

export const seriesQuerySchema = z.object({
  metric: z.string().regex(CATALOG_CODE),
  from: z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
  to: z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
  bucket: z.enum([...BUCKETS, 'auto']).default('auto'),
  entity: z.string().regex(ENTITY_ID).optional(),
  purpose: PURPOSE.optional(),
});

/**
 * Resume: the hub epoch and the last seq held per key (at most 64 keys). Keys whose missed deltas the server
 * still holds get them instead of a snapshot.
 */
export const syncSinceSchema = z.object({
  epoch: z.string().min(1).max(64),
  seqs: z.record(z.string().max(64), z.number().int().min(0)).refine((r) => Object.keys(r).length <= 64, 'at most 64 keys'),
});

export const subscribeSchema = z.object({
  since: syncSinceSchema.optional(),
  metrics: z.array(z.string().regex(CATALOG_CODE)).min(1).max(64),
  purpose: PURPOSE.optional(),
  /** How much history the snapshot carries, per series, in 1-minute buckets. */
  historyMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(60),
});
export type SubscribeRequest = z.input<typeof subscribeSchema>;

export const eventsSubscribeSchema = z.object({
  since: syncSinceSchema.optional(),
  kinds: z.array(z.string().regex(CATALOG_CODE)).min(1).max(16),
  purpose: PURPOSE.optional(),
  /** How many open events (newest first) the snapshot carries per kind. */
  open: z.number().int().min(0).max(MAX_SNAPSHOT_OPEN_EVENTS).default(DEFAULT_SNAPSHOT_OPEN_EVENTS),
});
export type EventsSubscribeRequest = z.input<typeof eventsSubscribeSchema>;

/** Alerts: the scope is the caller's (the command center's, or its OPD's); only a resume may be sent. */
export const alertsSubscribeSchema = z.object({ since: syncSinceSchema.optional() });
export type AlertsSubscribeRequest = z.input<typeof alertsSubscribeSchema>;

export const feedsSubscribeSchema = z.object({ since: syncSinceSchema.optional() });
export type FeedsSubscribeRequest = z.input<typeof feedsSubscribeSchema>;

/** The catalog channel (issue 17): one room for every signed-in socket; only a resume may be sent. */
export const catalogSubscribeSchema = z.object({ since: syncSinceSchema.optional() });
export type CatalogSubscribeRequest = z.input<typeof catalogSubscribeSchema>;
/** Items one `channels:subscribe` request may carry (the citizen page needs 10: nine metrics and the notices). */
export const MAX_BATCH_ITEMS = 16;

/**
 * `channels:subscribe`: several subscriptions in one request (the citizen page's first request, issue 18: one
 * handshake, one acknowledgement instead of ten). Each item names a channel (`points`, `events`, `notices`, …)
 * and carries that channel's own subscribe request, which the server parses and authorises exactly as if it had
 * come alone; each item is answered on its own, so one refusal refuses that item only.
 */
export const batchSubscribeSchema = z.object({
  items: z
    .array(z.object({ channel: z.string().min(1).max(32), request: z.unknown() }))
    .min(1)
    .max(MAX_BATCH_ITEMS),
});
export type BatchSubscribeRequest = z.input<typeof batchSubscribeSchema>;

/** One issue of a rejected batch: which record, which field, what is wrong. */
export interface IssueDetail {
  index: number | null;
  path: string;
  message: string;
}

/** Flatten zod issues of a `{ points: [...] }` / `{ events: [...] }` body into `{ index, path, message }`. */
/** Issues of one object (not a batch): the whole path, `index` null. */
export function toBodyIssueDetails(error: z.ZodError): IssueDetail[] {
  return error.issues.map((issue) => ({ index: null, path: issue.path.map(String).join('.'), message: issue.message }));
}

export function toIssueDetails(error: z.ZodError): IssueDetail[] {
  return error.issues.map((issue) => {
    const [, maybeIndex, ...rest] = issue.path;
    const index = typeof maybeIndex === 'number' ? maybeIndex : null;
    const path = (index === null ? issue.path : rest).map(String).join('.');
    return { index, path, message: issue.message };
  });
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const calendarDate = z
  .string()
  .regex(DATE_ONLY, 'a calendar date YYYY-MM-DD')
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'not a valid date');
const rupiah = z.number().int('whole rupiah').min(0).max(1e15);

/** One public-works project as its owner OPD registers it (POST /api/v1/projects). */
export const projectSchema = z
  .object({
    /** The entity id its progress, plan and budget series carry. */
    id: z.string().regex(ENTITY_ID, 'project id must be 1–128 characters of A–Z a–z 0–9 . _ : - /'),
    name: safeText(300).min(1),
    opd: z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an OPD code'),
    /** Kemendagri code of the kelurahan (or kecamatan). */
    region: z.string().regex(REGION_CODE, 'not a Kemendagri region code').optional(),
    lon: lon.optional(),
    lat: lat.optional(),
    /** IDR. */
    contractValue: rupiah,
    /** Budget ceiling (pagu anggaran), IDR. */
    budget: rupiah.optional(),
    contractStart: calendarDate,
    contractEnd: calendarDate,
    class: z.enum(['publik', 'terbatas', 'rahasia']).default('publik'),
    /** Where the works are (GeoJSON Point, LineString or Polygon, WGS84): what the dig-once check compares. */
    geometry: projectGeometrySchema.optional(),
    /** What kind of works (shared/works.ts WORK_TYPES). */
    workType: workTypeSchema.optional(),
  })
  .refine((p) => p.contractEnd >= p.contractStart, { message: 'contractEnd before contractStart', path: ['contractEnd'] })
  .refine((p) => (p.lon === undefined) === (p.lat === undefined), { message: 'lon and lat go together', path: ['lat'] });
export type ProjectInput = z.input<typeof projectSchema>;
export type ProjectRecord = z.output<typeof projectSchema>;

export const projectsBatchSchema = z.object({
  projects: z.array(projectSchema).min(1, 'a batch holds at least one project').max(5_000),
});

/** At most this many vertices per registered line (a road segment, a pipe, a route). */
export const MAX_PATH_VERTICES = 1_000;

/** A line in WGS84 degrees: `[[lon, lat], …]`, in drawing order. */
export const lonLatPathSchema = z
  .array(
    z.tuple([
      z.number().min(-180, 'longitude must be between -180 and 180').max(180, 'longitude must be between -180 and 180'),
      z.number().min(-90, 'latitude must be between -90 and 90').max(90, 'latitude must be between -90 and 90'),
    ]),
    { error: 'path must be an array of [lon, lat] pairs' },
  )
  .min(2, 'a path has at least 2 vertices')
  .max(MAX_PATH_VERTICES, `a path has at most ${MAX_PATH_VERTICES} vertices`);

/** The shape of one entity as its owner OPD registers it (POST /api/v1/entities); the OPD is the key's. */
export const entityGeometrySchema = z
  .object({
    /** The entity id its series carry (e.g. a road segment `SEG-…`). */
    entity: z.string().regex(ENTITY_ID, 'entity id must be 1–128 characters of A–Z a–z 0–9 . _ : - /'),
    /** Display name (a road's name, a station's, a TPS's): people read it before the entity id. */
    name: safeText(300).min(1).optional(),
    /** The line on the map; absent for a point entity that registers only its name. */
    path: lonLatPathSchema.optional(),
  })
  .refine((e) => e.name !== undefined || e.path !== undefined, { message: 'an entity needs a name, a path or both', path: ['name'] });
export type EntityGeometryInput = z.input<typeof entityGeometrySchema>;
export type EntityGeometryRecord = z.output<typeof entityGeometrySchema>;

export const entitiesBatchSchema = z.object({
  entities: z.array(entityGeometrySchema).min(1, 'a batch holds at least one entity').max(5_000),
});

/** A count published k-anonymously (server/public/suppression.ts: PublicCount), on every public table. */
export const publicCountSchema = z
  .object({
    n: z.number().int().nullable(),
    suppressed: z.boolean(),
    lessThan: z.number().int().optional().describe('k, when the hidden count is below k (a small count or a zero cover): shown as "< k"'),
  })
  .describe(
    'a count, or n = null and suppressed = true when hidden for k-anonymity; lessThan = k when the hidden count is below k, absent for a cover of k or more',
  );
