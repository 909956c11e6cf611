/** Data-sharing agreements between OPD. */
import type pg from 'pg';
import type { Agreement } from '../../shared/sharing';

type Db = pg.Pool | pg.PoolClient;

const COLUMNS = `id, owner_opd AS "ownerOpd", grantee_opd AS "granteeOpd", item_type AS "itemType", item_code AS "itemCode", purpose,
  (extract(epoch FROM valid_from) * 1000)::float8 AS "validFrom", (extract(epoch FROM valid_until) * 1000)::float8 AS "validUntil",
  suspended_at IS NOT NULL AS suspended, region_level AS "regionLevel"`;

/**
 * Agreements not revoked and not yet ended (the rule checks validity against its own clock). Suspended ones
 * (a dispute stands) are listed with `suspended: true`: they grant nothing, but the rule can say why.
 */
export async function loadAgreements(db: Db): Promise<Agreement[]> {
  const { rows } = await db.query<Agreement>(`SELECT ${COLUMNS} FROM sharing_agreement WHERE revoked_at IS NULL AND valid_until > now() ORDER BY id`);
  return rows;
}

export async function listAgreements(db: Db): Promise<(Agreement & { reference: string | null; revokedAt: number | null })[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, reference, (extract(epoch FROM revoked_at) * 1000)::float8 AS "revokedAt" FROM sharing_agreement ORDER BY id`,
  );
  return rows;
}

export async function grantAgreement(
  db: Db,
  a: {
    ownerOpd: string;
    granteeOpd: string;
    itemType: 'metric' | 'event_kind';
    itemCode: string;
    purpose: string;
    validUntil: number;
    reference: string | null;
  },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sharing_agreement (owner_opd, grantee_opd, item_type, item_code, purpose, valid_until, reference)
     VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0), $7) RETURNING id`,
    [a.ownerOpd, a.granteeOpd, a.itemType, a.itemCode, a.purpose, a.validUntil, a.reference],
  );
  return rows[0]!.id;
}

export async function revokeAgreement(db: Db, id: number): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE sharing_agreement SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  return (rowCount ?? 0) > 0;
}

// ---- sharing on request (issue 19, migration 080) -------------------------------------------------------

// whole milliseconds (an interval added in SQL carries microseconds)
const epoch = (col: string) => `floor(extract(epoch FROM ${col}) * 1000)::float8`;

/** An agreement with everything the tablet and the rules need. */
export interface AgreementRow {
  id: number;
  ownerOpd: string;
  granteeOpd: string;
  itemType: 'metric' | 'event_kind';
  itemCode: string;
  purpose: string;
  regionLevel: 'kelurahan' | 'kecamatan' | 'kota';
  validFrom: number;
  validUntil: number;
  revokedAt: number | null;
  suspendedAt: number | null;
  disputedByOpd: string | null;
  disputeNote: string | null;
  remindedUntil: number | null;
}

const AGREEMENT_ROW = `id, owner_opd AS "ownerOpd", grantee_opd AS "granteeOpd", item_type AS "itemType", item_code AS "itemCode", purpose,
  region_level AS "regionLevel", ${epoch('valid_from')} AS "validFrom", ${epoch('valid_until')} AS "validUntil",
  ${epoch('revoked_at')} AS "revokedAt", ${epoch('suspended_at')} AS "suspendedAt", disputed_by_opd AS "disputedByOpd",
  dispute_note AS "disputeNote", ${epoch('reminded_until')} AS "remindedUntil"`;

/** Agreements concerning an OPD (null: every one), not revoked, and not ended more than `endedWithinMs` ago. */
export async function agreementRows(db: Db, opd: string | null, endedWithinMs: number, now: number): Promise<AgreementRow[]> {
  const { rows } = await db.query<AgreementRow>(
    `SELECT ${AGREEMENT_ROW} FROM sharing_agreement
      WHERE revoked_at IS NULL AND valid_until > to_timestamp(($2::float8 - $3::float8) / 1000.0)
        AND ($1::text IS NULL OR owner_opd = $1 OR grantee_opd = $1)
      ORDER BY id`,
    [opd, now, endedWithinMs],
  );
  return rows;
}

