/**
 * The REST contract: what every route answers, as zod schemas, like `contract.ts` for the socket. The server
 * types its answers from them (`z.infer`), the browser validates what it receives with them (and reports the
 * issues rather than guessing), the OpenAPI document is generated from them (server/openapi/document.ts), and
 * tests/integration/rest-contract.test.ts checks a real answer of every documented route against them.
 * Request bodies and query parameters are not here: the document takes those from the very schemas the routes
 * validate with. Where a shared schema describes a part (quarantine entries, feed reports), it is reused.
 */
import { basemapCollection, basemapResponse } from './basemap';
import { z } from 'zod';
import { AGGREGATIONS, ALERT_LEVELS, DATA_CLASSES } from './catalog';
import { catalogChangeResponse, catalogDocumentSchema, relaxationSchema } from './catalog-document';
import { quarantineEntrySchema, sourceHealthSchema } from './feeds';
import { scenesFileSchema } from './scenes';
import { BUCKETS, publicCountSchema } from './schemas';
import { CONFLICT_RULES, CONFLICT_STATUSES, projectGeometrySchema } from './works';
import * as incidents from './incidents';
import * as scorecard from './scorecard';
import * as notices from './notices';
import * as tickets from './tickets';
import * as sharing from './sharing';
import * as accounts from './accounts';

