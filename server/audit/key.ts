/**
 * The audit chain's HMAC key and its anchor outside the database (issue 13, item 6).
 *
 * - The key lives in AUDIT_HMAC_KEY_FILE (default DATA_DIR/audit-hmac.key, 0600). The server creates it on first
 *   start and keys the chain from then on (db/queries/audit.ts `adoptAuditKey`); CLI commands only read it.
 *   Keep it with the server's other secrets, away from the database host and out of database backups.
 * - The anchor: every minute (and at shutdown) the server writes the chain's head (seq, hash, where keying
 *   began), signed with the key, to AUDIT_ANCHOR_DIR/audit-head.json. `audit verify` checks the database still
 *   holds that entry with that hash: deleting the newest entries, or rewriting the chain, shows even to
 *   someone who could rewrite the database's own head. Copy the directory off the host (backups carry it).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { auditHead, auditKeyedFrom, type AnchoredHead } from '../../db/queries/audit';

export const ANCHOR_FILE = 'audit-head.json';
/** How often the server anchors the head: entries newer than the last anchor can be deleted unseen. */
export const ANCHOR_INTERVAL_MS = 60_000;

/** Reads the key; creates it (32 random bytes, hex, mode 0600) when `create` and it does not exist. */
export async function loadAuditKey(file: string, opts: { create: boolean }): Promise<Buffer | null> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (!/^[0-9a-f]{64,}$/i.test(text)) throw new Error(`${file} is not an audit key (64+ hex digits)`);
    return Buffer.from(text, 'hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !opts.create) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  await writeFile(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e; // another process made it first: use theirs
  });
  return loadAuditKey(file, { create: false });
}

const signed = (key: Buffer | null, body: string) => (key ? createHmac('sha256', key).update(body, 'utf8').digest('hex') : null);

/** Writes the database's current head to the anchor directory (atomically: a reader never sees half a file). */
export async function writeAnchor(pool: pg.Pool, dir: string, key: Buffer | null, now: number): Promise<AnchoredHead | null> {
  const head = await auditHead(pool);
  if (!head) return null;
  const keyedFrom = await auditKeyedFrom(pool);
  const body = JSON.stringify({ seq: head.seq, hash: head.hash.toString('hex'), keyedFrom, at: new Date(now).toISOString() });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${ANCHOR_FILE}.${process.pid}`);
  await writeFile(tmp, JSON.stringify({ body, mac: signed(key, body) }) + '\n', { mode: 0o600 });
  await rename(tmp, join(dir, ANCHOR_FILE));
  return { ...head, keyedFrom };
}

export class AnchorError extends Error {}

/** The anchored head, its signature checked against the key; null when none was written yet. */
export async function readAnchor(dir: string, key: Buffer | null): Promise<AnchoredHead | null> {
  let text: string;
  try {
    text = await readFile(join(dir, ANCHOR_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let outer: { body?: unknown; mac?: unknown };
  try {
    outer = JSON.parse(text);
  } catch {
    throw new AnchorError(`${join(dir, ANCHOR_FILE)} is not an audit anchor`);
  }
  if (typeof outer.body !== 'string') throw new AnchorError(`${join(dir, ANCHOR_FILE)} is not an audit anchor`);
  if (key) {
    const want = Buffer.from(signed(key, outer.body)!, 'hex');
    const got = typeof outer.mac === 'string' ? Buffer.from(outer.mac, 'hex') : Buffer.alloc(0);
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new AnchorError('the audit anchor is not signed by this installation’s key');
  }
  const b = JSON.parse(outer.body) as { seq: number; hash: string; keyedFrom: number | null };
  return { seq: b.seq, hash: Buffer.from(b.hash, 'hex'), keyedFrom: b.keyedFrom };
}

/** Anchors now and then every ANCHOR_INTERVAL_MS while the head moves; `stop` anchors once more. */
export function startAnchoring(deps: {
  pool: pg.Pool;
  dir: string;
  key: Buffer | null;
  clock: () => number;
  onError: (e: unknown) => void;
  intervalMs?: number;
}) {
  let last = '';
  const tick = async () => {
    try {
      const head = await auditHead(deps.pool);
      const mark = head ? `${head.seq}:${head.hash.toString('hex')}` : '';
      if (!head || mark === last) return;
      await writeAnchor(deps.pool, deps.dir, deps.key, deps.clock());
      last = mark;
    } catch (e) {
      deps.onError(e);
    }
  };
  let running: Promise<void> = tick();
  const timer = setInterval(() => (running = running.then(tick)), deps.intervalMs ?? ANCHOR_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await tick();
    },
  };
}
