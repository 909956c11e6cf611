/**
 * Ingest keys as the admin CLI (`key create|list|revoke`) and the admin page manage them: one OPD each, the
 * secret returned once and stored hashed, every issue and revocation audited in the same transaction as the
 * change. Domain results, no HTTP: server/accounts/routes.ts and scripts/admin-access.ts map them.
 */
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import {
  createIngestKey,
  findIngestKey,
  KEY_SCOPES,
  listIngestKeys,
  revokeIngestKeyNow,
  type IngestKeyRow,
  type KeyScope,
} from '../../db/queries/credentials';
import { inTransaction } from '../../db/transaction';
import type { ChangeContext } from '../auth/accounts';

export type KeyState = 'active' | 'retiring' | 'revoked';

/** Pure: a revoked_at in the future is a rotated key still inside its grace period. */
export function keyState(k: Pick<IngestKeyRow, 'revokedAt'>, now: number): KeyState {
  if (!k.revokedAt) return 'active';
  return k.revokedAt.getTime() > now ? 'retiring' : 'revoked';
}

export type IssueKeyResult = { kind: 'ok'; key: IngestKeyRow; secret: string } | { kind: 'unknown_opd'; known: string[] };
export type RevokeKeyResult = { kind: 'ok'; key: IngestKeyRow } | { kind: 'not_found' };

/** Keys of one OPD (or all), newest last; never a secret or a hash. */
export async function listKeys(db: pg.Pool | pg.PoolClient, opd?: string): Promise<IngestKeyRow[]> {
  const all = await listIngestKeys(db);
  return opd ? all.filter((k) => k.opd === opd) : all;
}

export async function issueKey(
  pool: pg.Pool,
  input: { opd: string; label?: string | null; scopes?: readonly KeyScope[] },
  ctx: ChangeContext,
): Promise<IssueKeyResult> {
  const scopes = input.scopes?.length ? [...new Set(input.scopes)] : [...KEY_SCOPES];
  const label = input.label?.trim() || null;
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ code: string }>('SELECT code FROM opd ORDER BY code');
    if (!rows.some((r) => r.code === input.opd)) return { kind: 'unknown_opd', known: rows.map((r) => r.code) };
    const created = await createIngestKey(c, input.opd, label, scopes);
    await appendAudit(c, [
      { actor: ctx.actor, action: 'key.created', target: `key:${created.id}@${input.opd}`, detail: { scopes, label }, source: ctx.source },
    ]);
    const key = (await findIngestKey(c, created.id))!;
    return { kind: 'ok', key, secret: created.key };
  });
}

/** Revokes an active (or retiring) key at once. */
export async function revokeKey(pool: pg.Pool, id: number, ctx: ChangeContext): Promise<RevokeKeyResult> {
  return inTransaction(pool, async (c) => {
    // a retiring key (rotated, in its grace period) is stopped now too: revoking means "no longer works"
    if (!(await revokeIngestKeyNow(c, id))) return { kind: 'not_found' };
    const key = (await findIngestKey(c, id))!;
    await appendAudit(c, [{ actor: ctx.actor, action: 'key.revoked', target: `key:${id}@${key.opd}`, detail: {}, source: ctx.source }]);
    return { kind: 'ok', key };
  });
}