const HOUR_MS = 3_600_000;
/** The windows the public complaint views answer for, ending now. */
export const PUBLIC_PERIODS = { '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS, '30d': 30 * 24 * HOUR_MS } as const;
export type PublicPeriod = keyof typeof PUBLIC_PERIODS;
export const PUBLIC_PERIOD_NAMES = Object.keys(PUBLIC_PERIODS) as PublicPeriod[];
/** Bucket widths of GET /api/v1/events/stats. */
export const EVENT_STATS_BUCKETS = { '15m': HOUR_MS / 4, '1h': HOUR_MS, '6h': 6 * HOUR_MS, '1d': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS } as const;
/** The tables (views) an open-data dataset can offer. */
export const OPEN_DATA_VIEWS = ['hourly', 'latest', ...PUBLIC_PERIOD_NAMES] as const;
export type OpenDataView = (typeof OPEN_DATA_VIEWS)[number];

const ms = z.number().int().describe('epoch milliseconds');
const iso = z.string().describe('ISO 8601 date-time with offset');
const regionCode = z.string().describe('Kemendagri region code (PP.KK.CC.DDDD)');

export const issueDetail = z.object({ index: z.number().int().nullable(), path: z.string(), message: z.string() });
export const errorResponse = z.object({ error: z.string(), details: z.array(issueDetail) });
export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({ status: z.literal('ready'), dialect: z.string() });
export const notReadyResponse = z.object({ status: z.literal('unavailable'), error: z.string() });
/** POST /api/v1/sources/health. */
export const reportAcceptedResponse = z.object({ accepted: z.number().int() });
export const acceptedResponse = z.object({
  accepted: z.number().int(),
  written: z.number().int(),
  corrected: z.number().int().optional().describe('readings replaced by a correction (a higher `revision`); absent when none'),
  staleRevisions: z
    .number()
    .int()
    .optional()
    .describe('corrections whose revision was not above the stored reading’s: nothing written; absent when none'),
});
/** POST /api/v1/quarantine: `overflow` counts entries not stored because the OPD's unresolved quarantine is full. */
export const quarantineAcceptedResponse = acceptedResponse.extend({ overflow: z.number().int() });
/**
 * One side of a dig-once conflict as the caller may see it: a project it may not read (rahasia, or terbatas
 * not shared) shows only its OPD (`hidden`: "a project of OPD X conflicts here").
 */
export const conflictSide = z.object({
  hidden: z.boolean(),
  id: z.string().nullable(),
  name: z.string().nullable(),
  opd: z.string(),
  opdName: z.string(),
  workType: z.string().nullable(),
  /** YYYY-MM-DD, inclusive. */
  contractStart: z.string().nullable(),
  contractEnd: z.string().nullable(),
  geometry: projectGeometrySchema.nullable(),
});
const conflictFigures = {
  rule: z.enum(CONFLICT_RULES),
  /**
   * Metres between the geometries; null when the kelurahan rule fired, or when a side is hidden from the caller
   * (the distance and the days would locate and time work the caller may not see).
   */
  distanceM: z.number().nullable(),
  /** Days both contracts run; null when a side is hidden from the caller. */
  overlapDays: z.number().int().nullable(),
  /** Days between one contract's end and the other's start; null when a side is hidden from the caller. */
  gapDays: z.number().int().nullable(),
};
/** A dig-once conflict record (GET /api/v1/projects/conflicts). */
export const projectConflict = z.object({
  id: z.number().int(),
  status: z.enum(CONFLICT_STATUSES),
  ...conflictFigures,
  note: z.string().nullable(),
  coordinatedBy: z.string().nullable(),
  coordinatedAt: ms.nullable(),
  detectedAt: ms,
  /** Where to mark it on a map: a point of a side the caller may see (null when it may see neither). */
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  a: conflictSide,
  b: conflictSide,
});
export const projectConflictsResponse = z.object({ conflicts: z.array(projectConflict) });
/** GET /api/v1/projects/conflicts/unresolved: open conflicts detected more than `olderThanDays` ago, oldest first. */
export const unresolvedConflictsResponse = z.object({
  olderThanDays: z.number().int().describe('the age asked for (default OVERLAP_UNRESOLVED_DAYS)'),
  detectedBefore: ms.describe('conflicts detected before this moment are listed'),
  conflicts: z.array(projectConflict).describe('status terbuka, oldest first; the access rule applies to each side as in the list'),
  truncated: z.boolean().describe('more conflicts match than the list holds (MAX_CONFLICTS_LISTED): the oldest are kept'),
});
/** POST /api/v1/projects: what was written, and every conflict of the batch's projects (nothing is refused). */
export const projectsAcceptedResponse = acceptedResponse.extend({
  warnings: z.array(z.object({ project: z.string(), conflictId: z.number().int(), other: conflictSide, ...conflictFigures })),
  /** Warnings left out beyond the first 1,000 (the records hold them all). */
  warningsOmitted: z.number().int(),
});

/** POST /api/v1/entities: `changed` counts geometries new or different (0 when the same batch is sent again). */
export const entitiesRegisteredResponse = z.object({ accepted: z.number().int(), changed: z.number().int() });

const thresholds = z.object({ waspada: z.number(), siaga: z.number(), awas: z.number() });
const metric = z.object({
  code: z.string(),
  domain: z.string().describe('a domain code of the catalog (`domains`)'),
  ownerOpd: z.string(),
  class: z.enum(DATA_CLASSES),
  unit: z.string(),
  nameId: z.string(),
  nameEn: z.string(),
  cadenceS: z.number().int(),
  thresholds: thresholds.nullable(),
  hysteresis: z.number().optional().describe('a level is left only below its threshold minus this (metric unit)'),
  aggregation: z.enum(AGGREGATIONS).optional().describe('how tiles combine the series of the metric (absent: avg)'),
  cumulative: z.boolean().optional().describe('the value accumulates by definition (a rise is no warning)'),
  sop: z
    .record(z.string(), z.object({ id: z.string(), en: z.string() }))
    .nullable()
    .optional()
    .describe('what to do per alert level (waspada, siaga, awas), in Bahasa Indonesia and English'),
  /** The values a reading may take, in the metric's unit (null: only the global bound, ±1e15). */
  valueMin: z.number().nullable().optional(),
  valueMax: z.number().nullable().optional(),
  publicHistory: z.boolean().optional().describe('false: anonymous callers get only the current value, never its history'),
  territorial: z.boolean().optional().describe('opened to territorial roles (camat, lurah/kades) for the data located in their area'),
  sharedFor: z.array(z.string()).optional().describe('purposes of the sharing agreements that make it visible'),
});
const eventKind = z.object({
  code: z.string(),
  domain: z.string(),
  ownerOpd: z.string(),
  class: z.enum(DATA_CLASSES),
  nameId: z.string(),
  nameEn: z.string(),
  statuses: z.array(z.string()),
  closedStatuses: z.array(z.string()),
  categories: z.array(z.object({ code: z.string(), nameId: z.string(), nameEn: z.string() })).optional(),
  territorial: z.boolean().optional().describe('opened to territorial roles (camat, lurah/kades) for the events located in their area'),
  sharedFor: z.array(z.string()).optional(),
});
export const catalogResponse = z.object({
  opd: z.array(z.object({ code: z.string(), name: z.string(), shortName: z.string().nullable().optional() })),
  domains: z
    .array(z.object({ code: z.string(), nameId: z.string(), nameEn: z.string(), sort: z.number().int() }))
    .describe('every domain, in display order'),
  version: z.number().int().describe('the catalog version (a `catalog:changed` fact carries the new one)'),
  metrics: z.array(metric),
  eventKinds: z.array(eventKind),
});

export const seriesResponse = z.object({
  metric: z.string(),
  bucket: z.enum(BUCKETS),
  bucketMs: z.number().int().describe('0 for raw; a missing bucket time is a gap'),
  series: z.array(
    z.object({
      id: z.number().int(),
      metric: z.string(),
      entity: z.string(),
      region: regionCode.nullable(),
      lon: z.number().nullable(),
      lat: z.number().nullable(),
      buckets: z.array(z.object({ t: ms, avg: z.number(), min: z.number(), max: z.number(), last: z.number() })),
      latest: z
        .object({ t: ms, v: z.number(), ageMs: z.number().int().describe('age of the latest reading when answered') })
        .nullable()
        .describe('the latest reading of the series at any time'),
    }),
  ),
  currentOnly: z
    .literal(true)
    .optional()
    .describe('anonymous caller, metric without public history (catalog `publicHistory: false`): latest readings only, no buckets'),
});

export const alertResponse = z.object({
  id: z.number().int(),
  metric: z.string(),
  entity: z.string(),
  seriesId: z.number().int(),
  level: z.enum(['siaga', 'awas']),
  openedAt: ms,
  lastValue: z.number(),
  lastTime: ms,
  clearedAt: ms.nullable(),
  acknowledgedAt: ms.nullable(),
  acknowledgedBy: z.string().nullable(),
  note: z.string().nullable(),
});
export const alertsResponse = z.object({ alerts: z.array(alertResponse) });

export const agreementsResponse = z.object({
  agreements: z.array(
    z.object({
      id: z.number().int(),
      direction: z
        .enum(['received', 'granted', 'other'])
        .describe("received: shared with the caller's OPD; granted: shared by it; other: operators and admins"),
      ownerOpd: z.string(),
      granteeOpd: z.string(),
      itemType: z.enum(['metric', 'event_kind']),
      itemCode: z.string(),
      purpose: z.string().describe('state it as `purpose` on REST and in subscriptions to read the item'),
      validFrom: iso,
      validUntil: iso,
    }),
  ),
});

const role = z.enum(['admin', 'operator', 'agency', 'wilayah']);
export const loginResponse = z.object({
  token: z.string(),
  expiresAt: iso,
  user: z.object({
    username: z.string(),
    role,
    opd: z.string().nullable(),
    region: z.string().nullable().optional().describe("a territorial user's kecamatan or kelurahan/desa code (role wilayah)"),
  }),
  /** Given to a browser new to this user: sent with later logins, its attempts are not slowed by failures elsewhere. */
  device: z.string().optional(),
});
export const meResponse = z.object({
  role: z.enum(['admin', 'operator', 'agency', 'wilayah', 'public']),
  opd: z.string().nullable(),
  username: z.string().nullable(),
  region: z.string().nullable().optional().describe("a territorial user's kecamatan or kelurahan/desa code (role wilayah)"),
});

export const auditResponse = z.object({
  entries: z.array(
    z.object({
      seq: z.number().int(),
      time: iso,
      actor: z.string(),
      action: z.string(),
      target: z.string().nullable(),
      source: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()),
      hash: z.string().describe('hex'),
      prevHash: z.string().describe('hex'),
    }),
  ),
});

