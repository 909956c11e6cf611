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

// eslint-disable-next-line no-control-regex -- NUL is exactly what must be replaced
const LONE_SURROGATE_OR_NUL = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/g;

/**
 * A string as PostgreSQL will store it: lone UTF-16 surrogates become U+FFFD (PostgreSQL would do it itself,
 * after the hash was taken, and `audit verify` would then report a planted "edited" entry), NUL too (text and
 * jsonb refuse it). Entries are made well-formed first, and the hash covers exactly what is stored.
 */
export const storableText = (s: string): string => s.replace(LONE_SURROGATE_OR_NUL, '\ufffd');

/** The first `max` code points of `s` (never half of a surrogate pair), well-formed. */
export const cutCodePoints = (s: string, max: number): string => storableText(Array.from(s).slice(0, max).join(''));

/** Every string in a JSON value (object keys too) made storable; what JSON cannot hold becomes null. */
export function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== 'object') return value === undefined ? undefined : typeof value === 'boolean' ? value : null;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : storableJson(v)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[storableText(k)] = storableJson(v);
  return out;
}

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

export type ChainProblem = {
  seq: number;
  /** `unkeyed`: a key is loaded but the chain was never keyed; `anchor-mismatch`: the head kept outside the database disagrees. */
  problem: 'edited' | 'missing-before' | 'broken-link' | 'missing-after' | 'unkeyed' | 'anchor-mismatch';
};

/**
 * Walks entries in seq order and reports where the chain breaks: an entry whose content no longer matches
 * its hash was edited; a gap in seq, or a prev_hash that is not the previous entry's hash, means rows were
 * deleted or replaced before it; a last entry that is not the recorded head means the newest entries were
 * deleted (`missing-after` the last one left). `hash` is given so the caller can use node:crypto.
 */
export function verifyChain(
  entries: Iterable<AuditEntry & { prevHash: Uint8Array; hash: Uint8Array }>,
  hash: (prev: Uint8Array, payload: string, seq: number) => Uint8Array,
  head?: { seq: number; hash: Uint8Array } | null,
): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let expectedSeq = 1;
  let prev: Uint8Array = GENESIS_HASH;
  for (const e of entries) {
    if (e.seq !== expectedSeq) problems.push({ seq: e.seq, problem: 'missing-before' });
    else if (!equal(e.prevHash, prev)) problems.push({ seq: e.seq, problem: 'broken-link' });
    if (!equal(hash(e.prevHash, entryPayload(e), e.seq), e.hash)) problems.push({ seq: e.seq, problem: 'edited' });
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
