/**
 * A citizen says a resolved complaint is "belum selesai" (issue 21): the work goes back to the handling OPD as
 * an incident with source `complaint` (or, when one is already open for that complaint, a note on it). Runs
 * inside the caller's transaction (the rating, the incident, its timeline entry, the audit entry and the OPD's
 * notification commit together); the caller publishes the returned row on the incidents channel after the
 * commit, like every incident change. The title names the category and ticket only: the complaint's free
 * text stays with its owner.
 */
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import { enqueue, type OutboxSettings } from '../notifications/outbox';
import { incidentFact } from '../notifications/messages';
import { complaintForIncident, insertEntry, insertIncident, openIncidentOfSource, updateIncident, type IncidentRow } from './repository';
import { targetAt } from './rules';

/** Who the timeline and the audit name for a citizen's answer (no identity: the ticket is all we know). */
export const CITIZEN_ACTOR = 'public:citizen';

export async function reopenComplaintForCitizen(
  c: pg.PoolClient,
  complaint: { kind: string; id: string; rating: number },
  ctx: { now: number; source: string | null; outbox: OutboxSettings & { linkBase: string; offsetMin: number } },
): Promise<{ row: IncidentRow; created: boolean } | null> {
  const { now } = ctx;
  const found = await complaintForIncident(c, complaint.kind, complaint.id);
  if (!found) return null;
  const sourceRef = `complaint:${complaint.kind}/${complaint.id}`;
  const note = { text: `Warga menilai ${complaint.rating}/5 dan menyatakan belum selesai / citizen rated ${complaint.rating}/5: not fixed` };
  const open = await openIncidentOfSource(c, sourceRef);
  if (open) {
    await insertEntry(c, { incidentId: open.id, time: now, actor: CITIZEN_ACTOR, actorOpd: null, kind: 'note', body: note });
    const row = await updateIncident(c, open.id, {}, now);
    await appendAudit(
      c,
      [
        {
          actor: CITIZEN_ACTOR,
          action: 'incident.noted',
          target: `incident:${open.id}`,
          detail: { source: sourceRef, notFixed: true },
          source: ctx.source,
        },
      ],
      now,
    );
    return { row, created: false };
  }
  const severity = 'waspada' as const;
  const row = await insertIncident(c, {
    sourceType: 'complaint',
    sourceRef,
    sourceItem: complaint.kind,
    sourceItemType: 'event_kind',
    sourceOwnerOpd: found.ownerOpd,
    title: `Aduan ${found.category ?? complaint.kind} #${complaint.id} belum selesai (penilaian warga)`.slice(0, 200),
    region: found.region,
    lon: found.lon,
    lat: found.lat,
    severity,
    handlingOpd: found.handlerOpd,
    supportingOpds: [],
    class: 'terbatas',
    targetAt: targetAt(now, severity),
    reporter: null,
    createdBy: CITIZEN_ACTOR,
    createdOpd: null,
    now,
  });
  if (!row) return null; // made meanwhile by someone else: the caller retries the whole transaction or reports it
  await insertEntry(c, {
    incidentId: row.id,
    time: now,
    actor: CITIZEN_ACTOR,
    actorOpd: null,
    kind: 'created',
    body: { source: sourceRef, handlingOpd: row.handlingOpd, severity, targetAt: row.targetAt, ...note },
  });
  await appendAudit(
    c,
    [
      {
        actor: CITIZEN_ACTOR,
        action: 'incident.created',
        target: `incident:${row.id}`,
        detail: { source: sourceRef, handlingOpd: row.handlingOpd, severity, class: row.class, reason: 'citizen_not_fixed' },
        source: ctx.source,
      },
    ],
    now,
  );
  await enqueue(
    c,
    [incidentFact(row, { kind: 'created' }, { linkBase: ctx.outbox.linkBase, offsetMin: ctx.outbox.offsetMin, stamp: String(now) })],
    now,
    ctx.outbox,
  );
  return { row, created: true };
}
