/** The audit log: appended under an advisory lock so the chain has one head; read back for verify and export. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { entryPayload, GENESIS_HASH, verifyChain, type AuditEntry, type ChainProblem } from '../../shared/audit-chain';

type Db = pg.Pool | pg.PoolClient;
const LOCK_ID = 0x5e1a0d17;

export type AuditInput = Omit<AuditEntry, 'seq' | 'time'> & { time?: number };

export const chainHash = (prev: Uint8Array, payload: string): Uint8Array => createHash('sha256').update(prev).update(payload, 'utf8').digest();

/**
 * Appends entries in order. Runs in the caller's transaction when given a client (so an audited change and
 * its entry commit together), else in its own.
 */
export async function appendAudit(db: Db, inputs: readonly AuditInput[], now: number = Date.now()): Promise<void> {
  if (inputs.length === 0) return;
  const own = !('release' in db);
  const client = own ? await (db as pg.Pool).connect() : (db as pg.PoolClient);
  try {
    if (own) await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
    const head = await client.query<{ seq: number; hash: Buffer }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    let seq = Number(head.rows[0]?.seq ?? 0);
    let prev: Uint8Array = head.rows[0]?.hash ?? GENESIS_HASH;
    const rows: unknown[][] = [];
    for (const input of inputs) {
      seq += 1;
      const entry: AuditEntry = {
        seq,
        time: input.time ?? now,
        actor: input.actor,
        action: input.action,
        target: input.target ?? null,
        detail: input.detail ?? {},
        source: input.source ?? null,
      };
      const hash = chainHash(prev, entryPayload(entry));
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

/** Verifies the whole chain; returns the entries where it breaks (empty: intact) and how many were checked. */
export async function verifyAudit(db: Db): Promise<{ checked: number; problems: ChainProblem[] }> {
  const rows = await readAudit(db);
  const head = (await db.query<{ value: string }>(`SELECT value FROM sinergi_meta WHERE key = 'audit_head'`)).rows[0]?.value;
  const [seq, hex] = head?.split(':') ?? [];
  return { checked: rows.length, problems: verifyChain(rows, chainHash, head ? { seq: Number(seq), hash: Buffer.from(hex!, 'hex') } : null) };
}
