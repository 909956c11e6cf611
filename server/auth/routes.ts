/**
 * POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me.
 * Login is rate-limited per client address; its answers never say whether a username exists.
 */
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { rateLimitStore } from '../http/rate-store';
import type { Logger } from 'pino';
import { z } from 'zod';
import { assertNever } from '../../shared/ack';
import { NAMESPACES } from '../../shared/contract';
import { safeText, toIssueDetails } from '../../shared/schemas';
import type { PrincipalOf } from '../http/principal';
import type { IoServer } from '../realtime/socket';
import type { AuthService } from './service';
import { reply } from '../http/reply';

export const DEFAULT_LOGIN_RATE_PER_MIN = 20;

export const loginSchema = z.object({
  username: safeText(128).min(1),
  password: z.string().min(1).max(1024),
  /** Six digits; spaces (as apps show them, `123 456`) are ignored. */
  totp: z
    .string()
    .max(16)
    .transform((s) => s.replace(/\s+/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'a TOTP code is six digits'))
    .optional(),
  /** The device secret an earlier login answered (`device`): this browser's attempts are throttled on their own. */
  device: z.string().max(128).optional(),
});

const retryAfterS = (until: Date, now: number) => Math.max(1, Math.ceil((until.getTime() - now) / 1000));

export function createAuthRoutes(deps: {
  auth: AuthService;
  principalOf: PrincipalOf;
  io: IoServer;
  log: Logger;
  clock: () => number;
  loginRatePerMin?: number | undefined;
}): Router {
  const { auth, principalOf, io, clock } = deps;
  const router = Router();

  const limiter = rateLimit({
    ...rateLimitStore('login'),
    windowMs: 60_000,
    limit: deps.loginRatePerMin ?? DEFAULT_LOGIN_RATE_PER_MIN,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req: Request, res: Response) => {
      const info = (req as Request & { rateLimit?: { resetTime?: Date; used?: number; limit?: number } }).rateLimit;
      const reset = info?.resetTime;
      const retry = reset ? retryAfterS(reset, Date.now()) : 60;
      // audited once per address and window (the first refusal), so a flood of refusals cannot flood the log
      if (info?.used !== undefined && info.limit !== undefined && info.used === info.limit + 1)
        auth.rateLimited(req.ip ?? null, info.limit).catch((e) => deps.log.warn({ err: e }, 'could not audit a refused login'));
      res.status(429).json({ error: `too many login attempts from this address; retry in ${retry} s`, details: [], retryAfterS: retry });
    },
  });

  router.post('/api/v1/auth/login', limiter, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const parsed = loginSchema.safeParse(req.body);
    if (!parsed.success) {
      return void res.status(400).json({ error: 'invalid login request', details: toIssueDetails(parsed.error) });
    }
    const { username, password, totp, device } = parsed.data;
    const result = await auth.login({ username, password, totp, device, source: req.ip ?? null });
    switch (result.kind) {
      case 'ok':
        return reply(res, 'LoginResult', {
          token: result.token,
          expiresAt: result.expiresAt.toISOString(),
          user: result.user,
          ...(result.device ? { device: result.device } : {}),
        });
      case 'invalid':
        return void res.status(401).json({ error: 'invalid username, password or code', details: [] });
      case 'totp_required':
        return void res.status(401).json({ error: 'a second-factor (TOTP) code is required', details: [], totpRequired: true });
      case 'throttled': {
        const retry = retryAfterS(result.until, clock());
        res.set('Retry-After', String(retry));
        return void res.status(429).json({
          error: `too many failed logins for this account from here; retry in ${retry} s`,
          details: [],
          retryAfterS: retry,
        });
      }
      default:
        return assertNever(result);
    }
  });

  router.post('/api/v1/auth/logout', async (req, res) => {
    const who = await principalOf(req);
    if (!who || who.role === 'public') {
      return void res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ error: 'a valid token is required (Authorization: Bearer <token>)', details: [] });
    }
    await auth.logout(who, req.ip ?? null);
    // The handshake is the only check a socket gets, so sockets opened with this token are closed now.
    try {
      for (const s of await io.of(NAMESPACES.live).fetchSockets()) {
        const p = s.data.principal;
        if (p && p.role !== 'public' && p.tokenId === who.tokenId) s.disconnect(true);
      }
    } catch (e) {
      deps.log.warn({ err: e }, 'could not close the sockets of a logged-out token');
    }
    res.status(204).end();
  });

  router.get('/api/v1/auth/me', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const who = await principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid, expired or revoked token', details: [] });
    if (who.role === 'public') return reply(res, 'Me', { role: 'public', opd: null, username: null });
    reply(res, 'Me', {
      role: who.role,
      opd: who.role === 'agency' ? who.opd : null,
      username: who.user ?? null,
      ...(who.role === 'wilayah' ? { region: who.region } : {}),
    });
  });

  return router;
}
