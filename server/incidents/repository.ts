/**
 * Incidents in PostgreSQL: the row, its timeline, watch alerts and the routed-complaint queue. Writes take a
 * client inside the caller's transaction (the change, its timeline entry, its audit entry and its notifications
 * commit together); times are epoch milliseconds in and out.
 */
import type pg from 'pg';
import type {
  EntryKind,
  IncidentSeverity,
  IncidentSource,
  IncidentStatus,
  RoutedComplaint,
  WatchKind,
  WireIncident,
  WireIncidentEntry,
  WireWatchAlert,
} from '../../shared/incidents';
import type { DataClass } from '../../shared/catalog';

type Db = pg.Pool | pg.PoolClient;

/** The stored incident: the wire shape (reporter unredacted) plus what the access rule and the audit need. */
export interface IncidentRow extends WireIncident {
  createdBy: string;
  createdOpd: string | null;
  sourceItem: string | null;
  sourceItemType: 'metric' | 'event_kind' | null;
  sourceOwnerOpd: string | null;
}

const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::float8`;
const COLUMNS = `id, source_type AS "sourceType", source_ref AS "sourceRef", title, region_code AS region, lon, lat, severity,
  handling_opd AS "handlingOpd", supporting_opds AS "supportingOpds", class, status, ${ms('target_at')} AS "targetAt",
  reporter, reporter_shared AS "reporterShared", ${ms('created_at')} AS "createdAt", ${ms('updated_at')} AS "updatedAt",
  ${ms('accepted_at')} AS "acceptedAt", ${ms('closed_at')} AS "closedAt", merged_into AS "mergedInto",
  escalation_level AS "escalationLevel", version, created_by AS "createdBy", created_opd AS "createdOpd",
  source_item AS "sourceItem", source_item_type AS "sourceItemType", source_owner_opd AS "sourceOwnerOpd"`;

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));

const toRow = (r: Record<string, unknown>): IncidentRow => ({
  id: Number(r.id),
  sourceType: r.sourceType as IncidentSource,
  sourceRef: (r.sourceRef as string | null) ?? null,
  title: r.title as string,
  region: (r.region as string | null) ?? null,
  lon: (r.lon as number | null) ?? null,
  lat: (r.lat as number | null) ?? null,
  severity: r.severity as IncidentSeverity,
  handlingOpd: r.handlingOpd as string,
  supportingOpds: (r.supportingOpds as string[]) ?? [],
  class: r.class as DataClass,
  status: r.status as IncidentStatus,
  targetAt: num(r.targetAt)!,
  reporter: (r.reporter as string | null) ?? null,
  reporterShared: r.reporterShared as boolean,
  createdAt: num(r.createdAt)!,
  updatedAt: num(r.updatedAt)!,
  acceptedAt: num(r.acceptedAt),
  closedAt: num(r.closedAt),
  mergedInto: num(r.mergedInto),
  escalationLevel: r.escalationLevel as number,
  version: r.version as number,
  createdBy: r.createdBy as string,
  createdOpd: (r.createdOpd as string | null) ?? null,
  sourceItem: (r.sourceItem as string | null) ?? null,
  sourceItemType: (r.sourceItemType as 'metric' | 'event_kind' | null) ?? null,
  sourceOwnerOpd: (r.sourceOwnerOpd as string | null) ?? null,
});

export interface NewIncident {
  sourceType: IncidentSource;
  sourceRef: string | null;
  sourceItem: string | null;
  sourceItemType: 'metric' | 'event_kind' | null;
  sourceOwnerOpd: string | null;
  title: string;
  region: string | null;
  lon: number | null;
  lat: number | null;
  severity: IncidentSeverity;
  handlingOpd: string;
  supportingOpds: string[];
  class: DataClass;
  targetAt: number;
  reporter: string | null;
  createdBy: string;
  createdOpd: string | null;
  now: number;
}

/** Inserts an incident; null when an open one of the same source exists (a second tap gives the first back). */
export async function insertIncident(db: Db, n: NewIncident): Promise<IncidentRow | null> {
  const { rows } = await db.query(
    `INSERT INTO incident (source_type, source_ref, source_item, source_item_type, source_owner_opd, title, region_code, lon, lat,
       severity, handling_opd, supporting_opds, class, target_at, reporter, created_by, created_opd, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, to_timestamp($14 / 1000.0), $15, $16, $17,
       to_timestamp($18 / 1000.0), to_timestamp($18 / 1000.0))
     ON CONFLICT (source_ref) WHERE closed_at IS NULL AND merged_into IS NULL AND source_ref IS NOT NULL DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      n.sourceType,
      n.sourceRef,
      n.sourceItem,
      n.sourceItemType,
      n.sourceOwnerOpd,
      n.title,
      n.region,
      n.lon,
      n.lat,
      n.severity,
      n.handlingOpd,
      n.supportingOpds,
      n.class,
      n.targetAt,
      n.reporter,
      n.createdBy,
      n.createdOpd,
      n.now,
    ],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

