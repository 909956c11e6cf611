/**
 * The incidents channel on the one channel model (server/realtime/channel.ts): `incidents:subscribe` →
 * `incidents:changed`. Facts that must arrive (never volatile); a socket is in its scope's room from connection
 * (`autoJoin`), like alerts. Scopes: `all` (the command center: operators and admins; rahasia incidents never go
 * there) and one per OPD (the incidents it handles, supports or reported, its watch alerts, escalation steps of its
 * subjects). Each room has its own sequence number in the hub; GET /api/v1/incidents answers the same snapshot
 * with the seq of the caller's room. Deltas are redacted per room (the reporter rule depends only on the
 * room's role and OPD), so one broadcast serves a room.
 *
 * Incidents an OPD sees through a sharing agreement travel in a room of their own: an agreement shares for a
 * stated purpose (server/access/policy.ts) and the OPD room states none, so a grantee that states a purpose at
 * `incidents:subscribe` (`{ purpose }`) follows the purpose room `incidents:<OPD>/<purpose>` (scope
 * `<OPD>/<purpose>`): every incident an agreement in force shares with that OPD for that purpose
 * (rules.ts `sharedThrough`), as the grantee may see it (the reporter stays hidden unless shared). The room is
 * authorised while an agreement in force shares for that purpose; when the last one ends (revoked, run out) the
 * recheck (server/realtime/recheck.ts) ends the subscription with `subscription:ended` (forbidden) and the hub
 * sends the room nothing more for that OPD. When one of several agreements of that purpose ends, the room stays
 * and the incidents only it shared leave with a `removed` delta (`unsharedBy`, run by the incident service's
 * `unshareEnded` right after each recheck and every few seconds).
 */
import { z } from 'zod';
import type { Principal } from '../../shared/contract';
import type { IncidentsChanged, IncidentsSnapshot, WireEscalation, WireIncident, WireWatchAlert } from '../../shared/incidents';
import { incidentsSubscribeSchema } from '../../shared/incidents';
import { parseRoomId, toRoomId } from '../../shared/rooms';
import type { Channels, ChannelHandler } from '../realtime/channel';
import type { Hub } from '../realtime/hub';
import type { IncidentRow } from './repository';
import type { Agreement } from '../../shared/sharing';
import { maySeeReporter, sharedThrough, sharesFor } from './rules';

type Delta = Omit<IncidentsChanged, 'seq'>;

export const ALL_INCIDENTS = 'all';

/** Pure: the scope a principal hears incidents in (null: the public). */
export function incidentsScopeOf(who: Principal): string | null {
  switch (who.role) {
    case 'admin':
    case 'operator':
      return ALL_INCIDENTS;
    case 'agency':
      return who.opd;
    case 'wilayah': // incidents are worked by OPDs (rules.ts canSeeIncident)
    case 'public':
      return null;
  }
}

/** The scope of a grantee's purpose room. */
export const sharedScope = (opd: string, purpose: string) => `${opd}/${purpose}`;

/** Pure: a scope's parts ('all': none; 'BPBD': the OPD; 'BPBD/flood-response': the OPD and the purpose). */
export function parseScope(scope: string): { opd?: string; purpose?: string } {
  if (scope === ALL_INCIDENTS) return {};
  const slash = scope.indexOf('/');
  return slash < 0 ? { opd: scope } : { opd: scope.slice(0, slash), purpose: scope.slice(slash + 1) };
}

export const roomOfScope = (scope: string) => toRoomId({ type: 'incidents', ...parseScope(scope) });

/** The wire incident as `who` sees it: the reporter only where the rule allows. */
export function redactIncident(who: Principal, row: IncidentRow): WireIncident {
  return {
    id: row.id,
    sourceType: row.sourceType,
    sourceRef: row.sourceRef,
    title: row.title,
    region: row.region,
    lon: row.lon,
    lat: row.lat,
    severity: row.severity,
    handlingOpd: row.handlingOpd,
    supportingOpds: row.supportingOpds,
    class: row.class,
    status: row.status,
    targetAt: row.targetAt,
    reporter: maySeeReporter(who, row) ? row.reporter : null,
    reporterShared: row.reporterShared,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    acceptedAt: row.acceptedAt,
    closedAt: row.closedAt,
    mergedInto: row.mergedInto,
    escalationLevel: row.escalationLevel,
    version: row.version,
  };
}

