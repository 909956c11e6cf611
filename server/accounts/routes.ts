/**
 * The admin page's users and ingest keys (issue 17), admin role only:
 *   GET|POST /api/v1/admin/users, PUT /api/v1/admin/users/:username/{password|role|status},
 *   GET|POST /api/v1/admin/keys, DELETE /api/v1/admin/keys/:id.
 * The rules are the admin CLI's (server/auth/accounts.ts, server/accounts/keys.ts); the actor in the audit log is
 * the signed-in admin. A change that ends a user's sessions (password, role, disabled) re-judges every live
 * socket at once, so the user's open subscriptions end before the answer is sent (other processes follow within
 * RECHECK_MS). Refusals name the field they are about (`details[].path`) for the form to show beside it.
 */
import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import type { z } from 'zod';
import { assertNever } from '../../shared/ack';
import {
  keyCreateSchema,
  keyIdParamSchema,
  keyListQuerySchema,
  userCreateSchema,
  usernameParamSchema,
  userPasswordSchema,
  userRoleSchema,
  userStatusSchema,
} from '../../shared/accounts';
import type { RestResponse } from '../../shared/rest';
import { toIssueDetails } from '../../shared/schemas';
import { findUser, listUsers, type UserRow } from '../../db/queries/users';
import type { IngestKeyRow } from '../../db/queries/credentials';
import { AccountError, addUser, changePassword, changeRole, disableUser, enableUser, type ChangeContext } from '../auth/accounts';
import { actorOf } from '../auth/service';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';
import { issueKey, keyState, listKeys, revokeKey } from './keys';

type AdminUser = RestResponse<'AdminUsers'>['users'][number];
type IngestKey = RestResponse<'IngestKeys'>['keys'][number];

/** Pure: how the admin page shows an account (disabled wins over a lock, a lock over a demo password). */
export function userStatus(u: Pick<UserRow, 'disabledAt' | 'lockedUntil' | 'demoPassword'>, now: number): AdminUser['status'] {
  if (u.disabledAt) return 'disabled';
  if (u.lockedUntil && u.lockedUntil.getTime() > now) return 'locked';
  return u.demoPassword ? 'demo_password' : 'active';
}

const toUser = (u: UserRow, now: number): AdminUser => ({
  username: u.username,
  role: u.role,
  opd: u.opd,
  region: u.region,
  totpEnabled: u.totpEnabled,
  status: userStatus(u, now),
  disabledAt: u.disabledAt?.toISOString() ?? null,
  createdAt: u.createdAt.toISOString(),
});

const toKey = (k: IngestKeyRow, now: number): IngestKey => ({
  id: k.id,
  opd: k.opd,
  prefix: k.prefix,
  label: k.label,
  scopes: k.scopes,
  createdAt: k.createdAt.toISOString(),
  revokedAt: k.revokedAt?.toISOString() ?? null,
  state: keyState(k, now),
  rotatedFrom: k.rotatedFrom,
});

const refuse = (res: Response, status: number, error: string, path = '') =>
  void res.status(status).json({ error, details: path ? [{ index: null, path, message: error }] : [] });

const ACCOUNT_STATUS = { invalid: 400, not_found: 404, conflict: 409 } as const;

