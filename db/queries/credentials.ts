/**
 * Ingest keys (one OPD each) and access tokens (the /live socket and operator REST calls).
 * Both are 256-bit random secrets stored as SHA-256; only a short prefix is kept in clear for listings.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Principal } from '../../shared/contract';

type Db = pg.Pool | pg.PoolClient;

export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

function newSecret(prefix: 'sk' | 'st'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export interface IngestKeyRow {
  id: number;
  opd: string;
  prefix: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export async function createIngestKey(db: Db, opd: string, label: string | null = null): Promise<{ id: number; key: string }> {
  const key = newSecret('sk');
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO ingest_key (opd_code, key_hash, prefix, label) VALUES ($1, $2, $3, $4) RETURNING id',
    [opd, hashSecret(key), key.slice(0, 10), label],
  );
  return { id: rows[0]!.id, key };
}

/** The OPD a valid, unrevoked key belongs to, or null. The lookup is by hash, so timing reveals nothing of the key. */
export async function verifyIngestKey(db: Db, key: string): Promise<{ id: number; opd: string } | null> {
  const { rows } = await db.query<{ id: number; opd: string }>(
    'SELECT id, opd_code AS opd FROM ingest_key WHERE key_hash = $1 AND revoked_at IS NULL',
    [hashSecret(key)],
  );
  return rows[0] ?? null;
}

export async function listIngestKeys(db: Db): Promise<IngestKeyRow[]> {
  const { rows } = await db.query<IngestKeyRow>(
    `SELECT id, opd_code AS opd, prefix, label, created_at AS "createdAt", revoked_at AS "revokedAt" FROM ingest_key ORDER BY id`,
  );
  return rows;
}

/** Revokes keys by id, or all unrevoked keys with a label (the demo rotates its simulator keys so). */
export async function revokeIngestKeys(db: Db, by: { id: number } | { label: string }): Promise<number> {
  const { rowCount } =
    'id' in by
      ? await db.query('UPDATE ingest_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [by.id])
      : await db.query('UPDATE ingest_key SET revoked_at = now() WHERE label = $1 AND revoked_at IS NULL', [by.label]);
  return rowCount ?? 0;
}

export type TokenRole = 'admin' | 'operator' | 'agency';

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

export async function verifyAccessToken(db: Db, token: string): Promise<Principal | null> {
  const { rows } = await db.query<{ id: number; role: TokenRole; opd: string | null }>(
    'SELECT id, role, opd_code AS opd FROM access_token WHERE token_hash = $1 AND revoked_at IS NULL',
    [hashSecret(token)],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.role === 'agency') return { role: 'agency', opd: r.opd!, tokenId: r.id };
  return { role: r.role, tokenId: r.id };
}

export async function revokeAccessTokens(db: Db, label: string): Promise<number> {
  const { rowCount } = await db.query('UPDATE access_token SET revoked_at = now() WHERE label = $1 AND revoked_at IS NULL', [label]);
  return rowCount ?? 0;
}
