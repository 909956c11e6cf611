/**
 * The rules of incidents, pure (no I/O, the clock passed in), table-tested in tests/unit/incident-rules.test.ts:
 * which status changes exist, who may do what, who may see an incident and its reporter, and the target time.
 */
import type { Principal } from '../../shared/contract';
import { CLOSED_STATUSES, type IncidentSeverity, type IncidentStatus, type WireIncident } from '../../shared/incidents';
import { canRead, type Agreement } from '../access/policy';

export type IncidentAction = 'accept' | 'start' | 'resolve' | 'reject' | 'reassign' | 'support' | 'note' | 'merge' | 'share_reporter';

export type Verdict = { allow: true } | { allow: false; reason: string };
const ALLOW: Verdict = { allow: true };

/** The status an action leads to from `from`, or null where the action does not change the status. Throws never. */
export function nextStatus(from: IncidentStatus, action: IncidentAction): { to: IncidentStatus | null } | { refused: string } {
  if (CLOSED_STATUSES.includes(from)) return { refused: `the incident is ${from}; nothing more can be done to it` };
  switch (action) {
    case 'accept':
      return from === 'baru' ? { to: 'diterima' } : { refused: `only a new incident is accepted (it is ${from})` };
    case 'start':
      return from === 'diterima' ? { to: 'dikerjakan' } : { refused: `work starts on an accepted incident (it is ${from})` };
    case 'resolve':
      return from === 'diterima' || from === 'dikerjakan'
        ? { to: 'selesai' }
        : { refused: `accept the incident before resolving it (it is ${from})` };
    case 'reject':
      return { to: 'ditolak' };
    case 'reassign':
      // the new OPD decides afresh: back to baru, the timeline stays one
      return { to: 'baru' };
    case 'merge':
      return { to: 'selesai' };
    case 'support':
    case 'note':
    case 'share_reporter':
      return { to: null };
  }
}

const isCommandCenter = (who: Principal) => who.role === 'operator' || who.role === 'admin';

/**
 * Who may do what: the command center anything but merging is for operators and admins only; the handling OPD
 * works its incident; a supporting OPD adds notes; the reporting side alone shares the reporter's identity.
 */
export function mayAct(
  who: Principal,
  inc: Pick<WireIncident, 'handlingOpd' | 'supportingOpds'> & { createdOpd: string | null },
  action: IncidentAction,
): Verdict {
  if (who.role === 'public') return { allow: false, reason: 'sign in to work on incidents' };
  if (who.role === 'wilayah') return { allow: false, reason: 'incidents are worked by OPDs and the command center' };
  if (isCommandCenter(who)) {
    if (action === 'share_reporter' && inc.createdOpd !== null)
      return { allow: false, reason: `only ${inc.createdOpd}, who reported it, shares the reporter` };
    return ALLOW;
  }
  const handles = who.opd === inc.handlingOpd;
  const supports = inc.supportingOpds.includes(who.opd);
  switch (action) {
    case 'merge':
      return { allow: false, reason: 'only the command center merges duplicate incidents' };
    case 'note':
      return handles || supports ? ALLOW : { allow: false, reason: `only ${inc.handlingOpd} and its supporting OPDs add notes` };
    case 'share_reporter':
      return inc.createdOpd === who.opd ? ALLOW : { allow: false, reason: 'only the side that reported the incident shares the reporter' };
    case 'accept':
    case 'start':
    case 'resolve':
    case 'reject':
    case 'reassign':
    case 'support':
      return handles
        ? ALLOW
        : { allow: false, reason: `only ${inc.handlingOpd} (the handling OPD) or the command center may ${action} this incident` };
  }
}

/** What the access rule needs of an incident. */
export interface IncidentAccessItem {
  id: number;
  class: WireIncident['class'];
  handlingOpd: string;
  supportingOpds: readonly string[];
  /** The OPD that reported it (null: the command center or a citizen). */
  createdOpd: string | null;
  sourceItem: string | null;
  sourceItemType: 'metric' | 'event_kind' | null;
  sourceOwnerOpd: string | null;
}

/**
 * The one access rule, for incidents: the command center sees publik and terbatas incidents (rahasia only the
 * OPDs on it); an OPD sees the incidents it handles, supports or reported (a reporting OPD that hands its
 * incident on keeps following it and alone may share its reporter, whatever the class: it wrote it), and an
 * incident about an item another OPD shares with it through an agreement in force (same purpose rule as data);
 * the public sees none (only counts).
 */