export async function openIncidentOfSource(db: Db, sourceRef: string): Promise<IncidentRow | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM incident WHERE source_ref = $1 AND closed_at IS NULL AND merged_into IS NULL`, [sourceRef]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function getIncident(db: Db, id: number, opts: { forUpdate?: boolean } = {}): Promise<IncidentRow | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM incident WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** Open incidents and those closed since `sinceMs`, newest first, at most `limit`. */
export async function recentIncidents(db: Db, sinceMs: number, limit = 1000): Promise<IncidentRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM incident WHERE closed_at IS NULL OR closed_at >= to_timestamp($1 / 1000.0) ORDER BY updated_at DESC LIMIT $2`,
    [sinceMs, limit],
  );
  return rows.map(toRow);
}

/**
 * Open, unmerged incidents past their target, by id: after `afterId` and up to `upTo` (null: no upper bound), at
 * most `limit`. The watcher walks every one of them page by page across rounds (watch.ts `wrappedPage`), so one
 * round is bounded however many are late, and none is starved behind a page that never changes.
 */
export async function openIncidentsPastTarget(db: Db, now: number, afterId: number, upTo: number | null, limit: number): Promise<IncidentRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM incident
      WHERE closed_at IS NULL AND merged_into IS NULL AND target_at <= to_timestamp($1 / 1000.0) AND id > $2 AND ($3::bigint IS NULL OR id <= $3)
      ORDER BY id LIMIT $4`,
    [now, afterId, upTo, limit],
  );
  return rows.map(toRow);
}

export interface IncidentChange {
  status?: IncidentStatus;
  handlingOpd?: string;
  supportingOpds?: string[];
  reporterShared?: boolean;
  mergedInto?: number;
  escalationLevel?: number;
  accepted?: boolean;
  closed?: boolean;
}

/** Applies a change, stamps it and increments the version. */
export async function updateIncident(db: Db, id: number, c: IncidentChange, now: number): Promise<IncidentRow> {
  const { rows } = await db.query(
    `UPDATE incident SET status = COALESCE($2, status), handling_opd = COALESCE($3, handling_opd),
        supporting_opds = COALESCE($4, supporting_opds), reporter_shared = COALESCE($5, reporter_shared),
        merged_into = COALESCE($6, merged_into), escalation_level = GREATEST(escalation_level, COALESCE($7, 0)),
        accepted_at = CASE WHEN $8 THEN COALESCE(accepted_at, to_timestamp($10 / 1000.0)) ELSE accepted_at END,
        closed_at = CASE WHEN $9 THEN to_timestamp($10 / 1000.0) ELSE closed_at END,
        updated_at = to_timestamp($10 / 1000.0), version = version + 1
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      c.status ?? null,
      c.handlingOpd ?? null,
      c.supportingOpds ?? null,
      c.reporterShared ?? null,
      c.mergedInto ?? null,
      c.escalationLevel ?? null,
      c.accepted ?? false,
      c.closed ?? false,
      now,
    ],
  );
  return toRow(rows[0]);
}