export async function agreementRow(db: Db, id: number, lock = false): Promise<AgreementRow | null> {
  const { rows } = await db.query<AgreementRow>(`SELECT ${AGREEMENT_ROW} FROM sharing_agreement WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}

export interface RequestRow {
  id: number;
  requesterOpd: string;
  ownerOpd: string;
  itemType: 'metric' | 'event_kind';
  itemCode: string;
  purpose: string;
  justification: string;
  validUntil: number;
  regionLevel: 'kelurahan' | 'kecamatan' | 'kota';
  renews: number | null;
  status: 'open' | 'approved' | 'refused' | 'withdrawn';
  requestedBy: string;
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  decisionNote: string | null;
  agreementId: number | null;
}

const REQUEST_ROW = `id, requester_opd AS "requesterOpd", owner_opd AS "ownerOpd", item_type AS "itemType", item_code AS "itemCode", purpose,
  justification, ${epoch('valid_until')} AS "validUntil", region_level AS "regionLevel", renews, status, requested_by AS "requestedBy",
  ${epoch('created_at')} AS "createdAt", ${epoch('decided_at')} AS "decidedAt", decided_by AS "decidedBy", decision_note AS "decisionNote",
  agreement_id AS "agreementId"`;

/** Open requests and those decided in the last `decidedWithinMs`, of an OPD's (null: all), newest first, at most 200. */
export async function requestRows(db: Db, opd: string | null, decidedWithinMs: number, now: number): Promise<RequestRow[]> {
  const { rows } = await db.query<RequestRow>(
    `SELECT ${REQUEST_ROW} FROM sharing_request
      WHERE (status = 'open' OR decided_at > to_timestamp(($2::float8 - $3::float8) / 1000.0))
        AND ($1::text IS NULL OR owner_opd = $1 OR requester_opd = $1)
      ORDER BY id DESC LIMIT 200`,
    [opd, now, decidedWithinMs],
  );
  return rows;
}

export async function requestRow(db: Db, id: number, lock = false): Promise<RequestRow | null> {
  const { rows } = await db.query<RequestRow>(`SELECT ${REQUEST_ROW} FROM sharing_request WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}

export async function openRequests(db: Db): Promise<{ requesterOpd: string; itemType: 'metric' | 'event_kind'; itemCode: string }[]> {
  const { rows } = await db.query(
    `SELECT requester_opd AS "requesterOpd", item_type AS "itemType", item_code AS "itemCode" FROM sharing_request WHERE status = 'open'`,
  );
  return rows;
}

/**
 * How many open requests `opd` has; takes a transaction-scoped advisory lock on the requester first, so a burst
 * of requests cannot all pass the cap together.
 */
export async function lockAndCountOpenRequests(db: Db, opd: string): Promise<number> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('sharing_request:' || $1::text))`, [opd]);
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sharing_request WHERE requester_opd = $1 AND status = 'open'`, [
    opd,
  ]);
  return rows[0]!.n;
}