export const feedsResponse = z.object({
  feeds: z.array(sourceHealthSchema.extend({ reportedAt: ms, state: z.enum(['ok', 'late', 'failing', 'silent', 'spool_full']) })),
});
export const quarantineResponse = z.object({
  entries: z.array(quarantineEntrySchema.extend({ id: z.number().int(), receivedAt: ms, resolvedAt: ms.nullable() })),
  overflow: z
    .array(z.object({ opd: z.string(), dropped: z.number().int(), lastAt: ms }))
    .describe('records refused per OPD because its quarantine was full'),
});
export const quarantineResolvedResponse = z.object({ resolved: z.number().int() });

const publicCount = publicCountSchema;
const counts = { received: publicCount, resolved: publicCount, open: publicCount };
/** The window every public complaint view answers for, and its k-anonymity threshold. */
const complaintWindow = { period: z.enum(PUBLIC_PERIOD_NAMES), from: ms, to: ms, updatedAt: ms, k: z.number().int() };
export const complaintSummaryResponse = z.object({
  ...complaintWindow,
  kelurahan: z.array(
    z.object({
      code: regionCode.nullable(),
      name: z.string().nullable(),
      kecamatanCode: regionCode.nullable(),
      kecamatanName: z.string().nullable(),
      ...counts,
      cells: z.array(z.object({ category: z.string().nullable(), ...counts })),
    }),
  ),
  categories: z.array(z.object({ category: z.string().nullable(), ...counts, medianHoursToResolve: z.number().nullable() })),
  total: z.object(counts),
});
export const complaintPerformanceResponse = z.object({
  ...complaintWindow,
  bucketMs: z.number().int().describe('bucket width, ms (4 h for 24h, 1 day otherwise)'),
  buckets: z
    .array(z.object({ from: ms, to: ms, received: publicCount, resolved: publicCount }))
    .describe('the period in buckets (from, to] on WIB day (or 4-hour) boundaries, the first and last partial; counts protected like the summary'),
  total: z.object({ received: publicCount, resolved: publicCount }),
  groups: z
    .array(
      z.object({
        opd: z.string().nullable().describe('the OPD that handles the complaints; null in the city row'),
        opdName: z.string().nullable(),
        category: z.string().nullable().describe('null in an OPD row and the city row'),
        medianHoursToResolve: z.number().nullable().describe('hours from received to closed; null when fewer than k complaints stand behind it'),
        shareWithinSla: z
          .number()
          .nullable()
          .describe(
            '0..1 closed within the target, rounded to 0.01; null when the count behind it is hidden, 1..k-1 met or missed the target, or no target',
          ),
        slaHours: z.number().nullable().describe("the category's target, hours"),
        suppressed: z.boolean(),
      }),
    )
    .describe('per (OPD, category), per OPD, then the city'),
});
const countsOverTime = { received: z.number().int(), closed: z.number().int() };
export const eventStatsResponse = z.object({
  kind: z.string(),
  from: ms,
  to: ms,
  bucket: z.enum(Object.keys(EVENT_STATS_BUCKETS) as (keyof typeof EVENT_STATS_BUCKETS)[]),
  bucketMs: z.number().int(),
  byStatus: z.array(
    z.object({ t: ms.describe('bucket start'), status: z.string(), n: z.number().int().describe('events that entered the status in the bucket') }),
  ),
  byCategory: z.array(z.object({ t: ms, category: z.string().nullable(), ...countsOverTime })),
  byRegion: z.array(z.object({ t: ms, region: regionCode.nullable(), ...countsOverTime })),
  resolution: z
    .array(
      z.object({
        opd: z.string().nullable(),
        category: z.string().nullable(),
        n: z.number().int(),
        medianHours: z.number().nullable(),
        p90Hours: z.number().nullable(),
        withTarget: z.number().int(),
        withinSla: z.number().int(),
        shareWithinSla: z.number().nullable(),
      }),
    )
    .describe('events closed in [from, to): per (OPD, category), per OPD (category null), overall (both null); percentile_cont'),
  pastSla: z.object({
    asOf: ms,
    total: z.number().int(),
    byGroup: z.array(z.object({ opd: z.string(), category: z.string().nullable(), n: z.number().int() })),
    items: z.array(
      z.object({
        id: z.string(),
        opd: z.string(),
        category: z.string().nullable(),
        region: regionCode.nullable(),
        status: z.string(),
        openedAt: ms,
        dueAt: ms,
        overdueHours: z.number(),
      }),
    ),
  }),
});
/**
 * GET /api/public/v1/lines: the registered lines of the entities whose series the public sees (road segments),
 * fetched once and cached; the `/public` live stream does not carry them (issue 18: smaller first snapshots).
 * A series is drawn with the line its metric's owner OPD registered for its entity (`opd` + `entity`).
 */
