/**
 * Incidents (disposisi): made from an alert, an overdue complaint, a watch alert or a map position; worked by the
 * handling OPD (accept, start, resolve with a note, reassign with a reason, ask support, notes), merged by the
 * command center. Every change is one transaction: the row, its timeline entry, its audit entry and its outbound
 * notifications commit together; the live channel hears it after the commit. Answers are domain results.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Principal } from '../../shared/contract';
import type { IncidentSeverity, WireIncident, WireIncidentEntry, WireWatchAlert } from '../../shared/incidents';
import { appendAudit } from '../../db/queries/audit';
import { getAlert } from '../../db/queries/alerts';
import { inTransaction } from '../../db/transaction';
import type { CatalogService } from '../catalog/service';
import type { AlertService } from '../alerts/service';
import { enqueue, type NotificationFact, type OutboxSettings } from '../notifications/outbox';
import { incidentFact } from '../notifications/messages';
import { sharedAnewBy, unsharedBy, type IncidentChannel, type Shares } from './channel';
import { redactIncident } from './channel';
import {
  acknowledgeWatchAlert,
  complaintForIncident,
  countNotes,
  getIncident,
  getWatchAlert,
  insertEntry,
  insertIncident,
  openIncidentOfSource,
  recentIncidents,
  recentWatchAlerts,
  routedComplaints,
  timeline,
  updateIncident,
  type IncidentChange,
  type IncidentRow,
  type NewIncident,
} from './repository';
import { canSeeIncident, mayAct, nextStatus, severityOfAlert, sharedThrough, targetAt, type IncidentAction } from './rules';
import { MAX_NOTES_PER_INCIDENT, watchTitle, type RoutedComplaint } from '../../shared/incidents';
import { assertNever } from '../../shared/ack';
import type { Agreement } from '../../shared/sharing';
import { loadAgreements } from '../../db/queries/sharing';
import { AGREEMENT_REFRESH_MS } from '../catalog/service';

export type IncidentSourceInput =
  | { type: 'alert'; id: number }
  | { type: 'complaint'; kind: string; id: string }
  | { type: 'watch'; id: number }
  | { type: 'manual'; lon: number; lat: number; region?: string | undefined };

export interface CreateIncidentInput {
  from: IncidentSourceInput;
  title?: string | undefined;
  severity?: IncidentSeverity | undefined;
  handlingOpd?: string | undefined;
  supportingOpds?: string[] | undefined;
  targetAt?: number | undefined;
  reporter?: string | undefined;
  class?: 'publik' | 'terbatas' | 'rahasia' | undefined;
}

export type IncidentActionInput =
  | { action: 'accept' }
  | { action: 'start' }
  | { action: 'resolve'; note: string }
  | { action: 'reject'; note: string }
  | { action: 'reassign'; toOpd: string; reason: string }
  | { action: 'support'; opd: string; note?: string | undefined }
  | { action: 'note'; text: string; links?: { url: string; label?: string | undefined }[] | undefined }
  | { action: 'share_reporter' }
  | { action: 'merge'; into: number };

export interface IncidentDetail {
  incident: WireIncident;
  timeline: WireIncidentEntry[];
}

export type IncidentResult =
  | { kind: 'ok'; detail: IncidentDetail }
  | { kind: 'existing'; detail: IncidentDetail }
  | { kind: 'not_signed_in' }
  | { kind: 'not_found'; what: string }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'conflict'; reason: string };

export interface IncidentListing {
  incidents: WireIncident[];
  watch: WireWatchAlert[];
  /** The caller's room and the seq this listing is current to (deltas continue after it). */
  room: string | null;
  seq: number;
  serverTime: number;
}

