/**
 * Incidents (disposisi): work handed between OPDs, its timeline, the alerts the server raises by watching time
 * (a feed or a metric gone quiet, a complaint past its SLA) and what the live incident channel carries. Wire shapes as zod
 * schemas (the REST contract and the client validate with them); types from `z.infer`.
 */
import { assertNever } from './ack';
import { z } from 'zod';
import { PURPOSE, publicCountSchema, syncSinceSchema } from './schemas';

export const INCIDENT_STATUSES = ['baru', 'diterima', 'dikerjakan', 'selesai', 'ditolak'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const CLOSED_STATUSES: readonly IncidentStatus[] = ['selesai', 'ditolak'];
export const INCIDENT_SEVERITIES = ['waspada', 'siaga', 'awas'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
export const INCIDENT_SOURCES = ['alert', 'complaint', 'watch', 'manual'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];
export const ENTRY_KINDS = ['created', 'note', 'status', 'reassigned', 'support', 'link', 'escalated', 'reminder', 'merged'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
/** The reason SP4N-LAPOR! gives when a report reached the wrong agency; the UI offers it first. */
export const NOT_OUR_AUTHORITY = 'bukan wewenang';

const ms = z.number().int().describe('epoch milliseconds');

export const incidentEntrySchema = z.object({
  id: z.number().int(),
  time: ms,
  actor: z.string(),
  actorOpd: z.string().nullable(),
  kind: z.enum(ENTRY_KINDS),
  body: z.record(z.string(), z.unknown()),
});
export type WireIncidentEntry = z.infer<typeof incidentEntrySchema>;

export const incidentSchema = z.object({
  id: z.number().int(),
  sourceType: z.enum(INCIDENT_SOURCES),
  sourceRef: z.string().nullable(),
  title: z.string(),
  region: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  severity: z.enum(INCIDENT_SEVERITIES),
  handlingOpd: z.string(),
  supportingOpds: z.array(z.string()),
  class: z.enum(['publik', 'terbatas', 'rahasia']),
  status: z.enum(INCIDENT_STATUSES),
  targetAt: ms,
  /** Null where the caller may not see who reported it (another OPD, unless the reporting side shared it). */
  reporter: z.string().nullable(),
  reporterShared: z.boolean(),
  createdAt: ms,
  updatedAt: ms,
  acceptedAt: ms.nullable(),
  closedAt: ms.nullable(),
  mergedInto: z.number().int().nullable(),
  escalationLevel: z.number().int(),
  version: z.number().int(),
});
export type WireIncident = z.infer<typeof incidentSchema>;

/** What watching time raises: a feed gone quiet, a complaint past its SLA, a metric with no reading for 3× its cadence. */
export const WATCH_KINDS = ['feed_late', 'complaint_overdue', 'metric_late'] as const;
export type WatchKind = (typeof WATCH_KINDS)[number];
export const watchAlertSchema = z.object({
  id: z.number().int(),
  kind: z.enum(WATCH_KINDS),
  subject: z.string(),
  opd: z.string(),
  severity: z.enum(INCIDENT_SEVERITIES),
  openedAt: ms,
  clearedAt: ms.nullable(),
  acknowledgedAt: ms.nullable(),
  acknowledgedBy: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type WireWatchAlert = z.infer<typeof watchAlertSchema>;

/** Pure: a watch alert's one-line title in Bahasa Indonesia (incidents made from it, notifications about it). */
export function watchTitle(w: Pick<WireWatchAlert, 'kind' | 'subject' | 'detail'>): string {
  switch (w.kind) {
    case 'feed_late':
      return `Data terlambat: ${String(w.detail.source ?? w.subject)}`;
    case 'metric_late':
      return `Metrik tanpa data baru: ${String(w.detail.name ?? w.subject)}`;
    case 'complaint_overdue':
      return `Aduan melewati SLA: ${w.subject}`;
    default:
      return assertNever(w.kind);
  }
}

/** One escalation step as the wall and tablets show it. */
export const escalationSchema = z.object({
  subject: z.string().describe("'alert:12', 'incident:3', 'watch:4'"),
  opd: z.string().nullable(),
  level: z.number().int(),
  kind: z.enum(['escalated', 'reminder']),
  at: ms,
});
export type WireEscalation = z.infer<typeof escalationSchema>;

/**
 * A delta of the incidents channel, per room: incidents that changed (as the room may see them), ids the room
 * no longer sees (reassigned away), watch alerts and escalation steps. `seq` counts per room; a gap means resync
 * (GET /api/v1/incidents answers the snapshot with the seq it is current to).
 */
export interface IncidentsChanged {
  room: string;
  seq: number;
  incidents: WireIncident[];
  removed: number[];
  watch: WireWatchAlert[];
  escalations: WireEscalation[];
}

/**
 * `incidents:subscribe`: the caller's scope follows from who it is; `since` resumes (the channel model). An OPD
 * that states `purpose` follows instead the incidents other OPDs share with it through agreements in force for
 * that purpose (its purpose room `incidents:<OPD>/<purpose>`), ended by `subscription:ended` when the last such
 * agreement ends.
 */
export const incidentsSubscribeSchema = z.object({ since: syncSinceSchema.optional(), purpose: PURPOSE.optional() });
export type IncidentsSubscribeRequest = z.input<typeof incidentsSubscribeSchema>;

/** The answer of `incidents:subscribe` (same content as GET /api/v1/incidents). */
export interface IncidentsSnapshot {
  serverTime: number;
  room: string | null;
  seq: number;
  incidents: WireIncident[];
  watch: WireWatchAlert[];
  epoch?: string;
  resumed?: string[];
}

/** A complaint routed to an OPD by `event_sla.handler_opd` (its queue), as that OPD sees it. */
export const routedComplaintSchema = z.object({
  kind: z.string(),
  id: z.string(),
  status: z.string(),
  category: z.string().nullable(),
  region: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  title: z.string().nullable(),
  openedAt: ms,
  targetAt: ms,
  overdue: z.boolean(),
});
export type RoutedComplaint = z.infer<typeof routedComplaintSchema>;

// ---- REST answers (named in shared/rest.ts `restResponses`) ----

export const incidentsResponse = z.object({
  incidents: z.array(incidentSchema),
  watch: z.array(watchAlertSchema),
  room: z.string().nullable().describe("the caller's live room (socket event `incidents:changed`)"),
  seq: z.number().int().describe('the room seq this listing is current to: apply deltas with a higher seq'),
  serverTime: ms,
});
export const incidentDetailResponse = z.object({ incident: incidentSchema, timeline: z.array(incidentEntrySchema) });
export const routedComplaintsResponse = z.object({ complaints: z.array(routedComplaintSchema) });
const publicCount = publicCountSchema;
export const publicIncidentCountsResponse = z.object({
  k: z.number().int().describe('counts of 1..k-1 are suppressed, with what would reveal them'),
  since: ms,
  regions: z.array(z.object({ region: z.string(), name: z.string(), open: publicCount, closed: publicCount, total: publicCount })),
  total: z.object({ open: publicCount, closed: publicCount, total: publicCount }),
});
export const deliverySchema = z.object({
  id: z.number().int(),
  channel: z.enum(['email', 'webhook']),
  address: z.string(),
  severity: z.enum(INCIDENT_SEVERITIES),
  subject: z.string(),
  status: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number().int(),
  createdAt: ms,
  availableAt: ms,
  sentAt: ms.nullable(),
  lastError: z.string().nullable(),
  tries: z.array(z.object({ time: ms, ok: z.boolean(), detail: z.string().nullable(), durationMs: z.number().int() })),
});
export const deliveriesResponse = z.object({
  counts: z.object({ pending: z.number().int(), sent: z.number().int(), dead: z.number().int() }),
  deliveries: z.array(deliverySchema),
});
export const NOTIFY_ROLES = ['head', 'staff', 'officer', 'supervisor', 'sekda', 'any'] as const;
export const notificationRouteSchema = z.object({
  id: z.number().int(),
  opd: z.string().nullable(),
  role: z.enum(NOTIFY_ROLES),
  username: z.string().nullable(),
  channel: z.enum(['email', 'webhook']),
  address: z.string(),
  enabled: z.boolean(),
});
export const notificationRoutesResponse = z.object({ routes: z.array(notificationRouteSchema) });
export const notificationRouteCreatedResponse = notificationRouteSchema.extend({
  secret: z.string().nullable().describe('webhooks: the signing secret, shown once (HMAC-SHA256 of `<t>.<body>`, header X-Sinergi-Signature)'),
});
export const escalationPoliciesResponse = z.object({
  policies: z.array(
    z.object({
      id: z.number().int(),
      subject: z.enum(['alert', 'incident', 'watch']),
      severity: z.enum(INCIDENT_SEVERITIES).nullable(),
      metric: z.string().nullable(),
      eventKind: z.string().nullable(),
      steps: z.array(z.object({ afterMin: z.number(), level: z.number().int(), notify: z.array(z.string()) })),
      reminderMin: z.number().int().nullable(),
      enabled: z.boolean(),
    }),
  ),
});

/** Notes and links an incident's timeline holds at most (a full incident answers 409). */
export const MAX_NOTES_PER_INCIDENT = 500;

/** Whether a link is an http(s) address (server validation and client rendering both ask; a stored older link too). */
export function isHttpUrl(url: string): boolean {
  try {
    const p = new URL(url).protocol;
    return p === 'http:' || p === 'https:';
  } catch {
    return false;
  }
}
