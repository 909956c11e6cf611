/**
 * Account administration (the admin CLI's `user` commands and the demo seeder): each change and its audit
 * entry commit together, and any change of password, role or status ends the user's open sessions.
 */
import type pg from 'pg';
import { generateSecret, generateURI } from 'otplib';
import { appendAudit } from '../../db/queries/audit';
import {
  createUser,
  findUser,
  normaliseUsername,
  revokeUserSessions,
  setDisabled,
  setPasswordHash,
  setRole,
  setTotpSecret,
  USERNAME_RE,
  USER_ROLES,
  type UserRole,
  type UserRow,
} from '../../db/queries/users';
import { clearThrottle } from '../../db/queries/login-throttle';
import { inTransaction } from '../../db/transaction';
import { hashPassword, passwordProblem } from './password';

/** Who makes a change and from where, for the audit log (`cli:<os user>` and 'cli' from the CLI). */
export interface ChangeContext {
  actor: string;
  source: string | null;
}

/** What kind of refusal an AccountError is: the admin page's routes answer 400, 404 or 409 by it. */
export type AccountErrorKind = 'invalid' | 'not_found' | 'conflict';
/** The input field a refusal is about, so a form can show it next to that field. */
export type AccountField = 'username' | 'password' | 'role' | 'opd' | 'region';

/** A refusal the operator can act on (its message is safe to print). */
export class AccountError extends Error {
  constructor(
    message: string,
    readonly kind: AccountErrorKind = 'invalid',
    readonly field: AccountField | null = null,
  ) {
    super(message);
  }
}

export const TOTP_ISSUER = 'Sinergi';

function checkRole(
  role: string,
  opd: string | null | undefined,
  region?: string | null,
): { role: UserRole; opd: string | null; region: string | null } {
  if (!USER_ROLES.includes(role as UserRole)) throw new AccountError(`role must be one of ${USER_ROLES.join(', ')}`, 'invalid', 'role');
  if ((role === 'agency') !== Boolean(opd))
    throw new AccountError('an agency user needs --agency <OPD>, and only an agency user has one', 'invalid', 'opd');
  if ((role === 'wilayah') !== Boolean(region))
    throw new AccountError(
      'a wilayah user (camat, lurah/kades) needs --region <kecamatan or kelurahan code>, and only a wilayah user has one',
      'invalid',
      'region',
    );
  return { role: role as UserRole, opd: opd ?? null, region: region ?? null };
}

/** A territory is a kecamatan or kelurahan/desa of the imported boundaries (not retired by a later import). */
async function requireRegion(db: pg.Pool | pg.PoolClient, region: string | null): Promise<void> {
  if (region === null) return;
  const { rows } = await db.query<{ level: string }>('SELECT level FROM region WHERE code = $1 AND retired_at IS NULL', [region]);
  const level = rows[0]?.level;
  if (!level) throw new AccountError(`unknown region '${region}' (import the kota's boundaries first: admin regions import)`, 'invalid', 'region');
  if (!['kecamatan', 'kelurahan', 'desa'].includes(level))
    throw new AccountError(`region '${region}' is a ${level}; a territorial user holds a kecamatan or a kelurahan/desa`, 'invalid', 'region');
}

async function requireOpd(db: pg.Pool | pg.PoolClient, opd: string | null): Promise<void> {
  if (opd === null) return;
  const { rowCount } = await db.query('SELECT 1 FROM opd WHERE code = $1', [opd]);
  if (!rowCount) throw new AccountError(`unknown agency '${opd}'`, 'invalid', 'opd');
}

async function requireUser(db: pg.Pool | pg.PoolClient, username: string): Promise<UserRow> {
  const u = await findUser(db, username);
  if (!u) throw new AccountError(`no user '${normaliseUsername(username)}'`, 'not_found', 'username');
  return u;
}

export async function addUser(
  pool: pg.Pool,
  input: { username: string; password: string; role: string; opd?: string | null; region?: string | null },
  ctx: ChangeContext,
  opts: { demoPassword?: boolean } = {},
): Promise<UserRow> {
  const username = normaliseUsername(input.username);
  if (!USERNAME_RE.test(username))
    throw new AccountError('a username is 2–64 characters: a–z, 0–9, dot, dash, underscore, starting with a letter or digit', 'invalid', 'username');
  const { role, opd, region } = checkRole(input.role, input.opd, input.region);
  if (!opts.demoPassword) {
    const problem = passwordProblem(input.password, username);
    if (problem) throw new AccountError(problem, 'invalid', 'password');
  }
  await requireOpd(pool, opd);
  await requireRegion(pool, region);
  const passwordHash = await hashPassword(input.password);
  return inTransaction(pool, async (c) => {
    if (await findUser(c, username)) throw new AccountError(`user '${username}' already exists`, 'conflict', 'username');
    await createUser(c, { username, passwordHash, role, opd, region, demoPassword: opts.demoPassword ?? false });
    await appendAudit(c, [
      {
        actor: ctx.actor,
        action: 'user.created',
        target: `user:${username}`,
        detail: { role, opd, ...(region ? { region } : {}), demo: opts.demoPassword ?? false },
        source: ctx.source,
      },
    ]);
    return requireUser(c, username);
  });
}

