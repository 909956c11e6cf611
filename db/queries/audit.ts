/**
 * The audit log: appended under an advisory lock so the chain has one head; read back for verify and export.
 *
 * The chain is keyed (issue 13, item 6): once a server adopted an HMAC key (AUDIT_HMAC_KEY_FILE, kept outside
 * the database), every entry from `audit_keyed_from` on is HMAC-SHA256(key, prev || payload), so someone with
 * the database alone (a superuser) cannot recompute a chain over an edit. Entries before it (written by a
 * release without a key) stay plain SHA-256. The key is process-wide (`useAuditKey`): one server or CLI
 * process serves one installation. A process without the key refuses to append to a keyed chain.
 */
import { createHash, createHmac } from 'node:crypto';
import type pg from 'pg';
import { entryPayload, GENESIS_HASH, storableJson, storableText, verifyChain, type AuditEntry, type ChainProblem } from '../../shared/audit-chain';

type Db = pg.Pool | pg.PoolClient;
const LOCK_ID = 0x5e1a0d17;

export type AuditInput = Omit<AuditEntry, 'seq' | 'time'> & { time?: number };

export const chainHash = (prev: Uint8Array, payload: string): Uint8Array => createHash('sha256').update(prev).update(payload, 'utf8').digest();
export const keyedChainHash =
  (key: Uint8Array) =>
  (prev: Uint8Array, payload: string): Uint8Array =>
    createHmac('sha256', key).update(prev).update(payload, 'utf8').digest();

let auditKey: Buffer | null = null;
/** The HMAC key this process appends and verifies with (server/audit/key.ts loads it); null: none. */
export function useAuditKey(key: Buffer | null): void {
  auditKey = key;
}
export const hasAuditKey = (): boolean => auditKey !== null;

export class AuditKeyMissingError extends Error {}

/** The seq from which the chain is keyed, or null (never keyed). */
export async function auditKeyedFrom(db: Db): Promise<number | null> {
  const v = (await db.query<{ value: string }>(`SELECT value FROM sinergi_meta WHERE key = 'audit_keyed_from'`)).rows[0]?.value;
  return v === undefined ? null : Number(v);
}

/** The hash of entry `seq` under a chain keyed from `keyedFrom`. */
function hasherFor(keyedFrom: number | null): (seq: number) => (prev: Uint8Array, payload: string) => Uint8Array {
  const keyed = auditKey ? keyedChainHash(auditKey) : null;
  return (seq) => {
    if (keyedFrom === null || seq < keyedFrom) return chainHash;
    if (!keyed) throw new AuditKeyMissingError('the audit chain is keyed, and this process has no AUDIT_HMAC_KEY_FILE (or another key)');
    return keyed;
  };
}

/**
 * Starts keying the chain with this process's key, if it is not keyed yet: one `audit.keyed` entry, the first
 * keyed one. The server calls it at start; a CLI never does (it may hold another box's key).
 */
export async function adoptAuditKey(pool: pg.Pool, actor = 'system'): Promise<boolean> {
  if (!auditKey || (await auditKeyedFrom(pool)) !== null) return false;
  await appendAudit(pool, [{ actor, action: 'audit.keyed', target: null, detail: { alg: 'HMAC-SHA256' }, source: null }], Date.now(), {
    adopt: true,
  });
  return true;
}

/**
 * Appends entries in order. Runs in the caller's transaction when given a client (so an audited change and
 * its entry commit together), else in its own.
 */