export async function insertEntry(
  db: Db,
  e: { incidentId: number; time: number; actor: string; actorOpd: string | null; kind: EntryKind; body: Record<string, unknown> },
): Promise<WireIncidentEntry> {
  const { rows } = await db.query(
    `INSERT INTO incident_entry (incident_id, time, actor, actor_opd, kind, body) VALUES ($1, to_timestamp($2 / 1000.0), $3, $4, $5, $6)
     RETURNING id, ${ms('time')} AS time, actor, actor_opd AS "actorOpd", kind, body`,
    [e.incidentId, e.time, e.actor, e.actorOpd, e.kind, JSON.stringify(e.body)],
  );
  const r = rows[0];
  return { id: Number(r.id), time: Math.round(r.time), actor: r.actor, actorOpd: r.actorOpd, kind: r.kind, body: r.body };
}

/** Notes and links on an incident's timeline (what MAX_NOTES_PER_INCIDENT bounds). */
export async function countNotes(db: Db, incidentId: number): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM incident_entry WHERE incident_id = $1 AND kind IN ('note', 'link')`, [incidentId]);
  return rows[0].n as number;
}

/** Timeline entries an answer carries at most: the newest (reminders of a long-late incident must not hide its end). */
export const MAX_TIMELINE_ENTRIES = 2_000;

export async function timeline(db: Db, incidentId: number): Promise<WireIncidentEntry[]> {
  const { rows } = await db.query(
    `SELECT * FROM (
       SELECT id, ${ms('time')} AS time, actor, actor_opd AS "actorOpd", kind, body FROM incident_entry WHERE incident_id = $1 ORDER BY id DESC LIMIT $2
     ) t ORDER BY id`,
    [incidentId, MAX_TIMELINE_ENTRIES],
  );
  return rows.map((r) => ({ id: Number(r.id), time: Math.round(r.time), actor: r.actor, actorOpd: r.actorOpd, kind: r.kind, body: r.body }));
}

// ---- watch alerts ----

const WATCH_COLUMNS = `id, kind, subject, opd_code AS opd, severity, ${ms('opened_at')} AS "openedAt", ${ms('cleared_at')} AS "clearedAt",
  ${ms('acknowledged_at')} AS "acknowledgedAt", acknowledged_by AS "acknowledgedBy", detail`;
const toWatch = (r: Record<string, unknown>): WireWatchAlert => ({
  id: Number(r.id),
  kind: r.kind as WatchKind,
  subject: r.subject as string,
  opd: r.opd as string,
  severity: r.severity as IncidentSeverity,
  openedAt: num(r.openedAt)!,
  clearedAt: num(r.clearedAt),
  acknowledgedAt: num(r.acknowledgedAt),
  acknowledgedBy: (r.acknowledgedBy as string | null) ?? null,
  detail: r.detail as Record<string, unknown>,
});

export async function openWatchAlerts(db: Db, kind?: WatchKind): Promise<WireWatchAlert[]> {
  const { rows } = await db.query(
    `SELECT ${WATCH_COLUMNS} FROM watch_alert WHERE cleared_at IS NULL AND ($1::text IS NULL OR kind = $1) ORDER BY id`,
    [kind ?? null],
  );
  return rows.map(toWatch);
}

/** Open, unacknowledged watch alerts by id, a bounded page as `openIncidentsPastTarget`. */
export async function openUnacknowledgedWatchAlerts(db: Db, afterId: number, upTo: number | null, limit: number): Promise<WireWatchAlert[]> {
  const { rows } = await db.query(
    `SELECT ${WATCH_COLUMNS} FROM watch_alert WHERE cleared_at IS NULL AND acknowledged_at IS NULL AND id > $1 AND ($2::bigint IS NULL OR id <= $2)
      ORDER BY id LIMIT $3`,
    [afterId, upTo, limit],
  );
  return rows.map(toWatch);
}

export async function recentWatchAlerts(db: Db, sinceMs: number, limit = 1000): Promise<WireWatchAlert[]> {
  const { rows } = await db.query(
    `SELECT ${WATCH_COLUMNS} FROM watch_alert WHERE cleared_at IS NULL OR cleared_at >= to_timestamp($1 / 1000.0) ORDER BY opened_at DESC LIMIT $2`,
    [sinceMs, limit],
  );
  return rows.map(toWatch);
}

export async function getWatchAlert(db: Db, id: number): Promise<WireWatchAlert | null> {
  const { rows } = await db.query(`SELECT ${WATCH_COLUMNS} FROM watch_alert WHERE id = $1`, [id]);
  return rows[0] ? toWatch(rows[0]) : null;
}

/** Opens a watch alert unless one is open for the kind and subject (then null). */
export async function openWatchAlert(
  db: Db,
  a: { kind: WatchKind; subject: string; opd: string; severity: IncidentSeverity; detail: Record<string, unknown>; now: number },
): Promise<WireWatchAlert | null> {
  const { rows } = await db.query(
    `INSERT INTO watch_alert (kind, subject, opd_code, severity, opened_at, detail) VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), $6)
     ON CONFLICT (kind, subject) WHERE cleared_at IS NULL DO NOTHING RETURNING ${WATCH_COLUMNS}`,
    [a.kind, a.subject, a.opd, a.severity, a.now, JSON.stringify(a.detail)],
  );
  return rows[0] ? toWatch(rows[0]) : null;
}

export async function clearWatchAlert(db: Db, id: number, now: number): Promise<WireWatchAlert | null> {
  const { rows } = await db.query(
    `UPDATE watch_alert SET cleared_at = to_timestamp($2 / 1000.0) WHERE id = $1 AND cleared_at IS NULL RETURNING ${WATCH_COLUMNS}`,
    [id, now],
  );
  return rows[0] ? toWatch(rows[0]) : null;
}

export async function acknowledgeWatchAlert(db: Db, id: number, by: string, now: number): Promise<WireWatchAlert | null> {
  const { rows } = await db.query(
    `UPDATE watch_alert SET acknowledged_at = to_timestamp($3 / 1000.0), acknowledged_by = $2 WHERE id = $1 AND acknowledged_at IS NULL
     RETURNING ${WATCH_COLUMNS}`,
    [id, by, now],
  );
  return rows[0] ? toWatch(rows[0]) : null;
}

// ---- complaints routed by event_sla.handler_opd ----

/** The handling OPD of an event kind and category, and its SLA target in hours (category target, else the kind's default). */
const ROUTING = `LEFT JOIN event_sla s ON s.kind = e.kind AND s.category = COALESCE(e.category, '')
  LEFT JOIN event_sla d ON d.kind = e.kind AND d.category = ''
  JOIN event_kind k ON k.code = e.kind`;

/**
 * The open complaints routed to `opd` by event_sla.handler_opd (its queue), or every routed complaint of the
 * domain for the command center (opd null); at most `limit`, oldest first.
 */
export async function routedComplaints(db: Db, opd: string | null, now: number, limit = 500): Promise<RoutedComplaint[]> {
  const { rows } = await db.query(
    `SELECT e.kind, e.id, e.status, e.category, e.region_code AS region, e.lon, e.lat, e.title, ${ms('e.opened_at')} AS "openedAt",
            ${ms(`e.opened_at + make_interval(secs => COALESCE(s.target_hours, d.target_hours) * 3600)`)} AS "targetAt"
       FROM event e ${ROUTING}
      WHERE e.closed_at IS NULL AND k.domain = 'complaints' AND COALESCE(s.handler_opd, d.handler_opd) IS NOT NULL
        AND ($1::text IS NULL OR COALESCE(s.handler_opd, d.handler_opd) = $1)
      ORDER BY e.opened_at LIMIT $2`,
    [opd, limit],
  );
  return rows.map((r) => ({
    kind: r.kind,
    id: r.id,
    status: r.status,
    category: r.category ?? null,
    region: r.region ?? null,
    lon: r.lon ?? null,
    lat: r.lat ?? null,
    title: r.title ?? null,
    openedAt: Math.round(r.openedAt),
    targetAt: Math.round(r.targetAt),
    overdue: Math.round(r.targetAt) < now,
  }));
}

/** One complaint (an event of a complaints-domain kind) with where it is routed and its SLA deadline. */
export async function complaintForIncident(
  db: Db,
  kind: string,
  id: string,
): Promise<{
  kind: string;
  id: string;
  category: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
  ownerOpd: string;
  handlerOpd: string;
  targetAt: number | null;
  closed: boolean;
} | null> {
  const { rows } = await db.query(
    `SELECT e.kind, e.id, e.category, e.region_code AS region, e.lon, e.lat, k.owner_opd AS "ownerOpd", e.closed_at IS NOT NULL AS closed,
            COALESCE(s.handler_opd, d.handler_opd, k.owner_opd) AS "handlerOpd",
            ${ms(`e.opened_at + make_interval(secs => COALESCE(s.target_hours, d.target_hours) * 3600)`)} AS "targetAt"
       FROM event e ${ROUTING} WHERE e.kind = $1 AND e.id = $2`,
    [kind, id],
  );
  const r = rows[0];
  if (!r) return null;
  return { ...r, targetAt: num(r.targetAt) };
}

/**
 * Open complaints past their SLA target that have no open overdue watch alert yet (at most `limit`, the longest
 * overdue first), with their handling OPD. Those already alerted are left out in SQL: otherwise, with `limit`
 * complaints overdue and alerted, a newer overdue complaint would never make the page (the alerts stay open
 * until the complaints close).
 */
export async function overdueComplaints(
  db: Db,
  now: number,
  limit = 500,
): Promise<{ kind: string; id: string; category: string | null; opd: string; targetAt: number }[]> {
  const { rows } = await db.query(
    `SELECT * FROM (
       SELECT e.kind, e.id, e.category, COALESCE(s.handler_opd, d.handler_opd, k.owner_opd) AS opd,
              ${ms(`e.opened_at + make_interval(secs => COALESCE(s.target_hours, d.target_hours) * 3600)`)} AS "targetAt"
         FROM event e ${ROUTING}
        WHERE e.closed_at IS NULL AND k.domain = 'complaints' AND COALESCE(s.target_hours, d.target_hours) IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM watch_alert w
                           WHERE w.kind = 'complaint_overdue' AND w.cleared_at IS NULL AND w.subject = e.kind || '/' || e.id)) t
      WHERE "targetAt" < $1 ORDER BY "targetAt" LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => ({ kind: r.kind, id: r.id, category: r.category ?? null, opd: r.opd, targetAt: Math.round(r.targetAt) }));
}