/** Inserts an open request; null when the same requester already has one open for this item and purpose. */
export async function insertRequest(
  db: Db,
  r: Pick<
    RequestRow,
    'requesterOpd' | 'ownerOpd' | 'itemType' | 'itemCode' | 'purpose' | 'justification' | 'validUntil' | 'regionLevel' | 'renews' | 'requestedBy'
  >,
  now: number,
): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sharing_request (requester_opd, owner_opd, item_type, item_code, purpose, justification, valid_until, region_level, renews, requested_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0), $8, $9, $10, to_timestamp($11 / 1000.0))
     ON CONFLICT (requester_opd, item_type, item_code, purpose) WHERE status = 'open' DO NOTHING RETURNING id`,
    [r.requesterOpd, r.ownerOpd, r.itemType, r.itemCode, r.purpose, r.justification, r.validUntil, r.regionLevel, r.renews, r.requestedBy, now],
  );
  return rows[0]?.id ?? null;
}

export async function closeRequest(
  db: Db,
  id: number,
  d: { status: 'approved' | 'refused' | 'withdrawn'; by: string; note: string | null; agreementId: number | null },
  now: number,
): Promise<void> {
  await db.query(
    `UPDATE sharing_request SET status = $2, decided_by = $3, decision_note = $4, agreement_id = $5, decided_at = to_timestamp($6 / 1000.0) WHERE id = $1`,
    [id, d.status, d.by, d.note, d.agreementId, now],
  );
}

/** Makes an agreement from an approved request (valid from now). */
export async function insertAgreement(
  db: Db,
  a: Pick<AgreementRow, 'ownerOpd' | 'granteeOpd' | 'itemType' | 'itemCode' | 'purpose' | 'regionLevel' | 'validUntil'> & { reference: string },
  now: number,
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sharing_agreement (owner_opd, grantee_opd, item_type, item_code, purpose, region_level, valid_from, valid_until, reference)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0), to_timestamp($8 / 1000.0), $9) RETURNING id`,
    [a.ownerOpd, a.granteeOpd, a.itemType, a.itemCode, a.purpose, a.regionLevel, now, a.validUntil, a.reference],
  );
  return rows[0]!.id;
}

/** Moves an agreement's end (a renewal); the reminder is due again for the new end date. */
export async function extendAgreement(db: Db, id: number, validUntil: number, regionLevel?: AgreementRow['regionLevel']): Promise<void> {
  await db.query(
    `UPDATE sharing_agreement SET valid_until = to_timestamp($2 / 1000.0), reminded_until = NULL, region_level = coalesce($3, region_level) WHERE id = $1`,
    [id, validUntil, regionLevel ?? null],
  );
}

export async function setDispute(db: Db, id: number, d: { byOpd: string | null; note: string } | null, now: number): Promise<void> {
  if (d)
    await db.query(`UPDATE sharing_agreement SET suspended_at = to_timestamp($2 / 1000.0), disputed_by_opd = $3, dispute_note = $4 WHERE id = $1`, [
      id,
      now,
      d.byOpd,
      d.note,
    ]);
  else await db.query(`UPDATE sharing_agreement SET suspended_at = NULL, disputed_by_opd = NULL, dispute_note = NULL WHERE id = $1`, [id]);
}

/** Marks the reminder sent for the agreement's current end date; false when another process did it first. */
export async function markReminded(db: Db, id: number, validUntil: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sharing_agreement SET reminded_until = valid_until
      WHERE id = $1 AND ${epoch('valid_until')} = $2::float8 AND reminded_until IS DISTINCT FROM valid_until`,
    [id, validUntil],
  );
  return (rowCount ?? 0) > 0;
}

/** Reads per agreement over the days from `fromDay` (YYYY-MM-DD). */
export async function usageTotals(db: Db, ids: readonly number[], fromDay: string): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: number; reads: string }>(
    `SELECT agreement_id AS id, sum(reads)::text AS reads FROM sharing_usage WHERE agreement_id = ANY($1::int[]) AND day >= $2::date GROUP BY agreement_id`,
    [[...ids], fromDay],
  );
  return new Map(rows.map((r) => [r.id, Number(r.reads)]));
}

export async function usageDays(
  db: Db,
  id: number,
  fromDay: string,
): Promise<{ day: string; actor: string; via: 'rest' | 'socket'; reads: number }[]> {
  const { rows } = await db.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, actor, via, reads FROM sharing_usage WHERE agreement_id = $1 AND day >= $2::date
      ORDER BY day DESC, actor, via LIMIT 1000`,
    [id, fromDay],
  );
  return rows;
}
