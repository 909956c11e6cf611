/**
 * The audit chain's hashing, pure so that append and verify cannot disagree: an entry's hash covers its
 * canonical JSON and the previous entry's hash.
 */
export interface AuditEntry {
  seq: number;
  /** epoch ms */
  time: number;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  source: string | null;
}

/** JSON with object keys sorted at every depth: jsonb reorders keys, the hash must not care. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export const GENESIS_HASH = new Uint8Array(32);

export function entryPayload(e: AuditEntry): string {
  return canonicalJson({
    seq: e.seq,
    time: new Date(e.time).toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    detail: e.detail,
    source: e.source,
  });
}

export type ChainProblem = { seq: number; problem: 'edited' | 'missing-before' | 'broken-link' | 'missing-after' };

/**
 * Walks entries in seq order and reports where the chain breaks: an entry whose content no longer matches
 * its hash was edited; a gap in seq, or a prev_hash that is not the previous entry's hash, means rows were
 * deleted or replaced before it; a last entry that is not the recorded head means the newest entries were
 * deleted (`missing-after` the last one left). `hash` is given so the caller can use node:crypto.
 */
export function verifyChain(
  entries: Iterable<AuditEntry & { prevHash: Uint8Array; hash: Uint8Array }>,
  hash: (prev: Uint8Array, payload: string) => Uint8Array,
  head?: { seq: number; hash: Uint8Array } | null,
): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let expectedSeq = 1;
  let prev: Uint8Array = GENESIS_HASH;
  for (const e of entries) {
    if (e.seq !== expectedSeq) problems.push({ seq: e.seq, problem: 'missing-before' });
    else if (!equal(e.prevHash, prev)) problems.push({ seq: e.seq, problem: 'broken-link' });
    if (!equal(hash(e.prevHash, entryPayload(e)), e.hash)) problems.push({ seq: e.seq, problem: 'edited' });
    prev = e.hash;
    expectedSeq = e.seq + 1;
  }
  if (head && (head.seq !== expectedSeq - 1 || !equal(head.hash, prev))) problems.push({ seq: expectedSeq - 1, problem: 'missing-after' });
  return problems;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