export function createAccountRoutes(deps: {
  pool: pg.Pool;
  principalOf: PrincipalOf;
  clock: () => number;
  /** Re-judges live sockets now (server/realtime/socket.ts): called after a change that ended sessions. */
  onSessionsEnded: () => Promise<void>;
}): Router {
  const { pool, principalOf, clock } = deps;
  const router = Router();

  /** The admin's change context, or null when the answer (401/403) was sent. */
  const admin = async (req: Request, res: Response): Promise<ChangeContext | null> => {
    res.set('Cache-Control', 'no-store');
    const who = await principalOf(req);
    if (!who) return (refuse(res, 401, 'invalid, expired or revoked token'), null);
    if (who.role === 'public') {
      res.set('WWW-Authenticate', 'Bearer');
      return (refuse(res, 401, 'sign in as an admin'), null);
    }
    if (who.role !== 'admin') return (refuse(res, 403, 'users and ingest keys are managed by admins'), null);
    return { actor: actorOf(who), source: req.ip ?? null };
  };

  /** `schema`'s reading of `value`, or null when the 400 (every issue, by path) was sent. */
  const parse = <S extends z.ZodType>(res: Response, schema: S, value: unknown, what: string): z.output<S> | null => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    res.status(400).json({ error: `invalid ${what}`, details: toIssueDetails(r.error) });
    return null;
  };

  /** Runs an account change; an AccountError becomes 400/404/409 naming its field. */
  const change = async (res: Response, fn: () => Promise<{ username: string; sessionsEnded: number; status?: number }>) => {
    try {
      const r = await fn();
      if (r.sessionsEnded > 0) await deps.onSessionsEnded();
      const u = await findUser(pool, r.username);
      reply(res, 'UserChanged', { user: toUser(u!, clock()), sessionsEnded: r.sessionsEnded }, r.status ?? 200);
    } catch (e) {
      if (!(e instanceof AccountError)) throw e;
      refuse(res, ACCOUNT_STATUS[e.kind], e.message, e.field ?? '');
    }
  };

  router.get('/api/v1/admin/users', async (req, res) => {
    if (!(await admin(req, res))) return;
    const now = clock();
    reply(res, 'AdminUsers', { users: (await listUsers(pool)).map((u) => toUser(u, now)) });
  });

  router.post('/api/v1/admin/users', async (req, res) => {
    const ctx = await admin(req, res);
    if (!ctx) return;
    const body = parse(res, userCreateSchema, req.body, 'user');
    if (!body) return;
    await change(res, async () => {
      const u = await addUser(
        pool,
        { username: body.username, password: body.password, role: body.role, opd: body.opd ?? null, region: body.region ?? null },
        ctx,
      );
      return { username: u.username, sessionsEnded: 0, status: 201 };
    });
  });

  router.put('/api/v1/admin/users/:username/password', async (req, res) => {
    const ctx = await admin(req, res);
    if (!ctx) return;
    const p = parse(res, usernameParamSchema, req.params, 'username');
    const body = p && parse(res, userPasswordSchema, req.body, 'password');
    if (!p || !body) return;
    await change(res, async () => ({
      username: p.username,
      sessionsEnded: (await changePassword(pool, p.username, body.password, ctx)).sessionsRevoked,
    }));
  });

  router.put('/api/v1/admin/users/:username/role', async (req, res) => {
    const ctx = await admin(req, res);
    if (!ctx) return;
    const p = parse(res, usernameParamSchema, req.params, 'username');
    const body = p && parse(res, userRoleSchema, req.body, 'role');
    if (!p || !body) return;
    await change(res, async () => ({
      username: p.username,
      sessionsEnded: (await changeRole(pool, p.username, { role: body.role, opd: body.opd ?? null, region: body.region ?? null }, ctx))
        .sessionsRevoked,
    }));
  });

  router.put('/api/v1/admin/users/:username/status', async (req, res) => {
    const ctx = await admin(req, res);
    if (!ctx) return;
    const p = parse(res, usernameParamSchema, req.params, 'username');
    const body = p && parse(res, userStatusSchema, req.body, 'status');
    if (!p || !body) return;
    if (body.disabled && ctx.actor === `user:${p.username}`) return refuse(res, 409, 'an admin cannot disable their own account', 'username');
    await change(res, async () => {
      if (body.disabled) return { username: p.username, sessionsEnded: (await disableUser(pool, p.username, ctx)).sessionsRevoked };
      await enableUser(pool, p.username, ctx);
      return { username: p.username, sessionsEnded: 0 };
    });
  });

  router.get('/api/v1/admin/keys', async (req, res) => {
    if (!(await admin(req, res))) return;
    const q = parse(res, keyListQuerySchema, req.query, 'query');
    if (!q) return;
    const now = clock();
    reply(res, 'IngestKeys', { keys: (await listKeys(pool, q.opd)).map((k) => toKey(k, now)) });
  });

  router.post('/api/v1/admin/keys', async (req, res) => {
    const ctx = await admin(req, res);
    if (!ctx) return;
    const body = parse(res, keyCreateSchema, req.body, 'key');
    if (!body) return;
    const r = await issueKey(pool, body, ctx);
    switch (r.kind) {
      case 'ok':
        return reply(res, 'IngestKeyCreated', { key: toKey(r.key, clock()), secret: r.secret }, 201);
      case 'unknown_opd':
        return refuse(res, 400, `unknown OPD '${body.opd}'; known: ${r.known.join(', ') || '(none)'}`, 'opd');
      default:
        return assertNever(r);
    }
  });

  router.delete('/api/v1/admin/keys/:id', async (req, res) => {
    const ctx = await admin(req, res);
    if (!ctx) return;
    const p = parse(res, keyIdParamSchema, req.params, 'key id');
    if (!p) return;
    const r = await revokeKey(pool, p.id, ctx);
    switch (r.kind) {
      case 'ok':
        return reply(res, 'IngestKey', toKey(r.key, clock()));
      case 'not_found':
        return refuse(res, 404, `no working key with id ${p.id}`, 'id');
      default:
        return assertNever(r);
    }
  });

  return router;
}
