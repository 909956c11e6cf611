/**
 * Watching time: what no reading raises. Once per WATCH_INTERVAL_MS, one round
 *  - opens a "data terlambat" watch alert to a feed's owner OPD when the feed has been silent for 3x its cadence
 *    (shared/feed-state.ts `late`/`silent`), and clears it when data returns; and records the feed's lateness
 *    interval (feed_lateness, issue 19's data SLA) from its last success until its next one;
 *  - records each metric's lateness interval (feed_lateness with source '' and the metric's code, its owner OPD):
 *    late while its newest reading is older than 3x its cadence (shared/scorecard.ts `metricLate`), from that
 *    reading until the first one after it (one primary-key probe per series per round, no scan of readings); and
 *    opens a "metrik tanpa data baru" watch alert (waspada) to the owner OPD while it lasts, unless a feed of that
 *    OPD is late already (its alert explains the quiet metrics);
 *  - opens an overdue watch alert to the handling OPD (event_sla.handler_opd) for a complaint past its SLA target,
 *    and clears it when the complaint closes;
 *  - applies the escalation policies (server/incidents/escalation.ts) to unacknowledged alerts, incidents past
 *    their target and unacknowledged watch alerts: each step and reminder is audited, queued to the outbox and
 *    shown live (incidents also get a timeline entry and their level).
 *
 * Exactly once with several processes: the timer runs in the leader only (`leader.run('watch', …)` in
 * server/app.ts, issue 18's advisory-lock leader), and each round also runs in one transaction holding a
 * transaction-level advisory lock taken with try (a process that does not get it skips the round: two leaders
 * for a moment during a hand-over cannot double a step), and everything a round changes (watch alerts,
 * escalation state, audit, outbox) commits together or not at all. The clock is passed in: tests drive `tick()`.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { feedState } from '../../shared/feed-state';
import type { IncidentSeverity, WireEscalation, WireWatchAlert } from '../../shared/incidents';
import { appendAudit, type AuditInput } from '../../db/queries/audit';
import { openUnacknowledgedAlerts } from '../../db/queries/alerts';
import { listHealth } from '../../db/queries/feeds';
import {
  METRIC_SOURCE,
  closeLateness,
  firstReadingAfter,
  newestPerMetric,
  openLateness,
  openLatenessKeys,
  openMetricLateness,
} from '../../db/queries/scorecard';
import { metricLate } from '../../shared/scorecard';
import type { CatalogService } from '../catalog/service';
import { enqueue, type NotificationFact, type OutboxSettings } from '../notifications/outbox';
import { alertFact, incidentFact, watchFact } from '../notifications/messages';
import { choosePolicy, dueEscalations, escalationStepsSchema, type EscalationPolicy, type EscalationSubjectType } from './escalation';
import type { IncidentChannel } from './channel';
import {
  clearWatchAlert,
  insertEntry,
  openIncidentsPastTarget,
  openUnacknowledgedWatchAlerts,
  openWatchAlert,
  openWatchAlerts,
  openWatchAlertsPage,
  overdueComplaints,
  stillOverdue,
  updateIncident,
  type IncidentRow,
} from './repository';

const LOCK_ID = 0x5e1a1c16;
const SYSTEM = 'system:watch';
/** Default bound on the subjects of each kind one round judges (config WATCH_SUBJECTS_PER_ROUND). */
export const WATCH_SUBJECTS_PER_ROUND = 500;

/** A page fetched by id: after `afterId`, up to `upTo` (null: no bound), at most `limit`. */
type Page<T> = (afterId: number, upTo: number | null, limit: number) => Promise<T[]>;

/**
 * At most `limit` rows from `cursor` on, wrapping to the first ids when the end comes first; `next` is where the
 * following round starts (0: from the beginning). Every row is visited within ceil(rows / limit) rounds. Pure but
 * for the fetch.
 */
