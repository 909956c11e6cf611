/**
 * Failed-login throttling (migration 017) and the device secrets that give a known browser its own bucket.
 * The rule (how long to wait after n failures) lives in server/auth/throttle.ts; this module only stores.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface ThrottleRow {
  origin: string;
  failures: number;
  blockedUntil: Date | null;
}

/** The throttle rows of a typed username for the given origins (missing: never failed). */
export async function readThrottle(db: Db, username: string, origins: readonly string[]): Promise<ThrottleRow[]> {
  const { rows } = await db.query<ThrottleRow>(
    `SELECT origin, failures, blocked_until AS "blockedUntil" FROM login_throttle WHERE username = $1 AND origin = ANY($2)`,
    [username, [...origins]],
  );
  return rows;
}

/** Counts one failure for each origin and returns the new counts; `blockFor(failures)` gives the wait (ms, 0: none). */
export async function recordThrottledFailure(
  db: Db,
  username: string,
  origins: readonly string[],
  now: number,
  blockFor: (origin: string, failures: number) => number,
): Promise<ThrottleRow[]> {
  const out: ThrottleRow[] = [];
  for (const origin of origins) {
    const { rows } = await db.query<{ failures: number }>(
      `INSERT INTO login_throttle (username, origin, failures, updated_at) VALUES ($1, $2, 1, to_timestamp($3 / 1000.0))
       ON CONFLICT (username, origin) DO UPDATE SET failures = login_throttle.failures + 1, updated_at = EXCLUDED.updated_at
       RETURNING failures`,
      [username, origin, now],
    );
    const failures = rows[0]!.failures;
    const wait = blockFor(origin, failures);
    const blockedUntil = wait > 0 ? new Date(now + wait) : null;
    if (blockedUntil)
      await db.query(`UPDATE login_throttle SET blocked_until = $3 WHERE username = $1 AND origin = $2`, [username, origin, blockedUntil]);
    out.push({ origin, failures, blockedUntil });
  }
  // forget pairs quiet for a day (an attacker's many names and addresses do not pile up)
  if (Math.random() < 0.02) await db.query(`DELETE FROM login_throttle WHERE updated_at < to_timestamp($1 / 1000.0) - interval '1 day'`, [now]);
  return out;
}

export async function clearThrottle(db: Db, username: string, origins?: readonly string[]): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM login_throttle WHERE username = $1 AND ($2::text[] IS NULL OR origin = ANY($2))`, [
    username,
    origins ? [...origins] : null,
  ]);
  return rowCount ?? 0;
}

const hash = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/** The device id when `secret` is one this user's browser was given, else null. */
export async function knownDevice(db: Db, userId: number, secret: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    `UPDATE login_device SET last_used_at = now() WHERE user_id = $1 AND secret_hash = $2 RETURNING id`,
    [userId, hash(secret)],
  );
  return rows[0]?.id ?? null;
}

/** A new device secret for this user; the user keeps the 20 most recently used. */
export async function addDevice(db: Db, userId: number): Promise<string> {
  const secret = `dv_${randomBytes(32).toString('base64url')}`;
  await db.query(`INSERT INTO login_device (user_id, secret_hash) VALUES ($1, $2)`, [userId, hash(secret)]);
  await db.query(
    `DELETE FROM login_device WHERE user_id = $1 AND id NOT IN (SELECT id FROM login_device WHERE user_id = $1 ORDER BY last_used_at DESC, id DESC LIMIT 20)`,
    [userId],
  );
  return secret;
}