/** Who a scope stands for, for redaction (a purpose room: its grantee OPD). */
const principalOfScope = (scope: string): Principal => {
  const { opd } = parseScope(scope);
  return opd === undefined ? { role: 'operator', tokenId: 0 } : { role: 'agency', opd, tokenId: 0 };
};

/** The scopes an incident shows in: the command center unless rahasia; the handling, supporting and reporting OPDs. */
export function scopesOfIncident(row: Pick<IncidentRow, 'class' | 'handlingOpd' | 'supportingOpds' | 'createdOpd'>): string[] {
  const opds = [row.handlingOpd, ...row.supportingOpds, ...(row.createdOpd ? [row.createdOpd] : [])];
  return [...(row.class === 'rahasia' ? [] : [ALL_INCIDENTS]), ...new Set(opds)];
}

/** Incidents to drop from purpose rooms, by scope (agreements ended while others of the same purpose hold the room). */
export type Unshared = readonly { scope: string; ids: readonly number[] }[];
/** Incidents to add to purpose rooms, by scope (agreements that came into force while the room was open). */
export type SharedAnew = readonly { scope: string; rows: readonly IncidentRow[] }[];

export type IncidentFact =
  | { kind: 'incidents'; changes: readonly { row: IncidentRow; formerOpds?: readonly string[] | undefined }[] }
  | { kind: 'unshared'; removals: Unshared }
  | { kind: 'shared'; additions: SharedAnew }
  | { kind: 'watch'; alerts: readonly WireWatchAlert[] }
  | { kind: 'escalations'; steps: readonly WireEscalation[] };

const empty = (scope: string): Delta => ({ room: roomOfScope(scope), incidents: [], removed: [], watch: [], escalations: [] });

/** The agreements a fact's purpose rooms are judged by, with the moment they are judged at. */
export interface Shares {
  agreements: readonly Agreement[];
  now: number;
}

/** Pure: the delta per scope a fact makes (with `shares`: also the grantees' purpose rooms). */
export function deltasOf(fact: IncidentFact, shares?: Shares): Map<string, Delta> {
  const out = new Map<string, Delta>();
  const at = (scope: string) => {
    let d = out.get(scope);
    if (!d) out.set(scope, (d = empty(scope)));
    return d;
  };
  switch (fact.kind) {
    case 'incidents':
      for (const { row, formerOpds } of fact.changes) {
        const scopes = scopesOfIncident(row);
        for (const s of scopes) at(s).incidents.push(redactIncident(principalOfScope(s), row));
        for (const opd of formerOpds ?? []) if (!scopes.includes(opd)) at(opd).removed.push(row.id);
        for (const a of shares?.agreements ?? []) {
          if (!sharedThrough(row, a, shares!.now)) continue;
          const scope = sharedScope(a.granteeOpd, a.purpose);
          const d = at(scope);
          // two agreements of one grantee and purpose may share the same incident: once per room
          if (!d.incidents.some((i) => i.id === row.id)) d.incidents.push(redactIncident(principalOfScope(scope), row));
        }
      }
      break;
    case 'unshared':
      for (const { scope, ids } of fact.removals) at(scope).removed.push(...ids);
      break;
    case 'shared':
      for (const { scope, rows } of fact.additions) for (const r of rows) at(scope).incidents.push(redactIncident(principalOfScope(scope), r));
      break;
    case 'watch':
      for (const a of fact.alerts) for (const s of [ALL_INCIDENTS, a.opd]) at(s).watch.push(a);
      break;
    case 'escalations':
      for (const e of fact.steps) for (const s of e.opd ? [ALL_INCIDENTS, e.opd] : [ALL_INCIDENTS]) at(s).escalations.push(e);
      break;
  }
  return out;
}