export async function wrappedPage<T extends { id: number }>(page: Page<T>, cursor: number, limit: number): Promise<{ rows: T[]; next: number }> {
  const first = await page(cursor, null, limit);
  const wrapped = first.length < limit && cursor > 0 ? await page(0, cursor, limit - first.length) : [];
  const rows = [...first, ...wrapped];
  return { rows, next: rows.length < limit ? 0 : rows.at(-1)!.id };
}

export interface Watcher {
  /** One round at the clock's now; false when another process holds the round. */
  tick(): Promise<boolean>;
  /** Runs a round every `intervalMs` until the returned stop is called (the leader job). */
  start(intervalMs: number): () => Promise<void>;
}

export interface WatcherDeps {
  pool: pg.Pool;
  catalog: CatalogService;
  channel: IncidentChannel;
  log: Logger;
  clock: () => number;
  outbox: OutboxSettings & { linkBase: string; offsetMin: number };
  /**
   * Escalation subjects of each kind (unacknowledged alerts, incidents past target, unacknowledged watch alerts)
   * judged per round at most (default WATCH_SUBJECTS_PER_ROUND): a round walks each kind by id from where the
   * last one stopped, so every subject is judged within ceil(subjects / this) rounds.
   */
  subjectsPerRound?: number;
  /** Told when an alert's escalation state changes (the alert service re-publishes nothing; the wall shows the steps). */
  onEscalation?: (steps: readonly WireEscalation[]) => void;
}

async function loadPolicies(db: pg.PoolClient): Promise<EscalationPolicy[]> {
  const { rows } = await db.query(
    `SELECT id, subject, severity, metric, event_kind AS "eventKind", steps, reminder_min AS "reminderMin" FROM escalation_policy WHERE enabled ORDER BY id`,
  );
  const out: EscalationPolicy[] = [];
  for (const r of rows) {
    const steps = escalationStepsSchema.safeParse(r.steps);
    if (steps.success) out.push({ ...r, steps: steps.data });
  }
  return out;
}

interface Subject {
  key: string;
  type: EscalationSubjectType;
  severity: IncidentSeverity;
  metric?: string | null;
  startAt: number;
  opd: string | null;
  fact: (
    a:
      | { kind: 'escalated'; level: number; notify: readonly ('head' | 'staff' | 'officer' | 'supervisor' | 'sekda')[] }
      | { kind: 'reminder'; level: number },
    stamp: string,
  ) => NotificationFact;
  incident?: IncidentRow;
}

