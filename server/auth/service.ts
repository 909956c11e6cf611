/**
 * Login and logout. A good login creates an expiring access token (a session) that the /live handshake and
 * REST bearer auth accept like any other token. Wrong username, wrong password and disabled account give the
 * same answer after the same argon2 work; repeated failures make further attempts from the same origin wait
 * (server/auth/throttle.ts; unknown usernames alike, so the wait reveals nothing), never lock the account.
 * Every outcome is audited; no password, token or TOTP secret is ever logged or audited.
 */
import type pg from 'pg';
import { verify as verifyTotp } from 'otplib';
import { appendAudit } from '../../db/queries/audit';
import { cutCodePoints } from '../../shared/audit-chain';
import { addDevice, clearThrottle, knownDevice, readThrottle, recordThrottledFailure } from '../../db/queries/login-throttle';
import {
  createSession,
  findUserForLogin,
  normaliseUsername,
  recordLoginSuccess,
  revokeTokenById,
  USERNAME_RE,
  type UserRole,
} from '../../db/queries/users';
import { inTransaction } from '../../db/transaction';
import type { Principal } from '../../shared/contract';
import { dummyHash, verifyPassword } from './password';
import { countedOrigins, originOf, throttleDelayMs, type ThrottlePolicy } from './throttle';

