/**
 * REST of incidents (issue 16): list (the live snapshot with its seq), one with its timeline, create from a
 * source, act on one; an OPD's routed-complaint queue; watch-alert acknowledgement; escalation policies; the
 * public, k-protected counts by kelurahan. Domain results are mapped to HTTP here and nowhere else.
 */
import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { INCIDENT_SEVERITIES, NOT_OUR_AUTHORITY } from '../../shared/incidents';
import { CATALOG_CODE, safeText, toIssueDetails } from '../../shared/schemas';
import type { PrincipalOf } from '../http/principal';
import { answer, reply } from '../http/reply';
import { protectTableJointly } from '../public/suppression';
import type { IncidentResult, IncidentService } from './service';
import { incidentCountsByRegion } from './repository';
import { assertNever } from '../../shared/ack';
import { appendAudit } from '../../db/queries/audit';
import { escalationStepsSchema } from './escalation';
import { actorOf } from './service';
import { isHttpUrl } from '../../shared/incidents';

const OPD = z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'not an OPD code');
const text = (max: number, what: string) => safeText(max).pipe(z.string().trim().min(1, what));
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

export const incidentIdSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'not an incident id')
    .transform(Number),
});

export const createIncidentSchema = z.object({
  from: z.discriminatedUnion('type', [
    z.object({ type: z.literal('alert'), id: z.number().int().positive() }),
    z.object({ type: z.literal('complaint'), kind: z.string().regex(CATALOG_CODE, 'not an event kind'), id: safeText(128).min(1) }),
    z.object({ type: z.literal('watch'), id: z.number().int().positive() }),
    z.object({ type: z.literal('manual'), lon, lat, region: z.string().max(16).optional() }),
  ]),
  title: text(200, 'a title cannot be blank').optional(),
  severity: z.enum(INCIDENT_SEVERITIES).optional(),
  handlingOpd: OPD.optional(),
  supportingOpds: z.array(OPD).max(10).optional(),
  targetAt: z.number().int().positive().optional(),
  reporter: text(200, 'a reporter cannot be blank').optional(),
  class: z.enum(['publik', 'terbatas', 'rahasia']).optional(),
});

/**
 * An attachment link: http(s) only. A `javascript:`, `data:` or `vbscript:` link would run in the browser of every
 * OPD that opens the timeline; zod's protocol check is backed by the WHATWG parser's own answer (what a browser
 * would follow) and the link is stored trimmed.
 */
export const attachmentLinkSchema = z.object({
  url: z
    .string()
    .trim()
    .max(500)
    .pipe(z.url({ protocol: /^https?$/, error: 'an attachment link must be an http(s) address' }))
    .refine((u) => isHttpUrl(u), 'an attachment link must be an http(s) address'),
  label: safeText(100).optional(),
});
const link = attachmentLinkSchema;
const version = { version: z.number().int().positive().optional().describe('the version the caller saw: a change made meanwhile answers 409') };
export const incidentActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept'), ...version }),
  z.object({ action: z.literal('start'), ...version }),
  z.object({ action: z.literal('resolve'), note: text(1000, 'resolving needs a closing note'), ...version }),
  z.object({ action: z.literal('reject'), note: text(1000, 'rejecting needs a note'), ...version }),
  z.object({ action: z.literal('reassign'), toOpd: OPD, reason: text(500, `reassigning needs a reason (e.g. '${NOT_OUR_AUTHORITY}')`), ...version }),
  z.object({ action: z.literal('support'), opd: OPD, note: safeText(500).optional(), ...version }),
  z.object({ action: z.literal('note'), text: text(2000, 'a note cannot be blank'), links: z.array(link).max(10).optional(), ...version }),
  z.object({ action: z.literal('share_reporter'), ...version }),
  z.object({ action: z.literal('merge'), into: z.number().int().positive(), ...version }),
]);

/** An escalation policy's editable part (admins): its steps, reminder interval and whether it applies. */
export const escalationPolicyUpdateSchema = z.object({
  steps: escalationStepsSchema,
  reminderMin: z.number().int().min(1).max(1440).nullable(),
  enabled: z.boolean(),
});