export interface IncidentService {
  list(who: Principal, purpose?: string): Promise<IncidentListing>;
  /** The incidents agreements in force share with an OPD for `purpose` (its purpose room's snapshot); none for others. */
  listShared(who: Principal, purpose: string): Promise<{ incidents: WireIncident[] }>;
  /**
   * Compares the catalog's agreements in force with those of the last call; when they changed, tells the purpose
   * rooms which incidents no agreement shares into them any more (channel.ts `unsharedBy`) and which ones an
   * agreement now shares into them (`sharedAnewBy`). Run after each recheck.
   */
  rejudgeShares(): Promise<void>;
  get(who: Principal, id: number, purpose?: string): Promise<IncidentResult>;
  create(who: Principal, input: CreateIncidentInput, source: string | null): Promise<IncidentResult>;
  act(who: Principal, id: number, input: IncidentActionInput, version: number | undefined, source: string | null): Promise<IncidentResult>;
  routed(who: Principal): Promise<{ kind: 'ok'; complaints: RoutedComplaint[] } | { kind: 'not_signed_in' }>;
  acknowledgeWatch(
    who: Principal,
    id: number,
    source: string | null,
  ): Promise<
    | { kind: 'ok'; alert: WireWatchAlert }
    | { kind: 'not_signed_in' }
    | { kind: 'not_found' }
    | { kind: 'forbidden'; reason: string }
    | { kind: 'conflict'; reason: string }
  >;
}

export interface IncidentServiceDeps {
  pool: pg.Pool;
  catalog: CatalogService;
  alerts: Pick<AlertService, 'canSee'>;
  channel: IncidentChannel;
  log: Logger;
  clock: () => number;
  outbox: OutboxSettings & { linkBase: string; offsetMin: number };
}

/** `user:<name>` for a login session, `token:<id>` for a device token (as the alert acknowledgement records it). */
export const actorOf = (who: Principal): string => (who.role === 'public' ? 'public' : who.user ? `user:${who.user}` : `token:${who.tokenId}`);
const opdOf = (who: Principal): string | null => (who.role === 'agency' ? who.opd : null);

const DAY = 86_400_000;
const ACTION_AUDIT: Record<IncidentActionInput['action'], string> = {
  accept: 'incident.accepted',
  start: 'incident.started',
  resolve: 'incident.resolved',
  reject: 'incident.rejected',
  reassign: 'incident.reassigned',
  support: 'incident.support_requested',
  note: 'incident.noted',
  share_reporter: 'incident.reporter_shared',
  merge: 'incident.merged',
};

class Refusal extends Error {
  constructor(readonly result: Exclude<IncidentResult, { kind: 'ok' | 'existing' }>) {
    super(result.kind);
  }
}

