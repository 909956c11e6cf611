/**
 * Alerts from thresholds in the catalog: written readings are evaluated right after they commit (so an alert
 * reaches the wall within the same stream tick as its reading); acknowledgement carries a note and is audited.
 * Open alerts are held in memory per series (the database stays the truth and is read again at start, and
 * when a process becomes the cluster's leader: only the leader evaluates, server/cluster/leader.ts).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { evaluateAlert, type AlertSeverity, type WireAlert } from '../../shared/alerts';
import type { Principal } from '../../shared/contract';
import { acknowledgeAlert, getAlert, insertAlert, openAlerts, recentAlerts, updateAlert } from '../../db/queries/alerts';
import { appendAudit } from '../../db/queries/audit';
import type { CatalogService } from '../catalog/service';
import { assertNever } from '../../shared/ack';

export interface WrittenReading {
  seriesId: number;
  metric: string;
  entity: string;
  t: number;
  v: number;
}

/** The answer's words for a refused acknowledgement, shared by REST and the socket. */
export function ackRefusal(r: Exclude<AckResult, { kind: 'acknowledged' }>): string {
  switch (r.kind) {
    case 'not_signed_in':
      return 'sign in to acknowledge alerts';
    case 'note_missing':
      return 'an acknowledgement needs a note';
    case 'not_found':
      return `no alert ${r.id}`;
    case 'not_owner':
      return `only operators and ${r.ownerOpd} acknowledge alerts of ${r.metric}`;
    case 'already_acknowledged':
      return r.by ? `alert ${r.id} was acknowledged by ${r.by}` : `alert ${r.id} was acknowledged meanwhile`;
    default:
      return assertNever(r);
  }
}

/** What became of an acknowledgement, in the domain's words (routes and socket handlers map it to their transport). */
export type AckResult =
  | { kind: 'acknowledged'; alert: WireAlert }
  | { kind: 'not_signed_in' }
  | { kind: 'note_missing' }
  | { kind: 'not_found'; id: number }
  | { kind: 'not_owner'; metric: string; ownerOpd: string }
  | { kind: 'already_acknowledged'; id: number; by: string | null };

export interface AlertService {
  /** Evaluates readings that were just written; never throws (a failure is logged, ingest is not affected). */
  onReadings(readings: readonly WrittenReading[]): Promise<void>;
  /** Open alerts and those cleared in the last 24 h that the principal may see. */
  list(who: Principal): Promise<WireAlert[]>;
  canSee(who: Principal, alert: WireAlert): boolean;
  acknowledge(who: Principal, id: number, note: string, source: string | null): Promise<AckResult>;
  /** Reads the open alerts again (a process that becomes the leader evaluates from the database's truth). */
  reload(): Promise<void>;
  /** Resolves when every evaluation queued so far is done (shutdown waits for it before the pool closes). */
  idle(): Promise<void>;
}