export const publicLinesResponse = z.object({
  updatedAt: ms,
  lines: z.array(
    z.object({
      opd: z.string().describe("the OPD that registered the line: the owner of the series' metric"),
      entity: z.string(),
      name: z.string().nullable().describe("the entity's registered name"),
      path: z
        .array(z.tuple([z.number(), z.number()]))
        .min(2)
        .describe('WGS84 [lon, lat] vertices'),
    }),
  ),
});
export const publicProjectsResponse = z.object({
  updatedAt: ms,
  lateMarginPts: z.number().describe('a project is late when progress is more than this many points behind plan'),
  projects: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      opd: z.string(),
      opdName: z.string(),
      region: regionCode.nullable(),
      regionName: z.string().nullable(),
      kecamatan: regionCode.nullable(),
      kecamatanName: z.string().nullable(),
      lon: z.number().nullable(),
      lat: z.number().nullable(),
      contractValue: z.number().describe('IDR'),
      budget: z.number().nullable().describe('budget ceiling (pagu), IDR'),
      contractStart: z.string().describe('YYYY-MM-DD (WIB)'),
      contractEnd: z.string().describe('YYYY-MM-DD (WIB), inclusive'),
      progress: z.number().nullable().describe('physical progress, %'),
      plan: z.number().nullable().describe('planned physical progress, %'),
      budgetAbsorbed: z.number().nullable().describe('budget absorbed (serapan anggaran), IDR'),
      absorbedShare: z.number().nullable().describe('budgetAbsorbed / budget (else / contractValue), 0..1'),
      late: z.boolean(),
      t: ms.describe('time of the newest figure'),
    }),
  ),
});
export const complaintMapResponse = z.object({
  ...complaintWindow,
  kelurahan: z.array(
    z.object({
      code: regionCode.nullable(),
      name: z.string().nullable(),
      centroid: z.tuple([z.number(), z.number()]).nullable().describe('[lon, lat] of the kelurahan, never of a complaint'),
      ...counts,
    }),
  ),
});
export const publicMetricsResponse = z.object({
  updatedAt: ms,
  metrics: z.array(
    z.object({
      code: z.string(),
      domain: z.string(),
      unit: z.string(),
      nameId: z.string(),
      nameEn: z.string(),
      series: z.array(
        z.object({
          entity: z.string(),
          region: regionCode.nullable(),
          regionName: z.string().nullable(),
          lon: z.number().nullable(),
          lat: z.number().nullable(),
          value: z.number().nullable(),
          t: ms.nullable(),
          ageMs: z.number().int().nullable(),
        }),
      ),
    }),
  ),
});
const level = z.enum(ALERT_LEVELS);
export const warningsResponse = z
  .object({
    updatedAt: ms,
    maxAgeMs: z.number().int(),
    level: level.nullable(),
    t: ms.nullable(),
    warnings: z.array(z.object({ code: regionCode.nullable(), name: z.string().nullable(), level, t: ms.nullable() })),
    metrics: z.array(
      z.object({ code: z.string(), unit: z.string(), nameId: z.string(), nameEn: z.string(), cadenceS: z.number().int(), thresholds }),
    ),
    areas: z.array(
      z.object({
        code: regionCode.nullable(),
        name: z.string().nullable(),
        level: level.nullable(),
        t: ms.nullable(),
        kelurahan: z.array(
          z.object({
            code: regionCode.nullable(),
            name: z.string().nullable(),
            level: level.nullable().describe('highest level of its current readings'),
            t: ms.nullable().describe('newest reading'),
            gauges: z.array(
              z.object({
                metric: z.string(),
                entity: z.string(),
                lon: z.number().nullable(),
                lat: z.number().nullable(),
                value: z.number().nullable(),
                t: ms.nullable(),
                ageMs: z.number().int().nullable().describe('age of the reading at updatedAt'),
                level: level.nullable().describe('level of the latest reading'),
                current: z.boolean().describe('recent enough to raise a warning'),
                late: z.boolean().describe('missed a few expected readings'),
              }),
            ),
          }),
        ),
      }),
    ),
  })
  .describe('public flood warnings per kecamatan and kelurahan, and the water level at every public gauge');
