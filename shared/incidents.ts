/**
 * Incidents (disposisi): work handed between OPDs, its timeline, the alerts the server raises by watching time
 * (a feed gone quiet, a complaint past its SLA) and what the live incident channel carries. Wire shapes as zod
 * schemas (the REST contract and the client validate with them); types from `z.infer`.
 */
import { z } from 'zod';

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

export const WATCH_KINDS = ['feed_late', 'complaint_overdue'] as const;
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