export const incidentListQuerySchema = z.object({
  purpose: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{1,62}$/)
    .optional(),
});

const STATUS: Record<Exclude<IncidentResult, { kind: 'ok' | 'existing' }>['kind'], number> = {
  not_signed_in: 401,
  not_found: 404,
  forbidden: 403,
  invalid: 400,
  conflict: 409,
};

function send(res: Response, r: IncidentResult, created = false): void {
  switch (r.kind) {
    case 'ok':
      return reply(res, 'IncidentDetail', r.detail, created ? 201 : 200);
    case 'existing':
      return reply(res, 'IncidentDetail', r.detail, 200);
    case 'not_signed_in':
      return reply(res, 'Error', { error: 'sign in to work on incidents', details: [] }, STATUS[r.kind]);
    case 'not_found':
      return reply(res, 'Error', { error: `no ${r.what} you may see`, details: [] }, STATUS[r.kind]);
    case 'forbidden':
    case 'invalid':
    case 'conflict':
      return reply(res, 'Error', { error: r.reason, details: [] }, STATUS[r.kind]);
    default:
      return assertNever(r);
  }
}

/** Incident counts of the public page are this old at most (and computed once per period for everyone). */
const PUBLIC_CACHE_MS = 30_000;
const PUBLIC_WINDOW_MS = 30 * 86_400_000;