export interface AuthSettings {
  /** How long a login session lasts. */
  sessionTtlMs: number;
  /** Failures from one origin (address or device) before attempts from there must wait. */
  loginMaxFailures: number;
  /** The longest wait; each failure beyond the free ones doubles it from one second. */
  loginMaxDelayMs: number;
  /** Production: a demo password is refused at login, whatever the state at start (issue 13, item 7). */
  refuseDemoPasswords: boolean;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = Object.freeze({
  sessionTtlMs: 8 * 3_600_000,
  loginMaxFailures: 5,
  loginMaxDelayMs: 15 * 60_000,
  refuseDemoPasswords: false,
});

/** The first wait after the free failures; it doubles with each further one. */
const BASE_DELAY_MS = 1_000;
/** The account-wide count (all unknown origins together) allows this many times more failures. */
const ACCOUNT_FACTOR = 10;

export interface SessionUser {
  username: string;
  role: UserRole;
  opd: string | null;
  /** A territorial user's kecamatan or kelurahan/desa code (present for role wilayah only). */
  region?: string;
}

export type LoginResult =
  | { kind: 'ok'; token: string; expiresAt: Date; user: SessionUser; device: string | null }
  | { kind: 'invalid' }
  | { kind: 'throttled'; until: Date }
  | { kind: 'totp_required' };

export interface LoginInput {
  username: string;
  password: string;
  totp?: string | undefined;
  /** The device secret a previous login gave this browser: its attempts are throttled apart from others. */
  device?: string | undefined;
  /** The client address, for the audit log and the throttle. */
  source: string | null;
}

export interface AuthService {
  login(input: LoginInput): Promise<LoginResult>;
  /** Audits logins refused by the per-address rate limit (429) before anything else was judged. */
  rateLimited(source: string | null, limitPerMin: number): Promise<void>;
  /** Revokes the caller's token; false if it was already revoked. */
  logout(who: Exclude<Principal, { role: 'public' }>, source: string | null): Promise<boolean>;
}

/** Audit actor for a principal: `user:<name>` for sessions, `token:<id>` for device tokens. */
export function actorOf(who: Exclude<Principal, { role: 'public' }>): string {
  return who.user ? `user:${who.user}` : `token:${who.tokenId}`;
}

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
    loginMaxDelayMs: given.loginMaxDelayMs ?? DEFAULT_AUTH_SETTINGS.loginMaxDelayMs,
    refuseDemoPasswords: given.refuseDemoPasswords ?? DEFAULT_AUTH_SETTINGS.refuseDemoPasswords,
  };
  const policy: ThrottlePolicy = {
    freeFailures: settings.loginMaxFailures,
    baseDelayMs: BASE_DELAY_MS,
    maxDelayMs: settings.loginMaxDelayMs,
    accountFreeFailures: settings.loginMaxFailures * ACCOUNT_FACTOR,
  };
  // Made now, so the first unknown username does not take twice as long as the others.
  dummyHash().catch(() => {});

  const audit = (action: string, target: string | null, detail: Record<string, unknown>, source: string | null, actor = 'anonymous') =>
    appendAudit(pool, [{ actor, action, target, detail, source }], clock());

  /** The username as it may appear in the audit log: what was typed, cut short, never anything else. */
  const tried = (name: string) => `user:${cutCodePoints(name, 64)}`;

  /** Counts the failure under the attempt's origins; the answer is `throttled` once a wait starts. */
  async function fail(name: string, origin: string, reason: string, source: string | null): Promise<LoginResult> {
    const now = clock();
    const rows = await recordThrottledFailure(pool, name, countedOrigins(origin), now, (o, n) => throttleDelayMs(policy, o, n));
    const own = rows.find((r) => r.origin === origin)!;
    await audit('login.failed', tried(name), { reason, failures: own.failures }, source);
    const until = rows.map((r) => r.blockedUntil).filter((d): d is Date => d !== null && d.getTime() > now);
    if (until.length === 0) return { kind: 'invalid' };
    const latest = new Date(Math.max(...until.map((d) => d.getTime())));
    await audit('login.throttled', tried(name), { until: latest.toISOString(), failures: own.failures, origin: origin.split(':')[0] }, source);
    return { kind: 'throttled', until: latest };
  }

  return {
    async login({ username, password, totp, device, source }) {
      const name = normaliseUsername(username);
      const row = USERNAME_RE.test(name) ? await findUserForLogin(pool, name) : null;
      const now = clock();
      const deviceId = row && device ? await knownDevice(pool, row.id, device) : null;
      const origin = originOf({ deviceId, address: source });

      // A wait in force is answered before any password is judged (the answer is the same for unknown names).
      const waits = (await readThrottle(pool, name, countedOrigins(origin)))
        .map((r) => r.blockedUntil)
        .filter((d): d is Date => d !== null && d.getTime() > now);
      if (waits.length > 0) {
        const until = new Date(Math.max(...waits.map((d) => d.getTime())));
        await audit('login.throttled', tried(name), { until: until.toISOString(), refused: true, origin: origin.split(':')[0] }, source);
        return { kind: 'throttled', until };
      }

      if (!row || row.disabledAt) {
        await verifyPassword(await dummyHash(), password);
        return fail(name, origin, row ? 'disabled' : 'unknown_user', source);
      }
      // Production never lets a demo password in, even one enabled again under a running server (same answer
      // as a wrong password, after the same work; not counted, the password is not being guessed).
      if (settings.refuseDemoPasswords && row.demoPassword) {
        await verifyPassword(row.passwordHash, password);
        await audit('login.failed', `user:${row.username}`, { reason: 'demo_password' }, source);
        return { kind: 'invalid' };
      }
      // With TOTP on and no code given, the answer is the same whatever the password: asking for the code
      // only after a right password would confirm it to someone who does not have the second factor.
      // (The argon2 work is done either way, so the time says nothing either.)
      if (row.totpSecret && !totp) {
        await verifyPassword(row.passwordHash, password);
        await audit('login.totp_required', `user:${row.username}`, {}, source);
        return { kind: 'totp_required' };
      }
      if (!(await verifyPassword(row.passwordHash, password))) return fail(name, origin, 'bad_password', source);

      let totpStep: number | null = null;
      if (row.totpSecret && totp) {
        const res = await verifyTotp({
          secret: row.totpSecret,
          token: totp,
          epoch: Math.floor(now / 1000),
          epochTolerance: TOTP_TOLERANCE_S,
          ...(row.totpLastStep !== null ? { afterTimeStep: row.totpLastStep } : {}),
        }).catch(() => ({ valid: false as const }));
        if (!res.valid || !('timeStep' in res)) return fail(name, origin, 'bad_totp', source);
        totpStep = res.timeStep;
      }
      if (!(await recordLoginSuccess(pool, row.id, totpStep))) return fail(name, origin, 'totp_replayed', source);
      await clearThrottle(pool, name, [origin]);

      const user: SessionUser = { username: row.username, role: row.role, opd: row.opd, ...(row.region ? { region: row.region } : {}) };
      return inTransaction(pool, async (client) => {
        const session = await createSession(client, { id: row.id, role: row.role, opd: row.opd, region: row.region }, now + settings.sessionTtlMs);
        // a browser new to this user gets a device secret: its later attempts are not slowed by anyone else's
        const newDevice = deviceId === null ? await addDevice(client, row.id) : null;
        await appendAudit(
          client,
          [
            {
              actor: `user:${row.username}`,
              action: 'login.succeeded',
              target: `token:${session.id}`,
              detail: {
                role: row.role,
                opd: row.opd,
                ...(row.region ? { region: row.region } : {}),
                expiresAt: session.expiresAt.toISOString(),
                totp: totpStep !== null,
                knownDevice: deviceId !== null,
              },
              source,
            },
          ],
          now,
        );
        return { kind: 'ok', token: session.token, expiresAt: session.expiresAt, user, device: newDevice };
      });
    },

    async rateLimited(source, limitPerMin) {
      await audit('login.rate_limited', null, { limitPerMin }, source);
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