export const regionsResponse = z.object({
  city: z.object({
    code: regionCode,
    name: z.string(),
    center: z.tuple([z.number(), z.number()]).nullable(),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable().describe('[west, south, east, north]'),
  }),
  regions: z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string(),
        properties: z.object({ code: regionCode, name: z.string(), kecamatanCode: regionCode.nullable(), kecamatanName: z.string().nullable() }),
        geometry: z.union([
          z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.tuple([z.number(), z.number()]))) }),
          z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(z.tuple([z.number(), z.number()])))) }),
        ]),
      }),
    ),
  }),
});

/** POST /api/v1/admin/regions/import: what the import did (or, with dryRun=1, would do). */
export const regionsImportResponse = z.object({
  dryRun: z.boolean(),
  city: z.object({ code: regionCode, name: z.string() }),
  kecamatan: z.number().int(),
  kelurahan: z.number().int().describe('kelurahan and desa'),
  added: z.number().int(),
  updated: z.number().int(),
  retired: z.array(regionCode).describe('regions of the kota the file no longer names: kept for history, off the maps'),
  orphanSeries: z
    .array(z.object({ metric: z.string(), entity: z.string(), region: regionCode }))
    .describe('series located in a retired region (first 100)'),
  orphanSeriesTotal: z.number().int(),
  orphanEvents: z.number().int(),
  previousCity: regionCode.nullable(),
  vertices: z.object({ before: z.number().int(), after: z.number().int(), toleranceDeg: z.number() }).describe('display simplification'),
});
/** 422: the file was checked and refused; each detail names a feature (index from 0, code and name as found). */
export const regionsImportRejected = z.object({
  error: z.string(),
  details: z.array(z.object({ index: z.number().int().nullable(), code: z.string().nullable(), name: z.string().nullable(), message: z.string() })),
});

// ---- open data ----