export function canSeeIncident(
  who: Principal,
  inc: IncidentAccessItem,
  ctx: { agreements: readonly Agreement[]; now: number; purpose?: string },
): Verdict {
  switch (who.role) {
    case 'public':
      return { allow: false, reason: 'incidents are not public; the public page shows counts by kelurahan' };
    case 'wilayah':
      return { allow: false, reason: 'incidents are worked by OPDs; a territorial role reads the figures of its area' };
    case 'admin':
    case 'operator':
      return inc.class === 'rahasia' ? { allow: false, reason: `incident ${inc.id} is rahasia; only the OPDs working it see it` } : ALLOW;
    case 'agency': {
      if (who.opd === inc.handlingOpd || inc.supportingOpds.includes(who.opd) || who.opd === inc.createdOpd) return ALLOW;
      // owning the source item is not enough: the rule names handling, supporting, reporting and agreements only
      if (inc.class === 'rahasia' || !inc.sourceItem || !inc.sourceItemType || !inc.sourceOwnerOpd || inc.sourceOwnerOpd === who.opd)
        return { allow: false, reason: `incident ${inc.id} is handled by ${inc.handlingOpd}` };
      const d = canRead(
        who,
        { code: inc.sourceItem, ownerOpd: inc.sourceOwnerOpd, class: inc.class === 'publik' ? 'terbatas' : inc.class },
        { agreements: ctx.agreements, now: ctx.now, purpose: ctx.purpose, itemType: inc.sourceItemType },
      );
      return d.allow ? ALLOW : { allow: false, reason: `incident ${inc.id} is handled by ${inc.handlingOpd}; ${d.reason}` };
    }
  }
}

/**
 * Whether `a` shares incident `inc` with its grantee OPD: the same path of the access rule as `canSeeIncident`
 * takes for an agreement (the incident is about an item the agreement names, of the agreement's owner; never
 * rahasia; in force at `now`), for the agreement's own purpose. Handling or supporting does not count here: this
 * is what a grantee's purpose room (shared/rooms.ts `{ type: 'incidents', opd, purpose }`) carries.
 */
export function sharedThrough(inc: IncidentAccessItem, a: Agreement, now: number): boolean {
  if (inc.class === 'rahasia' || !inc.sourceItem || !inc.sourceItemType || !inc.sourceOwnerOpd || inc.sourceOwnerOpd === a.granteeOpd) return false;
  return canRead(
    { role: 'agency', opd: a.granteeOpd, tokenId: 0 },
    { code: inc.sourceItem, ownerOpd: inc.sourceOwnerOpd, class: 'terbatas' },
    { agreements: [a], now, purpose: a.purpose, itemType: inc.sourceItemType },
  ).allow;
}

/** Whether an agreement in force shares incidents with `opd` for `purpose` at all (the purpose room may be followed). */
export function sharesFor(agreements: readonly Agreement[], opd: string, purpose: string, now: number): boolean {
  return agreements.some((a) => a.granteeOpd === opd && a.purpose === purpose && a.validFrom <= now && now < a.validUntil);
}

/** Whether the caller sees who reported: the reporting side, or anyone who sees the incident once shared. */
export function maySeeReporter(who: Principal, inc: { createdOpd: string | null; reporterShared: boolean }): boolean {
  if (who.role === 'public') return false;
  if (inc.reporterShared) return true;
  if (who.role === 'agency') return inc.createdOpd === who.opd;
  return inc.createdOpd === null;
}

/** Hours an incident may stay open, by severity (the target unless the creator sets one). */
export const TARGET_HOURS: Record<IncidentSeverity, number> = { awas: 2, siaga: 8, waspada: 24 };

/**
 * The target time: the one asked for when it lies ahead, else now plus the severity's hours; a complaint keeps
 * its own SLA deadline when that is later (the citizen was promised it).
 */
export function targetAt(now: number, severity: IncidentSeverity, asked?: number | null, slaDue?: number | null): number {
  if (asked !== undefined && asked !== null && asked > now) return asked;
  const byRule = now + TARGET_HOURS[severity] * 3_600_000;
  return slaDue && slaDue > byRule ? slaDue : byRule;
}

/** Severity of an incident made from an alert level. */
export const severityOfAlert = (level: 'siaga' | 'awas'): IncidentSeverity => level;
