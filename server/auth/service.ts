/**
 * Login and logout. A good login creates an expiring access token (a session) that the /live handshake and
 * REST bearer auth accept like any other token. Wrong username, wrong password and disabled account give the
 * same answer after the same argon2 work; repeated failures lock the account (unknown usernames lock alike,
 * in memory, so the lock reveals nothing either). Every outcome is audited; no password, token or TOTP
 * secret is ever logged or audited.
 */
import type pg from 'pg';
import { verify as verifyTotp } from 'otplib';
import { appendAudit } from '../../db/queries/audit';
import {
  createSession,
  findUserForLogin,
  normaliseUsername,
  recordLoginFailure,
  recordLoginSuccess,
  revokeTokenById,
  USERNAME_RE,
  type LoginRow,
  type UserRole,
} from '../../db/queries/users';
import { inTransaction } from '../../db/transaction';
import type { Principal } from '../../shared/contract';
import { dummyHash, verifyPassword } from './password';

export interface AuthSettings {
  /** How long a login session lasts. */
  sessionTtlMs: number;
  /** Consecutive failures that lock an account. */
  loginMaxFailures: number;
  /** How long a lock lasts. */
  loginLockMs: number;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = Object.freeze({
  sessionTtlMs: 8 * 3_600_000,
  loginMaxFailures: 5,
  loginLockMs: 15 * 60_000,
});

export interface SessionUser {
  username: string;
  role: UserRole;
  opd: string | null;
}

export type LoginResult =
  | { kind: 'ok'; token: string; expiresAt: Date; user: SessionUser }
  | { kind: 'invalid' }
  | { kind: 'locked'; until: Date }
  | { kind: 'totp_required' };

export interface LoginInput {
  username: string;
  password: string;
  totp?: string | undefined;
  /** The client address, for the audit log. */
  source: string | null;
}

export interface AuthService {
  login(input: LoginInput): Promise<LoginResult>;
  /** Revokes the caller's token; false if it was already revoked. */
  logout(who: Exclude<Principal, { role: 'public' }>, source: string | null): Promise<boolean>;
}

/** Audit actor for a principal: `user:<name>` for sessions, `token:<id>` for device tokens. */
export function actorOf(who: Exclude<Principal, { role: 'public' }>): string {
  return who.user ? `user:${who.user}` : `token:${who.tokenId}`;
}

/** At most this many unknown usernames are tracked for lockout; the oldest are forgotten first. */
const PHANTOM_LIMIT = 10_000;
/** TOTP codes from one period before or after are accepted (clock drift of the phone). */
const TOTP_TOLERANCE_S = 30;

export function createAuthService(deps: {
  pool: pg.Pool;
  clock: () => number;
  settings?: { [K in keyof AuthSettings]?: AuthSettings[K] | undefined };
}): AuthService {
  const { pool, clock } = deps;
  const given = deps.settings ?? {};
  const settings: AuthSettings = {
    sessionTtlMs: given.sessionTtlMs ?? DEFAULT_AUTH_SETTINGS.sessionTtlMs,
    loginMaxFailures: given.loginMaxFailures ?? DEFAULT_AUTH_SETTINGS.loginMaxFailures,
    loginLockMs: given.loginLockMs ?? DEFAULT_AUTH_SETTINGS.loginLockMs,
  };
  const phantoms = new Map<string, { failures: number; lockedUntil: number }>();
  // Made now, so the first unknown username does not take twice as long as the others.
  dummyHash().catch(() => {});

  const audit = (action: string, target: string | null, detail: Record<string, unknown>, source: string | null, actor = 'anonymous') =>
    appendAudit(pool, [{ actor, action, target, detail, source }], clock());

  /** The username as it may appear in the audit log: what was typed, cut short, never anything else. */
  const tried = (name: string) => `user:${name.slice(0, 64)}`;

  async function failPhantom(name: string, reason: string, source: string | null): Promise<LoginResult> {
    const now = clock();
    const p = phantoms.get(name) ?? { failures: 0, lockedUntil: 0 };
    phantoms.delete(name); // re-insert: the map's order is least recently failed first
    p.failures += 1;
    let locked = false;
    if (p.failures >= settings.loginMaxFailures) {
      p.failures = 0;
      p.lockedUntil = now + settings.loginLockMs;
      locked = true;
    }
    phantoms.set(name, p);
    if (phantoms.size > PHANTOM_LIMIT) phantoms.delete(phantoms.keys().next().value!);
    await audit('login.failed', tried(name), { reason }, source);
    if (!locked) return { kind: 'invalid' };
    const until = new Date(p.lockedUntil);
    await audit('login.locked', tried(name), { until: until.toISOString(), unknownUser: true }, source);
    return { kind: 'locked', until };
  }

  async function fail(row: LoginRow, reason: string, source: string | null): Promise<LoginResult> {
    const r = await recordLoginFailure(pool, row.id, settings.loginMaxFailures, clock() + settings.loginLockMs);
    await audit('login.failed', `user:${row.username}`, { reason, failures: r.failures }, source);
    if (!r.lockedUntil) return { kind: 'invalid' };
    await audit('login.locked', `user:${row.username}`, { until: r.lockedUntil.toISOString(), failures: r.failures }, source);
    return { kind: 'locked', until: r.lockedUntil };
  }

  return {
    async login({ username, password, totp, source }) {
      const name = normaliseUsername(username);
      const row = USERNAME_RE.test(name) ? await findUserForLogin(pool, name) : null;
      const now = clock();

      if (!row || row.disabledAt) {
        const p = phantoms.get(name);
        if (p && p.lockedUntil > now) {
          await audit('login.failed', tried(name), { reason: 'locked' }, source);
          return { kind: 'locked', until: new Date(p.lockedUntil) };
        }
        await verifyPassword(await dummyHash(), password);
        return failPhantom(name, row ? 'disabled' : 'unknown_user', source);
      }
      if (row.lockedUntil && row.lockedUntil.getTime() > now) {
        await audit('login.failed', `user:${row.username}`, { reason: 'locked' }, source);
        return { kind: 'locked', until: row.lockedUntil };
      }
      // With TOTP on and no code given, the answer is the same whatever the password: asking for the code
      // only after a right password would confirm it to someone who does not have the second factor.
      // (The argon2 work is done either way, so the time says nothing either.)
      if (row.totpSecret && !totp) {
        await verifyPassword(row.passwordHash, password);
        await audit('login.totp_required', `user:${row.username}`, {}, source);
        return { kind: 'totp_required' };
      }
      if (!(await verifyPassword(row.passwordHash, password))) return fail(row, 'bad_password', source);

      let totpStep: number | null = null;
      if (row.totpSecret && totp) {
        const res = await verifyTotp({
          secret: row.totpSecret,
          token: totp,
          epoch: Math.floor(now / 1000),
          epochTolerance: TOTP_TOLERANCE_S,
          ...(row.totpLastStep !== null ? { afterTimeStep: row.totpLastStep } : {}),
        }).catch(() => ({ valid: false as const }));
        if (!res.valid || !('timeStep' in res)) return fail(row, 'bad_totp', source);
        totpStep = res.timeStep;
      }
      if (!(await recordLoginSuccess(pool, row.id, totpStep))) return fail(row, 'totp_replayed', source);

      const user: SessionUser = { username: row.username, role: row.role, opd: row.opd };
      return inTransaction(pool, async (client) => {
        const session = await createSession(client, { id: row.id, role: row.role, opd: row.opd }, now + settings.sessionTtlMs);
        await appendAudit(
          client,
          [
            {
              actor: `user:${row.username}`,
              action: 'login.succeeded',
              target: `token:${session.id}`,
              detail: { role: row.role, opd: row.opd, expiresAt: session.expiresAt.toISOString(), totp: totpStep !== null },
              source,
            },
          ],
          now,
        );
        return { kind: 'ok', token: session.token, expiresAt: session.expiresAt, user };
      });
    },

    async logout(who, source) {
      return inTransaction(pool, async (client) => {
        const revoked = await revokeTokenById(client, who.tokenId);
        if (revoked) {
          await appendAudit(client, [{ actor: actorOf(who), action: 'logout', target: `token:${who.tokenId}`, detail: {}, source }], clock());
        }
        return revoked;
      });
    },
  };
}