const dictionaryEntry = z.object({
  field: z.string(),
  type: z.enum(['string', 'integer', 'number', 'datetime']),
  unit: z.string().nullable(),
  meaning: z.string().describe('Bahasa Indonesia'),
  meaningEn: z.string(),
  reference: z.string().nullable().describe('code list of the values, e.g. Kemendagri region codes'),
  classification: z.enum(DATA_CLASSES),
  ownerOpd: z.string(),
  updateCadence: z.string().describe('ISO 8601 duration'),
});
const resource = z.object({
  id: z.string(),
  view: z.enum(OPEN_DATA_VIEWS),
  default: z.boolean(),
  title: z.string(),
  titleEn: z.string(),
  description: z.string(),
  descriptionEn: z.string(),
  updateCadence: z.string(),
  downloads: z.object({ csv: z.string(), json: z.string() }),
  dictionary: z.array(dictionaryEntry).optional().describe('the data dictionary (in /datasets/{id})'),
});
const spatialSchema = z
  .object({ code: regionCode, name: z.string(), province: z.object({ code: regionCode, name: z.string().nullable() }).nullable() })
  .nullable();
const licenseSchema = z
  .object({ id: z.string().describe('SPDX id'), title: z.string(), url: z.string().nullable(), isOpen: z.boolean() })
  .describe('the licence of the dataset (config OPEN_DATA_LICENSE, default CC-BY-4.0)');
export const datasetResponse = z.object({
  id: z.string(),
  title: z.string(),
  titleEn: z.string(),
  description: z.string(),
  descriptionEn: z.string(),
  domain: z.string(),
  classification: z.literal('publik'),
  owner: z.object({ code: z.string(), name: z.string() }).describe('owner OPD'),
  updateCadence: z.string().describe('ISO 8601 duration'),
  keywords: z.array(z.string()),
  spatial: spatialSchema,
  language: z.string(),
  conformsTo: z.string(),
  license: licenseSchema,
  kAnonymity: z.number().int().optional(),
  issued: iso.nullable(),
  modified: iso.nullable(),
  links: z.object({ self: z.string(), ckan: z.string() }),
  resources: z.array(resource),
});
export const datasetListResponse = z.object({
  updatedAt: iso,
  spatial: spatialSchema,
  conformsTo: z.string(),
  count: z.number().int(),
  datasets: z.array(datasetResponse),
});
export const datasetDataResponse = z.object({
  dataset: z.string(),
  resource: z.string(),
  view: z.string(),
  updatedAt: iso,
  classification: z.literal('publik'),
  ownerOpd: z.string(),
  updateCadence: z.string(),
  fields: z.array(z.object({ field: z.string(), type: z.string(), unit: z.string().nullable() })),
  data: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))).describe('one object per row, keys in the order of `fields`'),
});

// ---- CKAN ----

export const ckanSuccess = <T extends z.ZodType>(result: T) => z.object({ help: z.string(), success: z.literal(true), result });
export const ckanErrorResponse = z.object({
  help: z.string(),
  success: z.literal(false),
  error: z
    .looseObject({ message: z.string(), __type: z.enum(['Not Found Error', 'Validation Error', 'Bad Request']) })
    .describe('validation errors also carry { field: [messages] }'),
});
const ckanResource = z.looseObject({
  id: z.string(),
  package_id: z.string(),
  name: z.string(),
  description: z.string(),
  format: z.enum(['CSV', 'JSON']),
  mimetype: z.string(),
  url: z.string().describe('absolute'),
  datastore_active: z.literal(true),
  last_modified: z.string(),
});
const ckanOrganization = z.looseObject({
  id: z.string(),
  name: z.string(),
  title: z.string().describe('owner OPD'),
  type: z.literal('organization'),
  is_organization: z.literal(true),
  package_count: z.number().int().optional(),
});
const ckanGroup = z.looseObject({
  id: z.string(),
  name: z.string().describe('a domain: complaints, floods, traffic, sanitation, projects'),
  title: z.string(),
  type: z.literal('group'),
  is_organization: z.literal(false),
  package_count: z.number().int().optional(),
});
export const ckanStatus = z.looseObject({
  site_title: z.string(),
  site_url: z.string(),
  site_description: z.string(),
  locale_default: z.string(),
  ckan_version: z.string().describe('the CKAN API version whose shapes these answers follow'),
  extensions: z.array(z.string()),
});
export const ckanPackage = z.looseObject({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  notes: z.string(),
  type: z.literal('dataset'),
  private: z.literal(false),
  license_id: z.string(),
  license_title: z.string(),
  license_url: z.string().optional(),
  isopen: z.boolean(),
  groups: z.array(z.looseObject({ name: z.string() })),
  metadata_created: z.string(),
  metadata_modified: z.string(),
  owner_org: z.string(),
  organization: z.looseObject({ id: z.string(), name: z.string(), title: z.string().describe('owner OPD'), is_organization: z.literal(true) }),
  tags: z.array(z.looseObject({ name: z.string(), display_name: z.string() })),
  extras: z
    .array(z.object({ key: z.string(), value: z.string() }))
    .describe('classification, update_cadence, owner_opd, domain, spatial_code, data_dictionary, …'),
  resources: z.array(ckanResource),
  num_resources: z.number().int(),
  num_tags: z.number().int(),
});
export const ckanSearchResult = z.object({
  count: z.number().int(),
  sort: z.string(),
  facets: z.object({}),
  search_facets: z.object({}),
  results: z.array(ckanPackage),
});
export const datastoreResult = z.object({
  resource_id: z.string(),
  fields: z.array(z.looseObject({ id: z.string(), type: z.enum(['int', 'text', 'numeric', 'timestamp']) })),
  records: z.array(z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())])),
  filters: z.record(z.string(), z.unknown()).optional(),
  include_total: z.boolean(),
  limit: z.number().int(),
  offset: z.number().int(),
  records_format: z.enum(['objects', 'lists']),
  _links: z.object({ start: z.string(), next: z.string() }),
  total: z.number().int().optional(),
  total_was_estimated: z.boolean().optional(),
  total_estimation_threshold: z.number().int().nullable().describe("CKAN's threshold above which totals are estimated; null: always exact"),
});