/**
 * Pure: what leaves the purpose rooms when the agreements change from `before` to `after` (each with the moment
 * it was judged at): an incident some agreement shared into a grantee's purpose room before and none shares into
 * that room now. The recheck ends a room whose last agreement ended; this covers a room that stays open because
 * another agreement of the same grantee and purpose still holds, so its tablet drops what it may no longer see.
 */
export function unsharedBy(rows: readonly IncidentRow[], before: Shares, after: Shares): { scope: string; ids: number[] }[] {
  const out = new Map<string, number[]>();
  for (const row of rows) {
    const was = new Set(before.agreements.filter((a) => sharedThrough(row, a, before.now)).map((a) => sharedScope(a.granteeOpd, a.purpose)));
    if (was.size === 0) continue;
    const is = new Set(after.agreements.filter((a) => sharedThrough(row, a, after.now)).map((a) => sharedScope(a.granteeOpd, a.purpose)));
    for (const scope of was) if (!is.has(scope)) out.set(scope, [...(out.get(scope) ?? []), row.id]);
  }
  return [...out].map(([scope, ids]) => ({ scope, ids }));
}

/**
 * Pure: what enters the purpose rooms when the agreements change from `before` to `after`: an incident no agreement
 * shared into a grantee's purpose room before and one shares into it now. A tablet already in the room (held open
 * by another agreement of the same purpose) gets the incidents the new agreement opens without re-subscribing.
 */
export function sharedAnewBy(rows: readonly IncidentRow[], before: Shares, after: Shares): { scope: string; rows: IncidentRow[] }[] {
  const out = new Map<string, IncidentRow[]>();
  for (const row of rows) {
    const is = new Set(after.agreements.filter((a) => sharedThrough(row, a, after.now)).map((a) => sharedScope(a.granteeOpd, a.purpose)));
    if (is.size === 0) continue;
    const was = new Set(before.agreements.filter((a) => sharedThrough(row, a, before.now)).map((a) => sharedScope(a.granteeOpd, a.purpose)));
    for (const scope of is) if (!was.has(scope)) out.set(scope, [...(out.get(scope) ?? []), row]);
  }
  return [...out].map(([scope, rows]) => ({ scope, rows }));
}

/** Two deltas of one room in one tick: the later incident copy wins, everything else is kept in order. */
export function mergeDeltas(a: Delta, b: Delta): Delta {
  const byId = new Map(a.incidents.map((i) => [i.id, i]));
  for (const i of b.incidents) {
    const held = byId.get(i.id);
    if (!held || held.version <= i.version) byId.set(i.id, i);
  }
  const removed = [...new Set([...a.removed.filter((id) => !b.incidents.some((i) => i.id === id)), ...b.removed])];
  for (const id of b.removed) byId.delete(id);
  return { room: a.room, incidents: [...byId.values()], removed, watch: [...a.watch, ...b.watch], escalations: [...a.escalations, ...b.escalations] };
}