export async function createAlertService(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  publish: (alerts: readonly WireAlert[]) => void;
  log: Logger;
  clock: () => number;
  /** Told every transition (metrics). */
  onTransition?: (transition: 'opened' | 'escalated' | 'cleared' | 'acknowledged', level: AlertSeverity) => void;
}): Promise<AlertService> {
  const { pool, catalog, log } = deps;
  const open = new Map<number, WireAlert>();
  for (const a of await openAlerts(pool)) open.set(a.seriesId, a);
  // One evaluation at a time: transitions of one series must not interleave.
  let queue: Promise<void> = Promise.resolve();

  const canSee = (who: Principal, alert: WireAlert) => {
    const metric = catalog.metric(alert.metric);
    // alerts are the queue of the command center and the OPDs; a territorial role reads its area's figures instead
    return !!metric && who.role !== 'public' && who.role !== 'wilayah' && catalog.decideSeries(who, metric, alert.entity).allow;
  };

  async function evaluate(readings: readonly WrittenReading[]): Promise<void> {
    const bySeries = new Map<number, WrittenReading[]>();
    for (const r of readings) {
      const thresholds = catalog.metric(r.metric)?.thresholds;
      if (!thresholds) continue;
      const current = open.get(r.seriesId);
      const level = r.v >= thresholds.siaga;
      if (!current && !level) continue; // the common case: nothing open, nothing alarming
      const list = bySeries.get(r.seriesId) ?? [];
      list.push(r);
      bySeries.set(r.seriesId, list);
    }
    const changed: WireAlert[] = [];
    for (const [seriesId, list] of bySeries) {
      const first = list[0]!;
      const metric = catalog.metric(first.metric)!;
      let current = open.get(seriesId) ?? null;
      const transitions = evaluateAlert(
        current && { level: current.level, lastTime: current.lastTime },
        list,
        metric.thresholds!,
        metric.hysteresis ?? 0,
      );
      let lastUpdate: { time: number; value: number } | null = null;
      for (const tr of transitions) {
        switch (tr.kind) {
          case 'open':
            current = await insertAlert(pool, {
              seriesId,
              metric: first.metric,
              entity: first.entity,
              level: tr.level,
              time: tr.time,
              value: tr.value,
            });
            changed.push(current);
            lastUpdate = null;
            deps.onTransition?.('opened', tr.level);
            break;
          case 'escalate':
            current = await updateAlert(pool, current!.id, { time: tr.time, value: tr.value, level: tr.level });
            changed.push(current);
            lastUpdate = null;
            deps.onTransition?.('escalated', tr.level);
            break;
          case 'clear':
            current = await updateAlert(pool, current!.id, { time: tr.time, value: tr.value, clear: true });
            changed.push(current);
            deps.onTransition?.('cleared', current.level);
            current = null;
            lastUpdate = null;
            break;
          case 'update':
            lastUpdate = { time: tr.time, value: tr.value };
            break;
        }
      }
      // readings that only move an open alert along are written once per batch, and not broadcast
      if (current && lastUpdate) current = await updateAlert(pool, current.id, lastUpdate);
      if (current) open.set(seriesId, current);
      else open.delete(seriesId);
    }
    if (changed.length) deps.publish(changed);
  }

  return {
    onReadings(readings) {
      queue = queue.then(() => evaluate(readings)).catch((e) => log.error({ err: e }, 'alert evaluation failed'));
      return queue;
    },
    idle() {
      return queue;
    },
    reload() {
      queue = queue
        .then(async () => {
          const fresh = await openAlerts(pool);
          open.clear();
          for (const a of fresh) open.set(a.seriesId, a);
        })
        .catch((e) => log.error({ err: e }, 'could not re-read open alerts'));
      return queue;
    },
    async list(who) {
      return (await recentAlerts(pool, deps.clock() - 86_400_000)).filter((a) => canSee(who, a));
    },
    canSee,
    async acknowledge(who, id, note, source) {
      if (who.role === 'public') return { kind: 'not_signed_in' };
      if (!note.trim()) return { kind: 'note_missing' };
      const alert = await getAlert(pool, id);
      if (!alert || !canSee(who, alert)) return { kind: 'not_found', id };
      const metric = catalog.metric(alert.metric)!;
      const mayAck = who.role === 'operator' || who.role === 'admin' || (who.role === 'agency' && who.opd === metric.ownerOpd);
      if (!mayAck) return { kind: 'not_owner', metric: alert.metric, ownerOpd: metric.ownerOpd };
      if (alert.acknowledgedAt !== null) return { kind: 'already_acknowledged', id, by: alert.acknowledgedBy };
      const actor = who.user ? `user:${who.user}` : `token:${who.tokenId}`;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const acked = await acknowledgeAlert(client, id, actor, note);
        if (!acked) {
          await client.query('ROLLBACK');
          return { kind: 'already_acknowledged', id, by: null };
        }
        await appendAudit(
          client,
          [
            {
              actor,
              action: 'alert.acknowledged',
              target: `alert:${id}`,
              detail: { metric: acked.metric, entity: acked.entity, level: acked.level, note },
              source,
            },
          ],
          deps.clock(),
        );
        await client.query('COMMIT');
        if (acked.clearedAt === null) open.set(acked.seriesId, acked);
        deps.onTransition?.('acknowledged', acked.level);
        deps.publish([acked]);
        return { kind: 'acknowledged', alert: acked };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
  };
}