export function createIncidentRoutes(deps: {
  pool: pg.Pool;
  incidents: IncidentService;
  principalOf: PrincipalOf;
  k: number;
  clock: () => number;
}): Router {
  const router = Router();
  const signedIn = async (req: Request, res: Response) => {
    const who = await deps.principalOf(req);
    if (!who || who.role === 'public') {
      reply(res, 'Error', { error: who ? 'sign in to see incidents' : 'invalid or revoked token', details: [] }, 401);
      return null;
    }
    return who;
  };

  router.get('/api/v1/incidents', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const q = incidentListQuerySchema.safeParse(req.query);
    if (!q.success) return reply(res, 'Error', { error: 'invalid query', details: toIssueDetails(q.error) }, 400);
    reply(res, 'Incidents', await deps.incidents.list(who, q.data.purpose));
  });
  router.get('/api/v1/incidents/:id', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const p = incidentIdSchema.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not an incident id', details: toIssueDetails(p.error) }, 400);
    const q = incidentListQuerySchema.safeParse(req.query);
    send(res, await deps.incidents.get(who, p.data.id, q.success ? q.data.purpose : undefined));
  });
  router.post('/api/v1/incidents', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const b = createIncidentSchema.safeParse(req.body);
    if (!b.success) return reply(res, 'Error', { error: 'invalid incident', details: toIssueDetails(b.error) }, 400);
    send(res, await deps.incidents.create(who, b.data, req.ip ?? null), true);
  });
  router.post('/api/v1/incidents/:id/actions', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const p = incidentIdSchema.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not an incident id', details: toIssueDetails(p.error) }, 400);
    const b = incidentActionSchema.safeParse(req.body);
    if (!b.success) return reply(res, 'Error', { error: 'invalid action', details: toIssueDetails(b.error) }, 400);
    const { version: v, ...action } = b.data;
    send(res, await deps.incidents.act(who, p.data.id, action, v, req.ip ?? null));
  });
  router.get('/api/v1/complaints/routed', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const r = await deps.incidents.routed(who);
    if (r.kind !== 'ok') return reply(res, 'Error', { error: 'sign in first', details: [] }, 401);
    reply(res, 'RoutedComplaints', { complaints: r.complaints });
  });
  router.post('/api/v1/watch-alerts/:id/acknowledge', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const p = incidentIdSchema.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not a watch alert id', details: toIssueDetails(p.error) }, 400);
    const r = await deps.incidents.acknowledgeWatch(who, p.data.id, req.ip ?? null);
    switch (r.kind) {
      case 'ok':
        return reply(res, 'WatchAlert', r.alert);
      case 'not_signed_in':
        return reply(res, 'Error', { error: 'sign in first', details: [] }, 401);
      case 'not_found':
        return reply(res, 'Error', { error: `no watch alert ${p.data.id} you may see`, details: [] }, 404);
      case 'forbidden':
        return reply(res, 'Error', { error: r.reason, details: [] }, 403);
      case 'conflict':
        return reply(res, 'Error', { error: r.reason, details: [] }, 409);
      default:
        return assertNever(r);
    }
  });
  router.get('/api/v1/escalation-policies', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    const { rows } = await deps.pool.query(
      `SELECT id, subject, severity, metric, event_kind AS "eventKind", steps, reminder_min AS "reminderMin", enabled FROM escalation_policy ORDER BY id`,
    );
    reply(res, 'EscalationPolicies', { policies: rows });
  });

  router.post('/api/v1/escalation-policies/:id', async (req, res) => {
    const who = await signedIn(req, res);
    if (!who) return;
    if (who.role !== 'admin') return reply(res, 'Error', { error: 'admins only', details: [] }, 403);
    const p = incidentIdSchema.safeParse(req.params);
    if (!p.success) return reply(res, 'Error', { error: 'not a policy id', details: toIssueDetails(p.error) }, 400);
    const b = escalationPolicyUpdateSchema.safeParse(req.body);
    if (!b.success) return reply(res, 'Error', { error: 'invalid policy', details: toIssueDetails(b.error) }, 400);
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(`UPDATE escalation_policy SET steps = $2, reminder_min = $3, enabled = $4 WHERE id = $1`, [
        p.data.id,
        JSON.stringify(b.data.steps),
        b.data.reminderMin,
        b.data.enabled,
      ]);
      if (!rowCount) {
        await client.query('ROLLBACK');
        return reply(res, 'Error', { error: `no escalation policy ${p.data.id}`, details: [] }, 404);
      }
      await appendAudit(
        client,
        [{ actor: actorOf(who), action: 'escalation.policy_changed', target: `policy:${p.data.id}`, detail: b.data, source: req.ip ?? null }],
        deps.clock(),
      );
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    const { rows } = await deps.pool.query(
      `SELECT id, subject, severity, metric, event_kind AS "eventKind", steps, reminder_min AS "reminderMin", enabled FROM escalation_policy ORDER BY id`,
    );
    reply(res, 'EscalationPolicies', { policies: rows });
  });

  // the public page: open and closed (last 30 days) incidents per kelurahan, k-protected as the complaint counts are
  let cached: { at: number; body: Promise<ReturnType<typeof answer<'PublicIncidentCounts'>>> } | null = null;
  const publicCounts = async () => {
    const now = deps.clock();
    const since = now - PUBLIC_WINDOW_MS;
    const rows = await incidentCountsByRegion(deps.pool, since);
    const names = new Map(
      (
        await deps.pool.query<{ code: string; name: string }>(`SELECT code, name FROM region WHERE code = ANY($1)`, [rows.map((r) => r.region)])
      ).rows.map((r) => [r.code, r.name]),
    );
    const t = protectTableJointly(
      rows.map((r) => [r.open, r.closed]),
      2,
      deps.k,
    );
    return answer('PublicIncidentCounts', {
      k: deps.k,
      since,
      regions: rows.map((r, i) => ({
        region: r.region,
        name: names.get(r.region) ?? r.region,
        open: t.cells[i]![0]!,
        closed: t.cells[i]![1]!,
        total: t.rowTotals[i]!,
      })),
      total: { open: t.colTotals[0]!, closed: t.colTotals[1]!, total: t.total },
    });
  };
  router.get('/api/public/v1/incidents', async (_req, res) => {
    if (!cached || deps.clock() - cached.at >= PUBLIC_CACHE_MS) {
      const entry = { at: deps.clock(), body: publicCounts() };
      cached = entry;
      entry.body.catch(() => cached === entry && (cached = null));
    }
    res.setHeader('Cache-Control', 'public, max-age=30');
    reply(res, 'PublicIncidentCounts', await cached.body);
  });
  return router;
}