export function createIncidentsChannel(deps: {
  list: (who: Principal) => Promise<{ incidents: WireIncident[]; watch: WireWatchAlert[] }>;
  /** The incidents agreements in force share with `who`'s OPD for `purpose` (its purpose room's snapshot). */
  listShared: (who: Principal, purpose: string) => Promise<{ incidents: WireIncident[] }>;
  /** The sharing agreements as the catalog last read them (re-read every few seconds; the recheck follows). */
  agreements: () => readonly Agreement[];
  clock: () => number;
}): ChannelHandler<z.output<typeof incidentsSubscribeSchema>, string, IncidentFact, Delta, IncidentsSnapshot> {
  return {
    type: 'incidents',
    subscribeEvent: 'incidents:subscribe',
    deltaEvent: 'incidents:changed',
    schema: incidentsSubscribeSchema,
    keys: (req, who) => (req.purpose && who.role === 'agency' ? [sharedScope(who.opd, req.purpose)] : [incidentsScopeOf(who) ?? 'public']),
    authorise(who, key, purpose) {
      const scope = incidentsScopeOf(who);
      if (!scope) return { allow: false, code: 'forbidden', message: 'incidents are for signed-in users; the public page shows counts by kelurahan' };
      const shared = parseScope(key);
      if (shared.purpose !== undefined) {
        if (shared.opd !== scope) return { allow: false, code: 'forbidden', message: `incidents shared with ${shared.opd} are not yours to follow` };
        if (purpose !== shared.purpose)
          return { allow: false, code: 'forbidden', message: `the room of purpose '${shared.purpose}' needs that purpose stated` };
        if (!sharesFor(deps.agreements(), scope, shared.purpose, deps.clock()))
          return { allow: false, code: 'forbidden', message: `no agreement in force shares incidents with ${scope} for '${shared.purpose}'` };
        return { allow: true, item: key };
      }
      if (scope !== key) return { allow: false, code: 'forbidden', message: `incidents of ${key} are not yours to follow` };
      return { allow: true, item: key };
    },
    roomOf: roomOfScope,
    keyOf(room) {
      const r = parseRoomId(room);
      if (r?.type !== 'incidents') return null;
      if (!r.opd) return ALL_INCIDENTS;
      return r.purpose ? sharedScope(r.opd, r.purpose) : r.opd;
    },
    isPublik: () => false,
    roomsOf: (fact) =>
      [...deltasOf(fact, { agreements: deps.agreements(), now: deps.clock() })].map(([scope, delta]) => ({ room: roomOfScope(scope), delta })),
    merge: mergeDeltas,
    async snapshot(who, inputs) {
      const input = inputs[0];
      const purpose = input ? parseScope(input.key).purpose : undefined;
      const { incidents, watch } = purpose !== undefined ? { ...(await deps.listShared(who, purpose)), watch: [] } : await deps.list(who);
      return {
        data: { serverTime: deps.clock(), room: input ? roomOfScope(input.key) : null, seq: input?.seq ?? 0, incidents, watch },
        seqs: inputs.map((i) => i.seq),
      };
    },
    autoJoin: (who) => {
      const scope = incidentsScopeOf(who);
      return scope ? [scope] : [];
    },
  };
}

/** What the incident service and the watcher publish through (the channel's facts, the hub's seqs). */
export interface IncidentChannel {
  /** Changed incidents; `formerOpds`: OPDs that saw it before the change (those that no longer do get `removed`). */
  incidents(changes: readonly { row: IncidentRow; formerOpds?: readonly string[] | undefined }[]): void;
  watch(alerts: readonly WireWatchAlert[]): void;
  escalations(steps: readonly WireEscalation[]): void;
  /** Incidents that left purpose rooms (`unsharedBy`). */
  unshared(removals: Unshared): void;
  /** Incidents that entered purpose rooms (`sharedAnewBy`). */
  shared(additions: SharedAnew): void;
  /** The seq a room is at: a snapshot read after this is current to at least it. */
  seqOf(room: string): number;
}

export function incidentPublisher(channels: Pick<Channels, 'publish'>, hub: () => Pick<Hub, 'seq'>): IncidentChannel {
  return {
    incidents: (changes) => changes.length > 0 && channels.publish('incidents', { kind: 'incidents', changes } satisfies IncidentFact),
    watch: (alerts) => alerts.length > 0 && channels.publish('incidents', { kind: 'watch', alerts } satisfies IncidentFact),
    escalations: (steps) => steps.length > 0 && channels.publish('incidents', { kind: 'escalations', steps } satisfies IncidentFact),
    unshared: (removals) => removals.length > 0 && channels.publish('incidents', { kind: 'unshared', removals } satisfies IncidentFact),
    shared: (additions) => additions.length > 0 && channels.publish('incidents', { kind: 'shared', additions } satisfies IncidentFact),
    seqOf: (room) => hub().seq(room),
  } as IncidentChannel;
}