// ---- wall ----

export const wallScenesResponse = z.object({
  scenes: scenesFileSchema,
  source: z.enum(['database', 'file', 'defaults']).describe('stored by an admin, WALL_SCENES_FILE, or the built-in scenes'),
  loadedAt: ms,
  error: z.string().nullable().describe('why WALL_SCENES_FILE was not taken, when it was not'),
});

const lonLat = z.tuple([z.number(), z.number()]);
/** GET /api/v1/replay: one frame of a wall scene in the past (the shapes of the live snapshots; shared/replay.ts). */
export const replayResponse = z.object({
  scene: z.string(),
  at: ms.describe('the moment shown'),
  serverTime: ms,
  metrics: z.array(
    z.object({
      metric,
      series: z.array(
        z.object({
          id: z.number().int(),
          metric: z.string(),
          entity: z.string(),
          name: z.string().optional().describe("the entity's registered name"),
          region: regionCode.nullable(),
          lon: z.number().nullable(),
          lat: z.number().nullable(),
          path: z.array(lonLat).optional(),
          latest: z.object({ t: ms, v: z.number() }).nullable().describe('the last reading at or before `at`'),
          history: z
            .array(z.object({ t: ms, avg: z.number(), min: z.number(), max: z.number(), last: z.number() }))
            .describe('1-minute buckets of the hour before `at`'),
        }),
      ),
    }),
  ),
  events: z.array(
    z.object({
      kind: eventKind,
      seq: z.number().int(),
      open: z
        .array(
          z.object({
            kind: z.string(),
            id: z.string(),
            status: z.string(),
            t: ms,
            category: z.string().nullable(),
            region: regionCode.nullable(),
            lon: z.number().nullable(),
            lat: z.number().nullable(),
          }),
        )
        .max(0)
        .describe('always empty: the open events travel counted, in `aggregates`'),
      countsByStatus: z.record(z.string(), z.number().int()).describe('every event opened by `at`, by the status it had then'),
    }),
  ),
  aggregates: z
    .array(
      z.object({
        kind: z.string(),
        anchor: lonLat.describe('the hexagon lattice anchor (shared/hexbin.ts)'),
        radiusM: z.number().positive(),
        hexes: z.array(z.number()).describe('[lon, lat, n, …]: each hexagon centre with the open events counted in it'),
        byCategory: z.record(z.string(), z.number().int()).describe("open located events per category ('' none)"),
        byRegion: z.record(z.string(), z.number().int()).describe('open located events per kelurahan'),
        located: z.number().int(),
      }),
    )
    .describe('the open events of each kind at `at`, counted for what the wall draws (no rows travel)'),
  alerts: z.array(alertResponse).describe('open at `at`; the value is the series reading of that moment'),
  forbidden: z.array(z.string()).describe('metrics and event kinds of the scene the caller may not read'),
});

/**
 * Every named answer of the REST API, by the name the OpenAPI document gives it (`#/components/schemas/…`).
 * The document's paths refer to these names; the contract test finds each route's schema through them.
 */
