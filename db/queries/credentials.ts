/**
 * Ingest keys (one OPD each) and access tokens (the /live socket and operator REST calls).
 * Both are 256-bit random secrets stored as SHA-256; only a short prefix is kept in clear for listings.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { Principal } from '../../shared/contract';

type Db = pg.Pool | pg.PoolClient;

export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

function newSecret(prefix: 'sk' | 'st'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export type KeyScope = 'points' | 'events';
export const KEY_SCOPES: readonly KeyScope[] = ['points', 'events'];

export interface IngestKeyRow {
  id: number;
  opd: string;
  scopes: KeyScope[];
  rotatedFrom: number | null;
  prefix: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

const PREFIX_LENGTH = 10;

export async function createIngestKey(
  db: Db,
  opd: string,
  label: string | null = null,
  scopes: readonly KeyScope[] = KEY_SCOPES,
  rotatedFrom: number | null = null,
): Promise<{ id: number; key: string }> {
  const key = newSecret('sk');
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO ingest_key (opd_code, key_hash, prefix, label, scopes, rotated_from) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [opd, hashSecret(key), key.slice(0, PREFIX_LENGTH), label, scopes, rotatedFrom],
  );
  return { id: rows[0]!.id, key };
}

export interface VerifiedKey {
  id: number;
  opd: string;
  scopes: KeyScope[];
}

/**
 * The key's OPD and scopes if it is valid and not revoked (a rotated key stays valid through its grace
 * period). Candidates are found by the key's public prefix and compared by hash in constant time.
 */
export async function verifyIngestKey(db: Db, key: string): Promise<VerifiedKey | null> {
  if (key.length < PREFIX_LENGTH + 8 || key.length > 256) return null;
  const { rows } = await db.query<VerifiedKey & { hash: Buffer }>(
    `SELECT id, opd_code AS opd, scopes, key_hash AS hash FROM ingest_key
      WHERE prefix = $1 AND (revoked_at IS NULL OR revoked_at > now())`,
    [key.slice(0, PREFIX_LENGTH)],
  );
  const presented = hashSecret(key);
  let match: VerifiedKey | null = null;
  for (const r of rows) {
    if (timingSafeEqual(r.hash, presented) && !match) match = { id: r.id, opd: r.opd, scopes: r.scopes };
  }
  return match;
}

/** A new key for the same OPD, scopes and label; the old one stops working after `graceMs` (0: at once). */
export async function rotateIngestKey(db: Db, id: number, graceMs: number): Promise<{ id: number; key: string; opd: string } | null> {
  const { rows } = await db.query<{ opd: string; label: string | null; scopes: KeyScope[] }>(
    `UPDATE ingest_key SET revoked_at = now() + make_interval(secs => $2 / 1000.0)
      WHERE id = $1 AND (revoked_at IS NULL OR revoked_at > now())
      RETURNING opd_code AS opd, label, scopes`,
    [id, graceMs],
  );
  const old = rows[0];
  if (!old) return null;
  const fresh = await createIngestKey(db, old.opd, old.label, old.scopes, id);
  return { ...fresh, opd: old.opd };
}

export async function listIngestKeys(db: Db): Promise<IngestKeyRow[]> {
  const { rows } = await db.query<IngestKeyRow>(
    `SELECT id, opd_code AS opd, scopes, rotated_from AS "rotatedFrom", prefix, label, created_at AS "createdAt", revoked_at AS "revokedAt" FROM ingest_key ORDER BY id`,
  );
  return rows;
}

export async function findIngestKey(db: Db, id: number): Promise<IngestKeyRow | null> {
  const { rows } = await db.query<IngestKeyRow>(
    `SELECT id, opd_code AS opd, scopes, rotated_from AS "rotatedFrom", prefix, label, created_at AS "createdAt", revoked_at AS "revokedAt" FROM ingest_key WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Stops a key now, a retiring one (rotated, inside its grace period) included; false when it no longer works anyway. */
export async function revokeIngestKeyNow(db: Db, id: number): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE ingest_key SET revoked_at = now() WHERE id = $1 AND (revoked_at IS NULL OR revoked_at > now())', [id]);
  return Boolean(rowCount);
}

/** Revokes keys by id, or all unrevoked keys with a label (the demo rotates its simulator keys so). */
export async function revokeIngestKeys(db: Db, by: { id: number } | { label: string }): Promise<number> {
  const { rowCount } =
    'id' in by
      ? await db.query('UPDATE ingest_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [by.id])
      : await db.query('UPDATE ingest_key SET revoked_at = now() WHERE label = $1 AND revoked_at IS NULL', [by.label]);
  return rowCount ?? 0;
}

export type TokenRole = 'admin' | 'operator' | 'agency' | 'wilayah';

export async function createAccessToken(
  db: Db,
  role: TokenRole,
  opd: string | null,
  label: string | null = null,
): Promise<{ id: number; token: string }> {
  const token = newSecret('st');
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO access_token (role, opd_code, token_hash, prefix, label) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [role, opd, hashSecret(token), token.slice(0, 10), label],
  );
  return { id: rows[0]!.id, token };
}

/**
 * The principal of a valid token: not revoked, not expired (login sessions expire; device tokens have no
 * expires_at), and, for a session, of a user who is not disabled. `user` names the session's user.
 */
export async function verifyAccessToken(db: Db, token: string): Promise<Principal | null> {
  const { rows } = await db.query<{ id: number; role: TokenRole; opd: string | null; region: string | null; username: string | null }>(
    `SELECT t.id, t.role, t.opd_code AS opd, t.region_code AS region, u.username
       FROM access_token t LEFT JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > now())
        AND (t.user_id IS NULL OR u.disabled_at IS NULL)`,
    [hashSecret(token)],
  );
  const r = rows[0];
  if (!r) return null;
  const user = r.username !== null ? { user: r.username } : {};
  if (r.role === 'agency') return { role: 'agency', opd: r.opd!, tokenId: r.id, ...user };
  if (r.role === 'wilayah') return { role: 'wilayah', region: r.region!, tokenId: r.id, ...user };
  return { role: r.role, tokenId: r.id, ...user };
}

export async function revokeAccessTokens(db: Db, label: string): Promise<number> {
  const { rowCount } = await db.query('UPDATE access_token SET revoked_at = now() WHERE label = $1 AND revoked_at IS NULL', [label]);
  return rowCount ?? 0;
}