export async function changePassword(pool: pg.Pool, username: string, password: string, ctx: ChangeContext): Promise<{ sessionsRevoked: number }> {
  const u = await requireUser(pool, username);
  const problem = passwordProblem(password, u.username);
  if (problem) throw new AccountError(problem, 'invalid', 'password');
  const passwordHash = await hashPassword(password);
  return inTransaction(pool, async (c) => {
    await setPasswordHash(c, u.id, passwordHash);
    const sessionsRevoked = await revokeUserSessions(c, u.id);
    await appendAudit(c, [
      { actor: ctx.actor, action: 'user.password_changed', target: `user:${u.username}`, detail: { sessionsRevoked }, source: ctx.source },
    ]);
    return { sessionsRevoked };
  });
}

export async function changeRole(
  pool: pg.Pool,
  username: string,
  to: { role: string; opd?: string | null; region?: string | null },
  ctx: ChangeContext,
): Promise<{ sessionsRevoked: number }> {
  const next = checkRole(to.role, to.opd, to.region);
  return inTransaction(pool, async (c) => {
    const u = await requireUser(c, username);
    await requireOpd(c, next.opd);
    await requireRegion(c, next.region);
    if (u.role === next.role && u.opd === next.opd && u.region === next.region)
      throw new AccountError(
        `user '${u.username}' already has role ${u.role}${u.opd ? ` (${u.opd})` : ''}${u.region ? ` (${u.region})` : ''}`,
        'conflict',
        'role',
      );
    await setRole(c, u.id, next.role, next.opd, next.region);
    // Sessions carry the role they were issued with; a changed role starts from a new login.
    const sessionsRevoked = await revokeUserSessions(c, u.id);
    await appendAudit(c, [
      {
        actor: ctx.actor,
        action: 'user.role_changed',
        target: `user:${u.username}`,
        detail: { from: { role: u.role, opd: u.opd, ...(u.region ? { region: u.region } : {}) }, to: next, sessionsRevoked },
        source: ctx.source,
      },
    ]);
    return { sessionsRevoked };
  });
}

export async function disableUser(pool: pg.Pool, username: string, ctx: ChangeContext): Promise<{ sessionsRevoked: number }> {
  return inTransaction(pool, async (c) => {
    const u = await requireUser(c, username);
    if (u.disabledAt) throw new AccountError(`user '${u.username}' is already disabled`, 'conflict');
    await setDisabled(c, u.id, true);
    const sessionsRevoked = await revokeUserSessions(c, u.id);
    await appendAudit(c, [
      { actor: ctx.actor, action: 'user.disabled', target: `user:${u.username}`, detail: { sessionsRevoked }, source: ctx.source },
    ]);
    return { sessionsRevoked };
  });
}

export async function enableUser(pool: pg.Pool, username: string, ctx: ChangeContext): Promise<void> {
  await inTransaction(pool, async (c) => {
    const u = await requireUser(c, username);
    if (!u.disabledAt) throw new AccountError(`user '${u.username}' is not disabled`, 'conflict');
    // a demo password is public: the account comes back only with a new one
    if (u.demoPassword)
      throw new AccountError(
        `user '${u.username}' still has a demo password; set a new one first (user passwd --username ${u.username})`,
        'conflict',
        'password',
      );
    await setDisabled(c, u.id, false);
    await appendAudit(c, [{ actor: ctx.actor, action: 'user.enabled', target: `user:${u.username}`, detail: {}, source: ctx.source }]);
  });
}

/**
 * Turns the second factor on (or re-enrols it) and returns the otpauth:// URI to show once, for the user's
 * authenticator app. Agency accounts do not use TOTP (issue 5: admin and operator).
 */
export async function enableTotp(pool: pg.Pool, username: string, ctx: ChangeContext): Promise<{ uri: string; replaced: boolean }> {
  return inTransaction(pool, async (c) => {
    const u = await requireUser(c, username);
    if (u.role === 'agency') throw new AccountError('the second factor is for admin and operator accounts');
    const secret = generateSecret();
    await setTotpSecret(c, u.id, secret);
    const sessionsRevoked = await revokeUserSessions(c, u.id);
    await appendAudit(c, [
      {
        actor: ctx.actor,
        action: 'user.totp_enabled',
        target: `user:${u.username}`,
        detail: { replaced: u.totpEnabled, sessionsRevoked },
        source: ctx.source,
      },
    ]);
    return { uri: generateURI({ issuer: TOTP_ISSUER, label: u.username, secret }), replaced: u.totpEnabled };
  });
}

export async function disableTotp(pool: pg.Pool, username: string, ctx: ChangeContext): Promise<void> {
  await inTransaction(pool, async (c) => {
    const u = await requireUser(c, username);
    if (!u.totpEnabled) throw new AccountError(`user '${u.username}' has no second factor`);
    await setTotpSecret(c, u.id, null);
    await appendAudit(c, [{ actor: ctx.actor, action: 'user.totp_disabled', target: `user:${u.username}`, detail: {}, source: ctx.source }]);
  });
}

/** Clears the login throttle of a user (every address and device) and any lock of the old lockout. */
export async function unlockUser(pool: pg.Pool, username: string, ctx: ChangeContext): Promise<{ cleared: number }> {
  return inTransaction(pool, async (c) => {
    const u = await requireUser(c, username);
    const cleared = await clearThrottle(c, u.username);
    await c.query('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1', [u.id]);
    await appendAudit(c, [{ actor: ctx.actor, action: 'user.unlocked', target: `user:${u.username}`, detail: { cleared }, source: ctx.source }]);
    return { cleared };
  });
}