export const restResponses = {
  Health: healthResponse,
  Ready: readyResponse,
  NotReady: notReadyResponse,
  Error: errorResponse,
  Accepted: acceptedResponse,
  QuarantineAccepted: quarantineAcceptedResponse,
  ProjectsAccepted: projectsAcceptedResponse,
  ProjectConflicts: projectConflictsResponse,
  ProjectConflict: projectConflict,
  UnresolvedConflicts: unresolvedConflictsResponse,
  ReportAccepted: reportAcceptedResponse,
  EntitiesRegistered: entitiesRegisteredResponse,
  Catalog: catalogResponse,
  CatalogDocument: catalogDocumentSchema,
  CatalogChanges: catalogChangeResponse,
  CatalogConflict: errorResponse.extend({ relaxations: z.array(relaxationSchema) }),
  SeriesRange: seriesResponse,
  Alert: alertResponse,
  Alerts: alertsResponse,
  SharingAgreements: agreementsResponse,
  LoginResult: loginResponse,
  Me: meResponse,
  AuditLog: auditResponse,
  Feeds: feedsResponse,
  QuarantineList: quarantineResponse,
  QuarantineResolved: quarantineResolvedResponse,
  WallScenes: wallScenesResponse,
  Replay: replayResponse,
  ComplaintSummary: complaintSummaryResponse,
  ComplaintMap: complaintMapResponse,
  ComplaintPerformance: complaintPerformanceResponse,
  EventStats: eventStatsResponse,
  PublicProjects: publicProjectsResponse,
  PublicLines: publicLinesResponse,
  PublicMetrics: publicMetricsResponse,
  PublicWarnings: warningsResponse,
  Regions: regionsResponse,
  Basemap: basemapResponse,
  BasemapLayer: basemapCollection,
  RegionsImport: regionsImportResponse,
  RegionsImportRejected: regionsImportRejected,
  DatasetList: datasetListResponse,
  Dataset: datasetResponse,
  DatasetData: datasetDataResponse,
  CkanError: ckanErrorResponse,
  CkanPackageList: ckanSuccess(z.array(z.string())),
  CkanPackageShow: ckanSuccess(ckanPackage),
  CkanPackageSearch: ckanSuccess(ckanSearchResult),
  CkanDatastoreSearch: ckanSuccess(datastoreResult),
  CkanHelp: ckanSuccess(z.string()),
  CkanStatus: ckanSuccess(ckanStatus),
  CkanOrganizationList: ckanSuccess(z.array(z.union([z.string(), ckanOrganization])).describe('names, or dicts with all_fields')),
  CkanOrganizationShow: ckanSuccess(ckanOrganization.extend({ packages: z.array(ckanPackage).optional() })),
  CkanGroupList: ckanSuccess(z.array(z.union([z.string(), ckanGroup])).describe('names, or dicts with all_fields')),
  // issue 16: incidents, routed complaints, watch alerts, notifications (schemas in shared/incidents.ts)
  Incidents: incidents.incidentsResponse,
  IncidentDetail: incidents.incidentDetailResponse,
  RoutedComplaints: incidents.routedComplaintsResponse,
  WatchAlert: incidents.watchAlertSchema,
  PublicIncidentCounts: incidents.publicIncidentCountsResponse,
  NotificationDeliveries: incidents.deliveriesResponse,
  NotificationDelivery: incidents.deliverySchema,
  NotificationRoutes: incidents.notificationRoutesResponse,
  NotificationRouteCreated: incidents.notificationRouteCreatedResponse,
  EscalationPolicies: incidents.escalationPoliciesResponse,
  // issue 19: the OPD scorecard and the weekly briefing (schemas in shared/scorecard.ts)
  Scorecard: scorecard.scorecardResponse,
  ScorecardRanking: scorecard.scorecardRankingResponse,
  PublicScorecard: scorecard.publicScorecardResponse,
  Briefings: scorecard.briefingListResponse,
  // issue 21: follow your complaint, ratings, public notices (schemas in shared/tickets.ts, shared/notices.ts)
  PublicTicket: tickets.publicTicketResponse,
  RatingResult: tickets.ratingResultResponse,
  PublicRatings: tickets.publicRatingsResponse,
  Open311Request: tickets.open311RequestResponse,
  Open311Error: tickets.open311ErrorResponse,
  Notice: notices.noticeResponse,
  Notices: notices.noticesResponse,
  // issue 19: sharing on request (schemas in shared/sharing.ts)
  SharingOverview: sharing.sharingOverviewResponse,
  SharingRequest: sharing.sharingRequestResponse,
  SharingAgreement: sharing.sharingAgreementResponse,
  SharingUsage: sharing.sharingUsageResponse,
  SharingMatrix: sharing.sharingMatrixResponse,
  // issue 17: users and ingest keys on the admin page (schemas in shared/accounts.ts)
  AdminUsers: accounts.adminUsersResponse,
  UserChanged: accounts.userChangedResponse,
  IngestKeys: accounts.ingestKeysResponse,
  IngestKey: accounts.ingestKeySchema,
  IngestKeyCreated: accounts.ingestKeyCreatedResponse,
} as const satisfies Record<string, z.ZodType>;
export type RestResponseName = keyof typeof restResponses;
/** The answer a route documents under `name`, as the server sends it and the client receives it. */
export type RestResponse<N extends RestResponseName> = z.infer<(typeof restResponses)[N]>;