export async function appendAudit(db: Db, inputs: readonly AuditInput[], now: number = Date.now(), opts: { adopt?: boolean } = {}): Promise<void> {
  if (inputs.length === 0) return;
  const own = !('release' in db);
  const client = own ? await (db as pg.Pool).connect() : (db as pg.PoolClient);
  try {
    if (own) await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
    const head = await client.query<{ seq: number; hash: Buffer }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    let seq = Number(head.rows[0]?.seq ?? 0);
    let prev: Uint8Array = head.rows[0]?.hash ?? GENESIS_HASH;
    let keyedFrom = await auditKeyedFrom(client);
    if (opts.adopt && keyedFrom === null && auditKey) {
      keyedFrom = seq + 1;
      await client.query(`INSERT INTO sinergi_meta (key, value) VALUES ('audit_keyed_from', $1)`, [String(keyedFrom)]);
    }
    const hashOf = hasherFor(keyedFrom);
    const rows: unknown[][] = [];
    for (const input of inputs) {
      seq += 1;
      const str = (s: string | null | undefined) => (s === null || s === undefined ? null : storableText(s));
      const entry: AuditEntry = {
        seq,
        time: input.time ?? now,
        actor: storableText(input.actor),
        action: storableText(input.action),
        target: str(input.target),
        detail: storableJson(input.detail ?? {}) as Record<string, unknown>,
        source: str(input.source),
      };
      const hash = hashOf(entry.seq)(prev, entryPayload(entry));
      rows.push([
        entry.seq,
        entry.time,
        entry.actor,
        entry.action,
        entry.target,
        JSON.stringify(entry.detail),
        entry.source,
        Buffer.from(prev),
        Buffer.from(hash),
      ]);
      prev = hash;
    }
    const col = (i: number) => rows.map((r) => r[i]);
    await client.query(
      `INSERT INTO audit_log (seq, time, actor, action, target, detail, source, prev_hash, hash)
       SELECT seq, to_timestamp(t / 1000.0), actor, action, target, detail::jsonb, source, prev, h
         FROM unnest($1::int8[], $2::float8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::bytea[])
              AS u(seq, t, actor, action, target, detail, source, prev, h)`,
      [col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7), col(8)],
    );
    // The head is kept apart too: deleting the newest entries leaves a chain that is intact but short.
    await client.query(`INSERT INTO sinergi_meta (key, value) VALUES ('audit_head', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
      `${seq}:${Buffer.from(prev).toString('hex')}`,
    ]);
    if (own) await client.query('COMMIT');
  } catch (e) {
    if (own) await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    if (own) client.release();
  }
}

export interface AuditRow extends AuditEntry {
  prevHash: Buffer;
  hash: Buffer;
}

export async function readAudit(db: Db, filter: { fromMs?: number; toMs?: number; action?: string; limit?: number } = {}): Promise<AuditRow[]> {
  const { rows } = await db.query(
    `SELECT seq, (extract(epoch FROM time) * 1000)::float8 AS time, actor, action, target, detail, source, prev_hash, hash
       FROM audit_log
      WHERE ($1::float8 IS NULL OR time >= to_timestamp($1 / 1000.0)) AND ($2::float8 IS NULL OR time < to_timestamp($2 / 1000.0))
        AND ($3::text IS NULL OR action = $3)
      ORDER BY seq LIMIT $4`,
    [filter.fromMs ?? null, filter.toMs ?? null, filter.action ?? null, filter.limit ?? 1_000_000],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    time: Math.round(r.time),
    actor: r.actor,
    action: r.action,
    target: r.target,
    detail: r.detail,
    source: r.source,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

export interface AuditHead {
  seq: number;
  hash: Buffer;
}

/** The head as the database records it (sinergi_meta), or null. */
export async function auditHead(db: Db): Promise<AuditHead | null> {
  const head = (await db.query<{ value: string }>(`SELECT value FROM sinergi_meta WHERE key = 'audit_head'`)).rows[0]?.value;
  if (!head) return null;
  const [seq, hex] = head.split(':');
  return { seq: Number(seq), hash: Buffer.from(hex!, 'hex') };
}

/** A head recorded outside the database (server/audit/anchor.ts), already checked for its own signature. */
export interface AnchoredHead extends AuditHead {
  keyedFrom: number | null;
}

/**
 * Verifies the whole chain; returns the entries where it breaks (empty: intact) and how many were checked.
 * With `anchor` (the head kept outside the database): the chain must still hold that entry with that hash, and
 * be keyed from the same entry. With a key loaded and an unkeyed chain, that is a problem too (an unkeyed chain
 * is what someone rewriting it without the key would leave).
 */
export async function verifyAudit(db: Db, opts: { anchor?: AnchoredHead | null } = {}): Promise<{ checked: number; problems: ChainProblem[] }> {
  const rows = await readAudit(db);
  const head = await auditHead(db);
  const keyedFrom = await auditKeyedFrom(db);
  const hashOf = hasherFor(keyedFrom);
  const problems = verifyChain(rows, (prev, payload, seq) => hashOf(seq)(prev, payload), head);
  if (auditKey && keyedFrom === null && rows.length > 0) problems.push({ seq: rows.at(-1)!.seq, problem: 'unkeyed' });
  const anchor = opts.anchor;
  if (anchor) {
    const at = rows.find((r) => r.seq === anchor.seq);
    if (!at) problems.push({ seq: anchor.seq, problem: 'missing-after' });
    else if (!at.hash.equals(anchor.hash)) problems.push({ seq: anchor.seq, problem: 'anchor-mismatch' });
    if (anchor.keyedFrom !== keyedFrom) problems.push({ seq: keyedFrom ?? 0, problem: 'anchor-mismatch' });
  }
  return { checked: rows.length, problems };
}