/** Whether a complaint ('<kind>/<id>') is still open and overdue at `now`. */
export async function stillOverdue(db: Db, subjects: readonly string[], now: number): Promise<Set<string>> {
  if (subjects.length === 0) return new Set();
  const pairs = subjects.map((s) => {
    const i = s.indexOf('/');
    return { kind: s.slice(0, i), id: s.slice(i + 1) };
  });
  const { rows } = await db.query(
    `SELECT e.kind || '/' || e.id AS subject
       FROM jsonb_to_recordset($1::jsonb) AS p(kind text, id text)
       JOIN event e ON e.kind = p.kind AND e.id = p.id ${ROUTING}
      WHERE e.closed_at IS NULL
        AND e.opened_at + make_interval(secs => COALESCE(s.target_hours, d.target_hours) * 3600) < to_timestamp($2 / 1000.0)`,
    [JSON.stringify(pairs), now],
  );
  return new Set(rows.map((r) => r.subject as string));
}

/** Incident counts per kelurahan and status group for the public page (k-protection applied by the caller). */
export async function incidentCountsByRegion(db: Db, sinceMs: number): Promise<{ region: string; open: number; closed: number }[]> {
  const { rows } = await db.query(
    `SELECT region_code AS region, count(*) FILTER (WHERE closed_at IS NULL)::int AS open, count(*) FILTER (WHERE closed_at IS NOT NULL)::int AS closed
       FROM incident WHERE region_code IS NOT NULL AND merged_into IS NULL AND class <> 'rahasia'
        AND (closed_at IS NULL OR closed_at >= to_timestamp($1 / 1000.0))
      GROUP BY region_code ORDER BY region_code`,
    [sinceMs],
  );
  return rows;
}