export function createIncidentService(deps: IncidentServiceDeps): IncidentService {
  const { pool, catalog, clock } = deps;
  // the agreements in force, re-read as often as the catalog re-reads them (a revocation takes effect as fast)
  let agreements: { at: number; list: Agreement[] } = { at: -Infinity, list: [] };
  const refreshAgreements = async () => {
    if (clock() - agreements.at >= AGREEMENT_REFRESH_MS) agreements = { at: clock(), list: await loadAgreements(pool) };
  };
  // the agreements the purpose rooms were last judged by (rejudgeShares)
  let lastShares: Shares | null = null;
  const inForceKey = (sh: Shares) =>
    sh.agreements
      .filter((a) => a.validFrom <= sh.now && sh.now < a.validUntil)
      .map((a) => JSON.stringify(a))
      .sort()
      .join('\n');
  const visible = (who: Principal, row: IncidentRow, purpose?: string) =>
    canSeeIncident(who, row, { agreements: agreements.list, now: clock(), purpose }).allow;

  async function opdExists(code: string): Promise<boolean> {
    return (await pool.query(`SELECT 1 FROM opd WHERE code = $1`, [code])).rowCount === 1;
  }

  async function detail(who: Principal, row: IncidentRow): Promise<IncidentDetail> {
    return { incident: redactIncident(who, row), timeline: await timeline(pool, row.id) };
  }

  /** What the incident will be made of, from its source; a refusal where the caller may not use the source. */
  async function draft(
    who: Principal,
    input: CreateIncidentInput,
    now: number,
  ): Promise<Omit<NewIncident, 'createdBy' | 'createdOpd' | 'now' | 'reporter' | 'supportingOpds'> | Refusal> {
    const from = input.from;
    switch (from.type) {
      case 'alert': {
        const alert = await getAlert(pool, from.id);
        if (!alert || !deps.alerts.canSee(who, alert)) return new Refusal({ kind: 'not_found', what: `alert ${from.id}` });
        const metric = catalog.metric(alert.metric)!;
        const where = (await pool.query(`SELECT region_code, lon, lat FROM series WHERE id = $1`, [alert.seriesId])).rows[0] ?? {};
        const severity = input.severity ?? severityOfAlert(alert.level);
        return {
          sourceType: 'alert',
          sourceRef: `alert:${alert.id}`,
          sourceItem: metric.code,
          sourceItemType: 'metric',
          sourceOwnerOpd: metric.ownerOpd,
          title: input.title ?? `${metric.nameId} ${alert.level.toUpperCase()} — ${alert.entity}`,
          region: where.region_code ?? null,
          lon: where.lon ?? null,
          lat: where.lat ?? null,
          severity,
          handlingOpd: input.handlingOpd ?? metric.ownerOpd,
          class: input.class ?? 'terbatas',
          targetAt: targetAt(now, severity, input.targetAt),
        };
      }
      case 'complaint': {
        const c = await complaintForIncident(pool, from.kind, from.id);
        const kind = catalog.eventKind(from.kind);
        if (!c || !kind || kind.domain !== 'complaints') return new Refusal({ kind: 'not_found', what: `complaint ${from.kind}/${from.id}` });
        const mayRead = catalog.decideEvent(who, kind, from.id).allow || (who.role === 'agency' && who.opd === c.handlerOpd);
        if (!mayRead) return new Refusal({ kind: 'not_found', what: `complaint ${from.kind}/${from.id}` });
        if (c.closed) return new Refusal({ kind: 'invalid', reason: `complaint ${from.kind}/${from.id} is closed` });
        const severity = input.severity ?? 'waspada';
        return {
          sourceType: 'complaint',
          sourceRef: `complaint:${from.kind}/${from.id}`,
          sourceItem: kind.code,
          sourceItemType: 'event_kind',
          sourceOwnerOpd: kind.ownerOpd,
          // the complaint's free text stays with its owner: the title names the category and id only
          title: input.title ?? `Aduan ${c.category ?? kind.nameId} #${from.id}`,
          region: c.region,
          lon: c.lon,
          lat: c.lat,
          severity,
          handlingOpd: input.handlingOpd ?? c.handlerOpd,
          class: input.class ?? 'terbatas',
          targetAt: targetAt(now, severity, input.targetAt, c.targetAt),
        };
      }
      case 'watch': {
        const w = await getWatchAlert(pool, from.id);
        const mine = w && (who.role === 'operator' || who.role === 'admin' || (who.role === 'agency' && who.opd === w.opd));
        if (!w || !mine) return new Refusal({ kind: 'not_found', what: `watch alert ${from.id}` });
        const severity = input.severity ?? w.severity;
        return {
          sourceType: 'watch',
          sourceRef: `watch:${w.id}`,
          sourceItem: null,
          sourceItemType: null,
          sourceOwnerOpd: null,
          title: input.title ?? watchTitle(w),
          region: null,
          lon: null,
          lat: null,
          severity,
          handlingOpd: input.handlingOpd ?? w.opd,
          class: input.class ?? 'terbatas',
          targetAt: targetAt(now, severity, input.targetAt),
        };
      }
      case 'manual': {
        if (!input.title) return new Refusal({ kind: 'invalid', reason: 'a manual report needs a title' });
        if (!input.handlingOpd) return new Refusal({ kind: 'invalid', reason: 'a manual report needs the handling OPD' });
        if (from.region && !catalog.hasRegion(from.region)) return new Refusal({ kind: 'invalid', reason: `no region ${from.region}` });
        const severity = input.severity ?? 'siaga';
        return {
          sourceType: 'manual',
          sourceRef: null,
          sourceItem: null,
          sourceItemType: null,
          sourceOwnerOpd: null,
          title: input.title,
          region: from.region ?? null,
          lon: from.lon,
          lat: from.lat,
          severity,
          handlingOpd: input.handlingOpd,
          class: input.class ?? 'terbatas',
          targetAt: targetAt(now, severity, input.targetAt),
        };
      }
      default:
        return assertNever(from);
    }
  }

  const factCtx = (stamp: string) => ({ linkBase: deps.outbox.linkBase, offsetMin: deps.outbox.offsetMin, stamp });

  return {
    async list(who, purpose) {
      const now = clock();
      const room = who.role === 'agency' ? `incidents:${who.opd}` : who.role === 'public' || who.role === 'wilayah' ? null : 'incidents';
      // the seq first: anything committed after it arrives as a delta (applied by version, so overlap is harmless)
      const seq = room ? deps.channel.seqOf(room) : 0;
      await refreshAgreements();
      const [rows, watch] = await Promise.all([recentIncidents(pool, now - DAY), recentWatchAlerts(pool, now - DAY)]);
      return {
        incidents: rows.filter((r) => visible(who, r, purpose)).map((r) => redactIncident(who, r)),
        watch: watch.filter((w) => who.role === 'operator' || who.role === 'admin' || (who.role === 'agency' && who.opd === w.opd)),
        room,
        seq,
        serverTime: now,
      };
    },

    async listShared(who, purpose) {
      if (who.role !== 'agency') return { incidents: [] };
      const now = clock();
      // the catalog's agreements: the ones the channel authorises the room by (and the recheck re-judges it by)
      const mine = catalog.agreements().filter((a) => a.granteeOpd === who.opd && a.purpose === purpose);
      if (mine.length === 0) return { incidents: [] };
      const rows = await recentIncidents(pool, now - DAY);
      return { incidents: rows.filter((r) => mine.some((a) => sharedThrough(r, a, now))).map((r) => redactIncident(who, r)) };
    },

    async rejudgeShares() {
      const now = clock();
      const current: Shares = { agreements: [...catalog.agreements()], now };
      const prev = lastShares;
      lastShares = current;
      if (!prev || inForceKey(prev) === inForceKey(current)) return;
      const rows = await recentIncidents(pool, now - DAY);
      deps.channel.unshared(unsharedBy(rows, prev, current));
      deps.channel.shared(sharedAnewBy(rows, prev, current));
    },

    async get(who, id, purpose) {
      if (who.role === 'public') return { kind: 'not_signed_in' };
      await refreshAgreements();
      const row = await getIncident(pool, id);
      if (!row || !visible(who, row, purpose)) return { kind: 'not_found', what: `incident ${id}` };
      return { kind: 'ok', detail: await detail(who, row) };
    },

    async create(who, input, source) {
      if (who.role === 'public') return { kind: 'not_signed_in' };
      const now = clock();
      await refreshAgreements();
      const d = await draft(who, input, now);
      if (d instanceof Refusal) return d.result;
      if (!(await opdExists(d.handlingOpd))) return { kind: 'invalid', reason: `no OPD ${d.handlingOpd}` };
      const supporting = [...new Set(input.supportingOpds ?? [])].filter((o) => o !== d.handlingOpd);
      for (const o of supporting) if (!(await opdExists(o))) return { kind: 'invalid', reason: `no OPD ${o}` };
      if (d.sourceRef) {
        const existing = await openIncidentOfSource(pool, d.sourceRef);
        if (existing && visible(who, existing)) return { kind: 'existing', detail: await detail(who, existing) };
      }
      const actor = actorOf(who);
      const row = await inTransaction(pool, async (c) => {
        const inserted = await insertIncident(c, {
          ...d,
          supportingOpds: supporting,
          reporter: input.reporter ?? null,
          createdBy: actor,
          createdOpd: opdOf(who),
          now,
        });
        if (!inserted) return null; // made meanwhile by someone else
        await insertEntry(c, {
          incidentId: inserted.id,
          time: now,
          actor,
          actorOpd: opdOf(who),
          kind: 'created',
          body: { source: d.sourceRef ?? 'manual', handlingOpd: d.handlingOpd, severity: d.severity, targetAt: d.targetAt },
        });
        await appendAudit(
          c,
          [
            {
              actor,
              action: 'incident.created',
              target: `incident:${inserted.id}`,
              detail: { source: d.sourceRef, handlingOpd: d.handlingOpd, severity: d.severity, class: d.class },
              source,
            },
          ],
          now,
        );
        const facts: NotificationFact[] = [incidentFact(inserted, { kind: 'created' }, factCtx(String(now)))];
        for (const o of supporting) facts.push(incidentFact(inserted, { kind: 'support', opd: o, note: null }, factCtx(String(now))));
        await enqueue(c, facts, now, deps.outbox);
        return inserted;
      });
      if (!row) {
        const existing = d.sourceRef ? await openIncidentOfSource(pool, d.sourceRef) : null;
        return existing
          ? { kind: 'existing', detail: await detail(who, existing) }
          : { kind: 'conflict', reason: 'the incident changed meanwhile; retry' };
      }
      deps.channel.incidents([{ row }]);
      return { kind: 'ok', detail: await detail(who, row) };
    },

    async act(who, id, input, version, source) {
      if (who.role === 'public') return { kind: 'not_signed_in' };
      const now = clock();
      const actor = actorOf(who);
      const actorOpd = opdOf(who);
      await refreshAgreements();
      try {
        const out = await inTransaction(pool, async (c) => {
          const before = await getIncident(c, id, { forUpdate: true });
          if (!before || !visible(who, before)) throw new Refusal({ kind: 'not_found', what: `incident ${id}` });
          if (version !== undefined && version !== before.version)
            throw new Refusal({
              kind: 'conflict',
              reason: `incident ${id} changed meanwhile (version ${before.version}, not ${version}); reload it`,
            });
          const may = mayAct(who, before, input.action as IncidentAction);
          if (!may.allow) throw new Refusal({ kind: 'forbidden', reason: may.reason });
          const step = nextStatus(before.status, input.action as IncidentAction);
          if ('refused' in step) throw new Refusal({ kind: 'conflict', reason: step.refused });
          const change: IncidentChange = {};
          if (step.to && step.to !== before.status) change.status = step.to;
          const entries: { kind: WireIncidentEntry['kind']; body: Record<string, unknown> }[] = [];
          const facts: NotificationFact[] = [];
          const extra: { row: IncidentRow; formerOpds?: readonly string[] }[] = [];
          const stamp = `${now}`;
          switch (input.action) {
            case 'accept':
              change.accepted = true;
              entries.push({ kind: 'status', body: { from: before.status, to: 'diterima' } });
              break;
            case 'start':
              entries.push({ kind: 'status', body: { from: before.status, to: 'dikerjakan' } });
              break;
            case 'resolve':
            case 'reject':
              change.closed = true;
              entries.push({ kind: 'status', body: { from: before.status, to: step.to, note: input.note } });
              break;
            case 'reassign': {
              if (input.toOpd === before.handlingOpd) throw new Refusal({ kind: 'invalid', reason: `${input.toOpd} already handles incident ${id}` });
              if (!(await opdExists(input.toOpd))) throw new Refusal({ kind: 'invalid', reason: `no OPD ${input.toOpd}` });
              change.handlingOpd = input.toOpd;
              change.supportingOpds = before.supportingOpds.filter((o) => o !== input.toOpd);
              entries.push({ kind: 'reassigned', body: { fromOpd: before.handlingOpd, toOpd: input.toOpd, reason: input.reason } });
              break;
            }
            case 'support': {
              if (input.opd === before.handlingOpd || before.supportingOpds.includes(input.opd))
                throw new Refusal({ kind: 'invalid', reason: `${input.opd} already works on incident ${id}` });
              if (!(await opdExists(input.opd))) throw new Refusal({ kind: 'invalid', reason: `no OPD ${input.opd}` });
              change.supportingOpds = [...before.supportingOpds, input.opd];
              entries.push({ kind: 'support', body: { opd: input.opd, note: input.note ?? null } });
              break;
            }
            case 'note': {
              const adding = 1 + (input.links?.length ?? 0);
              const held = await countNotes(c, id);
              if (held + adding > MAX_NOTES_PER_INCIDENT)
                throw new Refusal({
                  kind: 'conflict',
                  reason: `incident ${id} holds ${held} notes and links; at most ${MAX_NOTES_PER_INCIDENT} (this adds ${adding}). Open a new incident or merge`,
                });
              entries.push({ kind: 'note', body: { text: input.text } });
              for (const l of input.links ?? []) entries.push({ kind: 'link', body: { url: l.url, label: l.label ?? null } });
              break;
            }
            case 'share_reporter':
              change.reporterShared = true;
              entries.push({ kind: 'note', body: { text: 'identitas pelapor dibagikan / reporter identity shared' } });
              break;
            case 'merge': {
              if (input.into === id) throw new Refusal({ kind: 'invalid', reason: 'an incident is not merged into itself' });
              const target = await getIncident(c, input.into, { forUpdate: true });
              if (!target || !visible(who, target)) throw new Refusal({ kind: 'not_found', what: `incident ${input.into}` });
              if (target.closedAt !== null || target.mergedInto !== null)
                throw new Refusal({ kind: 'conflict', reason: `incident ${input.into} is closed` });
              change.mergedInto = input.into;
              change.closed = true;
              entries.push({ kind: 'merged', body: { into: input.into } });
              await insertEntry(c, { incidentId: input.into, time: now, actor, actorOpd, kind: 'merged', body: { from: id, title: before.title } });
              extra.push({ row: await updateIncident(c, input.into, {}, now) });
              break;
            }
            default:
              assertNever(input);
          }
          const after = await updateIncident(c, id, change, now);
          for (const e of entries) await insertEntry(c, { incidentId: id, time: now, actor, actorOpd, ...e });
          const { action, ...params } = input;
          await appendAudit(
            c,
            [
              {
                actor,
                action: ACTION_AUDIT[action],
                target: `incident:${id}`,
                detail: { ...params, status: after.status, handlingOpd: after.handlingOpd },
                source,
              },
            ],
            now,
          );
          if (input.action === 'reassign')
            facts.push(incidentFact(after, { kind: 'reassigned', fromOpd: before.handlingOpd, reason: input.reason }, factCtx(stamp)));
          if (input.action === 'support')
            facts.push(incidentFact(after, { kind: 'support', opd: input.opd, note: input.note ?? null }, factCtx(stamp)));
          if (input.action === 'resolve') facts.push(incidentFact(after, { kind: 'resolved', note: input.note }, factCtx(stamp)));
          await enqueue(c, facts, now, deps.outbox);
          return { before, after, extra };
        });
        deps.channel.incidents([{ row: out.after, formerOpds: [out.before.handlingOpd, ...out.before.supportingOpds] }, ...out.extra]);
        return { kind: 'ok', detail: await detail(who, out.after) };
      } catch (e) {
        if (e instanceof Refusal) return e.result;
        throw e;
      }
    },

    async routed(who) {
      if (who.role === 'public') return { kind: 'not_signed_in' };
      return { kind: 'ok', complaints: await routedComplaints(pool, who.role === 'agency' ? who.opd : null, clock()) };
    },

    async acknowledgeWatch(who, id, source) {
      if (who.role === 'public') return { kind: 'not_signed_in' };
      const w = await getWatchAlert(pool, id);
      if (!w || (who.role === 'agency' && who.opd !== w.opd)) return { kind: 'not_found' };
      const actor = actorOf(who);
      const now = clock();
      const acked = await inTransaction(pool, async (c) => {
        const a = await acknowledgeWatchAlert(c, id, actor, now);
        if (a)
          await appendAudit(
            c,
            [{ actor, action: 'watch.acknowledged', target: `watch:${id}`, detail: { kind: a.kind, subject: a.subject }, source }],
            now,
          );
        return a;
      });
      if (!acked) return { kind: 'conflict', reason: `watch alert ${id} was acknowledged by ${w.acknowledgedBy ?? 'someone'}` };
      deps.channel.watch([acked]);
      return { kind: 'ok', alert: acked };
    },
  };
}