export function createWatcher(deps: WatcherDeps): Watcher {
  const { pool, log, clock } = deps;
  const perRound = deps.subjectsPerRound ?? WATCH_SUBJECTS_PER_ROUND;
  // per subject kind, the id after which the next round's page starts (0: from the first); moved after a commit
  let cursors = { alerts: 0, incidents: 0, watch: 0, overdue: 0 };

  async function round(c: pg.PoolClient, now: number) {
    const audit: AuditInput[] = [];
    const facts: NotificationFact[] = [];
    const watchChanged: WireWatchAlert[] = [];
    const steps: WireEscalation[] = [];
    const incidentsChanged: IncidentRow[] = [];
    // a watch alert opened or cleared: streamed, audited, and (opened) queued to the OPD's notifications
    const raise = async (input: Omit<Parameters<typeof openWatchAlert>[1], 'now'>, audited: Record<string, unknown> = {}) => {
      const w = await openWatchAlert(c, { ...input, now });
      if (!w) return;
      watchChanged.push(w);
      facts.push(watchFact(w, deps.outbox.linkBase));
      audit.push({
        actor: SYSTEM,
        action: 'watch.opened',
        target: `watch:${w.id}`,
        detail: { kind: w.kind, subject: w.subject, opd: w.opd, ...audited },
        source: null,
      });
    };
    const clear = async (id: number) => {
      const w = await clearWatchAlert(c, id, now);
      if (!w) return;
      watchChanged.push(w);
      audit.push({ actor: SYSTEM, action: 'watch.cleared', target: `watch:${w.id}`, detail: { kind: w.kind, subject: w.subject }, source: null });
    };

    // feeds gone quiet
    const health = await listHealth(c);
    const openFeed = new Map((await openWatchAlerts(c, 'feed_late')).map((w) => [w.subject, w]));
    const openLate = await openLatenessKeys(c);
    for (const h of health) {
      const subject = `${h.source}@${h.opd}`;
      const state = feedState(h, now);
      const late = state === 'late' || state === 'silent';
      // the data SLA's history (issue 19): late from the last success, fresh again from the next one
      if (late && !openLate.has(subject)) await openLateness(c, { source: h.source, opd: h.opd, since: Math.min(h.lastSuccess ?? now, now) });
      else if (!late && openLate.has(subject)) await closeLateness(c, { source: h.source, opd: h.opd, until: Math.min(h.lastSuccess ?? now, now) });
      const open = openFeed.get(subject);
      if (late && !open)
        await raise(
          {
            kind: 'feed_late',
            subject,
            opd: h.opd,
            severity: 'siaga',
            detail: { source: h.source, type: h.type, state, lastSuccess: h.lastSuccess, expectedIntervalMs: h.expectedIntervalMs },
          },
          { state },
        );
      else if (!late && open) await clear(open.id);
    }
    // a feed removed from source_health clears too
    const reported = new Set(health.map((h) => `${h.source}@${h.opd}`));
    for (const k of openLate)
      if (!reported.has(k)) {
        const at = k.lastIndexOf('@');
        await closeLateness(c, { source: k.slice(0, at), opd: k.slice(at + 1), until: now });
      }
    for (const [subject, w] of openFeed) if (!reported.has(subject)) await clear(w.id);

    // metrics gone quiet (issue 19's per-metric data SLA)
    const openMetric = await openMetricLateness(c);
    const openMetricWatch = new Map((await openWatchAlerts(c, 'metric_late')).map((w) => [w.subject, w]));
    // an OPD whose feed is late already has a watch alert that explains its quiet metrics: one alert, not one per metric
    const feedLateOpds = new Set(health.filter((h) => ['late', 'silent'].includes(feedState(h, now))).map((h) => h.opd));
    const judged = new Set<string>();
    const clearMetricWatch = async (metric: string) => {
      const w = openMetricWatch.get(metric);
      if (w) await clear(w.id);
    };
    for (const m of await newestPerMetric(c)) {
      judged.add(m.metric);
      const late = metricLate(m.newest, m.cadenceS, now);
      const open = openMetric.get(m.metric);
      if (late && !open) await openLateness(c, { source: METRIC_SOURCE, opd: m.opd, metric: m.metric, since: Math.min(m.newest, now) });
      else if (!late && open) {
        const back = (await firstReadingAfter(c, m.metric, open.start)) ?? m.newest;
        await closeLateness(c, { source: METRIC_SOURCE, opd: open.opd, metric: m.metric, until: Math.min(back, now) });
      }
      if (late && !openMetricWatch.has(m.metric) && !feedLateOpds.has(m.opd))
        await raise({
          kind: 'metric_late',
          subject: m.metric,
          opd: m.opd,
          severity: 'waspada',
          detail: { metric: m.metric, name: deps.catalog.metric(m.metric)?.nameId ?? m.metric, newest: m.newest, cadenceS: m.cadenceS },
        });
      else if (!late) await clearMetricWatch(m.metric);
    }
    // a metric without readings any more (series removed) clears too
    for (const [metric, open] of openMetric)
      if (!judged.has(metric)) await closeLateness(c, { source: METRIC_SOURCE, opd: open.opd, metric, until: now });
    for (const metric of openMetricWatch.keys()) if (!judged.has(metric)) await clearMetricWatch(metric);

    // complaints past their SLA (the query leaves out those already alerted; openWatchAlert refuses a second one)
    const overdue = await overdueComplaints(c, now);
    for (const o of overdue)
      await raise({
        kind: 'complaint_overdue',
        subject: `${o.kind}/${o.id}`,
        opd: o.opd,
        severity: 'waspada',
        detail: { kind: o.kind, id: o.id, category: o.category, targetAt: o.targetAt },
      });
    // their alerts cleared once the complaint closes: a bounded page of the open ones per round, all across rounds
    const overduePage = await wrappedPage((after, upTo, n) => openWatchAlertsPage(c, 'complaint_overdue', after, upTo, n), cursors.overdue, perRound);
    const openOverdue = overduePage.rows;
    const still = await stillOverdue(
      c,
      openOverdue.map((w) => w.subject),
      now,
    );
    for (const w of openOverdue) if (!still.has(w.subject)) await clear(w.id);

    // escalation
    const policies = await loadPolicies(c);
    const subjects: Subject[] = [];
    // each kind a bounded page per round (in SQL: never every open subject in memory), all of them across rounds
    const alertPage = await wrappedPage((after, upTo, n) => openUnacknowledgedAlerts(c, after, upTo, n), cursors.alerts, perRound);
    const latePage = await wrappedPage((after, upTo, n) => openIncidentsPastTarget(c, now, after, upTo, n), cursors.incidents, perRound);
    const watchPage = await wrappedPage((after, upTo, n) => openUnacknowledgedWatchAlerts(c, after, upTo, n), cursors.watch, perRound);
    const nextCursors = { alerts: alertPage.next, incidents: latePage.next, watch: watchPage.next, overdue: overduePage.next };
    for (const a of alertPage.rows) {
      const metric = deps.catalog.metric(a.metric);
      if (!metric) continue;
      const alertInfo = { id: a.id, metric: a.metric, metricName: metric.nameId, entity: a.entity, level: a.level, ownerOpd: metric.ownerOpd };
      subjects.push({
        key: `alert:${a.id}`,
        type: 'alert',
        severity: a.level,
        metric: a.metric,
        startAt: a.openedAt,
        opd: metric.ownerOpd,
        fact: (x, stamp) =>
          alertFact(
            alertInfo,
            x.kind === 'escalated' ? { kind: 'escalated', level: x.level, roles: x.notify } : { kind: 'reminder', level: x.level, stamp },
            deps.outbox.linkBase,
          ),
      });
    }
    for (const inc of latePage.rows) {
      subjects.push({
        key: `incident:${inc.id}`,
        type: 'incident',
        severity: inc.severity,
        startAt: inc.targetAt,
        opd: inc.handlingOpd,
        incident: inc,
        fact: (x, stamp) =>
          incidentFact(inc, x.kind === 'escalated' ? { kind: 'escalated', level: x.level, roles: x.notify } : { kind: 'reminder', level: x.level }, {
            linkBase: deps.outbox.linkBase,
            offsetMin: deps.outbox.offsetMin,
            stamp,
          }),
      });
    }
    for (const w of watchPage.rows) {
      subjects.push({
        key: `watch:${w.id}`,
        type: 'watch',
        severity: w.severity,
        startAt: w.openedAt,
        opd: w.opd,
        fact: (x) =>
          watchFact(w, deps.outbox.linkBase, x.kind === 'escalated' ? { kind: 'escalated', level: x.level, roles: x.notify } : { kind: 'opened' }),
      });
    }
    const states = new Map(
      (
        await c.query<{ subject: string; policy_id: number; level: number; last: number | null }>(
          `SELECT subject, policy_id, level, (extract(epoch FROM last_reminder_at) * 1000)::float8 AS last FROM escalation_state WHERE subject = ANY($1)`,
          [subjects.map((s) => s.key)],
        )
      ).rows.map((r) => [r.subject, r]),
    );
    for (const s of subjects) {
      const policy = choosePolicy(policies, s);
      if (!policy) continue;
      const st = states.get(s.key);
      const progress = { level: st?.level ?? 1, lastReminderAt: st?.last === null || st?.last === undefined ? null : Math.round(st.last) };
      const due = dueEscalations(policy, s.startAt, progress, false, now);
      if (due.length === 0) continue;
      let level = progress.level;
      let lastReminderAt = progress.lastReminderAt;
      for (const d of due) {
        const stamp = String(d.dueAt);
        if (d.kind === 'escalate') {
          level = d.level;
          facts.push(s.fact({ kind: 'escalated', level: d.level, notify: d.notify }, stamp));
        } else {
          lastReminderAt = d.dueAt;
          // watch alerts have no reminders of their own kind: the opened message again would be a duplicate key
          if (s.type !== 'watch') facts.push(s.fact({ kind: 'reminder', level: d.level }, stamp));
        }
        steps.push({ subject: s.key, opd: s.opd, level: d.level, kind: d.kind === 'escalate' ? 'escalated' : 'reminder', at: d.dueAt });
        audit.push({
          actor: SYSTEM,
          action: d.kind === 'escalate' ? 'escalation.raised' : 'escalation.reminded',
          target: s.key,
          detail: { level: d.level, policy: policy.id, dueAt: d.dueAt, ...(d.kind === 'escalate' ? { notify: d.notify } : {}) },
          source: null,
        });
        if (s.incident)
          await insertEntry(c, {
            incidentId: s.incident.id,
            time: now,
            actor: SYSTEM,
            actorOpd: null,
            kind: d.kind === 'escalate' ? 'escalated' : 'reminder',
            body: { level: d.level, dueAt: d.dueAt },
          });
      }
      // the first reminder is counted from the last step when a step fired in this round
      if (due.some((d) => d.kind === 'escalate') && lastReminderAt === null) lastReminderAt = Math.max(...due.map((d) => d.dueAt));
      await c.query(
        `INSERT INTO escalation_state (subject, policy_id, level, last_reminder_at) VALUES ($1, $2, $3, to_timestamp($4 / 1000.0))
         ON CONFLICT (subject) DO UPDATE SET policy_id = EXCLUDED.policy_id, level = EXCLUDED.level, last_reminder_at = EXCLUDED.last_reminder_at`,
        [s.key, policy.id, level, lastReminderAt],
      );
      if (s.incident) incidentsChanged.push(await updateIncident(c, s.incident.id, { escalationLevel: level }, now));
    }

    if (audit.length) await appendAudit(c, audit, now);
    if (facts.length) await enqueue(c, facts, now, deps.outbox);
    return { watchChanged, steps, incidentsChanged, nextCursors };
  }

  async function tick(): Promise<boolean> {
    const now = clock();
    const c = await pool.connect();
    let out: Awaited<ReturnType<typeof round>>;
    try {
      await c.query('BEGIN');
      const { rows } = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [LOCK_ID]);
      if (!rows[0]?.ok) {
        await c.query('ROLLBACK');
        return false;
      }
      out = await round(c, now);
      await c.query('COMMIT');
      cursors = out.nextCursors;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
    if (out.watchChanged.length) deps.channel.watch(out.watchChanged);
    if (out.incidentsChanged.length) deps.channel.incidents(out.incidentsChanged.map((row) => ({ row })));
    if (out.steps.length) {
      deps.channel.escalations(out.steps);
      deps.onEscalation?.(out.steps);
    }
    return true;
  }

  return {
    tick,
    start(intervalMs) {
      let timer: NodeJS.Timeout | null = null;
      let running: Promise<unknown> | null = null;
      const run = () => {
        running = tick()
          .catch((e) => log.warn({ err: e }, 'watch round failed'))
          .finally(() => {
            running = null;
            if (timer) timer = setTimeout(run, intervalMs).unref();
          });
      };
      timer = setTimeout(run, intervalMs).unref();
      return async () => {
        if (timer) clearTimeout(timer);
        timer = null;
        await running;
      };
    },
  };
}
