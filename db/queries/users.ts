/**
 * People who log in, and their sessions. A session is an access_token row with user_id and expires_at, so
 * verifyAccessToken (credentials.ts) serves both device tokens and sessions. Password hashing lives in
 * server/auth/; this module stores only the argon2id PHC string it is given.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { hashSecret, type TokenRole } from './credentials';

type Db = pg.Pool | pg.PoolClient;

export type UserRole = TokenRole;
export const USER_ROLES: readonly UserRole[] = ['admin', 'operator', 'agency', 'wilayah'];

/** The label every login session carries in access_token (device tokens have their own labels). */
export const SESSION_LABEL = 'session';

export interface UserRow {
  id: number;
  username: string;
  role: UserRole;
  opd: string | null;
  /** A territorial user's kecamatan or kelurahan/desa code (role wilayah only). */
  region: string | null;
  totpEnabled: boolean;
  failedLogins: number;
  lockedUntil: Date | null;
  demoPassword: boolean;
  disabledAt: Date | null;
  createdAt: Date;
  passwordChangedAt: Date;
}

/** What login needs, secrets included; never leaves the server. */
export interface LoginRow extends UserRow {
  passwordHash: string;
  totpSecret: string | null;
  totpLastStep: number | null;
}

/** Usernames are compared lower-case; the migration's CHECK holds the allowed alphabet. */
export const normaliseUsername = (s: string): string => s.trim().toLowerCase();
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;

const COLUMNS = `id, username, role, opd_code AS opd, region_code AS region, totp_secret IS NOT NULL AS "totpEnabled", failed_logins AS "failedLogins",
  locked_until AS "lockedUntil", demo_password AS "demoPassword", disabled_at AS "disabledAt", created_at AS "createdAt",
  password_changed_at AS "passwordChangedAt"`;

export async function createUser(
  db: Db,
  u: { username: string; passwordHash: string; role: UserRole; opd: string | null; region?: string | null; demoPassword?: boolean },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO users (username, password_hash, role, opd_code, demo_password, region_code) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [normaliseUsername(u.username), u.passwordHash, u.role, u.opd, u.demoPassword ?? false, u.region ?? null],
  );
  return rows[0]!.id;
}

export async function findUser(db: Db, username: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [normaliseUsername(username)]);
  return rows[0] ?? null;
}

export async function findUserForLogin(db: Db, username: string): Promise<LoginRow | null> {
  const { rows } = await db.query<LoginRow>(
    `SELECT ${COLUMNS}, password_hash AS "passwordHash", totp_secret AS "totpSecret", totp_last_step AS "totpLastStep"
       FROM users WHERE username = $1`,
    [normaliseUsername(username)],
  );
  return rows[0] ?? null;
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY username`);
  return rows;
}

/**
 * Counts one failed login; at `maxFailures` the account locks until `lockUntilMs` and the count restarts.
 * One statement, so concurrent failures cannot both slip under the limit.
 */
export async function recordLoginFailure(
  db: Db,
  id: number,
  maxFailures: number,
  lockUntilMs: number,
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const { rows } = await db.query<{ failures: number; locked: boolean; lockedUntil: Date | null }>(
    `UPDATE users SET
        failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
        locked_until  = CASE WHEN failed_logins + 1 >= $2 THEN to_timestamp($3 / 1000.0) ELSE locked_until END
      WHERE id = $1
      RETURNING failed_logins AS failures, failed_logins = 0 AS locked, locked_until AS "lockedUntil"`,
    [id, maxFailures, lockUntilMs],
  );
  const r = rows[0];
  if (!r) return { failures: 0, lockedUntil: null };
  return { failures: r.locked ? maxFailures : r.failures, lockedUntil: r.locked ? r.lockedUntil : null };
}

/**
 * Clears the failure count after a good login and records the TOTP step used. Returns false when the step
 * is not newer than the last one accepted (a replayed code raced this login), which the caller treats as a failure.
 */
export async function recordLoginSuccess(db: Db, id: number, totpStep: number | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE users SET failed_logins = 0, locked_until = NULL, totp_last_step = COALESCE($2, totp_last_step)
      WHERE id = $1 AND ($2::bigint IS NULL OR totp_last_step IS NULL OR totp_last_step < $2)`,
    [id, totpStep],
  );
  return (rowCount ?? 0) > 0;
}

function newSessionToken(): string {
  // Same shape as device tokens (credentials.ts), so clients need not tell them apart.
  return `st_${randomBytes(32).toString('base64url')}`;
}

export async function createSession(
  db: Db,
  user: { id: number; role: UserRole; opd: string | null; region?: string | null },
  expiresAtMs: number,
): Promise<{ id: number; token: string; expiresAt: Date }> {
  const token = newSessionToken();
  const { rows } = await db.query<{ id: number; expiresAt: Date }>(
    `INSERT INTO access_token (role, opd_code, token_hash, prefix, label, user_id, expires_at, region_code)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0), $8) RETURNING id, expires_at AS "expiresAt"`,
    [user.role, user.opd, hashSecret(token), token.slice(0, 10), SESSION_LABEL, user.id, expiresAtMs, user.region ?? null],
  );
  return { id: rows[0]!.id, token, expiresAt: rows[0]!.expiresAt };
}

/** Revokes one access token (a session, or a device token whose holder logs out). */
export async function revokeTokenById(db: Db, tokenId: number): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE access_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [tokenId]);
  return (rowCount ?? 0) > 0;
}

/** Revokes every live session of a user (password, role or status changed). */
export async function revokeUserSessions(db: Db, userId: number): Promise<number> {
  const { rowCount } = await db.query('UPDATE access_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  return rowCount ?? 0;
}

export async function setPasswordHash(db: Db, id: number, passwordHash: string, demoPassword = false): Promise<void> {
  await db.query(
    `UPDATE users SET password_hash = $2, demo_password = $3, password_changed_at = now(), failed_logins = 0, locked_until = NULL
      WHERE id = $1`,
    [id, passwordHash, demoPassword],
  );
}

export async function setRole(db: Db, id: number, role: UserRole, opd: string | null, region: string | null = null): Promise<void> {
  await db.query('UPDATE users SET role = $2, opd_code = $3, region_code = $4 WHERE id = $1', [id, role, opd, region]);
}

export async function setDisabled(db: Db, id: number, disabled: boolean): Promise<void> {
  await db.query(`UPDATE users SET disabled_at = CASE WHEN $2 THEN COALESCE(disabled_at, now()) ELSE NULL END WHERE id = $1`, [id, disabled]);
}

export async function setTotpSecret(db: Db, id: number, secret: string | null): Promise<void> {
  await db.query('UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1', [id, secret]);
}

/** Enabled users whose password is still the one the demo seeder gave them. */
export async function usersWithDemoPassword(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ username: string }>('SELECT username FROM users WHERE demo_password AND disabled_at IS NULL ORDER BY username');
  return rows.map((r) => r.username);
}
